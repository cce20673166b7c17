/**
 * `staggeredRace` — asyncio's `staggered_race` (the engine of Happy Eyeballs), for hedged calls:
 * attempts start one after another, each when the previous one failed or after a delay, and the
 * first to succeed wins; the others are cancelled.
 */
import { CancelledError, ExceptionGroup, TimeoutError } from './errors.js';
import { Future } from './future.js';
import { InlineFuture, callBody, type Mode } from './internal/inline.js';
import { checkDeadline, describe } from './internal/validate.js';
import { getRunningLoop } from './loop/registry.js';
import { Task, createTask, currentTask, type Awaitable, type Coroutine } from './task.js';
import { waitFor } from './timeouts.js';

/** Attempts run in generator tasks of the race's own. */
const GENERATOR: Mode = 'generator';

/**
 * What `staggeredRace` resolves with (asyncio's tuple): the winner's result and index — `null`
 * and `null` when no attempt succeeded — and, for every attempt started, its error (a
 * `CancelledError` for one cancelled because another won), or `null` if it did not fail.
 */
export type StaggeredResult<T> = [result: T | null, index: number | null, errors: unknown[]];

/** One attempt: a function returning what to wait for (a promise, a generator, a Future…). */
export type Attempt<T> = () => Awaitable<T> | T;

/**
 * "This attempt failed" (asyncio's `this_failed` Event): set once; waiting on it when it is set
 * takes no pass, and setting it resumes the waiters in the next pass.
 */
class Failed {
  private isSet = false;
  private waiters: Future<void>[] = [];

  set(): void {
    this.isSet = true;
    for (const w of this.waiters) if (!w.done()) w.setResult(undefined);
    this.waiters = [];
  }

  /** A future of the waiter's own (its cancel or timeout leaves the flag alone), or null once set. */
  waiter(): Future<void> | null {
    if (this.isSet) return null;
    const w = new Future<void>();
    this.waiters.push(w);
    return w;
  }
}

function* waitOn(w: Future<void>): Coroutine<void> {
  yield* w;
}

/** The shared state of one race (asyncio's closure variables). */
class Race<T> {
  winnerResult: T | null = null;
  winnerIndex: number | null = null;
  /** Errors that escaped an attempt's own handling (tulip's bugs, not the attempts' failures). */
  readonly unhandled: unknown[] = [];
  readonly errors: unknown[] = [];
  readonly running = new Set<Task<void>>();
  /** Resolved once no attempt runs, while the race waits for that. */
  onEmpty: Future<void> | null = null;
  /** The index of the next attempt to start. */
  next = 0;
  /** Set once the iterable ran out. */
  exhausted = false;

  constructor(
    /** Pulled one attempt at a time, as each starts (asyncio's `next(enum_coro_fns)`). */
    readonly attempts: Iterator<Attempt<T>>,
    readonly delayMs: number | null,
  ) {}

  /** Starts the next attempt (if any) as a task, once the previous one failed or the delay passed. */
  start(previousFailed: Failed | null): void {
    const okToStart = new Future<void>();
    const task = createTask(this.runOne(okToStart, previousFailed));
    this.running.add(task);
    task._addCallback(this.taskDone);
    // Only now may it run: an eager task must not end before it is in `running`.
    okToStart.setResult(undefined);
  }

  readonly taskDone = (task: Future<void>): void => {
    this.running.delete(task as Task<void>);
    if (this.onEmpty !== null && !this.onEmpty.done() && this.running.size === 0) this.onEmpty.setResult(undefined);
    if (task.cancelled()) return;
    const e = task.exception();
    if (e !== undefined) this.unhandled.push(e);
  };

