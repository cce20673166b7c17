import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { RuntimeError } from '../errors.js';
import { checkKnown, checkOpts, describe } from '../internal/validate.js';
import { WorkerPool, checkPositiveInteger, type WorkerEvents, type WorkerHandle } from './pool.js';
import { workerSource, type Reply } from './worker.js';

const PROCESS_SOURCE = workerSource('process', 'ProcessPoolExecutor');
/** How long a worker that survives its SIGTERM gets before SIGKILL (see `end`). */
const KILL_GRACE_MS = 1000;

/** Options of `ProcessPoolExecutor`. */
export interface ProcessPoolOptions {
  /** The most processes at once (default, or null: the machine's available parallelism, as Python's). */
  maxWorkers?: number | null;
  /**
   * Jobs a process runs before it is replaced by a fresh one (Python's `max_tasks_per_child`),
   * to bound what a job leaks; default null, no limit.
   */
  maxTasksPerChild?: number | null;
  /** Extra flags of the worker processes' Node (`process.execArgv` is not passed on). */
  execArgv?: string[];
}

/**
 * A pool of child processes (Node processes, started on demand up to `maxWorkers`) that runs
 * self-contained functions, as Python's `concurrent.futures.ProcessPoolExecutor` does: for work
 * that must not share the loop's process — native code that may crash, a job that leaks or holds
 * the CPU in ways a thread cannot be isolated from, a memory limit per job. Its API is
 * `ThreadPoolExecutor`'s (`submit`, `submitWith`, `statistics`, `shutdown`), and it can be given
 * to `runInExecutor(pool, fn, …args)`. A job's function travels as its source text, its arguments
 * and result by structured clone (the IPC channel's `advanced` serialization); errors come back
 * rebuilt. A process that dies while it runs a job (a crash, `process.exit()`, a signal) fails
 * that job with `RuntimeError` and is replaced; the pool stays usable (Python's pool would be
 * broken for good). Processes start slower than threads (tens of ms): prefer threads unless
 * isolation matters.
 *
 * Cancellation: as `ThreadPoolExecutor`: cancelling a wait takes a job still queued out of the
 * queue; a job a process already runs goes on to its end (or `shutdown({ terminate: true })` kills
 * the processes).
 *
 * @example
 * ```ts
 * const pool = new ProcessPoolExecutor({ maxWorkers: 2, maxTasksPerChild: 100 });
 * const digest = await runInExecutor(pool, (s: string) => require('node:crypto').createHash('sha256').update(s).digest('hex'), 'data');
 * await pool.shutdown();
 * ```
 */
export class ProcessPoolExecutor extends WorkerPool {
  private readonly _execArgv: string[];

  /**
   * Makes a pool; no process starts before the first job.
   *
   * Cancellation: not involved.
   *
   * @throws TypeError for options that are not an object, an unknown option, or a `maxWorkers` or
   *   `maxTasksPerChild` that is not a number; RangeError for one that is not a positive integer.
   */
  constructor(opts: ProcessPoolOptions = {}) {
    const op = 'ProcessPoolExecutor';
    checkOpts(op, opts);
    checkKnown(op, opts, ['maxWorkers', 'maxTasksPerChild', 'execArgv']);
    const perChild = opts.maxTasksPerChild ?? null;
    if (perChild !== null) checkPositiveInteger(op, 'maxTasksPerChild', perChild, ' or null');
    const execArgv = opts.execArgv ?? [];
    if (!Array.isArray(execArgv) || execArgv.some((a) => typeof a !== 'string')) {
      throw new TypeError(`${op}: execArgv must be an array of strings, got ${describe(execArgv)}`);
    }
    super(op, 'process', opts.maxWorkers, perChild, Math.max(1, availableParallelism()));
    this._execArgv = [...execArgv];
  }

  /** @internal A child Node process running the job loop, jobs and replies on its IPC channel. */
  protected _spawn(events: WorkerEvents): WorkerHandle {
    const child = spawn(process.execPath, [...this._execArgv, '-e', PROCESS_SOURCE], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
      windowsHide: true,
    });
    let ended = false;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.on('message', (msg: Reply) => events.reply(msg));
    child.on('error', (e) => events.died(e));
    child.on('exit', (code, signal) => {
      if (ended) return;
      const how = signal !== null ? `signal ${signal}` : `code ${code}`;
      events.died(new RuntimeError(`ProcessPoolExecutor: the process exited (${how}) while the job ran`));
    });
    const unref = (): void => {
      child.unref();
      child.channel?.unref();
    };
    unref(); // only a busy process keeps the pool's process alive
    return {
      send: (msg) => void child.send(msg), // false only says the channel is backed up: it is queued
      ref: () => {
        child.ref();
        child.channel?.ref();
      },
      unref,
      end: () => {
        ended = true;
        if (child.exitCode === null && child.signalCode === null) {
          child.ref(); // whoever awaits the end is kept alive until the process has gone
          // The channel's end makes an idle worker exit by itself, SIGTERM a busy one; a job may
          // have hooked both (a library's graceful-shutdown listener, a loop that never yields):
          // SIGKILL after a grace period.
          if (child.connected) child.disconnect();
          child.kill();
          const kill = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
          void exited.then(() => clearTimeout(kill));
        }
        return exited;
      },
    };
  }

}
