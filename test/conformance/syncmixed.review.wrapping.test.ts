// Adversarial review of blocking queue, lock and event calls handed to gather(), shield() and
// waitFor(…, 0), where asyncio wraps them in a task, against CPython 3.13 asyncio (Lib/asyncio/
// tasks.py, queues.py, locks.py); the differences found there. Method (logs, pass ticks, style
// variants): see syncmixed.review.helpers.ts.
import { describe, expect, it } from 'vitest';
import { Event, Lock, Queue, createTask, gather, shield, run, waitFor, TimeoutError } from 'tulip';
import { STYLES, passCounter, passes, styled } from './helpers.js';
import { bracket, holder, roleStyle, scenario, soon, waiters, type Log } from './syncmixed.review.helpers.js';

// ---- differences found by this review -----------------------------------------------------------

describe('a blocking call handed to gather() or shield() joins the queue when asyncio\'s wrapping task would start', () => {
  // asyncio's gather/shield wrap a coroutine in a Task whose first step runs in the next pass,
  // after the steps already scheduled; tulip's park future (q.get(), lock.acquire(), ev.wait())
  // starts waiting as soon as gather/shield attaches to it, in the caller's step.

  // DIFFERENCE. Probe: [["state", "<Queue maxsize=0 _getters[4]>", 1], ["G0", "got", 0, 3],
  // ["G3", "got", 3, 3], ["gather", [1, 2], 5]]. tulip: the two gathered gets queue ahead of G0
  // (created earlier): G0 gets 2, gather [0, 1] at pass 4.
  scenario(
    'gather([q.get(), q.get()]) called between two getter tasks is served between them',
    async (v) => {
      const log: Log = [];
      const tick = passCounter();
      const q = new Queue<number>();
      waiters(v, log, 'G', tick, [() => q.get()]);
      const g = gather([q.get(), q.get()]);
      g.addDoneCallback((f) => log.push(['gather', f.result(), tick()]));
      waiters(v, log, 'G', tick, [() => q.get()], 3);
      await passes(1);
      log.push(['state', String(q), tick()]);
      soon(() => {
        for (let i = 0; i < 4; i++) q.putNowait(i);
      });
      await passes(5);
      return log;
    },
    [['state', '<Queue maxsize=0 _getters[4]>', 1], ['G0', 'got', 0, 3], ['G3', 'got', 3, 3], ['gather', [1, 2], 5]],
  );

  // Probe: [["state", "[locked, waiters:3]", 1], ["W0", "got", 2], ["gather", 6],
  // ["W1", "got", 8]]. (tulip's gathered acquire() queued ahead of W0; fixed since.)
  scenario(
    'gather([lock.acquire()]) called between two lock users gets the lock between them',
    async (v) => {
      const log: Log = [];
      const tick = passCounter();
      const lock = new Lock();
      await lock.acquire();
      createTask(holder(roleStyle(v, 0), log, 'W0', tick, lock, 1));
      const g = gather([lock.acquire()]);
      g.addDoneCallback(() => {
        log.push(['gather', tick()]);
        soon(() => lock.release());
      });
      createTask(holder(roleStyle(v, 1), log, 'W1', tick, lock, 1));
      await passes(1);
      log.push(['state', bracket(lock), tick()]);
      lock.release();
      await passes(8);
      return log;
    },
    [['state', '[locked, waiters:3]', 1], ['W0', 'got', 2], ['gather', 6], ['W1', 'got', 8]],
  );

  // Probe: [["G0", "got", "a", 3], ["shield", "b", 5]]. (tulip's shielded get() queued ahead of
  // G0; fixed since.)
  scenario(
    'shield(q.get()) called after a getter task was created is served after it',
    async (v) => {
      const log: Log = [];
      const tick = passCounter();
      const q = new Queue<string>();
      waiters(v, log, 'G', tick, [() => q.get()]);
      const s = shield(q.get());
      s.addDoneCallback((f) => log.push(['shield', f.result(), tick()]));
      await passes(1);
      soon(() => {
        q.putNowait('a');
        q.putNowait('b');
      });
      await passes(5);
      return log;
    },
    [['G0', 'got', 'a', 3], ['shield', 'b', 5]],
  );

  // Probe: [["gather done", false, 3], ["gather done", true, 6]]: the wrapped ev.wait() starts
  // after set(); clear() and blocks until the next set(). (tulip parked the wait at gather() at
  // once, so set() woke it; fixed since.)
  it('gather([ev.wait()]) followed by set() and clear() in the same step still waits for the next set()', () =>
    run(async () => {
      const log: Log = [];
      const tick = passCounter();
      const ev = new Event();
      const g = gather([ev.wait()]);
      ev.set();
      ev.clear();
      await passes(3);
      log.push(['gather done', g.done(), tick()]);
      ev.set();
      await passes(3);
      log.push(['gather done', g.done(), tick()]);
      expect(log).toEqual([['gather done', false, 3], ['gather done', true, 6]]);
    }));
});

describe('waitFor(…, 0) around a call that would not block (asyncio 3.13 wait_for)', () => {
  for (const style of STYLES) {
    // A deliberate difference (README, "Where tulip differs from asyncio"): asyncio's
    // wait_for(aw, 0) wraps the coroutine in a task and cancels it before its first step: probe
    // [["timeout", 1], ["lock timeout", false]] — TimeoutError, the item stays in the queue and the
    // free lock stays free. tulip's q.get() of a non-empty queue (and lock.acquire() of a free
    // lock) completes at the call — its fast path, with no future of its own — and waitFor(…, 0)
    // returns a done future's result: [["got", 1], ["lock got", true, true]].
    it(`waitFor(q.get(), 0) and waitFor(lock.acquire(), 0) return what a call that need not wait took at once (${style})`, () =>
      run(styled(
        style,
        function* () {
          const log: Log = [];
          const q = new Queue<number>();
          q.putNowait(1);
          try {
            log.push(['got', yield* waitFor(q.get(), 0)]);
          } catch (e) {
            if (!(e instanceof TimeoutError)) throw e;
            log.push(['timeout', q.qsize()]);
          }
          const lock = new Lock();
          try {
            log.push(['lock got', yield* waitFor(lock.acquire(), 0), lock.locked()]);
          } catch (e) {
            if (!(e instanceof TimeoutError)) throw e;
            log.push(['lock timeout', lock.locked()]);
          }
          expect(log).toEqual([['got', 1], ['lock got', true, true]]);
        },
        async () => {
          const log: Log = [];
          const q = new Queue<number>();
          q.putNowait(1);
          try {
            log.push(['got', await waitFor(q.get(), 0)]);
          } catch (e) {
            if (!(e instanceof TimeoutError)) throw e;
            log.push(['timeout', q.qsize()]);
          }
          const lock = new Lock();
          try {
            log.push(['lock got', await waitFor(lock.acquire(), 0), lock.locked()]);
          } catch (e) {
            if (!(e instanceof TimeoutError)) throw e;
            log.push(['lock timeout', lock.locked()]);
          }
          expect(log).toEqual([['got', 1], ['lock got', true, true]]);
        },
      )));
  }
});
