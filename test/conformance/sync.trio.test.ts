// Behaviour ports of Trio's tests of CapacityLimiter and of its generic lock tests
// (trio/_tests/test_sync.py), in tulip's terms: a TaskGroup for a nursery, `run(body)` for
// `async with`, `waitAllTasksBlocked()` as in Trio's testing module. The generic tests run over
// every lock-like thing tulip has — CapacityLimiter(1), Semaphore(1), BoundedSemaphore(1), Lock —
// and over locks built from memory channels, as Trio's do, so they exercise the channels too.
// Each test names the Trio test it comes from.
//
// tulip's documented difference: an acquire that does not wait is no checkpoint (asyncio's rule).
import { describe, expect, it } from 'vitest';
import {
  BoundedSemaphore,
  CapacityLimiter,
  Lock,
  RuntimeError,
  Semaphore,
  TaskGroup,
  WouldBlockError,
  currentTask,
  openMemoryChannel,
  sleep,
  type Future,
} from 'tulip';
import { assertCheckpoints, assertNoCheckpoints, waitAllTasksBlocked } from 'tulip/testing';
import { errorOf, runVirtual, syncError } from './helpers.js';

describe('CapacityLimiter (Trio test_sync.py)', () => {
  it('test_CapacityLimiter: borrowing for the task and for others, the statistics, refusals, fairness', () =>
    runVirtual(async () => {
      expect(() => new CapacityLimiter(1.5)).toThrow(TypeError);
      expect(() => new CapacityLimiter(-1)).toThrow(RangeError);
      const c = new CapacityLimiter(2);
      expect(String(c)).toMatch(/CapacityLimiter/);
      expect([c.totalTokens, c.borrowedTokens, c.availableTokens]).toEqual([2, 0, 2]);
      expect(syncError(() => c.release())).toBeInstanceOf(RuntimeError);
      expect(c.borrowedTokens).toBe(0);
      c.acquireNowait();
      expect([c.borrowedTokens, c.availableTokens]).toEqual([1, 1]);
      // (Tasks are compared with toBe: a deep equality would iterate them, and a pending future
      // iterated twice throws, as in asyncio.)
      const stats = c.statistics();
      expect([stats.borrowedTokens, stats.totalTokens, stats.tasksWaiting]).toEqual([1, 2, 0]);
      expect(stats.borrowers).toHaveLength(1);
      expect(stats.borrowers[0]).toBe(currentTask());

      // The same borrower cannot borrow twice.
      expect(syncError(() => c.acquireNowait())).toBeInstanceOf(RuntimeError);
      expect(c.borrowedTokens).toBe(1);
      expect(await errorOf(() => c.acquire())).toBeInstanceOf(RuntimeError);
      expect(c.borrowedTokens).toBe(1);

      // On behalf of someone else it can (a free token: no wait, so no checkpoint in tulip).
      await assertNoCheckpoints(() => c.acquireOnBehalfOf('someone'));
      expect(c.borrowedTokens).toBe(2);
      expect(syncError(() => c.acquireOnBehalfOfNowait('third party'))).toBeInstanceOf(WouldBlockError);
      expect(c.statistics().borrowers).toHaveLength(2);
      expect(c.statistics().borrowers).toContain(currentTask());
      expect(c.statistics().borrowers).toContain('someone');
      c.releaseOnBehalfOf(currentTask());
      expect(c.statistics().borrowers).toEqual(['someone']);
      c.releaseOnBehalfOf('someone');
      expect(c.borrowedTokens).toBe(0);
      await c.run(() => {
        expect(c.borrowedTokens).toBe(1);
      });
      expect(c.borrowedTokens).toBe(0);

      // A token given back while a task waits goes to that task: nobody can take it first.
      await new TaskGroup().run(async (tg) => {
        await c.acquireOnBehalfOf('value 1');
        await c.acquireOnBehalfOf('value 2');
        tg.createTask(() => c.acquireOnBehalfOf('value 3'));
        await waitAllTasksBlocked();
        expect(c.borrowedTokens).toBe(2);
        expect(c.statistics().tasksWaiting).toBe(1);
        c.releaseOnBehalfOf('value 2');
        expect(c.borrowedTokens).toBe(2);
        expect(syncError(() => c.acquireNowait())).toBeInstanceOf(WouldBlockError);
      });
      c.releaseOnBehalfOf('value 3');
      c.releaseOnBehalfOf('value 1');
      expect(c.borrowedTokens).toBe(0);
    }));

  it('test_CapacityLimiter_inf: an unbounded limiter counts its borrowers and always has tokens', () =>
    runVirtual(() => {
      const c = new CapacityLimiter(Infinity);
      expect(String(c)).toMatch(/CapacityLimiter/);
      expect([c.totalTokens, c.borrowedTokens, c.availableTokens]).toEqual([Infinity, 0, Infinity]);
      expect(syncError(() => c.release())).toBeInstanceOf(RuntimeError);
      expect(c.borrowedTokens).toBe(0);
      c.acquireNowait();
      expect([c.borrowedTokens, c.availableTokens]).toEqual([1, Infinity]);
    }));

  it('test_CapacityLimiter_change_total_tokens: raising totalTokens admits waiters at once, lowering it waits for releases', () =>
    runVirtual(async () => {
      const c = new CapacityLimiter(2);
      expect(syncError(() => (c.totalTokens = 1.5))).toBeInstanceOf(TypeError);
      expect(syncError(() => (c.totalTokens = -1))).toBeInstanceOf(RangeError);
      expect(syncError(() => (c.totalTokens = -10))).toBeInstanceOf(RangeError);
      expect(c.totalTokens).toBe(2);
      await new TaskGroup().run(async (tg) => {
        for (let i = 0; i < 5; i++) {
          tg.createTask(() => c.acquireOnBehalfOf(i));
          await waitAllTasksBlocked();
        }
        expect(new Set(c.statistics().borrowers)).toEqual(new Set([0, 1]));
        expect(c.statistics().tasksWaiting).toBe(3);
        c.totalTokens += 2;
        expect(new Set(c.statistics().borrowers)).toEqual(new Set([0, 1, 2, 3]));
        expect(c.statistics().tasksWaiting).toBe(1);
        c.totalTokens -= 3;
        expect(c.borrowedTokens).toBe(4);
        expect(c.totalTokens).toBe(1);
        for (const b of [0, 1, 2]) c.releaseOnBehalfOf(b);
        expect(new Set(c.statistics().borrowers)).toEqual(new Set([3]));
        expect(c.statistics().tasksWaiting).toBe(1);
        c.releaseOnBehalfOf(3);
        expect(new Set(c.statistics().borrowers)).toEqual(new Set([4]));
        expect(c.statistics().tasksWaiting).toBe(0);
        c.releaseOnBehalfOf(4);
      });
    }));

  it('test_CapacityLimiter_memleak_548: a waiter cancelled with its group leaves no pending borrower behind', () =>
    runVirtual(async () => {
      const limiter = new CapacityLimiter(1);
      await limiter.acquire();
      const tg = new TaskGroup();
      await tg.run(async () => {
        tg.createTask(() => limiter.acquire());
        await waitAllTasksBlocked();
        tg.cancel();
      });
      expect(limiter.statistics().tasksWaiting).toBe(0);
      expect(limiter.statistics().borrowers).toHaveLength(1);
      expect(limiter.statistics().borrowers[0]).toBe(currentTask());
      limiter.release();
      expect(limiter.availableTokens).toBe(1);
    }));
});

