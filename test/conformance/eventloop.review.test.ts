// Adversarial review of the EventLoop API against CPython 3.13 asyncio's BaseEventLoop
// (Lib/asyncio/base_events.py, events.py). Every expectation was checked with the pure-Python 3.13
// asyncio (probes quoted above each test, seconds turned into milliseconds); pass counts come from
// a `loop.call_soon` chain started first, as `tick` below.
import { describe, expect, it } from 'vitest';
import {
  CancelledError,
  EventLoop,
  RuntimeError,
  Task,
  TaskGroup,
  createTask,
  newEventLoop,
  sleep,
  type ExceptionContext,
  type Handle,
  type TaskBody,
} from 'tulip';
import { STYLES, ValueError, KeyError, errorOf, recordExceptions, styled, syncError, type Style } from './helpers.js';

/** Starts a callSoon chain on `loop` (before anything else is scheduled) and returns its counter. */
function ticker(loop: EventLoop): () => number {
  let tick = 0;
  const f = (): void => {
    tick++;
    loop.callSoon(f);
  };
  loop.callSoon(f);
  return () => tick;
}

/** A body in `style` that lets `n` passes go by and returns `value`. */
function after<T>(style: Style, n: number, value: T): TaskBody<T> {
  return styled(
    style,
    function* () {
      for (let i = 0; i < n; i++) yield* sleep(0);
      return value;
    },
    async () => {
      for (let i = 0; i < n; i++) await sleep(0);
      return value;
    },
  );
}

// ---- scheduling order ---------------------------------------------------------------------------

describe('callSoon, callLater and callAt in one pass (base_events._run_once)', () => {
  // asyncio: call_soon(A); call_later(0, B); call_later(-5, N); call_at(time()-10, P); call_soon(C)
  // → [('A', 1), ('C', 1), ('P', 1), ('N', 1), ('B', 1)]: due timers are appended to the ready
  // queue after the callSoon callbacks, in deadline order, and all run in the same pass.
  it('due timers (callLater(0), a negative delay, callAt in the past) run in the same pass as the callSoon callbacks, after them, in deadline order', async () => {
    const loop = newEventLoop();
    const tick = ticker(loop);
    const log: [string, number][] = [];
    loop.callSoon(() => log.push(['A', tick()]));
    loop.callLater(0, () => log.push(['B', tick()]));
    loop.callLater(-5, () => log.push(['N', tick()]));
    loop.callAt(loop.time() - 10, () => log.push(['P', tick()]));
    loop.callSoon(() => log.push(['C', tick()]));
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    loop.close();
    expect(log).toEqual([
      ['A', 1],
      ['C', 1],
      ['P', 1],
      ['N', 1],
      ['B', 1],
    ]);
  });

  // asyncio: log.append('b'); call_soon(sched-by-b) in pass 1 → 'sched-by-b' runs in pass 2.
  it('a callback scheduled with callSoon by a callback runs in the next pass, after the rest of the current pass', async () => {
    const loop = newEventLoop();
    const tick = ticker(loop);
    const log: [string, number][] = [];
    loop.callSoon(() => {
      log.push(['b', tick()]);
      loop.callSoon(() => log.push(['by-b', tick()]));
    });
    loop.callSoon(() => log.push(['c', tick()]));
    loop.callSoon(() => loop.callSoon(() => loop.callSoon(() => loop.stop()))); // in pass 3, whatever the clock
    await loop.runForever();
    loop.close();
    expect(log).toEqual([
      ['b', 1],
      ['c', 1],
      ['by-b', 2],
    ]);
  });
});

// ---- handles ------------------------------------------------------------------------------------

