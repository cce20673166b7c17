import { Future } from '../future.js';
import { Deque, LoopBound, countPending, pruneDone } from '../internal/waiters.js';

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
  private _waiters = new Deque<Future<true>>();
  private readonly _prune = { pruneAt: 16 };

  /** True while the flag is set. */
  isSet(): boolean {
    return this._value;
  }

  /** Sets the flag and wakes every task waiting, in the order they started waiting. */
  set(): void {
    if (this._value) return;
    this._value = true;
    const waiters = this._waiters;
    this._waiters = new Deque<Future<true>>();
    for (let i = 0; i < waiters.length; i++) {
      const fut = waiters.at(i)!;
      if (!fut.done()) fut.setResult(true);
    }
  }

  /** Clears the flag: later `wait()` calls block until the next `set()`. */
  clear(): void {
    this._value = false;
  }

  /**
   * Resolves to true once the flag is set (at once if it is set now). Throws `RuntimeError` if
   * the event belongs to another loop.
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
    const fut = new Future<true>(this._getLoop());
    pruneDone(this._waiters, this._prune);
    this._waiters.push(fut);
    return fut;
  }

  /** The flag and how many tasks wait for it. */
  statistics(): EventStatistics {
    return { set: this._value, tasksWaiting: countPending(this._waiters) };
  }

  /** asyncio's repr: `<Event [set]>`, `<Event [unset, waiters:2]>`. */
  override toString(): string {
    const n = countPending(this._waiters);
    return `<Event [${this._value ? 'set' : 'unset'}${n > 0 ? `, waiters:${n}` : ''}]>`;
  }
}
