// Audit ports of CPython 3.13 Lib/test/test_asyncio/test_base_events.py, test_events.py and the
// signal-handler tests of test_unix_events.py: the event-loop behaviours of tulip's contract that
// no earlier test (test/loop/*, test/conformance/loop.gap.test.ts, threads*.test.ts, eager*.test.ts)
// pinned yet. Each test names the CPython test it comes from; asyncio's seconds are milliseconds.
// Where a test quotes "Python (vendored 3.13)", that is what asyncio 3.13 was seen to do.
import { describe, expect, it } from 'vitest';
import {
  EventLoop,
  KeyboardInterruptError,
  RuntimeError,
  Task,
  createTask,
  eagerTaskFactory,
  ensureFuture,
  getRunningLoop,
  newEventLoop,
  run,
  sleep,
  type TaskBody,
  type TaskFactory,
  type TaskOptions,
  gather,
} from 'tulip';
import { STYLES, errorOf, recordExceptions, styled, syncError } from './helpers.js';

/** How a call reports a refusal: thrown at the call, or through the promise it returned. */
async function howRefused(call: () => unknown): Promise<{ how: 'thrown' | 'rejected' | 'accepted'; error?: unknown }> {
  let p: unknown;
  try {
    p = call();
  } catch (e) {
    return { how: 'thrown', error: e };
  }
  try {
    await p;
  } catch (e) {
    return { how: 'rejected', error: e };
  }
  return { how: 'accepted' };
}

describe('timers on the real clock (test_base_events BaseEventLoopTests)', () => {
  // test_time_and_call_at: a callback at time() + delay runs once the loop clock has moved on by
  // at least the delay (asyncio: 100 ms; here 5 ms of real time).
  it('a callAt(time() + 5) callback on the real clock runs no earlier than 5 ms of loop time later', async () => {
    const loop = newEventLoop();
    const t0 = loop.time();
    let ranAt = -1;
    loop.callAt(t0 + 5, () => {
      ranAt = loop.time();
      loop.stop();
    });
    await loop.runForever();
    loop.close();
    expect(ranAt - t0).toBeGreaterThanOrEqual(5);
  });
});

describe('the task factory (test_base_events BaseEventLoopTests)', () => {
  // test_set_task_factory_invalid
  it('setTaskFactory(1) is refused with TypeError and the loop keeps having no factory', () => {
    const loop = newEventLoop();
    const e = syncError(() => loop.setTaskFactory(1 as unknown as TaskFactory));
    expect(e).toBeInstanceOf(TypeError);
    expect(loop.getTaskFactory()).toBeNull();
    loop.close();
  });

  // test_set_task_factory
  it('a factory making a Task subclass makes every task of loop.createTask(); setTaskFactory(null) brings plain tasks back', async () => {
    class MyTask<T> extends Task<T> {}
    const loop = newEventLoop();
    const factory: TaskFactory = <T>(l: EventLoop, body: TaskBody<T>) => new MyTask<T>(body, { loop: l } as never);
    expect(loop.getTaskFactory()).toBeNull();
    loop.setTaskFactory(factory);
    expect(loop.getTaskFactory()).toBe(factory);
    const first = loop.createTask(async () => 'first');
    expect(first).toBeInstanceOf(MyTask);
    expect(await loop.runUntilComplete(first)).toBe('first');
    loop.setTaskFactory(null);
    expect(loop.getTaskFactory()).toBeNull();
    const second = loop.createTask(function* () {
      return 'second';
    });
    expect(second).toBeInstanceOf(Task);
    expect(second).not.toBeInstanceOf(MyTask);
    expect(await loop.runUntilComplete(second)).toBe('second');
    loop.close();
  });

  // test_create_task: asyncio's ensure_future() of a coroutine calls loop.create_task(), so a loop
  // subclass that overrides create_task() makes those tasks (asyncio.create_task() and gather() go
  // through loop.create_task() too).
  for (const how of ['ensureFuture() of a generator', 'createTask()', 'gather() of a generator'] as const) {
    it(`${how} on a running EventLoop subclass goes through its overridden createTask()`, async () => {
      class MyTask<T> extends Task<T> {}
      const made: Task<unknown>[] = [];
      class MyLoop extends EventLoop {
        override createTask<T>(body: TaskBody<T>, opts?: TaskOptions): Task<T> {
          const t = new MyTask<T>(body, { ...opts, loop: this } as never);
          made.push(t);
          return t;
        }
      }
      const gen = function* () {
        return 1;
      };
      const loop = new MyLoop();
      const got = await loop.runUntilComplete(async () => {
        if (how === 'createTask()') return createTask(gen);
        if (how === 'gather() of a generator') return (await gather([gen()]))[0];
        return ensureFuture(gen());
      });
      loop.close();
      expect(got).toBe(1);
      // the runUntilComplete task itself, then the one made here
      expect(made).toHaveLength(2);
      expect(made[1]).toBeInstanceOf(MyTask);
      expect(made[1]!.result()).toBe(1);
    });
  }

  it('an override that calls super.createTask() gets a task of its loop once, with the task factory still applied', async () => {
    const names: string[] = [];
    class NamingLoop extends EventLoop {
      override createTask<T>(body: TaskBody<T>, opts?: TaskOptions): Task<T> {
        const t = super.createTask(body, { ...opts, name: `n${names.length}` });
        names.push(t.getName());
        return t;
      }
    }
    const loop = new NamingLoop();
    loop.setTaskFactory(eagerTaskFactory);
    const got = await loop.runUntilComplete(async () => {
      const t = createTask(function* () {
        return 2;
      });
      return [t.done(), t.getName(), t.getLoop() === loop];
    });
    loop.close();
    expect(got).toEqual([true, 'n1', true]);
    expect(names).toEqual(['n0', 'n1']);
  });
});

