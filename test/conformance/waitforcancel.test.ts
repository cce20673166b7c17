// Behaviour ports of CPython 3.13 Lib/test/test_asyncio/test_waitfor.py (AsyncioWaitForTest,
// WaitForShieldTests) about cancellation: an inner task that swallows the cancel, cancelling the
// task that waits, and waitFor around shield() (the rest of test_waitfor.py is in waitfor.test.ts).
// Since asyncio 3.12, wait_for(aw, t) is `async with timeout(t): return await aw`: on expiry it
// cancels the inner task and waits for it to finish. Units are milliseconds; tests whose original
// sleeps for seconds, or whose inner task ignores cancellation for a while, run on virtual time.
import { describe, it, expect } from 'vitest';
import {
  TimeoutError,
  createTask,
  currentTask,
  getRunningLoop,
  isCancelledError,
  run,
  shield,
  sleep,
  wait,
  waitFor,
  type Coroutine,
} from 'tulip';
import {
  FOREVER,
  HOUR,
  assertCancelled,
  now,
  rejection,
  rejectionG,
  runVirtual,
} from './helpers.js';

// ---- local helpers ------------------------------------------------------------------------

/**
 * CPython's SlowTask: runs for TASK_TIMEOUT ms of loop time, ignoring every cancel request.
 * Both styles are provided; `exited` turns true when the body has run to its end.
 */
class SlowTask {
  static readonly TASK_TIMEOUT = 200;
  exited = false;

  async runAsync(): Promise<void> {
    const exitAt = now() + SlowTask.TASK_TIMEOUT;
    for (;;) {
      const toSleep = exitAt - now();
      if (toSleep <= 0) break;
      try {
        await sleep(toSleep);
      } catch (e) {
        if (!isCancelledError(e)) throw e;
      }
    }
    this.exited = true;
  }

  *runGen(): Coroutine<void> {
    const exitAt = now() + SlowTask.TASK_TIMEOUT;
    for (;;) {
      const toSleep = exitAt - now();
      if (toSleep <= 0) break;
      try {
        yield* sleep(toSleep);
      } catch (e) {
        if (!isCancelledError(e)) throw e;
      }
    }
    this.exited = true;
  }
}

// ---- an inner task that swallows the cancellation --------------------------------------------

describe('an inner task that swallows the cancellation', () => {
  // ports test_waitfor.py::AsyncioWaitForTest.test_wait_for_cancellation_race_condition
  it('an inner coroutine that catches the cancel and then returns gives its value (async)', () =>
    runVirtual(async () => {
      const inner = createTask(async () => {
        const c = await rejection(sleep(1000));
        assertCancelled(c);
        return 1;
      });
      expect(await waitFor(inner, 10)).toBe(1);
      expect(currentTask()!.cancelling()).toBe(0);
    }));

  // ports test_waitfor.py::AsyncioWaitForTest.test_wait_for_cancellation_race_condition
  it('an inner coroutine that catches the cancel and then returns gives its value (generator)', () =>
    runVirtual(function* () {
      function* inner(): Coroutine<number> {
        const c = yield* rejectionG(sleep(1000));
        assertCancelled(c);
        return 1;
      }
      expect(yield* waitFor(inner(), 10)).toBe(1);
      expect(currentTask()!.cancelling()).toBe(0);
    }));

  // ports test_waitfor.py::AsyncioWaitForTest.test_wait_for_cancel_suppressed
  it('an inner task that returns from its cancel handler gives that value, not TimeoutError (async)', () =>
    runVirtual(async () => {
      const return42 = createTask(async () => {
        try {
          await sleep(10_000);
        } catch (e) {
          if (isCancelledError(e)) return 42;
          throw e;
        }
        return 0;
      });
      expect(await waitFor(return42, 100)).toBe(42);
    }));

  // ports test_waitfor.py::AsyncioWaitForTest.test_wait_for_cancel_suppressed
  it('an inner task that returns from its cancel handler gives that value, not TimeoutError (generator)', () =>
    runVirtual(function* () {
      function* return42(): Coroutine<number> {
        try {
          yield* sleep(10_000);
        } catch (e) {
          if (isCancelledError(e)) return 42;
          throw e;
        }
        return 0;
      }
      expect(yield* waitFor(return42(), 100)).toBe(42);
    }));

  // ports test_waitfor.py::AsyncioWaitForTest.test_asyncio_wait_for_timeout
  it('an inner task that ignores cancel requests runs to its end before waitFor returns (async)', () =>
    runVirtual(async () => {
      const t = new SlowTask();
      let outcome: unknown = 'returned';
      try {
        await waitFor(createTask(() => t.runAsync()), SlowTask.TASK_TIMEOUT / 2);
      } catch (e) {
        if (!(e instanceof TimeoutError)) throw e;
        outcome = e;
      }
      expect(t.exited).toBe(true);
      expect(outcome).toBe('returned'); // the inner suppressed the cancel and returned
    }));

  // ports test_waitfor.py::AsyncioWaitForTest.test_asyncio_wait_for_timeout
  it('an inner task that ignores cancel requests runs to its end before waitFor returns (generator)', () =>
    runVirtual(function* () {
      const t = new SlowTask();
      const t0 = now();
      yield* waitFor(t.runGen(), SlowTask.TASK_TIMEOUT / 2);
      expect(t.exited).toBe(true);
      expect(now() - t0).toBeGreaterThanOrEqual(SlowTask.TASK_TIMEOUT);
    }));
});

