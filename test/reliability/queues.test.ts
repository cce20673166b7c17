// Reliability of Queue, LifoQueue and PriorityQueue (bounded and unbounded): random programs of
// 2–8 tasks putting and getting (blocking, nowait, waitFor, timeout scopes), taskDone/join and
// shutdown(immediate?) with random cancellations, in both coroutine styles. Every item put is
// got exactly once, or is still in the queue, or was dropped by shutdown(immediate); a cancelled
// or failed put adds nothing; maxsize is never exceeded; the order discipline holds (checked
// exactly in the generator style, where a task's record is made in the same step as the queue
// operation); shutdown releases every blocked getter and putter; join()/taskDone() count right.
// The wake/cancel races and async iteration are in queueraces.test.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Queue,
  QueueEmptyError,
  QueueFullError,
  QueueShutDownError,
  TimeoutError,
  isCancelledError,
  timeout,
  waitFor,
} from 'tulip';
import {
  STYLES,
  aw,
  body,
  cancelsArb,
  expectNothingReported,
  fcOptions,
  io,
  nap,
  programsArb,
  runScenario,
  scoped,
  stylesArb,
  type Prog,
  type Style,
} from './harness.js';

import { KINDS, make, type Kind } from './queues.helpers.js';

type QOp =
  | { k: 'put' }
  | { k: 'putNowait' }
  | { k: 'putWait'; t: number }
  | { k: 'get' }
  | { k: 'getNowait' }
  | { k: 'getWait'; t: number }
  | { k: 'getScope'; t: number }
  | { k: 'done' }
  | { k: 'join'; t: number }
  | { k: 'shutdown'; immediate: boolean }
  | { k: 'sleep'; d: number }
  | { k: 'io'; d: number };

const tArb = fc.integer({ min: 0, max: 4 });
const qOpArb: fc.Arbitrary<QOp> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ k: 'put' as const }) },
  { weight: 2, arbitrary: fc.constant({ k: 'putNowait' as const }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('putWait' as const), t: tArb }) },
  { weight: 4, arbitrary: fc.constant({ k: 'get' as const }) },
  { weight: 2, arbitrary: fc.constant({ k: 'getNowait' as const }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('getWait' as const), t: tArb }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('getScope' as const), t: tArb }) },
  { weight: 2, arbitrary: fc.constant({ k: 'done' as const }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('join' as const), t: tArb }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('shutdown' as const), immediate: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('sleep' as const), d: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('io' as const), d: fc.integer({ min: 0, max: 3 }) }) },
);

/** What blocks a task right now (for the check of the tasks still blocked at the limit). */
type Blocked = 'get' | 'put' | 'join' | null;

class QueueModel {
  readonly putOK = new Set<number>();
  readonly putFailed = new Map<number, string>();
  readonly got: number[] = [];
  readonly gotBy = new Map<number, number>();
  /** Items in the queue, in the order they entered (exact in the generator style only). */
  readonly contents: number[] = [];
  shutdown: 'alive' | 'shutdown' | 'immediate' = 'alive';
  dropped = 0;
  doneCalls = 0;
  readonly violations: string[] = [];
  readonly blocked: Blocked[];

  constructor(
    private readonly q: Queue<number>,
    private readonly kind: Kind,
    /** Every task is a generator: records are made in the step of the operation itself. */
    readonly exact: boolean,
    n: number,
  ) {
    this.blocked = new Array<Blocked>(n).fill(null);
  }

  checkSize(where: string): void {
    const { q } = this;
    if (q.maxsize > 0 && q.qsize() > q.maxsize) this.violations.push(`${where}: qsize ${q.qsize()} > maxsize ${q.maxsize}`);
  }

  putSucceeded(id: number, calledAfterShutdown: boolean): void {
    if (calledAfterShutdown) this.violations.push(`put(${id}) called after shutdown succeeded`);
    if (this.exact && this.shutdown !== 'alive') this.violations.push(`put(${id}) succeeded after shutdown`);
    this.putOK.add(id);
    if (this.exact) this.contents.push(id);
  }

  putFailedWith(id: number, e: unknown, calledAfterShutdown: boolean): void {
    const name = (e as Error).name;
    this.putFailed.set(id, name);
    if (calledAfterShutdown && !(e instanceof QueueShutDownError)) this.violations.push(`put(${id}) after shutdown threw ${name}`);
    if (e instanceof QueueShutDownError && this.shutdown === 'alive') this.violations.push(`put(${id}) threw QueueShutDownError on a live queue`);
  }

