// Unit tests of src/future.ts: callback scheduling, promise-like chaining, the yield* iterator,
// states, and argument checks (behaviour ports live in test/conformance/futures).
import { describe, it, expect } from 'vitest';
import {
  CancelledError,
  Future,
  Handle,
  InvalidStateError,
  RuntimeError,
  createTask,
  gather,
  getRunningLoop,
  newEventLoop,
  run,
  sleep,
  type ExceptionContext,
} from 'tulip';
import { runBriefly } from 'tulip/testing';
import { newFuture, syncError } from './support.js';

describe('done callbacks', () => {
  it('never run inside setResult(): they run in one later pass, in registration order', () =>
    run(async () => {
      const loop = getRunningLoop();
      const f = newFuture<number>();
      const log: string[] = [];
      f.addDoneCallback(() => {
        log.push('cb1');
        loop.callSoon(() => log.push('scheduled by cb1'));
      });
      f.addDoneCallback(() => log.push('cb2'));
      f.addDoneCallback(() => log.push('cb3'));
      f.setResult(1);
      expect(log).toEqual([]);
      await runBriefly(2);
      // cb2 and cb3 ran in the same pass as cb1: before what cb1 scheduled.
      expect(log).toEqual(['cb1', 'cb2', 'cb3', 'scheduled by cb1']);
    }));

  it('run in registration order with task waiters mixed in, all in the same pass', () =>
    run(async () => {
      const loop = getRunningLoop();
      const f = newFuture<string>();
      const log: string[] = [];
      f.addDoneCallback(() => {
        log.push('cb1');
        loop.callSoon(() => log.push('next pass'));
      });
      const gen = createTask(function* () {
        const v = yield* f;
        log.push(`generator task got ${v}`);
      });
      await runBriefly(); // the generator task is now waiting on f
      f.addDoneCallback(() => log.push('cb2'));
      f.setResult('x');
      await gen;
      await runBriefly();
      expect(log).toEqual(['cb1', 'generator task got x', 'cb2', 'next pass']);
    }));

  it('a callback added after completion runs after the callbacks already scheduled', () =>
    run(async () => {
      const loop = getRunningLoop();
      const f = newFuture<number>();
      const log: string[] = [];
      f.addDoneCallback(() => log.push('registered before'));
      f.setResult(1);
      loop.callSoon(() => log.push('callSoon after setResult'));
      f.addDoneCallback(() => log.push('registered after'));
      await runBriefly(2);
      expect(log).toEqual(['registered before', 'callSoon after setResult', 'registered after']);
    }));

  it('removeDoneCallback() returns how many registrations it removed, 0 for an unknown callback', () =>
    run(async () => {
      const f = newFuture();
      const a = (): void => {};
      const b = (): void => {};
      f.addDoneCallback(a);
      f.addDoneCallback(b);
      f.addDoneCallback(a);
      expect(f.removeDoneCallback(() => {})).toBe(0);
      expect(f.removeDoneCallback(a)).toBe(2);
      expect(f.removeDoneCallback(a)).toBe(0);
      expect(f.removeDoneCallback(b)).toBe(1);
      f.setResult(1);
    }));

  it('removeDoneCallback() after completion returns 0, also for a callback added after completion', () =>
    run(async () => {
      const f = newFuture<number>();
      let runs = 0;
      const cb = (): void => {
        runs++;
      };
      f.setResult(1);
      f.addDoneCallback(cb);
      expect(f.removeDoneCallback(cb)).toBe(0);
      await runBriefly();
      expect(runs).toBe(1);
    }));

  it('a callback receives the future itself', () =>
    run(async () => {
      const f = newFuture<number>();
      let got: unknown;
      f.addDoneCallback((x) => {
        got = x;
      });
      f.cancel();
      await runBriefly();
      expect(got).toBe(f);
    }));

  it('a throwing callback is reported with a handle of the callback and a message naming it and the future', () =>
    run(async () => {
      const seen: ExceptionContext[] = [];
      getRunningLoop().setExceptionHandler((_l, ctx) => {
        seen.push(ctx);
      });
      const f = newFuture<number>();
      const err = new Error('cb failed');
      f.addDoneCallback(function badCallback() {
        throw err;
      });
      f.setResult(1);
      await runBriefly();
      expect(seen).toHaveLength(1);
      expect(seen[0]!.message).toBe('Exception in callback badCallback(<Future finished result=1>)');
      expect(seen[0]!.exception).toBe(err);
      expect(seen[0]!.handle).toBeInstanceOf(Handle);
      expect(String(seen[0]!.handle)).toBe('<Handle badCallback()>');
      expect(seen[0]!.future).toBeUndefined(); // asyncio's keys: message, exception, handle
    }));

  it('addDoneCallback() of a non-function throws a TypeError naming the callback, and the future stays usable', () =>
    run(async () => {
      const f = newFuture<number>();
      const e = syncError(() => f.addDoneCallback('cb' as never));
      expect(e).toBeInstanceOf(TypeError);
      expect(e.message).toBe('addDoneCallback: callback must be a function, got "cb"');
      let ran = false;
      f.addDoneCallback(() => {
        ran = true;
      });
      f.setResult(1);
      await runBriefly();
      expect(ran).toBe(true);
    }));
});

