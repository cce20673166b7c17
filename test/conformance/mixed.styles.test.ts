// Mixed nesting: every scope API (Timeout.run, TaskGroup.run, Lock/Semaphore/Condition.run,
// CapacityLimiter.run, CancelScope.run, moveOnAfter, failAfter, waitFor) with a generator body run
// by an async task, and an async body run by a generator task (src/internal/inline.ts). Each test
// is the twin of the same-style behaviour (tested in the other conformance files and in
// test/cancelscope.test.ts): a scope runs its body inside the calling task, so the style of the
// body must not change what is observable — the pass count (`sleep(0)` is exactly one pass), the
// value, the errors, cancellation, and the release of what the scope holds. Deeper nestings (two
// and three levels of scopes) are in nesting.styles.test.ts.
import { describe, it, expect } from 'vitest';
import {
  CancelScope,
  CapacityLimiter,
  Condition,
  Lock,
  Semaphore,
  TaskGroup,
  TimeoutError,
  createTask,
  currentTask,
  failAfter,
  getRunningLoop,
  isCancelledError,
  moveOnAfter,
  run,
  sleep,
  timeout,
  waitFor,
  type Coroutine,
  type Future,
} from 'tulip';
import { waitAllTasksBlocked } from 'tulip/testing';
import { FOREVER, ValueError, assertCancelled, rejection, runVirtual } from './helpers.js';
import { NESTINGS, taskOf, type Body } from './mixed.helpers.js';

interface ScopeKind {
  name: string;
  /** Makes a fresh scope runner: `enter(body)` runs body in the scope. */
  make: () => { enter: <T>(body: Body<T>) => Future<T | undefined>; held?: () => boolean };
}

const SCOPES: ScopeKind[] = [
  { name: 'timeout(d).run', make: () => ({ enter: (b) => timeout(FOREVER).run(b) }) },
  { name: 'TaskGroup.run', make: () => ({ enter: (b) => new TaskGroup().run(b) }) },
  {
    name: 'Lock.run',
    make: () => {
      const l = new Lock();
      return { enter: (b) => l.run(b), held: () => l.locked() };
    },
  },
  {
    name: 'Semaphore.run',
    make: () => {
      const s = new Semaphore(1);
      return { enter: (b) => s.run(b), held: () => s.locked() };
    },
  },
  {
    name: 'Condition.run',
    make: () => {
      const c = new Condition();
      return { enter: (b) => c.run(b), held: () => c.locked() };
    },
  },
  {
    name: 'CapacityLimiter.run',
    make: () => {
      const l = new CapacityLimiter(1);
      return { enter: (b) => l.run(b), held: () => l.borrowedTokens > 0 };
    },
  },
  { name: 'CancelScope.run', make: () => ({ enter: (b) => new CancelScope().run(b) }) },
  { name: 'moveOnAfter', make: () => ({ enter: (b) => moveOnAfter(FOREVER, b) }) },
  { name: 'failAfter', make: () => ({ enter: (b) => failAfter(FOREVER, b) as Future<never> }) },
];

/** A body of `style` that sleeps(0) `waits` times, then returns `value`. */
function sleeper<T>(style: 'generator' | 'async', waits: number, value: T): Body<T> {
  return style === 'generator'
    ? function* () {
        for (let i = 0; i < waits; i++) yield* sleep(0);
        return value;
      }
    : async () => {
        for (let i = 0; i < waits; i++) await sleep(0);
        return value;
      };
}

