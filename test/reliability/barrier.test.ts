// Reliability of Barrier: the state machine (filling → draining → filling, resetting, broken)
// under random programs of 1–8 tasks waiting (plain and under waitFor timeouts), resetting and
// aborting, with random cancellations, in both coroutine styles; each full round hands out the
// indices 0..parties-1 once; the barrier ends consistent and usable. Plus deterministic races
// (CPython 3.13 test_locks.py BarrierTests not yet ported, and cancel/reset in one pass).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Barrier, BrokenBarrierError, TimeoutError, createTask, gather, isCancelledError, sleep, waitFor } from 'tulip';
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
  runScenario,
  stylesArb,
  type Prog,
  type Style,
} from './harness.js';

type BOp =
  | { k: 'wait' }
  | { k: 'waitFor'; t: number }
  | { k: 'reset' }
  | { k: 'abort' }
  | { k: 'sleep'; d: number }
  | { k: 'io'; d: number };

const bOpArb: fc.Arbitrary<BOp> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ k: 'wait' as const }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('waitFor' as const), t: fc.integer({ min: 0, max: 4 }) }) },
  { weight: 1, arbitrary: fc.constant({ k: 'reset' as const }) },
  { weight: 1, arbitrary: fc.constant({ k: 'abort' as const }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('sleep' as const), d: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('io' as const), d: fc.integer({ min: 0, max: 3 }) }) },
);

class BarrierModel {
  readonly returned: { task: number; index: number }[] = [];
  faults = 0; // reset() and abort() calls
  lastFault: 'reset' | 'abort' | null = null;
  readonly violations: string[] = [];
  readonly waiting: boolean[];
  constructor(
    private readonly b: Barrier,
    n: number,
  ) {
    this.waiting = new Array<boolean>(n).fill(false);
  }

  check(where: string): void {
    const st = this.b.statistics();
    if (st.nWaiting < 0 || st.nWaiting >= st.parties) this.violations.push(`${where}: nWaiting ${st.nWaiting} of ${st.parties}`);
    if (st.state !== 'filling' && st.nWaiting !== 0) this.violations.push(`${where}: nWaiting ${st.nWaiting} while ${st.state}`);
    if (this.b.broken !== (st.state === 'broken')) this.violations.push(`${where}: broken ${this.b.broken} in state ${st.state}`);
  }
}

function* barrierProgram(style: Style, me: number, ops: BOp[], b: Barrier, m: BarrierModel): Prog<void> {
  for (let j = 0; j < ops.length; j++) {
    const op = ops[j]!;
    switch (op.k) {
      case 'wait':
      case 'waitFor': {
        let index: number;
        try {
          m.waiting[me] = true;
          index = yield* aw(style, op.k === 'wait' ? b.wait() : waitFor(b.wait(), op.t));
        } catch (e) {
          if (e instanceof BrokenBarrierError) {
            if (m.faults === 0) m.violations.push(`${me}.${j}: BrokenBarrierError with no reset() or abort()`);
            break;
          }
          if (e instanceof TimeoutError) break;
          throw e;
        } finally {
          m.waiting[me] = false;
        }
        if (!Number.isInteger(index) || index < 0 || index >= b.parties) m.violations.push(`${me}.${j}: index ${index}`);
        m.returned.push({ task: me, index });
        break;
      }
      case 'reset':
        m.faults++;
        m.lastFault = 'reset';
        yield* aw(style, b.reset());
        break;
      case 'abort':
        m.faults++;
        m.lastFault = 'abort';
        yield* aw(style, b.abort());
        break;
      case 'sleep':
        yield* nap(style, op.d);
        break;
      case 'io':
        yield* io(style, op.d);
        break;
    }
    m.check(`after ${me}.${j} ${op.k}`);
  }
}

