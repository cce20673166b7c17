// Behaviour ports of CPython 3.13 Lib/test/test_asyncio/test_locks.py (Lock, Event, Condition,
// Semaphore, BoundedSemaphore), in our own words. `async with x:` is `x.run(body)`; asyncio's
// `len(x._waiters)` is `x.statistics().tasksWaiting`; `await asyncio.sleep(0)` is one loop pass.
// The cancellation races run in both coroutine styles. The Semaphore and Barrier ports live in
// test/sync/semaphore.test.ts and test/sync/barrier.test.ts (file size).
import { describe, expect, it } from 'vitest';
import {
  CancelledError,
  Condition,
  Event,
  Lock,
  RuntimeError,
  TimeoutError,
  createTask,
  gather,
  getRunningLoop,
  run,
  sleep,
  waitFor,
  type Future,
} from 'tulip';
import { STYLES, assertCancelled, passes, passesG, rejection, rejectionG, syncError, virtualClock } from './helpers.js';


describe('Lock', () => {
  // ports test_locks.py::LockTests.test_lock (+ test_lock_by_with_statement)
  it('a lock is not awaitable and awaiting it leaves it unlocked', () =>
    run(async () => {
      const lock = new Lock();
      expect('then' in lock).toBe(false);
      expect(await lock).toBe(lock);
      expect(lock.locked()).toBe(false);
    }));

  // ports test_locks.py::LockTests.test_repr
  it('toString shows locked/unlocked and the waiters', () =>
    run(async () => {
      const lock = new Lock();
      expect(String(lock)).toBe('<Lock [unlocked]>');
      await lock.acquire();
      expect(String(lock)).toBe('<Lock [locked]>');
      createTask(() => lock.acquire());
      await sleep(0);
      expect(String(lock)).toBe('<Lock [locked, waiters:1]>');
      lock.release();
    }));

  // ports test_locks.py::LockTests.test_acquire
  it('waiters take the lock in FIFO order, one release() at a time (generator, exact passes)', () =>
    run(function* () {
      const lock = new Lock();
      const result: number[] = [];
      expect(yield* lock.acquire()).toBe(true);
      const c = (n: number) =>
        function* () {
          if (yield* lock.acquire()) result.push(n);
          return true;
        };
      const t1 = createTask(c(1));
      const t2 = createTask(c(2));
      yield* sleep(0);
      expect(result).toEqual([]);
      lock.release();
      yield* sleep(0);
      expect(result).toEqual([1]);
      yield* sleep(0);
      expect(result).toEqual([1]);
      const t3 = createTask(c(3));
      lock.release();
      yield* sleep(0);
      expect(result).toEqual([1, 2]);
      lock.release();
      yield* sleep(0);
      expect(result).toEqual([1, 2, 3]);
      for (const t of [t1, t2, t3]) expect(t.result()).toBe(true);
    }));

  // ports test_locks.py::LockTests.test_acquire_cancel
  it('a waiter cancelled in acquire() leaves the queue (async)', () =>
    run(async () => {
      const lock = new Lock();
      await lock.acquire();
      const task = createTask(() => lock.acquire());
      getRunningLoop().callSoon(() => task.cancel());
      assertCancelled(await rejection(task));
      expect(lock.statistics().tasksWaiting).toBe(0);
      expect(lock.locked()).toBe(true);
    }));

  it('a waiter cancelled in acquire() leaves the queue (generator)', () =>
    run(function* () {
      const lock = new Lock();
      yield* lock.acquire();
      const task = createTask(function* () {
        return yield* lock.acquire();
      });
      getRunningLoop().callSoon(() => task.cancel());
      assertCancelled(yield* rejectionG(task));
      expect(lock.statistics().tasksWaiting).toBe(0);
    }));

  // ports test_locks.py::LockTests.test_cancel_race
  it('release() and cancel() of the first waiter in one pass hand the lock to the next (generator)', () =>
    run(function* () {
      const lock = new Lock();
      const lockit = (blocker: Future<void> | null) =>
        function* () {
          yield* lock.acquire();
          try {
            if (blocker !== null) yield* blocker;
          } finally {
            lock.release();
          }
        };
      const fa = getRunningLoop().createFuture<void>();
      const ta = createTask(lockit(fa));
      yield* sleep(0);
      expect(lock.locked()).toBe(true);
      const tb = createTask(lockit(null));
      yield* sleep(0);
      expect(lock.statistics().tasksWaiting).toBe(1);
      const tc = createTask(lockit(null));
      yield* sleep(0);
      expect(lock.statistics().tasksWaiting).toBe(2);
      fa.setResult();
      tb.cancel();
      expect(lock.statistics().tasksWaiting).toBe(1); // tb's waiter is cancelled
      yield* sleep(0);
      expect(lock.locked()).toBe(false);
      expect(ta.done()).toBe(true);
      expect(tb.cancelled()).toBe(true);
      yield* tc;
      expect(lock.locked()).toBe(false);
    }));

  it('release() and cancel() of the first waiter in one pass hand the lock to the next (async)', () =>
    run(async () => {
      const lock = new Lock();
      const lockit = async (blocker: PromiseLike<unknown> | null) => {
        await lock.acquire();
        try {
          if (blocker !== null) await blocker;
        } finally {
          lock.release();
        }
      };
      const fa = getRunningLoop().createFuture<void>();
      const ta = createTask(() => lockit(fa.then(() => undefined)));
      await passes(20);
      const tb = createTask(() => lockit(null));
      const tc = createTask(() => lockit(null));
      await passes(20);
      expect(lock.statistics().tasksWaiting).toBe(2);
      fa.setResult();
      tb.cancel();
      await passes(20);
      expect(ta.done() && tb.cancelled() && tc.done()).toBe(true);
      expect(lock.locked()).toBe(false);
    }));

  // ports test_locks.py::LockTests.test_cancel_release_race
  for (const style of STYLES) {
    it(`cancelling a waiter and releasing in one callback lets exactly one task in (${style})`, () =>
      run(async () => {
        const lock = new Lock();
        let lockCount = 0;
        let callCount = 0;
        const lockit =
          style === 'async'
            ? async () => {
                callCount++;
                await lock.acquire();
                lockCount++;
              }
            : function* () {
                callCount++;
                yield* lock.acquire();
                lockCount++;
              };
        await lock.acquire();
        const t1 = createTask(lockit);
        const t2 = createTask(lockit);
        const t3 = createTask(lockit);
        await passes(2);
        getRunningLoop().callSoon(() => {
          t1.cancel();
          lock.release();
        });
        assertCancelled(await rejection(t1));
        await passes(20);
        expect(lockCount).toBe(1);
        expect(callCount).toBe(3);
        expect(t1.cancelled() && t2.done()).toBe(true);
        t3.cancel();
        await passes(20);
        expect(t3.cancelled()).toBe(true);
      }));
  }

  // ports test_locks.py::LockTests.test_finished_waiter_cancelled
  it('a waiter woken and then cancelled passes the lock on (generator)', () =>
    run(function* () {
      const lock = new Lock();
      yield* lock.acquire();
      const acquire = function* () {
        return yield* lock.acquire();
      };
      const tb = createTask(acquire);
      yield* sleep(0);
      expect(lock.statistics().tasksWaiting).toBe(1);
      const tc = createTask(acquire);
      tb.cancel();
      lock.release();
      yield* sleep(0);
      expect(lock.locked()).toBe(true);
      expect(tb.cancelled()).toBe(true);
      expect(yield* tc).toBe(true);
    }));

  it('a waiter woken and then cancelled passes the lock on (async)', () =>
    run(async () => {
      const lock = new Lock();
      await lock.acquire();
      const tb = createTask(async () => lock.acquire());
      await passes(20);
      const tc = createTask(async () => lock.acquire());
      await passes(20);
      lock.release(); // wakes tb …
      tb.cancel(); // … which is cancelled before it resumes
      await passes(20);
      expect(tb.cancelled()).toBe(true);
      expect(await tc).toBe(true);
      expect(lock.locked()).toBe(true);
    }));

  // ports test_locks.py::LockTests.test_release_not_acquired
  it('release() of a free lock throws RuntimeError and the lock stays usable', () =>
    run(async () => {
      const lock = new Lock();
      expect((syncError(() => lock.release()) as Error).message).toBe('Lock is not acquired.');
      expect(await lock.acquire()).toBe(true);
      lock.release();
    }));

  // ports test_locks.py::LockTests.test_release_no_waiters
  it('acquire then release with no waiters leaves the lock free', () =>
    run(async () => {
      const lock = new Lock();
      await lock.acquire();
      expect(lock.locked()).toBe(true);
      lock.release();
      expect(lock.locked()).toBe(false);
    }));

  // ports test_locks.py::LockTests.test_context_manager
  it('lock.run holds the lock for the body, in both styles', () =>
    run(function* () {
      const lock = new Lock();
      yield* lock.run(function* () {
        expect(lock.locked()).toBe(true);
        yield* sleep(0);
      });
      expect(lock.locked()).toBe(false);
    }));
});

