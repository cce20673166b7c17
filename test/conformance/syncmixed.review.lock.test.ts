// Adversarial review of Lock, Semaphore and BoundedSemaphore under mixed load (several waiters,
// cancellations and wake-ups in the same pass) against CPython 3.13 asyncio (Lib/asyncio/locks.py).
// Method (logs, pass ticks, style variants): see syncmixed.review.helpers.ts.
// test/conformance/sync.review.test.ts reviews each primitive on its own; this file does not
// repeat it.
import { describe } from 'vitest';
import { BoundedSemaphore, Lock, Semaphore, createTask, type Task } from 'tulip';
import { passCounter, passes, syncError } from './helpers.js';
import {
  bracket,
  holder,
  roleStyle,
  scenario,
  soon,
  type Acquirable,
  type Log,
  type Tick,
  type Variant,
} from './syncmixed.review.helpers.js';

// ---- Lock and Semaphore -----------------------------------------------------------------------

const holders = (v: Variant, log: Log, tick: Tick, res: Acquirable, n: number, hold = 1): Task<void>[] =>
  Array.from({ length: n }, (_, i) => createTask(holder(roleStyle(v, i), log, `W${i}`, tick, res, hold)));

describe('Lock: FIFO hand-off with a cancellation at every position (logs from asyncio 3.13)', () => {
  // Four waiters, each holding the lock one pass. The cancel of W[k] comes in the same callback as
  // the release (before or after it), or one pass before or after it. asyncio: a waiter cancelled
  // while parked stays first in line until its task runs (the release wakes nobody) and then wakes
  // the next; a woken waiter cancelled before it ran passes the lock on as it leaves.
  const WHEN = ['before', 'after', 'pass-before', 'pass-after'] as const;
  const EXPECTED: Record<(typeof WHEN)[number], Log[]> = {
    before: [
      [['W0', 'cancelled', 3], ['W1', 'got', 4], ['W2', 'got', 6], ['W3', 'got', 8], ['end', 13, '[unlocked]']],
      [['W1', 'cancelled', 3], ['W0', 'got', 3], ['W2', 'got', 5], ['W3', 'got', 7], ['end', 13, '[unlocked]']],
      [['W2', 'cancelled', 3], ['W0', 'got', 3], ['W1', 'got', 5], ['W3', 'got', 7], ['end', 13, '[unlocked]']],
      [['W3', 'cancelled', 3], ['W0', 'got', 3], ['W1', 'got', 5], ['W2', 'got', 7], ['end', 13, '[unlocked]']],
    ],
    after: [
      [['W0', 'cancelled', 3], ['W1', 'got', 4], ['W2', 'got', 6], ['W3', 'got', 8], ['end', 13, '[unlocked]']],
      [['W0', 'got', 3], ['W1', 'cancelled', 3], ['W2', 'got', 5], ['W3', 'got', 7], ['end', 13, '[unlocked]']],
      [['W0', 'got', 3], ['W2', 'cancelled', 3], ['W1', 'got', 5], ['W3', 'got', 7], ['end', 13, '[unlocked]']],
      [['W0', 'got', 3], ['W3', 'cancelled', 3], ['W1', 'got', 5], ['W2', 'got', 7], ['end', 13, '[unlocked]']],
    ],
    'pass-before': [
      [['W0', 'cancelled', 3], ['W1', 'got', 4], ['W2', 'got', 6], ['W3', 'got', 8], ['end', 14, '[unlocked]']],
      [['W1', 'cancelled', 3], ['W0', 'got', 4], ['W2', 'got', 6], ['W3', 'got', 8], ['end', 14, '[unlocked]']],
      [['W2', 'cancelled', 3], ['W0', 'got', 4], ['W1', 'got', 6], ['W3', 'got', 8], ['end', 14, '[unlocked]']],
      [['W3', 'cancelled', 3], ['W0', 'got', 4], ['W1', 'got', 6], ['W2', 'got', 8], ['end', 14, '[unlocked]']],
    ],
    'pass-after': [
      [['W0', 'got', 3], ['W1', 'got', 5], ['W2', 'got', 7], ['W3', 'got', 9], ['end', 14, '[unlocked]']],
      [['W0', 'got', 3], ['W1', 'cancelled', 4], ['W2', 'got', 5], ['W3', 'got', 7], ['end', 14, '[unlocked]']],
      [['W0', 'got', 3], ['W2', 'cancelled', 4], ['W1', 'got', 5], ['W3', 'got', 7], ['end', 14, '[unlocked]']],
      [['W0', 'got', 3], ['W3', 'cancelled', 4], ['W1', 'got', 5], ['W2', 'got', 7], ['end', 14, '[unlocked]']],
    ],
  };
  for (const when of WHEN) {
    scenario(
      `cancel W[k] ${when} the release, for k = 0 … 3: the others get the lock in FIFO order at asyncio's passes`,
      async (v) => {
        const out: Log = [];
        for (let k = 0; k < 4; k++) {
          const log: Log = [];
          const lock = new Lock();
          await lock.acquire();
          const ticks = passCounter();
          const ws = holders(v, log, ticks, lock, 4);
          await passes(1);
          soon(() => {
            if (when === 'before') {
              ws[k]!.cancel();
              lock.release();
            } else if (when === 'after') {
              lock.release();
              ws[k]!.cancel();
            } else if (when === 'pass-before') {
              ws[k]!.cancel();
            } else {
              lock.release();
            }
          });
          if (when.startsWith('pass')) {
            await passes(1);
            soon(() => (when === 'pass-before' ? lock.release() : ws[k]!.cancel()));
          }
          await passes(12);
          log.push(['end', ticks(), bracket(lock)]);
          out.push(log);
        }
        return out;
      },
      EXPECTED[when],
    );
  }

  // asyncio: after release() woke W0, locked() is false and the lock shows both W0 (woken) and X
  // (queued behind it, not barging) as waiters; X gets the lock one pass after W0 lets it go.
  scenario(
    'locked() is false during the hand-off, and a newcomer queues behind the woken waiter',
    async (v) => {
      const log: Log = [];
      const tick = passCounter();
      const lock = new Lock();
      await lock.acquire();
      createTask(holder(roleStyle(v, 0), log, 'W0', tick, lock, 2));
      await passes(1);
      soon(() => {
        lock.release();
        log.push(['released', lock.locked(), bracket(lock), tick()]);
      });
      createTask(holder(roleStyle(v, 1), log, 'X', tick, lock, 1));
      for (let i = 0; i < 5; i++) {
        soon(() => log.push(['probe', lock.locked(), bracket(lock), tick()]));
        await passes(1);
      }
      await passes(2);
      log.push(['end', bracket(lock), tick()]);
      return log;
    },
    [['released', false, '[unlocked, waiters:1]', 2], ['probe', false, '[unlocked, waiters:2]', 2], ['W0', 'got', 3],
      ['probe', true, '[locked, waiters:1]', 3], ['probe', true, '[locked, waiters:1]', 4],
      ['probe', false, '[unlocked, waiters:1]', 5], ['X', 'got', 6], ['probe', true, '[locked]', 6], ['end', '[unlocked]', 8]],
  );
});

