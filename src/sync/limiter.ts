import { CancelledError, RuntimeError, WouldBlockError } from '../errors.js';
import { Future } from '../future.js';
import { InlineFuture } from '../internal/inline.js';
import { describe } from '../internal/validate.js';
import { Deque, LoopBound, countPending, doneFuture, firstPending, runHolding, type ScopeBody } from '../internal/waiters.js';
import type { EventLoop } from '../loop/eventloop.js';
import { getRunningLoop } from '../loop/registry.js';
import { type Coroutine } from '../task.js';
import { current } from '../internal/context.js';

/**
 * What `CapacityLimiter.statistics()` reports (Trio's `CapacityLimiterStatistics`). A snapshot: reading it changes nothing.
 *
 * Cancellation: not a checkpoint.
 *
 * @example
 * ```ts
 * limiter.statistics().borrowedTokens; // 4
 * ```
 */
export interface CapacityLimiterStatistics {
  borrowedTokens: number;
  totalTokens: number;
  /** Who holds a token: tasks, or whatever was passed to `acquireOnBehalfOf`. */
  borrowers: unknown[];
  /** Tasks blocked in `acquire()`/`acquireOnBehalfOf()`. */
  tasksWaiting: number;
}

/** A task waiting for a token, and on whose behalf. */
interface TokenWaiter {
  readonly fut: Future<void>;
  readonly borrower: unknown;
  /** The method waiting, for error messages. */
  readonly op: string;
}

/**
 * A sack of `totalTokens` tokens that tasks borrow to do something of limited capacity (Trio's
 * `CapacityLimiter`): at most `totalTokens` borrowers at once, FIFO-fair. Unlike a semaphore it
 * knows who holds each token, so the same borrower (by default the current task) taking a second
 * token is refused with `RuntimeError` — the deadlock it would lead to is caught at once — and
 * only a holder can give a token back. `totalTokens` can be changed at run time: raising it wakes
 * waiters at once; lowering it below `borrowedTokens` lets the holders finish and admits nobody
 * new until enough tokens come back. The limiter binds to the first loop in which a task waits.
 *
 * Cancellation: `acquire()`/`acquireOnBehalfOf()` are checkpoints only when they wait. A task
 * cancelled while waiting gets no token; one cancelled after a token was handed to it (but before
 * it resumed) gives the token back to the next waiter, so no token is lost. `run(body)` releases
 * on return, throw and cancellation; cancelled while waiting, the body never runs.
 *
 * @example
 * ```ts
 * const limiter = new CapacityLimiter(4); // at most 4 conversions at once
 * await limiter.run(() => convert(file));
 * limiter.totalTokens = 8;                // more capacity from now on
 * ```
 */
export class CapacityLimiter extends LoopBound {
  private _total: number;
  /**
   * The borrowers → the waiter a token was handed to on the borrower's behalf (null for a token
   * taken at once): a waiter cancelled before it resumes gives back only the token it was handed,
   * not one released for it meanwhile and borrowed again.
   */
  private readonly _borrowers = new Map<unknown, TokenWaiter | null>();
  private readonly _waiters = new Deque<TokenWaiter>();

  /** `totalTokens`: an integer >= 0 (0 admits nobody until it is raised, as in Trio), or `Infinity`. */
  constructor(totalTokens: number) {
    super();
    this._total = checkTokens(totalTokens);
  }

  /** The capacity. Settable: see the class doc. */
  get totalTokens(): number {
    return this._total;
  }

  set totalTokens(value: number) {
    this._total = checkTokens(value);
    this._wakeWaiters();
  }

  /** Tokens held right now. */
  get borrowedTokens(): number {
    return this._borrowers.size;
  }

  /** Tokens free right now (negative after `totalTokens` was lowered below `borrowedTokens`). */
  get availableTokens(): number {
    return this._total - this._borrowers.size;
  }

  /**
   * Borrows a token for the current task, waiting in FIFO order if none is free.
   *
   * Cancellation: a checkpoint only when it waits. Cancelled while waiting, the task gets no token;
   * cancelled after a token was handed to it (before it resumed), the token goes to the next
   * waiter.
   *
   * @example
   * ```ts
   * await limiter.acquire();
   * try { await convert(file); } finally { limiter.release(); }
   * ```
   */
  acquire(): Future<void> {
    return this.acquireOnBehalfOf(currentBorrower('acquire'));
  }

  /**
   * Borrows a token on behalf of `borrower` (any object or value: a task, a worker, a request id).
   * `RuntimeError` if `borrower` holds a token of this limiter already.
   *
   * Cancellation: as `acquire()`: a checkpoint only when it waits, and no token is lost to a
   * cancellation.
   *
   * @example
   * ```ts
   * await limiter.acquireOnBehalfOf(job);
   * try { await convert(job); } finally { limiter.releaseOnBehalfOf(job); }
   * ```
   */
  acquireOnBehalfOf(borrower: unknown): Future<void> {
    return this._acquire('acquireOnBehalfOf', borrower);
  }

  /** Borrows a token for the current task without waiting, or throws `WouldBlockError`. */
  acquireNowait(): void {
    this._acquireNowait('acquireNowait', currentBorrower('acquireNowait'));
  }

