// Review of the executors (src/executor/threadpool.ts, src/threads.ts, the loop's runInExecutor /
// setDefaultExecutor / shutdownDefaultExecutor) against CPython 3.13: concurrent.futures'
// ThreadPoolExecutor, asyncio's run_in_executor (futures.wrap_future/_chain_future), to_thread and
// shutdown_default_executor(timeout). Each comment quotes what asyncio does (checked with the Python
// reference). Jobs run on real worker threads: they share state through a SharedArrayBuffer flag
// (closures do not cross) and spin for a few tens of ms.
import { availableParallelism } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CancelledError,
  EventLoop,
  ProcessPoolExecutor,
  RuntimeError,
  ThreadPoolExecutor,
  createTask,
  getRunningLoop,
  newEventLoop,
  run,
  sleep,
  toThread,
  waitFor,
  type Executor,
} from 'tulip';
import { MockClock } from 'tulip/testing';
import { FOREVER, STYLES, passes, recordExceptions, runVirtual, styled, waiting } from './helpers.js';

/** A flag in shared memory: the worker's Atomics.store() is seen by the main thread. */
const newFlag = (): Int32Array => new Int32Array(new SharedArrayBuffer(4));
const isSet = (flag: Int32Array): boolean => Atomics.load(flag, 0) === 1;

/** A self-contained job: spins `ms` real ms, then sets `flag` (when given) and returns `ms`. */
const spin = (ms: number, flag?: Int32Array): number => {
  const start = Date.now();
  while (Date.now() - start < ms) {
    // blocking work
  }
  if (flag !== undefined) Atomics.store(flag, 0, 1);
  return ms;
};

/** Runs `body` with a fresh pool of `maxWorkers` threads, and shuts the pool down (waiting) after. */
async function withPool<T>(maxWorkers: number, body: (pool: ThreadPoolExecutor) => Promise<T>): Promise<T> {
  const pool = new ThreadPoolExecutor({ maxWorkers });
  try {
    return await body(pool);
  } finally {
    await pool.shutdown();
  }
}

/** Polls (every 2 ms, up to `maxMs` real ms) until a worker sets `flag`. */
async function flagSet(flag: Int32Array, maxMs: number): Promise<boolean> {
  for (const start = Date.now(); !isSet(flag) && Date.now() - start < maxMs; ) await new Promise((r) => setTimeout(r, 2));
  return isSet(flag);
}

/**
 * One thread shared by the cancellation tests (a thread takes tens of ms to start): jobs run in
 * FIFO order, so once `drain()`'s job is back every job submitted before it has run or was dropped.
 */
const oneThread = new ThreadPoolExecutor({ maxWorkers: 1 });
afterAll(() => oneThread.shutdown());
const drain = (): Promise<number> => oneThread.submit(() => 0);

/** The error `fn()` throws synchronously, or null. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
    return null;
  } catch (e) {
    return e;
  }
}

/** Lets promise callbacks and a host macrotask run (settlements already on their way arrive). */
const hostTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

/** An executor whose jobs never run, and whose shutdown() is `shutdown` (records each `wait`). */
function fakeExecutor(shutdown: (wait?: boolean) => PromiseLike<void> | void): Executor & { waits: unknown[] } {
  const waits: unknown[] = [];
  return {
    waits,
    submit: () => new Promise<never>(() => {}),
    shutdown: (wait?: boolean) => {
      waits.push(wait);
      return shutdown(wait);
    },
  };
}

describe('cancelling a job that still waits in the queue', () => {
  // asyncio: run_in_executor returns wrap_future(executor.submit(...)); _chain_future's
  // _call_check_cancel calls source.cancel() when the asyncio future is cancelled, and
  // concurrent.futures.Future.cancel() succeeds for a job still in the work queue: it never runs.
  // tulip aborts the signal runInExecutor gives ThreadPoolExecutor.submitWith, which takes the job
  // out of the queue.
  it('a cancelled runInExecutor future whose job is still queued keeps that job from running', () =>
    run(async () => {
      const loop = getRunningLoop();
      const ran = newFlag();
      const blocker = loop.runInExecutor(oneThread, spin, 10);
      const queued = loop.runInExecutor(oneThread, spin, 0, ran);
      expect(oneThread.statistics().queued).toBe(1);
      expect(queued.cancel()).toBe(true);
      await blocker;
      await drain(); // a job still queued would have run by now
      expect(isSet(ran)).toBe(false);
    }));

  for (const style of STYLES) {
    it(`cancelling a task that waits on a queued toThread job keeps the job from running (${style})`, () =>
      run(async () => {
        getRunningLoop().setDefaultExecutor(oneThread);
        const ran = newFlag();
        const blocker = toThread(spin, 10);
        const t = createTask(waiting(style, () => toThread(spin, 0, ran)));
        await passes(2);
        t.cancel();
        await expect(t).rejects.toBeInstanceOf(CancelledError);
        await blocker;
        await drain();
        getRunningLoop().setDefaultExecutor(null); // run() would shut the shared pool down
        expect(isSet(ran)).toBe(false);
      }));
  }
});

