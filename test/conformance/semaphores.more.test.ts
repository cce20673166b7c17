// More behaviour ports of CPython 3.13 Lib/test/test_asyncio/test_locks.py: the Semaphore FIFO
// rules, pass by pass, in both coroutine styles (the Barrier state machine is in
// barriers.more.test.ts; Lock, Event and Condition are in locks.more.test.ts, with the list of
// skipped tests).
import { describe, expect, it } from 'vitest';
import { Semaphore, createTask, gather, run, sleep, waitFor, type Task } from 'tulip';
import { STYLES, assertCancelled, runVirtual } from './helpers.js';

// ---- Semaphore --------------------------------------------------------------------------------

describe('Semaphore (exact passes)', () => {
  // ports test_locks.py::SemaphoreTests.test_acquire
  it('Semaphore(3): two release()s in one pass let exactly two of three waiters in (async)', () =>
    run(async () => {
      const sem = new Semaphore(3);
      const result: number[] = [];
      expect(await sem.acquire()).toBe(true);
      expect(await sem.acquire()).toBe(true);
      expect(sem.locked()).toBe(false);
      const c = (n: number) => async () => {
        await sem.acquire();
        result.push(n);
        return true;
      };
      const t1 = createTask(c(1));
      const t2 = createTask(c(2));
      const t3 = createTask(c(3));
      await sleep(0);
      expect(result).toEqual([1]);
      expect(sem.locked()).toBe(true);
      expect(sem.statistics().tasksWaiting).toBe(2);
      expect(sem.statistics().value).toBe(0);
      const t4 = createTask(c(4));
      sem.release();
      sem.release();
      expect(sem.statistics().value).toBe(0);
      await sleep(0);
      expect(sem.statistics().value).toBe(0);
      expect(result.length).toBe(3);
      expect(sem.locked()).toBe(true);
      expect(sem.statistics().tasksWaiting).toBe(1);
      expect(t1.done()).toBe(true);
      expect(t1.result()).toBe(true);
      const race = [t2, t3, t4];
      expect(race.filter((t) => t.done() && t.result()).length).toBe(2);
      sem.release();
      await gather(race);
    }));

  // ports test_locks.py::SemaphoreTests.test_acquire_cancel_before_awoken
  it('with two of four waiters cancelled, one release() wakes exactly the third (exact passes)', () =>
    run(async () => {
      const sem = new Semaphore(0);
      const [t1, t2, t3, t4] = [0, 1, 2, 3].map(() => createTask(() => sem.acquire()));
      await sleep(0);
      t1!.cancel();
      t2!.cancel();
      sem.release();
      await sleep(0);
      await sleep(0);
      expect([t3, t4].filter((t) => t!.done()).length).toBe(1);
      expect(t3!.done()).toBe(true);
      expect(t4!.done()).toBe(false);
      t3!.cancel();
      t4!.cancel();
      await sleep(0);
    }));

  // ports test_locks.py::SemaphoreTests.test_acquire_hang (exact passes)
  it('a cancelled first waiter does not make the second hang: two passes after release it is done', () =>
    run(async () => {
      const sem = new Semaphore(0);
      const t1 = createTask(() => sem.acquire());
      const t2 = createTask(() => sem.acquire());
      await sleep(0);
      t1.cancel();
      sem.release();
      await sleep(0);
      await sleep(0);
      expect(sem.locked()).toBe(true);
      expect(t2.done()).toBe(true);
    }));

  // ports test_locks.py::SemaphoreTests.test_acquire_no_hang
  it('a unit handed to a task cancelled before it resumes goes back: acquire() after does not hang (async)', () =>
    runVirtual(async () => {
      const sem = new Semaphore(1);
      let t2: Task<void> | undefined;
      let t2Body = false;
      const t1 = createTask(async () => {
        await sem.run(async () => {
          await sleep(0);
        });
        t2!.cancel();
      });
      t2 = createTask(async () => {
        await sem.run(async () => {
          t2Body = true;
        });
      });
      const [r1, r2] = await gather([t1, t2], { returnExceptions: true });
      expect(r1).toBeUndefined();
      assertCancelled(r2);
      expect(t2Body).toBe(false);
      expect(await waitFor(sem.acquire(), 1000)).toBe(true);
    }));

  // ports test_locks.py::SemaphoreTests.test_acquire_fifo_order_2 (async style)
  it('a waiter that releases and re-acquires goes behind the queue: 1, 2, 3, 4 (async)', () =>
    run(async () => {
      const sem = new Semaphore(1);
      const result: number[] = [];
      const t1 = createTask(async () => {
        await sem.acquire();
        result.push(1);
        return true;
      });
      const t2 = createTask(async () => {
        await sem.acquire();
        result.push(2);
        sem.release();
        await sem.acquire();
        result.push(4);
        return true;
      });
      const t3 = createTask(async () => {
        await sem.acquire();
        result.push(3);
        return true;
      });
      await sleep(0);
      sem.release();
      sem.release();
      await gather([t1, t2, t3]);
      expect(result).toEqual([1, 2, 3, 4]);
    }));

  // ports test_locks.py::SemaphoreTests.test_acquire_fifo_order_3 (generator style)
  it('a waiter cancelled before the releases takes no unit (generator)', () =>
    run(function* () {
      const sem = new Semaphore(0);
      const result: number[] = [];
      const c = (n: number) =>
        function* () {
          yield* sem.acquire();
          result.push(n);
          return true;
        };
      const ts = [createTask(c(1)), createTask(c(2)), createTask(c(3))];
      yield* sleep(0);
      ts[0]!.cancel();
      yield* sleep(0);
      sem.release();
      sem.release();
      yield* gather(ts, { returnExceptions: true });
      expect(result).toEqual([2, 3]);
    }));

  for (const style of STYLES) {
    // ports test_locks.py::SemaphoreTests.test_acquire_fifo_order_4
    it(`one waiter resuming wakes every later waiter the value allows, in FIFO order (${style})`, () =>
      run(async () => {
        const sem = new Semaphore(0);
        const result: number[] = [];
        const checks: [string, unknown, unknown][] = [];
        let t4: Task<boolean> | null = null;
        const c4 = (): boolean => {
          result.push(4);
          return true;
        };
        const t1 =
          style === 'async'
            ? createTask(async () => {
                checks.push(['c1 start value', sem.statistics().value, 0]);
                await sem.acquire();
                checks.push(['c1 resumed value', sem.statistics().value, 0]);
                t4 = createTask(c4);
                result.push(1);
                return true;
              })
            : createTask(function* () {
                checks.push(['c1 start value', sem.statistics().value, 0]);
                yield* sem.acquire();
                checks.push(['c1 resumed value', sem.statistics().value, 0]);
                t4 = createTask(c4);
                result.push(1);
                return true;
              });
        const t2 =
          style === 'async'
            ? createTask(async () => {
                sem.release();
                sem.release();
                sem.release();
                checks.push(['c2 value after 3 releases', sem.statistics().value, 2]);
                checks.push(['c2 locked while c1 not resumed', sem.locked(), true]);
                await sem.acquire();
                result.push(2);
                return true;
              })
            : createTask(function* () {
                sem.release();
                sem.release();
                sem.release();
                checks.push(['c2 value after 3 releases', sem.statistics().value, 2]);
                checks.push(['c2 locked while c1 not resumed', sem.locked(), true]);
                yield* sem.acquire();
                result.push(2);
                return true;
              });
        const t3 =
          style === 'async'
            ? createTask(async () => {
                await sem.acquire();
                checks.push(['c3 locked', sem.locked(), true]);
                result.push(3);
                return true;
              })
            : createTask(function* () {
                yield* sem.acquire();
                checks.push(['c3 locked', sem.locked(), true]);
                result.push(3);
                return true;
              });
        await sleep(0);
        expect(sem.statistics().value).toBe(2);
        expect(sem.locked()).toBe(true);
        await sleep(0);
        await gather([t1, t2, t3]);
        expect(t4).not.toBeNull();
        await t4!;
        expect(result).toEqual([1, 2, 3, 4]);
        for (const [what, got, want] of checks) expect(got, what).toBe(want);
      }));
  }
});
