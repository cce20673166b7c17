// Ports of CPython 3.14 Lib/test/test_asyncio/test_eager_task_factory.py (EagerTaskFactoryLoopTests
// and the eager_start tests), in both coroutine styles: eager tasks run their first step inside
// createTask, either with `{ eagerStart: true }` (asyncio 3.14's eager_start) or on a loop whose
// task factory is `eagerTaskFactory` (asyncio 3.12's eager_task_factory).
import { describe, expect, it } from 'vitest';
import {
  RuntimeError,
  Task,
  TaskGroup,
  allTasks,
  createTask,
  currentTask,
  eagerTaskFactory,
  ensureFuture,
  gather,
  getRunningLoop,
  newEventLoop,
  run,
  sleep,
  type EventLoop,
  type TaskBody,
  type TaskFactory,
  type TaskOptions,
} from 'tulip';
import { STYLES, assertCancelled, newFuture, passesG, recordExceptions, rejection, styled, syncError, type Style } from './helpers.js';

/** Runs `main` in a loop whose tasks start eagerly (the loop's task factory). */
function runEager<T>(main: TaskBody<T>): Promise<T> {
  return run(function* () {
    getRunningLoop().setTaskFactory(eagerTaskFactory);
    return yield* createTask(main, { eagerStart: false });
  });
}

/** A body that returns `value` without waiting. */
const immediate = <T>(style: Style, value: T): TaskBody<T> =>
  styled(
    style,
    function* () {
      return value;
    },
    async () => value,
  );

/** A body that sleeps `ms`, then returns `value`. */
const blocking = <T>(style: Style, ms: number, value: T): TaskBody<T> =>
  styled(
    style,
    function* () {
      yield* sleep(ms);
      return value;
    },
    async () => {
      await sleep(ms);
      return value;
    },
  );

