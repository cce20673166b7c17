// Style twins of the Barrier tests: each test here is the other-style twin of a test written in only
// one coroutine style in test/conformance/barriers.more.test.ts (async twins that exist already there
// are not repeated). Same behaviour, same pass counts and order (`sleep(0)` is exactly one pass).
import { describe, expect, it } from 'vitest';
import {
  Barrier,
  BrokenBarrierError,
  createTask,
  gather,
  run,
  sleep,
  wait,
  type Coroutine,
  type Task,
} from 'tulip';
import { assertCancelled, rejectionG } from './helpers.js';

// ---- Barrier ------------------------------------------------------------------------------------

describe('Barrier (style twins)', () => {
  const N = 5;
  const makeTasks = <T>(n: number, body: () => Coroutine<T>): Task<T>[] =>
    Array.from({ length: n }, () => createTask(body));
  const waitG = (barrier: Barrier) =>
    function* () {
      return yield* barrier.wait();
    };

  // twin of barriers.more.test.ts::goes filling → draining → resetting → broken as tasks arrive, reset() and abort() are called
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

  // twin of barriers.more.test.ts::three tasks get the indices 0, 1, 2 (async)
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

  // twin of barriers.more.test.ts::a 1-party barrier: each waiter is through after one pass
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

  // twin of barriers.more.test.ts::nWaiting goes up by one per pass as each task arrives
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

  // twin of barriers.more.test.ts::every task but the last one out sees the barrier draining (async)
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

  // twin of barriers.more.test.ts::reset() of an empty barrier leaves it filling and not broken
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

  // twin of barriers.more.test.ts::reset() from another task fails the N-1 waiting tasks with BrokenBarrierError
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

  // twin of barriers.more.test.ts::reset() while the round still drains fails the tasks not yet out of wait() (async)
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

  // twin of barriers.more.test.ts::reset() by the last task out, then waiting again: the other tasks pass two more rounds
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

  // twin of barriers.more.test.ts::tasks failed by reset() wait again in finally and complete a round with a late task
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

  // twin of barriers.more.test.ts::abort() breaks an empty barrier
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

  // twin of barriers.more.test.ts::abort() by a drained task fails the draining tasks and those blocked for the next round (async)
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

  // twin of barriers.more.test.ts::a task failing inside a round aborts the barrier: every other task gets BrokenBarrierError
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

  // twin of barriers.more.test.ts::tasks that wait again while the round drains are held for the next round (generator)
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

  // twin of barriers.more.test.ts::a cancelled waiter leaves the round: nWaiting drops in the same pass and the round still fills
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
