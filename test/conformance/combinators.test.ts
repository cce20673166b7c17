// Behaviour ports of CPython 3.13 Lib/test/test_asyncio/test_tasks.py for the combinators:
// gather (GatherTestsBase, FutureGatherTests, CoroutineGatherTests, BaseTaskTests.test_cancel_gather_*),
// wait (BaseTaskTests.test_wait_*), asCompleted (BaseTaskTests.test_as_completed_*) and shield
// (BaseTaskTests.test_shield_*, test_gather_shield). Cancellation behaviours run in both coroutine
// styles. Tests already in the shared conformance suite (/work/shared/conformance/gather-wait*.test.ts,
// shield.test.ts) are not repeated here.
import { describe, it, expect } from 'vitest';
import {
  ALL_COMPLETED,
  CancelledError,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  TimeoutError,
  asCompleted,
  createTask,
  ensureFuture,
  gather,
  getRunningLoop,
  isCancelledError,
  isFuture,
  newEventLoop,
  run,
  shield,
  sleep,
  wait,
  type Coroutine,
  type Future,
  type Task,
  } from 'tulip';
import { runBriefly, waitAllTasksBlocked } from 'tulip/testing';
import {
  FOREVER,
  STYLES,
  ValueError,
  ZeroDivisionError,
  assertCancelled,
  errorOf,
  passes,
  recordExceptions,
  rejection,
  runVirtual,
  styled,
} from './helpers.js';

// ---- local helpers ----------------------------------------------------------------------------

const futures = <T>(n: number): Future<T>[] =>
  Array.from({ length: n }, () => getRunningLoop().createFuture<T>());

async function iterationError(make: () => Iterable<unknown> | AsyncIterable<unknown>, mode: 'sync' | 'async') {
  return errorOf(async () => {
    const it = make();
    if (mode === 'sync') {
      for (const f of it as Iterable<unknown>) {
        void f;
        break;
      }
    } else {
      for await (const f of it as AsyncIterable<unknown>) {
        void f;
        break;
      }
    }
  });
}

/**
 * Like errorOf, but gives a returned future only `n` loop passes to fail, so that a call that
 * neither throws nor fails reports a clear error instead of hanging the test.
 */
async function errorSoon(fn: () => unknown, n = 5): Promise<unknown> {
  let r: unknown;
  try {
    r = fn();
  } catch (e) {
    return e;
  }
  if (isFuture(r)) {
    await passes(n);
    if (r.done() && !r.cancelled() && r.exception() !== undefined) return r.exception();
    if (!r.done()) r.cancel();
  }
  throw new Error(`expected an error, but none was raised within ${n} passes`);
}

const ids = (s: Iterable<unknown>) => [...s];

/**
 * Asserts that `actual` holds exactly the `expected` members, by identity. (No toEqual on futures:
 * they are iterable, and a deep comparison would walk into them.)
 */
function expectMembers(actual: Iterable<unknown>, expected: readonly unknown[]): void {
  const got = [...actual];
  expect(got.length, 'number of members').toBe(expected.length);
  for (const x of expected) expect(got.includes(x), 'an expected member is missing').toBe(true);
}

// ---- gather -----------------------------------------------------------------------------------

