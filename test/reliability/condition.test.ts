// Reliability of Condition: random producer/consumer programs with random cancellations and
// timeouts, in both coroutine styles (wait() always re-acquires the lock, even when cancelled;
// the lock is held by one task at a time; no notification is lost to a cancelled waiter); a
// property for notify(n); and the CPython 3.13 cancel/wake races (test_cancelled_wakeup,
// test_cancelled_wakeup_relock) in both styles.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Condition,
  Lock,
  TimeoutError,
  createTask,
  gather,
  isCancelledError,
  sleep,
  timeout,
  waitFor,
} from 'tulip';
import { assertCancelled, passes, runVirtual } from '../support.js';
import {
  STYLES,
  aw,
  body,
  cancelsArb,
  expectNothingReported,
  fcOptions,
  io,
  nap,
  playBursts,
  programsArb,
  runScenario,
  scoped,
  stylesArb,
  type Prog,
  type Style,
} from './harness.js';

type CondOp =
  | { k: 'produce'; notify: 1 | 2 | 'all' }
  | { k: 'consume'; t: number | null }
  /** consume with acquire()/release() and a `while (!pred) await wait()` loop. */
  | { k: 'manual' }
  | { k: 'hold'; d: number }
  | { k: 'sleep'; d: number }
  | { k: 'io'; d: number };

const condOpArb: fc.Arbitrary<CondOp> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ k: fc.constant('produce' as const), notify: fc.constantFrom<1 | 2 | 'all'>(1, 1, 2, 'all') }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant('consume' as const), t: fc.option(fc.integer({ min: 0, max: 4 }), { nil: null }) }) },
  { weight: 2, arbitrary: fc.constant({ k: 'manual' as const }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('hold' as const), d: fc.integer({ min: 0, max: 2 }) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('sleep' as const), d: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('io' as const), d: fc.integer({ min: 0, max: 3 }) }) },
);

/** The shared state the condition protects, and the checks of who holds its lock. */
class CondModel {
  tokens = 0;
  produced = 0;
  consumed = 0;
  holder: string | null = null;
  readonly violations: string[] = [];
  constructor(private readonly cond: Condition) {}

  /** The task `id` now holds the lock (after acquire, or after wait() returned or threw). */
  enter(id: string, where: string): void {
    if (!this.cond.locked()) this.violations.push(`${id} ${where}: the lock is not held`);
    if (this.holder !== null) this.violations.push(`${id} ${where}: ${this.holder} holds the lock too`);
    this.holder = id;
  }

  exit(id: string): void {
    if (this.holder === id) this.holder = null;
  }
}

function* condProgram(style: Style, me: number, ops: CondOp[], cond: Condition, m: CondModel): Prog<void> {
  for (let j = 0; j < ops.length; j++) {
    const op = ops[j]!;
    const id = `${me}.${j}`;
    switch (op.k) {
      case 'produce':
        yield* aw(
          style,
          cond.run(
            scoped(style, function* () {
              m.enter(id, 'produce');
              m.tokens++;
              m.produced++;
              if (op.notify === 'all') cond.notifyAll();
              else cond.notify(op.notify);
              m.exit(id);
            }),
          ),
        );
        break;
      case 'consume':
        try {
          yield* aw(
            style,
            cond.run(
              scoped(style, function* () {
                m.enter(id, 'consume');
                m.exit(id);
                try {
                  const w = cond.waitFor(() => m.tokens > 0);
                  yield* aw(style, op.t === null ? w : waitFor(w, op.t));
                } catch (e) {
                  m.enter(id, `after wait() threw ${(e as Error).name}`);
                  m.exit(id);
                  throw e;
                }
                m.enter(id, 'after wait()');
                if (m.tokens <= 0) m.violations.push(`${id} woke with the predicate false`);
                m.tokens--;
                m.consumed++;
                m.exit(id);
              }),
            ),
          );
        } catch (e) {
          if (!(e instanceof TimeoutError)) throw e;
        }
        break;
      case 'manual': {
        yield* aw(style, cond.acquire());
        m.enter(id, 'manual acquire');
        try {
          while (m.tokens <= 0) {
            m.exit(id);
            try {
              yield* aw(style, cond.wait());
            } finally {
              m.enter(id, 'after manual wait()');
            }
          }
          m.tokens--;
          m.consumed++;
        } finally {
          m.exit(id);
          cond.release();
        }
        break;
      }
      case 'hold':
        yield* aw(
          style,
          cond.run(
            scoped(style, function* () {
              m.enter(id, 'hold');
              try {
                yield* nap(style, op.d);
              } finally {
                m.exit(id);
              }
            }),
          ),
        );
        break;
      case 'sleep':
        yield* nap(style, op.d);
        break;
      case 'io':
        yield* io(style, op.d);
        break;
    }
  }
}

