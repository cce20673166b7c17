// Adversarial review of the public Future surface against CPython 3.13 asyncio
// (Lib/asyncio/futures.py): done callbacks, cancel messages, several awaiting tasks, and
// then/catch/finally. New scenarios, not ports of test_futures.py: every expectation was checked
// with a probe on the pure-Python 3.13 asyncio (the probe's output is quoted above each test where
// it matters). Pass counts come from `sleep(0)` (one loop pass each) or from a `callSoon` chain, as
// the `loop.call_soon` chains of the Python probes.
import { describe, expect, it } from 'vitest';
import { InvalidStateError, createTask, getRunningLoop, run, sleep, type Task } from 'tulip';
import {
  STYLES,
  ValueError,
  assertCancelled,
  collectGarbage,
  errorOf,
  neverRetrieved,
  newFuture,
  passes,
  recordExceptions,
  styled,
  syncError,
} from './helpers.js';

// =================================================================================================
// Future
// =================================================================================================

describe('Future: done callbacks', () => {
  // asyncio (probe F1): callbacks a, c registered before set_result; call_soon(x) after it; b
  // added once done; a adds d to the (done) future and call_soon(y):
  //   F1 ['a', 'c', 'x', 'b', 'd', 'y']
  it('a callback added by a running callback of a done future runs after everything already scheduled', () =>
    run(async () => {
      const loop = getRunningLoop();
      const log: string[] = [];
      const f = newFuture<number>();
      f.addDoneCallback((fut) => {
        log.push('a');
        fut.addDoneCallback(() => log.push('d'));
        loop.callSoon(() => log.push('y'));
      });
      f.addDoneCallback(() => log.push('c'));
      f.setResult(1);
      loop.callSoon(() => log.push('x'));
      f.addDoneCallback(() => log.push('b'));
      await passes(3);
      expect(log).toEqual(['a', 'c', 'x', 'b', 'd', 'y']);
    }));

  // asyncio (probe F2): removing a callback registered twice around another removes both
  // registrations (2), a second removal finds none (0), and only the other one runs:
  //   F2 removed 2 0   F2 ['other']
  it('removeDoneCallback() of a callback added twice around another removes both and keeps the other', () =>
    run(async () => {
      const log: string[] = [];
      const f = newFuture<number>();
      const cb = (): void => void log.push('cb');
      f.addDoneCallback(cb);
      f.addDoneCallback(() => log.push('other'));
      f.addDoneCallback(cb);
      expect([f.removeDoneCallback(cb), f.removeDoneCallback(cb)]).toEqual([2, 0]);
      f.setResult(1);
      await passes(1);
      expect(log).toEqual(['other']);
    }));

  // asyncio (probe F4): a done callback of f1 cancels f2 (True); f2's callbacks then run one pass
  // later (after a callback queued two-deep before), and f2's result() and exception() both raise
  // CancelledError('from f1'):
  //   F4 [('f2.cancel', True), 'two passes after', ('f2 cb', True)]   F4 result ('from f1',)   F4 exception ('from f1',)
  it("cancel() inside another future's done callback: the cancelled future's callbacks run a pass later", () =>
    run(async () => {
      const loop = getRunningLoop();
      const log: unknown[] = [];
      const f1 = newFuture<number>();
      const f2 = newFuture<number>();
      f1.addDoneCallback(() => log.push(['f2.cancel', f2.cancel('from f1')]));
      f2.addDoneCallback((fut) => log.push(['f2 cb', fut.cancelled()]));
      loop.callSoon(() => loop.callSoon(() => log.push('two passes after')));
      f1.setResult(1);
      await passes(3);
      expect(log).toEqual([['f2.cancel', true], 'two passes after', ['f2 cb', true]]);
      assertCancelled(syncError(() => f2.result()), 'from f1');
      assertCancelled(syncError(() => f2.exception()), 'from f1');
    }));

  // asyncio (probe F6): set_result() inside a done callback of the same future raises
  // InvalidStateError, which goes to the exception handler; the next callback still runs and the
  // first result stands:
  //   F6 [('Exception in callback', 'InvalidStateError')] [('next cb', 1)] 1
  it('setResult() in a done callback of the same future is reported as InvalidStateError; the result stands', () =>
    run(async () => {
      const seen = recordExceptions();
      const log: unknown[] = [];
      const f = newFuture<number>();
      f.addDoneCallback((fut) => fut.setResult(2));
      f.addDoneCallback((fut) => log.push(['next cb', fut.result()]));
      f.setResult(1);
      await passes(1);
      expect(seen).toHaveLength(1);
      expect(seen[0]!.message).toMatch(/^Exception in callback/);
      expect(seen[0]!.exception).toBeInstanceOf(InvalidStateError);
      expect(log).toEqual([['next cb', 1]]);
      expect(f.result()).toBe(1);
    }));

  // asyncio (probe F7): a failed future with only a done callback that does not read the error is
  // still reported when collected ("Future exception was never retrieved"); one whose callback
  // reads exception() is not.
  it('a done callback that ignores a failed future leaves it reported at collection; one that reads it does not', () =>
    run(async () => {
      const seen = recordExceptions();
      const ignored = new ValueError('done callback only');
      const read = new ValueError('read in callback');
      (() => {
        const f = newFuture<number>();
        f.addDoneCallback(() => undefined);
        f.setException(ignored);
        const g = newFuture<number>();
        g.addDoneCallback((fut) => fut.exception());
        g.setException(read);
      })();
      await passes(1);
      await collectGarbage();
      expect(neverRetrieved(seen).map((c) => c.exception)).toEqual([ignored]);
    }));
});

