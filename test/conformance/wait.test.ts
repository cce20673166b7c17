// Behaviour ports of CPython 3.13 Lib/test/test_asyncio/test_tasks.py for wait
// (BaseTaskTests.test_wait_*) and asCompleted (BaseTaskTests.test_as_completed_*); gather is in
// combinators.test.ts, shield in shield.test.ts. Cancellation behaviours run in both coroutine
// styles. Tests already in the shared conformance suite (/work/shared/conformance/gather-wait*.test.ts)
// are not repeated here.
import { describe, it, expect } from 'vitest';
import {
  ALL_COMPLETED,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  TimeoutError,
  asCompleted,
  createTask,
  ensureFuture,
  getRunningLoop,
  isFuture,
  run,
  sleep,
  wait,
  type Coroutine,
  type Future,
  type Task,
} from 'tulip';
import { waitAllTasksBlocked } from 'tulip/testing';
import {
  STYLES,
  ZeroDivisionError,
  assertCancelled,
  errorOf,
  recordExceptions,
  rejection,
  runVirtual,
  styled,
} from './helpers.js';
import { expectMembers, futures } from './combinators.helpers.js';

// ---- local helpers ----------------------------------------------------------------------------

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

const ids = (s: Iterable<unknown>) => [...s];

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