/** The lock-like interface of Trio's generic lock tests, over tulip's primitives and channels. */
interface LockLike {
  acquireNowait(): void;
  acquire(): Future<unknown> | Promise<unknown>;
  release(): void;
}

/** A lock from a channel whose buffer holds the tokens taken (Trio's ChannelLock1). */
function channelLock1(capacity: number): LockLike {
  const [s, r] = openMemoryChannel<null>(capacity);
  for (let i = 0; i < capacity - 1; i++) s.sendNowait(null);
  return { acquireNowait: () => s.sendNowait(null), acquire: () => s.send(null), release: () => r.receiveNowait() };
}

/** A lock from a channel whose buffer holds the free token (Trio's ChannelLock2). */
function channelLock2(): LockLike {
  const [s, r] = openMemoryChannel<null>(10);
  s.sendNowait(null);
  return { acquireNowait: () => r.receiveNowait(), acquire: () => r.receive(), release: () => s.sendNowait(null) };
}

/** A lock from a rendezvous channel: a waiter is a blocked sender, handed the lock (ChannelLock3). */
function channelLock3(): LockLike {
  const [s, r] = openMemoryChannel<null>(0);
  let acquired = false;
  return {
    acquireNowait: () => {
      expect(acquired).toBe(false);
      acquired = true;
    },
    acquire: async () => {
      if (acquired) await s.send(null);
      else {
        acquired = true;
        await sleep(0);
      }
    },
    release: () => {
      try {
        r.receiveNowait();
      } catch (e) {
        expect(e).toBeInstanceOf(WouldBlockError);
        expect(acquired).toBe(true);
        acquired = false;
      }
    },
  };
}

