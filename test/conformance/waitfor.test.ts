// Behaviour ports of CPython 3.13 Lib/test/test_asyncio/test_waitfor.py (AsyncioWaitForTest): the
// inner result and errors, foreign promises, the timeout path, and zero and negative timeouts (an
// inner task that swallows the cancel, cancelling the waiting task and WaitForShieldTests are in
// waitforcancel.test.ts). Since asyncio 3.12, wait_for(aw, t) is `async with timeout(t): return
// await aw`: on expiry it cancels the inner task, waits for it to finish, and raises TimeoutError
// caused by the CancelledError. Units are milliseconds; tests whose original sleeps for seconds run
// on virtual time.
import { describe, it, expect } from 'vitest';
import {
  TimeoutError,
  createTask,
  currentTask,
  getRunningLoop,
  isCancelledError,
  run,
  sleep,
  waitFor,
  type Coroutine,
} from 'tulip';
import {
  FOREVER,
  HOUR,
  ValueError,
  assertCancelled,
  now,
  rejection,
  rejectionG,
  runVirtual,
} from './helpers.js';

// ---- local helpers ------------------------------------------------------------------------

/** A timeout that passes a "> 0" check but costs next to nothing (CPython's _EPSILON). */
const EPSILON = 0.1;

class FooException extends Error {
  override name = 'FooException';
}

// ---- values and errors of the inner awaitable --------------------------------------------------

describe('waitFor passes the inner result through', () => {
  // ports test_waitfor.py::AsyncioWaitForTest.test_wait_for_blocking
  it('returns the value of an inner future that resolves in time (async)', () =>
    run(async () => {
      expect(await waitFor(sleep(10, 'value'), 1000)).toBe('value');
    }));

  // ports test_waitfor.py::AsyncioWaitForTest.test_wait_for_blocking
  it('returns the value of an inner generator coroutine that finishes in time (generator)', () =>
    run(function* () {
      function* coro(): Coroutine<string> {
        yield* sleep(10);
        return 'done';
      }
      expect(yield* waitFor(coro(), 1000)).toBe('done');
    }));

  // ports test_waitfor.py::AsyncioWaitForTest.test_wait_for_blocking
  it('with a null timeout, a generator caller waits as long as it takes', () =>
    runVirtual(function* () {
      function* coro(): Coroutine<string> {
        yield* sleep(5 * HOUR);
        return 'done';
      }
      const t0 = now();
      expect(yield* waitFor(coro(), null)).toBe('done');
      expect(now() - t0).toBeGreaterThanOrEqual(5 * HOUR);
    }));

  // ports test_waitfor.py::AsyncioWaitForTest.test_wait_for_race_condition
  it('a result set before the timeout reaches a generator caller', () =>
    run(function* () {
      const loop = getRunningLoop();
      const fut = loop.createFuture<string>();
      const w = waitFor(fut, 200);
      loop.callLater(10, () => fut.setResult('ok'));
      expect(yield* w).toBe('ok');
    }));

  // ports test_waitfor.py::AsyncioWaitForTest.test_wait_for (error path)
  it("the inner task's own error passes through unchanged (async)", () =>
    run(async () => {
      const err = new ValueError('inner');
      const inner = createTask(async () => {
        await sleep(1);
        throw err;
      });
      expect(await rejection(waitFor(inner, 1000))).toBe(err);
    }));

  // ports test_waitfor.py::AsyncioWaitForTest.test_wait_for (error path)
  it("the inner task's own error passes through unchanged (generator)", () =>
    run(function* () {
      const err = new ValueError('inner');
      function* inner(): Coroutine<void> {
        yield* sleep(1);
        throw err;
      }
      expect(yield* rejectionG(waitFor(inner(), 1000))).toBe(err);
    }));

  // ports test_waitfor.py::AsyncioWaitForTest.test_wait_for_timeout_less_then_0_or_0_future_done
  it('a zero timeout on a done future returns its result to a generator caller', () =>
    run(function* () {
      const fut = getRunningLoop().createFuture<string>();
      fut.setResult('done');
      expect(yield* waitFor(fut, 0)).toBe('done');
      expect(fut.done()).toBe(true);
    }));

  // ports test_waitfor.py::AsyncioWaitForTest.test_wait_for_timeout_less_then_0_or_0_future_done
  it("a negative timeout on a failed future raises the future's error, not TimeoutError", () =>
    run(async () => {
      const err = new ValueError('already failed');
      const fut = getRunningLoop().createFuture<string>();
      fut.setException(err);
      expect(await rejection(waitFor(fut, -1))).toBe(err);
    }));
});