describe('Condition under random producer/consumer programs', () => {
  for (const style of [...STYLES, 'mixed'] as const) {
    it(`wait() always returns holding the lock, one holder at a time, and no consumer starves while tokens remain (${style})`, async () => {
      await fc.assert(
        fc.asyncProperty(
          programsArb(condOpArb).chain((progs) => fc.tuple(fc.constant(progs), stylesArb(progs.length, style), cancelsArb(3))),
          fc.boolean(),
          async ([progs, styles, cancels], sharedLock) => {
            const cond = sharedLock ? new Condition(new Lock()) : new Condition();
            const m = new CondModel(cond);
            let tokensAtLimit = -1;
            const r = await runScenario({
              bodies: progs.map((ops, i) => body(styles[i]!, () => condProgram(styles[i]!, i, ops, cond, m))),
              cancels,
              finale: () => {
                tokensAtLimit = m.tokens;
              },
            });
            expectNothingReported(r);
            expect(m.violations).toEqual([]);
            expect(m.holder).toBe(null);
            expect(m.tokens).toBe(m.produced - m.consumed);
            // A task still blocked at the limit is a consumer waiting while no token is left (a
            // consumer left waiting with a token there lost a notification).
            if (r.stuck.length > 0) expect(tokensAtLimit).toBe(0);
            expect(cond.locked()).toBe(false);
            expect(cond.statistics()).toEqual({ tasksWaiting: 0, lockStatistics: { locked: false, tasksWaiting: 0 } });
            for (const o of r.outcomes) {
              if (o.error !== undefined) {
                expect(isCancelledError(o.error), String(o.error)).toBe(true);
                expect(o.cancelRequested || o.stuck).toBe(true);
              }
            }
          },
        ),
        fcOptions(80),
      );
    });
  }

  it('notify(n) wakes exactly min(n, blocked) waiters, the first ones in order; a cancelled waiter wakes at most one other', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 0, max: 9 }),
        fc.constantFrom(...STYLES),
        async (cancelled, n, style) =>
          runVirtual(async () => {
            const cond = new Condition();
            const woke: number[] = [];
            const ts = cancelled.map((_, i) =>
              createTask(
                body(style, function* () {
                  yield* aw(
                    style,
                    cond.run(
                      scoped(style, function* () {
                        yield* aw(style, cond.wait());
                        woke.push(i);
                      }),
                    ),
                  );
                }),
              ),
            );
            await passes(3);
            cancelled.forEach((c, i) => c && ts[i]!.cancel());
            await passes(30); // the cancelled ones re-acquire the lock one by one

            // A cancelled waiter notifies another one on its way out (asyncio's spurious wake-up,
            // in case it had been notified): those come first.
            const live = cancelled.flatMap((c, i) => (c ? [] : [i]));
            const spurious = woke.length;
            expect(spurious).toBeLessThanOrEqual(cancelled.filter(Boolean).length);
            expect(woke).toEqual(live.slice(0, spurious));
            const blocked = live.slice(spurious);
            expect(cond.statistics().tasksWaiting).toBe(blocked.length);
            await cond.run(() => cond.notify(n));
            await passes(30);
            expect(woke.slice(spurious)).toEqual(blocked.slice(0, n));
            expect(cond.statistics().tasksWaiting).toBe(Math.max(0, blocked.length - n));
            await cond.run(() => cond.notifyAll());
            await gather(ts, { returnExceptions: true });
            expect(woke.length).toBe(live.length);
            expect(cond.locked()).toBe(false);
          }),
      ),
      fcOptions(100),
    );
  });
});

type CondRace = { k: 'notify'; n: number } | { k: 'cancel'; i: number } | { k: 'pass' };
const condRaceArb: fc.Arbitrary<CondRace[]> = fc.array(
  fc.oneof(
    { weight: 3, arbitrary: fc.record({ k: fc.constant('notify' as const), n: fc.integer({ min: 1, max: 3 }) }) },
    { weight: 3, arbitrary: fc.record({ k: fc.constant('cancel' as const), i: fc.nat({ max: 7 }) }) },
    { weight: 2, arbitrary: fc.constant({ k: 'pass' as const }) },
  ),
  { maxLength: 14 },
);

