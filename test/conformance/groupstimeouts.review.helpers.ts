// Shared helpers of the groupstimeouts.review.*.test.ts files: an adversarial review of TaskGroup ×
// timeout × cancellation interplay against CPython 3.13 asyncio (Lib/asyncio/taskgroups.py,
// timeouts.py, tasks.py). CPython's own test_taskgroups.py and test_timeouts.py are ported elsewhere
// (taskgroups*.ts, timeouts*.ts); the scenarios of the review combine the pieces. Every expectation
// was checked with the pure-Python 3.13 asyncio: the pass counts ("ticks") come from `ticker` below,
// a callSoon chain started as the same `loop.call_soon` chain in the Python probe; scenarios with
// timers run on virtual time and log the loop's clock instead. Where a test passes the test's log to
// ticker(), every exception handler call lands in the log too (asyncio made none in any of these
// scenarios, except the one test that expects a report).
import { ExceptionGroup, currentTask, getRunningLoop } from 'tulip';
import { passCounter } from './helpers.js';

/** The test's own error. */
export class Boom extends Error {
  override name = 'Boom';
}
/** The test's other own error. */
export class Bang extends Error {
  override name = 'Bang';
}

/**
 * Counts loop passes: a callSoon chain, as `loop.call_soon(tickf)` in the Python probes. Given the
 * test's log, it also logs every call of the exception handler there (no probe had any).
 */
export function ticker(log?: unknown[]): () => number {
  const loop = getRunningLoop();
  if (log !== undefined) loop.setExceptionHandler((_l, ctx) => log.push(['HANDLER', ctx.message]));
  return passCounter(loop);
}

/**
 * The shape of an error, as the probes print it: `['ExceptionGroup', ...members]` for a group,
 * `Boom(msg)` / `Bang(msg)` for the test's own errors, and the class name for the others.
 */
export function shape(e: unknown): unknown {
  if (e instanceof ExceptionGroup) return ['ExceptionGroup', ...e.errors.map(shape)];
  if (e instanceof Boom || e instanceof Bang) return `${e.name}(${e.message})`;
  return (e as Error).name;
}

/** `currentTask()!.cancelling()`. */
export const cancelling = (): number => currentTask()!.cancelling();
