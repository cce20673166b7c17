// More behaviour ports of CPython 3.13 Lib/test/test_asyncio/test_taskgroups.py: the tests not
// ported yet in taskgroups.test.ts, grouperrors.test.ts, outsidecancel.test.ts or
// nestedgroups.test.ts, in both coroutine styles.
//
// Skipped (one line each):
// - test_taskgroup_20 (KeyboardInterrupt re-raised bare) / test_taskgroup_20a / test_taskgroup_21a
//   (BaseException subclasses): JS has no BaseException; with plain errors 20a/21a are
//   test_taskgroup_19, ported in grouperrors.test.ts.
// - test_taskgroup_task_context: ported with AsyncLocalStorage in contextvars.test.ts.
// - test_exception_refcycles_*: CPython reference cycles / GC.
// - TestEagerTaskTaskGroup: the eager reruns (eager.reruns.test.ts) run these under eager factories.
// - test_coro_closed_when_tg_closed: "coroutine was never awaited" warnings; the RuntimeError
//   "is finished" part is ported in taskgroups.test.ts (test_taskgroup_finished).
import { describe, expect, it } from 'vitest';
import { ExceptionGroup, TaskGroup, createTask, currentTask, run, sleep, type Task } from 'tulip';
import { STYLES, rejection, rejectionG, runVirtual } from './helpers.js';

class CustomException extends Error {
  override name = 'CustomException';
}

describe('TaskGroup', () => {
  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_23 (live children, not `g._tasks`)
  it('finished children leave the group: fewer than 5 running after 6 staggered starts, none at the end (async)', () =>
    runVirtual(async () => {
      const created: Task<void>[] = [];
      const running = () => created.filter((t) => !t.done()).length;
      await new TaskGroup().run(async (g) => {
        for (let count = 0; count < 10; count++) {
          await sleep(100);
          created.push(
            g.createTask(async () => {
              await sleep(300);
            }),
          );
          if (count === 5) expect(running()).toBeLessThan(5);
        }
        await sleep(1350);
        expect(running()).toBe(0);
      });
      expect(created.length).toBe(10);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_23 (generator style)
  it('finished children leave the group: fewer than 5 running after 6 staggered starts, none at the end (generator)', () =>
    runVirtual(function* () {
      const created: Task<void>[] = [];
      const running = () => created.filter((t) => !t.done()).length;
      yield* new TaskGroup().run(function* (g) {
        for (let count = 0; count < 10; count++) {
          yield* sleep(100);
          created.push(
            g.createTask(function* () {
              yield* sleep(300);
            }),
          );
          if (count === 5) expect(running()).toBeLessThan(5);
        }
        yield* sleep(1350);
        expect(running()).toBe(0);
      });
    }));

  for (const style of STYLES) {
    // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_context_manager_exit_raises
    it(`an inner scope that raises on exit while a child fails: both errors in the group, cancelling() back to 0 (${style})`, () =>
      run(async () => {
        const main = createTask(
          style === 'async'
            ? async () => {
                const task = currentTask()!;
                const e = await rejection(
                  new TaskGroup().run(async (tg) => {
                    // `async with database():` whose exit raises CustomException
                    try {
                      tg.createTask(async () => {
                        throw new CustomException('child');
                      });
                      await sleep(1000);
                    } finally {
                      // eslint-disable-next-line no-unsafe-finally
                      throw new CustomException('database');
                    }
                  }),
                );
                return [task.cancelling(), e] as const;
              }
            : function* () {
                const task = currentTask()!;
                const e = yield* rejectionG(
                  new TaskGroup().run(function* (tg) {
                    try {
                      tg.createTask(function* () {
                        throw new CustomException('child');
                      });
                      yield* sleep(1000);
                    } finally {
                      // eslint-disable-next-line no-unsafe-finally
                      throw new CustomException('database');
                    }
                  }),
                );
                return [task.cancelling(), e] as const;
              },
        );
        const [cancelling, e] = await main;
        expect(cancelling).toBe(0);
        expect(e).toBeInstanceOf(ExceptionGroup);
        const errs = (e as ExceptionGroup).errors;
        expect(errs.length).toBe(2);
        expect(errs.every((x) => x instanceof CustomException)).toBe(true);
        expect(new Set(errs.map((x) => (x as Error).message))).toEqual(new Set(['child', 'database']));
      }));

    // ports test_taskgroups.py::BaseTestTaskGroup.test_name
    it(`a child named at creation sees its name through currentTask() (${style})`, () =>
      run(async () => {
        let name: string | null = null;
        await new TaskGroup().run((tg) => {
          tg.createTask(
            style === 'async'
              ? async () => {
                  name = currentTask()!.getName();
                }
              : function* () {
                  name = currentTask()!.getName();
                },
            { name: 'example name' },
          );
        });
        expect(name).toBe('example name');
      }));

    // ports test_taskgroups.py::BaseTestTaskGroup.test_cancellation_does_not_leak_out_of_tg
    it(`after a group failed with a child error is caught, the task is not left cancelled (${style})`, () =>
      run(async () => {
        class MyError extends Error {}
        const t = createTask(
          style === 'async'
            ? async () => {
                const e = await rejection(
                  new TaskGroup().run((tg) => {
                    tg.createTask(async () => {
                      throw new MyError();
                    });
                  }),
                );
                expect(e).toBeInstanceOf(ExceptionGroup);
                await sleep(0); // a leaked cancel would land here
                await sleep(0);
                return currentTask()!.cancelling();
              }
            : function* () {
                const e = yield* rejectionG(
                  new TaskGroup().run((tg) => {
                    tg.createTask(function* () {
                      throw new MyError();
                    });
                  }),
                );
                expect(e).toBeInstanceOf(ExceptionGroup);
                yield* sleep(0);
                yield* sleep(0);
                return currentTask()!.cancelling();
              },
        );
        expect(await t).toBe(0);
        expect(t.cancelled()).toBe(false);
      }));
  }
});