for (const style of STYLES) {
  describe(`eager tasks (${style} bodies)`, () => {
    it('test_eager_task_factory_set: the factory is the loop\'s, and makes Tasks', () =>
      runEager(function* () {
        expect(getRunningLoop().getTaskFactory()).toBe(eagerTaskFactory);
        const t = getRunningLoop().createTask(immediate(style, 1));
        expect(t).toBeInstanceOf(Task);
        expect(yield* t).toBe(1);
      }));

    it('test_await_future_during_eager_step: the eager step sets a future before createTask returns', () =>
      runEager(function* () {
        const fut = newFuture<string>();
        const t = createTask(
          styled(
            style,
            function* () {
              fut.setResult('my message');
            },
            async () => {
              fut.setResult('my message');
            },
          ),
        );
        expect(fut.done()).toBe(true); // the eager step ran inside createTask
        // A generator body's task is done too; an async body's promise settles in a microtask.
        if (style === 'generator') expect(t.done()).toBe(true);
        expect(yield* fut).toBe('my message');
        yield* t;
      }));

    it('test_eager_completion: a body that never waits leaves the task done inside createTask', () =>
      runEager(function* () {
        const t = createTask(immediate(style, 'hello'));
        if (style === 'generator') expect(t.done()).toBe(true);
        expect(yield* t).toBe('hello');
      }));

    it('test_block_after_eager_step: a body that waits is pending after createTask and finishes later', () =>
      runEager(function* () {
        const t = createTask(blocking(style, 100, 'finished after blocking'));
        expect(t.done()).toBe(false);
        expect(yield* t).toBe('finished after blocking');
        expect(t.done()).toBe(true);
      }));

    it('test_cancellation_after_eager_completion: cancel() of an eagerly finished task changes nothing', () =>
      runEager(function* () {
        const t = createTask(immediate(style, 'finished without blocking'));
        yield* sleep(0); // (an async body settles its promise in a microtask)
        expect(t.cancel()).toBe(false);
        expect(yield* t).toBe('finished without blocking');
        expect(t.cancelled()).toBe(false);
      }));

    it('test_cancellation_after_eager_step_blocks: a task cancelled right after its eager step gets the message', () =>
      runEager(function* () {
        const t = createTask(blocking(style, 100, 'late'));
        t.cancel('cancellation message');
        expect(t.cancelling()).toBeGreaterThan(0);
        assertCancelled(yield* rejectionOf(t), 'cancellation message');
      }));

    it('test_current_task: the eager step runs as the new task, before and after it blocks', () =>
      runEager(function* () {
        const parent = currentTask();
        const seen: Array<Task | undefined> = [];
        const t = createTask(
          styled(
            style,
            function* () {
              seen.push(currentTask());
              yield* sleep(100);
              seen.push(currentTask());
            },
            async () => {
              seen.push(currentTask());
              await sleep(100);
              seen.push(currentTask());
            },
          ),
        );
        // (toBe, not toEqual: vitest's deep equality would iterate the tasks, i.e. `yield*` them)
        expect(seen.length).toBe(1);
        expect(seen[0]).toBe(t);
        expect(currentTask()).toBe(parent);
        yield* t;
        expect(seen.length).toBe(2);
        expect(seen[1]).toBe(t);
      }));

    it('test_all_tasks_with_eager_completion: the task is in allTasks() during its step, not after', () =>
      runEager(function* () {
        let during: Set<Task> | undefined;
        const t = createTask(
          styled(
            style,
            function* () {
              during = allTasks();
            },
            async () => {
              during = allTasks();
            },
          ),
        );
        expect(during!.has(t)).toBe(true);
        yield* t;
        expect(allTasks().has(t)).toBe(false);
      }));

    it('test_all_tasks_with_blocking: a task that blocked in its eager step is in allTasks() until it ends', () =>
      runEager(function* () {
        const fut1 = newFuture<void>();
        const fut2 = newFuture<void>();
        let during: Set<Task> | undefined;
        const t = createTask(
          styled(
            style,
            function* () {
              during = allTasks();
              yield* fut1;
              fut2.setResult();
            },
            async () => {
              during = allTasks();
              await fut1;
              fut2.setResult();
            },
          ),
        );
        expect(during!.has(t)).toBe(true);
        expect(allTasks().has(t)).toBe(true);
        fut1.setResult();
        yield* fut2;
        yield* passesG(1);
        expect(allTasks().has(t)).toBe(false);
      }));

    it('test_eager_start_false: { eagerStart: false } on an eager loop starts in the next pass', () =>
      runEager(function* () {
        let name: string | undefined;
        const t = getRunningLoop().createTask(
          styled(
            style,
            function* () {
              name = currentTask()!.getName();
            },
            async () => {
              name = currentTask()!.getName();
            },
          ),
          { eagerStart: false, name: 'example' },
        );
        expect(t.done()).toBe(false);
        expect(name).toBeUndefined();
        yield* t;
        expect(name).toBe('example');
      }));

    it('test_eager_start_true_with_default_factory: { eagerStart: true } without a factory', () =>
      run(function* () {
        const log: string[] = [];
        const t = createTask(
          styled(
            style,
            function* () {
              log.push('step');
              yield* sleep(0);
              log.push('resumed');
              return 5;
            },
            async () => {
              log.push('step');
              await sleep(0);
              log.push('resumed');
              return 5;
            },
          ),
          { eagerStart: true },
        );
        log.push('created');
        expect(yield* t).toBe(5);
        expect(log).toEqual(['step', 'created', 'resumed']);
      }));

    it('test_recursive_taskgroups: eager tasks that create eager tasks in their own TaskGroups', () =>
      runEager(function* () {
        function coro(n: number): TaskBody<number> {
          return styled(
            style,
            function* () {
              if (n === 0) return 0;
              const kids: Task<number>[] = [];
              yield* new TaskGroup().run(function* (tg) {
                for (let i = 0; i < 2; i++) kids.push(tg.createTask(coro(n - 1)));
              });
              return 1 + kids.reduce((a, k) => a + k.result(), 0);
            },
            async () => {
              if (n === 0) return 0;
              const kids: Task<number>[] = [];
              await new TaskGroup().run(async (tg) => {
                for (let i = 0; i < 2; i++) kids.push(tg.createTask(coro(n - 1)));
              });
              return 1 + kids.reduce((a, k) => a + k.result(), 0);
            },
          );
        }
        expect(yield* createTask(coro(6))).toBe(63);
      }));

    it('test_recursive_gather: eager tasks that gather eager tasks', () =>
      runEager(function* () {
        function coro(n: number): TaskBody<number> {
          return styled(
            style,
            function* () {
              if (n === 0) return 1;
              const r = yield* gather([createTask(coro(n - 1)), createTask(coro(n - 1))]);
              return r[0] + r[1];
            },
            async () => {
              if (n === 0) return 1;
              const r = await gather([createTask(coro(n - 1)), createTask(coro(n - 1))]);
              return r[0] + r[1];
            },
          );
        }
        expect(yield* createTask(coro(6))).toBe(64);
      }));

    it('an error thrown in the eager step fails the task, and a TaskGroup gets it', () =>
      runEager(function* () {
        const boom = new Error('boom');
        const failing = styled(
          style,
          function* (): Generator<unknown, never, unknown> {
            throw boom;
          },
          async () => {
            throw boom;
          },
        );
        const seen = recordExceptions();
        const t = createTask(failing);
        expect(yield* rejectionOf(t)).toBe(boom);
        const e = yield* rejectionOf(
          new TaskGroup().run(function* (tg) {
            tg.createTask(failing);
            yield* sleep(1000);
          }),
        );
        expect((e as AggregateError).errors).toEqual([boom]);
        yield* passesG(2);
        expect(seen).toEqual([]); // the group read the error: nothing is reported
      }));

    it('an eagerly failed task nobody reads is reported, also when a done callback that ignores the error is attached', () =>
      runEager(function* () {
        const seen = recordExceptions();
        const failing = styled(
          style,
          function* (): Generator<unknown, never, unknown> {
            throw new Error('lost');
          },
          async () => {
            throw new Error('lost');
          },
        );
        const a = createTask(failing);
        const b = createTask(failing);
        const calls: string[] = [];
        b.addDoneCallback(() => calls.push('b done'));
        yield* passesG(3);
        expect(calls).toEqual(['b done']);
        expect(seen.map((c) => [c.message, (c.exception as Error).message, c.task === a, c.task === b])).toEqual([
          ['Task exception was never retrieved', 'lost', true, false],
          ['Task exception was never retrieved', 'lost', false, true],
        ]);
      }));
  });
}