describe('gather', () => {
  // ports test_tasks.py::CoroutineGatherTests.test_duplicate_coroutines
  it('a generator passed several times runs once and its result fills every position', () =>
    run(async () => {
      let runs = 0;
      function* coro(s: string): Coroutine<string> {
        runs += 1;
        yield* sleep(0);
        return s;
      }
      const c = coro('abc');
      const res = await gather([c, c, coro('def'), c]);
      expect(res).toEqual(['abc', 'abc', 'def', 'abc']);
      expect(runs).toBe(2);
    }));

  // ports test_tasks.py::BaseTaskTests.test_wait_duplicate_coroutines (for gather: same task twice)
  it('the same task passed twice gives its result twice', () =>
    run(async () => {
      const t = createTask(async () => {
        await sleep(0);
        return 'once';
      });
      expect(await gather([t, t])).toEqual(['once', 'once']);
    }));

  // ports test_tasks.py::FutureGatherTests.test_one_cancellation
  it('a cancelled child fails the gather with CancelledError, yet the gather is not cancelled', () =>
    run(async () => {
      const [a, b, c, d, e] = futures<number>(5);
      const fut = gather([a!, b!, c!, d!, e!]);
      const calls: unknown[] = [];
      fut.addDoneCallback((f) => calls.push(f));
      a!.setResult(1);
      b!.cancel();
      await runBriefly(5);
      expect(fut.done()).toBe(true);
      expect(calls).toHaveLength(1);
      expect(fut.cancelled()).toBe(false);
      expect(fut.exception()).toBeInstanceOf(CancelledError);
      // does nothing
      c!.setResult(3);
      d!.cancel();
      e!.setException(new ValueError());
      e!.exception();
      await runBriefly(5);
      expect(calls).toHaveLength(1);
      expect(fut.exception()).toBeInstanceOf(CancelledError);
    }));

  // ports test_tasks.py::FutureGatherTests.test_result_exception_one_cancellation
  it('with returnExceptions, a cancelled child gives a CancelledError in its slot', () =>
    run(async () => {
      const [a, b, c, d, e, f] = futures<number>(6);
      const fut = gather([a!, b!, c!, d!, e!, f!], { returnExceptions: true });
      const calls: unknown[] = [];
      fut.addDoneCallback((x) => calls.push(x));
      a!.setResult(1);
      const zde = new ZeroDivisionError();
      b!.setException(zde);
      c!.cancel();
      await runBriefly(5);
      expect(fut.done()).toBe(false);
      d!.setResult(3);
      e!.cancel('e went away');
      const rte = new ValueError();
      f!.setException(rte);
      const res = (await fut) as unknown[];
      expect(res[0]).toBe(1);
      expect(res[1]).toBe(zde);
      expect(res[2]).toBeInstanceOf(CancelledError);
      expect(res[3]).toBe(3);
      assertCancelled(res[4], 'e went away');
      expect(res[5]).toBe(rte);
      expect(calls).toHaveLength(1);
    }));

  // ports asyncio-semantics "gather: the first error propagates and the siblings keep running"
  // (test_tasks.py::GatherTestsBase.test_one_exception with tasks)
  it('the first error propagates to the awaiter while the sibling tasks keep running', () =>
    run(async () => {
      const exc = new ZeroDivisionError('first');
      const gate = getRunningLoop().createFuture<void>();
      const failing = createTask(async () => {
        await sleep(0);
        throw exc;
      });
      const sibling = createTask(async () => {
        await gate;
        return 'sibling done';
      });
      expect(await rejection(gather([failing, sibling]))).toBe(exc);
      expect(sibling.done()).toBe(false);
      expect(sibling.cancelled()).toBe(false);
      gate.setResult();
      expect(await sibling).toBe('sibling done');
    }));

  // ports test_tasks.py::CoroutineGatherTests.test_exception_marking
  it('errors of children that fail after the first are not reported as never retrieved', () =>
    run(async () => {
      const seen = recordExceptions();
      const a = getRunningLoop().createFuture<void>();
      const b = getRunningLoop().createFuture<void>();
      const inner = async (f: Future<void>, name: string) => {
        await f;
        throw new ValueError(name);
      };
      function* coro(f: Future<void>, name: string): Coroutine<never> {
        yield* f;
        throw new ValueError(name);
      }
      const outer = createTask(async () => {
        await gather([coro(a, 'a'), createTask(() => inner(b, 'b'))]);
      });
      const outerError = rejection(outer); // the outer task's own error is awaited
      await waitAllTasksBlocked();
      a.setResult();
      await waitAllTasksBlocked();
      b.setResult();
      await waitAllTasksBlocked();
      await passes(3);
      const e = await outerError;
      expect(outer.exception()).toBe(e);
      expect(e).toBeInstanceOf(ValueError);
      expect((e as Error).message).toBe('a');
      expect(seen.map((c) => c.message)).toEqual([]);
    }));

  // ports test_tasks.py::CoroutineGatherTests.test_issue46672
  it('gather() of a non-awaitable throws TypeError and reports nothing', () =>
    run(async () => {
      const seen = recordExceptions();
      function* coro(s: string): Coroutine<string> {
        return s;
      }
      const e = await errorOf(() => gather([coro('abc'), {} as never]));
      expect(e).toBeInstanceOf(TypeError);
      await passes(3);
      expect(seen.map((c) => c.message)).toEqual([]);
    }));

  // ports test_tasks.py::FutureGatherTests.test_constructor_heterogenous_futures
  it('gather() of futures from two different loops is a RangeError', () =>
    run(async () => {
      const other = newEventLoop();
      try {
        const fut1 = getRunningLoop().createFuture<number>();
        const fut2 = other.createFuture<number>();
        expect(await errorSoon(() => gather([fut1, fut2]))).toBeInstanceOf(RangeError);
        fut1.cancel();
      } finally {
        other.close();
      }
    }));

  // ports test_tasks.py::GatherTestsBase.test_success (mixed awaitables)
  it('gathers futures, foreign promises and generators together, in argument order', () =>
    run(async () => {
      const f = getRunningLoop().createFuture<number>();
      function* gen(): Coroutine<number> {
        yield* sleep(0);
        return 3;
      }
      getRunningLoop().callSoon(() => f.setResult(2));
      expect(await gather([Promise.resolve(1), f, gen()])).toEqual([1, 2, 3]);
    }));

  // ports test_tasks.py::BaseTaskTests.test_cancel_gather_1
  it('cancel() of a gather whose children are all done returns false and the result stands', () =>
    run(async () => {
      const fut = getRunningLoop().createFuture<number>();
      function* childCoro(): Coroutine<number> {
        return yield* fut;
      }
      const gatherFuture = gather([childCoro()]);
      await waitAllTasksBlocked(); // the child waits for fut
      let cancelResult: boolean | undefined;
      fut.addDoneCallback(() => {
        cancelResult = gatherFuture.cancel();
      });
      fut.setResult(42); // the child finishes, then the callback above runs
      expect(await gatherFuture).toEqual([42]);
      expect(cancelResult).toBe(false);
      expect(gatherFuture.cancelled()).toBe(false);
    }));

  // ports test_tasks.py::GatherTestsBase.test_one_exception (with tasks failing twice)
  it('a second child error after the gather has failed is not reported to the exception handler', () =>
    run(async () => {
      const seen = recordExceptions();
      const first = new ValueError('first');
      const t1 = createTask(async () => {
        await sleep(0);
        throw first;
      });
      const t2 = createTask(async () => {
        await passes(3);
        throw new ValueError('second');
      });
      expect(await rejection(gather([t1, t2]))).toBe(first);
      await passes(6);
      expect(t2.done()).toBe(true);
      expect(seen.map((c) => c.message)).toEqual([]);
    }));

  describe.each(STYLES)('cancellation (%s style)', (style) => {
    // ports test_tasks.py::FutureGatherTests (cancelling the gathering future)
    it('cancelling the gather future cancels every child and its awaiter gets CancelledError', () =>
      run(async () => {
        const waiter = getRunningLoop().createFuture<void>();
        const child = () =>
          createTask(
            styled(
              style,
              function* () {
                yield* waiter;
              },
              async () => {
                await waiter;
              },
            ),
          );
        const c1 = child();
        const c2 = child();
        const g = gather([c1, c2]);
        const awaiter = createTask(
          styled(
            style,
            function* () {
              yield* g;
            },
            async () => {
              await g;
            },
          ),
        );
        await waitAllTasksBlocked();
        expect(g.cancel()).toBe(true);
        assertCancelled(await rejection(awaiter));
        expect(c1.cancelled()).toBe(true);
        expect(c2.cancelled()).toBe(true);
        expect(waiter.cancelled()).toBe(true);
        expect(g.done()).toBe(true);
      }));

    // ports test_tasks.py::CoroutineGatherTests.test_cancellation_broadcast
    it('cancelling the task that awaits a gather cancels the children, which never resume', () =>
      run(async () => {
        let proof = 0;
        const waiter = getRunningLoop().createFuture<void>();
        const inner = styled(
          style,
          function* () {
            yield* waiter;
            proof += 1;
          },
          async () => {
            await waiter;
            proof += 1;
          },
        );
        const child1 = createTask(inner);
        const child2 = createTask(inner);
        let gatherer: Future<unknown> | undefined;
        const f = createTask(
          styled(
            style,
            function* () {
              gatherer = gather([child1, child2]);
              yield* gatherer;
              proof += 100;
            },
            async () => {
              gatherer = gather([child1, child2]);
              await gatherer;
              proof += 100;
            },
          ),
        );
        await waitAllTasksBlocked();
        expect(f.cancel()).toBe(true);
        assertCancelled(await rejection(f));
        expect(gatherer!.cancel()).toBe(false);
        expect(waiter.cancelled()).toBe(true);
        expect(child1.cancelled()).toBe(true);
        expect(child2.cancelled()).toBe(true);
        await passes(2);
        expect(proof).toBe(0);
      }));

    // ports test_tasks.py::BaseTaskTests.test_cancel_gather_2
    it('cancel(msg) of a task waiting in gather(returnExceptions) propagates CancelledError(msg)', () =>
      runVirtual(async () => {
        const loop = getRunningLoop();
        const body = styled(
          style,
          function* () {
            const t0 = loop.time();
            while (loop.time() - t0 < 1000) {
              yield* gather([sleep(50)], { returnExceptions: true });
            }
          },
          async () => {
            const t0 = loop.time();
            while (loop.time() - t0 < 1000) {
              await gather([sleep(50)], { returnExceptions: true });
            }
          },
        );
        const qwe = createTask(body);
        await sleep(200);
        qwe.cancel('my message');
        assertCancelled(await rejection(qwe), 'my message');
        expect(qwe.cancelled()).toBe(true);
      }));
  });
});

