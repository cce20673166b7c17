// Adversarial review of timeout()/timeoutAt()/Timeout and waitFor() against CPython 3.13 asyncio
// (Lib/asyncio/timeouts.py, tasks.py wait_for). Every expectation was checked with the pure-Python
// 3.13 asyncio on a virtual-time loop (a selector whose select() advances loop.time()); the probe
// output is quoted above the tests. Times here are ms of a MockClock (runVirtual).
import { describe, expect, it } from 'vitest';
import {
  CancelledError,
  RuntimeError,
  TimeoutError,
  Timeout,
  createTask,
  currentTask,
  getRunningLoop,
  sleep,
  timeout,
  timeoutAt,
  waitFor,
  type Coroutine,
  type Future,
} from 'tulip';
import { STYLES, assertCancelled, now, runVirtual, type Style } from './helpers.js';

/** Runs `t.run(body)` where body is the generator or async version, from an async task. */
function runIn<T>(style: Style, t: Timeout, gen: (t: Timeout) => Coroutine<T>, asy: (t: Timeout) => Promise<T>): Future<T> {
  return style === 'generator' ? t.run(gen) : t.run(asy);
}

async function errorFrom(f: PromiseLike<unknown>): Promise<unknown> {
  try {
    await f;
  } catch (e) {
    return e;
  }
  return 'no error';
}

// ---- the stages of a Timeout -----------------------------------------------------------------

