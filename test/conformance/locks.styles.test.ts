// Style twins of the Lock and Event tests, and of the single-style tests of test/sync/*.test.ts:
// each test here is the other-style twin of a test written in only one coroutine style in
// test/conformance/locks*.test.ts, /work/shared/conformance/locks.test.ts or test/sync/*.test.ts
// (async twins that exist already in locks.more.test.ts are not repeated; the Condition, Semaphore,
// CapacityLimiter and Barrier twins are in conditions.styles.test.ts, semaphores.styles.test.ts and
// barriers.styles.test.ts). Same behaviour, same pass counts and order (`sleep(0)` is exactly one
// pass).
import { describe, expect, it } from 'vitest';
import {
  Barrier,
  CancelledError,
  Condition,
  Event,
  Lock,
  Semaphore,
  TaskGroup,
  createTask,
  gather,
  getRunningLoop,
  run,
  sleep,
  type Future,
} from 'tulip';
import { assertCancelled, passesG, rejection, rejectionG, runVirtual } from './helpers.js';

// ---- Lock ---------------------------------------------------------------------------------------

describe('Lock (style twins)', () => {
  // twin of locks.test.ts::toString shows locked/unlocked and the waiters
  it('toString shows locked/unlocked and the generator waiters, one pass after they start', () =>
    run(function* () {
      const lock = new Lock();
      expect(String(lock)).toBe('<Lock [unlocked]>');
      yield* lock.acquire();
      expect(String(lock)).toBe('<Lock [locked]>');
      createTask(function* () {
        yield* lock.acquire();
      });
      yield* sleep(0);
      expect(String(lock)).toBe('<Lock [locked, waiters:1]>');
      lock.release();
    }));

  // twin of locks.test.ts::release() and cancel() of the first waiter in one pass hand the lock to the next (generator)
  it('release() and cancel() of the first waiter in one pass hand the lock to the next (async, exact passes)', () =>
    run(async () => {
      const lock = new Lock();
      const lockit = (blocker: Future<void> | null) => async () => {
        await lock.acquire();
        try {
          if (blocker !== null) await blocker;
        } finally {
          lock.release();
        }
      };
      const fa = getRunningLoop().createFuture<void>();
      const ta = createTask(lockit(fa));
      await sleep(0);
      expect(lock.locked()).toBe(true);
      const tb = createTask(lockit(null));
      await sleep(0);
      expect(lock.statistics().tasksWaiting).toBe(1);
      const tc = createTask(lockit(null));
      await sleep(0);
      expect(lock.statistics().tasksWaiting).toBe(2);
      fa.setResult();
      tb.cancel();
      expect(lock.statistics().tasksWaiting).toBe(1);
      await sleep(0);
      expect(lock.locked()).toBe(false);
      expect(ta.done()).toBe(true);
      expect(tb.cancelled()).toBe(true);
      await tc;
      expect(lock.locked()).toBe(false);
    }));

  // twin of shared locks.test.ts::lock.run releases the lock when the body throws
  it('a generator lock.run releases the lock when the body throws, after a wait or at once', () =>
    run(function* () {
      class Boom extends Error {}
      const lock = new Lock();
      const err = yield* rejectionG(
        lock.run(function* () {
          yield* sleep(0);
          throw new Boom('inside');
        }),
      );
      expect(err).toBeInstanceOf(Boom);
      expect(lock.locked()).toBe(false);
      expect(
        yield* rejectionG(
          // eslint-disable-next-line require-yield
          lock.run(function* () {
            throw new Boom('sync');
          }),
        ),
      ).toBeInstanceOf(Boom);
      expect(lock.locked()).toBe(false);
    }));

  // twin of shared locks.test.ts::lock.run(body) holds the lock while the body runs and returns its result
  it('a generator lock.run(body) holds the lock across a wait and returns its result', () =>
    run(function* () {
      const lock = new Lock();
      const r = yield* lock.run(function* () {
        expect(lock.locked()).toBe(true);
        yield* sleep(0);
        expect(lock.locked()).toBe(true);
        return 42;
      });
      expect(r).toBe(42);
      expect(lock.locked()).toBe(false);
    }));
});

