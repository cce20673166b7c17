import { CancelledError, RuntimeError, TimeoutError } from './errors.js';
import { Future, type Waiter } from './future.js';
import { InlineFuture, WeakAwait, callBody, type Body, type Mode } from './internal/inline.js';
import { checkDeadline, describe, isGenerator } from './internal/validate.js';
import type { Handle, TimerEntry } from './loop/handle.js';
import { getRunningLoop } from './loop/registry.js';
import { checkAwaitable, ensureFuture, isAbortOf, type Awaitable, type Coroutine, type Task } from './task.js';
import { current } from './internal/context.js';

const CREATED = 'created';
const ENTERED = 'active';
const EXPIRING = 'expiring';
const EXPIRED = 'expired';
const EXITED = 'finished';
type State = typeof CREATED | typeof ENTERED | typeof EXPIRING | typeof EXPIRED | typeof EXITED;

/**
 * A deadline for a block of code in the calling task (asyncio's `Timeout`). When the deadline
 * passes, the task is cancelled; the scope turns that cancellation into a `TimeoutError` (with the
 * `CancelledError` as its `cause`) when it exits. Nested timeouts with the same deadline convert
 * only at the outermost one; a cancellation from outside stays a `CancelledError`.
 *
 * Cancellation: the body's waits are checkpoints as usual; the scope itself adds none. A
 * cancellation from outside passes through unchanged, and the deadline's own cancel request is
 * taken back (`uncancel`) when the scope exits, so the task is not left cancelled.
 *
 * @example
 * ```ts
 * await timeout(500).run(async (t) => { await slowThing(); });          // async style
 * yield* timeout(500).run(function* (t) { yield* slowThing(); });       // generator style
 * ```
 */
export class Timeout implements TimerEntry {
  private _state: State = CREATED;
  private _when: number | null;
  private _task: Task<unknown> | null = null;
  private _cancelling = 0;
  /**
   * The deadline's timer: the timeout itself for its first deadline (no handle, no callback to
   * allocate), a loop handle after a `reschedule()`, or null.
   */
  private _handle: Handle | Timeout | null = null;
  /**
   * @internal Timer-heap fields of its own entry (see `TimerEntry`). Once that entry was scheduled
   * it is never scheduled again (dropped, it is `_cancelled`; fired, the timeout is no longer active):
   * later deadlines take a handle.
   */
  _scheduled = false;
  /** @internal */ _cancelled = false;
  /** run() was called: a timeout is entered once. */
  private _claimed = false;
  /** The task's cancel-scope depth at entry (its cancel passes shields entered outside it). */
  private _depth = 0;

  /** @internal Use `timeout()` or `timeoutAt()`. */
  constructor(when: number | null) {
    this._when = checkDeadline('Timeout', 'when', when);
  }

  /** The deadline on the loop's clock (ms), or null for none. */
  when(): number | null {
    return this._when;
  }

  /**
   * Moves the deadline (null: none). Only while the scope is active; a deadline in the past fires
   * at the next loop pass.
   */
  reschedule(when: number | null): void {
    checkDeadline('Timeout.reschedule', 'when', when);
    if (this._state !== ENTERED) {
      if (this._state === CREATED) throw new RuntimeError('Timeout.reschedule: Timeout has not been entered');
      throw new RuntimeError(`Timeout.reschedule: Cannot change state of ${this._state} Timeout`);
    }
    this._when = when;
    this._cancelTimer();
    if (when === null) return;
    const loop = this._task!._loop;
    if (when <= loop.time()) this._handle = loop._soon(null, expire, [this]);
    else if (!this._scheduled && !this._cancelled) {
      this._handle = this;
      loop._scheduleTimer(this, when);
    } else this._handle = loop._at(null, when, expire, [this]);
  }

  /** Drops the deadline's timer (its own entry: the heap drops it, or its queued run does nothing). */
  private _cancelTimer(): void {
    const h = this._handle;
    this._handle = null;
    if (h === this) {
      this._cancelled = true; // (due already, out of the heap: its queued run does nothing)
      if (this._scheduled) this._task!._loop._timerCancelled();
    } else if (h !== null) (h as Handle).cancel();
  }