describe('Future: cancel messages', () => {
  // asyncio (probe F5): Future.cancel('first') → True, cancel('second') → False, result() raises
  // CancelledError('first'):  F5 True False   F5 msg ('first',)
  it("cancel('first') then cancel('second'): the second returns false and the first message stays", () =>
    run(() => {
      const f = newFuture<number>();
      expect([f.cancel('first'), f.cancel('second')]).toEqual([true, false]);
      assertCancelled(syncError(() => f.result()), 'first');
      assertCancelled(syncError(() => f.exception()), 'first');
    }));
});

describe('Future: awaited by several tasks', () => {
  for (const style of STYLES) {
    // asyncio (probe F8): cancelling one of two tasks awaiting a future cancels the future itself,
    // so the other task is cancelled too, with the same message:
    //   F8 [('A', 'cancelled', ('A only',)), ('B', 'cancelled', ('A only',))] True True True
    it(`cancelling one of two tasks awaiting a future cancels the future, and the other task with it (${style})`, () =>
      run(async () => {
        const log: unknown[] = [];
        const fut = newFuture<number>();
        const w = (name: string) =>
          styled(
            style,
            function* () {
              try {
                return yield* fut;
              } catch (e) {
                log.push([name, (e as Error).message]);
                throw e;
              }
            },
            async () => {
              try {
                return await fut;
              } catch (e) {
                log.push([name, (e as Error).message]);
                throw e;
              }
            },
          );
        const a = createTask(w('A'));
        const b = createTask(w('B'));
        await passes(1);
        a.cancel('A only');
        await passes(1);
        expect(log).toEqual([['A', 'A only'], ['B', 'A only']]);
        expect([fut.cancelled(), a.cancelled(), b.cancelled()]).toEqual([true, true, true]);
        assertCancelled(await errorOf(() => b), 'A only');
      }));

    // asyncio (probe F9): the future's callbacks are [task A, plain b, task C]; A resumes first
    // and, before b runs, removes b (0: already scheduled) and cancels C (True): b still runs, and
    // C, though its future has a result, gets CancelledError('by A') at its await:
    //   F9 [('A resumed', 'v'), ('A removes b', 0), ('A cancels C', True), 'b', ('C cancelled', ('by A',))] True
    it(`a waiter resumed first cancels a later waiter of the same future: that one is cancelled despite the result (${style})`, () =>
      run(async () => {
        const log: unknown[] = [];
        const fut = newFuture<string>();
        const b = (): void => void log.push('b');
        let c!: Task<void>;
        const afterA = (v: string): void => {
          log.push(['A resumed', v]);
          log.push(['A removes b', fut.removeDoneCallback(b)]);
          log.push(['A cancels C', c.cancel('by A')]);
        };
        const onC = (e: unknown): never => {
          log.push(['C cancelled', (e as Error).message]);
          throw e;
        };
        createTask(styled(style, function* () { afterA(yield* fut); }, async () => { afterA(await fut); }));
        await passes(1);
        fut.addDoneCallback(b);
        c = createTask(
          styled(
            style,
            function* () {
              try {
                log.push(['C resumed', yield* fut]);
              } catch (e) {
                onC(e);
              }
            },
            async () => {
              try {
                log.push(['C resumed', await fut]);
              } catch (e) {
                onC(e);
              }
            },
          ),
        );
        await passes(1);
        fut.setResult('v');
        await passes(2);
        expect(log).toEqual([['A resumed', 'v'], ['A removes b', 0], ['A cancels C', true], 'b', ['C cancelled', 'by A']]);
        expect(c.cancelled()).toBe(true);
      }));

    // asyncio (probe F10): waiters [task A, plain b, task C] resume in that order; a call_soon
    // made by A runs after all three:  F10 ['A', 'b', 'C', 'A soon']
    it(`a task, a plain callback and a task waiting on one future run in registration order (${style})`, () =>
      run(async () => {
        const loop = getRunningLoop();
        const log: string[] = [];
        const fut = newFuture<number>();
        const afterA = (): void => {
          log.push('A');
          loop.callSoon(() => log.push('A soon'));
        };
        createTask(styled(style, function* () { yield* fut; afterA(); }, async () => { await fut; afterA(); }));
        await passes(1);
        fut.addDoneCallback(() => log.push('b'));
        createTask(styled(style, function* () { yield* fut; log.push('C'); }, async () => { await fut; log.push('C'); }));
        await passes(1);
        fut.setResult(1);
        await passes(2);
        expect(log).toEqual(['A', 'b', 'C', 'A soon']);
      }));
  }
});

