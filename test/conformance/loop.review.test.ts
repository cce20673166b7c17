// Adversarial review of the event loop's surface (src/loop/) and of tulip/testing, against CPython
// 3.13's base_events.py / runners.py and Trio 0.22's trio.testing. Each behaviour below was checked
// with the Python reference first (python3 with CPython 3.13's asyncio, or trio 0.22); the
// differences the review found are fixed, each test quoting what the reference does. Real time
// used: a few ms per test.
import { AsyncLocalStorage } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import {
  Event,
  RuntimeError,
  Runner,
  createTask,
  getRunningLoop,
  isCancelledError,
  newEventLoop,
  run,
  sleep,
  type EventLoop,
  type Future,
} from 'tulip';
import { MockClock, waitAllTasksBlocked } from 'tulip/testing';
import { STYLES, busyWait, errorOf, recordExceptions, styled, virtualClock } from './helpers.js';

/** A foreign (non-tulip) wait of `ms` real ms: every tulip task looks blocked meanwhile. */
const hostDelay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Runs `fill(loop, log)` on a fresh loop until it stops itself, then closes the loop. */
async function onLoop(fill: (loop: EventLoop, log: unknown[]) => void, clock?: MockClock): Promise<unknown[]> {
  const loop = newEventLoop(clock === undefined ? {} : { clock });
  const log: unknown[] = [];
  try {
    fill(loop, log);
    await loop.runForever();
  } finally {
    loop.close();
  }
  return log;
}

describe('the order of a pass (base_events._run_once)', () => {
  for (const style of STYLES) {
    it(`a future's done callbacks and its ${style} awaiters run in registration order in one pass, after the callbacks queued before setResult() and before those queued after it; what a resumed task schedules waits for the next pass`, async () => {
      // asyncio: ['x-before', 'cb1', 'task-resumed', 'cb2', 'task2-resumed', 'cb3', 'x-after',
      //           'timer0', 'from-task', 'task-2']
      const log = await run(async () => {
        const loop = getRunningLoop();
        const log: string[] = [];
        const fut = loop.createFuture<number>();
        fut.addDoneCallback(() => log.push('cb1'));
        const t = createTask(
          styled(
            style,
            function* () {
              yield* fut;
              log.push('task-resumed');
              loop.callSoon(() => log.push('from-task'));
              yield* sleep(0);
              log.push('task-2');
            },
            async () => {
              await fut;
              log.push('task-resumed');
              loop.callSoon(() => log.push('from-task'));
              await sleep(0);
              log.push('task-2');
            },
          ),
        );
        await sleep(0);
        fut.addDoneCallback(() => log.push('cb2'));
        const t2 = createTask(async () => {
          await fut;
          log.push('task2-resumed');
        });
        await sleep(0);
        fut.addDoneCallback(() => log.push('cb3'));
        loop.callSoon(() => log.push('x-before'));
        fut.setResult(1);
        loop.callSoon(() => log.push('x-after'));
        loop.callLater(0, () => log.push('timer0'));
        await t;
        await t2;
        return log;
      });
      expect(log).toEqual(['x-before', 'cb1', 'task-resumed', 'cb2', 'task2-resumed', 'cb3', 'x-after', 'timer0', 'from-task', 'task-2']);
    });
  }

  it('a timer that schedules a callSoon, a timer at its own (past) deadline and a callLater(0) sees them run next pass: the callSoon first, then the timers in deadline order', async () => {
    // asyncio (timers2.py): ['T1', 'T2', 'S', 'T3', 'L0']
    const log = await onLoop((loop, log) => {
      const w = loop.time() + 10;
      loop.callAt(w, () => {
        log.push('T1');
        loop.callSoon(() => log.push('S'));
        loop.callAt(w, () => log.push('T3'));
        loop.callLater(0, () => log.push('L0'));
      });
      loop.callAt(w, () => log.push('T2'));
      loop.callAt(w + 5, () => loop.stop());
    }, virtualClock());
    expect(log).toEqual(['T1', 'T2', 'S', 'T3', 'L0']);
  });

  it('callLater(-Infinity) and callAt(-Infinity) are accepted and run at the next pass, in scheduling order', async () => {
    // asyncio: call_later(float('-inf'), …) and call_at(float('-inf'), …) both run in the next pass.
    const log = await onLoop((loop, log) => {
      loop.callLater(-Infinity, () => log.push('later'));
      loop.callAt(-Infinity, () => log.push('at'));
      loop.callSoon(() => loop.stop());
    });
    expect(log).toEqual(['later', 'at']);
  });

  it('what the stopping pass scheduled (a callSoon and a callLater(0)) runs first in the next runForever(), in one pass with its stop', async () => {
    // asyncio: ['a', '|', 'soon', 'timer0']
    const loop = newEventLoop();
    const log: string[] = [];
    loop.callSoon(() => {
      log.push('a');
      loop.stop();
      loop.callLater(0, () => log.push('timer0'));
      loop.callSoon(() => log.push('soon'));
    });
    await loop.runForever();
    log.push('|');
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    loop.close();
    expect(log).toEqual(['a', '|', 'soon', 'timer0']);
  });

  it('runUntilComplete() of a future already done runs exactly one pass and returns its result', async () => {
    // asyncio: run_until_complete(done_future) -> 5, and a self-rescheduling callback ran once: [0]
    const loop = newEventLoop();
    const seen: number[] = [];
    const gen = (n: number): void => {
      seen.push(n);
      loop.callSoon(gen, n + 1);
    };
    const f = loop.createFuture<number>();
    f.setResult(5);
    loop.callSoon(gen, 0);
    await expect(loop.runUntilComplete(f)).resolves.toBe(5);
    loop.close();
    expect(seen).toEqual([0]);
  });
});

