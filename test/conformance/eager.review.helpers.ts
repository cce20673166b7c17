// Shared helpers of the eager.review.*.test.ts files: an adversarial review of eager tasks
// (asyncio 3.12's eager_task_factory; 3.14's create_task(eager_start=True)) against CPython 3.13
// asyncio (Lib/asyncio/tasks.py, taskgroups.py, timeouts.py, base_events.py). test_eager_task_factory.py
// is ported elsewhere (eager.test.ts, eagerfactory.test.ts, eager.reruns.test.ts); the review's
// scenarios combine eager tasks with the rest of the library. Every expectation was checked with the
// pure-Python 3.13 asyncio, its loop's task factory set to `asyncio.eager_task_factory` (tulip:
// `eagerTaskFactory`). Pass counts ("ticks") come from `ticker` below, a callSoon chain started as the
// same `loop.call_soon` chain in the Python probe; every call of the exception handler lands in the
// test's log (asyncio made none in these scenarios unless a test says so).
//
// JavaScript's limit: an async function's body cannot finish inside the call that starts it — the
// promise it returns settles in a microtask, so an async task whose eager step returns or throws
// without awaiting is not done when createTask returns (it is done before the next loop pass).
// Where only that makes tulip differ from asyncio, the check is made for generator bodies only,
// with a note on what async bodies do.
import {
  CancelledError,
  createTask,
  eagerTaskFactory,
  getRunningLoop,
  run,
  sleep,
  type Coroutine,
  type Future,
  type TaskBody,
} from 'tulip';
import { ValueError, passCounter, styled, type Style } from './helpers.js';

/**
 * Counts loop passes: a callSoon chain, as `loop.call_soon(tickf)` in the Python probes. Given the
 * test's log, it also logs every call of the exception handler there.
 */
export function ticker(log?: unknown[]): () => number {
  const loop = getRunningLoop();
  if (log !== undefined) {
    loop.setExceptionHandler((_l, ctx) => log.push(['HANDLER', ctx.message, (ctx.exception as Error | undefined)?.message]));
  }
  return passCounter(loop);
}

/** Runs `main` on a loop whose task factory is `eagerTaskFactory` (main itself starts as usual). */
export function runEager<T>(main: TaskBody<T>): Promise<T> {
  return run(function* () {
    getRunningLoop().setTaskFactory(eagerTaskFactory);
    return yield* createTask(main, { eagerStart: false });
  });
}

/** One loop pass (`await asyncio.sleep(0)`) in a script. */
export const PASS = Symbol('one pass');

/** A step of a script: run a function, let one pass go by, or wait for an awaitable. */
export type Op = (() => unknown) | typeof PASS | { wait: () => Future<unknown> };

/**
 * A task body in `style` that runs `ops` in order and returns `result()`; a CancelledError on the
 * way goes to `onCancel` (then on up).
 */
export function script<T = undefined>(
  style: Style,
  ops: Op[],
  opts: { result?: () => T; onCancel?: (e: CancelledError) => void } = {},
): TaskBody<T> {
  const note = (e: unknown): void => {
    if (e instanceof CancelledError) opts.onCancel?.(e);
  };
  return styled(
    style,
    function* () {
      try {
        for (const op of ops) {
          if (op === PASS) yield* sleep(0);
          else if (typeof op === 'function') op();
          else yield* op.wait();
        }
        return opts.result?.() as T;
      } catch (e) {
        note(e);
        throw e;
      }
    },
    async () => {
      try {
        for (const op of ops) {
          if (op === PASS) await sleep(0);
          else if (typeof op === 'function') op();
          else await op.wait();
        }
        return opts.result?.() as T;
      } catch (e) {
        note(e);
        throw e;
      }
    },
  );
}

/** A generator coroutine returning `v` at once (asyncio: `async def ret(v): return v`). */
export function* ret<T>(v: T): Coroutine<T> {
  return v;
}

/** A generator coroutine raising ValueError(v) at once. */
// eslint-disable-next-line require-yield
export function* fail(v: string): Coroutine<never> {
  throw new ValueError(v);
}

/** A generator coroutine returning `v` after one pass. */
export function* slow<T>(v: T): Coroutine<T> {
  yield* sleep(0);
  return v;
}
