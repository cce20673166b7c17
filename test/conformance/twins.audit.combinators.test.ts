// Style-twin audit: gather(), wait() and shield() driven by a generator task. Each test here is the
// other-style twin (generator `function*`/`yield*` versus native `async`/`await`) of a behaviour
// test of test/conformance/ or /work/shared/conformance/ that existed in only one style although
// the behaviour can be written in both. Each test is named after the original with its style in
// parentheses, and a comment gives the original's file:line. The behaviour, the pass counts and the
// expectations are the original's (checked there against asyncio 3.13); only the style changes.
// Where the twin shows tulip behaving differently in the other style, the test is an `it.fails`
// with asyncio's expectation and the probe output in a comment (probes: the pure-Python asyncio
// 3.13).
import { describe, expect, it } from 'vitest';
import { CancelledError, createTask, currentTask, gather, getRunningLoop, run, shield, sleep, wait, Future, type Coroutine } from 'tulip';
import { runBriefly } from 'tulip/testing';
import { FOREVER, ValueError, ZeroDivisionError, assertCancelled, passesG, recordExceptions, rejectionG, runVirtual } from './helpers.js';
import { futures } from './combinators.helpers.js';
import { MyExc } from './taskgroups.helpers.js';

// ---- gather, wait, shield ---------------------------------------------------------------------