describe('Handle and TimerHandle cancel() (events.Handle, events.TimerHandle)', () => {
  // asyncio: h = call_later(10, f); h.cancelled() → False; cancel() twice → cancelled() True,
  // when() unchanged.
  it('a TimerHandle keeps its when() after cancel(), and cancel() twice is harmless', () => {
    const loop = newEventLoop();
    const before = loop.time();
    const h = loop.callLater(10, () => {});
    const w = h.when();
    expect(w - before).toBeGreaterThanOrEqual(10);
    expect(w - loop.time()).toBeLessThanOrEqual(10);
    expect(h.cancelled()).toBe(false);
    h.cancel();
    h.cancel();
    expect(h.cancelled()).toBe(true);
    expect(h.when()).toBe(w);
    loop.close();
  });

  // asyncio: after the callback ran, hh.cancelled() → False; hh.cancel(); hh.cancelled() → True.
  it('a handle whose callback already ran is not cancelled(), and cancel() afterwards marks it cancelled', async () => {
    const loop = newEventLoop();
    let ran = 0;
    const h = loop.callSoon(() => ran++);
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    expect(ran).toBe(1);
    expect(h.cancelled()).toBe(false);
    h.cancel();
    expect(h.cancelled()).toBe(true);
    loop.close();
  });

  // asyncio: first() cancels h2 (a call_soon queued behind it) and t2 (a due call_later(0) moved to
  // the ready queue in the same pass) → ['first', (True, True), 'third']: neither runs.
  it('a callSoon handle and a due timer cancelled by an earlier callback of the same pass do not run', async () => {
    const loop = newEventLoop();
    const tick = ticker(loop);
    const log: unknown[] = [];
    let h2: Handle | undefined;
    let t2: Handle | undefined;
    loop.callSoon(() => {
      log.push(['first', tick()]);
      h2!.cancel();
      t2!.cancel();
      log.push([h2!.cancelled(), t2!.cancelled()]);
    });
    h2 = loop.callSoon(() => log.push('h2'));
    t2 = loop.callLater(0, () => log.push('t2'));
    loop.callSoon(() => log.push(['third', tick()]));
    loop.callLater(1, () => loop.stop());
    await loop.runForever();
    loop.close();
    expect(log).toEqual([['first', 1], [true, true], ['third', 1]]);
  });

  // asyncio: call_soon(cb, 1, 2) calls cb(1, 2); call_later(0, cb, 'x') calls cb('x').
  it('callSoon and callLater pass their extra arguments to the callback', async () => {
    const loop = newEventLoop();
    const got: unknown[][] = [];
    loop.callSoon((a: number, b: number) => got.push([a, b]), 1, 2);
    loop.callLater(0, (x: string) => got.push([x]), 'x');
    loop.callLater(1, () => loop.stop());
    await loop.runForever();
    loop.close();
    expect(got).toEqual([[1, 2], ['x']]);
  });
});

// ---- errors in callbacks ------------------------------------------------------------------------

describe('an error thrown by a callback (Handle._run)', () => {
  // asyncio: the handler gets (loop, ctx) with sorted keys ['exception', 'handle', 'message'],
  // message 'Exception in callback …', ctx['handle'] is the handle; the next callback still runs.
  it('goes to the exception handler with message, exception and the handle, and the rest of the pass still runs', async () => {
    const loop = newEventLoop();
    const seen: [EventLoop, ExceptionContext][] = [];
    loop.setExceptionHandler((l, ctx) => seen.push([l, ctx]));
    const err = new ValueError('x');
    const h = loop.callSoon(() => {
      throw err;
    });
    let next = false;
    loop.callSoon(() => (next = true));
    const th = loop.callLater(0, () => {
      throw err;
    });
    loop.callLater(1, () => loop.stop());
    await loop.runForever();
    loop.close();
    expect(next).toBe(true);
    expect(seen).toHaveLength(2);
    expect(seen[0]![0]).toBe(loop);
    expect(Object.keys(seen[0]![1]).sort()).toEqual(['exception', 'handle', 'message']);
    expect(seen[0]![1].message).toMatch(/^Exception in callback /);
    expect(seen[0]![1].exception).toBe(err);
    expect(seen[0]![1].handle).toBe(h);
    expect(seen[1]![1].handle).toBe(th);
    expect(seen[1]![1].message).toMatch(/^Exception in callback /);
  });
});

