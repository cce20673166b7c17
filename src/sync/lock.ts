import { CancelledError, RuntimeError, WouldBlockError } from '../errors.js';
import { Future } from '../future.js';
import { InlineFuture } from '../internal/inline.js';
import {
  Deque,
  LoopBound,
  anyLive,
  countPending,
  doneFuture,
  runHolding,
  type ScopeBody,
} from '../internal/waiters.js';
import type { EventLoop } from '../loop/eventloop.js';
import { getRunningLoop } from '../loop/registry.js';
import type { Coroutine } from '../task.js';

/**
 * What `Lock.statistics()` reports. A snapshot: reading it changes nothing.
 *
 * Cancellation: not a checkpoint.
 *
 * @example
 * ```ts
 * lock.statistics(); // { locked: true, tasksWaiting: 2 }
 * ```
 */
export interface LockStatistics {
  /** Whether the lock is held. */
  locked: boolean;
  /** Tasks blocked in `acquire()` that have not been woken yet. */
  tasksWaiting: number;
}

/**
 * A mutual-exclusion lock for tasks (asyncio's `Lock`), FIFO-fair: waiters get the lock in the
 * order they asked for it, and nobody barges in ahead of a woken waiter. It is not owned: any
 * task may release it. `run(body)` is `async with lock:`.
 *
 * After `release()` wakes a waiter, `locked()` is false until that waiter resumes and takes the
 * lock; an `acquire()` in between queues behind it. The lock binds to the first loop in which a
 * task must wait for it; using it from another loop afterwards throws `RuntimeError`.
 *
 * Cancellation: `acquire()` is a checkpoint only when it has to wait (a free lock is taken at
 * once). A task cancelled while waiting does not get the lock and leaves the queue; one cancelled
 * after it was woken but before it resumed passes the wake-up on to the next waiter, so the lock
 * is never lost. `run(body)` releases on return, throw and cancellation; cancelled while still
 * waiting for the lock, the body never runs.
 *
 * @example
 * ```ts
 * const lock = new Lock();
 * await lock.run(async () => { await writeRecord(); });          // async style
 * yield* lock.run(function* () { yield* writeRecordG(); });       // generator style
 * ```
 */
export class Lock extends LoopBound {
  private _locked = false;
  private readonly _waiters = new Deque<Future<true>>();

  /**
   * Takes the lock, waiting for it if it is held (or promised to a woken waiter). Resolves to true.
   * Throws `RuntimeError` if the lock belongs to another loop.
   */
  acquire(): Future<true> {
    if (this._canTakeNow()) {
      const loop = getRunningLoop();
      this._locked = true;
      return doneFuture(loop, true);
    }
    const loop = this._getLoop();
    return new InlineFuture<true>(loop, () => this._acquireSlow(loop));
  }

  /** Takes the lock if that needs no wait; otherwise throws `WouldBlockError`. */
  acquireNowait(): void {
    if (!this._canTakeNow()) throw new WouldBlockError('Lock.acquireNowait: the lock is held or has waiters');
    this._locked = true;
  }

  /**
   * Releases the lock and wakes the first waiter. Throws `RuntimeError('Lock is not acquired.')`
   * when the lock is not held (the lock is left as it was).
   */
  release(): void {
    if (!this._locked) throw new RuntimeError('Lock is not acquired.');
    this._locked = false;
    this._wakeUpFirst();
  }

  /** True while the lock is held. */
  locked(): boolean {
    return this._locked;
  }

  /**
   * `async with lock:` — acquires inside the calling task, runs `body` there, releases on return,
   * throw and cancellation. Works with `await` and `yield*`.
   */
  run<T>(body: ScopeBody<T>): Future<T> {
    return runHolding('Lock.run', () => this.acquire(), () => this.release(), body);
  }

  /** The lock's state and how many tasks wait for it. */
  statistics(): LockStatistics {
    return { locked: this._locked, tasksWaiting: countPending(this._waiters) };
  }

  override toString(): string {
    const n = countPending(this._waiters);
    return `<Lock [${this._locked ? 'locked' : 'unlocked'}${n > 0 ? `, waiters:${n}` : ''}]>`;
  }

  /** Free, and nobody queued ahead (cancelled waiters do not count). */
  private _canTakeNow(): boolean {
    return !this._locked && (this._waiters.length === 0 || !anyLive(this._waiters));
  }

  private *_acquireSlow(loop: EventLoop): Coroutine<true> {
    if (this._canTakeNow()) {
      this._locked = true;
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
      // Woken and then cancelled (or cancelled while the lock is free): hand the wake-up on.
      if (e instanceof CancelledError && !this._locked) this._wakeUpFirst();
      throw e;
    }
    this._locked = true;
    return true;
  }

  /** Wakes the head waiter unless it is done already (woken: it takes the lock when it resumes;
   *  cancelled: it hands the wake-up on when it resumes). */
  private _wakeUpFirst(): void {
    const first = this._waiters.at(0);
    if (first !== undefined && !first.done()) first.setResult(true);
  }
}
