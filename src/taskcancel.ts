/**
 * A task's cancellation state: asyncio's `_fut_waiter`, `_must_cancel` and
 * `_num_cancels_requested`, the cancel scopes the task is in (held back by shields), and its
 * `signal`. The base of `TaskInfo` (taskinfo.ts: names, repr, reports) and so of `Task` (task.ts),
 * which adds the stepping of its body; every member here is a member of each Task.
 */
import { CancelledError } from './errors.js';
import { Future, NO_ERROR } from './future.js';
import { loopCancelledError } from './internal/looperrors.js';
import { NO_DEPTHS, TaskExt, shieldIndex, withDepth, type ScopeLike } from './internal/taskext.js';
import type { ExceptionContext } from './loop/exceptions.js';

/** A `_flags` bit of a task (above the bits of `Future` and its other subclasses): `_mustCancel`. */
const MUST_CANCEL = 32;

/**
 * The cancellation state of a `Task` (see `Task`; `TaskInfo` is its only direct subclass).
 *
 * Cancellation: `cancel(msg)` is a request; `cancelling()` counts requests and `uncancel()` takes
 * one back, so `timeout()` and `TaskGroup` can tell their own cancellation from an outside one.
 *
 * @example
 * ```ts
 * const t = createTask(function* () { yield* sleep(1000); });
 * t.cancel();
 * console.log(t.cancelling()); // 1
 * ```
 */
export abstract class TaskCancellation<T> extends Future<T> {
  // Declared, and assigned in Task's constructor (as Future's fields are in its own): a class
  // with field initializers runs them as a constructor step of its own, on every task made.
  /** @internal The future the task waits on (a cancel cancels it), or null. */
  declare _futWaiter: Future<unknown> | null;
  /** The side state most tasks never need (see `_x()`). */
  protected declare _ext: TaskExt | null;

  /**
   * @internal A cancel request not yet delivered (asyncio's `_must_cancel`): a bit of `_flags`,
   * as the task's other small state, so that a task object stays small (see `Task`).
   */
  get _mustCancel(): boolean {
    return (this._flags & MUST_CANCEL) !== 0;
  }
  set _mustCancel(due: boolean) {
    if (due) this._flags |= MUST_CANCEL;
    else this._flags &= ~MUST_CANCEL;
  }

  /**
   * Requests cancellation; returns false when the task is done already (a failed task's error then
   * counts as handled, as in asyncio: it is not reported as never retrieved). See `Task`'s class doc.
   *
   * Cancellation: not a checkpoint for the caller; the task gets a `CancelledError(msg)` at the
   * wait it is in (or its next one), and `signal` is aborted at once.
   *
   * @example
   * ```ts
   * const t = createTask(function* () { yield* sleep(1000); });
   * t.cancel('shutting down');
   * ```
   */
  override cancel(msg?: string): boolean {
    return this._cancelFrom(this._ext === null ? 0 : this._ext.inherited, msg);
  }

  /**
   * @internal Enters the scopes around the TaskGroup block this task is a child of (before its
   * first step); `scopes` becomes its own list (a fresh array, from `_scopesOutside`).
   */
  _inheritScopes(scopes: ScopeLike[]): void {
    const ext = this._x();
    ext.scopes = scopes;
    ext.inherited = scopes.length;
    ext.stepped = false;
    for (const s of scopes) s._adopt(this);
  }

  /** @internal The task ended: it leaves the scopes it inherited. */
  _releaseScopes(): void {
    const ext = this._ext!;
    for (let i = 0; i < ext.inherited; i++) ext.scopes![i]!._release(this);
  }

  /** @internal The scopes around a TaskGroup entered at scope depth `depth` (its children's): a new array. */
  _scopesOutside(depth: number): ScopeLike[] | null {
    const scopes = this._ext?.scopes;
    return depth === 0 || scopes == null ? null : scopes.slice(0, depth);
  }