describe.each(SCOPES)('$name with a body of the other style', ({ make }) => {
  describe.each(NESTINGS)('$body body in an $task task', ({ task, body }) => {
    // twin of sleep.test.ts::sleep(0) gives up the loop for exactly one pass (inside a scope body)
    it('costs exactly as many loop passes as its body waits: 0, 1 and 2', () =>
      run(async () => {
        const loop = getRunningLoop();
        let ticks = 0;
        let stop = false;
        const tick = () => {
          ticks += 1;
          if (!stop) loop.callSoon(tick);
        };
        loop.callSoon(tick);
        const seen: number[] = [];
        for (const waits of [0, 1, 2]) {
          const s = make();
          const t = createTask(
            task === 'generator'
              ? function* () {
                  const before = ticks;
                  const r = yield* s.enter(sleeper(body, waits, 'v'));
                  return [ticks - before, r] as const;
                }
              : async () => {
                  const before = ticks;
                  const r = await s.enter(sleeper(body, waits, 'v'));
                  return [ticks - before, r] as const;
                },
          );
          const [passes, r] = await t;
          expect(r).toBe('v');
          seen.push(passes);
        }
        stop = true;
        expect(seen).toEqual([0, 1, 2]);
      }));

    // twin of locks.test.ts::lock.run holds the lock for the body, in both styles (result and error pass through)
    it("returns the body's value and lets the body's error through, releasing what it holds", () =>
      run(async () => {
        const s = make();
        const t = createTask(taskOf(task, () => s.enter(sleeper(body, 1, 42))));
        expect(await t).toBe(42);
        expect(s.held?.() ?? false).toBe(false);
        const boom = new ValueError('boom');
        const s2 = make();
        const failing: Body<never> =
          body === 'generator'
            ? function* () {
                yield* sleep(0);
                throw boom;
              }
            : async () => {
                await sleep(0);
                throw boom;
              };
        const t2 = createTask(taskOf(task, () => s2.enter(failing)));
        const e = await rejection(t2);
        if (e instanceof Error && e.name === 'ExceptionGroup') expect((e as AggregateError).errors).toEqual([boom]);
        else expect(e).toBe(boom);
        expect(s2.held?.() ?? false).toBe(false);
      }));

    // twin of cancellation.test.ts::cancel(msg) during a sleep throws a CancelledError(msg) in the body and to the awaiter (inside a scope)
    it("a cancel of the task reaches the body's wait; the body's finally runs before the scope exits", () =>
      run(async () => {
        const log: string[] = [];
        const s = make();
        const inner: Body<void> =
          body === 'generator'
            ? function* () {
                try {
                  yield* sleep(FOREVER);
                } catch (e) {
                  log.push(isCancelledError(e) ? `body cancelled: ${(e as Error).message}` : 'body other');
                  throw e;
                } finally {
                  log.push(`body finally, held: ${s.held?.() ?? '-'}`);
                }
              }
            : async () => {
                try {
                  await sleep(FOREVER);
                } catch (e) {
                  log.push(isCancelledError(e) ? `body cancelled: ${(e as Error).message}` : 'body other');
                  throw e;
                } finally {
                  log.push(`body finally, held: ${s.held?.() ?? '-'}`);
                }
              };
        const t = createTask(
          task === 'generator'
            ? function* () {
                try {
                  yield* s.enter(inner);
                } finally {
                  log.push(`scope exited, held: ${s.held?.() ?? '-'}`);
                }
              }
            : async () => {
                try {
                  await s.enter(inner);
                } finally {
                  log.push(`scope exited, held: ${s.held?.() ?? '-'}`);
                }
              },
        );
        await waitAllTasksBlocked();
        t.cancel('stop');
        assertCancelled(await rejection(t), 'stop');
        const heldInside = s.held === undefined ? '-' : 'true';
        const heldAfter = s.held === undefined ? '-' : 'false';
        expect(log).toEqual(['body cancelled: stop', `body finally, held: ${heldInside}`, `scope exited, held: ${heldAfter}`]);
      }));
  });
});

