// Reliability of Queue, LifoQueue and PriorityQueue (bounded and unbounded): random programs of
// 2–8 tasks putting and getting (blocking, nowait, waitFor, timeout scopes), taskDone/join and
// shutdown(immediate?) with random cancellations, in both coroutine styles. Every item put is
// got exactly once, or is still in the queue, or was dropped by shutdown(immediate); a cancelled
// or failed put adds nothing; maxsize is never exceeded; the order discipline holds (checked
// exactly in the generator style, where a task's record is made in the same step as the queue
// operation); shutdown releases every blocked getter and putter; join()/taskDone() count right.
// Plus async iteration, and deterministic cancel/wake/shutdown races.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Event,
  LifoQueue,
  PriorityQueue,
  Queue,
  QueueEmptyError,
  QueueFullError,
  QueueShutDownError,
  TimeoutError,
  createTask,
  gather,
  getRunningLoop,
  isCancelledError,
  sleep,
  timeout,
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
  io,
  nap,
  programsArb,
  runScenario,
  scoped,
  stylesArb,
  type Prog,
  type Style,
} from './harness.js';

type Kind = 'fifo' | 'lifo' | 'prio';
const KINDS: readonly Kind[] = ['fifo', 'lifo', 'prio'];
const make = (kind: Kind, maxsize: number): Queue<number> =>
  kind === 'fifo' ? new Queue<number>(maxsize) : kind === 'lifo' ? new LifoQueue<number>(maxsize) : new PriorityQueue<number>(maxsize);

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

type GetRaceAction = { k: 'put' } | { k: 'cancel'; i: number } | { k: 'getNowait' } | { k: 'pass' };
const getRaceArb: fc.Arbitrary<GetRaceAction[]> = fc.array(
  fc.oneof(
    { weight: 3, arbitrary: fc.constant({ k: 'put' as const }) },
    { weight: 3, arbitrary: fc.record({ k: fc.constant('cancel' as const), i: fc.nat({ max: 7 }) }) },
    { weight: 1, arbitrary: fc.constant({ k: 'getNowait' as const }) },
    { weight: 2, arbitrary: fc.constant({ k: 'pass' as const }) },
  ),
  { maxLength: 14 },
);

type PutRaceAction = { k: 'getNowait' } | { k: 'cancel'; i: number } | { k: 'putNowait' } | { k: 'pass' };
const putRaceArb: fc.Arbitrary<PutRaceAction[]> = fc.array(
  fc.oneof(
    { weight: 3, arbitrary: fc.constant({ k: 'getNowait' as const }) },
    { weight: 3, arbitrary: fc.record({ k: fc.constant('cancel' as const), i: fc.nat({ max: 7 }) }) },
    { weight: 1, arbitrary: fc.constant({ k: 'putNowait' as const }) },
    { weight: 2, arbitrary: fc.constant({ k: 'pass' as const }) },
  ),
  { maxLength: 14 },
);

