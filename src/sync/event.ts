import type { Future } from '../future.js';
import { ParkFuture } from '../internal/park.js';
import { Deque, LoopBound, countPending } from '../internal/waiters.js';

/**
 * What `Event.statistics()` reports. A snapshot: reading it changes nothing.
 *
 * Cancellation: not a checkpoint.
 *
 * @example
 * ```ts
 * ev.statistics(); // { set: false, tasksWaiting: 3 }
 * ```
 */
export interface EventStatistics {
  /** Whether the flag is set. */
  set: boolean;
  /** Tasks blocked in `wait()`. */
  tasksWaiting: number;
}

/**
 * A flag tasks can wait for (asyncio's `Event`): `set()` wakes every waiter, `wait()` on a set
 * event returns at once, and `clear()` makes later waits block again (it does not un-wake tasks
 * that `set()` already woke). The event binds to the first loop in which a task waits for it.
 *
 * Cancellation: `wait()` is a checkpoint only while the flag is clear. A cancelled wait simply
 * ends; nothing is consumed, so no other waiter is affected.
 *
 * @example
 * ```ts
 * const ready = new Event();
 * createTask(async () => { await ready.wait(); console.log('go'); });
 * ready.set();
 * ```
 */
export class Event extends LoopBound {
  private _value = false;
  /** @internal `wait()`s parked, or woken or cancelled and not run yet (they leave when they run). */
  readonly _waiters = new Deque<EventWait>();

  /** True while the flag is set. */
  isSet(): boolean {
    return this._value;
  }

  /** Sets the flag and wakes every task waiting, in the order they started waiting. */
  set(): void {
    if (this._value) return;
    this._value = true;
    // Woken ones stay listed until they run (asyncio's waiters leave in their task's next step).
    const waiters = this._waiters;
    for (let i = 0; i < waiters.length; i++) {
      const w = waiters.at(i)!;
      if (w._parked()) w._wakeLater();
    }
  }

  /** Clears the flag: later `wait()` calls block until the next `set()`. */
  clear(): void {
    this._value = false;
  }

  /**
   * Resolves to true once the flag is set (at once if it is set now). A wait that has to block
   * starts waiting when first awaited (as asyncio's coroutine): a `set()` and `clear()` before that
   * do not count for it. Throws `RuntimeError` if the event belongs to another loop.
   *
   * Cancellation: a checkpoint only while the flag is clear. A cancelled wait just ends: nothing is
   * consumed, and no other waiter is affected.
   *
   * @example
   * ```ts
   * await ready.wait();
   * ```
   */
  wait(): Future<true> {
    if (this._value) return this._done(true);
    return new EventWait(this);
  }

  /** The flag and how many tasks wait for it. */
  statistics(): EventStatistics {
    return { set: this._value, tasksWaiting: countPending(this._waiters) };
  }

  /** asyncio's repr: `<Event [set]>`, `<Event [unset, waiters:2]>` (woken ones not yet run too). */
  override toString(): string {
    const n = this._waiters.length;
    return `<Event [${this._value ? 'set' : 'unset'}${n > 0 ? `, waiters:${n}` : ''}]>`;
  }
}

/**
 * A blocked `Event.wait()`: done when first used if the flag is set, else parked until `set()`
 * wakes it — and then done even if the flag was cleared before it ran (asyncio's waiter future).
 */
class EventWait extends ParkFuture<true> {
  // Declared and assigned in the constructor, as every future's fields (test/shapes.test.ts).
  private declare readonly _ev: Event;

  constructor(ev: Event) {
    super(ev._getLoop());
    this._ev = ev;
  }

  protected _attempt(resumed: boolean): boolean {
    if (!resumed && !this._ev.isSet()) return false;
    if (resumed) this._ev._waiters.remove(this);
    this._finish(true, resumed);
    return true;
  }

  protected _park(): void {
    this._ev._waiters.push(this);
  }

  /** Cancelled while waiting: it leaves when its entry runs (asyncio: in its task's next step). */
  protected _unpark(): void {
    this._leaveLater();
  }

  /** Leaves the list (every waiter is woken by a `set()`: nothing to pass on). */
  protected _passOn(): void {
    this._ev._waiters.remove(this);
  }
}