describe('gather, wait and shield driven by a generator task (twins)', () => {
  // twin of shared gather-wait.test.ts:53
  it('the first error fails the gather; later results change nothing (generator)', () =>
    run(function* () {
      const [a, b, c, d, e] = futures<number>(5);
      const fut = gather([a!, b!, c!, d!, e!]);
      const calls: unknown[] = [];
      fut.addDoneCallback((f) => calls.push(f));
      const exc = new ZeroDivisionError();
      a!.setResult(1);
      b!.setException(exc);
      yield* runBriefly(10);
      expect(fut.done()).toBe(true);
      expect(calls).toHaveLength(1);
      expect(calls[0]).toBe(fut);
      expect(fut.exception()).toBe(exc);
      expect(yield* rejectionG(fut)).toBe(exc);
      c!.setResult(3);
      d!.cancel();
      e!.setException(new MyExc());
      e!.exception();
      yield* runBriefly(10);
      expect(calls).toHaveLength(1);
      expect(fut.exception()).toBe(exc);
    }));

  // twin of shared gather-wait.test.ts:78
  it('with returnExceptions, errors take their place among the results (generator)', () =>
    run(function* () {
      const [a, b, c, d] = futures<number>(4);
      const fut = gather([a!, b!, c!, d!], { returnExceptions: true });
      const calls: unknown[] = [];
      fut.addDoneCallback((f) => calls.push(f));
      const exc = new ZeroDivisionError();
      const exc2 = new MyExc();
      b!.setResult(1);
      c!.setException(exc);
      a!.setResult(3);
      yield* runBriefly(10);
      expect(fut.done()).toBe(false);
      d!.setException(exc2);
      const res = (yield* fut) as unknown[];
      expect(calls).toHaveLength(1);
      expect(res).toHaveLength(4);
      expect(res[0]).toBe(3);
      expect(res[1]).toBe(1);
      expect(res[2]).toBe(exc);
      expect(res[3]).toBe(exc2);
    }));

  // twin of combinators.test.ts:84
  it('a cancelled child fails the gather with CancelledError, yet the gather is not cancelled (generator)', () =>
    run(function* () {
      const [a, b, c, d, e] = futures<number>(5);
      const fut = gather([a!, b!, c!, d!, e!]);
      const calls: unknown[] = [];
      fut.addDoneCallback((f) => calls.push(f));
      a!.setResult(1);
      b!.cancel();
      yield* runBriefly(5);
      expect(fut.done()).toBe(true);
      expect(calls).toHaveLength(1);
      expect(fut.cancelled()).toBe(false);
      expect(fut.exception()).toBeInstanceOf(CancelledError);
      c!.setResult(3);
      d!.cancel();
      e!.setException(new ValueError());
      e!.exception();
      yield* runBriefly(5);
      expect(calls).toHaveLength(1);
      expect(fut.exception()).toBeInstanceOf(CancelledError);
      // the generator task awaiting it gets the CancelledError but is not cancelled itself
      assertCancelled(yield* rejectionG(fut));
      expect(currentTask()!.cancelling()).toBe(0);
      expect(yield* sleep(0, 'alive')).toBe('alive');
    }));

  // twin of shared gather-wait.test.ts:104
  it('gather([]) is a future of [] on the running loop (generator)', () =>
    run(function* () {
      const fut = gather([]);
      expect(fut.getLoop()).toBe(getRunningLoop());
      yield* runBriefly();
      expect(fut.done()).toBe(true);
      expect(fut.result()).toEqual([]);
      expect(yield* gather([])).toEqual([]);
    }));

  // twin of shared gather-wait.test.ts:172
  it('an empty set or an unknown returnWhen is a RangeError (generator)', () =>
    run(function* () {
      const errOf = function* (make: () => Future<unknown>): Coroutine<unknown> {
        try {
          yield* make();
        } catch (e) {
          return e;
        }
        return 'no error';
      };
      expect(yield* errOf(() => wait([]))).toBeInstanceOf(RangeError);
      const s = sleep(FOREVER);
      expect(yield* errOf(() => wait([s], { returnWhen: 'bogus' as never }))).toBeInstanceOf(RangeError);
      s.cancel();
    }));

  // twin of wait.test.ts:151
  it('takes any iterable of futures, such as a Set iterator (generator)', () =>
    runVirtual(function* () {
      const loop = getRunningLoop();
      const t0 = loop.time();
      const a = createTask(function* () {
        yield* sleep(100);
      });
      const b = createTask(function* () {
        yield* sleep(150);
      });
      const { done, pending } = yield* wait(new Set([b, a]).values());
      expect(done.size).toBe(2);
      expect(done.has(a) && done.has(b)).toBe(true);
      expect(pending.size).toBe(0);
      expect(loop.time() - t0).toBeCloseTo(150, 3);
    }));

  // twin of shared shield.test.ts:42
  it('cancelling the outer future leaves the inner one alone (generator)', () =>
    run(function* () {
      const inner = getRunningLoop().createFuture<number>();
      const outer = shield(inner);
      yield* runBriefly();
      outer.cancel();
      yield* runBriefly(5);
      expect(outer.cancelled()).toBe(true);
      expect(inner.cancelled()).toBe(false);
      expect(inner.done()).toBe(false);
      inner.setResult(1);
      expect(yield* inner).toBe(1);
    }));

  // twin of shield.test.ts:67 (not in asyncio, which drops this error; DESIGN §4)
  for (const [what, cancelFirst] of [
    ['cancelled, then the inner fails', true],
    ['the inner fails, then cancelled', false],
  ] as const) {
    it(`in one pass the outer is ${what}: the inner failure reaches the exception handler once (generator)`, () =>
      run(function* () {
        const seen = recordExceptions();
        const inner = getRunningLoop().createFuture<number>();
        const outer = shield(inner);
        yield* runBriefly();
        const exc = new ValueError('same pass');
        if (cancelFirst) {
          outer.cancel();
          inner.setException(exc);
        } else {
          inner.setException(exc);
          outer.cancel();
        }
        yield* passesG(3);
        expect(seen.map((c) => c.message)).toEqual(['ValueError exception in shielded future']);
        expect(seen[0]!.exception).toBe(exc);
      }));
  }

  // twin of shield.test.ts:88
  it('two cancelled shields of one failing inner future report the failure once (generator)', () =>
    run(function* () {
      const seen = recordExceptions();
      const inner = getRunningLoop().createFuture<number>();
      let outer = shield(inner);
      yield* runBriefly();
      outer.cancel();
      yield* runBriefly();
      outer = shield(inner);
      yield* runBriefly();
      outer.cancel();
      yield* runBriefly();
      inner.setException(new ValueError('foo'));
      yield* passesG(3);
      expect(seen).toHaveLength(1);
    }));

  // twin of shield.test.ts:114
  it('cancelling a shield around a gather leaves the gather to finish (generator)', () =>
    run(function* () {
      const [child1, child2] = futures<number>(2);
      const parent = gather([child1!, child2!]);
      const outer = shield(parent);
      yield* runBriefly();
      outer.cancel();
      yield* runBriefly();
      expect(outer.cancelled()).toBe(true);
      child1!.setResult(1);
      child2!.setResult(2);
      yield* runBriefly(5);
      expect(parent.result()).toEqual([1, 2]);
    }));
});
