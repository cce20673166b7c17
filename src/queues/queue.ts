import { QueueEmptyError, QueueFullError, QueueShutDownError } from '../errors.js';
import { Future } from '../future.js';
import { withoutStack } from '../internal/looperrors.js';
import { ParkFuture } from '../internal/park.js';
import type { EventLoop } from '../loop/eventloop.js';
import { anchorShapes } from '../loop/shapes.js';
import { checkFunction, describe, formatValue } from '../internal/validate.js';
import { Deque, LoopBound, countPending, doneFuture } from '../internal/waiters.js';
import { getRunningLoop } from '../loop/registry.js';

/**
 * What `Queue.statistics()` reports. A snapshot: reading it changes nothing.
 *
 * Cancellation: not a checkpoint.
 *
 * @example
 * ```ts
 * q.statistics().tasksWaitingGet; // consumers idle right now
 * ```
 */
export interface QueueStatistics {
  qsize: number;
  maxsize: number;
  /** Items put and not yet marked done with `taskDone()`. */
  unfinishedTasks: number;
  /** Tasks blocked in `get()` that have not been woken yet. */
  tasksWaitingGet: number;
  /** Tasks blocked in `put()` that have not been woken yet. */
  tasksWaitingPut: number;
  shutdown: boolean;
}

/**
 * A FIFO queue between producer and consumer tasks (asyncio's `Queue`, 3.13): `put()` waits
 * while the queue holds `maxsize` items (`maxsize <= 0`: unbounded), `get()` waits while it is
 * empty; waiting getters and putters are served in FIFO order. `taskDone()`/`join()` track work in
 * progress, `shutdown()` ends the queue, and `for await (const item of queue)` consumes it,
 * ending once the queue is shut down and drained (the loop does not call `taskDone()`). The queue
 * binds to the first loop in which a task waits on it.
 *
 * As in asyncio, an item put while getters wait goes into the queue and wakes the first getter;
 * a `get()`/`getNowait()` that runs before that getter resumes may take the item, and the woken
 * getter then waits again.
 *
 * `get()` of a non-empty queue takes its item at once (its fast path: asyncio's coroutine would
 * wait until awaited, which shows only if it is never awaited or handed to `waitFor(…, 0)`); a
 * `get()` that has to wait (and a `put()` into a full queue) starts when it is first awaited or
 * `yield*`-ed, or in the next pass once handed to `gather`/`shield`/`wait` (as asyncio's wrapping
 * task would): one never used takes no item and adds none.
 *
 * Cancellation: `get()`, `put()` and `join()` are checkpoints only when they wait. A cancelled
 * `get()` takes no item and a cancelled `put()` adds none; a getter (putter) cancelled after it
 * was woken passes the wake-up to the next one, so no item or free slot is lost. A task cancelled
 * inside `for await` takes no item.
 *
 * @example
 * ```ts
 * const q = new Queue<string>(100);
 * createTask(async () => { for await (const job of q) { await handle(job); q.taskDone(); } });
 * await q.put('job-1');
 * await q.join();   // every job handled
 * q.shutdown();     // the consumer's loop ends
 * ```
 */
export class Queue<T> extends LoopBound implements AsyncIterable<T> {
  private readonly _maxsize: number;
  /** @internal FIFO storage (LifoQueue takes from the other end). */
  protected readonly _items = new Deque<T>();
  /** @internal Blocked `get()`s, FIFO: only parked ones (woken and cancelled ones leave at once). */
  readonly _getters = new Deque<QueueGet<T>>();
  /** @internal Blocked `put()`s, FIFO. */
  readonly _putters = new Deque<QueuePut<T>>();
  /** @internal Items put and not yet marked done with `taskDone()`. */
  _unfinished = 0;
  /** @internal Blocked `join()`s: only parked ones. */
  readonly _joiners = new Deque<QueueJoin>();
  private _shutdown: 'alive' | 'shutdown' | 'shutdown-immediate' = 'alive';

  /** `maxsize` (default 0): the capacity; `<= 0` (or Infinity) means unbounded. NaN is refused. */
  constructor(maxsize = 0) {
    super();
    if (typeof maxsize !== 'number') {
      throw new TypeError(`${new.target.name}: maxsize must be a number, got ${describe(maxsize)}`);
    }
    if (Number.isNaN(maxsize)) throw new RangeError(`${new.target.name}: maxsize must be a number, got NaN`);
    this._maxsize = maxsize;
  }

