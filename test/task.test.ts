// Unit tests of src/task.ts: names, the AbortSignal, currentTask() in both styles, allTasks(),
// cancel bookkeeping, stacks and argument checks (bodies, foreign promises, error reporting and
// early cancels are in taskbodies.test.ts; behaviour ports live in test/conformance/tasks).
import { describe, it, expect, vi, afterEach } from 'vitest';
import {
  CancelledError,
  Future,
  RuntimeError,
  Task,
  TaskGroup,
  allTasks,
  createTask,
  currentTask,
  ensureFuture,
  gather,
  getRunningLoop,
  isFuture,
  newEventLoop,
  run,
  sleep,
  timeout,
  type Coroutine,
} from 'tulip';
import { MockClock, runBriefly } from 'tulip/testing';
import { STYLES, newFuture, recordExceptions, rejection, styled, syncError, waiting } from './support.js';

afterEach(() => {
  vi.restoreAllMocks();
});

/** Identity comparison (vitest's deep equality would iterate futures, which are iterables). */
function sameMembers(set: Set<unknown>, items: unknown[]): boolean {
  return set.size === items.length && items.every((x) => set.has(x));
}

const num = (t: Task): number => Number(/^Task-(\d+)$/.exec(t.getName())![1]);

describe('names', () => {
  it('Task-N numbers increase by one per task, in both styles', () =>
    run(async () => {
      const a = createTask(async () => 1);
      const b = createTask(function* () {
        return 2;
      });
      const c = getRunningLoop().createTask(() => 3);
      expect(num(b)).toBe(num(a) + 1);
      expect(num(c)).toBe(num(b) + 1);
      await gather([a, b, c]);
    }));

  it("tulip's hidden helper tasks take no Task-N number", () =>
    run(async () => {
      const a = createTask(async () => 1);
      // A scope handed to gather runs in a hidden helper task.
      const g = gather([timeout(1000).run(async () => 'scoped')]);
      const b = createTask(async () => 2);
      expect(num(b)).toBe(num(a) + 1);
      expect(await g).toEqual(['scoped']);
      await gather([a, b]);
    }));

  for (const style of STYLES) {
    it(`toString() of a task waiting on a future shows it as wait_for, as asyncio's repr (${style})`, () =>
      run(async () => {
        const fut = getRunningLoop().createFuture<void>();
        const t = createTask(styled(style, function* () { yield* fut; }, async () => { await fut; }), { name: 'w' });
        await runBriefly();
        expect(String(t)).toBe("<Task pending name='w' wait_for=<Future pending>>");
        const outer = createTask(styled(style, function* () { yield* t; }, async () => { await t; }), { name: 'outer' });
        await runBriefly();
        expect(String(outer)).toBe("<Task pending name='outer' wait_for=<Task pending name='w' wait_for=<Future pending>>>");
        fut.setResult();
        await outer;
        expect(String(t)).toBe("<Task finished name='w' result=undefined>");
      }));
  }

  for (const style of STYLES) {
    it(`toString() names a named body function as coro=, before wait_for and the callbacks, as asyncio orders them (${style})`, () =>
      run(async () => {
        const fut = getRunningLoop().createFuture<number>();
        const fetchPage = styled(
          style,
          function* fetchPage() { return yield* fut; },
          async function fetchPage() { return await fut; },
        );
        const t = createTask(fetchPage, { name: 'p' });
        t.addDoneCallback(function onDone() {});
        expect(String(t)).toBe("<Task pending name='p' coro=<fetchPage() running> cb=[onDone()]>");
        await runBriefly();
        expect(String(t)).toBe("<Task pending name='p' coro=<fetchPage() running> wait_for=<Future pending> cb=[onDone()]>");
        fut.setResult(7);
        await t;
        expect(String(t)).toBe("<Task finished name='p' coro=<fetchPage() done> result=7>");
      }));
  }

  it('toString() leaves coro= out for an anonymous body and for a generator object (JavaScript cannot name its function)', () =>
    run(async () => {
      function* named(): Generator<unknown, number, unknown> { return 1; }
      const a = createTask(async () => 1, { name: 'a' });
      const g = createTask(named(), { name: 'g' });
      expect(String(a)).toBe("<Task pending name='a'>");
      expect(String(g)).toBe("<Task pending name='g'>");
      await gather([a, g]);
    }));

  it('toString() shows a task met again inside its own repr as ..., as asyncio does (no endless recursion)', () =>
    run(async () => {
      let t: Task<void> | undefined;
      class Box extends Future<void> {
        override toString(): string {
          return `<Box for ${String(t)}>`; // a future whose repr names the task that awaits it
        }
      }
      const box = new Box();
      t = createTask(async () => { await box; }, { name: 'a' });
      await runBriefly();
      expect(String(t)).toBe("<Task pending name='a' wait_for=<Box for ...>>");
      box.setResult();
      await t;
    }));

  it('a given name is kept, setName() converts to a string, and toString() shows name and state', () =>
    run(async () => {
      const t = createTask(async () => 1, { name: 'worker' });
      expect(t.getName()).toBe('worker');
      expect(String(t)).toBe("<Task pending name='worker'>");
      t.setName(42 as never);
      expect(t.getName()).toBe('42');
      await t;
      expect(String(t)).toBe("<Task finished name='42' result=1>");
      const c = createTask(() => sleep(1000), { name: 'sleeper' });
      await sleep(0);
      c.cancel();
      expect(String(c)).toBe("<Task cancelling name='sleeper' wait_for=<SleepFuture cancelled>>"); // as asyncio's, until it steps
      await c.catch(() => undefined);
      expect(String(c)).toBe("<Task cancelled name='sleeper'>");
      expect(Object.prototype.toString.call(t)).toBe('[object Task]');
    }));
});

