// Style twins of the Condition tests: each test here is the other-style twin of a test written in
// only one coroutine style in test/conformance/locks*.test.ts or /work/shared/conformance/locks.test.ts
// (async twins that exist already in locks.more.test.ts are not repeated). Same behaviour, same pass
// counts and order (`sleep(0)` is exactly one pass).
import { describe, expect, it } from 'vitest';
import {
  CancelledError,
  Condition,
  TimeoutError,
  createTask,
  getRunningLoop,
  run,
  sleep,
  waitFor,
} from 'tulip';
import {
  assertCancelled,
  passesG,
  rejection,
  rejectionG,
  runNoShutdown,
  runVirtual,
} from './helpers.js';

// ---- Condition ----------------------------------------------------------------------------------

describe('Condition (style twins)', () => {
  // twin of locks.test.ts::a waiter notified, then cancelled while the lock is contested, still ends holding the lock
  it('a generator waiter notified, then cancelled while the lock is contested, still ends holding the lock', () =>
    run(function* () {
      const cond = new Condition();
      yield* cond.acquire();
      const waitTask = createTask(function* () {
        return yield* cond.wait();
      });
      yield* sleep(0);
      expect(cond.locked()).toBe(false);
      yield* cond.acquire();
      cond.notify();
      getRunningLoop().callSoon(() => waitTask.cancel());
      getRunningLoop().callSoon(() => cond.release());
      try {
        yield* waitTask;
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
      }
      expect(cond.locked()).toBe(true);
    }));

  // twin of locks.more.test.ts::waitFor() wakes on each notify but returns only once the predicate is true (async, exact passes)
  it('waitFor() wakes on each notify but returns only once the predicate is true (generator, exact passes)', () =>
    runNoShutdown(function* () {
      const cond = new Condition();
      let presult = false;
      const result: number[] = [];
      const t = createTask(function* () {
        yield* cond.acquire();
        if (yield* cond.waitFor(() => presult)) {
          result.push(1);
          cond.release();
        }
        return true;
      });
      yield* sleep(0);
      expect(result).toEqual([]);
      yield* cond.acquire();
      cond.notify();
      cond.release();
      yield* sleep(0);
      expect(result).toEqual([]);
      presult = true;
      yield* cond.acquire();
      cond.notify();
      cond.release();
      yield* sleep(0);
      expect(result).toEqual([1]);
      expect(t.done()).toBe(true);
      expect(t.result()).toBe(true);
    }));

  // twin of locks.more.test.ts::notify(1) wakes one waiter; notify(1) then notify(2048) wakes the rest (async, exact passes)
  it('notify(1) wakes one waiter; notify(1) then notify(2048) wakes the rest (generator, exact passes)', () =>
    runNoShutdown(function* () {
      const cond = new Condition();
      const result: number[] = [];
      const c = (n: number) =>
        function* () {
          yield* cond.acquire();
          if (yield* cond.wait()) {
            result.push(n);
            cond.release();
          }
          return true;
        };
      const ts = [createTask(c(1)), createTask(c(2)), createTask(c(3))];
      yield* sleep(0);
      expect(result).toEqual([]);
      yield* cond.acquire();
      cond.notify(1);
      cond.release();
      yield* sleep(0);
      expect(result).toEqual([1]);
      yield* cond.acquire();
      cond.notify(1);
      cond.notify(2048);
      cond.release();
      yield* sleep(0);
      expect(result).toEqual([1, 2, 3]);
      for (const t of ts) {
        expect(t.done()).toBe(true);
        expect(t.result()).toBe(true);
      }
    }));

  // twin of locks.more.test.ts::notifyAll() wakes every waiter, each in turn within the next pass (async)
  it('notifyAll() wakes every generator waiter, each in turn within the next pass', () =>
    runNoShutdown(function* () {
      const cond = new Condition();
      const result: number[] = [];
      const c = (n: number) =>
        function* () {
          yield* cond.acquire();
          if (yield* cond.wait()) {
            result.push(n);
            cond.release();
          }
          return true;
        };
      const ts = [createTask(c(1)), createTask(c(2))];
      yield* sleep(0);
      expect(result).toEqual([]);
      yield* cond.acquire();
      cond.notifyAll();
      cond.release();
      yield* sleep(0);
      expect(result).toEqual([1, 2]);
      for (const t of ts) expect(t.result()).toBe(true);
    }));

  // twin of locks.test.ts::toString shows the lock state and the waiters
  it('toString shows the lock state and the generator waiters', () =>
    run(function* () {
      const cond = new Condition();
      expect(String(cond)).toBe('<Condition [unlocked]>');
      yield* cond.acquire();
      createTask(() => cond.run(() => cond.wait()));
      yield* sleep(0);
      expect(String(cond)).toBe('<Condition [locked]>');
      cond.release();
      yield* passesG(20);
      expect(String(cond)).toBe('<Condition [unlocked, waiters:1]>');
    }));

  // twin of locks.test.ts::a waiter cancelled after notify() passes the notification to another waiter (generator)
  it('an async waiter cancelled after notify() passes the notification to another waiter', () =>
    run(async () => {
      const cond = new Condition();
      const woken: string[] = [];
      const waiter = (name: string) => async () => {
        await cond.run(async () => {
          await cond.wait();
          woken.push(name);
        });
      };
      const a = createTask(waiter('a'));
      const b = createTask(waiter('b'));
      await sleep(0);
      await cond.run(() => cond.notify(1));
      a.cancel();
      for (let i = 0; i < 5; i++) await sleep(0);
      expect(a.cancelled()).toBe(true);
      expect(woken).toEqual(['b']);
      expect(b.done()).toBe(true);
    }));

  // twin of locks.test.ts::a waiter cancelled while it waits to re-acquire ends cancelled, holding then releasing the lock (async)
  it('a generator waiter cancelled while it waits to re-acquire ends cancelled, holding then releasing the lock', () =>
    run(function* () {
      const cond = new Condition();
      let inFinally = false;
      const waiter = createTask(function* () {
        yield* cond.acquire();
        try {
          yield* cond.wait();
        } finally {
          inFinally = cond.locked();
          cond.release();
        }
      });
      yield* sleep(0);
      yield* cond.acquire();
      cond.notify();
      yield* sleep(0);
      waiter.cancel();
      yield* sleep(0);
      expect(waiter.done()).toBe(false);
      cond.release();
      assertCancelled(yield* rejectionG(waiter));
      expect(inFinally).toBe(true);
      expect(cond.locked()).toBe(false);
    }));

  // twin of locks.more.test.ts::cancel(msg) while waiting in waitFor: the very same CancelledError comes out of the task (async)
  it('cancel(msg) while waiting in waitFor: the very same CancelledError comes out of the generator task', () =>
    run(function* () {
      let raised: unknown = null;
      const cond = new Condition();
      const task = createTask(() =>
        cond.run(function* () {
          const e = yield* rejectionG(cond.waitFor(() => false));
          assertCancelled(e);
          raised = e;
          throw e;
        }),
      );
      yield* sleep(0);
      task.cancel('foo');
      const err = yield* rejectionG(task);
      assertCancelled(err, 'foo');
      expect(err).toBe(raised);
    }));

  // twin of locks.more.test.ts::cancel(msg) while re-acquiring: the very same CancelledError comes out of the task (generator)
  it('cancel(msg) while re-acquiring: the very same CancelledError comes out of the async task', () =>
    run(async () => {
      let wake = false;
      let raised: unknown = null;
      const cond = new Condition();
      const task = createTask(async () =>
        cond.run(async () => {
          const e = await rejection(cond.waitFor(() => wake));
          assertCancelled(e);
          raised = e;
          throw e;
        }),
      );
      await sleep(0);
      await cond.acquire();
      wake = true;
      cond.notify();
      await sleep(0);
      task.cancel('foo');
      cond.release();
      const err = await rejection(task);
      assertCancelled(err, 'foo');
      expect(err).toBe(raised);
    }));

  // twin of shared locks.test.ts::wait() releases the lock; a notified waiter resumes only once it has the lock again
  it('generator waiters: wait() releases the lock; each notified waiter resumes once it has the lock again', () =>
    runNoShutdown(function* () {
      const cond = new Condition();
      const result: number[] = [];
      const c = (n: number) =>
        function* () {
          yield* cond.acquire();
          if (yield* cond.wait()) result.push(n);
          return true;
        };
      const tasks = [createTask(c(1)), createTask(c(2)), createTask(c(3))];
      yield* passesG(50);
      expect(cond.locked()).toBe(false);
      yield* cond.acquire();
      cond.notify();
      yield* passesG(50);
      expect(result).toEqual([]);
      cond.release();
      yield* passesG(50);
      expect(result).toEqual([1]);
      cond.notify(2);
      cond.release();
      yield* passesG(50);
      expect(result).toEqual([1, 2]);
      cond.release();
      yield* passesG(50);
      expect(result).toEqual([1, 2, 3]);
      for (const t of tasks) expect(t.result()).toBe(true);
    }));

  // twin of locks.test.ts::waitFor() of a true predicate needs no lock; of a false one it does
  it('yield* waitFor() of a true predicate needs no lock and no pass', () =>
    run(function* () {
      const cond = new Condition();
      let ran = false;
      getRunningLoop().callSoon(() => (ran = true));
      expect(yield* cond.waitFor(() => [1, 2, 3])).toEqual([1, 2, 3]);
      expect(ran).toBe(false);
    }));

  // twin of locks.more.test.ts::waitFor(cond.wait(), t) inside cond.run times out with the lock held again (virtual, generator) — mixed
  it('waitFor(cond.wait(), t) inside cond.run of an async body in a generator task times out with the lock held again', () =>
    runVirtual(function* () {
      const cond = new Condition();
      yield* cond.run(async () => {
        expect(await rejection(waitFor(cond.wait(), 500))).toBeInstanceOf(TimeoutError);
        expect(cond.locked()).toBe(true);
      });
      expect(cond.locked()).toBe(false);
    }));
});