describe('cancelling a task that waits on a running job', () => {
  for (const style of STYLES) {
    it(`stops the wait at once; the job runs to its end, its result is dropped quietly, and the pool goes on (${style})`, () =>
      run(async () => {
        const loop = getRunningLoop();
        const seen = recordExceptions(loop);
        const done = newFlag();
        const t = createTask(waiting(style, () => loop.runInExecutor(oneThread, spin, 20, done)));
        await passes(2);
        expect(oneThread.statistics().busy).toBe(1);
        t.cancel();
        await expect(t).rejects.toBeInstanceOf(CancelledError);
        expect(isSet(done)).toBe(false); // the wait ended before the job
        expect(await loop.runInExecutor(oneThread, (a: number) => a + 1, 1)).toBe(2); // queued behind it
        expect(isSet(done)).toBe(true);
        expect(seen).toEqual([]);
      }));
  }
});

describe('the default executor at exit', () => {
  it('run() waits at exit for a job nobody awaited', async () => {
    const done = newFlag();
    await run(async () => {
      void toThread(spin, 20, done);
    });
    expect(isSet(done)).toBe(true);
  });

  // asyncio.run cancels the leftover tasks (and waits for them) before shutdown_default_executor().
  for (const style of STYLES) {
    it(`a task that run() cancels at exit can still use toThread in its finally (${style})`, async () => {
      const got: number[] = [];
      const double = (a: number): number => a * 2;
      await run(
        styled(
          style,
          function* () {
            createTask(function* () {
              try {
                yield* sleep(FOREVER);
              } finally {
                got.push(yield* toThread(double, 21));
              }
            });
            yield* sleep(0);
          },
          async () => {
            createTask(async () => {
              try {
                await sleep(FOREVER);
              } finally {
                got.push(await toThread(double, 21));
              }
            });
            await sleep(0);
          },
        ),
      );
      expect(got).toEqual([42]);
    });
  }

  // asyncio: shutdown_default_executor() leaves self._default_executor set, so a second call (run()'s
  // own at exit) runs executor.shutdown(wait=True) again and waits for the jobs too. tulip keeps the
  // shutdown under way and every call waits for it.
  it('a second shutdownDefaultExecutor() waits for the shutdown still in progress, so run() returns after it', async () => {
    let release = (): void => {};
    const ex = fakeExecutor(() => new Promise<void>((r) => (release = r)));
    const ran = run(async () => {
      const loop = getRunningLoop();
      loop.setDefaultExecutor(ex);
      void loop.shutdownDefaultExecutor(); // not awaited (or its waiter timed out)
    });
    const first = await Promise.race([ran.then(() => 'run() returned'), new Promise((r) => setTimeout(() => r('run() waits'), 50))]);
    release();
    await ran;
    expect(first).toBe('run() waits');
  });

  // asyncio 3.12+: shutdown_default_executor(timeout): on timeout it warns "The executor did not
  // finishing joining its threads within N seconds." (RuntimeWarning), calls
  // executor.shutdown(wait=False) and returns; asyncio.run passes 300 s. tulip reports the warning
  // to the exception handler.
  it('shutdownDefaultExecutor(timeoutMs) gives up waiting after the timeout (real time), reports it and shuts the executor down without waiting', () =>
    run(async () => {
      const loop = getRunningLoop();
      const seen = recordExceptions(loop);
      let joined!: () => void; // a join that ends only once shut down without waiting (run()'s own waits for it)
      const join = new Promise<void>((resolve) => (joined = resolve));
      const ex = fakeExecutor((wait) => (wait === false ? joined() : join));
      loop.setDefaultExecutor(ex);
      const t0 = performance.now();
      await waitFor(loop.shutdownDefaultExecutor(30), 5000);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(25);
      expect(ex.waits).toEqual([true, false]);
      expect(seen.map((c) => c.message)).toEqual([
        'shutdownDefaultExecutor: the default executor did not finish joining its threads within 30 ms; shut down without waiting',
      ]);
    }));

  it('run() gives the default executor 300 s at exit', async () => {
    const asked: unknown[] = [];
    class Recording extends EventLoop {
      override shutdownDefaultExecutor(timeoutMs?: number | null) {
        asked.push(timeoutMs);
        return super.shutdownDefaultExecutor(timeoutMs);
      }
    }
    await run(async () => {}, { loopFactory: () => new Recording() });
    expect(asked).toEqual([300_000]);
  });

  // The timeout is real time, as asyncio's thread join: under a MockClock that jumps while the
  // loop idles, the threads' real shutdown is not given up on at once.
  it('run() under an autojumping MockClock waits for the thread pool to end without reporting it', async () => {
    const seen: string[] = [];
    await run(
      async () => {
        getRunningLoop().setExceptionHandler((_l, c) => void seen.push(c.message));
        expect(await toThread((a: number) => a * 2, 21)).toBe(42);
      },
      { clock: new MockClock({ autojumpThreshold: 0 }) },
    );
    expect(seen).toEqual([]);
  });

  it('shutdownDefaultExecutor(timeoutMs): a non-number is refused with TypeError, NaN or a negative number with RangeError; null, undefined and Infinity mean no limit', async () => {
    const loop = newEventLoop();
    try {
      expect(thrown(() => loop.shutdownDefaultExecutor('5' as never))).toBeInstanceOf(TypeError);
      expect(String(thrown(() => loop.shutdownDefaultExecutor('5' as never)))).toMatch(/shutdownDefaultExecutor: timeoutMs must be a number/);
      for (const bad of [NaN, -1]) expect(thrown(() => loop.shutdownDefaultExecutor(bad))).toBeInstanceOf(RangeError);
      for (const none of [null, undefined, Infinity]) await loop.runUntilComplete(loop.shutdownDefaultExecutor(none));
    } finally {
      loop.close();
    }
  });

  // undefined (JavaScript's usual "none") means the default executor, as null does, so it is
  // refused after the shutdown as null is (asyncio's executor=None).
  it('runInExecutor(undefined, …) after shutdownDefaultExecutor() is refused as runInExecutor(null, …) is', async () => {
    const loop = newEventLoop();
    await loop.runUntilComplete(loop.shutdownDefaultExecutor());
    const e = thrown(() => loop.runInExecutor(undefined as never, () => 1));
    loop.close();
    expect(e).toBeInstanceOf(RuntimeError);
    expect(String(e)).toMatch(/Executor shutdown has been called/);
  });

  // asyncio's close() calls executor.shutdown(wait=False), which stops nothing: the running job ends
  // normally and its asyncio future stays pending (the loop is closed) (r11_close_kills.py:
  // "job finished after close(): True"). ThreadPoolExecutor.shutdown(false) is that wait=False.
  it('loop.close() without shutdownDefaultExecutor() lets a running job finish', async () => {
    const loop = newEventLoop();
    const done = newFlag();
    const f = loop.runInExecutor(null, spin, 30, done);
    loop.close();
    await hostTurn();
    expect(f.done()).toBe(false);
    expect(await flagSet(done, 5000)).toBe(true); // a new thread, on a machine that may be loaded
  });

  // asyncio: _chain_future's _call_set_state returns when the destination is cancelled and its
  // loop is closed: nothing is reported (r4_cancel_then_close.py: "seen []"). The jobs run to their
  // end after close(), their results dropped.
  it('jobs whose futures were cancelled before loop.close() end without a report to the exception handler', async () => {
    const loop = newEventLoop();
    const seen = recordExceptions(loop);
    const futs = [loop.runInExecutor(null, spin, 30), loop.runInExecutor(null, spin, 30)];
    for (const f of futs) f.cancel();
    loop.close();
    await hostTurn();
    expect(seen.map((c) => `${c.message}: ${String(c.exception)}`)).toEqual([]);
  });
});

