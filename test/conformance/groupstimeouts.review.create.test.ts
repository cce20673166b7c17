// Adversarial review of TaskGroup × timeout × cancellation against CPython 3.13 asyncio: createTask
// on a group that is shutting down or finished, and eager children failing in their first step.
// Method: see groupstimeouts.review.helpers.ts. Difference found (inherent to async functions,
// it.fails): an async child failing in its eager step is not done inside createTask, so the group
// hears of it a pass later than asyncio.
import { describe, expect, it } from 'vitest';
import { RuntimeError, TaskGroup, run, sleep, type Coroutine, type Task } from 'tulip';
import { STYLES, newFuture } from './helpers.js';
import { Boom, cancelling, shape, ticker } from './groupstimeouts.review.helpers.js';

// ---- createTask while the group shuts down, and eager children ---------------------------------

describe('createTask on a group that is shutting down or finished (review)', () => {
  for (const style of STYLES) {
    // asyncio 3.13 probe: [('raise', 2), ('refused', '… is shutting down', 'CORO_CLOSED'),
    //   ('out', EG[Boom()]), ('refused', '… is finished', 'CORO_CLOSED')] — the refused coroutine
    // is closed (it never runs, and a generator object passed in is finished).
    it(`the body cancelled by a failure is refused with "shutting down", and after the exit with "finished"; the refused bodies never run (${style})`, () =>
      run(async () => {
        const log: unknown[] = [];
        const tick = ticker(log);
        function* neverRuns(): Coroutine<void> {
          log.push('RAN');
        }
        const asyncNeverRuns = async (): Promise<void> => {
          log.push('RAN');
        };
        const refuse = (tg: TaskGroup) => {
          const gen = neverRuns();
          const e = (() => {
            try {
              tg.createTask(style === 'generator' ? gen : asyncNeverRuns);
            } catch (err) {
              return err;
            }
            return null;
          })();
          log.push(['refused', (e as Error).constructor, /is (shutting down|finished)/.exec((e as Error).message)?.[0]]);
          if (style === 'generator') log.push(['closed', gen.next().done]);
        };
        let group!: TaskGroup;
        try {
          await new TaskGroup().run(style === 'generator'
            ? function* (tg) {
              group = tg;
              tg.createTask(function* () { yield* sleep(0); log.push(['raise', tick()]); throw new Boom(); });
              try { yield* newFuture(); } catch (e) { refuse(tg); throw e; }
            }
            : async (tg) => {
              group = tg;
              tg.createTask(async () => { await sleep(0); log.push(['raise', tick()]); throw new Boom(); });
              try { await newFuture(); } catch (e) { refuse(tg); throw e; }
            });
        } catch (e) {
          log.push(['out', shape(e)]);
        }
        refuse(group);
        await sleep(0);
        const closed = style === 'generator' ? [['closed', true]] : [];
        expect(log).toEqual([
          ['raise', 2],
          ['refused', RuntimeError, 'is shutting down'],
          ...closed,
          ['out', ['ExceptionGroup', 'Boom()']],
          ['refused', RuntimeError, 'is finished'],
          ...closed,
        ]);
      }));

    // asyncio 3.13 probe: [('raise', 2), ('sib creates', 2), ('sib cancelled', 4), ('out', EG[Boom()], 6, grandchild cancelled=True)]
    // and the grandchild's body never runs: a sibling running later in the very pass the child
    // failed in may still add a task (the group hears of the failure from a done callback, one pass
    // later), and the abort then cancels that task before its first step.
    it(`a task added by a sibling in the pass of a failure is accepted, then cancelled before it runs (${style})`, () =>
      run(async () => {
        const log: unknown[] = [];
        const tick = ticker(log);
        let grand = null as Task<void> | null;
        const gc = style === 'generator'
          ? function* () { log.push('GRANDCHILD RAN'); yield* sleep(0); }
          : async () => { log.push('GRANDCHILD RAN'); await sleep(0); };
        const create = (tg: TaskGroup) => {
          log.push(['sib creates', tick()]);
          try {
            grand = tg.createTask(gc);
          } catch (e) {
            log.push(['refused', (e as Error).message]);
          }
        };
        const sibCancelled = (e: unknown): never => {
          log.push(['sib cancelled', tick()]);
          throw e;
        };
        try {
          await new TaskGroup().run((tg) => {
            tg.createTask(style === 'generator'
              ? function* () { yield* sleep(0); log.push(['raise', tick()]); throw new Boom(); }
              : async () => { await sleep(0); log.push(['raise', tick()]); throw new Boom(); });
            tg.createTask(style === 'generator'
              ? function* () {
                yield* sleep(0);
                create(tg);
                try { yield* newFuture(); } catch (e) { sibCancelled(e); }
              }
              : async () => {
                await sleep(0);
                create(tg);
                try { await newFuture(); } catch (e) { sibCancelled(e); }
              });
          });
        } catch (e) {
          log.push(['out', shape(e), tick(), grand?.cancelled()]);
        }
        expect(log).toEqual([
          ['raise', 2],
          ['sib creates', 2],
          ['sib cancelled', 4],
          ['out', ['ExceptionGroup', 'Boom()'], 6, true],
        ]);
      }));
  }
});

