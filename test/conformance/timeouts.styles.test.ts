// Style twins of the timeout tests: each test here is the other-style twin of a test written in
// only one coroutine style (generator `yield*` or native `await`) in test/conformance/timeouts.test.ts,
// timeoutnesting.test.ts or /work/shared/conformance/timeouts.test.ts: deadlines, nesting,
// reschedule(), entering, task groups (the twins of the error and cancellation tests are in
// timeoutcancel.styles.test.ts). The behaviour, pass counts and order are the original's; only the
// style changes.
import { describe, it, expect } from 'vitest';
import {
  RuntimeError,
  TaskGroup,
  TimeoutError,
  currentTask,
  run,
  sleep,
  timeout,
  timeoutAt,
} from 'tulip';
import {
  FOREVER,
  HOUR,
  assertCancelled,
  now,
  rejection,
  rejectionG,
  runVirtual,
  syncError,
} from './helpers.js';

describe('timeoutAt, when() and disabled timeouts (style twins)', () => {
  // twin of timeouts.test.ts::a generator body outliving an absolute deadline raises TimeoutError and when() keeps the deadline
  it('an async body outliving an absolute deadline raises TimeoutError and when() keeps the deadline', () =>
    runVirtual(async () => {
      const deadline = now() + 10;
      const cm = timeoutAt(deadline);
      const e = await rejection(
        cm.run(async () => {
          await sleep(FOREVER);
        }),
      );
      expect(e).toBeInstanceOf(TimeoutError);
      expect(cm.expired()).toBe(true);
      expect(cm.when()).toBe(deadline);
      expect(now()).toBe(deadline);
    }));

  // twin of timeouts.test.ts::timeout(null) lets a generator body sleep for hours and never expires
  it('timeout(null) lets an async body sleep for hours and never expires', () =>
    runVirtual(async () => {
      const cm = timeout(null);
      const r = await cm.run(async () => {
        await sleep(5 * HOUR);
        return 'slept';
      });
      expect(r).toBe('slept');
      expect(cm.expired()).toBe(false);
      expect(cm.when()).toBeNull();
    }));

  // twin of timeouts.test.ts::expired() stays false while the body runs within its deadline
  it('expired() stays false while a generator body runs within its deadline', () =>
    runVirtual(function* () {
      const cm = timeout(100);
      const seen: boolean[] = [];
      yield* cm.run(function* (t) {
        seen.push(t.expired());
        yield* sleep(50);
        seen.push(t.expired());
      });
      seen.push(cm.expired());
      expect(seen).toEqual([false, false, false]);
    }));

  // twin of shared timeouts.test.ts::timeout(null) never expires and when() is null
  it('timeout(null) around a short generator sleep never expires and when() is null', () =>
    runVirtual(function* () {
      const cm = timeout(null);
      yield* cm.run(function* () {
        yield* sleep(10);
      });
      expect(cm.expired()).toBe(false);
      expect(cm.when()).toBeNull();
    }));

  // twin of shared timeouts.test.ts::a body that finishes in time is untouched and returns its value
  it('a generator body that finishes in time is untouched, and when() is still ahead', () =>
    runVirtual(function* () {
      const cm = timeout(1000);
      const r = yield* cm.run(function* () {
        yield* sleep(10);
        return 'in time';
      });
      const t1 = now();
      expect(r).toBe('in time');
      expect(cm.expired()).toBe(false);
      expect(cm.when()!).toBeGreaterThan(t1);
    }));
});

describe('nested timeouts (style twins)', () => {
  // twin of timeoutnesting.test.ts::an inner timeout that expires first converts, and the outer one keeps running
  it('an inner generator timeout that expires first converts, and the outer one keeps running', () =>
    runVirtual(function* () {
      const outer = timeout(HOUR);
      const r = yield* outer.run(function* () {
        const e = yield* rejectionG(
          timeout(10).run(function* () {
            yield* sleep(FOREVER);
          }),
        );
        expect(e).toBeInstanceOf(TimeoutError);
        return yield* sleep(10, 'outer body finished');
      });
      expect(r).toBe('outer body finished');
      expect(outer.expired()).toBe(false);
    }));
});

