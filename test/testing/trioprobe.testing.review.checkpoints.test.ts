// Adversarial review of tulip/testing's assertCheckpoints/assertNoCheckpoints (which calls suspend,
// a pending cancel, timeout(0)) against CPython 3.13 asyncio. Every expectation was checked with a
// probe; the probe's output is quoted above the test. Where tulip differs, the test carries the
// reference's expectation as `it.fails`.
import { describe, expect, it } from 'vitest';
import {
  Condition,
  Event,
  Lock,
  Queue,
  Semaphore,
  TaskGroup,
  asCompleted,
  createTask,
  currentTask,
  gather,
  getRunningLoop,
  run,
  shield,
  sleep,
  timeout,
  wait,
  waitFor,
  type Coroutine,
  type Future,
} from 'tulip';
import { assertCheckpoints, assertNoCheckpoints } from 'tulip/testing';
import { STYLES, passCounter, styled } from '../conformance/helpers.js';

// ---- assertCheckpoints / assertNoCheckpoints -----------------------------------------------------

/**
 * Calls that do or do not suspend the calling task, with the passes asyncio 3.13 takes for them
 * (a2_cp.py: a call_soon chain counts the passes while the task awaits each one; 0 means the
 * task never yielded). A checkpoint in tulip's sense is a suspension: asyncio's fast paths (a free
 * lock, a set event, a done future …) are none, where Trio makes most of its calls checkpoints.
 */
function checkpointCases(): [string, number, () => Future<unknown>][] {
  const loop = getRunningLoop();
  const done = loop.createFuture<string>();
  done.setResult('d');
  const ev = new Event();
  ev.set();
  const lock = new Lock();
  const q = new Queue<number>();
  q.putNowait(1);
  const sem = new Semaphore(1);
  const cond = new Condition();
  const finished = createTask(function* () {
    return 'n';
  });
  const noAwait = function* (): Coroutine<string> {
    return 'n';
  };
  return [
    // asyncio: 'sleep0: passes 1', 'sleep-1: passes 1'
    ['sleep(0)', 1, () => sleep(0)],
    ['sleep(-1)', 1, () => sleep(-1)],
    // 'await done future: passes 0', 'await finished task: passes 0'
    ['a done future', 0, () => done],
    ['a finished task', 0, () => finished],
    // 'event set wait: passes 0', 'free lock acquire: passes 0', 'queue put+get: passes 0',
    // 'queue join nothing unfinished: passes 0', 'free semaphore: passes 0', 'condition lock free: passes 0'
    ['Event.wait() on a set event', 0, () => ev.wait()],
    ['Lock.run() on a free lock', 0, () => lock.run(() => 'l')],
    ['Queue.get() with an item there', 0, () => q.get()],
    ['Queue.join() with nothing unfinished', 0, () => (q.taskDone(), q.join())],
    ['Semaphore.run() with a unit free', 0, () => sem.run(() => 's')],
    ['Condition.run() with its lock free', 0, () => cond.run(() => 'c')],
    // 'gather(): passes 0', 'gather(done): passes 0', 'gather(coro no await): passes 3'
    ['gather([])', 0, () => gather([])],
    ['gather([done])', 0, () => gather([done])],
    ['gather([coroutine])', 3, () => gather([noAwait()])],
    // 'wait_for(done, 1): passes 0', 'wait_for(coro no await, 1): passes 0', '…, None): passes 0'
    ['waitFor(done, 1)', 0, () => waitFor(done, 1)],
    ['waitFor(coroutine, 1)', 0, () => waitFor(noAwait(), 1)],
    ['waitFor(coroutine, null)', 0, () => waitFor(noAwait(), null)],
    // 'wait([done]): passes 2'
    ['wait([done])', 2, () => wait([done])],
    // 'timeout(10) empty: passes 0', 'timeout(0) empty: passes 0'
    ['timeout(10) around a body without waits', 0, () => timeout(10).run(() => 't')],
    ['timeout(0) around a body without waits', 0, () => timeout(0).run(() => 't0')],
    // 'TaskGroup no children: passes 0', 'TaskGroup one child: passes 3'
    ['a TaskGroup without children', 0, () => new TaskGroup().run(() => 'tg')],
    ['a TaskGroup with one child', 3, () => new TaskGroup().run((tg) => void tg.createTask(noAwait))],
    // 'shield(done): passes 0', 'create_task(noop) awaited: passes 2', 'as_completed([done]) first: passes 2'
    ['shield(done)', 0, () => shield(done)],
    ['a new task', 2, () => createTask(noAwait)],
    ['asCompleted([done])', 2, () => asCompleted([done]).next().value!],
  ];
}

