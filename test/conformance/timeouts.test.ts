// Behaviour ports of CPython 3.13 Lib/test/test_asyncio/test_timeouts.py (TimeoutTests).
// `async with asyncio.timeout(d) as cm:` is `await timeout(d).run(async (cm) => { … })` or, in
// generator style, `yield* timeout(d).run(function* (cm) { … })`. Units are milliseconds.
// Most tests run on virtual time (MockClock with autojump), so that long deadlines cost nothing
// and loop.time() is exact; real sleeps stay tiny.
import { describe, it, expect } from 'vitest';
import {
  RuntimeError,
  TaskGroup,
  TimeoutError,
  createTask,
  currentTask,
  ensureFuture,
  getRunningLoop,
  isCancelledError,
  run,
  sleep,
  timeout,
  timeoutAt,
  type Coroutine,
  type Timeout,
} from 'tulip';
import {
  FOREVER,
  KeyError,
  ValueError,
  ZeroDivisionError,
  assertCancelled,
  errorOf,
  groupTypes,
  rejection,
  rejectionG,
  runVirtual,
  syncError,
  virtualClock,
} from './helpers.js';

// ---- local helpers ------------------------------------------------------------------------

const HOUR = 3_600_000;

const now = (): number => getRunningLoop().time();

// ---- timeoutAt / when() / disabled timeouts -------------------------------------------------

describe('timeoutAt, when() and disabled timeouts', () => {
  // ports test_timeouts.py::TimeoutTests.test_timeout_at_basic
  it('a generator body outliving an absolute deadline raises TimeoutError and when() keeps the deadline', () =>
    runVirtual(function* () {
      const deadline = now() + 10;
      const cm = timeoutAt(deadline);
      const e = yield* rejectionG(
        cm.run(function* () {
          yield* sleep(FOREVER);
        }),
      );
      expect(e).toBeInstanceOf(TimeoutError);
      expect(cm.expired()).toBe(true);
      expect(cm.when()).toBe(deadline);
    }));

  // ports test_timeouts.py::TimeoutTests.test_timeout_at_basic
  it('the TimeoutError of a one-hour timeout arrives exactly at the deadline on the loop clock (async)', () =>
    runVirtual(async () => {
      const t0 = now();
      const e = await rejection(
        timeout(HOUR).run(async () => {
          await sleep(2 * HOUR);
        }),
      );
      expect(e).toBeInstanceOf(TimeoutError);
      expect(now() - t0).toBeGreaterThanOrEqual(HOUR);
      expect(now() - t0).toBeLessThan(HOUR + 1);
    }));

  // ports test_timeouts.py::TimeoutTests.test_timeout_at_basic
  it('the TimeoutError of a one-hour timeout arrives exactly at the deadline on the loop clock (generator)', () =>
    runVirtual(function* () {
      const t0 = now();
      const e = yield* rejectionG(
        timeout(HOUR).run(function* () {
          yield* sleep(2 * HOUR);
        }),
      );
      expect(e).toBeInstanceOf(TimeoutError);
      expect(now() - t0).toBeGreaterThanOrEqual(HOUR);
      expect(now() - t0).toBeLessThan(HOUR + 1);
    }));

  // ports test_timeouts.py::TimeoutTests.test_timeout_not_called
  it('timeout(d).when() is the loop time at creation plus d, before the block is entered', () =>
    runVirtual(async () => {
      const t0 = now();
      const cm = timeout(500);
      expect(cm.when()).toBe(t0 + 500);
      expect(cm.expired()).toBe(false);
      const at = timeoutAt(t0 + 1234);
      expect(at.when()).toBe(t0 + 1234);
    }));

  // ports test_timeouts.py::TimeoutTests.test_timeout_disabled
  it('timeout(null) lets a generator body sleep for hours and never expires', () =>
    runVirtual(function* () {
      const cm = timeout(null);
      const r = yield* cm.run(function* () {
        yield* sleep(5 * HOUR);
        return 'slept';
      });
      expect(r).toBe('slept');
      expect(cm.expired()).toBe(false);
      expect(cm.when()).toBeNull();
    }));

  // ports test_timeouts.py::TimeoutTests.test_timeout_at_disabled
  it('timeoutAt(null) never expires and when() is null (async)', () =>
    runVirtual(async () => {
      const cm = timeoutAt(null);
      await cm.run(async () => {
        await sleep(5 * HOUR);
      });
      expect(cm.expired()).toBe(false);
      expect(cm.when()).toBeNull();
    }));

  // ports test_timeouts.py::TimeoutTests.test_timeout_at_disabled
  it('timeoutAt(null) never expires and when() is null (generator)', () =>
    runVirtual(function* () {
      const cm = timeoutAt(null);
      yield* cm.run(function* () {
        yield* sleep(5 * HOUR);
      });
      expect(cm.expired()).toBe(false);
      expect(cm.when()).toBeNull();
    }));

  // ports test_timeouts.py::TimeoutTests.test_timeout_not_called
  it('expired() stays false while the body runs within its deadline', () =>
    runVirtual(async () => {
      const cm = timeout(100);
      const seen: boolean[] = [];
      await cm.run(async (t) => {
        seen.push(t.expired());
        await sleep(50);
        seen.push(t.expired());
      });
      seen.push(cm.expired());
      expect(seen).toEqual([false, false, false]);
    }));
});

// ---- zero and past deadlines ------------------------------------------------------------------

