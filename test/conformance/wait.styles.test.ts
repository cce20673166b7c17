// Style twins of the wait and asCompleted tests: each test here is the other-style twin of a test
// written in only one coroutine style in test/conformance/wait.test.ts or
// /work/shared/conformance/gather-wait*.test.ts. Mostly the awaiting task becomes a generator
// (`yield*`), and the children change style too.
import { describe, it, expect } from 'vitest';
import {
  ALL_COMPLETED,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  TimeoutError,
  asCompleted,
  createTask,
  getRunningLoop,
  isFuture,
  run,
  sleep,
  wait,
  type Coroutine,
  type Task,
} from 'tulip';
import { FOREVER, ZeroDivisionError, recordExceptions, runVirtual } from './helpers.js';
import { expectMembers, futures } from './combinators.helpers.js';

/** A generator task body that sleeps `ms` and returns `v`. */
function sleeperG<T>(ms: number, v: T): () => Coroutine<T> {
  return function* () {
    return yield* sleep(ms, v);
  };
}

// ---- wait ---------------------------------------------------------------------------------------

describe('wait (style twins)', () => {
  // twin of shared gather-wait.test.ts::waits for every future by default (virtual time)
  it('a generator task waits for every generator task by default, and at once when all are done', () =>
    runVirtual(function* () {
      const loop = getRunningLoop();
      const t0 = loop.time();
      const a = createTask(sleeperG(100, undefined));
      const b = createTask(sleeperG(150, undefined));
      function* foo(): Coroutine<number> {
        const { done, pending } = yield* wait([b, a]);
        expectMembers(done, [a, b]);
        expect(pending.size).toBe(0);
        return 42;
      }
      expect(yield* createTask(foo())).toBe(42);
      expect(loop.time() - t0).toBe(150);
      expect(yield* createTask(foo())).toBe(42);
      expect(loop.time() - t0).toBe(150);
    }));

  // twin of shared gather-wait.virtual.test.ts::returns exactly at the timeout (generator tasks awaited)
  it('wait() with a timeout returns exactly at the timeout with the generator task still pending', () =>
    runVirtual(function* () {
      const loop = getRunningLoop();
      const t0 = loop.time();
      const a = createTask(sleeperG(100, 'a'));
      const b = createTask(sleeperG(150, 'b'));
      const { done, pending } = yield* wait([b, a], { timeout: 110 });
      expectMembers(done, [a]);
      expectMembers(pending, [b]);
      expect(loop.time() - t0).toBe(110);
      expect(b.cancelled()).toBe(false);
      expect(yield* b).toBe('b');
    }));

  // twin of wait.test.ts::FIRST_EXCEPTION returns at once when a task has already failed
  it('FIRST_EXCEPTION returns at once to a generator task when a generator task has already failed', () =>
    runVirtual(function* () {
      const loop = getRunningLoop();
      const t0 = loop.time();
      const a = createTask(sleeperG(10_000, undefined));
      // eslint-disable-next-line require-yield
      const b = createTask(function* () {
        throw new ZeroDivisionError('err');
      });
      yield* sleep(0);
      const { done, pending } = yield* wait([b, a], { returnWhen: FIRST_EXCEPTION });
      expectMembers(done, [b]);
      expectMembers(pending, [a]);
      expect(loop.time() - t0).toBe(0);
      b.exception();
      a.cancel();
    }));

  // twin of wait.test.ts::FIRST_EXCEPTION returns when a task fails during the wait
  it('FIRST_EXCEPTION returns to a generator task when a generator task fails during the wait', () =>
    runVirtual(function* () {
      const loop = getRunningLoop();
      const t0 = loop.time();
      const a = createTask(sleeperG(10_000, undefined));
      const b = createTask(function* () {
        yield* sleep(10);
        throw new ZeroDivisionError('err');
      });
      const { done, pending } = yield* wait([b, a], { returnWhen: FIRST_EXCEPTION });
      expectMembers(done, [b]);
      expectMembers(pending, [a]);
      expect(loop.time() - t0).toBe(10);
      expect(a.done()).toBe(false);
      b.exception();
      a.cancel();
    }));

  // twin of wait.test.ts::FIRST_EXCEPTION without any failure waits for everything, like ALL_COMPLETED
  it('FIRST_EXCEPTION without any failure waits for every generator task', () =>
    runVirtual(function* () {
      const loop = getRunningLoop();
      const t0 = loop.time();
      const a = createTask(sleeperG(100, undefined));
      const b = createTask(sleeperG(150, undefined));
      const { done, pending } = yield* wait([a, b], { returnWhen: FIRST_EXCEPTION });
      expect(done.size).toBe(2);
      expect(pending.size).toBe(0);
      expect(loop.time() - t0).toBe(150);
    }));

  // twin of wait.test.ts::ALL_COMPLETED with a failing task returns it among the done ones and does not throw
  it('ALL_COMPLETED with a failing generator task returns it among the done ones and does not throw', () =>
    runVirtual(function* () {
      recordExceptions();
      const loop = getRunningLoop();
      const t0 = loop.time();
      const a = createTask(sleeperG(100, undefined));
      const b = createTask(function* () {
        yield* sleep(150);
        throw new ZeroDivisionError('really');
      });
      function* check(): Coroutine<void> {
        const { done, pending } = yield* wait([b, a], { returnWhen: ALL_COMPLETED });
        expect(done.size).toBe(2);
        expect(pending.size).toBe(0);
        const errors = [...done].filter((f) => f.exception() !== undefined);
        expectMembers(errors, [b]);
      }
      yield* check();
      expect(loop.time() - t0).toBe(150);
      yield* check();
      expect(loop.time() - t0).toBe(150);
    }));

  // twin of wait.test.ts::a task finishing at the very deadline of the wait counts as done
  it('a generator task finishing at the very deadline of the wait counts as done', () =>
    runVirtual(function* () {
      const loop = getRunningLoop();
      const t0 = loop.time();
      const a = createTask(sleeperG(100, undefined));
      const b = createTask(sleeperG(150, undefined));
      yield* sleep(0);
      const { done, pending } = yield* wait([b, a], { timeout: 100 });
      expectMembers(done, [a]);
      expectMembers(pending, [b]);
      expect(loop.time() - t0).toBe(100);
      yield* b;
    }));

  // twin of wait.test.ts::a task passed twice appears once in the done set
  it('a generator task passed twice appears once in the done set', () =>
    run(function* () {
      const c = createTask(function* () {
        return 'test';
      });
      const spam = createTask(function* () {
        return 'spam';
      });
      const { done, pending } = yield* wait([c, c, spam]);
      expect(pending.size).toBe(0);
      expect(done.size).toBe(2);
      expect(new Set([...done].map((f) => (f as Task<string>).result()))).toEqual(new Set(['test', 'spam']));
    }));

  // twin of wait.test.ts::a timeout with nothing done returns everything pending, raising nothing and cancelling nothing
  it('a timeout with nothing done returns every generator task pending, cancelling nothing', () =>
    runVirtual(function* () {
      const loop = getRunningLoop();
      const t0 = loop.time();
      const a = createTask(sleeperG(500, undefined));
      const b = createTask(sleeperG(600, undefined));
      const { done, pending } = yield* wait([a, b], { timeout: 50, returnWhen: FIRST_COMPLETED });
      expect(done.size).toBe(0);
      expect(pending.size).toBe(2);
      expect(loop.time() - t0).toBe(50);
      expect(a.cancelled() || b.cancelled()).toBe(false);
      yield* a;
      yield* b;
      expect(loop.time() - t0).toBe(600);
    }));

  // twin of wait.test.ts::timeout 0 returns on the next pass with the already-done futures in done
  it('timeout 0 returns to a generator task with the already-done futures in done', () =>
    runVirtual(function* () {
      const [f1, f2] = futures<number>(2);
      f1!.setResult(1);
      const { done, pending } = yield* wait([f1!, f2!], { timeout: 0 });
      expectMembers(done, [f1]);
      expectMembers(pending, [f2]);
      expect(f2!.cancelled()).toBe(false);
      f2!.cancel();
    }));

  // twin of wait.test.ts::FIRST_COMPLETED with a future already done returns without any waiting
  it('FIRST_COMPLETED with a future already done returns to a generator task without any waiting', () =>
    runVirtual(function* () {
      const t0 = getRunningLoop().time();
      const [f1, f2] = futures<number>(2);
      f2!.setResult(2);
      const { done, pending } = yield* wait([f1!, f2!], { returnWhen: FIRST_COMPLETED });
      expectMembers(done, [f2]);
      expectMembers(pending, [f1]);
      expect(getRunningLoop().time() - t0).toBe(0);
      f1!.cancel();
    }));

  // twin of wait.test.ts::takes a lazily built iterable of tasks with ALL_COMPLETED
  it('a generator task waits on a lazily built iterable of generator tasks', () =>
    run(function* () {
      const tasks = new Map<number, Task<number>>();
      for (let i = 0; i < 10; i++)
        tasks.set(
          i,
          createTask(function* () {
            return i;
          }),
        );
      const { done, pending } = yield* wait(tasks.values(), { returnWhen: ALL_COMPLETED });
      expect(done.size).toBe(10);
      expect(pending.size).toBe(0);
    }));

  // twin of shared gather-wait.test.ts::wait() with FIRST_COMPLETED in a generator task (async tasks waited on)
  it('wait() with FIRST_COMPLETED in an async task, on generator tasks', () =>
    runVirtual(async () => {
      const a = createTask(sleeperG(FOREVER, undefined));
      const b = createTask(sleeperG(10, undefined));
      const { done, pending } = await wait([b, a], { returnWhen: FIRST_COMPLETED });
      expectMembers(done, [b]);
      expectMembers(pending, [a]);
      expect(getRunningLoop().time()).toBe(10);
      a.cancel();
    }));
});

