// Barrier: unit tests, and the behaviour ports of CPython 3.13 test_locks.py::BarrierTests (in our
// own words; `async with barrier as i` is `i = await barrier.wait()`).
import { describe, expect, it } from 'vitest';
import { Barrier, BrokenBarrierError, createTask, gather, run, sleep, type Task } from 'tulip';
import { assertCancelled, rejection } from '../support.js';

const N = 5;
function tasks<T>(n: number, body: () => PromiseLike<T>): Task<T>[] {
  return Array.from({ length: n }, () => createTask(body));
}

describe('Barrier', () => {
  // ports test_locks.py::BarrierTests.test_barrier_parties
  it('refuses parties below 1, fractional or non-number', () => {
    expect(() => new Barrier(0)).toThrow(RangeError);
    expect(() => new Barrier(2.5)).toThrow(RangeError);
    expect(() => new Barrier('3' as never)).toThrow(TypeError);
  });

  // ports test_locks.py::BarrierTests.test_repr
  it('toString shows the state and the waiting count', () =>
    run(async () => {
      const barrier = new Barrier(N);
      expect(String(barrier)).toBe('<Barrier [filling, waiters:0/5]>');
      const ts = tasks(2, () => barrier.wait());
      await sleep(0);
      expect(String(barrier)).toBe('<Barrier [filling, waiters:2/5]>');
      await barrier.abort();
      expect(String(barrier)).toBe('<Barrier [broken]>');
      await gather(ts, { returnExceptions: true });
    }));

  // ports test_locks.py::BarrierTests.test_filling_one_task_twice
  it('a 1-party barrier lets two tasks through with index 0 each', () =>
    run(async () => {
      const barrier = new Barrier(1);
      const [t1, t2] = tasks(2, () => barrier.wait());
      expect(await gather([t1!, t2!])).toEqual([0, 0]);
      expect(barrier.nWaiting).toBe(0);
    }));

  // ports test_locks.py::BarrierTests.test_filling_tasks_wait_twice + test_filling_tasks_check_return_value
  it('five tasks pass the barrier twice, each round with indices 0..4', () =>
    run(async () => {
      const barrier = new Barrier(N);
      const first: number[] = [];
      const res = await gather(
        tasks(N, async () => {
          first.push(await barrier.wait());
          return barrier.wait();
        }),
      );
      expect([...first].sort()).toEqual([0, 1, 2, 3, 4]);
      expect([...res].sort()).toEqual([0, 1, 2, 3, 4]);
      expect(barrier.nWaiting).toBe(0);
      expect(barrier.broken).toBe(false);
    }));

  // ports test_locks.py::BarrierTests.test_draining_state
  it('while the round drains the barrier says draining; the last task out re-opens it (generator)', () =>
    run(function* () {
      const barrier = new Barrier(N);
      const seen: boolean[] = [];
      const body = function* () {
        yield* barrier.wait();
        seen.push(String(barrier).includes('draining'));
      };
      yield* gather(Array.from({ length: N }, () => createTask(body)));
      expect(seen).toEqual([true, true, true, true, false]);
    }));

  // ports test_locks.py::BarrierTests.test_blocking_tasks_while_draining
  it('tasks that wait again while the round drains are held for the next round', () =>
    run(async () => {
      const barrier = new Barrier(N);
      const other = new Barrier(N - 2);
      let rewait = 2;
      await gather(
        tasks(N, async () => {
          await barrier.wait();
          if (rewait > 0) {
            rewait--;
            await barrier.wait();
          } else {
            await other.wait();
            await barrier.wait();
          }
        }),
      );
      expect(barrier.nWaiting).toBe(0);
    }));

  // ports test_locks.py::BarrierTests.test_filling_tasks_cancel_one
  it('a task cancelled while waiting leaves the round without breaking it', () =>
    run(async () => {
      const barrier = new Barrier(3);
      const results: boolean[] = [];
      const coro = async () => {
        await barrier.wait();
        results.push(true);
      };
      const t1 = createTask(coro);
      await sleep(0);
      const t2 = createTask(coro);
      await sleep(0);
      expect(barrier.nWaiting).toBe(2);
      t1.cancel();
      assertCancelled(await rejection(t1));
      expect(barrier.nWaiting).toBe(1);
      const t3 = createTask(coro);
      await sleep(0);
      expect(barrier.nWaiting).toBe(2);
      await gather([t2, t3, createTask(coro)]);
      expect(results).toEqual([true, true, true]);
      expect(barrier.broken).toBe(false);
    }));

  // ports test_locks.py::BarrierTests.test_reset_barrier_while_tasks_waiting
  it('reset() sends every waiting task a BrokenBarrierError and leaves the barrier filling', () =>
    run(async () => {
      const barrier = new Barrier(N);
      const ts = tasks(N - 1, async () => rejection(barrier.wait()));
      await sleep(0);
      createTask(() => barrier.reset());
      const errors = await gather(ts);
      for (const e of errors) expect(e).toBeInstanceOf(BrokenBarrierError);
      expect(barrier.nWaiting).toBe(0);
      expect(String(barrier)).not.toContain('resetting');
      expect(barrier.broken).toBe(false);
    }));

  // ports test_locks.py::BarrierTests.test_reset_barrier_when_tasks_half_draining
  it('reset() while half the round is still draining fails only those still inside (generator)', () =>
    run(function* () {
      const barrier = new Barrier(N);
      const broken: boolean[] = [];
      const rest = Math.floor(N / 2);
      const body = function* () {
        try {
          yield* barrier.wait();
        } catch (e) {
          if (!(e instanceof BrokenBarrierError)) throw e;
          broken.push(true);
          return;
        }
        if ((barrier as unknown as { _count: number })._count === rest) yield* barrier.reset();
      };
      yield* gather(Array.from({ length: N }, () => createTask(body)));
      expect(broken).toEqual(Array(rest).fill(true));
      expect(barrier.nWaiting).toBe(0);
      expect(barrier.broken).toBe(false);
    }));

  // ports test_locks.py::BarrierTests.test_reset_barrier_while_tasks_waiting_and_waiting_again
  it('tasks failed by reset() can wait again and complete a full round', () =>
    run(async () => {
      const barrier = new Barrier(N);
      const results1: boolean[] = [];
      const results2: boolean[] = [];
      const ts = tasks(N - 1, async () => {
        try {
          await barrier.wait();
        } catch {
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
      await gather(ts);
      await sleep(0);
      expect(results1.length).toBe(N - 1);
      expect(results2.length).toBe(N);
      expect(barrier.broken).toBe(false);
    }));

  // ports test_locks.py::BarrierTests.test_abort_barrier_when_tasks_half_draining_half_blocking
  it('abort() fails the tasks still draining and those blocked for the next round (generator)', () =>
    run(function* () {
      const barrier = new Barrier(N);
      const results1: boolean[] = [];
      const results2: boolean[] = [];
      const blocking = Math.floor(N / 2);
      let count = 0;
      const body = function* () {
        try {
          yield* barrier.wait();
        } catch (e) {
          if (!(e instanceof BrokenBarrierError)) throw e;
          results1.push(true);
          return;
        }
        count++;
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
      };
      yield* gather(Array.from({ length: N }, () => createTask(body)));
      expect(barrier.broken).toBe(true);
      expect(results1).toEqual(Array(blocking).fill(true));
      expect(results2).toEqual(Array(N - blocking - 1).fill(true));
      expect(barrier.nWaiting).toBe(0);
    }));

  // ports test_locks.py::BarrierTests.test_abort_barrier_when_exception_then_resetting
  it('after abort(), a reset() between two synchronisations makes the barrier usable again', () =>
    run(async () => {
      const barrier1 = new Barrier(N);
      const barrier2 = new Barrier(N);
      const results2: boolean[] = [];
      const results3: boolean[] = [];
      await gather(
        tasks(N, async () => {
          try {
            const i = await barrier1.wait();
            if (i === Math.floor(N / 2)) throw new RangeError('boom');
            await barrier1.wait();
          } catch (e) {
            if (e instanceof BrokenBarrierError) results2.push(true);
            else await barrier1.abort();
          }
          const i = await barrier2.wait();
          if (i === Math.floor(N / 2)) await barrier1.reset();
          await barrier2.wait();
          await barrier1.wait();
          results3.push(true);
        }),
      );
      expect(barrier1.broken).toBe(false);
      expect(results2.length).toBe(N - 1);
      expect(results3.length).toBe(N);
    }));

  it('statistics() reports parties, waiting tasks and state', () =>
    run(async () => {
      const barrier = new Barrier(2);
      const t = createTask(() => barrier.wait());
      await sleep(0);
      expect(barrier.statistics()).toEqual({ parties: 2, nWaiting: 1, state: 'filling' });
      await barrier.wait();
      await t;
      expect(barrier.statistics()).toEqual({ parties: 2, nWaiting: 0, state: 'filling' });
    }));
});
