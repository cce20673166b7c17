// Style twins of the future tests: each test here is the other-style twin of a test written in
// only one coroutine style in test/conformance/futures*.test.ts or
// /work/shared/conformance/futures.test.ts. Same behaviour, same pass counts and order.
import { describe, it, expect } from 'vitest';
import { Future, createTask, ensureFuture, getRunningLoop, run, sleep } from 'tulip';
import {
  KeyError,
  ZeroDivisionError,
  assertCancelled,
  neverRetrieved,
  passes,
  passesG,
  recordExceptions,
  rejection,
  rejectionG,
} from './helpers.js';

describe('awaiting a future (style twins)', () => {
  // twin of futures.test.ts::a generator yielding on a future cancelled with a message receives that message
  it('an async task awaiting a future cancelled with a message receives that message', () =>
    run(async () => {
      const f = getRunningLoop().createFuture<number>();
      getRunningLoop().callSoon(() => f.cancel('stop it'));
      assertCancelled(await rejection(f), 'stop it');
    }));

  // twin of futures.test.ts::await of a failed future throws that very error
  it('yield* of a failed future throws that very error', () =>
    run(function* () {
      const exc = new ZeroDivisionError('div');
      const f = new Future<number>();
      getRunningLoop().callSoon(() => f.setException(exc));
      expect(yield* rejectionG(f)).toBe(exc);
    }));

  // twin of futures.test.ts::yield* of an already-done future returns its result without giving up the loop
  it('await of an already-done future returns its result without giving up the loop', () =>
    run(async () => {
      const loop = getRunningLoop();
      const f = loop.createFuture<number>();
      f.setResult(7);
      let ran = false;
      loop.callSoon(() => {
        ran = true;
      });
      const v = await f;
      expect(v).toBe(7);
      expect(ran).toBe(false);
    }));

  // twin of futures.test.ts::ensureFuture() of a pending future returns it, and awaiting it waits for the result
  it('ensureFuture() of a pending future returns it, and yield* waits for the result', () =>
    run(function* () {
      const f = new Future<number>();
      expect(ensureFuture(f)).toBe(f);
      getRunningLoop().callSoon(() => f.setResult(3));
      expect(yield* ensureFuture(f)).toBe(3);
    }));

  // twin of shared futures.test.ts::a generator task gets the result of yield* fut once it is set
  it('an async task gets the result of await fut once it is set, and again at once', () =>
    run(async () => {
      const f = new Future<number>();
      getRunningLoop().callSoon(() => f.setResult(42));
      const x = await f;
      const y = await f;
      expect([x, y]).toEqual([42, 42]);
    }));

  // twin of futures.test.ts::several tasks awaiting one future all get its result (generator main, exact passes)
  it('from a generator main: tasks of both styles awaiting one future all have its result one pass after setResult', () =>
    run(function* () {
      const f = new Future<string>();
      const t1 = createTask(async () => `1:${await f}`);
      const t2 = createTask(function* () {
        return `2:${yield* f}`;
      });
      yield* sleep(0);
      expect(t1.done()).toBe(false);
      expect(t2.done()).toBe(false);
      f.setResult('r');
      yield* sleep(0);
      expect([t1.done(), t2.done()]).toEqual([true, true]);
      expect(yield* t1).toBe('1:r');
      expect(yield* t2).toBe('2:r');
    }));
});

describe('unretrieved exceptions (style twins)', () => {
  // twin of unretrieved.test.ts::a task error nobody awaits is reported as "Task exception was never retrieved" with the task
  it('a generator task error nobody awaits is reported as "Task exception was never retrieved" with the task', () =>
    run(function* () {
      const seen = recordExceptions();
      const exc = new KeyError('task');
      // eslint-disable-next-line require-yield
      const t = createTask(function* () {
        throw exc;
      });
      yield* passesG(4);
      expect(t.done()).toBe(true);
      const reports = neverRetrieved(seen);
      expect(reports).toHaveLength(1);
      expect(reports[0]!.message).toMatch(/^Task exception was never retrieved/);
      expect(reports[0]!.exception).toBe(exc);
      expect(reports[0]!.task ?? reports[0]!.future).toBe(t);
    }));

  // twin of unretrieved.test.ts::a cancelled task nobody awaits is not reported
  it('a cancelled generator task nobody awaits is not reported', () =>
    run(function* () {
      const seen = recordExceptions();
      const t = createTask(function* () {
        yield* sleep(1_000_000);
      });
      yield* passesG(1);
      t.cancel();
      yield* passesG(4);
      expect(t.cancelled()).toBe(true);
      expect(seen.map((c) => c.message)).toEqual([]);
    }));

  // twin of unretrieved.test.ts::an error delivered to a generator task yielding on the future is not reported (exact: async task)
  it('an error delivered to an async task awaiting the future, caught there, is not reported', () =>
    run(async () => {
      const seen = recordExceptions();
      const exc = new ZeroDivisionError('awaited');
      const f = getRunningLoop().createFuture<number>();
      const t = createTask(async () => rejection(f));
      await passes(1);
      f.setException(exc);
      expect(await t).toBe(exc);
      await passes(3);
      expect(seen.map((c) => c.message)).toEqual([]);
    }));

  // twin of unretrieved.test.ts::a task error nobody awaits is reported ... — an error awaited before the task failed is not (generator awaiter)
  it('an async task error awaited by a generator task before it failed is not reported', () =>
    run(function* () {
      const seen = recordExceptions();
      const exc = new KeyError('awaited');
      const t = createTask(async () => {
        await sleep(0);
        throw exc;
      });
      const w = createTask(function* () {
        return yield* rejectionG(t);
      });
      yield* passesG(4);
      expect(yield* w).toBe(exc);
      expect(seen.map((c) => c.message)).toEqual([]);
    }));
});
