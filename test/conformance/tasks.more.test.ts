// More behaviour ports of CPython 3.13 Lib/test/test_asyncio/test_tasks.py (and test_futures2.py's
// task tests): the tests not ported yet, and async-style versions of pass-exact tests that were
// ported in generator style only.
//
// Skipped (one line each):
// - BaseTaskIntrospectionTests (_enter_task, _leave_task, _register_task …): private C/Python hooks.
// - BaseTaskTests.test_generic_alias / test_iscoroutinefunction / test_task_repr* /
//   test_task_source_traceback / test_task_set_name_pylong / test_log_traceback: Python-only.
// - BaseTaskTests.test_context_1…6 / test_get_context / RunnerTests contexts: ported with
//   AsyncLocalStorage in cpython.remaining.test.ts and contextvars.test.ts.
// - BaseTaskTests.test_eager_start_*: see eager.test.ts and the eager reruns.
// - BaseTaskTests.test_error_in_call_soon / test_task_del_collect / test_proper_refcounts /
//   test_task_not_crash_without_finalization / CTask_CFuture_* / test_subclasses_ctask_cfuture /
//   test_refleaks_in_task___init__: C internals, GC and "destroyed but pending" (strong ownership).
// - BaseTaskTests.test_cancel_traceback_for_future_result/_exception: Python traceback text.
// - BaseTaskTests.test_exception_chaining_after_await(_with_context_cycle): implicit
//   `__context__` chaining does not exist in JS.
// - BaseTaskTests.test_task_cancel_message_setter: sets the private `_cancel_message`.
// - SetMethodsTest.test_set_result/exception_causes_invalid_state: calls Future.set_result on a
//   Task through the base class (internal); the public refusal is ported in tasks.test.ts.
// - BaseTaskTests.test_get_stack: Python frame objects (getStack is unit-tested in task.test.ts).
// - BaseTaskTests.test_ensure_future_error_msg: the `loop=` argument.
// - BaseCurrentLoopTests / *_use_global_loop / *_without_loop: the `loop=` argument and the
//   global-loop policy.
// - RunCoroutineThreadsafeTests: no threads sharing a loop in tulip.
// - GatherTestsBase.test_env_var_debug: PYTHONASYNCIODEBUG.
// - test_futures2.py::FutureTests.test_task_exc_handler_correct_context /
//   test_handle_exc_handler_correct_context: contextvars; FutureReprTests: repr recursion.
import { describe, expect, it } from 'vitest';
import {
  Future,
  asCompleted,
  RuntimeError,
  createTask,
  currentTask,
  gather,
  getRunningLoop,
  isCancelledError,
  newEventLoop,
  run,
  sleep,
  wait,
  FIRST_COMPLETED,
  type Coroutine,
  type Task,
} from 'tulip';
import { MockClock } from 'tulip/testing';
import { FOREVER, STYLES, ZeroDivisionError, assertCancelled, rejection, rejectionG, runVirtual } from './helpers.js';

describe('cancel(msg) then result()', () => {
  for (const style of STYLES) {
    // ports test_tasks.py::BaseTaskTests.test_cancel_with_message_then_future_result
    it(`after cancel(msg) and wait([task]), task.result() throws CancelledError(msg) into the caller (${style})`, async () => {
      for (const msg of [undefined, 'my message']) {
        const outer = run(async () => {
          const task = createTask(
            style === 'async'
              ? async () => {
                  await sleep(FOREVER);
                }
              : function* () {
                  yield* sleep(FOREVER);
                },
          );
          await sleep(0);
          task.cancel(msg);
          const { done, pending } = await wait([task]);
          expect(done.has(task)).toBe(true);
          expect(pending.size).toBe(0);
          task.result();
        });
        const e = await outer.then(
          () => null,
          (err: unknown) => err,
        );
        assertCancelled(e);
        if (msg !== undefined) expect((e as Error).message).toBe(msg);
      }
    });
  }
});

