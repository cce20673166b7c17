// Style twins of the synchronisation-primitive tests: each test here is the other-style twin of a
// test written in only one coroutine style in test/conformance/locks*.test.ts or
// /work/shared/conformance/locks.test.ts (async twins that exist already in locks.more.test.ts and semaphores.more.test.ts are
// not repeated). Same behaviour, same pass counts and order (`sleep(0)` is exactly one pass).
import { describe, expect, it } from 'vitest';
import {
  Barrier,
  BoundedSemaphore,
  BrokenBarrierError,
  CancelledError,
  CapacityLimiter,
  Condition,
  Event,
  Lock,
  Semaphore,
  TaskGroup,
  TimeoutError,
  createTask,
  currentTask,
  gather,
  getRunningLoop,
  run,
  sleep,
  wait,
  waitFor,
  type Coroutine,
  type Future,
  type Task,
} from 'tulip';
import { assertCancelled, passesG, rejection, rejectionG, runNoShutdown, runVirtual } from './helpers.js';

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

// ---- Condition ----------------------------------------------------------------------------------

describe('Condition (style twins)', () => {
  // twin of locks.test.ts::a waiter notified, then cancelled while the lock is contested, still ends holding the lock
  it('a generator waiter notified, then cancelled while the lock is contested, still ends holding the lock', () =>
    run(function* () {
      const cond = new Condition();
      yield* cond.acquire();
      const waitTask = createTask(function* () {
        return yield* cond.wait();
      });
      yield* sleep(0);
      expect(cond.locked()).toBe(false);
      yield* cond.acquire();
      cond.notify();
      getRunningLoop().callSoon(() => waitTask.cancel());
      getRunningLoop().callSoon(() => cond.release());
      try {
        yield* waitTask;
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
      }
      expect(cond.locked()).toBe(true);
    }));

  // twin of locks.more.test.ts::waitFor() wakes on each notify but returns only once the predicate is true (async, exact passes)
  it('waitFor() wakes on each notify but returns only once the predicate is true (generator, exact passes)', () =>
    runNoShutdown(function* () {
      const cond = new Condition();
      let presult = false;
      const result: number[] = [];
      const t = createTask(function* () {
        yield* cond.acquire();
        if (yield* cond.waitFor(() => presult)) {
          result.push(1);
          cond.release();
        }
        return true;
      });
      yield* sleep(0);
      expect(result).toEqual([]);
      yield* cond.acquire();
      cond.notify();
      cond.release();
      yield* sleep(0);
      expect(result).toEqual([]);
      presult = true;
      yield* cond.acquire();
      cond.notify();
      cond.release();
      yield* sleep(0);
      expect(result).toEqual([1]);
      expect(t.done()).toBe(true);
      expect(t.result()).toBe(true);
    }));

  // twin of locks.more.test.ts::notify(1) wakes one waiter; notify(1) then notify(2048) wakes the rest (async, exact passes)
  it('notify(1) wakes one waiter; notify(1) then notify(2048) wakes the rest (generator, exact passes)', () =>
    runNoShutdown(function* () {
      const cond = new Condition();
      const result: number[] = [];
      const c = (n: number) =>
        function* () {
          yield* cond.acquire();
          if (yield* cond.wait()) {
            result.push(n);
            cond.release();
          }
          return true;
        };
      const ts = [createTask(c(1)), createTask(c(2)), createTask(c(3))];
      yield* sleep(0);
      expect(result).toEqual([]);
      yield* cond.acquire();
      cond.notify(1);
      cond.release();
      yield* sleep(0);
      expect(result).toEqual([1]);
      yield* cond.acquire();
      cond.notify(1);
      cond.notify(2048);
      cond.release();
      yield* sleep(0);
      expect(result).toEqual([1, 2, 3]);
      for (const t of ts) {
        expect(t.done()).toBe(true);
        expect(t.result()).toBe(true);
      }
    }));

  // twin of locks.more.test.ts::notifyAll() wakes every waiter, each in turn within the next pass (async)
  it('notifyAll() wakes every generator waiter, each in turn within the next pass', () =>
    runNoShutdown(function* () {
      const cond = new Condition();
      const result: number[] = [];
      const c = (n: number) =>
        function* () {
          yield* cond.acquire();
          if (yield* cond.wait()) {
            result.push(n);
            cond.release();
          }
          return true;
        };
      const ts = [createTask(c(1)), createTask(c(2))];
      yield* sleep(0);
      expect(result).toEqual([]);
      yield* cond.acquire();
      cond.notifyAll();
      cond.release();
      yield* sleep(0);
      expect(result).toEqual([1, 2]);
      for (const t of ts) expect(t.result()).toBe(true);
    }));

  // twin of locks.test.ts::toString shows the lock state and the waiters
  it('toString shows the lock state and the generator waiters', () =>
    run(function* () {
      const cond = new Condition();
      expect(String(cond)).toBe('<Condition [unlocked]>');
      yield* cond.acquire();
      createTask(() => cond.run(() => cond.wait()));
      yield* sleep(0);
      expect(String(cond)).toBe('<Condition [locked]>');
      cond.release();
      yield* passesG(20);
      expect(String(cond)).toBe('<Condition [unlocked, waiters:1]>');
    }));

  // twin of locks.test.ts::a waiter cancelled after notify() passes the notification to another waiter (generator)
  it('an async waiter cancelled after notify() passes the notification to another waiter', () =>
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
      await sleep(0);
      await cond.run(() => cond.notify(1));
      a.cancel();
      for (let i = 0; i < 5; i++) await sleep(0);
      expect(a.cancelled()).toBe(true);
      expect(woken).toEqual(['b']);
      expect(b.done()).toBe(true);
    }));

  // twin of locks.test.ts::a waiter cancelled while it waits to re-acquire ends cancelled, holding then releasing the lock (async)
  it('a generator waiter cancelled while it waits to re-acquire ends cancelled, holding then releasing the lock', () =>
    run(function* () {
      const cond = new Condition();
      let inFinally = false;
      const waiter = createTask(function* () {
        yield* cond.acquire();
        try {
          yield* cond.wait();
        } finally {
          inFinally = cond.locked();
          cond.release();
        }
      });
      yield* sleep(0);
      yield* cond.acquire();
      cond.notify();
      yield* sleep(0);
      waiter.cancel();
      yield* sleep(0);
      expect(waiter.done()).toBe(false);
      cond.release();
      assertCancelled(yield* rejectionG(waiter));
      expect(inFinally).toBe(true);
      expect(cond.locked()).toBe(false);
    }));

  // twin of locks.more.test.ts::cancel(msg) while waiting in waitFor: the very same CancelledError comes out of the task (async)
  it('cancel(msg) while waiting in waitFor: the very same CancelledError comes out of the generator task', () =>
    run(function* () {
      let raised: unknown = null;
      const cond = new Condition();
      const task = createTask(() =>
        cond.run(function* () {
          const e = yield* rejectionG(cond.waitFor(() => false));
          assertCancelled(e);
          raised = e;
          throw e;
        }),
      );
      yield* sleep(0);
      task.cancel('foo');
      const err = yield* rejectionG(task);
      assertCancelled(err, 'foo');
      expect(err).toBe(raised);
    }));

  // twin of locks.more.test.ts::cancel(msg) while re-acquiring: the very same CancelledError comes out of the task (generator)
  it('cancel(msg) while re-acquiring: the very same CancelledError comes out of the async task', () =>
    run(async () => {
      let wake = false;
      let raised: unknown = null;
      const cond = new Condition();
      const task = createTask(async () =>
        cond.run(async () => {
          const e = await rejection(cond.waitFor(() => wake));
          assertCancelled(e);
          raised = e;
          throw e;
        }),
      );
      await sleep(0);
      await cond.acquire();
      wake = true;
      cond.notify();
      await sleep(0);
      task.cancel('foo');
      cond.release();
      const err = await rejection(task);
      assertCancelled(err, 'foo');
      expect(err).toBe(raised);
    }));

  // twin of shared locks.test.ts::wait() releases the lock; a notified waiter resumes only once it has the lock again
  it('generator waiters: wait() releases the lock; each notified waiter resumes once it has the lock again', () =>
    runNoShutdown(function* () {
      const cond = new Condition();
      const result: number[] = [];
      const c = (n: number) =>
        function* () {
          yield* cond.acquire();
          if (yield* cond.wait()) result.push(n);
          return true;
        };
      const tasks = [createTask(c(1)), createTask(c(2)), createTask(c(3))];
      yield* passesG(50);
      expect(cond.locked()).toBe(false);
      yield* cond.acquire();
      cond.notify();
      yield* passesG(50);
      expect(result).toEqual([]);
      cond.release();
      yield* passesG(50);
      expect(result).toEqual([1]);
      cond.notify(2);
      cond.release();
      yield* passesG(50);
      expect(result).toEqual([1, 2]);
      cond.release();
      yield* passesG(50);
      expect(result).toEqual([1, 2, 3]);
      for (const t of tasks) expect(t.result()).toBe(true);
    }));

  // twin of locks.test.ts::waitFor() of a true predicate needs no lock; of a false one it does
  it('yield* waitFor() of a true predicate needs no lock and no pass', () =>
    run(function* () {
      const cond = new Condition();
      let ran = false;
      getRunningLoop().callSoon(() => (ran = true));
      expect(yield* cond.waitFor(() => [1, 2, 3])).toEqual([1, 2, 3]);
      expect(ran).toBe(false);
    }));

  // twin of locks.more.test.ts::waitFor(cond.wait(), t) inside cond.run times out with the lock held again (virtual, generator) — mixed
  it('waitFor(cond.wait(), t) inside cond.run of an async body in a generator task times out with the lock held again', () =>
    runVirtual(function* () {
      const cond = new Condition();
      yield* cond.run(async () => {
        expect(await rejection(waitFor(cond.wait(), 500))).toBeInstanceOf(TimeoutError);
        expect(cond.locked()).toBe(true);
      });
      expect(cond.locked()).toBe(false);
    }));
});

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

