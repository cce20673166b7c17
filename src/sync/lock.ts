import { RuntimeError, WouldBlockError } from '../errors.js';
import type { Future } from '../future.js';
import { ParkFuture } from '../internal/park.js';
import type { EventLoop } from '../loop/eventloop.js';
import { anchorShapes } from '../loop/shapes.js';
import { Deque, LoopBound, countPending, runHolding, type ScopeBody } from '../internal/waiters.js';

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
 * once). A task cancelled while waiting does not get the lock and leaves the queue in the next
 * pass (as asyncio's, it stays first in line until then: a `release()` meanwhile wakes nobody,
 * and the next waiter is woken as it leaves); one cancelled after it was woken but before it
 * resumed passes the wake-up on to the next waiter in the next pass, so the lock is never lost.
 * `run(body)` releases on return, throw and cancellation; cancelled while still
 * waiting for the lock, the body never runs. An `acquire()` that has to wait joins the queue when
 * it is first awaited (or handed to `gather`/`wait`): one never awaited never takes the lock.
 *
 * @example
 * ```ts
 * const lock = new Lock();
 * await lock.run(async () => { await writeRecord(); });          // async style
 * yield* lock.run(function* () { yield* writeRecordG(); });       // generator style
 * ```
 */
export class Lock extends LoopBound {
  /** @internal */ _locked = false;
  /** @internal Blocked and woken acquirers, FIFO; a woken one stays first until it resumes. */
  readonly _waiters = new Deque<LockAcquire>();

  /**
   * Takes the lock, waiting for it if it is held (or promised to a woken waiter). Resolves to true.
   * Throws `RuntimeError` if the lock belongs to another loop.
   *
   * Cancellation: a checkpoint only when it has to wait. Cancelled while waiting, the task does not
   * get the lock; cancelled after it was woken (before it resumed), it passes the wake-up on, so
   * the lock is never lost.
   *
   * @example
   * ```ts
   * await lock.acquire();
   * try { await writeRecord(); } finally { lock.release(); }
   * ```
   */
  acquire(): Future<true> {
    if (this._canTakeNow()) {
      const done = this._done(true); // first: it throws outside a loop, before anything changes
      this._locked = true;
      return done;
    }
    return new LockAcquire(this);
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
   *
   * Cancellation: the lock is released on return, throw and cancellation; cancelled while still
   * waiting for the lock, the body never runs.
   *
   * @example
   * ```ts
   * await lock.run(async () => { await writeRecord(); });
   * yield* lock.run(function* () { yield* writeRecordG(); });
   * ```
   */
  run<T>(body: ScopeBody<T>): Future<T> {
    return runHolding('Lock.run', () => this.acquire(), () => this.release(), body);
  }

  /** The lock's state and how many tasks wait for it. */
  statistics(): LockStatistics {
    return { locked: this._locked, tasksWaiting: countPending(this._waiters) };
  }

  /** asyncio's repr: `<Lock [locked, waiters:1]>` (waiters: every one listed, woken ones too). */
  override toString(): string {
    const n = this._waiters.length;
    return `<Lock [${this._locked ? 'locked' : 'unlocked'}${n > 0 ? `, waiters:${n}` : ''}]>`;
  }

  /**
   * @internal Free, and nobody waiting or woken: only waiters cancelled while waiting (still listed
   * until their next pass) may be queued, as asyncio's `all(w.cancelled() for w in self._waiters)`
   * (a woken waiter cancelled afterwards still holds its claim, as asyncio's done future does).
   */
  _canTakeNow(): boolean {
    if (this._locked) return false;
    const waiters = this._waiters;
    for (let i = 0; i < waiters.length; i++) if (!waiters.at(i)!._cancelledWaiting()) return false;
    return true;
  }

  /**
   * @internal Wakes the first waiter, unless it was woken already or is a cancelled one that has
   * not left yet (asyncio's `_wake_up_first` looks at the first waiter only; the cancelled one
   * wakes the next when it leaves).
   */
  _wakeUpFirst(): void {
    const first = this._waiters.at(0);
    if (first !== undefined && first._parked()) first._wakeLater();
  }
}

/** A blocked `Lock.acquire()`: takes the lock when first awaited if it can, else queues for it. */
class LockAcquire extends ParkFuture<true> {
  // Declared and assigned in the constructor, as every future's fields (test/shapes.test.ts).
  private declare readonly _lock: Lock;

  constructor(lock: Lock, loop: EventLoop = lock._getLoop()) {
    super(loop);
    this._lock = lock;
  }

  protected _attempt(resumed: boolean): boolean {
    const lock = this._lock;
    if (resumed) {
      // Woken by release(): nobody could take the lock since (acquire queues behind us).
      if (lock._waiters.at(0) === this) lock._waiters.shift();
      else lock._waiters.remove(this);
    } else if (!lock._canTakeNow()) {
      return false;
    }
    lock._locked = true;
    this._finish(true, resumed);
    return true;
  }

  protected _park(): void {
    this._lock._waiters.push(this);
  }

  /**
   * Cancelled while waiting: it stays first in line until its entry runs in the next pass, as
   * asyncio's does until its task's next step (a `release()` meanwhile wakes nobody); it then
   * leaves through `_passOn`.
   */
  protected _unpark(): void {
    this._leaveLater();
  }

  /**
   * Woken, then cancelled before it took the lock (or cancelled while waiting, one pass later):
   * leaves the queue, and a free lock goes to the next waiter.
   */
  protected _passOn(): void {
    this._leave();
  }

  private _leave(): void {
    const lock = this._lock;
    lock._waiters.remove(this);
    if (!lock._locked) lock._wakeUpFirst();
  }
}

anchorShapes((loop) => new LockAcquire(new Lock(), loop));