// ---- Event --------------------------------------------------------------------------------------

describe('Event (style twins)', () => {
  // twin of locks.test.ts::toString shows set/unset and the waiters
  it('toString shows set/unset and the generator waiters', () =>
    run(function* () {
      const ev = new Event();
      expect(String(ev)).toBe('<Event [unset]>');
      createTask(function* () {
        yield* ev.wait();
      });
      yield* sleep(0);
      expect(String(ev)).toBe('<Event [unset, waiters:1]>');
      ev.set();
      expect(String(ev)).toBe('<Event [set, waiters:1]>'); // woken, not resumed yet (asyncio's len(_waiters))
      yield* sleep(0);
      expect(String(ev)).toBe('<Event [set]>');
    }));

  // twin of shared locks.test.ts::wait() on a set event resolves to true
  it('yield* wait() on a set event returns true without giving up the loop', () =>
    run(function* () {
      const ev = new Event();
      ev.set();
      const loop = getRunningLoop();
      let ran = false;
      loop.callSoon(() => (ran = true));
      expect(yield* ev.wait()).toBe(true);
      expect(ran).toBe(false);
    }));
});

// ---- twins of the single-style tests of test/sync/*.test.ts -------------------------------------

describe('test/sync twins', () => {
  // twin of test/sync/lock.test.ts::locked() is false right after release() woke a waiter, and a new acquire() queues behind it
  it('async: locked() is false right after release() woke a waiter, and a new acquire() queues behind it', () =>
    run(async () => {
      const lock = new Lock();
      await lock.acquire();
      const order: string[] = [];
      createTask(async () => {
        await lock.acquire();
        order.push('waiter');
        lock.release();
      });
      await sleep(0);
      lock.release();
      expect(lock.locked()).toBe(false);
      expect(() => lock.acquireNowait()).toThrow();
      await lock.acquire();
      order.push('main');
      expect(order).toEqual(['waiter', 'main']);
      expect(lock.locked()).toBe(true);
    }));

  // twin of test/sync/lock.test.ts::a task cancelled while waiting for the lock never runs the body
  it('a generator task cancelled while waiting for the lock never runs the body', () =>
    run(function* () {
      const lock = new Lock();
      yield* lock.acquire();
      let ran = false;
      const t = createTask(function* () {
        yield* lock.run(function* () {
          ran = true;
        });
      });
      yield* sleep(0);
      t.cancel();
      expect(yield* rejectionG(t)).toBeInstanceOf(CancelledError);
      lock.release();
      yield* passesG(2);
      expect(ran).toBe(false);
      expect(lock.locked()).toBe(false);
    }));

  // twin of test/sync/semaphore.test.ts::locked() stays true while a woken waiter has not resumed, so nobody barges
  it('async: Semaphore.locked() stays true while a woken waiter has not resumed, so nobody barges', () =>
    run(async () => {
      const sem = new Semaphore(0);
      const t = createTask(async () => sem.acquire());
      await sleep(0);
      sem.release();
      expect(sem.locked()).toBe(true);
      expect(sem.statistics()).toEqual({ value: 0, tasksWaiting: 0 });
      expect(() => sem.acquireNowait()).toThrow();
      expect(await t).toBe(true);
    }));

  // twin of test/sync/semaphore.test.ts::with two of four waiters cancelled, one release() wakes exactly the third (async) — exact passes from a generator main
  it.each(['async', 'generator'] as const)(
    'from a generator main: with two of four %s waiters cancelled, one release() wakes the third within two passes',
    (style) =>
      run(function* () {
        const sem = new Semaphore(0);
        const body =
          style === 'async'
            ? async () => sem.acquire()
            : function* () {
                return yield* sem.acquire();
              };
        const [t1, t2, t3, t4] = [createTask(body), createTask(body), createTask(body), createTask(body)];
        yield* sleep(0);
        t1.cancel();
        t2.cancel();
        sem.release();
        yield* passesG(2);
        expect(t3.done()).toBe(true);
        expect(t4.done()).toBe(false);
        t3.cancel();
        t4.cancel();
        yield* sleep(0);
      }),
  );

  // twin of test/sync/semaphore.test.ts::a task releasing and re-acquiring cannot barge: c1_1,c2_1,c3_1,c1_2,c2_2,c3_2
  it('generator tasks releasing and re-acquiring cannot barge: c1_1,c2_1,c3_1,c1_2,c2_2,c3_2', () =>
    runVirtual(function* () {
      const sem = new Semaphore(1);
      const result: string[] = [];
      const coro = (tag: string) =>
        function* () {
          yield* sem.acquire();
          result.push(`${tag}_1`);
          yield* sleep(10);
          sem.release();
          yield* sem.acquire();
          result.push(`${tag}_2`);
          yield* sleep(10);
          sem.release();
        };
      yield* new TaskGroup().run((tg) => {
        for (const tag of ['c1', 'c2', 'c3']) tg.createTask(coro(tag));
      });
      expect(result).toEqual(['c1_1', 'c2_1', 'c3_1', 'c1_2', 'c2_2', 'c3_2']);
    }));

  // twin of test/sync/event.test.ts::a waiter cancelled in the same pass as set() ends cancelled and the others wake (generator)
  it('an async waiter cancelled in the same pass as set() ends cancelled and the others wake', () =>
    run(async () => {
      const ev = new Event();
      const a = createTask(async () => ev.wait());
      const b = createTask(async () => ev.wait());
      await sleep(0);
      ev.set();
      a.cancel();
      assertCancelled(await rejection(a));
      expect(await b).toBe(true);
    }));

  // twin of test/sync/event.test.ts::a cancelled waiter loses nothing: the other waiters still wake (async)
  it('a cancelled generator waiter loses nothing: the other waiters still wake', () =>
    run(function* () {
      const ev = new Event();
      const w = function* () {
        return yield* ev.wait();
      };
      const a = createTask(w);
      const b = createTask(w);
      yield* sleep(0);
      a.cancel();
      assertCancelled(yield* rejectionG(a));
      expect(ev.statistics().tasksWaiting).toBe(1);
      ev.set();
      expect(yield* b).toBe(true);
    }));

  // twin of test/sync/condition.test.ts::a notified waiter cancelled before it resumes hands the notification on (generator)
  it('a notified async waiter cancelled before it resumes hands the notification on', () =>
    run(async () => {
      const cond = new Condition();
      const woken: string[] = [];
      const waiter = (name: string) => async () => {
        await cond.run(async () => {
          await cond.wait();
          woken.push(name);
        });
      };
      const a = createTask(waiter('a'));
      const b = createTask(waiter('b'));
      const c = createTask(waiter('c'));
      await sleep(0);
      await cond.acquire();
      cond.notify(2);
      a.cancel();
      cond.release();
      assertCancelled(await rejection(a));
      await gather([b, c]);
      expect(woken).toEqual(['b', 'c']);
    }));

  // twin of test/sync/barrier.test.ts::while the round drains the barrier says draining; the last task out re-opens it (generator)
  it('while the round drains the barrier says draining to async tasks; the last one out re-opens it', () =>
    run(async () => {
      const barrier = new Barrier(5);
      const seen: boolean[] = [];
      const body = async () => {
        await barrier.wait();
        seen.push(String(barrier).includes('draining'));
      };
      await gather(Array.from({ length: 5 }, () => createTask(body)));
      expect(seen).toEqual([true, true, true, true, false]);
    }));
});