// ---- cancelling the waiting task ----------------------------------------------------------------

describe('cancelling the task that waits', () => {
  // ports test_waitfor.py::AsyncioWaitForTest.test_asyncio_wait_for_cancelled
  it(
    'cancelling the waiting task waits for an inner task that ignores cancels to finish (async)',
    () =>
      runVirtual(async () => {
        const t = new SlowTask();
        // as in asyncio, the inner coroutine runs inside the waiting task (here: its promise is
        // created there), so it has started when the cancel arrives
        const waitforTask = createTask(async () => {
          await waitFor(t.runAsync(), SlowTask.TASK_TIMEOUT * 2);
        });
        await sleep(0);
        waitforTask.cancel();
        await wait([waitforTask]);
        expect(t.exited).toBe(true);
      }),
    2000, // a hang is the failure mode: fail fast
  );

  // ports test_waitfor.py::AsyncioWaitForTest.test_asyncio_wait_for_cancelled (task body = waitFor's future)
  it(
    'the same holds for a task whose body function returns the waitFor future itself',
    () =>
      runVirtual(async () => {
        const t = new SlowTask();
        const waitforTask = createTask(() => waitFor(t.runAsync(), SlowTask.TASK_TIMEOUT * 2));
        await sleep(0);
        waitforTask.cancel();
        await wait([waitforTask]);
        expect(t.exited).toBe(true);
      }),
    2000, // a hang is the failure mode: fail fast
  );

  // ports test_waitfor.py::AsyncioWaitForTest.test_asyncio_wait_for_cancelled
  it('cancelling the waiting task waits for an inner task that ignores cancels to finish (generator)', () =>
    runVirtual(function* () {
      const t = new SlowTask();
      const waitforTask = createTask(function* () {
        yield* waitFor(t.runGen(), SlowTask.TASK_TIMEOUT * 2);
      });
      yield* sleep(0);
      waitforTask.cancel();
      yield* wait([waitforTask]);
      expect(t.exited).toBe(true);
    }));

  for (const timeoutMs of [null, 60_000] as const) {
    // ports test_waitfor.py::AsyncioWaitForTest.test_cancel_blocking_wait_for / test_cancel_wait_for
    it(`cancelling the waiting task cancels the inner task (timeout ${timeoutMs}, async)`, () =>
      run(async () => {
        const loop = getRunningLoop();
        const task = createTask(async () => {
          await loop.createFuture<void>(); // never resolved
        });
        const w = createTask(() => waitFor(task, timeoutMs));
        loop.callSoon(() => w.cancel());
        assertCancelled(await rejection(w));
        expect(task.cancelled()).toBe(true);
      }));

    // ports test_waitfor.py::AsyncioWaitForTest.test_cancel_blocking_wait_for / test_cancel_wait_for
    it(`cancelling the waiting task cancels the inner task (timeout ${timeoutMs}, generator)`, () =>
      run(function* () {
        const loop = getRunningLoop();
        const task = createTask(function* () {
          yield* loop.createFuture<void>();
        });
        const w = createTask(function* () {
          yield* waitFor(task, timeoutMs);
        });
        loop.callSoon(() => w.cancel());
        assertCancelled(yield* rejectionG(w));
        expect(task.cancelled()).toBe(true);
      }));
  }

  // ports test_waitfor.py::AsyncioWaitForTest.test_wait_for_self_cancellation
  it('a waitFor task cancelled before it starts never touches an inner task that holds out (async)', () =>
    runVirtual(async () => {
      const innerTask = createTask(async () => {
        try {
          await sleep(300);
        } catch (e) {
          if (!isCancelledError(e)) throw e;
          try {
            await sleep(300);
          } catch (e2) {
            if (!isCancelledError(e2)) throw e2;
            await sleep(300);
          }
        }
        return 42;
      });
      const task = createTask(() => waitFor(innerTask, 100));
      task.cancel();
      assertCancelled(await rejection(task));
      expect(await innerTask).toBe(42);
    }));

  // ports test_waitfor.py::AsyncioWaitForTest.test_wait_for_self_cancellation
  it('a waitFor task cancelled before it starts never touches an inner task that holds out (generator)', () =>
    runVirtual(function* () {
      const innerTask = createTask(function* () {
        try {
          yield* sleep(300);
        } catch (e) {
          if (!isCancelledError(e)) throw e;
          try {
            yield* sleep(300);
          } catch (e2) {
            if (!isCancelledError(e2)) throw e2;
            yield* sleep(300);
          }
        }
        return 42;
      });
      const task = createTask(function* () {
        return yield* waitFor(innerTask, 100);
      });
      task.cancel();
      assertCancelled(yield* rejectionG(task));
      expect(yield* innerTask).toBe(42);
    }));

  // ports test_waitfor.py::AsyncioWaitForTest.test_wait_for_issue86296
  it('a cancel that arrives after the inner task finished still cancels the waiting task (async)', () =>
    run(async () => {
      const innerTask = createTask(async () => 'done');
      let reachedEnd = false;
      const task = createTask(async () => {
        await waitFor(innerTask, 100_000);
        await sleep(FOREVER);
        reachedEnd = true;
      });
      expect(task.done()).toBe(false);
      await sleep(0);
      task.cancel();
      assertCancelled(await rejection(task));
      expect(innerTask.done()).toBe(true);
      expect(await innerTask).toBe('done');
      expect(reachedEnd).toBe(false);
    }));

  // ports test_waitfor.py::AsyncioWaitForTest.test_wait_for_issue86296
  it('a cancel that arrives after the inner task finished still cancels the waiting task (generator)', () =>
    run(function* () {
      const innerTask = createTask(function* () {
        return 'done';
      });
      let reachedEnd = false;
      const task = createTask(function* () {
        yield* waitFor(innerTask, 100_000);
        yield* sleep(FOREVER);
        reachedEnd = true;
      });
      expect(task.done()).toBe(false);
      yield* sleep(0);
      task.cancel();
      assertCancelled(yield* rejectionG(task));
      expect(innerTask.done()).toBe(true);
      expect(yield* innerTask).toBe('done');
      expect(reachedEnd).toBe(false);
    }));

  // ports test_waitfor.py::AsyncioWaitForTest.test_cancel_wait_for (cancel message)
  it('the cancel message of the waiting task reaches the inner generator coroutine', () =>
    run(function* () {
      let innerSaw: unknown;
      function* inner(): Coroutine<void> {
        try {
          yield* sleep(FOREVER);
        } catch (e) {
          innerSaw = e;
          throw e;
        }
      }
      const w = createTask(function* () {
        yield* waitFor(inner(), 60_000);
      });
      yield* sleep(1);
      w.cancel('stop waiting');
      assertCancelled(yield* rejectionG(w), 'stop waiting');
      assertCancelled(innerSaw);
    }));
});

