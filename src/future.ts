import { CancelledError, InvalidStateError } from './errors.js';
import { loopCancelledError } from './internal/looperrors.js';
import { callbackHere, userCallback } from './internal/context.js';
import { frameSite, futureSources } from './internal/frames.js';
import { describe } from './internal/validate.js';
import type { EventLoop } from './loop/eventloop.js';
import { Handle, type Runnable } from './loop/handle.js';
import { DONE_TRUE, DONE_UNDEFINED, FutureIterator, LateWake, RestCallbacks, ThenAwaiter, doneResult, resumedPending, settledThen } from './internal/awaiters.js';
import { getRunningLoop } from './loop/registry.js';
import { anchorShapes } from './loop/shapes.js';
import { NO_ERROR, awaitingTask, onFutureCreated, onSuspend, onWatch, type Waiter } from './internal/hooks.js';
import { forgetUnread, stateInfo, watchUnread } from './internal/futurereports.js';

export {
  NO_ERROR,
  onSuspend,
  onWatch,
  setAwaitingTaskHook,
  setDebugFutureHooks,
  setOnSuspend,
  type AwaitingTask,
  type Waiter,
} from './internal/hooks.js';

const PENDING = 0;
const FINISHED = 1;
const FAILED = 2;
const CANCELLED = 3;
type State = typeof PENDING | typeof FINISHED | typeof FAILED | typeof CANCELLED;
const STATE_NAMES = ['pending', 'finished', 'failed', 'cancelled'] as const;

// `_flags`: bits of a future's bookkeeping, in one small integer (subclasses add bits from 16 up).
/** Its error was read, or someone who reads it awaits it: it is never reported as unretrieved. */
const RETRIEVED = 1;
/**
 * @internal Its first `yield*` took the future itself as the iterator (no `FutureIterator`; later
 * ones get their own). Set from the start by a subclass whose `next()` is another protocol.
 */
export const OWN_ITERATOR = 2;
/** That iteration yielded it: a `next()` while it is still pending is a misuse. */
const YIELDED = 4;
/**
 * Its error was read by someone (`result()`, `exception()`, an awaiter resuming with it): a
 * failure a cancel kept from one awaiter is reported only if no other read it.
 */
const ERROR_READ = 8;

/** @internal A done callback: a user function or an internal waiter. Typed without `T` so that
 *  `Future<T>` stays assignable to `Future<unknown>`. */
export type Entry = ((fut: never) => unknown) | Waiter;

/** A waiter that reads the outcome it is woken with (a task, gather …; see `Waiter._observes`). */
function isAwaiter(e: Entry): boolean {
  return typeof e !== 'function' && e._observes !== true;
}

/** @internal A waiter that only watches (see `Waiter._observes`). */
export function isObserver(e: Entry): boolean {
  return typeof e !== 'function' && e._observes === true;
}

/**
 * A one-shot result: pending, then finished with a value, failed with an error, or cancelled.
 * Awaitable in both coroutine styles: `await fut` (a thenable) and `yield* fut` (an iterator that
 * yields the future while it is pending and returns its result — asyncio's `Future.__await__`).
 * Done callbacks never run inside `setResult()`: they are scheduled on the loop, in order.
 *
 * Cancellation: awaiting a future is a checkpoint. Cancelling the waiting task cancels the
 * future itself (as asyncio does); `fut.cancel()` is immediate and wakes every waiter with a
 * `CancelledError`.
 *
 * @example
 * ```ts
 * const fut = getRunningLoop().createFuture<string>();
 * getRunningLoop().callLater(10, () => fut.setResult('done'));
 * console.log(await fut); // or, in a generator task: yield* fut
 * ```
 */
export class Future<T = unknown> implements PromiseLike<T>, Runnable {
  // Declared, and assigned in the constructor: class-field initializers would run as one shared
  // function whose stores see every subclass's shape (megamorphic), on the hottest allocation.
  // Every subclass declares its fields the same way (test/shapes.test.ts says why, and checks it).
  /** @internal */ declare _state: State;
  /** @internal */ declare _value: unknown;
  /** @internal */ declare readonly _loop: EventLoop;
  /** @internal RETRIEVED, OWN_ITERATOR, YIELDED (and the bits of subclasses). */
  declare _flags: number;
  /** The callbacks and waiters: none, one (the common case, no array), or an array of them. */
  private declare _cbs: Entry | Entry[] | null;