describe('zero and past deadlines', () => {
  // ports test_timeouts.py::TimeoutTests.test_timeout_zero
  it('timeout(0) interrupts the first wait of an async body', () =>
    runVirtual(async () => {
      const t0 = now();
      const cm = timeout(0);
      const e = await rejection(
        cm.run(async () => {
          await sleep(FOREVER);
        }),
      );
      const t1 = now();
      expect(e).toBeInstanceOf(TimeoutError);
      expect(cm.expired()).toBe(true);
      expect(cm.when()!).toBeGreaterThanOrEqual(t0);
      expect(cm.when()!).toBeLessThanOrEqual(t1);
    }));

  // ports test_timeouts.py::TimeoutTests.test_timeout_zero
  it('timeout(0) interrupts the first wait of a generator body', () =>
    runVirtual(function* () {
      const t0 = now();
      const cm = timeout(0);
      const e = yield* rejectionG(
        cm.run(function* () {
          yield* sleep(FOREVER);
        }),
      );
      const t1 = now();
      expect(e).toBeInstanceOf(TimeoutError);
      expect(cm.expired()).toBe(true);
      expect(cm.when()!).toBeGreaterThanOrEqual(t0);
      expect(cm.when()!).toBeLessThanOrEqual(t1);
    }));

  // ports test_timeouts.py::TimeoutTests.test_timeout_zero_sleep_zero
  it('timeout(0) fires at the next loop pass, so even sleep(0) is interrupted (async)', () =>
    run(async () => {
      let after = false;
      const cm = timeout(0);
      const e = await rejection(
        cm.run(async () => {
          await sleep(0);
          after = true;
        }),
      );
      expect(e).toBeInstanceOf(TimeoutError);
      expect(cm.expired()).toBe(true);
      expect(after).toBe(false);
    }));

  // ports test_timeouts.py::TimeoutTests.test_timeout_zero_sleep_zero
  it('timeout(0) fires at the next loop pass, so even sleep(0) is interrupted (generator)', () =>
    run(function* () {
      let after = false;
      const cm = timeout(0);
      const e = yield* rejectionG(
        cm.run(function* () {
          yield* sleep(0);
          after = true;
        }),
      );
      expect(e).toBeInstanceOf(TimeoutError);
      expect(cm.expired()).toBe(true);
      expect(after).toBe(false);
    }));

  // ports test_timeouts.py::TimeoutTests.test_timeout_in_the_past_sleep_zero
  it('a deadline in the past fires at the next pass and when() stays in the past (async)', () =>
    run(async () => {
      const t0 = now();
      const cm = timeout(-11);
      const e = await rejection(
        cm.run(async () => {
          await sleep(0);
        }),
      );
      const t1 = now();
      expect(e).toBeInstanceOf(TimeoutError);
      expect(cm.expired()).toBe(true);
      expect(cm.when()!).toBeLessThanOrEqual(t0);
      expect(cm.when()!).toBeLessThanOrEqual(t1);
    }));

  // ports test_timeouts.py::TimeoutTests.test_timeout_in_the_past_sleep_zero
  it('a deadline in the past fires at the next pass and when() stays in the past (generator)', () =>
    run(function* () {
      const t0 = now();
      const cm = timeoutAt(t0 - 11);
      const e = yield* rejectionG(
        cm.run(function* () {
          yield* sleep(0);
        }),
      );
      expect(e).toBeInstanceOf(TimeoutError);
      expect(cm.expired()).toBe(true);
      expect(cm.when()).toBe(t0 - 11);
    }));

  // ports test_timeouts.py::TimeoutTests.test_timeout_zero_sleep_zero (the pass has not come yet)
  it('a zero timeout does not interrupt a generator body that finishes without waiting', () =>
    run(function* () {
      const cm = timeout(0);
      const r = yield* cm.run(function* () {
        return 'no wait';
      });
      expect(r).toBe('no wait');
      expect(cm.expired()).toBe(false);
      yield* sleep(0); // the cancelled timer must not reach the task afterwards
      expect(currentTask()!.cancelling()).toBe(0);
    }));

  // ports test_timeouts.py::TimeoutTests.test_timeout_zero_sleep_zero (the pass has not come yet)
  it('a zero timeout does not interrupt an async body that finishes without waiting', () =>
    run(async () => {
      const cm = timeout(0);
      const r = await cm.run(async () => 'no wait');
      expect(r).toBe('no wait');
      expect(cm.expired()).toBe(false);
      await sleep(0); // the cancelled timer must not reach the task afterwards
      expect(currentTask()!.cancelling()).toBe(0);
    }));
});

// ---- errors and causes -------------------------------------------------------------------------

