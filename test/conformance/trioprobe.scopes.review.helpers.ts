// Helpers shared by the parts of the cancel scope and TaskGroup.start review against Trio 0.22 and
// CPython 3.13 asyncio (trioprobe.scopes.review.*.test.ts).
import type { Coroutine } from 'tulip';
import type { Style } from './helpers.js';

/** The generator or the async-function version of a body (of a task, a scope or a start()), by style. */
export function pick<A extends unknown[], R>(
  style: Style,
  gen: (...args: A) => Coroutine<R>,
  asy: (...args: A) => Promise<R>,
): (...args: A) => Coroutine<R> | Promise<R> {
  return style === 'generator' ? gen : asy;
}