// ---- waitFor and shield -------------------------------------------------------------------------

describe('waitFor around shield()', () => {
  // ports test_waitfor.py::WaitForShieldTests.test_zero_timeout
  it('a zero timeout cancels the shield but the shielded task keeps running (async)', () =>
    run(async () => {
      const task = createTask(async () => {
        await sleep(10);
        return 'done';
      });
      const shielded = shield(task);
      const e = await rejection(waitFor(shielded, 0));
      expect(e).toBeInstanceOf(TimeoutError);
      expect(task.done()).toBe(false);
      expect(task.cancelled()).toBe(false);
      expect(shielded.cancelled()).toBe(true);
      await sleep(30);
      expect(task.done()).toBe(true);
      expect(task.result()).toBe('done');
    }));

  // ports test_waitfor.py::WaitForShieldTests.test_zero_timeout
  it('a zero timeout cancels the shield but the shielded task keeps running (generator)', () =>
    run(function* () {
      const task = createTask(function* () {
        yield* sleep(10);
        return 'done';
      });
      const shielded = shield(task);
      const e = yield* rejectionG(waitFor(shielded, 0));
      expect(e).toBeInstanceOf(TimeoutError);
      expect(task.done()).toBe(false);
      expect(shielded.cancelled()).toBe(true);
      yield* sleep(30);
      expect(task.done()).toBe(true);
    }));

  // ports test_waitfor.py::WaitForShieldTests.test_none_timeout
  it('waitFor(shield(task), null) waits for a generator task to complete', () =>
    run(function* () {
      const task = createTask(function* () {
        yield* sleep(20);
        return 'done';
      });
      yield* waitFor(shield(task), null);
      expect(task.done()).toBe(true);
      expect(yield* task).toBe('done');
    }));

  // ports test_waitfor.py::WaitForShieldTests.test_shielded_timeout
  it('a shielded task outlives a one-hour timeout on virtual time (async)', () =>
    runVirtual(async () => {
      const task = createTask(async () => {
        await sleep(2 * HOUR);
        return 'done';
      });
      const e = await rejection(waitFor(shield(task), HOUR));
      expect(e).toBeInstanceOf(TimeoutError);
      expect(task.done()).toBe(false);
      expect(await task).toBe('done');
    }));
});
