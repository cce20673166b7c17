// Style twins of the combinator tests (gather, wait, asCompleted, shield): each test here is the
// other-style twin of a test written in only one coroutine style in
// test/conformance/combinators.test.ts or /work/shared/conformance/{gather-wait*,shield}.test.ts.
// Mostly the awaiting task becomes a generator (`yield*`), and the children change style too.
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
  run,
  shield,
  sleep,
  timeout,
  wait,
  waitFor,
  type Coroutine,
  type Future,
  type Task,
} from 'tulip';
import { runBriefly, waitAllTasksBlocked } from 'tulip/testing';
import {
  FOREVER,
  ValueError,
  ZeroDivisionError,
  assertCancelled,
  passesG,
  recordExceptions,
  rejectionG,
  runVirtual,
} from './helpers.js';

const futures = <T>(n: number): Future<T>[] =>
  Array.from({ length: n }, () => getRunningLoop().createFuture<T>());

function expectMembers(actual: Iterable<unknown>, expected: readonly unknown[]): void {
  const got = [...actual];
  expect(got.length, 'number of members').toBe(expected.length);
  for (const x of expected) expect(got.includes(x), 'an expected member is missing').toBe(true);
}

/** A generator task body that sleeps `ms` and returns `v`. */
function sleeperG<T>(ms: number, v: T): () => Coroutine<T> {
  return function* () {
    return yield* sleep(ms, v);
  };
}

// ---- gather -------------------------------------------------------------------------------------

