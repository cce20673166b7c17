import { BrokenBarrierError } from '../errors.js';
import type { Future } from '../future.js';
import { checkCount, doneFuture } from '../internal/waiters.js';
import { getRunningLoop } from '../loop/registry.js';
import type { Coroutine } from '../task.js';
import { Condition } from './condition.js';

/**
 * The states of a `Barrier`: filling → draining → filling …; resetting and broken on the side.
 *
 * Cancellation: not applicable (a type).
 *
 * @example
 * ```ts
 * if (barrier.statistics().state === 'draining') console.log('a round is leaving');
 * ```
 */
export type BarrierState = 'filling' | 'draining' | 'resetting' | 'broken';

/**
 * What `Barrier.statistics()` reports. A snapshot: reading it changes nothing.
 *
 * Cancellation: not a checkpoint.
 *
 * @example
 * ```ts
 * barrier.statistics(); // { parties: 3, nWaiting: 2, state: 'filling' }
 * ```
 */
export interface BarrierStatistics {
  parties: number;
  /** Tasks waiting for the barrier to fill (0 unless filling). */
  nWaiting: number;
  state: BarrierState;
}

/**
 * A barrier for a fixed number of tasks (asyncio's `Barrier`): each task calling `wait()` blocks
 * until `parties` tasks are waiting; then all are released together, each with a distinct index
 * `0 … parties-1`. Tasks that arrive while the previous round is still draining wait for the next
 * round. `reset()` sends the waiting tasks a `BrokenBarrierError` and starts over; `abort()` breaks
 * the barrier for good (every `wait()` fails with `BrokenBarrierError`).
 *
 * Cancellation: `wait()` is a checkpoint. A task cancelled while waiting leaves the barrier
 * (`nWaiting` goes down by one) without breaking it; the others keep waiting for a full round.
 *
 * @example
 * ```ts
 * const barrier = new Barrier(3);
 * for (let i = 0; i < 3; i++) createTask(async () => { await setUp(i); await barrier.wait(); await go(i); });
 * ```
 */
export class Barrier {
  private readonly _cond = new Condition();
  private readonly _parties: number;
  private _state: BarrierState = 'filling';
  private _count = 0;

  /** `parties`: how many tasks make a round, an integer >= 1 (RangeError otherwise). */
  constructor(parties: number) {
    this._parties = checkCount('Barrier', 'parties', parties, 1);
  }

  /**
   * Waits until `parties` tasks are waiting, then resolves to this task's index in the round.
   * Fails with `BrokenBarrierError` if the barrier is reset or aborted meanwhile (or is broken).
   *
   * Cancellation: a checkpoint. A task cancelled while waiting leaves the barrier (one waiter
   * fewer) without breaking it; the others keep waiting for a full round.
   *
   * @example
   * ```ts
   * const i = await barrier.wait();
   * if (i === 0) console.log('every party arrived');
   * ```
   */
  wait(): Future<number> {
    return this._cond.run(() => this._waitLocked());
  }

  /**
   * Returns the barrier to its empty state; tasks waiting in it get `BrokenBarrierError`. Takes
   * effect at once (asyncio makes it a coroutine that first takes the barrier's internal lock; that
   * lock is never held across a wait, so there is nothing to wait for). Returns a done Future.
   *
   * Cancellation: not a checkpoint: it takes effect when called, whatever happens to the caller
   * afterwards.
   *
   * @example
   * ```ts
   * await barrier.reset(); // the waiting tasks get BrokenBarrierError
   * ```
   */
  reset(): Future<void> {
    const loop = getRunningLoop();
    if (this._count > 0) {
      if (this._state !== 'resetting') this._state = 'resetting';
    } else {
      this._state = 'filling';
    }
    this._cond._notify(Infinity);
    return doneFuture(loop, undefined);
  }

  /**
   * Breaks the barrier: waiting tasks and every later `wait()` get `BrokenBarrierError`, until
   * `reset()`. Takes effect at once (see `reset`); returns a done Future.
   *
   * Cancellation: not a checkpoint: it takes effect when called, whatever happens to the caller
   * afterwards.
   *
   * @example
   * ```ts
   * await barrier.abort(); // every wait() now fails until reset()
   * ```
   */
  abort(): Future<void> {
    const loop = getRunningLoop();
    this._state = 'broken';
    this._cond._notify(Infinity);
    return doneFuture(loop, undefined);
  }

  /** How many tasks make a round. */
  get parties(): number {
    return this._parties;
  }

  /** How many tasks wait for the barrier to fill. */
  get nWaiting(): number {
    return this._state === 'filling' ? this._count : 0;
  }

  /** True once `abort()` broke the barrier (until `reset()`). */
  get broken(): boolean {
    return this._state === 'broken';
  }

  /** Parties, waiting tasks and state. */
  statistics(): BarrierStatistics {
    return { parties: this._parties, nWaiting: this.nWaiting, state: this._state };
  }

  /** asyncio's repr: `<Barrier [filling, waiters:1/3]>` (no waiters once broken). */
  toString(): string {
    // asyncio's repr: the waiters (only a filling barrier has any) unless broken.
    const waiting = this._state === 'broken' ? '' : `, waiters:${this._state === 'filling' ? this._count : 0}/${this._parties}`;
    return `<Barrier [${this._state}${waiting}]>`;
  }

  /** The body of `wait()`, run while holding the condition's lock. */
  private *_waitLocked(): Coroutine<number> {
    yield* this._block();
    const index = this._count++;
    try {
      if (index + 1 === this._parties) this._release();
      else yield* this._waitRound();
      return index;
    } finally {
      this._count--;
      this._exit();
    }
  }

  /** Waits while the previous round drains or resets; fails if the barrier is broken. */
  private *_block(): Coroutine<void> {
    yield* this._cond.waitFor(() => this._state !== 'draining' && this._state !== 'resetting');
    if (this._state === 'broken') throw new BrokenBarrierError('Barrier aborted');
  }

  /** The last party arrived: release the others. */
  private _release(): void {
    this._state = 'draining';
    this._cond.notifyAll();
  }

  /** Waits for the round to fill; fails if it is reset or aborted meanwhile. */
  private *_waitRound(): Coroutine<void> {
    yield* this._cond.waitFor(() => this._state !== 'filling');
    if (this._state === 'broken' || this._state === 'resetting') {
      throw new BrokenBarrierError('Abort or reset of barrier');
    }
  }

  /** The last task out of a draining or resetting round re-opens the barrier. */
  private _exit(): void {
    if (this._count !== 0) return;
    if (this._state === 'resetting' || this._state === 'draining') this._state = 'filling';
    this._cond.notifyAll();
  }
}