describe('the AbortSignal', () => {
  for (const style of STYLES) {
    it(`is aborted at cancel() with a CancelledError reason carrying the message (${style})`, () =>
      run(async () => {
        let inside: AbortSignal | undefined;
        const t = createTask(
          styled(
            style,
            function* () {
              inside = currentTask()!.signal;
              yield* sleep(1e9);
            },
            async () => {
              inside = currentTask()!.signal;
              await sleep(1e9);
            },
          ),
        );
        await runBriefly();
        expect(inside).toBe(t.signal);
        expect(inside!.aborted).toBe(false);
        t.cancel('enough');
        expect(inside!.aborted).toBe(true);
        expect(inside!.reason).toBeInstanceOf(CancelledError);
        expect((inside!.reason as Error).message).toBe('enough');
        await expect(t).rejects.toBeInstanceOf(CancelledError);
      }));
  }

  it('read for the first time after a cancel, it is already aborted', () =>
    run(async () => {
      const t = createTask(async () => {
        await sleep(1e9);
      });
      await runBriefly();
      t.cancel('m');
      expect(t.signal.aborted).toBe(true);
      expect((t.signal.reason as Error).message).toBe('m');
      await expect(t).rejects.toBeInstanceOf(CancelledError);
    }));

  for (const readBefore of [false, true]) {
    it(`its reason is the first cancel's, as the error the task gets, whether it was read before the cancels (${readBefore}) or not`, () =>
      run(async () => {
        const t = createTask(async () => {
          await sleep(1e9);
        });
        await runBriefly();
        if (readBefore) void t.signal;
        t.cancel('one');
        t.cancel('two');
        expect((t.signal.reason as Error).message).toBe('one');
        expect(((await rejection(t)) as Error).message).toBe('one');
      }));
  }

  it('is renewed (a new, unaborted signal) when uncancel() brings the count back to 0, not before', () =>
    run(async () => {
      const gate = newFuture();
      const t = createTask(async () => {
        try {
          await sleep(1e9);
        } catch (e) {
          if (!(e instanceof CancelledError)) throw e;
        }
        await gate; // waits again after swallowing the cancellation
        return currentTask()!.signal.aborted;
      });
      await runBriefly();
      const first = t.signal;
      t.cancel();
      t.cancel();
      expect(first.aborted).toBe(true);
      await runBriefly(); // the body swallows the CancelledError
      expect(t.uncancel()).toBe(1);
      expect(t.signal === first).toBe(true);
      expect(t.signal.aborted).toBe(true);
      expect(t.uncancel()).toBe(0);
      const renewed = t.signal;
      expect(renewed === first).toBe(false);
      expect(renewed.aborted).toBe(false);
      expect(t.uncancel()).toBe(0); // never below zero
      gate.setResult(undefined);
      expect(await t).toBe(false);
      expect(renewed.aborted).toBe(false);
    }));
});

