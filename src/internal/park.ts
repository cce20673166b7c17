/**
 * Park futures: the blocking calls of the primitives (`Queue.get`, `Lock.acquire`, a channel's
 * `receive` …) as one object each, with no coroutine behind them.
 *
 * asyncio writes these calls as a loop — `while not ready: waiter = create_future(); park it;
 * await waiter` — which costs a coroutine, a waiter future and (in tulip) an inline future per
 * blocked call. A park future is that loop folded into the future the caller awaits:
 *  - it does nothing until someone uses it (`await`, `yield*`, a done callback, `gather`…): an
 *    un-awaited `q.get()` takes nothing, as an un-awaited asyncio coroutine does;
 *  - when first used by a task (`await`, `yield*`) it tries to complete at once (`_attempt`),
 *    else it parks itself in the primitive's waiter list (`_park`); first used by a watcher
 *    (`gather`, `shield`, `wait`, a done callback) it does so from its own queue entry, and
 *    finishes a pass later, where asyncio's wrapping task would take its first step and finish;
 *  - the primitive wakes it (`_wakeLater`); it then runs as its own queue entry in the next pass
 *    and tries again — finishing there and resuming its waiter in that same pass, or parking
 *    again if someone else took the resource first;
 *  - cancelled while parked it leaves the list (`_unpark`); cancelled after a wake-up and before it
 *    ran it hands the wake-up on (`_passOn`) when its entry runs, in the next pass, as asyncio's
 *    cancelled waiter does in its task's next step: no item, unit or lock is lost.
 */
import type { CancelledError } from '../errors.js';
import { Future, onWatch, type Waiter } from '../future.js';

const FRESH = 0;
const PARKED = 1;
const WOKEN = 2;
const RAN = 3;
/** Cancelled while parked; leaves the waiter list when its entry runs (see `_leaveLater`). */
const LEAVING = 4;
/** Watched (not awaited by a task): it tries and parks when its entry runs (see `_armSoon`). */
const ARMING = 5;
/** A `_flags` bit: first used by a watcher, as asyncio's coroutine wrapped in a task (`_armSoon`). */
const WATCHED = 16;
/**
 * A waiting task's cancel came after the wake-up: the future stays pending with the task (see
 * `_run`). A `_flags` bit, as the phase is (FRESH, ARMING, PARKED, WOKEN: its wake entry is
 * queued, LEAVING, RAN; three bits from PHASE_SHIFT): a park future is made per blocked call (each
 * `Queue` hand-off makes one), and every field would be 8 bytes more per call.
 */
const TASK_CANCELLED = 32;
const PHASE_SHIFT = 6;
const PHASE_MASK = 7 << PHASE_SHIFT;

/** The phase of a park future (plain functions, not accessors: these inline in every caller). */
function phaseOf(f: ParkFuture<unknown>): number {
  return (f._flags & PHASE_MASK) >> PHASE_SHIFT;
}

function setPhase(f: ParkFuture<unknown>, phase: number): void {
  f._flags = (f._flags & ~PHASE_MASK) | (phase << PHASE_SHIFT);
}

/** See the module doc. Subclasses implement the primitive's side. */
export abstract class ParkFuture<T> extends Future<T> {
  /**
   * Tries to complete now: finishes (or fails) the future through `_finish`/`_fail` and returns
   * true, or returns false to park. `resumed` is true when called from a wake-up.
   */
  protected abstract _attempt(resumed: boolean): boolean;
  /** Puts the future in the primitive's waiter list. */
  protected abstract _park(): void;
  /** Cancelled while parked: leaves the waiter list. */
  protected abstract _unpark(): void;
  /** Cancelled after a wake-up, before it ran: hands the wake-up on. */
  protected abstract _passOn(): void;

  /** @internal The primitive woke it: it tries again in the next pass, as its own queue entry. */
  _wakeLater(): void {
    setPhase(this, WOKEN);
    this._loop._enqueue(this);
  }

  /** True while parked (neither woken nor done): the primitive may wake it. */
  _parked(): boolean {
    return phaseOf(this) === PARKED && this._state === 0;
  }

  /** @internal Cancelled while parked and still listed (it leaves when its entry runs). */
  _cancelledWaiting(): boolean {
    return phaseOf(this) === LEAVING;
  }

  /** True once woken and not yet run. */
  _woken(): boolean {
    return phaseOf(this) === WOKEN && this._state === 0;
  }

  /** Finishes with `value`: waiters resume in this pass when resumed from a wake-up, else later. */
  protected _finish(value: T, resumed: boolean): void {
    if (resumed && (this._flags & WATCHED) === 0) this._resolveInline(value);
    else this._setResultNow(value); // (watched: the wrapping task's step, then its callbacks)
  }

  /**
   * Fails with `error`, as `_finish`: the waiters that run now read it; with only done callbacks
   * or observers (`wait()`) it is reported, as a plain future's, if nobody reads it.
   */
  protected _fail(error: unknown, resumed: boolean): void {
    if (resumed && (this._flags & WATCHED) === 0) {
      this._failInline(error);
    } else {
      this._failNow(error);
      if (!this._retrieved) this._watchUnretrieved();
    }
  }

