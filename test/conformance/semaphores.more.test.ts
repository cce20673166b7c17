// More behaviour ports of CPython 3.13 Lib/test/test_asyncio/test_locks.py: the Semaphore FIFO
// rules and the Barrier state machine, pass by pass, in both coroutine styles (Lock, Event and
// Condition are in locks.more.test.ts, with the list of skipped tests).
import { describe, expect, it } from 'vitest';
import {
  Barrier,
  BrokenBarrierError,
  Condition,
  Event,
  Lock,
  Semaphore,
  createTask,
  gather,
  run,
  sleep,
  wait,
  waitFor,
  type Task,
} from 'tulip';
import { STYLES, assertCancelled, rejection, rejectionG, runVirtual } from './helpers.js';

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

// ---- Barrier ----------------------------------------------------------------------------------

describe('Barrier (the state machine)', () => {
  const N = 5;
  const makeTasks = <T>(n: number, body: () => Promise<T>): Task<T>[] =>
    Array.from({ length: n }, () => createTask(body));

  // ports test_locks.py::BarrierTests.test_repr (the states, through toString and statistics)
  it('goes filling → draining → resetting → broken as tasks arrive, reset() and abort() are called', () =>
    run(async () => {
      const barrier = new Barrier(N);
      expect(String(barrier)).toContain('filling');
      const waiters: Task<number>[] = [];
      const incr = 2;
      for (let i = 0; i < incr; i++) waiters.push(createTask(() => barrier.wait()));
      await sleep(0);
      expect(String(barrier)).toContain(`waiters:${incr}/${N}`);
      expect(String(barrier)).toContain('filling');
      for (let i = barrier.parties - barrier.nWaiting; i > 0; i--) waiters.push(createTask(() => barrier.wait()));
      await sleep(0);
      expect(String(barrier)).toContain('draining');
      expect(barrier.statistics().state).toBe('draining');
      for (let i = 0; i < incr; i++) waiters.push(createTask(() => barrier.wait()));
      await sleep(0);
      await barrier.reset();
      expect(String(barrier)).toContain('resetting');
      expect(barrier.statistics().state).toBe('resetting');
      for (let i = 0; i < incr; i++) waiters.push(createTask(() => barrier.wait()));
      await sleep(0);
      await barrier.abort();
      expect(String(barrier)).toContain('broken');
      expect(barrier.broken).toBe(true);
      await gather(waiters, { returnExceptions: true });
    }));

  // ports test_locks.py::BarrierTests.test_context_manager
  it('three tasks get the indices 0, 1, 2 (async)', () =>
    run(async () => {
      const barrier = new Barrier(3);
      const results: number[] = [];
      await gather(makeTasks(3, async () => {
        results.push(await barrier.wait());
      }));
      expect([...results].sort()).toEqual([0, 1, 2]);
      expect(barrier.nWaiting).toBe(0);
      expect(barrier.broken).toBe(false);
    }));

  // ports test_locks.py::BarrierTests.test_filling_one_task_twice (exact passes)
  it('a 1-party barrier: each waiter is through after one pass', () =>
    run(async () => {
      const barrier = new Barrier(1);
      const t1 = createTask(() => barrier.wait());
      await sleep(0);
      expect(barrier.nWaiting).toBe(0);
      const t2 = createTask(() => barrier.wait());
      await sleep(0);
      expect(t1.done()).toBe(true);
      expect(t2.done()).toBe(true);
      expect(t1.result()).toBe(t2.result());
      expect(barrier.nWaiting).toBe(0);
      expect(barrier.broken).toBe(false);
    }));

  // ports test_locks.py::BarrierTests.test_filling_task_by_task (exact passes)
  it('nWaiting goes up by one per pass as each task arrives', () =>
    run(async () => {
      const barrier = new Barrier(3);
      const t1 = createTask(() => barrier.wait());
      await sleep(0);
      expect(barrier.nWaiting).toBe(1);
      expect(String(barrier)).toContain('filling');
      const t2 = createTask(() => barrier.wait());
      await sleep(0);
      expect(barrier.nWaiting).toBe(2);
      expect(String(barrier)).toContain('filling');
      const t3 = createTask(() => barrier.wait());
      await sleep(0);
      await wait([t1, t2, t3]);
      expect(barrier.nWaiting).toBe(0);
      expect(barrier.broken).toBe(false);
      expect([t1.result(), t2.result(), t3.result()].sort()).toEqual([0, 1, 2]);
    }));

  // ports test_locks.py::BarrierTests.test_draining_state (async style)
  it('every task but the last one out sees the barrier draining (async)', () =>
    run(async () => {
      const barrier = new Barrier(N);
      const results: boolean[] = [];
      await gather(makeTasks(N, async () => {
        await barrier.wait();
        results.push(String(barrier).includes('draining'));
      }));
      expect(results.length).toBe(N);
      expect(results[N - 1]).toBe(false);
      expect(results.slice(0, N - 1).every(Boolean)).toBe(true);
    }));

  // ports test_locks.py::BarrierTests.test_filling_tasks_cancel_one (exact passes)
  it('a cancelled waiter leaves the round: nWaiting drops in the same pass and the round still fills', () =>
    run(async () => {
      const barrier = new Barrier(3);
      const results: boolean[] = [];
      const coro = async () => {
        await barrier.wait();
        results.push(true);
      };
      const t1 = createTask(coro);
      await sleep(0);
      expect(barrier.nWaiting).toBe(1);
      const t2 = createTask(coro);
      await sleep(0);
      expect(barrier.nWaiting).toBe(2);
      t1.cancel();
      await sleep(0);
      expect(barrier.nWaiting).toBe(1);
      assertCancelled(await rejection(t1));
      expect(t1.cancelled()).toBe(true);
      const t3 = createTask(coro);
      await sleep(0);
      expect(barrier.nWaiting).toBe(2);
      const t4 = createTask(coro);
      await gather([t2, t3, t4]);
      expect(results).toEqual([true, true, true]);
      expect(barrier.nWaiting).toBe(0);
      expect(barrier.broken).toBe(false);
    }));

  // ports test_locks.py::BarrierTests.test_filling_tasks_cancel_one (generator style)
  it('a cancelled generator waiter leaves the round and the round still fills (generator)', () =>
    run(function* () {
      const barrier = new Barrier(3);
      const results: boolean[] = [];
      const coro = function* () {
        yield* barrier.wait();
        results.push(true);
      };
      const t1 = createTask(coro);
      yield* sleep(0);
      const t2 = createTask(coro);
      yield* sleep(0);
      expect(barrier.nWaiting).toBe(2);
      t1.cancel();
      yield* sleep(0);
      expect(barrier.nWaiting).toBe(1);
      assertCancelled(yield* rejectionG(t1));
      const t3 = createTask(coro);
      yield* sleep(0);
      expect(barrier.nWaiting).toBe(2);
      const t4 = createTask(coro);
      yield* gather([t2, t3, t4]);
      expect(results).toEqual([true, true, true]);
      expect(barrier.broken).toBe(false);
    }));

  // ports test_locks.py::BarrierTests.test_reset_barrier
  it('reset() of an empty barrier leaves it filling and not broken', () =>
    run(async () => {
      const barrier = new Barrier(1);
      createTask(() => barrier.reset());
      await sleep(0);
      expect(barrier.nWaiting).toBe(0);
      expect(barrier.broken).toBe(false);
      expect(barrier.statistics().state).toBe('filling');
    }));

  // ports test_locks.py::BarrierTests.test_reset_barrier_while_tasks_waiting
  it('reset() from another task fails the N-1 waiting tasks with BrokenBarrierError', () =>
    run(async () => {
      const barrier = new Barrier(N);
      const results: boolean[] = [];
      const tasks = makeTasks(N - 1, async () => {
        try {
          await barrier.wait();
        } catch (e) {
          if (e instanceof BrokenBarrierError) results.push(true);
          else throw e;
        }
      });
      await sleep(0);
      createTask(() => barrier.reset());
      await gather(tasks);
      expect(results).toEqual(Array(N - 1).fill(true));
      expect(barrier.nWaiting).toBe(0);
      expect(String(barrier)).not.toContain('resetting');
      expect(barrier.broken).toBe(false);
    }));

  // ports test_locks.py::BarrierTests.test_reset_barrier_when_tasks_half_draining_half_blocking
  it('reset() by a drained task fails the tasks blocked for the next round, which then fill a round (async)', () =>
    run(async () => {
      const barrier = new Barrier(N);
      const results1: boolean[] = [];
      const results2: boolean[] = [];
      const blocking = Math.floor(N / 2);
      let count = 0;
      await gather(makeTasks(N, async () => {
        try {
          await barrier.wait();
        } catch (e) {
          if (!(e instanceof BrokenBarrierError)) throw e;
          results1.push(true);
          await barrier.wait();
          return;
        }
        count += 1;
        if (count > blocking) {
          await barrier.reset();
          await barrier.wait();
        } else {
          try {
            await barrier.wait();
          } catch (e) {
            if (!(e instanceof BrokenBarrierError)) throw e;
            results2.push(true);
          }
        }
      }));
      expect(results1).toEqual(Array(blocking).fill(true));
      expect(results2).toEqual([]);
      expect(barrier.nWaiting).toBe(0);
      expect(String(barrier)).not.toContain('resetting');
      expect(barrier.broken).toBe(false);
    }));

  // ports test_locks.py::BarrierTests.test_reset_barrier_when_tasks_half_draining_half_blocking (generator)
  it('reset() by a drained task fails the tasks blocked for the next round, which then fill a round (generator)', () =>
    run(function* () {
      const barrier = new Barrier(N);
      const results1: boolean[] = [];
      const results2: boolean[] = [];
      const blocking = Math.floor(N / 2);
      let count = 0;
      const ts = Array.from({ length: N }, () =>
        createTask(function* () {
          try {
            yield* barrier.wait();
          } catch (e) {
            if (!(e instanceof BrokenBarrierError)) throw e;
            results1.push(true);
            yield* barrier.wait();
            return;
          }
          count += 1;
          if (count > blocking) {
            yield* barrier.reset();
            yield* barrier.wait();
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
      yield* gather(ts);
      expect(results1).toEqual(Array(blocking).fill(true));
      expect(results2).toEqual([]);
      expect(barrier.nWaiting).toBe(0);
      expect(barrier.broken).toBe(false);
    }));

  // ports test_locks.py::BarrierTests.test_reset_barrier_when_tasks_half_draining
  it('reset() while the round still drains fails the tasks not yet out of wait() (async)', () =>
    run(async () => {
      const barrier = new Barrier(N);
      const results1: boolean[] = [];
      const rest = Math.floor(N / 2);
      let out = 0;
      await gather(makeTasks(N, async () => {
        try {
          await barrier.wait();
        } catch (e) {
          if (!(e instanceof BrokenBarrierError)) throw e;
          results1.push(true);
          return;
        }
        // asyncio compares `barrier._count` (tasks still inside wait()) with `rest`: that is the
        // case for the (N - rest)-th task out
        out += 1;
        if (out === N - rest) await barrier.reset();
      }));
      expect(results1).toEqual(Array(rest).fill(true));
      expect(barrier.nWaiting).toBe(0);
      expect(String(barrier)).not.toContain('resetting');
      expect(barrier.broken).toBe(false);
    }));

  // ports test_locks.py::BarrierTests.test_reset_barrier_while_tasks_draining
  it('reset() by the last task out, then waiting again: the other tasks pass two more rounds', () =>
    run(async () => {
      const barrier = new Barrier(N);
      const results1: boolean[] = [];
      const results2: boolean[] = [];
      const results3: boolean[] = [];
      let count = 0;
      await gather(makeTasks(N, async () => {
        await barrier.wait();
        count += 1;
        if (count === N) {
          await barrier.reset();
          await barrier.wait();
        } else {
          try {
            await barrier.wait();
            results1.push(true);
          } catch {
            results2.push(true);
          }
        }
        await barrier.wait();
        results3.push(true);
      }));
      expect(barrier.broken).toBe(false);
      expect(results1).toEqual(Array(N - 1).fill(true));
      expect(results2.length).toBe(0);
      expect(results3).toEqual(Array(N).fill(true));
      expect(barrier.nWaiting).toBe(0);
    }));

  // ports test_locks.py::BarrierTests.test_reset_barrier_while_tasks_waiting_and_waiting_again (exact)
  it('tasks failed by reset() wait again in finally and complete a round with a late task', () =>
    run(async () => {
      const barrier = new Barrier(N);
      const results1: boolean[] = [];
      const results2: boolean[] = [];
      const tasks = makeTasks(N - 1, async () => {
        try {
          await barrier.wait();
        } catch (e) {
          if (!(e instanceof BrokenBarrierError)) throw e;
          results1.push(true);
        } finally {
          await barrier.wait();
          results2.push(true);
        }
      });
      createTask(() => barrier.reset());
      await sleep(0);
      createTask(async () => {
        await barrier.wait();
        results2.push(true);
      });
      await gather(tasks);
      expect(barrier.broken).toBe(false);
      expect(results1).toEqual(Array(N - 1).fill(true));
      await sleep(0);
      expect(results2).toEqual(Array(N).fill(true));
      expect(barrier.nWaiting).toBe(0);
    }));

  // ports test_locks.py::BarrierTests.test_abort_barrier
  it('abort() breaks an empty barrier', () =>
    run(async () => {
      const barrier = new Barrier(1);
      createTask(() => barrier.abort());
      await sleep(0);
      expect(barrier.nWaiting).toBe(0);
      expect(barrier.broken).toBe(true);
      const e = await rejection(barrier.wait());
      expect(e).toBeInstanceOf(BrokenBarrierError);
    }));

  // ports test_locks.py::BarrierTests.test_abort_barrier_when_tasks_half_draining_half_blocking (async)
  it('abort() by a drained task fails the draining tasks and those blocked for the next round (async)', () =>
    run(async () => {
      const barrier = new Barrier(N);
      const results1: boolean[] = [];
      const results2: boolean[] = [];
      const blocking = Math.floor(N / 2);
      let count = 0;
      await gather(makeTasks(N, async () => {
        try {
          await barrier.wait();
        } catch (e) {
          if (!(e instanceof BrokenBarrierError)) throw e;
          results1.push(true);
          return;
        }
        count += 1;
        if (count > blocking) {
          await barrier.abort();
        } else {
          try {
            await barrier.wait();
          } catch (e) {
            if (!(e instanceof BrokenBarrierError)) throw e;
            results2.push(true);
          }
        }
      }));
      expect(barrier.broken).toBe(true);
      expect(results1).toEqual(Array(blocking).fill(true));
      expect(results2).toEqual(Array(N - blocking - 1).fill(true));
      expect(barrier.nWaiting).toBe(0);
      expect(String(barrier)).not.toContain('resetting');
    }));

  // ports test_locks.py::BarrierTests.test_abort_barrier_when_exception
  it('a task failing inside a round aborts the barrier: every other task gets BrokenBarrierError', () =>
    run(async () => {
      const barrier = new Barrier(N);
      const results1: boolean[] = [];
      const results2: boolean[] = [];
      class Oops extends Error {}
      await gather(makeTasks(N, async () => {
        try {
          const i = await barrier.wait();
          if (i === Math.floor(N / 2)) throw new Oops();
          await barrier.wait();
          results1.push(true);
        } catch (e) {
          if (e instanceof BrokenBarrierError) results2.push(true);
          else if (e instanceof Oops) await barrier.abort();
          else throw e;
        }
      }));
      expect(barrier.broken).toBe(true);
      expect(results1.length).toBe(0);
      expect(results2).toEqual(Array(N - 1).fill(true));
      expect(barrier.nWaiting).toBe(0);
    }));

  // ports test_locks.py::BarrierTests.test_blocking_tasks_while_draining (generator style)
  it('tasks that wait again while the round drains are held for the next round (generator)', () =>
    run(function* () {
      const barrier = new Barrier(N);
      const other = new Barrier(N - 2);
      let rewait = 2;
      const ts = Array.from({ length: N }, () =>
        createTask(function* () {
          yield* barrier.wait();
          if (rewait > 0) {
            rewait -= 1;
            yield* barrier.wait();
          } else {
            yield* other.wait();
            yield* barrier.wait();
          }
        }),
      );
      yield* gather(ts);
      expect(barrier.nWaiting).toBe(0);
      expect(other.nWaiting).toBe(0);
    }));

  // ports test_locks.py::BarrierTests.test_filling_one_task
  it('a 1-party barrier never blocks a lone generator task', () =>
    run(function* () {
      const barrier = new Barrier(1);
      expect(yield* barrier.wait()).toBe(0);
      expect(barrier.nWaiting).toBe(0);
      expect(barrier.broken).toBe(false);
    }));
});