describe('debug mode switched on while the loop runs', () => {
  it('setDebug(true) in a callback times the callbacks of the following passes of the same burst', async () => {
    // asyncio (debug.py): set_debug(True) from a callback, then a 5 ms callback with
    // slow_callback_duration = 2 ms logs "Executing <Handle slow() …> took 0.005 seconds".
    const loop = newEventLoop();
    const seen = recordExceptions(loop, true);
    loop.slowCallbackDuration = 1;
    function slow(): void {
      busyWait(3);
    }
    loop.callSoon(() => {
      loop.setDebug(true);
      loop.callSoon(slow);
      loop.callSoon(() => loop.stop());
    });
    await loop.runForever();
    loop.close();
    expect(seen.map((c) => c.message)).toContainEqual(expect.stringMatching(/^Executing <Handle slow\(\)> took/));
  });
});

describe('Runner lifecycle (asyncio.runners.Runner)', () => {
  it('close() before the first use leaves the Runner usable: run() then makes its loop', async () => {
    // asyncio: Runner.close() returns at once unless the state is INITIALIZED, so
    //   r = asyncio.Runner(); r.close(); r.run(asyncio.sleep(0, 'ok'))  -> 'ok'
    const runner = new Runner();
    await runner.close();
    try {
      await expect(runner.run(async () => 'ok')).resolves.toBe('ok');
    } finally {
      await runner.close();
    }
  });

  it('close() called from inside its own run() is refused and leaves the Runner usable (its loop is closed later)', async () => {
    // asyncio (runnerclose.py): close() inside main raises RuntimeError('Cannot close a running
    // event loop') and the state stays INITIALIZED, so a second run() works ('ok2') and a later
    // close() closes the loop. (asyncio's close() has cancelled every task by then; tulip's
    // refuses before doing anything.)
    const runner = new Runner();
    let closeError: unknown;
    const first = await runner.run(async () => {
      try {
        await runner.close();
      } catch (e) {
        closeError = e;
      }
      await sleep(0);
      return 'ok1';
    });
    expect(first).toBe('ok1');
    expect(closeError).toBeInstanceOf(RuntimeError);
    expect(String(closeError)).toMatch(/Runner\.close: cannot close a running event loop/);
    const loop = runner.getLoop();
    await expect(runner.run(async () => 'ok2')).resolves.toBe('ok2');
    await runner.close();
    expect(loop.isClosed()).toBe(true);
  });

  it('every run() of a Runner runs in the same context: what run 1 enters (enterWith) is seen by run 2', async () => {
    // asyncio: Runner.run() passes self._context itself (copied once in _lazy_init) to create_task,
    // not a copy per run, so a ContextVar set by the first main is seen by the second:
    //   r.run(setv()); r.run(getv()) -> 'set-in-run-1'   (runner.py)
    const als = new AsyncLocalStorage<string>();
    const runner = new Runner();
    try {
      await runner.run(async () => {
        als.enterWith('set-in-run-1');
      });
      await expect(runner.run(async () => als.getStore())).resolves.toBe('set-in-run-1');
    } finally {
      await runner.close();
    }
  });
});