describe('Queue wake/cancel races (random bursts in one pass)', () => {
  it('getters woken by puts and cancelled in the same passes: no item is lost or doubled, and no getter waits while an item is there', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...KINDS),
        fc.array(fc.constantFrom(...STYLES), { minLength: 1, maxLength: 6 }),
        getRaceArb,
        async (kind, styles, actions) =>
          runVirtual(async () => {
            const q = make(kind, 0);
            const got = new Map<number, number>();
            const gs = styles.map((style, i) =>
              createTask(
                body(style, function* () {
                  got.set(i, yield* aw(style, q.get()));
                }),
              ),
            );
            await passes(2);
            let next = 0;
            const taken: number[] = [];
            // Each run of actions up to a 'pass' happens in one callback, in the same pass.
            let burst: GetRaceAction[] = [];
            const flush = async () => {
              const b = burst;
              burst = [];
              await new Promise<void>((resolve) =>
                getRunningLoop().callSoon(() => {
                  for (const a of b) {
                    if (a.k === 'put') q.putNowait(next++);
                    else if (a.k === 'cancel') gs[a.i % gs.length]!.cancel();
                    else if (a.k === 'getNowait' && !q.empty()) taken.push(q.getNowait());
                  }
                  resolve();
                }),
              );
              await passes(1);
            };
            for (const a of actions) {
              if (a.k === 'pass') await flush();
              else burst.push(a);
            }
            await flush();
            await passes(10);
            const all = [...got.values(), ...taken];
            while (!q.empty()) all.push(q.getNowait());
            expect([...all].sort((x, y) => x - y)).toEqual(Array.from({ length: next }, (_, i) => i));
            const blocked = gs.filter((t) => !t.done()).length;
            // A getter still blocked means every item was taken by someone.
            if (blocked > 0) expect(got.size + taken.length).toBe(next);
            expect(q.statistics().tasksWaitingGet).toBe(blocked);
            for (const t of gs) t.cancel();
            await gather(gs, { returnExceptions: true });
          }),
      ),
      fcOptions(150),
    );
  });

  it('putters woken by gets and cancelled in the same passes: a cancelled put adds nothing, no slot is lost, maxsize holds', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...KINDS),
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.constantFrom(...STYLES), { minLength: 1, maxLength: 6 }),
        putRaceArb,
        async (kind, maxsize, styles, actions) =>
          runVirtual(async () => {
            const q = make(kind, maxsize);
            for (let i = 0; i < maxsize; i++) q.putNowait(1000 + i);
            const putDone = new Set<number>();
            const ps = styles.map((style, i) =>
              createTask(
                body(style, function* () {
                  yield* aw(style, q.put(i));
                  putDone.add(i);
                }),
              ),
            );
            await passes(2);
            const taken: number[] = [];
            let extra = 2000;
            const extras: number[] = [];
            let burst: PutRaceAction[] = [];
            const flush = async () => {
              const b = burst;
              burst = [];
              await new Promise<void>((resolve) =>
                getRunningLoop().callSoon(() => {
                  for (const a of b) {
                    if (a.k === 'getNowait' && !q.empty()) taken.push(q.getNowait());
                    else if (a.k === 'cancel') ps[a.i % ps.length]!.cancel();
                    else if (a.k === 'putNowait' && !q.full()) {
                      q.putNowait(extra);
                      extras.push(extra++);
                    }
                  }
                  resolve();
                }),
              );
              await passes(1);
              expect(q.qsize()).toBeLessThanOrEqual(maxsize);
            };
            for (const a of actions) {
              if (a.k === 'pass') await flush();
              else burst.push(a);
            }
            await flush();
            await passes(10);
            const blocked = ps.filter((t) => !t.done()).length;
            // A putter still blocked means the queue is full.
            if (blocked > 0) expect(q.full()).toBe(true);
            expect(q.statistics().tasksWaitingPut).toBe(blocked);
            const left: number[] = [];
            while (!q.empty()) left.push(q.getNowait());
            const out = [...taken, ...left].sort((x, y) => x - y);
            const put = [...Array.from({ length: maxsize }, (_, i) => 1000 + i), ...extras, ...putDone].sort((x, y) => x - y);
            // Exactly the items whose put returned (plus the initial and extra ones) came out.
            expect(out).toEqual(put);
            for (const t of ps) t.cancel();
            await gather(ps, { returnExceptions: true });
          }),
      ),
      fcOptions(150),
    );
  });
});

describe('Queue async iteration', () => {
  it('consumers iterating with for-await get every item exactly once and all end after shutdown() and the drain', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 0, maxLength: 12 }),
        fc.constantFrom(...STYLES),
        fc.boolean(),
        async (maxsize, nConsumers, gaps, producerStyle, immediate) =>
          runVirtual(async () => {
            const q = new Queue<number>(maxsize);
            const got: number[] = [];
            const consumers = Array.from({ length: nConsumers }, () =>
              createTask(async () => {
                for await (const v of q) {
                  got.push(v);
                  await sleep(1);
                }
                return 'ended';
              }),
            );
            let droppedAt = -1;
            const producer = createTask(
              body(producerStyle, function* () {
                for (let i = 0; i < gaps.length; i++) {
                  yield* aw(producerStyle, q.put(i));
                  yield* nap(producerStyle, gaps[i]!);
                }
                droppedAt = q.qsize();
                q.shutdown(immediate);
              }),
            );
            const results = await gather([producer, ...consumers]);
            expect(results.slice(1)).toEqual(consumers.map(() => 'ended'));
            expect(new Set(got).size).toBe(got.length);
            expect(got.length).toBe(gaps.length - (immediate ? droppedAt : 0));
            if (!immediate) expect([...got].sort((a, b) => a - b)).toEqual(gaps.map((_, i) => i));
            expect(q.qsize()).toBe(0);
          }),
      ),
      fcOptions(100),
    );
  });
});