describe('currentTask()', () => {
  it('is the task inside nested async helpers and after awaits of native promises', () =>
    run(async () => {
      const seen: Array<Task | undefined> = [];
      async function leaf(): Promise<void> {
        seen.push(currentTask());
        await new Promise((r) => setTimeout(r, 1));
        seen.push(currentTask());
      }
      async function middle(): Promise<void> {
        await Promise.resolve();
        seen.push(currentTask());
        await leaf();
        await sleep(0);
        seen.push(currentTask());
      }
      const t = createTask(middle);
      await t;
      expect(seen).toHaveLength(4);
      for (const s of seen) expect(s).toBe(t);
    }));

  it('is the task inside nested generator helpers and after a wrapped native promise', () =>
    run(async () => {
      const seen: Array<Task | undefined> = [];
      function* leaf(): Coroutine<void> {
        seen.push(currentTask());
        yield* ensureFuture(new Promise((r) => setTimeout(r, 1)));
        seen.push(currentTask());
      }
      const t = createTask(function* () {
        yield* leaf();
        yield* sleep(0);
        seen.push(currentTask());
      });
      await t;
      expect(seen.length === 3 && seen.every((s) => s === t)).toBe(true);
    }));

  it('two async tasks interleaving on native promises each see themselves', () =>
    run(async () => {
      const body = async (): Promise<boolean> => {
        const me = currentTask();
        for (let i = 0; i < 5; i++) {
          await new Promise((r) => setImmediate(r));
          if (currentTask() !== me) return false;
          await sleep(0);
          if (currentTask() !== me) return false;
        }
        return true;
      };
      const [a, b] = [createTask(body), createTask(body)];
      expect(await gather([a, b])).toEqual([true, true]);
    }));

  it('is undefined in a plain loop callback', () =>
    run(async () => {
      const f = newFuture<Task | undefined>();
      getRunningLoop().callSoon(() => f.setResult(currentTask()));
      expect(await f).toBeUndefined();
    }));

  it('is undefined, not an error, in a Node callback while a loop runs (where getRunningLoop() finds the loop)', () =>
    run(function* () {
      const seen = newFuture<[boolean, Task | undefined]>();
      setTimeout(() => {
        const loopFound = getRunningLoop() !== undefined;
        seen.setResult([loopFound, currentTask()]);
      }, 1);
      expect(yield* seen).toEqual([true, undefined]);
    }));

  // ports test_tasks.py::BaseTaskTests.test_current_task_no_running_loop_implicit
  it('throws RuntimeError outside any running loop, as asyncio.current_task()', () => {
    expect(() => currentTask()).toThrow(RuntimeError);
    expect(() => currentTask()).toThrow(/currentTask: no running event loop/);
  });
});

describe('a cancel that interrupts an `await using` disposal', () => {
  // asyncio: an `async with` whose __aexit__ is cancelled again raises that CancelledError; JS wraps
  // it with the first one in a SuppressedError, which must still end the task cancelled.
  it('ends the task cancelled (with the second message), not failed with a SuppressedError', () =>
    run(async () => {
      const disposing = newFuture<void>();
      const slowResource = {
        async [Symbol.asyncDispose]() {
          disposing.setResult();
          await sleep(1000);
        },
      };
      const t = createTask(async () => {
        await using _r = slowResource;
        await sleep(1000);
      });
      await sleep(0);
      t.cancel('first');
      await disposing;
      t.cancel('second');
      const e = await rejection(t);
      expect(t.cancelled()).toBe(true);
      expect(e).toBeInstanceOf(CancelledError);
      expect((e as Error).message).toBe('second');
    }));
});

describe('allTasks()', () => {
  it('holds the pending tasks and drops the done ones', () =>
    run(async () => {
      const main = currentTask()!;
      const a = createTask(async () => {
        await sleep(0);
      });
      const b = createTask(function* () {
        yield* sleep(1e9);
      });
      expect(sameMembers(allTasks(), [main, a, b])).toBe(true);
      await a;
      expect(sameMembers(allTasks(), [main, b])).toBe(true);
      b.cancel();
      await runBriefly();
      expect(sameMembers(allTasks(), [main])).toBe(true);
    }, { clock: new MockClock() }));

  it("excludes tulip's hidden helper tasks, such as the one running a scope handed to gather", () =>
    run(async () => {
      const main = currentTask()!;
      let helper: Task | undefined;
      const g = gather([
        timeout(null).run(async () => {
          helper = currentTask();
          await sleep(0);
          return 1;
        }),
      ]);
      await runBriefly();
      expect(helper instanceof Task).toBe(true);
      expect(helper === main).toBe(false);
      expect(allTasks().has(helper!)).toBe(false);
      expect(sameMembers(allTasks(), [main])).toBe(true);
      expect(await g).toEqual([1]);
    }));

  it('throws RuntimeError outside any running loop, as asyncio.all_tasks()', () => {
    expect(() => allTasks()).toThrow(/allTasks: no running event loop/);
  });
});

