import { RuntimeError } from '../errors.js';
import { Future } from '../future.js';
import { InlineFuture } from '../internal/inline.js';
import { checkFunction, describe } from '../internal/validate.js';
import { Deque, LoopBound, countPending, doneFuture, runHolding, waitThroughCancels, type ScopeBody } from '../internal/waiters.js';
import type { EventLoop } from '../loop/eventloop.js';
import { getRunningLoop } from '../loop/registry.js';
import type { Coroutine } from '../task.js';
import { Lock, type LockStatistics } from './lock.js';

/**
 * What `Condition.statistics()` reports. A snapshot: reading it changes nothing.
 *
 * Cancellation: not a checkpoint.
 *
 * @example
 * ```ts
 * cond.statistics().tasksWaiting; // 1
 * ```
 */
export interface ConditionStatistics {
  /** Tasks blocked in `wait()` that have not been notified yet. */
  tasksWaiting: number;
  /** The underlying lock's statistics. */
  lockStatistics: LockStatistics;
}

/**
 * A condition variable (asyncio's `Condition`): tasks holding its lock `wait()` until another
 * task `notify()`s them. `wait()` releases the lock while waiting and always re-acquires it before
 * returning or throwing. Built on a new `Lock`, or on the one given (then `lock.run` and
 * `cond.run` exclude each other). Spurious wake-ups are allowed: re-check your predicate, or use
 * `waitFor(pred)`.
 *
 * Cancellation: `wait()` and `waitFor()` are checkpoints. A cancelled `wait()` still re-acquires
 * the lock before the `CancelledError` reaches the caller (so a `finally` that releases stays
 * correct); a task cancelled after it was notified passes the notification on to another waiter.
 * `acquire()` and `run(body)` behave as `Lock`'s.
 *
 * @example
 * ```ts
 * const cond = new Condition();
 * const items: string[] = [];
 * const consumer = createTask(() => cond.run(async () => { await cond.waitFor(() => items.length > 0); use(items.shift()!); }));
 * await cond.run(() => { items.push('job'); cond.notify(); }); // the producer
 * await consumer;
 * ```
 */
export class Condition extends LoopBound {
  private readonly _lock: Lock;
  private readonly _waiters = new Deque<Future<boolean>>();

  /** Uses `lock` as the underlying lock (default: a new `Lock`). */
  constructor(lock?: Lock) {
    super();
    if (lock !== undefined && !(lock instanceof Lock)) {
      throw new TypeError(`Condition: lock must be a Lock, got ${describe(lock)}`);
    }
    this._lock = lock ?? new Lock();
  }

  /**
   * Acquires the underlying lock (see `Lock.acquire`).
   *
   * Cancellation: as `Lock.acquire()`: a checkpoint only when it has to wait, and the lock is never
   * lost.
   *
   * @example
   * ```ts
   * await cond.acquire();
   * try { cond.notify(); } finally { cond.release(); }
   * ```
   */
  acquire(): Future<true> {
    return this._lock.acquire();
  }

  /** Takes the underlying lock without waiting, or throws `WouldBlockError`. */
  acquireNowait(): void {
    this._lock.acquireNowait();
  }

  /** Releases the underlying lock; `RuntimeError('Lock is not acquired.')` if it is not held. */
  release(): void {
    this._lock.release();
  }

  /** True while the underlying lock is held. */
  locked(): boolean {
    return this._lock.locked();
  }

  /**
   * Releases the lock, waits until notified, re-acquires the lock and resolves to true. Throws
   * `RuntimeError` when the lock is not held.
   *
   * Cancellation: a checkpoint. Cancelled, it still re-acquires the lock before the
   * `CancelledError` reaches the caller; a task cancelled after it was notified passes the
   * notification on to another waiter.
   *
   * @example
   * ```ts
   * await cond.run(async () => { while (!ready()) await cond.wait(); });
   * ```
   */
  wait(): Future<true> {
    if (!this.locked()) throw new RuntimeError('Condition.wait: cannot wait on un-acquired lock');
    const loop = this._getLoop();
    return new InlineFuture<true>(loop, () => this._wait(loop));
  }