  private *runOne(okToStart: Future<void>, previousFailed: Failed | null): Coroutine<void> {
    yield* okToStart;
    // asyncio: `wait_for(previous_failed.wait(), delay)`, its TimeoutError suppressed (a delay of
    // 0 wraps that coroutine in a task, which it cancels before its first step).
    const w = previousFailed?.waiter() ?? null;
    if (w !== null) {
      try {
        yield* waitFor(this.delayMs === 0 ? new Task(waitOn(w), { hidden: true }) : w, this.delayMs);
      } catch (e) {
        if (!(e instanceof TimeoutError)) throw e;
      }
    }
    if (this.exhausted) return;
    const item = this.attempts.next();
    if (item.done === true) {
      this.exhausted = true;
      return;
    }
    const attempt = item.value;
    const index = this.next++;
    const failed = new Failed();
    this.start(failed);
    this.errors.push(null);
    let result: T;
    try {
      if (typeof attempt !== 'function') {
        throw new TypeError(`staggeredRace: attempt ${index} must be a function, got ${describe(attempt)}`);
      }
      result = (yield* callBody(attempt, undefined, GENERATOR)) as T;
    } catch (e) {
      this.errors[index] = e;
      failed.set(); // the next attempt starts now
      return;
    }
    this.winnerIndex = index;
    this.winnerResult = result;
    // Cancel the others (not this one, which ends here without another wait).
    const me = currentTask();
    for (const t of this.running) if (t !== me) t.cancel();
  }
}

/**
 * Runs `attempts` with staggered starts and takes the first to succeed (asyncio's
 * `staggered_race`): the first starts at once; each next one starts when the one before it fails
 * or after `delayMs` (null: only after a failure, one at a time), whichever comes first. The first
 * to return wins and the others are cancelled; the race waits for every attempt to finish.
 * Resolves with `[result, index, errors]` (see `StaggeredResult`); when every attempt failed,
 * `index` is null and `errors` holds why. Attempts should fail by throwing, and rethrow a
 * `CancelledError` they catch. `attempts` is read one attempt at a time, as each starts (an endless
 * generator is fine; it is closed when the race ends); an array is checked up front. A negative
 * delay counts as 0.
 *
 * Cancellation: a checkpoint. Cancelling the waiting task cancels every running attempt (with the
 * same message), waits for them to finish, then raises the `CancelledError`.
 *
 * @example
 * ```ts
 * // Hedged request: ask a second replica if the first has not answered within 50 ms.
 * const [body, i] = await staggeredRace([() => get(replicaA), () => get(replicaB)], 50);
 * ```
 */
export function staggeredRace<T>(attempts: Iterable<Attempt<T>>, delayMs: number | null): Future<StaggeredResult<T>> {
  if (attempts === null || typeof (attempts as Iterable<unknown>)?.[Symbol.iterator] !== 'function') {
    throw new TypeError(`staggeredRace: attempts must be an iterable of functions, got ${describe(attempts)}`);
  }
  if (Array.isArray(attempts)) {
    attempts.forEach((f, i) => {
      if (typeof f !== 'function') throw new TypeError(`staggeredRace: attempts[${i}] must be a function, got ${describe(f)}`);
    });
  }
  let delay = checkDeadline('staggeredRace', 'delayMs', delayMs);
  // asyncio: wait_for(previous_failed.wait(), delay) with delay <= 0 starts the next one at once.
  if (delay !== null && delay < 0) delay = 0;
  return new InlineFuture(getRunningLoop(), () => race(new Race(attempts[Symbol.iterator](), delay)), 'staggeredRace()');
}

function* race<T>(r: Race<T>): Coroutine<StaggeredResult<T>> {
  let cancelled: CancelledError | null = null;
  r.start(null);
  while (r.running.size > 0) {
    r.onEmpty = new Future<void>();
    try {
      yield* r.onEmpty;
    } catch (e) {
      if (!(e instanceof CancelledError)) throw e;
      cancelled = e;
      for (const t of r.running) t.cancel(e.message);
    }
    r.onEmpty = null;
  }
  if (!r.exhausted) r.attempts.return?.();
  if (r.unhandled.length > 0) throw new ExceptionGroup(r.unhandled, 'staggered race failed');
  if (cancelled !== null) throw cancelled;
  return [r.winnerResult, r.winnerIndex, r.errors];
}
