// Adversarial review of eager tasks against CPython 3.13 asyncio: eager children of a TaskGroup
// (failing, cancelled or finishing in their eager step; a group shutting down). Method, pass
// counts and the JavaScript limit on async bodies (checks made for generator bodies only): see
// eager.review.helpers.ts. No difference from asyncio was found here.
import { describe, expect, it } from 'vitest';
import {
  CancelledError,
  ExceptionGroup,
  RuntimeError,
  TaskGroup,
  createTask,
  currentTask,
  sleep,
  type Task,
} from 'tulip';
import { STYLES, ValueError } from './helpers.js';
import { PASS, fail, runEager, script, ticker } from './eager.review.helpers.js';

const messages = (eg: unknown): string[] => {
  expect(eg).toBeInstanceOf(ExceptionGroup);
  return (eg as ExceptionGroup).errors.map((e) => (e as Error).message);
};

// ---- TaskGroup ----------------------------------------------------------------------------------

describe('eager children of a TaskGroup', () => {
  for (const style of STYLES) {
    // asyncio: [('fail step', 0), ('after create', done=True, cancelling=0, 0), ('sib step', 0),
    //  ('sib created', False, 0), ('sib cancelled', 2), ('body cancelled', 1, 2), ('eg', [x], 4, 0)]
    // The group hears of the failure from the done callback it adds (3.13.11 always adds one), so
    // a sibling made right after is accepted and runs its eager step.
    it(`a child failing in its eager step aborts the group only from the next pass (${style} child)`, () =>
      runEager(async () => {
        const log: unknown[] = [];
        const tick = ticker(log);
        const me = currentTask()!;
        let failedAtOnce: boolean | undefined;
        try {
          await new TaskGroup().run(async (tg) => {
            const t = tg.createTask(script(style, [() => log.push(['fail step', tick()]), () => { throw new ValueError('x'); }]));
            failedAtOnce = t.done();
            log.push(['after create', me.cancelling(), tick()]);
            const s = tg.createTask(
              script(style, [() => log.push(['sib step', tick()]), { wait: () => sleep(10_000) }], {
                onCancel: () => log.push(['sib cancelled', tick()]),
              }),
            );
            log.push(['sib created', s.done(), tick()]);
            try {
              await sleep(10_000);
            } catch (e) {
              log.push(['body cancelled', me.cancelling(), tick()]);
              throw e;
            }
          });
        } catch (eg) {
          log.push(['eg', messages(eg), tick(), me.cancelling()]);
        }
        // (an async body that throws before its first await is done a microtask later)
        if (style === 'generator') expect(failedAtOnce).toBe(true);
        expect(log).toEqual([
          ['fail step', 0],
          ['after create', 0, 0],
          ['sib step', 0],
          ['sib created', false, 0],
          ['sib cancelled', 2],
          ['body cancelled', 1, 2],
          ['eg', ['x'], 4, 0],
        ]);
      }));

    // asyncio: [('eg', 2, 0)]: the block ends at once; the group waits for the callback of the
    // failed child (pass 1), which cancels the parent at its wait for the children (pass 2).
    it(`a child failing in its eager step, and a block that waits no more: ExceptionGroup after 2 passes (${style} child)`, () =>
      runEager(async () => {
        const log: unknown[] = [];
        const tick = ticker(log);
        const me = currentTask()!;
        try {
          await new TaskGroup().run((tg) => {
            tg.createTask(script(style, [() => { throw new ValueError('v'); }]));
          });
        } catch (eg) {
          log.push(['eg', messages(eg), tick(), me.cancelling()]);
        }
        expect(log).toEqual([['eg', ['v'], 2, 0]]);
      }));

    // asyncio: the task raising CancelledError is cancelled at once, the one that cancels itself is
    // cancelled (message 'self') at its wait one pass later, and the group ends normally at tick 3:
    // ['raise step', ('t1', True, True, 0), ('selfcancel step', 1), ('t2', False, 1, 0),
    //  ('t2 after 1 pass', True, True, 1), ('t2 msg', ('self',)), ('group ok', 3)]
    it(`children cancelled in their eager step do not abort the group (${style} children)`, () =>
      runEager(async () => {
        const log: unknown[] = [];
        const tick = ticker(log);
        let t1Done: unknown[] = [];
        await new TaskGroup().run(async (tg) => {
          const t1 = tg.createTask(script(style, [() => log.push('raise step'), () => { throw new CancelledError('own'); }]));
          t1Done = [t1.done(), t1.cancelled()];
          const t2 = tg.createTask(
            script(style, [
              () => currentTask()!.cancel('self'),
              () => log.push(['selfcancel step', currentTask()!.cancelling()]),
              PASS,
              () => log.push('not reached'),
            ]),
          );
          log.push(['t2', t2.done(), t2.cancelling(), tick()]);
          await sleep(0);
          log.push(['t2 after 1 pass', t2.done(), t2.cancelled(), tick()]);
          try {
            t2.result();
          } catch (e) {
            log.push(['t2 msg', (e as Error).message]);
          }
          expect(t1.cancelled()).toBe(true);
        });
        log.push(['group ok', tick()]);
        if (style === 'generator') expect(t1Done).toEqual([true, true]);
        expect(log).toEqual([
          'raise step',
          ['selfcancel step', 1],
          ['t2', false, 1, 0],
          ['t2 after 1 pass', true, true, 1],
          ['t2 msg', 'self'],
          ['group ok', 3],
        ]);
      }));

    // asyncio: the group's create_task raises RuntimeError('... is shutting down') before the
    // loop's create_task: the coroutine never runs and no task (no task number) is made.
    it(`a group shutting down refuses a task before its eager step, and takes no task number (${style} body)`, () =>
      runEager(async () => {
        const ran: string[] = [];
        const num = (): number => Number(createTask(function* () { return currentTask()!.getName(); }).result().split('-')[1]);
        let refusal: unknown;
        let numbers: number[] = [];
        const e = await new TaskGroup()
          .run(async (tg) => {
            tg.createTask(script(style, [() => { throw new ValueError('v'); }]));
            try {
              await sleep(1000);
            } catch {
              // the group's abort: go on to the refused createTask
            }
            const before = num();
            try {
              tg.createTask(script(style, [() => ran.push('ran')]));
            } catch (err) {
              refusal = err;
            }
            numbers = [before, num()];
          })
          .then(
            () => null,
            (err: unknown) => err,
          );
        expect(refusal).toBeInstanceOf(RuntimeError);
        expect((refusal as Error).message).toMatch(/is shutting down/);
        expect(ran).toEqual([]);
        expect(numbers[1]! - numbers[0]!).toBe(1);
        expect(messages(e)).toEqual(['v']);
      }));

    // asyncio: [('killer step', 1, 0), ('after create', 1, False, 0), ('killer resumed', 1),
    //  ('body cancelled', ('by child',), 1), ('group raised cancel', ('by child',), False, 'k', 3, 1)]
    // The child's cancel of the parent is delivered at the body's next wait; the group then cancels
    // nobody (the child is done by then) and re-raises the CancelledError.
    it(`a child that cancels the group's parent in its eager step: the body is cancelled at its next wait, the child finishes (${style} child)`, () =>
      runEager(async () => {
        const log: unknown[] = [];
        const tick = ticker(log);
        const me = currentTask()!;
        let k!: Task<string>;
        try {
          await new TaskGroup().run(async (tg) => {
            k = tg.createTask(
              script(
                style,
                [
                  () => me.cancel('by child'),
                  () => log.push(['killer step', me.cancelling(), tick()]),
                  PASS,
                  () => log.push(['killer resumed', tick()]),
                ],
                { result: () => 'k' },
              ),
            );
            log.push(['after create', me.cancelling(), k.done(), tick()]);
            try {
              await sleep(10_000);
            } catch (e) {
              log.push(['body cancelled', (e as Error).message, tick()]);
              throw e;
            }
          });
        } catch (e) {
          expect(e).toBeInstanceOf(CancelledError);
          log.push(['group raised cancel', (e as Error).message, k.cancelled(), k.result(), tick(), me.cancelling()]);
        }
        expect(log).toEqual([
          ['killer step', 1, 0],
          ['after create', 1, false, 0],
          ['killer resumed', 1],
          ['body cancelled', 'by child', 1],
          ['group raised cancel', 'by child', false, 'k', 3, 1],
        ]);
      }));

    // asyncio: a child that cancels the group's parent and then fails in its eager step: the group
    // raises ExceptionGroup([kf]) after 3 passes, and the parent's cancel request stays counted
    // (cancelling() 1: the group takes back only its own). [('after', 1), ('outcome', EG[kf], 3, 1, False)]
    it(`a child that cancels the parent and fails in its eager step: ExceptionGroup after 3 passes, the parent still cancelling (${style} child)`, () =>
      runEager(async () => {
        const log: unknown[] = [];
        const tick = ticker(log);
        let parent!: Task<unknown>;
        const p = createTask(
          async () => {
            parent = currentTask()!;
            await new TaskGroup().run(async (tg) => {
              tg.createTask(script(style, [() => parent.cancel('kf'), () => { throw new ValueError('kf'); }]));
              log.push(['after', parent.cancelling()]);
              await sleep(1000);
            });
          },
          { eagerStart: false },
        );
        try {
          await p;
        } catch (e) {
          log.push(['outcome', messages(e), tick(), p.cancelling(), p.cancelled()]);
        }
        expect(log).toEqual([
          ['after', 1],
          ['outcome', ['kf'], 3, 1, false],
        ]);
      }));

    // asyncio: [('grand step', 0), ('grand done in child step', True, 'g'), ('child pending', False, 0), ('end', 'c', 3)]
    it(`a child making a grandchild in the same group during its eager step (${style} child)`, () =>
      runEager(async () => {
        const log: unknown[] = [];
        const tick = ticker(log);
        let c!: Task<string>;
        await new TaskGroup().run((tg) => {
          c = tg.createTask(
            script(
              style,
              [
                () => {
                  const g = tg.createTask(function* () {
                    log.push(['grand step', tick()]);
                    return 'g';
                  });
                  log.push(['grand done in child step', g.done(), g.result()]);
                },
                PASS,
              ],
              { result: () => 'c' },
            ),
          );
          log.push(['child pending', c.done(), tick()]);
        });
        log.push(['end', c.result(), tick()]);
        expect(log).toEqual([
          ['grand step', 0],
          ['grand done in child step', true, 'g'],
          ['child pending', false, 0],
          ['end', 'c', 3],
        ]);
      }));

    // asyncio: [('user cb', 1), ('exit with eager-done child', 2), ('exit empty', 0)]: a child that
    // finished in its eager step still costs the block's exit two passes (the group's done
    // callback, then the wake-up), while an empty group exits at once.
    it(`a child finishing in its eager step: its done callbacks run in the next pass, the group exits after 2 (${style} child)`, () =>
      runEager(async () => {
        const log: unknown[] = [];
        const tick = ticker(log);
        await new TaskGroup().run((tg) => {
          const t = tg.createTask(script(style, [], { result: () => 'r' }));
          t.addDoneCallback(() => log.push(['user cb', tick()]));
        });
        log.push(['exit with eager-done child', tick()]);
        const s = tick();
        await new TaskGroup().run(() => {});
        log.push(['exit empty', tick() - s]);
        expect(log).toEqual([
          ['user cb', 1],
          ['exit with eager-done child', 2],
          ['exit empty', 0],
        ]);
      }));

    // asyncio: [('spawned', 1, 0), ('spawner cancelled', 2), ('eg', ['late'], 4, 0, True)]: a
    // sibling adds a child that fails eagerly while the block already waits for the children.
    it(`a child failing eagerly while the group waits at the end of its block cancels the rest (${style} spawner)`, () =>
      runEager(async () => {
        const log: unknown[] = [];
        const tick = ticker(log);
        const me = currentTask()!;
        let sp!: Task<undefined>;
        try {
          await new TaskGroup().run((tg) => {
            sp = tg.createTask(
              script(
                style,
                [
                  PASS,
                  () => tg.createTask(() => fail('late')),
                  () => log.push(['spawned', tick(), me.cancelling()]),
                  PASS,
                  () => log.push('spawner resumed'),
                ],
                { onCancel: () => log.push(['spawner cancelled', tick()]) },
              ),
            );
          });
        } catch (eg) {
          log.push(['eg', messages(eg), tick(), me.cancelling(), sp.cancelled()]);
        }
        expect(log).toEqual([
          ['spawned', 1, 0],
          ['spawner cancelled', 2],
          ['eg', ['late'], 4, 0, true],
        ]);
      }));
  }
});
