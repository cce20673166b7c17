// asyncio's contextvars behaviours (the ideas of test_tasks.py's test_context_*, which
// cpython.remaining.test.ts ports one by one; test_taskgroups.py's
// test_taskgroup_task_context, test_runners.py's test_run_keeps_context, call_soon's context), in
// JavaScript's terms: a context is the value of every AsyncLocalStorage, a task runs in the
// context of the code that created it (or the one given as `opts.context`), and a loop callback in
// the context where it was scheduled.
import { AsyncLocalStorage, AsyncResource, createHook } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import {
  Runner,
  TaskGroup,
  createTask,
  currentTask,
  gather,
  getRunningLoop,
  newEventLoop,
  run,
  sleep,
  type Task,
  type TaskBody,
} from 'tulip';
import { STYLES, collectGarbage, recordExceptions, styled, syncError, type Style } from './helpers.js';

const als = new AsyncLocalStorage<string>();

/** A body that reads the store before and after a wait, and returns both. */
const reader = (style: Style): TaskBody<string> =>
  styled(
    style,
    function* () {
      const before = als.getStore();
      yield* sleep(1);
      return `${before}/${als.getStore()}`;
    },
    async () => {
      const before = als.getStore();
      await sleep(1);
      return `${before}/${als.getStore()}`;
    },
  );

for (const style of STYLES) {
  describe(`AsyncLocalStorage context (${style} tasks)`, () => {
    it('the main task runs in the context run() was called in, across its waits', async () => {
      const main = reader(style);
      await expect(als.run('outer', () => run(main))).resolves.toBe('outer/outer');
      await expect(run(main)).resolves.toBe('undefined/undefined');
    });

    it('a task created from async code runs in the context where createTask was called', async () => {
      const got = await run(async () => {
        const ts: Task<string>[] = [];
        for (const v of ['a', 'b', 'c']) als.run(v, () => ts.push(createTask(reader(style))));
        await sleep(0); // the same after a wait of the creator
        als.run('d', () => ts.push(createTask(reader(style))));
        return gather(ts);
      });
      expect(got).toEqual(['a/a', 'b/b', 'c/c', 'd/d']);
    });

    it('a task created in a generator step takes a copy of that task’s context', async () => {
      const got = await als.run('outer', () =>
        run(function* () {
          const t = createTask(reader(style));
          yield* sleep(0);
          const u = createTask(reader(style));
          return yield* gather([t, u]);
        }),
      );
      expect(got).toEqual(['outer/outer', 'outer/outer']);
    });

    it('opts.context runs the task in the given context (an AsyncResource or a snapshot)', async () => {
      const got = await run(function* () {
        const viaResource = als.run('res', () => createTask(reader(style), { context: new AsyncResource('ctx') }));
        const viaSnapshot = als.run('snap', () => createTask(reader(style), { context: AsyncLocalStorage.snapshot() }));
        const plain = als.run('plain', () => createTask(reader(style))); // a copy of the context here
        return yield* gather([viaResource, viaSnapshot, plain]);
      });
      expect(got).toEqual(['res/res', 'snap/snap', 'plain/plain']);
    });

    it('an eager task created in a generator step copies the context there (its step runs there)', async () => {
      const got = await run(function* () {
        const t = als.run('here', () => createTask(reader(style), { eagerStart: true }));
        return yield* t;
      });
      expect(got).toBe('here/here');
    });

    it('task.getContext() is the context the task runs in', async () => {
      const got = await run(async () => {
        const given = als.run('given', () => new AsyncResource('ctx'));
        const a = als.run('a', () => createTask(reader(style)));
        const b = createTask(reader(style), { context: given });
        await gather([a, b]);
        return [a.getContext().runInAsyncScope(() => als.getStore()), b.getContext() === given];
      });
      expect(got).toEqual(['a', true]);
    });

    it('TaskGroup.createTask takes opts.context too', async () => {
      const got = await run(async () => {
        const context = als.run('grouped', () => new AsyncResource('ctx'));
        return new TaskGroup().run(async (tg) => {
          const t = tg.createTask(reader(style), { context });
          return t;
        });
      });
      expect(await got).toBe('grouped/grouped');
    });

    it('an als.run() inside a task is seen by its own code only, not by its creator', async () => {
      const got = await als.run('parent', () =>
        run(async () => {
          const child = createTask(
            styled(
              style,
              function* () {
                return als.run('child', () => als.getStore());
              },
              async () => als.run('child', async () => {
                await sleep(1);
                return als.getStore();
              }),
            ),
          );
          const inChild = await child;
          return [inChild, als.getStore()];
        }),
      );
      expect(got).toEqual(['child', 'parent']);
    });

    it('an eager task’s first step runs in the creator’s context', async () => {
      const got = await run(async () => {
        const seen: (string | undefined)[] = [];
        const body = styled(
          style,
          function* () {
            seen.push(als.getStore());
          },
          async () => {
            seen.push(als.getStore());
          },
        );
        als.run('eager', () => createTask(body, { eagerStart: true }));
        return seen;
      });
      expect(got).toEqual(['eager']);
    });

    it('a task created before the loop runs keeps the context it was created in', async () => {
      const loop = newEventLoop();
      try {
        const t = als.run('early', () => loop.createTask(reader(style)));
        await expect(als.run('later', () => loop.runUntilComplete(t))).resolves.toBe('early/early');
      } finally {
        loop.close();
      }
    });

    it('currentTask() is the task itself in every step, whatever context it was created in', async () => {
      const got = await run(async () => {
        const creator = currentTask();
        const t = als.run('x', () =>
          createTask(
            styled(
              style,
              function* () {
                const a = currentTask();
                yield* sleep(0);
                return [a, currentTask()];
              },
              async () => {
                const a = currentTask();
                await sleep(0);
                return [a, currentTask()];
              },
            ),
          ),
        );
        const [a, b] = await t;
        return [a === t, b === t, a !== creator];
      });
      expect(got).toEqual([true, true, true]);
    });
  });
}