describe('the exception handler (BaseEventLoop.set_exception_handler / call_exception_handler)', () => {
  // asyncio: get_exception_handler() → None by default; the one set; None again after
  // set_exception_handler(None); set_exception_handler(1) → TypeError.
  it('getExceptionHandler() is null by default, returns the handler set, null again after setExceptionHandler(null); a non-function is refused with TypeError', () => {
    const loop = newEventLoop();
    expect(loop.getExceptionHandler()).toBeNull();
    const handler = (): void => {};
    loop.setExceptionHandler(handler);
    expect(loop.getExceptionHandler()).toBe(handler);
    expect(syncError(() => loop.setExceptionHandler(1 as never))).toBeInstanceOf(TypeError);
    expect(loop.getExceptionHandler()).toBe(handler);
    loop.setExceptionHandler(null);
    expect(loop.getExceptionHandler()).toBeNull();
    loop.close();
  });

  // asyncio (a loop subclass overriding default_exception_handler to record):
  // custom handler raises KeyError → default_exception_handler({'message': 'Unhandled error in
  // exception handler', 'exception': KeyError, 'context': {'message': 'orig'}}); with no custom
  // handler, call_exception_handler({'message': 'plain'}) → default gets {'message': 'plain'}.
  it('an error thrown by the custom handler goes to defaultExceptionHandler as "Unhandled error in exception handler" with the original context', () => {
    const got: ExceptionContext[] = [];
    class Recording extends EventLoop {
      override defaultExceptionHandler(ctx: ExceptionContext): void {
        got.push(ctx);
      }
    }
    const loop = new Recording();
    const boom = new KeyError('k');
    loop.setExceptionHandler(() => {
      throw boom;
    });
    const orig = { message: 'orig' };
    loop.callExceptionHandler(orig);
    expect(got).toHaveLength(1);
    expect(got[0]!.message).toBe('Unhandled error in exception handler');
    expect(got[0]!.exception).toBe(boom);
    expect((got[0] as unknown as { context: unknown }).context).toBe(orig);
    loop.setExceptionHandler(null);
    const plain = { message: 'plain' };
    loop.callExceptionHandler(plain);
    expect(got[1]).toBe(plain);
    loop.close();
  });

  // asyncio: a closed loop still calls its handler: call_exception_handler({'message': 'm'}) → ok.
  it('a closed loop still reports through its exception handler', () => {
    const loop = newEventLoop();
    const seen = recordExceptions(loop);
    loop.close();
    loop.callExceptionHandler({ message: 'm' });
    expect(seen.map((c) => c.message)).toEqual(['m']);
  });
});

// ---- running and stopping -----------------------------------------------------------------------

