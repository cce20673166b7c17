// CancelScope: level-triggered cancellation (Trio/AnyIO) on top of asyncio's edge-triggered one.
import { describe, it, expect } from 'vitest';
import {
  CancelScope,
  TaskGroup,
  TimeoutError,
  createTask,
  currentTask,
  failAfter,
  getRunningLoop,
  isCancelledError,
  moveOnAfter,
  moveOnAt,
  run,
  sleep,
  timeout,
  type Coroutine,
} from 'tulip';
import { runBriefly } from 'tulip/testing';
import { rejection, runVirtual } from './support.js';

const DAY = 24 * 3600 * 1000;

describe.each(['generator', 'async'] as const)('CancelScope (%s style)', (style) => {
  /** The same body in either style: waits `n` times, each for `ms`, counting the CancelledErrors it swallows. */
  function waiter(n: number, ms: number, caught: { n: number }): (s: CancelScope) => Coroutine<string> | Promise<string> {
    if (style === 'generator') {
      return function* () {
        for (let i = 0; i < n; i++) {
          try {
            yield* sleep(ms);
          } catch (e) {
            if (!isCancelledError(e)) throw e;
            caught.n++;
          }
        }
        return 'done';
      };
    }
    return async () => {
      for (let i = 0; i < n; i++) {
        try {
          await sleep(ms);
        } catch (e) {
          if (!isCancelledError(e)) throw e;
          caught.n++;
        }
      }
      return 'done';
    };
  }

  it('once cancelled, every later wait inside raises again until the scope exits', () =>
    runVirtual(async () => {
      const caught = { n: 0 };
      const scope = new CancelScope();
      getRunningLoop().callLater(10, () => scope.cancel());
      const r = await scope.run(waiter(3, 1000, caught));
      expect(caught.n).toBe(3); // each of the three waits raised
      expect(r).toBe('done'); // the body swallowed them and returned
      expect(scope.cancelCalled).toBe(true);
      expect(scope.cancelledCaught).toBe(false);
      await sleep(5); // outside the scope nothing is cancelled any more
    }));

  it('a deadline a day away cancels the body, the scope catches it, and run() resolves to undefined', () =>
    runVirtual(async () => {
      const loop = getRunningLoop();
      const t0 = loop.time();
      const scope = new CancelScope({ deadline: t0 + DAY });
      const r = await scope.run(style === 'generator' ? function* () { yield* sleep(2 * DAY); return 'late'; } : async () => { await sleep(2 * DAY); return 'late'; });
      expect(r).toBeUndefined();
      expect(scope.cancelledCaught).toBe(true);
      expect(loop.time() - t0).toBe(DAY);
      expect(currentTask()!.cancelling()).toBe(0); // scopes do not count as task cancels
    }));

  it('a shielded scope keeps an outer scope\'s cancellation out until it exits', () =>
    runVirtual(async () => {
      const log: string[] = [];
      const outer = new CancelScope();
      await outer.run(async () => {
        await new CancelScope({ shield: true }).run(style === 'generator'
          ? function* () { outer.cancel(); yield* sleep(50); log.push('shielded sleep finished'); }
          : async () => { outer.cancel(); await sleep(50); log.push('shielded sleep finished'); });
        try {
          await sleep(50);
          log.push('not reached');
        } catch (e) {
          log.push(isCancelledError(e) ? 'cancelled after the shield' : 'other');
          throw e;
        }
      });
      expect(log).toEqual(['shielded sleep finished', 'cancelled after the shield']);
      expect(outer.cancelledCaught).toBe(true);
    }));

  it('a shield holds task.cancel() back, with its signal, until the shielded scope exits', () =>
    runVirtual(async () => {
      const log: string[] = [];
      const t = createTask(style === 'generator'
        ? function* () {
            yield* new CancelScope({ shield: true }).run(function* () { yield* sleep(100); log.push(`inner done, signal aborted: ${currentTask()!.signal.aborted}`); });
            yield* sleep(100);
          }
        : async () => {
            await new CancelScope({ shield: true }).run(async () => { await sleep(100); log.push(`inner done, signal aborted: ${currentTask()!.signal.aborted}`); });
            await sleep(100);
          });
      await sleep(10);
      t.cancel('stop');
      try { await t; } catch (e) { log.push(`task: ${(e as Error).message}`); }
      expect(log).toEqual(['inner done, signal aborted: false', 'task: stop']);
      expect(t.cancelled()).toBe(true);
    }));

  it('timeout() inside a shielded scope still fires, and converts to TimeoutError', () =>
    runVirtual(async () => {
      let err: unknown;
      await new CancelScope({ shield: true }).run(async () => {
        try {
          await timeout(10).run(style === 'generator' ? function* () { yield* sleep(1000); } : async () => { await sleep(1000); });
        } catch (e) {
          err = e;
        }
      });
      expect(err).toBeInstanceOf(TimeoutError);
      expect(currentTask()!.cancelling()).toBe(0);
    }));

  it('a TaskGroup inside a cancelled scope cancels its children, waits for them, and the scope catches it', () =>
    runVirtual(async () => {
      const log: string[] = [];
      const r = await moveOnAfter(20, async () => {
        await new TaskGroup().run(async (tg) => {
          tg.createTask(style === 'generator'
            ? function* () { try { yield* sleep(1000); } finally { log.push('child cleaned up'); } }
            : async () => { try { await sleep(1000); } finally { log.push('child cleaned up'); } });
          await sleep(1000);
        });
        return 'finished';
      });
      expect(r).toBeUndefined();
      expect(log).toEqual(['child cleaned up']);
    }));
  it('a task cancel held back by a shield survives a scope inside the shield being cancelled', () =>
    runVirtual(async () => {
      const inner = new CancelScope();
      const log: string[] = [];
      const t = createTask(async () => {
        await new CancelScope({ shield: true }).run(async () => {
          await inner.run(sleeper);
          log.push(`inner caught ${inner.cancelledCaught}`);
        });
        try {
          await sleep(10);
          log.push('not cancelled');
        } catch (e) {
          log.push(`cancelled: ${(e as Error).message}`);
          throw e;
        }
      });
      await runBriefly(2);
      t.cancel('held back');
      await runBriefly(1);
      inner.cancel();
      await t.then(
        () => undefined,
        () => undefined,
      );
      expect(log).toEqual(['inner caught true', 'cancelled: held back']);
      expect(t.cancelled()).toBe(true);
    }));

  it("a scope does not swallow its own cancellation while a task cancel from outside it is outstanding (met in a finally's wait)", () =>
    runVirtual(async () => {
      const scope = new CancelScope();
      const body =
        style === 'generator'
          ? function* (): Coroutine<void> {
              try {
                yield* sleep(DAY);
              } finally {
                scope.cancel();
                yield* sleep(1); // the scope's cancellation, level-triggered, replaces the task's here
              }
            }
          : async (): Promise<void> => {
              try {
                await sleep(DAY);
              } finally {
                scope.cancel();
                await sleep(1);
              }
            };
      const t = createTask(() => scope.run(body));
      await runBriefly(2);
      t.cancel('stop');
      const e = await rejection(t);
      expect(isCancelledError(e)).toBe(true);
      expect((e as Error).message).toBe('stop');
      expect(scope.cancelledCaught).toBe(false);
      expect(t.cancelled()).toBe(true);
    }));

  it('a timeout inside a shield still raises TimeoutError after an outer timeout fired and was held back', () =>
    runVirtual(async () => {
      const log: string[] = [];
      const cleanup =
        style === 'generator'
          ? function* (): Coroutine<void> {
              try {
                yield* timeout(20).run(() => sleeper(undefined as never));
              } catch (e) {
                log.push(e instanceof TimeoutError ? 'cleanup timed out' : `cleanup got ${(e as Error).name}`);
              }
            }
          : async (): Promise<void> => {
              try {
                await timeout(20).run(() => sleeper(undefined as never));
              } catch (e) {
                log.push(e instanceof TimeoutError ? 'cleanup timed out' : `cleanup got ${(e as Error).name}`);
              }
            };
      // The outer timeout fires at 10 while the shielded cleanup runs: held back; the cleanup's own
      // timeout (at 20) is then the cleanup's business, as inside asyncio.shield().
      const e = await timeout(10)
        .run(() => new CancelScope({ shield: true }).run(cleanup))
        .then(
          () => null,
          (err: unknown) => err,
        );
      expect(log).toEqual(['cleanup timed out']);
      expect(e).toBeNull(); // nothing waited after the shield: the held cancel was taken back by its timeout
      expect(currentTask()!.cancelling()).toBe(0);
    }));

  /** A body that sleeps a day and lets any CancelledError through. */
  const sleeper = (_s: CancelScope): Coroutine<void> | Promise<void> =>
    style === 'generator'
      ? (function* () {
          yield* sleep(DAY);
        })()
      : (async () => {
          await sleep(DAY);
        })();

  it('a timeout and a scope inside it expiring together: the outer timeout wins, the scope catches nothing', () =>
    runVirtual(async () => {
      let scope: CancelScope | undefined;
      const inner = (s: CancelScope): Coroutine<void> | Promise<void> => {
        scope = s;
        return sleeper(s);
      };
      // Equal deadlines: the timeout's timer runs first and cancels the task's wait; the scope's
      // cancel comes in the same pass, before the task steps. (Trio: the outermost scope wins.)
      const e = await rejection(timeout(1000).run(() => moveOnAfter(1000, inner)));
      expect(e).toBeInstanceOf(TimeoutError);
      expect(scope!.cancelCalled).toBe(true);
      expect(scope!.cancelledCaught).toBe(false);
      expect(currentTask()!.cancelling()).toBe(0);
    }));

  it('a cancel scope and a timeout inside it expiring together: the outer scope wins, no TimeoutError, the task is clean', () =>
    runVirtual(async () => {
      let scope: CancelScope | undefined;
      const r = await moveOnAfter(1000, (s) => {
        scope = s;
        return timeout(1000).run(() => sleeper(s));
      });
      expect(r).toBeUndefined();
      expect(scope!.cancelledCaught).toBe(true);
      expect(currentTask()!.cancelling()).toBe(0);
      expect(await sleep(1, 'next wait works')).toBe('next wait works');
    }));

  it('timeout > cancel scope > timeout, all expiring together: the outermost timeout raises TimeoutError', () =>
    runVirtual(async () => {
      let scope: CancelScope | undefined;
      const e = await rejection(
        timeout(1000).run(() =>
          moveOnAfter(1000, (s) => {
            scope = s;
            return timeout(1000).run(() => sleeper(s));
          }),
        ),
      );
      expect(e).toBeInstanceOf(TimeoutError);
      expect(scope!.cancelledCaught).toBe(false);
      expect(currentTask()!.cancelling()).toBe(0);
    }));

  it.each(['task first', 'scope first'])('task.cancel() and a scope cancel in the same pass (%s): the task is cancelled with its message; the scope swallows nothing', (order) =>
    runVirtual(async () => {
      const scope = new CancelScope();
      const t = createTask(() => scope.run(sleeper));
      await runBriefly(2);
      getRunningLoop().callSoon(() => {
        if (order === 'task first') t.cancel('from outside');
        scope.cancel();
        if (order === 'scope first') t.cancel('from outside');
      });
      const e = await rejection(t);
      expect(isCancelledError(e)).toBe(true);
      expect((e as Error).message).toBe('from outside');
      expect(scope.cancelledCaught).toBe(false);
      expect(t.cancelled()).toBe(true);
    }));
});

