// Regression tests for the differences between tulip and CPython 3.13 asyncio found by the
// differential tester (scripts/differential/: random programs run on both, traces compared).
// Each test states asyncio's behaviour; the Python program it was checked against is in
// scripts/differential/repros/<name>.py (run with the vendored asyncio, see the README there).
import { describe, it, expect } from 'vitest';
import {
  asCompleted,
  CancelledError,
  Event,
  Lock,
  TimeoutError,
  createTask,
  currentTask,
  gather,
  getRunningLoop,
  sleep,
  waitFor,
  type Coroutine,
  type TaskBody,
} from 'tulip';
import { STYLES, ValueError, assertCancelled, runVirtual, styled, type Style } from './helpers.js';

/** A task body that logs `tick i` once per loop pass, n times: makes pass counts visible. */
function ticker(style: Style, log: string[], n: number): TaskBody<void> {
  return styled(
    style,
    function* () {
      for (let i = 0; i < n; i++) {
        log.push(`tick ${i}`);
        yield* sleep(0);
      }
    },
    async () => {
      for (let i = 0; i < n; i++) {
        log.push(`tick ${i}`);
        await sleep(0);
      }
    },
  );
}

const messageOf = (e: unknown): string => (e as Error).message;

// ---- gather -------------------------------------------------------------------------------------

describe('gather of futures that are all done already', () => {
  // repros/b1_gather_done_children.py (asyncio 3.12+: gather handles done children at once)
  for (const style of STYLES) {
    it(`[${style}] completes the outer future at once, so awaiting it does not suspend`, () =>
      runVirtual(async () => {
        const log: string[] = [];
        const done = createTask(() => sleep(0, 'r'));
        const failed = getRunningLoop().createFuture<string>();
        failed.setException(new ValueError('x'));
        await sleep(0);
        await sleep(0);
        createTask(ticker(style, log, 4));
        await createTask(
          styled(
            style,
            function* () {
              log.push('gather ok');
              log.push(`-> ${String(yield* gather([done]))}`);
              log.push('gather failed');
              try {
                yield* gather([done, failed]);
              } catch (e) {
                log.push(`-> ${messageOf(e)}`);
              }
            },
            async () => {
              log.push('gather ok');
              log.push(`-> ${String(await gather([done]))}`);
              log.push('gather failed');
              try {
                await gather([done, failed]);
              } catch (e) {
                log.push(`-> ${messageOf(e)}`);
              }
            },
          ),
        );
        // The awaiting task started after the ticker's first step: it runs in the same pass.
        expect(log.slice(0, 5)).toEqual(['tick 0', 'gather ok', '-> r', 'gather failed', '-> x']);
      }));
  }
});

describe('a cancelled gather with returnExceptions', () => {
  // repros/b5_gather_cancel_message.py; CPython test_tasks.py::test_cancel_gather_2
  for (const style of STYLES) {
    for (const returnExceptions of [false, true]) {
      it(`[${style}] fails with a CancelledError carrying the cancel message (returnExceptions: ${returnExceptions})`, () =>
        runVirtual(async () => {
          const child = createTask(() => sleep(100_000));
          const t = createTask(
            styled(
              style,
              function* () {
                yield* gather([child], { returnExceptions });
              },
              async () => {
                await gather([child], { returnExceptions });
              },
            ),
          );
          await sleep(0);
          t.cancel('bye');
          let caught: unknown;
          try {
            await t;
          } catch (e) {
            caught = e;
          }
          assertCancelled(caught, 'bye');
        }));
    }
  }
});

describe('a cancelled gather whose last child was cancelled earlier', () => {
  // asyncio's gather takes its CancelledError from the last child in argument order (the loop
  // variable of its results loop), whichever child finished last.
  for (const style of STYLES) {
    it(`[${style}] fails with the last child's cancel message, not the one that cancelled the gather`, () =>
      runVirtual(async () => {
        const waiting = createTask(() => sleep(100_000));
        const early = createTask(() => sleep(100_000));
        early.cancel('first');
        const t = createTask(
          styled(
            style,
            function* () {
              yield* gather([waiting, early], { returnExceptions: true });
            },
            async () => {
              await gather([waiting, early], { returnExceptions: true });
            },
          ),
        );
        await sleep(0);
        await sleep(0);
        t.cancel('second');
        let caught: unknown;
        try {
          await t;
        } catch (e) {
          caught = e;
        }
        assertCancelled(caught, 'first');
      }));
  }
});

// ---- cancel(msg) twice --------------------------------------------------------------------------

