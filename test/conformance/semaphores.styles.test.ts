// Style twins of the Semaphore and CapacityLimiter tests: each test here is the other-style twin of
// a test written in only one coroutine style in test/conformance/locks*.test.ts,
// semaphores.more.test.ts, /work/shared/conformance/locks.test.ts or test/sync/limiter.test.ts (async
// twins that exist already in semaphores.more.test.ts are not repeated). Same behaviour, same pass
// counts and order (`sleep(0)` is exactly one pass).
import { describe, expect, it } from 'vitest';
import {
  BoundedSemaphore,
  CapacityLimiter,
  Semaphore,
  createTask,
  currentTask,
  gather,
  run,
  sleep,
  waitFor,
  type Task,
} from 'tulip';
import { assertCancelled, rejection, rejectionG, runVirtual } from './helpers.js';

// ---- Semaphore ----------------------------------------------------------------------------------

describe('Semaphore (style twins)', () => {
  // twin of semaphores.more.test.ts::Semaphore(3): two release()s in one pass let exactly two of three waiters in (async)
  it('Semaphore(3): two release()s in one pass let exactly two of three generator waiters in', () =>
    run(function* () {
      const sem = new Semaphore(3);
      const result: number[] = [];
      expect(yield* sem.acquire()).toBe(true);
      expect(yield* sem.acquire()).toBe(true);
      expect(sem.locked()).toBe(false);
      const c = (n: number) =>
        function* () {
          yield* sem.acquire();
          result.push(n);
          return true;
        };
      const t1 = createTask(c(1));
      const t2 = createTask(c(2));
      const t3 = createTask(c(3));
      yield* sleep(0);
      expect(result).toEqual([1]);
      expect(sem.locked()).toBe(true);
      expect(sem.statistics().tasksWaiting).toBe(2);
      expect(sem.statistics().value).toBe(0);
      const t4 = createTask(c(4));
      sem.release();
      sem.release();
      expect(sem.statistics().value).toBe(0);
      yield* sleep(0);
      expect(sem.statistics().value).toBe(0);
      expect(result.length).toBe(3);
      expect(sem.locked()).toBe(true);
      expect(sem.statistics().tasksWaiting).toBe(1);
      expect(t1.result()).toBe(true);
      const race = [t2, t3, t4];
      expect(race.filter((t) => t.done() && t.result()).length).toBe(2);
      sem.release();
      yield* gather(race);
    }));

  // twin of semaphores.more.test.ts::with two of four waiters cancelled, one release() wakes exactly the third (exact passes)
  it('with two of four generator waiters cancelled, one release() wakes exactly the third', () =>
    run(function* () {
      const sem = new Semaphore(0);
      const [t1, t2, t3, t4] = [0, 1, 2, 3].map(() =>
        createTask(function* () {
          return yield* sem.acquire();
        }),
      );
      yield* sleep(0);
      t1!.cancel();
      t2!.cancel();
      sem.release();
      yield* sleep(0);
      yield* sleep(0);
      expect(t3!.done()).toBe(true);
      expect(t4!.done()).toBe(false);
      t3!.cancel();
      t4!.cancel();
      yield* sleep(0);
    }));

  // twin of semaphores.more.test.ts::a cancelled first waiter does not make the second hang: two passes after release it is done
  it('a cancelled first generator waiter does not make the second hang: two passes after release it is done', () =>
    run(function* () {
      const sem = new Semaphore(0);
      const acq = function* () {
        return yield* sem.acquire();
      };
      const t1 = createTask(acq);
      const t2 = createTask(acq);
      yield* sleep(0);
      t1.cancel();
      sem.release();
      yield* sleep(0);
      yield* sleep(0);
      expect(sem.locked()).toBe(true);
      expect(t2.done()).toBe(true);
    }));

  // twin of semaphores.more.test.ts::a unit handed to a task cancelled before it resumes goes back: acquire() after does not hang (async)
  it('a unit handed to a generator task cancelled before it resumes goes back: acquire() after does not hang', () =>
    runVirtual(function* () {
      const sem = new Semaphore(1);
      let t2: Task<void> | undefined;
      let t2Body = false;
      const t1 = createTask(function* () {
        yield* sem.run(function* () {
          yield* sleep(0);
        });
        t2!.cancel();
      });
      t2 = createTask(function* () {
        yield* sem.run(function* () {
          t2Body = true;
        });
      });
      const [r1, r2] = yield* gather([t1, t2], { returnExceptions: true });
      expect(r1).toBeUndefined();
      assertCancelled(r2);
      expect(t2Body).toBe(false);
      expect(yield* waitFor(sem.acquire(), 1000)).toBe(true);
    }));

  // twin of semaphores.more.test.ts::a waiter that releases and re-acquires goes behind the queue: 1, 2, 3, 4 (async)
  it('a generator waiter that releases and re-acquires goes behind the queue: 1, 2, 3, 4', () =>
    run(function* () {
      const sem = new Semaphore(1);
      const result: number[] = [];
      const t1 = createTask(function* () {
        yield* sem.acquire();
        result.push(1);
        return true;
      });
      const t2 = createTask(function* () {
        yield* sem.acquire();
        result.push(2);
        sem.release();
        yield* sem.acquire();
        result.push(4);
        return true;
      });
      const t3 = createTask(function* () {
        yield* sem.acquire();
        result.push(3);
        return true;
      });
      yield* sleep(0);
      sem.release();
      sem.release();
      yield* gather([t1, t2, t3]);
      expect(result).toEqual([1, 2, 3, 4]);
    }));

  // twin of semaphores.more.test.ts::a waiter cancelled before the releases takes no unit (generator)
  it('an async waiter cancelled before the releases takes no unit', () =>
    run(async () => {
      const sem = new Semaphore(0);
      const result: number[] = [];
      const c = (n: number) => async () => {
        await sem.acquire();
        result.push(n);
        return true;
      };
      const ts = [createTask(c(1)), createTask(c(2)), createTask(c(3))];
      await sleep(0);
      ts[0]!.cancel();
      await sleep(0);
      sem.release();
      sem.release();
      await gather(ts, { returnExceptions: true });
      expect(result).toEqual([2, 3]);
    }));

  // twin of shared locks.test.ts::Semaphore(n) lets n acquirers in without waiting, then blocks the next
  it('Semaphore(2) lets two generator acquirers in without waiting, then blocks the next', () =>
    run(function* () {
      const sem = new Semaphore(2);
      expect(yield* sem.acquire()).toBe(true);
      expect(sem.locked()).toBe(false);
      expect(yield* sem.acquire()).toBe(true);
      expect(sem.locked()).toBe(true);
      const third = createTask(function* () {
        return yield* sem.acquire();
      });
      yield* sleep(0);
      expect(third.done()).toBe(false);
      sem.release();
      expect(yield* third).toBe(true);
      expect(sem.locked()).toBe(true);
    }));

  // twin of shared locks.test.ts::sem.run(body) holds one unit while the body runs
  it('a generator sem.run(body) holds one unit while the body runs, and gives it back on throw', () =>
    run(function* () {
      class Boom extends Error {}
      const sem = new BoundedSemaphore(1);
      expect(
        yield* sem.run(function* () {
          expect(sem.locked()).toBe(true);
          yield* sleep(0);
          return 7;
        }),
      ).toBe(7);
      expect(sem.locked()).toBe(false);
      expect(
        yield* rejectionG(
          sem.run(function* () {
            yield* sleep(0);
            throw new Boom();
          }),
        ),
      ).toBeInstanceOf(Boom);
      expect(sem.locked()).toBe(false);
    }));
});

