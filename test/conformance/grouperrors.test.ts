// Behaviour ports of CPython 3.13 Lib/test/test_asyncio/test_taskgroups.py (BaseTestTaskGroup):
// a failing child and an error in the body — what gets cancelled, and which errors the
// ExceptionGroup collects (the rest of test_taskgroups.py is in taskgroups.test.ts,
// outsidecancel.test.ts and nestedgroups.test.ts).
// `async with TaskGroup() as tg:` is `await new TaskGroup().run(async (tg) => { … })`, or in
// generator style `yield* new TaskGroup().run(function* (tg) { … })`. Failures surface as an
// ExceptionGroup. Tests whose asyncio original sleeps for seconds run on virtual time.
import { describe, it, expect } from 'vitest';
import {
  Event,
  ExceptionGroup,
  RuntimeError,
  TaskGroup,
  createTask,
  currentTask,
  getRunningLoop,
  isCancelledError,
  run,
  sleep,
  type Coroutine,
  type Task,
} from 'tulip';
import {
  FOREVER,
  KeyError,
  ValueError,
  ZeroDivisionError,
  assertCancelled,
  errorOf,
  groupTypes,
  rejection,
  rejectionG,
  runVirtual,
  syncError,
} from './helpers.js';
import { MyExc, typeSet } from './taskgroups.helpers.js';

// ---- local helpers ------------------------------------------------------------------------

class CustomException extends Error {
  override name = 'CustomException';
}

// ---- a failing child ------------------------------------------------------------------------------

