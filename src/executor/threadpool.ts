/**
 * A worker-thread pool executor: the default executor of `runInExecutor(null, …)` and `toThread`.
 *
 * JavaScript functions cannot cross threads with their closures, so a job is sent as the
 * function's source text plus its arguments (structured clone), like code sent to a process pool:
 * the function must be self-contained (it may `require`/`import()` modules itself). Results come
 * back by structured clone; errors come back rebuilt (class, name, message, the thread's stack,
 * own properties such as `code`, `cause`, an `AggregateError`'s `errors`).
 */
import { availableParallelism } from 'node:os';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { CancelledError, RuntimeError } from '../errors.js';
import { checkFunction, checkOpts, describe } from '../internal/validate.js';
import type { Executor } from '../loop/services.js';
import { WORKER_SOURCE, decodeError, jobSource, type Reply } from './worker.js';

interface Job {
  id: number;
  src: string;
  args: unknown[];
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/** A worker thread, the private port its jobs and replies travel on, and the job it runs. */
interface Thread {
  readonly worker: Worker;
  readonly port: MessagePort;
  job: Job | null;
}

/** Options of `ThreadPoolExecutor`. */
export interface ThreadPoolOptions {
  /** The most threads at once (default, or null: the machine's available parallelism). */
  maxWorkers?: number | null;
}

/** Options of `ThreadPoolExecutor.submitWith`. */
export interface SubmitOptions {
  /**
   * Aborting it while the job waits in the queue takes the job out: it never runs, and the
   * promise rejects with `signal.reason`. Once a thread runs the job, aborting changes nothing
   * (a thread's code cannot be stopped midway): the promise settles with the job's outcome.
   */
  signal?: AbortSignal;
}

/** Options of `ThreadPoolExecutor.shutdown` (those of concurrent.futures' `shutdown()`, plus `terminate`). */
export interface ThreadPoolShutdownOptions {
  /** Whether the promise waits for the jobs still to run and for the threads to end (default true). */
  wait?: boolean;
  /** Jobs still queued are dropped: their promises reject with `CancelledError` (default false). */
  cancelFutures?: boolean;
  /**
   * Ends the threads now (default false): running jobs fail with `RuntimeError`; implies
   * `cancelFutures`.
   */
  terminate?: boolean;
}

/** Refuses options other than `known` with a TypeError naming the option. */
function checkKnown(op: string, opts: object, known: readonly string[]): void {
  for (const k of Object.keys(opts)) {
    if (!known.includes(k)) throw new TypeError(`${op}: unknown option ${JSON.stringify(k)} (the options are: ${known.join(', ')})`);
  }
}

/** The options of `shutdown()`, checked; a boolean is `wait`. */
function shutdownOptions(opts: boolean | ThreadPoolShutdownOptions | undefined): Required<ThreadPoolShutdownOptions> {
  const op = 'ThreadPoolExecutor.shutdown';
  if (opts === undefined || typeof opts === 'boolean') return { wait: opts ?? true, cancelFutures: false, terminate: false };
  checkOpts(op, opts);
  checkKnown(op, opts, ['wait', 'cancelFutures', 'terminate']);
  const flag = (name: keyof ThreadPoolShutdownOptions, dflt: boolean): boolean => {
    const v = opts[name] ?? dflt;
    if (typeof v !== 'boolean') throw new TypeError(`${op}: ${name} must be a boolean, got ${describe(v)}`);
    return v;
  };
  const terminate = flag('terminate', false);
  return { wait: flag('wait', true), cancelFutures: terminate || flag('cancelFutures', false), terminate };
}

/**
 * A pool of worker threads that runs self-contained functions (see the module doc). Threads start
 * on demand, up to `maxWorkers`; jobs beyond that wait in FIFO order.
 *
 * Cancellation: `submit()` returns a plain promise. Through `runInExecutor`/`toThread`, cancelling
 * the returned future (or the task waiting on it) takes a job still queued out of the queue, as
 * concurrent.futures' `Future.cancel()` does; a job a thread already runs goes on to its end, and
 * its result is dropped. `submitWith({ signal })` does the same for direct use.
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
  /** Every thread started and not yet ended. */
  private readonly threads = new Set<Thread>();
  private readonly idle: Thread[] = [];
  private readonly busy = new Set<Thread>();
  private readonly queue: Job[] = [];
  private nextId = 0;
  private closed = false;
  /** Settles once the pool is shut down and its threads have ended (made by the first `shutdown()`). */
  private ended: Promise<void> | null = null;
  private endedResolve: (() => void) | null = null;
  private ending = false;