// ---- asCompleted --------------------------------------------------------------------------------

describe('asCompleted (style twins)', () => {
  // twin of wait.test.ts::plain iteration yields futures that settle one by one in completion order
  it('plain iteration in a generator task yields futures that settle one by one in completion order', () =>
    runVirtual(function* () {
      const loop = getRunningLoop();
      const t0 = loop.time();
      const a = createTask(sleeperG(100, 'a'));
      const b = createTask(sleeperG(200, 'b'));
      const c = createTask(sleeperG(300, 'c'));
      const got: [string, number][] = [];
      for (const f of asCompleted([c, a, b])) {
        expect(isFuture(f)).toBe(true);
        const v = yield* f;
        got.push([v, loop.time() - t0]);
      }
      expect(got).toEqual([
        ['a', 100],
        ['b', 200],
        ['c', 300],
      ]);
    }));

  // twin of wait.test.ts::the iterator survives a break and can be resumed (sync iteration)
  it('in a generator task the plain iterator survives a break and can be resumed', () =>
    run(function* () {
      function* coro(i: number): Coroutine<number> {
        return i;
      }
      const iterator = asCompleted([coro(0), coro(1), coro(2), coro(3)]);
      const first: number[] = [];
      for (const f of iterator) {
        first.push(yield* f);
        if (first.length >= 2) break;
      }
      const rest: number[] = [];
      for (const f of iterator) rest.push(yield* f);
      expect([...first, ...rest].sort()).toEqual([0, 1, 2, 3]);
    }));

  // twin of wait.test.ts::a failing awaitable's error comes out of the future yielded for it (sync)
  it("a failing generator task's error comes out of the future yielded for it, first", () =>
    run(function* () {
      const exc = new ZeroDivisionError('bad');
      // eslint-disable-next-line require-yield
      const bad = createTask(function* () {
        throw exc;
      });
      const good = createTask(function* () {
        yield* sleep(0);
        return 'good';
      });
      const outcomes: unknown[] = [];
      for (const f of asCompleted<string>([good, bad])) {
        try {
          outcomes.push(yield* f);
        } catch (e) {
          outcomes.push(e);
        }
      }
      expect(outcomes).toEqual([exc, 'good']);
    }));

  // twin of wait.test.ts::plain iteration: the futures not done by the timeout reject with TimeoutError; nothing is cancelled
  it('in a generator task, the futures not done by the timeout throw TimeoutError; nothing is cancelled', () =>
    runVirtual(function* () {
      const loop = getRunningLoop();
      const t0 = loop.time();
      const a = createTask(sleeperG(100, 'a'));
      const b = createTask(sleeperG(150, 'b'));
      const values: [number, unknown][] = [];
      for (const f of asCompleted([a, b], { timeout: 120 })) {
        try {
          values.push([1, yield* f]);
        } catch (e) {
          values.push([2, e]);
        }
      }
      expect(values[0]).toEqual([1, 'a']);
      expect(values[1]![1]).toBeInstanceOf(TimeoutError);
      expect(loop.time() - t0).toBe(120);
      expect(b.cancelled()).toBe(false);
      expect(yield* b).toBe('b');
    }));

  // twin of wait.test.ts::accepts foreign promises (sync iteration)
  it('a generator task iterates asCompleted over foreign promises', () =>
    run(function* () {
      const slow = new Promise<string>((resolve) => setTimeout(() => resolve('slow'), 5));
      const fast = Promise.resolve('fast');
      const out: string[] = [];
      for (const f of asCompleted([slow, fast])) out.push(yield* f);
      expect(out).toEqual(['fast', 'slow']);
    }));

  // twin of wait.test.ts::async iteration yields the very tasks passed in (with generator tasks)
  it('async iteration yields the very generator tasks passed in', () =>
    run(async () => {
      const tasks = [0, 1, 2].map((i) =>
        createTask(function* () {
          yield* sleep(0);
          return i;
        }),
      );
      const out = new Set<unknown>();
      for await (const f of asCompleted(tasks)) out.add(f);
      expectMembers(out, tasks);
    }));
});
