// Ports of CPython 3.14 Lib/test/test_asyncio/test_eager_task_factory.py's task-counting tests
// (AsyncTaskCounter, BaseTaskCountingTests) and of its custom-Task setup: asyncio's
// create_eager_task_factory(custom_task_constructor) is createEagerTaskFactory(ctor), where ctor is
// a subclass of Task or a function that returns a task.
import { describe, expect, it } from 'vitest';
import {
  Task,
  TaskGroup,
  createEagerTaskFactory,
  createTask,
  gather,
  getRunningLoop,
  newEventLoop,
  run,
  sleep,
  type Coroutine,
  type EventLoop,
  type TaskBody,
  type TaskOptions,
} from 'tulip';
import { STYLES, styled, syncError, type Style } from './helpers.js';

/**
 * asyncio's AsyncTaskCounter: sets a task factory on `loop` that counts the tasks made without an
 * eager start. `eager`: the factory is createEagerTaskFactory(CountingTask); otherwise a plain
 * factory that makes CountingTasks scheduled as usual.
 */
function countTasks(loop: EventLoop, eager: boolean): () => number {
  let count = 0;
  const countingTask = <T>(body: TaskBody<T>, opts?: TaskOptions): Task<T> => {
    if (opts?.eagerStart !== true) count++;
    return new Task(body, opts);
  };
  loop.setTaskFactory(
    eager
      ? createEagerTaskFactory(countingTask)
      : <T>(l: EventLoop, body: TaskBody<T>, opts?: TaskOptions) => countingTask(body, { ...opts, loop: l } as TaskOptions),
  );
  return () => count;
}

/** 1 + (1 + … ) to `depth`, each level awaiting the next without a task (awaitable_chain). */
function awaitableChain(style: Style, depth: number): TaskBody<number> {
  const gen = function* chain(d: number): Coroutine<number> {
    if (d === 0) return 0;
    return 1 + (yield* chain(d - 1));
  };
  const fn = async function chain(d: number): Promise<number> {
    if (d === 0) return 0;
    return 1 + (await chain(d - 1));
  };
  return styled(style, () => gen(depth), () => fn(depth));
}

/** `width` children per level in a TaskGroup, `depth` levels (recursive_taskgroups). */
function recursiveTaskGroups(style: Style, width: number, depth: number): TaskBody<void> {
  return styled(
    style,
    function* () {
      if (depth === 0) return;
      yield* new TaskGroup().run((tg) => {
        for (let i = 0; i < width; i++) tg.createTask(recursiveTaskGroups(style, width, depth - 1));
      });
    },
    async () => {
      if (depth === 0) return;
      await new TaskGroup().run((tg) => {
        for (let i = 0; i < width; i++) tg.createTask(recursiveTaskGroups(style, width, depth - 1));
      });
    },
  );
}

/** `width` coroutines per level handed to gather, which wraps each in a task (recursive_gather). */
function* recursiveGather(width: number, depth: number): Coroutine<void> {
  if (depth === 0) return;
  yield* gather(Array.from({ length: width }, () => recursiveGather(width, depth - 1)));
}

/** Runs `main` as the loop's first task, after the counter is installed, and closes the loop. */
async function counted<T>(eager: boolean, main: TaskBody<T>): Promise<{ value: T; tasks: number }> {
  const loop = newEventLoop();
  const count = countTasks(loop, eager);
  try {
    const value = await loop.runUntilComplete(main);
    return { value, tasks: count() };
  } finally {
    loop.close();
  }
}

for (const style of STYLES) {
  describe(`createEagerTaskFactory: counting the tasks that were scheduled (${style} bodies)`, () => {
    for (const eager of [false, true]) {
      const kind = eager ? 'eager' : 'non-eager';
      it(`test_awaitables_chain (${kind}): 100 nested awaits make no task; only the main task counts, unless eager`, async () => {
        const r = await counted(eager, awaitableChain(style, 100));
        expect(r.value).toBe(100);
        expect(r.tasks).toBe(eager ? 0 : 1);
      });

      it(`test_recursive_taskgroups (${kind}): 5 wide, 4 deep makes ${eager ? 'no task scheduled' : '781 tasks scheduled'}`, async () => {
        const r = await counted(eager, recursiveTaskGroups(style, 5, 4));
        expect(r.tasks).toBe(eager ? 0 : 781); // 1 + 5 + 5^2 + 5^3 + 5^4
      });
    }
  });
}