describe('loop.stop() inside runUntilComplete', () => {
  for (const style of STYLES) {
    // ports test_tasks.py::BaseTaskTests.test_stop_while_run_in_complete
    it(`runUntilComplete rejects with "Event loop stopped before Future completed." and the task stays pending (${style})`, async () => {
      const loop = newEventLoop({ clock: new MockClock({ autojumpThreshold: 0 }) });
      let x = 0;
      const t = loop.createTask(
        style === 'async'
          ? async () => {
              while (x < 10) {
                await sleep(100);
                x += 1;
                if (x === 2) loop.stop();
              }
            }
          : function* () {
              while (x < 10) {
                yield* sleep(100);
                x += 1;
                if (x === 2) loop.stop();
              }
            },
      );
      try {
        const e = await loop.runUntilComplete(t).then(
          () => null,
          (err: unknown) => err,
        );
        expect(e).toBeInstanceOf(RuntimeError);
        expect((e as Error).message).toBe('Event loop stopped before Future completed.');
        expect(t.done()).toBe(false);
        expect(x).toBe(2);
        expect(loop.time()).toBeGreaterThanOrEqual(200);
        expect(loop.time()).toBeLessThanOrEqual(300);
        t.cancel();
        const e2 = await loop.runUntilComplete(t).then(
          () => null,
          (err: unknown) => err,
        );
        assertCancelled(e2);
        expect(t.cancelled()).toBe(true);
        expect(x).toBe(2);
      } finally {
        loop.close();
      }
    });
  }
});

describe('what a task body may be', () => {
  // ports test_tasks.py::BaseTaskTests.test_coroutine_non_gen_function_return_future
  it('a generator that returns a Future (without yielding it) makes that Future the task result', () =>
    run(async () => {
      const fut = getRunningLoop().createFuture<string>();
      const t1 = createTask(function* () {
        return fut;
      });
      const t2 = createTask(function* () {
        fut.setResult('test');
      });
      // (`await t1` would adopt the Future, as JS promises adopt every thenable: read result())
      await wait([t1, t2]);
      expect(t1.result()).toBe(fut);
      expect(t2.result()).toBeUndefined();
      expect(fut.result()).toBe('test');
    }));

  // ports test_tasks.py::BaseTaskTests.test_coroutine_non_gen_function_return_future (yield*)
  it('yield* of a task whose result is a Future gives that Future, not its result', () =>
    run(function* () {
      const fut = getRunningLoop().createFuture<string>();
      const t1 = createTask(function* () {
        return fut;
      });
      const t2 = createTask(function* () {
        fut.setResult('test');
      });
      const res = yield* t1;
      expect(res).toBe(fut);
      yield* t2;
      expect(fut.result()).toBe('test');
    }));

  // ports test_tasks.py::BaseTaskTests.test_step_result_future
  it('a task waits on an instance of a Future subclass and resumes with its result', () =>
    run(async () => {
      class Fut<T> extends Future<T> {}
      const fut = new Fut<object>();
      let result: unknown = null;
      const t = createTask(async () => {
        result = await fut;
      });
      await sleep(0);
      expect(t.done()).toBe(false);
      const res = {};
      fut.setResult(res);
      await sleep(0);
      await sleep(0);
      expect(result).toBe(res);
      expect(t.done()).toBe(true);
      expect(t.result()).toBeUndefined();
    }));

  // ports test_tasks.py::BaseTaskTests.test_step_result_future (generator style, exact passes)
  it('a generator task yields on a Future subclass instance and resumes one pass after setResult', () =>
    run(function* () {
      class Fut<T> extends Future<T> {}
      const fut = new Fut<object>();
      let result: unknown = null;
      const t = createTask(function* () {
        result = yield* fut;
      });
      yield* sleep(0);
      const res = {};
      fut.setResult(res);
      yield* sleep(0);
      expect(result).toBe(res);
      expect(t.done()).toBe(true);
    }));

  // ports test_tasks.py::BaseTaskTests.test_create_task_with_asynclike_function
  it('an object that implements the generator protocol is run as a coroutine, twice', () =>
    run(async () => {
      const coroLike = (): Coroutine<number> => {
        const obj = {
          next: (): IteratorResult<unknown, number> => ({ done: true, value: 42 }),
          throw: (e: unknown): IteratorResult<unknown, number> => {
            throw e;
          },
          return: (v: number): IteratorResult<unknown, number> => ({ done: true, value: v }),
          [Symbol.iterator]() {
            return obj;
          },
        };
        return obj as unknown as Coroutine<number>;
      };
      for (let i = 0; i < 2; i++) {
        const task = createTask(coroLike());
        expect(await task).toBe(42);
      }
    }));
});

