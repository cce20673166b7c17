/**
 * Every public error class of tulip (asyncio's `exceptions.py`, plus the queue errors).
 *
 * asyncio's `ValueError` maps to JavaScript's `RangeError` and its `TypeError` to `TypeError`;
 * messages follow asyncio's wording.
 *
 * @module
 */
import { describe } from './internal/validate.js';

/**
 * Thrown into a task at the point where it waits when the task is cancelled, and raised by
 * `result()` of a cancelled future. It carries the message given to `cancel(msg)`.
 *
 * JavaScript has no `BaseException`, so a broad `catch (e)` also catches cancellation: re-throw it
 * (`if (isCancelledError(e)) throw e;`) unless you mean to swallow the cancellation.
 *
 * Cancellation: this *is* the cancellation signal; catching it without re-throwing ends the cancel
 * request for the task's code but leaves `task.cancelling()` counting it (see `Task.uncancel`).
 *
 * The CancelledErrors the loop makes — the one a cancelled task gets at its wait, the ones a
 * `gather` or a `TaskGroup` makes — have no stack frames (their `stack` is their first line): the
 * stack there would show only the loop's own frames, and recording it made cancelling many tasks
 * several times slower. One made by a call in your code (`result()` of a cancelled future, `new
 * CancelledError()`, the reason of an aborted `task.signal`) keeps its stack.
 *
 * @example
 * ```ts
 * try { await sleep(1000); } catch (e) { if (isCancelledError(e)) cleanup(); throw e; }
 * ```
 */
export class CancelledError extends Error {
  override name = 'CancelledError';
  constructor(message?: string, options?: ErrorOptions) {
    super(message ?? '', options);
  }
}

/**
 * Raised by `timeout()`, `timeoutAt()`, `waitFor()` and `asCompleted()` when their deadline passes.
 * When it comes from a cancelled wait, its `cause` is that `CancelledError`.
 *
 * Cancellation: not a cancellation; a task that gets it is not cancelled.
 *
 * @example
 * ```ts
 * try { await waitFor(fetchIt(), 100); } catch (e) { if (e instanceof TimeoutError) retry(); }
 * ```
 */
export class TimeoutError extends Error {
  override name = 'TimeoutError';
}

/**
 * `run()` (or `Runner.run()`) was interrupted by Ctrl-C (SIGINT): its main task was cancelled, its
 * `finally` blocks and task groups unwound, and it ended cancelled (asyncio's `KeyboardInterrupt`);
 * or a second Ctrl-C stopped the loop at once, with the main task left for `close()` to cancel.
 * Exit with the shell's usual status for Ctrl-C by catching it: `process.exitCode = 130`.
 *
 * Cancellation: the result of one; not itself a `CancelledError` (`isCancelledError` is false).
 *
 * @example
 * ```ts
 * try { await run(main); }
 * catch (e) { if (e instanceof KeyboardInterruptError) process.exitCode = 130; else throw e; }
 * ```
 */
export class KeyboardInterruptError extends Error {
  override name = 'KeyboardInterruptError';
}

/**
 * The operation is not allowed in the object's present state (e.g. `setResult()` on a done future,
 * `result()` on a pending one).
 *
 * Cancellation: unrelated to cancellation.
 *
 * @example
 * ```ts
 * fut.setResult(1); fut.setResult(2); // throws InvalidStateError('setResult: invalid state: the Future is already finished (<Future finished result=1>)')
 * ```
 */
export class InvalidStateError extends Error {
  override name = 'InvalidStateError';
}

/**
 * asyncio's `RuntimeError`: an API used where it cannot work (no running loop, `run()` inside a
 * running loop, a task group that is finished, a lock that is not acquired …).
 *
 * Cancellation: unrelated to cancellation.
 *
 * @example
 * ```ts
 * getRunningLoop(); // outside any loop: throws RuntimeError('getRunningLoop: no running event loop')
 * ```
 */
export class RuntimeError extends Error {
  override name = 'RuntimeError';
}

/**
 * Several errors raised together, as by a `TaskGroup` whose children failed. `errors` holds them in
 * the order they happened.
 *
 * Cancellation: a group never holds a `CancelledError`; cancelled children are not failures.
 *
 * @example
 * ```ts
 * try { await new TaskGroup().run(async (tg) => { tg.createTask(a); tg.createTask(b); }); }
 * catch (e) { if (e instanceof ExceptionGroup) for (const err of e.errors) log(err); }
 * new ExceptionGroup([new Error('a'), new Error('b')], 'two failures'); // as AggregateError
 * ```
 */