describe('runForever() and stop() (base_events.run_forever)', () => {
  // asyncio: call_soon(b) [b schedules sched-by-b]; call_soon(s) [s: stop(), then call_soon(after-stop)];
  // call_soon(same-pass-after-stop) → run 1: ['b', 's', 'same-pass-after-stop']; the next
  // run_forever() starts with 'sched-by-b', 'after-stop'.
  it('stop() ends the run after the current pass: the rest of the pass runs, what the pass scheduled waits for the next run', async () => {
    const loop = newEventLoop();
    const log: string[] = [];
    loop.callSoon(() => {
      log.push('b');
      loop.callSoon(() => log.push('sched-by-b'));
    });
    loop.callSoon(() => {
      log.push('s');
      loop.stop();
      loop.callSoon(() => log.push('after-stop'));
    });
    loop.callSoon(() => log.push('same-pass-after-stop'));
    await loop.runForever();
    expect(log).toEqual(['b', 's', 'same-pass-after-stop']);
    expect(loop.isRunning()).toBe(false);
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    expect(log).toEqual(['b', 's', 'same-pass-after-stop', 'sched-by-b', 'after-stop']);
    loop.close();
  });

  for (const style of STYLES) {
    // asyncio: after a run_forever() ended by stop() in a callback, run_until_complete(two())
    // (two sleeps) → 2, is_running() False, _stopping False: the stop is used up.
    it(`after a run ended by stop() from a callback, runUntilComplete() of a ${style} task taking 3 passes returns its result`, async () => {
      const loop = newEventLoop();
      loop.callSoon(() => {
        loop.stop();
        loop.stop(); // twice in one pass: still one stop
      });
      await loop.runForever();
      expect(await loop.runUntilComplete(after(style, 3, 2))).toBe(2);
      expect(loop.isRunning()).toBe(false);
      loop.close();
    });
  }

  // asyncio: f = create_future(); call_soon(stop); call_later(1 ms, f.set_result, 6) →
  // run_until_complete(f) raises RuntimeError('Event loop stopped before Future completed.');
  // run_until_complete(f) again → 6.
  it('runUntilComplete() ended by an earlier stop() rejects with RuntimeError; running it again on the same future returns its result', async () => {
    const loop = newEventLoop();
    const f = loop.createFuture<number>();
    loop.callSoon(() => loop.stop());
    loop.callLater(1, () => f.setResult(6));
    const e = await errorOf(() => loop.runUntilComplete(f));
    expect(e).toBeInstanceOf(RuntimeError);
    expect(e.message).toBe('Event loop stopped before Future completed.');
    expect(await loop.runUntilComplete(f)).toBe(6);
    loop.close();
  });

  // asyncio: a future set_exception(ValueError) → run_until_complete raises ValueError; a cancelled
  // future → CancelledError; call_soon(f.set_result, 5) → 5.
  it('runUntilComplete() of a future throws its error, CancelledError when cancelled, and returns a result set by a callback', async () => {
    const loop = newEventLoop();
    const failed = loop.createFuture();
    const err = new ValueError('v');
    failed.setException(err);
    expect(await errorOf(() => loop.runUntilComplete(failed))).toBe(err);
    const cancelled = loop.createFuture();
    cancelled.cancel();
    expect(await errorOf(() => loop.runUntilComplete(cancelled))).toBeInstanceOf(CancelledError);
    const later = loop.createFuture<number>();
    loop.callSoon((v: number) => later.setResult(v), 5);
    expect(await loop.runUntilComplete(later)).toBe(5);
    loop.close();
  });

  // asyncio: call_soon(run_forever), call_soon(close), call_soon(lambda: run_until_complete(co))
  // from inside the running loop → the handler gets RuntimeError('This event loop is already
  // running'), RuntimeError('Cannot close a running event loop'), RuntimeError('This event loop is
  // already running'); a callback after them sees is_running() True, is_closed() False.
  it('runForever(), close() and runUntilComplete() called from a callback of the running loop fail with RuntimeError, reported as callback errors; the loop runs on', async () => {
    const loop = newEventLoop();
    const seen = recordExceptions(loop);
    let state: boolean[] = [];
    loop.callSoon(() => void loop.runForever());
    loop.callSoon(() => loop.close());
    loop.callSoon(() => void loop.runUntilComplete(async () => 1));
    loop.callSoon(() => (state = [loop.isRunning(), loop.isClosed()]));
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    expect(seen.map((c) => (c.exception as Error).constructor)).toEqual([RuntimeError, RuntimeError, RuntimeError]);
    expect(seen.map((c) => (c.exception as Error).message)).toEqual([
      expect.stringMatching(/already running/),
      expect.stringMatching(/Cannot close a running event loop/),
      expect.stringMatching(/already running/),
    ]);
    expect(state).toEqual([true, false]);
    expect(loop.isRunning()).toBe(false);
    expect(loop.isClosed()).toBe(false);
    loop.close();
    expect(loop.isClosed()).toBe(true);
  });
});

// ---- a closed loop ------------------------------------------------------------------------------