// ---- foreign promises ----------------------------------------------------------------------

describe('a foreign promise as the inner awaitable', () => {
  // ports test_waitfor.py::AsyncioWaitForTest.test_wait_for_race_condition (foreign promise)
  it('returns the value of a native promise that settles in time (async)', () =>
    run(async () => {
      const p = new Promise<string>((resolve) => setTimeout(resolve, 10, 'native'));
      expect(await waitFor(p, 1000)).toBe('native');
    }));

  // ports test_waitfor.py::AsyncioWaitForTest.test_wait_for_race_condition (foreign promise)
  it('returns the value of a native promise that settles in time (generator)', () =>
    run(function* () {
      const p = new Promise<string>((resolve) => setTimeout(resolve, 10, 'native'));
      expect(yield* waitFor(p, 1000)).toBe('native');
    }));

  // ports test_waitfor.py::AsyncioWaitForTest.test_wait_for (foreign promise)
  it(
    'raises TimeoutError when a native promise never settles (async)',
    () =>
      run(async () => {
        const p = new Promise<string>(() => {});
        const e = await rejection(waitFor(p, 20));
        expect(e).toBeInstanceOf(TimeoutError);
        expect(currentTask()!.cancelling()).toBe(0);
      }),
    2000, // a hang is the failure mode: fail fast
  );

  // ports test_waitfor.py::AsyncioWaitForTest.test_wait_for (foreign promise)
  it('raises TimeoutError when a native promise never settles (generator)', () =>
    run(function* () {
      const p = new Promise<string>(() => {});
      const e = yield* rejectionG(waitFor(p, 20));
      expect(e).toBeInstanceOf(TimeoutError);
      expect(currentTask()!.cancelling()).toBe(0);
    }));

  // ports test_waitfor.py::AsyncioWaitForTest.test_wait_for (foreign promise, error path)
  it("a native promise's rejection passes through unchanged", () =>
    run(async () => {
      const err = new ValueError('native failure');
      const p = new Promise<string>((_, reject) => setTimeout(reject, 5, err));
      expect(await rejection(waitFor(p, 1000))).toBe(err);
    }));
});

// ---- the timeout path -------------------------------------------------------------------------

