/**
 * `asCompleted`: awaitables in completion order, by sync iteration (futures that each take the
 * next completion when awaited, as asyncio's coroutines do) and by async iteration (the original
 * futures as they complete).
 */
import { TimeoutError } from './errors.js';
import { Future, finishedFuture, type Waiter } from './future.js';
import { InlineFuture } from './internal/inline.js';
import { ParkFuture } from './internal/park.js';
import { checkDelay, checkOpts, describe, isGenerator } from './internal/validate.js';
import { Deque } from './internal/waiters.js';
import type { EventLoop } from './loop/eventloop.js';
import type { TimerHandle } from './loop/handle.js';
import { getRunningLoop } from './loop/registry.js';
import { ensureFuture, type Awaitable, type Coroutine } from './task.js';

/** The iterator `asCompleted()` returns: sync iteration yields futures of results in completion
 *  order; async iteration yields the original futures as they complete. */
export interface AsCompletedIterator<T> extends Iterable<Future<T>>, AsyncIterable<Future<T>> {
  /** Sync protocol: a future that, once awaited, gives the next result to complete. */
  next(): IteratorResult<Future<T>, undefined>;
}

/** A completion: the original future, or null for the timeout. */
type Completion<T> = Future<T> | null;

/**
 * A wait for the next completion (asyncio's `await self._done.get()`): takes one at once if there
 * is one, else waits in line; woken by a completion, it takes it in its own pass (resuming its
 * task there, so a cancel never comes between the two), or hands the wake-up on if cancelled.
 */
class NextCompletion<T, R> extends ParkFuture<R> {
  // Declared and assigned in the constructor, as every future's fields (test/shapes.test.ts).
  private declare readonly _it: AsCompleted<T>;
  private declare readonly _wrap: (f: Completion<T>) => R;

  constructor(loop: EventLoop, it: AsCompleted<T>, wrap: (f: Completion<T>) => R) {
    super(loop);
    this._it = it;
    this._wrap = wrap;
  }

  protected _attempt(resumed: boolean): boolean {
    const f = this._it._take();
    if (f === undefined) return false;
    let r: R;
    try {
      r = this._wrap(f);
    } catch (e) {
      this._fail(e, resumed);
      return true;
    }
    this._finish(r, resumed);
    return true;
  }

  protected _park(): void {
    this._it._waiters.push(this as ParkFuture<unknown>);
  }

  protected _unpark(): void {
    this._it._waiters.remove(this as ParkFuture<unknown>);
  }

  protected _passOn(): void {
    this._it._wakeNext();
  }
}

class AsCompleted<T> implements AsCompletedIterator<T>, Waiter {
  /** @internal It hands the futures out as they finish; their errors stay for the caller to read. */
  get _observes(): boolean {
    return true;
  }

  /** Completions not taken yet, in order (a deque: thousands can queue up in one pass). */
  private readonly _done = new Deque<Completion<T>>();
  /** @internal Waits parked for the next completion, first come first served. */
  readonly _waiters = new Deque<ParkFuture<unknown>>();
  private readonly _todo: Set<Future<T>>;
  /** Iteration steps left (sync: futures still to hand out; async: completions still to yield). */
  private _left: number;
  private _timer: TimerHandle | null = null;

  constructor(
    private readonly _loop: EventLoop,
    futs: Set<Future<T>>,
    timeout: number | null,
  ) {
    this._todo = futs;
    this._left = futs.size;
    for (const f of futs) f._addWaiter(this);
    if (futs.size > 0 && timeout !== null) this._timer = _loop._at(null, _loop.time() + timeout, () => this._timedOut(), []);
  }

  _wake(fut: Future<unknown>): void {
    const f = fut as Future<T>;
    if (!this._todo.has(f)) return;
    this._todo.delete(f);
    this._push(f);
    if (this._todo.size === 0) this._timer?.cancel();
  }

  private _timedOut(): void {
    for (const f of this._todo) {
      f._removeWaiter(this);
      this._push(null);
    }
    this._todo.clear();
  }