export class ExceptionGroup extends AggregateError {
  override name = 'ExceptionGroup';
  /** The errors the group holds, in the order they happened. */
  declare readonly errors: unknown[];
  /**
   * As `AggregateError`: the errors first, then the message (Python's order is the reverse). A
   * string or a non-iterable in place of the errors is a `TypeError` (a string first is most likely
   * Python's order).
   */
  constructor(errors: Iterable<unknown>, message = '', options?: ErrorOptions) {
    if (typeof errors === 'string' || errors == null || typeof (errors as Iterable<unknown>)[Symbol.iterator] !== 'function') {
      const got = typeof errors === 'string' ? `a string (${JSON.stringify(errors)}): the errors come first, then the message, as in AggregateError` : describe(errors);
      throw new TypeError(`ExceptionGroup: errors must be an iterable of errors, got ${got}`);
    }
    const list = [...errors];
    super(list, `${message} (${list.length} sub-exception${list.length === 1 ? '' : 's'})`, options);
  }
}

/**
 * `getNowait()` on an empty queue.
 *
 * Cancellation: unrelated to cancellation.
 *
 * @example
 * ```ts
 * try { q.getNowait(); } catch (e) { if (e instanceof QueueEmptyError) idle(); }
 * ```
 */
export class QueueEmptyError extends Error {
  override name = 'QueueEmptyError';
}

/**
 * `putNowait()` on a full queue.
 *
 * Cancellation: unrelated to cancellation.
 *
 * @example
 * ```ts
 * try { q.putNowait(x); } catch (e) { if (e instanceof QueueFullError) dropOldest(); }
 * ```
 */
export class QueueFullError extends Error {
  override name = 'QueueFullError';
}

/**
 * A put on a shut-down queue, or a get on one that is shut down and empty. A getter or putter that
 * was blocked when the queue shut down gets one of its own with no stack frames (see
 * `CancelledError`); a call that throws it at once keeps its stack.
 *
 * Cancellation: unrelated to cancellation.
 *
 * @example
 * ```ts
 * q.shutdown(); await q.put(1); // rejects with QueueShutDownError
 * ```
 */
export class QueueShutDownError extends Error {
  override name = 'QueueShutDownError';
}

/**
 * A `Barrier` was aborted or reset while tasks waited on it.
 *
 * Cancellation: unrelated to cancellation.
 *
 * @example
 * ```ts
 * await barrier.abort(); await barrier.wait(); // rejects with BrokenBarrierError
 * ```
 */
export class BrokenBarrierError extends RuntimeError {
  override name = 'BrokenBarrierError';
}

/**
 * A stream ended before the expected number of bytes or the separator arrived. `partial` holds the
 * bytes read before the end; `expected` the number asked for (`null` for a separator read).
 *
 * Cancellation: unrelated to cancellation.
 *
 * @example
 * ```ts
 * // (for the coming streams layer: a reader's readexactly() throws it)
 * const e = new IncompleteReadError(new Uint8Array([1, 2]), 36);
 * e.message; // '2 bytes read on a total of 36 expected bytes'
 * ```
 */
export class IncompleteReadError extends Error {
  override name = 'IncompleteReadError';
  /** The bytes read before the end of the stream. */
  readonly partial: Uint8Array;
  /** How many bytes were wanted (null: read until the end). */
  readonly expected: number | null;
  constructor(partial: Uint8Array, expected: number | null) {
    if (!(partial instanceof Uint8Array)) {
      throw new TypeError(`IncompleteReadError: partial must be a Uint8Array, got ${String(partial)}`);
    }
    super(`${partial.length} bytes read on a total of ${expected === null ? 'undefined' : expected} expected bytes`);
    this.partial = partial;
    this.expected = expected;
  }
}

/**
 * A stream read found no separator within its buffer limit. `consumed` is the number of bytes to
 * consume to get past the limit; the data stays in the buffer.
 *
 * Cancellation: unrelated to cancellation.
 *
 * @example
 * ```ts
 * // (for the coming streams layer: a reader's readuntil() throws it)
 * const e = new LimitOverrunError('Separator is not found, and chunk exceed the limit', 65536);
 * e.consumed; // 65536
 * ```
 */
export class LimitOverrunError extends Error {
  override name = 'LimitOverrunError';
  /** How many bytes to consume to get past the limit. */
  readonly consumed: number;
  constructor(message: string, consumed: number) {
    super(message);
    this.consumed = consumed;
  }
}

