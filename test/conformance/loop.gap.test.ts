// Gap ports of CPython 3.13 Lib/test/test_asyncio/test_base_events.py and test_events.py: the
// behaviours of the event-loop API (callSoon/callLater/callAt, runForever/runUntilComplete/stop,
// close, the exception handler, debug-mode checks, running loops) that no other tulip test covered.
// Every test names the CPython test it comes from; asyncio's seconds are milliseconds here, and
// time-dependent tests run on virtual time (MockClock).
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  RuntimeError,
  getRunningLoop,
  newEventLoop,
  sleep,
  type EventLoop,
  type Executor,
  type Future,
} from 'tulip';
import { MockClock } from 'tulip/testing';
import { STYLES, ValueError, errorOf, recordExceptions, styled, syncError, virtualClock } from './helpers.js';

afterEach(() => {
  vi.restoreAllMocks();
});

/** A loop on virtual time that jumps to the next deadline whenever nothing is ready. */
function virtualLoop(): EventLoop {
  return newEventLoop({ clock: virtualClock() });
}

describe('a closed loop (test_base_events BaseEventLoopTests.test_close)', () => {
  it('still creates futures after close(), but refuses to run until one of them is done', async () => {
    const loop = newEventLoop();
    expect(loop.isClosed()).toBe(false);
    loop.close();
    expect(loop.isClosed()).toBe(true);
    loop.close(); // close() more than once is fine
    loop.close();
    expect(loop.isClosed()).toBe(true);
    const f: Future<number> = loop.createFuture<number>();
    expect(f.getLoop()).toBe(loop);
    expect(f.done()).toBe(false);
    const e = await errorOf(() => loop.runUntilComplete(f));
    expect(e).toBeInstanceOf(RuntimeError);
    expect(e.message).toMatch(/Event loop is closed/);
    expect(f.done()).toBe(false); // nothing ran: the future is as it was
  });
});

describe('timers (test_base_events BaseEventLoopTests)', () => {
  // test_call_later: `call_later(None, cb)` is a TypeError.
  it('callLater() with a null delay throws TypeError and schedules nothing', async () => {
    const loop = virtualLoop();
    let ran = false;
    const e = syncError(() =>
      loop.callLater(null as never, () => {
        ran = true;
      }),
    );
    expect(e).toBeInstanceOf(TypeError);
    loop.callLater(1000, () => loop.stop());
    await loop.runForever();
    loop.close();
    expect(ran).toBe(false);
    expect(loop.time()).toBe(1000);
  });

  // test_call_later_negative_delays
  it('two overdue timers run in the order of their deadlines, not in the order they were scheduled', async () => {
    const loop = virtualLoop();
    const calls: string[] = [];
    loop.callLater(-1000, (arg: string) => calls.push(arg), 'a');
    loop.callLater(-2000, (arg: string) => calls.push(arg), 'b');
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    loop.close();
    expect(calls).toEqual(['b', 'a']);
  });

  // test__run_once_schedule_handle
  it("a callback scheduled by a timer's callback runs in the following pass, not in the timer's pass", async () => {
    const loop = virtualLoop();
    const log: string[] = [];
    let scheduledBy: unknown;
    loop.callLater(-1, () => {
      log.push('timer');
      scheduledBy = loop.callSoon(() => log.push('scheduled by the timer'));
    });
    loop.stop(); // exactly one pass
    await loop.runForever();
    expect(log).toEqual(['timer']);
    expect(scheduledBy).toBeDefined();
    loop.stop(); // and one more
    await loop.runForever();
    expect(log).toEqual(['timer', 'scheduled by the timer']);
    loop.close();
  });

  // test_run_forever_pre_stopped: the pre-stopped pass polls without blocking (select(0)).
  it('a loop stopped before runForever() runs its one pass without waiting for a pending timer', async () => {
    const loop = virtualLoop(); // autojump: waiting for the timer would move virtual time to it
    let timerRan = false;
    let soonRan = false;
    const timer = loop.callLater(1000, () => {
      timerRan = true;
    });
    loop.callSoon(() => {
      soonRan = true;
    });
    loop.stop();
    await loop.runForever();
    expect(soonRan).toBe(true);
    expect(timerRan).toBe(false);
    expect(loop.time()).toBe(0);
    expect(loop.isRunning()).toBe(false);
    // The timer is still scheduled for a later run.
    loop.callLater(2000, () => loop.stop());
    await loop.runForever();
    expect(timerRan).toBe(true);
    expect(timer.cancelled()).toBe(false);
    loop.close();
  });
});

