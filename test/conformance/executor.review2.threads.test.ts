// Second adversarial review of the executors (toThread, loop.runInExecutor / setDefaultExecutor /
// shutdownDefaultExecutor, ThreadPoolExecutor) against CPython 3.13: asyncio.to_thread,
// run_in_executor (wrap_future / _chain_future), shutdown_default_executor and
// concurrent.futures.ThreadPoolExecutor. Each comment quotes what the Python probes under
// /tmp/rv-exec/ printed (pure-Python asyncio 3.13; jobs there sleep with time.sleep so that the GIL
// does not skew the timing). Shared helpers: executor.review2.helpers.ts.
//
// This part: the threads themselves: FIFO order, thread reuse and the concurrency bound, what
// crosses the thread boundary (errors, arguments, results), and a job that breaks its thread.
import { describe, expect, it } from 'vitest';
import { CancelledError, RuntimeError, ThreadPoolExecutor, createTask, gather, getRunningLoop, run, sleep, toThread } from 'tulip';
import { STYLES, passes, recordExceptions } from './helpers.js';
import { drain, hold, installHooks, nap, newFlag, oneThread, outcomeOf, release } from './executor.review2.helpers.js';

installHooks();

/** A log in shared memory: slot 0 counts the entries that follow. */
const newLog = (n: number): Int32Array => new Int32Array(new SharedArrayBuffer(4 * (n + 1)));
const logged = (log: Int32Array): number[] => Array.from(log.subarray(1, 1 + Atomics.load(log, 0)));

// ---- FIFO order and the thread bound ----------------------------------------------------------

describe('FIFO order and the thread bound', () => {
  // concurrent.futures: one worker runs the jobs in the order submitted; jobs whose asyncio future
  // was cancelled while queued are skipped (p2.py p10: "order [0, 1, 3, 4, 6, 7]").
  it('a one-thread pool runs jobs in submission order, skipping those whose future was cancelled while queued', () =>
    run(async () => {
      const loop = getRunningLoop();
      const log = newLog(8);
      const job = (l: Int32Array, i: number): void => {
        Atomics.store(l, 1 + Atomics.add(l, 0, 1), i);
        if (i === 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10); // the rest stay queued meanwhile
      };
      const futs = Array.from({ length: 8 }, (_, i) => loop.runInExecutor(oneThread, job, log, i));
      await passes(1);
      expect([futs[2]!.cancel(), futs[5]!.cancel()]).toEqual([true, true]);
      await gather(futs, { returnExceptions: true });
      await drain();
      expect(logged(log)).toEqual([0, 1, 3, 4, 6, 7]);
    }));

  // concurrent.futures: an idle thread takes the next job rather than a new thread being started
  // (_adjust_thread_count acquires the idle semaphore): jobs awaited one after the other run on one
  // thread (p2.py p8: "distinct 1 threads 1").
  it('jobs awaited one after the other reuse one idle thread, even when maxWorkers allows more', () =>
    run(async () => {
      const loop = getRunningLoop();
      const pool = new ThreadPoolExecutor({ maxWorkers: 4 });
      try {
        const ids: number[] = [];
        for (let i = 0; i < 5; i++) ids.push(await loop.runInExecutor(pool, () => require('node:worker_threads').threadId as number));
        expect(new Set(ids).size).toBe(1);
        expect(pool.statistics().threads).toBe(1);
      } finally {
        await pool.shutdown();
      }
    }));

  // concurrent.futures: 9 jobs on max_workers=3 never run more than 3 at once, on 3 threads
  // (p1.py p7: "peak 3 threads 3"). tulip's statistics() shows the queue meanwhile.
  it('nine jobs on maxWorkers 3 run at most three at once, on three threads, the rest queued', () =>
    run(async () => {
      const loop = getRunningLoop();
      const pool = new ThreadPoolExecutor({ maxWorkers: 3 });
      try {
        // [current, peak]
        const gauge = new Int32Array(new SharedArrayBuffer(8));
        const job = (g: Int32Array): void => {
          const now = Atomics.add(g, 0, 1) + 1;
          for (let peak = Atomics.load(g, 1); now > peak; peak = Atomics.load(g, 1)) {
            if (Atomics.compareExchange(g, 1, peak, now) === peak) {
              Atomics.notify(g, 1);
              break;
            }
          }
          // The first jobs wait (up to 1 s) for three to run at once: threads start at different times.
          for (const end = Date.now() + 1000; Atomics.load(g, 1) < 3 && Date.now() < end; ) Atomics.wait(g, 1, Atomics.load(g, 1), 20);
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);
          Atomics.sub(g, 0, 1);
        };
        const futs = Array.from({ length: 9 }, () => loop.runInExecutor(pool, job, gauge));
        expect(pool.statistics()).toEqual({ threads: 3, busy: 3, queued: 6 });
        await gather(futs);
        expect(Atomics.load(gauge, 1)).toBe(3);
        expect(pool.statistics()).toEqual({ threads: 3, busy: 0, queued: 0 });
      } finally {
        await pool.shutdown();
      }
    }));
});

