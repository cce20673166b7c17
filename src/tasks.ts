/**
 * The task functions of the public API: `createTask`, `currentTask`, `allTasks`, `ensureFuture`,
 * `isFuture`, `isCoroutine`.
 */
import { CancelledError, RuntimeError } from './errors.js';
import { Future } from './future.js';
import { current } from './internal/context.js';
import { checkFunction, checkOpts, describe, isGenerator, isThenable, rejectionError } from './internal/validate.js';
import type { TaskFactory } from './loop/services.js';
import type { EventLoop } from './loop/eventloop.js';
import { getRunningLoop, runningLoopOrUndefined, someLoopHere, taskFactoryInUse } from './loop/registry.js';
import { Task, type Awaitable, type Coroutine, type TaskBody, type TaskOptions } from './task.js';

/**
 * Wraps `body` in a task on the running loop and schedules its first step for the next pass — or
 * runs it at once, inside this call, with `{ eagerStart: true }` or on a loop whose task factory is
 * `eagerTaskFactory` (then a generator body that finishes without waiting leaves the task already
 * done; an async body's task finishes a microtask later, as its promise cannot be read at once).
 * Keep the task (or use a `TaskGroup`): its error reaches the exception handler if nobody awaits it.
 *
 * Cancellation: not a checkpoint. The new task can be cancelled at once; if it is cancelled before
 * its first step, its body never runs (an eager task has had its first step already).
 *
 * @example
 * ```ts
 * const a = createTask(function* () { yield* sleep(10); return 1; });
 * const b = createTask(async () => { await sleep(10); return 2; }, { name: 'b' });
 * const c = createTask(function* () { return 3; }, { eagerStart: true }); // c.done() === true
 * console.log(await a + await b + await c);
 * ```
 */
export function createTask<T>(body: TaskBody<T>, opts?: TaskOptions): Task<T> {
  return fromFactory(undefined, body, opts) ?? new Task<T>(body, opts);
}

/**
 * A task factory whose tasks start eagerly (asyncio's `eager_task_factory`): with
 * `loop.setTaskFactory(eagerTaskFactory)`, every task of the loop runs its first step inside
 * `createTask`, unless created with `{ eagerStart: false }`. See `TaskOptions.eagerStart`.
 *
 * Cancellation: not a checkpoint.
 *
 * @example
 * ```ts
 * await run(async () => {
 *   getRunningLoop().setTaskFactory(eagerTaskFactory);
 *   const t = createTask(function* () { return cache.get(key) ?? (yield* load(key)); });
 *   console.log(t.done()); // true on a cache hit: no loop pass was needed
 * });
 * ```
 */
export const eagerTaskFactory: TaskFactory = makeEagerFactory('eagerTaskFactory', null);

/**
 * What `createEagerTaskFactory` makes tasks with: `Task` or a subclass (called with `new`), or a
 * function that returns a task (called plainly), given the body and the options.
 */
export type TaskConstructor =
  | (new <T>(body: TaskBody<T>, opts?: TaskOptions) => Task<T>)
  | (<T>(body: TaskBody<T>, opts?: TaskOptions) => Task<T>);

/**
 * A task factory like `eagerTaskFactory` whose tasks are made by `taskConstructor` (asyncio's
 * `create_eager_task_factory(custom_task_constructor)`): a subclass of `Task`, or a function that
 * returns a task. It gets the body and the options, with `eagerStart: true` unless the caller
 * chose, and must pass them on to `Task` (they also carry the loop).
 *
 * Cancellation: not a checkpoint.
 *
 * @example
 * ```ts
 * class TracedTask<T> extends Task<T> {
 *   constructor(body: TaskBody<T>, opts?: TaskOptions) { super(body, opts); trace(this.getName()); }
 * }
 * getRunningLoop().setTaskFactory(createEagerTaskFactory(TracedTask));
 * ```
 */
export function createEagerTaskFactory(taskConstructor: TaskConstructor): TaskFactory {
  checkFunction('createEagerTaskFactory', 'taskConstructor', taskConstructor);
  return makeEagerFactory('createEagerTaskFactory', taskConstructor);
}

