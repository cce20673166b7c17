// Reliability of CapacityLimiter: random programs of 2–8 tasks borrowing tokens (run(body),
// acquire/release, waitFor(acquire, t), on behalf of shared borrower objects), raising
// totalTokens at run time, with random cancellations, in both coroutine styles: never more
// borrowers than tokens, the same borrower never holds two, no token is lost. Plus lowering
// totalTokens, and deterministic cancel/hand-over races.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CapacityLimiter,
  RuntimeError,
  TimeoutError,
  WouldBlockError,
  createTask,
  currentTask,
  gather,
  isCancelledError,
  sleep,
  waitFor,
} from 'tulip';
import { assertCancelled, passes, runVirtual, syncError } from '../support.js';
import {
  STYLES,
  aw,
  body,
  cancelsArb,
  expectNothingReported,
  fcOptions,
  foreignGate,
  hold,
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

type LOp =
  | { k: 'run'; hold: number; double: boolean }
  | { k: 'acq'; hold: number }
  | { k: 'waitFor'; t: number; hold: number }
  | { k: 'behalf'; who: number; hold: number }
  | { k: 'raise' }
  | { k: 'sleep'; d: number }
  | { k: 'io'; d: number };

const holdArb = fc.integer({ min: -1, max: 3 });
const lOpArb: fc.Arbitrary<LOp> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ k: fc.constant('run' as const), hold: holdArb, double: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('acq' as const), hold: holdArb }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('waitFor' as const), t: fc.integer({ min: 0, max: 4 }), hold: holdArb }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('behalf' as const), who: fc.nat({ max: 2 }), hold: holdArb }) },
  { weight: 1, arbitrary: fc.constant({ k: 'raise' as const }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('sleep' as const), d: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('io' as const), d: fc.integer({ min: 0, max: 3 }) }) },
);

const BORROWERS = ['job-a', 'job-b', 'job-c'];

class LimiterModel {
  readonly holders = new Set<unknown>();
  readonly violations: string[] = [];
  constructor(private readonly lim: CapacityLimiter) {}

  grant(who: unknown, id: string): void {
    if (this.holders.has(who)) this.violations.push(`${id}: ${String(who)} holds two tokens`);
    this.holders.add(who);
    // Tokens are only ever raised here: the bound is the current total.
    if (this.holders.size > this.lim.totalTokens) this.violations.push(`${id}: ${this.holders.size} holders of ${this.lim.totalTokens} tokens`);
    if (this.lim.borrowedTokens > this.lim.totalTokens) this.violations.push(`${id}: borrowedTokens ${this.lim.borrowedTokens} > ${this.lim.totalTokens}`);
  }

  leave(who: unknown): void {
    this.holders.delete(who);
  }

  private readonly _claims = new Map<unknown, number>();
  private readonly _epochs = new Map<unknown, number>();
  /** Tasks borrowing (waiting or holding) on behalf of `who` right now. */
  claims(who: unknown): number {
    return this._claims.get(who) ?? 0;
  }
  /** How many borrow attempts for `who` have started so far. */
  claimEpoch(who: unknown): number {
    return this._epochs.get(who) ?? 0;
  }
  claim(who: unknown, d: 1 | -1): void {
    this._claims.set(who, this.claims(who) + d);
    if (d > 0) this._epochs.set(who, this.claimEpoch(who) + 1);
  }
}

