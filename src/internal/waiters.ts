/**
 * Shared machinery of the synchronisation primitives, queues and channels: a ring-buffer deque
 * (item storage and FIFO waiter lists), lazy loop binding, already-done futures for fast paths,
 * and the `run(body)` scope that holds a resource around a body.
 */
import { CancelledError, RuntimeError } from '../errors.js';
import { Future, finishedFuture, onSuspend } from '../future.js';
import type { EventLoop } from '../loop/eventloop.js';
import { getRunningLoop, runningLoopOrUndefined } from '../loop/registry.js';
import type { Coroutine, Task } from '../task.js';
import { current } from './context.js';
import { InlineFuture, callBody, type Mode } from './inline.js';
import { ParkFuture } from './park.js';
import { checkFunction, describe } from './validate.js';

/** Ring buffers bigger than this are let go once emptied (see `Deque`). */
const SHRINK_ABOVE = 1024;

/**
 * A double-ended queue on a growable ring buffer: O(1) at both ends (amortised). A buffer that
 * grew past 1024 slots is let go once the deque is empty, so a queue that spiked and drained does
 * not keep its peak size for ever. (Shrinking it by halves as it drains, as Python's `deque` frees
 * its blocks, was measured: it made draining a million items half again as slow, for the copies.)
 */
export class Deque<T> {
  private _buf: (T | undefined)[] = new Array<T | undefined>(8);
  private _head = 0;
  private _len = 0;

  get length(): number {
    return this._len;
  }

  push(x: T): void {
    if (this._len === this._buf.length) this._grow();
    this._buf[(this._head + this._len) & (this._buf.length - 1)] = x;
    this._len++;
  }

  unshift(x: T): void {
    if (this._len === this._buf.length) this._grow();
    this._head = (this._head - 1) & (this._buf.length - 1);
    this._buf[this._head] = x;
    this._len++;
  }

  shift(): T | undefined {
    if (this._len === 0) return undefined;
    const x = this._buf[this._head];
    this._buf[this._head] = undefined;
    this._head = (this._head + 1) & (this._buf.length - 1);
    this._len--;
    this._releaseIfEmpty();
    return x;
  }

  pop(): T | undefined {
    if (this._len === 0) return undefined;
    const i = (this._head + this._len - 1) & (this._buf.length - 1);
    const x = this._buf[i];
    this._buf[i] = undefined;
    this._len--;
    this._releaseIfEmpty();
    return x;
  }

  /** The item at position `i` from the front (undefined when out of range). */
  at(i: number): T | undefined {
    if (i < 0 || i >= this._len) return undefined;
    return this._buf[(this._head + i) & (this._buf.length - 1)];
  }

  /**
   * Removes the first occurrence of `x`; false when it is not there. The shorter side of the gap
   * moves up, so removing near either end is cheap (a cancel storm removes waiters near the front
   * of a long queue: moving the whole rest each time made 50,000 removals quadratic).
   */
  remove(x: T): boolean {
    const buf = this._buf;
    const mask = buf.length - 1;
    const head = this._head;
    const len = this._len;
    for (let i = 0; i < len; i++) {
      if (buf[(head + i) & mask] !== x) continue;
      if (i < len - 1 - i) {
        // Close the gap from the front: the i items before it move back by one.
        for (let j = i; j > 0; j--) buf[(head + j) & mask] = buf[(head + j - 1) & mask];
        buf[head] = undefined;
        this._head = (head + 1) & mask;
      } else {
        // From the back: the items after it move forward by one.
        for (let j = i; j < len - 1; j++) buf[(head + j) & mask] = buf[(head + j + 1) & mask];
        buf[(head + len - 1) & mask] = undefined;
      }
      this._len = len - 1;
      this._releaseIfEmpty();
      return true;
    }
    return false;
  }

  /** Keeps only the items for which `keep` is true, in order. */
  filter(keep: (x: T) => boolean): void {
    const kept = this.toArray().filter(keep);
    this.clear();
    for (const x of kept) this.push(x);
  }

  clear(): void {
    this._buf = new Array<T | undefined>(8);
    this._head = 0;
    this._len = 0;
  }

  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this._len; i++) out.push(this.at(i) as T);
    return out;
  }

  [Symbol.iterator](): Iterator<T> {
    return this.toArray()[Symbol.iterator]();
  }

  /** An emptied buffer that grew past SHRINK_ABOVE slots is let go. */
  private _releaseIfEmpty(): void {
    if (this._len === 0 && this._buf.length > SHRINK_ABOVE) this.clear();
  }

  /** @internal The buffer's size (tests). */
  _capacity(): number {
    return this._buf.length;
  }

  private _grow(): void {
    const old = this._buf;
    const n = old.length;
    const buf = new Array<T | undefined>(n * 2);
    for (let i = 0; i < this._len; i++) buf[i] = old[(this._head + i) & (n - 1)];
    this._buf = buf;
    this._head = 0;
  }
}

/** Something with a future: a waiter record, or the future itself. */
type HasFuture = Future<unknown> | { readonly fut: Future<unknown> };

function futOf(w: HasFuture): Future<unknown> {
  return w instanceof Future ? w : w.fut;
}

/** Still blocked: neither woken nor done (a park future is pending but woken until it runs). */
function blocked(w: HasFuture): boolean {
  return w instanceof ParkFuture ? w._parked() : !futOf(w).done();
}