// ---- wait -------------------------------------------------------------------------------------

describe('wait', () => {
  // ports test_tasks.py::BaseTaskTests.test_wait_first_exception
  it('FIRST_EXCEPTION returns at once when a task has already failed', () =>
    runVirtual(async () => {
      const loop = getRunningLoop();
      const t0 = loop.time();
      const a = createTask(() => sleep(10_000));
      const b = createTask(async () => {
        throw new ZeroDivisionError('err');
      });
      await sleep(0); // b fails
      const { done, pending } = await wait([b, a], { returnWhen: FIRST_EXCEPTION });
      expectMembers(done, [b]);
      expectMembers(pending, [a]);
      expect(loop.time() - t0).toBeCloseTo(0, 3);
      b.exception();
      a.cancel();
    }));

  // ports test_tasks.py::BaseTaskTests.test_wait_first_exception_in_wait
  it('FIRST_EXCEPTION returns when a task fails during the wait', () =>
    runVirtual(async () => {
      const loop = getRunningLoop();
      const t0 = loop.time();
      const a = createTask(() => sleep(10_000));
      const b = createTask(async () => {
        await sleep(10);
        throw new ZeroDivisionError('err');
      });
      const { done, pending } = await wait([b, a], { returnWhen: FIRST_EXCEPTION });
      expectMembers(done, [b]);
      expectMembers(pending, [a]);
      expect(loop.time() - t0).toBeCloseTo(10, 3);
      expect(a.done()).toBe(false);
      b.exception();
      a.cancel();
    }));

  // ports test_tasks.py::BaseTaskTests.test_wait_first_exception (no exception at all)
  it('FIRST_EXCEPTION without any failure waits for everything, like ALL_COMPLETED', () =>
    runVirtual(async () => {
      const loop = getRunningLoop();
      const t0 = loop.time();
      const a = createTask(() => sleep(100));
      const b = createTask(() => sleep(150));
      const { done, pending } = await wait([a, b], { returnWhen: FIRST_EXCEPTION });
      expect(done.size).toBe(2);
      expect(pending.size).toBe(0);
      expect(loop.time() - t0).toBeCloseTo(150, 3);
    }));

  // ports test_tasks.py::BaseTaskTests.test_wait_with_exception
  it('ALL_COMPLETED with a failing task returns it among the done ones and does not throw', () =>
    runVirtual(async () => {
      recordExceptions(); // wait() is not an awaiter: silence a possible report
      const loop = getRunningLoop();
      const t0 = loop.time();
      const a = createTask(() => sleep(100));
      const b = createTask(async () => {
        await sleep(150);
        throw new ZeroDivisionError('really');
      });
      const check = async () => {
        const { done, pending } = await wait([b, a], { returnWhen: ALL_COMPLETED });
        expect(done.size).toBe(2);
        expect(pending.size).toBe(0);
        const errors = ids(done).filter((f) => (f as Future<unknown>).exception() !== undefined);
        expectMembers(errors, [b]);
      };
      await check();
      expect(loop.time() - t0).toBeCloseTo(150, 3);
      await check(); // again: takes no time
      expect(loop.time() - t0).toBeCloseTo(150, 3);
    }));

  // ports test_tasks.py::BaseTaskTests.test_wait_concurrent_complete
  it('a task finishing at the very deadline of the wait counts as done', () =>
    runVirtual(async () => {
      const loop = getRunningLoop();
      const t0 = loop.time();
      const a = createTask(() => sleep(100));
      const b = createTask(() => sleep(150));
      await sleep(0); // both tasks have armed their timers
      const { done, pending } = await wait([b, a], { timeout: 100 });
      expectMembers(done, [a]);
      expectMembers(pending, [b]);
      expect(loop.time() - t0).toBeCloseTo(100, 3);
      await b;
    }));

  // ports test_tasks.py::BaseTaskTests.test_wait_with_iterator_of_tasks
  it('takes any iterable of futures, such as a Set iterator', () =>
    runVirtual(async () => {
      const loop = getRunningLoop();
      const t0 = loop.time();
      const a = createTask(() => sleep(100));
      const b = createTask(() => sleep(150));
      const { done, pending } = await wait(new Set([b, a]).values());
      expect(done.size).toBe(2);
      expect(done.has(a) && done.has(b)).toBe(true);
      expect(pending.size).toBe(0);
      expect(loop.time() - t0).toBeCloseTo(150, 3);
    }));

  // ports test_tasks.py::BaseTaskTests.test_wait_duplicate_coroutines
  it('a task passed twice appears once in the done set', () =>
    run(async () => {
      const c = createTask(async () => 'test');
      const spam = createTask(async () => 'spam');
      const { done, pending } = await wait([c, c, spam]);
      expect(pending.size).toBe(0);
      expect(done.size).toBe(2);
      expect(new Set(ids(done).map((f) => (f as Task<string>).result()))).toEqual(new Set(['test', 'spam']));
    }));

  // ports test_tasks.py::BaseTaskTests.test_wait_generator (with an iterable that is not a coroutine)
  it('takes a lazily built iterable of tasks with ALL_COMPLETED', () =>
    run(async () => {
      const tasks = new Map<number, Task<number>>();
      for (let i = 0; i < 10; i++) tasks.set(i, createTask(async () => i));
      const { done, pending } = await wait(tasks.values(), { returnWhen: ALL_COMPLETED });
      expect(done.size).toBe(10);
      expect(pending.size).toBe(0);
    }));

  // ports test_tasks.py::BaseTaskTests.test_wait_invalid_args
  it('refuses a future instead of a list, and generator objects, with TypeError', () =>
    run(async () => {
      const fut = getRunningLoop().createFuture<void>();
      function* coro(): Coroutine<void> {}
      expect(await errorOf(() => wait(fut as never))).toBeInstanceOf(TypeError);
      expect(await errorOf(() => wait([coro()] as never))).toBeInstanceOf(TypeError);
      expect(await errorOf(() => wait(coro() as never))).toBeInstanceOf(TypeError);
      expect(await errorOf(() => wait(new Set<Future<void>>()))).toBeInstanceOf(RangeError);
      fut.cancel();
    }));

  // ports test_tasks.py::BaseTaskTests.test_wait_with_timeout (never raises, never cancels)
  it('a timeout with nothing done returns everything pending, raising nothing and cancelling nothing', () =>
    runVirtual(async () => {
      const loop = getRunningLoop();
      const t0 = loop.time();
      const a = createTask(() => sleep(500));
      const b = createTask(() => sleep(600));
      const { done, pending } = await wait([a, b], { timeout: 50, returnWhen: FIRST_COMPLETED });
      expect(done.size).toBe(0);
      expect(pending.size).toBe(2);
      expect(loop.time() - t0).toBeCloseTo(50, 3);
      expect(a.cancelled() || b.cancelled()).toBe(false);
      await a;
      await b;
      expect(loop.time() - t0).toBeCloseTo(600, 3);
    }));

  // ports test_tasks.py::BaseTaskTests.test_wait_with_timeout (timeout 0)
  it('timeout 0 returns on the next pass with the already-done futures in done', () =>
    runVirtual(async () => {
      const loop = getRunningLoop();
      const t0 = loop.time();
      const [f1, f2] = futures<number>(2);
      f1!.setResult(1);
      const { done, pending } = await wait([f1!, f2!], { timeout: 0 });
      expectMembers(done, [f1]);
      expectMembers(pending, [f2]);
      expect(loop.time() - t0).toBeCloseTo(0, 3);
      expect(f2!.cancelled()).toBe(false);
      f2!.cancel();
    }));

  // ports test_tasks.py::BaseTaskTests.test_wait_first_completed (one already done)
  it('FIRST_COMPLETED with a future already done returns without any waiting', () =>
    runVirtual(async () => {
      const loop = getRunningLoop();
      const t0 = loop.time();
      const [f1, f2] = futures<number>(2);
      f2!.setResult(2);
      const { done, pending } = await wait([f1!, f2!], { returnWhen: FIRST_COMPLETED });
      expectMembers(done, [f2]);
      expectMembers(pending, [f1]);
      expect(loop.time() - t0).toBeCloseTo(0, 3);
      f1!.cancel();
    }));

  describe.each(STYLES)('%s style', (style) => {
    // ports test_tasks.py::BaseTaskTests.test_wait_really_done
    it('FIRST_COMPLETED also reports tasks that finished while the waiter was waking up', () =>
      run(async () => {
        const a = createTask(
          styled(
            style,
            function* () {
              yield* sleep(0);
            },
            async () => {
              await sleep(0);
            },
          ),
        );
        const b = createTask(
          styled(
            style,
            function* () {
              yield* sleep(0);
              yield* sleep(0);
            },
            async () => {
              await sleep(0);
              await sleep(0);
            },
          ),
        );
        const { done, pending } = await wait([b, a], { returnWhen: FIRST_COMPLETED });
        expect(done.size).toBe(2);
        expect(done.has(a) && done.has(b)).toBe(true);
        expect(pending.size).toBe(0);
        expect(a.result()).toBeUndefined();
        expect(b.result()).toBeUndefined();
      }));

    // ports test_tasks.py::BaseTaskTests.test_yield_wait_does_not_shield_cancel
    it('cancelling a task blocked in wait() cancels it but leaves the awaited task running', () =>
      run(async () => {
        let proof = 0;
        const waiter = getRunningLoop().createFuture<void>();
        const inner = createTask(
          styled(
            style,
            function* () {
              yield* waiter;
              proof += 1;
            },
            async () => {
              await waiter;
              proof += 1;
            },
          ),
        );
        const f = createTask(
          styled(
            style,
            function* () {
              yield* wait([inner]);
              proof += 100;
            },
            async () => {
              await wait([inner]);
              proof += 100;
            },
          ),
        );
        await waitAllTasksBlocked();
        f.cancel();
        assertCancelled(await rejection(f));
        expect(inner.cancelled()).toBe(false);
        waiter.setResult();
        await inner;
        expect(proof).toBe(1);
      }));
  });
});

