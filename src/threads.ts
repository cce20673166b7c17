import type { Future } from './future.js';
import { checkFunction } from './internal/validate.js';
import { getRunningLoop } from './loop/registry.js';

/**
 * Runs `fn(...args)` on the running loop's default executor (see `loop.setDefaultExecutor`) and
 * returns a future of its result — asyncio's `to_thread`. Unlike asyncio's, which copies the
 * contextvars into the thread, AsyncLocalStorage values stay behind: a worker thread has its own
 * (pass what `fn` needs as arguments). The future's done callbacks run in the caller's context.
 *
 * An async function is allowed (the thread awaits its promise); a generator function is refused.
 *
 * Cancellation: a checkpoint when awaited. Cancelling the waiting task cancels the returned
 * future, and with it a job still queued in the executor (it never runs, as in asyncio; see
 * `Executor.submitWith`). A job already running goes on to its end: its result is dropped, and
 * if it fails, its error goes to the exception handler while the loop is open (asyncio drops it).
 *
 * @example
 * ```ts
 * getRunningLoop().setDefaultExecutor(pool);
 * const digest = await toThread(hashFile, '/tmp/big.iso');
 * ```
 */
export function toThread<R, A extends unknown[]>(fn: (...args: A) => R, ...args: A): Future<R> {
  checkFunction('toThread', 'fn', fn);
  return getRunningLoop().runInExecutor(null, fn, ...args);
}
