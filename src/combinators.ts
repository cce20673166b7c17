import { CancelledError, RuntimeError, TimeoutError } from './errors.js';
import { Future, NO_ERROR, finishedFuture, type Waiter } from './future.js';
import { loopCancelledError } from './internal/looperrors.js';
import { onePass } from './internal/inline.js';
import { checkDelay, checkOpts, describe, isGenerator } from './internal/validate.js';
import type { EventLoop } from './loop/eventloop.js';
import type { TimerEntry, TimerHandle } from './loop/handle.js';
import { getRunningLoop } from './loop/registry.js';
import { anchorShapes } from './loop/shapes.js';
import { Task, checkAwaitable, ensureFuture, type Awaitable, type Coroutine } from './task.js';

/** What an awaitable settles to: Future<T>/PromiseLike<T>/Coroutine<T> give T. */
export type AwaitedOf<A> = A extends Future<infer T>
  ? T
  : A extends PromiseLike<infer T>
    ? T
    : A extends Coroutine<infer T>
      ? T
      : never;

// ---- sleep ------------------------------------------------------------------------------------

/** A `_flags` bit of a sleep's future: its timer entry has not run (nor been dropped) yet. */
const TIMING = 16;

/**
 * A sleep's future: cancelling it (or its waiting task) removes its timer at once. While pending it
 * keeps the sleep's result in `_value` (a pending future's is unused) and its timer state in
 * `_flags`, so that a sleeping task holds as little as possible.
 */
class SleepFuture<T> extends Future<T> implements TimerEntry {
  /** @internal Timer-heap fields (see `TimerEntry`). */
  declare _scheduled: boolean;
  /** @internal */ declare _cancelled: boolean;

  constructor(loop: EventLoop, result: T) {
    super(loop);
    this._value = result;
    this._cancelled = false;
    this._flags = TIMING;
  }

  /** @internal Its timer fired (finishing it; the waiters run in the next pass), else callbacks. */
  override _run(): void {
    if ((this._flags & TIMING) !== 0) {
      this._flags &= ~TIMING;
      if (this._state === 0) this._setResultNow(this._value as T);
      return;
    }
    super._run();
  }

  override _cancelNow(msg?: string | CancelledError): boolean {
    if (!super._cancelNow(msg)) return false;
    if (this._scheduled) {
      // Still in the heap: dropped there, never run. (Due already: its entry runs first, a no-op.)
      this._cancelled = true;
      this._flags &= ~TIMING;
      this._loop._timerCancelled();
    }
    return true;
  }
}

/**
 * A future that resolves with `result` (default `undefined`) after `delayMs` milliseconds of the
 * loop's clock (asyncio's `sleep`). `sleep(0)` takes exactly one loop pass: it lets every task
 * that is ready run once, without touching the timer heap. A negative delay is 0 (as in asyncio);
 * NaN is a `RangeError`, a non-number a `TypeError`.
 *
 * Cancellation: a checkpoint. Cancelling the sleep (or its waiting task) removes its timer at once;
 * nothing else is lost.
 *
 * @example
 * ```ts
 * await sleep(250);                                 // async function
 * const v = yield* sleep(10, 'ready');               // generator: v === 'ready'
 * ```
 */
export function sleep<T = void>(delayMs: number, result?: T): Future<T> {
  delayMs = checkDelay('sleep', 'delayMs', delayMs, true);
  const loop = getRunningLoop();
  if (delayMs === 0) return onePass(loop, result as T);
  const fut = new SleepFuture<T>(loop, result as T);
  loop._scheduleTimer(fut, loop.time() + delayMs);
  return fut;
}

// ---- gather -----------------------------------------------------------------------------------

/** gather's outer future: cancelling it cancels every child still running. */
class GatheringFuture<T> extends Future<T> {
  // Declared and assigned in the constructor, as every future's fields (test/shapes.test.ts).
  /** @internal */ declare _cancelRequested: boolean;
  private declare readonly children: Future<unknown>[];

  constructor(loop: Future<unknown>['_loop'], children: Future<unknown>[]) {
    super(loop);
    this._cancelRequested = false;
    this.children = children;
  }

