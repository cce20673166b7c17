import { WouldBlockError } from '../errors.js';
import type { Future } from '../future.js';
import { ParkFuture } from '../internal/park.js';
import type { EventLoop } from '../loop/eventloop.js';
import { anchorShapes } from '../loop/shapes.js';
import { Deque, LoopBound, checkCount, countPending, runHolding, type ScopeBody } from '../internal/waiters.js';

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
 * waiting takes no unit; one cancelled after it was woken gives its unit back in the next pass (as
 * asyncio's does in its task's next step), and the next waiter is woken, so no unit is ever lost. `run(body)` releases on return, throw and cancellation;
 * cancelled while still waiting, the body never runs.
 *
 * A free unit is taken when `acquire()` is called; an `acquire()` that has to wait starts waiting
 * when it is first awaited (or handed to `gather`/`wait`), so one never awaited takes no unit.
 *
 * @example
 * ```ts
 * const sem = new Semaphore(10); // at most 10 downloads at once
 * await gather(urls.map((u) => sem.run(() => download(u))));
 * ```
 */
export class Semaphore extends LoopBound {
  /** @internal */ _value: number;
  /** @internal Blocked and woken acquirers, FIFO (cancelled ones leave in their next pass). */
  readonly _waiters = new Deque<SemaphoreAcquire>();
  /**
   * @internal How many of `_waiters` are parked (neither woken nor cancelled), and how many were
   * cancelled while parked and have not left yet: so that a wake-up with nobody to wake, and
   * `locked()`, need not walk a queue full of cancelled waiters (a cancel storm was quadratic).
   */
  _parkedCount = 0;
  /** @internal */ _leavingCount = 0;

  /** `value` (default 1): the number of units, a non-negative integer (RangeError otherwise). */
  constructor(value = 1) {
    super();
    this._value = checkCount(new.target.name, 'initial value', value);
  }

  /** True when `acquire()` would have to wait: no unit free, or tasks queued ahead. */
  locked(): boolean {
    if (this._value === 0) return true;
    // asyncio: any(not w.cancelled() for w in self._waiters) — a cancelled one may not have left yet.
    return this._waiters.length > this._leavingCount;
  }

  /**
   * Takes a unit, waiting in FIFO order if none is free. Resolves to true.
   *
   * Cancellation: a checkpoint only when it has to wait. Cancelled while waiting, the task takes no
   * unit; cancelled after it was woken, it gives the unit back and the next waiter is woken, so no
   * unit is lost.
   *
   * @example
   * ```ts
   * await sem.acquire();
   * try { await download(url); } finally { sem.release(); }
   * ```
   */
  acquire(): Future<true> {
    if (!this.locked()) {
      const done = this._done(true); // first: it throws outside a loop, before anything changes
      this._value--;
      return done;
    }
    return new SemaphoreAcquire(this);
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

  /**
   * `async with sem:` — holds one unit around `body` (see `Lock.run`).
   *
   * Cancellation: the unit is released on return, throw and cancellation; cancelled while still
   * waiting, the body never runs.
   *
   * @example
   * ```ts
   * await sem.run(() => download(url));
   * ```
   */
  run<T>(body: ScopeBody<T>): Future<T> {
    return runHolding(`${this.constructor.name}.run`, () => this.acquire(), () => this.release(), body);
  }

  /** The free units and how many tasks wait. */
  statistics(): SemaphoreStatistics {
    return { value: this._value, tasksWaiting: countPending(this._waiters) };
  }

  /** asyncio's repr: `<Semaphore [unlocked, value:2, waiters:1]>`. */
  override toString(): string {
    const n = this._waiters.length; // (asyncio's len(_waiters): woken ones too)
    const state = this.locked() ? 'locked' : `unlocked, value:${this._value}`;
    return `<${this.constructor.name} [${state}${n > 0 ? `, waiters:${n}` : ''}]>`;
  }

  /** @internal Wakes the first waiter not woken yet, taking a unit off for it; false: none. */
  _wakeUpNext(): boolean {
    if (this._parkedCount === 0) return false;
    for (let i = 0; i < this._waiters.length; i++) {
      const w = this._waiters.at(i)!;
      if (w._parked()) {
        this._value--;
        this._parkedCount--;
        w._wakeLater();
        return true;
      }
    }
    return false;
  }

  /** @internal Waiters that queued while units were free: wake as many as allowed. */
  _wakeAllowed(): void {
    while (this._value > 0 && this._wakeUpNext());
  }
}

/**
 * A blocked `Semaphore.acquire()`: takes a unit when first awaited if one is free and nobody
 * queues, else queues. `release()` takes the unit off for the first waiter and wakes it.
 */
class SemaphoreAcquire extends ParkFuture<true> {
  // Declared and assigned in the constructor, as every future's fields (test/shapes.test.ts).
  private declare readonly _sem: Semaphore;
  /** Cancelled while waiting (no unit was taken off for it). */
  private declare _leaving: boolean;

  constructor(sem: Semaphore, loop: EventLoop = sem._getLoop()) {
    super(loop);
    this._sem = sem;
    this._leaving = false;
  }

  protected _attempt(resumed: boolean): boolean {
    const sem = this._sem;
    if (resumed) {
      // Woken: our unit was taken off for us.
      sem._waiters.remove(this);
    } else if (sem.locked()) {
      return false;
    } else {
      sem._value--;
    }
    if (resumed) sem._wakeAllowed();
    this._finish(true, resumed);
    return true;
  }

  protected _park(): void {
    this._sem._waiters.push(this);
    this._sem._parkedCount++;
  }

  /**
   * Cancelled while waiting: it leaves the queue in its next pass, as asyncio's waiter leaves in
   * its task's next step (the free units then go on, in `_passOn`).
   */
  protected _unpark(): void {
    this._leaving = true;
    this._sem._parkedCount--;
    this._sem._leavingCount++;
    this._leaveLater();
  }

  /**
   * Cancelled while waiting (one pass later), or woken (a unit was taken off for it) and then
   * cancelled: it leaves, the unit goes back, and the free units go to the next waiters.
   */
  protected _passOn(): void {
    const sem = this._sem;
    sem._waiters.remove(this);
    if (this._leaving) sem._leavingCount--;
    else sem._value++;
    sem._wakeAllowed();
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

anchorShapes((loop) => new SemaphoreAcquire(new Semaphore(), loop));
