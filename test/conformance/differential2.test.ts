// Regression tests for differences between tulip and CPython 3.13 asyncio found by the widened
// differential tester (scripts/differential/: futures, loop handles, done callbacks, timeoutAt,
// TaskGroup.cancel/create_task from other tasks, gather duplicates). Each test states asyncio's
// behaviour; the Python program it was checked against is scripts/differential/repros/c<n>_*.py
// (run with the vendored asyncio: `PYTHONPATH=/tmp/pyasyncio313 python3 repros/c1_….py`).
import { describe, it, expect } from 'vitest';
import { Event, FIRST_COMPLETED, LifoQueue, Lock, Queue, Semaphore, type Future, createTask, gather, getRunningLoop, isCancelledError, run, shield, sleep, wait, type Coroutine, type Task, type TaskBody } from 'tulip';
import { MockClock } from 'tulip/testing';

type Style = 'generator' | 'async';
const STYLES: readonly Style[] = ['generator', 'async'];

const styled = <R>(style: Style, gen: () => Coroutine<R>, asy: () => Promise<R>): TaskBody<R> => (style === 'generator' ? gen : asy);

/** run() with virtual time that jumps to the next timer whenever every task is blocked. */
const runVirtual = <T>(main: TaskBody<T>): Promise<T> => run(main, { clock: new MockClock({ autojumpThreshold: 0 }) });

/** What a caught error says: `caught CancelledError("msg")`, or its type and message. */
const describeError = (e: unknown): string =>
  isCancelledError(e) ? `caught CancelledError(${JSON.stringify((e as Error).message)})` : `caught ${String(e)}`;

// ---- cancellation messages ----------------------------------------------------------------------

describe('a task suspended in sleep(0) that is cancelled twice before it resumes', () => {
  // repros/c1_sleep0_latest_cancel_message.py: asyncio's sleep(0) is a bare `yield` (no waiter
  // future), so both cancel requests only set _must_cancel/_cancel_message and the task resumes
  // with a CancelledError carrying the LATEST message (b6, a real waiter future, keeps the first).
  for (const style of STYLES) {
    for (const [second, expected] of [
      [undefined, ''],
      ['B', 'B'],
    ] as const) {
      it(`[${style}] resumes with the latest message: cancel('A') then cancel(${second === undefined ? '' : `'${second}'`}) throws in ${JSON.stringify(expected)}`, () =>
        runVirtual(async () => {
          const log: string[] = [];
          const t = createTask(
            styled(
              style,
              function* () {
                try {
                  yield* sleep(0);
                  log.push('no cancel');
                } catch (e) {
                  log.push(describeError(e));
                }
              },
              async () => {
                try {
                  await sleep(0);
                  log.push('no cancel');
                } catch (e) {
                  log.push(describeError(e));
                }
              },
            ),
          );
          await sleep(0); // t is now suspended in its sleep(0)
          t.cancel('A');
          if (second === undefined) t.cancel();
          else t.cancel(second);
          await sleep(0);
          await sleep(0);
          expect(log).toEqual([`caught CancelledError(${JSON.stringify(expected)})`]);
        }),
      );
    }
  }
});

describe('a task suspended in sleep(0) that is cancelled and uncancelled before it resumes', () => {
  // repros/c1_sleep0_latest_cancel_message.py (main2): with no waiter future to cancel, asyncio's
  // cancel() only sets _must_cancel, and uncancel() reaching 0 clears it again.
  for (const style of STYLES) {
    it(`[${style}] resumes normally, the cancel request taken back`, () =>
      runVirtual(async () => {
        const log: string[] = [];
        const t = createTask(
          styled(
            style,
            function* () {
              try {
                yield* sleep(0);
                log.push('no cancel');
              } catch (e) {
                log.push(describeError(e));
              }
            },
            async () => {
              try {
                await sleep(0);
                log.push('no cancel');
              } catch (e) {
                log.push(describeError(e));
              }
            },
          ),
        );
        await sleep(0); // t is now suspended in its sleep(0)
        t.cancel('A');
        log.push(`uncancel -> ${t.uncancel()}`);
        await sleep(0);
        await sleep(0);
        expect(log).toEqual(['uncancel -> 0', 'no cancel']);
      }),
    );
  }
});

