import { CancelledError, InvalidStateError, RuntimeError } from './errors.js';
import { Future, NO_ERROR, type AwaitingTask, type Waiter } from './future.js';
import { loopCancelledError } from './internal/looperrors.js';
import { bareWrite, callIn, callInTask, ctx, enableAls, endBareWrite, isGeneratorFunction, taskContextHere, userStores } from './internal/context.js';
import { callTaskBody, toRunContext } from './internal/context.js';
import { PromiseWait, checkBody, checkTaskOptions, inheritNext } from './internal/taskext.js';
import { describe, genNext, genThrow, isGenerator, isNativeGenerator, isThenable } from './internal/validate.js';
import type { EventLoop } from './loop/eventloop.js';
import { getRunningLoop, runningLoopOrUndefined } from './loop/registry.js';
import { callInstruments } from './loop/instruments.js';
import { anchorShapes } from './loop/shapes.js';
import { TaskInfo } from './taskinfo.js';
import type { Coroutine, InternalTaskOptions, TaskBody } from './tasktypes.js';

const STARTING = 0; // body not called yet
const GENERATOR = 1; // stepped by the task
const ASYNC = 2; // a promise (async function) runs; the task waits for it to settle
const GEN_PROMISE = 3; // a generator waits on a promise whose code runs in the task's context
const ITERATOR = 4; // like GENERATOR, for a generator look-alike (an object with next/throw)
type Mode = typeof STARTING | typeof GENERATOR | typeof ASYNC | typeof GEN_PROMISE | typeof ITERATOR;

// `_flags` bits of a task (above `Future`'s and taskcancel.ts's MUST_CANCEL): its mode, three
// bits from MODE_SHIFT, and LIVE. Each field is 8 bytes of every task, and a program that spawns
// many tasks at once is mostly the young-generation GC copying them: small state goes here.
const LIVE = 64;
const MODE_SHIFT = 7;
const MODE_MASK = 7 << MODE_SHIFT;

/** A `SuppressedError` (native, or as TypeScript and esbuild write `using` for older targets). */
function isSuppressed(e: unknown): e is Error & { error: unknown; suppressed: unknown } {
  return e instanceof Error && e.name === 'SuppressedError' && 'error' in e && 'suppressed' in e;
}

let taskCounter = 0;

/**
 * A coroutine running on the loop: a Future that the task finishes with its body's result.
 *
 * A generator body is stepped by the task itself (asyncio's `Task.__step`): whatever it waits on
 * with `yield*` is the task's waiter. An async-function body runs in the task's async context
 * (`currentTask()` works inside it); each `await` of a tulip future makes that future the waiter.
 *
 * Cancellation: `cancel(msg)` is a request. It cancels the future the task waits on, so the
 * `CancelledError(msg)` is thrown in at that `yield*`/`await`; a task busy elsewhere (running, or
 * awaiting a foreign promise) gets it at its next wait. `signal` is aborted at once, so `fetch`,
 * timers and streams given the signal stop too. A task that catches the error and goes on is not
 * cancelled; `cancelling()` counts requests and `uncancel()` takes one back.
 *
 * @example
 * ```ts
 * const t = createTask(async () => { await sleep(1000); return 'late'; });
 * t.cancel('no time');
 * try { await t; } catch (e) { console.log(isCancelledError(e), (e as Error).message); } // true 'no time'
 * ```
 */
export class Task<T = unknown> extends TaskInfo<T> implements Waiter, AwaitingTask {
  /** @internal Links of the loop's live-task list. */
  declare _prevLive: Task<unknown> | null;
  /** @internal */ declare _nextLive: Task<unknown> | null;

  /** STARTING, GENERATOR, ASYNC, GEN_PROMISE or ITERATOR: bits of `_flags` (see LIVE). */
  private get _mode(): Mode {
    return ((this._flags & MODE_MASK) >> MODE_SHIFT) as Mode;
  }
  private set _mode(mode: Mode) {
    this._flags = (this._flags & ~MODE_MASK) | (mode << MODE_SHIFT);
  }