describe('allTasks(loop) and currentTask(loop)', () => {
  it('allTasks(loop) lists a loop’s pending tasks from outside it, before and after it runs', async () => {
    const loop = newEventLoop();
    try {
      const t = loop.createTask(function* () {
        yield* sleep(1);
      });
      const tasks = allTasks(loop);
      expect(tasks.size).toBe(1);
      expect(tasks.has(t)).toBe(true);
      await loop.runUntilComplete(t);
      expect(allTasks(loop).size).toBe(0);
    } finally {
      loop.close();
    }
  });

  it('currentTask(loop) is the task running on that loop, and undefined for another loop', async () => {
    const other = newEventLoop();
    try {
      await run(async () => {
        const me = currentTask()!;
        expect(currentTask(getRunningLoop())).toBe(me);
        expect(currentTask(other)).toBeUndefined();
        getRunningLoop().callSoon(() => expect(currentTask(getRunningLoop())).toBeUndefined());
        await sleep(0);
      });
      expect(currentTask(other)).toBeUndefined(); // no running loop: no error when a loop is given
    } finally {
      other.close();
    }
  });

  it('a loop argument that is not an EventLoop is a TypeError naming it', () => {
    expect(() => allTasks({} as never)).toThrow(/allTasks: loop must be an EventLoop, got/);
    expect(() => currentTask(42 as never)).toThrow(/currentTask: loop must be an EventLoop, got 42/);
  });
});

describe('cancel bookkeeping', () => {
  it('cancelling() counts requests and uncancel() never goes below 0', () =>
    run(async () => {
      const t = createTask(async () => {
        await sleep(1e9);
      });
      expect(t.cancelling()).toBe(0);
      expect(t.uncancel()).toBe(0);
      expect(t.cancelling()).toBe(0);
      t.cancel();
      t.cancel();
      expect(t.cancelling()).toBe(2);
      await expect(t).rejects.toBeInstanceOf(CancelledError);
      expect(t.cancel()).toBe(false);
      expect(t.cancelling()).toBe(2);
    }));
});

describe('stacks', () => {
  it('in debug mode getStack() starts with the creation site and ends with what the task waits on', () =>
    run(
      async () => {
        const f = newFuture();
        const t = createTask(async () => {
          await f;
        });
        await runBriefly();
        const lines = t.getStack();
        expect(lines.some((l) => l.includes('task.test.ts'))).toBe(true);
        expect(lines[lines.length - 1]).toBe('waiting on <Future pending>');
        const printed = vi.spyOn(console, 'error').mockImplementation(() => {});
        t.printStack();
        expect(String(printed.mock.calls[0]![0])).toMatch(/^Stack for <Task pending name='Task-\d+'( wait_for=<.*>)?( created at \S+)?>:\n  /);
        f.setResult(1);
        await t;
        expect(t.getStack().some((l) => l.startsWith('waiting on'))).toBe(false);
      },
      { debug: true },
    ));

  it('in debug mode a done generator task keeps its creation site in getStack(), not its last suspension point', () =>
    run(
      function* () {
        const f = newFuture();
        const t = createTask(function* suspendedHere() {
          yield* f;
        });
        yield* sleep(0);
        expect(t.getStack()[0]).toMatch(/suspendedHere/); // suspended there now
        f.setResult(1);
        yield* t;
        const lines = t.getStack();
        expect(lines.length).toBeGreaterThan(0);
        expect(lines.every((l) => l.startsWith('created '))).toBe(true);
      },
      { debug: true },
    ));

  it('outside debug mode getStack() only tells what the task waits on', () =>
    run(async () => {
      const f = newFuture();
      const t = createTask(function* () {
        yield* f;
      });
      await runBriefly();
      expect(t.getStack()).toEqual(['waiting on <Future pending>']);
      f.cancel();
      await expect(t).rejects.toBeInstanceOf(CancelledError);
    }));
});

