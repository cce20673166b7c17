// Unit tests of src/loop/monitor.ts and the loop's stall reports: a stall is reported outside
// debug mode; once one was seen, the next slow task step is named with its task and where it
// suspended; lagStats() counts bursts and stalls. Small slowCallbackDuration values and busy-waits
// of at most 12 ms of real time; loop time is virtual.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { createTask, getRunningLoop, sleep, type ExceptionContext } from 'tulip';
import { STYLES, busyWait, passes, recordExceptions, runVirtual, styled } from '../support.js';

const LIMIT = 4; // ms: slowCallbackDuration in these tests
const BUSY = 10; // ms of busy-waiting: well over the limit, well under 20

const stalls = (seen: ExceptionContext[]): ExceptionContext[] => seen.filter((c) => typeof c.durationMs === 'number');

/**
 * Sets the small limit, records the reports, and blocks the loop once: that first, coarse report
 * switches fine mode on (every entry timed, tasks named). Returns the recorded reports.
 */
async function fineMode(): Promise<ExceptionContext[]> {
  const loop = getRunningLoop();
  loop.slowCallbackDuration = LIMIT;
  const seen = recordExceptions(undefined, true);
  loop.callSoon(() => busyWait(BUSY));
  await passes(3);
  return seen;
}

describe('stall reports outside debug mode', () => {
  it('a callback that blocks the loop is reported, with how long, though debug mode is off', () =>
    runVirtual(async () => {
      const loop = getRunningLoop();
      expect(loop.getDebug()).toBe(false);
      loop.slowCallbackDuration = LIMIT;
      const seen = recordExceptions(undefined, true);
      loop.callSoon(() => busyWait(BUSY));
      await passes(3);
      // (On a loaded machine a preemption may be reported too: look for the busy callback's report.)
      const reports = stalls(seen).filter((r) => (r.durationMs as number) >= BUSY - 1);
      expect(reports.length).toBeGreaterThanOrEqual(1);
      expect(reports[0]!.message).toMatch(/^The event loop was blocked for \d+\.\d{3} ms/);
      expect(loop.lagStats().stalls).toBeGreaterThanOrEqual(1);
    }));

  for (const style of STYLES) {
    it(`a slow task step is reported (${style})`, () =>
      runVirtual(async () => {
        const loop = getRunningLoop();
        loop.slowCallbackDuration = LIMIT;
        const seen = recordExceptions(undefined, true);
        // A (generator) ticker keeps the loop busy across the slow step, so it falls inside a burst.
        // (An async step that is the last work of a burst, or that shares passes with other async
        // tasks only, runs in the microtask queue after its burst was measured: see the skipped
        // test below.)
        let ticking = true;
        const ticker = createTask(function* () {
          while (ticking) yield* sleep(0);
        });
        await createTask(
          styled(
            style,
            function* () {
              yield* sleep(0);
              busyWait(BUSY);
              yield* sleep(0);
            },
            async () => {
              await sleep(0);
              busyWait(BUSY);
              await sleep(0);
            },
          ),
          { name: 'hog' },
        );
        ticking = false;
        await ticker;
        expect(stalls(seen).length).toBeGreaterThanOrEqual(1);
      }));
  }

  it('a slow async step that is the last work of a burst is reported', () =>
    runVirtual(async () => {
      const loop = getRunningLoop();
      loop.slowCallbackDuration = LIMIT;
      const seen = recordExceptions(undefined, true);
      await createTask(async () => {
        await sleep(1);
        busyWait(BUSY);
        await sleep(1);
      });
      expect(stalls(seen).length).toBeGreaterThanOrEqual(1);
    }));

  it('in fine mode a slow async continuation is named with its task', () =>
    runVirtual(async () => {
      const seen = await fineMode();
      const hog = createTask(
        async () => {
          await sleep(1);
          busyWait(BUSY);
          await sleep(1);
        },
        { name: 'async-hog' },
      );
      await hog;
      const named = stalls(seen).filter((c) => c.task === hog);
      expect(named.length).toBeGreaterThanOrEqual(1);
      expect(named[0]!.message).toMatch(/^Executing <Task pending name='async-hog'.*> took [\d.]+ ms$/);
    }));

  it('the next stall after one is named with its task, where it resumed from and where it suspended', () =>
    runVirtual(async () => {
      const seen = await fineMode();
      expect(stalls(seen).length).toBeGreaterThanOrEqual(1);
      // A recurring stall: the first report names the task; from then on fine mode records its
      // suspension points, so later reports say where the slow step resumed and suspended.
      const hog = createTask(
        function* () {
          for (let i = 0; i < 3; i++) {
            busyWait(BUSY);
            yield* sleep(1); // where each slow step ends, and the next one resumes
          }
        },
        { name: 'hog' },
      );
      await hog;
      const named = stalls(seen).filter((c) => c.task === hog);
      expect(named.length).toBeGreaterThanOrEqual(3);
      const r = named[2]!;
      expect(r.message).toMatch(/^Executing <Task pending name='hog'( wait_for=<[^>]*>)?> took \d+\.\d{3} ms$/);
      expect(r.durationMs as number).toBeGreaterThanOrEqual(BUSY - 1);
      expect(String(r.suspendedAt)).toMatch(/monitor\.test\.ts:\d+/);
      expect(String(r.resumedFrom)).toMatch(/monitor\.test\.ts:\d+/);
      expect(String(r.suspendedAt)).toContain('monitor.test.ts');
    }));

  it("in fine mode a slow eager first step counts as the step of the task that created it", () =>
    runVirtual(async () => {
      const seen = await fineMode();
      let child: unknown;
      const parent = createTask(
        function* () {
          // (The child ends in its eager step: a later step of its own, slowed by a loaded
          // machine past the 4 ms limit, would rightly be named after it.)
          child = createTask(
            function* () {
              busyWait(BUSY); // the eager step: inside the parent's step
            },
            { eagerStart: true, name: 'eager' },
          );
          yield* sleep(1);
        },
        { name: 'creator' },
      );
      await parent;
      const named = stalls(seen).filter((c) => c.task === parent || c.task === child);
      expect(named.length).toBeGreaterThanOrEqual(1);
      expect(named.every((c) => c.task === parent)).toBe(true);
    }));

  it('a stall of many async continuations names the first ten tasks and counts the rest, keeping none after', () =>
    runVirtual(async () => {
      const loop = getRunningLoop();
      const seen = await fineMode();
      const before = stalls(seen).length;
      const tasks = Array.from({ length: 15 }, (_, i) => createTask(async () => {}, { name: `cont-${i}` }));
      // As if all fifteen had resumed between two yields and their code had held the loop (the
      // window noted this task's own resumption already: forgotten first).
      loop._forgetResumed();
      for (const t of tasks) loop._noteResumed(t);
      loop._monitor.asyncTime(loop, 2 * LIMIT, 1);
      const r = stalls(seen).slice(before);
      expect(r.length).toBe(1);
      const names = tasks.slice(0, 10).map((t) => t.getName()).join(', ');
      expect(r[0]!.message).toBe(`Executing the async continuations of ${names} … and 5 more took ${(2 * LIMIT).toFixed(3)} ms`);
      const listed = r[0]!.tasks as unknown[];
      expect(listed.length).toBe(10);
      expect(listed.every((t, i) => t === tasks[i])).toBe(true);
      expect(loop._resumedCount).toBe(0);
      // A window under the limit forgets its tasks too, and reports nothing.
      loop._noteResumed(tasks[0]!);
      loop._monitor.asyncTime(loop, LIMIT / 2, 1);
      expect(stalls(seen).length).toBe(before + 1);
      expect(loop._resumedCount).toBe(0);
      await Promise.all(tasks);
    }));

  it('a fast loop reports no stall', () =>
    runVirtual(async () => {
      const loop = getRunningLoop();
      const seen = recordExceptions(undefined, true);
      for (let i = 0; i < 20; i++) await sleep(10);
      expect(stalls(seen)).toEqual([]);
      expect(loop.lagStats().stalls).toBe(0);
    }));
});

