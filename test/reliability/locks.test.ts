// Reliability of Lock: random programs of 2–8 tasks (acquire/release, Lock.run with return and
// throw, waitFor(acquire, t), timeout scopes, acquireNowait, sleeps) with random cancellations,
// in both coroutine styles, under virtual time; plus deterministic cancel/wake races.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Event,
  Lock,
  createTask,
  gather,
  getRunningLoop,
  isCancelledError,
  sleep,
  waitFor,
} from 'tulip';
import { assertCancelled, passes, passesG, runVirtual } from '../support.js';
import { holdOpArb, holdProgram } from './holding.js';
import {
  STYLES,
  aw,
  body,
  cancelsArb,
  expectCleanEnd,
  HoldModel,
  fcOptions,
  foreignGate,
  nap,
  playBursts,
  programsArb,
  runScenario,
  scoped,
  stylesArb,
} from './harness.js';

// ---- properties -------------------------------------------------------------------------------

describe('Lock under random programs', () => {
  for (const style of [...STYLES, 'mixed'] as const) {
    it(`is held by one task at a time, granted in arrival order, and ends free with no waiter (${style})`, async () => {
      await fc.assert(
        fc.asyncProperty(
          programsArb(holdOpArb()).chain((progs) =>
            fc.tuple(fc.constant(progs), stylesArb(progs.length, style), cancelsArb(3)),
          ),
          async ([progs, styles, cancels]) => {
            const lock = new Lock();
            const m = new HoldModel(1, () => lock.locked());
            const r = await runScenario({
              bodies: progs.map((ops, i) => body(styles[i]!, () => holdProgram(styles[i]!, i, ops, lock, m))),
              cancels,
              finale: () => {
                // Nobody is hidden in the queue: a fresh acquireNowait() succeeds.
                lock.acquireNowait();
                lock.release();
              },
            });
            expectCleanEnd(r);
            expect(m.violations).toEqual([]);
            expect(m.holders.size).toBe(0);
            m.expectFifo();
            expect(lock.statistics()).toEqual({ locked: false, tasksWaiting: 0 });
            for (const o of r.outcomes) {
              // The only errors a program lets out are the cancellations it was sent.
              if (o.error !== undefined) {
                expect(isCancelledError(o.error), String(o.error)).toBe(true);
                expect(o.cancelRequested).toBe(true);
              }
            }
          },
        ),
        fcOptions(100),
      );
    });
  }
});

type LockRace = { k: 'release' } | { k: 'cancel'; i: number } | { k: 'barge' } | { k: 'pass' };
const lockRaceArb: fc.Arbitrary<LockRace[]> = fc.array(
  fc.oneof(
    { weight: 2, arbitrary: fc.constant({ k: 'release' as const }) },
    { weight: 3, arbitrary: fc.record({ k: fc.constant('cancel' as const), i: fc.nat({ max: 7 }) }) },
    { weight: 1, arbitrary: fc.constant({ k: 'barge' as const }) },
    { weight: 2, arbitrary: fc.constant({ k: 'pass' as const }) },
  ),
  { maxLength: 14 },
);

describe('Lock wake/cancel races (random bursts in one pass)', () => {
  it('waiters woken by release() and cancelled in the same passes: the lock is never lost or shared, FIFO holds, and nobody waits on a free lock', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...STYLES), { minLength: 1, maxLength: 6 }), lockRaceArb, async (styles, actions) =>
        runVirtual(async () => {
          const lock = new Lock();
          await lock.acquire(); // main holds it
          let mainHolds = true;
          let holder: number | null = null;
          const violations: string[] = [];
          const order: number[] = [];
          const ts = styles.map((style, i) =>
            createTask(
              body(style, function* () {
                yield* aw(style, lock.acquire());
                if (mainHolds || holder !== null) violations.push(`${i} got the lock held by ${mainHolds ? 'main' : holder}`);
                holder = i;
                order.push(i);
                try {
                  yield* nap(style, 0);
                } finally {
                  holder = null;
                  lock.release();
                }
              }),
            ),
          );
          await passes(2);
          await playBursts(actions, (a) => {
            if (a.k === 'release' && mainHolds) {
              mainHolds = false;
              lock.release();
            } else if (a.k === 'cancel') {
              ts[a.i % ts.length]!.cancel();
            } else if (a.k === 'barge' && !mainHolds) {
              // acquireNowait succeeds only on a free lock nobody waits for
              try {
                lock.acquireNowait();
                if (holder !== null) violations.push(`main barged in while ${holder} holds`);
                mainHolds = true;
              } catch {
                // held, or promised to a woken waiter
              }
            }
          });
          await passes(20);
          expect(violations).toEqual([]);
          // In arrival order (they all queued in creation order).
          expect(order).toEqual([...order].sort((x, y) => x - y));
          const blocked = ts.filter((t) => !t.done()).length;
          if (!mainHolds) {
            expect(blocked).toBe(0);
            expect(lock.statistics()).toEqual({ locked: false, tasksWaiting: 0 });
          } else {
            expect(lock.statistics()).toEqual({ locked: true, tasksWaiting: blocked });
            lock.release();
          }
          const rs = await gather(ts, { returnExceptions: true });
          rs.forEach((r, i) => {
            if (r !== undefined) assertCancelled(r);
            else expect(order).toContain(i);
          });
          expect(lock.statistics()).toEqual({ locked: false, tasksWaiting: 0 });
        }),
      ),
      fcOptions(150),
    );
  });
});