/** `ctor` null: `Task` itself, read at call time (this module and task.ts import each other). */
function makeEagerFactory(op: string, ctor: TaskConstructor | null): TaskFactory {
  // A class (or any constructor) is called with `new`, an arrow function plainly.
  const withNew = ctor !== null && isConstructor(ctor);
  return <T>(loop: EventLoop, body: TaskBody<T>, opts?: TaskOptions): Task<T> => {
    checkLoop(op, loop);
    if (opts !== undefined) checkOpts('createTask', opts); // the options came through createTask
    const options = { ...opts, eagerStart: opts?.eagerStart ?? true, loop } as TaskOptions;
    if (ctor === null) return new Task<T>(body, options);
    const task: unknown = withNew
      ? new (ctor as new (b: TaskBody<T>, o?: TaskOptions) => Task<T>)(body, options)
      : (ctor as (b: TaskBody<T>, o?: TaskOptions) => Task<T>)(body, options);
    if (!(task instanceof Task)) throw new TypeError(`${op}: the task constructor returned ${describe(task)}, not a Task`);
    if (task._loop !== loop) {
      throw new RuntimeError(`${op}: the task constructor made a task of another loop (pass the options it gets on to Task)`);
    }
    return task as Task<T>;
  };
}

/** True when `f` can be called with `new` (a class, a plain or bound function; not an arrow). */
function isConstructor(f: unknown): boolean {
  try {
    Reflect.construct(String, [], f as new () => unknown);
    return true;
  } catch {
    return false;
  }
}

/** A rejection that is the echo of a cancellation: a CancelledError, or an AbortSignal's abort. */
function isAbort(e: unknown): boolean {
  return e instanceof CancelledError || (e instanceof Error && e.name === 'AbortError');
}

/**
 * The task running the calling code (either style), or `undefined` in a plain loop callback (or
 * a Node callback while a loop runs). Outside any running loop it throws `RuntimeError`, as
 * asyncio's `current_task()` does. Given a `loop`, it is the task running on that loop, or
 * `undefined` (no error when it is not running).
 *
 * Cancellation: not a checkpoint.
 *
 * @example
 * ```ts
 * await fetch(url, { signal: currentTask()!.signal });
 * ```
 */
export function currentTask(loop?: EventLoop): Task | undefined {
  const task = current();
  if (loop !== undefined) {
    checkLoop('currentTask', loop);
    return task !== undefined && task._loop === loop ? task : undefined;
  }
  // (Where getRunningLoop() finds a loop — a Node callback, an async helper — there is no error.)
  if (task === undefined && !someLoopHere()) throw new RuntimeError('currentTask: no running event loop');
  return task;
}

/**
 * The tasks of the running loop (or of `loop`, running or not) that are not done yet: those the
 * user and `run` created. Without a loop, outside any running loop, it throws `RuntimeError`, as
 * asyncio's `all_tasks()` does.
 *
 * Cancellation: not a checkpoint.
 *
 * @example
 * ```ts
 * for (const t of allTasks()) if (t !== currentTask()) t.cancel();
 * process.on('SIGUSR2', () => console.log(allTasks(loop).size)); // from outside the loop
 * ```
 */
export function allTasks(loop?: EventLoop): Set<Task> {
  if (loop !== undefined) checkLoop('allTasks', loop);
  else loop = runningLoopOrUndefined();
  if (loop === undefined) throw new RuntimeError('allTasks: no running event loop');
  const tasks = new Set<Task>();
  for (const t of loop._liveTasks()) if (!t._hidden) tasks.add(t as Task);
  return tasks;
}

/**
 * Turns anything awaitable into a Future of the running loop (or of `loop`): a Future or Task is
 * returned as it is, a generator becomes a Task, a promise or thenable is wrapped.
 *
 * Cancellation: wrapping is not a checkpoint. Cancelling the wrapper of a promise stops nobody's
 * work but its waiters'; use a task's `signal` to stop the work itself. If the promise then
 * rejects, the error goes to the exception handler (not an `AbortError` or `CancelledError`, the
 * echo of the cancellation): nobody else would see it.
 *
 * @example
 * ```ts
 * function* job() { const res = yield* ensureFuture(fetch(url)); }
 * ```
 */
export function ensureFuture<T>(aw: Awaitable<T>, loop?: EventLoop): Future<T> {
  if (aw instanceof Future) {
    if (loop !== undefined && aw._loop !== loop) {
      throw new RangeError('ensureFuture: The future belongs to a different loop than the one specified as the loop argument');
    }
    return aw;
  }
  if (isGenerator(aw)) return fromFactory(loop, aw as Coroutine<T>, undefined) ?? new Task<T>(aw as Coroutine<T>, loop ? { loop } : {});
  if (isThenable(aw)) return wrapThenable(aw, loop ?? getRunningLoop());
  throw new TypeError(`ensureFuture: a Future, a coroutine or an awaitable is required, got ${describe(aw)}`);
}

