// Reliability of Semaphore and BoundedSemaphore: random programs of 2–8 tasks with random
// cancellations in both coroutine styles (concurrent holders never exceed the value, FIFO grants,
// the value is restored, over-release refused); plus deterministic cancel/wake races.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BoundedSemaphore,
  Event,
  Semaphore,
  TimeoutError,
  createTask,
  gather,
  isCancelledError,
  sleep,
  waitFor,
  WouldBlockError,
} from 'tulip';
import { assertCancelled, passes, runVirtual, syncError } from '../support.js';
import { holdOpArb, holdProgram } from './holding.js';
import {
  HoldModel,
  STYLES,
  aw,
  body,
  cancelsArb,
  expectCleanEnd,
  fcOptions,
  foreignGate,
  nap,
  playBursts,
  programsArb,
  runScenario,
  stylesArb,
} from './harness.js';

describe('Semaphore under random programs', () => {
  for (const bounded of [false, true]) {
    const name = bounded ? 'BoundedSemaphore' : 'Semaphore';
    for (const style of [...STYLES, 'mixed'] as const) {
      it(`${name}: at most value holders at once, FIFO grants, the value restored at the end (${style})`, async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.integer({ min: 1, max: 3 }),
            programsArb(holdOpArb(bounded)).chain((progs) =>
              fc.tuple(fc.constant(progs), stylesArb(progs.length, style), cancelsArb(3)),
            ),
            async (value, [progs, styles, cancels]) => {
              const sem = bounded ? new BoundedSemaphore(value) : new Semaphore(value);
              const m = new HoldModel(value, () => sem.locked());
              const over = (): string | null => {
                if (sem.statistics().value !== value) return null; // someone holds a unit
                const e = syncError(() => sem.release());
                if (!(e instanceof RangeError)) return `over-release threw ${String(e)}`;
                if (sem.statistics().value !== value) return `over-release changed the value to ${sem.statistics().value}`;
                return null;
              };
              const r = await runScenario({
                bodies: progs.map((ops, i) => body(styles[i]!, () => holdProgram(styles[i]!, i, ops, sem, m, over))),
                cancels,
                finale: () => {
                  // Exactly `value` units are free, and nobody is hidden in the queue.
                  for (let k = 0; k < value; k++) sem.acquireNowait();
                  const e = syncError(() => sem.acquireNowait());
                  for (let k = 0; k < value; k++) sem.release();
                  return e;
                },
              });
              expectCleanEnd(r);
              expect(m.violations).toEqual([]);
              expect(m.holders.size).toBe(0);
              expect(m.maxHolders).toBeLessThanOrEqual(value);
              // Grants are recorded when the task resumes. With one unit that is the order the
              // units were handed out in; with several, an async task's resumption (microtasks)
              // may come after a generator task's that got its unit later: compare the generator
              // style only.
              if (value === 1 || style === 'generator') m.expectFifo();
              expect(r.finale).toBeInstanceOf(WouldBlockError);
              expect(sem.statistics()).toEqual({ value, tasksWaiting: 0 });
              expect(sem.locked()).toBe(false);
              for (const o of r.outcomes) {
                if (o.error !== undefined) {
                  expect(isCancelledError(o.error), String(o.error)).toBe(true);
                  expect(o.cancelRequested).toBe(true);
                }
              }
            },
          ),
          fcOptions(70),
        );
      });
    }
  }

  it('Semaphore(value) with n waiters cancelled at random before k releases wakes exactly min(k, live) of them, in order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 0, max: 8 }),
        fc.constantFrom(...STYLES),
        async (_unused, cancelled, k, style) =>
          runVirtual(async () => {
            const sem = new Semaphore(0);
            const woke: number[] = [];
            const ts = cancelled.map((_, i) =>
              createTask(
                body(style, function* () {
                  yield* aw(style, sem.acquire());
                  woke.push(i);
                }),
              ),
            );
            await passes(2);
            cancelled.forEach((c, i) => c && ts[i]!.cancel());
            for (let j = 0; j < k; j++) sem.release();
            await passes(4);
            const live = cancelled.flatMap((c, i) => (c ? [] : [i]));
            expect(woke).toEqual(live.slice(0, k));
            expect(sem.statistics()).toEqual({
              value: Math.max(0, k - live.length),
              tasksWaiting: Math.max(0, live.length - k),
            });
            for (const t of ts) t.cancel();
            await gather(ts, { returnExceptions: true });
          }),
      ),
      fcOptions(100),
    );
  });
});

