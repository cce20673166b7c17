// Style-twin audit: locks, conditions, semaphores, events, queues, and the shared suite's primitive
// basics in the generator style. Each test here is the other-style twin (generator
// `function*`/`yield*` versus native `async`/`await`) of a behaviour test of test/conformance/ or
// /work/shared/conformance/ that existed in only one style although the behaviour can be written in
// both. Each test is named after the original with its style in parentheses, and a comment gives
// the original's file:line. The behaviour, the pass counts and the expectations are the original's
// (checked there against asyncio 3.13); only the style changes. Where the twin shows tulip behaving
// differently in the other style, the test is an `it.fails` with asyncio's expectation and the
// probe output in a comment (probes: the pure-Python asyncio 3.13).
import { describe, expect, it } from 'vitest';
import { Barrier, BoundedSemaphore, Condition, Event, LifoQueue, Lock, PriorityQueue, Queue, QueueShutDownError, RuntimeError, Semaphore, createTask, gather, getRunningLoop, run, sleep, Future, type Coroutine } from 'tulip';
import { now, passesG, rejectionG, runVirtual, syncError } from './helpers.js';

/** Generator-style errorOf: the error `fn` throws synchronously or through the future it returns. */
function* errorOfG(fn: () => unknown): Coroutine<unknown> {
  try {
    const r = fn();
    if (r !== null && typeof r === 'object' && Symbol.iterator in (r as object)) yield* r as Future<unknown>;
  } catch (e) {
    return e;
  }
  throw new Error('expected an error, but none was raised');
}

// ---- locks, conditions, semaphores, events ----------------------------------------------------

