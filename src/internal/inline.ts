/**
 * Inline futures: the machinery behind scopes (`Timeout.run`, `TaskGroup.run`, `Lock.run` …) and
 * `waitFor`. Their work is a coroutine that runs *inside the task that awaits them* — as asyncio's
 * `async with` and `await coro()` do — in either style:
 *  - `yield* f` runs the coroutine inline in the calling generator task;
 *  - `await f` drives it from the calling async-function task, awaiting each future it yields;
 *  - handed to something that only watches futures (`gather`, `wait`, `addDoneCallback`), or
 *    awaited outside any task, it runs in a helper task of its own.
 */
import { CancelledError, RuntimeError } from '../errors.js';
import { Future, NO_ERROR, OWN_ITERATOR, onSuspend, onWatch, type Waiter } from '../future.js';
import type { EventLoop } from '../loop/eventloop.js';
import { doneResult } from './awaiters.js';
import { PromiseWait, Task, callInTask, isStepping, type Coroutine } from '../task.js';
import { isGenerator, isThenable } from './validate.js';
import { anchorShapes } from '../loop/shapes.js';
import { current } from './context.js';

/** How an inline coroutine is being run: by a generator task, or by an async driver. */
export type Mode = 'generator' | 'async';

/** A scope body: called with its argument, it returns a generator, a promise or a value. */
export type Body<A, T> = (arg: A) => Coroutine<T> | PromiseLike<T> | T;

/**
 * Calls `body(arg)` and waits for what it returns, within the running coroutine: a generator
 * runs inline; an async body runs in the calling task's context and its promise is awaited so
 * that the body's own awaits stay the task's waiters (natively in async mode, through a
 * `PromiseWait` in a generator task).
 */
export function* callBody<A, T>(body: Body<A, T>, arg: A, mode: Mode): Coroutine<T> {
  const r = mode === 'generator' ? callInTask(current() as Task<unknown> | undefined, body, arg) : body(arg);
  if (r instanceof Future) return (yield* r) as T;
  if (isGenerator(r)) return yield* r as Coroutine<T>;
  if (isThenable(r)) {
    if (mode === 'async') return (yield r) as T;
    return (yield new PromiseWait(r)) as T;
  }
  return r as T;
}

/**
 * Yielded to `drive` to await a future only "weakly": it becomes the task's waiter only if the
 * task waits on nothing else (a foreign promise's wrapper, which code inside the promise must not
 * override, and which must not override that code's waits).
 */
export class WeakAwait {
  constructor(readonly fut: Future<unknown>) {}
}

/** True while `drive` is stepping its coroutine (and no task step runs inside it). */
let driving = false;

/** The mode for a coroutine started now: async when `drive` runs it, else generator. */
function modeHere(): Mode {
  return driving && !isStepping() ? 'async' : 'generator';
}

/**
 * Runs a coroutine from async code: awaits each future (or promise) it yields, so that in an
 * async-function task those futures are the task's waiters. A bare `yield` is one loop pass.
 */
export async function drive<T>(gen: Coroutine<T>, loop: EventLoop): Promise<T> {
  let value: unknown = undefined;
  let error: unknown = NO_ERROR;
  for (;;) {
    let r: IteratorResult<unknown, T>;
    const prev = driving;
    driving = true; // scopes iterated inside run in async mode
    try {
      r = error === NO_ERROR ? gen.next(value) : gen.throw(error);
    } finally {
      driving = prev;
    }
    if (r.done) return r.value;
    const y = r.value;
    value = undefined;
    error = NO_ERROR;
    try {
      if (y === undefined) await onePass(loop, undefined);
      else if (y instanceof WeakAwait) value = await y.fut._then(undefined, undefined, true);
      else if (y instanceof PromiseWait) value = await y.promise;
      else if (y instanceof Future || isThenable(y)) value = await y;
      else throw new RuntimeError(`bad yield in a coroutine run from async code: ${String(y)}`);
    } catch (e) {
      error = e;
    }
  }
}