// ---- Barrier ------------------------------------------------------------------------------------

describe('Barrier (style twins)', () => {
  const N = 5;
  const makeTasks = <T>(n: number, body: () => Coroutine<T>): Task<T>[] =>
    Array.from({ length: n }, () => createTask(body));
  const waitG = (barrier: Barrier) =>
    function* () {
      return yield* barrier.wait();
    };

  // twin of semaphores.more.test.ts::goes filling → draining → resetting → broken as tasks arrive, reset() and abort() are called
  it('goes filling → draining → resetting → broken as generator tasks arrive, reset() and abort() are called', () =>
    run(function* () {
      const barrier = new Barrier(N);
      expect(String(barrier)).toContain('filling');
      const waiters: Task<number>[] = [];
      const incr = 2;
      for (let i = 0; i < incr; i++) waiters.push(createTask(waitG(barrier)));
      yield* sleep(0);
      expect(String(barrier)).toContain(`waiters:${incr}/${N}`);
      expect(String(barrier)).toContain('filling');
      for (let i = barrier.parties - barrier.nWaiting; i > 0; i--) waiters.push(createTask(waitG(barrier)));
      yield* sleep(0);
      expect(barrier.statistics().state).toBe('draining');
      for (let i = 0; i < incr; i++) waiters.push(createTask(waitG(barrier)));
      yield* sleep(0);
      yield* barrier.reset();
      expect(barrier.statistics().state).toBe('resetting');
      for (let i = 0; i < incr; i++) waiters.push(createTask(waitG(barrier)));
      yield* sleep(0);
      yield* barrier.abort();
      expect(barrier.broken).toBe(true);
      yield* gather(waiters, { returnExceptions: true });
    }));

  // twin of semaphores.more.test.ts::three tasks get the indices 0, 1, 2 (async)
  it('three generator tasks get the indices 0, 1, 2', () =>
    run(function* () {
      const barrier = new Barrier(3);
      const results: number[] = [];
      yield* gather(
        makeTasks(3, function* () {
          results.push(yield* barrier.wait());
        }),
      );
      expect([...results].sort()).toEqual([0, 1, 2]);
      expect(barrier.nWaiting).toBe(0);
      expect(barrier.broken).toBe(false);
    }));

  // twin of semaphores.more.test.ts::a 1-party barrier: each waiter is through after one pass
  it('a 1-party barrier: each generator waiter is through after one pass', () =>
    run(function* () {
      const barrier = new Barrier(1);
      const t1 = createTask(waitG(barrier));
      yield* sleep(0);
      expect(barrier.nWaiting).toBe(0);
      const t2 = createTask(waitG(barrier));
      yield* sleep(0);
      expect(t1.done()).toBe(true);
      expect(t2.done()).toBe(true);
      expect(t1.result()).toBe(t2.result());
      expect(barrier.nWaiting).toBe(0);
      expect(barrier.broken).toBe(false);
    }));

  // twin of semaphores.more.test.ts::nWaiting goes up by one per pass as each task arrives
  it('nWaiting goes up by one per pass as each generator task arrives', () =>
    run(function* () {
      const barrier = new Barrier(3);
      const t1 = createTask(waitG(barrier));
      yield* sleep(0);
      expect(barrier.nWaiting).toBe(1);
      const t2 = createTask(waitG(barrier));
      yield* sleep(0);
      expect(barrier.nWaiting).toBe(2);
      const t3 = createTask(waitG(barrier));
      yield* sleep(0);
      yield* wait([t1, t2, t3]);
      expect(barrier.nWaiting).toBe(0);
      expect([t1.result(), t2.result(), t3.result()].sort()).toEqual([0, 1, 2]);
    }));

  // twin of semaphores.more.test.ts::every task but the last one out sees the barrier draining (async)
  it('every generator task but the last one out sees the barrier draining', () =>
    run(function* () {
      const barrier = new Barrier(N);
      const results: boolean[] = [];
      yield* gather(
        makeTasks(N, function* () {
          yield* barrier.wait();
          results.push(String(barrier).includes('draining'));
        }),
      );
      expect(results.length).toBe(N);
      expect(results[N - 1]).toBe(false);
      expect(results.slice(0, N - 1).every(Boolean)).toBe(true);
    }));

  // twin of semaphores.more.test.ts::reset() of an empty barrier leaves it filling and not broken
  it('reset() of an empty barrier from a generator task leaves it filling and not broken', () =>
    run(function* () {
      const barrier = new Barrier(1);
      createTask(function* () {
        yield* barrier.reset();
      });
      yield* sleep(0);
      expect(barrier.nWaiting).toBe(0);
      expect(barrier.broken).toBe(false);
      expect(barrier.statistics().state).toBe('filling');
    }));

  // twin of semaphores.more.test.ts::reset() from another task fails the N-1 waiting tasks with BrokenBarrierError
  it('reset() from another generator task fails the N-1 waiting generator tasks with BrokenBarrierError', () =>
    run(function* () {
      const barrier = new Barrier(N);
      const results: boolean[] = [];
      const tasks = makeTasks(N - 1, function* () {
        try {
          yield* barrier.wait();
        } catch (e) {
          if (e instanceof BrokenBarrierError) results.push(true);
          else throw e;
        }
      });
      yield* sleep(0);
      createTask(function* () {
        yield* barrier.reset();
      });
      yield* gather(tasks);
      expect(results).toEqual(Array(N - 1).fill(true));
      expect(barrier.nWaiting).toBe(0);
      expect(String(barrier)).not.toContain('resetting');
      expect(barrier.broken).toBe(false);
    }));

  // twin of semaphores.more.test.ts::reset() while the round still drains fails the tasks not yet out of wait() (async)
  it('reset() while the round still drains fails the generator tasks not yet out of wait()', () =>
    run(function* () {
      const barrier = new Barrier(N);
      const results1: boolean[] = [];
      const rest = Math.floor(N / 2);
      let out = 0;
      yield* gather(
        makeTasks(N, function* () {
          try {
            yield* barrier.wait();
          } catch (e) {
            if (!(e instanceof BrokenBarrierError)) throw e;
            results1.push(true);
            return;
          }
          out += 1;
          if (out === N - rest) yield* barrier.reset();
        }),
      );
      expect(results1).toEqual(Array(rest).fill(true));
      expect(barrier.nWaiting).toBe(0);
      expect(String(barrier)).not.toContain('resetting');
      expect(barrier.broken).toBe(false);
    }));

  // twin of semaphores.more.test.ts::reset() by the last task out, then waiting again: the other tasks pass two more rounds
  it('reset() by the last generator task out, then waiting again: the others pass two more rounds', () =>
    run(function* () {
      const barrier = new Barrier(N);
      const results1: boolean[] = [];
      const results2: boolean[] = [];
      const results3: boolean[] = [];
      let count = 0;
      yield* gather(
        makeTasks(N, function* () {
          yield* barrier.wait();
          count += 1;
          if (count === N) {
            yield* barrier.reset();
            yield* barrier.wait();
          } else {
            try {
              yield* barrier.wait();
              results1.push(true);
            } catch {
              results2.push(true);
            }
          }
          yield* barrier.wait();
          results3.push(true);
        }),
      );
      expect(barrier.broken).toBe(false);
      expect(results1).toEqual(Array(N - 1).fill(true));
      expect(results2.length).toBe(0);
      expect(results3).toEqual(Array(N).fill(true));
      expect(barrier.nWaiting).toBe(0);
    }));

  // twin of semaphores.more.test.ts::tasks failed by reset() wait again in finally and complete a round with a late task
  it('generator tasks failed by reset() wait again in finally and complete a round with a late task', () =>
    run(function* () {
      const barrier = new Barrier(N);
      const results1: boolean[] = [];
      const results2: boolean[] = [];
      const tasks = makeTasks(N - 1, function* () {
        try {
          yield* barrier.wait();
        } catch (e) {
          if (!(e instanceof BrokenBarrierError)) throw e;
          results1.push(true);
        } finally {
          yield* barrier.wait();
          results2.push(true);
        }
      });
      createTask(function* () {
        yield* barrier.reset();
      });
      yield* sleep(0);
      createTask(function* () {
        yield* barrier.wait();
        results2.push(true);
      });
      yield* gather(tasks);
      expect(barrier.broken).toBe(false);
      expect(results1).toEqual(Array(N - 1).fill(true));
      yield* sleep(0);
      expect(results2).toEqual(Array(N).fill(true));
      expect(barrier.nWaiting).toBe(0);
    }));

  // twin of semaphores.more.test.ts::abort() breaks an empty barrier
  it('abort() from a generator task breaks an empty barrier', () =>
    run(function* () {
      const barrier = new Barrier(1);
      createTask(function* () {
        yield* barrier.abort();
      });
      yield* sleep(0);
      expect(barrier.nWaiting).toBe(0);
      expect(barrier.broken).toBe(true);
      expect(yield* rejectionG(barrier.wait())).toBeInstanceOf(BrokenBarrierError);
    }));

  // twin of semaphores.more.test.ts::abort() by a drained task fails the draining tasks and those blocked for the next round (async)
  it('abort() by a drained generator task fails the draining tasks and those blocked for the next round', () =>
    run(function* () {
      const barrier = new Barrier(N);
      const results1: boolean[] = [];
      const results2: boolean[] = [];
      const blocking = Math.floor(N / 2);
      let count = 0;
      yield* gather(
        makeTasks(N, function* () {
          try {
            yield* barrier.wait();
          } catch (e) {
            if (!(e instanceof BrokenBarrierError)) throw e;
            results1.push(true);
            return;
          }
          count += 1;
          if (count > blocking) {
            yield* barrier.abort();
          } else {
            try {
              yield* barrier.wait();
            } catch (e) {
              if (!(e instanceof BrokenBarrierError)) throw e;
              results2.push(true);
            }
          }
        }),
      );
      expect(barrier.broken).toBe(true);
      expect(results1).toEqual(Array(blocking).fill(true));
      expect(results2).toEqual(Array(N - blocking - 1).fill(true));
      expect(barrier.nWaiting).toBe(0);
    }));

  // twin of semaphores.more.test.ts::a task failing inside a round aborts the barrier: every other task gets BrokenBarrierError
  it('a generator task failing inside a round aborts the barrier: every other task gets BrokenBarrierError', () =>
    run(function* () {
      const barrier = new Barrier(N);
      const results1: boolean[] = [];
      const results2: boolean[] = [];
      class Oops extends Error {}
      yield* gather(
        makeTasks(N, function* () {
          try {
            const i = yield* barrier.wait();
            if (i === Math.floor(N / 2)) throw new Oops();
            yield* barrier.wait();
            results1.push(true);
          } catch (e) {
            if (e instanceof BrokenBarrierError) results2.push(true);
            else if (e instanceof Oops) yield* barrier.abort();
            else throw e;
          }
        }),
      );
      expect(barrier.broken).toBe(true);
      expect(results1.length).toBe(0);
      expect(results2).toEqual(Array(N - 1).fill(true));
      expect(barrier.nWaiting).toBe(0);
    }));

  // twin of semaphores.more.test.ts::tasks that wait again while the round drains are held for the next round (generator)
  it('async tasks that wait again while the round drains are held for the next round', () =>
    run(async () => {
      const barrier = new Barrier(N);
      const other = new Barrier(N - 2);
      let rewait = 2;
      const ts = Array.from({ length: N }, () =>
        createTask(async () => {
          await barrier.wait();
          if (rewait > 0) {
            rewait -= 1;
            await barrier.wait();
          } else {
            await other.wait();
            await barrier.wait();
          }
        }),
      );
      await gather(ts);
      expect(barrier.nWaiting).toBe(0);
      expect(other.nWaiting).toBe(0);
    }));

  // twin of semaphores.more.test.ts::a cancelled waiter leaves the round: nWaiting drops in the same pass and the round still fills
  it('a cancelled generator waiter leaves the round: nWaiting is 1 at the first pass, 2 at the second', () =>
    run(function* () {
      const barrier = new Barrier(3);
      const coro = function* () {
        yield* barrier.wait();
      };
      const t1 = createTask(coro);
      yield* sleep(0);
      expect(barrier.nWaiting).toBe(1);
      const t2 = createTask(coro);
      yield* sleep(0);
      expect(barrier.nWaiting).toBe(2);
      t1.cancel();
      yield* sleep(0);
      expect(barrier.nWaiting).toBe(1);
      assertCancelled(yield* rejectionG(t1));
      const t3 = createTask(coro);
      const t4 = createTask(coro);
      yield* gather([t2, t3, t4]);
      expect(barrier.nWaiting).toBe(0);
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