  override cancel(msg?: string): boolean {
    if (this.done()) return false;
    let ret = false;
    for (const child of this.children) if (child.cancel(msg)) ret = true;
    // A cancelled child would not always make gather fail (returnExceptions): remember the request.
    if (ret) this._cancelRequested = true;
    return ret;
  }
}

/** Collects children's outcomes for gather(): one waiter object watches every child. */
class Gathering implements Waiter {
  nFinished = 0;
  constructor(
    readonly outer: GatheringFuture<unknown[]>,
    readonly children: Future<unknown>[],
    public nFuts: number,
    readonly returnExceptions: boolean,
  ) {}

  _wake(fut: Future<unknown>): void {
    this.nFinished++;
    // The common case: a child finished and others are still running.
    if (fut._state === 1 && this.nFinished < this.nFuts) return;
    const outer = this.outer;
    if (outer.done()) {
      if (!fut.cancelled()) fut._markRetrieved();
      return;
    }
    if (!this.returnExceptions) {
      if (fut.cancelled()) {
        outer._failNow(fut._makeCancelledError());
        outer._retrieved = true;
        return;
      }
      const exc = fut._awaiterError();
      if (exc !== NO_ERROR) {
        outer._failNow(exc);
        if (!outer._retrieved) outer._watchUnretrieved();
        return;
      }
    }
    if (this.nFinished < this.nFuts) return;
    const results: unknown[] = new Array(this.children.length);
    for (let i = 0; i < this.children.length; i++) {
      const child = this.children[i]!;
      if (child.cancelled()) results[i] = loopCancelledError(child._cancelMessage);
      else {
        const e = child._awaiterError();
        results[i] = e === NO_ERROR ? child._value : e;
      }
    }
    if (outer._cancelRequested) {
      // asyncio's CancelledError comes from the last child in argument order (its loop variable):
      // that child's cancellation, or the message of a cancel request it swallowed (a task that
      // was cancelled with nothing to wait on, e.g. a duplicate child cancelled twice), or none.
      const last = this.children[this.children.length - 1]!;
      outer._failNow(last.cancelled() ? last._makeCancelledError() : loopCancelledError(last._cancelRequestMessage()));
      outer._retrieved = true;
    } else outer.setResult(results);
  }
}

/**
 * Waits for every awaitable and resolves with their results in argument order (duplicates run
 * once). On the first error the returned future fails with it while the others keep running;
 * with `returnExceptions` errors are returned in place of results.
 *
 * Cancellation: a checkpoint. Cancelling the returned future (or its waiting task) cancels every
 * child still running; the gather then fails with `CancelledError` even with `returnExceptions`.
 * A child that is cancelled by someone else counts as an error (a `CancelledError`, with the
 * message `await child` would raise; asyncio's slot loses a task's message).
 *
 * @example
 * ```ts
 * const [a, b] = await gather([fetchA(), sleep(10, 'b')]);
 * const [x, y] = yield* gather([taskX, taskY], { returnExceptions: true });
 * ```
 */