describe('slow-callback reports (test_base_events BaseEventLoopTests.test_log_slow_callbacks)', () => {
  // With slow_callback_duration = 0 every callback and every task step is "slow": asyncio logs
  // "Executing <Handle stop_loop_cb(…)> took … seconds", then the same for a task.
  it('with slowCallbackDuration = 0 in debug mode, a plain callback and a task step are each reported as "Executing <…> took … ms"', async () => {
    const loop = newEventLoop({ debug: true });
    loop.slowCallbackDuration = 0;
    const seen = recordExceptions(loop, true);
    const h = loop.callSoon(function stopLoopCb() {
      loop.stop();
    });
    await loop.runForever();
    const cbReports = seen.filter((c) => c.handle === h);
    expect(cbReports).toHaveLength(1);
    expect(cbReports[0]!.message).toMatch(/^Executing <Handle stopLoopCb\(\)> took [\d.]+ ms$/);
    const t = loop.createTask(
      function* stopLoopCoro() {
        getRunningLoop().stop();
      },
      { name: 'stopLoopCoro' },
    );
    await loop.runForever();
    loop.close();
    const taskReports = seen.filter((c) => c.task === t);
    expect(taskReports.length).toBeGreaterThanOrEqual(1);
    expect(taskReports[0]!.message).toMatch(/^Executing <Task .*name='stopLoopCoro'.*> took [\d.]+ ms$/);
  });
});

describe('runUntilComplete refusals (test_base_events test_close, test_run_until_complete_type_error, test_run_until_complete_loop)', () => {
  // asyncio's run_until_complete() is a plain call: a closed loop, a running loop, something not
  // awaitable or a future of another loop are refused when it is called (RuntimeError, TypeError,
  // ValueError), and DESIGN §3.1 says the same for tulip ("a call whose arguments or whose object's
  // state are wrong at call time throws synchronously"). asyncio's ValueError for another loop's
  // future is tulip's RangeError (ensureFuture's).
  it('runUntilComplete() throws its refusals at the call: closed loop, running loop, non-awaitable, future of another loop', async () => {
    const closed = newEventLoop();
    const pending = closed.createFuture();
    closed.close();
    const running = newEventLoop();
    const insideRunning = await running.runUntilComplete(async () => howRefused(() => running.runUntilComplete(async () => 1)));
    running.close();
    const a = newEventLoop();
    const b = newEventLoop();
    const results = [
      ['closed loop', await howRefused(() => closed.runUntilComplete(pending))],
      ['running loop', insideRunning],
      ['non-awaitable', await howRefused(() => a.runUntilComplete('blah' as never))],
      ['another loop', await howRefused(() => a.runUntilComplete(b.createFuture()))],
    ] as const;
    a.close();
    b.close();
    expect(results.map(([what, r]) => [what, r.how, (r.error as Error).constructor.name])).toEqual([
      ['closed loop', 'thrown', 'RuntimeError'],
      ['running loop', 'thrown', 'RuntimeError'],
      ['non-awaitable', 'thrown', 'TypeError'],
      ['another loop', 'thrown', 'RangeError'],
    ]);
  });
});

