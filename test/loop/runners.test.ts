// Unit tests of src/loop/runners.ts: run() and Runner — options, lazy loops, executor shutdown,
// futures as mains, and argument checks (behaviour ports live in test/conformance/runners).
import { describe, it, expect, vi } from 'vitest';
import { Runner, RuntimeError, createTask, currentTask, getRunningLoop, newEventLoop, run, sleep, type Executor, type Task } from 'tulip';
import { MockClock } from 'tulip/testing';
import { errorOf } from '../support.js';

function fakeExecutor(): Executor & { shutdown: ReturnType<typeof vi.fn> } {
  return {
    submit: async <R, A extends unknown[]>(fn: (...a: A) => R | PromiseLike<R>, ...args: A) => fn(...args),
    shutdown: vi.fn(async () => {}),
  };
}

describe('run()', () => {
  it('resolves with the result of a main that returns a Future', async () => {
    expect(
      await run(() => {
        const f = getRunningLoop().createFuture<string>();
        getRunningLoop().callSoon(() => f.setResult('from a future'));
        return f;
      }),
    ).toBe('from a future');
  });

  it('loopFactory gives the loop the main task runs on, and run() closes it (asyncio: test_asyncio_run_loop_factory)', async () => {
    let calls = 0;
    const mine = newEventLoop();
    const loop = await run(
      async () => {
        await sleep(0);
        return getRunningLoop();
      },
      { loopFactory: () => (calls++, mine) },
    );
    expect(loop).toBe(mine);
    expect(calls).toBe(1);
    expect(mine.isClosed()).toBe(true);
    await expect(run(async () => 1, { loopFactory: 'x' as never })).rejects.toThrow(/^run: opts\.loopFactory must be a function/);
  });

  it('refuses non-object options with a TypeError naming opts', async () => {
    const e = await errorOf(() => run(async () => 1, null as never));
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toBe('run: opts must be an object, got null');
  });

  it('refuses a bare promise or a non-body with a TypeError that names run() and says to pass a function', async () => {
    const p = Promise.resolve(1);
    const e = await errorOf(() => run(p as never));
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toMatch(/^run: a coroutine was expected, got a Promise/);
    expect(e.message).toMatch(/run\(\(\) => fetchIt\(\)\)/);
    const e2 = await errorOf(() => run(123 as never));
    expect(e2).toBeInstanceOf(TypeError);
    expect(e2.message).toMatch(/^run: a coroutine was expected, got 123/);
    expect(await run(() => p)).toBe(1);
  });

  it('refuses a clock without now() with a TypeError, and a later run() still works', async () => {
    const e = await errorOf(() => run(async () => 1, { clock: {} as never }));
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toMatch(/opts\.clock/);
    expect(await run(async () => 2)).toBe(2);
  });

  it('shuts the default executor down once, waiting for it, before closing the loop', async () => {
    const ex = fakeExecutor();
    let loopSeen: ReturnType<typeof getRunningLoop> | undefined;
    await run(async () => {
      loopSeen = getRunningLoop();
      loopSeen.setDefaultExecutor(ex);
      return loopSeen.runInExecutor(null, (a: number) => a * 2, 21);
    });
    expect(ex.shutdown).toHaveBeenCalledTimes(1);
    expect(ex.shutdown).toHaveBeenCalledWith(true);
    expect(loopSeen!.isClosed()).toBe(true);
  });

  it('the debug option turns debug mode on in the loop of a generator main', async () => {
    expect(await run(function* () {
      yield* sleep(0);
      return getRunningLoop().getDebug();
    }, { debug: true })).toBe(true);
    expect(await run(function* () {
      return getRunningLoop().getDebug();
    })).toBe(false);
  });
});