describe('AsyncLocalStorage context of loop callbacks', () => {
  it('callSoon, callLater and callAt callbacks run in the context where they were scheduled', async () => {
    const seen: string[] = [];
    await run(async () => {
      const loop = getRunningLoop();
      const log = (what: string) => seen.push(`${what}:${als.getStore()}`);
      als.run('soon', () => loop.callSoon(log, 'soon'));
      als.run('later', () => loop.callLater(1, log, 'later'));
      als.run('at', () => loop.callAt(loop.time() + 2, log, 'at'));
      loop.callSoon(log, 'none');
      await sleep(5);
    });
    expect(seen).toEqual(['soon:soon', 'none:undefined', 'later:later', 'at:at']);
  });

  it('handle.getContext() is the context the callback runs in', async () => {
    await run(async () => {
      const h = als.run('h', () => getRunningLoop().callSoon(() => {}));
      expect(h.getContext()!.runInAsyncScope(() => als.getStore())).toBe('h');
      h.cancel();
    });
  });

  it('a callback scheduled in a generator step runs in that task’s context', async () => {
    const seen: (string | undefined)[] = [];
    await als.run('task', () =>
      run(function* () {
        getRunningLoop().callSoon(() => seen.push(als.getStore()));
        yield* sleep(0);
      }),
    );
    expect(seen).toEqual(['task']);
  });

  it('a callback scheduled from an async task is not inside that task', async () => {
    const seen: unknown[] = [];
    await run(async () => {
      await sleep(0);
      als.run('cb', () => getRunningLoop().callSoon(() => seen.push(currentTask(), als.getStore())));
      await sleep(0);
    });
    expect(seen).toEqual([undefined, 'cb']);
  });
});

