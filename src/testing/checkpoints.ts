/**
 * Trio's `assert_checkpoints()` / `assert_no_checkpoints()`: test that a block of code does (or
 * does not) suspend the calling task — i.e. gives the loop a chance to run other tasks and to
 * deliver a cancellation.
 *
 * A checkpoint, in tulip, is a wait on a tulip future that suspends the task: `await`/`yield*` of
 * a pending future, `sleep(0)`, a blocked `lock.acquire()` … An `await` of a future that is already
 * done does not suspend, and neither does the `await` of a foreign promise (the task does not
 * give the loop a pass at it). They are counted with an instrument (`beforeTaskStep` of the
 * calling task) installed only while the body runs.
 */
import { AssertionError } from 'node:assert';
import { RuntimeError } from '../errors.js';
import type { Future } from '../future.js';
import { InlineFuture, callBody, type Mode } from '../internal/inline.js';
import { describe } from '../internal/validate.js';
import type { Instrument } from '../loop/instruments.js';
import { getRunningLoop } from '../loop/registry.js';
import { type Coroutine, type Task } from '../task.js';
import { current } from '../internal/context.js';

/**
 * A body of `assertCheckpoints` / `assertNoCheckpoints`: no argument; it returns a generator, a
 * promise or a value, and runs inside the calling task.
 *
 * Cancellation: the body's waits are checkpoints as usual.
 *
 * @example
 * ```ts
 * const body: CheckpointBody<number> = async () => (await sleep(0), 1);
 * ```
 */
export type CheckpointBody<T> = () => Coroutine<T> | PromiseLike<T> | T;

/**
 * Runs `body` inside the calling task and fails with node's `AssertionError` if it returned
 * without suspending the task even once (Trio's `assert_checkpoints`). An error thrown by the
 * body propagates unchecked. Resolves to the body's result.
 *
 * Cancellation: the body's waits are checkpoints as usual; the assertion adds none, and a
 * cancellation propagates unchanged.
 *
 * @example
 * ```ts
 * await assertCheckpoints(async () => { await sleep(0); });          // passes
 * yield* assertCheckpoints(function* () { yield* lock.acquire(); }); // fails if the lock was free
 * ```
 */
export function assertCheckpoints<T>(body: CheckpointBody<T>): Future<T> {
  return checked('assertCheckpoints', body, true);
}

/**
 * Runs `body` inside the calling task and fails with node's `AssertionError` if it suspended the
 * task at all (Trio's `assert_no_checkpoints`) — also when the body throws, as in Trio. Resolves
 * to the body's result.
 *
 * Cancellation: a body without checkpoints cannot be cancelled midway; if it does suspend and is
 * cancelled there, the `AssertionError` replaces the `CancelledError` (the test failed anyway).
 *
 * @example
 * ```ts
 * await assertNoCheckpoints(() => { queue.putNowait(1); });       // passes
 * await assertNoCheckpoints(async () => { await sleep(0); });     // AssertionError
 * ```
 */
export function assertNoCheckpoints<T>(body: CheckpointBody<T>): Future<T> {
  return checked('assertNoCheckpoints', body, false);
}

function checked<T>(op: string, body: CheckpointBody<T>, expected: boolean): Future<T> {
  if (typeof body !== 'function') throw new TypeError(`${op}: body must be a function, got ${describe(body)}`);
  return new InlineFuture<T>(getRunningLoop(), (mode) => counting(op, body, expected, mode), `${op}()`);
}

function* counting<T>(op: string, body: CheckpointBody<T>, expected: boolean, mode: Mode): Coroutine<T> {
  const task = current() as Task<unknown> | undefined;
  if (task === undefined) throw new RuntimeError(`${op}: must run inside a task`);
  const loop = task.getLoop();
  let resumed = 0;
  const counter: Instrument = {
    beforeTaskStep(t) {
      if (t === task) resumed++;
    },
  };
  loop.addInstrument(counter);
  let result: T;
  try {
    result = yield* callBody(body, undefined, mode);
  } finally {
    if (loop._instruments?.includes(counter)) loop.removeInstrument(counter);
    if (!expected && resumed > 0) {
      // eslint-disable-next-line no-unsafe-finally
      throw new AssertionError({
        message: `${op}: the body suspended the task ${resumed} time${resumed === 1 ? '' : 's'} (expected no checkpoint)`,
      });
    }
  }
  if (expected && resumed === 0) {
    throw new AssertionError({ message: `${op}: the body did not suspend the task (expected at least one checkpoint)` });
  }
  return result;
}
