// Unit tests of src/loop/eventloop.ts: passes and their snapshots, timers, stop/close, the
// exception handler, debug mode, the host-boundary bursts, and argument checks.
import { describe, it, expect, vi, afterEach } from 'vitest';
import {
  EventLoop,
  RuntimeError,
  createTask,
  getRunningLoop,
  newEventLoop,
  run,
  sleep,
  type ExceptionContext,
  type Future,
  type TimerHandle,
} from 'tulip';
import { MockClock } from 'tulip/testing';
import { busyWait, errorOf, recordExceptions, syncError, virtualClock } from '../support.js';

afterEach(() => {
  vi.restoreAllMocks();
});

/** Runs the loop until `stop()`; the loop is stopped by a timer at `atMs` (virtual). */
function virtualLoop(): { loop: EventLoop; clock: MockClock } {
  const clock = virtualClock();
  return { loop: newEventLoop({ clock }), clock };
}

describe('passes', () => {
  it('callSoon callbacks run in scheduling order, with their arguments', async () => {
    const loop = newEventLoop();
    const log: unknown[] = [];
    loop.callSoon((a: number, b: string) => log.push([a, b]), 1, 'x');
    loop.callSoon(() => log.push('second'));
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    loop.close();
    expect(log).toEqual([[1, 'x'], 'second']);
  });

  it('a pass runs a snapshot: callbacks scheduled during a pass wait for the next one, which stop() does not run', async () => {
    const loop = newEventLoop();
    const log: string[] = [];
    loop.callSoon(() => {
      log.push('a');
      loop.callSoon(() => log.push('scheduled during the pass'));
      loop.stop();
    });
    loop.callSoon(() => log.push('b (already in the pass)'));
    await loop.runForever();
    expect(log).toEqual(['a', 'b (already in the pass)']);
    // The callback scheduled during the stopped pass is still there for the next run.
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    expect(log).toEqual(['a', 'b (already in the pass)', 'scheduled during the pass']);
    loop.close();
  });

  it('a callback that reschedules itself runs once per pass, interleaved with another one', async () => {
    const loop = newEventLoop();
    const log: string[] = [];
    let n = 0;
    const ping = (): void => {
      log.push(`ping${n}`);
      if (++n < 3) loop.callSoon(ping);
    };
    let m = 0;
    const pong = (): void => {
      log.push(`pong${m}`);
      if (++m < 3) loop.callSoon(pong);
      else loop.stop();
    };
    loop.callSoon(ping);
    loop.callSoon(pong);
    await loop.runForever();
    loop.close();
    expect(log).toEqual(['ping0', 'pong0', 'ping1', 'pong1', 'ping2', 'pong2']);
  });

  it('stop() called before runForever() lets exactly one pass run', async () => {
    const loop = newEventLoop();
    const log: string[] = [];
    loop.callSoon(() => {
      log.push('first pass');
      loop.callSoon(() => log.push('second pass'));
    });
    loop.stop();
    await loop.runForever();
    expect(log).toEqual(['first pass']);
    expect(loop.isRunning()).toBe(false);
    loop.close();
  });

  it('isRunning() is true inside a callback and false before and after', async () => {
    const loop = newEventLoop();
    let inside: boolean | undefined;
    expect(loop.isRunning()).toBe(false);
    loop.callSoon(() => {
      inside = loop.isRunning();
      loop.stop();
    });
    await loop.runForever();
    expect(inside).toBe(true);
    expect(loop.isRunning()).toBe(false);
    loop.close();
  });

  it('runForever() on a running loop throws RuntimeError and the loop keeps running', async () => {
    const loop = newEventLoop();
    let err: Error | undefined;
    loop.callSoon(() => {
      err = syncError(() => loop.runForever());
      loop.callSoon(() => loop.stop());
    });
    await loop.runForever();
    expect(err).toBeInstanceOf(RuntimeError);
    expect(err!.message).toMatch(/already running/);
    loop.close();
  });

  it('runUntilComplete() on a running loop is refused with RuntimeError', async () => {
    const loop = newEventLoop();
    let err: Error | undefined;
    loop.callSoon(async () => {
      err = await errorOf(() => loop.runUntilComplete(() => 1));
      loop.stop();
    });
    await loop.runForever();
    expect(err).toBeInstanceOf(RuntimeError);
    expect(err!.message).toMatch(/already running/);
    loop.close();
  });

  it('a cancelled handle does not run; the others in the pass do', async () => {
    const loop = newEventLoop();
    const log: string[] = [];
    loop.callSoon(() => {
      h.cancel();
      log.push('a');
    });
    const h = loop.callSoon(() => log.push('cancelled one'));
    loop.callSoon(() => {
      log.push('c');
      loop.stop();
    });
    await loop.runForever();
    loop.close();
    expect(log).toEqual(['a', 'c']);
  });

  it('a burst of many passes still lets Node I/O in: setImmediate runs while a generator task loops on sleep(0)', () =>
    run(function* () {
      const CAP = 2_000_000;
      let immediateRan = false;
      let i = 0;
      for (; i < 100; i++) yield* sleep(0); // well inside a burst of passes
      setImmediate(() => {
        immediateRan = true;
      });
      for (; i < CAP && !immediateRan; i++) yield* sleep(0);
      expect(immediateRan).toBe(true);
      expect(i).toBeLessThan(CAP);
    }));

  it('a burst of many passes still lets Node I/O in: a host timer fires while tasks loop on sleep(0) thousands of times', () =>
    run(async () => {
      const CAP = 5_000_000;
      let fired = false;
      setTimeout(() => {
        fired = true;
      }, 1);
      const spin = (): Generator<unknown, number> =>
        (function* () {
          let n = 0;
          while (!fired && n < CAP) {
            yield* sleep(0);
            n++;
          }
          return n;
        })();
      const [a, b] = [createTask(spin()), createTask(spin())];
      const na = await a;
      const nb = await b;
      expect(fired).toBe(true);
      expect(na).toBeLessThan(CAP);
      expect(nb).toBeLessThan(CAP);
    }));

  it('an async task that awaits plain promises before its first tulip future waits on it before the next entry runs', () =>
    run(async () => {
      const loop = getRunningLoop();
      const fut = loop.createFuture<number>();
      const order: string[] = [];
      // a's first tulip await comes after two plain-promise hops: the loop keeps hopping for it.
      createTask(async () => {
        await Promise.resolve();
        await Promise.resolve();
        order.push(`a got ${await fut}`);
      });
      createTask(() => {
        fut.setResult(1); // a waits on fut already: it resumes in the next pass …
        loop.callSoon(() => order.push('callSoon'));
      });
      createTask(() => order.push('c'));
      await sleep(0);
      await sleep(0);
      // … after c (same pass as b) and with the callSoon callback of the next pass.
      expect(order).toEqual(['c', 'a got 1', 'callSoon']);
    }));

  it('an async task resumed from a future runs to its next tulip await before the next entry, even through plain awaits', () =>
    run(async () => {
      const loop = getRunningLoop();
      const f1 = loop.createFuture<void>();
      const f2 = loop.createFuture<void>();
      const order: string[] = [];
      const a = createTask(async () => {
        await f1;
        order.push('a resumed');
        await Promise.resolve();
        order.push('a after a plain await');
        await f2;
        order.push('a done');
      });
      await sleep(0);
      f1.setResult();
      loop.callSoon(() => order.push('next entry'));
      await sleep(0);
      expect(order).toEqual(['a resumed', 'a after a plain await', 'next entry']);
      f2.setResult();
      await a;
    }));
});