describe('runUntilComplete (test_base_events BaseEventLoopTests, test_events EventLoopTestsMixin)', () => {
  // test_run_until_complete_type_error
  it('runUntilComplete() of a string (nothing awaitable) is refused with TypeError, and the loop stays usable', async () => {
    const loop = newEventLoop();
    const e = await errorOf(() => loop.runUntilComplete('blah' as never));
    expect(e).toBeInstanceOf(TypeError);
    expect(loop.isRunning()).toBe(false);
    expect(await loop.runUntilComplete(async () => 'usable')).toBe('usable');
    loop.close();
  });

  // test_events.py test_run_until_complete (asyncio.sleep(0.1): loop time moves by >= 100 ms)
  it('runUntilComplete() of a task that sleeps 100 ms returns once loop time has moved on by 100 ms', async () => {
    const loop = newEventLoop({ clock: new MockClock({ autojumpThreshold: 0 }) });
    const t0 = loop.time();
    await loop.runUntilComplete(function* () {
      yield* sleep(100);
    });
    expect(loop.time() - t0).toBe(100);
    loop.close();
  });

  // test_events.py test_run_until_complete_stopped
  it('a task that stops the loop and then waits makes runUntilComplete() reject with RuntimeError', async () => {
    const loop = virtualLoop();
    let resumed = false;
    const t = loop.createTask(async () => {
      getRunningLoop().stop();
      await sleep(100);
      resumed = true;
    });
    const e = await errorOf(() => loop.runUntilComplete(t));
    expect(e).toBeInstanceOf(RuntimeError);
    expect(e.message).toBe('Event loop stopped before Future completed.');
    expect(t.done()).toBe(false);
    expect(resumed).toBe(false);
    t.cancel();
    await errorOf(() => loop.runUntilComplete(t));
    loop.close();
  });

  // test_run_until_complete_loop_orphan_future_close_loop: the first run is interrupted (asyncio: by a
  // SystemExit from a callback; here by stop(), the only way a run ends early) and must take its
  // done-callback away, or the orphaned task would stop the next run when it finishes.
  it('a run interrupted before its task finished leaves no stop behind: the orphaned task finishing later does not end the next run early', async () => {
    const loop = virtualLoop();
    const orphan = loop.createTask(async () => {
      await sleep(100);
      return 'orphan';
    });
    loop.callSoon(() => loop.stop());
    const e = await errorOf(() => loop.runUntilComplete(orphan));
    expect(e).toBeInstanceOf(RuntimeError);
    expect(orphan.done()).toBe(false);
    const second = await loop.runUntilComplete(async () => {
      await sleep(200);
      return getRunningLoop().time();
    });
    expect(second).toBe(200); // ran to its own end, although the orphan finished at 100 during it
    expect(orphan.done()).toBe(true);
    expect(orphan.result()).toBe('orphan');
    loop.close();
  });

  for (const style of STYLES) {
    // test_run_forever_keyboard_interrupt (the error reaches the caller of run_until_complete, and the
    // temporary task does not log it too)
    it(`the error of the ${style} task runUntilComplete() ran reaches its caller only: the exception handler never hears of it, even after close()`, async () => {
      const loop = newEventLoop();
      const seen = recordExceptions(loop);
      const boom = new ValueError('boom');
      const body = styled(
        style,
        function* () {
          yield* sleep(0);
          throw boom;
        },
        async () => {
          await sleep(0);
          throw boom;
        },
      );
      const e = await errorOf(() => loop.runUntilComplete(body));
      expect(e).toBe(boom);
      // a few more passes, then close(): still nothing reported
      loop.callSoon(() => loop.callSoon(() => loop.stop()));
      await loop.runForever();
      loop.close();
      expect(seen).toEqual([]);
    });

    // test_run_until_complete_baseexception
    it(`after runUntilComplete() rejected with the error of ${style === 'async' ? 'an' : 'a'} ${style} task, runForever() runs on until its own stop()`, async () => {
      const loop = newEventLoop();
      recordExceptions(loop);
      const boom = new ValueError('boom');
      const e = await errorOf(() =>
        loop.runUntilComplete(
          styled(
            style,
            function* () {
              throw boom;
            },
            async () => {
              throw boom;
            },
          ),
        ),
      );
      expect(e).toBe(boom);
      let called = false;
      loop.callSoon(() =>
        loop.callSoon(() => {
          called = true;
          loop.stop();
        }),
      );
      await loop.runForever();
      expect(called).toBe(true);
      loop.close();
    });
  }
});

