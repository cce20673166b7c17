// Adversarial review of the EventLoop API against CPython 3.13 asyncio's BaseEventLoop
// (Lib/asyncio/base_events.py, events.py). Every expectation was checked with the pure-Python 3.13
// asyncio (probes quoted above each test, seconds turned into milliseconds); pass counts come from
// a `loop.call_soon` chain started first, as `ticker()` in eventloop.review.helpers.ts.
//
// This part: running and stopping the loop (runForever(), stop(), runUntilComplete() and where it
// stops), and a closed loop with what still needs it.
import { describe, expect, it } from 'vitest';
import { CancelledError, RuntimeError, newEventLoop, sleep, type Handle } from 'tulip';
import { STYLES, ValueError, errorOf, recordExceptions, styled, syncError } from './helpers.js';
import { after, ticker } from './eventloop.review.helpers.js';

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
    // 30 ms rather than asyncio's 1: on a loaded machine 1 ms can pass before the first pass, and
    // the timer would then be due in the same pass as the stop.
    loop.callLater(30, () => f.setResult(6));
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
