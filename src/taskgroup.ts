import { CancelledError, ExceptionGroup, RuntimeError } from './errors.js';
import { Future } from './future.js';
import { loopCancelledError } from './internal/looperrors.js';
import { InlineFuture, callBody, type Body, type Mode } from './internal/inline.js';
import { describe, isGenerator } from './internal/validate.js';
import type { EventLoop } from './loop/eventloop.js';
import { getRunningLoop } from './loop/registry.js';
import { type Coroutine, type Task, type TaskBody, type TaskOptions } from './task.js';
import { current } from './internal/context.js';
import { checkTaskOptions, inheritNext, type ScopeLike } from './internal/taskext.js';
import { waitThroughCancels } from './internal/waiters.js';

/**
 * The group behind each group's done callback, which every pending child holds: the await graph
 * finds a child's parent task through it (asyncio 3.14's `future_add_to_awaited_by`). One entry per
 * group, not per child: a weak map entry per child made 100,000 children a third slower.
 */
const callbackGroups = new WeakMap<object, TaskGroup>();

/**
 * @internal The task running the group whose done callback `cb` is (the parent of the children that
 * hold it), or undefined when `cb` is no group's or the group has not been entered.
 */
export function taskGroupOwner(cb: unknown): Task<unknown> | undefined {
  return typeof cb === 'function' ? (callbackGroups.get(cb)?._parent ?? undefined) : undefined;
}

/**
 * Structured concurrency (asyncio's `TaskGroup`): tasks created in the group belong to the block
 * that runs it, and the block does not exit before every one of them is done. The first child
 * failure cancels the other children and the body; the failures then surface together as an
 * `ExceptionGroup('unhandled errors in a TaskGroup', errors)`.
 *
 * Cancellation: waiting for the children at the end of the block is a checkpoint. A cancellation
 * of the calling task cancels every child, waits for them, then propagates as `CancelledError`
 * (unless children failed: their errors win, and the task's cancel count is kept). `cancel()`
 * (asyncio 3.15) cancels the body and every child; the block then exits without an error.
 *
 * @example
 * ```ts
 * await new TaskGroup().run(async (tg) => {
 *   tg.createTask(async () => fetchUser(1));
 *   tg.createTask(async () => fetchUser(2));
 * }); // both are done here
 * ```
 */
export class TaskGroup {
  private _entered = false;
  private _exiting = false;
  private _aborting = false;
  private _cancelOnEnter = false;
  /** run() was called: a group is entered once. */
  private _claimed = false;
  private _loop: EventLoop | null = null;
  /** @internal The task running the group's block (see `taskGroupOwner`). */
  _parent: Task<unknown> | null = null;
  private _parentCancelRequested = false;
  private readonly _tasks = new Set<Task<unknown>>();
  private _errors: unknown[] = [];
  private _onCompleted: Future<boolean> | null = null;
  /** The parent's cancel-scope depth at entry (its cancels pass shields entered outside it). */
  private _depth = 0;
  /**
   * Tasks of `start()` not done yet, with the future their `started()` completes: until it has a
   * value (not cancelled, not failed), the task is its caller's, not the group's.
   */
  private _startedBy: Map<Task<unknown>, Future<unknown>> | null = null;

  /**
   * Creates a task in the group. Refused before the group is entered, once it is shutting down
   * after a failure or `cancel()`, and once it is finished.
   */
  createTask<T>(body: TaskBody<T>, opts?: TaskOptions): Task<T> {
    try {
      this._checkOpen('TaskGroup.createTask');
    } catch (e) {
      if (isGenerator(body)) body.return(undefined as never); // refused: it can never run (asyncio closes it)
      throw e;
    }
    const task = this._spawn(body, opts);
    this._adopt(task);
    return task;
  }