  /** @internal Use `createTask()` or `loop.createTask()`. */
  constructor(body: TaskBody<T>, opts?: InternalTaskOptions) {
    // A native generator (the common case) is recognised with one prototype lookup.
    const native = typeof body === 'object' && body !== null && isNativeGenerator(body);
    if (!native) checkBody('createTask', body);
    if (opts !== undefined) checkTaskOptions(opts);
    const name = opts?.name;
    const eagerStart = opts?.eagerStart;
    const fnBody = typeof body === 'function' && !isGeneratorFunction(body);
    const loopGiven = opts?.loop;
    // (A task for another loop than the running one copies: see `taskContextHere`.)
    const copy = eagerStart === true || (loopGiven !== undefined && loopGiven !== runningLoopOrUndefined());
    const context = opts?.runContext ?? (opts?.context !== undefined ? toRunContext('createTask', opts.context) : taskContextHere(fnBody, copy));
    super(loopGiven ?? getRunningLoop());
    // Every field, in one order (one hidden class for every task; see TaskCancellation's fields).
    this._futWaiter = null;
    this._ext = null;
    this._coro = body;
    this._fnName = typeof body === 'function' && typeof body.name === 'string' ? body.name : '';
    const hidden = opts?.hidden === true;
    const num = hidden ? 0 : ++taskCounter; // (counted for named tasks too, as it always was)
    this._num = name !== undefined ? String(name) : num;
    this._context = context;
    this._prevLive = null;
    this._nextLive = null;
    if (inheritNext.scopes !== null) {
      const scopes = inheritNext.scopes;
      inheritNext.scopes = null; // (only this task, the group's child, takes them)
      this._inheritScopes(scopes);
    }
    if (typeof body === 'function') {
      this._mode = STARTING;
      if (fnBody) enableAls();
    } else {
      this._mode = native ? GENERATOR : ITERATOR;
    }
    const loop = this._loop;
    if (hidden) this._x().hidden = true;
    if (loop._debug) {
      this._x().sourceStack = new Error('task created here').stack;
      loop._setFine(true); // (debug mode: its suspensions are recorded from now on)
    }
    loop._linkLive(this as Task<unknown>);
    const eager = eagerStart === true && loop.isRunning();
    if (!eager) loop._enqueue(this);
    if (loop._instruments !== null) {
      callInstruments(loop, 'taskSpawned', this);
      if (!eager) callInstruments(loop, 'taskScheduled', this);
    }
    if (eager) this._eagerStep(loop);
  }

  /**
   * asyncio's `__eager_start`: the first step, as this task, inside `createTask`. In fine mode the
   * entry running it stays the caller's (a slow eager step makes the caller's step slow).
   */
  private _eagerStep(loop: EventLoop): void {
    const task = loop._steppedTask;
    const from = loop._steppedFrom;
    this._run();
    loop._steppedTask = task;
    loop._steppedFrom = from;
    // Done in its first step: it lets go of its coroutine, as asyncio's __eager_start does.
    if (this._state !== 0) this._coro = null;
  }

  // ---- stepping -----------------------------------------------------------------------------

  /** @internal From the ready queue: a step while pending, the done callbacks once done. */
  override _run(): void {
    if (this._state !== 0) {
      // A step queued before the task was finished from outside (see `_alreadyDone`).
      if (this._mode !== ASYNC && this._futWaiter === null && this._linked()) this._alreadyDone();
      if (this._state === 2 && !this._retrieved && this._hasObserver()) this._x().observed = true;
      super._run();
      // Failed with only done callbacks attached: reported at the end of this pass, the one its
      // callbacks ran in, unless one of them read the error.
      if (this._state === 2 && !this._retrieved) this._loop._unretrieved.push(this as Task<unknown>);
      return;
    }
    if (this._mode === GENERATOR || this._mode === ITERATOR) this._step();
    else if (this._mode === STARTING) this._start();
    else if (this._mode === GEN_PROMISE && this._ext?.settled === true) {
      this._mode = isNativeGenerator(this._coro as object) ? GENERATOR : ITERATOR;
      this._step(); // it clears ext.settled
    }
    // ASYNC: woken only by its promise's settlement, never from the ready queue.
  }

  /** @internal A pending task's entry is a step, which is not async-only. */
  override _asyncOnly(): boolean {
    return this._state !== 0 && super._asyncOnly();
  }

