// Behaviour ports of CPython 3.13 Lib/test/test_asyncio/test_futures.py: the Future state machine,
// cancel(msg), InvalidStateError, done callbacks (always through callSoon, in registration order),
// thenable and yield* use, and the cancelled error's class (the "exception was never retrieved"
// report is in unretrieved.test.ts). GC-, C-implementation- and repr-specific tests are not ported.
// Tests already in the shared conformance suite (/work/shared/conformance/futures.test.ts) are not
// repeated here.
import { describe, it, expect } from 'vitest';
import {
  CancelledError,
  Future,
  InvalidStateError,
  RuntimeError,
  createTask,
  ensureFuture,
  getRunningLoop,
  isCancelledError,
  isFuture,
  newEventLoop,
  run,
} from 'tulip';
import { runBriefly } from 'tulip/testing';
import {
  ValueError,
  ZeroDivisionError,
  assertCancelled,
  passes,
  recordExceptions,
  rejection,
  rejectionG,
  syncError,
} from './helpers.js';

// ---- local helpers ----------------------------------------------------------------------------

/** A done callback that appends `thing` to `bag` (CPython's `_make_callback`). */
const appender =
  <T>(bag: T[], thing: T) =>
  (): void => {
    bag.push(thing);
  };

// ---- state machine ----------------------------------------------------------------------------

describe('future state machine', () => {
  // ports test_futures.py::BaseFutureTests.test_constructor_without_loop
  it('new Future() outside a running loop throws RuntimeError', () => {
    expect(syncError(() => new Future())).toBeInstanceOf(RuntimeError);
  });

  // ports test_futures.py::BaseFutureTests.test_future_cancel_message_getter
  it('cancel(msg) makes result(), exception() and await all throw a CancelledError carrying msg', () =>
    run(async () => {
      const f = new Future<number>();
      expect(f.cancel('my message')).toBe(true);
      assertCancelled(syncError(() => f.result()), 'my message');
      assertCancelled(syncError(() => f.exception()), 'my message');
      assertCancelled(await rejection(f), 'my message');
    }));

  // ports test_futures.py::BaseFutureTests.test_future_cancel_message_getter (generator style)
  it('a generator yielding on a future cancelled with a message receives that message', () =>
    run(function* () {
      const f = getRunningLoop().createFuture<number>();
      getRunningLoop().callSoon(() => f.cancel('stop it'));
      assertCancelled(yield* rejectionG(f), 'stop it');
    }));

  // ports test_futures.py::BaseFutureTests.test_cancel (a second cancel keeps the first message)
  it('a second cancel() returns false and does not replace the first message', () =>
    run(async () => {
      const f = new Future<void>();
      expect(f.cancel('first')).toBe(true);
      expect(f.cancel('second')).toBe(false);
      assertCancelled(syncError(() => f.result()), 'first');
    }));

  // ports test_futures.py::BaseFutureTests.test_result (exception() of a success)
  it('exception() of a future that succeeded returns undefined, even when the result is an Error', () =>
    run(async () => {
      const f = new Future<unknown>();
      f.setResult(42);
      expect(f.exception()).toBeUndefined();
      const g = new Future<unknown>();
      const err = new ValueError('a value, not a failure');
      g.setResult(err);
      expect(g.exception()).toBeUndefined();
      expect(g.result()).toBe(err);
      expect(await g).toBe(err);
      const h = new Future<undefined>();
      h.setResult(undefined);
      expect(h.exception()).toBeUndefined();
      expect(h.result()).toBeUndefined();
    }));

  // ports test_futures.py::BaseFutureTests.test_result
  it('a second setResult() throws InvalidStateError and leaves the first result in place', () =>
    run(async () => {
      const f = getRunningLoop().createFuture<string>();
      f.setResult('first');
      expect(syncError(() => f.setResult('second'))).toBeInstanceOf(InvalidStateError);
      expect(syncError(() => f.setException(new ValueError()))).toBeInstanceOf(InvalidStateError);
      expect(f.result()).toBe('first');
      expect(f.exception()).toBeUndefined();
      expect(await f).toBe('first');
    }));

  // ports test_futures.py::BaseFutureTests.test_exception
  it('after setException() a further set throws InvalidStateError and the first error stays', () =>
    run(async () => {
      const exc = new ZeroDivisionError('first');
      const f = getRunningLoop().createFuture<string>();
      f.setException(exc);
      expect(syncError(() => f.setException(new ValueError('second')))).toBeInstanceOf(InvalidStateError);
      expect(syncError(() => f.setResult('late'))).toBeInstanceOf(InvalidStateError);
      expect(f.exception()).toBe(exc);
      expect(syncError(() => f.result())).toBe(exc);
      expect(f.cancel()).toBe(false);
      expect(f.cancelled()).toBe(false);
    }));

  // ports test_futures.py::BaseFutureTests.test_result / test_exception (pending state)
  it('result() and exception() of a pending future throw InvalidStateError', () =>
    run(async () => {
      const f = new Future<number>();
      expect(syncError(() => f.result())).toBeInstanceOf(InvalidStateError);
      expect(syncError(() => f.exception())).toBeInstanceOf(InvalidStateError);
      expect(f.done()).toBe(false);
      f.setResult(1);
      expect(f.result()).toBe(1);
    }));

  // ports test_futures.py::BaseFutureTests.test_cancel (cancel after done)
  it('cancel() of a failed future returns false and keeps its error', () =>
    run(async () => {
      const exc = new ValueError('kept');
      const f = new Future<number>();
      f.setException(exc);
      expect(f.cancel('too late')).toBe(false);
      expect(f.cancelled()).toBe(false);
      expect(f.exception()).toBe(exc);
    }));

  // ports test_futures.py::BaseFutureTests.test_isfuture (a task's getLoop)
  it('getLoop() of a future made by a loop is that loop', () =>
    run(async () => {
      const loop = getRunningLoop();
      const f = loop.createFuture<number>();
      expect(f.getLoop()).toBe(loop);
      const other = newEventLoop();
      try {
        const g = other.createFuture<number>();
        expect(g.getLoop()).toBe(other);
        expect(g.getLoop()).not.toBe(loop);
        expect(isFuture(g)).toBe(true);
      } finally {
        other.close();
      }
    }));
});

