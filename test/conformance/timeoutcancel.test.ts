// Behaviour ports of CPython 3.13 Lib/test/test_asyncio/test_timeouts.py (TimeoutTests): errors
// raised inside the block and the TimeoutError cause, a cancellation that is not the timeout's
// own, a body that swallows the timeout's cancellation, and an async body under a timeout driven
// from generator code (the rest of test_timeouts.py is in timeouts.test.ts and
// timeoutnesting.test.ts).
// `async with asyncio.timeout(d) as cm:` is `await timeout(d).run(async (cm) => { … })` or, in
// generator style, `yield* timeout(d).run(function* (cm) { … })`. Units are milliseconds.
// Most tests run on virtual time (MockClock with autojump), so that long deadlines cost nothing
// and loop.time() is exact; real sleeps stay tiny.
import { describe, it, expect } from 'vitest';
import {
  RuntimeError,
  TimeoutError,
  createTask,
  currentTask,
  isCancelledError,
  run,
  sleep,
  timeout,
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
  now,
  rejection,
  rejectionG,
  runVirtual,
  syncError,
} from './helpers.js';

// ---- errors and causes -------------------------------------------------------------------------

describe('errors raised inside the block, and the TimeoutError cause', () => {
  // ports test_timeouts.py::TimeoutTests.test_foreign_exception_passed
  it('an error thrown by a generator body passes through unchanged', () =>
    runVirtual(function* () {
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