const LOCKS: Array<[string, () => LockLike]> = [
  ['CapacityLimiter(1)', () => new CapacityLimiter(1)],
  ['Semaphore(1)', () => new Semaphore(1)],
  ['BoundedSemaphore(1)', () => new BoundedSemaphore(1)],
  ['Lock', () => new Lock()],
  ['ChannelLock1(10)', () => channelLock1(10)],
  ['ChannelLock1(1)', () => channelLock1(1)],
  ['ChannelLock2', channelLock2],
  ['ChannelLock3', channelLock3],
];

/** `async with lock_like:`. */
async function holding(lock: LockLike, body: () => Promise<void>): Promise<void> {
  await lock.acquire();
  try {
    await body();
  } finally {
    lock.release();
  }
}

describe('generic lock tests (Trio test_sync.py), over every lock-like thing', () => {
  it.each(LOCKS)('test_generic_lock_exclusion: %s admits one worker at a time', (_name, make) =>
    runVirtual(async () => {
      const LOOPS = 10;
      const WORKERS = 5;
      let inside = false;
      let acquires = 0;
      const lock = make();
      await new TaskGroup().run(async (tg) => {
        for (let w = 0; w < WORKERS; w++) {
          tg.createTask(async () => {
            for (let i = 0; i < LOOPS; i++) {
              await holding(lock, async () => {
                acquires++;
                expect(inside).toBe(false);
                inside = true;
                await sleep(0);
                await sleep(0);
                expect(inside).toBe(true);
                inside = false;
              });
            }
          });
        }
      });
      expect(inside).toBe(false);
      expect(acquires).toBe(LOOPS * WORKERS);
    }));

  it.each(LOCKS)('test_generic_lock_fifo_fairness: %s hands itself to its waiters in the order they came', (_name, make) =>
    runVirtual(async () => {
      const initialOrder: number[] = [];
      const record: number[] = [];
      const LOOPS = 5;
      const lock = make();
      await new TaskGroup().run(async (tg) => {
        await holding(lock, async () => {
          for (let i = 0; i < 5; i++) {
            tg.createTask(async () => {
              initialOrder.push(i);
              for (let j = 0; j < LOOPS; j++) {
                await holding(lock, async () => {
                  record.push(i);
                });
              }
            });
            await waitAllTasksBlocked();
          }
        });
      });
      const expected: number[] = [];
      for (let j = 0; j < LOOPS; j++) expected.push(...initialOrder);
      expect(record).toEqual(expected);
    }));

  it.each(LOCKS)('test_generic_lock_acquire_nowait_blocks_acquire: %s held by acquireNowait makes acquire() wait', (_name, make) =>
    runVirtual(async () => {
      const lock = make();
      lock.acquireNowait();
      let done = false;
      await new TaskGroup().run(async (tg) => {
        tg.createTask(async () => {
          await lock.acquire();
          done = true;
          lock.release();
        });
        await waitAllTasksBlocked();
        expect(done).toBe(false);
        lock.release();
      });
      expect(done).toBe(true);
    }));
});

describe('checkpoints of a blocking acquire (Trio: assert_checkpoints)', () => {
  it.each(LOCKS.slice(0, 4))('%s: an acquire that waits is a checkpoint, one that does not is not', (_name, make) =>
    runVirtual(async () => {
      const lock = make();
      await assertNoCheckpoints(() => lock.acquire());
      await new TaskGroup().run(async (tg) => {
        tg.createTask(() => assertCheckpoints(() => lock.acquire()));
        await waitAllTasksBlocked();
        lock.release(); // the waiter gets it
      });
    }));
});