describe('timers', () => {
  it('timers run in deadline order, and equal deadlines in scheduling order (FIFO)', async () => {
    const { loop } = virtualLoop();
    const log: string[] = [];
    loop.callAt(10, () => log.push('a@10'));
    loop.callAt(5, () => log.push('b@5'));
    loop.callAt(10, () => log.push('c@10'));
    loop.callLater(10, () => log.push('d@10'));
    loop.callAt(7, () => log.push('e@7'));
    loop.callAt(10, () => log.push('f@10'));
    loop.callAt(20, () => loop.stop());
    await loop.runForever();
    loop.close();
    expect(log).toEqual(['b@5', 'e@7', 'a@10', 'c@10', 'd@10', 'f@10']);
  });

  it('a thousand timers with the same deadline run in scheduling order', async () => {
    const { loop } = virtualLoop();
    const log: number[] = [];
    for (let i = 0; i < 1000; i++) loop.callAt(50, () => log.push(i));
    loop.callAt(51, () => loop.stop());
    await loop.runForever();
    loop.close();
    expect(log).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it('a timer that comes due runs after the callbacks already ready at the start of the pass', async () => {
    const { loop, clock } = virtualLoop();
    const log: string[] = [];
    loop.callSoon(() => {
      clock.jump(5);
      loop.callSoon(() => log.push('soon, scheduled before the timer was due'));
    });
    loop.callAt(5, () => {
      log.push('timer');
      loop.stop();
    });
    await loop.runForever();
    loop.close();
    expect(log).toEqual(['soon, scheduled before the timer was due', 'timer']);
  });

  it('callLater() with a zero or negative delay runs at the next pass, and when() is in the past', async () => {
    const { loop } = virtualLoop();
    const log: string[] = [];
    const t = loop.callLater(-10, () => log.push('late'));
    expect(t.when()).toBe(-10);
    loop.callLater(0, () => {
      log.push('zero');
      loop.stop();
    });
    await loop.runForever();
    loop.close();
    expect(log).toEqual(['late', 'zero']);
  });

  it('callAt(Infinity) never runs', async () => {
    const { loop } = virtualLoop();
    let ran = false;
    loop.callAt(Infinity, () => {
      ran = true;
    });
    loop.callAt(1000, () => loop.stop());
    await loop.runForever();
    loop.close();
    expect(ran).toBe(false);
  });

  it('the timers run at their deadline on the loop clock', async () => {
    const { loop } = virtualLoop();
    const at: number[] = [];
    loop.callLater(100, () => at.push(loop.time()));
    loop.callLater(250, () => {
      at.push(loop.time());
      loop.stop();
    });
    await loop.runForever();
    loop.close();
    expect(at).toEqual([100, 250]);
  });

  it('cancelled timers never run, and the heap is purged once they dominate it', async () => {
    const { loop } = virtualLoop();
    const heap = (): number => (loop as unknown as { _timers: { size: number } })._timers.size;
    const handles: TimerHandle[] = [];
    const ran: number[] = [];
    for (let i = 0; i < 300; i++) handles.push(loop.callLater(1000 + i, () => ran.push(i)));
    expect(heap()).toBe(300);
    for (let i = 0; i < 200; i++) handles[i]!.cancel();
    expect(heap()).toBeLessThan(300); // purged without waiting for the deadlines
    expect(heap()).toBeGreaterThanOrEqual(100);
    loop.callLater(2000, () => loop.stop());
    await loop.runForever();
    loop.close();
    expect(ran).toEqual(Array.from({ length: 100 }, (_, i) => 200 + i));
  });

  it('cancelling a timer twice, or after it ran, does not count it twice for the purge', async () => {
    const { loop } = virtualLoop();
    const counter = (): number => (loop as unknown as { _cancelledTimers: number })._cancelledTimers;
    const a = loop.callLater(10, () => {});
    a.cancel();
    a.cancel();
    expect(counter()).toBe(1);
    const b = loop.callLater(5, () => {});
    loop.callLater(20, () => loop.stop());
    await loop.runForever();
    b.cancel(); // already ran
    expect(counter()).toBe(0);
    loop.close();
  });

  it('a timer added while the loop is idle re-arms the host timer for an earlier deadline', async () => {
    const loop = newEventLoop();
    const log: string[] = [];
    loop.callLater(10_000, () => log.push('late'));
    setTimeout(() => {
      loop.callLater(1, () => {
        log.push('early');
        loop.stop();
      });
    }, 2);
    await loop.runForever();
    loop.close();
    expect(log).toEqual(['early']);
  });

  it('loop.time() reads the loop clock', () => {
    const clock = new MockClock();
    const loop = newEventLoop({ clock });
    expect(loop.time()).toBe(0);
    clock.jump(42);
    expect(loop.time()).toBe(42);
    loop.close();
  });
});

describe('runUntilComplete', () => {
  it('returns the result of a future, a task body and a generator', async () => {
    const loop = newEventLoop();
    const f = loop.createFuture<number>();
    loop.callSoon(() => f.setResult(1));
    expect(await loop.runUntilComplete(f)).toBe(1);
    expect(await loop.runUntilComplete(async () => 2)).toBe(2);
    expect(
      await loop.runUntilComplete(
        (function* () {
          yield* sleep(0);
          return 3;
        })(),
      ),
    ).toBe(3);
    expect(await loop.runUntilComplete(Promise.resolve(4))).toBe(4);
    loop.close();
  });

  it('a loop stopped before the future is done rejects with "Event loop stopped before Future completed."; a later run finishes it', async () => {
    const loop = newEventLoop();
    const f = loop.createFuture<string>();
    loop.callSoon(() => loop.stop());
    const e = await errorOf(() => loop.runUntilComplete(f));
    expect(e).toBeInstanceOf(RuntimeError);
    expect(e.message).toBe('Event loop stopped before Future completed.');
    expect(f.done()).toBe(false);
    loop.callSoon(() => f.setResult('later'));
    expect(await loop.runUntilComplete(f)).toBe('later');
    loop.close();
  });

  it('rejects with the error of a failed future', async () => {
    const loop = newEventLoop();
    const boom = new Error('boom');
    await expect(
      loop.runUntilComplete(async () => {
        throw boom;
      }),
    ).rejects.toBe(boom);
    loop.close();
  });

  it("refuses a future of another loop (asyncio's ValueError: a RangeError) and leaves both loops usable", async () => {
    const a = newEventLoop();
    const b = newEventLoop();
    const e = await errorOf(() => a.runUntilComplete(b.createFuture()));
    expect(e).toBeInstanceOf(RangeError);
    expect(e.message).toMatch(/different loop/);
    expect(await a.runUntilComplete(async () => 'a')).toBe('a');
    expect(await b.runUntilComplete(async () => 'b')).toBe('b');
    a.close();
    b.close();
  });

  it('leaves no stop request behind: a later runForever() runs until its own stop()', async () => {
    const loop = newEventLoop();
    await loop.runUntilComplete(async () => 1);
    const log: string[] = [];
    loop.callSoon(() => loop.callSoon(() => loop.callSoon(() => (log.push('third pass'), loop.stop()))));
    await loop.runForever();
    expect(log).toEqual(['third pass']);
    loop.close();
  });
});

describe('close', () => {
  it('close() of a running loop throws RuntimeError and the loop runs on', async () => {
    const loop = newEventLoop();
    let err: Error | undefined;
    let after = false;
    loop.callSoon(() => {
      err = syncError(() => loop.close());
      loop.callSoon(() => {
        after = true;
        loop.stop();
      });
    });
    await loop.runForever();
    expect(err).toBeInstanceOf(RuntimeError);
    expect(err!.message).toMatch(/running/);
    expect(after).toBe(true);
    expect(loop.isClosed()).toBe(false);
    loop.close();
  });

  it('every scheduling method of a closed loop throws RuntimeError naming the method', async () => {
    const loop = newEventLoop();
    loop.close();
    expect(loop.isClosed()).toBe(true);
    const cases: Array<[string, () => unknown]> = [
      ['callSoon', () => loop.callSoon(() => {})],
      ['callLater', () => loop.callLater(1, () => {})],
      ['callAt', () => loop.callAt(1, () => {})],
      ['runForever', () => loop.runForever()],
      ['createTask', () => loop.createTask(async () => 1)],
      ['runInExecutor', () => loop.runInExecutor({ submit: async () => 1 } as never, () => 1)],
    ];
    for (const [name, call] of cases) {
      const e = syncError(call);
      expect(e, name).toBeInstanceOf(RuntimeError);
      expect(e.message, name).toMatch(/^\w+: the event loop is closed$/);
    }
    const e = await errorOf(() => loop.runUntilComplete(async () => 1));
    expect(e).toBeInstanceOf(RuntimeError);
    expect(e.message).toMatch(/closed/);
  });

  it('close() drops scheduled callbacks and timers, and is idempotent', async () => {
    const loop = newEventLoop();
    let ran = false;
    loop.callSoon(() => {
      ran = true;
    });
    loop.callLater(1, () => {
      ran = true;
    });
    loop.close();
    loop.close();
    expect(loop.isClosed()).toBe(true);
    await new Promise((r) => setTimeout(r, 5));
    expect(ran).toBe(false);
  });

  it('close() shuts down the default executor without waiting', () => {
    const loop = newEventLoop();
    const shutdown = vi.fn();
    loop.setDefaultExecutor({ submit: async () => undefined, shutdown } as never);
    loop.close();
    expect(shutdown).toHaveBeenCalledTimes(1);
    expect(shutdown).toHaveBeenCalledWith(false);
  });
});

describe('exception handler', () => {
  it('receives (loop, context) for a failing callback, with message, exception and handle', async () => {
    const loop = newEventLoop();
    const calls: Array<[EventLoop, ExceptionContext]> = [];
    loop.setExceptionHandler((l, ctx) => {
      calls.push([l, ctx]);
    });
    const boom = new Error('boom');
    const h = loop.callSoon(function failing() {
      throw boom;
    });
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    loop.close();
    expect(calls).toHaveLength(1);
    const [l, ctx] = calls[0]!;
    expect(l).toBe(loop);
    expect(ctx.message).toBe('Exception in callback <Handle failing()>');
    expect(ctx.exception).toBe(boom);
    expect(ctx.handle).toBe(h);
  });

  it('a failing callback does not stop the pass: the next callback runs', async () => {
    const loop = newEventLoop();
    recordExceptions(loop);
    const log: string[] = [];
    loop.callSoon(() => {
      throw new Error('x');
    });
    loop.callSoon(() => {
      log.push('next');
      loop.stop();
    });
    await loop.runForever();
    loop.close();
    expect(log).toEqual(['next']);
  });

  it('a throwing handler is reported through the default handler, with the original context', async () => {
    const loop = newEventLoop();
    const viaDefault: ExceptionContext[] = [];
    loop.defaultExceptionHandler = (ctx) => {
      viaDefault.push(ctx);
    };
    const handlerError = new Error('handler broke');
    loop.setExceptionHandler(() => {
      throw handlerError;
    });
    const original = { message: 'something happened', exception: new Error('orig') };
    expect(() => loop.callExceptionHandler(original)).not.toThrow();
    expect(viaDefault).toHaveLength(1);
    expect(viaDefault[0]!.message).toBe('Unhandled error in exception handler');
    expect(viaDefault[0]!.exception).toBe(handlerError);
    expect(viaDefault[0]!.context).toBe(original);
    loop.close();
  });

  it('callExceptionHandler() never throws, even when the default handler does', () => {
    const loop = newEventLoop();
    loop.defaultExceptionHandler = () => {
      throw new Error('stderr gone');
    };
    expect(() => loop.callExceptionHandler({ message: 'm' })).not.toThrow();
    loop.setExceptionHandler(() => {
      throw new Error('custom broke');
    });
    expect(() => loop.callExceptionHandler({ message: 'm' })).not.toThrow();
    loop.close();
  });

  it('setExceptionHandler(null) restores the default handler, which prints message, keys and stack to stderr', async () => {
    const loop = newEventLoop();
    const custom = vi.fn();
    loop.setExceptionHandler(custom);
    expect(loop.getExceptionHandler()).toBe(custom);
    loop.setExceptionHandler(null);
    expect(loop.getExceptionHandler()).toBeNull();
    const printed = vi.spyOn(console, 'error').mockImplementation(() => {});
    const boom = new Error('kaboom');
    loop.callSoon(function exploding() {
      throw boom;
    });
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    loop.close();
    expect(custom).not.toHaveBeenCalled();
    expect(printed).toHaveBeenCalledTimes(1);
    const text = String(printed.mock.calls[0]![0]);
    expect(text).toContain('Exception in callback <Handle exploding()>');
    expect(text).toContain('handle: <Handle exploding()>');
    expect(text).toContain('Error: kaboom');
    expect(text).toContain(boom.stack!.split('\n')[1]!.trim());
  });

  it('the default handler prints a non-Error exception as "exception: <value>"', () => {
    const loop = newEventLoop();
    const printed = vi.spyOn(console, 'error').mockImplementation(() => {});
    loop.callExceptionHandler({ message: 'odd', exception: 'just a string' });
    expect(String(printed.mock.calls[0]![0])).toBe('odd\nexception: just a string');
    loop.close();
  });

  it('setExceptionHandler() of a non-function throws TypeError and keeps the current handler', () => {
    const loop = newEventLoop();
    const h = (): void => {};
    loop.setExceptionHandler(h);
    const e = syncError(() => loop.setExceptionHandler('log it' as never));
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toBe('setExceptionHandler: handler must be a function or null, got "log it"');
    expect(loop.getExceptionHandler()).toBe(h);
    loop.close();
  });
});

describe('debug mode', () => {
  it('getDebug() reflects the option and setDebug()', () => {
    const a = newEventLoop();
    const b = newEventLoop({ debug: true });
    expect(a.getDebug()).toBe(false);
    expect(b.getDebug()).toBe(true);
    a.setDebug(true);
    b.setDebug(false);
    expect(a.getDebug()).toBe(true);
    expect(b.getDebug()).toBe(false);
    expect(a.slowCallbackDuration).toBe(100);
    a.close();
    b.close();
  });

  it('reports a slow callback with a message naming the callback and the time it took', async () => {
    const loop = newEventLoop({ debug: true });
    loop.slowCallbackDuration = 15; // well above what a quick callback takes, even on a busy machine
    const seen = recordExceptions(loop);
    const h = loop.callSoon(function busyWork() {
      busyWait(25);
    });
    loop.callSoon(function quick() {
      loop.stop();
    });
    await loop.runForever();
    loop.close();
    const mine = seen.filter((c) => c.message.includes('busyWork'));
    expect(mine).toHaveLength(1);
    expect(mine[0]!.message).toMatch(/^Executing <Handle busyWork\(\)> took \d+\.\d{3} ms$/);
    const took = Number(/took ([\d.]+) ms/.exec(mine[0]!.message)![1]);
    expect(took).toBeGreaterThanOrEqual(24);
    expect(mine[0]!.handle).toBe(h);
    expect(seen.filter((c) => c.message.includes('quick'))).toHaveLength(0);
  });

  it('reports a slow task step with the task in the context', async () => {
    const loop = newEventLoop({ debug: true });
    loop.slowCallbackDuration = 15;
    const seen = recordExceptions(loop);
    const t = loop.createTask(
      function* () {
        busyWait(25);
        yield* sleep(0);
      },
      { name: 'slowpoke' },
    );
    await loop.runUntilComplete(t);
    loop.close();
    const reports = seen.filter((c) => c.message.startsWith('Executing') && c.message.includes('slowpoke'));
    expect(reports).toHaveLength(1);
    expect(reports[0]!.message).toContain("name='slowpoke'");
    expect(reports[0]!.task).toBe(t);
  });

  it('reports a stall outside debug mode too, then names the slow callbacks that follow', async () => {
    const loop = newEventLoop();
    loop.slowCallbackDuration = 15;
    const seen = recordExceptions(loop);
    function slowOne(): void {
      busyWait(25);
    }
    loop.callSoon(slowOne); // a burst over the limit: reported coarsely, fine timing switches on
    loop.callLater(60, slowOne); // a later burst, timed per callback: named
    loop.callLater(90, () => loop.stop());
    await loop.runForever();
    loop.close();
    expect(seen[0]!.message).toMatch(/event loop was blocked for [\d.]+ ms/); // no name yet
    const named = seen.filter((c) => /^Executing <TimerHandle slowOne\(\)> took [\d.]+ ms/.test(c.message));
    expect(named).toHaveLength(1); // the second one, in fine mode
    expect(loop.lagStats().stalls).toBe(seen.length);
  });
});

describe('futures and tasks of a loop', () => {
  it('createFuture() makes a pending future bound to the loop, even when the loop is not running', () => {
    const loop = newEventLoop();
    const f: Future<number> = loop.createFuture<number>();
    expect(f.getLoop()).toBe(loop);
    expect(f.done()).toBe(false);
    loop.close();
  });

  it('createTask() names the task and runs it on this loop, not on a running one', async () => {
    const other = newEventLoop();
    const t = other.createTask(async () => getRunningLoop(), { name: 'on-other' });
    expect(t.getName()).toBe('on-other');
    expect(await other.runUntilComplete(t)).toBe(other);
    other.close();
  });
});

describe('bad input', () => {
  it('callSoon() of a non-function throws a TypeError naming the callback, and the loop stays usable', async () => {
    const loop = newEventLoop();
    const e = syncError(() => loop.callSoon(42 as never));
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toBe('callSoon: callback must be a function, got 42');
    expect(syncError(() => loop.callSoon(Promise.resolve() as never)).message).toMatch(/got a Promise$/);
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    loop.close();
  });

  it('callLater() refuses a non-number or NaN delay and a non-function callback, naming the argument', () => {
    const loop = newEventLoop();
    const s = syncError(() => loop.callLater('10' as never, () => {}));
    expect(s).toBeInstanceOf(TypeError);
    expect(s.message).toBe('callLater: delayMs must be a number of milliseconds, got "10"');
    const n = syncError(() => loop.callLater(NaN, () => {}));
    expect(n instanceof TypeError || n instanceof RangeError).toBe(true);
    expect(n.message).toMatch(/^callLater: delayMs .*NaN/);
    const f = syncError(() => loop.callLater(10, null as never));
    expect(f).toBeInstanceOf(TypeError);
    expect(f.message).toMatch(/callback must be a function, got null$/);
    expect(loop.callLater(1, () => {}).when()).toBeGreaterThan(0);
    loop.close();
  });

  it('the errors of callLater() name callLater, not the callAt() it delegates to', () => {
    const loop = newEventLoop();
    const f = syncError(() => loop.callLater(10, null as never));
    expect(f.message).toBe('callLater: callback must be a function, got null');
    loop.close();
    const c = syncError(() => loop.callLater(10, () => {}));
    expect(c).toBeInstanceOf(RuntimeError);
    expect(c.message).toBe('callLater: the event loop is closed');
  });

  it('callAt() refuses null, NaN and strings for the deadline, naming whenMs', () => {
    const loop = newEventLoop();
    const a = syncError(() => loop.callAt(null as never, () => {}));
    expect(a).toBeInstanceOf(TypeError);
    expect(a.message).toBe('callAt: whenMs must be a number of milliseconds, got null');
    const b = syncError(() => loop.callAt(NaN, () => {}));
    expect(b).toBeInstanceOf(RangeError);
    expect(b.message).toMatch(/^callAt: whenMs .*got NaN$/);
    const c = syncError(() => loop.callAt('5' as never, () => {}));
    expect(c).toBeInstanceOf(TypeError);
    expect(c.message).toMatch(/^callAt: whenMs .*got "5"$/);
    expect(loop.callAt(5, () => {}).when()).toBe(5);
    loop.close();
  });

  it('newEventLoop() refuses non-object options and a clock without now()', () => {
    const a = syncError(() => newEventLoop(null as never));
    expect(a).toBeInstanceOf(TypeError);
    expect(a.message).toBe('newEventLoop: opts must be an object, got null');
    const b = syncError(() => newEventLoop({ clock: {} as never }));
    expect(b).toBeInstanceOf(TypeError);
    expect(b.message).toBe('newEventLoop: opts.clock must be a Clock with a now() method, got a Object object');
    const c = syncError(() => new EventLoop({ clock: 5 as never }));
    expect(c.message).toMatch(/got 5$/);
  });
});