export function gather<const A extends readonly Awaitable<unknown>[]>(
  aws: A,
  opts: { returnExceptions: true },
): Future<{ -readonly [K in keyof A]: unknown }>;
export function gather<const A extends readonly Awaitable<unknown>[]>(
  aws: A,
  opts?: { returnExceptions?: boolean },
): Future<{ -readonly [K in keyof A]: AwaitedOf<A[K]> }>;
export function gather(aws: readonly Awaitable<unknown>[], opts: { returnExceptions?: boolean } = {}): Future<unknown[]> {
  checkOpts('gather', opts);
  if (aws instanceof Future) {
    throw new TypeError(`gather: aws must be an array of awaitables, not a Future (gather([a, b]), not gather(a, b)), got ${describe(aws)}`);
  }
  if (aws == null || typeof (aws as Iterable<unknown>)[Symbol.iterator] !== 'function' || isGenerator(aws)) {
    throw new TypeError(`gather: aws must be an array of awaitables, got ${describe(aws)}`);
  }
  if (opts.returnExceptions !== undefined && typeof opts.returnExceptions !== 'boolean') {
    throw new TypeError(`gather: opts.returnExceptions must be a boolean, got ${describe(opts.returnExceptions)}`);
  }
  const returnExceptions = opts.returnExceptions === true;
  const items: readonly Awaitable<unknown>[] = Array.isArray(aws) ? aws : [...aws];
  // The loop of the first future (as asyncio: gather works on a loop that is not running), else
  // the running one.
  const first = items[0];
  const loop = first instanceof Future ? first._loop : getRunningLoop();
  if (items.length === 0) return finishedFuture<unknown[]>(loop, []);
  const children: Future<unknown>[] = new Array(items.length);
  const outer = new GatheringFuture<unknown[]>(loop, children);
  const g = new Gathering(outer, children, 0, returnExceptions);
  if (watchPending(items, loop, g)) return outer;
  // Check everything first: a bad item must not leave tasks started or waiters registered.
  for (let i = 0; i < items.length; i++) {
    const aw = items[i];
    if (aw instanceof Future) {
      if (aw._loop !== loop) {
        const other = first instanceof Future ? 'aws[0]' : 'the running one';
        throw new RangeError(`gather: aws[${i}] is tied to a different event loop than ${other}`);
      }
    } else {
      checkAwaitable('gather', `aws[${i}]`, aw);
    }
  }
  let byArg: Map<unknown, Future<unknown>> | null = null; // the same promise or coroutine twice
  let doneSeen: Set<Future<unknown>> | null = null;
  let doneFuts: Future<unknown>[] | null = null;
  for (let i = 0; i < items.length; i++) {
    const aw = items[i];
    let fut: Future<unknown>;
    if (aw instanceof Future) fut = aw;
    else {
      byArg ??= new Map();
      let f = byArg.get(aw);
      if (f === undefined) {
        f = ensureFuture(aw as Awaitable<unknown>, loop);
        byArg.set(aw, f);
      }
      fut = f;
    }
    children[i] = fut;
    // Duplicates run once: a pending future whose last waiter is `g` is already watched; done
    // ones (whose waiters do not stay listed) are told apart with a set.
    if (fut._state === 0) {
      if (fut._lastEntry() === g) continue;
      g.nFuts++;
      fut._addWaiter(g);
    } else {
      doneSeen ??= new Set();
      if (doneSeen.has(fut)) continue;
      doneSeen.add(fut);
      (doneFuts ??= []).push(fut);
      g.nFuts++;
    }
  }
  // Children done already are taken in now, once the outer future exists (as asyncio 3.12+): if
  // all were, the gather is done at once and awaiting it does not suspend.
  if (doneFuts !== null) for (const fut of doneFuts) g._wake(fut);
  return outer;
}

/**
 * gather's common case in one pass over the items (each task is touched once, which matters for
 * 100,000 of them): every item a pending task of `loop`. Registers `g` as it goes (watching a task
 * has no side effect, unlike a scope's or a primitive's future, which starts on first watch); at
 * the first other item it takes the registrations back and returns false, for the general path.
 */
function watchPending(items: readonly Awaitable<unknown>[], loop: Future<unknown>['_loop'], g: Gathering): boolean {
  const children = g.children;
  let i = 0;
  for (; i < items.length; i++) {
    const aw = items[i];
    if (!(aw instanceof Task) || aw._loop !== loop || aw._state !== 0) break;
    children[i] = aw;
    if (aw._lastEntry() === g) continue; // the same future twice: watched once
    g.nFuts++;
    aw._addWaiter(g);
  }
  if (i === items.length) return true;
  for (let j = 0; j < i; j++) children[j]!._removeWaiter(g);
  g.nFuts = 0;
  return false;
}

// ---- wait -------------------------------------------------------------------------------------

/**
 * `wait()`'s `returnWhen`: return as soon as any future finishes.
 *
 * Cancellation: a value, not a call; see `wait()`.
 *
 * @example
 * ```ts
 * const { done, pending } = await wait(tasks, { returnWhen: FIRST_COMPLETED });
 * ```
 */
export const FIRST_COMPLETED = 'FIRST_COMPLETED';
/**
 * `wait()`'s `returnWhen`: return when any future fails, or when all are done.
 *
 * Cancellation: a value, not a call; see `wait()`.
 *
 * @example
 * ```ts
 * const { done } = await wait(tasks, { returnWhen: FIRST_EXCEPTION });
 * ```
 */
