// More behaviour ports of CPython 3.13 Lib/test/test_asyncio/test_locks.py: the Barrier state
// machine, pass by pass, in both coroutine styles (the Semaphore FIFO rules are in
// semaphores.more.test.ts; Lock, Event and Condition are in locks.more.test.ts, with the list of
// skipped tests).
import { describe, expect, it } from 'vitest';
import {
  Barrier,
  BrokenBarrierError,
  createTask,
  gather,
  run,
  sleep,
  wait,
  type Task,
} from 'tulip';
import { assertCancelled, rejection, rejectionG } from './helpers.js';

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
