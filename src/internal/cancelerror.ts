/**
 * The CancelledErrors the loop makes for itself — the one a cancelled task gets at its wait, the
 * one it ends with, the ones a `gather` returns — are made without a stack trace. V8 records the
 * stack when an error is made, and there it would hold only the loop's own frames (the task's code
 * is suspended, not on the stack), at 2–3 µs and some hundreds of bytes each: cancelling 100,000
 * sleeping tasks spent over half its time making and collecting them. A CancelledError made by a
 * call in user code (`result()` of a cancelled future, `new CancelledError()`, the reason of an
 * aborted `task.signal`) keeps its stack, which shows that call.
 */
import { CancelledError } from '../errors.js';

/** A `CancelledError(message)` with no stack frames (its `stack` is its first line only). */
export function loopCancelledError(message?: string): CancelledError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  const e = new CancelledError(message);
  Error.stackTraceLimit = limit;
  return e;
}