export const FIRST_EXCEPTION = 'FIRST_EXCEPTION';
/**
 * `wait()`'s `returnWhen`: return when all futures are done (the default).
 *
 * Cancellation: a value, not a call; see `wait()`.
 *
 * @example
 * ```ts
 * const { done, pending } = await wait(tasks, { returnWhen: ALL_COMPLETED, timeout: 1000 });
 * ```
 */
export const ALL_COMPLETED = 'ALL_COMPLETED';

class WaitFuture<F extends Future<unknown>> extends Future<{ done: Set<F>; pending: Set<F> }> implements Waiter {
  // Declared and assigned in the constructor, as every future's fields (test/shapes.test.ts).
  /** @internal */ declare timer: TimerHandle | null;
  /** The futures, as read at the call; read again when the wait starts if `source` is a collection. */
  private declare fs: Set<F>;
  private declare readonly source: Iterable<F> | null;
  private declare readonly returnWhen: string;
  private declare readonly timeout: number | null;
  private declare counter: number;
  private declare started: boolean;
  private declare triggered: boolean;

  constructor(loop: Future<unknown>['_loop'], fs: Set<F>, source: Iterable<F> | null, returnWhen: string, timeout: number | null) {
    super(loop);
    this.timer = null;
    this.fs = fs;
    this.source = source;
    this.returnWhen = returnWhen;
    this.timeout = timeout;
    this.counter = 0;
    this.started = false;
    this.triggered = false;
  }

  /** @internal It sorts the futures into done and pending; their errors stay for the caller to read. */
  get _observes(): boolean {
    return true;
  }

  /**
   * asyncio's `wait` is a coroutine: it reads its input, watches the futures and starts its
   * timeout when awaited (or watched), not when called.
   */
  private start(): void {
    if (this.started || this._state !== 0) return;
    this.started = true;
    if (this.source !== null) this.fs = collectFutures(this.source, this._loop);
    this.counter = this.fs.size;
    const loop = this._loop;
    if (this.timeout !== null) this.timer = loop._at(null, loop.time() + this.timeout, () => this.trigger(), []);
    for (const f of this.fs) f._addWaiter(this);
  }

  override [Symbol.iterator](): Generator<Future<{ done: Set<F>; pending: Set<F> }>, { done: Set<F>; pending: Set<F> }, unknown> {
    this.start();
    return super[Symbol.iterator]();
  }

  override _then<R1 = { done: Set<F>; pending: Set<F> }, R2 = never>(
    onfulfilled: ((value: { done: Set<F>; pending: Set<F> }) => R1 | PromiseLike<R1>) | null | undefined,
    onrejected: ((reason: unknown) => R2 | PromiseLike<R2>) | null | undefined,
    weak: boolean,
  ): Promise<R1 | R2> {
    this.start();
    return super._then(onfulfilled, onrejected, weak);
  }

  override addDoneCallback(cb: (fut: Future<{ done: Set<F>; pending: Set<F> }>) => unknown): void {
    this.start();
    super.addDoneCallback(cb);
  }

  override _addWaiter(w: Waiter): void {
    this.start();
    super._addWaiter(w);
  }

  _wake(f: Future<unknown>): void {
    this.counter--;
    if (
      this.counter <= 0 ||
      this.returnWhen === FIRST_COMPLETED ||
      (this.returnWhen === FIRST_EXCEPTION && f._state === 2)
    ) {
      this.trigger();
    }
  }

  /**
   * The wait is over (also the timeout's callback). As in asyncio, the done and pending sets are
   * taken when the waiting task resumes — one pass later — so futures finishing meanwhile count.
   */
  trigger(): void {
    if (this._state !== 0 || this.triggered) return;
    this.triggered = true;
    this.cleanup();
    this._loop._enqueue(this);
  }

  override _run(): void {
    if (this._state !== 0) {
      super._run();
      return;
    }
    const done = new Set<F>();
    const pending = new Set<F>();
    for (const f of this.fs) (f.done() ? done : pending).add(f);
    this._resolveInline({ done, pending });
  }

  /**
   * Once triggered, asyncio's waiter future is done (the sets are only taken when the waiting task
   * resumes): the task's cancel then finds nothing to cancel and stays pending (the latest message
   * wins; `uncancel()` can take it back).
   */
  override _cancelForTask(msg?: string): boolean {
    if (this.triggered && this._state === 0) return false;
    return super._cancelForTask(msg);
  }