  /**
   * Makes a child: inside the cancel scopes around the group's block, as Trio's nursery children
   * are (see `TaskExt.inherited`), and inside `extra` (a `start()` task's `StartScope`).
   */
  private _spawn<T>(body: TaskBody<T>, opts: TaskOptions | undefined, extra?: StartScope): Task<T> {
    if (this._depth === 0 && extra === undefined) return this._loop!.createTask(body, opts);
    const outside = this._parent!._scopesOutside(this._depth);
    inheritNext.scopes = extra === undefined ? outside : [...(outside ?? []), extra];
    try {
      return this._loop!.createTask(body, opts);
    } finally {
      inheritNext.scopes = null;
    }
  }

  /** Makes `task` a child of the group. */
  private _adopt<T>(task: Task<T>): void {
    this._tasks.add(task as Task<unknown>);
    task._addCallback(this._onTaskDone as (t: Future<T>) => void);
    // An eager first step may have cancelled or failed the group before the task joined it
    // (CPython gh-155418): the task is cancelled as its siblings were.
    if (this._aborting && !task.done()) task.cancel();
  }

  /**
   * Starts `body(status)` as a task of the group and waits until it calls `status.started(value)`,
   * then returns that value while the task goes on in the group (Trio's `nursery.start`, AnyIO's
   * `tg.start`): for a server that must be listening, or a worker that must be set up, before the
   * caller goes on. Until `started()`, the task's failure is the caller's — `start()` raises it
   * and the group is not touched; a body that returns without calling `started()` makes `start()`
   * raise `RuntimeError`. After `started()`, the task is like any other child. Refused, as
   * `createTask` is, when the group is not entered, is shutting down or is finished; `opts` as
   * `createTask`'s. Nothing starts until the returned future is awaited, and the task never
   * starts eagerly (whatever the task factory): its first step runs in the next pass.
   *
   * Cancellation: a checkpoint. Until `started()` the task is its caller's, as in Trio: it is
   * inside the caller's cancel scopes (a shield around `start()` covers it), not the group's, so
   * the group's cancellation reaches it only once `started()` has made it a child. Cancelling the
   * caller while the task is starting cancels the task too — at every wait when a cancel scope
   * cancelled the caller, once for `task.cancel()` — (its `started()` then does nothing), waits
   * until it is gone — however often the caller is cancelled meanwhile — and then raises the
   * task's failure if it failed, else `CancelledError`. A task cancelled before `started()` by its
   * own code makes `start()` raise `CancelledError`.
   *
   * @example
   * ```ts
   * await new TaskGroup().run(async (tg) => {
   *   const port = await tg.start<number>(async (status) => {
   *     const server = await listen(0);
   *     status.started(server.port);      // start() returns here…
   *     await server.serveForever();      // …while the server runs on in the group
   *   });
   *   await fetch(`http://127.0.0.1:${port}/`);
   * });
   * ```
   */
  start<S = void, T = unknown>(body: (status: TaskStatus<S>) => Coroutine<T> | PromiseLike<T> | T, opts?: TaskOptions): Future<S> {
    if (typeof body !== 'function') throw new TypeError(`TaskGroup.start: body must be a function, got ${describe(body)}`);
    this._checkOpen('TaskGroup.start');
    if (opts !== undefined) checkTaskOptions(opts, 'TaskGroup.start');
    return new InlineFuture<S>(this._loop!, () => this._starting(body, opts), 'TaskGroup.start()');
  }

  /**
   * Runs `body(this)` inside the calling task as the group's block (`async with TaskGroup() as tg:`)
   * and waits for every child. Awaitable with `await` and `yield*`.
   *
   * Cancellation: waiting for the children at the end of the block is a checkpoint. A cancellation
   * of the calling task cancels every child, waits for them, then propagates (unless children
   * failed: their `ExceptionGroup` wins).
   *
   * @example
   * ```ts
   * await new TaskGroup().run(async (tg) => { tg.createTask(() => fetchA()); tg.createTask(() => fetchB()); });
   * ```
   */
  run<T>(body: (tg: TaskGroup) => Coroutine<T> | PromiseLike<T> | T): Future<T> {
    if (typeof body !== 'function') throw new TypeError(`TaskGroup.run: body must be a function, got ${describe(body)}`);
    if (this._entered || this._claimed) throw new RuntimeError(`TaskGroup.run: ${this} has already been entered`);
    this._claimed = true;
    return new InlineFuture<T>(getRunningLoop(), (mode) => this._scope(body, mode), 'TaskGroup.run()', 'TaskGroup cannot determine the parent task');
  }