describe('Barrier under random programs', () => {
  for (const style of [...STYLES, 'mixed'] as const) {
    it(`every round hands out 0..parties-1 once, rounds one after the other (no faults) (${style})`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc
            .tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 2 }))
            .chain(([parties, groups]) => fc.tuple(fc.constant(parties), fc.constant(groups), stylesArb(parties * groups, style))),
          fc.integer({ min: 1, max: 3 }),
          fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 24 }),
          async ([parties, groups, styles], rounds, gaps) => {
            const n = parties * groups;
            const b = new Barrier(parties);
            const m = new BarrierModel(b, n);
            const progs: BOp[][] = Array.from({ length: n }, (_, i) =>
              Array.from({ length: rounds }, (_, r) => [{ k: 'sleep' as const, d: gaps[(i * rounds + r) % Math.max(1, gaps.length)] ?? 0 }, { k: 'wait' as const }]).flat(),
            );
            const atLimit: string[] = [];
            const r = await runScenario({
              bodies: progs.map((ops, i) => body(styles[i]!, () => barrierProgram(styles[i]!, i, ops, b, m))),
              atLimit: (stuck) => {
                // With more tasks than parties a task may be left over with its last waits (one
                // task cannot make two parties of a round): only a partial round may be left.
                const st = b.statistics();
                if (stuck.length > 0 && (st.state !== 'filling' || st.nWaiting !== stuck.length)) atLimit.push(`stuck ${stuck.join(',')}: ${String(b)}`);
              },
            });
            if (groups === 1) expect(r.stuck).toEqual([]);
            expect(atLimit).toEqual([]);
            expectNothingReported(r);
            expect(m.violations).toEqual([]);
            expect(m.returned.length % parties).toBe(0);
            if (r.stuck.length === 0) expect(m.returned.length).toBe(n * rounds);
            // In return order, every run of `parties` results is one round: 0..parties-1 once each.
            for (let c = 0; c < m.returned.length; c += parties) {
              const idx = m.returned.slice(c, c + parties).map((x) => x.index);
              expect([...idx].sort()).toEqual(Array.from({ length: parties }, (_, i) => i));
            }
            expect(b.statistics()).toEqual({ parties, nWaiting: 0, state: 'filling' });
          },
        ),
        fcOptions(60),
      );
    });

    it(`with waitFor timeouts, cancellations, reset() and abort() the state machine stays consistent and the barrier usable (${style})`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 4 }),
          fc.array(fc.array(bOpArb, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 8 }).chain((progs) =>
            fc.tuple(fc.constant(progs), stylesArb(progs.length, style), cancelsArb(3)),
          ),
          async (parties, [progs, styles, cancels]) => {
            const b = new Barrier(parties);
            const m = new BarrierModel(b, progs.length);
            const atLimit: string[] = [];
            const r = await runScenario({
              bodies: progs.map((ops, i) => body(styles[i]!, () => barrierProgram(styles[i]!, i, ops, b, m))),
              cancels,
              atLimit: (stuck) => {
                const st = b.statistics();
                // Only a round that cannot fill may hold tasks: fewer than `parties` waiting, filling.
                if (stuck.length > 0 && (st.state !== 'filling' || st.nWaiting !== stuck.length)) {
                  atLimit.push(`stuck ${stuck.join(',')} with ${JSON.stringify(st)}`);
                }
                for (const i of stuck) if (!m.waiting[i]) atLimit.push(`T${i} stuck outside wait()`);
              },
              finale: async () => {
                // Whatever happened, after reset() a fresh full round passes with 0..parties-1.
                await b.reset();
                const fresh = Array.from({ length: parties }, () => createTask(() => b.wait()));
                return (await gather(fresh)).sort();
              },
            });
            expectNothingReported(r);
            expect(atLimit).toEqual([]);
            expect(m.violations).toEqual([]);
            expect(r.finale).toEqual(Array.from({ length: parties }, (_, i) => i));
            expect(b.statistics()).toEqual({ parties, nWaiting: 0, state: 'filling' });
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
});

