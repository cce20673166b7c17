import { describe, it, expect, vi } from 'vitest';
import { Worker } from 'node:worker_threads';
import { CancelledError, RuntimeError, ThreadPoolExecutor, createTask, gather, getRunningLoop, isCancelledError, run, sleep, toThread } from 'tulip';

describe('ThreadPoolExecutor', () => {
  it('toThread runs a self-contained function on another thread and returns its result', () =>
    run(async () => {
      const mainId = (await import('node:worker_threads')).threadId;
      const id = await toThread(() => require('node:worker_threads').threadId as number);
      expect(id).not.toBe(mainId);
      expect(await toThread((a: number, b: number) => a * b, 6, 7)).toBe(42);
    }));

  it('runs jobs in parallel while the loop keeps running its tasks', () =>
    run(async () => {
      // Each job waits (up to 10 s) for the other to start: both meet only if they run at once, on
      // two threads, however late a loaded machine starts the second; then each spins 150 ms.
      const meet = (sab: SharedArrayBuffer): boolean => {
        const n = new Int32Array(sab);
        Atomics.add(n, 0, 1);
        Atomics.notify(n, 0);
        const deadline = Date.now() + 10_000;
        while (Atomics.load(n, 0) < 2 && Date.now() < deadline) Atomics.wait(n, 0, 1, 50);
        const t = Date.now();
        while (Date.now() - t < 150);
        return Atomics.load(n, 0) >= 2;
      };
      let ticks = 0;
      const ticker = createTask(async () => {
        for (;;) {
          await sleep(5);
          ticks++;
        }
      });
      const sab = new SharedArrayBuffer(4);
      const met = await gather([toThread(meet, sab), toThread(meet, sab)]);
      ticker.cancel();
      expect(met).toEqual([true, true]); // the two jobs ran at the same time, on two threads
      expect(ticks).toBeGreaterThan(5); // and the loop was never blocked
    }));

  it('an error thrown in the thread comes back with its class and message', () =>
    run(async () => {
      const e = await toThread(() => {
        throw new RangeError('bad range in thread');
      }).then(
        () => null,
        (err: unknown) => err,
      );
      expect(e).toBeInstanceOf(RangeError);
      expect((e as Error).message).toBe('bad range in thread');
    }));

  it('a function that uses a closure fails with a ReferenceError: only self-contained code crosses', () =>
    run(async () => {
      const outer = 5;
      const e = await toThread(() => outer + 1).then(
        () => null,
        (err: unknown) => err,
      );
      expect(e).toBeInstanceOf(ReferenceError);
    }));

  it('cancelling the waiting task stops the wait, not the job; the pool stays usable', () =>
    run(async () => {
      const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
      const loop = getRunningLoop();
      const t = createTask(async () => loop.runInExecutor(pool, (ms: number) => { const s = Date.now(); while (Date.now() - s < ms); return 'job done'; }, 50));
      await sleep(5);
      t.cancel();
      const err = await t.then(() => null, (e: unknown) => e);
      expect(isCancelledError(err)).toBe(true);
      expect(await loop.runInExecutor(pool, () => 'next job')).toBe('next job'); // queued behind the first
      await pool.shutdown();
    }));

  it('shutdown() waits for running and queued jobs, then ends every thread, including those whose job ended during the wait', async () => {
    const terminate = vi.spyOn(Worker.prototype, 'terminate');
    try {
      const pool = new ThreadPoolExecutor({ maxWorkers: 2 });
      const spin = (ms: number): number => { const s = Date.now(); while (Date.now() - s < ms); return ms; };
      const jobs = [pool.submit(spin, 40), pool.submit(spin, 10), pool.submit(spin, 10)];
      expect(pool.statistics()).toEqual({ threads: 2, busy: 2, queued: 1 });
      await pool.shutdown();
      expect(await Promise.all(jobs)).toEqual([40, 10, 10]);
      expect(terminate).toHaveBeenCalledTimes(2);
      expect(pool.statistics()).toEqual({ threads: 0, busy: 0, queued: 0 });
    } finally {
      terminate.mockRestore();
    }
  });

  it('a job that ends its thread (process.exit) fails with a RuntimeError, and the pool goes on with a new thread', async () => {
    const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    const exiting = pool.submit(() => process.exit(3));
    const queued = pool.submit(() => 'queued behind it');
    await expect(exiting).rejects.toThrow('ThreadPoolExecutor: the thread exited (code 3) while the job ran');
    expect(await queued).toBe('queued behind it');
    expect(await pool.submit((a: number) => a + 1, 1)).toBe(2);
    await pool.shutdown();
    expect(pool.statistics().threads).toBe(0);
  });

  it('a thread that dies after its job (an uncaught error in a timer) is not reused: the next job runs on a new thread', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
      expect(await pool.submit(() => { setTimeout(() => { throw new Error('late'); }, 5); return 1; })).toBe(1);
      // The thread dies meanwhile (polled: a loaded machine may take longer than a fixed wait).
      for (let i = 0; i < 500 && pool.statistics().threads > 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(pool.statistics().threads).toBe(0);
      expect(await pool.submit(() => 2)).toBe(2);
      await pool.shutdown();
      expect(warnings.some((m) => m.includes('a thread died between jobs') && m.includes('late'))).toBe(true);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('shutdown({ terminate: true }) fails the running job, drops the queued one, and a shut-down pool refuses new jobs at the call', async () => {
    const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    const first = pool.submit(() => { const s = Date.now(); while (Date.now() - s < 30); return 1; }).catch((e: unknown) => e);
    const queued = pool.submit(() => 2).catch((e: unknown) => e);
    await pool.shutdown({ terminate: true });
    expect(await queued).toBeInstanceOf(CancelledError);
    expect(String(await queued)).toMatch(/dropped from the queue before it ran/);
    expect(String(await first)).toMatch(/RuntimeError: ThreadPoolExecutor.shutdown: the thread was terminated before the job finished \(it may have run in part, or not at all\)/);
    expect(() => pool.submit(() => 3)).toThrow(RuntimeError);
    expect(() => pool.submit(() => 3)).toThrow('ThreadPoolExecutor.submit: cannot schedule new jobs after shutdown (the executor is shut down)');
    expect(pool.statistics()).toEqual({ threads: 0, busy: 0, queued: 0 });
  });

  it('shutdown(false) returns at once and stops nothing: the running and queued jobs end, then the threads', async () => {
    const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    const jobs = [pool.submit(() => { const s = Date.now(); while (Date.now() - s < 20); return 1; }), pool.submit(() => 2)];
    await pool.shutdown(false);
    expect(pool.statistics()).toEqual({ threads: 1, busy: 1, queued: 1 });
    expect(await Promise.all(jobs)).toEqual([1, 2]);
    await pool.shutdown(); // waits for the same end
    expect(pool.statistics()).toEqual({ threads: 0, busy: 0, queued: 0 });
  });

  it('shutdown({ cancelFutures: true }) drops the queued jobs (CancelledError) and lets the running one end', async () => {
    const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    const running = pool.submit(() => { const s = Date.now(); while (Date.now() - s < 20); return 'ran'; });
    const queued = pool.submit(() => 'never').catch((e: unknown) => e);
    await pool.shutdown({ cancelFutures: true });
    expect(await running).toBe('ran');
    expect(await queued).toBeInstanceOf(CancelledError);
  });

  it('shutdown() options: unknown ones and non-booleans are refused with TypeError', async () => {
    const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    expect(() => pool.shutdown({ now: true } as never)).toThrow('ThreadPoolExecutor.shutdown: unknown option "now" (the options are: wait, cancelFutures, terminate)');
    expect(() => pool.shutdown({ wait: 1 } as never)).toThrow('ThreadPoolExecutor.shutdown: wait must be a boolean, got 1');
    await pool.shutdown();
  });

  it('a result or error the thread cannot send back fails the job with an Error that shows it; the thread stays in use', async () => {
    const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    try {
      const badValue = await pool.submit(() => ({ n: 1, f: () => 2 })).catch((e: unknown) => e);
      expect(badValue).toBeInstanceOf(Error);
      expect((badValue as Error).message).toMatch(/the job's result cannot be sent back to the loop .*n: 1/s);
      const badError = await pool
        .submit(() => {
          throw { s: Symbol('x'), msg: 'not cloneable' };
        })
        .catch((e: unknown) => e);
      expect((badError as Error).message).toMatch(/the job's error cannot be sent back .*not cloneable/s);
      expect(pool.statistics().threads).toBe(1);
      expect(await pool.submit((a: number) => a * 2, 21)).toBe(42);
    } finally {
      await pool.shutdown();
    }
  });

  it('arguments that cannot be cloned fail the job and leave the thread idle and unref()ed', async () => {
    const unref = vi.spyOn(Worker.prototype, 'unref');
    const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    try {
      const e = await pool.submit((f: unknown) => typeof f, (() => 1) as unknown).catch((err: unknown) => err);
      expect((e as Error).name).toBe('DataCloneError');
      expect(pool.statistics()).toEqual({ threads: 1, busy: 0, queued: 0 });
      // spawned unref()ed, ref()ed for the job, unref()ed again when the job could not be sent
      expect(unref).toHaveBeenCalledTimes(2);
      expect(await pool.submit(() => 'next')).toBe('next');
    } finally {
      unref.mockRestore();
      await pool.shutdown();
    }
  });

  it('shutdown({ terminate: true }) during a shutdown() that waits for a job lets that one return too', async () => {
    const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    const job = pool.submit(() => { const s = Date.now(); while (Date.now() - s < 200); return 1; }).catch((e: unknown) => e);
    const patient = pool.shutdown();
    await pool.shutdown({ terminate: true });
    await patient; // used to stay pending for ever
    expect(String(await job)).toMatch(/terminated before the job finished/);
  });

  it("code compiled with esbuild's keepNames (tsx, vitest) runs: the worker has its __name helper", async () => {
    const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    try {
      // What esbuild makes of `const sq = (x) => x * x` inside a function when it keeps names.
      const fn = new Function('n', 'const sq = __name((x) => x * x, "sq"); return sq(n) + sq.name;') as (n: number) => string;
      expect(await pool.submit(fn, 3)).toBe('9sq');
    } finally {
      await pool.shutdown();
    }
  });

  it('bad input: maxWorkers must be a positive integer, fn a function', async () => {
    expect(() => new ThreadPoolExecutor({ maxWorkers: 0 })).toThrow(/maxWorkers must be a positive integer, got 0/);
    expect(() => new ThreadPoolExecutor({ maxWorkers: 1.5 })).toThrow(RangeError);
    expect(() => new ThreadPoolExecutor(4 as never)).toThrow('ThreadPoolExecutor: opts must be an object, got 4');
    expect(() => new ThreadPoolExecutor({ maxThreads: 4 } as never)).toThrow(TypeError);
    expect(() => new ThreadPoolExecutor({ maxThreads: 4 } as never)).toThrow('ThreadPoolExecutor: unknown option "maxThreads" (the options are: maxWorkers)');
    const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    expect(() => pool.submit(42 as never)).toThrow('ThreadPoolExecutor.submit: fn must be a function, got 42');
    expect(() => pool.submitWith({ signal: 'x' } as never, () => 1)).toThrow('ThreadPoolExecutor.submitWith: signal must be an AbortSignal, got');
    expect(() => pool.submitWith({ priority: 1 } as never, () => 1)).toThrow('ThreadPoolExecutor.submitWith: unknown option "priority"');
    await pool.shutdown();
  });
});