  /** Binds to `loop`, or to the running loop (throws `RuntimeError` when there is none). */
  constructor(loop?: EventLoop) {
    if (loop !== undefined && typeof (loop as Partial<EventLoop>)?._enqueue !== 'function') {
      throw new TypeError(`Future: loop must be an EventLoop, got ${describe(loop)}`);
    }
    this._state = PENDING;
    this._value = undefined;
    this._loop = loop ?? getRunningLoop();
    this._flags = 0;
    this._cbs = null;
    if (onSuspend !== null && onFutureCreated !== null) onFutureCreated(this as Future<unknown>);
  }

  /** The loop this future belongs to. */
  getLoop(): EventLoop {
    return this._loop;
  }

  /** @internal Its error was read (or will be, by an awaiter): see RETRIEVED. */
  get _retrieved(): boolean {
    return (this._flags & RETRIEVED) !== 0;
  }

  set _retrieved(yes: true) {
    this._flags |= RETRIEVED;
  }

  /** True once finished, failed or cancelled. */
  done(): boolean {
    return this._state !== PENDING;
  }

  /** True once cancelled. */
  cancelled(): boolean {
    return this._state === CANCELLED;
  }

  /**
   * The value; throws the error of a failed future, `CancelledError` for a cancelled one and
   * `InvalidStateError` for a pending one.
   */
  result(): T {
    switch (this._state) {
      case FINISHED:
        return this._value as T;
      case FAILED:
        throw this._readError();
      case CANCELLED:
        throw this._makeCancelledError(true);
      default:
        throw new InvalidStateError(`result: Result is not ready: ${this._describe()} is not done yet`);
    }
  }

  /**
   * The error of a failed future, `undefined` for a finished one; throws `CancelledError` for a
   * cancelled future and `InvalidStateError` for a pending one.
   */
  exception(): unknown {
    switch (this._state) {
      case FINISHED:
        return undefined;
      case FAILED:
        return this._readError();
      case CANCELLED:
        throw this._makeCancelledError(true);
      default:
        throw new InvalidStateError(`exception: Exception is not set: ${this._describe()} is not done yet`);
    }
  }

  /** Finishes the future with `value`; `InvalidStateError` if it is done already. */
  setResult(value: T): void {
    if (this._state !== PENDING) {
      throw new InvalidStateError(`setResult: invalid state: the ${this.constructor.name} is already ${STATE_NAMES[this._state]} (${this._shortRepr()})`);
    }
    this._setResultNow(value);
  }

  /** @internal */
  _setResultNow(value: T): void {
    this._state = FINISHED;
    this._value = value;
    this._scheduleCallbacks();
  }

  /** Fails the future with `error`; `InvalidStateError` if it is done already. */
  setException(error: unknown): void {
    if (this._state !== PENDING) {
      throw new InvalidStateError(
        `setException: invalid state: the ${this.constructor.name} is already ${STATE_NAMES[this._state]} (${this._shortRepr()})`,
      );
    }
    if (error instanceof CancelledError) {
      throw new TypeError('setException: a CancelledError cannot be set as an exception; use cancel(msg)');
    }
    if (error === undefined) {
      throw new TypeError('setException: error must not be undefined (exception() returns undefined for a success)');
    }
    this._failNow(error);
    if (!this._retrieved) this._watchUnretrieved();
  }

  /**
   * Cancels the future at once: it becomes done and cancelled, and its waiters get a
   * `CancelledError` carrying `msg`. Returns false when it was done already (as in asyncio, a
   * failed future's error then counts as handled: it is not reported as never retrieved).
   */
  cancel(msg?: string): boolean {
    if (this._state !== PENDING) {
      this._markRetrieved();
      return false;
    }
    return this._cancelNow(msg);
  }

  /**
   * @internal A cancel request of the task waiting on this future (asyncio's `_fut_waiter.cancel()`).
   * A future whose wait is already over but whose waiter has not run (a woken primitive, a
   * triggered `wait()`) declines, as asyncio's done waiter does: the task then keeps the request
   * pending.
   */
  _cancelForTask(msg?: string): boolean {
    return this.cancel(msg);
  }

  /**
   * Calls `cb(fut)` once the future is done: in a later pass (never synchronously), in registration
   * order, in the AsyncLocalStorage context it was added in. If done already, it is scheduled now.
   */
  addDoneCallback(cb: (fut: Future<T>) => unknown): void {
    if (typeof cb !== 'function') {
      throw new TypeError(`addDoneCallback: callback must be a function, got ${describe(cb)}`);
    }
    this._addEntry(callbackHere(cb));
  }

