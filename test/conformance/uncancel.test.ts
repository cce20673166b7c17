// Behaviour ports of CPython 3.13 Lib/test/test_asyncio/test_tasks.py: cancelling() and
// uncancel(), a cancel racing with the result of the awaited future, cancel() of a finished task,
// the task's AbortSignal, and a hand-made timeout built on uncancel() (how a cancel reaches a task
// is in cancellation.test.ts). Every cancellation behaviour runs in both coroutine styles:
// generator bodies (`yield*`) and async-function bodies (`await`). Tests already in the shared
// conformance suite (/work/shared/conformance/tasks*.test.ts) are not repeated here.
import { describe, it, expect } from 'vitest';
import {
  TimeoutError,
  createTask,
  currentTask,
  isCancelledError,
  run,
  sleep,
  wait,
  type Coroutine,
  type TaskBody,
} from 'tulip';
import { waitAllTasksBlocked } from 'tulip/testing';
import {
  FOREVER,
  STYLES,
  ValueError,
  ZeroDivisionError,
  assertCancelled,
  newFuture,
  passes,
  recordExceptions,
  rejection,
  runVirtual,
  styled,
} from './helpers.js';

// ---- cancellation: cancelling(), uncancel(), cancel races and the task's signal ---------------

describe.each(STYLES)('cancellation (%s style)', (style) => {
  // ports test_tasks.py::BaseTaskTests.test_cancelling (two requests, one delivery)
  it('two cancel() calls before the task resumes count 2 but throw in only one CancelledError', () =>
    run(async () => {
      let caught = 0;
      let countInside = -1;
      const t = createTask(
        styled(
          style,
          function* () {
            try {
              yield* sleep(FOREVER);
            } catch (e) {
              if (!isCancelledError(e)) throw e;
              caught += 1;
              countInside = currentTask()!.cancelling();
            }
            yield* sleep(0); // no second CancelledError here
            return 'survived';
          },
          async () => {
            try {
              await sleep(FOREVER);
            } catch (e) {
              if (!isCancelledError(e)) throw e;
              caught += 1;
              countInside = currentTask()!.cancelling();
            }
            await sleep(0);
            return 'survived';
          },
        ),
      );
      await waitAllTasksBlocked();
      expect(t.cancel()).toBe(true);
      expect(t.cancel()).toBe(true);
      expect(t.cancelling()).toBe(2);
      expect(await t).toBe('survived');
      expect(caught).toBe(1);
      expect(countInside).toBe(2);
      expect(t.cancelled()).toBe(false);
    }));

  // ports test_tasks.py::BaseTaskTests.test_uncancel_basic
  it('uncancel() after a caught cancel lets the task wait again; a second cancel ends it', () =>
    run(async () => {
      const t = createTask(
        styled(
          style,
          function* () {
            try {
              yield* sleep(FOREVER);
            } catch (e) {
              if (!isCancelledError(e)) throw e;
              currentTask()!.uncancel();
              yield* sleep(FOREVER);
            }
          },
          async () => {
            try {
              await sleep(FOREVER);
            } catch (e) {
              if (!isCancelledError(e)) throw e;
              currentTask()!.uncancel();
              await sleep(FOREVER);
            }
          },
        ),
      );
      await waitAllTasksBlocked();
      expect(t.cancel()).toBe(true); // cancel the first sleep
      expect(t.cancelling()).toBe(1);
      expect(t.cancelled()).toBe(false);
      await waitAllTasksBlocked();
      expect(t.cancelling()).toBe(0); // after uncancel()
      expect(t.done()).toBe(false);
      expect(t.cancel()).toBe(true); // cancel the second sleep
      expect(t.cancelling()).toBe(1);
      assertCancelled(await rejection(t));
      expect(t.cancelled()).toBe(true);
      t.uncancel(); // no effect on a finished task
      expect(t.cancelled()).toBe(true);
      expect(t.done()).toBe(true);
    }));

  // ports test_tasks.py::BaseTaskTests.test_uncancel_resets_must_cancel
  it('uncancel() back to 0 withdraws a cancel that was not delivered yet', () =>
    run(async () => {
      const fut = newFuture<void>();
      const t = createTask(
        styled(
          style,
          function* () {
            yield* fut;
            return 42;
          },
          async () => {
            await fut;
            return 42;
          },
        ),
      );
      await waitAllTasksBlocked(); // t waits for fut
      fut.setResult(); // t is runnable but has not resumed
      expect(t.cancel()).toBe(true);
      expect(t.cancelling()).toBe(1);
      expect(t.uncancel()).toBe(0);
      expect(t.cancelling()).toBe(0);
      expect(await t).toBe(42);
      expect(t.cancelled()).toBe(false);
    }));

  // ports test_tasks.py::BaseTaskTests.test_uncancel_resets_must_cancel (without the uncancel)
  it('a cancel after the awaited future got its result but before the task resumed wins', () =>
    run(async () => {
      const fut = newFuture<number>();
      let got: number | undefined;
      const t = createTask(
        styled(
          style,
          function* () {
            got = yield* fut;
            return got;
          },
          async () => {
            got = await fut;
            return got;
          },
        ),
      );
      await waitAllTasksBlocked();
      fut.setResult(7);
      expect(t.cancel('late')).toBe(true);
      assertCancelled(await rejection(t), 'late');
      expect(got).toBeUndefined();
      expect(fut.cancelled()).toBe(false);
    }));

  // ports test_tasks.py::BaseTaskTests.test_cancel_inner_future (race variant; DESIGN.md §4)
  it('the failure of an awaited task lost to a later cancel of its awaiter reaches the exception handler', () =>
    run(async () => {
      const seen = recordExceptions();
      const trigger = newFuture<void>();
      const exc = new ZeroDivisionError('lost?');
      const child = createTask(function* () {
        yield* trigger;
        throw exc;
      });
      const waiter = createTask(
        styled(
          style,
          function* () {
            yield* child;
          },
          async () => {
            await child;
          },
        ),
      );
      await waitAllTasksBlocked();
      // runs right after the child's wake-up in the same pass: the child has failed, the waiter
      // has not resumed yet
      trigger.addDoneCallback(() => waiter.cancel());
      trigger.setResult();
      assertCancelled(await rejection(waiter));
      expect(child.exception()).toBe(exc);
      await passes(3);
      expect(seen.map((c) => c.exception)).toEqual([exc]);
    }));

  // ports test_tasks.py::BaseTaskTests.test_cancel (cancel of a done task)
  it('cancel() of a finished task returns false and does not count a request', () =>
    run(async () => {
      const ok = createTask(styled(style, function* () { return 1; }, async () => 1));
      const bad = createTask(
        styled(
          style,
          function* (): Coroutine<number> {
            throw new ValueError('bad');
          },
          async (): Promise<number> => {
            throw new ValueError('bad');
          },
        ),
      );
      await wait([ok, bad]);
      bad.exception(); // retrieved
      expect(ok.cancel()).toBe(false);
      expect(bad.cancel()).toBe(false);
      expect(ok.cancelling()).toBe(0);
      expect(bad.cancelling()).toBe(0);
      expect(ok.result()).toBe(1);
      expect(bad.exception()).toBeInstanceOf(ValueError);
      expect(ok.signal.aborted).toBe(false);
    }));

  // ports test_tasks.py::BaseTaskTests.test_cancel + DESIGN.md §1 (task.signal)
  it('task.signal is the signal seen inside, and is aborted at once when the task is cancelled', () =>
    run(async () => {
      let inside: AbortSignal | undefined;
      const t = createTask(
        styled(
          style,
          function* () {
            inside = currentTask()!.signal;
            yield* sleep(FOREVER);
          },
          async () => {
            inside = currentTask()!.signal;
            await sleep(FOREVER);
          },
        ),
      );
      await waitAllTasksBlocked();
      expect(inside).toBe(t.signal);
      expect(t.signal.aborted).toBe(false);
      let events = 0;
      t.signal.addEventListener('abort', () => {
        events += 1;
      });
      t.cancel('why');
      expect(t.signal.aborted).toBe(true); // at once, before the task resumes
      assertCancelled(await rejection(t), 'why');
      expect(events).toBe(1);
    }));

  // ports test_tasks.py::BaseTaskTests.test_task_class (signal of a normal task)
  it('the signal of a task that finishes normally is never aborted', () =>
    run(async () => {
      const t = createTask(
        styled(
          style,
          function* () {
            yield* sleep(0);
            return 'fine';
          },
          async () => {
            await sleep(0);
            return 'fine';
          },
        ),
      );
      expect(await t).toBe('fine');
      expect(t.signal.aborted).toBe(false);
      expect(t.cancel()).toBe(false);
      expect(t.signal.aborted).toBe(false);
    }));

  // ports test_tasks.py::BaseTaskTests.test_uncancel_structured_blocks (virtual time)
  it('uncancel() lets a hand-made timeout turn its own cancel into TimeoutError and carry on', () =>
    runVirtual(async () => {
      type Outcome = [timedOut: boolean, blockFinished: boolean, outerReached: boolean];
      const makeRequestWithTimeout = (sleepMs: number, timeoutMs: number): TaskBody<Outcome> => {
        let timedOut = false;
        let blockFinished = false;
        const armTimeout = () => {
          const task = currentTask()!;
          return task.getLoop().callLater(timeoutMs, () => {
            timedOut = true;
            task.cancel();
          });
        };
        // the five rules of CPython's test: uncancel in the handler, only for our own timeout,
        // only convert when the count drops to 0, only convert a CancelledError
        const convert = (e: unknown): never => {
          if (timedOut && currentTask()!.uncancel() === 0 && isCancelledError(e)) {
            throw new TimeoutError();
          }
          throw e;
        };
        return styled(
          style,
          function* () {
            const handle = armTimeout();
            try {
              try {
                yield* sleep(sleepMs);
                blockFinished = true;
              } catch (e) {
                convert(e);
              } finally {
                handle.cancel();
              }
            } catch (e) {
              if (!(e instanceof TimeoutError)) throw e;
            }
            yield* sleep(0);
            return [timedOut, blockFinished, true] as Outcome;
          },
          async () => {
            const handle = armTimeout();
            try {
              try {
                await sleep(sleepMs);
                blockFinished = true;
              } catch (e) {
                convert(e);
              } finally {
                handle.cancel();
              }
            } catch (e) {
              if (!(e instanceof TimeoutError)) throw e;
            }
            await sleep(0);
            return [timedOut, blockFinished, true] as Outcome;
          },
        );
      };
      const t1 = createTask(makeRequestWithTimeout(10_000, 100));
      expect(await t1).toEqual([true, false, true]);
      expect(t1.cancelling()).toBe(0);
      const t2 = createTask(makeRequestWithTimeout(0, 10_000));
      expect(await t2).toEqual([false, true, true]);
      expect(t2.cancelling()).toBe(0);
    }));
});
