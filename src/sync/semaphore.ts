import { CancelledError, WouldBlockError } from '../errors.js';
import { Future } from '../future.js';
import { InlineFuture } from '../internal/inline.js';
import {
  Deque,
  LoopBound,
  anyLive,
  checkCount,
  countPending,
  doneFuture,
  runHolding,
  type ScopeBody,
} from '../internal/waiters.js';
import type { EventLoop } from '../loop/eventloop.js';
import { getRunningLoop } from '../loop/registry.js';
import type { Coroutine } from '../task.js';

/**
 * What `Semaphore.statistics()` reports. A snapshot: reading it changes nothing.
 *
 * Cancellation: not a checkpoint.
 *
 * @example
 * ```ts
 * sem.statistics(); // { value: 0, tasksWaiting: 4 }
 * ```
 */
export interface SemaphoreStatistics {
  /** Units free right now (units promised to woken waiters are already taken off). */
  value: number;
  /** Tasks blocked in `acquire()` that have not been woken yet. */
  tasksWaiting: number;
}

/**
 * A counting semaphore (asyncio's `Semaphore`): `acquire()` takes one unit, waiting while none is
 * free; `release()` gives one back. FIFO-fair: while tasks wait, a new `acquire()` queues behind
 * them even if a unit is free, so `locked()` is true while a woken waiter has not resumed yet.
 * `run(body)` is `async with sem:`. The semaphore binds to the first loop in which a task waits.
 *
 * Cancellation: `acquire()` is a checkpoint only when it has to wait. A task cancelled while
 * waiting takes no unit; one cancelled after it was woken gives its unit back, and the next waiter
 * is woken, so no unit is ever lost. `run(body)` releases on return, throw and cancellation;
 * cancelled while still waiting, the body never runs.
 *
 * @example
 * ```ts
 * const sem = new Semaphore(10); // at most 10 downloads at once
 * await gather(urls.map((u) => sem.run(() => download(u))));
 * ```
 */
export class Semaphore extends LoopBound {
  /** @internal */ _value: number;
  private readonly _waiters = new Deque<Future<true>>();

  /** `value` (default 1): the number of units, a non-negative integer (RangeError otherwise). */
  constructor(value = 1) {
    super();
    this._value = checkCount(new.target.name, 'value', value);
  }

  /** True when `acquire()` would have to wait: no unit free, or tasks queued ahead. */
  locked(): boolean {
    return this._value === 0 || (this._waiters.length > 0 && anyLive(this._waiters));
  }

  /** Takes a unit, waiting in FIFO order if none is free. Resolves to true. */
  acquire(): Future<true> {
    if (!this.locked()) {
      const loop = getRunningLoop();
      this._value--;
      return doneFuture(loop, true);
    }
    const loop = this._getLoop();
    return new InlineFuture<true>(loop, () => this._acquireSlow(loop));
  }

  /** Takes a unit if that needs no wait; otherwise throws `WouldBlockError`. */
  acquireNowait(): void {
    if (this.locked()) throw new WouldBlockError(`${this.constructor.name}.acquireNowait: no unit is free`);
    this._value--;
  }

  /** Gives a unit back and wakes the first waiting task. */
  release(): void {
    this._value++;
    this._wakeUpNext();
  }

  /** `async with sem:` — holds one unit around `body` (see `Lock.run`). */
  run<T>(body: ScopeBody<T>): Future<T> {
    return runHolding(`${this.constructor.name}.run`, () => this.acquire(), () => this.release(), body);
  }

  /** The free units and how many tasks wait. */
  statistics(): SemaphoreStatistics {
    return { value: this._value, tasksWaiting: countPending(this._waiters) };
  }

  override toString(): string {
    const n = countPending(this._waiters);
    const state = this.locked() ? 'locked' : `unlocked, value:${this._value}`;
    return `<${this.constructor.name} [${state}${n > 0 ? `, waiters:${n}` : ''}]>`;
  }

  private *_acquireSlow(loop: EventLoop): Coroutine<true> {
    if (!this.locked()) {
      this._value--;
      return true;
    }
    const fut = new Future<true>(loop);
    this._waiters.push(fut);
    try {
      try {
        yield* fut;
      } finally {
        this._waiters.remove(fut);
      }
    } catch (e) {
      // Woken (the unit was taken off for us) but cancelled before resuming: give it back.
      if (e instanceof CancelledError && fut.done() && !fut.cancelled()) this._value++;
      throw e;
    } finally {
      // Waiters that arrived while units were free queued behind us: wake as many as allowed.
      while (this._value > 0 && this._wakeUpNext());
    }
    return true;
  }

  /** Wakes the first waiter still blocked, taking its unit off now; false when there is none. */
  private _wakeUpNext(): boolean {
    for (let i = 0; i < this._waiters.length; i++) {
      const fut = this._waiters.at(i)!;
      if (!fut.done()) {
        this._value--;
        fut.setResult(true);
        return true;
      }
    }
    return false;
  }
}

/**
 * A `Semaphore` that refuses to be released above its initial value: an extra `release()` throws
 * `RangeError('BoundedSemaphore released too many times')` and changes nothing. Catches the bug of
 * releasing a unit that was never acquired.
 *
 * Cancellation: as `Semaphore`.
 *
 * @example
 * ```ts
 * const slots = new BoundedSemaphore(2);
 * await slots.acquire();
 * slots.release();
 * slots.release(); // throws RangeError
 * ```
 */
export class BoundedSemaphore extends Semaphore {
  private readonly _bound: number;

  /** `value` (default 1): the initial and maximal number of units. */
  constructor(value = 1) {
    super(value);
    this._bound = value;
  }

  /** Gives a unit back; `RangeError` when that would exceed the initial value. */
  override release(): void {
    if (this._value >= this._bound) throw new RangeError('BoundedSemaphore released too many times');
    super.release();
  }
}