  /** The capacity given to the constructor. */
  get maxsize(): number {
    return this._maxsize;
  }

  /** The number of items in the queue. */
  qsize(): number {
    return this._items.length;
  }

  /** True when the queue holds no item. */
  empty(): boolean {
    return this.qsize() === 0;
  }

  /** True when the queue holds `maxsize` items (never for an unbounded queue). */
  full(): boolean {
    return this._maxsize > 0 && this.qsize() >= this._maxsize;
  }

  /**
   * Puts `item`, waiting while the queue is full. Throws `QueueShutDownError` once the queue is
   * shut down (and fails with it if the shutdown comes while waiting).
   *
   * Cancellation: a checkpoint only when the queue is full. A cancelled `put()` adds nothing; a
   * putter cancelled after it was woken passes the free slot on.
   *
   * @example
   * ```ts
   * await q.put(job);
   * yield* q.put(job);
   * ```
   */
  put(item: T): Future<void> {
    if (this._shutdown !== 'alive') throw new QueueShutDownError(`${this.constructor.name}.put: the queue is shut down`);
    if (!this.full()) {
      const loop = getRunningLoop(); // first: it throws outside a loop, before anything changes
      this._putNow(item); // (a PriorityQueue's comparator may throw: then no done future is made)
      return doneFuture(loop, undefined);
    }
    return new QueuePut(this, item);
  }

  /** Puts `item` at once: `QueueFullError` when full, `QueueShutDownError` once shut down. */
  putNowait(item: T): void {
    if (this._shutdown !== 'alive') throw new QueueShutDownError(`${this.constructor.name}.putNowait: the queue is shut down`);
    if (this.full()) throw new QueueFullError(`${this.constructor.name}.putNowait: the queue is full (maxsize ${this._maxsize})`);
    this._putNow(item);
  }

  /** Adds an item to a queue with room and wakes the first blocked getter. */
  private _putNow(item: T): void {
    this._put(item);
    this._unfinished++;
    const getter = this._getters.shift(); // only parked getters are listed
    if (getter !== undefined) getter._wakeLater();
  }

  /**
   * Removes and returns the next item, waiting while the queue is empty. Throws
   * `QueueShutDownError` once the queue is shut down and empty (and fails with it if that happens
   * while waiting).
   *
   * Cancellation: a checkpoint only when the queue is empty. A cancelled `get()` takes no item; a
   * getter cancelled after it was woken passes the wake-up on, so no item is lost.
   *
   * @example
   * ```ts
   * const job = await q.get();
   * const job2 = yield* q.get();
   * ```
   */
  get(): Future<T> {
    if (!this.empty()) return doneFuture(getRunningLoop(), this.getNowait());
    if (this._shutdown !== 'alive') {
      throw new QueueShutDownError(`${this.constructor.name}.get: the queue is shut down and empty`);
    }
    return new QueueGet(this);
  }

  /** The next item at once: `QueueEmptyError` when empty, `QueueShutDownError` once shut down and empty. */
  getNowait(): T {
    if (this.empty()) {
      if (this._shutdown !== 'alive') {
        throw new QueueShutDownError(`${this.constructor.name}.getNowait: the queue is shut down and empty`);
      }
      throw new QueueEmptyError(`${this.constructor.name}.getNowait: the queue is empty`);
    }
    return this._take();
  }

  /**
   * Marks one item got earlier as processed; when every item put has been, `join()` returns.
   * Throws `RangeError('taskDone() called too many times')` when no item is unfinished.
   */
  taskDone(): void {
    if (this._unfinished <= 0) throw new RangeError(`${this.constructor.name}: taskDone() called too many times`);
    this._unfinished--;
    if (this._unfinished === 0) this._wakeJoiners();
  }

  /**
   * Waits until every item put has been marked done with `taskDone()`.
   *
   * Like asyncio's coroutine, it looks at the queue when first awaited (not at the call), so a
   * `join()` made early also waits for items put before it is awaited.
   *
   * Cancellation: a checkpoint only while unfinished items remain; a cancelled `join()` changes
   * nothing.
   *
   * @example
   * ```ts
   * await q.join(); // every item put so far has had its taskDone()
   * ```
   */
  join(): Future<void> {
    return new QueueJoin(this);
  }

