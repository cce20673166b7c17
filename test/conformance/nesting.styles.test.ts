// Deeper mixed nesting: a task of one style running scopes (timeout, Lock.run, TaskGroup) whose
// bodies are of the other style — up to three levels, in every combination of styles — and what a
// cancel, an error, a plain promise or currentTask() do there (one level of mixed nesting is in
// mixed.styles.test.ts). The style of a body must not change what is observable: the pass count
// (`sleep(0)` is exactly one pass), the value, the errors, and the order in which a cancel unwinds
// the levels.
import { describe, it, expect } from 'vitest';
import {
  Lock,
  Semaphore,
  TaskGroup,
  TimeoutError,
  createTask,
  currentTask,
  getRunningLoop,
  run,
  sleep,
  timeout,
  type Coroutine,
} from 'tulip';
import { waitAllTasksBlocked } from 'tulip/testing';
import { FOREVER, ValueError, assertCancelled, rejection, runVirtual } from './helpers.js';
import { NESTINGS, taskOf, type Body } from './mixed.helpers.js';

describe('deeper mixed nesting', () => {
  // twin of timeoutcancel.test.ts::an async body in a generator task's timeout is cancelled at its await, and its finally runs first (three levels)
  it.each(NESTINGS)('a $task task → timeout → Lock.run → body of the other style: a cancel unwinds every level in order', ({ task, body }) =>
    run(async () => {
      const log: string[] = [];
      const lock = new Lock();
      const inner: Body<void> =
        body === 'generator'
          ? function* () {
              try {
                yield* sleep(FOREVER);
              } finally {
                log.push(`body finally, locked=${lock.locked()}`);
              }
            }
          : async () => {
              try {
                await sleep(FOREVER);
              } finally {
                log.push(`body finally, locked=${lock.locked()}`);
              }
            };
      const middle: Body<void> =
        body === 'generator'
          ? async () => {
              try {
                await lock.run(inner);
              } finally {
                log.push(`timeout body finally, locked=${lock.locked()}`);
              }
            }
          : function* () {
              try {
                yield* lock.run(inner);
              } finally {
                log.push(`timeout body finally, locked=${lock.locked()}`);
              }
            };
      const t = createTask(taskOf(task, () => timeout(FOREVER).run(middle)));
      await waitAllTasksBlocked();
      t.cancel('deep');
      assertCancelled(await rejection(t), 'deep');
      expect(log).toEqual(['body finally, locked=true', 'timeout body finally, locked=false']);
      expect(lock.locked()).toBe(false);
    }),
  );

  // twin of timeoutcancel.test.ts::TimeoutError.cause ... three levels, expiring
  it.each(NESTINGS)('a $task task → timeout(10) → TaskGroup → $body body: the deadline cancels body and children, TimeoutError comes out', ({ task, body }) =>
    runVirtual(async () => {
      const log: string[] = [];
      const groupBody = (tg: TaskGroup): Coroutine<void> | Promise<void> => {
        tg.createTask(async () => {
          try {
            await sleep(FOREVER);
          } finally {
            log.push('async child cleaned up');
          }
        });
        tg.createTask(function* () {
          try {
            yield* sleep(FOREVER);
          } finally {
            log.push('generator child cleaned up');
          }
        });
        return body === 'generator'
          ? (function* () {
              yield* sleep(FOREVER);
            })()
          : (async () => {
              await sleep(FOREVER);
            })();
      };
      const t = createTask(
        taskOf(task, () =>
          timeout(10).run(
            body === 'generator'
              ? function* () {
                  yield* new TaskGroup().run(function* (tg) {
                    yield* groupBody(tg) as Coroutine<void>;
                  });
                }
              : async () => {
                  await new TaskGroup().run(async (tg) => {
                    await groupBody(tg);
                  });
                },
          ),
        ),
      );
      const e = await rejection(t);
      expect(e).toBeInstanceOf(TimeoutError);
      expect(getRunningLoop().time()).toBe(10);
      expect([...log].sort()).toEqual(['async child cleaned up', 'generator child cleaned up']);
    }),
  );

  // twin of shared taskgroups.test.ts::an error in the body before any await cancels the children before they start (mixed)
  it.each(NESTINGS)('a $task task running a TaskGroup whose $body body throws before any wait: ExceptionGroup, children never started', ({ task, body }) =>
    run(async () => {
      let started = 0;
      const groupBody =
        body === 'generator'
          ? // eslint-disable-next-line require-yield
            function* (tg: TaskGroup) {
              tg.createTask(async () => {
                started++;
              });
              tg.createTask(function* () {
                started++;
              });
              throw new ValueError('body');
            }
          : async (tg: TaskGroup) => {
              tg.createTask(async () => {
                started++;
              });
              tg.createTask(function* () {
                started++;
              });
              throw new ValueError('body');
            };
      const t = createTask(taskOf(task, () => new TaskGroup().run(groupBody)));
      const e = await rejection(t);
      expect((e as AggregateError).errors.map((x) => (x as Error).message)).toEqual(['body']);
      expect(started).toBe(0);
    }),
  );

  // twin of tasks.test.ts::currentTask() inside a helper the body delegates to is still the task (scope bodies)
  it.each(NESTINGS)('currentTask() inside a $body scope body run by a $task task is that task, before and after a wait', ({ task, body }) =>
    run(async () => {
      const seen: unknown[] = [];
      const inner: Body<void> =
        body === 'generator'
          ? function* () {
              seen.push(currentTask());
              yield* sleep(0);
              seen.push(currentTask());
            }
          : async () => {
              seen.push(currentTask());
              await sleep(0);
              seen.push(currentTask());
            };
      const t = createTask(taskOf(task, () => new Semaphore(1).run(inner)));
      await t;
      expect(seen).toEqual([t, t]);
    }),
  );

  // twin of cancellation.test.ts::an async task cancelled while awaiting a plain promise gets the CancelledError at its next runtime await (in a generator task's scope body)
  it("a generator task's async scope body awaiting a plain promise gets the cancel at its next runtime await", () =>
    run(async () => {
      let stage = 'start';
      const t = createTask(function* () {
        yield* timeout(null).run(async () => {
          await new Promise<void>((resolve) => setTimeout(resolve, 5));
          stage = 'after foreign';
          await sleep(0);
          stage = 'after sleep';
        });
      });
      await sleep(0);
      expect(t.cancel('now')).toBe(true);
      expect(t.signal.aborted).toBe(true);
      assertCancelled(await rejection(t), 'now');
      expect(stage).toBe('after foreign');
    }));

  // twin of shared tasks.test.ts::a task cancelled between sleep(0) steps ends cancelled (inside a scope body of the other style)
  it.each(NESTINGS)('a $task task cancelled between the sleep(0) steps of its $body scope body ends cancelled at the next one', ({ task, body }) =>
    run(async () => {
      const log: string[] = [];
      const inner: Body<void> =
        body === 'generator'
          ? function* () {
              log.push('start');
              yield* sleep(0);
              log.push('after first');
              yield* sleep(0);
              log.push('after second');
            }
          : async () => {
              log.push('start');
              await sleep(0);
              log.push('after first');
              await sleep(0);
              log.push('after second');
            };
      const t = createTask(taskOf(task, () => new Lock().run(inner)));
      await sleep(0);
      expect(log).toEqual(['start']);
      t.cancel();
      assertCancelled(await rejection(t));
      expect(log).toEqual(['start']);
    }),
  );
});