// ---- shield --------------------------------------------------------------------------------------

describe("a shield whose outer future the user completes before the inner task finishes", () => {
  // repros/c3_shield_outer_set_by_user.py: asyncio's shield removes the inner's done callback as
  // soon as the outer is done, however it got done (_outer_done_callback), so the inner finishing
  // later sets nothing: no InvalidStateError, no report, the loop goes on.
  for (const style of STYLES) {
    it(`[${style}] lets the inner finish later without touching the outer (nothing escapes the loop)`, { timeout: 2000 }, async () => {
      const log: string[] = [];
      await runVirtual(async () => {
        getRunningLoop().setExceptionHandler((_loop, ctx) => log.push(`handler: ${ctx.message}`));
        const inner = createTask(
          styled(
            style,
            function* () {
              yield* sleep(1);
              return 'inner';
            },
            async () => {
              await sleep(1);
              return 'inner';
            },
          ),
        );
        const outer = shield(inner);
        outer.setResult('mine');
        await sleep(5);
        log.push(`after: outer=${outer.result()} inner=${inner.result()}`);
      });
      expect(log).toEqual(['after: outer=mine inner=inner']);
    });
  }
});

// ---- run() shutdown -----------------------------------------------------------------------------

describe('run() after main returns', () => {
  // repros/c2_run_shutdown_passes.py: asyncio.run() runs the loop on through its shutdown
  // (run_until_complete(shutdown_asyncgens()) and run_until_complete(shutdown_default_executor()),
  // two passes each), so callbacks queued in main's last pass -- a done callback of a future a
  // leftover callback resolves, a call_soon chain -- run for 4 more passes. (Found as the done
  // callback of a gather kept in a variable whose last child finished as main returned.)
  for (const style of STYLES) {
    it(`[${style}] runs the callbacks queued in main's last pass for the 4 passes asyncio's shutdown takes`, async () => {
      const log: string[] = [];
      const start = (): void => {
        const loop = getRunningLoop();
        const fut = loop.createFuture<number>();
        fut.addDoneCallback((f) => log.push(`done callback ${f.result()}`));
        const chain = (i: number): void => {
          log.push(`pass+${i}`);
          if (i === 1) fut.setResult(7);
          if (i < 8) loop.callSoon(chain, i + 1);
        };
        loop.callSoon(chain, 0);
      };
      await runVirtual(
        styled(
          style,
          // eslint-disable-next-line require-yield
          function* () {
            start();
          },
          async () => {
            start();
          },
        ),
      );
      expect(log).toEqual(['pass+0', 'pass+1', 'done callback 7', 'pass+2', 'pass+3', 'pass+4']);
    });
  }
});