  override _cancelNow(msg?: string): boolean {
    if (!super._cancelNow(msg)) return false;
    if (this.started) this.cleanup();
    return true;
  }

  private cleanup(): void {
    this.timer?.cancel();
    this.timer = null;
    for (const f of this.fs) f._removeWaiter(this);
  }
}

/** `wait`'s futures, checked: a set of this loop's futures (and tasks), not empty. */
function collectFutures<F>(aws: Iterable<F>, loop: EventLoop): Set<F & Future<unknown>> {
  const fs = new Set<F & Future<unknown>>();
  for (const f of aws) {
    if (isGenerator(f)) throw new TypeError('wait: Passing coroutines is forbidden, use tasks explicitly (createTask).');
    if (!(f instanceof Future)) throw new TypeError(`wait: every item must be a Future or Task, got ${describe(f)}`);
    if (f._loop !== loop) throw new RuntimeError(`wait: ${String(f)} belongs to another loop`);
    fs.add(f as F & Future<unknown>);
  }
  if (fs.size === 0) throw new RangeError('wait: Set of Tasks/Futures is empty.');
  return fs;
}

/**
 * Waits for futures (not coroutines: wrap them with `createTask`) until `returnWhen` holds or
 * `timeout` ms pass, and resolves with `{ done, pending }`. It never throws `TimeoutError` and
 * never cancels the pending futures. As asyncio's coroutine, the wait starts when it is awaited
 * (or watched): its timeout counts from there, and a Set or array given is read again then
 * (its items are checked at the call too). A negative timeout is 0, as in asyncio.
 *
 * Cancellation: a checkpoint. Cancelling the waiting task stops the wait only; the futures go on.
 *
 * @example
 * ```ts
 * const { done, pending } = await wait([t1, t2], { returnWhen: FIRST_COMPLETED, timeout: 500 });
 * ```
 */
export function wait<F extends FutureLike>(
  aws: Iterable<F>,
  opts: { timeout?: number | null; returnWhen?: string } = {},
): Future<{ done: Set<F>; pending: Set<F> }> {
  checkOpts('wait', opts);
  if (aws instanceof Future || isGenerator(aws)) {
    throw new TypeError(`wait: aws must be an iterable of futures, not ${describe(aws)}`);
  }
  if (aws === null || typeof aws !== 'object' || typeof (aws as Iterable<F>)[Symbol.iterator] !== 'function') {
    throw new TypeError(`wait: aws must be an iterable of futures, got ${describe(aws)}`);
  }
  // asyncio's order: an empty collection, then returnWhen, then the items.
  if ((Array.isArray(aws) && aws.length === 0) || (aws instanceof Set && aws.size === 0)) {
    throw new RangeError('wait: Set of Tasks/Futures is empty.');
  }
  const returnWhen = opts.returnWhen ?? ALL_COMPLETED;
  if (returnWhen !== FIRST_COMPLETED && returnWhen !== FIRST_EXCEPTION && returnWhen !== ALL_COMPLETED) {
    throw new RangeError(
      `wait: Invalid returnWhen value: ${describe(returnWhen)} (expected FIRST_COMPLETED, FIRST_EXCEPTION or ALL_COMPLETED)`,
    );
  }
  const timeout = opts.timeout ?? null;
  const delay = timeout === null ? null : checkDelay('wait', 'opts.timeout', timeout, true);
  const loop = getRunningLoop();
  const fs = collectFutures(aws, loop);
  // An iterator is read once, here; a collection (a Set, an array) is read again at the start.
  const again = (aws as Iterable<F>)[Symbol.iterator]() !== (aws as unknown) ? aws : null;
  return new WaitFuture<F & Future<unknown>>(loop, fs, again as Iterable<F & Future<unknown>> | null, returnWhen, delay) as unknown as Future<{
    done: Set<F>;
    pending: Set<F>;
  }>;
}

/** What `wait()` accepts at the type level: a Future or Task (checked at run time). */
export interface FutureLike {
  done(): boolean;
  cancelled(): boolean;
}

anchorShapes((loop) => {
  const sleeping = new SleepFuture<void>(loop, undefined);
  loop._scheduleTimer(sleeping, Infinity);
  const outer = new GatheringFuture<unknown[]>(loop, []);
  return [sleeping, outer, new Gathering(outer, [], 0, false)];
});
