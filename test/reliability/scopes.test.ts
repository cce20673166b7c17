// Reliability of the primitives under cancel scopes (level-triggered, Trio-style): consumers,
// producers and lock holders whose every blocking call runs inside a CancelScope with a random
// deadline (some cancelled before they start, some cancelled from outside while waiting), in both
// coroutine styles, under virtual time. Nothing may be lost or duplicated: every item put is got
// once or still in the queue, a lock is held by one task at a time and ends free, a condition's
// wait always re-acquires its lock, a semaphore ends with all its units.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CancelScope, Condition, Lock, Queue, Semaphore, createTask, gather, getRunningLoop, sleep, type Task } from 'tulip';
import { prng, runVirtual, type Style } from '../support.js';
import { STYLES, aw, body, fcOptions, scoped, type Prog } from './harness.js';

/** A scope whose deadline is 0–3 ms away; cancelled before it starts with probability `pre`. */
function randomScope(rand: () => number, scopes: CancelScope[], pre = 0): CancelScope {
  const sc = new CancelScope({ deadline: getRunningLoop().time() + Math.floor(rand() * 4) });
  if (rand() < pre) sc.cancel();
  scopes.push(sc);
  return sc;
}

async function scenario(seed: number, style: Style): Promise<void> {
  const rand = prng(seed);
  const scopes: CancelScope[] = [];
  /** Waits for `make()` run inside a fresh random scope, in `style`. */
  const inScope = (pre: number, make: () => Prog<void>): Prog<unknown> => aw(style, randomScope(rand, scopes, pre).run(scoped(style, make)));
  const task = (make: () => Prog<void>): Task<void> => createTask(body(style, make));

  // Queue: items are never lost or duplicated.
  const q = new Queue<number>(1 + Math.floor(rand() * 3));
  const got: number[] = [];
  const put: number[] = [];
  const consumers = Array.from({ length: 3 }, () =>
    task(function* () {
      for (let k = 0; k < 8; k++) {
        yield* inScope(0, function* () {
          got.push(yield* aw(style, q.get()));
        });
      }
    }),
  );
  const producer = task(function* () {
    for (let k = 0; k < 12; k++) {
      yield* inScope(0.3, function* () {
        yield* aw(style, q.put(k));
        put.push(k);
      });
      if (rand() < 0.5) yield* aw(style, sleep(Math.floor(rand() * 3)));
    }
  });
  for (let k = 0; k < 5; k++) {
    await sleep(Math.floor(rand() * 3));
    scopes[Math.floor(rand() * scopes.length)]?.cancel();
  }
  await gather([...consumers, producer]);
  const left: number[] = [];
  while (!q.empty()) left.push(q.getNowait());
  expect(got.length + left.length).toBe(put.length);
  expect([...got, ...left].sort((a, b) => a - b)).toEqual([...put].sort((a, b) => a - b));

  // Lock: one holder at a time; it ends free.
  const lock = new Lock();
  let inside = 0;
  let most = 0;
  await gather(
    Array.from({ length: 4 }, () =>
      task(function* () {
        for (let k = 0; k < 4; k++) {
          yield* inScope(0.2, function* () {
            yield* aw(
              style,
              lock.run(
                scoped(style, function* () {
                  inside++;
                  most = Math.max(most, inside);
                  try {
                    yield* aw(style, sleep(1));
                  } finally {
                    inside--;
                  }
                }),
              ),
            );
          });
        }
      }),
    ),
  );
  expect(most).toBe(1);
  expect(lock.locked()).toBe(false);

  // Condition: a wait ends holding the lock, cancelled or not.
  const cond = new Condition();
  let unlockedAfterWait = 0;
  const waiters = Array.from({ length: 3 }, () =>
    task(function* () {
      yield* aw(
        style,
        cond.run(
          scoped(style, function* () {
            yield* inScope(0, function* () {
              yield* aw(style, cond.wait());
            });
            if (!cond.locked()) unlockedAfterWait++;
          }),
        ),
      );
    }),
  );
  await sleep(Math.floor(rand() * 3));
  await cond.run(() => cond.notifyAll());
  await gather(waiters);
  expect(unlockedAfterWait).toBe(0);
  expect(cond.locked()).toBe(false);

  // Semaphore: every unit comes back.
  const sem = new Semaphore(2);
  await gather(
    Array.from({ length: 5 }, () =>
      task(function* () {
        yield* inScope(0.2, function* () {
          yield* aw(style, sem.run(() => sleep(1 + Math.floor(rand() * 3))));
        });
      }),
    ),
  );
  sem.acquireNowait();
  sem.acquireNowait();
  expect(sem.locked()).toBe(true);
}

describe('primitives under cancel scopes', () => {
  for (const style of STYLES) {
    it(`lose no item, lock, wake-up or unit when scopes cancel their waits (${style})`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => runVirtual(() => scenario(seed, style))),
        fcOptions(60),
      );
    });
  }
});
