// Gap ports of CPython 3.13 Lib/test/test_asyncio/test_tasks.py: the parts of test methods that no
// other conformance file covered — tasks created on a loop that is not running yet, ensureFuture()
// with no running loop, a task that outlives the runUntilComplete() that created it, what
// cancel() of an already failed task does to the "exception was never retrieved" report, and the
// strong ownership of pending tasks (DESIGN §4) in place of "Task was destroyed but it is pending".
//
// The method-by-method gap analysis of test_tasks.py, test_futures.py, test_futures2.py and
// test_waitfor.py is in the report that came with these files; every test here names its origin.
import { describe, expect, it } from 'vitest';
import {
  Future,
  InvalidStateError,
  RuntimeError,
  allTasks,
  createTask,
  ensureFuture,
  getRunningLoop,
  newEventLoop,
  run,
  sleep,
  type Coroutine,
  type Task,
} from 'tulip';
import {
  collectGarbage,
  STYLES,
  neverRetrieved,
  newFuture,
  passes,
  passesG,
  recordExceptions,
  styled,
  type Style,
} from './helpers.js';

/** A body (in `style`) that gives up the loop twice, then returns `value`. */
function twoPassesThen<T>(style: Style, value: T, log?: string[]) {
  return styled(
    style,
    function* () {
      log?.push('start');
      yield* passesG(2);
      return value;
    },
    async () => {
      log?.push('start');
      await passes(2);
      return value;
    },
  );
}

// ---- tasks and the loop they belong to -----------------------------------------------------------

describe('tasks made on a loop that is not running', () => {
  for (const style of STYLES) {
    // ports test_tasks.py::BaseTaskTests.test_task_class (the task of a second, not running loop)
    it(`loop.createTask() on an idle loop binds the task to that loop and starts it only when the loop runs (${style})`, async () => {
      const first = newEventLoop();
      const second = newEventLoop();
      try {
        const log1: string[] = [];
        const log2: string[] = [];
        const t1 = first.createTask(twoPassesThen(style, 'one', log1));
        const t2 = second.createTask(twoPassesThen(style, 'two', log2));
        expect(t1.getLoop()).toBe(first);
        expect(t2.getLoop()).toBe(second);
        // nothing runs until its own loop runs
        expect(log1).toEqual([]);
        expect(t1.done()).toBe(false);
        expect(await second.runUntilComplete(t2)).toBe('two');
        expect(log2).toEqual(['start']);
        expect(log1).toEqual([]); // running the second loop did not step the first loop's task
        expect(t1.done()).toBe(false);
        expect(await first.runUntilComplete(t1)).toBe('one');
        expect(t1.result()).toBe('one');
      } finally {
        first.close();
        second.close();
      }
    });

    // ports test_tasks.py::BaseTaskTests.test_ensure_future_coroutine (the task returned by test())
    it(`a task made inside one runUntilComplete() stays pending and finishes in the next one on that loop (${style})`, async () => {
      const loop = newEventLoop();
      try {
        // boxed: a promise cannot resolve to a thenable such as a Task without adopting it
        const { t } = await loop.runUntilComplete(
          styled<{ t: Task<string> }>(
            style,
            // eslint-disable-next-line require-yield
            function* () {
              // asyncio's ensure_future(coroutine): a generator object becomes a task
              function* notmuch(): Coroutine<string> {
                yield* passesG(2);
                return 'ok';
              }
              return { t: ensureFuture(notmuch()) as Task<string> };
            },
            async () => ({ t: createTask(twoPassesThen('async', 'ok')) }),
          ),
        );
        expect(t.getLoop()).toBe(loop);
        expect(t.done()).toBe(false); // the loop stopped while it still had two passes to go
        expect(await loop.runUntilComplete(t)).toBe('ok');
        expect(t.done()).toBe(true);
      } finally {
        loop.close();
      }
    });
  }
});

describe('ensureFuture() with no running loop', () => {
  // ports test_tasks.py::BaseTaskTests.test_ensure_future_coroutine (no current event loop)
  it('ensureFuture() of a generator object with no running loop throws RuntimeError and never starts it', () => {
    let started = false;
    function* body(): Coroutine<number> {
      started = true;
      yield* sleep(0);
      return 1;
    }
    const coro = body();
    let error: unknown;
    try {
      ensureFuture(coro);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RuntimeError);
    expect((error as Error).message).toMatch(/no running event loop/);
    expect(started).toBe(false);
  });

  // ports test_tasks.py::BaseTaskTests.test_ensure_future_future / test_ensure_future_task
  // (called from plain code: a future or task needs no running loop to be passed through)
  it('ensureFuture() of a future or a task, called with no loop running, returns that very object', async () => {
    const loop = newEventLoop();
    try {
      const f = loop.createFuture<string>();
      f.setResult('ko');
      const t = loop.createTask(async () => 'ok');
      expect(ensureFuture(f)).toBe(f);
      expect(ensureFuture(t)).toBe(t);
      expect(await loop.runUntilComplete(ensureFuture(t))).toBe('ok');
      expect(await loop.runUntilComplete(ensureFuture(f))).toBe('ko');
    } finally {
      loop.close();
    }
  });
});

// ---- cancel() of a task that already failed ----------------------------------------------------