  gotItem(v: unknown, by: number): void {
    if (typeof v !== 'number') {
      this.violations.push(`get returned ${String(v)}`);
      return;
    }
    if (this.gotBy.has(v)) this.violations.push(`${v} got twice (by ${this.gotBy.get(v)} and ${by})`);
    this.gotBy.set(v, by);
    this.got.push(v);
    if (!this.exact) return;
    if (this.shutdown === 'immediate') this.violations.push(`got ${v} after shutdown(immediate)`);
    const c = this.contents;
    if (c.length === 0) {
      this.violations.push(`got ${v} from a queue the model says is empty`);
      return;
    }
    const expected = this.kind === 'fifo' ? c[0]! : this.kind === 'lifo' ? c[c.length - 1]! : Math.min(...c);
    if (v !== expected) this.violations.push(`${this.kind}: got ${v}, expected ${expected} of [${c.join(',')}]`);
    const i = c.indexOf(v);
    if (i >= 0) c.splice(i, 1);
  }

  getFailedWith(e: unknown, calledAfter: 'alive' | 'shutdown' | 'immediate', emptyAtCall: boolean): void {
    if (e instanceof QueueShutDownError && this.shutdown === 'alive') this.violations.push('get threw QueueShutDownError on a live queue');
    if (calledAfter === 'immediate' && !(e instanceof QueueShutDownError)) {
      this.violations.push(`get after shutdown(immediate) threw ${(e as Error).name}`);
    }
    if (calledAfter !== 'alive' && emptyAtCall && !(e instanceof QueueShutDownError) && !isCancelledError(e) && !(e instanceof TimeoutError)) {
      this.violations.push(`get of a shut-down empty queue threw ${(e as Error).name}`);
    }
  }

  doShutdown(immediate: boolean): void {
    const { q } = this;
    if (immediate) {
      this.dropped += q.qsize();
      this.shutdown = 'immediate';
      if (this.exact) this.contents.length = 0;
    } else if (this.shutdown === 'alive') {
      this.shutdown = 'shutdown';
    }
    q.shutdown(immediate);
    if (immediate && q.qsize() !== 0) this.violations.push(`shutdown(immediate) left ${q.qsize()} items`);
    if (q.statistics().tasksWaitingGet !== 0 || q.statistics().tasksWaitingPut !== 0) {
      this.violations.push(`shutdown left blocked waiters ${JSON.stringify(q.statistics())}`);
    }
  }
}

function isCancelOrTimeout(e: unknown): boolean {
  return isCancelledError(e) || e instanceof TimeoutError;
}

function* queueProgram(style: Style, me: number, ops: QOp[], q: Queue<number>, m: QueueModel): Prog<void> {
  let owed = 0; // items got and not yet marked done
  const get = function* (wrap: (f: ReturnType<Queue<number>['get']>) => ReturnType<Queue<number>['get']>): Prog<void> {
    const calledAfter = m.shutdown;
    const emptyAtCall = q.empty();
    let v: number;
    try {
      m.blocked[me] = 'get';
      v = yield* aw(style, wrap(q.get()));
    } catch (e) {
      m.getFailedWith(e, calledAfter, emptyAtCall);
      if (e instanceof QueueShutDownError || e instanceof TimeoutError) return;
      throw e;
    } finally {
      m.blocked[me] = null;
    }
    m.gotItem(v, me);
    owed++;
  };
  const put = function* (id: number, wrap: (f: ReturnType<Queue<number>['put']>) => ReturnType<Queue<number>['put']>): Prog<void> {
    const after = m.shutdown !== 'alive';
    try {
      m.blocked[me] = 'put';
      yield* aw(style, wrap(q.put(id)));
    } catch (e) {
      m.putFailedWith(id, e, after);
      if (e instanceof QueueShutDownError || e instanceof TimeoutError) return;
      throw e;
    } finally {
      m.blocked[me] = null;
    }
    m.putSucceeded(id, after);
  };
  try {
    for (let j = 0; j < ops.length; j++) {
      const op = ops[j]!;
      const id = me * 100 + j;
      switch (op.k) {
        case 'put':
          yield* put(id, (f) => f);
          break;
        case 'putWait':
          yield* put(id, (f) => waitFor(f, op.t));
          break;
        case 'putNowait': {
          const after = m.shutdown !== 'alive';
          try {
            q.putNowait(id);
          } catch (e) {
            if (!(e instanceof QueueFullError) && !(e instanceof QueueShutDownError)) throw e;
            if (e instanceof QueueFullError && !q.full()) m.violations.push('QueueFullError from a queue not full');
            m.putFailedWith(id, e, after);
            break;
          }
          m.putSucceeded(id, after);
          break;
        }
        case 'get':
          yield* get((f) => f);
          break;
        case 'getWait':
          yield* get((f) => waitFor(f, op.t));
          break;
        case 'getScope': {
          try {
            yield* aw(style, timeout(op.t).run(scoped(style, () => get((f) => f))));
          } catch (e) {
            if (!(e instanceof TimeoutError)) throw e;
          }
          break;
        }
        case 'getNowait': {
          const calledAfter = m.shutdown;
          const empty = q.empty();
          let v: number;
          try {
            v = q.getNowait();
          } catch (e) {
            if (e instanceof QueueEmptyError) {
              if (!empty || calledAfter !== 'alive') m.violations.push(`QueueEmptyError (empty=${empty}, ${calledAfter})`);
              break;
            }
            if (e instanceof QueueShutDownError) {
              m.getFailedWith(e, calledAfter, empty);
              break;
            }
            throw e;
          }
          m.gotItem(v, me);
          owed++;
          break;
        }
        case 'done':
          if (owed > 0) {
            owed--;
            m.doneCalls++;
            q.taskDone();
          }
          break;
        case 'join':
          try {
            m.blocked[me] = 'join';
            yield* aw(style, waitFor(q.join(), op.t));
          } catch (e) {
            if (!(e instanceof TimeoutError)) throw e;
          } finally {
            m.blocked[me] = null;
          }
          break;
        case 'shutdown':
          m.doShutdown(op.immediate);
          break;
        case 'sleep':
          yield* nap(style, op.d);
          break;
        case 'io':
          yield* io(style, op.d);
          break;
      }
      m.checkSize(`after ${me}.${j} ${op.k}`);
    }
  } finally {
    // Whatever happens, the items this task got are marked done.
    for (; owed > 0; owed--) {
      m.doneCalls++;
      q.taskDone();
    }
  }
}