  /**
   * Shuts the queue down: `put()` now fails with `QueueShutDownError`, and `get()` does once the
   * queue is empty; blocked putters and getters are woken to re-check. With `immediate`, the items
   * left are dropped (each counted as done for `join()`), so getters fail at once.
   */
  shutdown(immediate = false): void {
    if (typeof immediate !== 'boolean') {
      throw new TypeError(`${this.constructor.name}.shutdown: immediate must be a boolean, got ${describe(immediate)}`);
    }
    if (immediate) {
      this._shutdown = 'shutdown-immediate';
      while (!this.empty()) {
        this._get();
        if (this._unfinished > 0) this._unfinished--;
      }
      if (this._unfinished === 0) this._wakeJoiners();
    } else if (this._shutdown === 'alive') {
      this._shutdown = 'shutdown';
    }
    wakeAll(this._getters);
    wakeAll(this._putters);
  }

  /** Sizes, unfinished items, waiting tasks and whether the queue is shut down. */
  statistics(): QueueStatistics {
    return {
      qsize: this.qsize(),
      maxsize: this._maxsize,
      unfinishedTasks: this._unfinished,
      tasksWaitingGet: countPending(this._getters),
      tasksWaitingPut: countPending(this._putters),
      shutdown: this._shutdown !== 'alive',
    };
  }

  /**
   * `for await (const item of queue)`: gets items until the queue is shut down and drained. Does
   * not call `taskDone()`. Breaking out of the loop leaves the queue as it is.
   */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    const next = async (): Promise<IteratorResult<T, undefined>> => {
      try {
        return { done: false, value: await this.get() };
      } catch (e) {
        if (e instanceof QueueShutDownError) return { done: true, value: undefined };
        throw e;
      }
    };
    return { next };
  }

  /**
   * asyncio's repr: `<Queue maxsize=0 _queue=[1, 2] tasks=2>` (the items, the waiting getters and
   * putters, the unfinished tasks, where there are any).
   */
  override toString(): string {
    let s = `<${this.constructor.name} maxsize=${this._maxsize}`;
    if (!this.empty()) s += ` _queue=${formatValue(this._storedItems())}`;
    const g = countPending(this._getters);
    const p = countPending(this._putters);
    if (g > 0) s += ` _getters[${g}]`;
    if (p > 0) s += ` _putters[${p}]`;
    if (this._unfinished > 0) s += ` tasks=${this._unfinished}`;
    if (this._shutdown !== 'alive') s += ' shutdown';
    return `${s}>`;
  }

  /** @internal The items in storage order (what asyncio's repr shows as `_queue`). */
  protected _storedItems(): T[] {
    return this._items.toArray();
  }

  /** @internal Takes the next item of a non-empty queue and wakes the first blocked putter. */
  _take(): T {
    const item = this._get();
    this._putters.shift()?._wakeLater();
    return item;
  }

  /** @internal True once `shutdown()` was called. */
  _isShutDown(): boolean {
    return this._shutdown !== 'alive';
  }

  /** @internal Stores an item (subclasses change the order). */
  protected _put(item: T): void {
    this._items.push(item);
  }

  /** @internal Takes the next item (subclasses change the order). */
  protected _get(): T {
    return this._items.shift() as T;
  }

  private _wakeJoiners(): void {
    wakeAll(this._joiners);
  }
}

/** Wakes every blocked waiter, to re-check (shutdown). */
function wakeAll(waiters: Deque<ParkFuture<unknown>>): void {
  for (let w = waiters.shift(); w !== undefined; w = waiters.shift()) if (w._parked()) w._wakeLater();
}

/**
 * A blocked `Queue.get()` (asyncio's `while self.empty(): await getter` as one future): takes the
 * next item when first awaited, else waits in the queue's getter list; woken by a put, it takes
 * the item in the next pass, or waits again (at the back) if another consumer took it first.
 */
class QueueGet<T> extends ParkFuture<T> {
  private declare readonly _q: Queue<T>;

  constructor(q: Queue<T>, loop: EventLoop = q._getLoop()) {
    super(loop);
    this._q = q;
  }