describe('promise-like chaining', () => {
  it('then() chains like a promise, with values and with thrown errors', () =>
    run(async () => {
      const f = newFuture<number>();
      getRunningLoop().callSoon(() => f.setResult(20));
      const v = await f
        .then((x) => x + 1)
        .then((x) => {
          throw new RangeError(String(x * 2));
        })
        .then(
          () => 'not here',
          (e: unknown) => `caught ${(e as Error).message}`,
        );
      expect(v).toBe('caught 42');
    }));

  it('catch() handles a failure and passes a success through', () =>
    run(async () => {
      const bad = newFuture<number>();
      const good = newFuture<number>();
      bad.setException(new Error('nope'));
      good.setResult(5);
      expect(await bad.catch((e) => (e as Error).message)).toBe('nope');
      expect(await good.catch(() => -1)).toBe(5);
    }));

  it('finally() runs on success and failure, keeping the outcome', () =>
    run(async () => {
      const log: string[] = [];
      const ok = newFuture<string>();
      ok.setResult('v');
      expect(await ok.finally(() => log.push('ok'))).toBe('v');
      const bad = newFuture<string>();
      const err = new Error('e');
      bad.setException(err);
      await expect(bad.finally(() => log.push('bad'))).rejects.toBe(err);
      const cancelled = newFuture<string>();
      cancelled.cancel('stop');
      await expect(cancelled.finally(() => log.push('cancelled'))).rejects.toBeInstanceOf(CancelledError);
      expect(log).toEqual(['ok', 'bad', 'cancelled']);
    }));

  it('then() with no handlers passes the value and the error through', () =>
    run(async () => {
      const f = newFuture<number>();
      f.setResult(3);
      expect(await f.then()).toBe(3);
      const g = newFuture<number>();
      const err = new Error('x');
      g.setException(err);
      await expect(g.then()).rejects.toBe(err);
    }));

  it('Promise.all and Promise.race take futures', () =>
    run(async () => {
      const a = newFuture<number>();
      const b = newFuture<number>();
      getRunningLoop().callSoon(() => a.setResult(1));
      getRunningLoop().callSoon(() => b.setResult(2));
      expect(await Promise.all([a, b])).toEqual([1, 2]);
      const c = newFuture<string>();
      c.setResult('first');
      expect(await Promise.race([c, newFuture<string>()])).toBe('first');
    }));

  it('then() works from plain code outside any loop pass, once the loop runs', async () => {
    const loop = newEventLoop();
    const f = loop.createFuture<number>();
    const p = f.then((v) => v * 2);
    loop.callSoon(() => f.setResult(21));
    await loop.runUntilComplete(f);
    expect(await p).toBe(42);
    loop.close();
  });
});

