// Gap ports of CPython 3.13 Lib/test/test_asyncio/test_waitfor.py: what the earlier ports of the
// SlowTask tests (waitforcancel.test.ts) did not check — the outcome of the waiting task and the
// value waitFor() gives when the inner coroutine swallows every cancellation and returns normally.
// Since asyncio 3.12, wait_for(aw, t) is `async with timeout(t): return await aw`: a swallowed
// cancel leaves nothing to convert or re-raise, so the inner value comes out. Virtual time (ms).
//
// The method-by-method gap analysis of test_tasks.py, test_futures.py, test_futures2.py and
// test_waitfor.py is in the report that came with these files; every test here names its origin.
import { describe, expect, it } from 'vitest';
import { createTask, isCancelledError, sleep, wait, waitFor, type Coroutine } from 'tulip';
import { STYLES, now, runVirtual, styled } from './helpers.js';

/** CPython's SlowTask: runs for RUN_MS of loop time, ignoring every cancel, then returns a value. */
class SlowTask {
  static readonly RUN_MS = 200;
  exited = false;
  cancelsIgnored = 0;

  async runAsync(): Promise<string> {
    const exitAt = now() + SlowTask.RUN_MS;
    for (let left = SlowTask.RUN_MS; left > 0; left = exitAt - now()) {
      try {
        await sleep(left);
      } catch (e) {
        if (!isCancelledError(e)) throw e;
        this.cancelsIgnored++;
      }
    }
    this.exited = true;
    return 'slow done';
  }

  *runGen(): Coroutine<string> {
    const exitAt = now() + SlowTask.RUN_MS;
    for (let left = SlowTask.RUN_MS; left > 0; left = exitAt - now()) {
      try {
        yield* sleep(left);
      } catch (e) {
        if (!isCancelledError(e)) throw e;
        this.cancelsIgnored++;
      }
    }
    this.exited = true;
    return 'slow done';
  }
}

describe('waitFor() around an inner coroutine that swallows every cancellation', () => {
  for (const style of STYLES) {
    // ports test_waitfor.py::AsyncioWaitForTest.test_asyncio_wait_for_cancelled (the waiter's outcome)
    it(`a waiting task cancelled meanwhile ends with the inner value, not cancelled, its cancel still counted (${style})`, () =>
      runVirtual(async () => {
        const slow = new SlowTask();
        const t0 = now();
        const waiter = createTask(
          styled(
            style,
            function* () {
              return yield* waitFor(slow.runGen(), SlowTask.RUN_MS * 2);
            },
            async () => waitFor(slow.runAsync(), SlowTask.RUN_MS * 2),
          ),
        );
        await sleep(0);
        expect(waiter.cancel()).toBe(true);
        await wait([waiter]);
        expect(slow.exited).toBe(true);
        expect(slow.cancelsIgnored).toBe(1);
        expect(now() - t0).toBe(SlowTask.RUN_MS); // it waited for the inner coroutine to end
        expect(waiter.cancelled()).toBe(false);
        expect(waiter.result()).toBe('slow done');
        expect(waiter.cancelling()).toBe(1); // nobody uncancelled the request
      }));

    // ports test_waitfor.py::AsyncioWaitForTest.test_asyncio_wait_for_timeout (the value returned)
    it(`on timeout it waits for the inner coroutine and returns its value instead of throwing TimeoutError (${style})`, () =>
      runVirtual(
        styled(
          style,
          function* () {
            const slow = new SlowTask();
            const t0 = now();
            const value = yield* waitFor(slow.runGen(), SlowTask.RUN_MS / 2);
            expect(value).toBe('slow done');
            expect(slow.cancelsIgnored).toBe(1); // the timeout's one cancel
            expect(now() - t0).toBe(SlowTask.RUN_MS);
          },
          async () => {
            const slow = new SlowTask();
            const t0 = now();
            const value = await waitFor(slow.runAsync(), SlowTask.RUN_MS / 2);
            expect(value).toBe('slow done');
            expect(slow.cancelsIgnored).toBe(1); // the timeout's one cancel
            expect(now() - t0).toBe(SlowTask.RUN_MS);
          },
        ),
      ));
  }
});