describe('errors raised inside the block, and the TimeoutError cause', () => {
  // ports test_timeouts.py::TimeoutTests.test_foreign_exception_passed
  it('an error thrown by a generator body passes through unchanged', () =>
    run(function* () {
      const cm = timeout(10);
      const exc = new KeyError('k');
      const e = yield* rejectionG(
        cm.run(function* () {
          yield* sleep(0);
          throw exc;
        }),
      );
      expect(e).toBe(exc);
      expect(cm.expired()).toBe(false);
    }));

  // ports test_timeouts.py::TimeoutTests.test_foreign_exception_passed
  it("a TimeoutError thrown by the body itself passes through and the timeout is not expired", () =>
    run(async () => {
      const cm = timeout(FOREVER);
      const mine = new TimeoutError('my own');
      const e = await rejection(
        cm.run(async () => {
          await sleep(0);
          throw mine;
        }),
      );
      expect(e).toBe(mine);
      expect(cm.expired()).toBe(false);
    }));

  // ports test_timeouts.py::TimeoutTests.test_timeout_exception_context
  it('an error whose finally block outlives the deadline becomes a TimeoutError caused by a CancelledError (async)', () =>
    runVirtual(async () => {
      let finallyInterrupted = false;
      const e = await rejection(
        timeout(10).run(async () => {
          try {
            throw new ZeroDivisionError();
          } finally {
            try {
              await sleep(1000);
            } catch (c) {
              finallyInterrupted = isCancelledError(c);
              throw c;
            }
          }
        }),
      );
      expect(e).toBeInstanceOf(TimeoutError);
      assertCancelled((e as Error).cause);
      expect(finallyInterrupted).toBe(true);
    }));

  // ports test_timeouts.py::TimeoutTests.test_timeout_exception_context
  it('an error whose finally block outlives the deadline becomes a TimeoutError caused by a CancelledError (generator)', () =>
    runVirtual(function* () {
      const e = yield* rejectionG(
        timeout(10).run(function* () {
          try {
            throw new ZeroDivisionError();
          } finally {
            yield* sleep(1000);
          }
        }),
      );
      expect(e).toBeInstanceOf(TimeoutError);
      assertCancelled((e as Error).cause);
    }));

  // ports test_timeouts.py::TimeoutTests.test_timeout_exception_context
  it('TimeoutError.cause is the very CancelledError the async body saw', () =>
    runVirtual(async () => {
      let seen: unknown;
      const e = await rejection(
        timeout(10).run(async () => {
          try {
            await sleep(FOREVER);
          } catch (c) {
            seen = c;
            throw c;
          }
        }),
      );
      expect(e).toBeInstanceOf(TimeoutError);
      assertCancelled(seen);
      expect((e as Error).cause).toBe(seen);
    }));

  // ports test_timeouts.py::TimeoutTests.test_timeout_exception_context
  it('TimeoutError.cause is the very CancelledError the generator body saw', () =>
    runVirtual(function* () {
      let seen: unknown;
      const e = yield* rejectionG(
        timeout(10).run(function* () {
          try {
            yield* sleep(FOREVER);
          } catch (c) {
            seen = c;
            throw c;
          }
        }),
      );
      expect(e).toBeInstanceOf(TimeoutError);
      assertCancelled(seen);
      expect((e as Error).cause).toBe(seen);
    }));

  // ports test_timeouts.py::TimeoutTests.test_foreign_exception_on_timeout
  it('an error raised by the cleanup of a timed-out async body replaces the TimeoutError', () =>
    runVirtual(async () => {
      const crash = async () => {
        try {
          await sleep(1000);
        } finally {
          // eslint-disable-next-line no-unsafe-finally
          throw new ZeroDivisionError();
        }
      };
      const cm = timeout(10);
      const e = await rejection(cm.run(() => crash()));
      expect(e).toBeInstanceOf(ZeroDivisionError);
      expect(cm.expired()).toBe(true);
      expect(currentTask()!.cancelling()).toBe(0);
    }));

  // ports test_timeouts.py::TimeoutTests.test_foreign_exception_on_timeout
  it('an error raised by the cleanup of a timed-out generator body replaces the TimeoutError', () =>
    runVirtual(function* () {
      function* crash(): Coroutine<void> {
        try {
          yield* sleep(1000);
        } finally {
          // eslint-disable-next-line no-unsafe-finally
          throw new ZeroDivisionError();
        }
      }
      const cm = timeout(10);
      const e = yield* rejectionG(cm.run(() => crash()));
      expect(e).toBeInstanceOf(ZeroDivisionError);
      expect(cm.expired()).toBe(true);
      expect(currentTask()!.cancelling()).toBe(0);
    }));

  // ports test_timeouts.py::TimeoutTests.test_foreign_exception_on_timeout_2
  it('the last error thrown while cleaning up after the deadline is the one that comes out', () =>
    runVirtual(async () => {
      const e = await rejection(
        timeout(10).run(async () => {
          try {
            try {
              throw new ValueError();
            } finally {
              await sleep(1000);
            }
          } finally {
            try {
              // eslint-disable-next-line no-unsafe-finally
              throw new KeyError();
            } finally {
              // eslint-disable-next-line no-unsafe-finally
              throw new ZeroDivisionError();
            }
          }
        }),
      );
      expect(e).toBeInstanceOf(ZeroDivisionError);
    }));
});

// ---- cancellation that is not the timeout's --------------------------------------------------