  /** @internal The future the task waits on is done: resume. */
  _wake(fut: Future<unknown>): void {
    if (this._futWaiter !== fut) return;
    if (this._state === 0) this._step();
    else this._alreadyDone();
  }

  /**
   * The task was finished from outside while its body still ran (`Future.prototype.setResult`
   * called on it): as asyncio's `__step`, the body is not resumed, an `InvalidStateError` goes to
   * the exception handler, and the task leaves the live list (so `run()` does not wait for it).
   */
  private _alreadyDone(): void {
    this._futWaiter = null;
    this._unlink();
    this._loop.callExceptionHandler({
      message: 'Task step failed',
      exception: new InvalidStateError(`step(): already done: ${String(this)}`),
      task: this as Task<unknown>,
    });
  }

  /** Calls the body function: an async one in the task's async context (see `startInContext`). */
  private _callBody(body: () => unknown): unknown {
    return callTaskBody(this as Task<unknown>, body);
  }

  private _start(): void {
    const body = this._coro as () => unknown;
    if (this._mustCancel) {
      // Cancelled before its first step: the body never runs.
      this._mustCancel = false;
      this._endCancelled(loopCancelledError(this._ext?.cancelMsg));
      return;
    }
    let r: unknown;
    const prev = ctx.stepping;
    ctx.stepping = this as Task<unknown>;
    const observed = this._loop._instruments !== null && !isGeneratorFunction(body);
    if (observed) callInstruments(this._loop, 'beforeTaskStep', this);
    if (this._loop._fine) this._loop._steppedTask = this as Task<unknown>; // (a slow start names its task)
    try {
      r = this._context === ctx.frame ? this._callBody(body) : callIn(this._context, this._callBody, this, body);
    } catch (e) {
      ctx.stepping = prev;
      this._endWithError(e);
      return;
    }
    ctx.stepping = prev;
    if (isGenerator(r)) {
      this._mode = isNativeGenerator(r) ? GENERATOR : ITERATOR;
      this._coro = r as Coroutine<T>;
      this._step();
    } else if (isThenable(r)) {
      this._mode = ASYNC;
      const loop = this._loop;
      // Its first await attaches in a microtask (a scope's await takes a few): let that happen
      // before the next entry runs, as asyncio's task would be waiting already.
      loop._yieldMicro = true;
      loop._asyncFlag = true;
      this._setLive(true);
      const early = this._ext?.startThen;
      if (early != null) {
        this._ext!.startThen = null;
        if (early._state === 0 && early !== (this as unknown) && early._loop === loop) this._thenAttached(early);
      }
      if (r instanceof Promise && ctx.als !== null) return; // watched by startInContext
      const onOk = (v: unknown): void => this._asyncSettled(NO_ERROR, v as T);
      const onErr = (e: unknown): void => this._asyncSettled(e === NO_ERROR ? undefined : e, undefined);
      // A returned Future is awaited from the task's context, so it is the task's waiter (and a
      // scope's future runs inline in this task, as `await scope` would).
      if (r instanceof Future) callInTask(this as Task<unknown>, (f: Future<unknown>) => f.then(onOk, onErr), r);
      else {
        try {
          r.then(onOk, onErr);
        } catch (e) {
          onErr(e); // a thenable whose then() throws fails the task, as `await` would reject
        }
      }
    } else {
      this._endWithResult(r as T);
    }
  }

  /**
   * One generator step, in the task's context (switched to only when the code running now is in
   * another), observed (instruments, timing) only when something is watching. While no user
   * AsyncLocalStorage has held a value every context is empty, so a step without instruments runs
   * "bare", in the context it is called in: entering its own would change nothing but the cost.
   * The first write, should it come in such a step, is moved into a context of its own
   * (`endBareWrite`).
   */
  private _step(): void {
    const loop = this._loop;
    if (loop._instruments === null) {
      if (this._context === ctx.frame) {
        if (loop._fine) this._stepObserved(loop);
        else this._stepNow();
        return;
      }
      // (A step inside another, an eager start, enters its context: one bare step at a time.)
      if (!userStores && ctx.stepping === null) return this._bareStep(loop);
    }
    if (this._context !== ctx.frame) callIn(this._context, this._stepObserved, this, loop);
    else this._stepObserved(loop);
  }

