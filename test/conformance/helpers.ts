// Helpers for tulip's own behaviour ports of CPython's Lib/test/test_asyncio.
// Conventions: milliseconds everywhere; each test runs its own loop with run(); asyncio's
// `async with X as y:` is `await X.run(async (y) => …)` (or `yield* X.run(function* (y) { … })`).
import { expect } from 'vitest';
import {
  CancelledError,
  ExceptionGroup,
  getRunningLoop,
  isCancelledError,
  type Coroutine,
  type EventLoop,
  type ExceptionContext,
  type Future,
} from 'tulip';

/** A delay the test never lets run out. */
export const FOREVER = 1_000_000;

export class ZeroDivisionError extends Error {
  override name = 'ZeroDivisionError';
}
export class ValueError extends Error {
  override name = 'ValueError';
}
export class KeyError extends Error {
  override name = 'KeyError';
}

/** Returns what `fn` throws synchronously; fails the test when it returns. */
export function syncError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
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

/** The constructors of the errors inside an ExceptionGroup. */
export function groupTypes(eg: unknown): unknown[] {
  expect(eg).toBeInstanceOf(ExceptionGroup);
  return (eg as ExceptionGroup).errors.map((e) => (e as object).constructor);
}

/** Records every context passed to the loop's exception handler. */
export function recordExceptions(loop: EventLoop = getRunningLoop()): ExceptionContext[] {
  const seen: ExceptionContext[] = [];
  loop.setExceptionHandler((_loop, ctx) => {
    seen.push(ctx);
  });
  return seen;
}