describe('what a job does to its thread', () => {
  // Jobs and replies travel on a private MessageChannel: a message a job posts on parentPort itself
  // (a progress report, as code written for Piscina may) is not taken for its reply. asyncio has no
  // such channel; the job must just work.
  it('a job that posts its own message to the parent thread still gets its result', () =>
    withPool(1, async (pool) => {
      const ended = newFlag();
      const job = pool.submit(async (flag: Int32Array) => {
        require('node:worker_threads').parentPort.postMessage({ progress: 50 });
        await new Promise((r) => setTimeout(r, 5));
        Atomics.store(flag, 0, 1);
        return 'result';
      }, ended);
      const late = flagSet(ended, 1000).then(() => new Promise((r) => setTimeout(() => r('still pending'), 50)));
      const outcome = await Promise.race([job, late]);
      expect(outcome).toBe('result');
    }),
  );

  it('an uncaught error in a timer or a stray rejection fails the pending job with it; a waiting shutdown() goes on with a new thread for the queued job', async () => {
    const pool = new ThreadPoolExecutor({ maxWorkers: 2 });
    const viaTimer = pool.submit(async () => {
      setTimeout(() => {
        throw new TypeError('timer blew up');
      }, 1);
      await new Promise(() => {});
    });
    const viaRejection = pool.submit(async () => {
      void Promise.reject(new Error('stray rejection'));
      await new Promise(() => {});
    });
    const queued = pool.submit(() => 'queued ran');
    const shutdown = pool.shutdown();
    const outcomes = await Promise.allSettled([viaTimer, viaRejection, queued]);
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : String(o.reason)))).toEqual([
      'TypeError: timer blew up',
      'Error: stray rejection',
      'queued ran',
    ]);
    await shutdown;
    expect(pool.statistics()).toEqual({ threads: 0, busy: 0, queued: 0 });
  });
});