describe('gather (style twins)', () => {
  // twin of shared gather-wait.test.ts::resolves to the results in argument order
  it.each([false, true])('a generator task sees gather of futures resolve in argument order (returnExceptions=%s)', (returnExceptions) =>
    run(function* () {
      const [a, b, c] = futures<number>(3);
      const fut = gather([a!, b!, c!], { returnExceptions });
      const calls: unknown[] = [];
      fut.addDoneCallback((f) => calls.push(f));
      b!.setResult(1);
      a!.setResult(2);
      yield* runBriefly(10);
      expect(calls).toHaveLength(0);
      c!.setResult(3);
      yield* runBriefly(10);
      expect(calls).toHaveLength(1);
      expect(yield* fut).toEqual([2, 1, 3]);
    }),
  );

  // twin of shared gather-wait.test.ts::gathers tasks and generator coroutines alike
  it('a generator task gathers async tasks and generator coroutines alike', () =>
    run(function* () {
      function* gen(x: number): Coroutine<number> {
        yield* sleep(0);
        return x;
      }
      const t = createTask(async () => {
        await sleep(1);
        return 'task';
      });
      expect(yield* gather([gen(1), t, gen(2)])).toEqual([1, 'task', 2]);
    }));

  // twin of combinators.test.ts::a generator passed several times runs once and its result fills every position
  it('in a generator task, a generator passed several times to gather runs once', () =>
    run(function* () {
      let runs = 0;
      function* coro(s: string): Coroutine<string> {
        runs += 1;
        yield* sleep(0);
        return s;
      }
      const c = coro('abc');
      const res = yield* gather([c, c, coro('def'), c]);
      expect(res).toEqual(['abc', 'abc', 'def', 'abc']);
      expect(runs).toBe(2);
    }));

  // twin of combinators.test.ts::the same task passed twice gives its result twice
  it('the same generator task passed twice gives its result twice', () =>
    run(function* () {
      const t = createTask(function* () {
        yield* sleep(0);
        return 'once';
      });
      expect(yield* gather([t, t])).toEqual(['once', 'once']);
    }));

  // twin of combinators.test.ts::the first error propagates to the awaiter while the sibling tasks keep running
  it('the first error of a generator child propagates to a generator awaiter while the sibling keeps running', () =>
    run(function* () {
      const exc = new ZeroDivisionError('first');
      const gate = getRunningLoop().createFuture<void>();
      const failing = createTask(function* () {
        yield* sleep(0);
        throw exc;
      });
      const sibling = createTask(function* () {
        yield* gate;
        return 'sibling done';
      });
      expect(yield* rejectionG(gather([failing, sibling]))).toBe(exc);
      expect(sibling.done()).toBe(false);
      expect(sibling.cancelled()).toBe(false);
      gate.setResult();
      expect(yield* sibling).toBe('sibling done');
    }));

  // twin of combinators.test.ts::errors of children that fail after the first are not reported as never retrieved
  it('errors of generator children failing after the first are not reported as never retrieved', () =>
    run(function* () {
      const seen = recordExceptions();
      const a = getRunningLoop().createFuture<void>();
      const b = getRunningLoop().createFuture<void>();
      function* coro(f: Future<void>, name: string): Coroutine<never> {
        yield* f;
        throw new ValueError(name);
      }
      const outer = createTask(function* () {
        yield* gather([coro(a, 'a'), createTask(coro(b, 'b'))]);
      });
      const outerError = createTask(function* () {
        return yield* rejectionG(outer);
      });
      yield* waitAllTasksBlocked();
      a.setResult();
      yield* waitAllTasksBlocked();
      b.setResult();
      yield* waitAllTasksBlocked();
      yield* passesG(3);
      const e = yield* outerError;
      expect(e).toBeInstanceOf(ValueError);
      expect((e as Error).message).toBe('a');
      expect(seen.map((c) => c.message)).toEqual([]);
    }));

  // twin of combinators.test.ts::a second child error after the gather has failed is not reported to the exception handler
  it('a second generator child error after the gather has failed is not reported', () =>
    run(function* () {
      const seen = recordExceptions();
      const first = new ValueError('first');
      const t1 = createTask(function* () {
        yield* sleep(0);
        throw first;
      });
      const t2 = createTask(function* () {
        yield* passesG(3);
        throw new ValueError('second');
      });
      expect(yield* rejectionG(gather([t1, t2]))).toBe(first);
      yield* passesG(6);
      expect(t2.done()).toBe(true);
      expect(seen.map((c) => c.message)).toEqual([]);
    }));

  // twin of combinators.test.ts::gathers futures, foreign promises and generators together, in argument order
  it('a generator task gathers futures, foreign promises and generators together, in argument order', () =>
    run(function* () {
      const f = getRunningLoop().createFuture<number>();
      function* gen(): Coroutine<number> {
        yield* sleep(0);
        return 3;
      }
      getRunningLoop().callSoon(() => f.setResult(2));
      expect(yield* gather([Promise.resolve(1), f, gen()])).toEqual([1, 2, 3]);
    }));

  // twin of combinators.test.ts::with returnExceptions, a cancelled child gives a CancelledError in its slot
  it('a generator task awaiting gather(returnExceptions) gets a CancelledError in the slot of a cancelled child', () =>
    run(function* () {
      const [a, b, c] = futures<number>(3);
      const fut = gather([a!, b!, c!], { returnExceptions: true });
      a!.setResult(1);
      b!.cancel('b went away');
      const zde = new ZeroDivisionError();
      c!.setException(zde);
      const res = (yield* fut) as unknown[];
      expect(res[0]).toBe(1);
      assertCancelled(res[1], 'b went away');
      expect(res[2]).toBe(zde);
    }));

  // twin of shared gather-wait.test.ts::cancelling a generator task blocked in gather() cancels the gathered tasks (async)
  it('cancelling an async task blocked in gather() cancels the gathered generator tasks', () =>
    run(async () => {
      const waiter = getRunningLoop().createFuture<void>();
      const child = () =>
        createTask(function* () {
          yield* waiter;
        });
      const child1 = child();
      const child2 = child();
      const f = createTask(async () => {
        await gather([child1, child2]);
      });
      await waitAllTasksBlocked();
      expect(f.cancel()).toBe(true);
      let caught: unknown;
      try {
        await f;
      } catch (e) {
        caught = e;
      }
      assertCancelled(caught);
      expect(child1.cancelled()).toBe(true);
      expect(child2.cancelled()).toBe(true);
    }));
});

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

  // twin of combinators.test.ts::FIRST_EXCEPTION returns at once when a task has already failed
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

  // twin of combinators.test.ts::FIRST_EXCEPTION returns when a task fails during the wait
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

  // twin of combinators.test.ts::FIRST_EXCEPTION without any failure waits for everything, like ALL_COMPLETED
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

  // twin of combinators.test.ts::ALL_COMPLETED with a failing task returns it among the done ones and does not throw
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

  // twin of combinators.test.ts::a task finishing at the very deadline of the wait counts as done
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

  // twin of combinators.test.ts::a task passed twice appears once in the done set
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

  // twin of combinators.test.ts::a timeout with nothing done returns everything pending, raising nothing and cancelling nothing
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

  // twin of combinators.test.ts::timeout 0 returns on the next pass with the already-done futures in done
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

  // twin of combinators.test.ts::FIRST_COMPLETED with a future already done returns without any waiting
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

  // twin of combinators.test.ts::takes a lazily built iterable of tasks with ALL_COMPLETED
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
  // twin of combinators.test.ts::plain iteration yields futures that settle one by one in completion order
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

  // twin of combinators.test.ts::the iterator survives a break and can be resumed (sync iteration)
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

  // twin of combinators.test.ts::a failing awaitable's error comes out of the future yielded for it (sync)
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

  // twin of combinators.test.ts::plain iteration: the futures not done by the timeout reject with TimeoutError; nothing is cancelled
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

  // twin of combinators.test.ts::accepts foreign promises (sync iteration)
  it('a generator task iterates asCompleted over foreign promises', () =>
    run(function* () {
      const slow = new Promise<string>((resolve) => setTimeout(() => resolve('slow'), 5));
      const fast = Promise.resolve('fast');
      const out: string[] = [];
      for (const f of asCompleted([slow, fast])) out.push(yield* f);
      expect(out).toEqual(['fast', 'slow']);
    }));

  // twin of combinators.test.ts::async iteration yields the very tasks passed in (with generator tasks)
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