/**
 * @internal A future of `loop` that settles as the thenable `aw` does (asyncio's `wrap_future`).
 * A failure after the future was cancelled goes to the exception handler under `lateMessage`,
 * unless it is the abort the cancellation caused or the loop is closed. A rejection with
 * `undefined` fails it with a TypeError naming `what`.
 */
export function wrapThenable<T>(
  aw: PromiseLike<T>,
  loop: EventLoop,
  lateMessage = 'exception in an awaitable whose future was cancelled',
  what = 'the awaitable',
): Future<T> {
  const fut = new Future<T>(loop);
  aw.then(
    (v) => {
      if (fut._state === 0 && !loop.isClosed()) fut.setResult(v); // (a closed loop: dropped, as asyncio's _chain_future)
    },
    (e) => {
      if (fut._state === 0 && loop.isClosed()) return;
      if (fut._state !== 0) {
        // The wait was cancelled (a timeout …) and the work failed later: nobody else will see
        // the error. The abort that the cancellation itself caused is no news, and a closed loop
        // hears nothing (asyncio's _chain_future drops a settlement for a closed loop).
        if (!isAbort(e) && !loop.isClosed()) loop.callExceptionHandler({ message: lateMessage, exception: e, future: fut });
        return;
      }
      if (e instanceof CancelledError) fut._cancelNow(e); // the same error (a cancel scope's keeps its tag)
      else fut.setException(rejectionError(e, what));
    },
  );
  return fut;
}

/**
 * True for tulip Futures and Tasks.
 *
 * Cancellation: not a checkpoint.
 *
 * @example
 * ```ts
 * isFuture(createTask(job())); // true
 * ```
 */
export function isFuture(x: unknown): x is Future<unknown> {
  return x instanceof Future;
}

/**
 * True for generator objects (tulip's coroutines).
 *
 * Cancellation: not a checkpoint.
 *
 * @example
 * ```ts
 * function* job() {}
 * isCoroutine(job()); // true
 * ```
 */
export function isCoroutine(x: unknown): x is Coroutine<unknown> {
  return isGenerator(x) && !(x instanceof Future);
}

/** @internal Throws a TypeError naming `op` and `name` unless `aw` is a Future, a coroutine or a promise. */
export function checkAwaitable(op: string, name: string, aw: unknown): void {
  if (aw instanceof Future || isGenerator(aw) || isThenable(aw)) return;
  throw new TypeError(`${op}: ${name} must be a Future, a coroutine or a promise, got ${describe(aw)}`);
}

/**
 * @internal The task `createTask` or `ensureFuture` makes on `loop` (default: the running loop)
 * when that loop makes its tasks its own way: by its class's `createTask` override, which asyncio
 * also calls for `create_task()` and `ensure_future()`, or else by its task factory. Null when it
 * has neither (then the caller makes a plain task).
 */
export function fromFactory<T>(loop: EventLoop | undefined, body: TaskBody<T>, opts: TaskOptions | undefined): Task<T> | null {
  if (!taskFactoryInUse) return null;
  const l = loop ?? getRunningLoop();
  if (l._ownCreateTask) return madeTask('the loop\'s createTask()', l.createTask(body, opts));
  return byFactory(l, body, opts);
}

/** @internal A task made by the task factory of `loop`, which must return a Task; null when it has none. */
export function byFactory<T>(loop: EventLoop, body: TaskBody<T>, opts: TaskOptions | undefined): Task<T> | null {
  const factory = loop._taskFactory;
  if (factory === null) return null;
  const task = madeTask<T>('the loop\'s task factory', factory(loop, body, opts));
  // asyncio names the factory's task itself (`task.set_name(name)` after the factory returns).
  if (opts?.name !== undefined) task.setName(opts.name);
  return task;
}

function madeTask<T>(maker: string, task: unknown): Task<T> {
  if (!(task instanceof Task)) throw new TypeError(`createTask: ${maker} must return a Task, got ${describe(task)}`);
  return task as Task<T>;
}

/** An EventLoop argument (checked by shape: this module sits below the loop's). */
function checkLoop(op: string, loop: unknown): void {
  if (loop === null || typeof loop !== 'object' || typeof (loop as EventLoop)._liveTasks !== 'function') {
    throw new TypeError(`${op}: loop must be an EventLoop, got ${describe(loop)}`);
  }
}