describe('a closed loop (BaseEventLoop._check_closed)', () => {
  // asyncio after close(): call_soon/call_later/call_at/run_forever/create_task → RuntimeError
  // 'Event loop is closed'; stop(), time(), create_future(), is_closed(), is_running(), get_debug(),
  // set_task_factory(None), set_exception_handler(None) all work.
  it('refuses callSoon, callLater, callAt, runForever and createTask with RuntimeError, but stop(), time() and the setters still work', () => {
    const loop = newEventLoop();
    loop.close();
    for (const call of [
      () => loop.callSoon(() => {}),
      () => loop.callLater(1, () => {}),
      () => loop.callAt(1, () => {}),
      () => loop.runForever(),
      () => loop.createTask(async () => 1),
    ]) {
      const e = syncError(call);
      expect(e).toBeInstanceOf(RuntimeError);
      expect(e.message).toMatch(/Event loop is closed/);
    }
    loop.stop();
    expect(typeof loop.time()).toBe('number');
    expect(loop.isRunning()).toBe(false);
    expect(loop.getDebug()).toBe(false);
    loop.setTaskFactory(null);
    loop.setExceptionHandler(null);
    expect(loop.createFuture().done()).toBe(false);
  });

  for (const style of STYLES) {
    // asyncio: create_task(c()) on a closed loop raises RuntimeError('Event loop is closed'), and so
    // does run_until_complete(c()) (which goes through create_task).
    it(`refuses runUntilComplete() of a ${style} body with RuntimeError, at the call`, () => {
      const loop = newEventLoop();
      loop.close();
      const e = syncError(() => loop.runUntilComplete(after(style, 0, 1)));
      expect(e).toBeInstanceOf(RuntimeError);
      expect(e.message).toMatch(/Event loop is closed/);
    });
  }
});

// ---- settings and factories ---------------------------------------------------------------------

describe('debug, slow callbacks, time, createFuture (BaseEventLoop)', () => {
  // asyncio: get_debug() → False, slow_callback_duration → 0.1 (100 ms); set_debug(True) →
  // get_debug() True; create_future().get_loop() is the loop, not done; time() non-decreasing.
  it('debug is off by default and setDebug() switches it; slowCallbackDuration defaults to 100 ms; time() never goes back; createFuture() makes a pending future of the loop', () => {
    const loop = newEventLoop();
    expect(loop.getDebug()).toBe(false);
    expect(loop.slowCallbackDuration).toBe(100);
    loop.setDebug(true);
    expect(loop.getDebug()).toBe(true);
    loop.setDebug(false);
    expect(loop.getDebug()).toBe(false);
    let last = loop.time();
    for (let i = 0; i < 1000; i++) {
      const t = loop.time();
      expect(t).toBeGreaterThanOrEqual(last);
      last = t;
    }
    const f = loop.createFuture();
    expect(f.getLoop()).toBe(loop);
    expect(f.done()).toBe(false);
    loop.close();
  });
});

describe('the task factory (BaseEventLoop.set_task_factory / create_task)', () => {
  // asyncio: get_task_factory() → None; after set_task_factory(fac) → fac; set_task_factory(5) →
  // TypeError and fac kept; set_task_factory(None) → None.
  it('getTaskFactory() is null by default, returns the factory set, keeps it when a non-function is refused, and is null after setTaskFactory(null)', () => {
    const loop = newEventLoop();
    expect(loop.getTaskFactory()).toBeNull();
    const fac = <T,>(l: EventLoop, body: TaskBody<T>): Task<T> => new Task(body, { loop: l });
    loop.setTaskFactory(fac);
    expect(loop.getTaskFactory()).toBe(fac);
    expect(syncError(() => loop.setTaskFactory(5 as never))).toBeInstanceOf(TypeError);
    expect(loop.getTaskFactory()).toBe(fac);
    loop.setTaskFactory(null);
    expect(loop.getTaskFactory()).toBeNull();
    loop.close();
  });

  for (const style of STYLES) {
    // asyncio 3.13 create_task(): `task = self._task_factory(self, coro, **kwargs);
    // task.set_name(name)`. Probe: a factory that makes Task(coro, loop=loop, name='fromfactory')
    // → create_task(c(), name='given').get_name() → 'given'; the factory was called with (loop,
    // coro) and no name keyword.
    it(`loop.createTask(${style} body, { name }) names the task made by a factory that ignores the options`, async () => {
      const loop = newEventLoop();
      const calls: unknown[] = [];
      loop.setTaskFactory(<T,>(l: EventLoop, body: TaskBody<T>) => {
        calls.push(l === loop);
        return new Task(body, { loop: l, name: 'fromfactory' });
      });
      const t = loop.createTask(after(style, 1, 3), { name: 'given' });
      expect(calls).toEqual([true]);
      expect(await loop.runUntilComplete(t)).toBe(3);
      loop.close();
      expect(t.getName()).toBe('given');
    });
  }
});