// ---- done callbacks ---------------------------------------------------------------------------

describe('done callbacks', () => {
  // ports test_futures.py::BaseFutureDoneCallbackTests.test_callbacks_remove_first_callback
  it('removing the first callback (twice) leaves the others, still in order', () =>
    run(async () => {
      const bag: number[] = [];
      const f = new Future<string>();
      const cb1 = appender(bag, 42);
      const cb2 = appender(bag, 17);
      const cb3 = appender(bag, 100);
      f.addDoneCallback(cb1);
      f.addDoneCallback(cb2);
      f.addDoneCallback(cb3);
      expect(f.removeDoneCallback(cb1)).toBe(1);
      expect(f.removeDoneCallback(cb1)).toBe(0);
      expect(bag).toEqual([]);
      f.setResult('foo');
      await runBriefly();
      expect(bag).toEqual([17, 100]);
      expect(f.result()).toBe('foo');
    }));

  // ports test_futures.py::BaseFutureDoneCallbackTests.test_callbacks_remove_first_and_second_callback
  it('removing the first two callbacks leaves only the third', () =>
    run(async () => {
      const bag: number[] = [];
      const f = new Future<string>();
      const cb1 = appender(bag, 42);
      const cb2 = appender(bag, 17);
      const cb3 = appender(bag, 100);
      f.addDoneCallback(cb1);
      f.addDoneCallback(cb2);
      f.addDoneCallback(cb3);
      f.removeDoneCallback(cb1);
      f.removeDoneCallback(cb2);
      f.removeDoneCallback(cb1);
      f.setResult('foo');
      await runBriefly();
      expect(bag).toEqual([100]);
    }));

  // ports test_futures.py::BaseFutureDoneCallbackTests.test_callbacks_remove_third_callback
  it('removing the last callback leaves the first two in order', () =>
    run(async () => {
      const bag: number[] = [];
      const f = new Future<string>();
      const cb1 = appender(bag, 42);
      const cb2 = appender(bag, 17);
      const cb3 = appender(bag, 100);
      f.addDoneCallback(cb1);
      f.addDoneCallback(cb2);
      f.addDoneCallback(cb3);
      f.removeDoneCallback(cb3);
      f.removeDoneCallback(cb3);
      f.setResult('foo');
      await runBriefly();
      expect(bag).toEqual([42, 17]);
    }));

  // ports test_futures.py::BaseFutureDoneCallbackTests.test_callbacks_invoked_on_set_exception
  it('setException() schedules the done callbacks too', () =>
    run(async () => {
      const bag: number[] = [];
      const f = new Future<string>();
      f.addDoneCallback(appender(bag, 100));
      const exc = new ZeroDivisionError();
      f.setException(exc);
      expect(bag).toEqual([]); // never synchronously
      await runBriefly();
      expect(bag).toEqual([100]);
      expect(f.exception()).toBe(exc);
    }));

  // ports test_futures.py::BaseFutureTests.test_cancel (callbacks of a cancelled future)
  it('cancel() schedules the done callbacks, which see a cancelled future', () =>
    run(async () => {
      const seen: boolean[] = [];
      const f = new Future<string>();
      f.addDoneCallback((fut) => seen.push(fut.cancelled()));
      f.cancel();
      expect(seen).toEqual([]);
      await runBriefly();
      expect(seen).toEqual([true]);
    }));

  // ports test_futures.py::BaseFutureDoneCallbackTests.test_callbacks_invoked_on_set_result
  it('done callbacks go through callSoon: after callbacks queued before the result, before later ones', () =>
    run(async () => {
      const loop = getRunningLoop();
      const log: string[] = [];
      const f = loop.createFuture<number>();
      f.addDoneCallback(() => log.push('cb1'));
      f.addDoneCallback(() => log.push('cb2'));
      loop.callSoon(() => log.push('soon-before'));
      f.setResult(1);
      loop.callSoon(() => log.push('soon-after'));
      expect(log).toEqual([]);
      await runBriefly();
      expect(log).toEqual(['soon-before', 'cb1', 'cb2', 'soon-after']);
    }));

  // ports futures.py Future.add_done_callback (a done future schedules the callback, never calls it)
  it('a callback added to a done future is scheduled with callSoon, not called at once', () =>
    run(async () => {
      const loop = getRunningLoop();
      const log: string[] = [];
      const f = loop.createFuture<number>();
      f.setResult(5);
      loop.callSoon(() => log.push('soon'));
      f.addDoneCallback((fut) => log.push(`cb:${fut.result()}`));
      expect(log).toEqual([]);
      await runBriefly();
      expect(log).toEqual(['soon', 'cb:5']);
    }));

  // ports test_futures.py::BaseFutureDoneCallbackTests.test_remove_done_callback (duplicates)
  it('a callback registered twice runs twice', () =>
    run(async () => {
      const bag: string[] = [];
      const f = new Future<void>();
      const cb = appender(bag, 'x');
      f.addDoneCallback(cb);
      f.addDoneCallback(cb);
      f.setResult();
      await runBriefly();
      expect(bag).toEqual(['x', 'x']);
    }));

  // ports test_futures.py::BaseFutureDoneCallbackTests.test_schedule_callbacks_list_mutation_1
  it('once the callbacks are scheduled, removing one from inside another changes nothing', () =>
    run(async () => {
      const bag: string[] = [];
      const f = new Future<number>();
      const other = appender(bag, 'other');
      let removed = -1;
      f.addDoneCallback((fut) => {
        bag.push('mut');
        removed = fut.removeDoneCallback(other);
      });
      f.addDoneCallback(other);
      f.addDoneCallback(other);
      f.setResult(1);
      await runBriefly();
      expect(removed).toBe(0);
      expect(bag).toEqual(['mut', 'other', 'other']);
    }));

  // ports futures.py Future.__schedule_callbacks (removeDoneCallback after completion)
  it('removeDoneCallback() after the future is done returns 0 and the callback still runs', () =>
    run(async () => {
      const bag: number[] = [];
      const f = new Future<number>();
      const cb = appender(bag, 1);
      f.addDoneCallback(cb);
      f.setResult(1);
      expect(f.removeDoneCallback(cb)).toBe(0);
      await runBriefly();
      expect(bag).toEqual([1]);
    }));

  // ports events.py Handle._run (a failing callback is reported, the others still run)
  it('a done callback that throws reaches the exception handler and the next callback still runs', () =>
    run(async () => {
      const seen = recordExceptions();
      const bag: string[] = [];
      const boom = new ValueError('boom');
      const f = new Future<number>();
      f.addDoneCallback(() => {
        throw boom;
      });
      f.addDoneCallback(appender(bag, 'second'));
      f.setResult(1);
      await passes(2);
      expect(bag).toEqual(['second']);
      expect(seen).toHaveLength(1);
      expect(seen[0]!.exception).toBe(boom);
      expect(seen[0]!.message).toMatch(/Exception in callback/);
    }));

  // ports test_futures.py::BaseFutureDoneCallbackTests.test_callbacks_invoked_on_set_result (tasks)
  it('a done callback on a task receives the task itself once it finishes', () =>
    run(async () => {
      const got: unknown[] = [];
      const t = createTask(async () => 'v');
      t.addDoneCallback((x) => got.push(x));
      await t;
      await runBriefly();
      expect(got).toHaveLength(1);
      expect(got[0]).toBe(t);
    }));
});