describe('a task that a leftover task starts while run() shuts down', () => {
  // repros/c9_task_started_during_shutdown.py: asyncio.run() cancels the leftovers once; a task
  // one of them starts while handling its cancellation is not cancelled and runs on through the
  // shutdown passes. (tulip then cancels what is still pending, where asyncio closes the loop over
  // it: see the second test.)
  for (const style of STYLES) {
    it(`[${style}] is not cancelled: it finishes during the shutdown passes, as in asyncio`, async () => {
      const log: string[] = [];
      const late = styled(
        style,
        function* () {
          try {
            yield* sleep(0);
            yield* sleep(0);
            log.push('late finished');
          } catch (e) {
            log.push(`late ${describeError(e)}`);
          }
        },
        async () => {
          try {
            await sleep(0);
            await sleep(0);
            log.push('late finished');
          } catch (e) {
            log.push(`late ${describeError(e)}`);
          }
        },
      );
      const leftover = styled(
        style,
        function* () {
          try {
            yield* sleep(3_600_000);
          } catch {
            log.push('leftover cancelled');
            createTask(late);
          }
        },
        async () => {
          try {
            await sleep(3_600_000);
          } catch {
            log.push('leftover cancelled');
            createTask(late);
          }
        },
      );
      await runVirtual(async () => {
        createTask(leftover);
        await sleep(0);
      });
      expect(log).toEqual(['leftover cancelled', 'late finished']);
    });

    it(`[${style}] is cancelled once the shutdown steps are over if it is still pending, so its finally runs`, async () => {
      const log: string[] = [];
      const late = styled(
        style,
        function* () {
          try {
            yield* sleep(3_600_000);
          } finally {
            log.push('late finally');
          }
        },
        async () => {
          try {
            await sleep(3_600_000);
          } finally {
            log.push('late finally');
          }
        },
      );
      let lateTask: Task<void> | undefined;
      await runVirtual(async () => {
        createTask(async () => {
          try {
            await sleep(3_600_000);
          } catch {
            lateTask = createTask(late);
          }
        });
        await sleep(0);
      });
      expect(log).toEqual(['late finally']);
      expect(lateTask?.cancelled()).toBe(true);
    });
  }
});

describe('a task whose wait() is over but which has not resumed yet, cancelled twice', () => {
  // repros/c10_wait_triggered_then_cancelled.py: asyncio's wait() finishes its internal waiter as
  // soon as the condition holds and takes the done/pending sets when the task resumes, a pass
  // later. A cancel in between finds the waiter done, so each cancel() is a pending cancel and the
  // latest message wins. (Found with two tasks in wait() and a cancel reaching one through another.)
  for (const style of STYLES) {
    it(`[${style}] gets the latest message at its wait, and counts both requests`, () =>
      runVirtual(async () => {
        const f = getRunningLoop().createFuture<number>();
        const t = createTask(
          styled(
            style,
            function* () {
              try {
                yield* wait([f], { returnWhen: FIRST_COMPLETED });
                return 'no cancel';
              } catch (e) {
                return describeError(e);
              }
            },
            async () => {
              try {
                await wait([f], { returnWhen: FIRST_COMPLETED });
                return 'no cancel';
              } catch (e) {
                return describeError(e);
              }
            },
          ),
        );
        await sleep(0); // t waits
        f.setResult(1); // the wait is over in the next pass; t resumes in the pass after
        await sleep(0);
        expect(t.cancel('A')).toBe(true);
        expect(t.cancel('B')).toBe(true);
        expect(await t).toBe('caught CancelledError("B")');
        expect(t.cancelling()).toBe(2);
      }));
  }
});

describe('a task woken in a primitive and cancelled twice before it resumes', () => {
  // repros/c11_woken_waiter_cancelled_twice.py: the task's waiter future is done once a put, a
  // release or a set woke it, so both cancel() calls are pending cancels and the latest message
  // wins; the item, the lock or the unit is handed on.
  const kinds = ['Queue.get', 'Lock.acquire', 'Semaphore.acquire', 'Event.wait'] as const;
  for (const style of STYLES) {
    for (const kind of kinds) {
      it(`[${style}] ${kind}: gets CancelledError("B"), counts both requests, loses nothing`, () =>
        runVirtual(async () => {
          const q = new Queue<number>();
          const lock = new Lock();
          const sem = new Semaphore(0);
          const ev = new Event();
          if (kind === 'Lock.acquire') await lock.acquire();
          const op = (): Future<unknown> =>
            kind === 'Queue.get' ? q.get() : kind === 'Lock.acquire' ? lock.acquire() : kind === 'Semaphore.acquire' ? sem.acquire() : ev.wait();
          const t = createTask(
            styled(
              style,
              function* () {
                try {
                  yield* op();
                  return 'no cancel';
                } catch (e) {
                  return describeError(e);
                }
              },
              async () => {
                try {
                  await op();
                  return 'no cancel';
                } catch (e) {
                  return describeError(e);
                }
              },
            ),
          );
          await sleep(0); // t is blocked
          if (kind === 'Queue.get') q.putNowait(1);
          else if (kind === 'Lock.acquire') lock.release();
          else if (kind === 'Semaphore.acquire') sem.release();
          else ev.set();
          expect(t.cancel('A')).toBe(true);
          expect(t.cancel('B')).toBe(true);
          expect(await t).toBe('caught CancelledError("B")');
          expect(t.cancelling()).toBe(2);
          if (kind === 'Queue.get') expect(q.getNowait()).toBe(1);
          if (kind === 'Lock.acquire') expect(lock.locked()).toBe(false);
          if (kind === 'Semaphore.acquire') expect(sem.locked()).toBe(false);
        }));
    }
  }
});

