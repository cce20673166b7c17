import { availableParallelism } from 'node:os';
import { MessageChannel, Worker } from 'node:worker_threads';
import { RuntimeError } from '../errors.js';
import { checkKnown, checkOpts } from '../internal/validate.js';
import { WorkerPool, type ThreadPoolOptions, type WorkerEvents, type WorkerHandle } from './pool.js';
import { workerSource, type Reply } from './worker.js';

const THREAD_SOURCE = workerSource('thread', 'ThreadPoolExecutor');

/**
 * A pool of worker threads that runs self-contained functions (see `submit`): the default
 * executor of `runInExecutor(null, …)` and `toThread`. Threads start on demand, up to
 * `maxWorkers` (default `min(32, cpus + 4)`, as asyncio's); jobs beyond that wait in FIFO order.
 * A job's function travels as its source text and its arguments and result by structured clone,
 * so it must be self-contained.
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
export class ThreadPoolExecutor extends WorkerPool {
  /**
   * Makes a pool; no thread starts before the first job.
   *
   * Cancellation: not involved.
   *
   * @throws TypeError for options that are not an object, an unknown option (such as Piscina's
   *   `maxThreads`) or a `maxWorkers` that is not a number; RangeError for a `maxWorkers` that is
   *   not a positive integer.
   */
  constructor(opts: ThreadPoolOptions = {}) {
    checkOpts('ThreadPoolExecutor', opts);
    checkKnown('ThreadPoolExecutor', opts, ['maxWorkers']);
    super('ThreadPoolExecutor', 'thread', opts.maxWorkers, null, Math.min(32, availableParallelism() + 4));
  }

  /** @internal A worker thread; jobs and replies travel on a private port (not `parentPort`). */
  protected _spawn(events: WorkerEvents): WorkerHandle {
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(THREAD_SOURCE, { eval: true, workerData: { port: port2 }, transferList: [port2] });
    port1.on('message', (msg: Reply) => events.reply(msg));
    // A reply the loop's thread cannot deserialize fails the job; the thread is still usable.
    port1.on('messageerror', (e) => events.unreadable(e));
    port1.unref(); // only a busy thread keeps the process alive (its worker is ref()ed then)
    worker.unref();
    // A thread that dies on its own — an uncaught error outside a job's promise, or a job calling
    // `process.exit()` — is retired: its job fails, and it is not used again ('exit' follows 'error').
    // (Messages a job posts on `parentPort` itself are not listened to: replies use `port1`.)
    worker.on('error', (e) => events.died(e));
    worker.on('exit', (code) => events.died(new RuntimeError(`ThreadPoolExecutor: the thread exited (code ${code}) while the job ran`)));
    return {
      send: (msg) => port1.postMessage(msg),
      ref: () => worker.ref(),
      unref: () => worker.unref(),
      end: () => {
        port1.close();
        return worker.terminate();
      },
    };
  }

}
