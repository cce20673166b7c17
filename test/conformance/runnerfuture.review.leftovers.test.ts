// Adversarial review of run()/Runner against CPython 3.13 asyncio (Lib/asyncio/runners.py): the
// shutdown's cancel round over leftover tasks (made late, waiting on each other, cancelling the
// others) and Runner.close(). New scenarios, not ports of test_runners.py: every expectation was
// checked with a probe on the pure-Python 3.13 asyncio (the probe's output is quoted above each
// test where it matters). Conventions: `ms` everywhere; pass counts come from `sleep(0)` (one loop
// pass each) or from a `callSoon` chain, as the `loop.call_soon` chains of the Python probes.
import { describe, expect, it } from 'vitest';
import {
  CancelledError,
  Runner,
  allTasks,
  createTask,
  currentTask,
  getRunningLoop,
  run,
  sleep,
  type ExceptionContext,
  type Task,
} from 'tulip';
import { FOREVER, KeyError, STYLES, recordExceptions, styled } from './helpers.js';
import { recorder, sleeper } from './runnerfuture.review.helpers.js';

// =================================================================================================
// run() and Runner
// =================================================================================================

describe('run(): leftovers made late, and leftovers waiting on each other', () => {
  for (const style of STYLES) {
    // asyncio (probe N10): a task created by a callback main's last step scheduled (so after main
    // returned) is found by the shutdown's cancel round before its first step: its body never
    // runs:  N10 main sees [True]   N10 [] True
    it(`a task created by a callback after main returned is cancelled before its first step (${style})`, async () => {
      const ran: number[] = [];
      let t!: Task<unknown>;
      let seenByMain!: boolean[];
      await run(() => {
        const me = currentTask();
        seenByMain = [...allTasks()].map((x) => x === me);
        getRunningLoop().callSoon(() => {
          t = createTask(recorder(style, ran));
        });
        return 1;
      });
      expect(seenByMain).toEqual([true]);
      expect(ran).toEqual([]);
      expect(t.cancelled()).toBe(true);
    });

    // asyncio (probe N1): a task created in main's very last step gets its first step before the
    // loop stops (its step was queued before main's done callback), so a body with no wait runs to
    // the end and is not cancelled:  N1 m [1] False
    it(`a task created in main's last step runs its body to the end before the shutdown (${style})`, async () => {
      const ran: number[] = [];
      let t!: Task<unknown>;
      expect(
        await run(() => {
          t = createTask(recorder(style, ran));
          return 'm';
        }),
      ).toBe('m');
      expect(ran).toEqual([1]);
      expect(t.cancelled()).toBe(false);
      expect(t.result()).toBe('ran');
    });

    // asyncio (probe N2): leftover L1's finally awaits leftover L2, which the shutdown cancelled
    // too: L1 sees L2's CancelledError, both end cancelled, nothing is reported:
    //   N2 ['L1 finally', 'L1 saw L2 cancelled', 'L2 finally'] [] True True
    it(`a leftover whose finally awaits another cancelled leftover ends cancelled, unreported (${style})`, async () => {
      const log: string[] = [];
      let seen!: ExceptionContext[];
      let l1!: Task<unknown>;
      let l2!: Task<unknown>;
      const sawL2 = (e: unknown): never => {
        if (e instanceof CancelledError) log.push('L1 saw L2 cancelled');
        throw e;
      };
      await run(async () => {
        seen = recordExceptions();
        l2 = createTask(sleeper(style, (e) => { log.push('L2 finally'); throw e; }));
        l1 = createTask(
          styled(
            style,
            function* () {
              try {
                yield* sleep(FOREVER);
              } finally {
                log.push('L1 finally');
                try {
                  yield* l2;
                } catch (e) {
                  sawL2(e);
                }
              }
            },
            async () => {
              try {
                await sleep(FOREVER);
              } finally {
                log.push('L1 finally');
                try {
                  await l2;
                } catch (e) {
                  sawL2(e);
                }
              }
            },
          ),
        );
        await sleep(0);
      });
      expect(log.sort()).toEqual(['L1 finally', 'L1 saw L2 cancelled', 'L2 finally']);
      expect(seen).toEqual([]);
      expect([l1.cancelled(), l2.cancelled()]).toEqual([true, true]);
    });

    // asyncio (probe N2b): when L2 swallows the cancel (a pass later) and returns 'v', L1's
    // finally gets 'v', and L1 still ends cancelled (its finally re-raises the cancel):
    //   N2b [('L1 got', 'v')] True
    it(`a leftover whose finally awaits a leftover that swallows the cancel gets its value and still ends cancelled (${style})`, async () => {
      const log: unknown[] = [];
      let l1!: Task<unknown>;
      await run(async () => {
        const l2 = createTask(sleeper(style, () => 'v', true));
        l1 = createTask(
          styled(
            style,
            function* () {
              try {
                yield* sleep(FOREVER);
              } finally {
                log.push(['L1 got', yield* l2]);
              }
            },
            async () => {
              try {
                await sleep(FOREVER);
              } finally {
                log.push(['L1 got', await l2]);
              }
            },
          ),
        );
        await sleep(0);
      });
      expect(log).toEqual([['L1 got', 'v']]);
      expect(l1.cancelled()).toBe(true);
    });
  }
});