describe('the task factory and the other ways to name a task (tasks.create_task, TaskGroup.create_task)', () => {
  for (const style of STYLES) {
    // asyncio probe, with a factory making Task(coro, loop=loop, name='fac', **kw): inside the
    // loop, asyncio.create_task(c(), name='mod').get_name() → 'mod' and
    // TaskGroup().create_task(c(), name='tg').get_name() → 'tg' (both go through
    // loop.create_task(), which calls task.set_name(name) on the factory's task).
    it(`createTask() and TaskGroup.createTask() with { name } name the ${style} task a factory made without reading the options`, async () => {
      const loop = newEventLoop();
      loop.setTaskFactory(<T,>(l: EventLoop, body: TaskBody<T>) => new Task(body, { loop: l, name: 'fac' }));
      const names = await loop.runUntilComplete(async () => {
        const t = createTask(after(style, 0, 1), { name: 'mod' });
        await t;
        let t2: Task<number> | undefined;
        await new TaskGroup().run(async (g) => {
          t2 = g.createTask(after(style, 0, 1), { name: 'tg' });
        });
        return [t.getName(), t2!.getName()];
      });
      loop.close();
      expect(names).toEqual(['mod', 'tg']);
    });
  }
});

// ---- pass counts around runUntilComplete ------------------------------------------------------

describe('where runUntilComplete() stops (base_events._run_until_complete_cb)', () => {
  for (const style of STYLES) {
    // asyncio: tick chain first; a future set in pass 3 → run_until_complete returns 3 with tick 4
    // (the done callback that stops runs one pass later, and that whole pass runs); then a task
    // created while the loop is stopped, sleeping 3 times → returns tick 8, tick 9 at the end; the
    // chain goes on in the next run (tick 10).
    it(`the run ends one pass after the future is done (that pass runs whole), and what is still scheduled runs in the next run (${style} task)`, async () => {
      const loop = newEventLoop();
      const tick = ticker(loop);
      const f = loop.createFuture<number>();
      loop.callSoon(() => loop.callSoon(() => loop.callSoon(() => f.setResult(tick()))));
      expect(await loop.runUntilComplete(f)).toBe(3);
      expect(tick()).toBe(4);
      const body = styled(
        style,
        function* () {
          for (let i = 0; i < 3; i++) yield* sleep(0);
          return tick();
        },
        async () => {
          for (let i = 0; i < 3; i++) await sleep(0);
          return tick();
        },
      );
      const t = loop.createTask(body);
      expect(await loop.runUntilComplete(t)).toBe(8);
      expect(tick()).toBe(9);
      loop.callSoon(() => loop.stop());
      await loop.runForever();
      expect(tick()).toBe(10);
      loop.close();
    });
  }
});

// ---- handle strings ---------------------------------------------------------------------------

describe('the string of a handle (events.Handle.__repr__, TimerHandle._repr_info)', () => {
  function boom(): void {}

  // asyncio: str(call_soon(boom)) starts '<Handle boom()' (then ' at file:line>').
  it('a live handle reads "<Handle boom()…"', () => {
    const loop = newEventLoop();
    expect(String(loop.callSoon(boom))).toMatch(/^<Handle boom\(\)/);
    loop.close();
  });

  // asyncio: h.cancel(); str(h) → '<Handle cancelled>'.
  it('a cancelled handle reads "<Handle cancelled>"', () => {
    const loop = newEventLoop();
    const h = loop.callSoon(boom);
    h.cancel();
    expect(String(h)).toBe('<Handle cancelled>');
    loop.close();
  });

  // asyncio: str(call_at(123.5, boom)) starts '<TimerHandle when=123.5 boom()'; after cancel():
  // '<TimerHandle cancelled when=123.5>'.
  it('a timer handle shows its deadline: "<TimerHandle when=123.5 boom()…", and "<TimerHandle cancelled when=123.5>" once cancelled', () => {
    const loop = newEventLoop();
    const th = loop.callAt(123.5, boom);
    expect(String(th)).toMatch(/^<TimerHandle when=123\.5 boom\(\)/);
    th.cancel();
    expect(String(th)).toBe('<TimerHandle cancelled when=123.5>');
    loop.close();
  });
});

