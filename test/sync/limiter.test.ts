import { describe, expect, it } from 'vitest';
import { CapacityLimiter, RuntimeError, WouldBlockError, createTask, currentTask, gather, run, sleep } from 'tulip';
import { assertCancelled, passes, rejection, rejectionG, syncError } from '../support.js';


describe('CapacityLimiter', () => {
  it('refuses negative, fractional or non-number totalTokens, and accepts 0 and Infinity', () => {
    expect(() => new CapacityLimiter(-1)).toThrow(RangeError);
    expect(new CapacityLimiter(0).totalTokens).toBe(0);
    expect(() => new CapacityLimiter(1.5)).toThrow(TypeError);
    expect(() => new CapacityLimiter(NaN)).toThrow(TypeError);
    expect(new CapacityLimiter(Infinity).totalTokens).toBe(Infinity);
  });

  it('the same task borrowing twice gets RuntimeError; the limiter stays usable', () =>
    run(async () => {
      const limiter = new CapacityLimiter(2);
      await limiter.acquire();
      const e = syncError(() => limiter.acquire());
      expect(e).toBeInstanceOf(RuntimeError);
      expect((e as Error).message).toMatch(/already holding/);
      expect(limiter.borrowedTokens).toBe(1);
      limiter.release();
      expect(limiter.availableTokens).toBe(2);
    }));

  it('acquireOnBehalfOf() outside a running loop throws RuntimeError and borrows nothing', async () => {
    const lim = new CapacityLimiter(1);
    const e = syncError(() => lim.acquireOnBehalfOf('job-1'));
    expect(e).toBeInstanceOf(RuntimeError);
    expect(e.message).toMatch(/no running event loop/);
    expect(lim.statistics().borrowers).toEqual([]);
    expect(lim.availableTokens).toBe(1);
    await run(async () => {
      await lim.acquireOnBehalfOf('job-2'); // the token is there for the next borrower
      expect(lim.statistics().borrowers).toEqual(['job-2']);
    });
  });

  it('release() by a task holding no token gets RuntimeError', () =>
    run(() => {
      expect((syncError(() => new CapacityLimiter(1).release()) as Error).message).toMatch(/isn't holding/);
    }));

  it('borrows on behalf of any object and reports borrowers in statistics()', () =>
    run(async () => {
      const limiter = new CapacityLimiter(2);
      const job = { id: 1 };
      await limiter.acquireOnBehalfOf(job);
      limiter.acquireOnBehalfOfNowait('worker-2');
      expect(() => limiter.acquireOnBehalfOfNowait('worker-3')).toThrow(WouldBlockError);
      const t = createTask(() => limiter.acquireOnBehalfOf('worker-3'));
      await passes(10);
      expect(limiter.statistics()).toEqual({
        borrowedTokens: 2,
        totalTokens: 2,
        borrowers: [job, 'worker-2'],
        tasksWaiting: 1,
      });
      limiter.releaseOnBehalfOf(job);
      await t;
      expect(limiter.statistics().borrowers).toEqual(['worker-2', 'worker-3']);
    }));

  it('raising totalTokens wakes waiters at once; lowering it admits nobody until tokens come back', () =>
    run(async () => {
      const limiter = new CapacityLimiter(1);
      limiter.acquireOnBehalfOfNowait('a');
      const b = createTask(() => limiter.acquireOnBehalfOf('b'));
      const c = createTask(() => limiter.acquireOnBehalfOf('c'));
      await passes(10);
      limiter.totalTokens = 3;
      await gather([b, c]);
      expect(limiter.borrowedTokens).toBe(3);
      limiter.totalTokens = 1;
      expect(limiter.availableTokens).toBe(-2);
      const d = createTask(() => limiter.acquireOnBehalfOf('d'));
      limiter.releaseOnBehalfOf('a');
      limiter.releaseOnBehalfOf('b');
      await passes(10);
      expect(d.done()).toBe(false);
      limiter.releaseOnBehalfOf('c');
      await d;
      expect(limiter.statistics().borrowers).toEqual(['d']);
    }));

  it('a waiter handed a token and then cancelled gives it to the next waiter (generator)', () =>
    run(function* () {
      const limiter = new CapacityLimiter(1);
      limiter.acquireOnBehalfOfNowait('holder');
      const wait = (who: string) =>
        function* () {
          yield* limiter.acquireOnBehalfOf(who);
        };
      const a = createTask(wait('a'));
      const b = createTask(wait('b'));
      yield* sleep(0);
      limiter.releaseOnBehalfOf('holder'); // the token goes to a …
      a.cancel(); // … which leaves before it resumes
      assertCancelled(yield* rejectionG(a));
      yield* b;
      expect(limiter.statistics().borrowers).toEqual(['b']);
    }));

  it('a task cancelled while waiting borrows nothing (async)', () =>
    run(async () => {
      const limiter = new CapacityLimiter(1);
      limiter.acquireOnBehalfOfNowait('holder');
      const t = createTask(() => limiter.acquire());
      await passes(10);
      t.cancel();
      assertCancelled(await rejection(t));
      limiter.releaseOnBehalfOf('holder');
      expect(limiter.statistics()).toEqual({ borrowedTokens: 0, totalTokens: 1, borrowers: [], tasksWaiting: 0 });
    }));

  it('run(body) holds a token for the calling task and gives it back on throw and cancellation', () =>
    run(async () => {
      const limiter = new CapacityLimiter(1);
      const me = currentTask();
      await limiter.run(() => {
        const { borrowers } = limiter.statistics();
        expect(borrowers.length).toBe(1);
        expect(borrowers[0]).toBe(me); // (toEqual would iterate the task: it is a Future)
      });
      await rejection(limiter.run(() => Promise.reject(new Error('x'))));
      const t = createTask(() => limiter.run(() => sleep(1_000_000)));
      await passes(10);
      expect(limiter.borrowedTokens).toBe(1);
      t.cancel();
      await rejection(t);
      expect(limiter.borrowedTokens).toBe(0);
    }));
});
