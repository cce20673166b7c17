// Unit tests of src/testing/index.ts: runBriefly() and waitAllTasksBlocked().
import { describe, it, expect } from 'vitest';
import { CancelledError, RuntimeError, createTask, getRunningLoop, run, sleep, type Future } from 'tulip';
import { runBriefly, waitAllTasksBlocked } from 'tulip/testing';
import { syncError, virtualClock } from '../support.js';

/** Counts loop passes with a callback that reschedules itself `max` times. */
function passCounter(max = 100): { count: () => number } {
  const loop = getRunningLoop();
  let n = 0;
  const tick = (): void => {
    n++;
    if (n < max) loop.callSoon(tick);
  };
  loop.callSoon(tick);
  return { count: () => n };
}

describe('runBriefly', () => {
  it('lets exactly one pass run by default (async)', () =>
    run(async () => {
      const c = passCounter();
      await runBriefly();
      expect(c.count()).toBe(1);
      await runBriefly();
      expect(c.count()).toBe(2);
    }));

  it('lets exactly one pass run by default (generator)', () =>
    run(function* () {
      const c = passCounter();
      yield* runBriefly();
      expect(c.count()).toBe(1);
      yield* runBriefly();
      expect(c.count()).toBe(2);
    }));

  it('runBriefly(n) lets n passes run, in both styles', () =>
    run(async () => {
      const c = passCounter();
      await runBriefly(3);
      expect(c.count()).toBe(3);
      await createTask(function* () {
        yield* runBriefly(4);
      });
      expect(c.count()).toBeGreaterThanOrEqual(7);
    }));

  it('refuses 0, negatives and fractions with a RangeError and non-numbers with a TypeError, naming passes, and works afterwards', () =>
    run(async () => {
      for (const bad of [0, -1, 1.5, NaN]) {
        const e = syncError(() => runBriefly(bad));
        expect(e, String(bad)).toBeInstanceOf(RangeError);
        expect(e.message).toMatch(/^runBriefly: passes must be a positive integer, got /);
      }
      expect(syncError(() => runBriefly(0)).message).toBe('runBriefly: passes must be a positive integer, got 0');
      const e = syncError(() => runBriefly('2' as never));
      expect(e).toBeInstanceOf(TypeError);
      expect(e.message).toBe('runBriefly: passes must be a positive integer, got "2"');
      const c = passCounter();
      await runBriefly(2);
      expect(c.count()).toBe(2);
    }));

  it('outside a running loop throws RuntimeError', () => {
    expect(() => runBriefly()).toThrow(RuntimeError);
  });

  it('cancelling a task waiting in runBriefly() ends it cancelled and loses nothing', () =>
    run(async () => {
      const t = createTask(async () => {
        await runBriefly(5);
      });
      await runBriefly();
      t.cancel();
      await expect(t).rejects.toBeInstanceOf(CancelledError);
    }));

  it('a cancel cancels a runBriefly(n > 1) wait at once, but a one-pass wait is a bare yield: the cancel waits for its pass (async)', () =>
    run(async () => {
      for (const passes of [5, 1]) {
        let wait: Future<void> | undefined;
        const t = createTask(async () => {
          wait = runBriefly(passes);
          await wait;
        });
        await runBriefly();
        t.cancel();
        expect(wait!.cancelled(), `passes=${passes}`).toBe(passes > 1);
        await expect(t).rejects.toBeInstanceOf(CancelledError);
      }
    }));

  it('a cancel cancels a runBriefly(n > 1) wait at once, but a one-pass wait is a bare yield: the cancel waits for its pass (generator)', () =>
    run(function* () {
      for (const passes of [5, 1]) {
        let wait: Future<void> | undefined;
        const t = createTask(function* () {
          wait = runBriefly(passes);
          yield* wait;
        });
        yield* runBriefly();
        t.cancel();
        expect(wait!.cancelled(), `passes=${passes}`).toBe(passes > 1);
        let caught: unknown;
        try {
          yield* t;
        } catch (e) {
          caught = e;
        }
        expect(caught).toBeInstanceOf(CancelledError);
      }
    }));
});

describe('waitAllTasksBlocked', () => {
  it('resolves only once every other task is blocked', () =>
    run(async () => {
      const log: string[] = [];
      const f = getRunningLoop().createFuture<void>();
      createTask(async () => {
        for (let i = 0; i < 5; i++) await sleep(0);
        log.push('busy task parked');
        await f;
      });
      createTask(function* () {
        for (let i = 0; i < 10; i++) yield* sleep(0);
        log.push('generator task parked');
        yield* f;
      });
      await waitAllTasksBlocked();
      expect(log).toEqual(['busy task parked', 'generator task parked']);
      f.setResult();
    }));

  it('takes priority over autojump: time has not moved when it resolves', () =>
    run(
      async () => {
        const sleeper = createTask(async () => sleep(1000, 'late'));
        await waitAllTasksBlocked();
        expect(getRunningLoop().time()).toBe(0);
        expect(sleeper.done()).toBe(false);
        expect(await sleeper).toBe('late');
        expect(getRunningLoop().time()).toBe(1000);
      },
      { clock: virtualClock() },
    ));

  it('with a cushion, waits that many real ms of blocked time first', () =>
    run(async () => {
      const t0 = performance.now();
      await waitAllTasksBlocked(5);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(4);
    }));

  it('several waiters wake in order of their cushions', () =>
    run(async () => {
      const log: string[] = [];
      const a = createTask(async () => {
        await waitAllTasksBlocked(4);
        log.push('cushion 4');
      });
      const b = createTask(async () => {
        await waitAllTasksBlocked(0);
        log.push('cushion 0');
      });
      await Promise.all([a, b]);
      expect(log).toEqual(['cushion 0', 'cushion 4']);
    }));

  it('refuses negative, NaN and non-number cushions, naming cushionMs and what came', () =>
    run(async () => {
      const a = syncError(() => waitAllTasksBlocked(-1));
      expect(a).toBeInstanceOf(RangeError);
      expect(a.message).toBe('waitAllTasksBlocked: cushionMs must not be negative, got -1');
      const b = syncError(() => waitAllTasksBlocked(NaN));
      expect(b).toBeInstanceOf(RangeError);
      const c = syncError(() => waitAllTasksBlocked('1' as never));
      expect(c).toBeInstanceOf(TypeError);
      expect(c.message).toBe('waitAllTasksBlocked: cushionMs must be a number of milliseconds, got "1"');
      await waitAllTasksBlocked();
    }));

  it('cancelling a task waiting in waitAllTasksBlocked() removes the wait; later waits still work', () =>
    run(async () => {
      const t = createTask(async () => {
        await waitAllTasksBlocked(1e6);
      });
      await runBriefly();
      t.cancel();
      await expect(t).rejects.toBeInstanceOf(CancelledError);
      const f: Future<void> = waitAllTasksBlocked();
      await f;
      expect(f.done()).toBe(true);
    }));

  it('outside a running loop throws RuntimeError', () => {
    expect(() => waitAllTasksBlocked()).toThrow(RuntimeError);
  });
});