describe('eagerStart and task factories: the rest', () => {
  it('eagerStart on a loop that is not running schedules the task as usual', async () => {
    const loop: EventLoop = newEventLoop();
    const log: string[] = [];
    const t = loop.createTask(
      function* () {
        log.push('ran');
        return 1;
      },
      { eagerStart: true },
    );
    expect(log).toEqual([]);
    expect(await loop.runUntilComplete(t)).toBe(1);
    loop.close();
  });

  it('eagerStart must be a boolean, and createTask names it', () =>
    run(() => {
      const e = syncError(() => createTask(function* () {}, { eagerStart: 'yes' } as unknown as TaskOptions));
      expect(e).toBeInstanceOf(TypeError);
      expect(e.message).toMatch(/createTask: opts\.eagerStart must be a boolean, got 'yes'|createTask: opts\.eagerStart must be a boolean/);
    }));

  it('setTaskFactory refuses what is not a function, and null restores plain tasks', () =>
    run(function* () {
      const loop = getRunningLoop();
      expect(loop.getTaskFactory()).toBeNull();
      expect(syncError(() => loop.setTaskFactory(42 as unknown as TaskFactory)).message).toMatch(/setTaskFactory: factory must be a function or null, got 42/);
      loop.setTaskFactory(eagerTaskFactory);
      loop.setTaskFactory(null);
      expect(loop.getTaskFactory()).toBeNull();
      const t = createTask(function* () {
        return 1;
      });
      expect(t.done()).toBe(false);
      yield* t;
    }));

  it('a custom factory gets the loop, the body and the options, for createTask, ensureFuture and TaskGroup', () =>
    run(function* () {
      const loop = getRunningLoop();
      const seen: Array<[EventLoop, string | undefined]> = [];
      const factory: TaskFactory = (l, body, opts) => {
        seen.push([l, opts?.name]);
        return eagerTaskFactory(l, body, { ...opts, eagerStart: false });
      };
      loop.setTaskFactory(factory);
      yield* createTask(function* () {}, { name: 'a' });
      yield* ensureFuture(
        (function* () {
          return 2;
        })(),
      );
      yield* new TaskGroup().run(function* (tg) {
        tg.createTask(function* () {}, { name: 'c' });
      });
      yield* loop.createTask(function* () {}, { name: 'd' });
      expect(seen).toEqual([
        [loop, 'a'],
        [loop, undefined],
        [loop, 'c'],
        [loop, 'd'],
      ]);
    }));

  it('a factory that returns no Task makes createTask throw a TypeError naming it', () =>
    run(function* () {
      getRunningLoop().setTaskFactory((() => 42) as unknown as TaskFactory);
      expect(syncError(() => createTask(function* () {})).message).toMatch(/task factory must return a Task, got 42/);
      getRunningLoop().setTaskFactory(null);
    }));

  it('a task factory set before the loop runs makes its tasks, which start as usual until it runs', async () => {
    const loop = newEventLoop();
    loop.setTaskFactory(eagerTaskFactory);
    const log: string[] = [];
    const main = loop.createTask(function* () {
      log.push('main step');
      return 3;
    });
    log.push('created');
    expect(await loop.runUntilComplete(main)).toBe(3); // not running yet: scheduled as usual
    expect(log).toEqual(['created', 'main step']);
    loop.close();
    expect(syncError(() => loop.createTask(function* () {})) instanceof RuntimeError).toBe(true);
  });
});

/** `yield* rejectionOf(aw)`: what `aw` fails with (or undefined). */
function* rejectionOf(aw: PromiseLike<unknown> & Iterable<unknown>): Generator<unknown, unknown, unknown> {
  try {
    yield* aw as unknown as Generator<unknown, unknown, unknown>;
  } catch (e) {
    return e;
  }
  return undefined;
}
void rejection;