// ---- gather ------------------------------------------------------------------------------------

describe('a cancelled gather whose last child swallowed the cancellation', () => {
  // repros/c4_gather_duplicate_swallowed_cancel.py: asyncio's gather fails with the last child's
  // _make_cancelled_error(); a task that swallowed its cancellation has the message of a cancel
  // that found no waiter to cancel (the second cancel of a child listed twice), else none.
  for (const style of STYLES) {
    it(`[${style}] fails with the message of a cancel the last child got with nothing to cancel, else with none`, () =>
      runVirtual(async () => {
        const log: string[] = [];
        const swallow = (name: string): TaskBody<void> =>
          styled(
            style,
            function* () {
              try {
                yield* sleep(10);
              } catch (e) {
                log.push(`${name} ${describeError(e)}`);
              }
            },
            async () => {
              try {
                await sleep(10);
              } catch (e) {
                log.push(`${name} ${describeError(e)}`);
              }
            },
          );
        const a = createTask(swallow('a'));
        const b = createTask(swallow('b'));
        const g = gather([a, b, a]);
        await sleep(0);
        g.cancel('stop');
        try {
          await g;
        } catch (e) {
          log.push(`gather ${describeError(e)}`);
        }
        const c = createTask(swallow('c'));
        const d = createTask(swallow('d'));
        const g2 = gather([c, d]);
        await sleep(0);
        g2.cancel('stop');
        try {
          await g2;
        } catch (e) {
          log.push(`gather2 ${describeError(e)}`);
        }
        expect(log).toEqual([
          'a caught CancelledError("stop")',
          'b caught CancelledError("stop")',
          'gather caught CancelledError("stop")',
          'c caught CancelledError("stop")',
          'd caught CancelledError("stop")',
          'gather2 caught CancelledError("")',
        ]);
      }));
  }
});

describe('a task with a cancel pending that resumes from a gather which failed with CancelledError', () => {
  // repros/c5_must_cancel_keeps_waiter_cancelled_error.py: asyncio's step keeps an incoming
  // CancelledError (here the inner gather's, bare: its last child finished normally) instead of
  // making one from the pending cancel's message.
  for (const style of STYLES) {
    it(`[${style}] gets the gather's CancelledError, not one with the cancel message`, () =>
      runVirtual(async () => {
        const log: string[] = [];
        const never = getRunningLoop().createFuture<void>();
        const q = createTask(
          styled(
            style,
            // eslint-disable-next-line require-yield
            function* () {},
            async () => {},
          ),
        );
        const w = createTask(
          styled(
            style,
            function* () {
              yield* gather([never, q], { returnExceptions: true });
            },
            async () => {
              await gather([never, q], { returnExceptions: true });
            },
          ),
        );
        await sleep(0);
        const g = gather([w, w]); // w listed twice: cancelled twice (the second finds no waiter to cancel)
        await sleep(0);
        g.cancel('stop');
        try {
          await g;
        } catch (e) {
          log.push(`gather ${describeError(e)}`);
        }
        try {
          await w;
        } catch (e) {
          log.push(`w ${describeError(e)}`);
        }
        expect(log).toEqual(['gather caught CancelledError("")', 'w caught CancelledError("")']);
      }));
  }
});

// ---- waiters cancelled around a wake-up ----------------------------------------------------------