describe('cancellation that is not the timeout’s own', () => {
  // ports test_timeouts.py::TimeoutTests.test_foreign_cancel_doesnt_timeout_if_not_expired
  it('a cancel of the task inside an unexpired timeout stays a CancelledError (async)', () =>
    run(async () => {
      let cm!: Timeout;
      const task = createTask(async () => {
        cm = timeout(FOREVER);
        await cm.run(async () => {
          currentTask()!.cancel();
          await sleep(FOREVER);
        });
      });
      assertCancelled(await rejection(task));
      expect(task.cancelled()).toBe(true);
      expect(cm.expired()).toBe(false);
    }));

  // ports test_timeouts.py::TimeoutTests.test_foreign_cancel_doesnt_timeout_if_not_expired
  it('a cancel of the task inside an unexpired timeout stays a CancelledError (generator)', () =>
    run(function* () {
      let cm!: Timeout;
      const task = createTask(function* () {
        cm = timeout(FOREVER);
        yield* cm.run(function* () {
          currentTask()!.cancel();
          yield* sleep(FOREVER);
        });
      });
      assertCancelled(yield* rejectionG(task));
      expect(task.cancelled()).toBe(true);
      expect(cm.expired()).toBe(false);
    }));

  // ports test_timeouts.py::TimeoutTests.test_foreign_cancel_doesnt_timeout_if_not_expired
  it('cancelling the task from outside while it waits in a timeout gives CancelledError with the message', () =>
    run(async () => {
      const task = createTask(async () => {
        await timeout(FOREVER).run(async () => {
          await sleep(FOREVER);
        });
      });
      await sleep(1);
      task.cancel('from outside');
      const e = await rejection(task);
      assertCancelled(e, 'from outside');
      expect(task.cancelled()).toBe(true);
    }));

  // ports test_timeouts.py::TimeoutTests.test_cancel_in_timeout_after_cancellation
  it('a cancel requested while the timeout is expiring is not swallowed (async)', () =>
    runVirtual(async () => {
      const task = createTask(async () => {
        await timeout(10).run(async () => {
          try {
            await sleep(FOREVER);
          } catch (c) {
            currentTask()!.cancel(); // a second, foreign request on top of the timeout's
            throw c;
          }
        });
      });
      const e = await rejection(task);
      assertCancelled(e);
      expect(e).not.toBeInstanceOf(TimeoutError);
      expect(task.cancelled()).toBe(true);
    }));

  // ports test_timeouts.py::TimeoutTests.test_cancel_in_timeout_after_cancellation
  it('a cancel requested while the timeout is expiring is not swallowed (generator)', () =>
    runVirtual(function* () {
      const task = createTask(function* () {
        yield* timeout(10).run(function* () {
          try {
            yield* sleep(FOREVER);
          } catch (c) {
            currentTask()!.cancel();
            throw c;
          }
        });
      });
      const e = yield* rejectionG(task);
      assertCancelled(e);
      expect(e).not.toBeInstanceOf(TimeoutError);
      expect(task.cancelled()).toBe(true);
    }));

  // ports test_timeouts.py::TimeoutTests.test_outer_task_is_not_cancelled
  it('after a converted timeout the async task is not cancelled and keeps running', () =>
    runVirtual(async () => {
      const task = createTask(async () => {
        const e = await rejection(
          timeout(1).run(async () => {
            await sleep(FOREVER);
          }),
        );
        expect(e).toBeInstanceOf(TimeoutError);
        expect(currentTask()!.cancelling()).toBe(0);
        return await sleep(100, 'still alive');
      });
      expect(await task).toBe('still alive');
      expect(task.cancelled()).toBe(false);
      expect(task.done()).toBe(true);
    }));

  // ports test_timeouts.py::TimeoutTests.test_outer_task_is_not_cancelled
  it('after a converted timeout the generator task is not cancelled and keeps running', () =>
    runVirtual(function* () {
      const task = createTask(function* () {
        const e = yield* rejectionG(
          timeout(1).run(function* () {
            yield* sleep(FOREVER);
          }),
        );
        expect(e).toBeInstanceOf(TimeoutError);
        expect(currentTask()!.cancelling()).toBe(0);
        return yield* sleep(100, 'still alive');
      });
      expect(yield* task).toBe('still alive');
      expect(task.cancelled()).toBe(false);
    }));

  // ports test_timeouts.py::TimeoutTests.test_timeout_after_cancellation
  it('a timeout in the finally of a caught cancellation still converts to TimeoutError (async)', () =>
    runVirtual(async () => {
      const task = createTask(async () => {
        let cleanup: unknown;
        try {
          currentTask()!.cancel();
          await sleep(1000);
        } catch (e) {
          if (!isCancelledError(e)) throw e;
        } finally {
          cleanup = await errorOf(() =>
            timeout(0).run(async () => {
              await sleep(1000);
            }),
          );
        }
        return cleanup;
      });
      expect(await task).toBeInstanceOf(TimeoutError);
    }));

  // ports test_timeouts.py::TimeoutTests.test_timeout_after_cancellation
  it('a timeout in the finally of a caught cancellation still converts to TimeoutError (generator)', () =>
    runVirtual(function* () {
      const task = createTask(function* () {
        let cleanup: unknown;
        try {
          currentTask()!.cancel();
          yield* sleep(1000);
        } catch (e) {
          if (!isCancelledError(e)) throw e;
        } finally {
          cleanup = yield* rejectionG(
            timeout(0).run(function* () {
              yield* sleep(1000);
            }),
          );
        }
        return cleanup;
      });
      expect(yield* task).toBeInstanceOf(TimeoutError);
    }));

  // ports test_timeouts.py::TimeoutTests.test_cancel_in_timeout_after_cancellation
  it('a new cancel inside a timeout in the finally of a caught cancellation stays CancelledError (async)', () =>
    runVirtual(async () => {
      const task = createTask(async () => {
        let cleanup: unknown;
        try {
          currentTask()!.cancel();
          await sleep(1000);
        } catch (e) {
          if (!isCancelledError(e)) throw e;
        } finally {
          cleanup = await errorOf(() =>
            timeout(1000).run(async () => {
              currentTask()!.cancel();
              await sleep(2000);
            }),
          );
        }
        return cleanup;
      });
      const cleanup = await task;
      assertCancelled(cleanup);
      expect(cleanup).not.toBeInstanceOf(TimeoutError);
    }));

  // ports test_timeouts.py::TimeoutTests.test_cancel_in_timeout_after_cancellation
  it('a new cancel inside a timeout in the finally of a caught cancellation stays CancelledError (generator)', () =>
    runVirtual(function* () {
      const task = createTask(function* () {
        let cleanup: unknown;
        try {
          currentTask()!.cancel();
          yield* sleep(1000);
        } catch (e) {
          if (!isCancelledError(e)) throw e;
        } finally {
          cleanup = yield* rejectionG(
            timeout(1000).run(function* () {
              currentTask()!.cancel();
              yield* sleep(2000);
            }),
          );
        }
        return cleanup;
      });
      const cleanup = yield* task;
      assertCancelled(cleanup);
      expect(cleanup).not.toBeInstanceOf(TimeoutError);
    }));
});