  /**
   * Makes a pool; no thread starts before the first job.
   *
   * Cancellation: not involved.
   *
   * @throws TypeError for options that are not an object, or an unknown option (such as
   *   Piscina's `maxThreads`); RangeError for a `maxWorkers` that is not a positive integer.
   */
  constructor(opts: ThreadPoolOptions = {}) {
    checkOpts('ThreadPoolExecutor', opts);
    checkKnown('ThreadPoolExecutor', opts, ['maxWorkers']);
    const n = opts.maxWorkers ?? Math.max(1, availableParallelism());
    if (!Number.isInteger(n) || n < 1) {
      throw new RangeError(`ThreadPoolExecutor: maxWorkers must be a positive integer, got ${describe(n)}`);
    }
    this.maxWorkers = n;
  }

  /**
   * Runs `fn(...args)` on a thread; the promise settles with its result or error. An async
   * function's promise is awaited in the thread.
   *
   * Cancellation: a plain promise, not a checkpoint by itself. See the class doc, and
   * `submitWith` for a signal that takes a queued job out.
   *
   * @throws RuntimeError (at the call) when the pool is shut down; TypeError (at the call) when
   *   `fn` is not a function or its source cannot be rebuilt in a thread (a native or bound
   *   function). Arguments that structured clone refuses fail the promise.
   *
   * @example
   * ```ts
   * const product = await pool.submit((a: number, b: number) => a * b, 6, 7); // 42
   * ```
   */
  submit<R, A extends unknown[]>(fn: (...args: A) => R | PromiseLike<R>, ...args: A): Promise<R> {
    return this.enqueue('ThreadPoolExecutor.submit', undefined, fn, args);
  }

