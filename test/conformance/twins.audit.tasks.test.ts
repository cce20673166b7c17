// Style-twin audit: sleep and cancellation, tasks and futures, run() and Runner, and the shared
// suite's task basics in the generator style. Each test here is the other-style twin (generator
// `function*`/`yield*` versus native `async`/`await`) of a behaviour test of test/conformance/ or
// /work/shared/conformance/ that existed in only one style although the behaviour can be written in
// both. Each test is named after the original with its style in parentheses, and a comment gives
// the original's file:line. The behaviour, the pass counts and the expectations are the original's
// (checked there against asyncio 3.13); only the style changes. Where the twin shows tulip behaving
// differently in the other style, the test is an `it.fails` with asyncio's expectation and the
// probe output in a comment (probes: the pure-Python asyncio 3.13).
import { describe, expect, it } from 'vitest';
import { Runner, RuntimeError, Task, allTasks, asCompleted, createTask, currentTask, ensureFuture, getRunningLoop, run, sleep, Future } from 'tulip';
import { runBriefly } from 'tulip/testing';
import { FOREVER, ZeroDivisionError, assertCancelled, errorOf, passes, rejection, rejectionG, syncError } from './helpers.js';

// ---- sleep and cancellation -------------------------------------------------------------------

describe('sleep and cancellation (twins)', () => {
  // twin of sleep.test.ts:158
  it('sleep(NaN) throws RangeError (generator)', () =>
    run(function* () {
      expect(syncError(() => sleep(NaN))).toBeInstanceOf(RangeError);
      yield* sleep(0);
    }));

  // twin of sleep.test.ts:164
  it('sleep() with a negative delay (even -Infinity) takes the one pass sleep(0) takes (generator)', () =>
    run(function* () {
      const loop = getRunningLoop();
      let ticks = 0;
      const tick = (): void => {
        ticks++;
        loop.callSoon(tick);
      };
      loop.callSoon(tick);
      const took: number[] = [];
      for (const d of [0, -1, -Infinity]) {
        const before = ticks;
        expect(yield* sleep(d, d)).toBe(d);
        took.push(ticks - before);
      }
      expect(took[0]).toBeGreaterThan(0);
      expect(took).toEqual([took[0], took[0], took[0]]);
    }));

  // twin of cancellation.test.ts:544
  it('an async task awaiting ensureFuture(promise) is cancelled at once, even if the promise never settles (async)', () =>
    run(async () => {
      let stage = 'start';
      const never = new Promise<void>(() => {});
      const t = createTask(async () => {
        stage = 'waiting';
        await ensureFuture(never);
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

// ---- tasks, futures, runners ------------------------------------------------------------------

const TASK_NAME = /^Task-(\d+)$/;

describe('tasks and futures (twins)', () => {
  // twin of tasks.test.ts:65
  it('the main task of run() gets a default name, or the one passed to run() (generator)', async () => {
    const unnamed = await run(function* () {
      yield* sleep(0);
      return currentTask()!.getName();
    });
    expect(unnamed).toMatch(TASK_NAME);
    const named = await run(
      function* () {
        yield* sleep(0);
        return currentTask()!.getName();
      },
      { name: 'main-job' },
    );
    expect(named).toBe('main-job');
  });

  // twin of tasks.test.ts:254 (the main task there is async; here a generator)
  it('allTasks() holds the main task and the pending tasks, and drops the finished ones (generator main)', () =>
    run(function* () {
      const main = currentTask()!;
      const gate = getRunningLoop().createFuture<void>();
      const t1 = createTask(async () => {
        await gate;
      });
      const t2 = createTask(function* () {
        yield* gate;
      });
      let all = allTasks();
      expect(all.has(main)).toBe(true);
      expect(all.has(t1)).toBe(true);
      expect(all.has(t2)).toBe(true);
      expect(all.size).toBe(3);
      gate.setResult();
      yield* t1;
      yield* t2;
      all = allTasks();
      expect(all.has(t1)).toBe(false);
      expect(all.has(t2)).toBe(false);
      expect(all.size).toBe(1);
    }));

  // twin of tasks.more.test.ts:402 (an async failing task there; a generator one here)
  it('a generator task that fails unawaited reaches the exception handler by the pass after it failed (generator)', () =>
    run(function* () {
      const seen: unknown[] = [];
      getRunningLoop().setExceptionHandler((_l, ctx) => seen.push(ctx.exception));
      const err = new ZeroDivisionError('1/0');
      createTask(function* () {
        throw err;
      });
      yield* sleep(0);
      yield* sleep(0);
      expect(seen).toEqual([err]);
    }));

  // twin of futures.test.ts:51
  it('cancel(msg) makes result(), exception() and yield* all throw a CancelledError carrying msg (generator)', () =>
    run(function* () {
      const f = new Future<number>();
      expect(f.cancel('my message')).toBe(true);
      assertCancelled(syncError(() => f.result()), 'my message');
      assertCancelled(syncError(() => f.exception()), 'my message');
      assertCancelled(yield* rejectionG(f), 'my message');
      expect(currentTask()!.cancelling()).toBe(0);
    }));

  // twin of futures.test.ts:460
  it('await of a future that fails meanwhile throws the error inside the async function (async)', () =>
    run(async () => {
      const exc = new ZeroDivisionError('async');
      const f = getRunningLoop().createFuture<number>();
      getRunningLoop().callSoon(() => f.setException(exc));
      let caught: unknown;
      try {
        await f;
      } catch (e) {
        caught = e;
      }
      expect(caught).toBe(exc);
    }));

  // twin of shared futures.test.ts:168
  it('await on a future cancelled meanwhile throws CancelledError (async)', () =>
    run(async () => {
      const f = getRunningLoop().createFuture<number>();
      getRunningLoop().callSoon(() => f.cancel());
      assertCancelled(await rejection(f));
      expect(currentTask()!.cancelling()).toBe(0);
    }));

  // twin of futures.test.ts:342
  it('a done callback on a generator task receives the task itself once it finishes (generator)', () =>
    run(function* () {
      const got: unknown[] = [];
      const t = createTask(function* () {
        yield* sleep(0);
        return 'v';
      });
      t.addDoneCallback((x) => got.push(x));
      expect(yield* t).toBe('v');
      yield* runBriefly();
      expect(got).toHaveLength(1);
      expect(got[0]).toBe(t);
    }));

  // twin of futures.test.ts:248, seen from a generator main
  it('done callbacks go through callSoon: after callbacks queued before the result, before later ones (generator)', () =>
    run(function* () {
      const loop = getRunningLoop();
      const log: string[] = [];
      const f = loop.createFuture<number>();
      f.addDoneCallback(() => log.push('cb1'));
      f.addDoneCallback(() => log.push('cb2'));
      loop.callSoon(() => log.push('soon-before'));
      f.setResult(1);
      loop.callSoon(() => log.push('soon-after'));
      expect(log).toEqual([]);
      yield* runBriefly();
      expect(log).toEqual(['soon-before', 'cb1', 'cb2', 'soon-after']);
    }));
});

describe('run() and Runner (twins)', () => {
  // twin of runners.test.ts:142
  it('each call runs on a new loop, which is closed when run() settles (async)', async () => {
    const loop1 = await run(async () => {
      await sleep(0);
      return getRunningLoop();
    });
    const loop2 = await run(async () => {
      await sleep(0);
      return getRunningLoop();
    });
    expect(loop1).not.toBe(loop2);
    expect(loop1.isClosed()).toBe(true);
    expect(loop2.isClosed()).toBe(true);
  });

  // twin of runners.test.ts:164
  it('the debug option sets the debug mode of the new loop (async)', async () => {
    expect(
      await run(
        async () => {
          await sleep(0);
          return getRunningLoop().getDebug();
        },
        { debug: true },
      ),
    ).toBe(true);
    expect(
      await run(
        async () => {
          await sleep(0);
          return getRunningLoop().getDebug();
        },
        { debug: false },
      ),
    ).toBe(false);
  });

  // twin of runners.test.ts:195
  it('the name option names the main task (async)', async () => {
    expect(
      await run(
        async () => {
          await sleep(0);
          return currentTask()!.getName();
        },
        { name: 'async-main' },
      ),
    ).toBe('async-main');
  });

  // twin of runner.test.ts:30
  it('runs async mains one after another on the same loop (async)', async () => {
    const runner = new Runner();
    try {
      const loop = runner.getLoop();
      expect(
        await runner.run(async () => {
          await sleep(0);
          return 'done';
        }),
      ).toBe('done');
      expect(
        await runner.run(async () => {
          await sleep(0);
          return getRunningLoop();
        }),
      ).toBe(loop);
    } finally {
      await runner.close();
    }
  });

  // twin of shared runners.test.ts:116 (run() from a generator task fails with RuntimeError), async
  it('run() from an async task fails with RuntimeError and the inner main never runs (async)', () =>
    run(async () => {
      let ran = false;
      const e = await errorOf(() =>
        run(async () => {
          ran = true;
        }),
      );
      expect(e).toBeInstanceOf(RuntimeError);
      await sleep(0);
      expect(ran).toBe(false);
    }));
});

describe('shared-suite task and primitive basics, generator style (twins)', () => {
  // twin of shared tasks.test.ts:128
  it('createTask() inside a task schedules a task (generator)', () =>
    run(function* () {
      const task = createTask(function* () {
        return 1;
      });
      expect(task).toBeInstanceOf(Task);
      expect(task.done()).toBe(false);
      expect(yield* task).toBe(1);
    }));

  // twin of shared tasks.test.ts:136
  it('a task can be named at creation and renamed (generator)', () =>
    run(function* () {
      let seen: string | undefined;
      const task = createTask(
        function* () {
          yield* sleep(0);
          seen = currentTask()!.getName();
        },
        { name: 'No-op' },
      );
      expect(task.getName()).toBe('No-op');
      task.setName('renamed');
      expect(task.getName()).toBe('renamed');
      yield* task;
      expect(seen).toBe('renamed');
    }));

  // twin of shared tasks.test.ts:187
  it('a task cancelled while it sleeps ends cancelled (generator)', () =>
    run(function* () {
      const t = createTask(function* () {
        yield* sleep(FOREVER);
        return 12;
      });
      getRunningLoop().callSoon(() => t.cancel());
      assertCancelled(yield* rejectionG(t));
      expect(t.done()).toBe(true);
      expect(t.cancelled()).toBe(true);
      expect(t.cancel()).toBe(false);
    }));

  // twin of shared tasks.test.ts:164 (cancel(msg) before the first step), generator task and main
  it('cancel(msg) before the first step surfaces as a CancelledError carrying msg (generator)', () =>
    run(function* () {
      let ran = false;
      const t = createTask(function* () {
        ran = true;
      });
      t.cancel('my message');
      assertCancelled(yield* rejectionG(t), 'my message');
      expect(t.cancelled()).toBe(true);
      expect(ran).toBe(false);
    }));

  // twin of wait.test.ts:472
  it('asCompleted of an empty input yields nothing (generator)', () =>
    run(function* () {
      const got: unknown[] = [];
      for (const f of asCompleted<number>([])) got.push(yield* f);
      expect(got).toEqual([]);
    }));
});