  /** First use: try at once, else park. */
  private _arm(): void {
    if (phaseOf(this) !== FRESH || this._state !== 0) return;
    setPhase(this, PARKED);
    if (!this._tryAttempt(false)) this._park();
  }

  /**
   * `_attempt`, where user code it runs (a PriorityQueue's comparator) may throw: the error fails
   * this future, for its awaiter, instead of escaping the loop, and a wake-up it was given goes to
   * the next in line.
   */
  private _tryAttempt(resumed: boolean): boolean {
    try {
      return this._attempt(resumed);
    } catch (e) {
      if (this._state === 0) this._fail(e, resumed);
      if (resumed) this._passOn();
      return true;
    }
  }

  /**
   * First use by a watcher (`gather`, `shield`, `wait`, a done callback): asyncio wraps the
   * coroutine in a task whose first step comes in the next pass, after the steps already queued —
   * so the call tries, and joins the waiter line, when its entry runs.
   */
  private _armSoon(): void {
    if (phaseOf(this) !== FRESH || this._state !== 0) return;
    setPhase(this, ARMING);
    this._flags |= WATCHED;
    this._loop._enqueue(this);
  }

  /** @internal A wake-up entry (then, once done, the done callbacks as for any future). */
  override _run(): void {
    const phase = phaseOf(this);
    if (phase === ARMING) {
      // (Cancelled meanwhile: its callbacks run from the entry its completion queued.)
      setPhase(this, this._state === 0 ? FRESH : RAN);
      this._arm();
      return;
    }
    if (phase === WOKEN || phase === LEAVING) {
      setPhase(this, RAN);
      // A waiting task that still wants its cancel (not taken back with uncancel()) gets it here,
      // at this wait, and the wake-up goes on: asyncio's task raises at its done waiter.
      if ((this._flags & TASK_CANCELLED) !== 0 && this._state === 0) {
        const c = this._waiterCancel();
        if (c !== null) this._cancelNow(c as CancelledError);
      }
      if (this._state !== 0) {
        // Cancelled after the wake-up (or while parked, with `_leaveLater`): it hands the wake-up
        // on now and resumes its waiters here, where asyncio's cancelled waiter does both (its
        // task's step, scheduled by the wake-up). The entry its cancel queued then finds none.
        this._passOn();
        super._run();
        return;
      }
      setPhase(this, PARKED);
      if (!this._tryAttempt(true)) this._park();
      return;
    }
    super._run();
  }

  /**
   * @internal Woken and not run yet: asyncio's waiter future is done, so the waiting task's cancel
   * finds nothing to cancel and stays pending with the task; `_run` looks at it then.
   */
  override _cancelForTask(msg?: string): boolean {
    if (phaseOf(this) === WOKEN && this._state === 0) {
      this._flags |= TASK_CANCELLED;
      return false;
    }
    return this.cancel(msg);
  }

  /** The pending cancel of a task waiting here, or null. */
  private _waiterCancel(): unknown {
    for (const e of this._entries()) {
      const c = typeof e === 'object' && e !== null ? ((e as Waiter)._pendingCancel?.() ?? null) : null;
      if (c !== null) return c;
    }
    return null;
  }

  override cancel(msg?: string): boolean {
    if (this._state !== 0) {
      this._markRetrieved();
      // Cancelled after its wake-up and its entry not run yet: asyncio's waiter future was done
      // by then, so every cancel of the waiting task is a pending cancel whose message replaces
      // the last one. The waiting task reads this future's error: it carries the latest message.
      if (phaseOf(this) === WOKEN && this.cancelled()) this._value = msg === undefined ? undefined : String(msg);
      return false;
    }
    const phase = phaseOf(this);
    this._cancelNow(msg);
    if (phase === PARKED) this._unpark(); // (woken: it hands the wake-up on when its entry runs)
    return true;
  }

  /**
   * For an `_unpark` that leaves one pass later (asyncio's Lock, whose cancelled waiter stays
   * first in line until its task's next step): it stays listed until its entry runs, which then
   * calls `_passOn` and resumes its waiters.
   */
  protected _leaveLater(): void {
    setPhase(this, LEAVING);
    this._loop._enqueue(this);
  }

  /** `yield* fut`: the first use tries at once, or parks (see the module doc). */
  override [Symbol.iterator](): Generator<Future<T>, T, unknown> {
    if (onWatch !== null) onWatch(this as Future<unknown>);
    if (phaseOf(this) === FRESH) this._arm();
    return this._iterator();
  }

  override _then<R1 = T, R2 = never>(
    onfulfilled: ((value: T) => R1 | PromiseLike<R1>) | null | undefined,
    onrejected: ((reason: unknown) => R2 | PromiseLike<R2>) | null | undefined,
    weak: boolean,
  ): Promise<R1 | R2> {
    this._arm();
    return super._then(onfulfilled, onrejected, weak);
  }

  override addDoneCallback(cb: (fut: Future<T>) => unknown): void {
    this._armSoon();
    super.addDoneCallback(cb);
  }

  override _addWaiter(w: Waiter): void {
    // A task waits on it at once (it iterated it already, or `yield fut`); a watcher soon.
    if (typeof w._pendingCancel === 'function') this._arm();
    else this._armSoon();
    super._addWaiter(w);
  }
}