describe('Future: then/catch/finally from async code', () => {
  // No asyncio counterpart for the promise methods; what they must do follows from asyncio's
  // `await fut` (Future.__await__): the awaiting task waits on the future, so cancelling the task
  // cancels the future, and the CancelledError carries the message.
  /** An async task awaiting `fut.then(+1).then(*2)`, optionally after a first `await sleep(0)`. */
  async function cancelThroughThen(afterFirstAwait: boolean): Promise<void> {
    await run(async () => {
      const fut = newFuture<number>();
      const log: unknown[] = [];
      const t = createTask(async () => {
        if (afterFirstAwait) await sleep(0);
        try {
          return await fut.then((v) => v + 1).then((v) => v * 2);
        } catch (e) {
          log.push((e as Error).message);
          throw e;
        }
      });
      try {
        await passes(2);
        t.cancel('stop');
        await passes(3);
        expect(fut.cancelled()).toBe(true);
        expect(t.cancelled()).toBe(true);
        assertCancelled(await errorOf(() => t), 'stop');
        expect(log).toEqual(['stop']);
      } finally {
        if (!fut.done()) fut.cancel(); // lets a task that missed the cancel end
      }
    });
  }

  it('a task awaiting fut.then(...) chains after a first await is cancelled through the future', () =>
    cancelThroughThen(true));

  // The same chain made in the task's first synchronous segment (before any await) did not make
  // `fut` the task's waiter: the cancel stayed pending ("<Task cancelling>", the future still
  // pending) until the future is settled by someone else, where `await fut` there, or the same
  // chain after an await, cancels the future at once (asyncio's `await fut` always does).
  // (Fixed since: a then() in the body's synchronous part is the task's wait once the body is async.)
  it('a task awaiting fut.then(...) chains made before its first await is cancelled through the future too', () =>
    cancelThroughThen(false));

  it('fut.then(...).then(...) resolves with the chained value once the future is set, and finally() passes it through', () =>
    run(async () => {
      const fut = newFuture<number>();
      const log: string[] = [];
      const chain = fut.then((v) => v + 1).then((v) => v * 2);
      const fin = fut.finally(() => log.push('finally'));
      getRunningLoop().callSoon(() => fut.setResult(20));
      expect(await chain).toBe(42);
      expect(await fin).toBe(20);
      expect(log).toEqual(['finally']);
    }));

  it('catch() of a cancelled future gets the CancelledError with its message; finally() rejects with it', () =>
    run(async () => {
      const fut = newFuture<number>();
      const caught = fut.catch((e) => e);
      const fin = fut.finally(() => undefined);
      fut.cancel('gone');
      assertCancelled(await caught, 'gone');
      assertCancelled(await errorOf(() => fin), 'gone');
    }));
});
