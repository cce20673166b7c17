// Behaviour ports of CPython 3.13 Lib/test/test_asyncio/test_timeouts.py (TimeoutTests): the
// deadlines (timeoutAt, when(), disabled, zero and past ones), reschedule() and entering a timeout
// (errors and cancellation are in timeoutcancel.test.ts, nested timeouts and task groups in
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
  ensureFuture,
  getRunningLoop,
  run,
  sleep,
  timeout,
  timeoutAt,
  type Timeout,
} from 'tulip';
import {
  FOREVER,
  HOUR,
  assertCancelled,
  errorOf,
  now,
  rejection,
  rejectionG,
  runVirtual,
  syncError,
} from './helpers.js';

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