/**
 * A future that starts its coroutine on first use (see the module doc) and then reflects its
 * outcome. `make(mode)` builds the coroutine.
 */
export class InlineFuture<T> extends Future<T> {
  // Declared and assigned in the constructor, as every future's fields (test/shapes.test.ts).
  private declare readonly _make: (mode: Mode) => Coroutine<T>;
  private declare readonly _what: string;
  /** asyncio's words for the same mistake, added to the error (e.g. "Timeout should be used inside a task"). */
  private declare readonly _asyncioWords: string;
  private declare _started: boolean;
  private declare _promise: Promise<T> | null;
  private declare _helper: Task<T> | null;

  constructor(loop: EventLoop, make: (mode: Mode) => Coroutine<T>, what = 'this wait', asyncioWords = '') {
    super(loop);
    this._make = make;
    this._what = what;
    this._asyncioWords = asyncioWords;
    this._started = false;
    this._promise = null;
    this._helper = null;
  }

  override [Symbol.iterator](): Generator<Future<T>, T, unknown> {
    if (onWatch !== null) onWatch(this as Future<unknown>);
    if (this._started) return this._iterator();
    this._started = true;
    return this._inline(modeHere()) as unknown as Generator<Future<T>, T, unknown>;
  }

  override then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    if (onWatch !== null) onWatch(this as Future<unknown>);
    if (!this._started) {
      if (current() === undefined) {
        return Promise.reject(
          new RuntimeError(
            `${this._what} must be awaited inside a task (or handed to gather/wait, which run it in one)` +
              (this._asyncioWords === '' ? '' : `: ${this._asyncioWords}`),
          ),
        ).then(onfulfilled, onrejected);
      } else {
        this._started = true;
        this._promise = drive(this._make('async'), this._loop);
        this._promise.then(
          (v) => this._settle(NO_ERROR, v),
          (e) => this._settle(e, undefined),
        );
      }
    }
    if (this._promise !== null) return this._promise.then(onfulfilled, onrejected);
    return super.then(onfulfilled, onrejected);
  }

  override addDoneCallback(cb: (fut: Future<T>) => unknown): void {
    this._startHelper();
    super.addDoneCallback(cb);
  }

  override _addWaiter(w: Waiter): void {
    this._startHelper();
    super._addWaiter(w);
  }

  /** Before it starts: cancelled at once. Running: cancels the task that runs it. */
  override cancel(msg?: string): boolean {
    if (this.done()) return false;
    if (this._helper !== null) return this._helper.cancel(msg);
    if (!this._started) {
      this._started = true;
      return this._cancelNow(msg);
    }
    return false;
  }

  private *_inline(mode: Mode): Coroutine<T> {
    let v: T;
    try {
      v = yield* this._make(mode);
    } catch (e) {
      this._settle(e, undefined);
      throw e;
    }
    this._settle(NO_ERROR, v);
    return v;
  }

  private _startHelper(): void {
    if (this._started) return;
    this._started = true;
    const task = new Task<T>(this._make('generator'), { loop: this._loop, hidden: true });
    this._helper = task;
    task._addWaiter({
      _wake: () => {
        if (task.cancelled()) this._settle(task._makeCancelledError(), undefined, false);
        else this._settle(task._awaiterError(), task._value as T, false);
      },
      _for: this as Future<unknown>,
    });
  }

  /**
   * `delivered`: the error also went to whoever ran the coroutine (the awaiting task, a `then()`).
   * Run by a helper task (for a done callback, `gather` …) it is this future's alone: reported,
   * as a plain future's, if nobody reads it.
   */
  private _settle(error: unknown, value: T | undefined, delivered = true): void {
    if (this._state !== 0) return;
    if (error === NO_ERROR) this.setResult(value as T);
    else if (error instanceof CancelledError) this._cancelNow(error);
    else {
      this._failNow(error);
      if (delivered) this._retrieved = true;
      else if (!this._retrieved) this._watchUnretrieved();
    }
  }
}