  protected _attempt(resumed: boolean): boolean {
    const q = this._q;
    if (!q.empty()) {
      this._finish(q._take(), resumed);
      return true;
    }
    if (q._isShutDown()) {
      this._fail(withoutStack(QueueShutDownError, `${q.constructor.name}.get: the queue is shut down and empty`), resumed);
      return true;
    }
    return false;
  }

  protected _park(): void {
    this._q._getters.push(this);
  }

  protected _unpark(): void {
    this._q._getters.remove(this);
  }

  /** Woken by a put, but leaving: wake the next getter so the item is not stranded. */
  protected _passOn(): void {
    if (!this._q.empty()) this._q._getters.shift()?._wakeLater();
  }
}

/**
 * A `Queue.join()`: done when first awaited if no item is unfinished, else waits in the queue's
 * joiner list until `taskDone()` (or an immediate shutdown) brings the count to 0, and then
 * returns even if more items were put before it resumed (asyncio's `Event.wait()`).
 */
class QueueJoin extends ParkFuture<void> {
  private declare readonly _q: Queue<unknown>;

  constructor(q: Queue<unknown>, loop: EventLoop = q._getLoop()) {
    super(loop);
    this._q = q;
  }

  protected _attempt(resumed: boolean): boolean {
    if (!resumed && this._q._unfinished > 0) return false;
    this._finish(undefined, resumed);
    return true;
  }

  protected _park(): void {
    this._q._joiners.push(this);
  }

  protected _unpark(): void {
    this._q._joiners.remove(this);
  }

  /** Every joiner is woken at once: a leaving one has nothing to pass on. */
  protected _passOn(): void {}
}

/** A blocked `Queue.put(item)`: puts when first awaited if there is room, else waits for a slot. */
class QueuePut<T> extends ParkFuture<void> {
  private declare readonly _q: Queue<T>;
  private declare readonly _item: T;

  constructor(q: Queue<T>, item: T, loop: EventLoop = q._getLoop()) {
    super(loop);
    this._q = q;
    this._item = item;
  }

  protected _attempt(resumed: boolean): boolean {
    const q = this._q;
    if (q._isShutDown()) {
      this._fail(withoutStack(QueueShutDownError, `${q.constructor.name}.put: the queue is shut down`), resumed);
      return true;
    }
    if (q.full()) return false;
    q.putNowait(this._item);
    this._finish(undefined, resumed);
    return true;
  }

  protected _park(): void {
    this._q._putters.push(this);
  }

  protected _unpark(): void {
    this._q._putters.remove(this);
  }

  /** Woken by a get, but leaving: wake the next putter in line instead. */
  protected _passOn(): void {
    if (!this._q.full()) this._q._putters.shift()?._wakeLater();
  }
}

/**
 * A `Queue` that returns the most recently put item first (a stack).
 *
 * Cancellation: as `Queue`.
 *
 * @example
 * ```ts
 * const q = new LifoQueue<number>();
 * q.putNowait(1); q.putNowait(2);
 * q.getNowait(); // 2
 * ```
 */
export class LifoQueue<T> extends Queue<T> {
  protected override _get(): T {
    return this._items.pop() as T;
  }
}

/**
 * A `Queue` that returns the smallest item first (a binary heap). Without `compare`, numbers
 * (and bigints) are ordered numerically, strings by UTF-16 code units, and arrays element by
 * element like Python tuples — so `[priority, item]` pairs work; other values need a comparator,
 * which works as `Array.prototype.sort`'s (negative: `a` comes out first). Equal items come out in
 * the order they were put. An item the order cannot compare is refused with `TypeError` and the
 * queue is left unchanged.
 *
 * Cancellation: as `Queue`.
 *
 * @example
 * ```ts
 * const jobs = new PriorityQueue<[number, string]>();
 * jobs.putNowait([2, 'write']); jobs.putNowait([1, 'read']);
 * jobs.getNowait(); // [1, 'read']
 * const byDeadline = new PriorityQueue<Job>(0, (a, b) => a.deadline - b.deadline);
 * ```
 */
export class PriorityQueue<T> extends Queue<T> {
  private readonly _heap: { readonly item: T; readonly seq: number }[] = [];
  private _seq = 0;
  /** `_get`'s walk down the heap, kept between calls (a get allocates nothing). */
  private readonly _path: number[] = [];
  private readonly _compare: (a: T, b: T) => number;

