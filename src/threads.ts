import type { Future } from './future.js';
import { checkFunction } from './internal/validate.js';
import { getRunningLoop } from './loop/registry.js';

/**
 * Runs `fn(...args)` on the running loop's default executor (see `loop.setDefaultExecutor`) and
 * returns a future of its result — asyncio's `to_thread`. Unlike asyncio's, which copies the
 * contextvars into the thread, AsyncLocalStorage values stay behind: a worker thread has its own
 * (pass what `fn` needs as arguments). The future's done callbacks run in the caller's context.
 *
 * Cancellation: a checkpoint when awaited. Cancelling the waiting task cancels the returned
 * future only: work already handed to the executor runs to its end, and if it fails, its error
 * goes to the exception handler (asyncio drops it).
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
