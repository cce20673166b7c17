// Behaviour ports of CPython 3.13 Lib/test/test_asyncio/test_tasks.py: how a cancel reaches a task —
// cancel(msg) before and after the first step, the future the task waits on, a body that catches,
// ignores or answers the CancelledError, self-cancels, nested coroutines, finally blocks — and
// cancellation while waiting on foreign promises (cancelling()/uncancel(), cancel races and the
// task's signal are in uncancel.test.ts). Every cancellation behaviour runs in both coroutine
// styles: generator bodies (`yield*`) and async-function bodies (`await`). Tests already in the
// shared conformance suite (/work/shared/conformance/tasks*.test.ts) are not repeated here.
import { describe, it, expect } from 'vitest';
import {
  Task,
  createTask,
  currentTask,
  ensureFuture,
  getRunningLoop,
  isCancelledError,
  run,
  sleep,
  wait,
  type Coroutine,
} from 'tulip';
import { waitAllTasksBlocked } from 'tulip/testing';
import {
  FOREVER,
  STYLES,
  ValueError,
  assertCancelled,
  newFuture,
  passes,
  rejection,
  styled,
  syncError,
} from './helpers.js';

// ---- cancellation -----------------------------------------------------------------------------

describe.each(STYLES)('cancellation (%s style)', (style) => {
  // ports test_tasks.py::BaseTaskTests.test_task_cancel_message_getter (while sleeping)
  it('cancel(msg) during a sleep throws a CancelledError(msg) in the body and to the awaiter', () =>
    run(async () => {
      let inside: unknown;
      const t = createTask(
        styled(
          style,
          function* () {
            try {
              yield* sleep(FOREVER);
            } catch (e) {
              inside = e;
              throw e;
            }
          },
          async () => {
            try {
              await sleep(FOREVER);
            } catch (e) {
              inside = e;
              throw e;
            }
          },
        ),
      );
      await waitAllTasksBlocked();
      expect(t.cancel('my message')).toBe(true);
      assertCancelled(await rejection(t), 'my message');
      assertCancelled(inside, 'my message');
      expect(t.cancelled()).toBe(true);
    }));

  // ports test_tasks.py::BaseTaskTests.test_cancel_with_message_before_starting_task
  it('a task cancelled before its first step never runs its body, not even finally', () =>
    run(async () => {
      const ran: string[] = [];
      const t = createTask(
        styled(
          style,
          function* () {
            try {
              ran.push('body');
              yield* sleep(FOREVER);
            } finally {
              ran.push('finally');
            }
          },
          async () => {
            try {
              ran.push('body');
              await sleep(FOREVER);
            } finally {
              ran.push('finally');
            }
          },
        ),
      );
      t.cancel('my message'); // deliberately no sleep before
      const { done, pending } = await wait([t]);
      expect(done.has(t)).toBe(true);
      expect(pending.size).toBe(0);
      assertCancelled(syncError(() => t.exception()), 'my message');
      expect(ran).toEqual([]);
    }));

  // ports test_tasks.py::BaseTaskTests.test_cancel_with_message_then_future_exception
  it('after cancel(msg) of a started task, exception() and result() throw CancelledError(msg)', () =>
    run(async () => {
      const t = createTask(
        styled(
          style,
          function* () {
            yield* sleep(FOREVER);
          },
          async () => {
            await sleep(FOREVER);
          },
        ),
      );
      await sleep(0);
      t.cancel('my message');
      await wait([t]);
      assertCancelled(syncError(() => t.exception()), 'my message');
      assertCancelled(syncError(() => t.result()), 'my message');
    }));

  // ports test_tasks.py::BaseTaskTests.test_task_cancel_waiter_future
  it('cancelling a task cancels the future it is waiting on, at once', () =>
    run(async () => {
      const fut = newFuture<void>();
      const t = createTask(
        styled(
          style,
          function* () {
            yield* fut;
          },
          async () => {
            await fut;
          },
        ),
      );
      await waitAllTasksBlocked();
      t.cancel();
      expect(fut.cancelled()).toBe(true);
      assertCancelled(await rejection(t));
    }));

  // ports test_tasks.py::BaseTaskTests.test_cancel_both_task_and_inner_future
  it('cancelling the awaited future and then the task leaves both cancelled', () =>
    run(async () => {
      const f = newFuture<void>();
      const t = createTask(
        styled(
          style,
          function* () {
            yield* f;
            return 12;
          },
          async () => {
            await f;
            return 12;
          },
        ),
      );
      await waitAllTasksBlocked();
      f.cancel();
      t.cancel();
      assertCancelled(await rejection(t));
      expect(t.done()).toBe(true);
      expect(f.cancelled()).toBe(true);
      expect(t.cancelled()).toBe(true);
    }));

  // ports test_tasks.py::BaseTaskTests.test_cancel_task_catching
  it('a task that catches the CancelledError and returns a value is not cancelled', () =>
    run(async () => {
      const fut1 = newFuture<void>();
      const fut2 = newFuture<void>();
      const t = createTask(
        styled(
          style,
          function* () {
            yield* fut1;
            try {
              yield* fut2;
            } catch (e) {
              if (isCancelledError(e)) return 42;
              throw e;
            }
            return 0;
          },
          async () => {
            await fut1;
            try {
              await fut2;
            } catch (e) {
              if (isCancelledError(e)) return 42;
              throw e;
            }
            return 0;
          },
        ),
      );
      await waitAllTasksBlocked();
      fut1.setResult();
      await waitAllTasksBlocked();
      expect(t.cancel()).toBe(true);
      expect(fut2.cancelled()).toBe(true);
      expect(await t).toBe(42);
      expect(t.cancelled()).toBe(false);
    }));

  // ports test_tasks.py::BaseTaskTests.test_cancel_task_ignoring
  it('a task that swallows the CancelledError and waits again finishes normally', () =>
    run(async () => {
      const fut1 = newFuture<void>();
      const fut2 = newFuture<void>();
      const fut3 = newFuture<number>();
      const t = createTask(
        styled(
          style,
          function* () {
            yield* fut1;
            try {
              yield* fut2;
            } catch (e) {
              if (!isCancelledError(e)) throw e;
            }
            return yield* fut3;
          },
          async () => {
            await fut1;
            try {
              await fut2;
            } catch (e) {
              if (!isCancelledError(e)) throw e;
            }
            return await fut3;
          },
        ),
      );
      await waitAllTasksBlocked();
      fut1.setResult();
      await waitAllTasksBlocked();
      t.cancel();
      expect(fut2.cancelled()).toBe(true);
      await waitAllTasksBlocked(); // t now waits on fut3
      expect(t.done()).toBe(false);
      fut3.setResult(42);
      expect(await t).toBe(42);
      expect(fut3.cancelled()).toBe(false);
      expect(t.cancelled()).toBe(false);
    }));

  // ports test_tasks.py::BaseTaskTests.test_cancel_current_task
  it('a task that cancels itself is cancelled at its next wait', () =>
    run(async () => {
      let after = false;
      const t = createTask(
        styled(
          style,
          function* () {
            currentTask()!.cancel();
            yield* sleep(FOREVER); // cancelled at once
            after = true;
            return 12;
          },
          async () => {
            currentTask()!.cancel();
            await sleep(FOREVER);
            after = true;
            return 12;
          },
        ),
      );
      expect(t.cancelled()).toBe(false);
      assertCancelled(await rejection(t));
      expect(t.cancelled()).toBe(true);
      expect(after).toBe(false);
      expect(t.cancel()).toBe(false);
    }));

  // ports test_tasks.py::BaseTaskTests.test_cancel_at_end
  it('a task that cancels itself and then returns without waiting ends cancelled', () =>
    run(async () => {
      const t = createTask(
        styled(
          style,
          function* () {
            currentTask()!.cancel();
            return 12;
          },
          async () => {
            currentTask()!.cancel();
            return 12;
          },
        ),
      );
      assertCancelled(await rejection(t));
      expect(t.done()).toBe(true);
      expect(t.cancelled()).toBe(true);
      expect(t.cancel()).toBe(false);
    }));

  // ports test_tasks.py::BaseTaskTests.test_cancel_awaited_task
  it('a self-cancelled task that then awaits a subtask cancels that subtask and its future', () =>
    run(async () => {
      const fut = newFuture<void>();
      let nested: Task<void> | undefined;
      const nestedBody = styled(
        style,
        function* () {
          yield* fut;
        },
        async () => {
          await fut;
        },
      );
      const t = createTask(
        styled(
          style,
          function* () {
            nested = createTask(nestedBody);
            yield* sleep(0);
            currentTask()!.cancel();
            yield* nested;
          },
          async () => {
            nested = createTask(nestedBody);
            await sleep(0);
            currentTask()!.cancel();
            await nested;
          },
        ),
      );
      assertCancelled(await rejection(t));
      expect(t.cancelled()).toBe(true);
      expect(nested!.cancelled()).toBe(true);
      expect(fut.cancelled()).toBe(true);
    }));

  // ports test_tasks.py::BaseTaskTests.test_yield_future_passes_cancel
  it('cancellation passes through nested coroutines down to the awaited future', () =>
    run(async () => {
      let proof = 0;
      const waiter = newFuture<void>();
      function* innerG(): Coroutine<void> {
        try {
          yield* waiter;
        } catch (e) {
          if (isCancelledError(e)) proof += 1;
          throw e;
        }
        proof += 1000; // never reached
      }
      async function innerA(): Promise<void> {
        try {
          await waiter;
        } catch (e) {
          if (isCancelledError(e)) proof += 1;
          throw e;
        }
        proof += 1000;
      }
      const f = createTask(
        styled(
          style,
          function* () {
            try {
              yield* innerG();
              proof += 10;
            } catch (e) {
              if (isCancelledError(e)) proof += 100; // expect this path
            }
          },
          async () => {
            try {
              await innerA();
              proof += 10;
            } catch (e) {
              if (isCancelledError(e)) proof += 100;
            }
          },
        ),
      );
      await waitAllTasksBlocked();
      f.cancel();
      await f; // outer() swallowed the cancellation
      expect(proof).toBe(101);
      expect(waiter.cancelled()).toBe(true);
      expect(f.cancelled()).toBe(false);
    }));

  // ports test_tasks.py::BaseTaskTests.test_baseexception_during_cancel
  it('a body that answers the CancelledError with another error fails with that error', () =>
    run(async () => {
      const instead = new ValueError('instead');
      const t = createTask(
        styled(
          style,
          function* () {
            try {
              yield* sleep(FOREVER);
            } catch (e) {
              if (isCancelledError(e)) throw instead;
              throw e;
            }
          },
          async () => {
            try {
              await sleep(FOREVER);
            } catch (e) {
              if (isCancelledError(e)) throw instead;
              throw e;
            }
          },
        ),
      );
      await waitAllTasksBlocked();
      t.cancel();
      expect(t.done()).toBe(false);
      expect(await rejection(t)).toBe(instead);
      expect(t.cancelled()).toBe(false);
      expect(t.exception()).toBe(instead);
    }));

  // ports test_tasks.py::BaseTaskTests.test_cancellation_exception_context
  it('an error raised from a caught cancellation keeps it, with the cancel message, as its cause', () =>
    run(async () => {
      const loop = getRunningLoop();
      const fut = newFuture<void>();
      const innerBody = styled(
        style,
        function* () {
          fut.setResult();
          yield* sleep(FOREVER);
        },
        async () => {
          fut.setResult();
          await sleep(FOREVER);
        },
      );
      const t = createTask(
        styled(
          style,
          function* () {
            const inner = createTask(innerBody);
            yield* fut;
            loop.callSoon(() => inner.cancel('msg'));
            try {
              yield* inner;
            } catch (ex) {
              throw new ValueError('cancelled', { cause: ex });
            }
          },
          async () => {
            const inner = createTask(innerBody);
            await fut;
            loop.callSoon(() => inner.cancel('msg'));
            try {
              await inner;
            } catch (ex) {
              throw new ValueError('cancelled', { cause: ex });
            }
          },
        ),
      );
      const e = await rejection(t);
      expect(e).toBeInstanceOf(ValueError);
      expect((e as Error).message).toBe('cancelled');
      assertCancelled((e as Error).cause, 'msg');
    }));

  // ports test_tasks.py::BaseTaskTests.test_cancel_task_ignoring (cleanup in finally)
  it('finally blocks run on cancellation and may still wait before the task ends', () =>
    run(async () => {
      const log: string[] = [];
      const t = createTask(
        styled(
          style,
          function* () {
            try {
              yield* sleep(FOREVER);
            } finally {
              log.push('cleanup start');
              yield* sleep(0);
              log.push('cleanup end');
            }
          },
          async () => {
            try {
              await sleep(FOREVER);
            } finally {
              log.push('cleanup start');
              await sleep(0);
              log.push('cleanup end');
            }
          },
        ),
      );
      await waitAllTasksBlocked();
      t.cancel();
      assertCancelled(await rejection(t));
      expect(log).toEqual(['cleanup start', 'cleanup end']);
    }));
});