  /**
   * @internal A cancel request made from cancel-scope depth `depth` (0: from outside every scope;
   * `timeout()` and `TaskGroup` pass the depth they were entered at). A shielded scope at that
   * depth or deeper holds the request back until it exits.
   */
  _cancelFrom(depth: number, msg?: string): boolean {
    if (this._state !== 0) {
      this._markRetrieved(); // as asyncio's cancel(): the error of a failed task counts as handled
      return false;
    }
    const message = msg === undefined ? undefined : String(msg);
    const ext = this._x(); // (a cancel is rare: the count lives in the side state)
    if (ext.cancelsRequested++ === 0) ext.signalMsg = message;
    ext.cancelMsg = message;
    if (ext.scopes !== null) {
      if (!this._mustCancel && !ext.cancelInFlight) {
        ext.cancelDepth = depth;
        ext.cancelDepths = [depth];
      } else {
        ext.cancelDepth = Math.max(ext.cancelDepth, depth);
        ext.cancelDepths = withDepth(ext.cancelDepths, depth);
      }
      if (shieldIndex(ext.scopes) >= depth) {
        ext.heldDepths = withDepth(ext.heldDepths, depth);
        this._mustCancel = true; // held back by a shield: delivered after it exits
        ext.mustCancelMsg = message;
        return true;
      }
    }
    const ctrl = ext.ctrl;
    if (ctrl !== null && !ctrl.signal.aborted) ctrl.abort(new CancelledError(message));
    const waiter = this._futWaiter;
    if (waiter !== null && !waiter._bareYield() && waiter._cancelForTask(message)) {
      if (ext.scopes !== null) ext.cancelInFlight = true;
      return true;
    }
    this._mustCancel = true;
    ext.mustCancelMsg = message;
    return true;
  }

  /** @internal The cancel request not delivered yet, or null (a waiter that declined it asks). */
  _pendingCancel(): CancelledError | null {
    return this._pendingCancellation(false);
  }

  /** @internal See `TaskExt.mustCancelMsg`. */
  override _cancelRequestMessage(): string | undefined {
    return this._ext?.mustCancelMsg;
  }

  /**
   * @internal The cancellation a checkpoint delivers now, if any: a task cancel not held back by
   * a shield (consumed when `consume`), else the cancellation of the outermost cancelled scope
   * that no shield cuts off (level-triggered: delivered at every checkpoint until it exits).
   */
  _pendingCancellation(consume: boolean): CancelledError | null {
    const ext = this._ext;
    const scopes = ext === null ? null : ext.scopes;
    if (scopes === null) {
      if (!this._mustCancel) return null;
      if (consume) this._mustCancel = false;
      return this._cancelErrorToThrow();
    }
    const shieldAt = shieldIndex(scopes);
    if ((this._mustCancel || ext!.cancelInFlight) && ext!.cancelDepth > shieldAt) {
      // The outermost cancellation wins (Trio's rule; asyncio's nested timeouts): a cancelled
      // scope entered outside the request's depth goes first, and the request stays pending.
      if (ext!.protect === 0) {
        // Scopes outside every request a shield does not hold back.
        let outerOfAll = ext!.cancelDepth;
        for (const d of ext!.cancelDepths) if (d > shieldAt && d < outerOfAll) outerOfAll = d;
        for (let i = Math.max(shieldAt, 0); i < outerOfAll && i < scopes.length; i++) {
          if (scopes[i]!._cancelled) return scopes[i]!._makeError();
        }
      }
      if (consume) {
        this._mustCancel = false;
        ext!.cancelInFlight = false;
      }
      return this._cancelErrorToThrow();
    }
    if (ext!.protect > 0) return null;
    for (let i = Math.max(shieldAt, 0); i < scopes.length; i++) {
      const scope = scopes[i]!;
      if (scope._cancelled) return scope._makeError();
    }
    return null;
  }

  /** @internal A cancel scope of this task was cancelled or unshielded: wake its wait if it now applies. */
  _scopeChanged(): void {
    if (this._state !== 0) return;
    const c = this._pendingCancellation(false);
    if (c === null) return;
    if (this._mustCancel) {
      const ctrl = this._ext?.ctrl;
      if (ctrl && !ctrl.signal.aborted) ctrl.abort(new CancelledError(this._ext?.cancelMsg));
    }
    const waiter = this._futWaiter;
    if (waiter !== null && !waiter._bareYield()) this._cancelWaiter(waiter, c);
  }