describe('what a job may be', () => {
  // asyncio refuses coroutine functions in debug mode because its thread would only make a
  // coroutine object nobody awaits; tulip's worker awaits the promise an async function returns
  // (submit() takes `R | PromiseLike<R>`), so debug mode refuses generator functions only.
  it('in debug mode toThread runs an async function, as it does with debug off', async () => {
    const job = async (x: number): Promise<number> => x * 2;
    expect(await run(async () => toThread(job, 21))).toBe(42);
    expect(await run(async () => toThread(job, 21), { debug: true })).toBe(42);
  });

  // A bound or native function's source text is "function () { [native code] }": nothing a thread
  // could rebuild. asyncio runs any callable; tulip cannot, so submit() says why, at the call.
  it('a bound or native function is refused at submit() with a TypeError that says its source cannot be sent to a thread', () => {
    for (const fn of [Math.max, ((a: number) => a).bind(null)]) {
      const e = thrown(() => oneThread.submit(fn as (a: number) => number, 1));
      expect(e).toBeInstanceOf(TypeError);
      expect(String(e)).toMatch(/ThreadPoolExecutor.submit: the source of .* cannot be sent to a thread: a native or bound function/);
    }
  });

  it('a method written in shorthand (an object’s, a class’s static one, async or not) runs in the thread', async () => {
    const obj = {
      double(x: number): number {
        return x * 2;
      },
      async half(x: number): Promise<number> {
        return x / 2;
      },
    };
    class K {
      static triple(x: number): number {
        return x * 3;
      }
    }
    expect(await Promise.all([oneThread.submit(obj.double, 2), oneThread.submit(obj.half, 2), oneThread.submit(K.triple, 2)])).toEqual([4, 1, 6]);
  });

  // concurrent.futures: submit() on a shut-down executor raises RuntimeError('cannot schedule new
  // futures after shutdown'), so run_in_executor raises at the call.
  it('runInExecutor on a shut-down pool throws RuntimeError at the call', () =>
    run(async () => {
      const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
      await pool.shutdown();
      const e = thrown(() => getRunningLoop().runInExecutor(pool, () => 1));
      expect(e).toBeInstanceOf(RuntimeError);
      expect(String(e)).toMatch(/cannot schedule new jobs after shutdown/);
    }));

  it('an unknown option (Piscina’s maxThreads) is refused with a TypeError naming it', () => {
    expect(() => new ThreadPoolExecutor({ maxThreads: 2 } as never)).toThrow(/unknown option "maxThreads"/);
  });

  it('maxWorkers: a non-finite, negative or fractional number is a RangeError, a non-number a TypeError; null means the default', () => {
    for (const n of [Infinity, NaN, -1, 0, 1.5]) {
      expect(() => new ThreadPoolExecutor({ maxWorkers: n })).toThrow(RangeError);
      expect(() => new ProcessPoolExecutor({ maxWorkers: n })).toThrow(RangeError);
      expect(() => new ProcessPoolExecutor({ maxTasksPerChild: n })).toThrow(RangeError);
    }
    for (const n of ['2', {}, true]) {
      expect(() => new ThreadPoolExecutor({ maxWorkers: n as never })).toThrow(TypeError);
      expect(() => new ThreadPoolExecutor({ maxWorkers: n as never })).toThrow(/maxWorkers must be a positive integer/);
      expect(() => new ProcessPoolExecutor({ maxWorkers: n as never })).toThrow(TypeError);
      expect(() => new ProcessPoolExecutor({ maxTasksPerChild: n as never })).toThrow(/maxTasksPerChild must be a positive integer or null/);
    }
  });

  it('the default maxWorkers is asyncio\'s for threads, min(32, cpus + 4), and the cpu count for processes', () => {
    const cpus = Math.max(1, availableParallelism());
    expect(new ThreadPoolExecutor().maxWorkers).toBe(Math.min(32, cpus + 4));
    expect(new ThreadPoolExecutor({ maxWorkers: null as never }).maxWorkers).toBe(Math.min(32, cpus + 4));
    expect(new ProcessPoolExecutor().maxWorkers).toBe(cpus);
  });
});
