import { describe, expect, it } from 'vitest';
import { Event, createTask, gather, run, sleep } from 'tulip';
import { assertCancelled, rejection, rejectionG } from '../support.js';

describe('Event', () => {
  it('wait() on a set event is already done and does not suspend', () =>
    run(async () => {
      const ev = new Event();
      ev.set();
      const f = ev.wait();
      expect(f.done()).toBe(true);
      expect(await f).toBe(true);
    }));

  it('set() wakes every waiter of both styles', () =>
    run(async () => {
      const ev = new Event();
      const a = createTask(async () => ev.wait());
      const b = createTask(function* () {
        return yield* ev.wait();
      });
      await sleep(0);
      expect(ev.statistics()).toEqual({ set: false, tasksWaiting: 2 });
      ev.set();
      expect(await gather([a, b])).toEqual([true, true]);
      expect(ev.statistics()).toEqual({ set: true, tasksWaiting: 0 });
    }));

  it('a cancelled waiter loses nothing: the other waiters still wake (async)', () =>
    run(async () => {
      const ev = new Event();
      const a = createTask(() => ev.wait());
      const b = createTask(() => ev.wait());
      await sleep(0);
      a.cancel();
      assertCancelled(await rejection(a));
      expect(ev.statistics().tasksWaiting).toBe(1);
      ev.set();
      expect(await b).toBe(true);
    }));

  it('a waiter cancelled in the same pass as set() ends cancelled and the others wake (generator)', () =>
    run(function* () {
      const ev = new Event();
      const wait = function* () {
        return yield* ev.wait();
      };
      const a = createTask(wait);
      const b = createTask(wait);
      yield* sleep(0);
      ev.set();
      a.cancel();
      assertCancelled(yield* rejectionG(a));
      expect(yield* b).toBe(true);
    }));

  it('many cancelled waits do not pile up in the waiter list', () =>
    run(async () => {
      const ev = new Event();
      for (let i = 0; i < 200; i++) ev.wait().cancel();
      expect(ev.statistics().tasksWaiting).toBe(0);
      expect((ev as unknown as { _waiters: { length: number } })._waiters.length).toBeLessThan(40);
    }));

  it('clear() after set() makes the next wait() block', () =>
    run(async () => {
      const ev = new Event();
      ev.set();
      ev.clear();
      const t = createTask(() => ev.wait());
      await sleep(0);
      expect(t.done()).toBe(false);
      ev.set();
      expect(await t).toBe(true);
    }));
});