// ---- shield -------------------------------------------------------------------------------------

describe('shield (style twins)', () => {
  // twin of shared shield.test.ts::the outer future gets the inner result / error
  it('a generator task gets the inner result or the inner error through shield()', () =>
    run(function* () {
      const inner = getRunningLoop().createFuture<number>();
      const outer = shield(inner);
      inner.setResult(42);
      expect(yield* outer).toBe(42);
      const inner2 = getRunningLoop().createFuture<number>();
      const outer2 = shield(inner2);
      yield* runBriefly();
      const exc = new ZeroDivisionError('expected');
      inner2.setException(exc);
      expect(yield* rejectionG(outer2)).toBe(exc);
    }));

  // twin of shared shield.test.ts::cancelling the inner future cancels the outer one (seen by a generator task)
  it('cancelling the inner future cancels the outer one, which throws CancelledError into a generator', () =>
    run(function* () {
      const inner = getRunningLoop().createFuture<number>();
      const outer = shield(inner);
      yield* runBriefly();
      inner.cancel();
      assertCancelled(yield* rejectionG(outer));
      expect(outer.cancelled()).toBe(true);
    }));

  // twin of combinators.test.ts::shield() of a done future gives its result / of a foreign promise
  it('yield* shield() of a done future and of a foreign promise gives their results', () =>
    run(function* () {
      const fut = getRunningLoop().createFuture<number>();
      fut.setResult(42);
      expect(yield* shield(fut)).toBe(42);
      expect(yield* shield(Promise.resolve(5))).toBe(5);
    }));

  // twin of shared shield.test.ts::shield(generator) runs it as a task on the running loop
  it('yield* shield(generator) runs it on the running loop', () =>
    run(function* () {
      function* coro(): Coroutine<number> {
        yield* sleep(0);
        return 42;
      }
      const outer = shield(coro());
      expect(outer.getLoop()).toBe(getRunningLoop());
      expect(yield* outer).toBe(42);
    }));

  // twin of shared shield.test.ts::cancelling a generator task yielding on shield(inner) does not cancel inner (async inner)
  it('cancelling a generator task yielding on shield(async inner task) does not cancel inner', () =>
    run(function* () {
      let proof = 0;
      const waiter = getRunningLoop().createFuture<void>();
      const inner = createTask(async () => {
        await waiter;
        proof += 1;
      });
      const f = createTask(function* () {
        yield* shield(inner);
        proof += 100;
      });
      yield* waitAllTasksBlocked();
      f.cancel();
      assertCancelled(yield* rejectionG(f));
      waiter.setResult(undefined);
      yield* waitAllTasksBlocked();
      expect(proof).toBe(1);
    }));

  // twin of combinators.test.ts::cancelling shield(generator) leaves the task made for the generator running to the end
  it('a generator task cancels shield(generator): the task made for it runs to the end', () =>
    run(function* () {
      const log: string[] = [];
      const gate = getRunningLoop().createFuture<void>();
      function* job(): Coroutine<string> {
        yield* gate;
        log.push('job finished');
        return 'r';
      }
      const outer = shield(job());
      yield* waitAllTasksBlocked();
      outer.cancel();
      gate.setResult();
      yield* passesG(3);
      expect(outer.cancelled()).toBe(true);
      expect(log).toEqual(['job finished']);
    }));

  // twin of combinators.test.ts::a task cancelled in shield(inner) can still wait for inner and get its result (mixed)
  it('an async task cancelled in shield(generator inner) can still wait for inner and get its result', () =>
    run(async () => {
      const waiter = getRunningLoop().createFuture<void>();
      const inner = createTask(function* () {
        yield* waiter;
        return 'inner result';
      });
      const outer = createTask(async () => {
        try {
          return await shield(inner);
        } catch (e) {
          if (!isCancelledError(e)) throw e;
          return `after cancel: ${await inner}`;
        }
      });
      await waitAllTasksBlocked();
      outer.cancel();
      await waitAllTasksBlocked();
      expect(inner.cancelled()).toBe(false);
      expect(outer.done()).toBe(false);
      waiter.setResult();
      expect(await outer).toBe('after cancel: inner result');
    }));

  // twin of combinators.test.ts::cancelling a gather of shields cancels the shields but not what they protect (seen by a generator)
  it('a generator task awaiting a cancelled gather of shields gets CancelledError; the protected futures live on', () =>
    run(function* () {
      const [child1, child2] = futures<number>(2);
      const parent = gather([shield(child1!), shield(child2!)]);
      const awaiter = createTask(function* () {
        return yield* parent;
      });
      yield* runBriefly();
      parent.cancel();
      expect(yield* rejectionG(awaiter)).toBeInstanceOf(CancelledError);
      expect(child1!.cancelled()).toBe(false);
      expect(child2!.cancelled()).toBe(false);
      child1!.setResult(1);
      child2!.setResult(2);
      yield* runBriefly();
    }));
});

