// Reliability of Queue, LifoQueue and PriorityQueue under races, in both coroutine styles: random
// bursts in one pass of getters (or putters) woken and cancelled in the same passes, consumers
// iterating with for-await, and deterministic cancel/wake/shutdown races. No item is lost or
// doubled, a cancelled or failed put adds nothing, maxsize holds, and shutdown releases every
// blocked getter and putter (the random programs are in queues.test.ts).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Event,
  Queue,
  QueueShutDownError,
  TimeoutError,
  createTask,
  gather,
  getRunningLoop,
  sleep,
  waitFor,
} from 'tulip';
import { assertCancelled, passes, runVirtual, syncError } from '../support.js';
import { STYLES, aw, body, fcOptions, foreignGate, nap } from './harness.js';

import { KINDS, make } from './queues.helpers.js';

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
