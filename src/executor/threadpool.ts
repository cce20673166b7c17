/**
 * A worker-thread pool executor: the default executor of `runInExecutor(null, …)` and `toThread`.
 *
 * JavaScript functions cannot cross threads with their closures, so a job is sent as the
 * function's source text plus its arguments (structured clone), like code sent to a process pool:
 * the function must be self-contained (it may `require`/`import()` modules itself). Results and
 * errors come back by structured clone too.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { RuntimeError } from '../errors.js';
import { checkOpts, describe } from '../internal/validate.js';
import type { Executor } from '../loop/services.js';

/** The code each worker runs: compiles each function source once, runs jobs, posts results. */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
// esbuild (tsx, vitest …) with keepNames wraps named inner functions in __name(fn, 'name'), a
// helper of the module the source came from: the same helper here, so such code runs.
globalThis.__name ??= (fn, name) => Object.defineProperty(fn, 'name', { value: name, configurable: true });
const { inspect } = require('node:util');
const compiled = new Map();
// A result or error that structured clone refuses (it holds a function …) comes back as an Error
// that describes it, instead of killing the thread and losing it.
function reply(msg) {
  try {
    parentPort.postMessage(msg);
  } catch (e) {
    const what = msg.ok ? 'result' : 'error';
    const shown = inspect(msg.ok ? msg.value : msg.error, { depth: 3 });
    parentPort.postMessage({ id: msg.id, ok: false, error: new Error('ThreadPoolExecutor: the job\\'s ' + what + ' cannot be sent back to the loop (' + e.message + '): ' + shown) });
  }
}
parentPort.on('message', async ({ id, src, args }) => {
  try {
    let fn = compiled.get(src);
    if (fn === undefined) {
      fn = (0, eval)('(' + src + ')');
      compiled.set(src, fn);
    }
    const value = await fn(...args);
    reply({ id, ok: true, value });
  } catch (error) {
    reply({ id, ok: false, error });
  }
});
`;

interface Job {
  id: number;
  src: string;
  args: unknown[];
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/** Options of `ThreadPoolExecutor`. */
export interface ThreadPoolOptions {
  /** The most threads at once (default: the machine's available parallelism). */
  maxWorkers?: number;
}

/**
 * A pool of worker threads that runs self-contained functions (see the module doc). Threads start
 * on demand, up to `maxWorkers`; jobs beyond that wait in FIFO order.
 *
 * Cancellation: `submit()` returns a promise; cancelling a task that waits on it (through
 * `runInExecutor`/`toThread`) stops the wait, not the job already handed to a thread.
 *
 * @example
 * ```ts
 * const pool = new ThreadPoolExecutor({ maxWorkers: 4 });
 * getRunningLoop().setDefaultExecutor(pool);
 * const n = await toThread((x: number) => { let s = 0; for (let i = 0; i < x; i++) s += i; return s; }, 1e8);
 * await pool.shutdown();
 * ```
 */
export class ThreadPoolExecutor implements Executor {
  /** The most worker threads the pool runs at once. */
  readonly maxWorkers: number;
  /** Every thread started and not yet ended: `shutdown()` ends them all. */
  private readonly threads = new Set<Worker>();
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Job>();
  private readonly queue: Job[] = [];
  /** `shutdown()` calls waiting for the running and queued jobs to finish. */
  private drained: Array<() => void> = [];
  private nextId = 0;
  private closed = false;

  constructor(opts: ThreadPoolOptions = {}) {
    checkOpts('ThreadPoolExecutor', opts);
    const n = opts.maxWorkers ?? Math.max(1, availableParallelism());
    if (!Number.isInteger(n) || n < 1) {
      throw new RangeError(`ThreadPoolExecutor: maxWorkers must be a positive integer, got ${describe(n)}`);
    }
    this.maxWorkers = n;
  }

  /**
   * Runs `fn(...args)` on a thread; the promise settles with its result or error.
   *
   * Cancellation: a plain promise, not a checkpoint by itself. A task waiting on the job through
   * `runInExecutor`/`toThread` can be cancelled: that stops the wait, not the job already handed to
   * a thread.
   *
   * @example
   * ```ts
   * const product = await pool.submit((a: number, b: number) => a * b, 6, 7); // 42
   * ```
   */
  submit<R, A extends unknown[]>(fn: (...args: A) => R | PromiseLike<R>, ...args: A): Promise<R> {
    if (this.closed) return Promise.reject(new RuntimeError('ThreadPoolExecutor.submit: the executor is shut down'));
    if (typeof fn !== 'function') {
      return Promise.reject(new TypeError(`ThreadPoolExecutor.submit: fn must be a function, got ${describe(fn)}`));
    }
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, src: fn.toString(), args, resolve: resolve as (v: unknown) => void, reject });
      this.dispatch();
    });
  }

  /** Threads running, threads busy with a job, and jobs waiting for a thread. */
  statistics(): { threads: number; busy: number; queued: number } {
    return { threads: this.threads.size, busy: this.busy.size, queued: this.queue.length };
  }

  /**
   * Stops accepting jobs; with `wait` (default) lets running and queued jobs finish, then ends the
   * threads. Without `wait`, queued jobs fail and threads are terminated at once.
   *
   * Cancellation: a plain promise: cancelling a task that awaits it does not stop the shutdown.
   *
   * @example
   * ```ts
   * await pool.shutdown();      // lets the running and queued jobs finish
   * await pool.shutdown(false); // fails the queued jobs, ends the threads now
   * ```
   */
  async shutdown(wait = true): Promise<void> {
    this.closed = true;
    if (!wait) {
      for (const job of this.queue.splice(0)) job.reject(new RuntimeError('ThreadPoolExecutor: shut down before the job ran'));
      for (const job of this.busy.values()) job.reject(new RuntimeError('ThreadPoolExecutor: shut down while the job ran'));
      // A shutdown(true) waiting for those jobs goes on too (they are gone).
      for (const resolve of this.drained.splice(0)) resolve();
    } else if (this.queue.length > 0 || this.busy.size > 0) {
      await new Promise<void>((resolve) => this.drained.push(resolve));
    }
    const workers = [...this.threads];
    this.threads.clear();
    this.idle.length = 0;
    this.busy.clear();
    await Promise.all(workers.map((w) => w.terminate()));
  }

  /** After a job ends: once nothing runs or waits, the `shutdown()` calls waiting for that go on. */
  private jobEnded(): void {
    this.dispatch();
    if (this.queue.length > 0 || this.busy.size > 0 || this.drained.length === 0) return;
    const waiting = this.drained;
    this.drained = [];
    for (const resolve of waiting) resolve();
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let w = this.idle.pop();
      if (w === undefined) {
        if (this.busy.size >= this.maxWorkers) return;
        w = this.spawn();
      }
      const job = this.queue.shift()!;
      this.busy.set(w, job);
      w.ref(); // a running job keeps the process alive
      try {
        w.postMessage({ id: job.id, src: job.src, args: job.args });
      } catch (e) {
        this.busy.delete(w);
        w.unref(); // idle again: it must not keep the process alive
        this.idle.push(w);
        job.reject(e); // arguments that cannot be cloned
      }
    }
  }

  private spawn(): Worker {
    const w = new Worker(WORKER_SOURCE, { eval: true });
    w.unref(); // an idle pool does not keep the process alive
    this.threads.add(w);
    w.on('message', (msg: { id: number; ok: boolean; value?: unknown; error?: unknown }) => {
      const job = this.busy.get(w);
      this.busy.delete(w);
      w.unref();
      this.idle.push(w);
      if (job !== undefined && job.id === msg.id) {
        if (msg.ok) job.resolve(msg.value);
        else job.reject(msg.error);
      }
      this.jobEnded();
    });
    // A thread that dies on its own — an uncaught error outside a job's promise, or a job calling
    // `process.exit()` — is retired: its job fails, and it is not used again ('exit' follows 'error').
    w.on('error', (e) => this.retire(w, e));
    w.on('exit', (code) => this.retire(w, new RuntimeError(`ThreadPoolExecutor: the thread exited (code ${code}) while the job ran`)));
    return w;
  }

  /** Takes a thread that died out of the pool; its job, if any, fails with `error`. */
  private retire(w: Worker, error: unknown): void {
    if (!this.threads.delete(w)) return; // ended by shutdown(), or retired already
    const i = this.idle.indexOf(w);
    if (i >= 0) this.idle.splice(i, 1);
    const job = this.busy.get(w);
    this.busy.delete(w);
    if (job !== undefined) job.reject(error);
    else process.emitWarning(`ThreadPoolExecutor: a thread died between jobs: ${String(error)}`);
    this.jobEnded();
  }
}
