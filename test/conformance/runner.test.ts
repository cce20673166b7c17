// Behaviour ports of CPython 3.13 Lib/test/test_asyncio/test_runners.py (RunnerTests): the Runner,
// its runs on one loop, close(), and the refused nested runs (RunTests are in runners.test.ts).
// These tests make their Runner themselves, so each one owns its loop. The signal /
// KeyboardInterrupt, loop-factory and contextvars tests are not ported.
import { describe, it, expect } from 'vitest';
import {
  Runner,
  RuntimeError,
  createTask,
  currentTask,
  ensureFuture,
  getRunningLoop,
  sleep,
} from 'tulip';
import {
  FOREVER,
  HOUR,
  ValueError,
  assertCancelled,
  errorOf,
  rejectionG,
  syncError,
  virtualClock,
} from './helpers.js';

// ---- Runner -------------------------------------------------------------------------------------

describe('Runner', () => {
  // ports test_runners.py::RunnerTests.test_run
  it('runs generator mains one after another on the same loop', async () => {
    const runner = new Runner();
    try {
      const loop = runner.getLoop();
      expect(
        await runner.run(function* () {
          yield* sleep(0);
          return 'done';
        }),
      ).toBe('done');
      expect(await runner.run(() => getRunningLoop())).toBe(loop);
      expect(await runner.run(() => 7)).toBe(7);
    } finally {
      await runner.close();
    }
  });

  // ports test_runners.py::RunnerTests.test_run
  it('getLoop() gives the loop the runs use, idle and open between runs', async () => {
    const runner = new Runner();
    try {
      const loop = runner.getLoop();
      expect(loop.isClosed()).toBe(false);
      expect(loop.isRunning()).toBe(false);
      expect(await runner.run(async () => getRunningLoop())).toBe(loop);
      expect(loop.isRunning()).toBe(false);
      expect(loop.isClosed()).toBe(false);
      expect(runner.getLoop()).toBe(loop);
    } finally {
      await runner.close();
    }
  });

  // ports test_runners.py::RunnerTests.test_run (RunTests.test_asyncio_run_raises)
  it('a run that fails rejects with its error and the runner stays usable', async () => {
    const runner = new Runner();
    try {
      const err = new ValueError('spam');
      expect(
        await errorOf(() =>
          runner.run(async () => {
            await sleep(0);
            throw err;
          }),
        ),
      ).toBe(err);
      expect(await runner.run(async () => 'after')).toBe('after');
    } finally {
      await runner.close();
    }
  });

  // ports test_runners.py::RunnerTests.test_run (tasks live on between runs, as in asyncio)
  it('a task left over from one run goes on during the next one', async () => {
    const runner = new Runner();
    try {
      // (wrapped in an object: a Task is a thenable, which a promise would adopt)
      const { bg } = await runner.run(async () => ({
        bg: createTask(async () => {
          await sleep(5);
          return 'background';
        }),
      }));
      expect(bg.done()).toBe(false);
      expect(await runner.run(async () => await bg)).toBe('background');
    } finally {
      await runner.close();
    }
  });

  // ports test_runners.py::RunnerTests.test_explicit_close
  it('close() cancels the tasks left over from the runs and closes the loop', async () => {
    const runner = new Runner();
    let cleaned = false;
    const { bg } = await runner.run(function* () {
      const t = createTask(function* () {
        try {
          yield* sleep(FOREVER);
        } finally {
          cleaned = true;
        }
      });
      yield* sleep(0);
      return { bg: t }; // not the bare Task: a promise would adopt that thenable
    });
    const loop = runner.getLoop();
    expect(bg.done()).toBe(false);
    await runner.close();
    expect(bg.cancelled()).toBe(true);
    expect(cleaned).toBe(true);
    expect(loop.isClosed()).toBe(true);
  });

  // ports test_runners.py::RunnerTests.test_explicit_close
  it('after close(), getLoop() throws RuntimeError "Runner is closed"', async () => {
    const runner = new Runner();
    const loop = runner.getLoop();
    await runner.close();
    const e = syncError(() => runner.getLoop());
    expect(e).toBeInstanceOf(RuntimeError);
    expect((e as Error).message).toMatch(/Runner is closed/);
    expect(loop.isClosed()).toBe(true);
  });

  // ports test_runners.py::RunnerTests.test_double_close
  it('a second close() is a no-op', async () => {
    const runner = new Runner();
    const loop = runner.getLoop();
    await runner.close();
    expect(loop.isClosed()).toBe(true);
    await runner.close();
    expect(loop.isClosed()).toBe(true);
  });

  // ports test_runners.py::RunnerTests.test_second_with_block_raises
  it('run() after close() is refused with RuntimeError and main never runs', async () => {
    const ret: number[] = [];
    const runner = new Runner();
    await runner.run(async () => {
      ret.push(1);
    });
    await runner.close();
    const e = await errorOf(() =>
      runner.run(async () => {
        ret.push(2);
      }),
    );
    expect(e).toBeInstanceOf(RuntimeError);
    expect((e as Error).message).toMatch(/Runner is closed/);
    expect(ret).toEqual([1]);
  });

  // ports test_runners.py::RunnerTests.test_run_future (asyncio 3.14: any awaitable)
  it('run() accepts a Future of its own loop', async () => {
    const runner = new Runner();
    try {
      const loop = runner.getLoop();
      const fut = loop.createFuture<string>();
      loop.callSoon(() => fut.setResult('from the future'));
      expect(await runner.run(fut)).toBe('from the future');
    } finally {
      await runner.close();
    }
  });

  // ports test_runners.py::RunnerTests.test_run_future (asyncio 3.14: any awaitable)
  it('run() of a Future that fails rejects with its error', async () => {
    const runner = new Runner();
    try {
      const loop = runner.getLoop();
      const fut = loop.createFuture<string>();
      const err = new ValueError('future failed');
      loop.callLater(1, () => fut.setException(err));
      expect(await errorOf(() => runner.run(fut))).toBe(err);
    } finally {
      await runner.close();
    }
  });

  // ports test_runners.py::RunnerTests.test_recursive_run
  it('Runner.run() inside one of its own runs is refused with RuntimeError', async () => {
    const runner = new Runner();
    let innerRan = false;
    try {
      const e = await runner.run(async () =>
        errorOf(() =>
          runner.run(async () => {
            innerRan = true;
          }),
        ),
      );
      expect(e).toBeInstanceOf(RuntimeError);
      expect((e as Error).message).toMatch(/cannot be called from a running event loop/);
    } finally {
      await runner.close();
    }
    expect(innerRan).toBe(false);
  });

  // ports test_runners.py::RunnerTests.test_recursive_run
  it('Runner.run() from a generator run of the same runner is refused with RuntimeError', async () => {
    const runner = new Runner();
    try {
      const e = await runner.run(function* () {
        return yield* ensureFuture(errorOf(() => runner.run(function* () {})));
      });
      expect(e).toBeInstanceOf(RuntimeError);
    } finally {
      await runner.close();
    }
  });

  // ports test_runners.py::RunnerTests.test_non_debug / test_debug (with a clock)
  it('a Runner given a MockClock runs on virtual time across runs', async () => {
    const runner = new Runner({ clock: virtualClock() });
    try {
      const loop = runner.getLoop();
      const t0 = loop.time();
      await runner.run(() => sleep(HOUR));
      await runner.run(function* () {
        yield* sleep(HOUR);
      });
      expect(loop.time() - t0).toBeGreaterThanOrEqual(2 * HOUR);
    } finally {
      await runner.close();
    }
  });

  // ports test_runners.py::RunnerTests.test_interrupt_wait (without the signal)
  it('a cancelled main of a Runner rejects with CancelledError and cancels the future it waited on', async () => {
    const runner = new Runner();
    try {
      const loop = runner.getLoop();
      const fut = loop.createFuture<void>();
      let innerSaw: unknown;
      const e = await errorOf(() =>
        runner.run(async () => {
          const me = currentTask()!;
          loop.callLater(5, () => me.cancel());
          try {
            await fut;
          } catch (c) {
            innerSaw = c;
            throw c;
          }
        }),
      );
      assertCancelled(e);
      assertCancelled(innerSaw);
      expect(fut.cancelled()).toBe(true);
    } finally {
      await runner.close();
    }
  });

  // ports test_runners.py::RunnerTests.test_interrupt_call_soon (without the signal)
  it('a cancelled generator main that only ever sleeps 0 is still cancelled', async () => {
    const runner = new Runner();
    try {
      const loop = runner.getLoop();
      let loops = 0;
      const e = await errorOf(() =>
        runner.run(function* () {
          const me = currentTask()!;
          loop.callLater(5, () => me.cancel());
          const c = yield* rejectionG(
            (function* () {
              for (;;) {
                loops += 1;
                yield* sleep(0);
              }
            })(),
          );
          assertCancelled(c);
          throw c;
        }),
      );
      assertCancelled(e);
      expect(loops).toBeGreaterThan(0);
    } finally {
      await runner.close();
    }
  });
});
