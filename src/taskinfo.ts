/**
 * A task's identity and reports: its name, context and coroutine, asyncio's repr, the stack it
 * shows, and how an unretrieved error is reported. The base of `Task` (task.ts), which adds the
 * stepping of its body; every member here is a member of each Task.
 */
import { RuntimeError } from './errors.js';
import { Future, isObserver, type Entry } from './future.js';
import { GivenContext, callIn, type RunContext } from './internal/context.js';
import { taskStackLines, userFrames } from './internal/frames.js';
import { TaskCancellation } from './taskcancel.js';
import type { TaskBody } from './tasktypes.js';

/** The tasks whose repr is being made: a task met again inside it shows as `...` (asyncio's `recursive_repr`). */
const inRepr = new Set<TaskInfo<unknown>>();

/**
 * The identity and reporting part of a `Task` (see `Task`, the only subclass; the cancellation
 * state is its base class, `TaskCancellation`).
 *
 * Cancellation: nothing here is a checkpoint; reading a task's name, repr or stack changes nothing.
 *
 * @example
 * ```ts
 * const t = createTask(function* () { yield* sleep(10); }, { name: 'poller' });
 * console.log(t.getName(), String(t)); // poller <Task pending name='poller' …>
 * ```
 */
export abstract class TaskInfo<T> extends TaskCancellation<T> {
  /**
   * The body function until it is called, then the generator (or the function, in async mode);
   * null once a task that finished in its eager first step let go of it.
   */
  protected declare _coro: TaskBody<T> | null;
  /** The name of the body function, for the repr's `coro=` ('' for a generator object or an anonymous function). */
  protected declare _fnName: string;
  /**
   * Its number in the default name `Task-<n>` (0 for a hidden helper), or the name it was given:
   * a named task needs no side state for its name.
   */
  protected declare _num: number | string;
  /**
   * @internal The AsyncLocalStorage context its code runs in (see `TaskOptions.context`); replaced
   * only while no user store has a value (see internal/context.ts).
   */
  declare _context: RunContext;

  /** A task's result comes from its body: `RuntimeError`, as in asyncio. */
  override setResult(_value: T): void {
    throw new RuntimeError(`setResult: ${String(this)}: Task does not support set_result operation`);
  }

  /** A task's error comes from its body: `RuntimeError`, as in asyncio. */
  override setException(_error: unknown): void {
    throw new RuntimeError(`setException: ${String(this)}: Task does not support set_exception operation`);
  }

  /** The task's name: the one given, or `Task-<n>`. */
  getName(): string {
    const n = this._num;
    return typeof n === 'string' ? n : `Task-${n}`;
  }

  /** Renames the task. */
  setName(name: string): void {
    this._num = String(name);
  }

  /** The AsyncLocalStorage context the task runs in (asyncio's `get_context()`; `opts.context`). */
  getContext(): RunContext {
    return this._context instanceof GivenContext ? this._context.shown() : this._context;
  }

  /**
   * The generator a generator task runs, or the function given as the body; null for a task that
   * finished in its eager first step (asyncio lets go of the coroutine then).
   */
  getCoro(): unknown {
    return this._coro;
  }

  /**
   * Where the task is and comes from: the frames of its last suspension point (a generator task's,
   * recorded in debug mode), its creation site (debug mode) and what it waits on. A done task has
   * no suspension point any more (asyncio's `get_stack()` is empty then): only its creation site.
   * JavaScript cannot read a suspended async function's frames.
   */
  getStack(): string[] {
    if (this.done()) return taskStackLines(undefined, this._ext?.sourceStack, undefined);
    return taskStackLines(this._ext?.suspendStack, this._ext?.sourceStack, this._futWaiter?._shortRepr());
  }

  /** Prints the task, its state and `getStack()` to stderr. */
  printStack(): void {
    const lines = this.getStack();
    console.error([`Stack for ${String(this)}:`, ...lines.map((l) => `  ${l}`)].join('\n'));
  }

  override get [Symbol.toStringTag](): string {
    return 'Task';
  }