describe('reschedule() (style twins)', () => {
  // twin of timeouts.test.ts::rescheduling to a later deadline lets the body finish (async)
  it('rescheduling to a later deadline lets a generator body finish', () =>
    runVirtual(function* () {
      const cm = timeout(10);
      const r = yield* cm.run(function* (t) {
        t.reschedule(now() + 1000);
        yield* sleep(500);
        return 'extended';
      });
      expect(r).toBe('extended');
      expect(cm.expired()).toBe(false);
    }));

  // twin of timeouts.test.ts::rescheduling to null disables the deadline (generator)
  it('rescheduling to null disables the deadline of an async body', () =>
    runVirtual(async () => {
      const cm = timeout(10);
      const r = await cm.run(async (t) => {
        await sleep(5);
        t.reschedule(null);
        await sleep(HOUR);
        return 'disabled';
      });
      expect(r).toBe('disabled');
      expect(cm.expired()).toBe(false);
      expect(cm.when()).toBeNull();
    }));

  // twin of timeouts.test.ts::a disabled timeout can be given a deadline and then fires (async)
  it('a disabled timeout can be given a deadline by a generator body and then fires', () =>
    runVirtual(function* () {
      const t0 = now();
      const cm = timeout(null);
      const e = yield* rejectionG(
        cm.run(function* (t) {
          t.reschedule(t0 + 30);
          yield* sleep(HOUR);
        }),
      );
      expect(e).toBeInstanceOf(TimeoutError);
      expect(cm.when()).toBe(t0 + 30);
      expect(cm.expired()).toBe(true);
      expect(now() - t0).toBe(30);
    }));

  // twin of timeouts.test.ts::reschedule() after the block finished throws RuntimeError
  it('reschedule() after a generator block finished throws RuntimeError', () =>
    run(function* () {
      const cm = timeout(10);
      yield* cm.run(function* () {});
      const e = syncError(() => cm.reschedule(now() + 20));
      expect(e).toBeInstanceOf(RuntimeError);
      expect((e as Error).message).toMatch(/finished/);
    }));

  // twin of timeouts.test.ts::reschedule() after the timeout expired throws RuntimeError
  it('reschedule() after an async block expired throws RuntimeError', () =>
    runVirtual(async () => {
      const cm = timeout(10);
      expect(
        await rejection(
          cm.run(async () => {
            await sleep(1000);
          }),
        ),
      ).toBeInstanceOf(TimeoutError);
      const e = syncError(() => cm.reschedule(now() + 20));
      expect(e).toBeInstanceOf(RuntimeError);
      expect((e as Error).message).toMatch(/expired/);
    }));
});

describe('entering a timeout (style twins)', () => {
  // twin of timeouts.test.ts::running a finished timeout a second time throws RuntimeError
  it('running a finished timeout a second time from a generator task throws RuntimeError', () =>
    run(function* () {
      const cm = timeout(FOREVER);
      yield* cm.run(function* () {});
      let ran = false;
      const e = syncError(() =>
        cm.run(function* () {
          ran = true;
        }),
      );
      expect(e).toBeInstanceOf(RuntimeError);
      expect((e as Error).message).toMatch(/has already been entered/);
      yield* sleep(0);
      expect(ran).toBe(false);
    }));
});

describe('timeouts around task groups (style twins)', () => {
  // twin of timeoutnesting.test.ts::a deadline around a group cancels the body and every child, then raises TimeoutError
  it('a deadline around a generator group cancels the body and every child, then raises TimeoutError', () =>
    runVirtual(function* () {
      const children: { cancelled(): boolean }[] = [];
      const e = yield* rejectionG(
        timeout(10).run(function* () {
          yield* new TaskGroup().run(function* (tg) {
            children.push(tg.createTask(() => sleep(FOREVER)));
            children.push(
              tg.createTask(function* () {
                yield* sleep(FOREVER);
              }),
            );
            yield* sleep(FOREVER);
          });
        }),
      );
      expect(e).toBeInstanceOf(TimeoutError);
      assertCancelled((e as Error).cause);
      expect(children.map((c) => c.cancelled())).toEqual([true, true]);
      expect(currentTask()!.cancelling()).toBe(0);
    }));
});