  /** @internal `addDoneCallback` for tulip's own callbacks (no context is captured for them). */
  _addCallback(cb: (fut: Future<T>) => unknown): void {
    this._addEntry(cb);
  }

  /** Removes every registration of `cb`; returns how many were removed. */
  removeDoneCallback(cb: (fut: Future<T>) => unknown): number {
    return this._removeEntry(cb);
  }

  /**
   * Makes the future a thenable, so `await fut` works. In an async-function task, the task waits
   * on this future: cancelling the task cancels it.
   */
  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this._then(onfulfilled, onrejected, false);
  }

  /**
   * @internal `then`, where `weak` makes the future the awaiting task's waiter only when the task
   * waits on nothing else yet (so it never hides the waits of code running inside the promise).
   * Returns the awaiter itself: a thenable that makes a real promise only if it is chained on
   * (`await fut` never does), so a plain `await` costs no extra promise.
   */
  _then<R1 = T, R2 = never>(
    onfulfilled: ((value: T) => R1 | PromiseLike<R1>) | null | undefined,
    onrejected: ((reason: unknown) => R2 | PromiseLike<R2>) | null | undefined,
    weak: boolean,
  ): Promise<R1 | R2> {
    if (onWatch !== null) onWatch(this as Future<unknown>);
    if (this._state !== PENDING) return this._settledThen(onfulfilled, onrejected);
    let task = awaitingTask();
    if (weak && task !== undefined && !task._idle()) task = undefined;
    const aw = new ThenAwaiter<T, R1 | R2>(this, onfulfilled, onrejected, task, weak);
    if (onSuspend !== null && task !== undefined) onSuspend();
    // A task that cannot wait on this future (itself) gets the error from _thenSettling.
    if (task !== undefined && !task._thenAttached(this)) task._loop._enqueue(new LateWake(aw, this as Future<unknown>));
    else this._addEntry(aw);
    return aw as unknown as Promise<R1 | R2>;
  }

  /**
   * `await` of a done future does not suspend (as in asyncio): only the promise's microtask. It is
   * not a checkpoint either: a cancel pending on the awaiting task waits for its next real wait,
   * so what a primitive's fast path took (a lock, an item) reaches the code that gives it back.
   */
  private _settledThen<R1, R2>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    const error = this._awaiterError();
    return settledThen(error, (error === NO_ERROR ? this._value : undefined) as T, onfulfilled, onrejected);
  }

  /** `fut.catch(fn)`, as on a promise. */
  catch<R = never>(onrejected?: ((reason: unknown) => R | PromiseLike<R>) | null): Promise<T | R> {
    return Promise.resolve(this.then(undefined, onrejected));
  }

  /** `fut.finally(fn)`, as on a promise. */
  finally(onfinally?: (() => void) | null): Promise<T> {
    return Promise.resolve(this.then()).finally(onfinally);
  }

  /** `yield* fut` in a generator task: yields the future while pending, then returns its result. */
  [Symbol.iterator](): Generator<Future<T>, T, unknown> {
    if (onWatch !== null) onWatch(this as Future<unknown>);
    return this._iterator();
  }

  /**
   * @internal The iterator of a `yield*`: a shared one for a future finished with a constant (the
   * primitives' fast paths), the future itself for its first `yield*` (the common case of one
   * waiting task: no allocation), else a `FutureIterator` of its own.
   */
  _iterator(): Generator<Future<T>, T, unknown> {
    if (this._state === FINISHED) {
      if (this._value === undefined) return DONE_UNDEFINED as unknown as Generator<Future<T>, T, unknown>;
      if (this._value === true) return DONE_TRUE as unknown as Generator<Future<T>, T, unknown>;
    }
    if ((this._flags & OWN_ITERATOR) === 0) {
      this._flags |= OWN_ITERATOR;
      return this as unknown as Generator<Future<T>, T, unknown>;
    }
    return new FutureIterator(this) as unknown as Generator<Future<T>, T, unknown>;
  }

  /**
   * @internal The iterator protocol of the future's first `yield*`, where it is its own iterator
   * (`FutureIterator`'s, which it mirrors): yields the future while it is pending, then returns
   * its result or throws its error (a subclass may yield `undefined`, a bare yield). Not for
   * direct use.
   */
  next(): IteratorResult<Future<T> | undefined, T> {
    if (this._state === PENDING) {
      if ((this._flags & YIELDED) !== 0) throw resumedPending(this);
      this._flags |= YIELDED;
      if (onSuspend !== null) onSuspend();
      return { done: false, value: this };
    }
    return doneResult(this.result());
  }

  /** @internal See `next()`: an error thrown in at the `yield*` goes on to the generator. */
  throw(e: unknown): never {
    throw e;
  }

  /** @internal See `next()`. */
  return(value: T): IteratorResult<Future<T> | undefined, T> {
    return { done: true, value };
  }

  get [Symbol.toStringTag](): string {
    return 'Future';
  }

  /**
   * asyncio's repr: `<Future pending>`, `<Future finished result=1>`, `<Future cancelled>`…; in
   * debug mode it ends with where the future was made (`<Future pending created at /app/main.ts:12>`).
   */
  toString(): string {
    return `<${this.constructor.name} ${this._reprInfo().join(' ')}>`;
  }

  // ---- internals shared with the task layer -------------------------------------------------

  /**
   * @internal The repr a tree of waits shows for this future, without its creation site (the
   * tree shows where); a task's also leaves its waits out.
   */
  _shortRepr(): string {
    return `<${this.constructor.name} ${this._reprInfo(false).join(' ')}>`;
  }

  /**
   * @internal The state as asyncio's repr shows it: a failed future is `finished` with its
   * `exception=`, a finished one shows its `result=`.
   */
  _reprInfo(withSource = true): string[] {
    const info = stateInfo(this._state, this._value, this._entries());
    if (!withSource) return info;
    // Debug mode (asyncio's _source_traceback): where it was made, last.
    const source = this._sourceFrames();
    if (source.length > 0) info.push(`created at ${frameSite(source[0]!)}`);
    return info;
  }

  /** @internal Debug mode: the user frames where it was made (empty when not recorded). */
  _sourceFrames(): readonly string[] {
    return futureSources.get(this) ?? [];
  }

  /** @internal */
  _describe(): string {
    return `${this.constructor.name} ${STATE_NAMES[this._state]}`;
  }

  /**
   * @internal Future.cancel itself (Task overrides `cancel` with request semantics). While
   * cancelled, `_value` holds the cancel message, or the CancelledError itself once made.
   */
  _cancelNow(msg?: string | CancelledError): boolean {
    if (this._state !== PENDING) return false;
    this._state = CANCELLED;
    this._value = msg === undefined || msg instanceof CancelledError ? msg : String(msg);
    this._scheduleCallbacks();
    return true;
  }

  /** @internal The message the future was cancelled with. */
  get _cancelMessage(): string | undefined {
    if (this._state !== CANCELLED) return undefined;
    const v = this._value;
    return v instanceof CancelledError ? v.message : (v as string | undefined);
  }

  /**
   * @internal Finishes the future and runs its waiters in this very pass: for resolutions that
   * are themselves a scheduled callback (one-pass waits), so waiters still never run inside a
   * user's `setResult()` call.
   */
  _resolveInline(value: T): void {
    this._state = FINISHED;
    this._value = value;
    if (this._loop._instruments !== null) this._notifyScheduled();
    this._runCallbacks();
  }

  /** @internal `_resolveInline`'s failing twin: the waiters that run now read the error. */
  _failInline(error: unknown): void {
    this._state = FAILED;
    this._value = error;
    this._retrieved = true;
    if (this._loop._instruments !== null) this._notifyScheduled();
    this._runCallbacks();
  }

  /** @internal Fails the future, with the "unretrieved" bookkeeping left to the caller. */
  _failNow(error: unknown): boolean {
    if (this._state !== PENDING) return false;
    this._state = FAILED;
    this._value = error;
    // An awaiter (a task, gather, a then() …) will read the error; a plain done callback may not.
    if (this._hasAwaiter()) this._retrieved = true;
    this._scheduleCallbacks();
    return true;
  }

  /** @internal The error an awaiter gets (NO_ERROR for a finished future); marks it retrieved. */
  _awaiterError(): unknown {
    if (this._state === FINISHED) return NO_ERROR;
    if (this._state === CANCELLED) return this._makeCancelledError();
    return this._readError();
  }

  /** A failed future's error, read by someone: retrieved, and counted as read (`ERROR_READ`). */
  private _readError(): unknown {
    this._markRetrieved();
    this._flags |= ERROR_READ;
    return this._value;
  }

  /** @internal Whether someone read this failed future's error; `mark`: it is read now. */
  _errorRead(mark = false): boolean {
    if ((this._flags & ERROR_READ) !== 0) return true;
    if (mark) this._flags |= ERROR_READ;
    return false;
  }

  /**
   * @internal The CancelledError of a cancelled future, made once and kept. Made for the loop's
   * own use it has no stack (see internal/looperrors.ts); `fromUser`: made for a call in user code
   * (`result()`, `exception()`), whose stack it keeps.
   */
  _makeCancelledError(fromUser = false): CancelledError {
    const v = this._value;
    if (v instanceof CancelledError) return v;
    const e = fromUser ? new CancelledError(v as string | undefined) : loopCancelledError(v as string | undefined);
    this._value = e;
    return e;
  }

  /** @internal Registers an internal waiter, woken once the future is done. */
  _addWaiter(w: Waiter): void {
    this._addEntry(w);
  }

  /** @internal */
  _removeWaiter(w: Waiter): void {
    this._removeEntry(w);
  }

  /** @internal A done callback or awaiter was attached after it failed, and nobody read the error yet. */
  _lateEntry(_e: Entry): void {}

  /** @internal Called at the end of the pass in which a task failed with nobody awaiting it. */
  _reportIfUnretrieved(): void {
    if (this._retrieved || this._state !== FAILED) return;
    this._retrieved = true;
    this._loop.callExceptionHandler({
      message: `${this.constructor.name} exception was never retrieved`,
      exception: this._value,
      future: this,
      ...this._reportExtras(),
    });
  }

  /**
   * @internal True when the future's result records something that already happened (a channel
   * send a receiver took): a cancellation pending on the waiting task then waits for its next
   * wait instead of discarding the result.
   */
  _keepsResult(): boolean {
    return false;
  }

  /**
   * @internal asyncio's `_make_cancelled_error()` message for a future that is not cancelled: a
   * plain future has none; a task has the message of its last cancel request that found no waiter
   * to cancel (a cancelled gather reports it when the task is its last child).
   */
  _cancelRequestMessage(): string | undefined {
    return undefined;
  }

  /**
   * @internal True for a one-pass wait (`sleep(0)`): asyncio's bare `yield`, which has no waiter
   * future, so a task cancel while an async task waits on it is not delivered to it but held as
   * the task's pending cancel (the latest message wins; `uncancel()` can take it back).
   */
  _bareYield(): boolean {
    return false;
  }

  /** @internal Extra context keys for reports (a task adds itself). */
  _reportExtras(): Record<string, unknown> {
    return {};
  }

  /** @internal Plain futures are reported at GC; tasks override this to report at pass end. */
  _watchUnretrieved(): void {
    const source = this._sourceFrames();
    const sourceStack = source.length > 0 ? source.join('\n') : undefined;
    watchUnread(this, { loop: this._loop, exception: this._value, kind: this._kind(), sourceStack });
  }

  /** @internal What reports call this kind of future: its class, as asyncio's (`Task` for tasks). */
  _kind(): string {
    return this.constructor.name;
  }

  /** @internal */
  _markRetrieved(): void {
    if (this._retrieved) return;
    this._retrieved = true;
    forgetUnread(this);
  }

  /** @internal */
  _hasCallbacks(): boolean {
    const cbs = this._cbs;
    return cbs !== null && (!Array.isArray(cbs) || cbs.length > 0);
  }

  /** @internal True when an awaiter (not a plain done callback, not an observer) is attached. */
  _hasAwaiter(): boolean {
    return this._someEntry(isAwaiter);
  }

  /** @internal True when a waiter that only observes (`wait()`, `asCompleted()`) is attached. */
  _hasObserver(): boolean {
    return this._someEntry(isObserver);
  }

  private _someEntry(test: (e: Entry) => boolean): boolean {
    const cbs = this._cbs;
    if (cbs === null) return false;
    if (!Array.isArray(cbs)) return test(cbs);
    for (const e of cbs) if (test(e)) return true;
    return false;
  }

  private _addEntry(e: Entry): void {
    if (onWatch !== null) onWatch(this as Future<unknown>);
    if (this._state !== PENDING) {
      // Done already: scheduled on its own, after whatever is already scheduled.
      const loop = this._loop;
      if (typeof e === 'function') loop._enqueue(new Handle(e as (...a: never[]) => unknown, [this], loop));
      else loop._enqueue(new LateWake(e, this as Future<unknown>));
      if (this._state === FAILED && !this._retrieved) this._lateEntry(e);
      return;
    }
    const cbs = this._cbs;
    if (cbs === null) this._cbs = e;
    else if (Array.isArray(cbs)) cbs.push(e);
    else this._cbs = [cbs, e];
  }

  private _removeEntry(e: Entry): number {
    // Once done, the callbacks are as good as scheduled (asyncio hands them to call_soon).
    if (this._state !== PENDING) return 0;
    let removed = 0;
    const kept: Entry[] = [];
    for (const x of this._entries() as Entry[]) {
      if (x === e || (typeof x === 'function' && userCallback(x) === e)) removed++;
      else kept.push(x);
    }
    if (removed > 0) this._cbs = kept.length === 0 ? null : kept.length === 1 ? kept[0]! : kept;
    return removed;
  }

  /** Completion: the callbacks run together, in order, in a later pass (one queue entry). */
  private _scheduleCallbacks(): void {
    if (this._cbs === null) return;
    this._loop._enqueue(this);
    if (this._loop._instruments !== null) this._notifyScheduled();
  }

  /** Instruments: the tasks waiting here became runnable. */
  private _notifyScheduled(): void {
    for (const e of this._entries()) if (typeof e === 'object' && e !== null) (e as Waiter)._scheduled?.();
  }

  /**
   * @internal Who waits on this pending future: callbacks, tasks, awaiters, combinators (the
   * await graph reads it).
   */
  _entries(): readonly unknown[] {
    const cbs = this._cbs;
    return cbs === null ? [] : Array.isArray(cbs) ? cbs.slice() : [cbs];
  }

  /** @internal The last waiter or callback registered (gather's dedup check). */
  _lastEntry(): unknown {
    const cbs = this._cbs;
    return Array.isArray(cbs) ? cbs[cbs.length - 1] : cbs;
  }

  /** @internal True when the only callback is an async awaiter (see EventLoop._runBatch). */
  _asyncOnly(): boolean {
    return this._cbs instanceof ThenAwaiter;
  }

  /** @internal Runs the callbacks registered before completion (from the ready queue). */
  _run(): void {
    this._runCallbacks();
  }

  /** The callbacks, in order (every subclass's `_run` of a done future comes here). */
  private _runCallbacks(): void {
    const cbs = this._cbs;
    if (cbs === null) return;
    this._cbs = null;
    // (After an async awaiter, `_runEntries` hands the rest on: the async task it resumed runs
    // to its next wait before the next callback, as asyncio gives each callback its own call_soon.)
    if (Array.isArray(cbs)) this._runEntries(cbs, 0);
    else this._runEntry(cbs);
  }

  /** @internal Runs `entries` from index `from`, handing the rest on after an async awaiter. */
  _runEntries(entries: Entry[], from: number): void {
    for (let i = from; i < entries.length; i++) {
      const e = entries[i]!;
      this._runEntry(e);
      if (e instanceof ThenAwaiter && i + 1 < entries.length) {
        this._loop._runNext(new RestCallbacks(this as Future<unknown>, entries, i + 1));
        return;
      }
    }
  }

  private _runEntry(e: Entry): void {
    if (typeof e !== 'function') {
      e._wake(this as Future<unknown>);
      return;
    }
    const loop = this._loop;
    loop._asyncFlag = true; // user code may resolve promises
    if (!loop._fine) {
      this._call(e);
      return;
    }
    // Fine mode (debug, or after a stall): each callback is timed, so that a slow one is named.
    const before = loop._monitor.accounted;
    const t0 = performance.now();
    this._call(e);
    const took = performance.now() - t0;
    if (took >= loop.slowCallbackDuration) loop._monitor.timedCallback(loop, e, this, took, before);
  }

  private _call(e: (fut: never) => unknown): void {
    const loop = this._loop;
    try {
      (e as (fut: Future<T>) => unknown)(this);
    } catch (err) {
      // asyncio runs each done callback as a Handle: its report carries one (made here, for the
      // report only: tulip runs done callbacks without a Handle each).
      loop.callExceptionHandler({
        message: `Exception in callback ${userCallback(e).name || '(anonymous)'}(${String(this)})`,
        exception: err,
        handle: new Handle(e, [this], loop),
      });
    }
  }
}

/**
 * @internal A new future of `loop`, already finished with `value` (the loop's shared done futures,
 * the primitives' fast paths, an empty `gather`). Here, below the loop, so that the modules using
 * it need not import the loop itself.
 */
export function finishedFuture<T>(loop: EventLoop, value: T): Future<T> {
  const fut = new Future<T>(loop);
  fut.setResult(value);
  return fut;
}

anchorShapes((loop) => {
  const fut = new Future<unknown>(loop);
  return [fut, new ThenAwaiter(fut, null, null, undefined), new FutureIterator(fut), new LateWake(fut as never, fut)];
});