describe('AsyncLocalStorage context of done callbacks', () => {
  it('a done callback runs in the context where it was added, also on a future done already', async () => {
    const seen: string[] = [];
    await run(async () => {
      const fut = getRunningLoop().createFuture<number>();
      const log = (f: { result(): unknown }) => seen.push(`${f.result()}:${als.getStore()}`);
      als.run('a', () => fut.addDoneCallback(log));
      fut.addDoneCallback(log);
      fut.setResult(1);
      await sleep(0);
      als.run('late', () => fut.addDoneCallback(log));
      await sleep(0);
    });
    expect(seen).toEqual(['1:a', '1:undefined', '1:late']);
  });

  it('removeDoneCallback finds a callback added in another context; its error names it', async () => {
    await run(async () => {
      const seen = recordExceptions();
      const fut = getRunningLoop().createFuture<number>();
      const dropped = (): void => {
        throw new Error('never called');
      };
      const failing = function failingCallback(): void {
        throw new Error('boom');
      };
      als.run('x', () => {
        fut.addDoneCallback(dropped);
        fut.addDoneCallback(dropped);
        fut.addDoneCallback(failing);
      });
      expect(fut.removeDoneCallback(dropped)).toBe(2);
      fut.setResult(1);
      await sleep(0);
      expect(seen.map((c) => c.message)).toEqual([expect.stringMatching(/^Exception in callback failingCallback\(/)]);
    });
  });
});

describe('AsyncLocalStorage.enterWith() in a generator step', () => {
  it('lasts at most until the burst of passes ends, not for the loop’s life', async () => {
    const got = await run(function* () {
      createTask(function* () {
        als.enterWith('leak');
      });
      yield* sleep(0);
      yield* sleep(20); // a host timer: a later burst
      return als.getStore();
    });
    expect(got).toBeUndefined();
  });
});

describe('AsyncLocalStorage context of a Runner', () => {
  it('every run() of a Runner runs in the context of its first use (asyncio copies it once)', async () => {
    const runner = new Runner();
    try {
      const first = await als.run('first', () => runner.run(async () => als.getStore()));
      const second = await als.run('second', () => runner.run(function* () {
        yield* sleep(0);
        return als.getStore();
      }));
      expect([first, second]).toEqual(['first', 'first']);
    } finally {
      await runner.close();
    }
  });

  it('Runner.run(main, { context }) runs that main task in the given context', async () => {
    const runner = new Runner();
    try {
      await als.run('runner', () => runner.getLoop());
      const context = als.run('given', () => new AsyncResource('ctx'));
      const got = await runner.run(async () => als.getStore(), { context });
      const after = await runner.run(async () => als.getStore());
      expect([got, after]).toEqual(['given', 'runner']);
      await expect(runner.run(async () => 1, { context: 'x' as never })).rejects.toThrow(/Runner\.run: opts\.context must be/);
    } finally {
      await runner.close();
    }
  });

  it('each run() is a new Runner: it takes the context it is called in', async () => {
    const body = async (): Promise<string | undefined> => als.getStore();
    await expect(als.run('one', () => run(body))).resolves.toBe('one');
    await expect(als.run('two', () => run(body))).resolves.toBe('two');
  });
});

describe('the exception handler runs in the failing code’s context (test_futures2.py, gh-96704)', () => {
  for (const style of STYLES) {
    it(`for a ${style} task's unretrieved error`, async () => {
      const seen: (string | undefined)[] = [];
      await run(async () => {
        getRunningLoop().setExceptionHandler(() => seen.push(als.getStore()));
        const failing = styled(
          style,
          function* () {
            yield* sleep(0);
            throw new Error('1/0');
          },
          async () => {
            await sleep(0);
            throw new Error('1/0');
          },
        );
        als.run('bar', () => createTask(failing));
        await sleep(5);
      });
      expect(seen).toEqual(['bar']);
    });
  }

  it('for a callback that throws', async () => {
    const seen: (string | undefined)[] = [];
    await run(async () => {
      getRunningLoop().setExceptionHandler(() => seen.push(als.getStore()));
      als.run('bar', () =>
        getRunningLoop().callSoon(() => {
          throw new Error('1/0');
        }),
      );
      await sleep(0);
    });
    expect(seen).toEqual(['bar']);
  });
});

describe('contexts and async_hooks', () => {
  it('a captured context is an async resource whose destroy event comes once it is collected', async () => {
    const inits = new Set<number>();
    const destroyed = new Set<number>();
    const hook = createHook({
      init(id, type) {
        if (type === 'tulip.Context') inits.add(id);
      },
      destroy(id) {
        if (inits.has(id)) destroyed.add(id);
      },
    }).enable();
    try {
      await run(async () => {
        await sleep(0);
        const ts: Task<number>[] = [];
        for (let i = 0; i < 20; i++) als.run(`v${i}`, () => ts.push(createTask(async () => i)));
        await gather(ts);
      });
      await collectGarbage();
      expect(inits.size).toBeGreaterThanOrEqual(20);
      expect(destroyed.size).toBeGreaterThanOrEqual(20); // no APM bookkeeping left growing
    } finally {
      hook.disable();
    }
  });
});

describe('opts.context bad input', () => {
  it('a context that is neither an AsyncResource nor a snapshot is a TypeError naming it; nothing starts', async () => {
    await run(async () => {
      const before = getRunningLoop()._liveTasks().length;
      const e = syncError(() => createTask(async () => 1, { context: 42 as never }));
      expect(e).toBeInstanceOf(TypeError);
      expect(e.message).toMatch(/createTask: opts\.context must be an AsyncResource or the function AsyncLocalStorage\.snapshot\(\) returns, got 42/);
      expect(getRunningLoop()._liveTasks().length).toBe(before);
      await expect(createTask(async () => 2)).resolves.toBe(2);
    });
  });
});