describe('level-triggered scopes, in every nesting', () => {
  // twin of cancelscope.test.ts::once cancelled, every later wait inside raises again until the scope exits (async task)
  it('a body that cancels its own scope and returns without another wait keeps its value, in both nestings', () =>
    run(async () => {
      const results: unknown[] = [];
      for (const task of ['async', 'generator'] as const) {
        for (const body of ['async', 'generator'] as const) {
          const scope = new CancelScope();
          const inner =
            body === 'generator'
              ? function* () {
                  yield* sleep(0);
                  scope.cancel();
                  return 'kept';
                }
              : async () => {
                  await sleep(0);
                  scope.cancel();
                  return 'kept';
                };
          const t = createTask(taskOf(task, () => scope.run(inner)));
          results.push([task, body, await t, scope.cancelledCaught]);
        }
      }
      expect(results).toEqual([
        ['async', 'async', 'kept', false],
        ['async', 'generator', 'kept', false],
        ['generator', 'async', 'kept', false],
        ['generator', 'generator', 'kept', false],
      ]);
    }));

  // twin of cancelscope.test.ts::once cancelled, every later wait inside raises again until the scope exits
  it('a body that swallows every cancellation of its scope returns its value, in every nesting', () =>
    runVirtual(async () => {
      const results: unknown[] = [];
      for (const task of ['async', 'generator'] as const) {
        for (const body of ['async', 'generator'] as const) {
          let caught = 0;
          const scope = new CancelScope();
          getRunningLoop().callLater(10, () => scope.cancel());
          const inner =
            body === 'generator'
              ? function* () {
                  for (let i = 0; i < 3; i++) {
                    try {
                      yield* sleep(1000);
                    } catch (e) {
                      if (!isCancelledError(e)) throw e;
                      caught++;
                    }
                  }
                  return 'done';
                }
              : async () => {
                  for (let i = 0; i < 3; i++) {
                    try {
                      await sleep(1000);
                    } catch (e) {
                      if (!isCancelledError(e)) throw e;
                      caught++;
                    }
                  }
                  return 'done';
                };
          const r = await createTask(taskOf(task, () => scope.run(inner)));
          results.push([task, body, caught, r, scope.cancelledCaught]);
        }
      }
      expect(results).toEqual([
        ['async', 'async', 3, 'done', false],
        ['async', 'generator', 3, 'done', false],
        ['generator', 'async', 3, 'done', false],
        ['generator', 'generator', 3, 'done', false],
      ]);
    }));

  // twin of cancelscope.test.ts::failAfter raises TimeoutError ... (a body that swallows the deadline's cancel)
  it('failAfter around a body that swallows the cancel returns its value, in every nesting', () =>
    runVirtual(async () => {
      const results: unknown[] = [];
      for (const task of ['async', 'generator'] as const) {
        for (const body of ['async', 'generator'] as const) {
          const inner =
            body === 'generator'
              ? function* () {
                  try {
                    yield* sleep(1000);
                  } catch (e) {
                    if (!isCancelledError(e)) throw e;
                  }
                  return 'swallowed';
                }
              : async () => {
                  try {
                    await sleep(1000);
                  } catch (e) {
                    if (!isCancelledError(e)) throw e;
                  }
                  return 'swallowed';
                };
          const t = createTask(taskOf(task, () => failAfter(10, inner)));
          const r = await t.then(
            (v) => v,
            (e: unknown) => (e as Error).name,
          );
          results.push([task, body, r]);
        }
      }
      expect(results).toEqual([
        ['async', 'async', 'swallowed'],
        ['async', 'generator', 'swallowed'],
        ['generator', 'async', 'swallowed'],
        ['generator', 'generator', 'swallowed'],
      ]);
    }));

  // twin of timeoutcancel.test.ts::an async body that catches the cancel ends the block normally with its value (generator task)
  it('a timeout around an async body in a generator task: the body catches the cancel and its value comes out', () =>
    runVirtual(function* () {
      const cm = timeout(10);
      const r = yield* cm.run(async () => {
        try {
          await sleep(FOREVER);
        } catch (c) {
          assertCancelled(c);
        }
        return 'swallowed';
      });
      expect(r).toBe('swallowed');
      expect(cm.expired()).toBe(true);
      expect(currentTask()!.cancelling()).toBe(0);
      expect(yield* sleep(5, 'next')).toBe('next');
    }));
});

