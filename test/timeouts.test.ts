// Unit tests of src/timeouts.ts: Timeout, timeout(), timeoutAt() and waitFor() — argument checks,
// states, both coroutine styles (behaviour ports live in test/conformance/timeouts and waitfor).
import { describe, it, expect } from 'vitest';
import {
  CancelledError,
  RuntimeError,
  Timeout,
  TimeoutError,
  createTask,
  currentTask,
  getRunningLoop,
  run,
  sleep,
  timeout,
  timeoutAt,
  waitFor,
  type Future,
  } from 'tulip';
import { runBriefly } from 'tulip/testing';
import { STYLES, runVirtual, styled, syncError } from './support.js';

describe('timeout() and timeoutAt() arguments', () => {
  it('timeout() refuses a non-number and NaN, naming delayMs and what came', () =>
    run(async () => {
      const a = syncError(() => timeout('5' as never));
      expect(a).toBeInstanceOf(TypeError);
      expect(a.message).toBe('timeout: delayMs must be a number of milliseconds or null, got "5"');
      const b = syncError(() => timeout(NaN));
      expect(b).toBeInstanceOf(RangeError);
      expect(b.message).toBe('timeout: delayMs must be a number of milliseconds or null, got NaN');
      expect(syncError(() => timeout(undefined as never))).toBeInstanceOf(TypeError);
      expect(await timeout(100).run(async () => 'usable')).toBe('usable');
    }));

  it('timeoutAt() refuses a non-number and NaN, naming whenMs', () =>
    run(async () => {
      const a = syncError(() => timeoutAt({} as never));
      expect(a).toBeInstanceOf(TypeError);
      expect(a.message).toBe('timeoutAt: whenMs must be a number of milliseconds or null, got an object');
      const b = syncError(() => timeoutAt(NaN));
      expect(b).toBeInstanceOf(RangeError);
      expect(b.message).toMatch(/^timeoutAt: whenMs .*NaN$/);
    }));

  it('timeout(d) with a number outside a running loop throws RuntimeError', () => {
    expect(() => timeout(5)).toThrow(RuntimeError);
    expect(() => timeoutAt(5)).toThrow(RuntimeError);
  });

  it('a negative delay is a deadline in the past: the first wait is interrupted', () =>
    runVirtual(async () => {
      const t = timeout(-50);
      expect(t.when()).toBe(-50);
      await expect(t.run(async () => sleep(10))).rejects.toBeInstanceOf(TimeoutError);
      expect(getRunningLoop().time()).toBe(0);
    }));
});

