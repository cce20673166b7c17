// Behaviour ports of CPython's Lib/test/test_asyncio/test_tasks.py (3.14 sources, 3.13 semantics)
// that neither the other conformance files of this folder nor the shared conformance suite
// (/work/shared/conformance) had ported yet: the combinators called with no running loop, gather of
// coroutines (CoroutineGatherTests, which reruns GatherTestsBase with every child a coroutine that
// awaits one of the futures), and ensureFuture of an awaitable that delegates to a tulip future.
//
// asyncio's coroutine objects are generator objects here: like a coroutine, a generator does not
// run until it is stepped, so "the coroutine never started" is observable. tulip has no "current"
// (set but not running) event loop: "no running loop" here is the case the CPython tests set up
// with set_event_loop(None), where asyncio raises RuntimeError('There is no current event loop…').
import { describe, expect, it } from 'vitest';
import {
  RuntimeError,
  asCompleted,
  ensureFuture,
  gather,
  getRunningLoop,
  isFuture,
  newEventLoop,
  run,
  shield,
  sleep,
  type Coroutine,
  type Future,
} from 'tulip';
import { runBriefly } from 'tulip/testing';
import { STYLES, ValueError, ZeroDivisionError, recordExceptions, styled } from './helpers.js';
import { futures } from './combinators.helpers.js';

/** A coroutine (generator) that records whether it ever started, then returns `value`. */
function tracked<T>(value: T): { coro: Coroutine<T>; started: () => boolean } {
  let started = false;
  function* body(): Coroutine<T> {
    started = true;
    yield* sleep(0);
    return value;
  }
  return { coro: body(), started: () => started };
}

/** The error `fn` throws synchronously (fails the test when it returns). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a synchronous throw, but the call returned');
}

// ---- no running loop ----------------------------------------------------------------------------

describe('combinators called with no running loop', () => {
  // ports test_tasks.py::FutureGatherTests.test_constructor_empty_sequence_without_loop
  it('gather([]) with no running loop throws RuntimeError', () => {
    const e = thrown(() => gather([]));
    expect(e).toBeInstanceOf(RuntimeError);
    expect((e as Error).message).toMatch(/event loop/);
  });

  // ports test_tasks.py::CoroutineGatherTests.test_constructor_without_loop
  it('gather() of two coroutines with no running loop throws RuntimeError and starts neither', () => {
    const one = tracked('abc');
    const two = tracked('abc');
    const e = thrown(() => gather([one.coro, two.coro]));
    expect(e).toBeInstanceOf(RuntimeError);
    expect((e as Error).message).toMatch(/event loop/);
    expect(one.started()).toBe(false);
    expect(two.started()).toBe(false);
  });

  // ports test_tasks.py::BaseTaskTests.test_as_completed_coroutine_without_loop
  it('asCompleted() of a coroutine with no running loop throws RuntimeError and never starts it', () => {
    const a = tracked(42);
    const e = thrown(() => [...asCompleted([a.coro])]);
    expect(e).toBeInstanceOf(RuntimeError);
    expect((e as Error).message).toMatch(/event loop/);
    expect(a.started()).toBe(false);
  });

  // ports test_tasks.py::BaseTaskTests.test_shield_coroutine_without_loop
  it('shield() of a coroutine with no running loop throws RuntimeError and never starts it', () => {
    const inner = tracked(42);
    const e = thrown(() => shield(inner.coro));
    expect(e).toBeInstanceOf(RuntimeError);
    expect((e as Error).message).toMatch(/event loop/);
    expect(inner.started()).toBe(false);
  });
});

// ---- gather of coroutines -------------------------------------------------------------------------

describe('gather of coroutines (CoroutineGatherTests)', () => {
  /** A coroutine that waits for `fut` and returns its result (or throws its error). */
  function* awaiting<T>(fut: Future<T>): Coroutine<T> {
    return yield* fut;
  }

  // ports test_tasks.py::CoroutineGatherTests.test_constructor_use_running_loop
  it('gather() of coroutines made inside a task is a future of the running loop', () =>
    run(async () => {
      function* coro(): Coroutine<string> {
        return 'abc';
      }
      const fut = gather([coro(), coro()]);
      expect(isFuture(fut)).toBe(true);
      expect(fut.getLoop()).toBe(getRunningLoop());
      expect(await fut).toEqual(['abc', 'abc']);
    }));

  for (const returnExceptions of [false, true]) {
    // ports test_tasks.py::CoroutineGatherTests.test_success / test_result_exception_success
    // (GatherTestsBase._check_success, every child a coroutine awaiting a future)
    it(`results come in argument order once the last awaited future is set (coroutines, returnExceptions=${returnExceptions})`, () =>
      run(async () => {
        const [a, b, c] = futures<number>(3);
        const fut = gather([awaiting(a!), awaiting(b!), awaiting(c!)], { returnExceptions });
        const calls: unknown[] = [];
        fut.addDoneCallback((f) => calls.push(f));
        b!.setResult(1);
        a!.setResult(2);
        await runBriefly(10);
        expect(calls).toHaveLength(0);
        expect(fut.done()).toBe(false);
        c!.setResult(3);
        await runBriefly(10);
        expect(calls).toHaveLength(1);
        expect(calls[0]).toBe(fut);
        expect(fut.result()).toEqual([2, 1, 3]);
      }));
  }

  // ports test_tasks.py::CoroutineGatherTests.test_one_exception (GatherTestsBase, coroutine children)
  it('the first error of a coroutine child fails the gather; what the others do later changes nothing', () =>
    run(async () => {
      const seen = recordExceptions();
      const [a, b, c, d, e] = futures<number>(5);
      const fut = gather([awaiting(a!), awaiting(b!), awaiting(c!), awaiting(d!), awaiting(e!)]);
      const calls: unknown[] = [];
      fut.addDoneCallback((f) => calls.push(f));
      const exc = new ZeroDivisionError();
      a!.setResult(1);
      b!.setException(exc);
      await runBriefly(10);
      expect(fut.done()).toBe(true);
      expect(calls).toHaveLength(1);
      expect(calls[0]).toBe(fut);
      expect(fut.exception()).toBe(exc);
      // does nothing
      c!.setResult(3);
      d!.cancel();
      e!.setException(new ValueError('late'));
      e!.exception();
      await runBriefly(10);
      expect(calls).toHaveLength(1);
      expect(fut.exception()).toBe(exc);
      // the children that failed or were cancelled after the gather was done are not reported
      expect(seen.map((x) => x.message)).toEqual([]);
    }));

  // ports test_tasks.py::CoroutineGatherTests.test_return_exceptions (GatherTestsBase, coroutine children)
  it('with returnExceptions, the errors of coroutine children take their places among the results', () =>
    run(async () => {
      const [a, b, c, d] = futures<number>(4);
      const fut = gather([awaiting(a!), awaiting(b!), awaiting(c!), awaiting(d!)], {
        returnExceptions: true,
      });
      const calls: unknown[] = [];
      fut.addDoneCallback((f) => calls.push(f));
      const exc = new ZeroDivisionError();
      const exc2 = new ValueError('second');
      b!.setResult(1);
      c!.setException(exc);
      a!.setResult(3);
      await runBriefly(10);
      expect(fut.done()).toBe(false);
      d!.setException(exc2);
      await runBriefly(10);
      expect(fut.done()).toBe(true);
      expect(calls).toHaveLength(1);
      const res = fut.result() as unknown[];
      expect(res).toHaveLength(4);
      expect(res[0]).toBe(3);
      expect(res[1]).toBe(1);
      expect(res[2]).toBe(exc);
      expect(res[3]).toBe(exc2);
    }));
});