  /**
   * Cancels the body and every child not done; the block then exits without raising
   * `CancelledError`. Before the block is entered it takes effect on entry; idempotent.
   */
  cancel(): void {
    if (!this._entered) {
      this._cancelOnEnter = true;
      return;
    }
    if (this._finished()) return;
    // As CPython's: a group already shutting down (a child or the body failed) does not cancel
    // its body's task again.
    if (this._aborting) return;
    this._abort();
    if (this._parent !== null && !this._parentCancelRequested) {
      this._parentCancelRequested = true;
      this._parent._cancelFrom(this._depth);
    }
  }

  /** `<TaskGroup tasks=2 active>`: the tasks still running and the state (created, active, exiting, shutting down, finished). */
  toString(): string {
    let state = 'active';
    if (!this._entered) state = 'created';
    else if (this._finished()) state = 'finished';
    else if (this._aborting) state = 'shutting down';
    else if (this._exiting) state = 'exiting';
    return `<TaskGroup tasks=${this._tasks.size} ${state}>`;
  }

  private *_scope<T>(body: Body<TaskGroup, T>, mode: Mode): Coroutine<T> {
    this._enter();
    let result: T | undefined;
    let failed = false;
    let error: unknown;
    try {
      result = yield* callBody(body, this, mode);
    } catch (e) {
      failed = true;
      error = e;
    }
    yield* this._exit(failed, error);
    return result as T;
  }

  /** The block has exited (or is exiting) with no child left: nothing can join any more. */
  private _finished(): boolean {
    return this._exiting && this._tasks.size === 0;
  }

  /** Refuses a new task before the group is entered, once it is finished or shutting down. */
  private _checkOpen(op: string): void {
    if (!this._entered) throw new RuntimeError(`${op}: ${this} has not been entered`);
    if (this._finished()) throw new RuntimeError(`${op}: ${this} is finished`);
    if (this._aborting) throw new RuntimeError(`${op}: ${this} is shutting down`);
  }

  /** The body of `start()`, in the caller's task: create the task, wait for its `started()`. */
  private *_starting<S, T>(body: (status: TaskStatus<S>) => Coroutine<T> | PromiseLike<T> | T, opts?: TaskOptions): Coroutine<S> {
    this._checkOpen('TaskGroup.start'); // again: the group may have moved on since start() was called
    const started = this._loop!.createFuture<S>();
    const scope = new StartScope();
    const status = new TaskStatus<S>(started, () => this._started(task as Task<unknown>, scope));
    // Never eager (whatever the task factory): start() stays a checkpoint, and a cancel scope
    // around it is met before the task's first step can call started().
    const task = this._spawn(() => body(status), { ...opts, eagerStart: false }, scope);
    scope.task = task as Task<unknown>;
    this._adopt(task);
    (this._startedBy ??= new Map()).set(task as Task<unknown>, started as Future<unknown>);
    try {
      return yield* started;
    } catch (e) {
      if (!(e instanceof CancelledError) || hasStarted(started)) throw e;
      // The caller was cancelled while the task was starting (or the task was): the task is still
      // the caller's. It is cancelled as the caller was — by a cancel scope: at every wait, as one
      // under that scope (Trio); by `cancel()`: once (asyncio) — start() waits until it is gone,
      // and then raises its failure if it failed, else the cancellation.
      if (!task.done()) {
        if ((e as { scope?: unknown }).scope !== undefined) scope.cancel(e.message);
        else task.cancel();
        yield* waitThroughCancels(() => doneOf(task as Task<unknown>));
      }
      if (task._state === 2 /* failed */) throw task.exception();
      throw e;
    }
  }