describe('Queue cancel/wake/shutdown races', () => {
  for (const style of STYLES) {
    it(`shutdown(immediate) after a put woke a getter, before it resumed: the getter fails with QueueShutDownError and the item is dropped (${style})`, () =>
      runVirtual(async () => {
        const q = new Queue<string>();
        const g = createTask(
          body(style, function* () {
            return yield* aw(style, q.get());
          }),
        );
        await passes(2);
        q.putNowait('x'); // wakes g
        q.shutdown(true); // before g resumes
        const [rg] = await gather([g], { returnExceptions: true });
        expect(rg).toBeInstanceOf(QueueShutDownError);
        expect(q.qsize()).toBe(0);
        expect(q.statistics().unfinishedTasks).toBe(0);
        await q.join();
      }));

    it(`shutdown() after a get freed a slot for a blocked putter, before it resumed: the put fails and adds nothing (${style})`, () =>
      runVirtual(async () => {
        const q = new Queue<string>(1);
        q.putNowait('a');
        const p = createTask(
          body(style, function* () {
            yield* aw(style, q.put('b'));
          }),
        );
        await passes(2);
        expect(q.getNowait()).toBe('a'); // wakes p
        q.shutdown();
        const [rp] = await gather([p], { returnExceptions: true });
        expect(rp).toBeInstanceOf(QueueShutDownError);
        expect(q.qsize()).toBe(0);
        expect(syncError(() => q.get())).toBeInstanceOf(QueueShutDownError);
      }));

    it(`a getter cancelled in the pass shutdown() wakes it ends cancelled; the other getter gets QueueShutDownError; nothing is reported (${style})`, () =>
      runVirtual(async () => {
        const q = new Queue<string>();
        const mk = () =>
          createTask(
            body(style, function* () {
              return yield* aw(style, q.get());
            }),
          );
        const a = mk();
        const b = mk();
        await passes(2);
        q.shutdown();
        a.cancel();
        const [ra, rb] = await gather([a, b], { returnExceptions: true });
        assertCancelled(ra);
        expect(rb).toBeInstanceOf(QueueShutDownError);
        expect(q.statistics().tasksWaitingGet).toBe(0);
      }));

    it(`two getters woken by two puts, the first cancelled before it resumes: the second and a retry get both items in order (${style})`, () =>
      runVirtual(async () => {
        const q = new Queue<number>();
        const mk = () =>
          createTask(
            body(style, function* () {
              return yield* aw(style, q.get());
            }),
          );
        const a = mk();
        const b = mk();
        await passes(2);
        q.putNowait(1);
        q.putNowait(2);
        a.cancel();
        const [ra, rb] = await gather([a, b], { returnExceptions: true });
        assertCancelled(ra);
        expect(rb).toBe(1);
        expect(q.getNowait()).toBe(2);
      }));

    it(`a getter timed out by waitFor in the pass a put wakes it leaves the item for the next get (${style})`, () =>
      runVirtual(async () => {
        const q = new Queue<number>();
        const at5 = sleep(5);
        const g = createTask(
          body(style, function* () {
            return yield* aw(style, waitFor(q.get(), 5));
          }),
        );
        await passes(2);
        await at5; // the getter's timeout fires in this pass too
        q.putNowait(7);
        const [rg] = await gather([g], { returnExceptions: true });
        if (rg === 7) {
          expect(q.qsize()).toBe(0);
        } else {
          expect(rg).toBeInstanceOf(TimeoutError);
          expect(q.getNowait()).toBe(7);
        }
      }));

    it(`a putter timed out by waitFor in the pass a get frees its slot passes the slot to the next putter (${style})`, () =>
      runVirtual(async () => {
        const q = new Queue<string>(1);
        q.putNowait('a');
        const at5 = sleep(5);
        const p1 = createTask(
          body(style, function* () {
            yield* aw(style, waitFor(q.put('b'), 5));
          }),
        );
        const p2 = createTask(
          body(style, function* () {
            yield* aw(style, q.put('c'));
          }),
        );
        await passes(2);
        await at5;
        expect(q.getNowait()).toBe('a'); // wakes p1, whose timeout fires in this pass
        const [r1] = await gather([p1], { returnExceptions: true });
        await passes(5);
        expect(q.qsize()).toBe(1);
        if (r1 instanceof TimeoutError) {
          // p1 left: the slot went on to p2
          expect(p2.done()).toBe(true);
          expect(q.getNowait()).toBe('c');
        } else {
          // p1 took the slot: p2 waits for the next one
          expect(q.getNowait()).toBe('b');
          await p2;
          expect(q.getNowait()).toBe('c');
        }
      }));
  }

  // Found by the random programs (async style): see the Lock tests of the same kind. The item is
  // taken at the call (or when the wait first uses the future); a cancel landing in the microtask
  // gap before the await reads it makes the await throw, and the item is gone. (Closed since
  // 67d5c4b for these constructions; the foreign-promise tests below still open the gap.)
  it('an async task cancelled between get() of a non-empty queue and its await does not lose the item', () =>
    runVirtual(async () => {
      const q = new Queue<number>();
      q.putNowait(1);
      const go = new Event();
      let got: number | undefined;
      const a = createTask(async () => {
        await go.wait();
        got = await q.get();
      });
      const b = createTask(async () => {
        await go.wait();
        a.cancel();
      });
      await passes(1);
      go.set();
      await gather([a, b], { returnExceptions: true });
      // Either a got the item (and its cancel lands later), or the item is still in the queue.
      expect(got === 1 || q.qsize() === 1, `got ${got}, qsize ${q.qsize()}`).toBe(true);
    }));

  it('an async task cancelled before its blocked get() is first awaited, after an item came, does not lose the item', () =>
    runVirtual(async () => {
      const q = new Queue<number>();
      const go = new Event();
      let got: number | undefined;
      const a = createTask(async () => {
        await go.wait();
        got = await q.get();
      });
      const b = createTask(async () => {
        await go.wait();
        q.putNowait(1);
        a.cancel();
      });
      await passes(1);
      go.set();
      await gather([a, b], { returnExceptions: true });
      expect(got === 1 || q.qsize() === 1, `got ${got}, qsize ${q.qsize()}`).toBe(true);
    }));

  it('an async task whose put() into a queue with room is cancelled before its await either put the item and says so, or put nothing', () =>
    runVirtual(async () => {
      const q = new Queue<number>();
      const go = new Event();
      let putReturned = false;
      const a = createTask(async () => {
        await go.wait();
        await q.put(1);
        putReturned = true;
      });
      const b = createTask(async () => {
        await go.wait();
        a.cancel();
      });
      await passes(1);
      go.set();
      await gather([a, b], { returnExceptions: true });
      // A put that raised CancelledError must not have added the item (a retry would duplicate it).
      expect(q.qsize()).toBe(putReturned ? 1 : 0);
    }));

  it('an async task cancelled while awaiting a foreign promise, then getting from a non-empty queue, does not lose the item', () =>
    runVirtual(async () => {
      const q = new Queue<number>();
      q.putNowait(1);
      const io = foreignGate();
      let got: number | undefined;
      const a = createTask(async () => {
        await io.promise;
        got = await q.get();
      });
      await passes(1);
      io.open();
      a.cancel();
      await gather([a], { returnExceptions: true });
      expect(got === 1 || q.qsize() === 1, `got ${got}, qsize ${q.qsize()}`).toBe(true);
    }));

  it('an async task cancelled while awaiting a foreign promise, then putting into a queue with room, adds nothing if its put() fails', () =>
    runVirtual(async () => {
      const q = new Queue<number>();
      const io = foreignGate();
      let putReturned = false;
      const a = createTask(async () => {
        await io.promise;
        await q.put(1);
        putReturned = true;
      });
      await passes(1);
      io.open();
      a.cancel();
      await gather([a], { returnExceptions: true });
      expect(q.qsize()).toBe(putReturned ? 1 : 0);
    }));
});