describe('locks held by a scope body of the other style', () => {
  // twin of locks.test.ts::lock.run holds the lock for the body, in both styles (cancelled while waiting for the lock)
  it.each(NESTINGS)('a $task task cancelled while Lock.run waits for the lock never runs its $body body', ({ task, body }) =>
    run(async () => {
      const lock = new Lock();
      await lock.acquire();
      let ran = false;
      const inner: Body<void> =
        body === 'generator'
          ? function* () {
              ran = true;
              yield* sleep(0);
            }
          : async () => {
              ran = true;
              await sleep(0);
            };
      const t = createTask(taskOf(task, () => lock.run(inner)));
      await waitAllTasksBlocked();
      t.cancel();
      assertCancelled(await rejection(t));
      expect(ran).toBe(false);
      lock.release();
      expect(lock.locked()).toBe(false);
      expect(await lock.run(async () => 'free')).toBe('free');
    }),
  );

  // twin of locks.test.ts::waiters take the lock in FIFO order, one release() at a time (generator, exact passes) — through run()
  it('tasks of both styles queue on Lock.run with bodies of the other style and get the lock FIFO, one pass per hand-over', () =>
    run(async () => {
      const lock = new Lock();
      const log: string[] = [];
      const body = (name: string, style: 'generator' | 'async'): Body<void> =>
        style === 'generator'
          ? function* () {
              log.push(`${name} in`);
              yield* sleep(0);
              log.push(`${name} out`);
            }
          : async () => {
              log.push(`${name} in`);
              await sleep(0);
              log.push(`${name} out`);
            };
      const a = createTask(taskOf('async', () => lock.run(body('a', 'generator'))));
      const g = createTask(taskOf('generator', () => lock.run(body('g', 'async'))));
      const a2 = createTask(taskOf('async', () => lock.run(body('a2', 'generator'))));
      await sleep(0);
      expect(log).toEqual(['a in']);
      await sleep(0);
      expect(log).toEqual(['a in', 'a out']);
      await sleep(0);
      expect(log).toEqual(['a in', 'a out', 'g in']);
      await sleep(0);
      expect(log).toEqual(['a in', 'a out', 'g in', 'g out']);
      await sleep(0);
      expect(log).toEqual(['a in', 'a out', 'g in', 'g out', 'a2 in']);
      await Promise.all([a, g, a2]);
      expect(lock.locked()).toBe(false);
    }));
});

describe('waitFor of the other style', () => {
  // twin of waitfor.test.ts (shared)::on timeout it cancels the awaited task, lets it clean up, and throws TimeoutError (coroutine argument)
  it.each(['async', 'generator'] as const)('waitFor(generator coroutine) in a %s task times out, and its finally runs first', (task) =>
    runVirtual(async () => {
      const log: string[] = [];
      function* coro(): Coroutine<string> {
        try {
          yield* sleep(FOREVER);
        } finally {
          log.push('coro finally');
        }
        return 'late';
      }
      const t = createTask(taskOf(task, () => waitFor(coro(), 100)));
      const e = await rejection(t);
      log.push('task done');
      expect(e).toBeInstanceOf(TimeoutError);
      expect(log).toEqual(['coro finally', 'task done']);
    }),
  );

  // twin of waitfor.test.ts::a null timeout waits as long as it takes (exact passes)
  it.each(['async', 'generator'] as const)('waitFor(coroutine, null) in a %s task costs exactly the passes of the coroutine', (task) =>
    run(async () => {
      const loop = getRunningLoop();
      let ticks = 0;
      let stop = false;
      const tick = () => {
        ticks += 1;
        if (!stop) loop.callSoon(tick);
      };
      loop.callSoon(tick);
      const t = createTask(
        task === 'generator'
          ? function* () {
              const before = ticks;
              yield* waitFor(sleeper('generator', 2, 'x')() as Coroutine<string>, null);
              return ticks - before;
            }
          : async () => {
              const before = ticks;
              await waitFor(sleeper('generator', 2, 'x')() as Coroutine<string>, null);
              return ticks - before;
            },
      );
      expect(await t).toBe(2);
      stop = true;
    }),
  );

  // twin of mixed nesting: a generator task awaiting an async body's promise through a scope sees later callbacks after it
  it('a generator task whose async scope body finishes without waiting goes on before callbacks scheduled meanwhile', () =>
    run(function* () {
      const loop = getRunningLoop();
      const log: string[] = [];
      const r = yield* new Lock().run(async () => {
        loop.callSoon(() => log.push('callback'));
        return 'body';
      });
      log.push(r);
      yield* sleep(0);
      expect(log).toEqual(['body', 'callback']);
    }));

  // twin of the above, async task with a generator body (passes)
  it('an async task whose generator scope body finishes without waiting goes on before callbacks scheduled meanwhile', () =>
    run(async () => {
      const loop = getRunningLoop();
      const log: string[] = [];
      const r = await new Lock().run(function* () {
        loop.callSoon(() => log.push('callback'));
        return 'body';
      });
      log.push(r);
      await sleep(0);
      expect(log).toEqual(['body', 'callback']);
    }));
});
