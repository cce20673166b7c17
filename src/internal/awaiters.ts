/**
 * The objects that wait on a future for someone: `ThenAwaiter` (behind `await fut` and
 * `fut.then()`), `FutureIterator` (behind `yield* fut`) and `LateWake` (a waiter added after the
 * future finished); and `RestCallbacks`, the callbacks a done future runs after an async awaiter.
 */
import { RuntimeError } from '../errors.js';
import { NO_ERROR, onSuspend, type AwaitingTask, type Entry, type Future, type Waiter } from '../future.js';
import type { Runnable } from '../loop/handle.js';

/** A done future's callbacks after an async awaiter: run as their own entry, next in the pass. */
export class RestCallbacks implements Runnable {
  constructor(
    private readonly fut: Future<unknown>,
    private readonly entries: Entry[],
    private readonly from: number,
  ) {}
  _run(): void {
    this.fut._runEntries(this.entries, this.from);
  }
  _asyncOnly(): boolean {
    return this.entries[this.from] instanceof ThenAwaiter;
  }
}

/** A waiter added after completion: woken from its own queue entry. */
export class LateWake implements Runnable {
  constructor(
    private readonly w: Waiter,
    private readonly fut: Future<unknown>,
  ) {}
  _run(): void {
    this.w._wake(this.fut);
  }
  _asyncOnly(): boolean {
    return this.w instanceof ThenAwaiter;
  }
}

/** A settled promise whose then() schedules a microtask (the settled-future path of then()). */
const SETTLED: Promise<void> = Promise.resolve();

/**
 * `then()` of a done future: the callback is called a microtask later, as a promise's would be,
 * with one promise made, not two (as `Promise.resolve(value).then(…)` would). `error` is NO_ERROR
 * for a finished future (then `value` is its result).
 */
export function settledThen<T, R1, R2>(
  error: unknown,
  value: T,
  onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
  onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
): Promise<R1 | R2> {
  if (error === NO_ERROR) {
    return SETTLED.then(typeof onfulfilled === 'function' ? () => onfulfilled(value) : () => value as unknown as R1);
  }
  return SETTLED.then(() => {
    if (typeof onrejected !== 'function') throw error;
    return onrejected(error);
  }) as Promise<R1 | R2>;
}

const RESULT_UNDEFINED: IteratorResult<never, undefined> = Object.freeze({ done: true, value: undefined });
const RESULT_TRUE: IteratorResult<never, true> = Object.freeze({ done: true, value: true });

/**
 * @internal The final result of a `yield*` iterator: shared frozen objects for `undefined` and
 * `true` (`sleep(0)`, `acquire()`), which `yield*` only reads.
 */
export function doneResult<T>(value: T): IteratorResult<never, T> {
  if (value === undefined) return RESULT_UNDEFINED as IteratorResult<never, T>;
  if (value === true) return RESULT_TRUE as IteratorResult<never, T>;
  return { done: true, value };
}

/** @internal A `yield*` iterator resumed while its future is still pending (asyncio's check). */
export function resumedPending(f: Future<unknown>): RuntimeError {
  return new RuntimeError(`resumed while ${String(f)} is still pending (await wasn't used with future)`);
}

/**
 * The iterator behind `yield* fut` when the future is not its own (a second `yield*` of it, see
 * `Future._iterator`): one small object instead of a generator per wait. It yields the future
 * while it is pending and returns its result (or throws its error) once done.
 */
export class FutureIterator<T> {
  private yielded = false;
  constructor(private readonly fut: Future<T>) {}

  next(): IteratorResult<Future<T>, T> {
    const f = this.fut;
    if (f._state === 0 /* pending */) {
      if (this.yielded) throw resumedPending(f);
      this.yielded = true;
      if (onSuspend !== null) onSuspend();
      return { done: false, value: f };
    }
    return doneResult(f.result());
  }

  throw(e: unknown): IteratorResult<Future<T>, T> {
    throw e;
  }

  return(value: T): IteratorResult<Future<T>, T> {
    return { done: true, value };
  }

  [Symbol.iterator](): this {
    return this;
  }
}

/**
 * The iterator of `yield* fut` for a future already finished with a constant (`undefined`,
 * `true`): shared, as it has no state — the fast paths of the primitives return such futures.
 */
class ConstIterator<T> {
  private readonly result: IteratorResult<never, T>;
  constructor(value: T) {
    this.result = Object.freeze({ done: true, value });
  }
  next(): IteratorResult<never, T> {
    return this.result;
  }
  throw(e: unknown): never {
    throw e;
  }
  return(value: T): IteratorResult<never, T> {
    return { done: true, value };
  }
  [Symbol.iterator](): this {
    return this;
  }
}

/** @internal */
export const DONE_UNDEFINED = new ConstIterator<undefined>(undefined);
/** @internal */
export const DONE_TRUE = new ConstIterator<true>(true);