describe('Semaphore and BoundedSemaphore under mixed load (logs from asyncio 3.13)', () => {
  // asyncio: three releases in one callback wake W0, W1, W2 (value stays 0). W1 cancelled after
  // its wake-up gives its unit back when its task runs and wakes W3 in its `finally`; W1 cancelled
  // before the releases is skipped by them, so W3 is woken at once. W4 gets a unit when the first
  // holders release theirs.
  scenario(
    'Semaphore(0): three release()s in one callback with the second waiter cancelled after (then before) them',
    async (v) => {
      const log: Log = [];
      const tick = passCounter();
      for (const when of ['after', 'before']) {
        const sem = new Semaphore(0);
        const ws = holders(v, log, tick, sem, 5, 3);
        await passes(1);
        soon(() => {
          log.push(['cb', when, tick()]);
          if (when === 'before') ws[1]!.cancel();
          sem.release();
          sem.release();
          sem.release();
          if (when === 'after') ws[1]!.cancel();
          log.push(['state', bracket(sem), sem.locked()]);
        });
        for (let i = 0; i < 3; i++) {
          soon(() => log.push(['probe', bracket(sem), tick()]));
          await passes(1);
        }
        await passes(6);
        log.push(['end', bracket(sem)]);
        for (const w of ws) w.cancel();
        await passes(2);
      }
      return log;
    },
    [['cb', 'after', 2], ['state', '[locked, waiters:5]', true], ['probe', '[locked, waiters:5]', 2], ['W0', 'got', 3],
      ['W1', 'cancelled', 3], ['W2', 'got', 3], ['probe', '[locked, waiters:2]', 3], ['W3', 'got', 4],
      ['probe', '[locked, waiters:1]', 4], ['W4', 'got', 7], ['end', '[unlocked, value:3]'],
      ['cb', 'before', 14], ['state', '[locked, waiters:5]', true], ['probe', '[locked, waiters:5]', 14],
      ['W1', 'cancelled', 15], ['W0', 'got', 15], ['W2', 'got', 15], ['W3', 'got', 15], ['probe', '[locked, waiters:1]', 15],
      ['probe', '[locked, waiters:1]', 16], ['W4', 'got', 19], ['end', '[unlocked, value:3]']],
  );

  // asyncio: cancel W0, release, cancel W2, release in one callback: the releases skip the parked
  // W0 (its future is cancelled) and wake W1, then skip W2 and wake W3; all four run next pass.
  scenario(
    'Semaphore(0): cancels and releases interleaved in one callback wake the next uncancelled waiters',
    async (v) => {
      const log: Log = [];
      const tick = passCounter();
      const sem = new Semaphore(0);
      const ws = holders(v, log, tick, sem, 4, 2);
      await passes(1);
      soon(() => {
        ws[0]!.cancel();
        sem.release();
        ws[2]!.cancel();
        sem.release();
        log.push(['cb', bracket(sem), tick()]);
      });
      await passes(8);
      log.push(['end', bracket(sem), tick()]);
      return log;
    },
    [['cb', '[locked, waiters:4]', 2], ['W0', 'cancelled', 3], ['W1', 'got', 3], ['W2', 'cancelled', 3], ['W3', 'got', 3],
      ['end', '[unlocked, value:2]', 9]],
  );

  // asyncio: the first release() takes its unit off for the woken W0, so a second one is not an
  // over-release (value 0 < 1) although the semaphore then counts one unit too many; the third
  // raises ValueError, and so does W0's own release later.
  scenario(
    'BoundedSemaphore(1): with a woken waiter, a second release() passes the bound check and the third fails',
    async (v) => {
      const log: Log = [];
      const tick = passCounter();
      const sem = new BoundedSemaphore(1);
      await sem.acquire();
      createTask(holder(roleStyle(v, 0), log, 'W0', tick, sem, 1));
      await passes(1);
      soon(() => {
        sem.release();
        log.push(['r1', bracket(sem)]);
        sem.release();
        log.push(['r2', bracket(sem)]);
        const e = syncError(() => sem.release());
        log.push(['r3', e.constructor.name, e.message]);
      });
      await passes(4);
      log.push(['end', bracket(sem), tick()]);
      return log;
    },
    // asyncio raises ValueError; tulip maps it to RangeError (DESIGN.md §3).
    [['r1', '[locked, waiters:1]'], ['r2', '[locked, waiters:1]'], ['r3', 'RangeError', 'BoundedSemaphore released too many times'],
      ['W0', 'got', 3], ['W0', 'release', 'RangeError', 'BoundedSemaphore released too many times'], ['end', '[unlocked, value:1]', 5]],
  );

  // asyncio: W0 woken and cancelled in the same callback gives its unit back in its task's step
  // (and wakes W1 there); once W1 releases, the value is back at the bound and a release() fails.
  scenario(
    'BoundedSemaphore(1): a woken waiter cancelled gives its unit to the next; the value ends at the bound',
    async (v) => {
      const log: Log = [];
      const tick = passCounter();
      const sem = new BoundedSemaphore(1);
      await sem.acquire();
      const ws = holders(v, log, tick, sem, 2, 1);
      await passes(1);
      soon(() => {
        sem.release();
        ws[0]!.cancel();
        log.push(['cb', bracket(sem), tick()]);
      });
      for (let i = 0; i < 4; i++) {
        soon(() => log.push(['probe', bracket(sem), tick()]));
        await passes(1);
      }
      log.push(['extra', syncError(() => sem.release()).constructor.name]);
      log.push(['end', bracket(sem), tick()]);
      return log;
    },
    [['cb', '[locked, waiters:2]', 2], ['probe', '[locked, waiters:2]', 2], ['W0', 'cancelled', 3], ['probe', '[locked, waiters:1]', 3],
      ['W1', 'got', 4], ['probe', '[locked]', 4], ['probe', '[unlocked, value:1]', 5], ['extra', 'RangeError'], ['end', '[unlocked, value:1]', 5]],
  );
});
