// Adversarial review of Condition under mixed load (several waiters, cancellations and wake-ups in
// the same pass, a Lock shared with other users) against CPython 3.13 asyncio (Lib/asyncio/locks.py),
// and how Condition.waitFor() calls its predicate. Method (logs, pass ticks, style variants): see
// syncmixed.review.helpers.ts. test/conformance/sync.review.test.ts reviews each primitive on its
// own; this file does not repeat it.
import { describe, expect, it } from 'vitest';
import { CancelledError, Condition, Lock, createTask, run, sleep, type TaskBody } from 'tulip';
import { STYLES, passCounter, passes, styled, type Style } from './helpers.js';
import { bracket, roleStyle, scenario, type Log, type Tick } from './syncmixed.review.helpers.js';

// ---- Condition --------------------------------------------------------------------------------

/**
 * A task body in `style`: `async with cond:` wait (or waitFor(pred)), log `[name, 'woke', tick]`
 * (or `[name, 'cancelled', tick, cond.locked()]`), call `after`, hold the lock `hold` passes.
 */
function condWaiter(
  style: Style,
  log: Log,
  name: string,
  tick: Tick,
  cond: Condition,
  opts: { hold?: number; pred?: () => boolean; after?: () => void } = {},
): TaskBody<void> {
  const { hold = 0, pred, after } = opts;
  const cancelled = (e: unknown): never => {
    if (e instanceof CancelledError) log.push([name, 'cancelled', tick(), cond.locked()]);
    throw e;
  };
  const woke = (): void => {
    log.push([name, 'woke', tick()]);
    after?.();
  };
  return styled(
    style,
    function* () {
      yield* cond.run(function* () {
        try {
          if (pred === undefined) yield* cond.wait();
          else yield* cond.waitFor(pred);
        } catch (e) {
          cancelled(e);
        }
        woke();
        for (let i = 0; i < hold; i++) yield* sleep(0);
      });
    },
    async () => {
      await cond.run(async () => {
        try {
          if (pred === undefined) await cond.wait();
          else await cond.waitFor(pred);
        } catch (e) {
          cancelled(e);
        }
        woke();
        for (let i = 0; i < hold; i++) await sleep(0);
      });
    },
  );
}

