// Behaviour ports of CPython 3.13 Lib/test/test_asyncio/test_tasks.py for gather (GatherTestsBase,
// FutureGatherTests, CoroutineGatherTests, BaseTaskTests.test_cancel_gather_*); wait and
// asCompleted are in wait.test.ts, shield in shield.test.ts. Cancellation behaviours run in both
// coroutine styles. Tests already in the shared conformance suite
// (/work/shared/conformance/gather-wait*.test.ts) are not repeated here.
import { describe, it, expect } from 'vitest';
import {
  CancelledError,
  createTask,
  gather,
  getRunningLoop,
  isFuture,
  newEventLoop,
  run,
  sleep,
  type Coroutine,
  type Future,
} from 'tulip';
import { runBriefly, waitAllTasksBlocked } from 'tulip/testing';
import {
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
import { futures } from './combinators.helpers.js';

// ---- local helpers ----------------------------------------------------------------------------

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