  /**
   * Cancels the task's wait on `fut` with the due cancellation `c`. A task cancel is then no longer
   * pending but in flight; inside scopes the task remembers whose cancellation reached the waiter.
   */
  private _cancelWaiter(fut: Future<unknown>, c: CancelledError): void {
    if (!fut.cancel(c.message)) return;
    const ext = this._ext;
    const own = ext !== null && c === ext.lastCancel;
    if (own) this._mustCancel = false;
    if (ext !== null && ext.scopes !== null) {
      if (own) ext.cancelInFlight = true;
      else {
        ext.scopeCancelledWaiter = fut;
        // The wait's CancelledError is the scope's own (tagged), also for code that reads it from
        // the future itself (a promise awaiting it): a timeout inside the scope then lets it through.
        if (fut._state === 3 && fut._value === c.message) fut._value = c;
      }
    }
  }

  /**
   * @internal The cancellation of the outermost cancelled scope enclosing `scope` whose cancel
   * reaches it (up to and including the nearest shield outside it), or null.
   */
  _outerScopeCancel(scope: ScopeLike): CancelledError | null {
    const scopes = this._ext?.scopes;
    if (scopes == null) return null;
    let found: ScopeLike | null = null;
    for (let i = scopes.lastIndexOf(scope) - 1; i >= 0; i--) {
      const s = scopes[i]!;
      if (s._cancelled) found = s;
      if (s.shield) break;
    }
    return found === null ? null : found._makeError();
  }

  /** @internal Enters / leaves a cancel scope (the scope's own code calls these). */
  _pushScope(scope: ScopeLike): number {
    const ext = this._x();
    if (ext.scopes === null) ext.scopes = [];
    ext.scopes.push(scope);
    return ext.scopes.length;
  }

  /** @internal */
  _popScope(scope: ScopeLike): void {
    const ext = this._ext!;
    const scopes = ext.scopes!;
    const i = scopes.lastIndexOf(scope);
    if (i >= 0) scopes.splice(i, 1);
    if (scopes.length === 0) ext.scopes = null;
    if (scope.shield) this._scopeChanged(); // a held-back cancel may apply now
  }

  /**
   * @internal True when `e` is the cancellation of one of this task's scopes entered outside scope
   * depth `depth` (a timeout entered at that depth lets it through unconverted: outer wins).
   */
  _isOuterScopeCancel(e: unknown, depth: number): boolean {
    const scopes = this._ext?.scopes;
    const scope = e instanceof CancelledError ? (e as { scope?: unknown }).scope : undefined;
    if (scopes == null || scope === undefined) return false;
    const i = scopes.indexOf(scope as ScopeLike);
    return i >= 0 && i < depth;
  }

  /**
   * @internal How many of the task's cancel requests come from outside scope depth `depth` and are
   * held back by a shield it is inside: a timeout or TaskGroup inside the shield leaves them out of
   * its count, as code inside `asyncio.shield()` (another task) never sees them.
   */
  _heldOutside(depth: number): number {
    const ext = this._ext;
    if (ext === null || ext.scopes === null || ext.heldDepths.length === 0) return 0;
    const shieldAt = shieldIndex(ext.scopes);
    if (shieldAt >= depth) return 0; // the shield is inside the construct: what it holds is the construct's
    let n = 0;
    for (const d of ext.heldDepths) if (d <= shieldAt) n++;
    return n;
  }

  /** @internal The number of cancel scopes the task is in (the depth of a new request). */
  _scopeDepth(): number {
    return this._ext?.scopes?.length ?? 0;
  }

  /** @internal While > 0, scope cancellations are not delivered (a TaskGroup waiting for its children). */
  _protect(delta: number): void {
    this._x().protect += delta;
  }

  /** The number of cancel requests not yet taken back with `uncancel()`. */
  cancelling(): number {
    return this._ext === null ? 0 : this._ext.cancelsRequested;
  }

