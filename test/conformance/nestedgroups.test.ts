// Behaviour ports of CPython 3.13 Lib/test/test_asyncio/test_taskgroups.py (BaseTestTaskGroup):
// nested groups — an outside cancel, an outer child's failure and an inner child's failure, and
// cancelling() between the two exits (the rest of test_taskgroups.py is in taskgroups.test.ts,
// grouperrors.test.ts and outsidecancel.test.ts).
// `async with TaskGroup() as tg:` is `await new TaskGroup().run(async (tg) => { … })`, or in
// generator style `yield* new TaskGroup().run(function* (tg) { … })`. Failures surface as an
// ExceptionGroup. Tests whose asyncio original sleeps for seconds run on virtual time.
import { describe, it, expect } from 'vitest';
import {
  ExceptionGroup,
  RuntimeError,
  TaskGroup,
  createTask,
  currentTask,
  run,
  sleep,
  type Coroutine,
  type Task,
} from 'tulip';
import { waitAllTasksBlocked } from 'tulip/testing';
import {
  FOREVER,
  ValueError,
  ZeroDivisionError,
  groupTypes,
  rejection,
  rejectionG,
} from './helpers.js';
import { typeSet } from './taskgroups.helpers.js';

// ---- nested groups ----------------------------------------------------------------------------------

