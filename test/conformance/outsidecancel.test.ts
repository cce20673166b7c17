// Behaviour ports of CPython 3.13 Lib/test/test_asyncio/test_taskgroups.py (BaseTestTaskGroup):
// a group cancelled from outside — the cancel reaches the body and every child, and meets child
// errors — and the running task's cancellation state after a group (the rest of
// test_taskgroups.py is in taskgroups.test.ts, grouperrors.test.ts and nestedgroups.test.ts).
// `async with TaskGroup() as tg:` is `await new TaskGroup().run(async (tg) => { … })`, or in
// generator style `yield* new TaskGroup().run(function* (tg) { … })`. Failures surface as an
// ExceptionGroup. Tests whose asyncio original sleeps for seconds run on virtual time.
import { describe, it, expect } from 'vitest';
import {
  ExceptionGroup,
  RuntimeError,
  TaskGroup,
  TimeoutError,
  createTask,
  currentTask,
  getRunningLoop,
  isCancelledError,
  run,
  sleep,
  timeout,
  type Coroutine,
  type Task,
} from 'tulip';
import { waitAllTasksBlocked } from 'tulip/testing';
import {
  FOREVER,
  ValueError,
  ZeroDivisionError,
  assertCancelled,
  rejection,
  rejectionG,
  runVirtual,
} from './helpers.js';
import { MyExc, typeSet } from './taskgroups.helpers.js';

// ---- cancellation from outside -----------------------------------------------------------------

