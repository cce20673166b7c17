// Adversarial review of async-function tasks mixed with native promises (tulip-specific: asyncio has
// no native promises). The expectations come from tulip's contract (README "How cancellation
// works"; the TSDoc of createTask, ensureFuture, Task and Task.signal) and, where one exists, from
// asyncio's analogue, checked with the vendored pure-Python 3.13 asyncio:
//   Promise.all/race of futures ~ asyncio.wait()/gather() awaited by the task;
//   ensureFuture(promise) ~ asyncio.wrap_future(concurrent_future);
//   a body that fails while a cancel is pending ~ Task.__step with _must_cancel set.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setTimeout as nodeDelay } from 'node:timers/promises';
import {
  CancelledError,
  createTask,
  currentTask,
  ensureFuture,
  run,
  sleep,
  type Task,
} from 'tulip';
import {
  FOREVER,
  STYLES,
  ValueError,
  assertCancelled,
  newFuture,
  passes,
  recordExceptions,
  rejection,
  rejectionG,
  styled,
} from './helpers.js';

// Node's unhandled rejections during each test (vitest would also fail the run on one).
let unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};
beforeEach(() => {
  unhandled = [];
  process.on('unhandledRejection', onUnhandled);
});
afterEach(() => {
  process.off('unhandledRejection', onUnhandled);
});

/** Lets Node's macrotask queue run once (setImmediate), outside the loop's passes. */
const nodeTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

