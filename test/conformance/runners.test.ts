// Behaviour ports of CPython 3.13 Lib/test/test_asyncio/test_runners.py (RunTests): run(), what it
// returns or throws, the fresh loop it makes, no nesting, and the tasks left over when main ends
// (RunnerTests are in runner.test.ts). These tests call run() themselves, so each one owns its
// loop(s). The signal / KeyboardInterrupt, event-loop-policy, loop-factory and contextvars tests are
// not ported.
import { describe, it, expect } from 'vitest';
import {
  RuntimeError,
  createTask,
  currentTask,
  getRunningLoop,
  isCancelledError,
  run,
  sleep,
  type Coroutine,
  type EventLoop,
  type ExceptionContext,
  type Task,
} from 'tulip';
import {
  FOREVER,
  HOUR,
  STYLES,
  ValueError,
  ZeroDivisionError,
  assertCancelled,
  errorOf,
  recordExceptions,
  styled,
  syncError,
  virtualClock,
} from './helpers.js';

// ---- local helpers ------------------------------------------------------------------------

class FancyExit extends Error {
  override name = 'FancyExit';
}

/** The contexts of `seen` that carry `exc` as their exception. */
const reportsOf = (seen: ExceptionContext[], exc: unknown) => seen.filter((c) => c.exception === exc);

// ---- run(): results and errors ------------------------------------------------------------------

describe('run(): what main returns or throws', () => {
  // ports test_runners.py::RunTests.test_asyncio_run_return
  it('run(() => 7) resolves to 7 without any await in main', async () => {
    expect(await run(() => 7)).toBe(7);
  });

  // ports test_runners.py::RunTests.test_asyncio_run_return
  it('run() of a function returning a generator object resolves to its return value', async () => {
    function* main(): Coroutine<string> {
      yield* sleep(1);
      return 'gen';
    }
    expect(await run(() => main())).toBe('gen');
  });

  // ports test_runners.py::RunTests.test_asyncio_run_raises
  it('run() of a generator rejects with the error it throws', async () => {
    const err = new ValueError('spam');
    const e = await errorOf(() =>
      run(function* () {
        yield* sleep(0);
        throw err;
      }),
    );
    expect(e).toBe(err);
  });

  // ports test_runners.py::RunTests.test_asyncio_run_raises
  it('run() rejects with an error main throws before its first await', async () => {
    const e = await errorOf(() =>
      run(() => {
        throw new ValueError('sync spam');
      }),
    );
    expect(e).toBeInstanceOf(ValueError);
    expect((e as Error).message).toBe('sync spam');
  });

  // ports test_runners.py::RunTests.test_asyncio_run_only_coro
  it('run() refuses a bare native promise with TypeError', async () => {
    let started = false;
    const p = (async () => {
      started = true;
      return 1;
    })();
    const e = await errorOf(() => run(p as never));
    expect(e).toBeInstanceOf(TypeError);
    expect(started).toBe(true); // …which is exactly why: its work began outside any task
  });

  // ports test_runners.py::RunTests.test_asyncio_run_only_coro
  it('run() refuses something that is neither a function nor a coroutine', async () => {
    for (const o of [1, 'main', { not: 'a coroutine' }]) {
      const e = await errorOf(() => run(o as never));
      expect(e instanceof TypeError || e instanceof RangeError, `run(${JSON.stringify(o)}) gave ${String(e)}`).toBe(
        true,
      );
      expect(e.message).toMatch(/an awaitable is required/); // asyncio 3.14's words (3.13: "a coroutine was expected")
      expect(e.message).toMatch(/a coroutine was expected/);
    }
  });

  // ports test_runners.py::RunTests.test_interrupt_cancelled_task (without the signal)
  it('run() rejects with CancelledError when main gets cancelled (async)', async () => {
    const e = await errorOf(() =>
      run(async () => {
        const me = currentTask()!;
        createTask(async () => {
          await sleep(0);
          me.cancel('stop main');
        });
        await sleep(FOREVER);
      }),
    );
    assertCancelled(e, 'stop main');
  });

  // ports test_runners.py::RunTests.test_interrupt_cancelled_task (without the signal)
  it('run() rejects with CancelledError when main gets cancelled (generator)', async () => {
    const e = await errorOf(() =>
      run(function* () {
        const me = currentTask()!;
        createTask(function* () {
          yield* sleep(0);
          me.cancel();
        });
        yield* sleep(FOREVER);
      }),
    );
    assertCancelled(e);
  });
});

// ---- run(): the loop it makes ---------------------------------------------------------------------