describe('three levels of scopes, every combination of styles', () => {
  const S = ['generator', 'async'] as const;
  const combos = S.flatMap((task) => S.flatMap((middle) => S.map((inner) => ({ task, middle, inner }))));

  // twin of sleep.test.ts::sleep(0) gives up the loop for exactly one pass (a task → Lock.run → timeout.run → body)
  it.each(combos)('task=$task → Lock.run($middle body) → timeout.run($inner body) with one sleep(0): one pass, the task throughout', ({ task, middle, inner }) =>
    run(async () => {
      const loop = getRunningLoop();
      let ticks = 0;
      let stop = false;
      const tick = () => {
        ticks++;
        if (!stop) loop.callSoon(tick);
      };
      loop.callSoon(tick);
      const seen: unknown[] = [];
      const innermost =
        inner === 'generator'
          ? function* () {
              seen.push(currentTask());
              yield* sleep(0);
              seen.push(currentTask());
              return 'v';
            }
          : async () => {
              seen.push(currentTask());
              await sleep(0);
              seen.push(currentTask());
              return 'v';
            };
      const mid =
        middle === 'generator'
          ? function* () {
              return yield* timeout(FOREVER).run(innermost);
            }
          : async () => await timeout(FOREVER).run(innermost);
      const t = createTask(
        task === 'generator'
          ? function* () {
              const s = ticks;
              const r = yield* new Lock().run(mid);
              return [ticks - s, r] as const;
            }
          : async () => {
              const s = ticks;
              const r = await new Lock().run(mid);
              return [ticks - s, r] as const;
            },
      );
      const [passes, r] = await t;
      stop = true;
      expect(r).toBe('v');
      expect(seen).toEqual([t, t]);
      expect(passes).toBe(1);
    }),
  );
});