describe('on timeout', () => {
  // ports test_waitfor.py::AsyncioWaitForTest.test_wait_for
  it('raises TimeoutError exactly at the deadline of the loop clock and leaves the inner task cancelled (async)', () =>
    runVirtual(async () => {
      let running: boolean | undefined;
      const fut = createTask(async () => {
        running = true;
        try {
          await sleep(10 * HOUR);
        } finally {
          running = false;
        }
        return 'done';
      });
      const t0 = now();
      const e = await rejection(waitFor(fut, HOUR));
      expect(e).toBeInstanceOf(TimeoutError);
      expect(now() - t0).toBeGreaterThanOrEqual(HOUR);
      expect(now() - t0).toBeLessThan(HOUR + 1);
      expect(fut.cancelled()).toBe(true);
      expect(running).toBe(false);
    }));

  // ports test_waitfor.py::AsyncioWaitForTest.test_wait_for
  it('raises TimeoutError exactly at the deadline of the loop clock and leaves the inner task cancelled (generator)', () =>
    runVirtual(function* () {
      const fut = createTask(function* () {
        yield* sleep(10 * HOUR);
        return 'done';
      });
      const t0 = now();
      const e = yield* rejectionG(waitFor(fut, HOUR));
      expect(e).toBeInstanceOf(TimeoutError);
      expect(now() - t0).toBeGreaterThanOrEqual(HOUR);
      expect(now() - t0).toBeLessThan(HOUR + 1);
      expect(fut.cancelled()).toBe(true);
    }));

  // ports test_waitfor.py::AsyncioWaitForTest.test_wait_for_waits_for_task_cancellation
  it('waits for the inner task to finish its cleanup, then raises TimeoutError caused by CancelledError (async)', () =>
    runVirtual(async () => {
      let taskDone = false;
      const inner = createTask(async () => {
        try {
          await sleep(10_000);
        } catch (e) {
          if (isCancelledError(e)) await sleep(50);
          throw e;
        } finally {
          taskDone = true;
        }
      });
      const t0 = now();
      const e = await rejection(waitFor(inner, EPSILON));
      expect(e).toBeInstanceOf(TimeoutError);
      assertCancelled((e as Error).cause);
      expect(taskDone).toBe(true);
      expect(inner.cancelled()).toBe(true);
      expect(now() - t0).toBeGreaterThanOrEqual(50);
    }));

  // ports test_waitfor.py::AsyncioWaitForTest.test_wait_for_waits_for_task_cancellation
  it('waits for the inner task to finish its cleanup, then raises TimeoutError caused by CancelledError (generator)', () =>
    runVirtual(function* () {
      let taskDone = false;
      const inner = createTask(function* () {
        try {
          yield* sleep(10_000);
        } catch (e) {
          if (isCancelledError(e)) yield* sleep(50);
          throw e;
        } finally {
          taskDone = true;
        }
      });
      const t0 = now();
      const e = yield* rejectionG(waitFor(inner, EPSILON));
      expect(e).toBeInstanceOf(TimeoutError);
      assertCancelled((e as Error).cause);
      expect(taskDone).toBe(true);
      expect(now() - t0).toBeGreaterThanOrEqual(50);
    }));

  // ports test_waitfor.py::AsyncioWaitForTest.test_wait_for_waits_for_task_cancellation_w_timeout_0
  it('with a zero timeout it still waits for the running inner task to clean up (async)', () =>
    runVirtual(async () => {
      let taskDone = false;
      const foo = async () => {
        const inner = createTask(async () => {
          try {
            await sleep(10_000);
          } catch (e) {
            if (isCancelledError(e)) await sleep(EPSILON);
            throw e;
          } finally {
            taskDone = true;
          }
        });
        await sleep(EPSILON);
        await waitFor(inner, 0);
      };
      const e = await rejection(foo());
      expect(e).toBeInstanceOf(TimeoutError);
      assertCancelled((e as Error).cause);
      expect(taskDone).toBe(true);
    }));

  // ports test_waitfor.py::AsyncioWaitForTest.test_wait_for_waits_for_task_cancellation_w_timeout_0
  it('with a zero timeout it still waits for the running inner task to clean up (generator)', () =>
    runVirtual(function* () {
      let taskDone = false;
      function* foo(): Coroutine<void> {
        const inner = createTask(function* () {
          try {
            yield* sleep(10_000);
          } catch (e) {
            if (isCancelledError(e)) yield* sleep(EPSILON);
            throw e;
          } finally {
            taskDone = true;
          }
        });
        yield* sleep(EPSILON);
        yield* waitFor(inner, 0);
      }
      const e = yield* rejectionG(foo());
      expect(e).toBeInstanceOf(TimeoutError);
      assertCancelled((e as Error).cause);
      expect(taskDone).toBe(true);
    }));

  // ports test_waitfor.py::AsyncioWaitForTest.test_wait_for_reraises_exception_during_cancellation
  it('an error the inner task raises while being cancelled replaces the TimeoutError (async)', () =>
    runVirtual(async () => {
      const inner = createTask(async () => {
        try {
          await sleep(200);
        } finally {
          // eslint-disable-next-line no-unsafe-finally
          throw new FooException();
        }
      });
      const e = await rejection(waitFor(inner, EPSILON));
      expect(e).toBeInstanceOf(FooException);
    }));

  // ports test_waitfor.py::AsyncioWaitForTest.test_wait_for_reraises_exception_during_cancellation
  it('an error the inner task raises while being cancelled replaces the TimeoutError (generator)', () =>
    runVirtual(function* () {
      const inner = createTask(function* () {
        try {
          yield* sleep(200);
        } finally {
          // eslint-disable-next-line no-unsafe-finally
          throw new FooException();
        }
      });
      const e = yield* rejectionG(waitFor(inner, EPSILON));
      expect(e).toBeInstanceOf(FooException);
    }));

  // ports test_waitfor.py::AsyncioWaitForTest.test_wait_for (the caller is not left cancelled)
  it('after a TimeoutError the waiting task is not cancelled and can go on waiting (async)', () =>
    runVirtual(async () => {
      const e = await rejection(waitFor(sleep(FOREVER), 10));
      expect(e).toBeInstanceOf(TimeoutError);
      expect(currentTask()!.cancelling()).toBe(0);
      expect(await sleep(100, 'alive')).toBe('alive');
    }));

  // ports test_waitfor.py::AsyncioWaitForTest.test_wait_for (the caller is not left cancelled)
  it('after a TimeoutError the waiting task is not cancelled and can go on waiting (generator)', () =>
    runVirtual(function* () {
      const e = yield* rejectionG(waitFor(sleep(FOREVER), 10));
      expect(e).toBeInstanceOf(TimeoutError);
      expect(currentTask()!.cancelling()).toBe(0);
      expect(yield* sleep(100, 'alive')).toBe('alive');
    }));
});