describe('awaiting a failed task again', () => {
  for (const style of STYLES) {
    // ports test_futures2.py::FutureTests.test_future_traceback
    it(`awaiting a failed task five times throws the same error each time (${style})`, () =>
      run(async () => {
        class TypeErr extends Error {}
        const err = new TypeErr('42');
        const task = createTask(
          style === 'async'
            ? async () => {
                throw err;
              }
            : // eslint-disable-next-line require-yield
              function* () {
                throw err;
              },
        );
        for (let i = 0; i < 5; i++) {
          const e = style === 'async' ? await rejection(task) : await run2(task);
          expect(e).toBe(err);
        }
      }));
  }
});

/** Awaits `t` from a fresh generator task and returns what it threw. */
function run2(t: Task<unknown>): Promise<unknown> {
  return createTask(function* () {
    return yield* rejectionG(t);
  }) as unknown as Promise<unknown>;
}

describe('exact passes in async style', () => {
  // ports test_tasks.py::BaseTaskTests.test_task_cancel_sleeping_task
  it('a sleeper cancelled by a timer: its awaiter returns "cancelled" at the timer time (async)', () =>
    runVirtual(async () => {
      const loop = getRunningLoop();
      const t0 = loop.time();
      const doit = async (): Promise<string> => {
        const sleeper = createTask(() => sleep(5_000_000));
        loop.callLater(100, () => sleeper.cancel());
        try {
          await sleeper;
        } catch (e) {
          if (isCancelledError(e)) return 'cancelled';
          throw e;
        }
        return 'slept in';
      };
      expect(await doit()).toBe('cancelled');
      expect(loop.time() - t0).toBe(100);
    }));

  // ports test_tasks.py::BaseTaskTests.test_current_task_with_interleaving_tasks (exact passes)
  it('two async tasks hand over through futures; currentTask() follows; wait() returns both done', () =>
    run(async () => {
      const loop = getRunningLoop();
      const fut1 = loop.createFuture<boolean>();
      const fut2 = loop.createFuture<boolean>();
      const seen: string[] = [];
      const task1: Task<void> = createTask(async () => {
        seen.push(currentTask() === task1 ? 't1' : 'x1');
        await fut1;
        seen.push(currentTask() === task1 ? 't1' : 'x1');
        fut2.setResult(true);
      });
      const task2: Task<void> = createTask(async () => {
        seen.push(currentTask() === task2 ? 't2' : 'x2');
        fut1.setResult(true);
        await fut2;
        seen.push(currentTask() === task2 ? 't2' : 'x2');
      });
      const { done } = await wait([task1, task2]);
      expect(done.size).toBe(2);
      expect(seen).toEqual(['t1', 't2', 't1', 't2']);
    }));

  // ports test_tasks.py::SleepTests.test_sleep_zero (async style, with a second task)
  it('an async task resumed in a pass runs to its next await before the next task of that pass (async)', () =>
    run(async () => {
      const loop = getRunningLoop();
      const log: string[] = [];
      const done = loop.createFuture<number>();
      done.setResult(1);
      const a = createTask(async () => {
        await sleep(0);
        log.push('a1');
        await done; // no suspension in asyncio: a goes on in the same step
        log.push('a2');
      });
      const b = createTask(async () => {
        await sleep(0);
        log.push('b1');
      });
      await sleep(0);
      await sleep(0);
      log.push('main');
      await gather([a, b]);
      expect(log).toEqual(['a1', 'a2', 'b1', 'main']);
    }));

  // ports test_tasks.py::BaseTaskTests.test_task_basics (a task is done in the pass its body returns)
  it('an async task whose body returned is done() for the tasks that run after it in that pass', () =>
    run(async () => {
      const a = createTask(async () => {
        await sleep(0);
        return 'a';
      });
      const seen: boolean[] = [];
      const b = createTask(async () => {
        await sleep(0);
        seen.push(a.done());
      });
      await sleep(0);
      await sleep(0);
      seen.push(a.done());
      await b;
      expect(seen).toEqual([true, true]);
    }));
});

