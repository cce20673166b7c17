import { describe, expect, it } from 'vitest';
import { CancelScope, Condition, Lock, RuntimeError, createTask, gather, getRunningLoop, run, sleep, type Coroutine } from 'tulip';
import { STYLES, assertCancelled, passes, rejection, rejectionG, runVirtual, styled, syncError } from '../support.js';


describe('Condition', () => {
  for (const style of STYLES) {
    it(`wait() in a scope cancelled while another task holds the lock re-acquires it without spinning, then the scope catches (${style})`, () =>
      runVirtual(async () => {
        const cond = new Condition();
        const scope = new CancelScope();
        let steps = 0;
        const body = styled(
          style,
          function* () {
            yield* scope.run(function* () {
              yield* cond.acquire();
              try {
                yield* cond.wait();
              } finally {
                cond.release();
              }
            });
          },
          async () => {
            await scope.run(async () => {
              await cond.acquire();
              try {
                await cond.wait();
              } finally {
                cond.release();
              }
            });
          },
        );
        const waiter = createTask(body);
        getRunningLoop().addInstrument({
          beforeTaskStep: (t: unknown) => {
            if (t === waiter) steps++;
          },
        });
        await sleep(5);
        await cond.acquire();
        scope.cancel();
        const before = steps;
        await sleep(300); // the lock stays held meanwhile
        expect(steps - before).toBeLessThanOrEqual(2); // it used to be woken, and cancelled, at every pass
        expect(waiter.done()).toBe(false);
        cond.release();
        await waiter;
        expect(scope.cancelledCaught).toBe(true);
        expect(cond.locked()).toBe(false);
      }));
  }

  it('notify() without the lock names the problem and the condition stays usable', () =>
    run(async () => {
      const cond = new Condition();
      const e = syncError(() => cond.notify());
      expect(e).toBeInstanceOf(RuntimeError);
      expect((e as Error).message).toMatch(/cannot notify on un-acquired lock/);
      await cond.run(() => cond.notify());
    }));

  it('notify() refuses a negative or NaN count with RangeError and a non-number with TypeError', () =>
    run(async () => {
      const cond = new Condition();
      await cond.acquire();
      expect(syncError(() => cond.notify(-1))).toBeInstanceOf(RangeError);
      expect(syncError(() => cond.notify(NaN))).toBeInstanceOf(RangeError);
      const e = syncError(() => cond.notify('2' as never));
      expect(e).toBeInstanceOf(TypeError);
      expect(e.message).toBe('Condition.notify: n must be a number >= 0, got "2"');
      cond.release();
    }));

  it('refuses a lock that is not a Lock with TypeError', () => {
    expect(() => new Condition({} as Lock)).toThrow(TypeError);
  });

  it('a producer/consumer pair hands over every item through waitFor()', () =>
    run(async () => {
      const cond = new Condition();
      const items: number[] = [];
      const got: number[] = [];
      const consumer = createTask(function* (): Coroutine<void> {
        for (let i = 0; i < 5; i++) {
          yield* cond.run(function* () {
            yield* cond.waitFor(() => items.length > 0);
            got.push(items.shift()!);
          });
        }
      });
      for (let i = 0; i < 5; i++) {
        await cond.run(() => {
          items.push(i);
          cond.notify();
        });
        await sleep(0);
      }
      await consumer;
      expect(got).toEqual([0, 1, 2, 3, 4]);
    }));

  it('a waiter cancelled while waiting for a notify re-acquires the lock first (both styles)', () =>
    run(async () => {
      const cond = new Condition();
      const sawLock: boolean[] = [];
      const a = createTask(async () => {
        await cond.acquire();
        try {
          await cond.wait();
        } finally {
          sawLock.push(cond.locked());
          cond.release();
        }
      });
      const g = createTask(function* () {
        yield* cond.acquire();
        try {
          yield* cond.wait();
        } finally {
          sawLock.push(cond.locked());
          cond.release();
        }
      });
      await passes(10);
      await cond.acquire(); // both released the lock in wait()
      a.cancel();
      g.cancel();
      await passes(10);
      expect(a.done() || g.done()).toBe(false); // they wait for the lock we hold
      cond.release();
      assertCancelled(await rejection(a));
      assertCancelled(await rejection(g));
      expect(sawLock).toEqual([true, true]);
      expect(cond.locked()).toBe(false);
    }));

  it('a notified waiter cancelled before it resumes hands the notification on (generator)', () =>
    run(function* () {
      const cond = new Condition();
      const woken: string[] = [];
      const waiter = (name: string) =>
        function* (): Coroutine<void> {
          yield* cond.run(function* () {
            yield* cond.wait();
            woken.push(name);
          });
        };
      const a = createTask(waiter('a'));
      const b = createTask(waiter('b'));
      const c = createTask(waiter('c'));
      yield* sleep(0);
      yield* cond.acquire();
      cond.notify(2); // a and b
      a.cancel();
      cond.release();
      assertCancelled(yield* rejectionG(a));
      yield* gather([b, c]);
      expect(woken).toEqual(['b', 'c']);
    }));

  it('statistics() reports the waiters and the lock', () =>
    run(async () => {
      const cond = new Condition();
      createTask(() => cond.run(() => cond.wait()));
      await passes(10);
      expect(cond.statistics()).toEqual({ tasksWaiting: 1, lockStatistics: { locked: false, tasksWaiting: 0 } });
      await cond.run(() => cond.notifyAll());
      await passes(10);
      expect(cond.statistics().tasksWaiting).toBe(0);
    }));
});