describe('moveOnAfter, moveOnAt and failAfter', () => {
  it('moveOnAfter returns the body\'s value when it finishes in time', () =>
    runVirtual(async () => {
      expect(await moveOnAfter(100, async () => { await sleep(10); return 7; })).toBe(7);
      expect(await moveOnAt(getRunningLoop().time() + 100, function* () { yield* sleep(10); return 8; })).toBe(8);
    }));

  it('failAfter raises TimeoutError with the CancelledError as cause, and the task is not left cancelled', () =>
    runVirtual(function* () {
      let err: unknown;
      try {
        yield* failAfter(10, function* () { yield* sleep(1000); });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(TimeoutError);
      expect(isCancelledError((err as Error).cause)).toBe(true);
      expect(currentTask()!.cancelling()).toBe(0);
      yield* sleep(5);
    }));

  it('a scope cancelled before it is entered cancels its first wait; cancel() is idempotent', () =>
    runVirtual(async () => {
      const scope = new CancelScope();
      scope.cancel();
      scope.cancel();
      const r = await scope.run(async () => { await sleep(10); return 'no'; });
      expect(r).toBeUndefined();
      expect(scope.cancelledCaught).toBe(true);
    }));

  it('moving the deadline while inside reschedules it; the signal aborts on cancel', () =>
    runVirtual(async () => {
      const loop = getRunningLoop();
      const t0 = loop.time();
      const scope = new CancelScope({ deadline: t0 + 1000 });
      let aborted = false;
      await scope.run(async (s) => {
        s.signal.addEventListener('abort', () => (aborted = true));
        s.deadline = t0 + 50;
        await sleep(10_000);
      });
      expect(loop.time() - t0).toBe(50);
      expect(aborted).toBe(true);
      await runBriefly();
    }));

  it('bad input: a NaN deadline, negative delays and a second run() are clear errors', () =>
    run(async () => {
      expect(() => new CancelScope({ deadline: NaN })).toThrow(RangeError);
      expect(() => moveOnAfter(-1, () => 1)).toThrow(/moveOnAfter: delayMs must not be negative, got -1/);
      expect(() => failAfter(NaN, () => 1)).toThrow(RangeError);
      const scope = new CancelScope();
      await scope.run(() => 1);
      expect(() => scope.run(() => 2)).toThrow(/has already been entered/);
    }));
});