describe('a failing child', () => {
  // ports test_taskgroups.py::BaseTestTaskGroup.test_cancel_children_on_child_error
  it('cancels the siblings and the waiting body, and the errors come out in one ExceptionGroup (async)', () =>
    run(async () => {
      let NUM = 0;
      let t2Cancel = false;
      let runnerCancel = false;
      const foo1 = async () => {
        await sleep(10);
        throw new ZeroDivisionError();
      };
      const foo2 = async () => {
        try {
          await sleep(FOREVER);
        } catch (e) {
          if (isCancelledError(e)) t2Cancel = true;
          throw e;
        }
        NUM += 1;
      };
      const runner = async () => {
        await new TaskGroup().run(async (g) => {
          g.createTask(() => foo1());
          g.createTask(() => foo1());
          g.createTask(() => foo1());
          g.createTask(() => foo2());
          try {
            await sleep(FOREVER);
          } catch (e) {
            if (isCancelledError(e)) runnerCancel = true;
            throw e;
          }
        });
        NUM += 10;
      };
      const e = await rejection(createTask(() => runner()));
      expect(typeSet(e)).toEqual(new Set([ZeroDivisionError]));
      expect(NUM).toBe(0);
      expect(t2Cancel).toBe(true);
      expect(runnerCancel).toBe(true);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_cancel_children_on_child_error
  it('cancels the siblings and the waiting body, and the errors come out in one ExceptionGroup (generator)', () =>
    run(function* () {
      let NUM = 0;
      let t2Cancel = false;
      let runnerCancel = false;
      function* foo1(): Coroutine<void> {
        yield* sleep(10);
        throw new ZeroDivisionError();
      }
      function* foo2(): Coroutine<void> {
        try {
          yield* sleep(FOREVER);
        } catch (e) {
          if (isCancelledError(e)) t2Cancel = true;
          throw e;
        }
        NUM += 1;
      }
      const r = createTask(function* () {
        yield* new TaskGroup().run(function* (g) {
          g.createTask(foo1());
          g.createTask(foo1());
          g.createTask(foo1());
          g.createTask(foo2());
          try {
            yield* sleep(FOREVER);
          } catch (e) {
            if (isCancelledError(e)) runnerCancel = true;
            throw e;
          }
        });
        NUM += 10;
      });
      const e = yield* rejectionG(r);
      expect(typeSet(e)).toEqual(new Set([ZeroDivisionError]));
      expect(NUM).toBe(0);
      expect(t2Cancel).toBe(true);
      expect(runnerCancel).toBe(true);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_04
  it("the ExceptionGroup carries asyncio's message and the child's very error object", () =>
    run(async () => {
      const boom = new ValueError('boom');
      const e = await rejection(
        new TaskGroup().run(async (g) => {
          g.createTask(async () => {
            await sleep(1);
            throw boom;
          });
        }),
      );
      expect(e).toBeInstanceOf(ExceptionGroup);
      expect((e as ExceptionGroup).message).toMatch(/unhandled errors in a TaskGroup/);
      expect((e as ExceptionGroup).errors).toEqual([boom]);
      expect((e as ExceptionGroup).errors[0]).toBe(boom);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_19
  it('errors of several children failing in the same pass are all collected', () =>
    run(function* () {
      // One event wakes both in the same pass (two timers of the same delay may not share a pass).
      const go = new Event();
      const e = yield* rejectionG(
        new TaskGroup().run(function* (g) {
          g.createTask(function* () {
            yield* go.wait();
            throw new ValueError();
          });
          g.createTask(function* () {
            yield* go.wait();
            throw new KeyError();
          });
          yield* sleep(0);
          go.set();
        }),
      );
      expect(typeSet(e)).toEqual(new Set([ValueError, KeyError]));
      expect((e as ExceptionGroup).errors).toHaveLength(2);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_no_create_task_after_failure
  it('createTask() in a child being cancelled by a failure throws RuntimeError "shutting down" (async)', () =>
    run(async () => {
      let refused: unknown;
      let secondRan = false;
      const e = await rejection(
        new TaskGroup().run(async (g) => {
          g.createTask(async () => {
            await sleep(1);
            throw new ZeroDivisionError();
          });
          g.createTask(async () => {
            try {
              await sleep(FOREVER);
            } catch (c) {
              if (!isCancelledError(c)) throw c;
              refused = syncError(() =>
                g.createTask(async () => {
                  secondRan = true;
                }),
              );
            }
          });
        }),
      );
      expect(typeSet(e)).toEqual(new Set([ZeroDivisionError]));
      expect(refused).toBeInstanceOf(RuntimeError);
      expect((refused as Error).message).toMatch(/shutting down/);
      await sleep(0);
      expect(secondRan).toBe(false);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_no_create_task_after_failure
  it('createTask() in a child being cancelled by a failure throws RuntimeError "shutting down" (generator)', () =>
    run(function* () {
      let refused: unknown;
      const e = yield* rejectionG(
        new TaskGroup().run(function* (g) {
          g.createTask(function* () {
            yield* sleep(1);
            throw new ZeroDivisionError();
          });
          g.createTask(function* () {
            try {
              yield* sleep(FOREVER);
            } catch (c) {
              if (!isCancelledError(c)) throw c;
              refused = syncError(() => g.createTask(function* () {}));
            }
          });
        }),
      );
      expect(typeSet(e)).toEqual(new Set([ZeroDivisionError]));
      expect(refused).toBeInstanceOf(RuntimeError);
      expect((refused as Error).message).toMatch(/shutting down/);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_cancels_task_if_created_during_creation
  it('a child created by a child that fails at once is cancelled at its next wait (async)', () =>
    run(async () => {
      let ran = false;
      const e = await rejection(
        new TaskGroup().run(async (tg) => {
          tg.createTask(async () => {
            tg.createTask(async () => {
              throw new MyExc('third task failed');
            });
            const c = await errorOf(async () => {
              await sleep(0);
              await sleep(0);
            });
            assertCancelled(c);
            ran = true;
          });
        }),
      );
      expect(ran).toBe(true);
      expect(typeSet(e)).toEqual(new Set([MyExc]));
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_cancels_task_if_created_during_creation
  it('a child created by a child that fails at once is cancelled at its next wait (generator)', () =>
    run(function* () {
      let ran = false;
      const e = yield* rejectionG(
        new TaskGroup().run(function* (tg) {
          tg.createTask(function* () {
            tg.createTask(function* () {
              throw new MyExc('third task failed');
            });
            const c = yield* rejectionG(
              (function* () {
                yield* sleep(0);
                yield* sleep(0);
              })(),
            );
            assertCancelled(c);
            ran = true;
          });
        }),
      );
      expect(ran).toBe(true);
      expect(typeSet(e)).toEqual(new Set([MyExc]));
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_25
  it('a failure stops a group whose children keep spawning children (async)', () =>
    runVirtual(async () => {
      let nhydras = 0;
      const hydra = async (g: TaskGroup): Promise<void> => {
        nhydras += 1;
        await sleep(10);
        g.createTask(() => hydra(g));
        g.createTask(() => hydra(g));
      };
      const hercules = async () => {
        while (nhydras < 10) await sleep(15);
        throw new ZeroDivisionError();
      };
      const e = await rejection(
        new TaskGroup().run(async (g) => {
          g.createTask(() => hydra(g));
          g.createTask(() => hercules());
        }),
      );
      expect(typeSet(e)).toEqual(new Set([ZeroDivisionError]));
      expect(nhydras).toBeGreaterThanOrEqual(10);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_25
  it('a failure stops a group whose children keep spawning children (generator)', () =>
    runVirtual(function* () {
      let nhydras = 0;
      function* hydra(g: TaskGroup): Coroutine<void> {
        nhydras += 1;
        yield* sleep(10);
        g.createTask(hydra(g));
        g.createTask(hydra(g));
      }
      function* hercules(): Coroutine<void> {
        while (nhydras < 10) yield* sleep(15);
        throw new ZeroDivisionError();
      }
      const e = yield* rejectionG(
        new TaskGroup().run(function* (g) {
          g.createTask(hydra(g));
          g.createTask(hercules());
        }),
      );
      expect(typeSet(e)).toEqual(new Set([ZeroDivisionError]));
      expect(nhydras).toBeGreaterThanOrEqual(10);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup (CancelledError of a child is not an error)
  it('a child that ends cancelled is not an error: the siblings finish normally (async)', () =>
    run(async () => {
      let sibling!: Task<string>;
      let quitter!: Task<void>;
      await new TaskGroup().run(async (g) => {
        quitter = g.createTask(async () => {
          await sleep(1);
          currentTask()!.cancel();
          await sleep(FOREVER);
        });
        sibling = g.createTask(() => sleep(20, 'sibling'));
      });
      expect(quitter.cancelled()).toBe(true);
      expect(sibling.result()).toBe('sibling');
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup (CancelledError of a child is not an error)
  it('a child that throws CancelledError itself is not an error: the siblings finish normally (generator)', () =>
    run(function* () {
      let sibling!: Task<string>;
      let quitter!: Task<void>;
      const body = yield* new TaskGroup().run(function* (g) {
        quitter = g.createTask(function* () {
          yield* sleep(1);
          // a cancelled future's result() throws a CancelledError, which the child lets out
          const f = getRunningLoop().createFuture<void>();
          f.cancel();
          f.result();
        });
        sibling = g.createTask(function* () {
          return yield* sleep(20, 'sibling');
        });
        return 'body done';
      });
      expect(body).toBe('body done');
      expect(quitter.cancelled()).toBe(true);
      expect(sibling.result()).toBe('sibling');
    }));
});

// ---- an error in the body ------------------------------------------------------------------------

describe('an error in the body', () => {
  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_09
  it('a generator body error after a wait cancels the children and comes out in an ExceptionGroup', () =>
    run(function* () {
      let t1!: Task<number>;
      let t2!: Task<number>;
      const e = yield* rejectionG(
        new TaskGroup().run(function* (g) {
          t1 = g.createTask(function* () {
            yield* sleep(FOREVER);
            return 42;
          });
          t2 = g.createTask(function* () {
            yield* sleep(2 * FOREVER);
            return 11;
          });
          yield* sleep(10);
          throw new ZeroDivisionError();
        }),
      );
      expect(typeSet(e)).toEqual(new Set([ZeroDivisionError]));
      expect(t1.cancelled()).toBe(true);
      expect(t2.cancelled()).toBe(true);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_10
  it('a generator body error before any wait cancels the children before they start', () =>
    run(function* () {
      let started = 0;
      let t1!: Task<number>;
      let t2!: Task<number>;
      const e = yield* rejectionG(
        new TaskGroup().run(function* (g) {
          t1 = g.createTask(function* () {
            started += 1;
            yield* sleep(FOREVER);
            return 42;
          });
          t2 = g.createTask(function* () {
            started += 1;
            yield* sleep(FOREVER);
            return 11;
          });
          throw new ZeroDivisionError();
        }),
      );
      expect(typeSet(e)).toEqual(new Set([ZeroDivisionError]));
      expect(t1.cancelled()).toBe(true);
      expect(t2.cancelled()).toBe(true);
      expect(started).toBe(0);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_exception_refcycles_direct (behaviour only)
  it('a body error with no children still comes out wrapped in an ExceptionGroup (async)', () =>
    run(async () => {
      const err = new MyExc();
      const e = await rejection(
        new TaskGroup().run(async () => {
          throw err;
        }),
      );
      expect(e).toBeInstanceOf(ExceptionGroup);
      expect((e as ExceptionGroup).errors).toEqual([err]);
      expect(currentTask()!.cancelling()).toBe(0);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_exception_refcycles_direct (behaviour only)
  it('a body error with no children still comes out wrapped in an ExceptionGroup (generator)', () =>
    run(function* () {
      const err = new MyExc();
      const e = yield* rejectionG(
        new TaskGroup().run(function* () {
          yield* sleep(0);
          throw err;
        }),
      );
      expect(e).toBeInstanceOf(ExceptionGroup);
      expect((e as ExceptionGroup).errors).toEqual([err]);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_19
  it('a body error raised while a child failure cancels it is collected along with the child error (async)', () =>
    run(async () => {
      const nested = async () => {
        try {
          await sleep(FOREVER);
        } finally {
          // eslint-disable-next-line no-unsafe-finally
          throw new MyExc();
        }
      };
      const e = await rejection(
        createTask(async () => {
          await new TaskGroup().run(async (g) => {
            g.createTask(async () => {
              await sleep(10);
              throw new ZeroDivisionError();
            });
            await nested();
          });
        }),
      );
      expect(typeSet(e)).toEqual(new Set([MyExc, ZeroDivisionError]));
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_19
  it('a body error raised while a child failure cancels it is collected along with the child error (generator)', () =>
    run(function* () {
      function* nested(): Coroutine<void> {
        try {
          yield* sleep(FOREVER);
        } finally {
          // eslint-disable-next-line no-unsafe-finally
          throw new MyExc();
        }
      }
      const e = yield* rejectionG(
        createTask(function* () {
          yield* new TaskGroup().run(function* (g) {
            g.createTask(function* () {
              yield* sleep(10);
              throw new ZeroDivisionError();
            });
            yield* nested();
          });
        }),
      );
      expect(typeSet(e)).toEqual(new Set([MyExc, ZeroDivisionError]));
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_context_manager_exit_raises
  it('a cleanup error of the body during abort joins the child error and cancelling() is back to 0 (async)', () =>
    run(async () => {
      const e = await rejection(
        createTask(async () => {
          const task = currentTask()!;
          try {
            await new TaskGroup().run(async (tg) => {
              try {
                tg.createTask(async () => {
                  throw new CustomException();
                });
                await sleep(FOREVER);
              } finally {
                // eslint-disable-next-line no-unsafe-finally
                throw new CustomException();
              }
            });
          } catch (err) {
            expect(task.cancelling()).toBe(0);
            throw err;
          }
        }),
      );
      expect(groupTypes(e)).toEqual([CustomException, CustomException]);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_context_manager_exit_raises
  it('a cleanup error of the body during abort joins the child error and cancelling() is back to 0 (generator)', () =>
    run(function* () {
      const e = yield* rejectionG(
        createTask(function* () {
          const task = currentTask()!;
          try {
            yield* new TaskGroup().run(function* (tg) {
              try {
                tg.createTask(function* () {
                  throw new CustomException();
                });
                yield* sleep(FOREVER);
              } finally {
                // eslint-disable-next-line no-unsafe-finally
                throw new CustomException();
              }
            });
          } catch (err) {
            expect(task.cancelling()).toBe(0);
            throw err;
          }
        }),
      );
      expect(groupTypes(e)).toEqual([CustomException, CustomException]);
    }));
});