// ---- a body that swallows the cancellation ----------------------------------------------------

describe('a body that swallows the timeout’s cancellation', () => {
  // ports test_timeouts.py::TimeoutTests.test_timeout_expiring
  it('an async body that catches the cancel ends the block normally with its value', () =>
    runVirtual(async () => {
      const cm = timeout(10);
      const r = await cm.run(async () => {
        try {
          await sleep(FOREVER);
        } catch (c) {
          assertCancelled(c);
        }
        return 'swallowed';
      });
      expect(r).toBe('swallowed');
      expect(cm.expired()).toBe(true);
      expect(currentTask()!.cancelling()).toBe(0);
      expect(await sleep(5, 'next')).toBe('next');
    }));

  // ports test_timeouts.py::TimeoutTests.test_timeout_expiring
  it('a generator body that catches the cancel ends the block normally with its value', () =>
    runVirtual(function* () {
      const cm = timeout(10);
      const r = yield* cm.run(function* () {
        try {
          yield* sleep(FOREVER);
        } catch (c) {
          assertCancelled(c);
        }
        return 'swallowed';
      });
      expect(r).toBe('swallowed');
      expect(cm.expired()).toBe(true);
      expect(currentTask()!.cancelling()).toBe(0);
      expect(yield* sleep(5, 'next')).toBe('next');
    }));

  // ports test_timeouts.py::TimeoutTests.test_timeout_expiring
  it('reschedule() while the timeout is expiring throws RuntimeError (async)', () =>
    runVirtual(async () => {
      let err: unknown;
      await timeout(10).run(async (cm) => {
        const c = await errorOf(() => sleep(FOREVER));
        assertCancelled(c);
        err = syncError(() => cm.reschedule(now() + 20));
      });
      expect(err).toBeInstanceOf(RuntimeError);
      expect((err as Error).message).toMatch(/expiring/);
    }));

  // ports test_timeouts.py::TimeoutTests.test_timeout_expiring
  it('reschedule() while the timeout is expiring throws RuntimeError (generator)', () =>
    runVirtual(function* () {
      let err: unknown;
      yield* timeout(10).run(function* (cm) {
        assertCancelled(yield* rejectionG(sleep(FOREVER)));
        err = syncError(() => cm.reschedule(now() + 20));
      });
      expect(err).toBeInstanceOf(RuntimeError);
      expect((err as Error).message).toMatch(/expiring/);
    }));
});

// ---- the two styles mixed ------------------------------------------------------------------------

describe('an async body under a timeout driven from generator code', () => {
  // ports test_timeouts.py::TimeoutTests.test_waiter_cancelled (generator task, async body)
  it("an async body in a generator task's timeout is cancelled at its await, and its finally runs first", () =>
    run(function* () {
      const log: string[] = [];
      const e = yield* rejectionG(
        timeout(10).run(async () => {
          try {
            await sleep(200);
            log.push('body slept to the end');
          } catch (c) {
            log.push(isCancelledError(c) ? 'body cancelled' : 'body other error');
            throw c;
          } finally {
            log.push('body finally');
          }
        }),
      );
      log.push('scope exited');
      expect(e).toBeInstanceOf(TimeoutError);
      expect(log).toEqual(['body cancelled', 'body finally', 'scope exited']);
    }));

  // ports test_timeouts.py::TimeoutTests.test_waiter_cancelled (task body returning the scope)
  it('a task whose body returns timeout(d).run(async body) cancels that body before it fails', () =>
    run(async () => {
      const log: string[] = [];
      const task = createTask(() =>
        timeout(10).run(async () => {
          try {
            await sleep(200);
            log.push('body slept to the end');
          } catch (c) {
            log.push(isCancelledError(c) ? 'body cancelled' : 'body other error');
            throw c;
          } finally {
            log.push('body finally');
          }
        }),
      );
      const e = await rejection(task);
      log.push('task done');
      expect(e).toBeInstanceOf(TimeoutError);
      expect(log).toEqual(['body cancelled', 'body finally', 'task done']);
    }));
});

// ---- nested timeouts ---------------------------------------------------------------------------

