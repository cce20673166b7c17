/**
 * Level-triggered cancel scopes (Trio's `CancelScope`, AnyIO's on asyncio), on top of the core's
 * edge-triggered cancellation.
 *
 * Once a scope is cancelled — by `cancel()` or its deadline — every checkpoint (every wait) of its
 * task inside it raises `CancelledError` again, until the scope exits; there the scope catches its
 * own cancellation (`cancelledCaught`). A shielded scope keeps cancellation from outside it out —
 * outer scopes and `task.cancel()` alike — until it exits. Scope cancellations do not touch
 * `task.cancelling()`, so they compose with `timeout()`, `TaskGroup` and `shield()`. When a scope
 * and a task cancellation (`task.cancel()`, a `timeout()`, a `TaskGroup`) are due at the same wait,
 * the outermost wins, as in Trio: a `timeout()` inside a cancelled scope lets the scope's
 * cancellation through unconverted, and a scope never swallows a cancellation requested outside it.
 * The children of a `TaskGroup` entered inside scopes are inside them too (Trio's nursery
 * children): cancelled at every wait, kept out by a shield, until they end.
 */
import { CancelledError, RuntimeError, TimeoutError } from './errors.js';
import type { Future } from './future.js';
import { InlineFuture, callBody, type Body, type Mode } from './internal/inline.js';
import { checkDeadline, checkDelay, checkOpts, describe } from './internal/validate.js';
import type { EventLoop } from './loop/eventloop.js';
import type { Handle } from './loop/handle.js';
import { getRunningLoop, runningLoopOrUndefined } from './loop/registry.js';
import { isAbortOf, type Coroutine, type ScopeLike, type Task } from './task.js';
import type { ScopeTask } from './internal/taskext.js';
import { current } from './internal/context.js';

/** The CancelledError a scope delivers, tagged with the scope so that it can catch its own. */
class ScopeCancelledError extends CancelledError {
  constructor(readonly scope: CancelScope) {
    super('cancelled by a cancel scope');
  }
}

/** Options of `new CancelScope()`. */
export interface CancelScopeOptions {
  /** Loop time (ms, see `loop.time()`) at which the scope cancels itself; null: never. */
  deadline?: number | null;
  /** Keep cancellation from outside the scope out while inside it. */
  shield?: boolean;
}

/**
 * A region of a task (and of the children of the TaskGroups entered in it) that can be cancelled
 * as a whole, level-triggered (see the module doc).
 * `run(body)` runs the body inside the calling task; the scope can be entered once.
 *
 * Cancellation: every wait inside a cancelled scope is a checkpoint that raises; the scope
 * catches its own `CancelledError` when it exits and `run()` then resolves to `undefined`
 * (check `cancelledCaught`). `signal` is aborted when the scope is cancelled, for foreign work.
 *
 * @example
 * ```ts
 * const scope = new CancelScope({ deadline: getRunningLoop().time() + 1000 });
 * await scope.run(async () => { await step1(); await step2(); });
 * if (scope.cancelledCaught) console.log('gave up after one second');
 * ```
 */
export class CancelScope implements ScopeLike {
  private _deadline: number | null;
  private _shield: boolean;
  private _cancelCalled = false;
  private _cancelledCaught = false;
  private _task: Task<unknown> | null = null;
  private _loop: EventLoop | null = null;
  private _timer: Handle | null = null;
  private _state: 'created' | 'active' | 'exited' = 'created';
  private _ctrl: AbortController | null = null;
  /** The children of TaskGroups entered inside the scope (they are in it too, until they end). */
  private _inheritors: Set<ScopeTask> | null = null;

  constructor(opts: CancelScopeOptions = {}) {
    checkOpts('CancelScope', opts);
    this._deadline = checkDeadline('CancelScope', 'opts.deadline', opts.deadline ?? null);
    this._shield = opts.shield === undefined ? false : checkShield('CancelScope', 'opts.shield', opts.shield);
  }

  /** The deadline (loop time, ms), or null. Settable at any time; moving it reschedules. */
  get deadline(): number | null {
    return this._deadline;
  }

  set deadline(when: number | null) {
    this._deadline = checkDeadline('CancelScope.deadline', 'deadline', when);
    if (this._state === 'active') this._schedule();
  }

  /** Whether cancellation from outside is kept out. Settable at any time. */
  get shield(): boolean {
    return this._shield;
  }

  set shield(on: boolean) {
    this._shield = checkShield('CancelScope.shield', 'shield', on);
    if (this._state === 'active' && !this._shield) this._changed();
  }