describe('run(): a fresh loop each time', () => {
  // ports test_runners.py::RunTests.test_asyncio_run_set_event_loop (behaviour: a new loop per call)
  it('each call runs on a new loop, which is closed when run() settles', async () => {
    const loop1 = await run(() => getRunningLoop());
    const loop2 = await run(function* () {
      yield* sleep(0);
      return getRunningLoop();
    });
    expect(loop1).not.toBe(loop2);
    expect(loop1.isClosed()).toBe(true);
    expect(loop2.isClosed()).toBe(true);
    expect(loop1.isRunning()).toBe(false);
  });

  // ports test_runners.py::RunTests.test_asyncio_run_set_event_loop
  it('no loop is running once run() has settled', async () => {
    await run(async () => {
      await sleep(0);
    });
    const e = syncError(() => getRunningLoop());
    expect(e).toBeInstanceOf(RuntimeError);
  });

  // ports test_runners.py::RunTests.test_asyncio_run_debug
  it('the debug option sets the debug mode of the new loop', async () => {
    expect(await run(() => getRunningLoop().getDebug(), { debug: true })).toBe(true);
    expect(await run(() => getRunningLoop().getDebug(), { debug: false })).toBe(false);
    expect(
      await run(
        function* () {
          yield* sleep(0);
          return getRunningLoop().getDebug();
        },
        { debug: true },
      ),
    ).toBe(true);
  });

  // ports test_runners.py::RunTests.test_asyncio_run_loop_factory (tulip's clock option instead)
  it('the clock option runs main on virtual time: an hour-long sleep costs nothing', async () => {
    const started = Date.now();
    const elapsed = await run(
      async () => {
        const loop = getRunningLoop();
        const t0 = loop.time();
        await sleep(HOUR);
        return loop.time() - t0;
      },
      { clock: virtualClock() },
    );
    expect(elapsed).toBeGreaterThanOrEqual(HOUR);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  // ports test_runners.py::RunTests.test_asyncio_run_return (tulip's name option)
  it('the name option names the main task', async () => {
    expect(await run(() => currentTask()!.getName(), { name: 'the-main' })).toBe('the-main');
    expect(
      await run(
        function* () {
          yield* sleep(0);
          return currentTask()!.getName();
        },
        { name: 'gen-main' },
      ),
    ).toBe('gen-main');
  });
});

// ---- run(): nesting -------------------------------------------------------------------------------

describe('run(): no nesting', () => {
  // ports test_runners.py::RunTests.test_asyncio_run_from_running_loop
  it('run() called inside a running async task rejects or throws RuntimeError, and the inner main never runs', async () => {
    let innerRan = false;
    await run(async () => {
      const e = await errorOf(() =>
        run(() => {
          innerRan = true;
        }),
      );
      expect(e).toBeInstanceOf(RuntimeError);
      expect((e as Error).message).toMatch(/cannot be called from a running/);
      // the outer loop is unharmed
      expect(await sleep(1, 'outer fine')).toBe('outer fine');
    });
    expect(innerRan).toBe(false);
  });

  // ports test_runners.py::RunTests.test_asyncio_run_from_running_loop
  it('run() called from a plain callback of a running loop is refused too', async () => {
    const e = await run(async () => {
      const loop = getRunningLoop();
      const got = loop.createFuture<unknown>();
      loop.callSoon(() => {
        errorOf(() => run(() => 1)).then(
          (x) => got.setResult(x),
          (x) => got.setResult(x),
        );
      });
      return await got;
    });
    expect(e).toBeInstanceOf(RuntimeError);
  });
});

// ---- run(): leftover tasks at exit -------------------------------------------------------------

describe('run(): tasks left over when main ends', () => {
  // ports test_runners.py::RunTests.test_asyncio_run_cancels_hanging_tasks
  it('leftover generator tasks are cancelled and their finally blocks run', async () => {
    let lo!: Task<void>;
    let cleaned = false;
    const r = await run(function* () {
      lo = createTask(function* () {
        try {
          yield* sleep(FOREVER);
        } finally {
          cleaned = true;
        }
      });
      yield* sleep(0);
      return 123;
    });
    expect(r).toBe(123);
    expect(lo.done()).toBe(true);
    expect(lo.cancelled()).toBe(true);
    expect(cleaned).toBe(true);
  });

  // ports test_runners.py::RunTests.test_asyncio_run_cancels_hanging_tasks
  it('leftover async tasks are cancelled and their finally blocks, even ones that wait, run', async () => {
    let lo!: Task<void>;
    const log: string[] = [];
    const r = await run(async () => {
      lo = createTask(async () => {
        try {
          await sleep(FOREVER);
        } catch (e) {
          log.push(isCancelledError(e) ? 'cancelled' : 'other');
          throw e;
        } finally {
          await sleep(1);
          log.push('cleaned');
        }
      });
      await sleep(0);
      return 123;
    });
    expect(r).toBe(123);
    expect(lo.cancelled()).toBe(true);
    expect(log).toEqual(['cancelled', 'cleaned']);
  });

  // ports test_runners.py::RunTests.test_asyncio_run_cancels_hanging_tasks (DESIGN: keep cancelling)
  it('tasks spawned by leftover tasks while they are being cancelled are cancelled too', async () => {
    let late: Task<void> | undefined;
    let loop!: EventLoop;
    await run(async () => {
      loop = getRunningLoop();
      createTask(async () => {
        try {
          await sleep(FOREVER);
        } finally {
          late = createTask(() => sleep(FOREVER));
        }
      });
      await sleep(0);
    });
    expect(late).toBeDefined();
    expect(late!.done()).toBe(true);
    expect(late!.cancelled()).toBe(true);
    expect(loop.isClosed()).toBe(true);
  });

  // ports test_runners.py::RunTests.test_asyncio_run_reports_hanging_tasks_errors
  it('an error a leftover async task raises while cancelled goes to the exception handler, once', async () => {
    let lo!: Task<void>;
    let seen!: ExceptionContext[];
    let err: unknown;
    const r = await run(async () => {
      seen = recordExceptions();
      lo = createTask(async () => {
        try {
          await sleep(100);
        } catch (e) {
          if (isCancelledError(e)) {
            err = new ZeroDivisionError();
            throw err;
          }
          throw e;
        }
      });
      await sleep(0);
      return 123;
    });
    expect(r).toBe(123);
    expect(lo.done()).toBe(true);
    expect(lo.exception()).toBe(err);
    const reports = reportsOf(seen, err);
    expect(reports).toHaveLength(1);
    expect(reports[0]!.message).toMatch(/run.*shutdown/);
    expect(reports[0]!.task).toBe(lo);
    expect(reports[0]!.exception).toBeInstanceOf(ZeroDivisionError);
  });

  // ports test_runners.py::RunTests.test_asyncio_run_reports_hanging_tasks_errors
  it('an error a leftover generator task raises while cancelled goes to the exception handler, once', async () => {
    let lo!: Task<void>;
    let seen!: ExceptionContext[];
    const r = await run(function* () {
      seen = recordExceptions();
      lo = createTask(function* () {
        try {
          yield* sleep(100);
        } catch (e) {
          if (isCancelledError(e)) throw new ZeroDivisionError();
          throw e;
        }
      });
      yield* sleep(0);
      return 123;
    });
    expect(r).toBe(123);
    expect(lo.exception()).toBeInstanceOf(ZeroDivisionError);
    const reports = reportsOf(seen, lo.exception());
    expect(reports).toHaveLength(1);
    expect(reports[0]!.message).toMatch(/run.*shutdown/);
    expect(reports[0]!.task).toBe(lo);
  });

  // ports test_runners.py::RunTests.test_asyncio_run_cancels_hanging_tasks
  it('leftover tasks that just end cancelled are not reported to the exception handler', async () => {
    let seen!: ExceptionContext[];
    await run(async () => {
      seen = recordExceptions();
      for (let i = 0; i < 3; i++) createTask(() => sleep(FOREVER));
      await sleep(0);
    });
    expect(seen).toEqual([]);
  });

  // ports test_runners.py::RunTests.test_asyncio_run_closes_gens_after_hanging_tasks_errors
  it.each(STYLES)('when main fails, run() rejects with its error and still cancels and reports the leftovers (%s)', async (style) => {
    let lazyboy!: Task<void>;
    let seen!: ExceptionContext[];
    const e = await errorOf(() =>
      run(
        styled(
          style,
          function* () {
            seen = recordExceptions();
            lazyboy = createTask(function* () {
              try {
                for (;;) yield* sleep(1000);
              } catch (c) {
                if (isCancelledError(c)) throw new ZeroDivisionError();
                throw c;
              }
            });
            yield* sleep(0);
            throw new FancyExit();
          },
          async () => {
            seen = recordExceptions();
            lazyboy = createTask(async () => {
              try {
                for (;;) await sleep(1000);
              } catch (c) {
                if (isCancelledError(c)) throw new ZeroDivisionError();
                throw c;
              }
            });
            await sleep(0);
            throw new FancyExit();
          },
        ),
      ),
    );
    expect(e).toBeInstanceOf(FancyExit);
    expect(lazyboy.done()).toBe(true);
    expect(lazyboy.exception()).toBeInstanceOf(ZeroDivisionError);
    expect(reportsOf(seen, lazyboy.exception())).toHaveLength(1);
  });

  // ports test_runners.py::RunTests.test_asyncio_run_cancels_hanging_tasks (the loop is closed after)
  it('the loop is closed only after the leftover tasks have finished their cleanup', async () => {
    let closedDuringCleanup: boolean | undefined;
    let loop!: EventLoop;
    await run(async () => {
      loop = getRunningLoop();
      createTask(async () => {
        try {
          await sleep(FOREVER);
        } finally {
          await sleep(1);
          closedDuringCleanup = loop.isClosed();
        }
      });
      await sleep(0);
    });
    expect(closedDuringCleanup).toBe(false);
    expect(loop.isClosed()).toBe(true);
  });
});