describe('nested timeouts', () => {
  // ports test_timeouts.py::TimeoutTests.test_nested_timeouts
  it('with the same deadline only the outer async timeout converts; the inner lets CancelledError through', () =>
    runVirtual(async () => {
      const deadline = now() + 10;
      let cancelled = false;
      let cm2!: Timeout;
      const cm1 = timeoutAt(deadline);
      const e = await rejection(
        cm1.run(async () => {
          try {
            cm2 = timeoutAt(deadline);
            await cm2.run(async () => {
              await sleep(FOREVER);
            });
          } catch (c) {
            if (isCancelledError(c)) cancelled = true;
            throw c;
          }
        }),
      );
      expect(e).toBeInstanceOf(TimeoutError);
      expect(cancelled).toBe(true);
      expect(cm1.expired()).toBe(true);
      expect(cm2.expired()).toBe(true);
    }));

  // ports test_timeouts.py::TimeoutTests.test_nested_timeouts
  it('with the same deadline only the outer generator timeout converts; the inner lets CancelledError through', () =>
    runVirtual(function* () {
      const deadline = now() + 10;
      let cancelled = false;
      let cm2!: Timeout;
      const cm1 = timeoutAt(deadline);
      const e = yield* rejectionG(
        cm1.run(function* () {
          try {
            cm2 = timeoutAt(deadline);
            yield* cm2.run(function* () {
              yield* sleep(FOREVER);
            });
          } catch (c) {
            if (isCancelledError(c)) cancelled = true;
            throw c;
          }
        }),
      );
      expect(e).toBeInstanceOf(TimeoutError);
      expect(cancelled).toBe(true);
      expect(cm1.expired()).toBe(true);
      expect(cm2.expired()).toBe(true);
    }));

  // ports test_timeouts.py::TimeoutTests.test_nested_timeouts
  it('an inner timeout that expires first converts, and the outer one keeps running', () =>
    runVirtual(async () => {
      const outer = timeout(HOUR);
      const r = await outer.run(async () => {
        const e = await rejection(
          timeout(10).run(async () => {
            await sleep(FOREVER);
          }),
        );
        expect(e).toBeInstanceOf(TimeoutError);
        return await sleep(10, 'outer body finished');
      });
      expect(r).toBe('outer body finished');
      expect(outer.expired()).toBe(false);
    }));

  // ports test_timeouts.py::TimeoutTests.test_nested_timeouts_concurrent
  it('an outer deadline that passes while the loop is busy in an inner block is the one that fires (async)', () => {
    const clock = virtualClock();
    return runVirtual(async () => {
      let innerSaw: unknown;
      const inner = timeout(100);
      const e = await rejection(
        timeout(2).run(async () => {
          try {
            await inner.run(async () => {
              clock.jump(10); // pretend we crunch numbers past the outer deadline
              await sleep(1000);
            });
          } catch (c) {
            innerSaw = c;
            throw c;
          }
        }),
      );
      expect(e).toBeInstanceOf(TimeoutError);
      assertCancelled(innerSaw);
      expect(inner.expired()).toBe(false);
    }, clock);
  });

  // ports test_timeouts.py::TimeoutTests.test_nested_timeouts_concurrent
  it('an outer deadline that passes while the loop is busy in an inner block is the one that fires (generator)', () => {
    const clock = virtualClock();
    return runVirtual(function* () {
      let innerSaw: unknown;
      const inner = timeout(100);
      const e = yield* rejectionG(
        timeout(2).run(function* () {
          try {
            yield* inner.run(function* () {
              clock.jump(10);
              yield* sleep(1000);
            });
          } catch (c) {
            innerSaw = c;
            throw c;
          }
        }),
      );
      expect(e).toBeInstanceOf(TimeoutError);
      assertCancelled(innerSaw);
      expect(inner.expired()).toBe(false);
    }, clock);
  });

  // ports test_timeouts.py::TimeoutTests.test_nested_timeouts_loop_busy
  it('when both deadlines pass during a busy stretch, the outer block still raises TimeoutError promptly (async)', () => {
    const clock = virtualClock();
    return runVirtual(async () => {
      getRunningLoop().slowCallbackDuration = FOREVER;
      const t0 = now();
      const e = await rejection(
        timeout(100).run(async () => {
          try {
            await timeout(10).run(async () => {
              clock.jump(100); // the loop is busy past both deadlines
              await sleep(1000);
            });
          } catch (c) {
            if (!(c instanceof TimeoutError)) throw c; // asyncio: assertRaises(TimeoutError)
          }
          await sleep(10_000); // must be interrupted by the outer timeout
        }),
      );
      expect(e).toBeInstanceOf(TimeoutError);
      expect(now() - t0).toBeLessThan(1000);
    }, clock);
  });

  // ports test_timeouts.py::TimeoutTests.test_nested_timeouts_loop_busy
  it('when both deadlines pass during a busy stretch, the outer block still raises TimeoutError promptly (generator)', () => {
    const clock = virtualClock();
    return runVirtual(function* () {
      const t0 = now();
      const e = yield* rejectionG(
        timeout(100).run(function* () {
          try {
            yield* timeout(10).run(function* () {
              clock.jump(100);
              yield* sleep(1000);
            });
          } catch (c) {
            if (!(c instanceof TimeoutError)) throw c;
          }
          yield* sleep(10_000);
        }),
      );
      expect(e).toBeInstanceOf(TimeoutError);
      expect(now() - t0).toBeLessThan(1000);
    }, clock);
  });

  // ports test_timeouts.py::TimeoutTests.test_nested_timeout_in_finally
  it('a timeout inside the finally of a timed-out async body raises its own TimeoutError, then the outer one', () =>
    runVirtual(async () => {
      let e2: unknown;
      const e1 = await rejection(
        timeout(10).run(async () => {
          try {
            await sleep(1000);
          } finally {
            e2 = await errorOf(() =>
              timeout(10).run(async () => {
                await sleep(FOREVER);
              }),
            );
          }
        }),
      );
      expect(e1).toBeInstanceOf(TimeoutError);
      expect(e2).toBeInstanceOf(TimeoutError);
      expect(e1).not.toBe(e2);
      assertCancelled((e1 as Error).cause);
      assertCancelled((e2 as Error).cause);
      expect((e1 as Error).cause).not.toBe((e2 as Error).cause);
    }));

  // ports test_timeouts.py::TimeoutTests.test_nested_timeout_in_finally
  it('a timeout inside the finally of a timed-out generator body raises its own TimeoutError, then the outer one', () =>
    runVirtual(function* () {
      let e2: unknown;
      const e1 = yield* rejectionG(
        timeout(10).run(function* () {
          try {
            yield* sleep(1000);
          } finally {
            e2 = yield* rejectionG(
              timeout(10).run(function* () {
                yield* sleep(FOREVER);
              }),
            );
          }
        }),
      );
      expect(e1).toBeInstanceOf(TimeoutError);
      expect(e2).toBeInstanceOf(TimeoutError);
      expect(e1).not.toBe(e2);
      assertCancelled((e1 as Error).cause);
      assertCancelled((e2 as Error).cause);
    }));
});

