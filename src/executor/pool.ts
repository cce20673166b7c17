/**
 * What the pool executors share: a FIFO queue of jobs run by up to `maxWorkers` workers started on
 * demand — threads (`ThreadPoolExecutor`) or child processes (`ProcessPoolExecutor`).
 *
 * JavaScript functions cannot cross threads or processes with their closures, so a job is sent as
 * the function's source text plus its arguments (structured clone): the function must be
 * self-contained (it may `require`/`import()` modules itself). Results come back by structured
 * clone; errors come back rebuilt (class, name, message, the worker's stack, own properties such
 * as `code`, `cause`, an `AggregateError`'s `errors`).
 */
import { CancelledError, RuntimeError } from '../errors.js';
import { checkFunction, checkKnown, checkOpts, describe } from '../internal/validate.js';
import { Deque } from '../internal/waiters.js';
import type { Executor } from '../loop/services.js';
import { decodeError, jobSource, type Reply } from './worker.js';

interface Job {
  id: number;
  src: string;
  /** The key of `src` (see `JobMessage`). */
  key: number;
  args: unknown[];
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/**
 * @internal A job as sent to a worker: its function's `key`, and the function's source only the
 * first time that worker gets a job of it (cloning the source for every job cost more than the
 * job's own message).
 */
export interface JobMessage {
  id: number;
  key: number;
  src: string | undefined;
  args: unknown[];
}

/** @internal What a pool needs of one worker, thread or process. */
export interface WorkerHandle {
  /** Sends a job; throws when its arguments cannot be sent. */
  send(msg: JobMessage): void;
  /** A busy worker keeps the process alive; an idle one does not. */
  ref(): void;
  unref(): void;
  /** Ends the worker; settles once it has ended. */
  end(): Promise<unknown>;
}

/** @internal How a worker reports to its pool. */
export interface WorkerEvents {
  reply(msg: Reply): void;
  /** A reply that could not be received (deserialized): the job fails with `e`. */
  unreadable(e: unknown): void;
  /** The worker died on its own (it exited, or failed outside a job's promise). */
  died(error: unknown): void;
}

/** A worker, the job it runs, how many jobs it has run, and the function keys it has the source of. */
interface Thread {
  readonly handle: WorkerHandle;
  job: Job | null;
  jobs: number;
  readonly known: Set<number>;
}

/** Options of `ThreadPoolExecutor`. */
export interface ThreadPoolOptions {
  /**
   * The most threads at once (default, or null: asyncio's default, `min(32, cpus + 4)` with `cpus`
   * the machine's available parallelism — threads also wait on blocking calls).
   */
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

/** Options of `shutdown()` of the pool executors (those of concurrent.futures' `shutdown()`, plus `terminate`). */
export interface ThreadPoolShutdownOptions {
  /** Whether the promise waits for the jobs still to run and for the threads to end (default true). */
  wait?: boolean;
  /** Jobs still queued are dropped: their promises reject with `CancelledError` (default false). */
  cancelFutures?: boolean;
  /**
   * Ends the workers now (default false): running jobs fail with `RuntimeError`; implies
   * `cancelFutures`. A process whose job keeps it from ending on SIGTERM (a SIGTERM listener, a
   * loop that never yields) is killed with SIGKILL a second later.
   */
  terminate?: boolean;
}

/**
 * @internal A count option: a TypeError for a value that is not a number (concurrent.futures'
 * TypeError), a RangeError for a number that is not a positive integer.
 */
export function checkPositiveInteger(op: string, name: string, n: unknown, orNull = ''): asserts n is number {
  if (typeof n !== 'number') throw new TypeError(`${op}: ${name} must be a positive integer${orNull}, got ${describe(n)}`);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${op}: ${name} must be a positive integer${orNull}, got ${describe(n)}`);
}

/** The options of `shutdown()`, checked; a boolean is `wait`. */
function shutdownOptions(op: string, opts: boolean | ThreadPoolShutdownOptions | undefined): Required<ThreadPoolShutdownOptions> {
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
 * @internal The pool executors' common part (see the module doc): `ThreadPoolExecutor` and
 * `ProcessPoolExecutor` say how a worker starts.
 */
export abstract class WorkerPool implements Executor {
  /** The most workers the pool runs at once. */
  readonly maxWorkers: number;
  /** The executor's class name, and what its workers are ('thread', 'process'), for messages. */
  protected readonly _name: string;
  private readonly _noun: string;
  /** Jobs a worker runs before it is replaced (null: no limit). */
  private readonly _maxJobs: number | null;
  /** Every worker started and not yet ended. */
  private readonly threads = new Set<Thread>();
  private readonly idle: Thread[] = [];
  private readonly busy = new Set<Thread>();
  private readonly queue = new Deque<Job>();
  private nextId = 0;
  /** A key per function source sent (see `JobMessage`); a pool runs few distinct functions. */
  private readonly keys = new Map<string, number>();
  private closed = false;
  /** Settles once the pool is shut down and its threads have ended (made by the first `shutdown()`). */
  private ended: Promise<void> | null = null;
  private endedResolve: (() => void) | null = null;
  private ending = false;
  /** The ends of workers taken out before the shutdown (a job limit reached, or died): it waits for them too. */
  private readonly retiring = new Set<Promise<unknown>>();

  /** @internal Checks `maxWorkers` (`defaultWorkers` when absent or null). */
  protected constructor(name: string, noun: string, maxWorkers: unknown, maxJobs: number | null, defaultWorkers: number) {
    const n = maxWorkers ?? defaultWorkers;
    checkPositiveInteger(name, 'maxWorkers', n);
    this.maxWorkers = n;
    this._name = name;
    this._noun = noun;
    this._maxJobs = maxJobs;
  }

  /** @internal Starts one worker that reports to `events`. */
  protected abstract _spawn(events: WorkerEvents): WorkerHandle;

  /**
   * Runs `fn(...args)` on a worker; the promise settles with its result or error. An async
   * function's promise is awaited in the worker.
   *
   * Cancellation: a plain promise, not a checkpoint by itself. See the class doc, and
   * `submitWith` for a signal that takes a queued job out.
   *
   * @throws RuntimeError (at the call) when the pool is shut down; TypeError (at the call) when
   *   `fn` is not a function or its source cannot be rebuilt in a worker (a native or bound
   *   function). Arguments that structured clone refuses fail the promise.
   *
   * @example
   * ```ts
   * const product = await pool.submit((a: number, b: number) => a * b, 6, 7); // 42
   * ```
   */
  submit<R, A extends unknown[]>(fn: (...args: A) => R | PromiseLike<R>, ...args: A): Promise<R> {
    return this.enqueue(`${this._name}.submit`, undefined, fn, args);
  }

  /**
   * `submit()` with options: `signal` (an `AbortSignal`, as Piscina's `run(task, { signal })`)
   * takes the job out of the queue if aborted before a worker runs it.
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
    const op = `${this._name}.submitWith`;
    checkOpts(op, opts);
    checkKnown(op, opts ?? {}, ['signal']);
    const signal = opts?.signal;
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      throw new TypeError(`${op}: signal must be an AbortSignal, got ${describe(signal)}`);
    }
    return this.enqueue(op, signal, fn, args);
  }

  /** Workers running (`threads`, for either kind), workers busy with a job, and jobs waiting for one. */
  statistics(): { threads: number; busy: number; queued: number } {
    return { threads: this.threads.size, busy: this.busy.size, queued: this.queue.length };
  }

  /**
   * Stops accepting jobs (`submit()` then throws `RuntimeError`). By default, as concurrent.futures'
   * `shutdown()`: queued and running jobs run to their end, then the workers end, and the promise
   * waits for all that. A boolean is `wait`. Options:
   * - `wait: false`: the promise settles at once; the jobs still run, and the workers end after.
   * - `cancelFutures: true`: queued jobs are dropped (their promises reject with `CancelledError`).
   * - `terminate: true`: the workers end now; running jobs fail with `RuntimeError` (and queued
   *   ones are dropped).
   * Calling it again is allowed: each call waits (or not) for the same end.
   *
   * Cancellation: a plain promise: cancelling a task that awaits it does not stop the shutdown.
   *
   * @example
   * ```ts
   * await pool.shutdown();                      // lets the running and queued jobs finish
   * await pool.shutdown({ cancelFutures: true }); // drops the queued jobs, lets running ones end
   * await pool.shutdown({ terminate: true });   // ends the workers now
   * ```
   */
  shutdown(opts?: boolean | ThreadPoolShutdownOptions): Promise<void> {
    const { wait, cancelFutures, terminate } = shutdownOptions(`${this._name}.shutdown`, opts);
    this.closed = true;
    this.ended ??= new Promise<void>((resolve) => (this.endedResolve = resolve));
    if (cancelFutures) {
      const dropped = this.queue.toArray();
      this.queue.clear();
      for (const job of dropped) {
        this.settle(job, false, new CancelledError(`${this._name}.shutdown: the job was dropped from the queue before it ran`));
      }
    }
    if (terminate) {
      for (const t of this.busy) {
        const job = t.job!;
        t.job = null;
        this.settle(job, false, new RuntimeError(`${this._name}.shutdown: the ${this._noun} was terminated before the job finished (it may have run in part, or not at all)`));
      }
      this.busy.clear();
    }
    this.endIfDone();
    return wait ? this.ended : Promise.resolve();
  }

  private enqueue<R>(op: string, signal: AbortSignal | undefined, fn: (...args: never[]) => unknown, args: unknown[]): Promise<R> {
    if (this.closed) throw new RuntimeError(`${op}: cannot schedule new jobs after shutdown (the executor is shut down)`);
    checkFunction(op, 'fn', fn);
    const src = jobSource(op, fn, `a ${this._noun}`);
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<R>((resolve, reject) => {
      let key = this.keys.get(src);
      if (key === undefined) this.keys.set(src, (key = this.keys.size));
      const job: Job = { id: this.nextId++, src, key, args, resolve: resolve as (v: unknown) => void, reject, signal, onAbort: undefined };
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
    if (!this.queue.remove(job)) return;
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
    void Promise.all([...threads.map((t) => t.handle.end()), ...this.retiring]).then(done, done);
  }

  /** Ends a worker taken out of the pool; `shutdown()` waits for its end as for the others'. */
  private endRetired(t: Thread): void {
    const end = t.handle.end();
    this.retiring.add(end);
    const forget = (): void => void this.retiring.delete(end);
    end.then(forget, forget);
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
      t.handle.ref(); // a running job keeps the process alive
      try {
        t.handle.send({ id: job.id, key: job.key, src: t.known.has(job.key) ? undefined : job.src, args: job.args });
        t.known.add(job.key);
      } catch (e) {
        t.job = null;
        this.busy.delete(t);
        t.handle.unref(); // idle again: it must not keep the process alive
        this.idle.push(t);
        job.reject(e); // arguments that cannot be cloned
      }
    }
  }

  private spawn(): Thread {
    let t: Thread | null = null;
    const handle = this._spawn({
      reply: (msg) => this.replied(t!, msg),
      unreadable: (e) => {
        const job = t!.job;
        if (job !== null) this.replied(t!, { id: job.id, ok: false, error: { plain: e } });
      },
      died: (e) => this.retire(t!, e),
    });
    t = { handle, job: null, jobs: 0, known: new Set() };
    this.threads.add(t);
    return t;
  }

  /** The reply of `t` to its job (a reply to no job it runs, after a `terminate`, is dropped). */
  private replied(t: Thread, msg: Reply): void {
    const job = t.job;
    if (!this.threads.has(t) || job === null || job.id !== msg.id) return;
    t.job = null;
    this.busy.delete(t);
    t.handle.unref();
    if (this._maxJobs !== null && ++t.jobs >= this._maxJobs) {
      // Done its share (maxTasksPerChild): replaced by a fresh worker when one is needed.
      this.threads.delete(t);
      this.endRetired(t);
    } else this.idle.push(t);
    if (msg.ok) this.settle(job, true, msg.value);
    else this.settle(job, false, decodeError(msg.error!));
    this.jobEnded();
  }

  /** Takes a worker that died out of the pool; its job, if any, fails with `error`. */
  private retire(t: Thread, error: unknown): void {
    if (!this.threads.delete(t)) return; // ended by shutdown(), or retired already
    const i = this.idle.indexOf(t);
    if (i >= 0) this.idle.splice(i, 1);
    this.busy.delete(t);
    this.endRetired(t);
    const job = t.job;
    t.job = null;
    if (job !== null) this.settle(job, false, error);
    else process.emitWarning(`${this._name}: a ${this._noun} died between jobs: ${String(error)}`);
    this.jobEnded();
  }
}