describe('awaiting a done future', () => {
  it('await of a done future does not cost a loop pass (async)', () =>
    run(async () => {
      const f = newFuture<number>();
      f.setResult(7);
      const log: string[] = [];
      getRunningLoop().callSoon(() => log.push('next pass'));
      const v = await f;
      log.push(`got ${v}`);
      await runBriefly();
      expect(log).toEqual(['got 7', 'next pass']);
    }));

  it('yield* of a done future does not cost a loop pass (generator)', () =>
    run(function* () {
      const f = newFuture<number>();
      f.setResult(7);
      const log: string[] = [];
      getRunningLoop().callSoon(() => log.push('next pass'));
      const v = yield* f;
      log.push(`got ${v}`);
      yield* runBriefly();
      expect(log).toEqual(['got 7', 'next pass']);
    }));

  it('await of a pending future costs at least one pass (async)', () =>
    run(async () => {
      const f = newFuture<number>();
      const log: string[] = [];
      getRunningLoop().callSoon(() => {
        log.push('callback');
        f.setResult(1);
      });
      await f;
      log.push('resumed');
      expect(log).toEqual(['callback', 'resumed']);
    }));
});

describe('the yield* iterator', () => {
  it('yields the pending future itself once, and returns the result once done', () =>
    run(async () => {
      const f = newFuture<string>();
      const it = f[Symbol.iterator]();
      const first = it.next();
      expect(first.done).toBe(false);
      expect(first.value).toBe(f);
      f.setResult('r');
      expect(it.next()).toEqual({ done: true, value: 'r' });
    }));

  it('resumed while the future is still pending, it throws RuntimeError', () =>
    run(async () => {
      const f = newFuture<string>();
      const it = f[Symbol.iterator]();
      it.next();
      const e = syncError(() => it.next());
      expect(e).toBeInstanceOf(RuntimeError);
      expect(e.message).toMatch(/still pending/);
      f.cancel();
    }));

  it('the first yield* takes the future itself as its iterator; another one at the same time gets its own, and each yields once, then returns the result', () =>
    run(async () => {
      const f = newFuture<string>();
      const first = f[Symbol.iterator]();
      const second = f[Symbol.iterator]();
      expect(first).toBe(f); // no iterator object for the common case of one waiting task
      expect(second).not.toBe(f);
      for (const it of [first, second]) {
        const r = it.next(); // (not toEqual: it would iterate the future inside)
        expect(r.done).toBe(false);
        expect(r.value).toBe(f);
      }
      expect(syncError(() => second.next())).toBeInstanceOf(RuntimeError);
      expect(syncError(() => first.next())).toBeInstanceOf(RuntimeError);
      f.setResult('r');
      expect(first.next()).toEqual({ done: true, value: 'r' });
      expect(second.next()).toEqual({ done: true, value: 'r' });
      expect(f[Symbol.iterator]().next()).toEqual({ done: true, value: 'r' }); // a later one too
    }));

  it('two generator tasks waiting on one future both get its result, and both its error', () =>
    run(function* () {
      const ok = newFuture<number>();
      const waiters = [0, 1].map(() => createTask(function* () { return (yield* ok) * 2; }));
      yield* sleep(0);
      ok.setResult(21);
      expect(yield* gather(waiters)).toEqual([42, 42]);
      const bad = newFuture<number>();
      const err = new Error('bad');
      const failing = [0, 1].map(() => createTask(function* () { return yield* bad; }));
      yield* sleep(0);
      bad.setException(err);
      const outcomes = yield* gather(failing, { returnExceptions: true });
      expect(outcomes).toEqual([err, err]);
    }));

  it('a generator resumed by hand while its future is pending gets the RuntimeError inside', () =>
    run(async () => {
      const f = newFuture<number>();
      function* body(): Generator<unknown, string> {
        try {
          yield* f;
          return 'no';
        } catch (e) {
          return (e as Error).name;
        }
      }
      const g = body();
      expect(g.next().value).toBe(f);
      expect(g.next()).toEqual({ done: true, value: 'RuntimeError' });
      f.cancel();
    }));

  it('yield fut without the star in a generator task delivers the result (and the error)', () =>
    run(function* () {
      const ok = newFuture<number>();
      getRunningLoop().callSoon(() => ok.setResult(9));
      const v = (yield ok) as number;
      expect(v).toBe(9);
      const bad = newFuture<number>();
      const err = new Error('bad');
      getRunningLoop().callSoon(() => bad.setException(err));
      try {
        yield bad;
        expect.unreachable();
      } catch (e) {
        expect(e).toBe(err);
      }
    }));
});