// ---- cancellation while waiting on foreign promises -------------------------------------------

describe('cancellation and foreign promises', () => {
  // ports test_tasks.py::BaseTaskTests.test_task_cancel_waiter_future (foreign promise, async)
  it('an async task cancelled while awaiting a plain promise gets the CancelledError at its next runtime await', () =>
    run(async () => {
      let stage = 'start';
      const t = createTask(async () => {
        await new Promise<void>((resolve) => setTimeout(resolve, 20));
        stage = 'after foreign';
        await sleep(0); // the cancellation lands here
        stage = 'after sleep';
      });
      await passes(2); // t now awaits the foreign promise
      expect(t.cancel('now')).toBe(true);
      expect(t.signal.aborted).toBe(true);
      assertCancelled(await rejection(t), 'now');
      expect(stage).toBe('after foreign');
    }));

  // ports test_tasks.py::BaseTaskTests.test_task_cancel_waiter_future (signal-aware foreign work)
  it("a foreign promise listening on the task's signal stops at once when the async task is cancelled", () =>
    run(async () => {
      const log: string[] = [];
      const t = createTask(async () => {
        const signal = currentTask()!.signal;
        const outcome = await new Promise<string>((resolve) => {
          signal.addEventListener('abort', () => resolve('aborted'));
        });
        log.push(outcome);
        await sleep(0);
        log.push('unreachable');
      });
      await passes(2);
      t.cancel();
      assertCancelled(await rejection(t));
      expect(log).toEqual(['aborted']);
    }));

  // ports test_tasks.py::BaseTaskTests.test_task_cancel_waiter_future (ensureFuture, generator)
  it('a generator task yielding on ensureFuture(promise) is cancelled at once, even if the promise never settles', () =>
    run(async () => {
      let stage = 'start';
      const never = new Promise<void>(() => {});
      const t = createTask(function* () {
        stage = 'waiting';
        yield* ensureFuture(never);
        stage = 'after';
      });
      await passes(2);
      expect(stage).toBe('waiting');
      t.cancel('stop');
      expect(t.signal.aborted).toBe(true);
      assertCancelled(await rejection(t), 'stop');
      expect(stage).toBe('waiting');
    }));
});
