// Gap ports of CPython 3.13 Lib/test/test_asyncio/test_locks.py: the behaviours of that file that no
// other test of the suite checked yet (see the gap analysis: everything else in test_locks.py is
// covered by locks*.test.ts, conditions*.test.ts, semaphores*.test.ts, barriers*.test.ts,
// test/sync/*.test.ts and the shared suite, or is Python-only).
import { describe, expect, it } from 'vitest';
import { Barrier, Condition, Lock, RuntimeError, Semaphore, createTask, gather, getRunningLoop, run, sleep } from 'tulip';
import { STYLES, assertCancelled, rejection, styled, syncError } from './helpers.js';

/** Binds `lock` to the loop of a first run() by making a task wait for it there. */
async function bindToAFirstLoop(lock: Lock): Promise<void> {
  await run(async () => {
    await lock.acquire();
    const waiter = createTask(() => lock.acquire());
    await sleep(0);
    lock.release();
    await waiter;
    lock.release();
  });
}

describe('Condition over a lock of another loop', () => {
  // ports test_locks.py::ConditionTests.test_ambiguous_loops (wrong_loop_in_lock: the lock, not the
  // condition, is bound to the other loop; asyncio sets the private `_loop`, tulip binds it for real)
  for (const style of STYLES) {
    it(`cond.acquire() that has to wait for a lock bound to another loop throws RuntimeError and the lock stays held (${style})`, async () => {
      const lock = new Lock();
      await bindToAFirstLoop(lock);
      await run(
        styled(
          style,
          function* () {
            yield* lock.acquire(); // free: taken without touching any loop
            const cond = new Condition(lock);
            const e = syncError(() => cond.acquire());
            expect(e).toBeInstanceOf(RuntimeError);
            expect(e.message).toMatch(/bound to a different event loop/);
            expect(lock.locked()).toBe(true);
            expect(cond.locked()).toBe(true);
            lock.release();
            expect(cond.locked()).toBe(false);
          },
          async () => {
            await lock.acquire();
            const cond = new Condition(lock);
            const e = syncError(() => cond.acquire());
            expect(e).toBeInstanceOf(RuntimeError);
            expect(e.message).toMatch(/bound to a different event loop/);
            expect(lock.locked()).toBe(true);
            expect(cond.locked()).toBe(true);
            lock.release();
            expect(cond.locked()).toBe(false);
          },
        ),
      );
    });
  }
});

describe('Semaphore: a cancelled acquire()', () => {
  // ports test_locks.py::SemaphoreTests.test_acquire_cancel (the async-style port in
  // test/sync/semaphore.test.ts checks the waiter count; here both styles also check that the unit
  // the cancelled waiter never got stays with the semaphore)
  for (const style of STYLES) {
    it(`a task cancelled while blocked in acquire() leaves no waiter and takes no unit (${style})`, () =>
      run(async () => {
        const sem = new Semaphore();
        expect(await sem.acquire()).toBe(true);
        const acquirer = createTask(
          styled(
            style,
            function* () {
              return yield* sem.acquire();
            },
            async () => sem.acquire(),
          ),
        );
        getRunningLoop().callSoon(() => acquirer.cancel());
        assertCancelled(await rejection(acquirer));
        expect(sem.statistics().tasksWaiting).toBe(0);
        sem.release();
        expect(sem.locked()).toBe(false);
        expect(sem.statistics().value).toBe(1);
        expect(await sem.acquire()).toBe(true);
        expect(sem.locked()).toBe(true);
      }));
  }
});

describe('Barrier.toString', () => {
  // ports test_locks.py::BarrierTests.test_repr (the waiting count in every state but broken;
  // barriers.more.test.ts checks the state names, which match)
  // asyncio shows ", waiters:n/parties" while draining and resetting too
  // ("[draining, waiters:0/3]", "[resetting, waiters:0/3]"); 
  it('shows waiters:n/parties while filling, draining and resetting, and not once broken', () =>
    run(async () => {
      const barrier = new Barrier(3);
      const round = [0, 1, 2].map(() => createTask(() => barrier.wait()));
      await sleep(0);
      expect(String(barrier)).toBe('<Barrier [draining, waiters:0/3]>');
      const next = [0, 1].map(() => createTask(() => barrier.wait()));
      await sleep(0);
      expect(String(barrier)).toBe('<Barrier [filling, waiters:2/3]>');
      await barrier.reset();
      expect(String(barrier)).toBe('<Barrier [resetting, waiters:0/3]>');
      await gather([...round, ...next], { returnExceptions: true });
      await barrier.abort();
      expect(String(barrier)).toBe('<Barrier [broken]>');
    }));
});
