// Behaviour ports of CPython 3.13 Lib/test/test_asyncio/test_tasks.py (SleepTests and the sleep
// tests of BaseTaskTests): sleep(0) is exactly one pass, sleepers take turns and wake in deadline
// order, sleep(ms, result), bad delays, and cancelling the sleep future (the rest of test_tasks.py is
// in tasks.test.ts, cancellation.test.ts and uncancel.test.ts). Tests already in the shared
// conformance suite (/work/shared/conformance/tasks*.test.ts) are not repeated here.
import { describe, it, expect } from 'vitest';
import { createTask, gather, getRunningLoop, run, sleep } from 'tulip';
import { waitAllTasksBlocked } from 'tulip/testing';
import {
  FOREVER,
  STYLES,
  assertCancelled,
  rejection,
  runVirtual,
  styled,
  syncError,
} from './helpers.js';

// ---- sleep ------------------------------------------------------------------------------------

describe('sleep', () => {
  describe.each(STYLES)('%s style', (style) => {
    // ports test_tasks.py::SleepTests.test_sleep_zero (one pass exactly)
    it('sleep(0) gives up the loop for exactly one pass', () =>
      run(async () => {
        const loop = getRunningLoop();
        let ticks = 0;
        let stop = false;
        const tick = () => {
          ticks += 1;
          if (!stop) loop.callSoon(tick);
        };
        loop.callSoon(tick);
        const deltas: number[] = [];
        const t = createTask(
          styled(
            style,
            function* () {
              for (let i = 0; i < 3; i++) {
                const before = ticks;
                yield* sleep(0);
                deltas.push(ticks - before);
              }
            },
            async () => {
              for (let i = 0; i < 3; i++) {
                const before = ticks;
                await sleep(0);
                deltas.push(ticks - before);
              }
            },
          ),
        );
        await t;
        stop = true;
        expect(deltas).toEqual([1, 1, 1]);
      }));

    // ports test_tasks.py::SleepTests.test_sleep_zero (interleaving)
    it('tasks that sleep(0) in a loop take turns, in creation order', () =>
      run(async () => {
        const log: string[] = [];
        const worker = (name: string) =>
          styled(
            style,
            function* () {
              for (let i = 0; i < 3; i++) {
                log.push(`${name}${i}`);
                yield* sleep(0);
              }
            },
            async () => {
              for (let i = 0; i < 3; i++) {
                log.push(`${name}${i}`);
                await sleep(0);
              }
            },
          );
        const a = createTask(worker('a'));
        const b = createTask(worker('b'));
        const c = createTask(worker('c'));
        await gather([a, b, c]);
        expect(log).toEqual(['a0', 'b0', 'c0', 'a1', 'b1', 'c1', 'a2', 'b2', 'c2']);
      }));

    // ports test_tasks.py::BaseTaskTests.test_sleep (the result argument, virtual time)
    it('sleep(ms, result) returns result after ms on the loop clock', () =>
      runVirtual(async () => {
        const loop = getRunningLoop();
        const t0 = loop.time();
        const t = createTask(
          styled(
            style,
            function* () {
              const a = yield* sleep(0, 'zero');
              const b = yield* sleep(250, 'later');
              return [a, b];
            },
            async () => {
              const a = await sleep(0, 'zero');
              const b = await sleep(250, 'later');
              return [a, b];
            },
          ),
        );
        expect(await t).toEqual(['zero', 'later']);
        expect(loop.time() - t0).toBeCloseTo(250, 3);
      }));

    // ports test_tasks.py::BaseTaskTests.test_sleep (several sleepers, virtual time)
    it('sleepers wake in deadline order, each at its own deadline', () =>
      runVirtual(async () => {
        const loop = getRunningLoop();
        const t0 = loop.time();
        const woke: [number, number][] = [];
        const sleeper = (ms: number) =>
          createTask(
            styled(
              style,
              function* () {
                yield* sleep(ms);
                woke.push([ms, loop.time() - t0]);
              },
              async () => {
                await sleep(ms);
                woke.push([ms, loop.time() - t0]);
              },
            ),
          );
        await gather([sleeper(300), sleeper(100), sleeper(200)]);
        expect(woke.map(([ms]) => ms)).toEqual([100, 200, 300]);
        for (const [ms, at] of woke) expect(at).toBeCloseTo(ms, 3);
      }));
  });

  // ports test_tasks.py::SleepTests.test_sleep_zero (the two styles interleave alike)
  it('a generator task and an async task that sleep(0) alternate one pass at a time', () =>
    run(async () => {
      const log: string[] = [];
      const g = createTask(function* () {
        for (let i = 0; i < 3; i++) {
          log.push(`g${i}`);
          yield* sleep(0);
        }
      });
      const a = createTask(async () => {
        for (let i = 0; i < 3; i++) {
          log.push(`a${i}`);
          await sleep(0);
        }
      });
      await g;
      await a;
      expect(log).toEqual(['g0', 'a0', 'g1', 'a1', 'g2', 'a2']);
    }));

  // ports test_tasks.py::BaseTaskTests.test_sleep_when_delay_is_nan
  it('sleep(NaN) throws RangeError', () =>
    run(async () => {
      expect(syncError(() => sleep(NaN))).toBeInstanceOf(RangeError);
    }));

  // asyncio's sleep(): `if delay <= 0: await __sleep0(); return result` — a negative delay is 0.
  it('sleep() with a negative delay (even -Infinity) takes the one pass sleep(0) takes', () =>
    run(async () => {
      const loop = getRunningLoop();
      let ticks = 0;
      const tick = (): void => {
        ticks++;
        loop.callSoon(tick);
      };
      loop.callSoon(tick);
      const took: number[] = [];
      for (const d of [0, -1, -Infinity]) {
        const before = ticks;
        expect(await sleep(d, d)).toBe(d);
        took.push(ticks - before);
      }
      expect(took[0]).toBeGreaterThan(0);
      expect(took).toEqual([took[0], took[0], took[0]]);
    }));

  // ports test_tasks.py::BaseTaskTests.test_sleep_cancel (cancelling the sleep future)
  it('cancelling the sleep future itself throws CancelledError into the sleeper', () =>
    run(async () => {
      const s = sleep(FOREVER, 'never');
      const t = createTask(async () => await s);
      await waitAllTasksBlocked();
      expect(s.cancel('cut short')).toBe(true);
      assertCancelled(await rejection(t), 'cut short');
      expect(t.cancelled()).toBe(true);
    }));
});