describe('Event', () => {
  // ports test_locks.py::EventTests.test_repr
  it('toString shows set/unset and the waiters', () =>
    run(async () => {
      const ev = new Event();
      expect(String(ev)).toBe('<Event [unset]>');
      createTask(() => ev.wait());
      await sleep(0);
      expect(String(ev)).toBe('<Event [unset, waiters:1]>');
      ev.set();
      expect(String(ev)).toBe('<Event [set, waiters:1]>'); // woken, not resumed yet (asyncio's len(_waiters))
      await sleep(0);
      expect(String(ev)).toBe('<Event [set]>');
    }));

  // ports test_locks.py::EventTests.test_wait
  it('set() wakes the waiters in order; a wait() started after set() returns at once (generator)', () =>
    run(function* () {
      const ev = new Event();
      const result: number[] = [];
      const c = (n: number) =>
        function* () {
          if (yield* ev.wait()) result.push(n);
        };
      const t1 = createTask(c(1));
      const t2 = createTask(c(2));
      yield* sleep(0);
      const t3 = createTask(c(3));
      ev.set();
      yield* sleep(0);
      expect(result).toEqual([3, 1, 2]);
      for (const t of [t1, t2, t3]) expect(t.result()).toBeUndefined();
    }));

  // ports test_locks.py::EventTests.test_wait_cancel
  it('a cancelled wait() leaves no waiter behind', () =>
    run(async () => {
      const ev = new Event();
      const wait = createTask(() => ev.wait());
      getRunningLoop().callSoon(() => wait.cancel());
      assertCancelled(await rejection(wait));
      expect(ev.statistics().tasksWaiting).toBe(0);
    }));

  // ports test_locks.py::EventTests.test_clear_with_waiters
  it('clear() right after set() does not un-wake the waiters', () =>
    run(function* () {
      const ev = new Event();
      const result: number[] = [];
      const t = createTask(function* () {
        if (yield* ev.wait()) result.push(1);
        return true;
      });
      yield* sleep(0);
      ev.set();
      ev.clear();
      expect(ev.isSet()).toBe(false);
      ev.set();
      ev.set();
      yield* sleep(0);
      expect(result).toEqual([1]);
      expect(ev.statistics().tasksWaiting).toBe(0);
      expect(t.result()).toBe(true);
    }));
});