describe('garbage collection', () => {
  it('a stall that a GC pause explains is not reported (a busy callback as long is)', async () => {
    // A forced full collection of a large live heap, timed, inside one callback; the limit is set
    // below what it took, so only the GC pauses Node delivers can clear it.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const live = Array.from({ length: 600_000 }, (_, i) => ({ i, s: String(i) }));
    await runVirtual(async () => {
      const loop = getRunningLoop();
      const seen = recordExceptions(undefined, true);
      let took = 0;
      loop.callSoon(() => {
        const t0 = performance.now();
        gc();
        took = performance.now() - t0;
        loop.slowCallbackDuration = Math.max(1, took * 0.5); // the rest of the window may be preemption
      });
      await passes(3);
      await new Promise<void>((resolve) => setImmediate(resolve)); // the host turn that confirms
      await passes(3);
      expect(took).toBeGreaterThan(0);
      expect(stalls(seen)).toEqual([]);
      expect(loop.lagStats().stalls).toBe(0);
      // The same time spent by a callback is reported, with the limit unchanged.
      loop.callSoon(() => busyWait(took));
      await passes(3);
      await new Promise<void>((resolve) => setImmediate(resolve));
      expect(stalls(seen).length).toBeGreaterThanOrEqual(1);
    });
    expect(live.length).toBe(600_000);
  });
});

describe('lagStats', () => {
  it('counts bursts, and max, p99 and mean are consistent', () =>
    runVirtual(async () => {
      const loop = getRunningLoop();
      const before = loop.lagStats();
      for (let i = 0; i < 10; i++) await sleep(1000); // each sleep: the loop goes idle, a new burst
      const s = loop.lagStats();
      expect(s.count).toBeGreaterThanOrEqual(before.count + 10);
      expect(s.max).toBeGreaterThanOrEqual(s.p99);
      expect(s.p99).toBeGreaterThanOrEqual(0);
      expect(s.mean).toBeGreaterThanOrEqual(0);
      expect(s.mean).toBeLessThanOrEqual(s.max);
      expect(Object.keys(s).sort()).toEqual(['count', 'max', 'mean', 'p99', 'stalls']);
    }));

  it('records a stall as a long burst: max covers it, and stalls counts the reports', () =>
    runVirtual(async () => {
      const loop = getRunningLoop();
      loop.slowCallbackDuration = LIMIT;
      const seen = recordExceptions(undefined, true);
      loop.callSoon(() => busyWait(BUSY));
      await passes(3);
      await sleep(1000);
      const s = loop.lagStats();
      expect(s.max).toBeGreaterThanOrEqual(BUSY - 1);
      expect(s.stalls).toBe(stalls(seen).length);
      expect(s.stalls).toBeGreaterThanOrEqual(1);
    }));

  it('is all zeros on a loop that never ran', async () => {
    const { newEventLoop } = await import('tulip');
    const loop = newEventLoop();
    expect(loop.lagStats()).toEqual({ count: 0, max: 0, p99: 0, mean: 0, stalls: 0 });
    loop.close();
  });
});