// ---- reschedule ---------------------------------------------------------------------------------

describe('reschedule()', () => {
  // ports test_timeouts.py::TimeoutTests.test_reschedule
  it('reschedule() moves or removes the deadline of a timeout entered by a generator task', () =>
    runVirtual(function* () {
      const loop = getRunningLoop();
      const fut = loop.createFuture<Timeout>();
      const deadline1 = now() + 10_000;
      const deadline2 = deadline1 + 20_000;
      const task = createTask(function* () {
        yield* timeoutAt(deadline1).run(function* (cm) {
          fut.setResult(cm);
          yield* sleep(50_000);
        });
      });
      const cm = yield* fut;
      expect(cm.when()).toBe(deadline1);
      cm.reschedule(deadline2);
      expect(cm.when()).toBe(deadline2);
      cm.reschedule(null);
      expect(cm.when()).toBeNull();
      task.cancel();
      assertCancelled(yield* rejectionG(task));
      expect(cm.expired()).toBe(false);
    }));

  // ports test_timeouts.py::TimeoutTests.test_reschedule
  it('rescheduling to an earlier deadline fires the timeout then (async)', () =>
    runVirtual(async () => {
      const t0 = now();
      const e = await rejection(
        timeout(HOUR).run(async (cm) => {
          cm.reschedule(t0 + 50);
          await sleep(FOREVER);
        }),
      );
      expect(e).toBeInstanceOf(TimeoutError);
      expect(now() - t0).toBeGreaterThanOrEqual(50);
      expect(now() - t0).toBeLessThan(51);
    }));

  // ports test_timeouts.py::TimeoutTests.test_reschedule
  it('rescheduling to an earlier deadline fires the timeout then (generator)', () =>
    runVirtual(function* () {
      const t0 = now();
      const e = yield* rejectionG(
        timeout(HOUR).run(function* (cm) {
          cm.reschedule(t0 + 50);
          yield* sleep(FOREVER);
        }),
      );
      expect(e).toBeInstanceOf(TimeoutError);
      expect(now() - t0).toBeGreaterThanOrEqual(50);
      expect(now() - t0).toBeLessThan(51);
    }));

  // ports test_timeouts.py::TimeoutTests.test_reschedule
  it('rescheduling to a later deadline lets the body finish (async)', () =>
    runVirtual(async () => {
      const cm = timeout(10);
      const r = await cm.run(async (t) => {
        t.reschedule(now() + 1000);
        await sleep(500);
        return 'extended';
      });
      expect(r).toBe('extended');
      expect(cm.expired()).toBe(false);
    }));

  // ports test_timeouts.py::TimeoutTests.test_reschedule
  it('rescheduling to null disables the deadline (generator)', () =>
    runVirtual(function* () {
      const cm = timeout(10);
      const r = yield* cm.run(function* (t) {
        yield* sleep(5);
        t.reschedule(null);
        yield* sleep(HOUR);
        return 'disabled';
      });
      expect(r).toBe('disabled');
      expect(cm.expired()).toBe(false);
      expect(cm.when()).toBeNull();
    }));

  // ports test_timeouts.py::TimeoutTests.test_reschedule
  it('rescheduling to the past fires at the next pass (async)', () =>
    run(async () => {
      let after = false;
      const cm = timeout(FOREVER);
      const e = await rejection(
        cm.run(async (t) => {
          t.reschedule(now() - 1);
          await sleep(0);
          after = true;
        }),
      );
      expect(e).toBeInstanceOf(TimeoutError);
      expect(after).toBe(false);
      expect(cm.expired()).toBe(true);
    }));

  // ports test_timeouts.py::TimeoutTests.test_reschedule
  it('rescheduling to the past fires at the next pass (generator)', () =>
    run(function* () {
      let after = false;
      const cm = timeout(FOREVER);
      const e = yield* rejectionG(
        cm.run(function* (t) {
          t.reschedule(now() - 1);
          yield* sleep(0);
          after = true;
        }),
      );
      expect(e).toBeInstanceOf(TimeoutError);
      expect(after).toBe(false);
      expect(cm.expired()).toBe(true);
    }));

  // ports test_timeouts.py::TimeoutTests.test_reschedule
  it('a disabled timeout can be given a deadline and then fires (async)', () =>
    runVirtual(async () => {
      const t0 = now();
      const cm = timeout(null);
      const e = await rejection(
        cm.run(async (t) => {
          t.reschedule(t0 + 30);
          await sleep(HOUR);
        }),
      );
      expect(e).toBeInstanceOf(TimeoutError);
      expect(cm.when()).toBe(t0 + 30);
      expect(cm.expired()).toBe(true);
    }));

  // ports test_timeouts.py::TimeoutTests.test_timeout_finished
  it('reschedule() after the block finished throws RuntimeError', () =>
    run(async () => {
      const cm = timeout(10);
      await cm.run(async () => {});
      const e = syncError(() => cm.reschedule(now() + 20));
      expect(e).toBeInstanceOf(RuntimeError);
      expect((e as Error).message).toMatch(/finished/);
    }));

  // ports test_timeouts.py::TimeoutTests.test_timeout_expired
  it('reschedule() after the timeout expired throws RuntimeError', () =>
    runVirtual(function* () {
      const cm = timeout(10);
      expect(
        yield* rejectionG(
          cm.run(function* () {
            yield* sleep(1000);
          }),
        ),
      ).toBeInstanceOf(TimeoutError);
      const e = syncError(() => cm.reschedule(now() + 20));
      expect(e).toBeInstanceOf(RuntimeError);
      expect((e as Error).message).toMatch(/expired/);
    }));

  // ports test_timeouts.py::TimeoutTests.test_timeout_not_entered
  it('reschedule() on a timeout that was never entered throws and leaves when() alone', () =>
    run(function* () {
      const cm = timeout(10);
      const before = cm.when();
      const e = syncError(() => cm.reschedule(null));
      expect(e).toBeInstanceOf(RuntimeError);
      expect((e as Error).message).toMatch(/has not been entered/);
      expect(cm.when()).toBe(before);
      yield* sleep(0);
    }));
});