describe('createEagerTaskFactory: the rest', () => {
  for (const eager of [false, true]) {
    it(`test_recursive_gather (${eager ? 'eager' : 'non-eager'}): gather wraps each coroutine in a task of the factory`, async () => {
      const r = await counted(eager, () => recursiveGather(5, 4));
      expect(r.tasks).toBe(eager ? 0 : 781);
    });
  }

  it('test_eager_task_factory_set: a Task subclass makes every task of the loop, started eagerly', () =>
    run(function* () {
      const made: Array<TaskOptions | undefined> = [];
      class MyTask<T> extends Task<T> {
        constructor(body: TaskBody<T>, opts?: TaskOptions) {
          made.push(opts);
          super(body, opts);
        }
      }
      const factory = createEagerTaskFactory(MyTask);
      getRunningLoop().setTaskFactory(factory);
      expect(getRunningLoop().getTaskFactory()).toBe(factory);
      const a = createTask(function* () {
        return 1;
      });
      const b = getRunningLoop().createTask(async () => 2);
      let c: Task<number> | undefined;
      yield* new TaskGroup().run((tg) => {
        c = tg.createTask(function* () {
          yield* sleep(0);
          return 3;
        });
      });
      for (const t of [a, b, c!]) expect(t).toBeInstanceOf(MyTask);
      expect(a.done()).toBe(true); // its eager first step finished it inside createTask
      expect([yield* a, yield* b, yield* c!]).toEqual([1, 2, 3]);
      expect(made.map((o) => o?.eagerStart)).toEqual([true, true, true]);
      getRunningLoop().setTaskFactory(null);
    }));

  it('eagerStart: false given to createTask wins over the eager factory', () =>
    run(function* () {
      getRunningLoop().setTaskFactory(createEagerTaskFactory(Task));
      const t = createTask(
        function* () {
          return 1;
        },
        { eagerStart: false },
      );
      expect(t.done()).toBe(false);
      expect(yield* t).toBe(1);
      getRunningLoop().setTaskFactory(null);
    }));

  it('a class that is no Task subclass is called with new and refused by what it returns; a bound subclass works', () =>
    run(function* () {
      class NotATask {
        constructor(readonly body: unknown) {}
      }
      getRunningLoop().setTaskFactory(createEagerTaskFactory(NotATask as never));
      expect(syncError(() => createTask(function* () {})).message).toMatch(/returned a NotATask object, not a Task/);
      class Traced<T> extends Task<T> {}
      getRunningLoop().setTaskFactory(createEagerTaskFactory((Traced as unknown as (...a: unknown[]) => unknown).bind(null) as never));
      const t = createTask(function* () {
        return 'bound';
      });
      expect(t).toBeInstanceOf(Traced);
      expect(yield* t).toBe('bound');
      getRunningLoop().setTaskFactory(null);
    }));

  it('a constructor that makes a task of another loop is refused at once', () =>
    run(function* () {
      const other = newEventLoop();
      getRunningLoop().setTaskFactory(createEagerTaskFactory(<T>(b: TaskBody<T>) => new Task(b, { loop: other } as TaskOptions)));
      expect(syncError(() => createTask(function* () {})).message).toMatch(/made a task of another loop/);
      getRunningLoop().setTaskFactory(null);
      other.close();
    }));

  it('refuses a taskConstructor that is not a function, naming it', () => {
    const e = syncError(() => createEagerTaskFactory(5 as never));
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toMatch(/^createEagerTaskFactory: taskConstructor must be a function, got 5/);
  });

  it('a constructor that returns no Task makes createTask throw a TypeError naming it, and the loop goes on', () =>
    run(function* () {
      getRunningLoop().setTaskFactory(createEagerTaskFactory((() => 42) as never));
      const e = syncError(() => createTask(function* () {}));
      expect(e).toBeInstanceOf(TypeError);
      expect(e.message).toMatch(/createEagerTaskFactory: the task constructor returned 42, not a Task/);
      getRunningLoop().setTaskFactory(null);
      expect(yield* createTask(function* () {
        return 'fine';
      })).toBe('fine');
    }));
});