  private _bareStep(loop: EventLoop): void {
    ctx.bare = this as Task<unknown>;
    try {
      if (loop._fine) this._stepObserved(loop);
      else this._stepNow();
    } finally {
      ctx.bare = null;
    }
    if (bareWrite !== null) endBareWrite(this as Task<unknown>);
  }

  /** @internal True while its generator runs (not while its body function is called). */
  _inStep(): boolean {
    return this._mode !== STARTING;
  }

  private _stepObserved(loop: EventLoop): void {
    if (loop._instruments !== null) callInstruments(loop, 'beforeTaskStep', this);
    const ext = this._ext;
    if (loop._fine) {
      // The loop times the entry this step runs in; it names this task if the entry is slow.
      loop._steppedTask = this as Task<unknown>;
      loop._steppedFrom = ext?.suspendStack;
      if (ext !== null && ext.suspect) ext.suspendStack = undefined; // recorded anew where it suspends
    }
    this._stepNow();
    if (loop._instruments !== null) callInstruments(loop, 'afterTaskStep', this);
  }

  private _stepNow(): void {
    const coro = this._coro as Coroutine<T>;
    let error: unknown = NO_ERROR;
    let value: unknown = undefined;
    // Resuming from a settled PromiseWait (an async scope body) is not a checkpoint: the body's
    // outcome goes in, and a pending cancellation waits for the next wait (as in async tasks).
    let fromPromise = false;
    const ext = this._ext;
    if (ext !== null) {
      error = ext.pendingError;
      value = ext.pendingValue;
      fromPromise = ext.settled;
      ext.pendingError = NO_ERROR;
      ext.pendingValue = undefined;
      ext.settled = false;
    }
    const waiter = this._futWaiter;
    this._futWaiter = null;
    // A generator's first step gets a task cancel (its body then never runs, as asyncio's), but
    // not a scope's: the body runs to its first wait, which the scope cancels (Trio's checkpoints).
    const firstStep = ext !== null && !ext.stepped;
    if (firstStep) ext.stepped = true;
    const cancelDue = this._mustCancel || (ext !== null && ext.scopes !== null && !firstStep);
    const cancel =
      cancelDue && !fromPromise && (waiter === null || !waiter._keepsResult()) ? this._pendingCancellation(true) : null;
    if (cancel !== null) {
      if (waiter !== null) this._reportLostWaiter(waiter);
      else this._reportLostError(error);
      error = this._cancelAt(cancel, waiter);
    } else if (error === NO_ERROR && waiter !== null) {
      // Deliver the waiter's outcome: `yield fut` gets it as well as `yield* fut`.
      error = waiter._awaiterError();
      if (error === NO_ERROR) value = waiter._value;
    }
    ext?.delivered(); // (by `cancel`, or the waiter's error)
    const prev = ctx.stepping;
    ctx.stepping = this as Task<unknown>;
    let r: IteratorResult<unknown, T>;
    try {
      if (this._mode === GENERATOR) r = (error === NO_ERROR ? genNext.call(coro, value) : genThrow.call(coro, error)) as IteratorResult<unknown, T>;
      else r = error === NO_ERROR ? coro.next(value) : coro.throw(error);
    } catch (e) {
      ctx.stepping = prev;
      this._endWithError(e);
      return;
    }
    ctx.stepping = prev;
    if (r.done) {
      this._endWithResult(r.value);
      return;
    }
    const y = r.value;
    if (y instanceof Future) {
      if (y === (this as unknown)) {
        this._x().pendingError = new RuntimeError(`Task cannot await on itself: ${String(this)}`);
        this._loop._enqueue(this);
      } else if (y._loop !== this._loop) {
        this._x().pendingError = new RuntimeError(`${String(this)} got Future ${String(y)} attached to a different loop`);
        this._loop._enqueue(this);
      } else {
        this._futWaiter = y;
        y._addWaiter(this);
        if (this._mustCancel || this._ext?.scopes) this._cancelNewWait(y);
      }
    } else if (y === undefined) {
      this._loop._enqueue(this); // a bare `yield`: one loop pass
      if (this._loop._instruments !== null) callInstruments(this._loop, 'taskScheduled', this);
    } else if (y instanceof PromiseWait) {
      this._mode = GEN_PROMISE;
      this._loop._promiseWaits++;
      const loop = this._loop;
      loop._yieldMicro = true;
      loop._asyncFlag = true;
      this._setLive(true); // the promise's code runs in this task's context until its next wait
      y.promise.then(
        (v) => this._promiseSettled(NO_ERROR, v),
        (e) => this._promiseSettled(e === NO_ERROR ? undefined : e, undefined),
      );
    } else {
      this._x().pendingError = new RuntimeError(
        `Task got bad yield: ${describe(y)} (yield* a Future, a Task or a coroutine; wrap promises with ensureFuture)`,
      );
      this._loop._enqueue(this);
    }
  }