  /**
   * Takes back one cancel request (as `timeout()` and `TaskGroup` do for their own); at zero a
   * cancellation not yet delivered is dropped and `signal` is renewed. Returns the new count.
   */
  uncancel(): number {
    const ext = this._ext;
    if (ext === null) return 0;
    if (ext.cancelsRequested > 0 && --ext.cancelsRequested === 0) {
      this._mustCancel = false;
      ext.cancelInFlight = false;
      ext.heldDepths = NO_DEPTHS;
      if (ext.ctrl !== null && ext.ctrl.signal.aborted) ext.ctrl = null;
    }
    return ext.cancelsRequested;
  }

  /**
   * An AbortSignal aborted (with a `CancelledError`) as soon as the task is cancelled: pass it to
   * `fetch`, streams, timers and child processes. Renewed when `uncancel()` reaches zero.
   */
  get signal(): AbortSignal {
    const ext = this._x();
    if (ext.ctrl === null) {
      ext.ctrl = new AbortController();
      const heldBack = this._mustCancel && ext.scopes !== null && shieldIndex(ext.scopes) >= ext.cancelDepth;
      // (Made after the cancel: aborted as it would have been then, with the first request's message.)
      if (ext.cancelsRequested > 0 && !heldBack) ext.ctrl.abort(new CancelledError(ext.signalMsg));
    }
    return ext.ctrl.signal;
  }

  /**
   * @internal The CancelledError a task cancel throws in (remembered as the last one made); also
   * what a cancel scope throws instead of swallowing its own while a task cancel is outstanding.
   */
  _cancelErrorToThrow(): CancelledError {
    const e = loopCancelledError(this._ext?.cancelMsg);
    this._x().lastCancel = e;
    return e;
  }

  /** @internal The side state, made on first use. */
  _x(): TaskExt {
    if (this._ext === null) this._ext = new TaskExt();
    return this._ext;
  }

  /** A new wait while a cancellation is due: cancel it at once (asyncio's `_must_cancel`). */
  protected _cancelNewWait(fut: Future<unknown>): void {
    if (fut._bareYield()) return; // delivered when the task resumes (_thenSettling)
    const c = this._pendingCancellation(false);
    if (c !== null) this._cancelWaiter(fut, c);
  }

  /**
   * The error a due task cancel throws in at a wait on `waiter`: the waiter's own CancelledError
   * when the first request cancelled it (a later `cancel(msg)` only adds a request, as in asyncio),
   * or the CancelledError the waiter failed with (a cancelled gather), else `c`: asyncio's step
   * keeps an incoming CancelledError. A scope's cancellation keeps its own error.
   */
  protected _cancelAt(c: CancelledError, waiter: Future<unknown> | null): CancelledError {
    const ext = this._ext;
    if (waiter === null || ext === null || c !== ext.lastCancel || ext.scopeCancelledWaiter === waiter) return c;
    let own: CancelledError;
    if (waiter._state === 3) own = waiter._makeCancelledError();
    else if (waiter._state === 2 && waiter._value instanceof CancelledError) own = waiter._value;
    else return c;
    ext.lastCancel = own;
    return own;
  }

  /** A failure that a cancel pre-empted is reported, not dropped (DESIGN §4). */
  protected _reportLostError(exception: unknown): void {
    if (exception === NO_ERROR || exception instanceof CancelledError) return;
    this._loop.callExceptionHandler({
      message: `${String(this)} was cancelled before it could receive the error of what it awaited`,
      exception,
      task: this as unknown as ExceptionContext['task'],
    });
  }

  /**
   * The failure of `waiter`, which a cancel pre-empted, is reported unless someone else reads it
   * by the next pass (the TaskGroup that cancelled this task, another awaiter): DESIGN §4.
   */
  protected _reportLostWaiter(waiter: Future<unknown>): void {
    if (waiter._state !== 2 || waiter._value instanceof CancelledError) return;
    this._loop._reportIfUnread(waiter, {
      message: `${String(this)} was cancelled before it could receive the error of ${String(waiter)}`,
      exception: waiter._value,
      future: waiter,
      task: this as unknown as ExceptionContext['task'],
    });
  }
}