  /** `maxsize` as `Queue`'s; `compare` (optional) orders the items. */
  constructor(maxsize = 0, compare?: (a: T, b: T) => number) {
    super(maxsize);
    if (compare !== undefined) checkFunction('PriorityQueue', 'compare', compare);
    this._compare = compare ?? (defaultCompare as (a: T, b: T) => number);
  }

  /** The number of items in the queue. */
  override qsize(): number {
    return this._heap.length;
  }

  /** @internal The items in heap order, as asyncio's repr shows its heap list. */
  protected override _storedItems(): T[] {
    return this._heap.map((e) => e.item);
  }

  protected override _put(item: T): void {
    const heap = this._heap;
    const entry = { item, seq: this._seq++ };
    // Find the slot first (the comparator may throw), then move the entries along the path.
    let slot = heap.length;
    while (slot > 0) {
      const parent = (slot - 1) >> 1;
      if (!this._less(entry, heap[parent]!)) break;
      slot = parent;
    }
    let i = heap.length;
    heap.push(entry);
    while (i > slot) {
      const parent = (i - 1) >> 1;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[slot] = entry;
  }

  protected override _get(): T {
    const heap = this._heap;
    const top = heap[0]!;
    const n = heap.length - 1;
    const last = heap[n]!;
    // Walk down first (the comparator may throw), then move the entries along the path.
    const path = this._path;
    let depth = 0;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && this._less(heap[child + 1]!, heap[child]!)) child++;
      if (!this._less(heap[child]!, last)) break;
      path[depth++] = child;
      i = child;
    }
    heap.pop();
    if (n > 0) {
      let hole = 0;
      for (let d = 0; d < depth; d++) {
        const child = path[d]!;
        heap[hole] = heap[child]!;
        hole = child;
      }
      heap[hole] = last;
    }
    return top.item;
  }

  private _less(a: { item: T; seq: number }, b: { item: T; seq: number }): boolean {
    const c = this._compare(a.item, b.item);
    return c < 0 || (!(c > 0) && a.seq < b.seq);
  }
}

type Kind = 'number' | 'string' | 'array' | 'other';

function kindOf(x: unknown): Kind {
  const t = typeof x;
  if (t === 'number' || t === 'bigint' || t === 'boolean') return 'number';
  if (t === 'string') return 'string';
  return Array.isArray(x) ? 'array' : 'other';
}

/**
 * The default order of `PriorityQueue`: numbers (bigints, booleans) numerically, strings by UTF-16
 * code units, arrays lexicographically (a shorter prefix first). `TypeError` for anything else or
 * for values of different kinds. Useful to build a comparator on top of it.
 *
 * Cancellation: not a checkpoint.
 *
 * @example
 * ```ts
 * defaultCompare([1, 'b'], [1, 'a']); // > 0
 * const newestFirst = new PriorityQueue<[number, number]>(0, (a, b) => defaultCompare(a[0], b[0]) || b[1] - a[1]);
 * ```
 */
export function defaultCompare(a: unknown, b: unknown): number {
  // The common cases first: two numbers, two strings.
  if ((typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string')) {
    return a < b ? -1 : a > b ? 1 : 0;
  }
  const ka = kindOf(a);
  const kb = kindOf(b);
  if (ka !== kb || ka === 'other') {
    throw new TypeError(
      `PriorityQueue: cannot order ${describe(a)} and ${describe(b)}: the default order compares numbers, strings and arrays of them; pass a comparator`,
    );
  }
  if (ka === 'array') {
    const xa = a as unknown[];
    const xb = b as unknown[];
    const n = Math.min(xa.length, xb.length);
    for (let i = 0; i < n; i++) {
      if (xa[i] === xb[i]) continue;
      const c = defaultCompare(xa[i], xb[i]);
      if (c !== 0) return c;
    }
    return xa.length - xb.length;
  }
  const x = a as number | string;
  const y = b as number | string;
  return x < y ? -1 : x > y ? 1 : 0;
}

anchorShapes((loop) => [new QueueGet(new Queue(), loop), new QueuePut(new Queue(), undefined, loop)]);