// ---- awaiting: thenable and yield* ------------------------------------------------------------

describe('awaiting a future', () => {
  // ports test_futures.py::BaseFutureTests.test_exception (through await)
  it('await of a failed future throws that very error', () =>
    run(async () => {
      const exc = new ZeroDivisionError('div');
      const f = new Future<number>();
      getRunningLoop().callSoon(() => f.setException(exc));
      expect(await rejection(f)).toBe(exc);
    }));

  // ports test_futures.py::BaseFutureTests.test_yield_from_twice (several awaiters)
  it('several tasks awaiting one future all get its result', () =>
    run(async () => {
      const f = new Future<string>();
      const t1 = createTask(async () => `1:${await f}`);
      const t2 = createTask(function* () {
        return `2:${yield* f}`;
      });
      await passes(2);
      expect(t1.done()).toBe(false);
      expect(t2.done()).toBe(false);
      f.setResult('r');
      expect(await t1).toBe('1:r');
      expect(await t2).toBe('2:r');
    }));

  // ports futures.py Future.__await__ (a Future is a thenable)
  it('then() chains like a promise, and Promise.resolve() adopts a future', () =>
    run(async () => {
      const f = new Future<number>();
      const chained = f.then((v) => v * 2);
      const adopted = Promise.resolve(f);
      const failed = new Future<number>();
      const exc = new ValueError('nope');
      const caught = failed.then(
        () => 'resolved',
        (e) => e,
      );
      f.setResult(21);
      failed.setException(exc);
      expect(await chained).toBe(42);
      expect(await adopted).toBe(21);
      expect(await caught).toBe(exc);
    }));

  // ports futures.py Future.__await__ (a cancelled future rejects its thenable)
  it('then() of a cancelled future rejects with a CancelledError carrying the message', () =>
    run(async () => {
      const f = new Future<number>();
      const p = f.then(
        () => 'resolved',
        (e: unknown) => e,
      );
      f.cancel('bye');
      assertCancelled(await p, 'bye');
    }));

  // ports test_futures.py::BaseFutureTests.test_future_stop_iteration_args
  it('the iterator of a done future finishes at once, returning the result', () =>
    run(async () => {
      const f = new Future<[number, number]>();
      f.setResult([1, 2]);
      const it = f[Symbol.iterator]();
      const step = it.next();
      expect(step.done).toBe(true);
      expect(step.value).toEqual([1, 2]);
    }));

  // ports futures.py Future.__await__ (a done, failed future raises from its iterator)
  it('the iterator of a failed future throws its error on the first step', () =>
    run(async () => {
      const exc = new ValueError('iter');
      const f = new Future<number>();
      f.setException(exc);
      const it = f[Symbol.iterator]();
      expect(syncError(() => it.next())).toBe(exc);
      const g = new Future<number>();
      g.cancel('gone');
      assertCancelled(syncError(() => g[Symbol.iterator]().next()), 'gone');
    }));

  // ports test_futures.py::BaseFutureTests.test_future_iter_throw
  it('throw() into a pending future iterator raises the thrown error', () =>
    run(async () => {
      const f = new Future<number>();
      const it = f[Symbol.iterator]();
      expect(it.next().value).toBe(f);
      const exc = new ValueError('elephant');
      expect(syncError(() => it.throw(exc))).toBe(exc);
      f.cancel();
    }));

  // ports test_futures.py::BaseFutureTests.test_iter
  it("resuming a pending future's iterator without waiting for it throws RuntimeError", () =>
    run(async () => {
      const f = new Future<number>();
      const it = f[Symbol.iterator]();
      expect(it.next().value).toBe(f); // yields itself: "wait for me"
      // resumed although the future is still pending: asyncio's "await wasn't used with future"
      expect(syncError(() => it.next())).toBeInstanceOf(RuntimeError);
      f.cancel();
    }));

  // ports test_futures.py::BaseFutureTests.test_exception (generator style)
  it('yield* of a future that fails meanwhile throws the error inside the generator', () =>
    run(function* () {
      const exc = new ZeroDivisionError('gen');
      const f = getRunningLoop().createFuture<number>();
      getRunningLoop().callSoon(() => f.setException(exc));
      let caught: unknown;
      try {
        yield* f;
      } catch (e) {
        caught = e;
      }
      expect(caught).toBe(exc);
    }));

  // ports test_futures.py::BaseFutureTests.test_yield_from_twice (generator style, done future)
  it('yield* of an already-done future returns its result without giving up the loop', () =>
    run(function* () {
      const loop = getRunningLoop();
      const f = loop.createFuture<number>();
      f.setResult(7);
      let ran = false;
      loop.callSoon(() => {
        ran = true;
      });
      const v = yield* f;
      expect(v).toBe(7);
      expect(ran).toBe(false); // no suspension happened
    }));

  // ports futures.py wrap_future / tasks.py ensure_future (a future passes through unchanged)
  it('ensureFuture() of a pending future returns it, and awaiting it waits for the result', () =>
    run(async () => {
      const f = new Future<number>();
      expect(ensureFuture(f)).toBe(f);
      getRunningLoop().callSoon(() => f.setResult(3));
      expect(await ensureFuture(f)).toBe(3);
    }));
});

describe('cancelled error identity', () => {
  // ports test_futures.py::BaseFutureTests.test_cancel (the error class)
  it('the error of a cancelled future is a CancelledError and isCancelledError() says so', () =>
    run(async () => {
      const f = new Future<number>();
      f.cancel();
      const e = syncError(() => f.result());
      expect(e).toBeInstanceOf(CancelledError);
      expect(isCancelledError(e)).toBe(true);
      expect(isCancelledError(new ValueError('x'))).toBe(false);
    }));
});