describe('a woken semaphore waiter that is cancelled before it runs', () => {
  // repros/c6_woken_cancelled_waiter_passes_on_next_pass.py: asyncio hands the wake-up on in the
  // cancelled task's next step, one pass later; the next waiter would get the unit only after
  // main returned, and run()'s shutdown cancels it first.
  for (const style of STYLES) {
    it(`[${style}] hands its wake-up on one pass later (the next waiter is cancelled by run()'s shutdown first)`, async () => {
      const log: string[] = [];
      await runVirtual(async () => {
        const sem = new Semaphore(1);
        const body = (name: string): TaskBody<void> =>
          styled(
            style,
            function* () {
              yield* sem.acquire();
              log.push(`${name} acquired`);
              yield* sem.run(function* () {
                log.push(`${name} in scope`);
              });
            },
            async () => {
              await sem.acquire();
              log.push(`${name} acquired`);
              await sem.run(async () => {
                log.push(`${name} in scope`);
              });
            },
          );
        const s1 = createTask(body('S1'));
        createTask(body('S3'));
        await sleep(0);
        sem.release();
        log.push('released');
        s1.cancel();
        log.push('main returns');
      });
      expect(log).toEqual(['S1 acquired', 'released', 'main returns']);
    });
  }
});

describe('a lock waiter cancelled while waiting', () => {
  // repros/c7_lock_cancelled_first_waiter.py: asyncio's cancelled lock waiter stays first in line
  // until its task's next step, so a release meanwhile wakes nobody; the next waiter is woken one
  // pass later, and a task spawned in between runs first.
  for (const style of STYLES) {
    it(`[${style}] stays first in line for a pass: a release meanwhile wakes nobody`, () =>
      runVirtual(async () => {
        const log: string[] = [];
        const lock = new Lock();
        const user = (name: string): TaskBody<void> =>
          styled(
            style,
            function* () {
              // eslint-disable-next-line require-yield
              yield* lock.run(function* () {});
              log.push(`${name} done`);
              createTask(() => {
                log.push(`spawned by ${name} runs`);
              });
            },
            async () => {
              await lock.run(async () => {});
              log.push(`${name} done`);
              createTask(() => {
                log.push(`spawned by ${name} runs`);
              });
            },
          );
        createTask(user('a'));
        const b = createTask(user('b'));
        await lock.run(async () => {
          await sleep(0); // a and b queue on the lock
        });
        b.cancel(); // b's waiter: cancelled, still listed after a's
        await lock.acquire(); // main queues behind them
        log.push('main acquired');
        lock.release();
        expect(log).toEqual(['a done', 'spawned by a runs', 'main acquired']);
      }));
  }
});

describe('a woken getter cancelled before it ran', () => {
  // repros/c8_woken_getter_cancelled_resumes_at_wake.py: asyncio scheduled the getter task's step
  // when the put woke it, so the cancel is delivered in that pass, before a task that resumes
  // later in the pass looks at it.
  for (const style of STYLES) {
    it(`[${style}] ends cancelled in the pass of its wake-up`, () =>
      runVirtual(async () => {
        const log: string[] = [];
        const q = new LifoQueue<number>(1);
        const getter = (name: string, other: () => Task<void> | undefined): TaskBody<void> =>
          styled(
            style,
            function* () {
              const v = yield* q.get();
              log.push(`${name} got ${v}`);
              other()?.cancel();
            },
            async () => {
              const v = await q.get();
              log.push(`${name} got ${v}`);
              other()?.cancel();
            },
          );
        const s1 = createTask(getter('S1', () => undefined));
        await sleep(0); // S1 waits in get()
        createTask(getter('S2', () => s1));
        await q.put(3); // wakes S1; S2's first step comes first and takes the item
        await sleep(0);
        log.push(`S1 done=${s1.done()} cancelled=${s1.cancelled()}`);
        expect(log).toEqual(['S2 got 3', 'S1 done=true cancelled=true']);
      }));
  }
});