describe('cancel(msg) called twice before the task resumes', () => {
  // repros/b6_repeated_cancel_message.py: the future the task waits on is cancelled by the first
  // call (with its message); the second finds it done and only sets must-cancel.
  const cases: Array<[string | undefined, string | undefined, string]> = [
    ['A', undefined, 'A'],
    ['A', 'B', 'A'],
    [undefined, 'B', ''],
  ];
  for (const style of STYLES) {
    for (const [m1, m2, thrown] of cases) {
      it(`[${style}] throws in the first call's message: cancel(${String(m1)}), cancel(${String(m2)}) -> '${thrown}'`, () =>
        runVirtual(async () => {
          const seen: string[] = [];
          const t = createTask(
            styled(
              style,
              function* () {
                try {
                  yield* sleep(100_000);
                } catch (e) {
                  seen.push(messageOf(e));
                  throw e;
                }
              },
              async () => {
                try {
                  await sleep(100_000);
                } catch (e) {
                  seen.push(messageOf(e));
                  throw e;
                }
              },
            ),
          );
          await sleep(0);
          t.cancel(m1);
          t.cancel(m2);
          await t.then(
            () => undefined,
            () => undefined,
          );
          expect(seen).toEqual([thrown]);
          expect(t.cancelled()).toBe(true);
        }));
    }
  }
});

// ---- waitFor with a timeout of 0 ----------------------------------------------------------------

describe('waitFor(pending task, 0)', () => {
  // repros/b7_waitfor_zero_passes.py: asyncio's _cancel_and_wait waits on a helper future that the
  // task's done callback completes, so the caller resumes a pass after the done callbacks run.
  for (const style of STYLES) {
    it(`[${style}] cancels the task and raises TimeoutError two passes after the task ends`, () =>
      runVirtual(
        styled(
          style,
          function* () {
            const log: string[] = [];
            createTask(ticker(style, log, 5));
            const t = createTask(function* () {
              log.push('child ran');
            });
            t.addDoneCallback(() => log.push('child done'));
            try {
              yield* waitFor(t, 0);
            } catch (e) {
              if (e instanceof TimeoutError) log.push('TimeoutError');
              else throw e;
            }
            yield* sleep(0);
            yield* sleep(0);
            yield* sleep(0);
            expect(log).toEqual(['tick 0', 'tick 1', 'child done', 'tick 2', 'TimeoutError', 'tick 3', 'tick 4']);
          },
          async () => {
            const log: string[] = [];
            createTask(ticker(style, log, 5));
            const t = createTask(async () => {
              log.push('child ran');
            });
            t.addDoneCallback(() => log.push('child done'));
            try {
              await waitFor(t, 0);
            } catch (e) {
              if (e instanceof TimeoutError) log.push('TimeoutError');
              else throw e;
            }
            await sleep(0);
            await sleep(0);
            await sleep(0);
            expect(log).toEqual(['tick 0', 'tick 1', 'child done', 'tick 2', 'TimeoutError', 'tick 3', 'tick 4']);
          },
        ),
      ));
  }
});

describe('waitFor(currentTask(), 0)', () => {
  // repros/b3_waitfor_self_zero.py: the task cancels itself, so the wait is cancelled.
  for (const style of STYLES) {
    it(`[${style}] ends the task cancelled (no InvalidStateError from a result() of a pending task)`, () =>
      runVirtual(async () => {
        const caught: unknown[] = [];
        const t = createTask(
          styled(
            style,
            function* (): Coroutine<void> {
              try {
                yield* waitFor(currentTask()!, 0);
              } catch (e) {
                caught.push(e);
                throw e;
              }
            },
            async () => {
              try {
                await waitFor(currentTask()!, 0);
              } catch (e) {
                caught.push(e);
                throw e;
              }
            },
          ),
        );
        await sleep(0);
        await sleep(0);
        await sleep(0);
        expect(caught).toHaveLength(1);
        expect(caught[0]).toBeInstanceOf(CancelledError);
        expect(t.cancelled()).toBe(true);
      }));
  }
});

// ---- a cancel requested while the task runs ------------------------------------------------------

