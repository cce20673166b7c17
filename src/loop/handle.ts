import { callIn, ctx, userCallback, type RunContext } from '../internal/context.js';
import type { EventLoop } from './eventloop.js';
import { anchorShapes } from './shapes.js';

/** Something the loop's ready queue can run: a Handle, a task step, a future's awaiter. */
export interface Runnable {
  _run(): void;
  /** True when running it only resumes async code (the loop need not yield to microtasks first). */
  _asyncOnly?(): boolean;
}

/**
 * @internal What the loop's timer heap holds: a `TimerHandle`, or an object that is its own timer
 * (a sleep's future); its deadline is kept by the heap. `_scheduled` is true while in the heap;
 * `_cancelled` marks an entry the heap drops when it reaches the top. A due entry is run from the
 * ready queue (`_run`).
 */
export interface TimerEntry extends Runnable {
  _scheduled: boolean;
  _cancelled: boolean;
}

/**
 * A callback scheduled with `loop.callSoon()`: it runs once, in a later loop pass, unless
 * cancelled first. An error it throws goes to the loop's exception handler.
 *
 * Cancellation: `cancel()` keeps the callback from running; it is idempotent and cheap.
 *
 * @example
 * ```ts
 * const h = getRunningLoop().callSoon(() => console.log('later'));
 * h.cancel(); // never printed
 * ```
 */
export class Handle implements Runnable {
  /** @internal */ _cancelled = false;
  /** @internal */ _callback: ((...args: never[]) => unknown) | null;
  /** @internal */ _args: unknown[];
  /** @internal */ readonly _loop: EventLoop;
  /** @internal The AsyncLocalStorage context it runs in (where it was scheduled), or null: the pass's. */
  readonly _context: RunContext | null;
  /** @internal Debug mode: the stack where it was scheduled, reported with its error. */
  _sourceStack: string | undefined = undefined;

  /** @internal Use `loop.callSoon()`. */
  constructor(callback: (...args: never[]) => unknown, args: unknown[], loop: EventLoop, context: RunContext | null = null) {
    this._callback = callback;
    this._args = args;
    this._loop = loop;
    this._context = context;
  }

  /** Keeps the callback from running (no effect once it ran). */
  cancel(): void {
    if (!this._cancelled) {
      this._cancelled = true;
      this._callback = null;
      this._args = [];
    }
  }

  /**
   * The AsyncLocalStorage context the callback runs in (asyncio's `get_context()`): where it was
   * scheduled; null for tulip's own callbacks, which run in the loop's.
   */
  getContext(): RunContext | null {
    return this._context;
  }

  /** True once `cancel()` was called. */
  cancelled(): boolean {
    return this._cancelled;
  }

  /** @internal */
  _run(): void {
    const cb = this._callback;
    if (this._cancelled || cb === null) return;
    this._loop._asyncFlag = true; // a callback may resolve promises whose continuations must run
    const c = this._context;
    if (c !== null && c !== ctx.frame) callIn(c, this._call, this, cb);
    else this._call(cb);
  }

  /** Calls the callback; an error goes to the exception handler. */
  private _call(cb: (...args: never[]) => unknown): void {
    try {
      (cb as (...a: unknown[]) => unknown)(...this._args);
    } catch (e) {
      this._loop.callExceptionHandler({
        message: `Exception in callback ${userCallback(cb).name || '(anonymous)'}()`, // (asyncio names the callback)
        exception: e,
        handle: this,
        ...(this._sourceStack !== undefined ? { sourceStack: this._sourceStack } : {}),
      });
    }
  }

  /**
   * asyncio's repr: `<Handle tick()>`, `<Handle cancelled>` once cancelled; a timer's also shows
   * its deadline (`<TimerHandle when=1500 tick()>`).
   */
  toString(): string {
    const info: string[] = [];
    if (this._cancelled) info.push('cancelled');
    if (this instanceof TimerHandle) info.push(`when=${this._when}`);
    if (this._callback !== null) info.push(`${userCallback(this._callback).name || '(anonymous)'}()`);
    return `<${this.constructor.name} ${info.join(' ')}>`;
  }
}

/**
 * A callback scheduled for a point in time with `loop.callLater()` or `loop.callAt()`.
 * Timers with equal deadlines run in the order they were scheduled.
 *
 * Cancellation: `cancel()` removes the timer from the loop (lazily, without a heap search).
 *
 * @example
 * ```ts
 * const t = getRunningLoop().callLater(100, () => console.log('100 ms later'));
 * t.when(); // loop.time() + 100
 * ```
 */
export class TimerHandle extends Handle implements TimerEntry {
  /** @internal */ _when: number;
  /** @internal Set by the loop when it schedules it. */ _scheduled = false;

  /** @internal Use `loop.callLater()` / `loop.callAt()`. */
  constructor(
    when: number,
    callback: (...args: never[]) => unknown,
    args: unknown[],
    loop: EventLoop,
    context: RunContext | null = null,
  ) {
    super(callback, args, loop, context);
    this._when = when;
  }

  /** The deadline, in ms on the loop's clock (`loop.time()`). */
  when(): number {
    return this._when;
  }

  /**
   * Cancels the call (`Handle.cancel`); the loop drops its heap entry, and purges the heap when
   * cancelled timers dominate it.
   */
  override cancel(): void {
    if (!this._cancelled && this._scheduled) this._loop._timerCancelled();
    super.cancel();
  }
}

anchorShapes((loop) => [new Handle(noop, [], loop), new TimerHandle(0, noop, [], loop)]);
function noop(): void {}