  /**
   * True once `cancel()` was called or the deadline passed — read against the clock, as Trio's
   * `cancel_called`: a passed deadline reads true at once, before the scope's timer ran.
   */
  get cancelCalled(): boolean {
    if (!this._cancelCalled && this._state !== 'exited') this._cancelIfPastDeadline(this._loop ?? runningLoopOrUndefined());
    return this._cancelCalled;
  }

  /** True when the scope exited by catching its own cancellation. */
  get cancelledCaught(): boolean {
    return this._cancelledCaught;
  }

  /** An AbortSignal aborted when the scope is cancelled: give it to foreign work inside. */
  get signal(): AbortSignal {
    if (this._ctrl === null) {
      this._ctrl = new AbortController();
      if (this._cancelCalled) this._ctrl.abort(this._makeError());
    }
    return this._ctrl.signal;
  }

  /** Cancels the scope (idempotent; also before it is entered, or after it exited). */
  cancel(): void {
    if (this._cancelCalled) return;
    this._cancelCalled = true;
    this._timer?.cancel();
    this._timer = null;
    if (this._ctrl !== null && !this._ctrl.signal.aborted) this._ctrl.abort(this._makeError());
    if (this._state === 'active') this._changed();
  }

  /** Its cancellation (or unshielding) may now reach the waits of its task and inheritors. */
  private _changed(): void {
    this._task!._scopeChanged();
    if (this._inheritors !== null) for (const t of this._inheritors) t._scopeChanged();
  }

  /** @internal */
  _adopt(task: ScopeTask): void {
    (this._inheritors ??= new Set()).add(task);
  }

  /** @internal */
  _release(task: ScopeTask): void {
    this._inheritors?.delete(task);
  }

  /**
   * Runs `body(this)` inside the calling task within the scope (`with CancelScope() as s:`).
   *
   * Cancellation: once the scope is cancelled every wait inside it raises `CancelledError`; the
   * scope catches its own cancellation when it exits and `run()` resolves to `undefined`
   * (`cancelledCaught` is then true).
   *
   * @example
   * ```ts
   * const scope = new CancelScope();
   * const result = await scope.run(async () => { await sleep(1000); return 'done'; }); // undefined if cancelled
   * ```
   */
  run<T>(body: (scope: CancelScope) => Coroutine<T> | PromiseLike<T> | T): Future<T | undefined> {
    if (typeof body !== 'function') throw new TypeError(`CancelScope.run: body must be a function, got ${describe(body)}`);
    if (this._state !== 'created' || this._loop !== null) throw new RuntimeError(`CancelScope.run: ${this} has already been entered`);
    this._loop = getRunningLoop();
    return new InlineFuture<T | undefined>(this._loop, (mode) => this._scope(body, mode), 'CancelScope.run()');
  }

  /** `<CancelScope active cancelled shielded deadline=1500>`: its state and flags. */
  toString(): string {
    const flags = [this._state, this._cancelCalled ? 'cancelled' : '', this._shield ? 'shielded' : ''].filter(Boolean);
    return `<CancelScope ${flags.join(' ')} deadline=${this._deadline}>`;
  }

  /** @internal */
  get _cancelled(): boolean {
    return this._cancelCalled;
  }

  /** @internal */
  _makeError(): CancelledError {
    return new ScopeCancelledError(this);
  }

  private *_scope<T>(body: Body<CancelScope, T>, mode: Mode): Coroutine<T | undefined> {
    const task = current() as Task<unknown> | undefined;
    if (task === undefined) throw new RuntimeError('CancelScope.run: must be used inside a task');
    this._task = task;
    this._state = 'active';
    const cancelling = task.cancelling();
    task._pushScope(this);
    this._schedule();
    if (this._cancelCalled) task._scopeChanged();
    try {
      return yield* callBody(body, this, mode);
    } catch (e) {
      // Its own cancellation: its tagged error, or the AbortError a Node API made from its signal.
      const ctrl = this._ctrl;
      if ((e instanceof ScopeCancelledError && e.scope === this) || (ctrl !== null && ctrl.signal.aborted && isAbortOf(e, ctrl.signal))) {
        // A task cancel requested while inside (from outside the scope: inner requests are taken
        // back by their own exits) and already delivered is still outstanding: the outermost wins,
        // nothing is swallowed. (One still pending — held back by a shield — comes later anyway.)
        if (task.cancelling() > cancelling && !task._mustCancel) throw task._cancelErrorToThrow();
        // So does an enclosing scope cancelled meanwhile (Trio: the parent's cancellation is
        // visible to an unshielded scope): its cancellation goes on, for it to catch.
        const outer = this._shield ? null : task._outerScopeCancel(this);
        if (outer !== null) throw outer;
        this._cancelledCaught = true;
        return undefined;
      }
      throw e;
    } finally {
      this._state = 'exited';
      this._timer?.cancel();
      this._timer = null;
      task._popScope(this);
      if (!this._cancelCalled) this._cancelIfPastDeadline(this._loop); // Trio reads it so on exit
    }
  }