describe('sync primitives (twins)', () => {
  // twin of locks.test.ts:27
  it('a lock is not awaitable and yield* of it throws TypeError, leaving it unlocked (generator)', () =>
    run(function* () {
      const lock = new Lock();
      let thrown: unknown = null;
      try {
        yield* (lock as unknown as Iterable<unknown>);
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(TypeError);
      expect(lock.locked()).toBe(false);
      expect(yield* lock.acquire()).toBe(true);
      lock.release();
    }));

  // twin of locks.test.ts:237
  it('release() of a free lock throws RuntimeError and the lock stays usable (generator)', () =>
    run(function* () {
      const lock = new Lock();
      expect((syncError(() => lock.release()) as Error).message).toBe('Lock is not acquired.');
      expect(yield* lock.acquire()).toBe(true);
      lock.release();
      expect(lock.locked()).toBe(false);
    }));

  // twin of locks.test.ts:246
  it('acquire then release with no waiters leaves the lock free (generator)', () =>
    run(function* () {
      const lock = new Lock();
      yield* lock.acquire();
      expect(lock.locked()).toBe(true);
      lock.release();
      expect(lock.locked()).toBe(false);
      expect(lock.statistics().tasksWaiting).toBe(0);
    }));

  // twin of locks.test.ts:490
  it('a condition bound to one loop refuses to wait in another (generator)', async () => {
    const cond = new Condition();
    await run(function* () {
      yield* cond.acquire();
      const t = createTask(function* () {
        yield* cond.wait();
      });
      yield* sleep(0);
      t.cancel();
      yield* rejectionG(t);
      cond.release();
    });
    await run(function* () {
      yield* cond.acquire(); // the lock itself never had to wait
      const e = syncError(() => cond.wait());
      expect(e).toBeInstanceOf(RuntimeError);
      expect((e as Error).message).toMatch(/bound to a different event loop/);
      cond.release();
    });
  });

  // twin of conditions.ported.test.ts:15
  it('wait() without holding the lock throws RuntimeError and leaves no waiter (generator)', () =>
    run(function* () {
      const cond = new Condition();
      const e = syncError(() => cond.wait());
      expect(e).toBeInstanceOf(RuntimeError);
      expect(e.message).toMatch(/cannot wait on un-acquired lock/);
      expect(cond.locked()).toBe(false);
      expect(cond.statistics().tasksWaiting).toBe(0);
      yield* cond.run(function* () {
        cond.notify();
      });
    }));

  // twin of semaphores.ported.test.ts:55
  for (const [name, make] of [
    ['Semaphore', () => new Semaphore()],
    ['BoundedSemaphore', () => new BoundedSemaphore()],
  ] as const) {
    it(`acquire() of a ${name}'s only unit locks it; release() with nobody waiting unlocks it (generator)`, () =>
      run(function* () {
        const sem = make();
        expect(yield* sem.acquire()).toBe(true);
        expect(sem.locked()).toBe(true);
        sem.release();
        expect(sem.locked()).toBe(false);
        expect(sem.statistics()).toEqual({ value: 1, tasksWaiting: 0 });
      }));
  }

  // twin of shared locks.test.ts:364
  it('BoundedSemaphore.release() above the initial value throws RangeError (generator)', () =>
    run(function* () {
      const sem = new BoundedSemaphore(2);
      yield* sem.acquire();
      sem.release();
      expect(() => sem.release()).toThrow(RangeError);
      expect(sem.statistics().value).toBe(2);
    }));

  // twin of shared locks.test.ts:166 (set() wakes every waiter in FIFO order) with async waiters
  // driven by a generator main, exact passes
  it('set() wakes every async waiter in FIFO order within one pass; wait() after set() returns at once (generator main)', () =>
    run(function* () {
      const ev = new Event();
      const order: number[] = [];
      const waiters = [1, 2, 3].map((n) =>
        createTask(async () => {
          expect(await ev.wait()).toBe(true);
          order.push(n);
        }),
      );
      yield* sleep(0);
      expect(ev.statistics().tasksWaiting).toBe(3);
      ev.set();
      yield* sleep(0);
      expect(order).toEqual([1, 2, 3]);
      expect(waiters.every((t) => t.done())).toBe(true);
      expect(yield* ev.wait()).toBe(true);
    }));
});

// ---- queues -----------------------------------------------------------------------------------

describe('queues (twins)', () => {
  // twin of queues.more.test.ts:203
  it('a putter blocked on a full queue finishes after a getNowait() in a timer callback (generator)', () =>
    runVirtual(function* () {
      const q = new Queue<number>(1);
      const started = new Event();
      let finished = false;
      getRunningLoop().callLater(10, () => q.getNowait());
      const t = createTask(function* () {
        started.set();
        yield* q.put(1);
        yield* q.put(2);
        finished = true;
      });
      yield* started.wait();
      expect(finished).toBe(false);
      yield* t;
      expect(finished).toBe(true);
      expect(now()).toBe(10);
    }));

  // twin of shared queues.test.ts:206
  it('waiting getters are served in the order they started waiting (generator)', () =>
    run(function* () {
      const q = new Queue<number>();
      const getter = () =>
        createTask(function* () {
          return yield* q.get();
        });
      const getters = [getter(), getter(), getter()];
      yield* passesG(50);
      for (const i of [10, 20, 30]) q.putNowait(i);
      expect(yield* gather(getters)).toEqual([10, 20, 30]);
    }));

  // twin of shared queues.test.ts:145 / 168
  it('get() of a non-empty queue returns its item, and put() into an unbounded queue does not block (generator)', () =>
    run(function* () {
      const q = new Queue<string>();
      q.putNowait('a');
      expect(yield* q.get()).toBe('a');
      for (let i = 0; i < 5; i++) yield* q.put(String(i));
      expect(q.qsize()).toBe(5);
      expect(q.full()).toBe(false);
    }));

  for (const Q of [Queue, LifoQueue, PriorityQueue]) {
    // twin of queues.more.test.ts:481
    it(`${Q.name}: shutdown() of a full queue fails the putter one pass later; join() waits for taskDone() (generator)`, () =>
      run(function* () {
        const q = new Q<string>(1);
        const loop = getRunningLoop();
        q.putNowait('data');
        const joinTask = loop.createTask(function* () {
          yield* q.join();
        });
        const putTask = loop.createTask(function* () {
          yield* q.put('data2');
        });
        yield* sleep(0);
        expect(putTask.done()).toBe(false);
        q.shutdown(false);
        expect(q.qsize()).toBe(1);
        yield* sleep(0);
        expect(putTask.done()).toBe(true);
        expect(yield* rejectionG(putTask)).toBeInstanceOf(QueueShutDownError);
        expect(yield* q.get()).toBe('data');
        yield* sleep(0);
        expect(joinTask.done()).toBe(false);
        expect(yield* errorOfG(() => q.put('data'))).toBeInstanceOf(QueueShutDownError);
        expect(syncError(() => q.putNowait('data'))).toBeInstanceOf(QueueShutDownError);
        expect(yield* errorOfG(() => q.get())).toBeInstanceOf(QueueShutDownError);
        expect(syncError(() => q.getNowait())).toBeInstanceOf(QueueShutDownError);
        q.taskDone();
        yield* sleep(0);
        expect(joinTask.done()).toBe(true);
        yield* joinTask;
        expect(syncError(() => q.taskDone())).toBeInstanceOf(RangeError);
      }));

    // twin of queues.more.test.ts:510
    it(`${Q.name}: shutdown(true) drops the items; the waiting join() is done one pass later (generator)`, () =>
      run(function* () {
        const q = new Q<string>();
        q.putNowait('data');
        const joinTask = getRunningLoop().createTask(function* () {
          yield* q.join();
        });
        q.shutdown(true);
        expect(q.qsize()).toBe(0);
        yield* sleep(0);
        expect(joinTask.done()).toBe(true);
        yield* joinTask;
        expect(yield* errorOfG(() => q.put('data'))).toBeInstanceOf(QueueShutDownError);
        expect(syncError(() => q.putNowait('data'))).toBeInstanceOf(QueueShutDownError);
        expect(yield* errorOfG(() => q.get())).toBeInstanceOf(QueueShutDownError);
        expect(syncError(() => q.getNowait())).toBeInstanceOf(QueueShutDownError);
        expect(syncError(() => q.taskDone())).toBeInstanceOf(RangeError);
      }));
  }
});

describe('shared-suite task and primitive basics, generator style (twins)', () => {
  // twin of shared locks.test.ts:63
  it('a primitive is not itself awaitable: yield* of it throws TypeError and neither blocks nor acquires it (generator)', () =>
    run(function* () {
      const primitives = [new Lock(), new Condition(), new Semaphore(), new BoundedSemaphore()];
      for (const prim of primitives) {
        expect(prim.locked()).toBe(false);
        let thrown: unknown = null;
        try {
          yield* (prim as unknown as Iterable<unknown>);
        } catch (e) {
          thrown = e;
        }
        expect(thrown).toBeInstanceOf(TypeError);
        expect(prim.locked()).toBe(false);
      }
    }));

  // twin of shared locks.test.ts:190
  it('wait() on a set event resolves to true (generator)', () =>
    run(function* () {
      const ev = new Event();
      ev.set();
      expect(yield* ev.wait()).toBe(true);
    }));

  // twin of shared locks.test.ts:426 (a 1-party barrier never blocks), async tasks driven by a
  // generator main
  it('a 1-party barrier never blocks async tasks (generator main)', () =>
    run(function* () {
      const barrier = new Barrier(1);
      const results = yield* gather([
        createTask(async () => barrier.wait()),
        createTask(async () => barrier.wait()),
      ]);
      expect(results).toEqual([0, 0]);
      expect(barrier.nWaiting).toBe(0);
      expect(barrier.broken).toBe(false);
    }));
});