describe('a cancel requested while the task itself is running', () => {
  // repros/b2_cancel_while_running.py: asyncio sets _must_cancel and throws CancelledError in at the
  // next real suspension; awaiting a future that is done already (a free lock, a set event) is none.
  for (const style of STYLES) {
    it(`[${style}] passes an await of a done future and arrives at the next suspension (cancel passed on by the parent)`, () =>
      runVirtual(async () => {
        const log: string[] = [];
        const lock = new Lock();
        let parent: ReturnType<typeof createTask<void>> | undefined;
        const child = styled(
          style,
          function* () {
            parent!.cancel(); // the parent waits on this task: the cancel is passed on to it
            yield* lock.acquire(); // a free lock: no suspension
            log.push('acquired');
            lock.release();
            try {
              yield* sleep(0);
            } catch (e) {
              log.push('cancelled at sleep(0)');
              throw e;
            }
          },
          async () => {
            parent!.cancel();
            await lock.acquire();
            log.push('acquired');
            lock.release();
            try {
              await sleep(0);
            } catch (e) {
              log.push('cancelled at sleep(0)');
              throw e;
            }
          },
        );
        parent = createTask(
          styled(
            style,
            function* () {
              yield* createTask(child);
            },
            async () => {
              await createTask(child);
            },
          ),
        );
        await parent.then(
          () => undefined,
          () => undefined,
        );
        expect(log).toEqual(['acquired', 'cancelled at sleep(0)']);
        expect(parent.cancelled()).toBe(true);
      }));

    it(`[${style}] passes an await of a set event after the task cancelled itself`, () =>
      runVirtual(async () => {
        const log: string[] = [];
        const t = createTask(
          styled(
            style,
            function* () {
              currentTask()!.cancel();
              const e = new Event();
              e.set();
              yield* e.wait();
              log.push('event waited');
              yield* sleep(0);
              log.push('not reached');
            },
            async () => {
              currentTask()!.cancel();
              const e = new Event();
              e.set();
              await e.wait();
              log.push('event waited');
              await sleep(0);
              log.push('not reached');
            },
          ),
        );
        await t.then(
          () => undefined,
          () => undefined,
        );
        expect(log).toEqual(['event waited']);
        expect(t.cancelled()).toBe(true);
      }));

    it(`[${style}] wins over the RuntimeError of awaiting itself`, () =>
      // repros/b4_self_await_after_cancel.py
      runVirtual(async () => {
        const caught: unknown[] = [];
        const t = createTask(
          styled(
            style,
            function* (): Coroutine<void> {
              const me = currentTask()!;
              me.cancel();
              try {
                yield* me;
              } catch (e) {
                caught.push(e);
                throw e;
              }
            },
            async () => {
              const me = currentTask()!;
              me.cancel();
              try {
                await me;
              } catch (e) {
                caught.push(e);
                throw e;
              }
            },
          ),
        );
        await sleep(0);
        await sleep(0);
        await sleep(0);
        expect(caught).toHaveLength(1);
        expect(caught[0]).toBeInstanceOf(CancelledError);
        expect(t.cancelled()).toBe(true);
      }));
  }
});

// ---- asCompleted --------------------------------------------------------------------------------

describe('async iteration of asCompleted', () => {
  // repros/b8_as_completed_async_for.py: `async for f in as_completed(fs)` resumes in the pass after
  // the completion callback (Queue.get woken by put_nowait), as the plain iteration does.
  it('[async] yields a completed future in the same pass as the plain iteration would', () =>
    runVirtual(async () => {
      const log: string[] = [];
      createTask(ticker('async', log, 6));
      const child = async (): Promise<number> => {
        log.push('child');
        return 7;
      };
      const t = createTask(child);
      for await (const f of asCompleted([t])) log.push(`async-for got ${String(await (f as unknown as PromiseLike<number>))}`);
      const t2 = createTask(child);
      for (const f of asCompleted([t2])) log.push(`plain got ${String(await f)}`);
      await sleep(0);
      await sleep(0);
      expect(log).toEqual(['tick 0', 'child', 'tick 1', 'tick 2', 'async-for got 7', 'tick 3', 'child', 'tick 4', 'tick 5', 'plain got 7']);
    }));
});

// ---- the pass in which the loop stops ------------------------------------------------------------

describe('a task resumed in the pass in which run() stops', () => {
  // repros/b9_stop_pass_async_continuation.py: asyncio runs every ready step of the last pass to its
  // next suspension (here: the task's end) before run()'s shutdown cancels what is left.
  for (const style of STYLES) {
    it(`[${style}] finishes through nested coroutines before the shutdown, instead of being cancelled`, async () => {
      const log: string[] = [];
      await runVirtual(async () => {
        const body = styled(
          style,
          function* () {
            const inner = function* () {
              yield* sleep(1);
              log.push('s1 resumed');
              yield* sleep(0);
            };
            const middle = function* () {
              yield* inner();
            };
            yield* middle();
          },
          async () => {
            const inner = async () => {
              await sleep(1);
              log.push('s1 resumed');
              await sleep(0);
            };
            const middle = async () => {
              await inner();
            };
            await middle();
          },
        );
        const s1 = createTask(body);
        s1.addDoneCallback((f) => log.push(f.cancelled() ? 's1 cancelled' : 's1 ok'));
        await sleep(1);
        log.push('main end');
      });
      expect(log).toEqual(['main end', 's1 resumed', 's1 ok']);
    });
  }
});
