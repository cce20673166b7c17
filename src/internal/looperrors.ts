/**
 * The errors the loop and the primitives make for waiters — the `CancelledError` a cancelled task
 * gets at its wait, the one it ends with, the ones a `gather` returns, and the error each waiter of
 * a queue shut down or a channel closed under it gets — are made without a stack trace. V8 records
 * the stack when an error is made, and there it would hold only the loop's own frames (the waiting
 * task's code is suspended, not on the stack) or the closer's, not the waiter's, at 2–5 µs and some
 * hundreds of bytes each: cancelling 100,000 sleeping tasks spent over half its time making and
 * collecting them. An error made for a call in user code (`result()` of a cancelled future, `new
 * CancelledError()`, `getNowait()` on a shut-down queue, the reason of an aborted `task.signal`)
 * keeps its stack, which shows that call.
 */
import { CancelledError } from '../errors.js';

/** `new E(...args)` with no stack frames (its `stack` is its first line only). */
export function withoutStack<A extends unknown[], E>(E: new (...args: A) => E, ...args: A): E {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  const e = new E(...args);
  Error.stackTraceLimit = limit;
  return e;
}

/** A `CancelledError(message)` with no stack frames (see the module doc). */
export function loopCancelledError(message?: string): CancelledError {
  return withoutStack(CancelledError, message);
}