/**
 * Tells tulip's cancellation apart from other errors (JavaScript has no `BaseException`).
 *
 * Cancellation: use it in broad `catch` blocks to re-throw cancellation.
 *
 * @example
 * ```ts
 * try { await work(); } catch (e) { if (isCancelledError(e)) throw e; log(e); }
 * ```
 */
export function isCancelledError(e: unknown): e is CancelledError {
  return e instanceof CancelledError;
}

/**
 * A `…Nowait` call that would have to wait: `Lock.acquireNowait()` on a held lock,
 * `Semaphore.acquireNowait()` at zero, `CapacityLimiter.acquireNowait()` with no token free, a
 * channel's `sendNowait()` into a full buffer or `receiveNowait()` from an empty one (Trio's
 * `WouldBlock`).
 *
 * Cancellation: unrelated to cancellation; the `…Nowait` calls never wait.
 *
 * @example
 * ```ts
 * try { send.sendNowait(item); } catch (e) { if (e instanceof WouldBlockError) dropped++; else throw e; }
 * ```
 */
export class WouldBlockError extends Error {
  override name = 'WouldBlockError';
}

/**
 * A memory channel's `receive()` when every send end is closed and the buffer is drained (Trio's
 * `EndOfChannel`). `for await` over the receive end ends instead of throwing it. A receiver that
 * was blocked when the last send end closed gets one of its own with no stack frames (see
 * `CancelledError`), as do the waiters of the closing errors below.
 *
 * Cancellation: unrelated to cancellation.
 *
 * @example
 * ```ts
 * try { await receive.receive(); } catch (e) { if (e instanceof EndOfChannelError) return; throw e; }
 * ```
 */
export class EndOfChannelError extends Error {
  override name = 'EndOfChannelError';
}

/**
 * A channel end used after it was closed by its own side (Trio's `ClosedResourceError`); also what
 * a task blocked on an end gets when that very end is closed.
 *
 * Cancellation: unrelated to cancellation.
 *
 * @example
 * ```ts
 * send.close(); send.sendNowait(1); // throws ClosedResourceError
 * ```
 */
export class ClosedResourceError extends Error {
  override name = 'ClosedResourceError';
}

/**
 * A memory channel's `send()` when every receive end is closed: nobody will ever read the value
 * (Trio's `BrokenResourceError`).
 *
 * Cancellation: unrelated to cancellation.
 *
 * @example
 * ```ts
 * receive.close(); await send.send(1); // throws BrokenResourceError
 * ```
 */
export class BrokenResourceError extends Error {
  override name = 'BrokenResourceError';
}

/**
 * A stream's connection was lost (Python's `ConnectionResetError`): `StreamWriter.drain()` throws
 * it once the peer went away without an error of its own. `code` is `'ECONNRESET'`, as on Node's
 * socket errors, so `e.code === 'ECONNRESET'` catches both.
 *
 * Cancellation: unrelated to cancellation.
 *
 * @example
 * ```ts
 * try { writer.write(data); await writer.drain(); } catch (e) { if (e instanceof ConnectionResetError) reconnect(); else throw e; }
 * ```
 */
export class ConnectionResetError extends Error {
  override name = 'ConnectionResetError';
  readonly code = 'ECONNRESET';
}

/**
 * A signal sent to a child process that has finished (Python's `ProcessLookupError`):
 * `Process.sendSignal()`, `terminate()` and `kill()` throw it once the process has exited and its
 * pipes have closed, as asyncio's do. `code` is `'ESRCH'`, as Node's errors for a missing process.
 *
 * Cancellation: unrelated to cancellation.
 *
 * @example
 * ```ts
 * if (proc.returncode === null) proc.kill(); // or: try { proc.kill(); } catch (e) { if (!(e instanceof ProcessLookupError)) throw e; }
 * ```
 */
export class ProcessLookupError extends Error {
  override name = 'ProcessLookupError';
  readonly code = 'ESRCH';
}

/**
 * A connection this side gave up on (Python's `ConnectionAbortedError`): a TLS handshake that
 * took longer than its `sslHandshakeTimeout`. `code` is `'ECONNABORTED'`, as on Node's errors.
 *
 * Cancellation: unrelated to cancellation.
 *
 * @example
 * ```ts
 * try { await openConnection(host, 443, { ssl: true, sslHandshakeTimeout: 5_000 }); }
 * catch (e) { if (e instanceof ConnectionAbortedError) console.log('the handshake stalled'); }
 * ```
 */
export class ConnectionAbortedError extends Error {
  override name = 'ConnectionAbortedError';
  readonly code = 'ECONNABORTED';
}