describe('Runner', () => {
  it('refuses non-object options with a TypeError naming opts', () => {
    expect(() => new Runner(5 as never)).toThrow(TypeError);
    expect(() => new Runner(5 as never)).toThrow('Runner: opts must be an object, got 5');
  });

  it('creates its loop lazily, once, with the clock and debug options', async () => {
    const clock = new MockClock();
    const runner = new Runner({ clock, debug: true });
    const loop = runner.getLoop();
    expect(runner.getLoop()).toBe(loop);
    expect(loop.getDebug()).toBe(true);
    clock.jump(7);
    expect(loop.time()).toBe(7);
    expect(await runner.run(async () => getRunningLoop())).toBe(loop);
    await runner.close();
    expect(loop.isClosed()).toBe(true);
  });

  it('loopFactory makes the loop, called once with no arguments; debug is set on it (asyncio: test_custom_factory)', async () => {
    const made: unknown[][] = [];
    const mine = newEventLoop();
    const runner = new Runner({
      debug: true,
      loopFactory: (...args: unknown[]) => {
        made.push(args);
        return mine;
      },
    });
    expect(made).toEqual([]); // lazily
    expect(runner.getLoop()).toBe(mine);
    expect(mine.getDebug()).toBe(true);
    expect(await runner.run(async () => getRunningLoop())).toBe(mine);
    expect(await runner.run(function* () {
      return getRunningLoop();
    })).toBe(mine);
    expect(made).toEqual([[]]);
    await runner.close();
    expect(mine.isClosed()).toBe(true);
  });

  it('loopFactory without debug leaves the loop\'s own debug mode alone', async () => {
    const mine = newEventLoop({ debug: true });
    const runner = new Runner({ loopFactory: () => mine });
    expect(await runner.run(async () => getRunningLoop().getDebug())).toBe(true);
    await runner.close();
  });

  it('refuses a loopFactory that is not a function, or one given with a clock, naming the option', () => {
    expect(() => new Runner({ loopFactory: 5 as never })).toThrow(TypeError);
    expect(() => new Runner({ loopFactory: 5 as never })).toThrow(/Runner: opts\.loopFactory must be a function, got 5/);
    expect(() => new Runner({ loopFactory: () => newEventLoop(), clock: new MockClock() })).toThrow(/give opts\.clock or opts\.loopFactory, not both/);
  });

  it('a loopFactory that returns a loop already running is refused, and that loop and its tasks are left alone', async () => {
    const busy = newEventLoop();
    let finished = false;
    const work = busy.runUntilComplete(function* () {
      yield* sleep(20);
      finished = true;
    });
    const e = await errorOf(() => run(async () => 1, { loopFactory: () => busy }));
    expect(e).toBeInstanceOf(RuntimeError);
    expect(e.message).toMatch(/opts\.loopFactory returned a running loop/);
    await work;
    expect(finished).toBe(true);
    busy.close();
  });

  it('a loopFactory that returns no EventLoop, or a closed one, makes run() reject and the runner stays closable', async () => {
    const bad = new Runner({ loopFactory: () => ({}) as never });
    const e = await errorOf(() => bad.run(async () => 1));
    expect(e).toBeInstanceOf(TypeError);
    expect((e as Error).message).toMatch(/Runner: opts\.loopFactory must return an EventLoop, got/);
    await bad.close();
    const closed = newEventLoop();
    closed.close();
    const r2 = new Runner({ loopFactory: () => closed });
    expect(await errorOf(() => r2.run(async () => 1))).toBeInstanceOf(RuntimeError);
    await r2.close();
  });

  it('`await using` closes the runner when the block ends, also when it throws (asyncio: with Runner())', async () => {
    let loop: ReturnType<Runner['getLoop']> | undefined;
    let leftover: Task<unknown> | undefined;
    const boom = new Error('boom');
    const e = await errorOf(async () => {
      await using runner = new Runner();
      loop = runner.getLoop();
      await runner.run(async () => {
        leftover = createTask(async () => {
          await sleep(10_000);
        });
      });
      throw boom;
    });
    expect(e).toBe(boom);
    expect(loop!.isClosed()).toBe(true);
    expect(leftover!.cancelled()).toBe(true); // close() cancelled it
  });

  it('close() before any run does nothing (asyncio: only an initialized runner closes); close() after a run refuses run() and getLoop()', async () => {
    const runner = new Runner();
    await runner.close();
    expect(await runner.run(async () => 1)).toBe(1);
    await runner.close();
    expect(() => runner.getLoop()).toThrow(RuntimeError);
    const e = await errorOf(() => runner.run(async () => 1));
    expect(e).toBeInstanceOf(RuntimeError);
    expect(e.message).toMatch(/closed/);
  });

  it('run() of a bare promise or a non-body is refused with a TypeError naming Runner.run, and the runner stays usable', async () => {
    const runner = new Runner();
    for (const bad of [Promise.resolve(1), 123, null]) {
      const e = await errorOf(() => runner.run(bad as never));
      expect(e).toBeInstanceOf(TypeError);
      expect(e.message).toMatch(/^Runner\.run: a coroutine was expected/);
    }
    expect(await runner.run(async () => 'ok')).toBe('ok');
    await runner.close();
  });

  it('run() checks its argument before refusing a running loop, as asyncio does', async () => {
    const runner = new Runner();
    const e = await run(async () => errorOf(() => runner.run(123 as never)));
    expect(e).toBeInstanceOf(TypeError);
    const e2 = await run(async () => errorOf(() => runner.run(async () => 1)));
    expect(e2).toBeInstanceOf(RuntimeError);
    await runner.close();
  });

  it('run() of a Future of another loop is refused with RuntimeError and the runner stays usable', async () => {
    const runner = new Runner();
    const other = newEventLoop();
    const e = await errorOf(() => runner.run(other.createFuture()));
    expect(e).toBeInstanceOf(RuntimeError);
    expect(e.message).toMatch(/different loop/);
    expect(await runner.run(function* () {
      return 'ok';
    })).toBe('ok');
    await runner.close();
    other.close();
  });

  it('the name option names the main task of every run', async () => {
    const runner = new Runner({ name: 'main-of-runner' });
    try {
      const a = await runner.run(async () => currentTask()!.getName());
      expect(a).toBe('main-of-runner');
      const b = await runner.run(function* () {
        return currentTask()!.getName();
      });
      expect(b).toBe('main-of-runner');
    } finally {
      await runner.close();
    }
  });

  it('close() shuts down the default executor with wait=true once', async () => {
    const runner = new Runner();
    const ex = fakeExecutor();
    runner.getLoop().setDefaultExecutor(ex);
    await runner.run(async () => 1);
    expect(ex.shutdown).not.toHaveBeenCalled();
    await runner.close();
    expect(ex.shutdown).toHaveBeenCalledTimes(1);
    expect(ex.shutdown).toHaveBeenCalledWith(true);
  });

  it('an error two leftover tasks hold (one awaited the other) is reported once at close()', async () => {
    const runner = new Runner();
    const seen: Array<{ exception: unknown; task: unknown }> = [];
    runner.getLoop().setExceptionHandler((_l, ctx) => {
      seen.push(ctx as never);
    });
    const boom = new Error('from B cleanup');
    let b: ReturnType<typeof createTask> | undefined;
    await runner.run(async () => {
      b = createTask(async () => {
        try {
          await sleep(1e9);
        } finally {
          // eslint-disable-next-line no-unsafe-finally
          throw boom;
        }
      });
      createTask(async () => {
        await b;
      });
      await sleep(1);
    });
    await runner.close();
    expect(seen.map((c) => c.exception)).toEqual([boom]);
  });

  it('a leftover task that fails while being cancelled at close() is reported as a run() shutdown error', async () => {
    const runner = new Runner();
    const seen: unknown[] = [];
    runner.getLoop().setExceptionHandler((_l, ctx) => {
      seen.push(ctx);
    });
    const boom = new Error('cleanup failed');
    let leftover: ReturnType<typeof createTask> | undefined;
    await runner.run(async () => {
      leftover = createTask(async () => {
        try {
          await sleep(1e9);
        } finally {
          // eslint-disable-next-line no-unsafe-finally
          throw boom;
        }
      });
      await sleep(0);
    });
    await runner.close();
    expect(seen).toHaveLength(1);
    const ctx = seen[0] as { message: string; exception: unknown; task: unknown };
    expect(ctx.message).toBe('unhandled exception during run() shutdown');
    expect(ctx.exception).toBe(boom);
    expect(ctx.task).toBe(leftover);
  });
});