  /**
   * Waits until `pred()` is truthy and resolves to its value; returns at once (even without the
   * lock) when it is truthy already. The lock must be held otherwise. As asyncio's coroutine, it
   * starts when awaited: `pred()` is called then, and once after each wake-up.
   *
   * Cancellation: a checkpoint, as `wait()`: the lock is held again when it returns or throws.
   *
   * @example
   * ```ts
   * await cond.run(async () => { await cond.waitFor(() => items.length > 0); use(items.shift()!); });
   * ```
   */
  waitFor<T>(pred: () => T): Future<T> {
    checkFunction('Condition.waitFor', 'pred', pred);
    const loop = this._getLoop();
    return new InlineFuture<T>(loop, () => this._waitFor(pred));
  }

  /**
   * Wakes up to `n` (default 1) waiting tasks; each resumes once it has re-acquired the lock.
   * Throws `RuntimeError` unless the lock is held.
   */
  notify(n = 1): void {
    if (typeof n !== 'number') throw new TypeError(`Condition.notify: n must be a number >= 0, got ${describe(n)}`);
    if (Number.isNaN(n) || n < 0) throw new RangeError(`Condition.notify: n must be a number >= 0, got ${describe(n)}`);
    if (!this.locked()) throw new RuntimeError('Condition.notify: cannot notify on un-acquired lock');
    this._notify(n);
  }

  /** Wakes every waiting task. Throws `RuntimeError` unless the lock is held. */
  notifyAll(): void {
    this.notify(this._waiters.length);
  }

  /**
   * `async with cond:` — holds the lock around `body` (see `Lock.run`).
   *
   * Cancellation: as `Lock.run()`: released on return, throw and cancellation; cancelled while
   * waiting for the lock, the body never runs.
   *
   * @example
   * ```ts
   * await cond.run(() => { items.push('job'); cond.notify(); });
   * ```
   */
  run<T>(body: ScopeBody<T>): Future<T> {
    return runHolding('Condition.run', () => this.acquire(), () => this.release(), body);
  }

  /** How many tasks wait, and the lock's statistics. */
  statistics(): ConditionStatistics {
    return { tasksWaiting: countPending(this._waiters), lockStatistics: this._lock.statistics() };
  }

  /** asyncio's repr: `<Condition [locked, waiters:1]>`. */
  override toString(): string {
    const n = this._waiters.length; // (asyncio's len(_waiters): notified ones too)
    return `<Condition [${this.locked() ? 'locked' : 'unlocked'}${n > 0 ? `, waiters:${n}` : ''}]>`;
  }

  /** @internal Wakes up to `n` waiters that are still blocked, without the lock check. */
  _notify(n: number): void {
    let woken = 0;
    for (let i = 0; i < this._waiters.length && woken < n; i++) {
      const fut = this._waiters.at(i)!;
      if (!fut.done()) {
        woken++;
        fut.setResult(false);
      }
    }
  }

  private *_wait(loop: EventLoop): Coroutine<true> {
    if (!this.locked()) throw new RuntimeError('Condition.wait: cannot wait on un-acquired lock');
    this.release();
    try {
      try {
        const fut = new Future<boolean>(loop);
        this._waiters.push(fut);
        try {
          yield* fut;
          return true;
        } finally {
          this._waiters.remove(fut);
        }
      } finally {
        yield* this._reacquire();
      }
    } catch (e) {
      // The error may have come after this task was notified: notify another one instead.
      this._notify(1);
      throw e;
    }
  }

  /** Re-acquires the lock whatever happens; a cancellation meanwhile is re-thrown afterwards. */
  private *_reacquire(): Coroutine<void> {
    const cancelled = yield* waitThroughCancels(() => this._lock.acquire());
    if (cancelled !== null) throw cancelled;
  }

  private *_waitFor<T>(pred: () => T): Coroutine<T> {
    let result = pred();
    while (!result) {
      if (!this.locked()) throw new RuntimeError('Condition.waitFor: cannot wait on un-acquired lock');
      yield* this.wait();
      result = pred();
    }
    return result;
  }
}
