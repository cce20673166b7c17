// Behaviour ports of CPython 3.13 Lib/test/test_asyncio/test_taskgroups.py (BaseTestTaskGroup),
// plus TaskGroup.cancel() from asyncio 3.15. The reference-cycle / GC tests and the
// KeyboardInterrupt / BaseException cases are not ported (JS has neither).
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
  ensureFuture,
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

// ---- local helpers ------------------------------------------------------------------------

class MyExc extends Error {
  override name = 'MyExc';
}
class CustomException extends Error {
  override name = 'CustomException';
}

/** The set of error classes inside an ExceptionGroup (CPython's get_error_types). */
function typeSet(eg: unknown): Set<unknown> {
  return new Set(groupTypes(eg));
}

// ---- children finishing normally ---------------------------------------------------------------

describe('children that finish normally', () => {
  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_01
  it('a generator group ends when every generator child is done', () =>
    run(function* () {
      let t1!: Task<number>;
      let t2!: Task<number>;
      yield* new TaskGroup().run(function* (g) {
        t1 = g.createTask(function* () {
          yield* sleep(10);
          return 42;
        });
        t2 = g.createTask(function* () {
          yield* sleep(20);
          return 11;
        });
      });
      expect(t1.result()).toBe(42);
      expect(t2.result()).toBe(11);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_01
  it('run() resolves to the value the body returned, once the children are done', () =>
    run(async () => {
      let child!: Task<string>;
      const r = await new TaskGroup().run(async (g) => {
        child = g.createTask(() => sleep(20, 'child'));
        return 'body';
      });
      expect(r).toBe('body');
      expect(child.done()).toBe(true);
      expect(child.result()).toBe('child');
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_02
  it('a generator body can add children after waiting', () =>
    run(function* () {
      let t1!: Task<number>;
      let t2!: Task<number>;
      yield* new TaskGroup().run(function* (g) {
        t1 = g.createTask(function* () {
          yield* sleep(10);
          return 42;
        });
        yield* sleep(15);
        t2 = g.createTask(function* () {
          yield* sleep(20);
          return 11;
        });
      });
      expect(t1.result()).toBe(42);
      expect(t2.result()).toBe(11);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_03
  it('cancelling one generator child explicitly does not disturb the group', () =>
    run(function* () {
      let t1!: Task<number>;
      let t2!: Task<number>;
      yield* new TaskGroup().run(function* (g) {
        t1 = g.createTask(function* () {
          yield* sleep(FOREVER);
          return 42;
        });
        yield* sleep(15);
        t1.cancel();
        t2 = g.createTask(function* () {
          yield* sleep(20);
          return 11;
        });
      });
      expect(t1.cancelled()).toBe(true);
      expect(t2.result()).toBe(11);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_23
  it('children that finish while the body keeps adding more are all done at the end', () =>
    runVirtual(async () => {
      const tasks: Task<void>[] = [];
      let doneAtFive = 0;
      await new TaskGroup().run(async (g) => {
        for (let count = 0; count < 10; count++) {
          await sleep(100);
          tasks.push(g.createTask(() => sleep(300)));
          if (count === 5) doneAtFive = tasks.filter((t) => t.done()).length;
        }
        await sleep(1350);
        expect(tasks.every((t) => t.done())).toBe(true);
      });
      expect(doneAtFive).toBeGreaterThan(0);
      expect(tasks.every((t) => t.done() && !t.cancelled())).toBe(true);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_24
  it('generator children may add children while the group waits for them', () =>
    run(function* () {
      const finished: number[] = [];
      function* coro1(delay: number): Coroutine<void> {
        yield* sleep(delay);
        finished.push(delay);
      }
      yield* new TaskGroup().run(function* (g) {
        g.createTask(function* () {
          yield* sleep(10);
          g.createTask(coro1(10));
          g.createTask(coro1(20));
        });
      });
      expect(finished).toEqual([10, 20]);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_task_name
  it('a generator child gets the name it was created with', () =>
    run(function* () {
      let inside: string | undefined;
      let t!: Task<void>;
      yield* new TaskGroup().run(function* (g) {
        t = g.createTask(
          function* () {
            yield* sleep(0);
            inside = currentTask()!.getName();
          },
          { name: 'yolo' },
        );
        expect(t.getName()).toBe('yolo');
      });
      expect(inside).toBe('yolo');
    }));
});

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
      const e = yield* rejectionG(
        new TaskGroup().run(function* (g) {
          g.createTask(function* () {
            yield* sleep(5);
            throw new ValueError();
          });
          g.createTask(function* () {
            yield* sleep(5);
            throw new KeyError();
          });
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

// ---- entering and leaving -----------------------------------------------------------------------

describe('entering and leaving a group', () => {
  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_already_entered
  it('running a group again inside its own body throws RuntimeError', () =>
    run(async () => {
      let innerRan = false;
      let e: unknown;
      const tg = new TaskGroup();
      await tg.run(async () => {
        e = await errorOf(() =>
          tg.run(async () => {
            innerRan = true;
          }),
        );
      });
      expect(e).toBeInstanceOf(RuntimeError);
      expect((e as Error).message).toMatch(/has already been entered/);
      expect(innerRan).toBe(false);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_double_enter
  it('running a finished group again throws RuntimeError', () =>
    run(function* () {
      const tg = new TaskGroup();
      yield* tg.run(function* () {});
      let ran = false;
      const e = yield* ensureFuture(
        errorOf(() =>
          tg.run(function* () {
            ran = true;
          }),
        ),
      );
      expect(e).toBeInstanceOf(RuntimeError);
      expect((e as Error).message).toMatch(/has already been entered/);
      expect(ran).toBe(false);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_finished
  it('createTask() on a finished generator group throws RuntimeError and the body never runs', () =>
    run(function* () {
      const tg = new TaskGroup();
      yield* tg.run(function* () {
        yield* sleep(0);
      });
      let ran = false;
      const e = syncError(() =>
        tg.createTask(function* () {
          ran = true;
        }),
      );
      expect(e).toBeInstanceOf(RuntimeError);
      expect((e as Error).message).toMatch(/is finished/);
      yield* sleep(0);
      expect(ran).toBe(false);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_without_parent_task
  it('a group cannot be entered from a plain loop callback, and stays unentered', () =>
    run(async () => {
      const loop = getRunningLoop();
      const tg = new TaskGroup();
      const got = loop.createFuture<unknown>();
      loop.callSoon(() => {
        errorOf(() => tg.run(() => 'body')).then(
          (e) => got.setResult(e),
          (e) => got.setResult(e),
        );
      });
      const e = await got;
      expect(e).toBeInstanceOf(RuntimeError);
      expect((e as Error).message).toMatch(/task/);
      const e2 = syncError(() => tg.createTask(() => sleep(0)));
      expect(e2).toBeInstanceOf(RuntimeError);
      expect((e2 as Error).message).toMatch(/has not been entered/);
    }));
});

// ---- TaskGroup.cancel() (asyncio 3.15) -----------------------------------------------------------

describe('TaskGroup.cancel()', () => {
  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_cancel_children (asyncio 3.15)
  it('tg.cancel() in a generator body cancels the children and the group exits without error', () =>
    run(function* () {
      const children: Task<void>[] = [];
      const r = yield* new TaskGroup().run(function* (tg) {
        children.push(tg.createTask(() => sleep(FOREVER)));
        children.push(tg.createTask(() => sleep(FOREVER)));
        yield* sleep(0);
        tg.cancel();
        yield* sleep(FOREVER);
        return 'not reached';
      });
      expect(r).toBeUndefined();
      expect(children.map((t) => t.cancelled())).toEqual([true, true]);
      expect(currentTask()!.cancelling()).toBe(0);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_cancel_children (asyncio 3.15)
  it('a child calling tg.cancel() stops its siblings and the waiting body; the group exits quietly (async)', () =>
    run(async () => {
      let bodyCancelled = false;
      let sibling!: Task<void>;
      let canceller!: Task<string>;
      await new TaskGroup().run(async (tg) => {
        sibling = tg.createTask(() => sleep(FOREVER));
        canceller = tg.createTask(async () => {
          await sleep(5);
          tg.cancel();
          return 'asked';
        });
        try {
          await sleep(FOREVER);
        } catch (e) {
          bodyCancelled = isCancelledError(e);
          throw e;
        }
      });
      expect(bodyCancelled).toBe(true);
      expect(sibling.cancelled()).toBe(true);
      // asyncio: a task cancelled while it runs ends cancelled even if it then returns
      expect(canceller.cancelled()).toBe(true);
      expect(currentTask()!.cancelling()).toBe(0);
      expect(await sleep(1, 'goes on')).toBe('goes on');
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_cancel_children (asyncio 3.15)
  it('a child calling tg.cancel() stops its siblings and the waiting body; the group exits quietly (generator)', () =>
    run(function* () {
      let bodyCancelled = false;
      let sibling!: Task<void>;
      yield* new TaskGroup().run(function* (tg) {
        sibling = tg.createTask(() => sleep(FOREVER));
        tg.createTask(function* () {
          yield* sleep(5);
          tg.cancel();
        });
        try {
          yield* sleep(FOREVER);
        } catch (e) {
          bodyCancelled = isCancelledError(e);
          throw e;
        }
      });
      expect(bodyCancelled).toBe(true);
      expect(sibling.cancelled()).toBe(true);
      expect(currentTask()!.cancelling()).toBe(0);
      expect(yield* sleep(1, 'goes on')).toBe('goes on');
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_cancel_children (asyncio 3.15)
  it("the finally blocks of the body and of every child run before the group exits (async)", () =>
    run(async () => {
      const log: string[] = [];
      await new TaskGroup().run(async (tg) => {
        for (const name of ['a', 'b']) {
          tg.createTask(async () => {
            try {
              await sleep(FOREVER);
            } finally {
              await sleep(1);
              log.push(name);
            }
          });
        }
        await sleep(0);
        tg.cancel();
        try {
          await sleep(FOREVER);
        } finally {
          log.push('body');
        }
      });
      expect([...log].sort()).toEqual(['a', 'b', 'body']);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_cancel_children (asyncio 3.15)
  it("the finally blocks of the body and of every child run before the group exits (generator)", () =>
    run(function* () {
      const log: string[] = [];
      yield* new TaskGroup().run(function* (tg) {
        for (const name of ['a', 'b']) {
          tg.createTask(function* () {
            try {
              yield* sleep(FOREVER);
            } finally {
              yield* sleep(1);
              log.push(name);
            }
          });
        }
        yield* sleep(0);
        tg.cancel();
        try {
          yield* sleep(FOREVER);
        } finally {
          log.push('body');
        }
      });
      expect([...log].sort()).toEqual(['a', 'b', 'body']);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_no_create_task_after_failure (with tg.cancel())
  it('createTask() after tg.cancel() throws RuntimeError "shutting down"', () =>
    run(async () => {
      let refused: unknown;
      await new TaskGroup().run(async (tg) => {
        tg.createTask(() => sleep(FOREVER));
        tg.cancel();
        refused = syncError(() => tg.createTask(() => sleep(0)));
      });
      expect(refused).toBeInstanceOf(RuntimeError);
      expect((refused as Error).message).toMatch(/shutting down/);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_cancel_children (asyncio 3.15)
  it('calling tg.cancel() twice is the same as once (generator)', () =>
    run(function* () {
      let child!: Task<void>;
      yield* new TaskGroup().run(function* (tg) {
        child = tg.createTask(() => sleep(FOREVER));
        yield* sleep(0);
        tg.cancel();
        tg.cancel();
        yield* sleep(FOREVER);
      });
      expect(child.cancelled()).toBe(true);
      expect(currentTask()!.cancelling()).toBe(0);
      yield* sleep(0);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_cancel_children (asyncio 3.15)
  it('tg.cancel() after the group has exited is a no-op (async)', () =>
    run(async () => {
      const tg = new TaskGroup();
      const r = await tg.run(async (g) => {
        g.createTask(() => sleep(1));
        return 'done';
      });
      expect(r).toBe('done');
      tg.cancel();
      expect(currentTask()!.cancelling()).toBe(0);
      expect(await sleep(1, 'not cancelled')).toBe('not cancelled');
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_cancel_children (asyncio 3.15)
  it('tg.cancel() after the group has exited is a no-op (generator)', () =>
    run(function* () {
      const tg = new TaskGroup();
      yield* tg.run(function* (g) {
        g.createTask(() => sleep(1));
      });
      tg.cancel();
      expect(currentTask()!.cancelling()).toBe(0);
      expect(yield* sleep(1, 'not cancelled')).toBe('not cancelled');
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_08 (with tg.cancel())
  it('children that fail in cleanup after tg.cancel() still make the group raise an ExceptionGroup (async)', () =>
    run(async () => {
      const e = await rejection(
        new TaskGroup().run(async (tg) => {
          tg.createTask(async () => {
            try {
              await sleep(FOREVER);
            } finally {
              // eslint-disable-next-line no-unsafe-finally
              throw new ZeroDivisionError();
            }
          });
          await sleep(0);
          tg.cancel();
        }),
      );
      expect(typeSet(e)).toEqual(new Set([ZeroDivisionError]));
      expect(currentTask()!.cancelling()).toBe(0);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_08 (with tg.cancel())
  it('children that fail in cleanup after tg.cancel() still make the group raise an ExceptionGroup (generator)', () =>
    run(function* () {
      const e = yield* rejectionG(
        new TaskGroup().run(function* (tg) {
          tg.createTask(function* () {
            try {
              yield* sleep(FOREVER);
            } finally {
              // eslint-disable-next-line no-unsafe-finally
              throw new ZeroDivisionError();
            }
          });
          yield* sleep(0);
          tg.cancel();
        }),
      );
      expect(typeSet(e)).toEqual(new Set([ZeroDivisionError]));
      expect(currentTask()!.cancelling()).toBe(0);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_17 (with tg.cancel())
  it('an outside cancel that arrives along with tg.cancel() still comes out as CancelledError (async)', () =>
    run(async () => {
      let group!: TaskGroup;
      const r = createTask(async () => {
        await new TaskGroup().run(async (tg) => {
          group = tg;
          tg.createTask(() => sleep(FOREVER));
          await sleep(FOREVER);
        });
        return 'should not get here';
      });
      await waitAllTasksBlocked();
      group.cancel();
      r.cancel();
      assertCancelled(await rejection(r));
      expect(r.cancelled()).toBe(true);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_17 (with tg.cancel())
  it('an outside cancel that arrives along with tg.cancel() still comes out as CancelledError (generator)', () =>
    run(function* () {
      let group!: TaskGroup;
      const r = createTask(function* () {
        yield* new TaskGroup().run(function* (tg) {
          group = tg;
          tg.createTask(() => sleep(FOREVER));
          yield* sleep(FOREVER);
        });
        return 'should not get here';
      });
      yield* waitAllTasksBlocked();
      group.cancel();
      r.cancel();
      assertCancelled(yield* rejectionG(r));
      expect(r.cancelled()).toBe(true);
    }));
});