// ---- deterministic races ------------------------------------------------------------------------

describe('Lock cancel/wake races', () => {
  for (const style of STYLES) {
    it(`a waitFor(acquire) timing out in the pass the lock is released to it passes the lock to the next waiter (${style})`, () =>
      runVirtual(async () => {
        const lock = new Lock();
        await lock.acquire();
        const order: string[] = [];
        const a = createTask(
          body(style, function* () {
            try {
              yield* aw(style, waitFor(lock.acquire(), 5));
              order.push('a');
              lock.release();
            } catch (e) {
              order.push(`a:${(e as Error).name}`);
            }
          }),
        );
        const b = createTask(
          body(style, function* () {
            yield* aw(style, lock.acquire());
            order.push('b');
            lock.release();
          }),
        );
        // Release in the same pass as a's timer fires (t = 5).
        getRunningLoop().callAt(getRunningLoop().time() + 5, () => lock.release());
        await gather([a, b]);
        expect(order.length).toBe(2);
        expect(order).toContain('b');
        expect(lock.statistics()).toEqual({ locked: false, tasksWaiting: 0 });
      }));

    it(`a task cancelled in the pass after its release() woke the next waiter leaves the lock to it (${style})`, () =>
      runVirtual(async () => {
        const lock = new Lock();
        const got: string[] = [];
        const a = createTask(
          body(style, function* () {
            yield* aw(style, lock.acquire());
            try {
              yield* nap(style, 1);
            } finally {
              lock.release();
            }
            yield* nap(style, 10);
          }),
        );
        await passes(1);
        const b = createTask(
          body(style, function* () {
            yield* aw(style, lock.acquire());
            got.push('b');
            lock.release();
          }),
        );
        await sleep(1); // a releases now; cancel it in the pass b resumes
        a.cancel();
        await gather([a, b], { returnExceptions: true });
        expect(got).toEqual(['b']);
        expect(lock.locked()).toBe(false);
      }));

    it(`Lock.run cancelled while its body holds the lock runs the body's finally, then releases to the next waiter (${style})`, () =>
      runVirtual(async () => {
        const lock = new Lock();
        const events: string[] = [];
        const a = createTask(
          body(style, function* () {
            yield* aw(
              style,
              lock.run(
                scoped(style, function* () {
                  try {
                    yield* nap(style, 100);
                  } finally {
                    events.push(`finally locked=${lock.locked()}`);
                  }
                }),
              ),
            );
          }),
        );
        const b = createTask(
          body(style, function* () {
            yield* aw(style, lock.acquire());
            events.push('b');
            lock.release();
          }),
        );
        await passes(2);
        a.cancel();
        const [ra] = await gather([a, b], { returnExceptions: true });
        assertCancelled(ra);
        expect(events).toEqual(['finally locked=true', 'b']);
        expect(lock.statistics()).toEqual({ locked: false, tasksWaiting: 0 });
      }));

    it(`three waiters, the first two cancelled in the pass of release(): the third gets the lock (${style})`, () =>
      runVirtual(async () => {
        const lock = new Lock();
        await lock.acquire();
        const got: number[] = [];
        const ts = [0, 1, 2].map((i) =>
          createTask(
            body(style, function* () {
              yield* aw(style, lock.acquire());
              got.push(i);
              lock.release();
            }),
          ),
        );
        await passes(2);
        expect(lock.statistics().tasksWaiting).toBe(3);
        lock.release(); // wakes ts[0]
        ts[0]!.cancel(); // woken, then cancelled: passes it on to ts[1] …
        ts[1]!.cancel(); // … which is cancelled while parked
        const rs = await gather(ts, { returnExceptions: true });
        assertCancelled(rs[0]);
        assertCancelled(rs[1]);
        expect(got).toEqual([2]);
        expect(lock.statistics()).toEqual({ locked: false, tasksWaiting: 0 });
      }));

    it(`an acquire() handed to gather() and cancelled with it takes no lock (${style})`, () =>
      runVirtual(async () => {
        const lock = new Lock();
        await lock.acquire();
        const t = createTask(
          body(style, function* () {
            yield* aw(style, gather([lock.acquire(), sleep(1)]));
          }),
        );
        await passes(2);
        expect(lock.statistics().tasksWaiting).toBe(1);
        lock.release();
        t.cancel();
        assertCancelled((await gather([t], { returnExceptions: true }))[0]);
        await passes(3);
        expect(lock.statistics()).toEqual({ locked: false, tasksWaiting: 0 });
      }));
  }

  // Found by the random programs (async style): an async task's `await` reads its future one
  // microtask after the call (`await` calls a thenable's then() in a job). If another async task
  // resumed in the same pass cancels it in that gap, the await throws CancelledError — but the
  // call has already taken the lock (fast path), or the first use takes it (a blocked acquire()
  // that finds the lock free when first awaited). asyncio's `await lock.acquire()` does not
  // suspend there, so the cancel lands at the next real wait, inside the caller's try/finally.
  // (These two failed at e97c89e; since 67d5c4b an async continuation runs to its next wait
  // before any other code of the pass, which closes this gap. The foreign-promise test below
  // still opens it.)
  it('an async task cancelled between acquire() of a free lock and its await does not lose the lock', () =>
    runVirtual(async () => {
      const lock = new Lock();
      const go = new Event();
      const a = createTask(async () => {
        await go.wait();
        await lock.acquire(); // free: taken at the call
        try {
          await sleep(10);
        } finally {
          lock.release();
        }
      });
      const b = createTask(async () => {
        await go.wait();
        a.cancel(); // runs in the microtask gap of a's `await`
      });
      await passes(1);
      go.set();
      const [ra] = await gather([a, b], { returnExceptions: true });
      assertCancelled(ra);
      expect(lock.statistics()).toEqual({ locked: false, tasksWaiting: 0 });
    }));

  it('an async task cancelled before its blocked acquire() is first awaited, after the lock came free, does not lose the lock', () =>
    runVirtual(async () => {
      const lock = new Lock();
      await lock.acquire();
      const go = new Event();
      const a = createTask(async () => {
        await go.wait();
        await lock.acquire(); // held: a blocked acquire, which joins the queue when first awaited
        try {
          await sleep(10);
        } finally {
          lock.release();
        }
      });
      const b = createTask(async () => {
        await go.wait();
        lock.release(); // in a's microtask gap: the lock is free when a's await first uses the future
        a.cancel();
      });
      await passes(1);
      go.set();
      const [ra] = await gather([a, b], { returnExceptions: true });
      assertCancelled(ra);
      expect(lock.statistics()).toEqual({ locked: false, tasksWaiting: 0 });
    }));

  // The same race without any scheduling luck: a task cancelled while it awaits a foreign promise
  // gets the cancel "at its next runtime await" — here `await lock.acquire()` of a free lock,
  // which took the lock at the call. The CancelledError comes out of that await, before the
  // caller's try/finally, so nobody ever releases the lock. (asyncio never raises at an await
  // that does not suspend; the cancel belongs at the next real wait, inside the try.)
  it('an async task cancelled while awaiting a foreign promise, then acquiring a free lock, does not lose the lock', () =>
    runVirtual(async () => {
      const lock = new Lock();
      const io = foreignGate();
      const a = createTask(async () => {
        await io.promise; // a foreign promise: the cancel waits for the next tulip await
        await lock.acquire();
        try {
          await sleep(10);
        } finally {
          lock.release();
        }
      });
      await passes(1);
      io.open();
      a.cancel();
      assertCancelled((await gather([a], { returnExceptions: true }))[0]);
      expect(lock.statistics()).toEqual({ locked: false, tasksWaiting: 0 });
    }));

  it('a generator task cancelled between the wake-up and its resumption holds nothing (exact passes)', () =>
    runVirtual(function* () {
      const lock = new Lock();
      yield* lock.acquire();
      const a = createTask(function* () {
        yield* lock.acquire();
        return 'a';
      });
      const b = createTask(function* () {
        yield* lock.acquire();
        lock.release();
        return 'b';
      });
      yield* passesG(1);
      lock.release();
      yield* passesG(0);
      a.cancel(); // woken in this pass, not resumed yet
      const [ra, rb] = yield* gather([a, b], { returnExceptions: true });
      assertCancelled(ra);
      expect(rb).toBe('b');
      expect(lock.locked()).toBe(false);
    }));
});
