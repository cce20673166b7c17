// Style twins of the gather tests, of what cancelling the awaiting task does to the awaited task
// under each combinator, and more combinator twins with a generator awaiter: each test here is the
// other-style twin of a test written in only one coroutine style in
// test/conformance/{combinators,wait,shield}.test.ts or
// /work/shared/conformance/{gather-wait*,shield}.test.ts (the wait and asCompleted twins are in
// wait.styles.test.ts, the shield twins in shield.styles.test.ts). Mostly the awaiting task becomes
// a generator (`yield*`), and the children change style too.
import { describe, it, expect } from 'vitest';
import {
  asCompleted,
  createTask,
  ensureFuture,
  gather,
  getRunningLoop,
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
import { futures } from './combinators.helpers.js';

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

  // twin of wait.test.ts::cancelling a task blocked in wait() cancels it but leaves the awaited task running (and its siblings for gather/shield/waitFor)
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

  // twin of wait.test.ts::a timeout that does not run out changes nothing (sync iteration in a generator)
  it('asCompleted with a timeout that does not run out yields the result to a generator task', () =>
    runVirtual(function* () {
      const out: string[] = [];
      for (const f of asCompleted([sleep(10, 'a')], { timeout: 1000 })) out.push(yield* f);
      expect(out).toEqual(['a']);
      expect(getRunningLoop().time()).toBe(10);
    }));

  // twin of wait.test.ts::a generator passed twice is run once and yields one result
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

  // twin of wait.test.ts::the yielded futures can be awaited concurrently (generator)
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
