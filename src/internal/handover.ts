import { Future } from '../future.js';

/**
 * A future whose result is a resource handed over to the awaiting task: a connection, a server,
 * a child process. Once it has its result, a cancellation that reaches the task before the task
 * resumes waits for the task's next wait instead of dropping the result — else the resource
 * would be lost with nobody to close it. This is asyncio's outcome too: there, the coroutine that
 * made the resource returns it without another suspension point.
 */
export class HandoverFuture<T> extends Future<T> {
  /** @internal Once done with a result, the result is delivered (see Future._keepsResult). */
  override _keepsResult(): boolean {
    return this._state === 1; // FINISHED (not failed, not cancelled)
  }
}