describe('run(): what a leftover sees while the shutdown cancels it', () => {
  for (const style of STYLES) {
    // asyncio (probe N8): in its finally, a leftover is the current task, allTasks() holds only
    // it (main is done; the shutdown's gather is no task), also a pass later; cancelling() is 1:
    //   N8 [('L', ['L'], 1), ['L']]
    // (tulip also listed the task its shutdown ran the gather in; fixed since.)
    it(`in its finally a leftover is the current task and the only one in allTasks() (${style})`, async () => {
      const log: unknown[] = [];
      const look = (): void => {
        const me = currentTask()!;
        log.push([me.getName(), [...allTasks()].map((t) => t.getName()), me.cancelling()]);
      };
      const names = (): void => void log.push([...allTasks()].map((t) => t.getName()));
      await run(async () => {
        createTask(
          styled(
            style,
            function* () {
              try {
                yield* sleep(FOREVER);
              } finally {
                look();
                yield* sleep(0);
                names();
              }
            },
            async () => {
              try {
                await sleep(FOREVER);
              } finally {
                look();
                await sleep(0);
                names();
              }
            },
          ),
          { name: 'L' },
        );
        await sleep(0);
      });
      expect(log).toEqual([['L', ['L'], 1], ['L']]);
    });
  }
});

describe('run(): a leftover that cancels every other task in its cleanup', () => {
  for (const style of STYLES) {
    // asyncio (probe N9): the common "cancel everything else" loop in a leftover's finally finds
    // no other task during the shutdown; its cleanup finishes and run() returns main's result:
    //   N9 main result ['cleanup done']
    // (tulip's loop found the shutdown's own gather task and cancelled it, so run() rejected with
    // CancelledError although main succeeded, the cleanup cut short; fixed since.)
    it(`a leftover cancelling all other tasks in its finally does not break the shutdown (${style})`, async () => {
      const log: string[] = [];
      const cancelOthers = (): void => {
        const me = currentTask()!;
        for (const t of allTasks()) if (t !== me) t.cancel();
      };
      const r = await run(async () => {
        createTask(
          styled(
            style,
            function* () {
              try {
                yield* sleep(FOREVER);
              } finally {
                cancelOthers();
                yield* sleep(0);
                log.push('cleanup done');
              }
            },
            async () => {
              try {
                await sleep(FOREVER);
              } finally {
                cancelOthers();
                await sleep(0);
                log.push('cleanup done');
              }
            },
          ),
          { name: 'L' },
        );
        await sleep(0);
        return 'main result';
      });
      expect(r).toBe('main result');
      expect(log).toEqual(['cleanup done']);
    });
  }
});

describe('Runner: runs, leftovers and close()', () => {
  // asyncio (probe R1): the handler set in run 1's main is still the loop's at close(), and gets
  // the error a task left from run 1 raises when close() cancels it; run 2's main sees that task
  // in all_tasks():
  //   R1 runs 1 ['L', 'Task-2']   before close []   after close [('unhandled exception during asyncio.run() shutdown', "KeyError('late')")]
  for (const style of STYLES) {
    it(`close() reports a leftover's cleanup error to the handler an earlier run's main set (${style})`, async () => {
      const runner = new Runner();
      const seen: unknown[] = [];
      const err = new KeyError('late');
      try {
        await runner.run(async () => {
          getRunningLoop().setExceptionHandler((_l, c) => seen.push([c.message, c.exception]));
          createTask(sleeper(style, () => { throw err; }), { name: 'L' });
          await sleep(0);
          return 1;
        });
        const names = await runner.run(() => [...allTasks()].map((t) => t.getName()).sort());
        expect(names).toHaveLength(2);
        expect(names).toContain('L');
        expect(seen).toEqual([]);
      } finally {
        await runner.close();
      }
      expect(seen).toHaveLength(1);
      expect((seen[0] as unknown[])[1]).toBe(err);
      expect((seen[0] as unknown[])[0]).toMatch(/shutdown/);
    });
  }
});
