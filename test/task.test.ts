// Unit tests of src/task.ts: names, the AbortSignal, currentTask() in both styles, bad yields,
// bodies returning futures, foreign promises, error reporting, allTasks(), and argument checks
// (behaviour ports live in test/conformance/tasks).
import { describe, it, expect, vi, afterEach } from 'vitest';
import {
  CancelledError,
  RuntimeError,
  Task,
  allTasks,
  createTask,
  currentTask,
  ensureFuture,
  gather,
  getRunningLoop,
  isCoroutine,
  isFuture,
  newEventLoop,
  run,
  sleep,
  timeout,
  type Coroutine,
  Queue,
  isCancelledError,
} from 'tulip';
import { MockClock, runBriefly } from 'tulip/testing';
import { STYLES, newFuture, recordExceptions, styled, syncError } from './support.js';

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

  it('a given name is kept, setName() converts to a string, and toString() shows name and state', () =>
    run(async () => {
      const t = createTask(async () => 1, { name: 'worker' });
      expect(t.getName()).toBe('worker');
      expect(String(t)).toBe("<Task pending name='worker'>");
      t.setName(42 as never);
      expect(t.getName()).toBe('42');
      await t;
      expect(String(t)).toBe("<Task finished name='42'>");
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

  it('is undefined in a plain loop callback and outside any loop', () =>
    run(async () => {
      const f = newFuture<Task | undefined>();
      getRunningLoop().callSoon(() => f.setResult(currentTask()));
      expect(await f).toBeUndefined();
    }).then(() => expect(currentTask()).toBeUndefined()));
});

describe('bodies', () => {
  it('a bad yield (yield 42) throws a RuntimeError into the generator, which may go on', () =>
    run(async () => {
      const t = createTask(function* () {
        let caught: unknown;
        try {
          yield 42;
        } catch (e) {
          caught = e;
        }
        yield* sleep(0);
        return caught;
      });
      const e = (await t) as Error;
      expect(e).toBeInstanceOf(RuntimeError);
      expect(e.message).toMatch(/^Task got bad yield: 42/);
    }));

  it('yielding a native promise is a bad yield whose message says to wrap it with ensureFuture', () =>
    run(async () => {
      const t = createTask(function* () {
        yield Promise.resolve(1);
      });
      const e = (await t.then(
        () => undefined,
        (x: unknown) => x,
      )) as Error;
      expect(e).toBeInstanceOf(RuntimeError);
      expect(e.message).toMatch(/a Promise/);
      expect(e.message).toMatch(/ensureFuture/);
    }));

  it('yield task (without the star) delivers the result of another task', () =>
    run(async () => {
      const inner = createTask(async () => {
        await sleep(0);
        return 'inner';
      });
      const outer = createTask(function* () {
        return (yield inner) as string;
      });
      expect(await outer).toBe('inner');
    }));

  it('a function body returning a Future gives its result, and cancelling the task cancels that future', () =>
    run(async () => {
      const f1 = newFuture<string>();
      const t1 = createTask(() => f1);
      await runBriefly();
      f1.setResult('via future');
      expect(await t1).toBe('via future');
      const f2 = newFuture<string>();
      const t2 = createTask(() => f2);
      await runBriefly();
      t2.cancel('stop');
      expect(f2.cancelled()).toBe(true);
      await expect(t2).rejects.toBeInstanceOf(CancelledError);
    }));

  it('a function body returning a Task gives that task’s result', () =>
    run(async () => {
      const inner = createTask(function* () {
        yield* sleep(0);
        return 5;
      });
      expect(await createTask(() => inner)).toBe(5);
    }));

  it('a function body returning a generator object runs it as the task body', () =>
    run(async () => {
      const t = createTask(() =>
        (function* () {
          const v = yield* sleep(0, 'slept');
          return `${v}!`;
        })(),
      );
      expect(await t).toBe('slept!');
      expect(isCoroutine(t.getCoro())).toBe(true);
    }));

  it('getCoro() of an async-function task is the function itself', () =>
    run(async () => {
      const fn = async (): Promise<number> => 1;
      const t = createTask(fn);
      expect(t.getCoro()).toBe(fn);
      await t;
    }));

  it('an async task cancelled while awaiting a foreign promise ends cancelled when the promise settles', () =>
    run(async () => {
      let resolve!: (v: string) => void;
      const foreign = new Promise<string>((r) => {
        resolve = r;
      });
      const log: string[] = [];
      const t = createTask(async () => {
        const v = await foreign;
        log.push(`got ${v}`);
        return v;
      });
      await runBriefly();
      t.cancel('while foreign');
      expect(t.signal.aborted).toBe(true);
      expect(t.done()).toBe(false);
      resolve('value');
      const e = await t.then(
        () => 'resolved',
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(CancelledError);
      expect((e as Error).message).toBe('while foreign');
      expect(t.cancelled()).toBe(true);
      expect(log).toEqual(['got value']); // the code after the promise ran; the task still ended cancelled
    }));

  it('an async task cancelled while awaiting a foreign promise gets the CancelledError at its next runtime await', () =>
    run(async () => {
      let resolve!: () => void;
      const foreign = new Promise<void>((r) => {
        resolve = r;
      });
      const log: string[] = [];
      const t = createTask(async () => {
        await foreign;
        log.push('after foreign');
        try {
          await sleep(0);
          log.push('not reached');
        } catch (e) {
          log.push(`caught ${(e as Error).name}`);
          throw e;
        }
      });
      await runBriefly();
      t.cancel();
      resolve();
      await expect(t).rejects.toBeInstanceOf(CancelledError);
      expect(log).toEqual(['after foreign', 'caught CancelledError']);
    }));
});

describe('error reports', () => {
  it('an unawaited failing task is reported once, at the end of its pass', () =>
    run(async () => {
      const seen = recordExceptions();
      const log: string[] = [];
      getRunningLoop().setExceptionHandler((_l, ctx) => {
        seen.push(ctx);
        log.push('report');
      });
      const err = new Error('lonely');
      const t = createTask(function* () {
        throw err;
      });
      getRunningLoop().callSoon(() => {
        log.push('same pass, after the task');
        getRunningLoop().callSoon(() => log.push('next pass'));
      });
      await runBriefly(3);
      expect(log).toEqual(['same pass, after the task', 'report', 'next pass']);
      expect(seen).toHaveLength(1);
      expect(seen[0]!.message).toBe('Task exception was never retrieved');
      expect(seen[0]!.exception).toBe(err);
      expect(seen[0]!.task).toBe(t);
      expect(seen[0]!.future).toBe(t);
      expect(t.exception()).toBe(err);
      await runBriefly(2);
      expect(seen).toHaveLength(1);
    }));

  for (const style of STYLES) {
    it(`a failing task awaited later in the same pass is not reported (${style})`, () =>
      run(async () => {
        const seen = recordExceptions();
        const err = new Error('read in time');
        const failing = createTask(function* () {
          throw err;
        });
        const reader = createTask(
          styled(
            style,
            function* () {
              try {
                yield* failing;
              } catch (e) {
                return e;
              }
            },
            async () => {
              try {
                await failing;
              } catch (e) {
                return e;
              }
            },
          ),
        );
        expect(await reader).toBe(err);
        await runBriefly(2);
        expect(seen).toEqual([]);
      }));
  }

  it('a failing task whose exception() is read in the same pass is not reported', () =>
    run(async () => {
      const seen = recordExceptions();
      const t = createTask(() => {
        throw new Error('x');
      });
      getRunningLoop().callSoon(() => t.exception());
      await runBriefly(3);
      expect(seen).toEqual([]);
    }));

  for (const style of STYLES) {
    it(`the error that a cancel pre-empted is reported, not lost (${style})`, () =>
      run(async () => {
        const seen = recordExceptions();
        const inner = newFuture<number>();
        const t = createTask(
          styled(
            style,
            function* () {
              yield* inner;
            },
            async () => {
              await inner;
            },
          ),
          { name: 'racer' },
        );
        await runBriefly();
        const err = new Error('lost in the race');
        inner.setException(err);
        t.cancel('late cancel');
        const e = await t.then(
          () => undefined,
          (x: unknown) => x,
        );
        expect(e).toBeInstanceOf(CancelledError);
        expect((e as Error).message).toBe('late cancel');
        await runBriefly();
        expect(seen).toHaveLength(1);
        expect(seen[0]!.message).toMatch(/name='racer'.*was cancelled before it could receive the error of <Future failed>/);
        expect(seen[0]!.exception).toBe(err);
        expect(seen[0]!.task).toBe(t);
        expect(seen[0]!.future).toBe(inner);
      }));
  }

  it('a result that a cancel pre-empted is not reported', () =>
    run(async () => {
      const seen = recordExceptions();
      const inner = newFuture<number>();
      const t = createTask(async () => {
        await inner;
      });
      await runBriefly();
      inner.setResult(1);
      t.cancel();
      await expect(t).rejects.toBeInstanceOf(CancelledError);
      await runBriefly();
      expect(seen).toEqual([]);
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

  it('is empty outside any loop', () => {
    expect(allTasks().size).toBe(0);
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
        expect(String(printed.mock.calls[0]![0])).toMatch(/^Stack for <Task pending name='Task-\d+'>:\n  /);
        f.setResult(1);
        await t;
        expect(t.getStack().some((l) => l.startsWith('waiting on'))).toBe(false);
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
      expect(e.message).toMatch(/^createTask: body must be a generator or a function, got a Promise/);
      expect(e.message).toMatch(/pass a function instead/);
      expect(allTasks().size).toBe(before);
      expect(await createTask(async () => 'still works')).toBe('still works');
    }));

  it('createTask() of a Future throws a TypeError that says to await it', () =>
    run(async () => {
      const f = newFuture();
      const e = syncError(() => createTask(f as never));
      expect(e).toBeInstanceOf(TypeError);
      expect(e.message).toMatch(/got a Future object; a Future is already scheduled: await it/);
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
      expect(syncError(() => createTask(42 as never)).message).toMatch(/got 42$/);
      expect(syncError(() => createTask(null as never)).message).toMatch(/got null$/);
      expect(syncError(() => createTask({} as never)).message).toMatch(/got a Object object$/);
    }));

  it('createTask() with a non-string name throws a TypeError naming opts.name', () =>
    run(async () => {
      const e = syncError(() => createTask(async () => 1, { name: 5 as never }));
      expect(e).toBeInstanceOf(TypeError);
      expect(e.message).toBe('createTask: opts.name must be a string, got 5');
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

describe('a cancel that arrives before an async task has attached to its wait', () => {
  it('is delivered at the await, so the task never sees the value it was waiting for', () =>
    run(function* () {
      const fut = getRunningLoop().createFuture<number>();
      let got: unknown = 'nothing';
      const t = createTask(async () => {
        try {
          got = await timeout(null).run(() => fut);
        } catch (e) {
          got = e;
          throw e;
        }
      });
      yield* sleep(0);
      fut.setResult(1);
      t.cancel();
      yield* runBriefly(3);
      expect(t.cancelled()).toBe(true);
      expect(isCancelledError(got)).toBe(true);
    }));

  it('loses no queue item: the item stays queued for the next getter', () =>
    run(function* () {
      const q = new Queue<number>();
      const t = createTask(async () => q.get());
      yield* sleep(0);
      q.putNowait(1);
      t.cancel();
      yield* runBriefly(3);
      expect(t.cancelled()).toBe(true);
      expect(q.qsize()).toBe(1);
    }));
});