/** How many waiters are still blocked (neither woken nor cancelled). */
export function countPending(waiters: Deque<HasFuture>): number {
  let n = 0;
  for (let i = 0; i < waiters.length; i++) if (blocked(waiters.at(i)!)) n++;
  return n;
}

/** The first waiter still blocked, or undefined. */
export function firstPending<W extends HasFuture>(waiters: Deque<W>): W | undefined {
  for (let i = 0; i < waiters.length; i++) {
    const w = waiters.at(i)!;
    if (!futOf(w).done()) return w;
  }
  return undefined;
}

/** Removes waiters from the front until one still blocked comes out (undefined: none left). */
export function shiftPending<W extends HasFuture>(waiters: Deque<W>): W | undefined {
  for (;;) {
    const w = waiters.shift();
    if (w === undefined || !futOf(w).done()) return w;
  }
}

/** True when some waiter is not cancelled (blocked, or woken and not yet resumed). */
export function anyLive(waiters: Deque<HasFuture>): boolean {
  for (let i = 0; i < waiters.length; i++) if (!futOf(waiters.at(i)!).cancelled()) return true;
  return false;
}

/**
 * A future of `loop` that is already finished with `value`: awaiting it does not suspend. For
 * `undefined` and `true` (most fast paths) the loop's shared ones are returned (see
 * `EventLoop._doneVoid`). Debug mode gets fresh ones (each records where it was made).
 */
export function doneFuture<T>(loop: EventLoop, value: T): Future<T> {
  if ((value === undefined || value === true) && onSuspend === null) {
    return (value === undefined ? loop._doneVoid : loop._doneTrue) as Future<T>;
  }
  return finishedFuture(loop, value);
}

/**
 * Lazy loop binding (asyncio's `_LoopBoundMixin`): a primitive binds to the running loop the first
 * time it must wait, and refuses every other loop afterwards.
 *
 * A primitive made while a loop runs starts out bound to that loop *tentatively*: the first wait
 * there confirms it, and a first wait in another loop still moves it there, as in asyncio. So a
 * new primitive takes the same path as a long-used one (no first-use branch in the hot code).
 */
export class LoopBound {
  /** @internal The loop it is bound to (tentatively while `_loopConfirmed` is false), or null. */
  _loop: EventLoop | null = runningLoopOrUndefined() ?? null;
  /** Confirmed by a first wait (asyncio's `_get_loop`). */
  private _loopConfirmed = false;

  /**
   * @internal A future of the running loop finished with `true`, for the fast paths (a free
   * `acquire`, a set event); throws outside a loop, before the caller changes anything.
   */
  _done(value: true): Future<true> {
    return doneFuture(getRunningLoop(), value);
  }

  /** @internal The running loop, binding to it on first use; RuntimeError for another loop. */
  _getLoop(): EventLoop {
    const loop = getRunningLoop();
    if (this._loop !== loop) this._bindTo(loop);
    this._loopConfirmed = true;
    return loop;
  }

  private _bindTo(loop: EventLoop): void {
    if (this._loop !== null && this._loopConfirmed) {
      throw new RuntimeError(`${String(this)} is bound to a different event loop`);
    }
    this._loop = loop;
  }
}

/** A scope body of `run(body)`: no argument; a generator, a promise or a value. */
export type ScopeBody<T> = () => Coroutine<T> | PromiseLike<T> | T;

/**
 * `async with resource:` — a Future that, once awaited (or `yield*`-ed), acquires inside the calling
 * task, runs `body` there, and releases on return, throw and cancellation. If the task is cancelled
 * while acquiring, the body never runs.
 */
export function runHolding<T>(
  op: string,
  acquire: () => Future<unknown>,
  release: () => void,
  body: ScopeBody<T>,
): Future<T> {
  checkFunction(op, 'body', body);
  return new InlineFuture<T>(getRunningLoop(), (mode) => holding(acquire, release, body, mode));
}

function* holding<T>(acquire: () => Future<unknown>, release: () => void, body: ScopeBody<T>, mode: Mode): Coroutine<T> {
  yield* acquire();
  try {
    return yield* callBody(body, undefined, mode);
  } finally {
    release();
  }
}

/**
 * Waits on `wait()` until one wait succeeds, however often the task is cancelled meanwhile, and
 * returns the last `CancelledError` it caught (null: none). A cancel scope around the task is held
 * back meanwhile: a scope's cancellation is delivered at every wait, so it would come again at
 * once, wait after wait (a spin); it comes at the task's next wait instead.
 */
export function* waitThroughCancels(wait: () => Future<unknown>): Coroutine<CancelledError | null> {
  let cancelled: CancelledError | null = null;
  const task = current() as Task<unknown> | undefined;
  task?._protect(1);
  try {
    for (;;) {
      try {
        yield* wait();
        return cancelled;
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
        cancelled = e;
      }
    }
  } finally {
    task?._protect(-1);
  }
}

/** Checks a count argument: an integer >= `min` (TypeError / RangeError naming it). */
export function checkCount(op: string, name: string, value: unknown, min = 0): number {
  if (typeof value !== 'number') throw new TypeError(`${op}: ${name} must be an integer, got ${describe(value)}`);
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${op}: ${name} must be >= ${min} (an integer), got ${value}`);
  }
  return value;
}
