// Virtual time under the reliability programs: the MockClock autojump (and waitAllTasksBlocked)
// must wait until every task is really blocked. An async-function task whose continuation is
// still running in microtasks (here: after `await` of an already-done future, which costs a few
// microtask ticks) is not blocked. Found by the Lock property in async style (a task doing
// `await lock.acquire()` on a free lock, then `await sleep(0)`, resumed only at the time limit):
// failed at e97c89e (the loop stopped hopping after 4 microtasks and went idle with `_liveAsync`
// > 0); passes since 67d5c4b/580e606. Kept as regression tests.
import { describe, expect, it } from 'vitest';
import { createTask, gather, getRunningLoop, run, sleep, wait, type Future } from 'tulip';
import { MockClock, waitAllTasksBlocked } from 'tulip/testing';

const autojump = () => ({ clock: new MockClock({ autojumpThreshold: 0 }) });

/** a: one pass, then `await` of a done future, then one more pass: all at virtual time 0. */
function spawnAB(done: Future<number>, at: { a: number }, blockForever: Future<void> | null) {
  const loop = getRunningLoop();
  const a = createTask(async () => {
    await sleep(0);
    await done;
    await sleep(0);
    at.a = loop.time();
    if (blockForever !== null) await blockForever;
  });
  const b = createTask(async () => {
    await sleep(0);
  });
  return { a, b };
}

describe('MockClock autojump with async tasks still running in microtasks', () => {
  it('does not jump while an async task is between an await of a done future and its next sleep(0) (async main waits with wait())', () =>
    run(async () => {
      const loop = getRunningLoop();
      const done = loop.createFuture<number>();
      done.setResult(1);
      const at = { a: -1 };
      const { a, b } = spawnAB(done, at, null);
      const far = createTask(() => sleep(1000));
      await wait([a, b]);
      await a;
      far.cancel();
      expect(at.a).toBe(0);
    }, autojump()));

  it('does not jump while an async task is between an await of a done future and its next sleep(0) (generator main)', () =>
    run(function* () {
      const loop = getRunningLoop();
      const done = loop.createFuture<number>();
      done.setResult(1);
      const at = { a: -1 };
      const { a, b } = spawnAB(done, at, null);
      const far = createTask(() => sleep(1000));
      yield* b;
      yield* a;
      far.cancel();
      expect(at.a).toBe(0);
    }, autojump()));

  it('wait(tasks, { timeout: 1000 }) around tasks that take no virtual time finds them all done', () =>
    run(async () => {
      const loop = getRunningLoop();
      const done = loop.createFuture<number>();
      done.setResult(1);
      const at = { a: -1 };
      const { a, b } = spawnAB(done, at, null);
      const { pending } = await wait([a, b], { timeout: 1000 });
      expect(pending.size).toBe(0);
      expect(at.a).toBe(0);
    }, autojump()));
});

describe('waitAllTasksBlocked with async tasks still running in microtasks', () => {
  it('resolves only once an async task running through a done future has blocked', () =>
    run(function* () {
      const loop = getRunningLoop();
      const done = loop.createFuture<number>();
      done.setResult(1);
      const never = loop.createFuture<void>();
      const at = { a: -1 };
      const { a, b } = spawnAB(done, at, never);
      yield* gather([b, waitAllTasksBlocked()]);
      expect(at.a).not.toBe(-1); // a reached `await never` before everything counted as blocked
      a.cancel();
    }));
});
