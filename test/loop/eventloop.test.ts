// Unit tests of src/loop/eventloop.ts: passes and their snapshots, the host-boundary bursts,
// runUntilComplete, stop/close, futures and tasks of a loop, and argument checks (timers are in
// timers.test.ts; the exception handler and debug mode in exceptionhandler.test.ts).
import { describe, it, expect, vi, afterEach } from 'vitest';
import {
  EventLoop,
  Queue,
  RuntimeError,
  createTask,
  getRunningLoop,
  newEventLoop,
  run,
  sleep,
  type Future,
} from 'tulip';
import { errorOf, recordExceptions, syncError } from '../support.js';

afterEach(() => {
  vi.restoreAllMocks();
});

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

  it('passes of thousands of callbacks, each scheduling the next, keep scheduling order and run one generation per pass', async () => {
    // Thousands of entries cross the ready queue's chunks while a pass both takes entries from
    // its front and adds the next generation at its back.
    const loop = newEventLoop();
    const width = 3000;
    const generations = 4;
    const log: Array<[number, number]> = [];
    const passOf: number[] = [];
    let pass = 0;
    const marker = (): void => {
      pass++;
      if (pass < generations) loop.callSoon(marker);
    };
    const cb = (gen: number, i: number): void => {
      log.push([gen, i]);
      passOf.push(pass);
      if (gen + 1 < generations) loop.callSoon(cb, gen + 1, i);
      else if (i === width - 1) loop.stop();
    };
    loop.callSoon(marker);
    for (let i = 0; i < width; i++) loop.callSoon(cb, 0, i);
    await loop.runForever();
    loop.close();
    expect(log.length).toBe(width * generations);
    for (let k = 0; k < log.length; k++) {
      const gen = Math.floor(k / width);
      expect(log[k]).toEqual([gen, k % width]);
      expect(passOf[k]).toBe(gen + 1); // the marker runs first in each pass
    }
  });

  it('a pass that stops mid-way leaves the next generation queued, in order, for the next run', async () => {
    const loop = newEventLoop();
    const width = 2000;
    const log: number[] = [];
    for (let i = 0; i < width; i++) {
      loop.callSoon(() => {
        loop.callSoon(() => log.push(width + i));
        if (i === 10) loop.stop(); // the rest of this pass still runs
        log.push(i);
      });
    }
    await loop.runForever();
    expect(log).toEqual(Array.from({ length: width }, (_, i) => i));
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    loop.close();
    expect(log).toEqual(Array.from({ length: 2 * width }, (_, i) => i));
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

  it('a burst of many passes still lets Node I/O in: setImmediate and a host timer run while one async task loops on await sleep(0)', () =>
    run(async () => {
      // Every pass of such a loop ends with nothing ready (the next sleep(0) comes from a
      // microtask): the burst's budget must still hand the host its turn.
      const CAP = 2_000_000;
      let immediateRan = false;
      let timerFired = false;
      setImmediate(() => {
        immediateRan = true;
      });
      setTimeout(() => {
        timerFired = true;
      }, 1);
      let i = 0;
      for (; i < CAP && !(immediateRan && timerFired); i++) await sleep(0);
      expect(immediateRan && timerFired).toBe(true);
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

  it('many async tasks resumed in one pass each reach their next wait, through several microtask hops, before the next entry', () =>
    run(async () => {
      const loop = getRunningLoop();
      const go = loop.createFuture<void>();
      const q = new Queue<number>();
      const order: string[] = [];
      const tasks = [0, 1, 2].map((i) =>
        createTask(async () => {
          await go;
          order.push(`${i} resumed`);
          await q.put(i); // a done future: one hop, then the await's own
          await Promise.resolve();
          order.push(`${i} waits`);
          await sleep(1000); // (cancelled below)
        }),
      );
      await sleep(0);
      go.setResult();
      loop.callSoon(() => order.push('next pass'));
      await sleep(0);
      expect(order).toEqual(['0 resumed', '0 waits', '1 resumed', '1 waits', '2 resumed', '2 waits', 'next pass']);
      expect(q.qsize()).toBe(3);
      for (const t of tasks) t.cancel();
    }));
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
      expect(e.message, name).toMatch(/^\w+: Event loop is closed$/);
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

  it('close() reports a default executor that fails to shut down, thrown or rejected, to the exception handler', async () => {
    for (const shutdown of [
      () => {
        throw new Error('thrown');
      },
      async () => {
        throw new Error('rejected');
      },
    ]) {
      const loop = newEventLoop();
      const seen = recordExceptions(loop);
      loop.setDefaultExecutor({ submit: async () => undefined, shutdown } as never);
      loop.close();
      await new Promise((r) => setImmediate(r));
      expect(seen).toHaveLength(1);
      expect(seen[0]!.message).toBe('close: the default executor failed to shut down');
      expect((seen[0]!.exception as Error).message).toMatch(/thrown|rejected/);
    }
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
    expect(c.message).toBe('callLater: Event loop is closed');
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

  it('a clock whose attach() throws makes runForever() throw and leaves the loop not running, usable with another run', async () => {
    let fail = true;
    const clock = {
      now: () => 0,
      attach: () => {
        if (fail) throw new Error('attach failed');
      },
    };
    const loop = newEventLoop({ clock });
    expect(syncError(() => loop.runForever()).message).toBe('attach failed');
    expect(loop.isRunning()).toBe(false);
    fail = false;
    expect(await loop.runUntilComplete(async () => 'ran')).toBe('ran');
    loop.close();
  });

  it('newEventLoop() refuses non-object options and a clock without now()', () => {
    const a = syncError(() => newEventLoop(null as never));
    expect(a).toBeInstanceOf(TypeError);
    expect(a.message).toBe('newEventLoop: opts must be an object, got null');
    const b = syncError(() => newEventLoop({ clock: {} as never }));
    expect(b).toBeInstanceOf(TypeError);
    expect(b.message).toBe('newEventLoop: opts.clock must be a Clock with a now() method, got an object');
    const c = syncError(() => new EventLoop({ clock: 5 as never }));
    expect(c.message).toMatch(/got 5$/);
  });
});