describe('eager children failing in their first step (review)', () => {
  for (const style of STYLES) {
    // asyncio 3.13 probe (a task factory making only this child eager, as { eagerStart: true }):
    //   [('eager step', 0), ('after create', done=True, 0, cancelling=0), ('second create ok', 0),
    //    ('body cancelled', 1, 1), ('out', EG[Boom(e)], 3, 0, other cancelled=True)]
    // The group hears of the eager failure from a done callback one pass later: createTask right
    // after it still succeeds, and that second child is cancelled before its first step.
    // In the async style this cannot hold exactly: an async body that throws before its first
    // await hands back an already-rejected promise, and JS gives no way to read a promise's outcome
    // synchronously, so the task is not done inside createTask (eager.test.ts notes the same for
    // test_eager_completion). tulip (async): 'after create' done=false, the second child gets its
    // first step ('other started', 1) before being cancelled at 2, and the group exits at tick 4.
    // The outcome (ExceptionGroup[Boom(e)], cancelling() 0, the second child cancelled) is the same:
    // see the next test.
    const exact = style === 'generator' ? it : it.fails;
    exact(`a child failing in its eager step leaves the group open until the next pass (${style})`, () =>
      run(async () => {
        const log: unknown[] = [];
        const tick = ticker(log);
        let o!: Task<void>;
        const eagerFail = style === 'generator'
          // eslint-disable-next-line require-yield
          ? function* (): Coroutine<never> { log.push(['eager step', tick()]); throw new Boom('e'); }
          : async (): Promise<never> => { log.push(['eager step', tick()]); throw new Boom('e'); };
        const other = style === 'generator'
          ? function* () {
            log.push(['other started', tick()]);
            try { yield* newFuture(); } catch (e) { log.push(['other cancelled', tick()]); throw e; }
          }
          : async () => {
            log.push(['other started', tick()]);
            try { await newFuture(); } catch (e) { log.push(['other cancelled', tick()]); throw e; }
          };
        const create = (tg: TaskGroup) => {
          const t = tg.createTask(eagerFail, { eagerStart: true });
          log.push(['after create', t.done(), tick(), cancelling()]);
          try {
            o = tg.createTask(other);
            log.push(['second create ok', tick()]);
          } catch (e) {
            log.push(['second create refused', (e as Error).message]);
          }
        };
        const bodyCancelled = (e: unknown): never => {
          log.push(['body cancelled', tick(), cancelling()]);
          throw e;
        };
        try {
          await new TaskGroup().run(style === 'generator'
            ? function* (tg) {
              create(tg);
              try {
                yield* sleep(0);
                log.push(['body slept', tick()]);
                yield* sleep(0);
                log.push(['body slept 2', tick()]);
              } catch (e) { bodyCancelled(e); }
            }
            : async (tg) => {
              create(tg);
              try {
                await sleep(0);
                log.push(['body slept', tick()]);
                await sleep(0);
                log.push(['body slept 2', tick()]);
              } catch (e) { bodyCancelled(e); }
            });
        } catch (e) {
          log.push(['out', shape(e), tick(), cancelling(), o?.cancelled()]);
        }
        expect(log).toEqual([
          ['eager step', 0],
          ['after create', true, 0, 0],
          ['second create ok', 0],
          ['body cancelled', 1, 1],
          ['out', ['ExceptionGroup', 'Boom(e)'], 3, 0, true],
        ]);
      }));

    it(`a child failing in its eager step fails the group with its error and the second child ends cancelled (${style})`, () =>
      run(async () => {
        let o!: Task<void>;
        const e = await (async () => {
          try {
            await new TaskGroup().run(async (tg) => {
              tg.createTask(style === 'generator'
                // eslint-disable-next-line require-yield
                ? function* (): Coroutine<never> { throw new Boom('e'); }
                : async (): Promise<never> => { throw new Boom('e'); }, { eagerStart: true });
              o = tg.createTask(style === 'generator'
                ? function* () { yield* newFuture(); }
                : async () => { await newFuture(); });
              await sleep(0);
              await sleep(0);
            });
          } catch (err) {
            return err;
          }
          return null;
        })();
        expect(shape(e)).toEqual(['ExceptionGroup', 'Boom(e)']);
        expect(cancelling()).toBe(0);
        expect(o.cancelled()).toBe(true);
      }));

    // asyncio 3.13 probe: [('eager step', '1', 0), ('eager step', '2', 0), ('body end', 0),
    //   ('out', EG[Boom(1), Boom(2)], 2, 0)] — both eager failures are collected, in order.
    it(`two children failing in their eager steps are both collected, in creation order (${style})`, () =>
      run(async () => {
        const log: unknown[] = [];
        const tick = ticker(log);
        const eagerFail = (x: string) =>
          style === 'generator'
            // eslint-disable-next-line require-yield
            ? function* (): Coroutine<never> { log.push(['eager step', x, tick()]); throw new Boom(x); }
            : async (): Promise<never> => { log.push(['eager step', x, tick()]); throw new Boom(x); };
        try {
          await new TaskGroup().run((tg) => {
            tg.createTask(eagerFail('1'), { eagerStart: true });
            tg.createTask(eagerFail('2'), { eagerStart: true });
            log.push(['body end', tick()]);
          });
        } catch (e) {
          log.push(['out', shape(e), tick(), cancelling()]);
        }
        expect(log).toEqual([
          ['eager step', '1', 0],
          ['eager step', '2', 0],
          ['body end', 0],
          ['out', ['ExceptionGroup', 'Boom(1)', 'Boom(2)'], 2, 0],
        ]);
      }));
  }
});