describe('nested groups', () => {
  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_11
  it('an outside cancel of nested groups whose children fail in cleanup gives a nested ExceptionGroup (async)', () =>
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
        await new TaskGroup().run(async () => {
          await new TaskGroup().run(async (g2) => {
            for (let i = 0; i < 5; i++) g2.createTask(() => foo());
            await sleep(FOREVER);
          });
        });
      });
      await waitAllTasksBlocked();
      expect(r.done()).toBe(false);
      r.cancel();
      const e = await rejection(r);
      expect(typeSet(e)).toEqual(new Set([ExceptionGroup]));
      expect(typeSet((e as ExceptionGroup).errors[0])).toEqual(new Set([ZeroDivisionError]));
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_11
  it('an outside cancel of nested groups whose children fail in cleanup gives a nested ExceptionGroup (generator)', () =>
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
        yield* new TaskGroup().run(function* () {
          yield* new TaskGroup().run(function* (g2) {
            for (let i = 0; i < 5; i++) g2.createTask(foo());
            yield* sleep(FOREVER);
          });
        });
      });
      yield* waitAllTasksBlocked();
      r.cancel();
      const e = yield* rejectionG(r);
      expect(typeSet(e)).toEqual(new Set([ExceptionGroup]));
      expect(typeSet((e as ExceptionGroup).errors[0])).toEqual(new Set([ZeroDivisionError]));
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_12
  it('the same nesting with a sleeping child in the outer group also gives a nested ExceptionGroup', () =>
    run(async () => {
      const foo = async () => {
        try {
          await sleep(FOREVER);
        } finally {
          // eslint-disable-next-line no-unsafe-finally
          throw new ZeroDivisionError();
        }
      };
      let outerChild!: Task<void>;
      const r = createTask(async () => {
        await new TaskGroup().run(async (g1) => {
          outerChild = g1.createTask(() => sleep(FOREVER));
          await new TaskGroup().run(async (g2) => {
            for (let i = 0; i < 5; i++) g2.createTask(() => foo());
            await sleep(FOREVER);
          });
        });
      });
      await waitAllTasksBlocked();
      r.cancel();
      const e = await rejection(r);
      expect(typeSet(e)).toEqual(new Set([ExceptionGroup]));
      expect(typeSet((e as ExceptionGroup).errors[0])).toEqual(new Set([ZeroDivisionError]));
      expect(outerChild.cancelled()).toBe(true);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_13
  it("an outer child's failure cancels the inner group quietly: only the outer error comes out (async)", () =>
    run(async () => {
      const crashAfter = async (t: number) => {
        await sleep(t);
        throw new ValueError(String(t));
      };
      const e = await rejection(
        createTask(() =>
          new TaskGroup().run(async (g1) => {
            g1.createTask(() => crashAfter(10));
            await new TaskGroup().run(async (g2) => {
              g2.createTask(() => crashAfter(FOREVER));
            });
          }),
        ),
      );
      expect(groupTypes(e)).toEqual([ValueError]);
      expect(((e as ExceptionGroup).errors[0] as Error).message).toBe('10');
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_13
  it("an outer child's failure cancels the inner group quietly: only the outer error comes out (generator)", () =>
    run(function* () {
      function* crashAfter(t: number): Coroutine<void> {
        yield* sleep(t);
        throw new ValueError(String(t));
      }
      const e = yield* rejectionG(
        createTask(function* () {
          yield* new TaskGroup().run(function* (g1) {
            g1.createTask(crashAfter(10));
            yield* new TaskGroup().run(function* (g2) {
              g2.createTask(crashAfter(FOREVER));
            });
          });
        }),
      );
      expect(groupTypes(e)).toEqual([ValueError]);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_14
  it("an inner child's failure comes out of the outer group as an ExceptionGroup inside one (async)", () =>
    run(async () => {
      const crashAfter = async (t: number) => {
        await sleep(t);
        throw new ValueError(String(t));
      };
      let slow!: Task<void>;
      const e = await rejection(
        createTask(() =>
          new TaskGroup().run(async (g1) => {
            slow = g1.createTask(() => crashAfter(FOREVER));
            await new TaskGroup().run(async (g2) => {
              g2.createTask(() => crashAfter(10));
            });
          }),
        ),
      );
      expect(groupTypes(e)).toEqual([ExceptionGroup]);
      expect(groupTypes((e as ExceptionGroup).errors[0])).toEqual([ValueError]);
      expect(slow.cancelled()).toBe(true);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_14
  it("an inner child's failure comes out of the outer group as an ExceptionGroup inside one (generator)", () =>
    run(function* () {
      function* crashAfter(t: number): Coroutine<void> {
        yield* sleep(t);
        throw new ValueError(String(t));
      }
      const e = yield* rejectionG(
        createTask(function* () {
          yield* new TaskGroup().run(function* (g1) {
            g1.createTask(crashAfter(FOREVER));
            yield* new TaskGroup().run(function* (g2) {
              g2.createTask(crashAfter(10));
            });
          });
        }),
      );
      expect(groupTypes(e)).toEqual([ExceptionGroup]);
      expect(groupTypes((e as ExceptionGroup).errors[0])).toEqual([ValueError]);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_nested_groups_both_cancelled
  it('when both nested groups fail, cancelling() is 1 between the two exits and 0 after (async)', () =>
    run(async () => {
      const raiseAfter = async (t: number, E: new () => Error) => {
        await sleep(t);
        throw new E();
      };
      const task = currentTask()!;
      let between = -1;
      let innerTypes: Set<unknown> | undefined;
      const e = await rejection(
        new TaskGroup().run(async (outerTg) => {
          try {
            await new TaskGroup().run(async (innerTg) => {
              innerTg.createTask(() => raiseAfter(0, RuntimeError));
              outerTg.createTask(() => raiseAfter(0, ValueError));
            });
          } catch (err) {
            innerTypes = typeSet(err);
          }
          between = task.cancelling();
        }),
      );
      expect(innerTypes).toEqual(new Set([RuntimeError]));
      expect(between).toBe(1);
      expect(typeSet(e)).toEqual(new Set([ValueError]));
      expect(task.cancelling()).toBe(0);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_nested_groups_both_cancelled
  it('when both nested groups fail, cancelling() is 1 between the two exits and 0 after (generator)', () =>
    run(function* () {
      function* raiseAfter(t: number, E: new () => Error): Coroutine<void> {
        yield* sleep(t);
        throw new E();
      }
      const task = currentTask()!;
      let between = -1;
      let innerTypes: Set<unknown> | undefined;
      const e = yield* rejectionG(
        new TaskGroup().run(function* (outerTg) {
          try {
            yield* new TaskGroup().run(function* (innerTg) {
              innerTg.createTask(raiseAfter(0, RuntimeError));
              outerTg.createTask(raiseAfter(0, ValueError));
            });
          } catch (err) {
            innerTypes = typeSet(err);
          }
          between = task.cancelling();
        }),
      );
      expect(innerTypes).toEqual(new Set([RuntimeError]));
      expect(between).toBe(1);
      expect(typeSet(e)).toEqual(new Set([ValueError]));
      expect(task.cancelling()).toBe(0);
    }));
});