describe('bad input', () => {
  it('createTask() of a bare Promise throws a TypeError saying to pass a function, and creates no task', () =>
    run(async () => {
      const before = allTasks().size;
      const e = syncError(() => createTask(Promise.resolve(1) as never));
      expect(e).toBeInstanceOf(TypeError);
      expect(e.message).toMatch(/^createTask: a coroutine was expected, got a Promise \(body must be a generator or a function\)/);
      expect(e.message).toMatch(/pass a function instead/);
      expect(allTasks().size).toBe(before);
      expect(await createTask(async () => 'still works')).toBe('still works');
    }));

  it('a body that returns a thenable whose then() throws fails its task with that error (nothing escapes the loop)', () =>
    run(async () => {
      const broken = new Error('then() threw');
      const t = createTask(() => ({ then() { throw broken; } }) as unknown as PromiseLike<number>);
      const e = await rejection(t);
      expect(e).toBe(broken);
      expect(await createTask(async () => 'the loop goes on')).toBe('the loop goes on');
    }));

  it('createTask() of a Future throws a TypeError that says to await it', () =>
    run(async () => {
      const f = newFuture();
      const e = syncError(() => createTask(f as never));
      expect(e).toBeInstanceOf(TypeError);
      expect(e.message).toMatch(/a coroutine was expected, got a Future object \(.*a Future is already scheduled: await it\)/);
      f.cancel();
    }));

  it('createTask() of the Future that sleep() returns throws TypeError too', () =>
    run(async () => {
      const s = sleep(0);
      expect(isFuture(s)).toBe(true);
      const e = syncError(() => createTask(s as never));
      expect(e).toBeInstanceOf(TypeError);
      expect(e.message).toMatch(/Future/);
    }));

  it('createTask() of a number, null or a plain object says what came', () =>
    run(async () => {
      expect(syncError(() => createTask(42 as never)).message).toMatch(/a coroutine was expected, got 42 \(/);
      expect(syncError(() => createTask(null as never)).message).toMatch(/a coroutine was expected, got null \(/);
      expect(syncError(() => createTask({} as never)).message).toMatch(/a coroutine was expected, got an object \(/);
    }));

  it('createTask() with a name that is neither a string nor a number throws a TypeError naming opts.name', () =>
    run(async () => {
      const e = syncError(() => createTask(async () => 1, { name: true as never }));
      expect(e).toBeInstanceOf(TypeError);
      expect(e.message).toBe('createTask: opts.name must be a string (or a number), got true');
      expect(createTask(async () => 1, { name: 5 as never }).getName()).toBe('5'); // asyncio's str(name)
    }));

  it('createTask() with options that are not an object throws a TypeError naming opts', () =>
    run(async () => {
      for (const bad of [null, 5, 'name']) {
        const e = syncError(() => createTask(async () => 1, bad as never));
        expect(e).toBeInstanceOf(TypeError);
        expect(e.message).toBe(`createTask: opts must be an object, got ${bad === null ? 'null' : bad === 5 ? '5' : '"name"'}`);
      }
      expect(allTasks().size).toBe(1); // only the main task: nothing was created
    }));

  it('loop.createTask() and TaskGroup.createTask() refuse options that are not an object, too', () =>
    run(async () => {
      const loop = getRunningLoop();
      for (const bad of [null, 5, 'name']) {
        const e = syncError(() => loop.createTask(async () => 1, bad as never));
        expect(e).toBeInstanceOf(TypeError);
        expect(e.message).toMatch(/^createTask: opts must be an object, got /);
      }
      await new TaskGroup().run((tg) => {
        expect(syncError(() => tg.createTask(async () => 1, -1 as never)).message).toBe('createTask: opts must be an object, got -1');
      });
      expect(allTasks().size).toBe(1); // nothing was created
    }));

  it('createTask() outside a running loop throws RuntimeError', () => {
    const e = syncError(() => createTask(async () => 1));
    expect(e).toBeInstanceOf(RuntimeError);
    expect(e.message).toMatch(/no running event loop/);
  });

  it('ensureFuture() of a non-awaitable throws a TypeError saying what came', () =>
    run(async () => {
      const e = syncError(() => ensureFuture(42 as never));
      expect(e).toBeInstanceOf(TypeError);
      expect(e.message).toBe('ensureFuture: a Future, a coroutine or an awaitable is required, got 42');
      expect(syncError(() => ensureFuture('str' as never)).message).toMatch(/got "str"$/);
    }));

  it('ensureFuture() of a promise rejected with undefined fails with a TypeError saying so, in both styles', () =>
    run(function* () {
      const viaGen = ensureFuture(Promise.reject(undefined));
      let caught: unknown;
      try {
        yield* viaGen;
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(TypeError);
      expect((caught as Error).message).toBe('the awaitable was rejected with undefined; throw or reject with an Error');
      const viaAsync = createTask(async () => {
        try {
          await ensureFuture(Promise.reject(undefined));
          return null;
        } catch (e) {
          return e;
        }
      });
      expect(yield* viaAsync).toBeInstanceOf(TypeError);
    }));

  it('createTask() of an async generator function throws a TypeError (its body would never run), as asyncio refuses an async generator', () =>
    run(async () => {
      const e = syncError(() => createTask((async function* numbers() {}) as never));
      expect(e).toBeInstanceOf(TypeError);
      expect(e.message).toMatch(/^createTask: a coroutine was expected, got .*numbers.*, an async generator function/);
      expect(await createTask(async () => 'still usable')).toBe('still usable');
    }));

  it('ensureFuture() of a future with another loop given throws RangeError', () =>
    run(async () => {
      const other = newEventLoop();
      const f = newFuture();
      const e = syncError(() => ensureFuture(f, other));
      expect(e).toBeInstanceOf(RangeError);
      expect(e.message).toMatch(/different loop/);
      expect(ensureFuture(f)).toBe(f);
      other.close();
      f.cancel();
    }));

  it('ensureFuture() of a thenable that rejects with a CancelledError gives a cancelled future', () =>
    run(async () => {
      const f = ensureFuture(Promise.reject(new CancelledError('from outside')));
      await expect(f).rejects.toBeInstanceOf(CancelledError);
      expect(f.cancelled()).toBe(true);
    }));

  it('setResult() and setException() on a task throw RuntimeError naming the task', () =>
    run(async () => {
      const t = createTask(async () => 1, { name: 'nope' });
      expect(syncError(() => t.setResult(2)).message).toMatch(/name='nope'.*does not support set_result/);
      expect(syncError(() => t.setException(new Error())).message).toMatch(/does not support set_exception/);
      expect(await t).toBe(1);
    }));
});

describe('ensureFuture() of a promise whose wait was cancelled', () => {
  for (const style of STYLES) {
    it(`a later rejection reaches the exception handler; the abort the cancel caused does not (${style})`, () =>
      run(async () => {
        const seen = recordExceptions();
        let failLater: (e: unknown) => void = () => {};
        const work = new Promise<number>((_resolve, reject) => {
          failLater = reject;
        });
        const waiter = createTask(waiting(style, () => ensureFuture(work)));
        await sleep(0);
        waiter.cancel();
        expect(await rejection(waiter)).toBeInstanceOf(CancelledError);
        const boom = new Error('the work failed after all');
        failLater(boom);
        await sleep(0);
        expect(seen.map((c) => [c.message, c.exception])).toEqual([['exception in an awaitable whose future was cancelled', boom]]);

        let abortLater: (e: unknown) => void = () => {};
        const aborted = new Promise<number>((_resolve, reject) => {
          abortLater = reject;
        });
        const waiter2 = createTask(waiting(style, () => ensureFuture(aborted)));
        await sleep(0);
        waiter2.cancel();
        await rejection(waiter2);
        abortLater(new DOMException('The operation was aborted', 'AbortError'));
        await sleep(0);
        expect(seen).toHaveLength(1);
      }));
  }
});

describe('object size', () => {
  // A program that spawns many tasks at once is mostly the young-generation GC copying them, so a
  // task's small state (its mode, a pending cancel, being counted live) lives in bits of one field.
  // Every own field is 8 bytes per task on Node's 64-bit heap: a new one here should be a decision.
  it('keeps a generator task to 13 own fields in each state, and a sleep(0) future to 5', async () => {
    const counts: number[] = [];
    await run(function* () {
      function* child(): Coroutine<number> {
        yield* sleep(0);
        return 1;
      }
      const t = createTask(child());
      counts.push(Object.keys(t).length); // queued, not started
      const f = sleep(0);
      expect(Object.keys(f)).toHaveLength(5);
      yield* f;
      counts.push(Object.keys(t).length); // started, waiting a pass
      t.cancel();
      counts.push(Object.keys(t).length); // a cancel pending
      yield* gather([t], { returnExceptions: true });
      counts.push(Object.keys(t).length); // done (cancelled)
    });
    expect(counts).toEqual([13, 13, 13, 13]);
  });
});