describe('Timeout.run', () => {
  it('refuses a non-function body with a TypeError naming body', () =>
    run(async () => {
      const t = timeout(10);
      const e = syncError(() => t.run(42 as never));
      expect(e).toBeInstanceOf(TypeError);
      expect(e.message).toBe('Timeout.run: body must be a function, got 42');
      expect(await t.run(() => 'still enterable')).toBe('still enterable');
    }));

  for (const style of STYLES) {
    it(`a second run() of the same Timeout throws RuntimeError synchronously (${style})`, () =>
      run(
        styled(
          style,
          function* () {
            const t = timeout(100);
            const v = yield* t.run(function* () {
              return 1;
            });
            expect(v).toBe(1);
            const e = syncError(() => t.run(function* () {}));
            expect(e).toBeInstanceOf(RuntimeError);
            expect(e.message).toMatch(/has already been entered/);
          },
          async () => {
            const t = timeout(100);
            expect(await t.run(async () => 1)).toBe(1);
            const e = syncError(() => t.run(async () => 2));
            expect(e).toBeInstanceOf(RuntimeError);
            expect(e.message).toMatch(/has already been entered/);
          },
        ),
      ));
  }

  it('run() a second time before the first one started is refused too', () =>
    run(async () => {
      const t = timeout(100);
      const first = t.run(async () => 'first');
      expect(() => t.run(async () => 'second')).toThrow(RuntimeError);
      expect(await first).toBe('first');
    }));

  it('toString() shows the state, and the deadline while active', () =>
    runVirtual(async () => {
      const t = timeout(100);
      expect(String(t)).toBe('<Timeout [created]>');
      await t.run(async () => {
        expect(String(t)).toBe('<Timeout [active] when=100>');
      });
      expect(String(t)).toBe('<Timeout [finished]>');
      const u = timeout(5);
      await u.run(async () => sleep(10)).catch(() => undefined);
      expect(String(u)).toBe('<Timeout [expired]>');
      expect(u.expired()).toBe(true);
    }));

  it('reschedule() refuses NaN and strings while active, and the deadline stays', () =>
    runVirtual(async () => {
      const t = timeout(100);
      await t.run(async () => {
        expect(syncError(() => t.reschedule(NaN))).toBeInstanceOf(RangeError);
        expect(syncError(() => t.reschedule('1' as never))).toBeInstanceOf(TypeError);
        expect(t.when()).toBe(100);
        await sleep(50);
      });
      expect(t.expired()).toBe(false);
    }));

  for (const style of STYLES) {
    it(`a deadline moved later, then earlier, fires once, at the last one (${style})`, () =>
      runVirtual(
        styled(
          style,
          function* () {
            const loop = getRunningLoop();
            const t0 = loop.time();
            const t = timeout(10);
            let fired = -1;
            try {
              yield* t.run(function* () {
                t.reschedule(t0 + 50); // the first deadline's timer is dropped
                t.reschedule(t0 + 30);
                yield* sleep(1000);
              });
            } catch (e) {
              expect(e).toBeInstanceOf(TimeoutError);
              fired = loop.time() - t0;
            }
            expect(fired).toBe(30);
            expect(t.expired()).toBe(true);
          },
          async () => {
            const loop = getRunningLoop();
            const t0 = loop.time();
            const t = timeout(10);
            let fired = -1;
            try {
              await t.run(async () => {
                t.reschedule(t0 + 50);
                t.reschedule(t0 + 30);
                await sleep(1000);
              });
            } catch (e) {
              expect(e).toBeInstanceOf(TimeoutError);
              fired = loop.time() - t0;
            }
            expect(fired).toBe(30);
            expect(t.expired()).toBe(true);
          },
        ),
      ));

    it(`a deadline taken back in the pass where it falls due, by a callback before it, does not fire (${style})`, () =>
      runVirtual(
        styled(
          style,
          function* () {
            const loop = getRunningLoop();
            const t = timeout(20);
            // Scheduled before the deadline, for the same time: it runs first in that pass, once
            // the deadline's own timer is already due.
            loop.callLater(20, () => t.reschedule(null));
            const v = yield* t.run(function* () {
              yield* sleep(40);
              return 'done';
            });
            expect(v).toBe('done');
            expect(t.expired()).toBe(false);
          },
          async () => {
            const loop = getRunningLoop();
            const t = timeout(20);
            loop.callLater(20, () => t.reschedule(null));
            const v = await t.run(async () => {
              await sleep(40);
              return 'done';
            });
            expect(v).toBe('done');
            expect(t.expired()).toBe(false);
          },
        ),
      ));

    it(`the body runs in the calling task, and its value comes out (${style})`, () =>
      run(
        styled(
          style,
          function* () {
            const me = currentTask();
            const v = yield* timeout(1000).run(function* (t) {
              expect(currentTask() === me).toBe(true);
              expect(t).toBeInstanceOf(Timeout);
              yield* sleep(0);
              return 'gen';
            });
            expect(v).toBe('gen');
          },
          async () => {
            const me = currentTask();
            const v = await timeout(1000).run(async (t) => {
              expect(currentTask() === me).toBe(true);
              expect(t).toBeInstanceOf(Timeout);
              await sleep(0);
              return 'async';
            });
            expect(v).toBe('async');
          },
        ),
      ));
  }

  for (const style of STYLES) {
    it(`an expired timeout leaves the task uncancelled: cancelling() is back to 0 (${style})`, () =>
      runVirtual(
        styled(
          style,
          function* () {
            try {
              yield* timeout(10).run(function* () {
                yield* sleep(1000);
              });
            } catch (e) {
              expect(e).toBeInstanceOf(TimeoutError);
              expect((e as Error).cause).toBeInstanceOf(CancelledError);
            }
            expect(currentTask()!.cancelling()).toBe(0);
            yield* sleep(5);
            expect(getRunningLoop().time()).toBe(15);
          },
          async () => {
            try {
              await timeout(10).run(async () => {
                await sleep(1000);
              });
            } catch (e) {
              expect(e).toBeInstanceOf(TimeoutError);
            }
            expect(currentTask()!.cancelling()).toBe(0);
            await sleep(5);
            expect(getRunningLoop().time()).toBe(15);
          },
        ),
      ));
  }
});

