/**
 * The types of tasks: what a task runs (`TaskBody`, `Coroutine`), what it can wait for
 * (`Awaitable`) and the options of `createTask` (`TaskOptions`). Re-exported by task.ts.
 */
import type { Future } from './future.js';
import type { ContextLike, RunContext } from './internal/context.js';
export type { ContextLike, RunContext } from './internal/context.js';
import type { EventLoop } from './loop/eventloop.js';

/** A generator coroutine: `function*` code that waits with `yield*` and returns a `T`. */
export type Coroutine<T> = Generator<unknown, T, unknown>;
/** What a task runs: a generator object, or a function returning a generator, a promise or a value. */
export type TaskBody<T> = Coroutine<T> | (() => Coroutine<T> | PromiseLike<T> | T);
/** Anything a task can wait for. */
export type Awaitable<T> = Future<T> | PromiseLike<T> | Coroutine<T>;

/** Options of `createTask`. */
export interface TaskOptions {
  /** The task's name (default `Task-<n>`). */
  name?: string;
  /**
   * Runs the body's first step at once, inside `createTask`, when the task's loop is running
   * (asyncio 3.14's `eager_start`; 3.12's eager task factory). A body that finishes without
   * waiting leaves the task done without a loop pass (a cache hit); one that waits is scheduled
   * from there as usual. The step runs as the new task (`currentTask()` is the new task inside
   * it), then the caller goes on. A generator body runs its whole first step there, as asyncio's
   * coroutine does. An async function runs only up to its first `await` (JS resumes every `await`
   * in a microtask, even of a done future such as a free lock's); the rest of that step, and the
   * settling of a body that returned, follow in microtasks, after the caller's current step and
   * before the loop's next entry. Default false: the first step runs in the next loop pass.
   */
  eagerStart?: boolean;
  /**
   * The AsyncLocalStorage context the task's code runs in (asyncio's `context=`): an
   * `AsyncResource`, or the function `AsyncLocalStorage.snapshot()` returns. By default a task
   * runs in the context of the code that created it: every `AsyncLocalStorage` (a request id, a
   * tracing span) reads there what it read where `createTask` was called, and what the task
   * sets with `enterWith()` stays its own (asyncio copies the context too). A generator task's
   * sets land in the given context; an async task's `enterWith()` after an `await` cannot reach
   * it (it lands in the promise's own resource, a JavaScript limit).
   */
  context?: ContextLike;
}

/** @internal What the loop and the internals may also pass. */
export interface InternalTaskOptions extends TaskOptions {
  loop?: EventLoop;
  /** A helper of tulip's own: left out of `allTasks()`. */
  hidden?: boolean;
  /** A context of tulip's own (a Runner's), used as it is: not a user's `context`. */
  runContext?: RunContext;
}
