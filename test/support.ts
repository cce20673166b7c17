// Shared helpers of the test suite: one place per helper. The unit tests import them from here;
// the conformance ports get them (with their own extras) through test/conformance/helpers.ts.
import { expect } from 'vitest';
import {
  CancelledError,
  getRunningLoop,
  isCancelledError,
  run,
  sleep,
  type Coroutine,
  type EventLoop,
  type ExceptionContext,
  type Future,
  type TaskBody,
} from 'tulip';
import { MockClock } from 'tulip/testing';

// ---- coroutine styles -------------------------------------------------------------------------

/** The two ways to write a task body: a generator (`yield*`) or an async function (`await`). */
export type Style = 'generator' | 'async';
export const STYLES: readonly Style[] = ['generator', 'async'];

/** Picks the generator-style or the async-style body of a task. */
export function styled<R>(style: Style, gen: () => Coroutine<R>, asy: () => Promise<R>): TaskBody<R> {
  return style === 'generator' ? gen : asy;
}

/** A task body in `style` that waits for the future `wait()` returns and returns its result. */
export function waiting<T>(style: Style, wait: () => Future<T>): TaskBody<T> {
  return styled(
    style,
    function* () {
      return yield* wait();
    },
    async () => wait(),
  );
}

// ---- loops and time ---------------------------------------------------------------------------

/** A virtual clock that jumps to the next timer whenever every task is blocked. */
export const virtualClock = (): MockClock => new MockClock({ autojumpThreshold: 0 });

/** Runs `main` on a fresh loop with virtual time (`virtualClock()` unless given): long sleeps cost nothing. */
export function runVirtual<T>(main: TaskBody<T>, clock: MockClock = virtualClock()): Promise<T> {
  return run(main, { clock });
}

/** Lets `n` loop passes go by (each `sleep(0)` is exactly one pass). */
export async function passes(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await sleep(0);
}

/** Generator-style `passes`. */
export function* passesG(n: number): Coroutine<void> {
  for (let i = 0; i < n; i++) yield* sleep(0);
}

/** Spins the CPU for `ms` milliseconds of real time, blocking the loop. */
export function busyWait(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // spin
  }
}

/** A new pending future of the running loop. */
export const newFuture = <T = unknown>(): Future<T> => getRunningLoop().createFuture<T>();

// ---- errors -----------------------------------------------------------------------------------

/** Returns what `fn` throws synchronously; fails the test when it returns. */
export function syncError(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a synchronous throw, but the call returned');
}

/** Awaits `aw` and returns its error; fails the test when it resolves. */
export async function rejection(aw: PromiseLike<unknown>): Promise<unknown> {
  try {
    await aw;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection, but the awaitable resolved');
}

/** Generator-style `rejection`: `const e = yield* rejectionG(fut)`. */
export function* rejectionG(aw: Future<unknown> | Coroutine<unknown>): Coroutine<unknown> {
  try {
    yield* aw;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection, but the awaitable resolved');
}

/** Asserts `e` is a CancelledError, optionally carrying `message`. */
export function assertCancelled(e: unknown, message?: string): void {
  expect(isCancelledError(e), `expected CancelledError, got ${String(e)}`).toBe(true);
  expect(e).toBeInstanceOf(CancelledError);
  if (message !== undefined) expect((e as Error).message).toBe(message);
}

/** Returns the error of `fn`, thrown synchronously or through the awaitable it returns. */
export async function errorOf(fn: () => unknown): Promise<Error> {
  try {
    await fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error, but none was raised');
}

// ---- the exception handler --------------------------------------------------------------------

/**
 * Records the contexts passed to the loop's exception handler. The loop monitor's reports of a
 * blocked loop or a slow step (contexts with `durationMs`) measure real time, so a machine busy
 * with other test files produces them at random: they are left out unless `slow` is true (the
 * tests of the monitor and of debug mode ask for them).
 */
export function recordExceptions(loop: EventLoop = getRunningLoop(), slow = false): ExceptionContext[] {
  const seen: ExceptionContext[] = [];
  loop.setExceptionHandler((_loop, ctx) => {
    if (slow || ctx.durationMs === undefined) seen.push(ctx);
  });
  return seen;
}

/** The reports about futures or tasks whose exception nobody retrieved. */
export const neverRetrieved = (seen: ExceptionContext[]): ExceptionContext[] =>
  seen.filter((c) => /exception was never retrieved/.test(c.message));

/**
 * Runs the garbage collector a few times, giving FinalizationRegistry callbacks their turns (the
 * "never retrieved" reports of plain futures, "never awaited" reports). Needs `--expose-gc`.
 */
export async function collectGarbage(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('this test needs node --expose-gc (see vitest.config.ts)');
  for (let round = 0; round < 5; round++) {
    gc();
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** A tiny deterministic PRNG (an LCG) in [0, 1), so a failure is reproducible from its seed. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
