import { describe, expect, it } from 'vitest';
import { Event, Lock, Queue, Semaphore, createTask, getRunningLoop, run, type EventLoop } from 'tulip';
import { passes, passesG, syncError } from '../support.js';

/** Holds `lock` from a task of the current loop until a second task has waited for it. */
function* contend(lock: Lock): Generator<unknown, void, unknown> {
  yield* lock.acquire();
  const waiter = createTask(function* () {
    yield* lock.acquire();
    lock.release();
  });
  yield* passesG(2);
  lock.release();
  yield* waiter;
}

describe('loop binding of the primitives (asyncio _LoopBoundMixin)', () => {
  it('a queue made inside one run() and first waited on in a second binds to the second', async () => {
    const q = await run(function* () {
      const made = new Queue<number>();
      made.putNowait(1);
      expect(made.getNowait()).toBe(1); // no wait: binds nothing
      return made;
    });
    const got = await run(async () => {
      const t = createTask(() => q.get());
      await passes(2);
      q.putNowait(7);
      return await t;
    });
    expect(got).toBe(7);
    // Now bound to the second loop: a wait in a third is refused.
    await run(() => {
      expect((syncError(() => q.get()) as Error).message).toMatch(/bound to a different event loop/);
    });
  });

  it('a lock made in one run() that only took fast paths there can be contended in the next (both styles)', async () => {
    const lock = new Lock();
    const sem = new Semaphore(1);
    await run(async () => {
      await lock.acquire(); // free: the fast path
      lock.release();
      await sem.acquire();
      sem.release();
    });
    await run(function* () {
      yield* contend(lock);
      yield* sem.acquire();
      const t = createTask(async () => {
        await sem.acquire();
        sem.release();
      });
      yield* passesG(2);
      sem.release();
      yield* t;
    });
    await run(() => {
      lock.acquire(); // free again: taken without a loop check, as asyncio's fast path
      expect((syncError(() => lock.acquire()) as Error).message).toMatch(/bound to a different event loop/);
      lock.release();
    });
  });

  it('fast paths return a finished future of the running loop, shared by every call in that loop', async () => {
    const ev = new Event();
    ev.set();
    const seen: Array<[EventLoop, unknown, unknown]> = [];
    for (let i = 0; i < 2; i++) {
      await run(function* () {
        const a = ev.wait();
        const b = new Queue<number>().put(1);
        expect(a.done() && b.done()).toBe(true);
        seen.push([getRunningLoop(), a.getLoop(), b.getLoop()]);
        expect(yield* a).toBe(true);
      });
    }
    for (const [loop, a, b] of seen) {
      expect(a).toBe(loop);
      expect(b).toBe(loop);
    }
    expect(seen[0]![0]).not.toBe(seen[1]![0]);
  });

  it('put() of a queue outside any running loop throws RuntimeError and puts nothing', async () => {
    const q = new Queue<number>();
    await run(async () => {
      const t = createTask(() => q.get());
      await passes(2);
      q.putNowait(1);
      await t;
    });
    expect(syncError(() => q.put(2)).message).toMatch(/no running event loop/);
    expect(q.qsize()).toBe(0);
  });
});