describe('a running loop refuses to nest or close (test_events EventLoopTestsMixin)', () => {
  for (const style of STYLES) {
    // test_run_until_complete_nesting: run_until_complete() from a task of the same running loop
    // raises RuntimeError, the nested coroutine never runs, and the error ends the outer run.
    it(`runUntilComplete() called from ${style === 'async' ? 'an' : 'a'} ${style} task of the same running loop fails with RuntimeError; the nested body never runs and the outer run rejects with it`, async () => {
      const loop = newEventLoop();
      let innerRan = false;
      let wasRunning: boolean | undefined;
      const inner = async (): Promise<void> => {
        innerRan = true;
        await sleep(0);
      };
      const outer = styled(
        style,
        function* () {
          wasRunning = getRunningLoop().isRunning();
          yield* ensureFuture(loop.runUntilComplete(inner));
        },
        async () => {
          wasRunning = getRunningLoop().isRunning();
          await loop.runUntilComplete(inner);
        },
      );
      const e = await errorOf(() => loop.runUntilComplete(outer));
      await loop.runUntilComplete(async () => sleep(0)); // let an inner task, had one been made, run
      loop.close();
      expect(wasRunning).toBe(true);
      expect(e).toBeInstanceOf(RuntimeError);
      expect(e.message).toMatch(/already running/);
      expect(innerRan).toBe(false);
    });

    // test_close_running_event_loop: close() from a task of the running loop raises RuntimeError,
    // which run_until_complete() passes on; the loop stays open.
    it(`close() called from ${style === 'async' ? 'an' : 'a'} ${style} task of the running loop throws RuntimeError, which runUntilComplete() passes on; the loop stays open and usable`, async () => {
      const loop = newEventLoop();
      const body = styled(
        style,
        function* () {
          yield* sleep(0);
          getRunningLoop().close();
        },
        async () => {
          await sleep(0);
          getRunningLoop().close();
        },
      );
      const e = await errorOf(() => loop.runUntilComplete(body));
      expect(e).toBeInstanceOf(RuntimeError);
      expect(loop.isClosed()).toBe(false);
      expect(await loop.runUntilComplete(async () => 'still usable')).toBe('still usable');
      loop.close();
      expect(loop.isClosed()).toBe(true);
    });
  }
});

describe('sub-millisecond sleeps (test_events EventLoopTestsMixin.test_timeout_rounding)', () => {
  // asyncio: sleeps of 10 ms down to 1e-10 s take at most 20 loop iterations in all (the selector
  // timeout is rounded up, so the loop never spins on a deadline it cannot wait for exactly).
  it('sleeps of 5 ms, then of 0.1 ms down to 1e-7 ms on the real clock wake the loop from the host at most 20 times', async () => {
    const loop = newEventLoop();
    const t0 = loop.time();
    await loop.runUntilComplete(async () => {
      await sleep(5);
      await sleep(0.1);
      await sleep(1e-3);
      await sleep(1e-5);
      await sleep(1e-7);
    });
    const elapsed = loop.time() - t0;
    const bursts = loop.lagStats().count;
    loop.close();
    expect(elapsed).toBeGreaterThanOrEqual(5);
    expect(bursts).toBeLessThanOrEqual(20);
  });
});