describe('cancellation from outside the group', () => {
  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_07
  it('an outside cancel reaches the waiting body and every child (async)', () =>
    run(async () => {
      let NUM = 0;
      const foo = async () => {
        try {
          await sleep(FOREVER);
        } catch (e) {
          if (isCancelledError(e)) NUM += 1;
          throw e;
        }
      };
      const r = createTask(async () => {
        await new TaskGroup().run(async (g) => {
          for (let i = 0; i < 5; i++) g.createTask(() => foo());
          try {
            await sleep(FOREVER);
          } catch (e) {
            if (isCancelledError(e)) NUM += 10;
            throw e;
          }
        });
      });
      await waitAllTasksBlocked();
      expect(r.done()).toBe(false);
      r.cancel();
      assertCancelled(await rejection(r));
      expect(NUM).toBe(15);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_07
  it('an outside cancel reaches the waiting body and every child (generator)', () =>
    run(function* () {
      let NUM = 0;
      function* foo(): Coroutine<void> {
        try {
          yield* sleep(FOREVER);
        } catch (e) {
          if (isCancelledError(e)) NUM += 1;
          throw e;
        }
      }
      const r = createTask(function* () {
        yield* new TaskGroup().run(function* (g) {
          for (let i = 0; i < 5; i++) g.createTask(foo());
          try {
            yield* sleep(FOREVER);
          } catch (e) {
            if (isCancelledError(e)) NUM += 10;
            throw e;
          }
        });
      });
      yield* waitAllTasksBlocked();
      expect(r.done()).toBe(false);
      r.cancel();
      assertCancelled(yield* rejectionG(r));
      expect(NUM).toBe(15);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_08
  it('children that fail while being cancelled from outside turn the cancel into an ExceptionGroup (async)', () =>
    run(async () => {
      const foo = async () => {
        try {
          await sleep(FOREVER);
        } finally {
          // eslint-disable-next-line no-unsafe-finally
          throw new ZeroDivisionError();
        }
      };
      const r = createTask(async () => {
        await new TaskGroup().run(async (g) => {
          for (let i = 0; i < 5; i++) g.createTask(() => foo());
          await sleep(FOREVER);
        });
      });
      await waitAllTasksBlocked();
      expect(r.done()).toBe(false);
      r.cancel();
      const e = await rejection(r);
      expect(typeSet(e)).toEqual(new Set([ZeroDivisionError]));
      expect((e as ExceptionGroup).errors).toHaveLength(5);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_08
  it('children that fail while being cancelled from outside turn the cancel into an ExceptionGroup (generator)', () =>
    run(function* () {
      function* foo(): Coroutine<void> {
        try {
          yield* sleep(FOREVER);
        } finally {
          // eslint-disable-next-line no-unsafe-finally
          throw new ZeroDivisionError();
        }
      }
      const r = createTask(function* () {
        yield* new TaskGroup().run(function* (g) {
          for (let i = 0; i < 5; i++) g.createTask(foo());
          yield* sleep(FOREVER);
        });
      });
      yield* waitAllTasksBlocked();
      r.cancel();
      const e = yield* rejectionG(r);
      expect(typeSet(e)).toEqual(new Set([ZeroDivisionError]));
      expect((e as ExceptionGroup).errors).toHaveLength(5);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_15
  it('a child failing while the body delays its exit after an outside cancel gives an ExceptionGroup (async)', () =>
    runVirtual(async () => {
      const r = createTask(async () => {
        await new TaskGroup().run(async (g) => {
          g.createTask(async () => {
            await sleep(300);
            throw new ZeroDivisionError();
          });
          try {
            await sleep(10_000);
          } catch (e) {
            if (isCancelledError(e)) await sleep(500);
            throw e;
          }
        });
      });
      await sleep(100);
      expect(r.done()).toBe(false);
      r.cancel();
      const e = await rejection(r);
      expect(typeSet(e)).toEqual(new Set([ZeroDivisionError]));
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_15
  it('a child failing while the body delays its exit after an outside cancel gives an ExceptionGroup (generator)', () =>
    runVirtual(function* () {
      const r = createTask(function* () {
        yield* new TaskGroup().run(function* (g) {
          g.createTask(function* () {
            yield* sleep(300);
            throw new ZeroDivisionError();
          });
          try {
            yield* sleep(10_000);
          } catch (e) {
            if (isCancelledError(e)) yield* sleep(500);
            throw e;
          }
        });
      });
      yield* sleep(100);
      expect(r.done()).toBe(false);
      r.cancel();
      const e = yield* rejectionG(r);
      expect(typeSet(e)).toEqual(new Set([ZeroDivisionError]));
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_16
  it('the same holds when the group runs in a task awaited by the cancelled one', () =>
    runVirtual(async () => {
      const nestedRunner = async () => {
        await new TaskGroup().run(async (g) => {
          g.createTask(async () => {
            await sleep(300);
            throw new ZeroDivisionError();
          });
          try {
            await sleep(10_000);
          } catch (e) {
            if (isCancelledError(e)) await sleep(500);
            throw e;
          }
        });
      };
      const r = createTask(async () => {
        const t = createTask(() => nestedRunner());
        await t;
      });
      await sleep(100);
      expect(r.done()).toBe(false);
      r.cancel();
      const e = await rejection(r);
      expect(typeSet(e)).toEqual(new Set([ZeroDivisionError]));
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_17
  it('a generator group with no children passes an outside cancellation through', () =>
    run(function* () {
      let NUM = 0;
      const r = createTask(function* () {
        yield* new TaskGroup().run(function* () {
          try {
            yield* sleep(FOREVER);
          } catch (e) {
            if (isCancelledError(e)) NUM += 10;
            throw e;
          }
        });
      });
      yield* waitAllTasksBlocked();
      r.cancel();
      assertCancelled(yield* rejectionG(r));
      expect(NUM).toBe(10);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_18
  it('a body that turns an outside cancel into its own error gets an ExceptionGroup (async)', () =>
    run(async () => {
      let NUM = 0;
      const r = createTask(async () => {
        await new TaskGroup().run(async () => {
          try {
            await sleep(FOREVER);
          } catch (e) {
            if (!isCancelledError(e)) throw e;
            NUM += 10;
            throw new MyExc();
          }
        });
      });
      await waitAllTasksBlocked();
      r.cancel();
      const e = await rejection(r);
      expect(typeSet(e)).toEqual(new Set([MyExc]));
      expect(NUM).toBe(10);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_18
  it('a body that turns an outside cancel into its own error gets an ExceptionGroup (generator)', () =>
    run(function* () {
      let NUM = 0;
      const r = createTask(function* () {
        yield* new TaskGroup().run(function* () {
          try {
            yield* sleep(FOREVER);
          } catch (e) {
            if (!isCancelledError(e)) throw e;
            NUM += 10;
            throw new MyExc();
          }
        });
      });
      yield* waitAllTasksBlocked();
      r.cancel();
      const e = yield* rejectionG(r);
      expect(typeSet(e)).toEqual(new Set([MyExc]));
      expect(NUM).toBe(10);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_22
  it('an outside cancel while the group only waits for its children gives CancelledError (async)', () =>
    run(async () => {
      const children: Task<void>[] = [];
      const r = createTask(async () => {
        await new TaskGroup().run(async (g) => {
          children.push(g.createTask(() => sleep(FOREVER)));
          children.push(g.createTask(() => sleep(2 * FOREVER)));
        });
      });
      await sleep(5);
      r.cancel();
      assertCancelled(await rejection(r));
      expect(r.cancelled()).toBe(true);
      expect(children.every((c) => c.cancelled())).toBe(true);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_22
  it('an outside cancel while the group only waits for its children gives CancelledError (generator)', () =>
    run(function* () {
      const children: Task<void>[] = [];
      const r = createTask(function* () {
        yield* new TaskGroup().run(function* (g) {
          children.push(g.createTask(() => sleep(FOREVER)));
          children.push(g.createTask(() => sleep(2 * FOREVER)));
        });
      });
      yield* sleep(5);
      r.cancel();
      assertCancelled(yield* rejectionG(r));
      expect(r.cancelled()).toBe(true);
      expect(children.every((c) => c.cancelled())).toBe(true);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_error_and_cancel
  it("an outside cancel that meets a child error keeps the task's cancelling() at 1 (async)", () =>
    run(async () => {
      // asyncio's Event, as a one-shot future of the loop
      const event = getRunningLoop().createFuture<void>();
      let afterGroup = false;
      let insideCatch = -1;
      let afterCatch = -1;
      const inner = async () => {
        try {
          await new TaskGroup().run(async (tg) => {
            tg.createTask(async () => {
              event.setResult();
              await sleep(0);
              throw new ValueError();
            });
            await sleep(FOREVER);
            throw new Error('sleep in the group should have been cancelled');
          });
        } catch (e) {
          if (!(e instanceof ExceptionGroup)) throw e;
          expect(typeSet(e)).toEqual(new Set([ValueError]));
          insideCatch = currentTask()!.cancelling();
        }
        afterCatch = currentTask()!.cancelling();
        await sleep(FOREVER);
        afterGroup = true;
      };
      const t = createTask(() => inner());
      await event;
      expect(t.cancelling()).toBe(0);
      t.cancel();
      expect(t.cancelling()).toBe(1);
      assertCancelled(await rejection(t));
      expect(t.cancelled()).toBe(true);
      expect(insideCatch).toBe(1);
      expect(afterCatch).toBe(1);
      expect(afterGroup).toBe(false);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_error_and_cancel
  it("an outside cancel that meets a child error keeps the task's cancelling() at 1 (generator)", () =>
    run(function* () {
      const event = getRunningLoop().createFuture<void>();
      let afterGroup = false;
      let insideCatch = -1;
      const t = createTask(function* () {
        try {
          yield* new TaskGroup().run(function* (tg) {
            tg.createTask(function* () {
              event.setResult();
              yield* sleep(0);
              throw new ValueError();
            });
            yield* sleep(FOREVER);
          });
        } catch (e) {
          if (!(e instanceof ExceptionGroup)) throw e;
          insideCatch = currentTask()!.cancelling();
        }
        yield* sleep(FOREVER);
        afterGroup = true;
      });
      yield* event;
      expect(t.cancelling()).toBe(0);
      t.cancel();
      expect(t.cancelling()).toBe(1);
      assertCancelled(yield* rejectionG(t));
      expect(t.cancelled()).toBe(true);
      expect(insideCatch).toBe(1);
      expect(afterGroup).toBe(false);
    }));
});

// ---- cancelling level and leaks -------------------------------------------------------------------

describe("the running task's cancellation state", () => {
  // ports test_taskgroups.py::BaseTestTaskGroup.test_cancelling_level_preserved
  it('after a failed group is caught, cancelling() is 0 (async)', () =>
    run(async () => {
      const e = await rejection(
        new TaskGroup().run(async (tg) => {
          tg.createTask(async () => {
            await sleep(0);
            throw new RuntimeError();
          });
        }),
      );
      expect(typeSet(e)).toEqual(new Set([RuntimeError]));
      expect(currentTask()!.cancelling()).toBe(0);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_cancelling_level_preserved
  it('after a failed group is caught, cancelling() is 0 (generator)', () =>
    run(function* () {
      const e = yield* rejectionG(
        new TaskGroup().run(function* (tg) {
          tg.createTask(function* () {
            yield* sleep(0);
            throw new RuntimeError();
          });
        }),
      );
      expect(typeSet(e)).toEqual(new Set([RuntimeError]));
      expect(currentTask()!.cancelling()).toBe(0);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_cancellation_does_not_leak_out_of_tg
  it('after a failed generator group is handled, the task goes on without a stray cancellation', () =>
    run(function* () {
      const e = yield* rejectionG(
        new TaskGroup().run(function* (tg) {
          tg.createTask(function* () {
            throw new MyExc();
          });
        }),
      );
      expect(typeSet(e)).toEqual(new Set([MyExc]));
      yield* sleep(0);
      expect(yield* sleep(1, 'still running')).toBe('still running');
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_exception_refcycles_propagate_cancellation_error
  it('a past-deadline timeout around a group gives TimeoutError caused by a CancelledError (async)', () =>
    run(async () => {
      const e = await rejection(
        timeout(-1).run(async () => {
          await new TaskGroup().run(async () => {
            await sleep(0);
          });
        }),
      );
      expect(e).toBeInstanceOf(TimeoutError);
      assertCancelled((e as Error).cause);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_exception_refcycles_propagate_cancellation_error
  it('a past-deadline timeout around a group gives TimeoutError caused by a CancelledError (generator)', () =>
    run(function* () {
      const e = yield* rejectionG(
        timeout(-1).run(function* () {
          yield* new TaskGroup().run(function* () {
            yield* sleep(0);
          });
        }),
      );
      expect(e).toBeInstanceOf(TimeoutError);
      assertCancelled((e as Error).cause);
    }));
});