describe('coroutines are not callbacks (test_base_events BaseEventLoopTests.test_call_coroutine)', () => {
  function* coroFn(): Generator<unknown, void, unknown> {
    yield* sleep(0);
  }

  /** An executor that records what it was given, and never runs it. */
  function recordingExecutor(): Executor & { submitted: unknown[] } {
    const submitted: unknown[] = [];
    return {
      submitted,
      submit: <R, A extends unknown[]>(fn: (...args: A) => R | PromiseLike<R>, ..._args: A): Promise<R> => {
        submitted.push(fn);
        return new Promise<R>(() => {});
      },
    };
  }

  for (const debug of [false, true]) {
    it(`callSoon, callLater, callAt and runInExecutor refuse a generator object (a coroutine) with TypeError (debug=${debug})`, async () => {
      const loop = newEventLoop({ debug });
      const ex = recordingExecutor();
      loop.setDefaultExecutor(ex);
      const coro = coroFn();
      const calls: Array<[string, () => unknown]> = [
        ['callSoon', () => loop.callSoon(coro as never)],
        ['callLater', () => loop.callLater(60_000, coro as never)],
        ['callAt', () => loop.callAt(loop.time() + 60_000, coro as never)],
        ['runInExecutor', () => loop.runInExecutor(null, coro as never)],
      ];
      for (const [name, call] of calls) {
        const e = syncError(call);
        expect(e, name).toBeInstanceOf(TypeError);
      }
      expect(ex.submitted).toEqual([]);
      // nothing was scheduled: one pass runs only the stop
      let passes = 0;
      loop.callSoon(() => {
        passes++;
        loop.stop();
      });
      await loop.runForever();
      expect(passes).toBe(1);
      loop.close();
    });
  }

  // asyncio's debug mode refuses coroutine functions in call_soon/call_at/run_in_executor with
  // TypeError (tulip refuses a generator function in any mode: its body would never run).
  it('in debug mode, callSoon, callLater, callAt and runInExecutor refuse a generator function with TypeError', () => {
    const loop = newEventLoop({ debug: true });
    const ex = recordingExecutor();
    loop.setDefaultExecutor(ex);
    const accepted: string[] = [];
    const calls: Array<[string, () => { cancel?: () => void } | unknown]> = [
      ['callSoon', () => loop.callSoon(coroFn)],
      ['callLater', () => loop.callLater(60_000, coroFn)],
      ['callAt', () => loop.callAt(loop.time() + 60_000, coroFn)],
      ['runInExecutor', () => loop.runInExecutor(null, coroFn as never)],
    ];
    for (const [name, call] of calls) {
      try {
        const h = call() as { cancel?: () => void };
        accepted.push(name);
        h.cancel?.();
      } catch (e) {
        expect(e, name).toBeInstanceOf(TypeError);
      }
    }
    loop.close();
    expect(accepted).toEqual([]);
    expect(ex.submitted).toEqual([]);
  });
});

describe('the default exception handler (test_base_events BaseEventLoopTests)', () => {
  /** Everything console.error printed, one string per call. */
  const printedText = (spy: { mock: { calls: unknown[][] } }): string[] =>
    spy.mock.calls.map((c) => c.map(String).join(' '));

  // test_default_exc_handler_callback (the call_later half; the call_soon half is in
  // test/loop/exceptionhandler.test.ts)
  it('prints an error thrown by a timer callback as "Exception in callback zeroError()" with the handle and the error, and the loop runs on', async () => {
    const loop = virtualLoop();
    expect(loop.getExceptionHandler()).toBeNull();
    const printed = vi.spyOn(console, 'error').mockImplementation(() => {});
    const fut = loop.createFuture<boolean>();
    const zero = new Error('division by zero');
    loop.callLater(
      10,
      function zeroError(f: Future<boolean>) {
        f.setResult(true);
        throw zero;
      },
      fut,
    );
    fut.addDoneCallback(() => loop.stop());
    await loop.runForever();
    loop.close();
    expect(fut.result()).toBe(true);
    const text = printedText(printed);
    expect(text).toHaveLength(1);
    expect(text[0]).toMatch(/^Exception in callback zeroError\(\)\nhandle: <TimerHandle when=[\d.]+ zeroError\(\)>/);
    expect(text[0]).toContain('division by zero');
  });

  // test_default_exc_handler_coro (here the loop is stopped by a timer; see the next test for
  // asyncio's own setup, a done callback that stops the loop)
  it('prints the error of a task nobody awaits as "Task exception was never retrieved", with the error', async () => {
    const loop = virtualLoop();
    const printed = vi.spyOn(console, 'error').mockImplementation(() => {});
    const zero = new Error('division by zero');
    loop.createTask(async () => {
      await sleep(10);
      throw zero;
    });
    loop.callLater(20, () => loop.stop());
    await loop.runForever();
    loop.close();
    const reports = printedText(printed).filter((s) => s.includes('exception was never retrieved'));
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatch(/^Task exception was never retrieved/);
    expect(reports[0]).toContain('division by zero');
  });

  // test_default_exc_handler_coro, as asyncio writes it: the task's done callback stops the loop
  // and never reads the error.
  // asyncio logs "Task exception was never retrieved" (a callback retrieves nothing unless it
  // calls result()/exception()); tulip reports at the end of the pass the callbacks ran in.
  it("a done callback that never reads the task's error does not count as retrieving it: the error is still reported", async () => {
    const loop = virtualLoop();
    const seen = recordExceptions(loop);
    const zero = new Error('division by zero');
    const t = loop.createTask(async () => {
      await sleep(10);
      throw zero;
    });
    t.addDoneCallback(() => loop.stop());
    await loop.runForever();
    loop.stop(); // one more pass: tasks are reported at the end of the pass they failed in
    await loop.runForever();
    loop.close();
    const reports = seen.filter((c) => /exception was never retrieved/.test(c.message));
    expect(reports).toHaveLength(1);
    expect(reports[0]!.message).toMatch(/^Task exception was never retrieved/);
    expect(reports[0]!.exception).toBe(zero);
    expect(reports[0]!.task ?? reports[0]!.future).toBe(t);
  });
});