describe('gather of futures of another loop', () => {
  // ports test_tasks.py::FutureGatherTests.test_constructor_homogenous_futures
  it('gather() of futures that all belong to one (not running) loop is bound to that loop', async () => {
    const other = newEventLoop();
    try {
      const children = [0, 1, 2].map(() => other.createFuture<number>());
      const fut = gather(children);
      expect(fut.getLoop()).toBe(other);
      expect(fut.done()).toBe(false);
      children.forEach((c, i) => c.setResult(i));
      expect(await other.runUntilComplete(fut)).toEqual([0, 1, 2]);
    } finally {
      other.close();
    }
  });
});

describe('cancellation of a task awaiting gather()', () => {
  for (const style of STYLES) {
    // ports test_tasks.py::BaseTaskTests.test_cancel_gather_2 (virtual time; message kept)
    it(`cancel(msg) of a task looping on gather(sleep, returnExceptions) reaches its awaiter as CancelledError(msg) (${style})`, () =>
      runVirtual(async () => {
        for (const msg of [undefined, 'my message']) {
          const qwe = createTask(
            style === 'async'
              ? async () => {
                  let time = 0;
                  for (;;) {
                    time += 50;
                    await gather([sleep(50)], { returnExceptions: true });
                    if (time > 1000) return;
                  }
                }
              : function* () {
                  let time = 0;
                  for (;;) {
                    time += 50;
                    yield* gather([sleep(50)], { returnExceptions: true });
                    if (time > 1000) return;
                  }
                },
          );
          await sleep(200);
          qwe.cancel(msg);
          const e = await rejection(qwe);
          assertCancelled(e);
          if (msg !== undefined) expect((e as Error).message).toBe(msg);
          expect(qwe.cancelled()).toBe(true);
        }
      }));
  }
});

describe('errors of tasks nobody awaits', () => {
  // ports test_futures2.py::FutureTests.test_task_exc_handler_correct_context (the report, not the context)
  it('a task that fails unawaited reaches the exception handler by the pass after it failed (DESIGN §4)', () =>
    run(async () => {
      const seen: unknown[] = [];
      getRunningLoop().setExceptionHandler((_l, ctx) => seen.push(ctx.exception));
      const err = new ZeroDivisionError('1/0');
      createTask(async () => {
        throw err;
      });
      await sleep(0);
      await sleep(0);
      expect(seen).toEqual([err]);
    }));
});


describe('asCompleted plain iteration', () => {
  // ports test_tasks.py::BaseTaskTests.test_as_completed_reverse_wait
  it('the first of the yielded futures to be awaited gives the first result, whatever its position', () =>
    runVirtual(async () => {
      const loop = getRunningLoop();
      const t0 = loop.time();
      const a = sleep(50, 'a');
      const b = sleep(100, 'b');
      const futs = [...asCompleted([a, b])];
      expect(futs.length).toBe(2);
      const x = await futs[1]!;
      expect(x).toBe('a');
      expect(loop.time() - t0).toBe(50);
      const y = await futs[0]!;
      expect(y).toBe('b');
      expect(loop.time() - t0).toBe(100);
    }));

  // ports test_tasks.py::BaseTaskTests.test_as_completed_reverse_wait (generator style)
  it('the first of the yielded futures to be awaited gives the first result (generator)', () =>
    runVirtual(function* () {
      const a = createTask(function* () {
        return yield* sleep(50, 'a');
      });
      const b = createTask(function* () {
        return yield* sleep(100, 'b');
      });
      const futs = [...asCompleted([a, b])];
      expect(yield* futs[1]!).toBe('a');
      expect(yield* futs[0]!).toBe('b');
    }));
});