describe('what cancelling the awaiting task does to the awaited task, in every combination of styles', () => {
  const OPS: [name: string, cancelsInner: boolean, op: (inner: Task<unknown>) => Future<unknown>][] = [
    ['await/yield* of the task', true, (i) => i],
    ['gather([task])', true, (i) => gather([i])],
    ['wait([task])', false, (i) => wait([i])],
    ['waitFor(task, t)', true, (i) => waitFor(i, FOREVER)],
    ['waitFor(task, null)', true, (i) => waitFor(i, null)],
    ['shield(task)', false, (i) => shield(i)],
    ['the future asCompleted([task]) yields', false, (i) => [...asCompleted([i])][0]!],
    ['timeout(d).run(() => task)', true, (i) => timeout(FOREVER).run(() => i)],
  ];
  const S = ['generator', 'async'] as const;
  const cases = OPS.flatMap(([name, cancelsInner, op]) =>
    S.flatMap((outer) => S.map((inner) => ({ name, cancelsInner, op, outer, inner }))),
  );

  // twin of combinators.test.ts::cancelling a task blocked in wait() cancels it but leaves the awaited task running (and its siblings for gather/shield/waitFor)
  it.each(cases)('$outer task cancelled in $name over a $inner task: the inner task is cancelled = $cancelsInner', ({ cancelsInner, op, outer, inner }) =>
    run(async () => {
      const i = createTask(
        inner === 'generator'
          ? function* () {
              yield* sleep(FOREVER);
            }
          : async () => {
              await sleep(FOREVER);
            },
      );
      const t = createTask(
        outer === 'generator'
          ? function* () {
              yield* op(i);
            }
          : async () => {
              await op(i);
            },
      );
      await sleep(0);
      t.cancel();
      assertCancelled(await t.then(() => null, (e: unknown) => e));
      await sleep(0);
      await sleep(0);
      expect(i.cancelled()).toBe(cancelsInner);
      i.cancel();
    }),
  );
});