type SemRace = { k: 'release' } | { k: 'cancel'; i: number } | { k: 'barge' } | { k: 'pass' };
const semRaceArb: fc.Arbitrary<SemRace[]> = fc.array(
  fc.oneof(
    { weight: 3, arbitrary: fc.constant({ k: 'release' as const }) },
    { weight: 3, arbitrary: fc.record({ k: fc.constant('cancel' as const), i: fc.nat({ max: 7 }) }) },
    { weight: 1, arbitrary: fc.constant({ k: 'barge' as const }) },
    { weight: 2, arbitrary: fc.constant({ k: 'pass' as const }) },
  ),
  { maxLength: 14 },
);

describe('Semaphore wake/cancel races (random bursts in one pass)', () => {
  it('waiters woken by release() and cancelled in the same passes: no unit is lost or made up, and nobody waits while a unit is free', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.constantFrom(...STYLES), { minLength: 1, maxLength: 6 }),
        semRaceArb,
        async (value, styles, actions) =>
          runVirtual(async () => {
            const sem = new BoundedSemaphore(value);
            for (let k = 0; k < value; k++) await sem.acquire();
            let mainHolds = value;
            let holders = 0;
            let maxHolders = 0;
            const ts = styles.map((style) =>
              createTask(
                body(style, function* () {
                  yield* aw(style, sem.acquire());
                  holders++;
                  maxHolders = Math.max(maxHolders, holders + mainHolds);
                  try {
                    yield* nap(style, 0);
                  } finally {
                    holders--;
                    sem.release();
                  }
                }),
              ),
            );
            await passes(2);
            await playBursts(actions, (a) => {
              if (a.k === 'release' && mainHolds > 0) {
                mainHolds--;
                sem.release();
              } else if (a.k === 'cancel') {
                ts[a.i % ts.length]!.cancel();
              } else if (a.k === 'barge') {
                try {
                  sem.acquireNowait();
                  mainHolds++;
                  maxHolders = Math.max(maxHolders, holders + mainHolds);
                } catch {
                  // no unit free, or waiters queued
                }
              }
            });
            await passes(20);
            expect(maxHolders).toBeLessThanOrEqual(value);
            const blocked = ts.filter((t) => !t.done()).length;
            expect(sem.statistics()).toEqual({ value: value - mainHolds, tasksWaiting: blocked });
            if (blocked > 0) expect(mainHolds).toBe(value); // a waiter blocked only while main holds every unit
            for (; mainHolds > 0; mainHolds--) sem.release();
            const rs = await gather(ts, { returnExceptions: true });
            for (const r of rs) if (r !== undefined) assertCancelled(r);
            expect(sem.statistics()).toEqual({ value, tasksWaiting: 0 });
          }),
      ),
      fcOptions(150),
    );
  });
});

