// Semaphore unit tests, then the behaviour ports of CPython 3.13 test_locks.py::SemaphoreTests (in
// our own words; `len(sem._waiters)` is `statistics().tasksWaiting`, `sleep(0)` is one loop pass).
import { describe, expect, it } from 'vitest';
import {
  BoundedSemaphore,
  CancelledError,
  Semaphore,
  TaskGroup,
  WouldBlockError,
  createTask,
  gather,
  getRunningLoop,
  run,
  sleep,
  waitFor,
  } from 'tulip';
import { STYLES, assertCancelled, passesG, rejection, rejectionG, syncError, virtualClock, waiting } from '../support.js';


describe('Semaphore', () => {
  it('refuses a negative, fractional or non-number value', () => {
    expect(() => new Semaphore(-1)).toThrow(RangeError);
    expect(() => new Semaphore(1.5)).toThrow(RangeError);
    expect(() => new Semaphore('2' as never)).toThrow(TypeError);
    expect((syncError(() => new Semaphore(-1)) as Error).message).toMatch(/initial value must be >= 0 \(an integer\), got -1/);
  });

  it('locked() stays true while a woken waiter has not resumed, so nobody barges', () =>
    run(function* () {
      const sem = new Semaphore(0);
      const t = createTask(function* () {
        return yield* sem.acquire();
      });
      yield* sleep(0);
      sem.release(); // the unit goes to t
      expect(sem.locked()).toBe(true);
      expect(sem.statistics()).toEqual({ value: 0, tasksWaiting: 0 });
      expect(() => sem.acquireNowait()).toThrow(WouldBlockError);
      expect(yield* t).toBe(true);
    }));

  it('a waiter woken and then cancelled gives its unit back to the next waiter (generator)', () =>
    run(function* () {
      const sem = new Semaphore(0);
      const acquire = function* () {
        return yield* sem.acquire();
      };
      const a = createTask(acquire);
      const b = createTask(acquire);
      yield* sleep(0);
      sem.release(); // wakes a …
      a.cancel(); // … which leaves before it resumes
      assertCancelled(yield* rejectionG(a));
      expect(yield* b).toBe(true);
      expect(sem.statistics().value).toBe(0);
    }));

  it('a waiter woken and then cancelled gives its unit back to the next waiter (async)', () =>
    run(async () => {
      const sem = new Semaphore(0);
      const a = createTask(async () => sem.acquire());
      const b = createTask(async () => sem.acquire());
      for (let i = 0; i < 5; i++) await sleep(0);
      sem.release();
      a.cancel();
      assertCancelled(await rejection(a));
      expect(await b).toBe(true);
    }));

  it('a waiter cancelled while waiting takes no unit', () =>
    run(async () => {
      const sem = new Semaphore(0);
      const t = createTask(() => sem.acquire());
      await sleep(0);
      t.cancel();
      assertCancelled(await rejection(t));
      sem.release();
      expect(sem.statistics()).toEqual({ value: 1, tasksWaiting: 0 });
      expect(sem.locked()).toBe(false);
    }));

  it('after a cancel storm, the one waiter behind the cancelled ones gets the unit, and the semaphore is free again', () =>
    run(function* () {
      const sem = new Semaphore(1);
      yield* sem.acquire();
      const got: string[] = [];
      const cancelled = Array.from({ length: 50 }, () =>
        createTask(function* () {
          yield* sem.acquire();
          got.push('cancelled one');
        }),
      );
      const last = createTask(function* () {
        yield* sem.acquire();
        got.push('last');
        sem.release();
      });
      yield* sleep(0);
      expect(sem.statistics().tasksWaiting).toBe(51);
      for (const t of cancelled) t.cancel();
      sem.release(); // the unit goes to `last`, past the 50 cancelled waiters still listed
      expect(sem.locked()).toBe(true); // (`last` woken, not run yet: nobody barges)
      yield* gather([...cancelled, last], { returnExceptions: true });
      expect(got).toEqual(['last']);
      expect(sem.statistics()).toEqual({ value: 1, tasksWaiting: 0 });
      expect(sem.locked()).toBe(false);
      expect(String(sem)).toBe('<Semaphore [unlocked, value:1]>');
    }));

  it('while cancelled waiters have not left, locked() is false once units are free, and a new acquire() takes one at once', () =>
    run(function* () {
      const sem = new Semaphore(0);
      const ts = Array.from({ length: 5 }, () => createTask(() => sem.acquire()));
      yield* sleep(0);
      for (const t of ts) t.cancel(); // they leave in their next pass
      sem.release();
      expect(sem.locked()).toBe(false);
      expect(String(sem)).toBe('<Semaphore [unlocked, value:1, waiters:5]>');
      yield* sem.acquire(); // no wait
      expect(sem.statistics().value).toBe(0);
      yield* gather(ts, { returnExceptions: true });
      expect(String(sem)).toBe('<Semaphore [locked]>');
      // Those that left count no more: a woken waiter that has not run still keeps others out.
      const a = createTask(() => sem.acquire());
      yield* sleep(0);
      sem.release(); // wakes `a`
      sem.release(); // a free unit, but `a` is ahead
      expect(sem.locked()).toBe(true);
      yield* a;
      expect(sem.locked()).toBe(false);
    }));

  it('Semaphore(10) lets at most 10 of 1000 tasks in at once', () =>
    run(async () => {
      const sem = new Semaphore(10);
      let inside = 0;
      let most = 0;
      await gather(
        Array.from({ length: 1000 }, () =>
          createTask(() =>
            sem.run(async () => {
              most = Math.max(most, ++inside);
              await sleep(0);
              inside--;
            }),
          ),
        ),
      );
      expect(most).toBe(10);
      expect(sem.statistics()).toEqual({ value: 10, tasksWaiting: 0 });
    }));

  it('run() releases its unit when the body throws and when the task is cancelled', () =>
    run(async () => {
      const sem = new Semaphore(1);
      await rejection(sem.run(() => Promise.reject(new Error('x'))));
      expect(sem.locked()).toBe(false);
      const t = createTask(() => sem.run(() => sleep(1_000_000)));
      await sleep(0);
      expect(sem.locked()).toBe(true);
      t.cancel();
      await rejection(t);
      expect(sem.locked()).toBe(false);
    }));
});