  /** A completion: it waits in the list, and the first parked wait is woken to take it. */
  private _push(f: Completion<T>): void {
    this._done.push(f);
    this._wakeNext();
  }

  /** @internal Wakes the first parked wait if a completion is there for it. */
  _wakeNext(): void {
    if (this._done.length === 0) return;
    for (let w = this._waiters.shift(); w !== undefined; w = this._waiters.shift()) {
      if (w._parked()) {
        w._wakeLater();
        return;
      }
    }
  }

  /** @internal The next completion, or undefined when none is there yet. */
  _take(): Completion<T> | undefined {
    return this._done.shift();
  }

  next(): IteratorResult<Future<T>, undefined> {
    if (this._left === 0) return { done: true, value: undefined };
    this._left--;
    // As asyncio's coroutine, the future takes the next completion only once it is awaited (or
    // watched): the first one awaited gets the first result, whatever its position.
    return { done: false, value: new InlineFuture<T>(this._loop, () => this._waitForOne(), 'a future of asCompleted()') };
  }

  /** Waits for the next completion and returns its result; a cancelled wait takes none. */
  private *_waitForOne(): Coroutine<T> {
    const f = yield* new NextCompletion<T, Completion<T>[]>(this._loop, this, (c) => [c]);
    if (f[0] === null) throw new TimeoutError('asCompleted: timed out');
    return yield* f[0];
  }

  [Symbol.iterator](): Iterator<Future<T>> {
    return this as Iterator<Future<T>>;
  }

  [Symbol.asyncIterator](): AsyncIterator<Future<T>> {
    return {
      next: () => this._asyncNext() as unknown as Promise<IteratorResult<Future<T>>>,
      [Symbol.asyncIterator]() {
        return this;
      },
    } as AsyncIterator<Future<T>>;
  }

  /** A Future (so the awaiting task can be cancelled at it) of the next original future. */
  private _asyncNext(): Future<IteratorResult<Future<T>, undefined>> {
    if (this._left === 0) return finishedFuture<IteratorResult<Future<T>, undefined>>(this._loop, { done: true, value: undefined });
    return new NextCompletion<T, IteratorResult<Future<T>, undefined>>(this._loop, this, (f) => {
      this._left--;
      if (f === null) throw new TimeoutError('asCompleted: timed out');
      return { done: false, value: f };
    });
  }
}

/**
 * Iterates over awaitables in completion order. Sync iteration (`for (const f of …)`) yields one
 * future per awaitable, each of which, once awaited, gives the result of the next one to complete
 * (as asyncio's coroutines do: the first awaited gets the first result, whatever its position);
 * async iteration (`for await`) yields the original futures as they complete, and survives a
 * `break`. After `timeout` ms the remaining ones raise `TimeoutError`.
 *
 * Cancellation: each wait is a checkpoint; a task cancelled while waiting (or woken and cancelled
 * before it resumed) takes no completion, which the next wait still gets.
 *
 * @example
 * ```ts
 * for await (const done of asCompleted([t1, t2, t3])) console.log(done.result());
 * ```
 */
export function asCompleted<T>(aws: Iterable<Awaitable<T>>, opts: { timeout?: number | null } = {}): AsCompletedIterator<T> {
  checkOpts('asCompleted', opts);
  if (aws instanceof Future || isGenerator(aws)) {
    throw new TypeError(`asCompleted: aws must be an iterable of futures, not ${describe(aws)}`);
  }
  if (aws === null || typeof aws !== 'object' || typeof (aws as Iterable<unknown>)[Symbol.iterator] !== 'function') {
    throw new TypeError(`asCompleted: aws must be an iterable of awaitables, got ${describe(aws)}`);
  }
  const given = opts.timeout ?? null;
  const timeout = given === null ? null : checkDelay('asCompleted', 'opts.timeout', given, true); // negative: 0, as asyncio
  const loop = getRunningLoop();
  const futs = new Set<Future<T>>();
  for (const aw of new Set(aws)) futs.add(ensureFuture(aw, loop));
  return new AsCompleted<T>(loop, futs, timeout);
}