describe('signal handlers (test_events test_add_signal_handler, test_unix_events SelectorEventLoopSignalTests)', () => {
  // test_add_signal_handler: "Removing SIGKILL doesn't raise": asyncio's remove_signal_handler()
  // only checks that the signal is valid, and returns False when the loop has no handler for it.
  // Python (vendored 3.13): loop.remove_signal_handler(signal.SIGKILL) -> False.
  it("removeSignalHandler('SIGKILL') returns false (the loop has no handler for it) rather than refusing an uncatchable signal", () => {
    const loop = newEventLoop();
    try {
      expect(loop.removeSignalHandler('SIGKILL')).toBe(false);
    } finally {
      loop.close();
    }
  });

  // test_add_signal_handler: a loop's SIGINT handler takes Ctrl-C over (asyncio replaces the
  // process-level handler). With asyncio.run(), a handler added inside main replaces the Runner's
  // KeyboardInterrupt handler too. Python (vendored 3.13), main adding the handler then sending
  // itself SIGINT: asyncio.run(main()) -> 'main finished', handler called once.
  for (const style of STYLES) {
    it(`a SIGINT handler added by the ${style} main task of run() gets Ctrl-C, and run() does not cancel the main task`, async () => {
      expect(process.listenerCount('SIGINT')).toBe(0); // run() installs its Ctrl-C canceller
      const seen: string[] = [];
      const main = styled(
        style,
        function* () {
          getRunningLoop().addSignalHandler('SIGINT', () => seen.push('handler'));
          process.emit('SIGINT', 'SIGINT');
          yield* sleep(0);
          yield* sleep(0);
          return 'main finished';
        },
        async () => {
          getRunningLoop().addSignalHandler('SIGINT', () => seen.push('handler'));
          process.emit('SIGINT', 'SIGINT');
          await sleep(0);
          await sleep(0);
          return 'main finished';
        },
      );
      const outcome = await howRefused(() => run(main));
      expect(seen).toEqual(['handler']);
      expect(outcome.how).toBe('accepted');
      expect(process.listenerCount('SIGINT')).toBe(0);
    });
  }

  it('once the main task removes its SIGINT handler, Ctrl-C cancels it again and run() rejects with KeyboardInterruptError', async () => {
    const seen: string[] = [];
    const e = await errorOf(() =>
      run(async () => {
        const loop = getRunningLoop();
        loop.addSignalHandler('SIGINT', () => seen.push('handler'));
        process.emit('SIGINT', 'SIGINT');
        await sleep(0);
        expect(loop.removeSignalHandler('SIGINT')).toBe(true);
        process.emit('SIGINT', 'SIGINT');
        try {
          await sleep(1000);
        } finally {
          seen.push('finally');
        }
      }),
    );
    expect(e).toBeInstanceOf(KeyboardInterruptError);
    expect(seen).toEqual(['handler', 'finally']);
    expect(process.listenerCount('SIGINT')).toBe(0);
  });

  // test_add_signal_handler_coroutine_error: asyncio refuses a coroutine function (and a coroutine)
  // as a signal callback in any mode, with TypeError("coroutines cannot be used with
  // add_signal_handler()"). Python (vendored 3.13), debug off: TypeError. (call_soon, by contrast,
  // checks only in debug mode.)
  it('addSignalHandler() refuses an async function with TypeError outside debug mode too, and installs nothing', () => {
    const loop = newEventLoop();
    const before = process.listenerCount('SIGHUP');
    try {
      const e = syncError(() => loop.addSignalHandler('SIGHUP', async () => {}));
      expect(e).toBeInstanceOf(TypeError);
      expect(e.message).toMatch(/coroutines cannot be used with addSignalHandler/);
      expect(process.listenerCount('SIGHUP')).toBe(before);
    } finally {
      loop.removeSignalHandler('SIGHUP');
      loop.close();
    }
  });

  it('addSignalHandler() refuses an async function in debug mode and a generator object in any mode, with TypeError, installing nothing', () => {
    for (const debug of [false, true]) {
      const loop = newEventLoop({ debug });
      const before = process.listenerCount('SIGHUP');
      const gen = (function* () {})();
      expect(syncError(() => loop.addSignalHandler('SIGHUP', gen as never)), `debug=${debug}`).toBeInstanceOf(TypeError);
      if (debug) {
        const e = syncError(() => loop.addSignalHandler('SIGHUP', async () => {}));
        expect(e).toBeInstanceOf(TypeError);
        expect(e.message).toMatch(/coroutines cannot be used with addSignalHandler/);
      }
      expect(process.listenerCount('SIGHUP')).toBe(before);
      loop.close();
    }
  });

  // test_add_signal_handler_setup_error: off the main thread asyncio's add_signal_handler() raises
  // RuntimeError (set_wakeup_fd fails there). Python (vendored 3.13), from a threading.Thread:
  // RuntimeError('set_wakeup_fd only works in main thread of the main interpreter').
  it('addSignalHandler() on a loop in a worker thread is refused with RuntimeError', async () => {
    const { Worker } = await import('node:worker_threads');
    const code = `
      const { parentPort } = await import('node:worker_threads');
      const { register } = await import('tsx/esm/api');
      register();
      const tulip = await import(${JSON.stringify(new URL('../../src/index.ts', import.meta.url).pathname)});
      const loop = tulip.newEventLoop();
      let out;
      try {
        loop.addSignalHandler('SIGHUP', () => {});
        out = { how: 'accepted' };
      } catch (e) {
        out = { how: 'thrown', name: e.constructor.name, isRuntimeError: e instanceof tulip.RuntimeError, message: e.message };
      }
      loop.close();
      parentPort.postMessage(out);
    `;
    const worker = new Worker(code, { eval: true });
    const out = await new Promise<Record<string, unknown>>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(out).toMatchObject({ how: 'thrown', isRuntimeError: true });
    expect(out.message).toMatch(/main thread/);
  });
});