// ---- what crosses the thread boundary ----------------------------------------------------------

describe('what crosses the thread boundary', () => {
  // asyncio: to_thread re-raises the very exception object, its __cause__ kept (p2.py p12: "E
  // outer KeyError"). tulip rebuilds the error from the thread (see ThreadPoolExecutor's doc): its
  // built-in class, message, a cause chain, and the thread's stack naming the job's function.
  for (const style of STYLES) {
    it(`an error thrown in the thread reaches the awaiting task with its class, message, two-deep cause chain and the thread's stack (${style})`, () =>
      run(async () => {
        const loop = getRunningLoop();
        const failingJobInThread = function failingJobInThread(): never {
          const root = new RangeError('root');
          const mid = new Error('mid', { cause: root });
          throw new TypeError('outer', { cause: mid });
        };
        const [kind, e] = await createTask(outcomeOf(style, () => loop.runInExecutor(oneThread, failingJobInThread)));
        expect(kind).toBe('err');
        expect(e).toBeInstanceOf(TypeError);
        const outer = e as Error;
        expect(outer.message).toBe('outer');
        expect(outer.stack).toMatch(/^TypeError: outer\n/);
        expect(outer.stack).toMatch(/failingJobInThread/);
        const mid = outer.cause as Error;
        expect([mid.constructor, mid.message]).toEqual([Error, 'mid']);
        const root = mid.cause as Error;
        expect([root.constructor, root.message]).toEqual([RangeError, 'root']);
      }));
  }

  // asyncio: the traceback of an error raised in a to_thread job names the job's function ("File
  // …, line 4, in named_job", p6.py). tulip: the thread's stack names a `function` expression, but
  // an arrow function (the usual job) was compiled in the thread as an anonymous expression, its
  // frame reading "at eval (eval at …)"; fixed: the thread gives it the name it has here.
  it("the thread's stack of an arrow-function job names the job as the loop's thread knows it", () =>
    run(async () => {
      const arrowJobInThread = (): never => {
        throw new TypeError('outer');
      };
      const e = await getRunningLoop()
        .runInExecutor(oneThread, arrowJobInThread)
        .then(
          () => null,
          (err: unknown) => err,
        );
      expect((e as Error).stack).toMatch(/^TypeError: outer\n\s+at arrowJobInThread /);
    }));

  // No asyncio counterpart (a Python thread gets the object itself). tulip's arguments travel by
  // structured clone (ThreadPoolExecutor's doc): a class instance arrives as a plain object with
  // its own fields; Maps, Dates and BigInts arrive whole.
  it('a class instance argument arrives as a plain object with its own fields; Map, Date and BigInt arrive whole', () =>
    run(async () => {
      class Point {
        constructor(
          readonly x: number,
          readonly y: number,
        ) {}
        norm(): number {
          return Math.hypot(this.x, this.y);
        }
      }
      const seen = await getRunningLoop().runInExecutor(
        oneThread,
        (p: Point, m: Map<string, number>, d: Date, b: bigint) => ({
          proto: Object.getPrototypeOf(p) === Object.prototype,
          fields: [p.x, p.y],
          hasNorm: typeof (p as { norm?: unknown }).norm,
          map: m instanceof Map ? [...m] : null,
          date: d instanceof Date ? d.getTime() : null,
          big: typeof b === 'bigint' ? b * 2n : null,
        }),
        new Point(3, 4),
        new Map([['a', 1]]),
        new Date(1000),
        21n,
      );
      expect(seen).toEqual({ proto: true, fields: [3, 4], hasNorm: 'undefined', map: [['a', 1]], date: 1000, big: 42n });
    }));

  // No asyncio counterpart. tulip: an argument that cannot be cloned (a Symbol) fails the job's
  // future with DataCloneError — also for a job queued behind a busy thread, when its turn comes;
  // the job behind it runs, and the pool stays usable.
  for (const style of STYLES) {
    it(`an argument that cannot be cloned fails the awaiting task with DataCloneError, also when queued; the next job runs (${style})`, () =>
      run(async () => {
        const loop = getRunningLoop();
        const gate = newFlag();
        const blocker = loop.runInExecutor(oneThread, hold, gate, undefined, 10);
        const t = createTask(outcomeOf(style, () => loop.runInExecutor(oneThread, (s: unknown) => typeof s, Symbol('s'))));
        const after = loop.runInExecutor(oneThread, nap, 1);
        await passes(2);
        expect(oneThread.statistics().queued).toBe(2);
        release(gate);
        const [kind, e] = await t;
        expect(kind).toBe('err');
        expect((e as Error).name).toBe('DataCloneError');
        expect([await blocker, await after]).toEqual([10, 1]);
        expect(oneThread.statistics()).toMatchObject({ threads: 1, busy: 0, queued: 0 });
      }));
  }

  // No asyncio counterpart. tulip: a result that cannot be cloned (a Symbol) fails the job with an
  // Error that shows it; the thread stays in use.
  it('a Symbol result fails the job with an Error saying the result cannot be sent back; the thread stays', () =>
    run(async () => {
      const loop = getRunningLoop();
      const e = await loop.runInExecutor(oneThread, () => Symbol('gone')).then(
        () => null,
        (err: unknown) => err,
      );
      expect(e).toBeInstanceOf(Error);
      expect((e as Error).message).toMatch(/the job's result cannot be sent back to the loop .*Symbol\(gone\)/s);
      expect(oneThread.statistics().threads).toBe(1);
      expect(await loop.runInExecutor(oneThread, () => 7)).toBe(7);
    }));
});

// ---- a thread that dies or overflows -----------------------------------------------------------

describe('a job that breaks its thread', () => {
  // No asyncio counterpart (os._exit in a Python thread ends the process). tulip: a job calling
  // process.exit(0) ends only its worker thread: the awaiting task gets a RuntimeError naming the
  // exit code, and the default pool runs the next job on a new thread.
  for (const style of STYLES) {
    it(`process.exit(0) in a toThread job fails the awaiting task with RuntimeError; the default pool goes on (${style})`, () =>
      run(async () => {
        const loop = getRunningLoop();
        const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
        loop.setDefaultExecutor(pool);
        const firstId = await toThread(() => require('node:worker_threads').threadId as number);
        const [kind, e] = await createTask(outcomeOf(style, () => toThread(() => process.exit(0))));
        expect(kind).toBe('err');
        expect(e).toBeInstanceOf(RuntimeError);
        expect(String(e)).toMatch(/the thread exited \(code 0\) while the job ran/);
        const nextId = await toThread(() => require('node:worker_threads').threadId as number);
        expect(nextId).not.toBe(firstId);
        expect(pool.statistics()).toEqual({ threads: 1, busy: 0, queued: 0 });
      }));
  }

  // A Python RecursionError raised in a thread reaches the awaiting task; the thread stays usable.
  // tulip: the RangeError of an overflowed stack comes back and the thread is reused.
  it('a stack overflow in a job comes back as RangeError and the thread is reused', () =>
    run(async () => {
      const loop = getRunningLoop();
      const id = await loop.runInExecutor(oneThread, () => require('node:worker_threads').threadId as number);
      const e = await loop
        .runInExecutor(oneThread, () => {
          const down = (n: number): number => down(n + 1) + 1;
          return down(0);
        })
        .then(
          () => null,
          (err: unknown) => err,
        );
      expect(e).toBeInstanceOf(RangeError);
      expect((e as Error).message).toMatch(/Maximum call stack size exceeded/);
      expect(await loop.runInExecutor(oneThread, () => require('node:worker_threads').threadId as number)).toBe(id);
    }));

  // A job that fails after its task was cancelled at exit is the documented difference tested in
  // test/executor/threadpool.jobs.test.ts (tulip reports it; asyncio drops it), so it is not
  // repeated here. What is checked: nothing is reported for a successful job whose wait was
  // cancelled (asyncio: _call_set_state returns early for a cancelled destination).
  it('a job that succeeds after its waiting task was cancelled is dropped without a report', () =>
    run(async () => {
      const loop = getRunningLoop();
      const seen = recordExceptions(loop);
      const gate = newFlag();
      const t = createTask(() => loop.runInExecutor(oneThread, hold, gate));
      await passes(2);
      t.cancel();
      await expect(t).rejects.toBeInstanceOf(CancelledError);
      release(gate);
      await drain();
      await sleep(0);
      expect(seen).toEqual([]);
    }));
});