describe('more combinator twins (generator awaiter)', () => {
  // twin of combinators.test.ts::cancel() of a gather whose children are all done returns false and the result stands
  it('cancel() of a gather whose children are all done returns false; a generator awaiter gets the result', () =>
    run(function* () {
      const fut = getRunningLoop().createFuture<number>();
      function* childCoro(): Coroutine<number> {
        return yield* fut;
      }
      const gatherFuture = gather([childCoro()]);
      yield* waitAllTasksBlocked();
      let cancelResult: boolean | undefined;
      fut.addDoneCallback(() => {
        cancelResult = gatherFuture.cancel();
      });
      fut.setResult(42);
      expect(yield* gatherFuture).toEqual([42]);
      expect(cancelResult).toBe(false);
      expect(gatherFuture.cancelled()).toBe(false);
    }));

  // twin of combinators.test.ts::a timeout that does not run out changes nothing (sync iteration in a generator)
  it('asCompleted with a timeout that does not run out yields the result to a generator task', () =>
    runVirtual(function* () {
      const out: string[] = [];
      for (const f of asCompleted([sleep(10, 'a')], { timeout: 1000 })) out.push(yield* f);
      expect(out).toEqual(['a']);
      expect(getRunningLoop().time()).toBe(10);
    }));

  // twin of combinators.test.ts::a generator passed twice is run once and yields one result
  it('asCompleted in a generator task runs a generator passed twice once', () =>
    run(function* () {
      let runs = 0;
      function* coro(s: string): Coroutine<string> {
        runs++;
        yield* sleep(0);
        return s;
      }
      const c = coro('ham');
      const out: string[] = [];
      for (const f of asCompleted([c, c, coro('spam')])) out.push(yield* f);
      expect(out).toHaveLength(2);
      expect(new Set(out)).toEqual(new Set(['ham', 'spam']));
      expect(runs).toBe(2);
    }));

  // twin of combinators.test.ts::the yielded futures can be awaited concurrently (generator)
  it('the futures asCompleted yields can be waited on together by a generator task', () =>
    runVirtual(function* () {
      const futs = [...asCompleted([sleep(50, 'a'), sleep(50, 'b')])];
      expect(futs).toHaveLength(2);
      const { done } = yield* wait(futs.map((f) => ensureFuture(f)));
      expect(new Set([...done].map((f) => f.result()))).toEqual(new Set(['a', 'b']));
      expect(getRunningLoop().time()).toBe(50);
    }));

  // twin of shield: an inner failure after the outer was cancelled reaches the exception handler once (generator main)
  it('with a generator main, an inner failure after the shield was cancelled is reported once; an inner result is not', () =>
    run(function* () {
      const seen = recordExceptions();
      const inner = getRunningLoop().createFuture<number>();
      const outer = shield(inner);
      yield* runBriefly();
      outer.cancel();
      yield* runBriefly();
      const exc = new ValueError('foo');
      inner.setException(exc);
      yield* passesG(3);
      expect(seen).toHaveLength(1);
      expect(seen[0]!.exception).toBe(exc);
      const inner2 = getRunningLoop().createFuture<number>();
      const outer2 = shield(inner2);
      yield* runBriefly();
      outer2.cancel();
      yield* runBriefly();
      inner2.setResult(1);
      yield* passesG(3);
      expect(seen).toHaveLength(1);
    }));

  // twin of shared gather-wait.test.ts::accepts generator coroutines and runs them on the running loop (generator task)
  it('asCompleted in a generator task accepts generator coroutines and runs them on the running loop', () =>
    run(function* () {
      function* coro(): Coroutine<number> {
        return 42;
      }
      const futs = [...asCompleted([coro()])];
      expect(futs).toHaveLength(1);
      expect(yield* futs[0]!).toBe(42);
    }));
});