describe('Queues under random programs', () => {
  for (const kind of KINDS) {
    for (const style of [...STYLES, 'mixed'] as const) {
      it(`${kind}: every item put is got once, left in the queue or dropped by shutdown(immediate); shutdown frees every waiter (${style})`, async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.constantFrom(0, 0, 1, 2, 3),
            programsArb(qOpArb, 6).chain((progs) => fc.tuple(fc.constant(progs), stylesArb(progs.length, style), cancelsArb(3))),
            async (maxsize, [progs, styles, cancels]) => {
              const q = make(kind, maxsize);
              const m = new QueueModel(q, kind, styles.every((s) => s === 'generator'), progs.length);
              const atLimit: string[] = [];
              let remaining: number[] = [];
              const r = await runScenario({
                bodies: progs.map((ops, i) => body(styles[i]!, () => queueProgram(styles[i]!, i, ops, q, m))),
                cancels,
                atLimit: (stuck) => {
                  // A task may stay blocked only where asyncio's would: get on an empty live
                  // queue, put on a full live queue, join with unfinished items.
                  for (const i of stuck) {
                    const b = m.blocked[i];
                    if (b === 'get' && (m.shutdown !== 'alive' || !q.empty())) atLimit.push(`T${i} blocked in get: ${String(q)}`);
                    if (b === 'put' && (m.shutdown !== 'alive' || !q.full())) atLimit.push(`T${i} blocked in put: ${String(q)}`);
                    if (b === 'join' && q.statistics().unfinishedTasks === 0) atLimit.push(`T${i} blocked in join: ${String(q)}`);
                    if (b === null) atLimit.push(`T${i} blocked outside the queue`);
                  }
                },
                finale: () => {
                  const out: number[] = [];
                  while (!q.empty()) out.push(q.getNowait());
                  remaining = out;
                  for (let k = 0; k < out.length; k++) q.taskDone();
                },
              });
              expectNothingReported(r, [QueueShutDownError]);
              expect(atLimit).toEqual([]);
              expect(m.violations).toEqual([]);
              // Exactly once: got and remaining are disjoint parts of the items put.
              const got = new Set(m.got);
              expect(got.size).toBe(m.got.length);
              for (const v of [...m.got, ...remaining]) {
                expect(m.putOK.has(v), `${v} got but its put did not succeed (${m.putFailed.get(v) ?? 'never put'})`).toBe(true);
              }
              for (const v of remaining) expect(got.has(v), `${v} got and left in the queue`).toBe(false);
              expect(m.putOK.size).toBe(m.got.length + remaining.length + m.dropped);
              if (m.shutdown === 'immediate') expect(remaining).toEqual([]);
              // join()/taskDone(): every item got was marked done; the dropped ones count as done.
              expect(q.statistics().unfinishedTasks).toBe(0);
              expect(m.putOK.size - m.doneCalls - remaining.length - m.dropped).toBe(0);
              expect(q.statistics().tasksWaitingGet).toBe(0);
              expect(q.statistics().tasksWaitingPut).toBe(0);
              for (const o of r.outcomes) {
                if (o.error !== undefined) {
                  expect(isCancelOrTimeout(o.error), String(o.error)).toBe(true);
                  expect(o.cancelRequested || o.stuck).toBe(true);
                }
              }
            },
          ),
          fcOptions(60),
        );
      });
    }
  }
});