function* limiterProgram(style: Style, me: number, ops: LOp[], lim: CapacityLimiter, m: LimiterModel, self: () => unknown): Prog<void> {
  for (let j = 0; j < ops.length; j++) {
    const op = ops[j]!;
    const id = `${me}.${j}`;
    switch (op.k) {
      case 'run':
        yield* aw(
          style,
          lim.run(
            scoped(style, function* () {
              m.grant(self(), id);
              try {
                if (op.double && !(syncError(() => lim.acquire()) instanceof RuntimeError)) {
                  m.violations.push(`${id}: a second acquire() by the holder was not refused`);
                }
                yield* hold(style, op.hold);
              } finally {
                m.leave(self());
              }
            }),
          ),
        );
        break;
      case 'acq':
      case 'waitFor': {
        try {
          yield* aw(style, op.k === 'acq' ? lim.acquire() : waitFor(lim.acquire(), op.t));
        } catch (e) {
          if (e instanceof TimeoutError) break;
          throw e;
        }
        m.grant(self(), id);
        try {
          yield* hold(style, op.hold);
        } finally {
          m.leave(self());
          lim.release();
        }
        break;
      }
      case 'behalf': {
        const who = BORROWERS[op.who]!;
        const othersBefore = m.claims(who);
        const epoch = m.claimEpoch(who);
        m.claim(who, +1);
        try {
          try {
            yield* aw(style, lim.acquireOnBehalfOf(who));
          } catch (e) {
            // Refused: the borrower held a token when the call was made or when a token was
            // handed to this wait — so another task borrowed for it before or meanwhile.
            if (e instanceof RuntimeError) {
              if (othersBefore === 0 && m.claimEpoch(who) === epoch + 1 && m.claims(who) === 1) {
                m.violations.push(`${id}: RuntimeError for ${who}, whom nobody else borrowed for`);
              }
              break;
            }
            throw e;
          }
          m.grant(who, id);
          try {
            yield* hold(style, op.hold);
          } finally {
            m.leave(who);
            lim.releaseOnBehalfOf(who);
          }
        } finally {
          m.claim(who, -1);
        }
        break;
      }
      case 'raise':
        if (lim.totalTokens < 5) lim.totalTokens = lim.totalTokens + 1;
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

describe('CapacityLimiter under random programs', () => {
  for (const style of [...STYLES, 'mixed'] as const) {
    it(`never more borrowers than tokens, one token per borrower, none lost (${style})`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 3 }),
          programsArb(lOpArb).chain((progs) => fc.tuple(fc.constant(progs), stylesArb(progs.length, style), cancelsArb(3))),
          async (total, [progs, styles, cancels]) => {
            const lim = new CapacityLimiter(total);
            const m = new LimiterModel(lim);
            const r = await runScenario({
              bodies: progs.map((ops, i) => body(styles[i]!, () => limiterProgram(styles[i]!, i, ops, lim, m, () => currentTask()))),
              cancels,
              finale: () => {
                // Every token is free: totalTokens borrowers fit, one more does not.
                const n = lim.totalTokens;
                for (let k = 0; k < n; k++) lim.acquireOnBehalfOfNowait(`probe-${k}`);
                const e = syncError(() => lim.acquireOnBehalfOfNowait('one-too-many'));
                for (let k = 0; k < n; k++) lim.releaseOnBehalfOf(`probe-${k}`);
                return e;
              },
            });
            // Two tasks waiting on behalf of one borrower: the second's wait fails ("already
            // holding"); cancelled before it resumes, that error is reported (DESIGN §4).
            expect(r.stuck, 'tasks still blocked at the time limit').toEqual([]);
            expectNothingReported(r, [RuntimeError]);
            expect(m.violations).toEqual([]);
            expect(m.holders.size).toBe(0);
            expect(r.finale).toBeInstanceOf(WouldBlockError);
            expect(lim.statistics()).toMatchObject({ borrowedTokens: 0, borrowers: [], tasksWaiting: 0 });
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
});

type LimRace = { k: 'release' } | { k: 'cancel'; i: number } | { k: 'total'; n: number } | { k: 'pass' };
const limRaceArb: fc.Arbitrary<LimRace[]> = fc.array(
  fc.oneof(
    { weight: 3, arbitrary: fc.constant({ k: 'release' as const }) },
    { weight: 3, arbitrary: fc.record({ k: fc.constant('cancel' as const), i: fc.nat({ max: 7 }) }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('total' as const), n: fc.integer({ min: 1, max: 4 }) }) },
    { weight: 2, arbitrary: fc.constant({ k: 'pass' as const }) },
  ),
  { maxLength: 14 },
);

describe('CapacityLimiter wake/cancel races (random bursts in one pass)', () => {
  it('waiters handed tokens and cancelled in the same passes, totalTokens raised and lowered: no token is lost, no borrower admitted over the limit', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.constantFrom(...STYLES), { minLength: 1, maxLength: 6 }),
        limRaceArb,
        async (total, styles, actions) =>
          runVirtual(async () => {
            const lim = new CapacityLimiter(total);
            const mainTokens: string[] = [];
            for (let k = 0; k < total; k++) {
              lim.acquireOnBehalfOfNowait(`main-${k}`);
              mainTokens.push(`main-${k}`);
            }
            const violations: string[] = [];
            let holders = 0;
            const ts = styles.map((style) =>
              createTask(
                body(style, function* () {
                  yield* aw(style, lim.acquire());
                  holders++;
                  // Admitted only with a free token: at the hand-over borrowedTokens <= totalTokens
                  // (the total may have been lowered since; then nobody new gets in).
                  try {
                    yield* nap(style, 0);
                  } finally {
                    holders--;
                    lim.release();
                  }
                }),
              ),
            );
            await passes(2);
            let lastTotal = total;
            await playBursts(actions, (a) => {
              const before = lim.borrowedTokens;
              if (a.k === 'release' && mainTokens.length > 0) lim.releaseOnBehalfOf(mainTokens.pop());
              else if (a.k === 'cancel') ts[a.i % ts.length]!.cancel();
              else if (a.k === 'total') {
                lim.totalTokens = a.n;
                lastTotal = a.n;
              }
              // Whoever an action admits fits in the total (a lowered total admits nobody).
              const after = lim.borrowedTokens;
              if (after > before && after > lim.totalTokens) violations.push(`${a.k}: borrowed ${before} -> ${after} of ${lim.totalTokens}`);
            });
            await passes(20);
            expect(violations).toEqual([]);
            const blocked = ts.filter((t) => !t.done()).length;
            const st = lim.statistics();
            expect(st.tasksWaiting).toBe(blocked);
            expect(st.borrowedTokens).toBe(mainTokens.length + holders);
            // Nobody waits while a token is free.
            if (blocked > 0) expect(st.borrowedTokens).toBeGreaterThanOrEqual(lastTotal);
            while (mainTokens.length > 0) lim.releaseOnBehalfOf(mainTokens.pop());
            const rs = await gather(ts, { returnExceptions: true });
            for (const r of rs) if (r !== undefined) assertCancelled(r);
            expect(lim.statistics()).toMatchObject({ borrowedTokens: 0, tasksWaiting: 0 });
          }),
      ),
      fcOptions(150),
    );
  });
});