// ---- after close(), what still needs the loop -------------------------------------------------

// Deliberate differences (README, "Where tulip differs from asyncio"): tulip lets a future of a
// closed loop complete (its callbacks are queued on a loop that will not run them) where asyncio's
// call_soon raises RuntimeError. In Node such a completion often comes from a host callback (a
// timer, a stream, a worker's message), where a throw would crash the process.
describe('futures and tasks of a closed loop (their callbacks need call_soon)', () => {
  for (const style of STYLES) {
    // asyncio: a task sleeping 10 s on a loop closed after one pass: t.cancel() raises
    // RuntimeError('Event loop is closed') (cancelling its waiter schedules the task's wakeup with
    // call_soon); t.done() stays False. (Probe: 'cancel raised RuntimeError Event loop is closed',
    // then done() False.) tulip: cancel() returns without throwing.
    it.fails(`cancel() of a ${style} task left waiting on a closed loop throws RuntimeError; the task stays pending`, async () => {
      const loop = newEventLoop();
      const t = loop.createTask(
        styled(
          style,
          function* () {
            yield* sleep(10_000);
          },
          async () => {
            await sleep(10_000);
          },
        ),
      );
      loop.callSoon(() => loop.stop());
      await loop.runForever();
      loop.close();
      const e = syncError(() => t.cancel());
      expect(e).toBeInstanceOf(RuntimeError);
      expect(e.message).toMatch(/Event loop is closed/);
      expect(t.done()).toBe(false);
    });
  }

  // asyncio: f = create_future(); f.add_done_callback(cb); loop closed; f.set_result(1) raises
  // RuntimeError('Event loop is closed') (scheduling cb fails). Probe: 'set raised RuntimeError
  // Event loop is closed'. tulip: setResult() returns without throwing.
  it.fails('setResult() on a future with a done callback, of a closed loop, throws RuntimeError', () => {
    const loop = newEventLoop();
    loop.close();
    const f = loop.createFuture<number>();
    f.addDoneCallback(() => {});
    const e = syncError(() => f.setResult(1));
    expect(e).toBeInstanceOf(RuntimeError);
    expect(e.message).toMatch(/Event loop is closed/);
  });
});

describe('stop() from outside the loop (call_soon_threadsafe(loop.stop) in asyncio)', () => {
  // asyncio: run_forever() waits in select() for a 10 s timer; stop() delivered from outside ends
  // the run after the pass it wakes, without running the timer, which stays scheduled.
  it('stop() from a host timer ends a run that waits for a far timer, promptly, leaving the timer scheduled', async () => {
    const loop = newEventLoop();
    let ran = false;
    const far = loop.callLater(10_000, () => (ran = true));
    const started = Date.now();
    setTimeout(() => loop.stop(), 5);
    await loop.runForever();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(ran).toBe(false);
    expect(far.cancelled()).toBe(false);
    expect(loop.isRunning()).toBe(false);
    loop.close();
  });

  // asyncio: def me(): h.cancel(); log.append(h.cancelled()) → [True].
  it('a callback that cancels its own handle sees cancelled() true', async () => {
    const loop = newEventLoop();
    let seen: boolean | undefined;
    const h: Handle = loop.callSoon(() => {
      h.cancel();
      seen = h.cancelled();
    });
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    loop.close();
    expect(seen).toBe(true);
  });
});