/** A body (in `style`) that throws `exc` at its first step. */
function failingAtOnce(style: Style, exc: Error) {
  return styled(
    style,
    // eslint-disable-next-line require-yield
    function* (): Coroutine<never> {
      throw exc;
    },
    async (): Promise<never> => {
      throw exc;
    },
  );
}

describe('cancel() of a task that has already failed', () => {
  for (const style of STYLES) {
    // ports test_tasks.py::BaseTaskTests.test_tb_logger_not_called_after_cancel (same pass)
    // asyncio's Task.cancel() clears _log_traceback even on a done task, so a cancel() in the pass
    // the task failed silences the report.
    it(`cancel() in the pass a task failed, before anyone looked, counts as handling its error (${style})`, () =>
      run(async () => {
        const seen = recordExceptions();
        const child = createTask(failingAtOnce(style, new TypeError('dropped')));
        let outcome: [boolean, boolean] | undefined;
        // queued after the child's first step: runs in the same pass, after it failed
        getRunningLoop().callSoon(() => {
          outcome = [child.done(), child.cancel()];
        });
        await passes(4);
        expect(outcome).toEqual([true, false]);
        expect(child.cancelled()).toBe(false);
        expect(neverRetrieved(seen)).toEqual([]);
      }));

    // ports test_tasks.py::BaseTaskTests.test_tb_logger_not_called_after_cancel (a later pass;
    // asyncio logs at garbage collection, so there the late cancel() still silences the log —
    // DESIGN §4 reports at the end of the pass the task failed in, so here the report came first)
    it(`a task that failed unawaited is reported at the end of its pass; a later cancel() returns false and adds nothing (${style})`, () =>
      run(async () => {
        const seen = recordExceptions();
        const exc = new TypeError('reported');
        const child = createTask(failingAtOnce(style, exc));
        await sleep(0); // the child runs (and fails) in the pass this sleep ends in
        expect(child.done()).toBe(true);
        expect(neverRetrieved(seen)).toEqual([]); // not before the end of that pass
        await sleep(0);
        const reports = neverRetrieved(seen);
        expect(reports).toHaveLength(1);
        expect(reports[0]!.exception).toBe(exc);
        expect(child.cancel()).toBe(false);
        expect(child.cancelled()).toBe(false);
        expect(child.exception()).toBe(exc);
        await passes(3);
        expect(neverRetrieved(seen)).toHaveLength(1);
      }));
  }
});

// ---- pending tasks are owned by their loop ---------------------------------------------------------

describe('a pending task nobody references (DESIGN §4: tasks are owned strongly by their loop)', () => {
  for (const style of STYLES) {
    // ports test_tasks.py::BaseTaskTests.test_log_destroyed_pending_task (the DESIGN §4 counterpart)
    it(`survives garbage collection, stays in allTasks(), is never reported, and run() cancels it at shutdown (${style})`, async () => {
      const steps: string[] = [];
      let seenInside: ReturnType<typeof recordExceptions> | undefined;
      const result = await run(async () => {
        seenInside = recordExceptions();
        const sizeBefore = allTasks().size;
        (() => {
          // the only references to this task and its future end with this closure
          const forgotten = newFuture<void>();
          createTask(
            styled(
              style,
              function* () {
                steps.push('waiting');
                try {
                  yield* forgotten;
                  steps.push('never reached');
                } finally {
                  steps.push('finally');
                }
              },
              async () => {
                steps.push('waiting');
                try {
                  await forgotten;
                  steps.push('never reached');
                } finally {
                  steps.push('finally');
                }
              },
            ),
          );
        })();
        await sleep(0);
        await collectGarbage();
        await sleep(0);
        expect(steps).toEqual(['waiting']);
        expect(allTasks().size).toBe(sizeBefore + 1);
        expect(seenInside).toEqual([]);
        return 'main done';
      });
      expect(result).toBe('main done');
      expect(steps).toEqual(['waiting', 'finally']); // cancelled by run()'s shutdown
      expect(seenInside).toEqual([]);
    });
  }
});

// ports test_tasks.py::BaseTaskTests.test_set_result_causes_invalid_state
describe('a task finished from outside through Future.prototype.setResult', () => {
  for (const style of STYLES) {
    for (const when of ['before its first step', 'while it waits'] as const) {
      it(`keeps that result; its next step reports InvalidStateError "step(): already done" once, and run() ends (${style}, ${when})`, async () => {
        const seen: unknown[] = [];
        const result = await run(async () => {
          const loop = getRunningLoop();
          loop.setExceptionHandler((_l, ctx) => seen.push(ctx.exception));
          const t = createTask(
            styled(
              style,
              function* () {
                yield* sleep(10);
                return 10;
              },
              async () => {
                await sleep(10);
                return 10;
              },
            ),
          );
          if (when === 'while it waits') await sleep(0);
          Future.prototype.setResult.call(t, 'spam');
          const r = await t;
          await sleep(30);
          expect(allTasks().has(t)).toBe(false);
          return r;
        });
        expect(result).toBe('spam');
        expect(seen).toHaveLength(1);
        expect(seen[0]).toBeInstanceOf(InvalidStateError);
        expect((seen[0] as Error).message).toMatch(/^step\(\): already done/);
      });
    }
  }
});