describe('MockClock (trio.testing.MockClock)', () => {
  it('autojump never jumps to a deadline of Infinity: callAt(Infinity) and sleep(Infinity) never run', async () => {
    // trio 0.22 MockClock._autojump: `if 0 < jump < inf: self.jump(jump)` — with a task in
    // trio.sleep(math.inf) the clock stays at 0.0 (trioinf.py); asyncio: call_at(inf) never runs.
    const log: unknown[] = [];
    await run(
      async () => {
        const loop = getRunningLoop();
        loop.callAt(Infinity, () => log.push('callAt(Infinity) ran'));
        const sleeper = createTask(async () => {
          await sleep(Infinity);
          log.push('sleep(Infinity) returned');
        });
        // Every task blocked, on something outside the loop: wait for the loop's first idle moment.
        let release!: () => void;
        const idle = new Promise<void>((r) => (release = r));
        loop.addInstrument({ beforeIoWait: () => release() });
        await idle;
        await sleep(0);
        log.push(Number.isFinite(loop.time()) ? 'time finite' : 'time is Infinity');
        sleeper.cancel();
      },
      { clock: new MockClock({ autojumpThreshold: 0 }) },
    );
    expect(log).toEqual(['time finite']);
  });

  // Trio: "If all tasks are blocked for this many real seconds … then the clock automatically
  // jumps" — uninterrupted blocked time: activity restarts the wait. The jump timer of an earlier
  // idle period may fire in the same host turn as the news that wakes a task; that activity must
  // cancel the due jump. Checked in two parts (real timers are too coarse for a timed test):
  // the clock forgets a due jump when told the loop was busy …
  it('with a positive threshold, a jump that came due is dropped when the loop reports activity (busy())', async () => {
    const clock = new MockClock({ autojumpThreshold: 1 });
    let woken = 0;
    const wake = (): void => void woken++;
    expect(clock.idle(100, wake)).toBe(false); // arms the threshold timer
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(woken).toBe(1); // the threshold passed: a jump is due
    clock.busy(); // … but a task ran meanwhile
    expect(clock.idle(100, wake)).toBe(false); // the wait starts again
    expect(clock.now()).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(clock.idle(100, wake)).toBe(true); // blocked for the whole threshold: it jumps
    expect(clock.now()).toBe(100);
  });

  // … and the loop tells its clock when a task that woke on foreign news touches the loop.
  it('the loop reports activity to its clock when a task resumed by a foreign promise schedules a timer', async () => {
    let busy = 0;
    const clock = { now: () => 0, realDelay: () => Infinity, idle: () => false, busy: () => void busy++ };
    await run(
      async () => {
        const bg = createTask(() => sleep(1000)); // keeps a deadline in the heap
        await sleep(0);
        const before = busy;
        await hostDelay(1); // a foreign result arrives …
        const t = createTask(() => sleep(10)); // … and the task touches the loop
        await new Promise((resolve) => setImmediate(resolve));
        expect(busy).toBeGreaterThan(before);
        t.cancel();
        bg.cancel();
      },
      { clock },
    );
  });
});

describe('waitAllTasksBlocked (trio.testing.wait_all_tasks_blocked)', () => {
  it('takes priority over autojump even with a cushion above the threshold: the time has not moved when it wakes', async () => {
    // trio 0.22 (_run.py: `if runner.waiting_for_idle: … elif autojump`): with autojump_threshold=0
    // and wait_all_tasks_blocked(0.005) the waiter wakes at 0.0, the sleeper later at 100.0.
    const log = await run(
      async () => {
        const loop = getRunningLoop();
        const log: unknown[] = [];
        const sleeper = createTask(async () => {
          await sleep(100);
          log.push(['sleeper', loop.time()]);
        });
        await waitAllTasksBlocked(1);
        log.push(['waiter', loop.time()]);
        await sleeper;
        return log;
      },
      { clock: virtualClock() },
    );
    expect(log).toEqual([
      ['waiter', 0],
      ['sleeper', 100],
    ]);
  });

  it('the cushion is uninterrupted blocked time: a task active meanwhile restarts it', async () => {
    // trio 0.22 (trio1.py, test 1): a waiter with cushion 0.03 s while another task does five
    // 0.01 s waits wakes only after that task finished: [('b', 0) … ('b', 4), ('a-woke', 5)].
    // (A task awaiting a foreign promise is invisible to the loop until it touches it again.)
    await run(async () => {
      const b = createTask(async () => {
        for (let i = 0; i < 5; i++) await sleep(1);
      });
      await waitAllTasksBlocked(3);
      const doneWhenWoken = b.done();
      await b;
      expect(doneWhenWoken).toBe(true);
    });
  });

  it('waiters with the same cushion all wake in the same pass', async () => {
    // trio 0.22 (trio1.py, test 2): every waiter whose key equals the smallest (cushion,
    // tiebreaker) is rescheduled at once: ['A1', 'B1', 'A2', 'A3'].
    const log = await run(async () => {
      const log: string[] = [];
      const never = new Event();
      const blocked = createTask(async () => {
        await never.wait();
      });
      const a = createTask(async () => {
        await waitAllTasksBlocked();
        log.push('A1');
        await sleep(0);
        log.push('A2');
        await sleep(0);
        log.push('A3');
      });
      const b = createTask(function* () {
        yield* waitAllTasksBlocked();
        log.push('B1');
      });
      await Promise.all([a, b] as Future<void>[]);
      blocked.cancel();
      return log;
    });
    expect(log).toEqual(['A1', 'B1', 'A2', 'A3']);
  });
});