describe('Condition', () => {
  // ports test_locks.py::ConditionTests.test_wait_cancel
  it('a cancelled wait() re-acquires the lock before raising (async)', () =>
    run(async () => {
      const cond = new Condition();
      await cond.acquire();
      const wait = createTask(() => cond.wait());
      getRunningLoop().callSoon(() => wait.cancel());
      assertCancelled(await rejection(wait));
      expect(cond.statistics().tasksWaiting).toBe(0);
      expect(cond.locked()).toBe(true);
    }));

  it('a cancelled wait() re-acquires the lock before raising (generator)', () =>
    run(function* () {
      const cond = new Condition();
      const wait = createTask(function* () {
        yield* cond.acquire();
        try {
          yield* cond.wait();
        } finally {
          expect(cond.locked()).toBe(true); // the finally sees the lock held
          cond.release();
        }
      });
      yield* sleep(0);
      wait.cancel();
      assertCancelled(yield* rejectionG(wait));
      expect(cond.locked()).toBe(false);
    }));

  // ports test_locks.py::ConditionTests.test_wait_cancel_contested
  it('a waiter notified, then cancelled while the lock is contested, still ends holding the lock', () =>
    run(async () => {
      const cond = new Condition();
      await cond.acquire();
      const waitTask = createTask(() => cond.wait());
      await passes(1);
      expect(cond.locked()).toBe(false);
      await cond.acquire();
      cond.notify();
      getRunningLoop().callSoon(() => waitTask.cancel());
      getRunningLoop().callSoon(() => cond.release());
      try {
        await waitTask;
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
      }
      expect(cond.locked()).toBe(true);
    }));

  // ports test_locks.py::ConditionTests.test_wait_cancel_after_notify
  it('a task cancelled while re-acquiring after notify ends cancelled (generator)', () =>
    run(function* () {
      const cond = new Condition();
      let waited = false;
      const waiter = createTask(() =>
        cond.run(function* () {
          waited = true;
          yield* cond.wait();
        }),
      );
      yield* sleep(0);
      yield* cond.acquire();
      cond.notify();
      yield* sleep(0); // the waiter now waits for the lock
      waiter.cancel();
      yield* sleep(0);
      cond.release();
      yield* passesG(3);
      expect(waiter.cancelled()).toBe(true);
      expect(waited).toBe(true);
      expect(cond.locked()).toBe(false);
    }));

  // ports test_locks.py::ConditionTests.test_wait_for
  it('waitFor() returns only once the predicate holds after a notify', () =>
    run(function* () {
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
      yield* cond.acquire();
      cond.notify();
      cond.release();
      yield* passesG(2);
      expect(result).toEqual([]);
      presult = true;
      yield* cond.acquire();
      cond.notify();
      cond.release();
      yield* passesG(2);
      expect(result).toEqual([1]);
      expect(t.result()).toBe(true);
    }));

  // ports test_locks.py::ConditionTests.test_wait_for_unacquired
  it('waitFor() of a true predicate needs no lock; of a false one it does', () =>
    run(async () => {
      const cond = new Condition();
      expect(await cond.waitFor(() => [1, 2, 3])).toEqual([1, 2, 3]);
      // (as asyncio's coroutine, the check comes when it is awaited)
      expect(await cond.waitFor(() => false).then(() => null, (e: unknown) => e)).toBeInstanceOf(RuntimeError);
    }));

  // ports test_locks.py::ConditionTests.test_notify
  it('notify(n) wakes n waiters; extra notifies are harmless', () =>
    run(async () => {
      const cond = new Condition();
      const result: number[] = [];
      const c = (n: number) => async () => {
        await cond.acquire();
        if (await cond.wait()) {
          result.push(n);
          cond.release();
        }
        return true;
      };
      const tasks = [createTask(c(1)), createTask(c(2)), createTask(c(3))];
      await passes(20);
      await cond.acquire();
      cond.notify(1);
      cond.release();
      await passes(20);
      expect(result).toEqual([1]);
      await cond.acquire();
      cond.notify(1);
      cond.notify(2048);
      cond.release();
      await passes(20);
      expect(result).toEqual([1, 2, 3]);
      expect(await gather(tasks)).toEqual([true, true, true]);
    }));

  // ports test_locks.py::ConditionTests.test_repr
  it('toString shows the lock state and the waiters', () =>
    run(async () => {
      const cond = new Condition();
      expect(String(cond)).toBe('<Condition [unlocked]>');
      await cond.acquire();
      createTask(() => cond.run(() => cond.wait()));
      await sleep(0);
      expect(String(cond)).toBe('<Condition [locked]>');
      cond.release();
      await passes(20);
      expect(String(cond)).toBe('<Condition [unlocked, waiters:1]>');
    }));

  // ports test_locks.py::ConditionTests.test_ambiguous_loops
  it('a condition bound to one loop refuses to wait in another', async () => {
    const cond = new Condition();
    await run(async () => {
      await cond.acquire();
      const t = createTask(() => cond.wait());
      await sleep(0);
      t.cancel();
      await rejection(t);
      cond.release();
    });
    await run(async () => {
      await cond.acquire(); // the lock itself never had to wait
      const e = syncError(() => cond.wait());
      expect(e).toBeInstanceOf(RuntimeError);
      expect((e as Error).message).toMatch(/bound to a different event loop/);
    });
  });

  // ports test_locks.py::ConditionTests.test_timeout_in_block
  it('waitFor(cond.wait(), timeout) inside cond.run raises TimeoutError with the lock held again', () =>
    run(
      async () => {
        const cond = new Condition();
        await cond.run(async () => {
          expect(await rejection(waitFor(cond.wait(), 500))).toBeInstanceOf(TimeoutError);
          expect(cond.locked()).toBe(true);
        });
        expect(cond.locked()).toBe(false);
      },
      { clock: virtualClock() },
    ));

  // ports test_locks.py::ConditionTests.test_cancelled_error_wakeup
  it('a waiter cancelled after notify() passes the notification to another waiter (generator)', () =>
    run(function* () {
      const cond = new Condition();
      const woken: string[] = [];
      const waiter = (name: string) =>
        function* () {
          yield* cond.run(function* () {
            yield* cond.wait();
            woken.push(name);
          });
        };
      const a = createTask(waiter('a'));
      const b = createTask(waiter('b'));
      yield* sleep(0);
      yield* cond.run(() => cond.notify(1)); // wakes a …
      a.cancel(); // … which is cancelled before it resumes
      yield* passesG(5);
      expect(a.cancelled()).toBe(true);
      expect(woken).toEqual(['b']);
      expect(b.done()).toBe(true);
    }));

  // ports test_locks.py::ConditionTests.test_cancelled_error_re_aquire
  it('a waiter cancelled while it waits to re-acquire ends cancelled, holding then releasing the lock (async)', () =>
    run(async () => {
      const cond = new Condition();
      let inFinally = false;
      const waiter = createTask(async () => {
        await cond.acquire();
        try {
          await cond.wait();
        } finally {
          inFinally = cond.locked();
          cond.release();
        }
      });
      await passes(20);
      await cond.acquire();
      cond.notify();
      await passes(20);
      waiter.cancel(); // it waits for the lock we hold
      await passes(20);
      expect(waiter.done()).toBe(false);
      cond.release();
      assertCancelled(await rejection(waiter));
      expect(inFinally).toBe(true);
      expect(cond.locked()).toBe(false);
    }));
});