describe('Barrier races', () => {
  for (const style of STYLES) {
    // ports test_locks.py::BarrierTests.test_abort_barrier_when_exception
    it(`a task that fails after the first round and aborts: the others get BrokenBarrierError from the second wait (${style})`, () =>
      runVirtual(async () => {
        const N = 5;
        const barrier = new Barrier(N);
        const results1: boolean[] = [];
        const results2: boolean[] = [];
        const ts = Array.from({ length: N }, () =>
          createTask(
            body(style, function* () {
              try {
                const i = yield* aw(style, barrier.wait());
                if (i === Math.floor(N / 2)) throw new RangeError('boom');
                yield* aw(style, barrier.wait());
                results1.push(true);
              } catch (e) {
                if (e instanceof BrokenBarrierError) results2.push(true);
                else if (e instanceof RangeError) yield* aw(style, barrier.abort());
                else throw e;
              }
            }),
          ),
        );
        await gather(ts);
        expect(barrier.broken).toBe(true);
        expect(results1.length).toBe(0);
        expect(results2.length).toBe(N - 1);
        expect(barrier.nWaiting).toBe(0);
      }));

    // ports test_locks.py::BarrierTests.test_reset_barrier_when_tasks_half_draining_half_blocking
    it(`reset() while half the round still drains: the ones still inside get BrokenBarrierError, those blocked for the next round do not (${style})`, () =>
      runVirtual(async () => {
        const N = 5;
        const barrier = new Barrier(N);
        const results1: boolean[] = [];
        const results2: boolean[] = [];
        const blocking = Math.floor(N / 2);
        let count = 0;
        const ts = Array.from({ length: N }, () =>
          createTask(
            body(style, function* () {
              try {
                yield* aw(style, barrier.wait());
              } catch (e) {
                if (!(e instanceof BrokenBarrierError)) throw e;
                results1.push(true); // still draining when the reset came
                yield* aw(style, barrier.wait());
                return;
              }
              count++;
              if (count > blocking) {
                yield* aw(style, barrier.reset()); // the ones still inside get BrokenBarrierError
                yield* aw(style, barrier.wait());
              } else {
                try {
                  yield* aw(style, barrier.wait()); // blocked while the round drains: not broken
                } catch (e) {
                  if (e instanceof BrokenBarrierError) results2.push(true);
                  else throw e;
                }
              }
            }),
          ),
        );
        await gather(ts);
        expect(results1).toEqual(Array.from({ length: blocking }, () => true));
        expect(results2).toEqual([]);
        expect(barrier.statistics()).toEqual({ parties: N, nWaiting: 0, state: 'filling' });
      }));

    // ports test_locks.py::BarrierTests.test_reset_barrier_while_tasks_draining
    it(`reset() by the last task out of a round breaks nobody; the next two rounds complete (${style})`, () =>
      runVirtual(async () => {
        const N = 5;
        const barrier = new Barrier(N);
        const results1: boolean[] = [];
        const results2: boolean[] = [];
        const results3: boolean[] = [];
        let count = 0;
        const ts = Array.from({ length: N }, () =>
          createTask(
            body(style, function* () {
              yield* aw(style, barrier.wait());
              count++;
              if (count === N) {
                yield* aw(style, barrier.reset()); // last task out: nobody inside
                yield* aw(style, barrier.wait());
              } else {
                try {
                  yield* aw(style, barrier.wait());
                  results1.push(true);
                } catch {
                  results2.push(true);
                }
              }
              yield* aw(style, barrier.wait());
              results3.push(true);
            }),
          ),
        );
        await gather(ts);
        expect(barrier.broken).toBe(false);
        expect(results1.length).toBe(N - 1);
        expect(results2.length).toBe(0);
        expect(results3.length).toBe(N);
        expect(barrier.nWaiting).toBe(0);
      }));

    it(`a waiter cancelled in the pass the last party arrives: the others pass, the barrier re-opens (${style})`, () =>
      runVirtual(async () => {
        const barrier = new Barrier(3);
        const mk = () =>
          createTask(
            body(style, function* () {
              return yield* aw(style, barrier.wait());
            }),
          );
        const a = mk();
        const b = mk();
        await passes(3);
        expect(barrier.nWaiting).toBe(2);
        const c = mk(); // the last party: releases the round when it runs …
        a.cancel(); // … and a is cancelled in the same pass
        const rs = await gather([a, b, c], { returnExceptions: true });
        // a either got out with the round (an index) or was cancelled first; nobody hangs.
        if (isCancelledError(rs[0])) {
          expect(barrier.statistics().state).toBe('filling');
        }
        for (const r of rs) expect(isCancelledError(r) || typeof r === 'number').toBe(true);
        await passes(5);
        expect(barrier.statistics().state).toBe('filling');
        // Usable: a fresh round of 3 passes.
        const more = await gather([mk(), mk(), mk()]);
        expect([...more].sort()).toEqual([0, 1, 2]);
      }));

    it(`abort() in the pass a round is released: the released tasks keep their indices, later waits fail until reset() (${style})`, () =>
      runVirtual(async () => {
        const barrier = new Barrier(2);
        const mk = () =>
          createTask(
            body(style, function* () {
              return yield* aw(style, barrier.wait());
            }),
          );
        const a = mk();
        await passes(3);
        const b = mk(); // releases the round
        await passes(1);
        await barrier.abort(); // a may not have resumed yet
        const rs = await gather([a, b], { returnExceptions: true });
        for (const r of rs) expect(typeof r === 'number' || r instanceof BrokenBarrierError).toBe(true);
        expect(barrier.broken).toBe(true);
        const late = await gather([mk()], { returnExceptions: true });
        expect(late[0]).toBeInstanceOf(BrokenBarrierError);
        await barrier.reset();
        expect([...(await gather([mk(), mk()]))].sort()).toEqual([0, 1]);
      }));

    it(`a waitFor(barrier.wait(), t) that times out leaves the round; the round still needs parties live waiters (${style})`, () =>
      runVirtual(async () => {
        const barrier = new Barrier(2);
        const t = createTask(
          body(style, function* () {
            return yield* aw(style, waitFor(barrier.wait(), 5));
          }),
        );
        const [r] = await gather([t], { returnExceptions: true });
        expect(r).toBeInstanceOf(TimeoutError);
        expect(barrier.nWaiting).toBe(0);
        const x = createTask(() => barrier.wait());
        await sleep(1);
        expect(x.done()).toBe(false);
        const y = await barrier.wait();
        expect([y, await x].sort()).toEqual([0, 1]);
      }));
  }

  it('a task cancelled while draining (released but not resumed) ends cancelled; the round re-opens', () =>
    runVirtual(function* () {
      const barrier = new Barrier(2);
      const a = createTask(function* () {
        return yield* barrier.wait();
      });
      yield* sleep(0);
      const b = createTask(function* () {
        return yield* barrier.wait();
      });
      yield* sleep(0); // b arrives, releases: a is notified
      a.cancel();
      const [ra, rb] = yield* gather([a, b], { returnExceptions: true });
      expect(typeof rb).toBe('number');
      if (isCancelledError(ra)) assertCancelled(ra);
      yield* passes0(5);
      expect(barrier.statistics()).toEqual({ parties: 2, nWaiting: 0, state: 'filling' });
    }));
});

function* passes0(n: number): Generator<unknown, void, unknown> {
  for (let i = 0; i < n; i++) yield* sleep(0);
}