describe('assertCheckpoints / assertNoCheckpoints on calls that do and do not suspend (asyncio 3.13)', () => {
  for (const style of STYLES) {
    it(`each call suspends exactly when asyncio's does, and the assertions agree (${style})`, () =>
      run(async () => {
        const tick = passCounter();
        const cases = checkpointCases();
        await sleep(0); // (the finished task finishes)
        const wrong: string[] = [];
        for (const [name, expected, call] of cases) {
          const assertion = expected > 0 ? assertCheckpoints : assertNoCheckpoints;
          try {
            if (style === 'generator') {
              await createTask(function* () {
                yield* assertion(function* () {
                  return yield* call();
                });
              });
            } else {
              await createTask(async () => {
                await assertion(async () => call());
              });
            }
          } catch (e) {
            wrong.push(`${name}: ${String(e)}`);
          }
        }
        expect(wrong).toEqual([]);
        // The pass counts, measured from the calling task as asyncio's probe does.
        const counts: [string, number][] = [];
        for (const [name, , call] of checkpointCases()) {
          await sleep(0);
          if (style === 'generator') {
            await createTask(function* () {
              const t0 = tick();
              yield* call();
              counts.push([name, tick() - t0]);
            });
          } else {
            await createTask(async () => {
              const t0 = tick();
              await call();
              counts.push([name, tick() - t0]);
            });
          }
        }
        expect(counts).toEqual(cases.map(([name, expected]) => [name, expected]));
      }));
  }

  for (const style of STYLES) {
    it(`a cancel pending at a body without checkpoints goes through it and lands at the next checkpoint (${style})`, () =>
      // asyncio 3.13 (a5_pend.py): task cancels itself ('later'), await lock.acquire() (free),
      // await ev.wait() (set) -> [('took lock', True), 'event ok', ('cancelled at sleep(0)',
      // ('later',)), 'task cancelled'], lock released.
      run(async () => {
        const lock = new Lock();
        const ev = new Event();
        ev.set();
        const log: unknown[] = [];
        const t = createTask(
          styled(
            style,
            function* () {
              currentTask()!.cancel('later');
              yield* assertNoCheckpoints(function* () {
                yield* lock.acquire();
                log.push(['took lock', lock.locked()]);
                yield* ev.wait();
                log.push('event ok');
              });
              try {
                yield* assertCheckpoints(() => sleep(0));
              } catch (e) {
                log.push(['cancelled at sleep(0)', (e as Error).message]);
                lock.release();
                throw e;
              }
            },
            async () => {
              currentTask()!.cancel('later');
              await assertNoCheckpoints(async () => {
                await lock.acquire();
                log.push(['took lock', lock.locked()]);
                await ev.wait();
                log.push('event ok');
              });
              try {
                await assertCheckpoints(() => sleep(0));
              } catch (e) {
                log.push(['cancelled at sleep(0)', (e as Error).message]);
                lock.release();
                throw e;
              }
            },
          ),
        );
        await gather([t], { returnExceptions: true });
        expect(t.cancelled()).toBe(true);
        expect(log).toEqual([['took lock', true], 'event ok', ['cancelled at sleep(0)', 'later']]);
        expect(lock.locked()).toBe(false);
      }));
  }

  for (const style of STYLES) {
    it(`timeout(0) around a body without checkpoints neither times out nor leaves a cancel behind (${style})`, () =>
      // asyncio 3.13 (a5_pend.py, b2): async with timeout(0): <no await> -> ['body ran, no await',
      // 'no TimeoutError', 'sleep ok'] (the expiry's call_soon handle is cancelled at exit).
      run(async () => {
        const log: string[] = [];
        const body = styled(
          style,
          function* () {
            yield* assertNoCheckpoints(() =>
              timeout(0).run(() => {
                log.push('body ran, no await');
              }),
            );
            log.push('no TimeoutError');
            yield* sleep(0);
            log.push('sleep ok');
          },
          async () => {
            await assertNoCheckpoints(() =>
              timeout(0).run(() => {
                log.push('body ran, no await');
              }),
            );
            log.push('no TimeoutError');
            await sleep(0);
            log.push('sleep ok');
          },
        );
        let caught: unknown;
        try {
          await createTask(body);
        } catch (e) {
          caught = e;
        }
        expect(caught).toBeUndefined();
        expect(log).toEqual(['body ran, no await', 'no TimeoutError', 'sleep ok']);
      }));
  }

  it('an await of an already-resolved native promise is no checkpoint (documented)', () =>
    run(async () => {
      expect(
        await assertNoCheckpoints(async () => {
          await Promise.resolve();
          return 'x';
        }),
      ).toBe('x');
    }));
});