  /**
   * asyncio's repr: `<Task pending name='fetch' coro=<fetchPage() running> wait_for=<Future pending>>`,
   * `<Task cancelling …>` while a cancel is pending, `<Task finished name='fetch' coro=<fetchPage()
   * done> result=42>` once done. `coro=` names the body function (JavaScript cannot name the
   * function of a generator object, nor say where a coroutine is suspended); a task met again while
   * its own repr is being made (tasks that await each other) shows as `...`.
   */
  override toString(): string {
    if (inRepr.has(this)) return '...';
    inRepr.add(this);
    try {
      const w = this._futWaiter;
      return this._repr(this._state === 0 && w !== null ? `wait_for=${String(w)}` : null, true);
    } finally {
      inRepr.delete(this);
    }
  }

  /**
   * @internal The repr without `wait_for` and the creation site: the call graph and task dumps
   * show the waits as a tree, and where each task is.
   */
  override _shortRepr(): string {
    return this._repr(null, false);
  }

  /**
   * asyncio's order: state, name, coro, wait_for, then the result or exception, the callbacks and
   * (debug mode) where it was created.
   */
  private _repr(waitFor: string | null, withSource: boolean): string {
    const info = this._reprInfo(withSource);
    if (this._state === 0 && this.cancelling() > 0) info[0] = 'cancelling';
    const head = [info[0]!, `name='${this.getName()}'`];
    if (this._coro !== null && this._fnName !== '') head.push(`coro=<${this._fnName}() ${this._state === 0 ? 'running' : 'done'}>`);
    if (waitFor !== null) head.push(waitFor);
    return `<Task ${head.concat(info.slice(1)).join(' ')}>`;
  }

  /** @internal Debug mode: the stack of the task's last suspension point. */
  get _suspendStack(): string | undefined {
    return this._ext?.suspendStack;
  }

  /** @internal */
  _recordSuspension(): void {
    const loop = this._loop;
    // Debug mode: always. Fine mode: only for a task already reported slow (capturing every
    // suspension would cost far more than the stall being hunted).
    if (loop._debug || (loop._fine && this._ext?.suspect === true)) {
      this._x().suspendStack = new Error('suspended here').stack;
    }
  }

  /** @internal A helper of tulip's own, left out of allTasks(). */
  get _hidden(): boolean {
    return this._ext?.hidden === true;
  }

  // ---- reports ------------------------------------------------------------------------------

  /** @internal */
  override _describe(): string {
    const states = ['pending', 'finished', 'failed', 'cancelled'];
    return `Task ${states[this._state]} name='${this.getName()}'`;
  }

  /** @internal Debug mode: the user frames where it was created. */
  override _sourceFrames(): readonly string[] {
    return userFrames(this._ext?.sourceStack);
  }

  /** @internal The task, and in debug mode where it was created (asyncio's `source_traceback`). */
  override _reportExtras(): Record<string, unknown> {
    const created = this._ext?.sourceStack;
    return created === undefined ? { task: this } : { task: this, sourceStack: created };
  }

  /** @internal Tasks are reported at the end of the pass in which they failed (DESIGN §4). */
  override _watchUnretrieved(): void {}

  /** @internal See `_reportIfUnretrieved`. */
  override _lateEntry(e: Entry): void {
    const x = this._x();
    x.lateCallbacks = true;
    if (isObserver(e)) x.observed = true;
  }

  /** @internal */
  override _kind(): string {
    return 'Task';
  }

  /**
   * @internal Done callbacks attached after the task failed in this pass (a TaskGroup's, to an
   * eager task that failed inside `createTask`) run in the next pass and may read the error: the
   * check waits one more pass, until they ran.
   */
  override _reportIfUnretrieved(): void {
    const ext = this._ext;
    if (ext !== null && ext.lateCallbacks && this._state === 2 && !this._retrieved) {
      ext.lateCallbacks = false;
      this._loop._unretrieved.push(this as Future<unknown>);
      return;
    }
    if (this._state !== 2 || this._retrieved) return;
    if (ext !== null && ext.observed) {
      // Watched by wait()/asCompleted(), whose caller reads it later (or never): reported if the
      // task is collected with its error unread, as asyncio reports every task.
      ext.observed = false;
      Future.prototype._watchUnretrieved.call(this);
      return;
    }
    // In the task's context, as asyncio reports it (gh-96704): the handler sees the task's values.
    callIn(this._context, Future.prototype._reportIfUnretrieved, this, undefined);
  }
}