describe('Condition under mixed load (logs from asyncio 3.13)', () => {
  // asyncio: notify(2) skips W1 and W3 (cancelled just before, in the same step) and wakes W0 and
  // W2; in the next pass the cancelled ones run first (their wake-ups were scheduled first), each
  // re-acquires, and W1's exit notifies W4, which wakes one pass later.
  scenario(
    'notify(2) with two waiters cancelled just before it: the cancelled exit first, and one of them wakes a fifth waiter',
    async (v) => {
      const log: Log = [];
      const tick = passCounter();
      const cond = new Condition();
      const ws = Array.from({ length: 5 }, (_, i) => createTask(condWaiter(roleStyle(v, i), log, `W${i}`, tick, cond)));
      await passes(1);
      await cond.run(() => {
        ws[1]!.cancel();
        ws[3]!.cancel();
        cond.notify(2);
        log.push(['notified', bracket(cond), tick()]);
      });
      await passes(4);
      log.push(['end', bracket(cond), tick()]);
      return log;
    },
    [['notified', '[locked, waiters:5]', 1], ['W1', 'cancelled', 2, true], ['W3', 'cancelled', 2, true], ['W0', 'woke', 2],
      ['W2', 'woke', 2], ['W4', 'woke', 3], ['end', '[unlocked]', 5]],
  );

  // asyncio: after notifyAll() every waiter is woken; the one cancelled right after still
  // re-acquires the lock in turn (each waiter holds it one pass) before its CancelledError.
  scenario(
    'notifyAll() then an immediate cancel of W[k], each woken waiter holding the lock a pass: the cancelled one still queues for the lock',
    async (v) => {
      const log: Log = [];
      const tick = passCounter();
      for (const k of [0, 1, 2]) {
        const cond = new Condition();
        const t0 = tick();
        const rt = (): number => tick() - t0;
        const ws = Array.from({ length: 3 }, (_, i) => createTask(condWaiter(roleStyle(v, i), log, `W${i}`, rt, cond, { hold: 1 })));
        await passes(1);
        await cond.run(() => {
          cond.notifyAll();
          ws[k]!.cancel();
        });
        await passes(8);
        log.push(['end', k, bracket(cond), rt()]);
      }
      return log;
    },
    [['W0', 'cancelled', 2, true], ['W1', 'woke', 2], ['W2', 'woke', 4], ['end', 0, '[unlocked]', 9],
      ['W0', 'woke', 2], ['W1', 'cancelled', 4, true], ['W2', 'woke', 5], ['end', 1, '[unlocked]', 9],
      ['W0', 'woke', 2], ['W1', 'woke', 4], ['W2', 'cancelled', 6, true], ['end', 2, '[unlocked]', 9]],
  );

  // asyncio: three waitFor(ready > 0) consumers, each taking one unit; notifyAll() with one unit:
  // W0 takes it, W1 and W2 find the predicate false again and wait on; the main task flips the
  // state while holding the lock; a later notify(1) with two units wakes only W1, and W2 waits on.
  scenario(
    'waitFor() consumers with a predicate that flips back: only as many return as the state allows',
    async (v) => {
      const log: Log = [];
      const tick = passCounter();
      const cond = new Condition();
      let ready = 0;
      const ws = Array.from({ length: 3 }, (_, i) =>
        createTask(condWaiter(roleStyle(v, i), log, `W${i}`, tick, cond, { hold: 1, pred: () => ready > 0, after: () => ready-- })));
      await passes(1);
      await cond.run(() => {
        ready = 1;
        cond.notifyAll();
      });
      await passes(1);
      await cond.run(() => {
        log.push(['main', bracket(cond), tick()]);
        ready = 0;
      });
      await passes(4);
      log.push(['mid', bracket(cond), tick()]);
      await cond.run(() => {
        ready = 2;
        cond.notify(1);
      });
      await passes(6);
      log.push(['end', bracket(cond), ready, tick()]);
      for (const w of ws) w.cancel();
      await passes(3);
      return log;
    },
    [['W0', 'woke', 2], ['main', '[locked, waiters:2]', 6], ['mid', '[unlocked, waiters:2]', 10], ['W1', 'woke', 11],
      ['end', '[unlocked, waiters:1]', 1, 16], ['W2', 'cancelled', 17, true]],
  );

  // asyncio: a Condition built on a Lock that other tasks use directly: the notified waiter
  // re-acquires in the lock's FIFO order, after a user that queued before the notify and before
  // one that queued after it.
  scenario(
    'a Condition sharing its Lock: the notified waiter re-acquires in FIFO order with the lock\'s other users',
    async (v) => {
      const log: Log = [];
      const tick = passCounter();
      for (const order of ['user-first', 'notify-first']) {
        const lock = new Lock();
        const cond = new Condition(lock);
        const t0 = tick();
        const rt = (): number => tick() - t0;
        createTask(condWaiter(roleStyle(v, 0), log, 'W', rt, cond, { hold: 1 }));
        await passes(1);
        const user = (name: string, style: Style): TaskBody<void> => {
          const got = (): number => log.push([name, 'got', rt(), bracket(lock)]);
          return styled(
            style,
            function* () {
              yield* lock.run(function* () {
                got();
                yield* sleep(0);
              });
            },
            async () => {
              await lock.run(async () => {
                got();
                await sleep(0);
              });
            },
          );
        };
        await lock.run(async () => {
          if (order === 'user-first') {
            createTask(user('X', roleStyle(v, 1)));
            await passes(1);
            cond.notify();
          } else {
            cond.notify();
            createTask(user('X', roleStyle(v, 1)));
            await passes(1);
          }
          log.push(['main', bracket(lock), rt()]);
          await passes(1);
        });
        createTask(user('Y', roleStyle(v, 2)));
        await passes(8);
        log.push(['end', order, bracket(lock), rt()]);
      }
      return log;
    },
    [['main', '[locked, waiters:1]', 2], ['X', 'got', 4, '[locked, waiters:1]'], ['W', 'woke', 6], ['Y', 'got', 8, '[locked]'],
      ['end', 'user-first', '[unlocked]', 11], ['main', '[locked, waiters:2]', 2], ['W', 'woke', 4],
      ['X', 'got', 6, '[locked, waiters:1]'], ['Y', 'got', 8, '[locked]'], ['end', 'notify-first', '[unlocked]', 11]],
  );
});