// ---- ensureFuture of an awaitable -----------------------------------------------------------------

describe('ensureFuture of an awaitable that delegates to a tulip future', () => {
  // ports test_tasks.py::BaseTaskTests.test_ensure_future_task_awaitable (loop=, not running yet)
  it('ensureFuture(thenable, loop) of a loop not running yet settles when runUntilComplete runs it', async () => {
    const loop = newEventLoop();
    try {
      // The awaitable's own awaiting is done by a future of `loop`, settled by a loop callback.
      const aw: PromiseLike<string> = {
        then: (onOk, onErr) => {
          const inner = loop.createFuture<string>();
          loop.callSoon(() => inner.setResult('ok'));
          return inner.then(onOk, onErr);
        },
      };
      const fut = ensureFuture(aw, loop);
      expect(isFuture(fut)).toBe(true);
      expect(fut.getLoop()).toBe(loop);
      expect(fut.done()).toBe(false);
      expect(await loop.runUntilComplete(fut)).toBe('ok');
      expect(fut.done()).toBe(true);
      expect(fut.result()).toBe('ok');
    } finally {
      loop.close();
    }
  });

  for (const style of STYLES) {
    // ports test_tasks.py::BaseTaskTests.test_ensure_future_task_awaitable (running loop)
    it(`a thenable whose then() waits on sleep(0, 'ok') gives 'ok' to the task that waits on its future (${style})`, () =>
      run(
        styled(
          style,
          function* () {
            const aw: PromiseLike<string> = { then: (onOk, onErr) => sleep(0, 'ok').then(onOk, onErr) };
            const fut = ensureFuture(aw);
            expect(isFuture(fut)).toBe(true);
            expect(fut.getLoop()).toBe(getRunningLoop());
            expect(yield* fut).toBe('ok');
            expect(fut.result()).toBe('ok');
          },
          async () => {
            const aw: PromiseLike<string> = { then: (onOk, onErr) => sleep(0, 'ok').then(onOk, onErr) };
            const fut = ensureFuture(aw);
            expect(isFuture(fut)).toBe(true);
            expect(fut.getLoop()).toBe(getRunningLoop());
            expect(await fut).toBe('ok');
            expect(fut.result()).toBe('ok');
          },
        ),
      ));
  }
});