  /** Borrows a token for `borrower` without waiting, or throws `WouldBlockError`. */
  acquireOnBehalfOfNowait(borrower: unknown): void {
    this._acquireNowait('acquireOnBehalfOfNowait', borrower);
  }

  /** Gives back the current task's token; `RuntimeError` if it holds none. */
  release(): void {
    this._release('release', currentBorrower('release'));
  }

  /** Gives back `borrower`'s token; `RuntimeError` if it holds none. */
  releaseOnBehalfOf(borrower: unknown): void {
    this._release('releaseOnBehalfOf', borrower);
  }

  /**
   * `async with limiter:` — borrows a token for the calling task around `body`, giving it back on
   * return, throw and cancellation.
   *
   * Cancellation: the token is given back on return, throw and cancellation; cancelled while still
   * waiting, the body never runs.
   *
   * @example
   * ```ts
   * await limiter.run(() => convert(file));
   * ```
   */
  run<T>(body: ScopeBody<T>): Future<T> {
    let borrower: unknown;
    return runHolding(
      'CapacityLimiter.run',
      () => this._acquire('run', (borrower = currentBorrower('run'))),
      () => this._release('run', borrower),
      body,
    );
  }

  /** Tokens, borrowers and waiting tasks. */
  statistics(): CapacityLimiterStatistics {
    return {
      borrowedTokens: this._borrowers.size,
      totalTokens: this._total,
      borrowers: [...this._borrowers.keys()],
      tasksWaiting: countPending(this._waiters),
    };
  }

  /** `<CapacityLimiter 2/10 with 1 waiting>`: tokens borrowed, total tokens, borrowers waiting. */
  override toString(): string {
    return `<CapacityLimiter ${this._borrowers.size}/${this._total} with ${countPending(this._waiters)} waiting>`;
  }

  private _acquire(op: string, borrower: unknown): Future<void> {
    const running = getRunningLoop(); // (first: a call outside a loop throws before it borrows anything)
    if (this._tryBorrow(op, borrower)) return doneFuture(running, undefined);
    const loop = this._getLoop();
    return new InlineFuture<void>(loop, () => this._acquireSlow(op, loop, borrower));
  }

  private _acquireNowait(op: string, borrower: unknown): void {
    if (!this._tryBorrow(op, borrower)) {
      throw new WouldBlockError(`CapacityLimiter.${op}: no token is free (${this._borrowers.size}/${this._total} borrowed)`);
    }
  }

  private _release(op: string, borrower: unknown): void {
    if (!this._borrowers.has(borrower)) {
      throw new RuntimeError(`CapacityLimiter.${op}: this borrower isn't holding any of this CapacityLimiter's tokens`);
    }
    this._borrowers.delete(borrower);
    this._wakeWaiters();
  }

  /** Takes a token now if one is free and nobody waits; RuntimeError for a second token. */
  private _tryBorrow(op: string, borrower: unknown): boolean {
    if (this._borrowers.has(borrower)) throw alreadyHolding(op);
    if (this._borrowers.size < this._total && firstPending(this._waiters) === undefined) {
      this._borrowers.set(borrower, null);
      return true;
    }
    return false;
  }

  private *_acquireSlow(op: string, loop: EventLoop, borrower: unknown): Coroutine<void> {
    if (this._tryBorrow(op, borrower)) return;
    const w: TokenWaiter = { fut: new Future<void>(loop), borrower, op };
    this._waiters.push(w);
    try {
      yield* w.fut;
    } catch (e) {
      this._waiters.remove(w);
      // The token was handed over (the waker added us as a borrower) but we will not use it.
      if (e instanceof CancelledError && this._borrowers.get(borrower) === w) this._release(op, borrower);
      throw e;
    }
  }

  /** Hands free tokens to waiters, in order; each becomes a borrower when it is woken. */
  private _wakeWaiters(): void {
    while (this._borrowers.size < this._total) {
      const w = this._waiters.shift();
      if (w === undefined) return;
      if (w.fut.done()) continue;
      if (this._borrowers.has(w.borrower)) {
        w.fut.setException(alreadyHolding(w.op));
        continue;
      }
      this._borrowers.set(w.borrower, w);
      w.fut.setResult(undefined);
    }
  }
}

function alreadyHolding(op: string): RuntimeError {
  return new RuntimeError(`CapacityLimiter.${op}: this borrower is already holding one of this CapacityLimiter's tokens`);
}

function checkTokens(value: unknown): number {
  if (typeof value !== 'number' || (!Number.isInteger(value) && value !== Infinity)) {
    throw new TypeError(`CapacityLimiter: totalTokens must be an integer or Infinity, got ${describe(value)}`);
  }
  if (value < 0) throw new RangeError(`CapacityLimiter: totalTokens must be >= 0, got ${value}`);
  return value;
}

function currentBorrower(op: string): unknown {
  const task = current();
  if (task === undefined) {
    throw new RuntimeError(`CapacityLimiter.${op}: no current task; use the …OnBehalfOf variant outside tasks`);
  }
  return task;
}