describe('waitFor', () => {
  it('refuses non-awaitables and bad timeouts, naming the argument and what came', () =>
    run(async () => {
      const a = syncError(() => waitFor(42 as never, 10));
      expect(a).toBeInstanceOf(TypeError);
      expect(a.message).toBe('waitFor: aw must be a Future, a coroutine or a promise, got 42');
      const f = getRunningLoop().createFuture<number>();
      const b = syncError(() => waitFor(f, '10' as never));
      expect(b).toBeInstanceOf(TypeError);
      expect(b.message).toBe('waitFor: timeoutMs must be a number of milliseconds or null, got "10"');
      const c = syncError(() => waitFor(f, NaN));
      expect(c).toBeInstanceOf(RangeError);
      expect(c.message).toMatch(/^waitFor: timeoutMs .*NaN$/);
      expect(f.cancelled()).toBe(false); // nothing was started or cancelled
      getRunningLoop().callSoon(() => f.setResult(5));
      expect(await waitFor(f, 100)).toBe(5);
    }));

  it('a negative timeout behaves as 0: a pending future is cancelled and TimeoutError comes', () =>
    run(async () => {
      const f = getRunningLoop().createFuture<number>();
      await expect(waitFor(f, -1)).rejects.toBeInstanceOf(TimeoutError);
      expect(f.cancelled()).toBe(true);
    }));

  for (const style of STYLES) {
    it(`returns the value of an inner task that finishes in time, on the loop clock (${style})`, () =>
      runVirtual(
        styled(
          style,
          function* () {
            const v = yield* waitFor(sleep(40, 'in time'), 50);
            expect(v).toBe('in time');
            expect(getRunningLoop().time()).toBe(40);
          },
          async () => {
            const v = await waitFor(sleep(40, 'in time'), 50);
            expect(v).toBe('in time');
            expect(getRunningLoop().time()).toBe(40);
          },
        ),
      ));

    it(`a timed-out wait raises TimeoutError at the deadline and cancels the inner task (${style})`, () =>
      runVirtual(async () => {
        const inner = createTask(async () => {
          await sleep(1000);
        });
        const waiter = createTask(
          styled(
            style,
            function* () {
              yield* waitFor(inner, 30);
            },
            async () => {
              await waitFor(inner, 30);
            },
          ),
        );
        await expect(waiter).rejects.toBeInstanceOf(TimeoutError);
        expect(inner.cancelled()).toBe(true);
        expect(getRunningLoop().time()).toBe(30);
      }));
  }

  it('waitFor() handed to plain code outside a task rejects with RuntimeError saying where to await it', async () => {
    const { newEventLoop } = await import('tulip');
    const loop = newEventLoop();
    let fut: Future<number> | undefined;
    loop.callSoon(() => {
      fut = waitFor(sleep(0, 1), 10);
      loop.stop();
    });
    await loop.runForever();
    await expect(fut!.then((v) => v)).rejects.toThrow(/waitFor\(\) must be awaited inside a task/);
    loop.close();
  });

  it('cancelling the task waiting in waitFor() cancels the inner task and propagates CancelledError', () =>
    run(async () => {
      const inner = createTask(async () => {
        await sleep(1e9);
      });
      const waiter = createTask(async () => waitFor(inner, 1e9));
      await runBriefly(2);
      waiter.cancel('stop');
      await expect(waiter).rejects.toBeInstanceOf(CancelledError);
      await runBriefly();
      expect(inner.cancelled()).toBe(true);
    }));
});