  /**
   * `submit()` with options: `signal` (an `AbortSignal`, as Piscina's `run(task, { signal })`)
   * takes the job out of the queue if aborted before a thread runs it.
   *
   * Cancellation: aborting `signal` while the job is queued rejects the promise with
   * `signal.reason` at once, and the job never runs; a signal aborted already rejects it at once.
   * Once the job runs, aborting changes nothing: it runs to its end and the promise settles with
   * its outcome.
   *
   * @throws as `submit()`, and TypeError for an unknown option or a `signal` that is not an
   *   `AbortSignal`.
   *
   * @example
   * ```ts
   * const ac = new AbortController();
   * const job = pool.submitWith({ signal: ac.signal }, heavy, input);
   * ac.abort(); // if every thread was busy the job is still queued: it never runs, `job` rejects with an AbortError
   * ```
   */
  submitWith<R, A extends unknown[]>(opts: SubmitOptions, fn: (...args: A) => R | PromiseLike<R>, ...args: A): Promise<R> {
    const op = 'ThreadPoolExecutor.submitWith';
    checkOpts(op, opts);
    checkKnown(op, opts ?? {}, ['signal']);
    const signal = opts?.signal;
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      throw new TypeError(`${op}: signal must be an AbortSignal, got ${describe(signal)}`);
    }
    return this.enqueue(op, signal, fn, args);
  }

  /** Threads running, threads busy with a job, and jobs waiting for a thread. */
  statistics(): { threads: number; busy: number; queued: number } {
    return { threads: this.threads.size, busy: this.busy.size, queued: this.queue.length };
  }

  /**
   * Stops accepting jobs (`submit()` then throws `RuntimeError`). By default, as concurrent.futures'
   * `shutdown()`: queued and running jobs run to their end, then the threads end, and the promise
   * waits for all that. A boolean is `wait`. Options:
   * - `wait: false`: the promise settles at once; the jobs still run, and the threads end after.
   * - `cancelFutures: true`: queued jobs are dropped (their promises reject with `CancelledError`).
   * - `terminate: true`: the threads end now; running jobs fail with `RuntimeError` (and queued
   *   ones are dropped).
   * Calling it again is allowed: each call waits (or not) for the same end.
   *
   * Cancellation: a plain promise: cancelling a task that awaits it does not stop the shutdown.
   *
   * @example
   * ```ts
   * await pool.shutdown();                      // lets the running and queued jobs finish
   * await pool.shutdown({ cancelFutures: true }); // drops the queued jobs, lets running ones end
   * await pool.shutdown({ terminate: true });   // ends the threads now
   * ```
   */
  shutdown(opts?: boolean | ThreadPoolShutdownOptions): Promise<void> {
    const { wait, cancelFutures, terminate } = shutdownOptions(opts);
    this.closed = true;
    this.ended ??= new Promise<void>((resolve) => (this.endedResolve = resolve));
    if (cancelFutures) {
      for (const job of this.queue.splice(0)) {
        this.settle(job, false, new CancelledError('ThreadPoolExecutor.shutdown: the job was dropped from the queue before it ran'));
      }
    }
    if (terminate) {
      for (const t of this.busy) {
        const job = t.job!;
        t.job = null;
        this.settle(job, false, new RuntimeError('ThreadPoolExecutor.shutdown: the thread was terminated while the job ran'));
      }
      this.busy.clear();
    }
    this.endIfDone();
    return wait ? this.ended : Promise.resolve();
  }

  private enqueue<R>(op: string, signal: AbortSignal | undefined, fn: (...args: never[]) => unknown, args: unknown[]): Promise<R> {
    if (this.closed) throw new RuntimeError(`${op}: cannot schedule new jobs after shutdown (the executor is shut down)`);
    checkFunction(op, 'fn', fn);
    const src = jobSource(op, fn);
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<R>((resolve, reject) => {
      const job: Job = { id: this.nextId++, src, args, resolve: resolve as (v: unknown) => void, reject, signal, onAbort: undefined };
      if (signal !== undefined) {
        job.onAbort = () => this.dropQueued(job);
        signal.addEventListener('abort', job.onAbort, { once: true });
      }
      this.queue.push(job);
      this.dispatch();
    });
  }

  /** A job whose signal was aborted: taken out if still queued (a running one goes on). */
  private dropQueued(job: Job): void {
    const i = this.queue.indexOf(job);
    if (i < 0) return;
    this.queue.splice(i, 1);
    this.settle(job, false, job.signal!.reason);
    this.endIfDone();
  }

  /** Settles `job`'s promise (its signal no longer matters). */
  private settle(job: Job, ok: boolean, value: unknown): void {
    if (job.onAbort !== undefined) job.signal!.removeEventListener('abort', job.onAbort);
    if (ok) job.resolve(value);
    else job.reject(value);
  }

  /** After a job ends: the next one runs; once the pool is shut down and idle, its threads end. */
  private jobEnded(): void {
    this.dispatch();
    this.endIfDone();
  }

  private endIfDone(): void {
    if (!this.closed || this.ending || this.busy.size > 0 || this.queue.length > 0) return;
    this.ending = true;
    const threads = [...this.threads];
    this.threads.clear();
    this.idle.length = 0;
    const done = (): void => this.endedResolve?.();
    void Promise.all(
      threads.map((t) => {
        t.port.close();
        return t.worker.terminate();
      }),
    ).then(done, done);
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let t = this.idle.pop();
      if (t === undefined) {
        if (this.busy.size >= this.maxWorkers) return;
        t = this.spawn();
      }
      const job = this.queue.shift()!;
      if (job.onAbort !== undefined) job.signal!.removeEventListener('abort', job.onAbort);
      t.job = job;
      this.busy.add(t);
      t.worker.ref(); // a running job keeps the process alive
      try {
        t.port.postMessage({ id: job.id, src: job.src, args: job.args });
      } catch (e) {
        t.job = null;
        this.busy.delete(t);
        t.worker.unref(); // idle again: it must not keep the process alive
        this.idle.push(t);
        job.reject(e); // arguments that cannot be cloned
      }
    }
  }

  private spawn(): Thread {
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { port: port2 }, transferList: [port2] });
    const t: Thread = { worker, port: port1, job: null };
    this.threads.add(t);
    port1.on('message', (msg: Reply) => this.replied(t, msg));
    // A reply the loop's thread cannot deserialize fails the job; the thread is still usable.
    port1.on('messageerror', (e) => {
      const job = t.job;
      if (job !== null) this.replied(t, { id: job.id, ok: false, error: { plain: e } });
    });
    port1.unref(); // only a busy thread keeps the process alive (its worker is ref()ed then)
    worker.unref();
    // A thread that dies on its own — an uncaught error outside a job's promise, or a job calling
    // `process.exit()` — is retired: its job fails, and it is not used again ('exit' follows 'error').
    // (Messages a job posts on `parentPort` itself are not listened to: replies use `port1`.)
    worker.on('error', (e) => this.retire(t, e));
    worker.on('exit', (code) => this.retire(t, new RuntimeError(`ThreadPoolExecutor: the thread exited (code ${code}) while the job ran`)));
    return t;
  }

  /** The reply of `t` to its job (a reply to no job it runs, after a `terminate`, is dropped). */
  private replied(t: Thread, msg: Reply): void {
    const job = t.job;
    if (!this.threads.has(t) || job === null || job.id !== msg.id) return;
    t.job = null;
    this.busy.delete(t);
    t.worker.unref();
    this.idle.push(t);
    if (msg.ok) this.settle(job, true, msg.value);
    else this.settle(job, false, decodeError(msg.error!));
    this.jobEnded();
  }

  /** Takes a thread that died out of the pool; its job, if any, fails with `error`. */
  private retire(t: Thread, error: unknown): void {
    if (!this.threads.delete(t)) return; // ended by shutdown(), or retired already
    const i = this.idle.indexOf(t);
    if (i >= 0) this.idle.splice(i, 1);
    this.busy.delete(t);
    t.port.close();
    const job = t.job;
    t.job = null;
    if (job !== null) this.settle(job, false, error);
    else process.emitWarning(`ThreadPoolExecutor: a thread died between jobs: ${String(error)}`);
    this.jobEnded();
  }
}
