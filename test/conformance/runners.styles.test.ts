// Style twins of the runner tests: each test here is the other-style twin of a test written in only
// one coroutine style in test/conformance/runners*.test.ts or /work/shared/conformance/runners.test.ts.
// These tests call run()/Runner themselves, so each one owns its loop(s).
import { describe, it, expect } from 'vitest';
import {
  Runner,
  RuntimeError,
  createTask,
  currentTask,
  getRunningLoop,
  isCancelledError,
  run,
  sleep,
  type EventLoop,
  type ExceptionContext,
  type Task,
} from 'tulip';
import {
  FOREVER,
  ValueError,
  ZeroDivisionError,
  assertCancelled,
  errorOf,
  recordExceptions,
  rejection,
  syncError,
  virtualClock,
} from './helpers.js';

const HOUR = 3_600_000;
const reportsOf = (seen: ExceptionContext[], exc: unknown) => seen.filter((c) => c.exception === exc);

describe('run() (style twins)', () => {
  // twin of shared runners.test.ts::rejects with what the main coroutine throws
  it('rejects with what a generator main throws after a wait', async () => {
    const e = await errorOf(() =>
      run(function* () {
        yield* sleep(0);
        throw new ValueError('spam');
      }),
    );
    expect(e).toBeInstanceOf(ValueError);
    expect((e as Error).message).toBe('spam');
  });

  // twin of runners.test.ts::run() rejects with an error main throws before its first await
  it('rejects with an error a generator main throws before its first yield', async () => {
    const err = new ValueError('early');
    // eslint-disable-next-line require-yield
    const e = await errorOf(() =>
      run(function* () {
        throw err;
      }),
    );
    expect(e).toBe(err);
  });

  // twin of runners.test.ts::run() rejects with CancelledError when main gets cancelled (async) — with the message
  it('run() rejects with CancelledError(msg) when a generator main gets cancelled with a message', async () => {
    const e = await errorOf(() =>
      run(function* () {
        const me = currentTask()!;
        createTask(function* () {
          yield* sleep(0);
          me.cancel('stop main');
        });
        yield* sleep(FOREVER);
      }),
    );
    assertCancelled(e, 'stop main');
  });

  // twin of runners.test.ts::no loop is running once run() has settled
  it('no loop is running once the run of a generator main has settled', async () => {
    await run(function* () {
      yield* sleep(0);
    });
    expect(syncError(() => getRunningLoop())).toBeInstanceOf(RuntimeError);
  });

  // twin of runners.test.ts::the clock option runs main on virtual time: an hour-long sleep costs nothing
  it('the clock option runs a generator main on virtual time: an hour-long sleep costs nothing', async () => {
    const started = Date.now();
    const elapsed = await run(
      function* () {
        const loop = getRunningLoop();
        const t0 = loop.time();
        yield* sleep(HOUR);
        return loop.time() - t0;
      },
      { clock: virtualClock() },
    );
    expect(elapsed).toBe(HOUR);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  // twin of shared runners.test.ts::cannot be called from a running loop (inner main never runs)
  it('run() called inside a running generator task is refused and the inner main never runs', async () => {
    let innerRan = false;
    await run(function* () {
      let e: unknown;
      try {
        const p = run(async () => {
          innerRan = true;
        });
        p.catch(() => {});
        e = yield* createTask(() => p.then(() => undefined, (x: unknown) => x));
      } catch (x) {
        e = x;
      }
      expect(e).toBeInstanceOf(RuntimeError);
      expect((e as Error).message).toMatch(/cannot be called from a running/);
    });
    expect(innerRan).toBe(false);
  });
});

describe('run(): tasks left over when main ends (style twins)', () => {
  // twin of runners.test.ts::leftover async tasks are cancelled and their finally blocks, even ones that wait, run
  it('leftover generator tasks are cancelled and their finally blocks, even ones that wait, run', async () => {
    let lo!: Task<void>;
    const log: string[] = [];
    const r = await run(function* () {
      lo = createTask(function* () {
        try {
          yield* sleep(FOREVER);
        } catch (e) {
          log.push(isCancelledError(e) ? 'cancelled' : 'other');
          throw e;
        } finally {
          yield* sleep(1);
          log.push('cleaned');
        }
      });
      yield* sleep(0);
      return 123;
    });
    expect(r).toBe(123);
    expect(lo.cancelled()).toBe(true);
    expect(log).toEqual(['cancelled', 'cleaned']);
  });

  // twin of runners.test.ts::tasks spawned by leftover tasks while they are being cancelled are cancelled too
  it('generator tasks spawned by leftover generator tasks while they are being cancelled are cancelled too', async () => {
    let late: Task<void> | undefined;
    let loop!: EventLoop;
    await run(function* () {
      loop = getRunningLoop();
      createTask(function* () {
        try {
          yield* sleep(FOREVER);
        } finally {
          late = createTask(function* () {
            yield* sleep(FOREVER);
          });
        }
      });
      yield* sleep(0);
    });
    expect(late).toBeDefined();
    expect(late!.cancelled()).toBe(true);
    expect(loop.isClosed()).toBe(true);
  });

  // twin of runners.test.ts::leftover tasks that just end cancelled are not reported to the exception handler
  it('leftover generator tasks that just end cancelled are not reported to the exception handler', async () => {
    let seen!: ExceptionContext[];
    await run(function* () {
      seen = recordExceptions();
      for (let i = 0; i < 3; i++)
        createTask(function* () {
          yield* sleep(FOREVER);
        });
      yield* sleep(0);
    });
    expect(seen).toEqual([]);
  });

  // twin of runners.test.ts::the loop is closed only after the leftover tasks have finished their cleanup
  it('the loop is closed only after the leftover generator tasks have finished their cleanup', async () => {
    let closedDuringCleanup: boolean | undefined;
    let loop!: EventLoop;
    await run(function* () {
      loop = getRunningLoop();
      createTask(function* () {
        try {
          yield* sleep(FOREVER);
        } finally {
          yield* sleep(1);
          closedDuringCleanup = loop.isClosed();
        }
      });
      yield* sleep(0);
    });
    expect(closedDuringCleanup).toBe(false);
    expect(loop.isClosed()).toBe(true);
  });

  // twin of runners.test.ts::an error a leftover generator task raises while cancelled goes to the exception handler, once (async main, generator leftover)
  it('an error a leftover generator task of an async main raises while cancelled is reported once', async () => {
    let lo!: Task<void>;
    let seen!: ExceptionContext[];
    const r = await run(async () => {
      seen = recordExceptions();
      lo = createTask(function* () {
        try {
          yield* sleep(100);
        } catch (e) {
          if (isCancelledError(e)) throw new ZeroDivisionError();
          throw e;
        }
      });
      await sleep(0);
      return 123;
    });
    expect(r).toBe(123);
    expect(lo.exception()).toBeInstanceOf(ZeroDivisionError);
    expect(reportsOf(seen, lo.exception())).toHaveLength(1);
  });
});

describe('Runner (style twins)', () => {
  // twin of runner.test.ts::getLoop() gives the loop the runs use, idle and open between runs
  it('getLoop() gives the loop generator runs use, idle and open between runs', async () => {
    const runner = new Runner();
    try {
      const loop = runner.getLoop();
      expect(
        await runner.run(function* () {
          yield* sleep(0);
          return getRunningLoop();
        }),
      ).toBe(loop);
      expect(loop.isRunning()).toBe(false);
      expect(loop.isClosed()).toBe(false);
    } finally {
      await runner.close();
    }
  });

  // twin of runner.test.ts::a run that fails rejects with its error and the runner stays usable
  it('a generator run that fails rejects with its error and the runner stays usable', async () => {
    const runner = new Runner();
    try {
      const err = new ValueError('spam');
      expect(
        await errorOf(() =>
          runner.run(function* () {
            yield* sleep(0);
            throw err;
          }),
        ),
      ).toBe(err);
      expect(
        await runner.run(function* () {
          yield* sleep(0);
          return 'after';
        }),
      ).toBe('after');
    } finally {
      await runner.close();
    }
  });

  // twin of runner.test.ts::a task left over from one run goes on during the next one
  it('a generator task left over from one run goes on during the next generator run', async () => {
    const runner = new Runner();
    try {
      const { bg } = await runner.run(function* () {
        yield* sleep(0);
        return {
          bg: createTask(function* () {
            yield* sleep(5);
            return 'background';
          }),
        };
      });
      expect(bg.done()).toBe(false);
      expect(
        await runner.run(function* () {
          return yield* bg;
        }),
      ).toBe('background');
    } finally {
      await runner.close();
    }
  });

  // twin of runner.test.ts::close() cancels the tasks left over from the runs and closes the loop
  it('close() cancels the async tasks left over from the runs, lets their finally wait, and closes the loop', async () => {
    const runner = new Runner();
    const log: string[] = [];
    const { bg } = await runner.run(async () => {
      const t = createTask(async () => {
        try {
          await sleep(FOREVER);
        } finally {
          await sleep(1);
          log.push('cleaned');
        }
      });
      await sleep(0);
      return { bg: t };
    });
    const loop = runner.getLoop();
    expect(bg.done()).toBe(false);
    await runner.close();
    expect(bg.cancelled()).toBe(true);
    expect(log).toEqual(['cleaned']);
    expect(loop.isClosed()).toBe(true);
  });

  // twin of runner.test.ts::run() after close() is refused with RuntimeError and main never runs
  it('a generator run() after close() is refused with RuntimeError and main never runs', async () => {
    const ret: number[] = [];
    const runner = new Runner();
    await runner.run(function* () {
      ret.push(1);
    });
    await runner.close();
    const e = await errorOf(() =>
      runner.run(function* () {
        ret.push(2);
      }),
    );
    expect(e).toBeInstanceOf(RuntimeError);
    expect(ret).toEqual([1]);
  });

  // twin of runner.test.ts::a cancelled main of a Runner rejects with CancelledError and cancels the future it waited on
  it('a cancelled generator main of a Runner rejects with CancelledError and cancels the future it waited on', async () => {
    const runner = new Runner();
    try {
      const loop = runner.getLoop();
      const fut = loop.createFuture<void>();
      let innerSaw: unknown;
      const e = await errorOf(() =>
        runner.run(function* () {
          const me = currentTask()!;
          loop.callLater(5, () => me.cancel());
          try {
            yield* fut;
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

  // twin of runner.test.ts::a cancelled generator main that only ever sleeps 0 is still cancelled
  it('a cancelled async main that only ever sleeps 0 is still cancelled', async () => {
    const runner = new Runner();
    try {
      const loop = runner.getLoop();
      let loops = 0;
      const e = await errorOf(() =>
        runner.run(async () => {
          const me = currentTask()!;
          loop.callLater(5, () => me.cancel());
          const c = await rejection(
            (async () => {
              for (;;) {
                loops += 1;
                await sleep(0);
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

  // twin of runner.test.ts::a Runner given a MockClock runs on virtual time across runs (async runs)
  it('a Runner given a MockClock runs async mains on virtual time across runs', async () => {
    const runner = new Runner({ clock: virtualClock() });
    try {
      const loop = runner.getLoop();
      const t0 = loop.time();
      await runner.run(async () => {
        await sleep(HOUR);
      });
      await runner.run(async () => {
        await sleep(HOUR);
      });
      expect(loop.time() - t0).toBe(2 * HOUR);
    } finally {
      await runner.close();
    }
  });
});