describe('Timeout through its stages: created, active, expiring, expired', () => {
  for (const style of STYLES) {
    // probe: created 5.0 False <Timeout [created]> / resched created: "Timeout has not been entered"
    // entered False 0 / caught CancelledError() () True <Timeout [expiring]> 1 1005.0
    // resched expiring: "Cannot change state of expiring Timeout" / slept on 1025.0 1
    // exited ok True <Timeout [expired]> 0 / "Cannot change state of expired Timeout"
    // re-enter: "Timeout has already been entered"
    it(`a body that catches the deadline's cancel goes on undisturbed, the scope stays expiring, then ends expired with no error (${style})`, () =>
      runVirtual(async () => {
        const task = currentTask()!;
        const start = now();
        const t = timeout(5000);
        expect(t.when()).toBe(start + 5000);
        expect(t.expired()).toBe(false);
        expect(String(t)).toBe('<Timeout [created]>');
        expect(() => t.reschedule(start + 1)).toThrow(RuntimeError);
        expect(() => t.reschedule(start + 1)).toThrow(/has not been entered/);
        const seen: unknown[] = [];
        const check = (e: unknown): void => {
          assertCancelled(e, '');
          seen.push(t.expired(), String(t), task.cancelling(), now() - start);
          const err = (() => {
            try {
              t.reschedule(now() + 100_000);
            } catch (x) {
              return x;
            }
            return null;
          })();
          expect(err).toBeInstanceOf(RuntimeError);
          expect(String((err as Error).message)).toMatch(/Cannot change state of expiring Timeout/);
        };
        const r = await runIn(
          style,
          t,
          function* () {
            seen.push(t.expired(), task.cancelling());
            try {
              yield* sleep(10_000);
            } catch (e) {
              check(e);
              yield* sleep(20_000); // not interrupted again
              seen.push(now() - start, task.cancelling());
            }
            return 'done';
          },
          async () => {
            seen.push(t.expired(), task.cancelling());
            try {
              await sleep(10_000);
            } catch (e) {
              check(e);
              await sleep(20_000);
              seen.push(now() - start, task.cancelling());
            }
            return 'done';
          },
        );
        expect(r).toBe('done');
        expect(seen).toEqual([false, 0, true, '<Timeout [expiring]>', 1, 5000, 25_000, 1]);
        expect(t.expired()).toBe(true);
        expect(String(t)).toBe('<Timeout [expired]>');
        expect(task.cancelling()).toBe(0);
        expect(() => t.reschedule(null)).toThrow(/Cannot change state of expired Timeout/);
        expect(() => t.run(async () => 1)).toThrow(RuntimeError);
        // and the task is not left cancelled
        await sleep(1000);
      }));
  }

  // probe s7: when 7.0 / <Timeout [active] when=1007.0> / None <Timeout [active] when=None>
  // after reschedule(+2) then reschedule(+4): fired after 4.0 / when() at the end: deadline, expired True
  it('timeoutAt(): when() before entry, reschedule(null) shows when=null, and only the last of two reschedules fires', () =>
    runVirtual(function* () {
      const start = now();
      const t = timeoutAt(start + 7000);
      expect(t.when()).toBe(start + 7000);
      let fired = -1;
      let caught: unknown;
      try {
        yield* t.run(function* (tt) {
          expect(String(tt)).toBe(`<Timeout [active] when=${start + 7000}>`);
          tt.reschedule(null);
          expect(tt.when()).toBe(null);
          expect(String(tt)).toBe('<Timeout [active] when=null>');
          yield* sleep(50_000);
          tt.reschedule(now() + 2000);
          tt.reschedule(now() + 4000);
          const st = now();
          try {
            yield* sleep(50_000);
          } finally {
            fired = now() - st;
          }
        });
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(TimeoutError);
      expect(fired).toBe(4000);
      expect(t.when()).toBe(now());
      expect(t.expired()).toBe(true);
    }));

  // probe s6: timeout(0).when()-now = 0.0, timeout(-3).when()-now = -3.0; a body with no waits:
  // expired False, <Timeout [finished]>; a body with sleep(0): TimeoutError, expired True, [expired]
  for (const d of [0, -3000]) {
    it(`timeout(${d}): when() is now${d ? ' minus 3 s' : ''}; a waitless body ends [finished], a body with sleep(0) ends [expired] (async)`, () =>
      runVirtual(async () => {
        const t = timeout(d);
        expect(t.when()).toBe(now() + d);
        expect(await t.run(() => 7)).toBe(7);
        expect(t.expired()).toBe(false);
        expect(String(t)).toBe('<Timeout [finished]>');
        const t2 = timeout(d);
        const e = await errorFrom(t2.run(async () => sleep(0)));
        expect(e).toBeInstanceOf(TimeoutError);
        assertCancelled((e as Error).cause);
        expect(t2.expired()).toBe(true);
        expect(String(t2)).toBe('<Timeout [expired]>');
      }));
  }
});

// ---- errors coming out of an expired scope ----------------------------------------------------

describe('what leaves an expired Timeout', () => {
  for (const style of STYLES) {
    // probe s2: ValueError('boom') cause=None (asyncio only threads a TimeoutError into __context__,
    // which JS has no counterpart of); expired True, cancelling 0
    it(`a body that turns the deadline's cancel into its own error raises that error, its cause untouched (${style})`, () =>
      runVirtual(async () => {
        const boom = new Error('boom');
        const t = timeout(1000);
        const e = await errorFrom(
          runIn(
            style,
            t,
            function* () {
              try {
                yield* sleep(10_000);
              } catch {
                throw boom;
              }
            },
            async () => {
              try {
                await sleep(10_000);
              } catch {
                throw boom;
              }
            },
          ),
        );
        expect(e).toBe(boom);
        expect(boom.cause).toBeUndefined();
        expect(t.expired()).toBe(true);
        expect(currentTask()!.cancelling()).toBe(0);
      }));

    // probe s3: both deadlines moved to the past in the same pass: inner raised CancelledError
    // (expired True, True, cancelling 1); outer raised TimeoutError cause=CancelledError, cancelling 0
    it(`nested timeouts firing in the same pass: the inner lets CancelledError through, the outer raises TimeoutError, both expired (${style})`, () =>
      runVirtual(async () => {
        const task = currentTask()!;
        const o = timeout(null);
        const i = timeout(null);
        const log: unknown[] = [];
        const innerBody = (): Future<unknown> =>
          runIn(
            style,
            i,
            function* () {
              i.reschedule(now() - 1);
              o.reschedule(now() - 1);
              yield* sleep(10_000);
            },
            async () => {
              i.reschedule(now() - 1);
              o.reschedule(now() - 1);
              await sleep(10_000);
            },
          );
        const e = await errorFrom(
          o.run(async () => {
            try {
              await innerBody();
            } catch (x) {
              log.push(x instanceof CancelledError, x instanceof TimeoutError, i.expired(), o.expired(), task.cancelling());
              throw x;
            }
          }),
        );
        expect(log).toEqual([true, false, true, true, 1]);
        expect(e).toBeInstanceOf(TimeoutError);
        assertCancelled((e as Error).cause);
        expect(task.cancelling()).toBe(0);
      }));

    // probe s4: inner raised CancelledError, inner expired False <Timeout [finished]>, outer expired
    // True, cancelling 1; outer raised TimeoutError, cancelling 0
    it(`an outer deadline firing inside an unexpired inner timeout passes through it as CancelledError and leaves it [finished] (${style})`, () =>
      runVirtual(async () => {
        const task = currentTask()!;
        const o = timeout(1000);
        const i = timeout(5000);
        const log: unknown[] = [];
        const e = await errorFrom(
          o.run(async () => {
            try {
              await runIn(
                style,
                i,
                function* () {
                  yield* sleep(10_000);
                },
                () => sleep(10_000),
              );
            } catch (x) {
              log.push(x instanceof CancelledError, i.expired(), String(i), o.expired(), task.cancelling());
              throw x;
            }
          }),
        );
        expect(log).toEqual([true, false, '<Timeout [finished]>', true, 1]);
        expect(e).toBeInstanceOf(TimeoutError);
        expect(task.cancelling()).toBe(0);
      }));

    // probe s5: timeout(0); task.cancel('self'); await sleep(0) -> CancelledError() (the deadline's
    // later cancel() replaced the message), expired True, cancelling 1 afterwards
    it(`a body that cancels its own task while the deadline fires in the same pass gets CancelledError, not TimeoutError (${style})`, () =>
      runVirtual(async () => {
        const task = currentTask()!;
        const t = timeout(0);
        const e = await errorFrom(
          runIn(
            style,
            t,
            function* () {
              task.cancel('self');
              yield* sleep(0);
            },
            async () => {
              task.cancel('self');
              await sleep(0);
            },
          ),
        );
        assertCancelled(e, ''); // asyncio: the message 'self' was replaced by the deadline's cancel()
        expect(e).not.toBeInstanceOf(TimeoutError);
        expect(t.expired()).toBe(true);
        expect(task.cancelling()).toBe(1);
        task.uncancel();
      }));

    // probe s5b: timeout(None); self cancel caught inside: CancelledError('self'), cancelling 1,
    // expired False; the body goes on and the scope exits normally, cancelling stays 1
    it(`a self-cancel caught inside an unexpired timeout leaves the scope unexpired and the task's cancel count at 1 (${style})`, () =>
      runVirtual(async () => {
        const task = currentTask()!;
        const t = timeout(null);
        const seen: unknown[] = [];
        const note = (e: unknown): void => {
          assertCancelled(e, 'self');
          seen.push(task.cancelling(), t.expired());
        };
        const r = await runIn(
          style,
          t,
          function* () {
            task.cancel('self');
            try {
              yield* sleep(0);
            } catch (e) {
              note(e);
            }
            yield* sleep(0);
            return 'ok';
          },
          async () => {
            task.cancel('self');
            try {
              await sleep(0);
            } catch (e) {
              note(e);
            }
            await sleep(0);
            return 'ok';
          },
        );
        expect(r).toBe('ok');
        expect(seen).toEqual([1, false]);
        expect(t.expired()).toBe(false);
        expect(task.cancelling()).toBe(1);
        task.uncancel();
      }));
  }

  // The deadline's own cancel carries no message (asyncio: CancelledError(), args ()).
  it('the CancelledError behind the TimeoutError has an empty message (generator)', () =>
    runVirtual(function* () {
      let inner: unknown;
      try {
        yield* timeout(1000).run(function* () {
          try {
            yield* sleep(5000);
          } catch (e) {
            inner = e;
            throw e;
          }
        });
      } catch (e) {
        expect(e).toBeInstanceOf(TimeoutError);
        expect((e as Error).cause).toBe(inner);
      }
      assertCancelled(inner, '');
    }));
});

// ---- waitFor ----------------------------------------------------------------------------------

describe('waitFor() edge cases', () => {
  // probe w1: loop.call_at(now+3, fut.set_result, 'v') scheduled before wait_for(fut, 3):
  // raised TimeoutError cause=CancelledError(), fut.cancelled() False (it holds 'v'), cancelling 0.
  // The result arrived in the deadline's pass, but the task's wake-up came after the cancel.
  it('a future resolved by a timer in the very pass of the deadline (timer set first) still gives TimeoutError (async)', () =>
    runVirtual(async () => {
      const loop = getRunningLoop();
      const fut = loop.createFuture<string>();
      loop.callAt(now() + 3000, () => fut.setResult('v'));
      const e = await errorFrom(waitFor(fut, 3000));
      expect(e).toBeInstanceOf(TimeoutError);
      expect(fut.cancelled()).toBe(false);
      expect(fut.result()).toBe('v');
      expect(currentTask()!.cancelling()).toBe(0);
    }));

  it('a future resolved by a timer in the very pass of the deadline (timer set first) still gives TimeoutError (generator)', () =>
    runVirtual(function* () {
      const loop = getRunningLoop();
      const fut = loop.createFuture<string>();
      loop.callAt(now() + 3000, () => fut.setResult('v'));
      let e: unknown = 'no error';
      try {
        yield* waitFor(fut, 3000);
      } catch (x) {
        e = x;
      }
      expect(e).toBeInstanceOf(TimeoutError);
      expect(fut.result()).toBe('v');
    }));

  // probe w1b: the setter's timer scheduled after the waiter entered: setter sees cancelled True;
  // TimeoutError, fut cancelled
  it('a future whose setter runs after the deadline in the same pass finds it cancelled, and the waiter gets TimeoutError', () =>
    runVirtual(async () => {
      const loop = getRunningLoop();
      const fut = loop.createFuture<string>();
      const t0 = now();
      const waiter = createTask(async () => errorFrom(waitFor(fut, 3000)));
      await sleep(0);
      let setterSaw: boolean | undefined;
      loop.callAt(t0 + 3000, () => {
        setterSaw = fut.cancelled();
        if (!fut.done()) fut.setResult('v');
      });
      const e = await waiter;
      expect(setterSaw).toBe(true);
      expect(e).toBeInstanceOf(TimeoutError);
      expect(fut.cancelled()).toBe(true);
    }));

  // probe w2: for timeout None, 0, 5: CancelledError('gone') (not TimeoutError), cancelling 0
  for (const to of [null, 0, 5000]) {
    it(`an already-cancelled future gives its own CancelledError through waitFor(fut, ${to}) (async)`, () =>
      runVirtual(async () => {
        const fut = getRunningLoop().createFuture();
        fut.cancel('gone');
        const e = await errorFrom(waitFor(fut, to));
        assertCancelled(e, 'gone');
        expect(e).not.toBeInstanceOf(TimeoutError);
        expect(currentTask()!.cancelling()).toBe(0);
      }));
  }

  // probe w3: pending plain future, timeout 0 and 2: TimeoutError cause=CancelledError(),
  // fut.cancelled() True, its CancelledError has args ()
  for (const to of [0, 2000]) {
    it(`a pending plain future is left cancelled, with an empty message, by waitFor(fut, ${to}) (generator)`, () =>
      runVirtual(function* () {
        const fut = getRunningLoop().createFuture();
        let e: unknown = 'no error';
        try {
          yield* waitFor(fut, to);
        } catch (x) {
          e = x;
        }
        expect(e).toBeInstanceOf(TimeoutError);
        assertCancelled((e as Error).cause, '');
        expect(fut.cancelled()).toBe(true);
        let fe: unknown;
        try {
          fut.result();
        } catch (x) {
          fe = x;
        }
        assertCancelled(fe, '');
      }));
  }

  // probe w3: an inner coroutine with a positive timeout runs in the caller's task
  // ("inner task is outer True") and sees CancelledError with args (); with timeout 0 it never starts.
  for (const style of STYLES) {
    it(`an inner coroutine with a positive timeout runs in the waiting task and sees an empty-message cancel (${style})`, () =>
      runVirtual(async () => {
        const outer = currentTask();
        const log: unknown[] = [];
        const note = (e: unknown): void => {
          log.push('saw');
          assertCancelled(e, '');
        };
        const coro =
          style === 'generator'
            ? (function* () {
                log.push(currentTask() === outer);
                try {
                  yield* sleep(10_000);
                } catch (e) {
                  note(e);
                  throw e;
                }
              })()
            : (async () => {
                log.push(currentTask() === outer);
                try {
                  await sleep(10_000);
                } catch (e) {
                  note(e);
                  throw e;
                }
              })();
        const e = await errorFrom(waitFor(coro, 2000));
        expect(e).toBeInstanceOf(TimeoutError);
        expect(log).toEqual([true, 'saw']);
      }));
  }

  // probe w5: wait_for(c(), None) and wait_for(c(), 5): current_task() is the caller -> True True
  it('an inner generator coroutine under waitFor(coro, null) runs in the waiting task', () =>
    runVirtual(function* () {
      const outer = currentTask();
      const r = yield* waitFor(
        (function* () {
          yield* sleep(0);
          return currentTask() === outer;
        })(),
        null,
      );
      expect(r).toBe(true);
    }));

  // probe w4: inner task that swallows the cancel, sleeps 1 s more, returns 'late':
  // timeout 0 -> 'late' after 1.0 s; timeout 2 -> 'late' after 3.0 s; cancelling 0.
  // A coroutine (not a task) with timeout 0 never starts -> TimeoutError; with timeout 2 -> 'late' after 3.0
  for (const style of STYLES) {
    const swallower = (): Coroutine<string> | Promise<string> =>
      style === 'generator'
        ? (function* () {
            try {
              yield* sleep(10_000);
            } catch {
              // swallowed
            }
            yield* sleep(1000);
            return 'late';
          })()
        : (async () => {
            try {
              await sleep(10_000);
            } catch {
              // swallowed
            }
            await sleep(1000);
            return 'late';
          })();
    for (const to of [0, 2000]) {
      it(`an inner task that swallows the cancel of waitFor(task, ${to}) gives its late value after its extra sleep (${style})`, () =>
        runVirtual(async () => {
          const t = createTask(swallower);
          await sleep(0);
          const st = now();
          expect(await waitFor(t, to)).toBe('late');
          expect(now() - st).toBe(to + 1000);
          expect(currentTask()!.cancelling()).toBe(0);
        }));
    }
    it(`a swallowing coroutine under waitFor(coro, 0) never starts and gives TimeoutError; under 2 s it gives its late value (${style})`, () =>
      runVirtual(async () => {
        const e = await errorFrom(waitFor(swallower(), 0));
        expect(e).toBeInstanceOf(TimeoutError);
        const st = now();
        expect(await waitFor(swallower(), 2000)).toBe('late');
        expect(now() - st).toBe(3000);
        expect(currentTask()!.cancelling()).toBe(0);
      }));
  }

  // probe w5: a future holding ValueError: None, 0, 5 all raise ValueError (cause None)
  for (const to of [null, 0, 5000]) {
    it(`a future that already failed raises its own error through waitFor(fut, ${to})`, () =>
      runVirtual(async () => {
        const fut = getRunningLoop().createFuture();
        const err = new Error('x');
        fut.setException(err);
        expect(await errorFrom(waitFor(fut, to))).toBe(err);
      }));
  }
});
