// Adversarial review of eager tasks against CPython 3.13 asyncio: an eager step that cancels its
// creator or its own task, cancel() right after createTask, and bad waits in an eager step. Method,
// pass counts and the JavaScript limit on async bodies (checks made for generator bodies only):
// see eager.review.helpers.ts. No difference from asyncio was found here.
import { describe, expect, it } from 'vitest';
import { CancelledError, RuntimeError, createTask, currentTask, newEventLoop, sleep } from 'tulip';
import { STYLES, newFuture, styled } from './helpers.js';
import { PASS, runEager, script, ticker, type Op } from './eager.review.helpers.js';

// ---- cancelling the creator, and the eager step's own cancel -------------------------------------

describe('an eager step that cancels its creator or itself', () => {
  for (const style of STYLES) {
    // asyncio: [('creator after', 1, True), ('t done after create', True, True),
    //  ('creator ended cancelled', ('k',), 0), ('creator after', 1, True),
    //  ('t done after create', False, False), ('creator cancelled at await', ('k',), 1),
    //  ('creator ended cancelled', ('k',), 2)]
    // A creator that returns without waiting after its eager child cancelled it ends cancelled.
    // (The creator is itself eager here; an async creator is done a microtask later, not inside
    // createTask, but still ends cancelled before the next pass.)
    for (const waits of [false, true]) {
      it(`a child cancelling its creator in its eager step: the creator ends cancelled${waits ? ', at its next wait' : ' though it returns'} (${style} creator)`, () =>
        runEager(async () => {
          const log: unknown[] = [];
          const tick = ticker(log);
          const s = tick();
          const creator = script(
            style,
            [
              () => {
                const me = currentTask()!;
                const k = createTask(function* () {
                  me.cancel('k');
                  return 'killed';
                });
                log.push(['creator after', me.cancelling(), k.done()]);
              },
              ...((waits ? [PASS] : []) as Op[]),
            ],
            { result: () => 'returned', onCancel: (e) => log.push(['creator cancelled at await', e.message, tick() - s]) },
          );
          const t = createTask(creator);
          const doneAtOnce = [t.done(), t.cancelled()];
          try {
            log.push(['r', await t]);
          } catch (e) {
            expect(e).toBeInstanceOf(CancelledError);
            log.push(['creator ended cancelled', (e as Error).message, tick() - s]);
          }
          if (waits) {
            expect(doneAtOnce).toEqual([false, false]);
            expect(log).toEqual([
              ['creator after', 1, true],
              ['creator cancelled at await', 'k', 1],
              ['creator ended cancelled', 'k', 2],
            ]);
          } else {
            if (style === 'generator') expect(doneAtOnce).toEqual([true, true]);
            expect(log).toEqual([
              ['creator after', 1, true],
              ['creator ended cancelled', 'k', 0],
            ]);
          }
        }));
    }

    // asyncio: [('c2 caught', 1, 0), 'survived']
    it(`a creator cancelled by its eager child may catch it, uncancel() and go on (${style} creator)`, () =>
      runEager(async () => {
        const log: unknown[] = [];
        ticker(log);
        const body = styled(
          style,
          function* () {
            const me = currentTask()!;
            createTask(function* () {
              me.cancel();
            });
            try {
              yield* sleep(0);
            } catch {
              log.push(['c2 caught', me.cancelling(), me.uncancel()]);
            }
            yield* sleep(0);
            return 'survived';
          },
          async () => {
            const me = currentTask()!;
            createTask(function* () {
              me.cancel();
            });
            try {
              await sleep(0);
            } catch {
              log.push(['c2 caught', me.cancelling(), me.uncancel()]);
            }
            await sleep(0);
            return 'survived';
          },
        );
        log.push(await createTask(body));
        expect(log).toEqual([['c2 caught', 1, 0], 'survived']);
      }));

    // asyncio: [('main cancelled', ('x',), True, 1, 2), ('me', 0), (True, True)]: the creator's
    // pending cancel is passed on to the task it then awaits, which is cancelled at its wait.
    it(`an eager child that cancels its creator, which then awaits it: the cancel goes to the child (${style} creator)`, () =>
      runEager(
        styled(
          style,
          function* () {
            const log: unknown[] = [];
            const tick = ticker(log);
            const me = currentTask()!;
            const t = createTask(script(style, [() => me.cancel('x'), PASS, () => log.push(['child goes on', tick()])], { result: () => 'c' }));
            try {
              yield* t;
            } catch (e) {
              log.push(['main cancelled', (e as Error).message, t.cancelled(), t.cancelling(), tick()]);
            }
            log.push(['me', me.uncancel()]);
            yield* sleep(0);
            log.push([t.done(), t.cancelled()]);
            expect(log).toEqual([['main cancelled', 'x', true, 1, 2], ['me', 0], [true, true]]);
          },
          async () => {
            const log: unknown[] = [];
            const tick = ticker(log);
            const me = currentTask()!;
            const t = createTask(script(style, [() => me.cancel('x'), PASS, () => log.push(['child goes on', tick()])], { result: () => 'c' }));
            try {
              await t;
            } catch (e) {
              log.push(['main cancelled', (e as Error).message, t.cancelled(), t.cancelling(), tick()]);
            }
            log.push(['me', me.uncancel()]);
            await sleep(0);
            log.push([t.done(), t.cancelled()]);
            expect(log).toEqual([['main cancelled', 'x', true, 1, 2], ['me', 0], [true, true]]);
          },
        ),
      ));

    // asyncio: cancel() of the running task sets _must_cancel; when the coroutine then returns,
    // the task ends cancelled with the message: ('cancelself return', True, True), ('msg', ('bye',))
    it(`an eager step that cancels its own task and returns ends cancelled (${style})`, () =>
      runEager(async () => {
        const t = createTask(script(style, [() => currentTask()!.cancel('bye')], { result: () => 'value' }));
        if (style === 'generator') expect([t.done(), t.cancelled()]).toEqual([true, true]);
        const e = await t.then(
          () => null,
          (err: unknown) => err,
        );
        expect(e).toBeInstanceOf(CancelledError);
        expect((e as Error).message).toBe('bye');
        expect(t.cancelled()).toBe(true);
      }));

    // asyncio: [('caught in own task', 1, 1), ('kept', 3)]
    it(`an eager step that cancels its own task gets the CancelledError at its first wait, a pass later (${style})`, () =>
      runEager(async () => {
        const log: unknown[] = [];
        const tick = ticker(log);
        const body = styled(
          style,
          function* () {
            const me = currentTask()!;
            me.cancel();
            try {
              yield* sleep(0);
            } catch {
              log.push(['caught in own task', me.cancelling(), tick()]);
            }
            me.uncancel();
            yield* sleep(0);
            return 'kept';
          },
          async () => {
            const me = currentTask()!;
            me.cancel();
            try {
              await sleep(0);
            } catch {
              log.push(['caught in own task', me.cancelling(), tick()]);
            }
            me.uncancel();
            await sleep(0);
            return 'kept';
          },
        );
        const t = createTask(body);
        log.push(['cc', t.done(), t.cancelling()]);
        log.push([await t, tick()]);
        expect(log).toEqual([['cc', false, 1], ['caught in own task', 1, 1], ['kept', 3]]);
      }));

    // asyncio: [('f cancelled at once', True), ('w cancelled', 1), ('creator sees', 2)]: the eager
    // step left the task waiting on the future, so cancel() cancels that future at once.
    // (An async body's first `await f` attaches to f in a microtask, after createTask returned: f
    // is cancelled then, still before the next pass, and the task is cancelled at the same tick.)
    it(`cancel() right after createTask cancels the future the eager step waits on (${style})`, () =>
      runEager(async () => {
        const log: unknown[] = [];
        const tick = ticker(log);
        const f = newFuture();
        const t = createTask(script(style, [{ wait: () => f }], { onCancel: () => log.push(['w cancelled', tick()]) }));
        t.cancel();
        if (style === 'generator') log.push(['f cancelled at once', f.cancelled()]);
        else {
          await Promise.resolve();
          log.push(['f cancelled at once', f.cancelled()]);
        }
        try {
          await t;
        } catch {
          log.push(['creator sees', tick()]);
        }
        expect(log).toEqual([['f cancelled at once', true], ['w cancelled', 1], ['creator sees', 2]]);
      }));

    // asyncio: ('foreign', False), ('foreign err', True, 2): the step's bad wait is answered in the
    // next pass with a RuntimeError thrown into the coroutine.
    it(`an eager step waiting on a future of another loop fails in the next pass (${style})`, () =>
      runEager(async () => {
        const log: unknown[] = [];
        const tick = ticker(log);
        const other = newEventLoop();
        try {
          const t = createTask(script(style, [{ wait: () => other.createFuture() }]));
          expect(t.done()).toBe(false);
          try {
            await t;
          } catch (e) {
            expect(e).toBeInstanceOf(RuntimeError);
            log.push(['foreign err', /different loop/.test((e as Error).message), tick()]);
          }
        } finally {
          other.close();
        }
        expect(log).toEqual([['foreign err', true, 2]]);
      }));
  }

  for (const style of STYLES) {
    // asyncio: ('selfawait', False), ('selfawait err', 'Task cannot await on itself', 2)
    it(`an eager step awaiting its own task fails with RuntimeError in the next pass (${style})`, () =>
      runEager(async () => {
        const log: unknown[] = [];
        const tick = ticker(log);
        const t = createTask(script(style, [{ wait: () => currentTask()! }]));
        expect(t.done()).toBe(false);
        try {
          await t;
        } catch (e) {
          expect(e).toBeInstanceOf(RuntimeError);
          log.push([(e as Error).message.slice(0, 27), tick()]);
        }
        expect(log).toEqual([['Task cannot await on itself', 2]]);
      }));

    // asyncio: [('c cancelled', ('m',), 1), ('creator sees', 2)]: a task whose eager step ended at
    // sleep(0) waits on no future; cancel() marks it, and the CancelledError is thrown in when it
    // resumes in the next pass.
    it(`cancel() right after createTask of a task whose eager step ended at sleep(0): cancelled as it resumes (${style})`, () =>
      runEager(async () => {
        const log: unknown[] = [];
        const tick = ticker(log);
        const t = createTask(script(style, [PASS], { onCancel: (e) => log.push(['c cancelled', e.message, tick()]) }));
        t.cancel('m');
        try {
          await t;
        } catch {
          log.push(['creator sees', tick()]);
        }
        expect(log).toEqual([['c cancelled', 'm', 1], ['creator sees', 2]]);
      }));
  }
});
