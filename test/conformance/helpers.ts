// Helpers for tulip's own behaviour ports of CPython's Lib/test/test_asyncio.
// Conventions: milliseconds everywhere; each test runs its own loop with run(); asyncio's
// `async with X as y:` is `await X.run(async (y) => …)` (or `yield* X.run(function* (y) { … })`).
import { expect } from 'vitest';
import { ExceptionGroup, getRunningLoop, newEventLoop, type Coroutine, type EventLoop } from 'tulip';

// The generic helpers (styles, virtual time, passes, syncError/rejection/errorOf,
// assertCancelled, recording the exception handler) live in test/support.ts, shared with the unit tests.
export * from '../support.js';

/** A delay the test never lets run out. */
export const FOREVER = 1_000_000;

/** One hour, in milliseconds. */
export const HOUR = 3_600_000;

/** The running loop's clock, in milliseconds (exact on virtual time). */
export const now = (): number => getRunningLoop().time();

export class ZeroDivisionError extends Error {
  override name = 'ZeroDivisionError';
}
export class ValueError extends Error {
  override name = 'ValueError';
}
export class KeyError extends Error {
  override name = 'KeyError';
}

/** The constructors of the errors inside an ExceptionGroup. */
export function groupTypes(eg: unknown): unknown[] {
  expect(eg).toBeInstanceOf(ExceptionGroup);
  return (eg as ExceptionGroup).errors.map((e) => (e as object).constructor);
}

/**
 * run() without the shutdown: a failed assertion in these tests leaves waiters that need a lock a
 * finished task still holds (as in asyncio), and run()'s shutdown would wait for them forever.
 */
export async function runNoShutdown<T>(main: () => Promise<T> | Coroutine<T>): Promise<T> {
  const loop = newEventLoop();
  const r = await loop.runUntilComplete(main);
  loop.close();
  return r;
}

/** Counts loop passes: a callSoon chain, as `loop.call_soon(tick)` in the reviews' Python probes. */
export function passCounter(loop: EventLoop = getRunningLoop()): () => number {
  let tick = 0;
  const f = (): void => {
    tick++;
    loop.callSoon(f);
  };
  loop.callSoon(f);
  return () => tick;
}
