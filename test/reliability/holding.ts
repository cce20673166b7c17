// The random program of a task that holds a lock-like resource (Lock, Semaphore,
// BoundedSemaphore, Condition's lock): acquire/release, run(body) with return and throw,
// waitFor(acquire(), t), timeout scopes, acquireNowait, sleeps, and (BoundedSemaphore) releases
// over the bound. Every grant and release goes through a HoldModel that checks exclusion and
// FIFO order.
import fc from 'fast-check';
import { TimeoutError, WouldBlockError, timeout, waitFor, type Future } from 'tulip';
import { Boom, HoldModel, acquireArriving, aw, hold, io, nap, scoped, type Prog, type Style } from './harness.js';

/** What the programs need of the resource. */
export interface Holdable {
  acquire(): Future<true>;
  acquireNowait(): void;
  release(): void;
  run<T>(body: () => Generator<unknown, T, unknown> | Promise<T>): Future<T>;
}

/** One operation of a task's program. */
export type HoldOp =
  | { k: 'acq'; hold: number }
  | { k: 'run'; hold: number; boom: boolean }
  | { k: 'waitFor'; t: number; hold: number }
  | { k: 'scope'; t: number; hold: number }
  | { k: 'nowait'; hold: number }
  | { k: 'sleep'; d: number }
  /** A wait on a foreign promise (I/O). */
  | { k: 'io'; d: number }
  /** A release() while nobody holds a unit (BoundedSemaphore: must throw RangeError). */
  | { k: 'over' };

const holdArb = fc.integer({ min: -1, max: 3 }); // -1: release at once; 0: one pass; else ms

export function holdOpArb(withOver = false): fc.Arbitrary<HoldOp> {
  const ops: fc.WeightedArbitrary<HoldOp>[] = [
    { weight: 4, arbitrary: fc.record({ k: fc.constant('acq' as const), hold: holdArb }) },
    { weight: 2, arbitrary: fc.record({ k: fc.constant('run' as const), hold: holdArb, boom: fc.boolean() }) },
    { weight: 2, arbitrary: fc.record({ k: fc.constant('waitFor' as const), t: fc.integer({ min: 0, max: 4 }), hold: holdArb }) },
    { weight: 2, arbitrary: fc.record({ k: fc.constant('scope' as const), t: fc.integer({ min: 0, max: 4 }), hold: holdArb }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('nowait' as const), hold: holdArb }) },
    { weight: 2, arbitrary: fc.record({ k: fc.constant('sleep' as const), d: fc.integer({ min: 0, max: 3 }) }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('io' as const), d: fc.integer({ min: 0, max: 3 }) }) },
  ];
  if (withOver) ops.push({ weight: 1, arbitrary: fc.constant({ k: 'over' as const }) });
  return fc.oneof(...ops);
}

function isTimeout(e: unknown): boolean {
  return e instanceof TimeoutError;
}

/**
 * One task's program against `res`; `me` names it. `over()` performs an over-release check and
 * returns a violation message or null.
 */
export function* holdProgram(
  style: Style,
  me: number,
  ops: HoldOp[],
  res: Holdable,
  m: HoldModel,
  over: () => string | null = () => null,
): Prog<void> {
  for (let j = 0; j < ops.length; j++) {
    const op = ops[j]!;
    const id = `${me}.${j}`;
    switch (op.k) {
      case 'acq': {
        try {
          yield* acquireArriving(style, res.acquire(), () => m.arrive(id));
        } catch (e) {
          m.fail(id);
          throw e;
        }
        m.grant(id);
        try {
          yield* hold(style, op.hold);
        } finally {
          m.leave(id);
          res.release();
        }
        break;
      }
      case 'run': {
        let entered = false;
        try {
          yield* aw(
            style,
            res.run(
              scoped(style, function* () {
                entered = true;
                m.grant(id);
                try {
                  yield* hold(style, op.hold);
                  if (op.boom) throw new Boom();
                } finally {
                  m.leave(id);
                }
              }),
            ),
            () => m.arrive(id),
          );
        } catch (e) {
          if (!entered) m.fail(id);
          if (!(e instanceof Boom)) throw e;
        }
        break;
      }
      case 'waitFor': {
        try {
          const f = res.acquire();
          if (f.done()) m.arrive(id); // taken at the call
          yield* aw(style, waitFor(f, op.t), f.done() ? undefined : () => m.arrive(id));
        } catch (e) {
          m.fail(id);
          if (isTimeout(e)) break;
          throw e;
        }
        m.grant(id);
        try {
          yield* hold(style, op.hold);
        } finally {
          m.leave(id);
          res.release();
        }
        break;
      }
      case 'scope': {
        try {
          yield* aw(
            style,
            timeout(op.t).run(
              scoped(style, function* () {
                try {
                  yield* acquireArriving(style, res.acquire(), () => m.arrive(id));
                } catch (e) {
                  m.fail(id);
                  throw e;
                }
                m.grant(id);
                try {
                  yield* hold(style, op.hold);
                } finally {
                  m.leave(id);
                  res.release();
                }
              }),
            ),
          );
        } catch (e) {
          if (!isTimeout(e)) throw e;
        }
        break;
      }
      case 'nowait': {
        try {
          res.acquireNowait();
        } catch (e) {
          if (e instanceof WouldBlockError) break;
          throw e;
        }
        m.arrive(id);
        m.grant(id);
        try {
          yield* hold(style, op.hold);
        } finally {
          m.leave(id);
          res.release();
        }
        break;
      }
      case 'over': {
        const v = over();
        if (v !== null) m.violations.push(v);
        break;
      }
      case 'sleep':
        yield* nap(style, op.d);
        break;
      case 'io':
        yield* io(style, op.d);
        break;
    }
  }
}