describe('Condition sharing its Lock: a lock user ahead of the notified waiter is cancelled around the release (logs from asyncio 3.13)', () => {
  // asyncio: X (parked on the lock, ahead of the notified W) is cancelled in the step that
  // releases the lock, before or after the release: either way X leaves one pass later and wakes
  // W, which re-acquires one pass after that; Y, queued behind W, comes last.
  scenario(
    'X cancelled before or after the release: X leaves, then W re-acquires, then Y',
    async (v) => {
      const log: Log = [];
      const tick = passCounter();
      for (const when of ['before', 'after']) {
        const lock = new Lock();
        const cond = new Condition(lock);
        const t0 = tick();
        const rt = (): number => tick() - t0;
        const wBody = styled(
          roleStyle(v, 0),
          function* () {
            yield* cond.run(function* () {
              yield* cond.wait();
              log.push(['W', 'woke', rt(), bracket(lock)]);
            });
          },
          async () => {
            await cond.run(async () => {
              await cond.wait();
              log.push(['W', 'woke', rt(), bracket(lock)]);
            });
          },
        );
        createTask(wBody);
        await passes(1);
        const user = (name: string, style: Style): TaskBody<void> => {
          const cancelled = (e: unknown): never => {
            if (e instanceof CancelledError) log.push([name, 'cancelled', rt(), bracket(lock)]);
            throw e;
          };
          return styled(
            style,
            function* () {
              try {
                yield* lock.acquire();
              } catch (e) {
                cancelled(e);
              }
              log.push([name, 'got', rt()]);
              lock.release();
            },
            async () => {
              try {
                await lock.acquire();
              } catch (e) {
                cancelled(e);
              }
              log.push([name, 'got', rt()]);
              lock.release();
            },
          );
        };
        await lock.acquire();
        const x = createTask(user('X', roleStyle(v, 1)));
        await passes(1);
        cond.notify();
        createTask(user('Y', roleStyle(v, 2)));
        await passes(1);
        log.push(['main', when, bracket(lock), rt()]);
        if (when === 'before') {
          x.cancel();
          lock.release();
        } else {
          lock.release();
          x.cancel();
        }
        log.push(['released', bracket(lock)]);
        await passes(5);
        log.push(['end', bracket(lock), rt()]);
      }
      return log;
    },
    [['main', 'before', '[locked, waiters:3]', 3], ['released', '[unlocked, waiters:3]'], ['X', 'cancelled', 4, '[unlocked, waiters:2]'],
      ['W', 'woke', 5, '[locked, waiters:1]'], ['Y', 'got', 6], ['end', '[unlocked]', 8],
      ['main', 'after', '[locked, waiters:3]', 3], ['released', '[unlocked, waiters:3]'], ['X', 'cancelled', 4, '[unlocked, waiters:2]'],
      ['W', 'woke', 5, '[locked, waiters:1]'], ['Y', 'got', 6], ['end', '[unlocked]', 8]],
  );
});

// ---- differences found by this review -----------------------------------------------------------

describe('Condition.waitFor() calls its predicate as asyncio does (probe)', () => {
  for (const style of STYLES) {
    // asyncio's wait_for evaluates the predicate once when the coroutine starts, then once after
    // each wake-up: probe [["calls", [1]], ["calls", [1, 3]], ["W", "got", "yes", 5],
    // ["calls", [1, 3, 5]]]. (tulip also called it at the waitFor() call: [1, 1] before the first
    // wait; fixed since.)
    it(`the predicate runs once before the first wait, then once per wake-up (${style})`, () =>
      run(async () => {
        const log: Log = [];
        const tick = passCounter();
        const cond = new Condition();
        const calls: number[] = [];
        let flag: unknown = false;
        const pred = (): unknown => {
          calls.push(tick());
          return flag;
        };
        const got = (r: unknown): number => log.push(['W', 'got', r, tick()]);
        createTask(styled(
          style,
          function* () {
            yield* cond.run(function* () {
              got(yield* cond.waitFor(pred));
            });
          },
          async () => {
            await cond.run(async () => {
              got(await cond.waitFor(pred));
            });
          },
        ));
        await passes(2);
        log.push(['calls', [...calls]]);
        await cond.run(() => cond.notify());
        await passes(2);
        log.push(['calls', [...calls]]);
        await cond.run(() => {
          flag = 'yes';
          cond.notify();
        });
        await passes(3);
        log.push(['calls', [...calls]]);
        expect(log).toEqual([['calls', [1]], ['calls', [1, 3]], ['W', 'got', 'yes', 5], ['calls', [1, 3, 5]]]);
      }));
  }
});