  private _enter(): void {
    if (this._entered) throw new RuntimeError(`TaskGroup: ${this} has already been entered`);
    const parent = current();
    if (parent === undefined) throw new RuntimeError('TaskGroup: cannot determine the parent task (use it inside a task)');
    this._loop = parent.getLoop();
    this._parent = parent as Task<unknown>;
    callbackGroups.set(this._onTaskDone, this);
    this._depth = (parent as Task<unknown>)._scopeDepth();
    this._entered = true;
    if (this._cancelOnEnter) this.cancel();
  }

  private *_exit(failed: boolean, error: unknown): Coroutine<void> {
    this._exiting = true;
    let propagateCancel: CancelledError | null = failed && error instanceof CancelledError ? error : null;
    if (failed && !this._aborting) this._abort();
    while (this._tasks.size > 0) {
      if (this._onCompleted === null) this._onCompleted = this._loop!.createFuture<boolean>();
      // Once the children are told to stop, a cancel scope around the group waits for them
      // (it is not re-delivered at every wait, which would spin).
      const protect = this._aborting;
      if (protect) this._parent!._protect(1);
      try {
        yield* this._onCompleted;
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
        if (!this._aborting) {
          propagateCancel = e;
          this._abort();
        }
      } finally {
        if (protect) this._parent!._protect(-1);
      }
      this._onCompleted = null;
    }
    const parent = this._parent!;
    if (this._parentCancelRequested && parent.uncancel() - parent._heldOutside(this._depth) === 0) propagateCancel = null;
    if (propagateCancel !== null && this._errors.length === 0) throw propagateCancel;
    if (failed && !(error instanceof CancelledError)) this._errors.push(error);
    if (this._errors.length > 0) {
      // Keep the parent's cancel count stable when it is also cancelled from outside.
      if (parent.cancelling() > 0) {
        parent.uncancel();
        parent.cancel();
      }
      const errors = this._errors;
      this._errors = [];
      throw new ExceptionGroup(errors, 'unhandled errors in a TaskGroup');
    }
  }

  /** Cancels every child; a `start()` task before its `started()` is its caller's, not cancelled here. */
  private _abort(): void {
    this._aborting = true;
    for (const t of this._tasks) if (!t.done() && !this._isStarting(t)) t.cancel();
  }

  private _isStarting(t: Task<unknown>): boolean {
    const started = this._startedBy?.get(t);
    return started !== undefined && !hasStarted(started);
  }

  /** `started()` was called: the task is the group's from now on (cancelled, if the group is shutting down). */
  private _started(task: Task<unknown>, scope: StartScope): void {
    scope.started();
    if (this._aborting && !task.done()) task.cancel();
  }

  private readonly _onTaskDone = (task: Task<unknown>): void => {
    this._tasks.delete(task);
    if (this._onCompleted !== null && this._tasks.size === 0 && !this._onCompleted.done()) {
      this._onCompleted.setResult(true);
    }
    const started = this._startedBy?.get(task);
    if (started !== undefined) {
      this._startedBy!.delete(task);
      // Before started(), the task's outcome is start()'s caller's, not the group's.
      if (!hasStarted(started)) return finishStart(task, started);
    }
    if (task._state !== 2 /* failed */) return;
    const exc = task.exception();
    this._errors.push(exc);
    const parent = this._parent!;
    if (parent.done()) {
      this._loop!.callExceptionHandler({
        message: `Task ${task} has errored out but its parent task ${parent} is already completed`,
        exception: exc,
        task,
      });
      return;
    }
    if (!this._aborting && !this._parentCancelRequested) {
      this._abort();
      this._parentCancelRequested = true;
      parent._cancelFrom(this._depth);
    }
  };
}

/** A future that completes (with no value, whatever the outcome) once `task` is done. */
function doneOf(task: Task<unknown>): Future<void> {
  const gone = task.getLoop().createFuture<void>();
  task.addDoneCallback(() => gone.done() || gone.setResult());
  return gone;
}