  private _cancelIfPastDeadline(loop: EventLoop | null | undefined): void {
    if (this._deadline !== null && loop != null && !loop.isClosed() && loop.time() >= this._deadline) this.cancel();
  }

  private _schedule(): void {
    this._timer?.cancel();
    this._timer = null;
    const when = this._deadline;
    if (when === null || this._cancelCalled) return;
    const loop = this._loop!;
    this._timer = when <= loop.time() ? loop._soon(null, () => this.cancel(), []) : loop._at(null, when, () => this.cancel(), []);
  }
}

function checkShield(op: string, name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new TypeError(`${op}: ${name} must be a boolean, got ${describe(value)}`);
  return value;
}

/**
 * Runs `body` in a cancel scope with a deadline `delayMs` from now; when it passes, the body is
 * cancelled and the result is `undefined` (Trio's `move_on_after`). The body gets the scope.
 *
 * Cancellation: see `CancelScope`; the deadline's cancellation never escapes.
 *
 * @example
 * ```ts
 * const page = await moveOnAfter(500, async () => fetchPage());   // undefined if too slow
 * ```
 */
export function moveOnAfter<T>(delayMs: number, body: (scope: CancelScope) => Coroutine<T> | PromiseLike<T> | T): Future<T | undefined> {
  checkDelay('moveOnAfter', 'delayMs', delayMs);
  return new CancelScope({ deadline: getRunningLoop().time() + delayMs }).run(body);
}

/**
 * `moveOnAfter` with an absolute deadline (loop time, ms).
 *
 * Cancellation: see `CancelScope`.
 *
 * @example
 * ```ts
 * await moveOnAt(getRunningLoop().time() + 1000, async () => { await poll(); });
 * ```
 */
export function moveOnAt<T>(whenMs: number | null, body: (scope: CancelScope) => Coroutine<T> | PromiseLike<T> | T): Future<T | undefined> {
  return new CancelScope({ deadline: checkDeadline('moveOnAt', 'whenMs', whenMs) }).run(body);
}

/**
 * Runs `body` in a cancel scope with a deadline `delayMs` from now; when it passes, the body is
 * cancelled and `TimeoutError` is raised (Trio's `fail_after`), its `cause` the CancelledError.
 *
 * Cancellation: see `CancelScope`.
 *
 * @example
 * ```ts
 * yield* failAfter(100, function* () { yield* handshake(); });
 * ```
 */
export function failAfter<T>(delayMs: number, body: (scope: CancelScope) => Coroutine<T> | PromiseLike<T> | T): Future<T> {
  checkDelay('failAfter', 'delayMs', delayMs);
  return failAt(getRunningLoop().time() + delayMs, body);
}

/**
 * `failAfter` with an absolute deadline (loop time, ms).
 *
 * Cancellation: see `CancelScope`.
 *
 * @example
 * ```ts
 * await failAt(deadline, async () => { await step(); });
 * ```
 */
export function failAt<T>(whenMs: number | null, body: (scope: CancelScope) => Coroutine<T> | PromiseLike<T> | T): Future<T> {
  const scope = new CancelScope({ deadline: checkDeadline('failAt', 'whenMs', whenMs) });
  if (typeof body !== 'function') throw new TypeError(`failAt: body must be a function, got ${describe(body)}`);
  // The scope is entered when the returned future is first awaited: one never awaited is one report.
  return new InlineFuture<T>(getRunningLoop(), (mode) => failScope(scope, body, mode), 'failAt()');
}

function* failScope<T>(scope: CancelScope, body: (scope: CancelScope) => Coroutine<T> | PromiseLike<T> | T, mode: Mode): Coroutine<T> {
  const v = yield* callBody(() => scope.run(body), undefined, mode);
  if (scope.cancelledCaught) {
    throw new TimeoutError('failAfter: the deadline passed', { cause: new CancelledError('cancelled by a cancel scope') });
  }
  return v as T;
}
