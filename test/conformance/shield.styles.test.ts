// Style twins of the shield tests: each test here is the other-style twin of a test written in only
// one coroutine style in test/conformance/shield.test.ts or /work/shared/conformance/shield.test.ts.
// Mostly the awaiting task becomes a generator (`yield*`), and the children change style too.
import { describe, it, expect } from 'vitest';
import {
  CancelledError,
  createTask,
  gather,
  getRunningLoop,
  isCancelledError,
  run,
  shield,
  sleep,
  type Coroutine,
} from 'tulip';
import { runBriefly, waitAllTasksBlocked } from 'tulip/testing';
import { ZeroDivisionError, assertCancelled, passesG, rejectionG } from './helpers.js';
import { futures } from './combinators.helpers.js';

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

  // twin of shield.test.ts::shield() of a done future gives its result / of a foreign promise
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

  // twin of shield.test.ts::cancelling shield(generator) leaves the task made for the generator running to the end
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

  // twin of shield.test.ts::a task cancelled in shield(inner) can still wait for inner and get its result (mixed)
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

  // twin of shield.test.ts::cancelling a gather of shields cancels the shields but not what they protect (seen by a generator)
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