  /** @internal Its own timer entry is due: the deadline passes, unless that timer was dropped. */
  _run(): void {
    if (this._handle === this) this._expire();
  }

  /** True once the deadline has passed and cancelled the task. */
  expired(): boolean {
    return this._state === EXPIRING || this._state === EXPIRED;
  }

  /**
   * Runs `body(this)` inside the calling task under this deadline (`async with timeout(d) as t:`).
   * Awaitable with `await` and `yield*`; the body may be a generator or an async function.
   *
   * Cancellation: the body's waits are checkpoints. When the deadline passes, the body is
   * cancelled, and the `CancelledError` that leaves it becomes a `TimeoutError` (a body that
   * swallows it returns normally); a cancellation from outside passes through unchanged.
   *
   * @example
   * ```ts
   * await timeout(500).run(async (t) => { await slowThing(); t.reschedule(null); });
   * ```
   */
  run<T>(body: (t: Timeout) => Coroutine<T> | PromiseLike<T> | T): Future<T> {
    if (typeof body !== 'function') throw new TypeError(`Timeout.run: body must be a function, got ${describe(body)}`);
    if (this._state !== CREATED || this._claimed) throw new RuntimeError(`Timeout.run: Timeout has already been entered (${this})`);
    this._claimed = true;
    return new InlineFuture<T>(getRunningLoop(), (mode) => this._scope(body, mode), 'Timeout.run()', 'Timeout should be used inside a task');
  }

  /** asyncio's repr: the state, and the deadline while active (`<Timeout [active] when=1500>`). */
  toString(): string {
    return this._state === ENTERED ? `<Timeout [${this._state}] when=${this._when}>` : `<Timeout [${this._state}]>`;
  }

  private *_scope<T>(body: Body<Timeout, T>, mode: Mode): Coroutine<T> {
    this._enter();
    let result: T;
    try {
      result = yield* callBody(body, this, mode);
    } catch (e) {
      this._exit(e, true);
      throw e;
    }
    this._exit(undefined, false);
    return result;
  }

  private _enter(): void {
    if (this._state !== CREATED) throw new RuntimeError('Timeout has already been entered');
    const task = current();
    if (task === undefined) throw new RuntimeError('Timeout should be used inside a task');
    this._task = task as Task<unknown>;
    this._depth = (task as Task<unknown>)._scopeDepth();
    this._cancelling = task.cancelling();
    this._state = ENTERED;
    this.reschedule(this._when);
  }

  /** Converts the deadline's cancellation into a TimeoutError (thrown from here). */
  private _exit(error: unknown, failed: boolean): void {
    this._cancelTimer();
    if (this._state === EXPIRING) {
      this._state = EXPIRED;
      const task = this._task!;
      // The AbortError a Node API made from the task's signal is this cancellation's echo (read
      // before uncancel(), which gives the task a fresh signal).
      if (failed && error instanceof Error && error.name === 'AbortError' && isAbortOf(error, task.signal)) error = task.signal.reason;
      // (A cancelled scope entered outside this one goes through unconverted: the outer wins.)
      const left = task.uncancel() - task._heldOutside(this._depth); // (held by a shield inside: not ours to see)
      if (left <= this._cancelling && failed && error instanceof CancelledError && !task._isOuterScopeCancel(error, this._depth)) {
        throw new TimeoutError('timeout: the deadline passed', { cause: error });
      }
    } else if (this._state === ENTERED) {
      this._state = EXITED;
    }
  }

  /** @internal The deadline passed: the task is cancelled (the scope converts it on exit). */
  _expire(): void {
    if (this._state !== ENTERED) return;
    this._task!._cancelFrom(this._depth);
    this._state = EXPIRING;
    this._handle = null;
  }
}

/** A rescheduled deadline's handle callback. */
function expire(t: Timeout): void {
  t._expire();
}