/** A promise and its settle functions. */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('an async task awaiting Promise combinators of tulip futures and tasks', () => {
  it('Promise.all of a future and a task resolves with both results in order', () =>
    run(async () => {
      const f = newFuture<number>();
      const s = createTask(async () => {
        await sleep(0);
        return 'task';
      });
      const t = createTask(async () => Promise.all([f, s]));
      await passes(1);
      f.setResult(1);
      expect(await t).toEqual([1, 'task']);
    }));

  it('Promise.all rejects with the first failing task’s error, and that error is not reported as unretrieved', () =>
    run(async () => {
      const seen = recordExceptions();
      const bad = createTask(async () => {
        await sleep(0);
        throw new ValueError('bad');
      });
      const slow = newFuture<number>();
      const t = createTask(async () => Promise.all([slow, bad]));
      const e = await rejection(t);
      expect((e as Error).message).toBe('bad');
      slow.setResult(1);
      await passes(2);
      expect(seen).toEqual([]);
      expect(unhandled).toEqual([]);
    }));

  it('Promise.allSettled lists a fulfilled future, a failed task and a cancelled future, with nothing reported', () =>
    run(async () => {
      const seen = recordExceptions();
      const ok = newFuture<number>();
      const gone = newFuture<number>();
      const bad = createTask(async () => {
        throw new ValueError('bad');
      });
      const t = createTask(async () => Promise.allSettled([ok, bad, gone]));
      await passes(1);
      ok.setResult(1);
      gone.cancel('nope');
      const r = await t;
      expect(r.map((x) => x.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
      expect(((r[1] as PromiseRejectedResult).reason as Error).message).toBe('bad');
      assertCancelled((r[2] as PromiseRejectedResult).reason, 'nope');
      await passes(2);
      expect(seen).toEqual([]);
    }));

  it('Promise.race resolves with the first future to finish; the loser keeps running', () =>
    run(async () => {
      const fast = newFuture<string>();
      const slow = createTask(async () => {
        await sleep(1);
        return 'slow';
      });
      const t = createTask(async () => Promise.race([fast, slow]));
      await passes(1);
      fast.setResult('fast');
      expect(await t).toBe('fast');
      expect(slow.done()).toBe(false);
      expect(await slow).toBe('slow');
    }));

  // A Promise.all is a foreign promise; its inputs are not the task's to cancel. asyncio has no
  // single answer but is consistent: cancelling a task awaiting asyncio.wait([f1, f2]) cancels
  // neither ("wait True False False"), one awaiting gather(f1, f2) cancels both ("gather True True
  // True"). tulip: every then() made inside the task makes that future the task's waiter, so the
  // LAST input Promise.all subscribed to is cancelled and the others are not (f1 false, f2 true).
  it.fails('cancelling a task awaiting Promise.all of two futures treats both inputs alike', () =>
    run(async () => {
      const f1 = newFuture<number>();
      const f2 = newFuture<number>();
      const t = createTask(async () => Promise.all([f1, f2]));
      await passes(1);
      t.cancel();
      await passes(2);
      expect(f1.cancelled()).toBe(f2.cancelled());
    }));

  // The same with Promise.race over a future and another task that the caller owns: cancelling the
  // racing task cancels that other task (the last input subscribed), not the future. As
  // asyncio.wait(FIRST_COMPLETED) does, an input owned elsewhere should not be cancelled.
  it.fails('cancelling a task awaiting Promise.race of a future and another task cancels neither input', () =>
    run(async () => {
      const f = newFuture<number>();
      const other = createTask(async () => {
        await sleep(FOREVER);
        return 'other';
      });
      const t = createTask(async () => Promise.race([f, other]));
      await passes(1);
      t.cancel();
      await passes(2);
      const state = [f.cancelled(), other.cancelled()];
      other.cancel();
      expect(state).toEqual([false, false]);
    }));
});

describe('tulip futures settled from Node callbacks outside the loop', () => {
  it('a future resolved in a setImmediate callback wakes the task awaiting it', () =>
    run(async () => {
      const f = newFuture<number>();
      const t = createTask(async () => (await f) + 1);
      setImmediate(() => f.setResult(41));
      expect(await t).toBe(42);
    }));

  it('a future failed in a setTimeout callback (5 ms, nothing else scheduled) fails the task awaiting it', () =>
    run(async () => {
      const f = newFuture<number>();
      const t = createTask(async () => f);
      setTimeout(() => f.setException(new ValueError('from timer')), 5);
      const e = await rejection(t);
      expect(e).toBeInstanceOf(ValueError);
      expect((e as Error).message).toBe('from timer');
    }));

  it('a generator task waiting on a future resolved from setImmediate wakes too', () =>
    run(async () => {
      const f = newFuture<string>();
      const t = createTask(function* () {
        return (yield* f) + '!';
      });
      setImmediate(() => f.setResult('hi'));
      expect(await t).toBe('hi!');
    }));
});

describe('plain async code outside any task awaiting tulip tasks and futures', () => {
  /** Runs `fn` as plain async code in a Node callback (no current task) and returns its outcome. */
  function fromCallback<T>(fn: () => Promise<T>): Promise<{ task: unknown; value?: T; error?: unknown }> {
    return new Promise((resolve) => {
      setImmediate(() => {
        const task = currentTaskOrNull();
        fn().then(
          (value) => resolve({ task, value }),
          (error: unknown) => resolve({ task, error }),
        );
      });
    });
  }
  const currentTaskOrNull = (): unknown => {
    try {
      return currentTask() ?? null;
    } catch {
      return null;
    }
  };

  it('awaiting a task that returns gives its result', () =>
    run(async () => {
      const t = createTask(async () => {
        await sleep(1);
        return 'r';
      });
      const out = await fromCallback(async () => await t);
      expect(out.value).toBe('r');
    }));

  it('awaiting a task that fails rejects with its error, and the error is not reported as unretrieved', () =>
    run(async () => {
      const seen = recordExceptions();
      const t = createTask(async () => {
        await sleep(1);
        throw new ValueError('boom');
      });
      const out = await fromCallback(async () => await t);
      expect(out.error).toBeInstanceOf(ValueError);
      await passes(2);
      expect(seen).toEqual([]);
    }));

  it('awaiting a task cancelled meanwhile rejects with its CancelledError', () =>
    run(async () => {
      const t = createTask(async () => sleep(FOREVER));
      const out = fromCallback(async () => await t);
      await passes(1);
      t.cancel('bye');
      assertCancelled((await out).error, 'bye');
    }));

  it('awaiting a pending future resolves once the loop sets it; the waiting never cancels it', () =>
    run(async () => {
      const f = newFuture<number>();
      const out = fromCallback(async () => await f);
      await nodeTurn();
      await passes(1);
      expect(f.done()).toBe(false);
      f.setResult(7);
      expect((await out).value).toBe(7);
    }));

  // A Node callback scheduled from inside task X (setImmediate, a socket or timer callback) runs
  // in X's async context, so a tulip future it awaits becomes X's waiter in place of X's own
  // wait: cancelling X cancels that future (the callback gets a CancelledError) and X keeps
  // sleeping. asyncio: code outside a task's coroutine (a callback) has no current task and cannot
  // change the task's _fut_waiter; task.cancel() cancels the future the task itself waits on.
  it.fails('a tulip future awaited by a Node callback that a task scheduled does not take the task’s cancellation', () =>
    run(async () => {
      const f = newFuture<number>();
      const cb = deferred<string>();
      const x = createTask(async () => {
        setImmediate(() => {
          void (async () => {
            try {
              await f;
              cb.resolve('got');
            } catch (e) {
              cb.resolve((e as Error).name);
            }
          })();
        });
        await sleep(15); // real time: the task's own wait
      });
      await passes(1);
      await nodeTurn();
      await passes(1);
      x.cancel();
      await passes(3);
      const state = [x.cancelled(), f.cancelled()];
      f.setResult(1);
      await cb.promise;
      expect(state).toEqual([true, false]);
    }));
});

describe('await ensureFuture(promise) vs await promise in a cancelled async task', () => {
  it('await ensureFuture(p): the CancelledError arrives at once, and p rejecting later is reported once, not unhandled', () =>
    run(async () => {
      const seen = recordExceptions();
      const d = deferred<number>();
      const steps: string[] = [];
      const t = createTask(async () => {
        try {
          await ensureFuture(d.promise);
        } catch (e) {
          steps.push((e as Error).name);
          throw e;
        }
      });
      await passes(1);
      t.cancel('stop');
      assertCancelled(await rejection(t), 'stop');
      expect(steps).toEqual(['CancelledError']);
      d.reject(new ValueError('late'));
      await passes(2);
      expect(seen.map((c) => (c.exception as Error).message)).toEqual(['late']);
      await nodeTurn();
      expect(unhandled).toEqual([]);
    }));

  it('await p: the task runs on when p resolves, and the cancel arrives at the next tulip await', () =>
    run(async () => {
      const d = deferred<number>();
      const steps: unknown[] = [];
      const t = createTask(async () => {
        steps.push(await d.promise);
        try {
          await sleep(0);
        } catch (e) {
          steps.push((e as Error).name);
          throw e;
        }
      });
      await passes(1);
      t.cancel('stop');
      await passes(2);
      expect(t.done()).toBe(false);
      d.resolve(5);
      assertCancelled(await rejection(t), 'stop');
      expect(steps).toEqual([5, 'CancelledError']);
    }));

  // asyncio: a task whose coroutine raises while a cancel is still pending (_must_cancel) ends with
  // that exception, not cancelled (Task.__step's `except BaseException: set_exception`; probe:
  // "mustcancel+exc ValueError False"). The error must not be lost either way.
  it('await p: p rejecting after the cancel fails the task with that error (not lost, not unhandled)', () =>
    run(async () => {
      const seen = recordExceptions();
      const d = deferred<number>();
      const t = createTask(async () => d.promise);
      await passes(1);
      t.cancel('stop');
      d.reject(new ValueError('late'));
      const e = await rejection(t);
      await passes(2);
      await nodeTurn();
      expect(unhandled).toEqual([]);
      expect(e).toBeInstanceOf(ValueError);
      expect(t.cancelled()).toBe(false);
      expect(seen).toEqual([]);
    }));
});

describe('task.signal given to a Node API', () => {
  it('timers/promises setTimeout with the task’s signal rejects at cancel(); catching the AbortError and going on gets the CancelledError at the next tulip await', () =>
    run(async () => {
      const steps: string[] = [];
      const t = createTask(async () => {
        try {
          await nodeDelay(FOREVER, undefined, { signal: currentTask()!.signal });
        } catch (e) {
          steps.push((e as Error).name);
        }
        try {
          await sleep(0);
          steps.push('not cancelled');
        } catch (e) {
          steps.push((e as Error).name);
          throw e;
        }
      });
      await passes(1);
      const start = performance.now();
      t.cancel('stop');
      assertCancelled(await rejection(t), 'stop');
      expect(performance.now() - start).toBeLessThan(1000);
      expect(steps).toEqual(['AbortError', 'CancelledError']);
    }));

  it('through ensureFuture the same Node wait is the delivery: one CancelledError, then the task may go on', () =>
    run(async () => {
      const seen = recordExceptions();
      const t = createTask(async () => {
        try {
          await ensureFuture(nodeDelay(FOREVER, undefined, { signal: currentTask()!.signal }));
        } catch (e) {
          if (!(e instanceof CancelledError)) throw e;
        }
        await sleep(0);
        return 'went on';
      });
      await passes(1);
      t.cancel();
      expect(await t).toBe('went on');
      expect(t.cancelling()).toBe(1);
      await nodeTurn();
      expect(seen).toEqual([]);
    }));
});

describe('odd task bodies', () => {
  it('a function body returning a thenable that is not a promise gives the thenable’s value', () =>
    run(async () => {
      const thenable = {
        then(res: (v: number) => void) {
          setImmediate(() => res(9));
        },
      };
      const t = createTask((() => thenable) as unknown as () => Promise<number>);
      expect(await t).toBe(9);
    }));

  it('a function body returning a thenable that rejects fails the task with that error', () =>
    run(async () => {
      const thenable = {
        then(_res: unknown, rej: (e: unknown) => void) {
          rej(new ValueError('thenable'));
        },
      };
      const t = createTask((() => thenable) as unknown as () => Promise<number>);
      expect(((await rejection(t)) as Error).message).toBe('thenable');
    }));

  it('a function body returning an already rejected promise fails the task, with no unhandled rejection', () =>
    run(async () => {
      const seen = recordExceptions();
      const t = createTask(() => Promise.reject(new ValueError('sync reject')));
      const e = await rejection(t);
      expect((e as Error).message).toBe('sync reject');
      await nodeTurn();
      expect(unhandled).toEqual([]);
      expect(seen).toEqual([]);
    }));

  for (const eagerStart of [false, true]) {
    it(`an async body throwing before its first await fails the task; createTask does not throw (eagerStart ${eagerStart})`, () =>
      run(async () => {
        let t!: Task<never>;
        expect(() => {
          t = createTask(
            async () => {
              throw new ValueError('early');
            },
            { eagerStart },
          );
        }).not.toThrow();
        expect(((await rejection(t)) as Error).message).toBe('early');
        expect(unhandled).toEqual([]);
      }));
  }

  // asyncio: a coroutine raising at its first step fails its task ("first step KeyError").
  it('a non-async function body throwing synchronously fails the task; createTask does not throw', () =>
    run(async () => {
      let t!: Task<never>;
      expect(() => {
        t = createTask((() => {
          throw new ValueError('sync throw');
        }) as () => Promise<never>);
      }).not.toThrow();
      expect(((await rejection(t)) as Error).message).toBe('sync throw');
    }));
});

describe('awaiting a cancelled future in a task that catches and goes on', () => {
  for (const style of STYLES) {
    // asyncio: `try: await fut except CancelledError: pass; await sleep(0); return 'ok'` with
    // fut.cancel() from outside → 'ok', cancelling() == 0 (probe: "catch ok 0").
    it(`a future cancelled by someone else while awaited: the task catches, goes on and returns (${style})`, () =>
      run(async () => {
        const f = newFuture<number>();
        const t = createTask(
          styled(
            style,
            function* () {
              const e = yield* rejectionG(f);
              assertCancelled(e, 'f');
              yield* sleep(0);
              return 'ok';
            },
            async () => {
              assertCancelled(await rejection(f), 'f');
              await sleep(0);
              return 'ok';
            },
          ),
        );
        await passes(1);
        f.cancel('f');
        expect(await t).toBe('ok');
        expect([t.cancelled(), t.cancelling()]).toEqual([false, 0]);
      }));

    it(`an already cancelled future awaited raises, and the task goes on to its next wait (${style})`, () =>
      run(async () => {
        const f = newFuture<number>();
        f.cancel();
        const t = createTask(
          styled(
            style,
            function* () {
              assertCancelled(yield* rejectionG(f));
              yield* sleep(0);
              return 'ok';
            },
            async () => {
              assertCancelled(await rejection(f));
              await sleep(0);
              return 'ok';
            },
          ),
        );
        expect(await t).toBe('ok');
      }));

    it(`the task's own cancel caught at its await: it goes on, returns, and cancelling() stays 1 (${style})`, () =>
      run(async () => {
        const f = newFuture<number>();
        const t = createTask(
          styled(
            style,
            function* () {
              assertCancelled(yield* rejectionG(f));
              yield* sleep(0);
              return 'ok';
            },
            async () => {
              assertCancelled(await rejection(f));
              await sleep(0);
              return 'ok';
            },
          ),
        );
        await passes(1);
        t.cancel();
        expect(await t).toBe('ok');
        expect([f.cancelled(), t.cancelling()]).toEqual([true, 1]);
      }));
  }
});