describe('CapacityLimiter races', () => {
  for (const style of STYLES) {
    it(`a waiter handed a token and cancelled before it resumes gives the token to the next waiter (${style})`, () =>
      runVirtual(async () => {
        const lim = new CapacityLimiter(1);
        lim.acquireOnBehalfOfNowait('main');
        const got: string[] = [];
        const mk = (name: string) =>
          createTask(
            body(style, function* () {
              yield* aw(style, lim.acquireOnBehalfOf(name));
              got.push(name);
              lim.releaseOnBehalfOf(name);
            }),
          );
        const a = mk('a');
        const b = mk('b');
        await passes(2);
        lim.releaseOnBehalfOf('main'); // hands the token to a …
        a.cancel(); // … cancelled before it resumes
        const [ra] = await gather([a, b], { returnExceptions: true });
        assertCancelled(ra);
        expect(got).toEqual(['b']);
        expect(lim.statistics()).toMatchObject({ borrowedTokens: 0, borrowers: [], tasksWaiting: 0 });
      }));

    it(`a waitFor(acquire, t) timing out in the pass a token is handed to it passes the token on (${style})`, () =>
      runVirtual(async () => {
        const lim = new CapacityLimiter(1);
        lim.acquireOnBehalfOfNowait('main');
        const at5 = sleep(5);
        const got: string[] = [];
        const a = createTask(
          body(style, function* () {
            try {
              yield* aw(style, waitFor(lim.acquire(), 5));
              got.push('a');
              lim.release();
            } catch (e) {
              expect(e).toBeInstanceOf(TimeoutError);
            }
          }),
        );
        const b = createTask(
          body(style, function* () {
            yield* aw(style, lim.acquire());
            got.push('b');
            lim.release();
          }),
        );
        await passes(2);
        await at5;
        lim.releaseOnBehalfOf('main');
        await gather([a, b]);
        expect(got).toContain('b');
        expect(lim.statistics()).toMatchObject({ borrowedTokens: 0, tasksWaiting: 0 });
      }));

    it(`lowering totalTokens below the borrowed count admits nobody until enough tokens come back (${style})`, () =>
      runVirtual(async () => {
        const lim = new CapacityLimiter(3);
        for (const w of ['x', 'y', 'z']) lim.acquireOnBehalfOfNowait(w);
        const got: string[] = [];
        const d = createTask(
          body(style, function* () {
            yield* aw(style, lim.acquireOnBehalfOf('d'));
            got.push('d');
          }),
        );
        await passes(2);
        lim.totalTokens = 1;
        lim.releaseOnBehalfOf('x');
        lim.releaseOnBehalfOf('y');
        await passes(5);
        expect(got).toEqual([]); // 1 borrowed of 1
        lim.releaseOnBehalfOf('z');
        await d;
        expect(got).toEqual(['d']);
        expect(lim.statistics()).toMatchObject({ borrowedTokens: 1, totalTokens: 1, borrowers: ['d'] });
      }));
  }

  // See the Lock test of the same kind: the fast path borrowed the token at the call.
  it('an async task cancelled while awaiting a foreign promise, then borrowing a free token, does not keep the token forever', () =>
    runVirtual(async () => {
      const lim = new CapacityLimiter(1);
      const gate = foreignGate();
      const a = createTask(async () => {
        await gate.promise;
        await lim.acquire();
        try {
          await sleep(10);
        } finally {
          lim.release();
        }
      });
      await passes(1);
      gate.open();
      a.cancel();
      assertCancelled((await gather([a], { returnExceptions: true }))[0]);
      expect(lim.statistics()).toMatchObject({ borrowedTokens: 0, borrowers: [], tasksWaiting: 0 });
    }));
});