  /** A PromiseWait's promise settled: resume the generator from the loop, with its outcome. */
  private _promiseSettled(error: unknown, value: unknown): void {
    this._loop._promiseWaits--;
    this._setLive(false);
    if (this._state !== 0) return;
    const ext = this._x();
    ext.pendingError = error;
    ext.pendingValue = value;
    ext.settled = true;
    this._futWaiter = null;
    this._loop._runNext(this);
  }

  /** @internal The async body's promise settled. */
  _asyncSettled(error: unknown, value: T | undefined): void {
    this._setLive(false);
    if (this._state !== 0) {
      if (this._linked()) this._alreadyDone();
      return;
    }
    this._futWaiter = null;
    if (error === NO_ERROR) this._endWithResult(value as T);
    else this._endWithError(error);
  }

  private _endWithResult(value: T): void {
    if (this._mustCancel) {
      // Cancelled right before the body returned: the task ends cancelled (as asyncio).
      this._mustCancel = false;
      this._endCancelled(loopCancelledError(this._ext?.cancelMsg));
      return;
    }
    this._unlink();
    this._setResultNow(value);
  }

  private _endWithError(e: unknown): void {
    // exception() returns undefined for a success: a thrown undefined becomes an error that says
    // so (Python's `raise None` is a TypeError too).
    if (e === undefined) e = new TypeError(`${this.getName()}: its body threw undefined; throw an Error`);
    // Node's abortable APIs (timers/promises, events.once, fs, streams) reject with an AbortError
    // whose cause is the signal's reason: the echo of this task's cancellation ends it cancelled.
    // `await using`: a disposal that a cancel interrupted throws a SuppressedError whose `error` is
    // that cancel (asyncio's `__aexit__` cancelled again raises the CancelledError itself).
    const ctrl = this._ext?.ctrl;
    const aborted = ctrl != null && ctrl.signal.aborted ? ctrl.signal : null;
    if (isSuppressed(e) && (e.error instanceof CancelledError || (aborted !== null && isAbortOf(e.error, aborted)))) e = e.error;
    if (aborted !== null && isAbortOf(e, aborted)) e = aborted.reason;
    if (e instanceof CancelledError) {
      this._endCancelled(e);
      return;
    }
    this._unlink();
    const callbacks = this._hasCallbacks(); // (if so, checked once they ran: see `_run`)
    this._failNow(e);
    if (!this._retrieved && !callbacks) this._loop._unretrieved.push(this as Task<unknown>);
  }

  private _endCancelled(e: CancelledError): void {
    this._unlink();
    this._cancelNow(e);
  }

  /** True while the task is in the loop's live-task list (it leaves it when it ends). */
  private _linked(): boolean {
    return this._loop._isLive(this as Task<unknown>);
  }

  /** Leaves the loop's live-task list (once done), telling instruments it exited. */
  private _unlink(): void {
    if (this._loop._instruments !== null) {
      // Trio's order on a task's last step: before_task_step, task_exited, after_task_step (a
      // generator task's `afterTaskStep` follows its step; an async task's last step ends here).
      callInstruments(this._loop, 'taskExited', this);
      if (this._mode === ASYNC) callInstruments(this._loop, 'afterTaskStep', this);
    }
    this._loop._unlinkLive(this as Task<unknown>);
    if (this._ext !== null && this._ext.inherited > 0) this._releaseScopes();
  }

  /** @internal The future it awaited is done: a waiting task became runnable (instruments). */
  _scheduled(): void {
    if (this._loop._instruments !== null) callInstruments(this._loop, 'taskScheduled', this);
  }