describe('states and bad input', () => {
  it('toString() and Symbol.toStringTag tell the state, and the result or error of a done future (asyncio\'s repr)', () =>
    run(async () => {
      const f = newFuture<number>();
      expect(String(f)).toBe('<Future pending>');
      expect(Object.prototype.toString.call(f)).toBe('[object Future]');
      f.setResult(1);
      expect(String(f)).toBe('<Future finished result=1>');
      const g = newFuture();
      g.setException(new Error('x'));
      g.exception();
      expect(String(g)).toBe('<Future finished exception=Error("x")>');
      const list = newFuture<unknown>();
      list.setResult([1, 'a', [2]]);
      expect(String(list)).toBe('<Future finished result=[1, "a", [2]]>');
      const h = newFuture();
      h.cancel();
      expect(String(h)).toBe('<Future cancelled>');
    }));

  it('new Future(loop) binds to that loop without a running loop', () => {
    const loop = newEventLoop();
    const f = new Future<number>(loop);
    expect(f.getLoop()).toBe(loop);
    f.setResult(1);
    expect(f.result()).toBe(1);
    loop.close();
  });

  it('setException() of a CancelledError throws TypeError saying to use cancel(), and the future stays pending', () =>
    run(async () => {
      const f = newFuture();
      const e = syncError(() => f.setException(new CancelledError('x')));
      expect(e).toBeInstanceOf(TypeError);
      expect(e.message).toMatch(/cancel\(msg\)/);
      expect(f.done()).toBe(false);
      f.setResult(2);
      expect(f.result()).toBe(2);
    }));

  it('the InvalidStateError of a second set names the state the future is in', () =>
    run(async () => {
      const f = newFuture<number>();
      f.cancel();
      const e = syncError(() => f.setResult(1));
      expect(e).toBeInstanceOf(InvalidStateError);
      expect(e.message).toBe('setResult: invalid state: the Future is already cancelled (<Future cancelled>)');
      const e2 = syncError(() => f.setException(new Error('x')));
      expect(e2.message).toBe('setException: invalid state: the Future is already cancelled (<Future cancelled>)');
    }));

  it("result() and exception() of a pending future throw InvalidStateError in asyncio's words", () =>
    run(async () => {
      const f = newFuture<number>();
      const r = syncError(() => f.result());
      expect(r).toBeInstanceOf(InvalidStateError);
      expect(r.message).toBe('result: Result is not ready: Future pending is not done yet');
      const x = syncError(() => f.exception());
      expect(x).toBeInstanceOf(InvalidStateError);
      expect(x.message).toBe('exception: Exception is not set: Future pending is not done yet');
      f.setResult(1);
      expect(f.result()).toBe(1);
    }));

  it('cancel() with a non-string message turns it into a string', () =>
    run(async () => {
      const f = newFuture();
      f.cancel(42 as never);
      try {
        f.result();
      } catch (e) {
        expect((e as Error).message).toBe('42');
      }
      expect.assertions(1);
    }));

  it('a failed future awaited by a task that sleeps first is still delivered', () =>
    run(async () => {
      const f = newFuture<number>();
      const err = new Error('late reader');
      f.setException(err);
      await sleep(0);
      await expect(f).rejects.toBe(err);
    }));
});