describe('Semaphore cancel/wake races', () => {
  // ports test_locks.py::SemaphoreTests.test_acquire_fifo_order_4
  for (const style of STYLES) {
    it(`one task's three release() calls wake the three queued waiters; a task created by the first woken runs after them (${style})`, () =>
      runVirtual(async () => {
        const sem = new Semaphore(0);
        const result: number[] = [];
        let t4: ReturnType<typeof createTask> | null = null;
        const t1 = createTask(
          body(style, function* () {
            expect(sem.statistics().value).toBe(0);
            yield* aw(style, sem.acquire());
            expect(sem.statistics().value).toBe(0);
            t4 = createTask(
              body(style, function* () {
                result.push(4);
              }),
            );
            result.push(1);
          }),
        );
        const t2 = createTask(
          body(style, function* () {
            sem.release();
            sem.release();
            sem.release();
            expect(sem.statistics().value).toBe(2); // one unit went to t1, not resumed yet
            expect(sem.locked()).toBe(true);
            yield* aw(style, sem.acquire());
            result.push(2);
          }),
        );
        const t3 = createTask(
          body(style, function* () {
            yield* aw(style, sem.acquire());
            expect(sem.locked()).toBe(true);
            result.push(3);
          }),
        );
        await passes(1);
        await gather([t1, t2, t3]);
        await t4!;
        expect(result).toEqual([1, 2, 3, 4]);
      }));

    it(`a waitFor(acquire) timing out in the pass a release() woke it gives the unit to the next waiter (${style})`, () =>
      runVirtual(async () => {
        const sem = new Semaphore(0);
        const got: string[] = [];
        const a = createTask(
          body(style, function* () {
            try {
              yield* aw(style, waitFor(sem.acquire(), 5));
              got.push('a');
              sem.release();
            } catch (e) {
              expect(e).toBeInstanceOf(TimeoutError);
            }
          }),
        );
        const b = createTask(
          body(style, function* () {
            yield* aw(style, sem.acquire());
            got.push('b');
            sem.release();
          }),
        );
        await sleep(5); // a's timer is due in this pass too
        sem.release();
        await gather([a, b]);
        expect(got).toContain('b');
        expect(sem.statistics()).toEqual({ value: 1, tasksWaiting: 0 });
      }));

    it(`a Semaphore.run cancelled while waiting never runs its body and takes no unit (${style})`, () =>
      runVirtual(async () => {
        const sem = new Semaphore(1);
        await sem.acquire();
        let ran = false;
        const a = createTask(
          body(style, function* () {
            yield* aw(
              style,
              sem.run(
                body(style, function* () {
                  ran = true;
                  yield* nap(style, 0);
                }) as () => Promise<void>,
              ),
            );
          }),
        );
        await passes(2);
        sem.release(); // wakes a …
        a.cancel(); // … cancelled before it resumes
        assertCancelled((await gather([a], { returnExceptions: true }))[0]);
        expect(ran).toBe(false);
        expect(sem.statistics()).toEqual({ value: 1, tasksWaiting: 0 });
      }));
  }

  // Found by the random programs (async style): see the two Lock tests of the same name.
  it('an async task cancelled between acquire() of a free unit and its await does not lose the unit', () =>
    runVirtual(async () => {
      const sem = new Semaphore(1);
      const go = new Event();
      const a = createTask(async () => {
        await go.wait();
        await sem.acquire();
        try {
          await sleep(10);
        } finally {
          sem.release();
        }
      });
      const b = createTask(async () => {
        await go.wait();
        a.cancel();
      });
      await passes(1);
      go.set();
      const [ra] = await gather([a, b], { returnExceptions: true });
      assertCancelled(ra);
      expect(sem.statistics()).toEqual({ value: 1, tasksWaiting: 0 });
    }));

  it('an async task cancelled before its blocked acquire() is first awaited, after a unit came free, does not lose the unit', () =>
    runVirtual(async () => {
      const sem = new Semaphore(1);
      await sem.acquire();
      const go = new Event();
      const a = createTask(async () => {
        await go.wait();
        await sem.acquire();
        try {
          await sleep(10);
        } finally {
          sem.release();
        }
      });
      const b = createTask(async () => {
        await go.wait();
        sem.release();
        a.cancel();
      });
      await passes(1);
      go.set();
      const [ra] = await gather([a, b], { returnExceptions: true });
      assertCancelled(ra);
      expect(sem.statistics()).toEqual({ value: 1, tasksWaiting: 0 });
    }));

  it('an async task cancelled while awaiting a foreign promise, then acquiring a free unit, does not lose the unit', () =>
    runVirtual(async () => {
      const sem = new BoundedSemaphore(2);
      const io = foreignGate();
      const a = createTask(async () => {
        await io.promise;
        await sem.acquire();
        try {
          await sleep(10);
        } finally {
          sem.release();
        }
      });
      await passes(1);
      io.open();
      a.cancel();
      assertCancelled((await gather([a], { returnExceptions: true }))[0]);
      expect(sem.statistics()).toEqual({ value: 2, tasksWaiting: 0 });
    }));
});