  /** @internal An async task resumes from an await (instruments). */
  _resuming(): void {
    const loop = this._loop;
    if (this._mode === ASYNC || this._mode === GEN_PROMISE) this._setLive(true);
    loop._monitor.entries++; // an async step counts as an entry for the stall monitor
    if (loop._fine) loop._noteResumed(this as Task<unknown>);
    if (loop._instruments !== null) callInstruments(loop, 'beforeTaskStep', this);
  }

  // ---- AwaitingTask (async-function tasks) ----------------------------------------------------

  /** @internal */
  _thenAttached(fut: Future<unknown>): boolean {
    if (this._state !== 0) return true;
    if (this._mode === STARTING) {
      // then() in the synchronous part of the body: the task waits on it if the body turns out
      // to be async (see `_start`): `await fut.then(f)` as its first await is a wait on `fut`.
      if (ctx.stepping === (this as unknown)) this._x().startThen = fut;
      return true;
    }
    // Only async code waits through then(): a generator task waiting on a future keeps that waiter.
    if (this._mode !== ASYNC && this._mode !== GEN_PROMISE) return true;
    if (fut === (this as unknown)) {
      this._x().pendingError = new RuntimeError(`Task cannot await on itself: ${String(this)}`);
      return false;
    }
    if (fut._loop !== this._loop) {
      this._x().pendingError = new RuntimeError(`${String(this)} got Future ${String(fut)} attached to a different loop`);
      return false;
    }
    this._futWaiter = fut;
    this._setLive(false);
    if (this._loop._instruments !== null) callInstruments(this._loop, 'afterTaskStep', this);
    if (this._mustCancel || this._ext?.scopes) this._cancelNewWait(fut);
    return true;
  }

  /** Counts the task in the loop's `_liveAsync` while its code runs in microtasks. */
  private _setLive(live: boolean): void {
    if (((this._flags & LIVE) !== 0) === live) return; // (counted in the loop's `_liveAsync`)
    this._flags ^= LIVE;
    this._loop._liveAsync += live ? 1 : -1;
  }

  /** @internal */
  _idle(): boolean {
    return this._futWaiter === null;
  }

  /** @internal */
  _thenSettling(fut: Future<unknown>, keep = false): unknown {
    if (this._futWaiter === fut) this._futWaiter = null;
    const ext = this._ext;
    let pending: unknown = NO_ERROR; // an error of the await itself (awaiting itself)
    if (ext !== null && ext.pendingError !== NO_ERROR) {
      pending = ext.pendingError;
      ext.pendingError = NO_ERROR;
    }
    const due = this._state === 0 && (this._mustCancel || (ext !== null && ext.scopes !== null)) && !keep && !fut._keepsResult();
    const c = due ? this._pendingCancellation(true) : null;
    let error = pending;
    if (c !== null) {
      // A due cancellation wins, as in asyncio's step; what it pre-empts is reported.
      if (pending !== NO_ERROR) this._reportLostError(pending);
      else this._reportLostWaiter(fut);
      error = this._cancelAt(c, fut);
    }
    ext?.delivered(); // (by `c`, or the waiter's error)
    return error;
  }
}

/** `e` is an AbortError a Node API made from `signal`'s abort (its cause is the signal's reason). */
export function isAbortOf(e: unknown, signal: AbortSignal): boolean {
  return e instanceof Error && e.name === 'AbortError' && (e as { cause?: unknown }).cause === signal.reason;
}

anchorShapes((loop) => new Task(anchorBody(), { loop, hidden: true }));
function* anchorBody(): Coroutine<void> {}

// The task functions live in tasks.ts, the execution context in internal/context.ts; re-exported
// here for the modules that import them with the Task class.
export { createTask, currentTask, allTasks, ensureFuture, isFuture, isCoroutine, checkAwaitable, eagerTaskFactory, createEagerTaskFactory, fromFactory, byFactory, type TaskConstructor } from './tasks.js';
export { alsExit, callInTask, isStepping } from './internal/context.js';
export { PromiseWait, type ScopeLike } from './internal/taskext.js';
export type { Awaitable, ContextLike, Coroutine, RunContext, TaskBody, TaskOptions } from './tasktypes.js';