/**
 * A future that resolves after exactly `passes` loop passes: its waiters run in the pass after
 * the one that created it (asyncio's bare `yield`, `sleep(0)`). It is its own queue entry, and
 * its own `yield*` iterator: in a generator task it is a bare `yield` (the task reschedules itself),
 * so the common `yield* sleep(0)` costs no waiter and no extra queue entry.
 */
class PassFuture<T> extends Future<T> {
  /** The value to resolve with is kept in `_value` while pending (a pending future has none). */
  constructor(loop: EventLoop, value: T) {
    super(loop);
    this._value = value;
    // Its own next() is the bare yield: the base never hands it out. Its phase (fresh, ITERATED
    // or QUEUED) is kept in `_flags` too: a `sleep(0)` future is no bigger than a plain one.
    this._flags = OWN_ITERATOR;
  }

  /** It waits exactly one pass (`sleep(0)`), as asyncio's bare `yield` (see `MultiPassFuture`). */
  override _bareYield(): boolean {
    return true;
  }

  override _run(): void {
    if (this._state !== 0) super._run();
    else this._passDone();
  }

  /** Its entry ran while pending: the pass it waited for is over. */
  protected _passDone(): void {
    this._resolveInline(this._value as T);
  }

  /** @internal Someone watches the future: start counting passes (once). */
  _queue(): void {
    if ((this._flags & QUEUED) !== 0 || this._state !== 0) return;
    this._flags |= QUEUED;
    this._loop._enqueue(this);
  }

  override then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    this._queue();
    return super.then(onfulfilled, onrejected);
  }

  override addDoneCallback(cb: (fut: Future<T>) => unknown): void {
    this._queue();
    super.addDoneCallback(cb);
  }

  override _addWaiter(w: Waiter): void {
    this._queue();
    super._addWaiter(w);
  }

  override [Symbol.iterator](): Generator<Future<T>, T, unknown> {
    if (onWatch !== null) onWatch(this as Future<unknown>);
    // (A multi-pass future is queued from the start: it is never a bare yield.)
    if ((this._flags & (ITERATED | QUEUED)) !== 0 || this._state !== 0) return this._iterator();
    return this as unknown as Generator<Future<T>, T, unknown>;
  }

  /** The bare-yield protocol: first a bare `yield` (one pass), then the value. */
  override next(): IteratorResult<undefined, T> {
    if (this._state === 0 && (this._flags & (ITERATED | QUEUED)) === 0) {
      this._flags |= ITERATED;
      if (onSuspend !== null) onSuspend();
      return BARE_YIELD;
    }
    if (this._state === 0) this._resolveInline(this._value as T);
    return doneResult(this.result());
  }

  override throw(e: unknown): never {
    if (this._state === 0) this._cancelNow(e instanceof CancelledError ? e : undefined);
    throw e;
  }

  override return(value: T): IteratorResult<undefined, T> {
    return { done: true, value };
  }
}

/** `_flags` bits of a `PassFuture` (above `Future`'s): iterated as a bare yield; in the queue. */
const ITERATED = 16;
const QUEUED = 32;

/** The result of a bare `yield`, shared: `yield*` hands it to the stepping task, which only reads it. */
const BARE_YIELD: IteratorResult<undefined, never> = Object.freeze({ done: false, value: undefined });

/** A `PassFuture` of more than one pass (a test's wait): not a bare `yield`. */
class MultiPassFuture<T> extends PassFuture<T> {
  private declare _passes: number;

  constructor(loop: EventLoop, value: T, passes: number) {
    super(loop, value);
    this._passes = passes;
  }

  override _bareYield(): boolean {
    return false;
  }

  protected override _passDone(): void {
    if (--this._passes > 0) this._loop._enqueue(this);
    else super._passDone();
  }
}

/** A future that resolves with `value` after `passes` loop passes (default 1). */
export function onePass<T>(loop: EventLoop, value: T, passes = 1): Future<T> {
  if (passes === 1) return new PassFuture(loop, value);
  const fut = new MultiPassFuture(loop, value, passes);
  fut._queue();
  return fut;
}

anchorShapes((loop) => onePass(loop, undefined));