// ---- zero and negative timeouts ----------------------------------------------------------------

describe('zero and negative timeouts', () => {
  // ports test_waitfor.py::AsyncioWaitForTest.test_wait_for_timeout_less_then_0_or_0_coroutine_do_not_started
  it('a zero timeout cancels an inner generator coroutine before it ever starts', () =>
    run(function* () {
      let started = false;
      function* foo(): Coroutine<void> {
        started = true;
      }
      const e = yield* rejectionG(waitFor(foo(), 0));
      expect(e).toBeInstanceOf(TimeoutError);
      yield* sleep(0);
      expect(started).toBe(false);
    }));

  // ports test_waitfor.py::AsyncioWaitForTest.test_wait_for_timeout_less_then_0_or_0_coroutine_do_not_started
  it('a zero timeout cancels an inner async task that has not started yet, so its body never runs', () =>
    run(async () => {
      let started = false;
      const inner = createTask(async () => {
        started = true;
      });
      const e = await rejection(waitFor(inner, 0));
      expect(e).toBeInstanceOf(TimeoutError);
      expect(inner.cancelled()).toBe(true);
      await sleep(0);
      expect(started).toBe(false);
    }));

  for (const t of [0, -1]) {
    // ports test_waitfor.py::AsyncioWaitForTest.test_wait_for_timeout_less_then_0_or_0
    it(`a timeout of ${t} cancels a started inner task and lets its finally run (async)`, () =>
      run(async () => {
        let running: boolean | undefined;
        const started = getRunningLoop().createFuture<void>();
        const fut = createTask(async () => {
          running = true;
          started.setResult();
          try {
            await sleep(FOREVER);
          } finally {
            running = false;
          }
          return 'done';
        });
        await started;
        const e = await rejection(waitFor(fut, t));
        expect(e).toBeInstanceOf(TimeoutError);
        expect(fut.done()).toBe(true);
        expect(fut.cancelled()).toBe(true);
        expect(running).toBe(false);
      }));

    // ports test_waitfor.py::AsyncioWaitForTest.test_wait_for_timeout_less_then_0_or_0
    it(`a timeout of ${t} cancels a started inner task and lets its finally run (generator)`, () =>
      run(function* () {
        let running: boolean | undefined;
        const started = getRunningLoop().createFuture<void>();
        const fut = createTask(function* () {
          running = true;
          started.setResult();
          try {
            yield* sleep(FOREVER);
          } finally {
            running = false;
          }
          return 'done';
        });
        yield* started;
        const e = yield* rejectionG(waitFor(fut, t));
        expect(e).toBeInstanceOf(TimeoutError);
        expect(fut.cancelled()).toBe(true);
        expect(running).toBe(false);
      }));
  }
});