/** `started()` was called while `start()` waited (its future has a value): the task is the group's. */
function hasStarted(started: Future<unknown>): boolean {
  return started._state === 1 /* finished */;
}

/**
 * A task of `start()` ended before `started()`: its caller gets the error, or the cancellation
 * (a caller that stopped waiting, cancelled, reads it from the task itself).
 */
function finishStart(task: Task<unknown>, started: Future<unknown>): void {
  if (started.done()) {
    task._markRetrieved(); // the cancelled caller, waiting for the task, raises its error
    return;
  }
  if (task.cancelled()) started.cancel();
  else if (task._state === 2 /* failed */) started.setException(task.exception());
  else started.setException(new RuntimeError(`TaskGroup.start: ${task} returned without calling status.started()`));
}

/**
 * What `TaskGroup.start()` hands its body: `started(value)` tells the caller the task is ready
 * (Trio's `task_status`). A body that may also run by `createTask` takes
 * `status = TASK_STATUS_IGNORED` as its default.
 *
 * Cancellation: `started()` is not a checkpoint.
 *
 * @example
 * ```ts
 * async function serve(status: TaskStatus<number> = TASK_STATUS_IGNORED) {
 *   const server = await listen(0);
 *   status.started(server.port);
 *   await server.serveForever();
 * }
 * const port = await tg.start(serve); // or: tg.createTask(() => serve())
 * ```
 */
export class TaskStatus<S = void> {
  private _called = false;

  /** @internal `_started` null: the status that ignores `started()` (`TASK_STATUS_IGNORED`). */
  constructor(
    private readonly _started: Future<S> | null,
    private readonly _onStarted: (() => void) | null = null,
  ) {}

  /**
   * Tells `start()`'s caller that the task is ready, with `value` as `start()`'s result. Once
   * only: a second call throws `RuntimeError`. After the caller was cancelled it does nothing.
   */
  started(value?: S): void {
    const started = this._started;
    if (started === null) return;
    if (this._called) throw new RuntimeError("TaskStatus.started: called 'started' twice on the same task status");
    this._called = true;
    if (started.done()) return; // (start() was cancelled: the task stays its caller's)
    started.setResult(value as S);
    this._onStarted?.();
  }
}

/**
 * The caller of `start()`, as the starting task sees it: a cancel scope just inside the group's
 * scopes (Trio: until `started()` the task runs in `start()`'s own nursery, under the caller's
 * scopes, not the group's). Until `started()` it shields the task from the group's scopes, and once
 * the caller is cancelled it cancels the task at every wait until the task ends; after `started()`
 * it is inert, and the task is a child like the others.
 */
class StartScope implements ScopeLike {
  task: Task<unknown> | null = null;
  private _phase: 'starting' | 'cancelled' | 'started' = 'starting';
  private _msg: string | undefined = undefined;

  get shield(): boolean {
    return this._phase !== 'started';
  }

  get _cancelled(): boolean {
    return this._phase === 'cancelled';
  }

  _makeError(): CancelledError {
    return loopCancelledError(this._msg);
  }

  _adopt(): void {}

  _release(): void {}

  /** The caller was cancelled while the task was starting. */
  cancel(msg: string | undefined): void {
    if (this._phase !== 'starting') return;
    this._phase = 'cancelled';
    this._msg = msg;
    this.task?._scopeChanged();
  }

  /** `started()` was called in time: the group's scopes reach the task from now on. */
  started(): void {
    if (this._phase !== 'starting') return;
    this._phase = 'started';
    this.task?._scopeChanged();
  }
}

/**
 * The status for a task run without `start()`: its `started()` does nothing (Trio's
 * `TASK_STATUS_IGNORED`), so one body serves both `start()` and `createTask`.
 *
 * Cancellation: not a checkpoint.
 *
 * @example
 * ```ts
 * async function worker(status: TaskStatus = TASK_STATUS_IGNORED) { status.started(); await work(); }
 * ```
 */
export const TASK_STATUS_IGNORED: TaskStatus<never> = new TaskStatus<never>(null);
