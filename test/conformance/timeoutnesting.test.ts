// Behaviour ports of CPython 3.13 Lib/test/test_asyncio/test_timeouts.py (TimeoutTests): nested
// timeouts (which one fires and converts, busy stretches, a timeout in the finally of a timed-out
// body) and timeouts around task groups (the rest of test_timeouts.py is in timeouts.test.ts and
// timeoutcancel.test.ts).
// `async with asyncio.timeout(d) as cm:` is `await timeout(d).run(async (cm) => { … })` or, in
// generator style, `yield* timeout(d).run(function* (cm) { … })`. Units are milliseconds.
// Most tests run on virtual time (MockClock with autojump), so that long deadlines cost nothing
// and loop.time() is exact; real sleeps stay tiny.
import { describe, it, expect } from 'vitest';
import {
  TaskGroup,
  TimeoutError,
  currentTask,
  getRunningLoop,
  isCancelledError,
  sleep,
  timeout,
  timeoutAt,
  type Timeout,
} from 'tulip';
import {
  FOREVER,
  HOUR,
  ValueError,
  ZeroDivisionError,
  assertCancelled,
  errorOf,
  groupTypes,
  now,
  rejection,
  rejectionG,
  runVirtual,
  virtualClock,
} from './helpers.js';

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
