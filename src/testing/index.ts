/**
 * `tulip/testing`: tools for testing async code — virtual time (`MockClock`), precise control
 * of the loop (`runBriefly`, `waitAllTasksBlocked`), a forced order between tasks (`Sequencer`)
 * and checkpoint assertions (`assertCheckpoints`, `assertNoCheckpoints`), after Trio's
 * `trio.testing`.
 *
 * @module
 */
import type { Future } from '../future.js';
import { onePass } from '../internal/inline.js';
import { checkDelay, describe } from '../internal/validate.js';
import { getRunningLoop } from '../loop/registry.js';

export { MockClock, type MockClockOptions } from './mockclock.js';
export { Sequencer, SequencerTurn } from './sequencer.js';
export { assertCheckpoints, assertNoCheckpoints, type CheckpointBody } from './checkpoints.js';

/**
 * Resolves after `passes` loop passes (default 1), letting every ready callback and task run that
 * many times — CPython's `test_utils.run_briefly`.
 *
 * Cancellation: a checkpoint; cancelling the waiting task loses nothing.
 *
 * @example
 * ```ts
 * fut.addDoneCallback(cb); fut.setResult(1);
 * await runBriefly(); // cb has run
 * ```
 */
export function runBriefly(passes = 1): Future<void> {
  if (typeof passes !== 'number') throw new TypeError(`runBriefly: passes must be a positive integer, got ${describe(passes)}`);
  if (!Number.isInteger(passes) || passes < 1) {
    throw new RangeError(`runBriefly: passes must be a positive integer, got ${describe(passes)}`);
  }
  return onePass(getRunningLoop(), undefined, passes);
}

/**
 * Resolves once every other task is blocked (waiting on something not yet ready) and has been for
 * `cushionMs` real ms — Trio's `wait_all_tasks_blocked`. It takes priority over autojump.
 *
 * Cancellation: a checkpoint; cancelling the waiting task removes the wait.
 *
 * @example
 * ```ts
 * const t = createTask(async () => { await queue.get(); });
 * await waitAllTasksBlocked(); // t is now parked in get()
 * ```
 */
export function waitAllTasksBlocked(cushionMs = 0): Future<void> {
  checkDelay('waitAllTasksBlocked', 'cushionMs', cushionMs);
  const loop = getRunningLoop();
  const fut = loop.createFuture<void>();
  loop._whenAllBlocked(fut, cushionMs);
  return fut;
}