/**
 * A `Timeout` `delayMs` from now (null: no deadline, reschedulable later).
 *
 * Cancellation: see `Timeout`.
 *
 * @example
 * ```ts
 * try { await timeout(100).run(async () => { await sleep(1000); }); }
 * catch (e) { if (e instanceof TimeoutError) console.log('too slow'); }
 * ```
 */
export function timeout(delayMs: number | null): Timeout {
  const d = checkDeadline('timeout', 'delayMs', delayMs);
  return new Timeout(d === null ? null : getRunningLoop().time() + d);
}

/**
 * A `Timeout` at loop time `whenMs` (see `loop.time()`); null: no deadline.
 *
 * Cancellation: see `Timeout`.
 *
 * @example
 * ```ts
 * const deadline = getRunningLoop().time() + 1000;
 * await timeoutAt(deadline).run(async () => { await step1(); await step2(); });
 * ```
 */
export function timeoutAt(whenMs: number | null): Timeout {
  const w = checkDeadline('timeoutAt', 'whenMs', whenMs);
  getRunningLoop();
  return new Timeout(w);
}

/**
 * Waits for `aw` for at most `timeoutMs` ms (null: no limit). On timeout it cancels `aw`, waits
 * for its cleanup to finish, and raises `TimeoutError`; if `aw` swallows the cancellation and
 * returns a value, that value is returned. A timeout of 0 cancels `aw` before it starts (but
 * returns the result of one that is done already).
 *
 * Cancellation: a checkpoint. Cancelling the waiting task cancels `aw` too. A coroutine (or a
 * scope's future) runs inside the timeout; a promise of an async function is already running in
 * the calling task, so cancel scopes it entered count as entered before `waitFor`'s timeout (if
 * both expire in the same pass, the scope wins): give `waitFor` a task to keep them inside.
 *
 * @example
 * ```ts
 * const page = await waitFor(fetchPage(), 2000);
 * const row = yield* waitFor(db.query(sql), 500);
 * ```
 */
export function waitFor<T>(aw: Awaitable<T>, timeoutMs: number | null): Future<T> {
  const t = checkDeadline('waitFor', 'timeoutMs', timeoutMs);
  checkAwaitable('waitFor', 'aw', aw);
  const loop = getRunningLoop();
  return new InlineFuture<T>(loop, (mode) => waitForScope(aw, t, mode), 'waitFor()');
}

function* waitForScope<T>(aw: Awaitable<T>, t: number | null, mode: Mode): Coroutine<T> {
  if (t !== null && t <= 0) {
    const fut = ensureFuture(aw);
    if (fut.done()) return fut.result();
    yield* cancelAndWait(fut);
    try {
      return fut.result();
    } catch (e) {
      if (e instanceof CancelledError) throw new TimeoutError('waitFor: timed out', { cause: e });
      throw e;
    }
  }
  const inner: () => Coroutine<T> = function* () {
    if (isGenerator(aw) || aw instanceof Future) return yield* aw as Coroutine<T>;
    // A promise: wait through a cancellable wrapper (weakly in async code, so that the waits of
    // an async function behind the promise, running in this task, stay the ones cancelled).
    const w = ensureFuture(aw);
    if (mode === 'async') return (yield new WeakAwait(w)) as T;
    return yield* w;
  };
  if (t === null) return yield* inner();
  return yield* new Timeout(getRunningLoop().time() + t).run(inner);
}

/**
 * Cancels `fut` and waits until it is done, whatever its outcome (asyncio's `_cancel_and_wait`):
 * through a helper future its done callback releases, so the caller resumes a pass after `fut`'s
 * callbacks ran; a cancel of the caller itself ends the wait (and leaves `fut` cancelling).
 */
function* cancelAndWait(fut: Future<unknown>): Coroutine<void> {
  const waiter = new Future<void>(fut.getLoop());
  // A waiter, not a done callback: the caller reads `fut`'s outcome (its error is retrieved).
  const release: Waiter = {
    _wake(): void {
      if (!waiter.done()) waiter.setResult(undefined);
    },
  };
  fut._addWaiter(release);
  try {
    fut.cancel();
    yield* waiter;
  } finally {
    fut._removeWaiter(release);
  }
}
