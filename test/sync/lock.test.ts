import { describe, expect, it } from 'vitest';
import { CancelledError, Lock, RuntimeError, WouldBlockError, createTask, gather, run, sleep, type Coroutine } from 'tulip';
import { assertCancelled, passes, rejection, syncError } from '../support.js';


describe('Lock', () => {
  it('acquire() of a free lock returns a future that is already done', () =>
    run(async () => {
      const lock = new Lock();
      const f = lock.acquire();
      expect(f.done()).toBe(true);
      expect(f.result()).toBe(true);
      expect(lock.locked()).toBe(true);
    }));

  it('locked() is false right after release() woke a waiter, and a new acquire() queues behind it', () =>
    run(function* () {
      const lock = new Lock();
      yield* lock.acquire();
      const order: string[] = [];
      createTask(function* () {
        yield* lock.acquire();
        order.push('waiter');
        lock.release();
      });
      yield* sleep(0);
      lock.release();
      expect(lock.locked()).toBe(false);
      expect(() => lock.acquireNowait()).toThrow(WouldBlockError); // no barging past the woken waiter
      yield* lock.acquire();
      order.push('main');
      expect(order).toEqual(['waiter', 'main']);
      expect(lock.locked()).toBe(true);
    }));

  it('acquireNowait() takes a free lock and throws WouldBlockError on a held one', () =>
    run(() => {
      const lock = new Lock();
      lock.acquireNowait();
      expect(lock.locked()).toBe(true);
      expect(syncError(() => lock.acquireNowait())).toBeInstanceOf(WouldBlockError);
    }));

  it('release() of an unlocked lock names the problem and changes nothing', () =>
    run(async () => {
      const lock = new Lock();
      const e = syncError(() => lock.release());
      expect(e).toBeInstanceOf(RuntimeError);
      expect((e as Error).message).toBe('Lock is not acquired.');
      expect(await lock.acquire()).toBe(true);
    }));

  it('statistics() reports the holder state and the blocked waiters', () =>
    run(async () => {
      const lock = new Lock();
      expect(lock.statistics()).toEqual({ locked: false, tasksWaiting: 0 });
      await lock.acquire();
      const t = createTask(() => lock.acquire());
      await passes(10);
      expect(lock.statistics()).toEqual({ locked: true, tasksWaiting: 1 });
      t.cancel();
      await rejection(t);
      expect(lock.statistics()).toEqual({ locked: true, tasksWaiting: 0 });
    }));

  it('100 contending tasks each hold the lock alone, in arrival order', () =>
    run(async () => {
      const lock = new Lock();
      let inside = 0;
      const order: number[] = [];
      const tasks = Array.from({ length: 100 }, (_, i) =>
        createTask(() =>
          lock.run(async () => {
            inside++;
            expect(inside).toBe(1);
            order.push(i);
            await sleep(0);
            inside--;
          }),
        ),
      );
      await gather(tasks);
      expect(order).toEqual(Array.from({ length: 100 }, (_, i) => i));
    }));

  it('a lock used in a second loop after it waited in a first throws RuntimeError', async () => {
    const lock = new Lock();
    await run(async () => {
      await lock.acquire();
      const t = createTask(() => lock.acquire());
      await passes(10);
      lock.release();
      await t;
      lock.release();
    });
    await run(async () => {
      await lock.acquire(); // a free lock is taken without touching the loop
      expect((syncError(() => lock.acquire()) as Error).message).toMatch(/bound to a different event loop/);
    });
  });
});

describe('Lock.run', () => {
  it('releases on return, throw and cancellation of the body (async)', () =>
    run(async () => {
      const lock = new Lock();
      expect(await lock.run(() => 1)).toBe(1);
      expect(lock.locked()).toBe(false);
      const err = await rejection(lock.run(async () => Promise.reject(new Error('boom'))));
      expect((err as Error).message).toBe('boom');
      expect(lock.locked()).toBe(false);
      const t = createTask(() => lock.run(() => sleep(1_000_000)));
      await passes(10);
      expect(lock.locked()).toBe(true);
      t.cancel();
      assertCancelled(await rejection(t));
      expect(lock.locked()).toBe(false);
    }));

  it('releases on return, throw and cancellation of the body (generator)', () =>
    run(function* () {
      const lock = new Lock();
      const steps: string[] = [];
      const t = createTask(function* (): Coroutine<void> {
        yield* lock.run(function* () {
          try {
            yield* sleep(1_000_000);
          } finally {
            steps.push(`finally, locked=${lock.locked()}`);
          }
        });
      });
      yield* sleep(0);
      t.cancel();
      yield* sleep(0);
      expect(t.cancelled()).toBe(true);
      expect(steps).toEqual(['finally, locked=true']);
      expect(lock.locked()).toBe(false);
    }));

  it('a task cancelled while waiting for the lock never runs the body', () =>
    run(async () => {
      const lock = new Lock();
      await lock.acquire();
      let ran = false;
      const t = createTask(() =>
        lock.run(() => {
          ran = true;
        }),
      );
      await passes(10);
      t.cancel();
      expect(await rejection(t)).toBeInstanceOf(CancelledError);
      lock.release();
      await passes(10);
      expect(ran).toBe(false);
      expect(lock.locked()).toBe(false);
    }));

  it('refuses a body that is not a function with TypeError', () =>
    run(() => {
      expect(syncError(() => new Lock().run(42 as never))).toBeInstanceOf(TypeError);
    }));
});
