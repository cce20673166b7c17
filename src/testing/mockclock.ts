import type { Clock } from '../loop/clock.js';
import { checkKnown, checkOpts, describe } from '../internal/validate.js';

/** Options of `MockClock`. */
export interface MockClockOptions {
  /**
   * Real ms the loop must stay idle (every task blocked) before time jumps to the next deadline:
   * 0 jumps at once, `Infinity` (the default) never.
   */
  autojumpThreshold?: number;
  /** Virtual ms per real ms (default 0: time moves only by `jump()` and autojump). */
  rate?: number;
}

/** A rate: finite (Infinity would put now() at Infinity for good) and not negative. */
function checkRate(op: string, name: string, v: unknown): number {
  const r = checkNonNegative(op, name, v);
  if (r === Infinity) throw new RangeError(`${op}: ${name} must be finite, got Infinity (now() would be Infinity for good)`);
  return r;
}

function checkNonNegative(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || Number.isNaN(v)) {
    throw new TypeError(`${op}: ${name} must be a non-negative number, got ${describe(v)}`);
  }
  if (v < 0) throw new RangeError(`${op}: ${name} must not be negative, got ${v}`);
  return v;
}

/**
 * Virtual time for tests (Trio's `MockClock`): a one-hour timeout takes milliseconds. Time moves
 * when you `jump()` it, at `rate` times real time, and — with `autojumpThreshold` — by itself to
 * the next deadline once every task has been blocked for that many real ms. Pending foreign
 * promises (real I/O) count as blocked, so a threshold above 0 gives them time to arrive. An async
 * task that awaits foreign promises one after another looks blocked all along (its code between
 * them runs in microtasks the loop does not see), so time may jump in the middle of the sequence:
 * await them through `ensureFuture(promise)`, whose settlement the loop sees, to keep it still.
 *
 * Cancellation: the clock has no waits of its own.
 *
 * @example
 * ```ts
 * await run(async () => {
 *   await sleep(3_600_000); // an hour, in no time
 * }, { clock: new MockClock({ autojumpThreshold: 0 }) });
 * ```
 */
export class MockClock implements Clock {
  private _base = 0;
  private _realBase = performance.now();
  private _rate: number;
  private _threshold: number;
  private readonly _loops = new Set<() => void>();
  private _jumpTimer: ReturnType<typeof setTimeout> | null = null;
  private _jumpDue = false;

  constructor(opts: MockClockOptions = {}) {
    checkOpts('MockClock', opts);
    checkKnown('MockClock', opts, ['autojumpThreshold', 'rate']);
    this._rate = checkRate('MockClock', 'rate', opts.rate ?? 0);
    this._threshold = checkNonNegative('MockClock', 'autojumpThreshold', opts.autojumpThreshold ?? Infinity);
  }

  /** The virtual time (ms). */
  now(): number {
    return this._rate === 0 ? this._base : this._base + (performance.now() - this._realBase) * this._rate;
  }

  /** Virtual ms per real ms. */
  get rate(): number {
    return this._rate;
  }

  set rate(r: number) {
    checkRate('MockClock.rate', 'rate', r);
    this._base = this.now();
    this._realBase = performance.now();
    this._rate = r;
    this._wakeAll();
  }

  /** Real ms of idleness before an autojump (see the options). */
  get autojumpThreshold(): number {
    return this._threshold;
  }

  set autojumpThreshold(t: number) {
    this._threshold = checkNonNegative('MockClock.autojumpThreshold', 'autojumpThreshold', t);
    this._wakeAll();
  }

  /** Moves virtual time forward by `ms` (finite, not negative); timers that come due run at the loop's next pass. */
  jump(ms: number): void {
    checkNonNegative('MockClock.jump', 'ms', ms);
    if (ms === Infinity) throw new RangeError('MockClock.jump: ms must be finite, got Infinity (time would never move again)');
    this._base += ms;
    this._wakeAll();
  }

  /** @internal */
  realDelay(ms: number): number {
    return this._rate === 0 ? Infinity : ms / this._rate;
  }

  /** @internal Autojump: called by the loop when every task is blocked. */
  idle(deadline: number | null, wake: () => void): boolean {
    // (Infinity: a wait for ever, never a deadline to jump to; Trio jumps only `if 0 < jump < inf`.)
    if (deadline === null || deadline === Infinity || this._threshold === Infinity) return false;
    if (this._threshold === 0 || this._jumpDue) {
      this._cancelJumpTimer();
      this._jumpDue = false;
      if (deadline > this.now()) this._base += deadline - this.now();
      return true;
    }
    // Wait for `threshold` real ms of idleness; a later idle() call restarts the wait.
    this._cancelJumpTimer();
    this._jumpTimer = setTimeout(() => {
      this._jumpTimer = null;
      this._jumpDue = true;
      wake();
    }, this._threshold);
    return false;
  }

  /** @internal A loop ran work: an autojump needs `autojumpThreshold` ms of blocked time again. */
  busy(): void {
    this._jumpDue = false;
    this._cancelJumpTimer();
  }

  /** @internal */
  attach(wake: () => void): void {
    this._loops.add(wake);
  }

  /** @internal */
  detach(wake: () => void): void {
    this._loops.delete(wake);
    if (this._loops.size === 0) this._cancelJumpTimer();
  }

  private _cancelJumpTimer(): void {
    if (this._jumpTimer !== null) {
      clearTimeout(this._jumpTimer);
      this._jumpTimer = null;
    }
  }

  private _wakeAll(): void {
    for (const wake of this._loops) wake();
  }
}