// ---- asCompleted ------------------------------------------------------------------------------

describe('asCompleted', () => {
  // ports test_tasks.py::BaseTaskTests.test_as_completed (plain iteration, virtual time)
  it('plain iteration yields futures that settle one by one in completion order', () =>
    runVirtual(async () => {
      const loop = getRunningLoop();
      const t0 = loop.time();
      const a = createTask(() => sleep(100, 'a'));
      const b = createTask(() => sleep(200, 'b'));
      const c = createTask(() => sleep(300, 'c'));
      const got: [string, number][] = [];
      for (const f of asCompleted([c, a, b])) {
        expect(isFuture(f)).toBe(true);
        const v = await f;
        got.push([v, loop.time() - t0]);
      }
      expect(got.map(([v]) => v)).toEqual(['a', 'b', 'c']);
      expect(got[0]![1]).toBeCloseTo(100, 3);
      expect(got[1]![1]).toBeCloseTo(200, 3);
      expect(got[2]![1]).toBeCloseTo(300, 3);
    }));

  // ports test_tasks.py::BaseTaskTests.test_as_completed_same_tasks_in_as_out
  it('async iteration yields the very tasks passed in, and tasks in place of generators', () =>
    run(async () => {
      const tasks = [0, 1, 2].map((i) => createTask(async () => i));
      const out = new Set<unknown>();
      for await (const f of asCompleted(tasks)) out.add(f);
      expectMembers(out, tasks);

      function* coro(x: string): Coroutine<string> {
        return x;
      }
      const genA = coro('a');
      const taskB = createTask(async () => 'b');
      const outs: unknown[] = [];
      for await (const f of asCompleted<string>([genA, taskB])) outs.push(f);
      expect(outs).toHaveLength(2);
      expect(outs.includes(taskB)).toBe(true);
      expect(outs.includes(genA)).toBe(false);
      const other = outs.find((f) => f !== taskB) as Future<string>;
      expect(isFuture(other)).toBe(true);
      expect(await other).toBe('a');
    }));

  describe.each(['sync', 'async'] as const)('%s iteration', (mode) => {
    /** Collects the results of asCompleted(aws) in the given iteration mode. */
    async function collect<T>(
      it: Iterable<Future<T>> & AsyncIterable<Future<T>>,
      limit = Infinity,
    ): Promise<T[]> {
      const out: T[] = [];
      if (mode === 'sync') {
        for (const f of it) {
          out.push(await f);
          if (out.length >= limit) break;
        }
      } else {
        for await (const f of it) {
          out.push(await f);
          if (out.length >= limit) break;
        }
      }
      return out;
    }

    // ports test_tasks.py::BaseTaskTests.test_as_completed_resume_iterator
    it('the iterator survives a break and can be resumed', () =>
      run(async () => {
        function* coro(i: number): Coroutine<number> {
          return i;
        }
        const iterator = asCompleted([coro(0), coro(1), coro(2), coro(3)]);
        const first = await collect(iterator, 2);
        expect(first).toHaveLength(2);
        const rest = await collect(iterator);
        expect([...first, ...rest].sort()).toEqual([0, 1, 2, 3]);
      }));

    // ports test_tasks.py::BaseTaskTests.test_as_completed_with_unused_timeout
    it('a timeout that does not run out changes nothing', () =>
      runVirtual(async () => {
        const a = sleep(10, 'a');
        expect(await collect(asCompleted([a], { timeout: 1000 }))).toEqual(['a']);
      }));

    // ports test_tasks.py::BaseTaskTests.test_as_completed_duplicate_coroutines
    it('a generator passed twice is run once and yields one result', () =>
      run(async () => {
        function* coro(s: string): Coroutine<string> {
          return s;
        }
        const c = coro('ham');
        const result = await collect(asCompleted([c, c, coro('spam')]));
        expect(result).toHaveLength(2);
        expect(new Set(result)).toEqual(new Set(['ham', 'spam']));
      }));

    // ports test_tasks.py::BaseTaskTests.test_as_completed_concurrent
    it('the yielded futures can be awaited concurrently', () =>
      runVirtual(async () => {
        const a = sleep(50, 'a');
        const b = sleep(50, 'b');
        const it = asCompleted([a, b]);
        const futs: Future<string>[] = [];
        if (mode === 'sync') for (const f of it) futs.push(f);
        // (typed as unknown: TypeScript assumes for-await unwraps thenables, which it does not)
        else for await (const f of it as AsyncIterable<unknown>) futs.push(f as Future<string>);
        expect(futs).toHaveLength(2);
        const { done } = await wait(futs.map((f) => ensureFuture(f)));
        expect(new Set(ids(done).map((f) => (f as Future<string>).result()))).toEqual(new Set(['a', 'b']));
      }));

    // ports test_tasks.py::BaseTaskTests.test_as_completed_invalid_args
    it('a future or a generator object instead of a list is refused with TypeError', () =>
      run(async () => {
        const fut = getRunningLoop().createFuture<number>();
        function* coro(): Coroutine<number> {
          return 1;
        }
        expect(await iterationError(() => asCompleted(fut as never), mode)).toBeInstanceOf(TypeError);
        expect(await iterationError(() => asCompleted(coro() as never), mode)).toBeInstanceOf(TypeError);
        fut.cancel();
      }));

    // ports test_tasks.py::BaseTaskTests.test_as_completed (a failing awaitable)
    it("a failing awaitable's error comes out of the future yielded for it", () =>
      run(async () => {
        const exc = new ZeroDivisionError('bad');
        const bad = createTask(async () => {
          throw exc;
        });
        const good = createTask(async () => {
          await sleep(0);
          return 'good';
        });
        const outcomes: unknown[] = [];
        const it = asCompleted<string>([good, bad]);
        if (mode === 'sync') {
          for (const f of it) outcomes.push(await f.then((v) => v, (e: unknown) => e));
        } else {
          for await (const f of it as AsyncIterable<unknown>) {
            outcomes.push(await (f as Future<string>).then((v) => v, (e: unknown) => e));
          }
        }
        expect(outcomes).toEqual([exc, 'good']);
        expect(outcomes[0]).toBe(exc);
      }));

    // ports test_tasks.py::BaseTaskTests.test_as_completed (empty input)
    it('an empty input yields nothing', () =>
      run(async () => {
        expect(await collect(asCompleted<number>([]))).toEqual([]);
      }));

    // ports test_tasks.py::BaseTaskTests.test_as_completed (foreign promises)
    it('accepts foreign promises', () =>
      run(async () => {
        const slow = new Promise<string>((resolve) => setTimeout(() => resolve('slow'), 20));
        const fast = Promise.resolve('fast');
        expect(await collect(asCompleted([slow, fast]))).toEqual(['fast', 'slow']);
      }));
  });

  // ports test_tasks.py::BaseTaskTests.test_as_completed_with_timeout (plain iteration)
  it('plain iteration: the futures not done by the timeout reject with TimeoutError; nothing is cancelled', () =>
    runVirtual(async () => {
      const loop = getRunningLoop();
      const t0 = loop.time();
      const a = createTask(() => sleep(100, 'a'));
      const b = createTask(() => sleep(150, 'b'));
      const values: [number, unknown][] = [];
      for (const f of asCompleted([a, b], { timeout: 120 })) {
        try {
          values.push([1, await f]);
        } catch (e) {
          values.push([2, e]);
        }
      }
      expect(values).toHaveLength(2);
      expect(values[0]).toEqual([1, 'a']);
      expect(values[1]![0]).toBe(2);
      expect(values[1]![1]).toBeInstanceOf(TimeoutError);
      expect(loop.time() - t0).toBeCloseTo(120, 3);
      expect(b.cancelled()).toBe(false);
      expect(await b).toBe('b');
    }));

  // ports test_tasks.py::BaseTaskTests.test_as_completed_with_timeout (async iteration)
  it('async iteration throws TimeoutError once the timeout runs out; nothing is cancelled', () =>
    runVirtual(async () => {
      const loop = getRunningLoop();
      const t0 = loop.time();
      const a = createTask(() => sleep(100, 'a'));
      const b = createTask(() => sleep(150, 'b'));
      const values: [number, unknown][] = [];
      try {
        for await (const f of asCompleted([a, b], { timeout: 120 })) values.push([1, await f]);
      } catch (e) {
        values.push([2, e]);
      }
      expect(values).toHaveLength(2);
      expect(values[0]).toEqual([1, 'a']);
      expect(values[1]![1]).toBeInstanceOf(TimeoutError);
      expect(loop.time() - t0).toBeCloseTo(120, 3);
      expect(b.done()).toBe(false);
      expect(await b).toBe('b');
    }));
});