describe('Condition wake/cancel races (random bursts in one pass)', () => {
  it('waiters notified and cancelled in the same passes: no notification is lost, wake-ups beyond them come only from cancelled waiters, the lock is never lost', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...STYLES), { minLength: 1, maxLength: 6 }), condRaceArb, async (styles, actions) =>
        runVirtual(async () => {
          const cond = new Condition();
          const woke: number[] = [];
          const violations: string[] = [];
          let holder: number | null = null;
          const ts = styles.map((style, i) =>
            createTask(
              body(style, function* () {
                yield* aw(
                  style,
                  cond.run(
                    scoped(style, function* () {
                      try {
                        yield* aw(style, cond.wait());
                      } finally {
                        if (!cond.locked()) violations.push(`${i} left wait() without the lock`);
                        if (holder !== null) violations.push(`${i} left wait() while ${holder} holds the lock`);
                      }
                      woke.push(i);
                      holder = i;
                      holder = null;
                    }),
                  ),
                );
              }),
            ),
          );
          await passes(3);
          let targeted = 0; // notification units that found a blocked waiter
          const cancelled = new Set<number>();
          await playBursts(actions, (a) => {
            if (a.k === 'notify') {
              if (cond.locked()) return; // a woken waiter holds it: no notify now
              cond.acquireNowait();
              targeted += Math.min(a.n, cond.statistics().tasksWaiting);
              cond.notify(a.n);
              cond.release();
            } else if (a.k === 'cancel') {
              const i = a.i % ts.length;
              if (!ts[i]!.done()) cancelled.add(i);
              ts[i]!.cancel();
            }
          });
          await passes(30);
          expect(violations).toEqual([]);
          const live = ts.length - cancelled.size;
          expect(woke.length).toBeGreaterThanOrEqual(Math.min(targeted, live));
          expect(woke.length).toBeLessThanOrEqual(targeted + cancelled.size);
          const blocked = ts.filter((t) => !t.done()).length;
          expect(cond.statistics()).toEqual({ tasksWaiting: blocked, lockStatistics: { locked: false, tasksWaiting: 0 } });
          await cond.run(() => cond.notifyAll());
          const rs = await gather(ts, { returnExceptions: true });
          for (const r of rs) if (r !== undefined) assertCancelled(r);
          expect(cond.locked()).toBe(false);
        }),
      ),
      fcOptions(150),
    );
  });
});

describe('Condition cancel/wake races', () => {
  for (const style of STYLES) {
    /** Two consumers of `state` (CPython's test_cancelled_wakeup*): consume until state < 0. */
    function consumers(cond: Condition, st: { state: number }) {
      return [0, 1].map(() =>
        createTask(
          body(style, function* () {
            yield* aw(
              style,
              cond.run(
                scoped(style, function* () {
                  for (;;) {
                    yield* aw(
                      style,
                      cond.waitFor(() => st.state !== 0),
                    );
                    if (st.state < 0) return;
                    st.state -= 1;
                  }
                }),
              ),
            );
          }),
        ),
      );
    }

    // ports test_locks.py::ConditionTests.test_cancelled_wakeup
    it(`a consumer cancelled right after notify(1) woke it passes the wake-up on: the item is consumed (${style})`, () =>
      runVirtual(async () => {
        const cond = new Condition();
        const st = { state: 0 };
        const c = consumers(cond, st);
        await passes(2);
        await cond.run(async () => {
          st.state += 1;
          cond.notify(1);
          c[0]!.cancel(); // while it waits to run
          try {
            await timeout(10).run(() => cond.waitFor(() => st.state === 0));
          } catch (e) {
            expect(e).toBeInstanceOf(TimeoutError);
          }
          expect(st.state).toBe(0);
          st.state = -1;
          cond.notifyAll();
        });
        const [r0, r1] = await gather(c, { returnExceptions: true });
        expect(isCancelledError(r0)).toBe(true);
        expect(r1).toBe(undefined);
        expect(cond.locked()).toBe(false);
      }));

    // ports test_locks.py::ConditionTests.test_cancelled_wakeup_relock
    it(`a consumer cancelled while it re-acquires the lock after notify(1) passes the wake-up on (${style})`, () =>
      runVirtual(async () => {
        const cond = new Condition();
        const st = { state: 0 };
        const c = consumers(cond, st);
        await passes(2);
        await cond.run(async () => {
          st.state += 1;
          cond.notify(1);
          await passes(1); // the woken consumer now waits for the lock
          c[0]!.cancel();
          try {
            await timeout(10).run(() => cond.waitFor(() => st.state === 0));
          } catch (e) {
            expect(e).toBeInstanceOf(TimeoutError);
          }
          expect(st.state).toBe(0);
          st.state = -1;
          cond.notifyAll();
        });
        const [r0, r1] = await gather(c, { returnExceptions: true });
        expect(isCancelledError(r0)).toBe(true);
        expect(r1).toBe(undefined);
        expect(cond.locked()).toBe(false);
      }));

    it(`a wait() timed out by waitFor in the pass it was notified hands the notification to the other waiter (${style})`, () =>
      runVirtual(async () => {
        const cond = new Condition();
        const woke: string[] = [];
        const at5 = sleep(5); // its timer comes before a's timeout, also due at 5
        const mk = (name: string, t: number | null) =>
          createTask(
            body(style, function* () {
              yield* aw(
                style,
                cond.run(
                  scoped(style, function* () {
                    try {
                      yield* aw(style, t === null ? cond.wait() : waitFor(cond.wait(), t));
                      woke.push(name);
                    } catch (e) {
                      expect(cond.locked()).toBe(true); // re-acquired before the error
                      woke.push(`${name}:${(e as Error).name}`);
                    }
                  }),
                ),
              );
            }),
          );
        const a = mk('a', 5);
        const b = mk('b', null);
        await passes(3);
        await at5;
        cond.acquireNowait();
        cond.notify(1); // a is notified in the pass its timeout fires
        cond.release();
        await gather([a, b]);
        expect(woke).toContain('b');
        expect(cond.statistics().tasksWaiting).toBe(0);
      }));
  }
});