// ---- CapacityLimiter ----------------------------------------------------------------------------

describe('CapacityLimiter (style twins)', () => {
  // twin of test/sync/limiter.test.ts::a waiter handed a token and then cancelled gives it to the next waiter (generator)
  it('an async waiter handed a token and then cancelled gives it to the next waiter', () =>
    run(async () => {
      const limiter = new CapacityLimiter(1);
      limiter.acquireOnBehalfOfNowait('holder');
      const wait = (who: string) => async () => {
        await limiter.acquireOnBehalfOf(who);
      };
      const a = createTask(wait('a'));
      const b = createTask(wait('b'));
      await sleep(0);
      limiter.releaseOnBehalfOf('holder');
      a.cancel();
      assertCancelled(await rejection(a));
      await b;
      expect(limiter.statistics().borrowers).toEqual(['b']);
    }));

  // twin of test/sync/limiter.test.ts::a task cancelled while waiting borrows nothing (async)
  it('a generator task cancelled while waiting borrows nothing', () =>
    run(function* () {
      const limiter = new CapacityLimiter(1);
      limiter.acquireOnBehalfOfNowait('holder');
      const t = createTask(function* () {
        yield* limiter.acquire();
      });
      yield* sleep(0);
      t.cancel();
      assertCancelled(yield* rejectionG(t));
      limiter.releaseOnBehalfOf('holder');
      expect(limiter.statistics()).toEqual({ borrowedTokens: 0, totalTokens: 1, borrowers: [], tasksWaiting: 0 });
    }));

  // twin of test/sync/limiter.test.ts::run(body) holds a token for the calling task and gives it back on throw and cancellation
  it('a generator run(body) holds a token for the calling task and gives it back on throw and cancellation', () =>
    run(function* () {
      const limiter = new CapacityLimiter(1);
      const me = currentTask();
      yield* limiter.run(function* () {
        const { borrowers } = limiter.statistics();
        expect(borrowers.length).toBe(1);
        expect(borrowers[0]).toBe(me);
      });
      yield* rejectionG(
        // eslint-disable-next-line require-yield
        limiter.run(function* () {
          throw new Error('x');
        }),
      );
      expect(limiter.borrowedTokens).toBe(0);
      const t = createTask(function* () {
        yield* limiter.run(function* () {
          yield* sleep(1_000_000);
        });
      });
      yield* sleep(0);
      expect(limiter.borrowedTokens).toBe(1);
      t.cancel();
      yield* rejectionG(t);
      expect(limiter.borrowedTokens).toBe(0);
    }));

  // twin of test/sync/limiter.test.ts::raising totalTokens wakes waiters at once (exact passes, both styles)
  it.each(['async', 'generator'] as const)('raising totalTokens wakes %s waiters, which hold their tokens one pass later', (style) =>
    run(async () => {
      const limiter = new CapacityLimiter(1);
      limiter.acquireOnBehalfOfNowait('a');
      const body = (who: string) =>
        style === 'async'
          ? async () => {
              await limiter.acquireOnBehalfOf(who);
            }
          : function* () {
              yield* limiter.acquireOnBehalfOf(who);
            };
      const b = createTask(body('b'));
      const c = createTask(body('c'));
      await sleep(0);
      expect(limiter.statistics().tasksWaiting).toBe(2);
      limiter.totalTokens = 3;
      await sleep(0);
      expect([b.done(), c.done()]).toEqual([true, true]);
      expect(limiter.borrowedTokens).toBe(3);
    }),
  );

  // twin: a waiter gets the token exactly one pass after release(), in both styles (Semaphore's pass behaviour)
  it.each(['async', 'generator'] as const)('a %s waiter gets a released token one pass after release()', (style) =>
    run(function* () {
      const limiter = new CapacityLimiter(1);
      limiter.acquireOnBehalfOfNowait('holder');
      const t = createTask(
        style === 'async'
          ? async () => {
              await limiter.acquireOnBehalfOf('w');
            }
          : function* () {
              yield* limiter.acquireOnBehalfOf('w');
            },
      );
      yield* sleep(0);
      expect(t.done()).toBe(false);
      limiter.releaseOnBehalfOf('holder');
      yield* sleep(0);
      expect(t.done()).toBe(true);
      expect(limiter.statistics().borrowers).toEqual(['w']);
    }),
  );
});