describe('a broken default exception handler (test_base_events BaseEventLoopTests.test_default_exc_handler_broken)', () => {
  // asyncio logs an error thrown by an overridden default handler ("Exception in default
  // exception handler", with the traceback) instead of losing it.
  it('an error thrown by an overridden defaultExceptionHandler is printed to stderr as "Exception in default exception handler"', async () => {
    const loop = newEventLoop();
    const printed = vi.spyOn(console, 'error').mockImplementation(() => {});
    const broken = new ValueError('spam');
    loop.defaultExceptionHandler = () => {
      throw broken;
    };
    loop.callSoon(function zeroError() {
      throw new Error('division by zero');
    });
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    loop.close();
    const text = printed.mock.calls.map((c) => c.map(String).join(' ')).join('\n');
    expect(text).toContain('Exception in default exception handler');
    expect(text).toContain('spam');
  });

  // As above, when a custom handler throws and the default handler it falls back on throws too:
  // asyncio logs "Exception in default exception handler while handling an unexpected
  // error in custom exception handler".
  it('when both the custom handler and the overridden default handler throw, stderr says so', async () => {
    const loop = newEventLoop();
    const printed = vi.spyOn(console, 'error').mockImplementation(() => {});
    const contexts: Array<Record<string, unknown>> = [];
    loop.defaultExceptionHandler = (ctx) => {
      contexts.push(ctx);
      throw new ValueError('spam');
    };
    loop.setExceptionHandler(() => {
      throw new ValueError('ham');
    });
    const zero = new Error('division by zero');
    loop.callSoon(function zeroError() {
      throw zero;
    });
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    loop.close();
    // the default handler got the original context under `context` (tulip does this part)
    expect((contexts[0]!.context as { exception: unknown }).exception).toBe(zero);
    const text = printed.mock.calls.map((c) => c.map(String).join(' ')).join('\n');
    expect(text).toMatch(/Exception in default exception handler.*while handling.*custom exception handler/);
  });
});

describe('one running loop at a time (test_base_events RunningLoopTests, test_events GetEventLoopTestsMixin)', () => {
  // asyncio refuses to run a second loop from inside a running one: RuntimeError('Cannot run the
  // event loop while another loop is running').
  it("runForever() and runUntilComplete() of another loop, called from a running task, are refused with RuntimeError and getRunningLoop() stays the task's loop", async () => {
    const outer = newEventLoop();
    const inner = newEventLoop();
    try {
      const [a, b, stillOuter] = await outer.runUntilComplete(async () => {
        // What each call gives: its error, or 'accepted' (then the inner loop is stopped again).
        let a: unknown = 'accepted';
        try {
          const running = inner.runForever();
          inner.stop();
          await running;
        } catch (e) {
          a = e;
        }
        let b: unknown = 'accepted';
        try {
          await inner.runUntilComplete(async () => 1);
        } catch (e) {
          b = e;
        }
        return [a as Error, b as Error, getRunningLoop() === outer] as const;
      });
      expect(a).toBeInstanceOf(RuntimeError);
      expect(a.message).toMatch(/while another loop is running/);
      expect(b).toBeInstanceOf(RuntimeError);
      expect(b.message).toMatch(/while another loop is running/);
      expect(stillOuter).toBe(true);
      expect(inner.isRunning()).toBe(false);
    } finally {
      inner.close();
      outer.close();
    }
  });
});