/** The resolvers of the promise chained on a `ThenAwaiter` before it settled. */
interface ChainLink {
  resolve(v: unknown): void;
  reject(e: unknown): void;
}

/** `ThenAwaiter.result` before it settled. */
const UNSETTLED: unique symbol = Symbol('unsettled');

/**
 * The awaiter behind `fut.then(…)`, settled from a loop pass. It is also what `then()` returns: a
 * thenable whose real promise is made only when someone chains on it — or when it fails, so that
 * an unhandled failure still reaches Node's unhandled-rejection report.
 */
export class ThenAwaiter<T, R> implements Waiter, PromiseLike<R> {
  // Declared and assigned in the constructor, as every future's fields (test/shapes.test.ts). One
  // is made per `await` of a pending future, so the rare chaining state shares one field (`link`)
  // and "settled" is a sentinel of `result`.
  private declare readonly fut: Future<T>;
  private declare readonly onOk: ((value: T) => unknown) | null | undefined;
  private declare readonly onErr: ((reason: unknown) => unknown) | null | undefined;
  private declare readonly task: AwaitingTask | undefined;
  /**
   * A weak await (`waitFor` of a promise whose async function runs in this task): its end is
   * the end of that function's code, not a wait, so a cancel due meanwhile waits for the next.
   */
  private declare readonly keep: boolean;
  /** The promise someone chained on (or the failure's, for Node's unhandled-rejection report). */
  private declare chain: Promise<R> | null;
  /** The resolvers of `chain` while it waits for this awaiter. */
  private declare link: ChainLink | null;
  /** What the callback returned, once settled; UNSETTLED before. */
  private declare result: unknown;

  constructor(
    fut: Future<T>,
    onOk: ((value: T) => unknown) | null | undefined,
    onErr: ((reason: unknown) => unknown) | null | undefined,
    task: AwaitingTask | undefined,
    keep = false,
  ) {
    this.fut = fut;
    this.onOk = onOk;
    this.onErr = onErr;
    this.task = task;
    this.keep = keep;
    this.chain = null;
    this.link = null;
    this.result = UNSETTLED;
  }

  /** @internal The async task this awaiter resumes, if any (the await graph). */
  _awaitingTask(): AwaitingTask | undefined {
    return this.task;
  }

  /** Instruments: the awaiting task became runnable. */
  _scheduled(): void {
    this.task?._scheduled();
  }

  /** The awaiting task's cancel request not delivered yet, or null. */
  _pendingCancel(): unknown {
    return this.task === undefined ? null : this.task._pendingCancel();
  }

  _wake(): void {
    const fut = this.fut;
    const loop = fut._loop;
    this.task?._resuming();
    // An async continuation will run: the loop lets it run before the next non-async entry,
    // and lets its promise chains settle before the next pass.
    loop._yieldMicro = true;
    loop._asyncFlag = true;
    let error = this.task === undefined ? NO_ERROR : this.task._thenSettling(fut, this.keep);
    if (error === NO_ERROR) error = fut._awaiterError();
    try {
      if (error === NO_ERROR) this.succeed(this.onOk ? this.onOk(fut._value as T) : fut._value);
      else if (this.onErr) this.succeed(this.onErr(error));
      else this.fail(error);
    } catch (e) {
      this.fail(e);
    }
  }

  then<R1 = R, R2 = never>(
    onfulfilled?: ((value: R) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    if (this.chain === null) {
      if (this.result !== UNSETTLED) this.chain = Promise.resolve(this.result) as Promise<R>;
      else {
        this.chain = new Promise<R>((resolve, reject) => {
          this.link = { resolve: resolve as (v: unknown) => void, reject };
        });
      }
    }
    return this.chain.then(onfulfilled, onrejected);
  }

  catch<R2 = never>(onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null): Promise<R | R2> {
    return this.then(undefined, onrejected);
  }

  get [Symbol.toStringTag](): string {
    return 'Promise';
  }

  finally(onfinally?: (() => void) | null): Promise<R> {
    return this.then().finally(onfinally);
  }

  private succeed(v: unknown): void {
    if (this.link !== null) this.link.resolve(v);
    else if (this.chain === null && v !== null && typeof v === 'object' && typeof (v as PromiseLike<unknown>).then === 'function') {
      this.chain = Promise.resolve(v) as Promise<R>; // a returned promise may reject: keep it tracked
    }
    this.result = v;
  }

  private fail(e: unknown): void {
    if (this.link !== null) this.link.reject(e);
    else this.chain = Promise.reject(e); // unchained: Node reports it as an unhandled rejection
    this.result = undefined;
  }

  /** @internal Only async continuations behind it: the loop need not yield to microtasks first. */
  _asyncOnly(): boolean {
    return true;
  }

  toString(): string {
    return `<awaiter of ${String(this.fut)}>`;
  }
}