describe('BoundedSemaphore', () => {
  it('release() above the initial value throws RangeError and keeps the value', () =>
    run(async () => {
      const sem = new BoundedSemaphore(2);
      await sem.acquire();
      sem.release();
      expect(() => sem.release()).toThrow('BoundedSemaphore released too many times');
      expect(sem.statistics().value).toBe(2);
      expect(String(sem)).toBe('<BoundedSemaphore [unlocked, value:2]>');
    }));
});

describe('Semaphore (ports of test_locks.py)', () => {
  // ports test_locks.py::SemaphoreTests.test_repr
  it('toString shows the value or locked, and the waiters', () =>
    run(async () => {
      const sem = new Semaphore();
      expect(String(sem)).toBe('<Semaphore [unlocked, value:1]>');
      await sem.acquire();
      expect(String(sem)).toBe('<Semaphore [locked]>');
      createTask(() => sem.acquire());
      await sleep(0);
      expect(String(sem)).toBe('<Semaphore [locked, waiters:1]>');
    }));

  // ports test_locks.py::SemaphoreTests.test_acquire
  it('Semaphore(3): waiters are woken as units come back; a late acquirer queues (generator)', () =>
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
      expect(sem.statistics()).toEqual({ value: 0, tasksWaiting: 2 });
      const t4 = createTask(c(4));
      sem.release();
      sem.release();
      expect(sem.statistics().value).toBe(0);
      yield* sleep(0);
      expect(result.length).toBe(3);
      expect(sem.locked()).toBe(true);
      expect(sem.statistics()).toEqual({ value: 0, tasksWaiting: 1 });
      expect(t1.result()).toBe(true);
      expect([t2, t3, t4].filter((t) => t.done()).length).toBe(2);
      sem.release();
      yield* gather([t2, t3, t4]);
    }));

  // ports test_locks.py::SemaphoreTests.test_acquire_cancel
  it('a cancelled acquire() leaves no live waiter', () =>
    run(async () => {
      const sem = new Semaphore();
      await sem.acquire();
      const acquire = createTask(() => sem.acquire());
      getRunningLoop().callSoon(() => acquire.cancel());
      assertCancelled(await rejection(acquire));
      expect(sem.statistics().tasksWaiting).toBe(0);
    }));

  // ports test_locks.py::SemaphoreTests.test_acquire_cancel_before_awoken
  for (const style of STYLES) {
    it(`with two of four waiters cancelled, one release() wakes exactly the third (${style})`, () =>
      run(function* () {
        const sem = new Semaphore(0);
        const body = waiting(style, () => sem.acquire());
        const [t1, t2, t3, t4] = [createTask(body), createTask(body), createTask(body), createTask(body)];
        yield* passesG(3);
        t1.cancel();
        t2.cancel();
        sem.release();
        yield* passesG(style === 'async' ? 6 : 2);
        expect(t3.done()).toBe(true);
        expect(t4.done()).toBe(false);
        t3.cancel();
        t4.cancel();
        yield* sleep(0);
      }));
  }

  // ports test_locks.py::SemaphoreTests.test_acquire_hang
  for (const style of STYLES) {
    it(`a cancelled first waiter does not make the second hang (${style})`, () =>
      run(function* () {
        const sem = new Semaphore(0);
        const body = waiting(style, () => sem.acquire());
        const t1 = createTask(body);
        const t2 = createTask(body);
        yield* passesG(3);
        t1.cancel();
        sem.release();
        yield* passesG(style === 'async' ? 6 : 2);
        expect(sem.locked()).toBe(true);
        expect(t2.done()).toBe(true);
      }));
  }

  // ports test_locks.py::SemaphoreTests.test_acquire_no_hang
  it('a unit given to a task cancelled before it resumes is given back', () =>
    run(async () => {
      const sem = new Semaphore(1);
      const t1 = createTask(async () => {
        await sem.run(() => sleep(0));
        t2.cancel();
      });
      const t2 = createTask(async () => {
        await sem.run(() => {
          throw new Error('must not run');
        });
      });
      const [r1, r2] = await gather([t1, t2], { returnExceptions: true });
      expect(r1).toBeUndefined();
      expect(r2).toBeInstanceOf(CancelledError);
      await waitFor(sem.acquire(), 1000);
    }));

  // ports test_locks.py::SemaphoreTests.test_release_not_acquired
  it('BoundedSemaphore over-release throws RangeError and stays usable', () =>
    run(async () => {
      const sem = new BoundedSemaphore();
      expect((syncError(() => sem.release()) as Error).message).toBe('BoundedSemaphore released too many times');
      await sem.acquire();
      sem.release();
      expect(sem.statistics().value).toBe(1);
    }));

  // ports test_locks.py::SemaphoreTests.test_acquire_fifo_order
  it('a task releasing and re-acquiring cannot barge: c1_1,c2_1,c3_1,c1_2,c2_2,c3_2', () =>
    run(
      async () => {
        const sem = new Semaphore(1);
        const result: string[] = [];
        const coro = (tag: string) => async () => {
          await sem.acquire();
          result.push(`${tag}_1`);
          await sleep(10);
          sem.release();
          await sem.acquire();
          result.push(`${tag}_2`);
          await sleep(10);
          sem.release();
        };
        await new TaskGroup().run((tg) => {
          for (const tag of ['c1', 'c2', 'c3']) tg.createTask(coro(tag));
        });
        expect(result).toEqual(['c1_1', 'c2_1', 'c3_1', 'c1_2', 'c2_2', 'c3_2']);
      },
      { clock: virtualClock() },
    ));

  // ports test_locks.py::SemaphoreTests.test_acquire_fifo_order_2
  it('a waiter that releases and re-acquires goes behind the queue (generator)', () =>
    run(function* () {
      const sem = new Semaphore(1);
      const result: number[] = [];
      const t1 = createTask(function* () {
        yield* sem.acquire();
        result.push(1);
      });
      const t2 = createTask(function* () {
        yield* sem.acquire();
        result.push(2);
        sem.release();
        yield* sem.acquire();
        result.push(4);
      });
      const t3 = createTask(function* () {
        yield* sem.acquire();
        result.push(3);
      });
      yield* sleep(0);
      sem.release();
      sem.release();
      yield* gather([t1, t2, t3]);
      expect(result).toEqual([1, 2, 3, 4]);
    }));

  // ports test_locks.py::SemaphoreTests.test_acquire_fifo_order_3
  it('a waiter cancelled before the releases takes no unit', () =>
    run(async () => {
      const sem = new Semaphore(0);
      const result: number[] = [];
      const c = (n: number) => async () => {
        await sem.acquire();
        result.push(n);
      };
      const tasks = [createTask(c(1)), createTask(c(2)), createTask(c(3))];
      await sleep(0);
      tasks[0]!.cancel();
      await sleep(0);
      sem.release();
      sem.release();
      await gather(tasks, { returnExceptions: true });
      expect(result).toEqual([2, 3]);
    }));
});