// ---- entering twice, entering without a task ----------------------------------------------

describe('entering a timeout', () => {
  // ports test_timeouts.py::TimeoutTests.test_timeout_already_entered
  it('running a timeout again inside its own block throws RuntimeError (async)', () =>
    run(async () => {
      let innerRan = false;
      let e: unknown;
      await timeout(FOREVER).run(async (cm) => {
        e = await errorOf(() =>
          cm.run(async () => {
            innerRan = true;
          }),
        );
      });
      expect(e).toBeInstanceOf(RuntimeError);
      expect((e as Error).message).toMatch(/has already been entered/);
      expect(innerRan).toBe(false);
    }));

  // ports test_timeouts.py::TimeoutTests.test_timeout_already_entered
  it('running a timeout again inside its own block throws RuntimeError (generator)', () =>
    run(function* () {
      let innerRan = false;
      let e: unknown;
      yield* timeout(FOREVER).run(function* (cm) {
        e = yield* ensureFuture(
          errorOf(() =>
            cm.run(function* () {
              innerRan = true;
            }),
          ),
        );
      });
      expect(e).toBeInstanceOf(RuntimeError);
      expect((e as Error).message).toMatch(/has already been entered/);
      expect(innerRan).toBe(false);
    }));

  // ports test_timeouts.py::TimeoutTests.test_timeout_double_enter
  it('running a finished timeout a second time throws RuntimeError', () =>
    run(async () => {
      const cm = timeout(FOREVER);
      await cm.run(async () => {});
      let ran = false;
      const e = await errorOf(() =>
        cm.run(async () => {
          ran = true;
        }),
      );
      expect(e).toBeInstanceOf(RuntimeError);
      expect((e as Error).message).toMatch(/has already been entered/);
      expect(ran).toBe(false);
    }));

  // ports test_timeouts.py::TimeoutTests.test_timeout_without_task
  it('a timeout cannot be entered from a plain loop callback, outside any task', () =>
    run(async () => {
      const loop = getRunningLoop();
      const cm = timeout(10);
      const got = loop.createFuture<unknown>();
      loop.callSoon(() => {
        errorOf(() => cm.run(() => 'body')).then(
          (e) => got.setResult(e),
          (e) => got.setResult(e),
        );
      });
      const e = await got;
      expect(e).toBeInstanceOf(RuntimeError);
      expect((e as Error).message).toMatch(/task/);
      const e2 = syncError(() => cm.reschedule(20));
      expect(e2).toBeInstanceOf(RuntimeError);
      expect((e2 as Error).message).toMatch(/has not been entered/);
    }));
});

// ---- timeouts and task groups ---------------------------------------------------------------

describe('timeouts around task groups', () => {
  // ports test_timeouts.py::TimeoutTests.test_timeout_taskgroup
  it('a child that crashes while being cancelled by the deadline makes the group raise its ExceptionGroup (async)', () =>
    runVirtual(async () => {
      const e = await rejection(
        timeout(10).run(async () => {
          await new TaskGroup().run(async (tg) => {
            tg.createTask(async () => {
              try {
                await sleep(2000);
              } finally {
                // eslint-disable-next-line no-unsafe-finally
                throw new ZeroDivisionError();
              }
            });
            try {
              throw new ValueError();
            } finally {
              await sleep(1000);
            }
          });
        }),
      );
      expect(groupTypes(e)).toEqual([ZeroDivisionError]);
      expect(currentTask()!.cancelling()).toBe(0);
    }));

  // ports test_timeouts.py::TimeoutTests.test_timeout_taskgroup
  it('a child that crashes while being cancelled by the deadline makes the group raise its ExceptionGroup (generator)', () =>
    runVirtual(function* () {
      const e = yield* rejectionG(
        timeout(10).run(function* () {
          yield* new TaskGroup().run(function* (tg) {
            tg.createTask(function* () {
              try {
                yield* sleep(2000);
              } finally {
                // eslint-disable-next-line no-unsafe-finally
                throw new ZeroDivisionError();
              }
            });
            try {
              throw new ValueError();
            } finally {
              yield* sleep(1000);
            }
          });
        }),
      );
      expect(groupTypes(e)).toEqual([ZeroDivisionError]);
      expect(currentTask()!.cancelling()).toBe(0);
    }));

  // ports test_timeouts.py::TimeoutTests.test_timeout_basic (around a TaskGroup)
  it('a deadline around a group cancels the body and every child, then raises TimeoutError', () =>
    runVirtual(async () => {
      const children: { cancelled(): boolean }[] = [];
      const e = await rejection(
        timeout(10).run(async () => {
          await new TaskGroup().run(async (tg) => {
            children.push(tg.createTask(() => sleep(FOREVER)));
            children.push(tg.createTask(() => sleep(FOREVER)));
            await sleep(FOREVER);
          });
        }),
      );
      expect(e).toBeInstanceOf(TimeoutError);
      assertCancelled((e as Error).cause);
      expect(children.map((c) => c.cancelled())).toEqual([true, true]);
    }));
});