// ---- shield -----------------------------------------------------------------------------------

describe('shield', () => {
  // ports test_tasks.py::BaseTaskTests.test_shield_cancel_outer_result
  it('an inner result after the outer was cancelled is not reported', () =>
    run(async () => {
      const seen = recordExceptions();
      const inner = getRunningLoop().createFuture<number>();
      const outer = shield(inner);
      await runBriefly();
      outer.cancel();
      await runBriefly();
      inner.setResult(1);
      await passes(3);
      expect(seen.map((c) => c.message)).toEqual([]);
    }));

  // ports test_tasks.py::BaseTaskTests.test_shield_cancel_outer_exception
  it('an inner failure after the outer was cancelled reaches the exception handler once', () =>
    run(async () => {
      const seen = recordExceptions();
      const inner = getRunningLoop().createFuture<number>();
      const outer = shield(inner);
      await runBriefly();
      outer.cancel();
      await runBriefly();
      const exc = new ValueError('foo');
      inner.setException(exc);
      await passes(3);
      expect(seen).toHaveLength(1);
      expect(seen[0]!.exception).toBe(exc);
      expect(seen[0]!.message).toMatch(/exception in shielded future/);
    }));

  // ports test_tasks.py::BaseTaskTests.test_shield_duplicate_log_once
  it('two cancelled shields of one failing inner future report the failure once', () =>
    run(async () => {
      const seen = recordExceptions();
      const inner = getRunningLoop().createFuture<number>();
      let outer = shield(inner);
      await runBriefly();
      outer.cancel();
      await runBriefly();
      outer = shield(inner);
      await runBriefly();
      outer.cancel();
      await runBriefly();
      inner.setException(new ValueError('foo'));
      await passes(3);
      expect(seen).toHaveLength(1);
    }));

  // ports test_tasks.py::BaseTaskTests.test_shield_shortcut
  it('shield() of a done future gives its result', () =>
    run(async () => {
      const fut = getRunningLoop().createFuture<number>();
      fut.setResult(42);
      expect(await shield(fut)).toBe(42);
    }));

  // ports test_tasks.py::BaseTaskTests.test_shield_gather
  it('cancelling a shield around a gather leaves the gather to finish', () =>
    run(async () => {
      const [child1, child2] = futures<number>(2);
      const parent = gather([child1!, child2!]);
      const outer = shield(parent);
      await runBriefly();
      outer.cancel();
      await runBriefly();
      expect(outer.cancelled()).toBe(true);
      child1!.setResult(1);
      child2!.setResult(2);
      await runBriefly(5);
      expect(parent.result()).toEqual([1, 2]);
    }));

  // ports test_tasks.py::BaseTaskTests.test_gather_shield
  it('cancelling a gather of shields cancels the shields but not what they protect', () =>
    run(async () => {
      const [child1, child2] = futures<number>(2);
      const inner1 = shield(child1!);
      const inner2 = shield(child2!);
      const parent = gather([inner1, inner2]);
      await runBriefly();
      parent.cancel();
      await runBriefly(5);
      expect(parent.exception()).toBeInstanceOf(CancelledError);
      expect(inner1.cancelled()).toBe(true);
      expect(inner2.cancelled()).toBe(true);
      expect(child1!.cancelled()).toBe(false);
      expect(child2!.cancelled()).toBe(false);
      child1!.setResult(1);
      child2!.setResult(2);
      await runBriefly();
    }));

  // ports test_tasks.py::BaseTaskTests.test_shield_coroutine_use_running_loop (outer cancelled)
  it('cancelling shield(generator) leaves the task made for the generator running to the end', () =>
    run(async () => {
      const log: string[] = [];
      const gate = getRunningLoop().createFuture<void>();
      function* job(): Coroutine<string> {
        yield* gate;
        log.push('job finished');
        return 'r';
      }
      const outer = shield(job());
      await waitAllTasksBlocked();
      outer.cancel();
      gate.setResult();
      await passes(3);
      expect(outer.cancelled()).toBe(true);
      expect(log).toEqual(['job finished']);
    }));

  // ports test_tasks.py::BaseTaskTests.test_shield_result (a foreign promise)
  it('shield() of a foreign promise gives its result', () =>
    run(async () => {
      expect(await shield(Promise.resolve(5))).toBe(5);
    }));

  describe.each(STYLES)('%s style', (style) => {
    // ports test_tasks.py::BaseTaskTests.test_shield_effect (the "await it again" idiom)
    it('a task cancelled in shield(inner) can still wait for inner and get its result', () =>
      run(async () => {
        const waiter = getRunningLoop().createFuture<void>();
        const inner = createTask(
          styled(
            style,
            function* () {
              yield* waiter;
              return 'inner result';
            },
            async () => {
              await waiter;
              return 'inner result';
            },
          ),
        );
        const outer = createTask(
          styled(
            style,
            function* () {
              try {
                return yield* shield(inner);
              } catch (e) {
                if (!isCancelledError(e)) throw e;
                return `after cancel: ${yield* inner}`;
              }
            },
            async () => {
              try {
                return await shield(inner);
              } catch (e) {
                if (!isCancelledError(e)) throw e;
                return `after cancel: ${await inner}`;
              }
            },
          ),
        );
        await waitAllTasksBlocked();
        outer.cancel();
        await waitAllTasksBlocked();
        expect(inner.cancelled()).toBe(false);
        expect(outer.done()).toBe(false);
        waiter.setResult();
        expect(await outer).toBe('after cancel: inner result');
      }));

    // ports test_tasks.py::BaseTaskTests.test_shield_cancel_inner (seen by an awaiting task)
    it('cancelling the inner task cancels the task awaiting its shield', () =>
      run(async () => {
        const inner = createTask(
          styled(
            style,
            function* () {
              yield* sleep(FOREVER);
            },
            async () => {
              await sleep(FOREVER);
            },
          ),
        );
        const awaiter = createTask(
          styled(
            style,
            function* () {
              yield* shield(inner);
            },
            async () => {
              await shield(inner);
            },
          ),
        );
        await waitAllTasksBlocked();
        inner.cancel();
        assertCancelled(await rejection(awaiter));
        expect(awaiter.cancelled()).toBe(true);
      }));

    // ports test_tasks.py::BaseTaskTests.test_shield_cancel_outer_exception (a shielded task)
    it('a shielded task failing after its awaiter was cancelled is reported once to the exception handler', () =>
      run(async () => {
        const seen = recordExceptions();
        const waiter = getRunningLoop().createFuture<void>();
        const exc = new ZeroDivisionError('late failure');
        const inner = createTask(
          styled(
            style,
            function* () {
              yield* waiter;
              throw exc;
            },
            async () => {
              await waiter;
              throw exc;
            },
          ),
        );
        const awaiter = createTask(
          styled(
            style,
            function* () {
              yield* shield(inner);
            },
            async () => {
              await shield(inner);
            },
          ),
        );
        await waitAllTasksBlocked();
        awaiter.cancel();
        assertCancelled(await rejection(awaiter));
        waiter.setResult();
        await passes(4);
        expect(inner.exception()).toBe(exc);
        expect(seen.map((c) => c.exception)).toEqual([exc]);
      }));
  });
});
