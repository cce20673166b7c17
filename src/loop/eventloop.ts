import { RuntimeError } from '../errors.js';
import { captureContext, contextHere, type RunContext } from '../internal/context.js';
import { checkDeadline, checkFunction, checkOpts, describe } from '../internal/validate.js';
import { checkTaskOptions } from '../internal/taskext.js';
import { Future, finishedFuture } from '../future.js';
import { Task, type TaskBody, type TaskOptions, ensureFuture, byFactory, type Awaitable } from '../task.js';
import { RealClock, type Clock } from './clock.js';
import { Handle, TimerHandle } from './handle.js';
import { makeAnchors } from './shapes.js';
import { callInstruments } from './instruments.js';
import { holdProcess } from './keepalive.js';
import { watchGc } from './monitor.js';
import { PassLoop } from './passes.js';
import { noteTaskFactoryInUse, runningLoopOrUndefined, setLoopStarted } from './registry.js';

/** Options of `newEventLoop()` and `new EventLoop()`. */
export interface LoopOptions {
  /** The loop's time source (default: the host's monotonic clock). `MockClock` gives virtual time. */
  clock?: Clock;
  /**
   * Debug mode: slow-callback reports, where tasks and futures were created, stricter checks.
   * Default: on when the environment variable `TULIP_DEBUG` is set to anything but `''` or `'0'`
   * (asyncio's `PYTHONASYNCIODEBUG`), else off.
   */
  debug?: boolean;
}

/**
 * The debug mode of a loop made without `debug`: `TULIP_DEBUG` (read at each loop's creation),
 * as asyncio reads `PYTHONASYNCIODEBUG`.
 */
function debugFromEnv(): boolean {
  const v = process.env.TULIP_DEBUG;
  return v !== undefined && v !== '' && v !== '0';
}

/**
 * The event loop: a FIFO ready queue run in passes (a snapshot per pass, as asyncio's
 * `_run_once`), and a heap of timers. It is a guest of Node's own loop: one host wake-up
 * (`setImmediate`) runs a burst of passes, and one host timer is armed for the earliest deadline.
 *
 * Most code never touches the loop: `run(main)` creates one, and `getRunningLoop()` finds it.
 *
 * Cancellation: the loop itself is not cancelled; `stop()` ends `runForever()` after the current
 * pass, and `close()` drops whatever is still scheduled.
 *
 * @example
 * ```ts
 * const loop = newEventLoop();
 * loop.callLater(10, () => loop.stop());
 * await loop.runForever();
 * loop.close();
 * ```
 */
export class EventLoop extends PassLoop {
  constructor(opts: LoopOptions = {}) {
    super(opts?.debug ?? debugFromEnv());
    checkLoopOptions('newEventLoop', opts);
    const clock = opts.clock ?? new RealClock();
    this._clock = clock as Clock & { now(): number };
    this._doneVoid = finishedFuture(this, undefined);
    this._doneTrue = finishedFuture(this, true);
    makeAnchors(() => new EventLoop());
    if (this.createTask !== EventLoop.prototype.createTask) {
      this._ownCreateTask = true; // createTask() and ensureFuture() go through the override, as in asyncio
      noteTaskFactoryInUse();
    }
  }

  /** @internal True when this loop's class overrides `createTask`. */
  _ownCreateTask = false;

  /**
   * @internal This loop's shared futures finished with `undefined` and with `true`: the primitives'
   * fast paths return them (a finished future has no state a caller could change). Made with the
   * loop, so that a hot path never meets a first-use branch in a new loop.
   */
  declare readonly _doneVoid: Future<undefined>;
  /** @internal */ declare readonly _doneTrue: Future<true>;

  // ---- time and scheduling ---------------------------------------------------------------

  /** The loop's current time in ms (monotonic float; virtual under a `MockClock`). */
  time(): number {
    return this._clock.now();
  }

  /**
   * Schedules `cb(...args)` to run once in a later pass, after the callbacks scheduled before it.
   * `cb` must be a plain function: a generator function is refused with `TypeError` (its body would
   * never run: use `createTask`), and so is an async function in debug mode (its promise would be
   * dropped), as asyncio's debug mode refuses coroutine functions. The same holds for `callLater`,
   * `callAt` and `runInExecutor`. The callback runs in the AsyncLocalStorage context where it was
   * scheduled (asyncio's contextvars; see `TaskOptions.context`), as do `callLater`'s and `callAt`'s.
   *
   * Cancellation: not a checkpoint. Cancel the returned handle to drop the call.
   *
   * @example
   * ```ts
   * getRunningLoop().callSoon((x) => console.log(x), 42);
   * ```
   */
  callSoon<A extends unknown[]>(cb: (...args: A) => unknown, ...args: A): Handle {
    this._checkClosed('callSoon');
    this._checkCallback('callSoon', 'callback', cb);
    return this._traced(this._soon(contextHere(), cb as (...a: never[]) => unknown, args));
  }

  /** Debug mode: a user's handle remembers where it was scheduled (asyncio's `source_traceback`). */
  private _traced<H extends Handle>(h: H): H {
    if (this._debug) h._sourceStack = new Error('callback scheduled here').stack;
    return h;
  }

  /**
   * @internal `callSoon` without the checks, in `context` (null: in the pass's, for tulip's own
   * callbacks, which need none).
   */
  _soon(context: RunContext | null, cb: (...a: never[]) => unknown, args: unknown[]): Handle {
    const h = new Handle(cb, args, this, context);
    this._enqueue(h);
    return h;
  }

  /**
   * Schedules `cb(...args)` to run `delayMs` ms from now (0 or less: in the next pass that
   * checks timers). Timers with the same deadline run in scheduling order.
   *
   * Cancellation: not a checkpoint. Cancel the returned handle to drop the call.
   *
   * @example
   * ```ts
   * const h = getRunningLoop().callLater(50, () => console.log('50 ms'));
   * ```
   */
  callLater<A extends unknown[]>(delayMs: number, cb: (...args: A) => unknown, ...args: A): TimerHandle {
    this._checkClosed('callLater');
    if (typeof delayMs !== 'number') {
      throw new TypeError(`callLater: delayMs must be a number of milliseconds, got ${describe(delayMs)}`);
    }
    if (Number.isNaN(delayMs)) throw new RangeError('callLater: delayMs must be a number of milliseconds, got NaN');
    this._checkCallback('callLater', 'callback', cb);
    return this.callAt(this._clock.now() + delayMs, cb, ...args);
  }

  /**
   * Schedules `cb(...args)` to run at loop time `whenMs` (see `time()`).
   *
   * Cancellation: not a checkpoint. Cancel the returned handle to drop the call.
   *
   * @example
   * ```ts
   * const loop = getRunningLoop();
   * loop.callAt(loop.time() + 1000, () => console.log('one second later'));
   * ```
   */
  callAt<A extends unknown[]>(whenMs: number, cb: (...args: A) => unknown, ...args: A): TimerHandle {
    this._checkClosed('callAt');
    if (checkDeadline('callAt', 'whenMs', whenMs) === null) {
      throw new TypeError('callAt: whenMs must be a number of milliseconds, got null');
    }
    this._checkCallback('callAt', 'callback', cb);
    return this._traced(this._at(contextHere(), whenMs, cb as (...a: never[]) => unknown, args));
  }

  /** @internal `callAt` without the checks (see `_soon`). */
  _at(context: RunContext | null, whenMs: number, cb: (...a: never[]) => unknown, args: unknown[]): TimerHandle {
    const h = new TimerHandle(whenMs, cb, args, this, context);
    this._scheduleTimer(h, whenMs);
    return h;
  }

  // ---- running --------------------------------------------------------------------------

  /**
   * Runs the loop until `stop()` is called; resolves after the pass in which it was called. While
   * it runs, the loop keeps the process alive, as asyncio's holds its thread: tasks that wait only
   * for a signal (`addSignalHandler`) or for each other keep waiting when Node itself has no work
   * left, instead of the process ending with them pending (in debug mode the loop reports that
   * moment through its exception handler).
   *
   * Cancellation: not cancellable; call `stop()`.
   *
   * @example
   * ```ts
   * loop.callLater(10, () => loop.stop());
   * await loop.runForever();
   * ```
   */
  runForever(): Promise<void> {
    this._checkClosed('runForever');
    if (this._running) throw new RuntimeError('runForever: This event loop is already running');
    this._refuseNested('runForever');
    this._clock.attach?.(this._clockWake); // first: a clock that throws leaves the loop as it was
    this._running = true;
    setLoopStarted(this, true);
    holdProcess(this);
    this._baseContext ??= captureContext();
    watchGc();
    if (this._instruments !== null) callInstruments(this, 'beforeRun', this);
    return new Promise<void>((resolve) => {
      this._stopResolve = resolve;
      this._wakeHost();
    });
  }

  /**
   * Runs the loop until `aw` is done and returns its result (or throws its error). A task body or
   * generator is wrapped in a task first.
   *
   * A closed or running loop, or an `aw` that is not awaitable or belongs to another loop, is
   * refused at the call (the error is thrown, not returned as a rejected promise).
   *
   * Cancellation: not cancellable from outside; if the loop is stopped before `aw` is done it
   * rejects with `RuntimeError('Event loop stopped before Future completed.')`.
   *
   * @example
   * ```ts
   * const loop = newEventLoop();
   * const n = await loop.runUntilComplete(async () => 7);
   * loop.close();
   * ```
   */
  runUntilComplete<T>(aw: Awaitable<T> | TaskBody<T>): Promise<T> {
    // The refusals are thrown here, at the call, not through the promise (DESIGN §3.1).
    this._checkClosed('runUntilComplete');
    if (this._running) throw new RuntimeError('runUntilComplete: This event loop is already running');
    this._refuseNested('runUntilComplete');
    const fut =
      typeof aw === 'function' ? this.createTask(aw as TaskBody<T>) : ensureFuture(aw as Awaitable<T>, this);
    if (fut.getLoop() !== this) {
      throw new RuntimeError('runUntilComplete: The future belongs to a different loop than the one specified as the loop argument');
    }
    return this._runUntilDone(fut);
  }

  private async _runUntilDone<T>(fut: Future<T>): Promise<T> {
    const stopper = (): void => this.stop();
    fut.addDoneCallback(stopper);
    try {
      await this.runForever();
    } finally {
      fut.removeDoneCallback(stopper);
    }
    if (!fut.done()) throw new RuntimeError('Event loop stopped before Future completed.');
    return fut.result();
  }

  /**
   * Asks `runForever()` to return after the current pass.
   *
   * Cancellation: not a checkpoint; scheduled callbacks stay scheduled for the next run.
   *
   * @example
   * ```ts
   * getRunningLoop().callLater(1000, () => getRunningLoop().stop());
   * ```
   */
  stop(): void {
    this._stopping = true;
    if (this._running && !this._inBatch) this._wakeHost();
  }

  /** asyncio refuses to run a loop from inside another loop's callback or task. */
  private _refuseNested(op: string): void {
    const outer = runningLoopOrUndefined();
    if (outer !== undefined && outer !== this) {
      throw new RuntimeError(`${op}: Cannot run the event loop while another loop is running`);
    }
  }

  /** True while `runForever()` (or `runUntilComplete`) is in progress. */
  isRunning(): boolean {
    return this._running;
  }

  /** True once `close()` was called. */
  isClosed(): boolean {
    return this._closed;
  }

  /**
   * Closes the loop: drops every scheduled callback and timer and removes its signal handlers. A
   * server of `startServer` still listening is closed with its connections, and a child process
   * of `createSubprocessExec` still running is killed (as asyncio's transports end with the
   * process), so that nothing of the loop keeps Node's process alive. A running loop cannot be
   * closed. Idempotent.
   *
   * Cancellation: not a checkpoint. Use `run()`/`Runner`, which cancel leftover tasks first.
   *
   * @example
   * ```ts
   * await loop.runUntilComplete(main); loop.close();
   * ```
   */
  close(): void {
    if (this._running) throw new RuntimeError('close: Cannot close a running event loop');
    if (this._closed) return;
    this._closed = true;
    // A future whose done callbacks are still queued (a task that failed in the last pass) will
    // not have them run: its error, if nobody read it, is reported now rather than lost.
    for (const r of this._front) if (r instanceof Future) this._unretrieved.push(r);
    this._front = [];
    while (this._ready.length > 0) {
      const r = this._ready.peek();
      this._ready.drop();
      if (r instanceof Future) this._unretrieved.push(r);
    }
    this._ready.clear();
    this._timers.clear();
    this._disarmHostTimer();
    this._signals?.clear();
    this._reportAllUnread();
    const hooks = this._closeHooks;
    this._closeHooks = null;
    if (hooks !== null) {
      for (const hook of hooks) {
        try {
          hook();
        } catch (e) {
          this.callExceptionHandler({ message: 'close: failed to release a resource of the loop', exception: e });
        }
      }
    }
    this._monitor.confirm(this); // a stall suspected in the last burst is reported now
    this._setFine(false); // (its suspension hooks go, unless another loop wants them)
    const ex = this._defaultExecutor;
    this._defaultExecutor = null;
    if (ex?.shutdown) {
      // As asyncio's close(): shut it down without waiting, which stops nothing that runs (the
      // jobs end on their own; their futures stay pending); a failure is reported, not dropped.
      const report = (e: unknown): void =>
        this.callExceptionHandler({ message: 'close: the default executor failed to shut down', exception: e });
      try {
        void Promise.resolve(ex.shutdown(false)).catch(report);
      } catch (e) {
        report(e);
      }
    }
  }

  // ---- futures and tasks ------------------------------------------------------------------

  /**
   * Creates a pending future bound to this loop.
   *
   * Cancellation: awaiting it is a checkpoint; cancelling the waiting task cancels the future.
   *
   * @example
   * ```ts
   * const f = getRunningLoop().createFuture<number>();
   * setTimeout(() => f.setResult(1), 10);
   * await f;
   * ```
   */
  createFuture<T = unknown>(): Future<T> {
    return new Future<T>(this);
  }

  /**
   * Wraps `body` in a task on this loop (made by the task factory, if one is set); its first step
   * runs in a later pass, or at once with `{ eagerStart: true }`.
   *
   * Cancellation: see `createTask`.
   *
   * @example
   * ```ts
   * const t = getRunningLoop().createTask(async () => 42, { name: 'answer' });
   * ```
   */
  createTask<T>(body: TaskBody<T>, opts?: TaskOptions): Task<T> {
    this._checkClosed('createTask');
    if (opts !== undefined) checkTaskOptions(opts); // before the spread below turns a non-object into {}
    return byFactory(this, body, opts) ?? new Task<T>(body, { ...opts, loop: this });
  }
}

/** @internal Checks `newEventLoop`'s options (also those `run()` and `Runner` pass on to it). */
export function checkLoopOptions(op: string, opts: LoopOptions): void {
  checkOpts(op, opts);
  const clock = opts.clock;
  if (clock !== undefined && (clock === null || typeof clock !== 'object' || typeof (clock as Clock).now !== 'function')) {
    throw new TypeError(`${op}: opts.clock must be a Clock with a now() method, got ${describe(clock)}`);
  }
  if (opts.debug !== undefined && typeof opts.debug !== 'boolean') {
    throw new TypeError(`${op}: opts.debug must be a boolean, got ${describe(opts.debug)}`);
  }
}

/**
 * Creates a new event loop (not running). Most code uses `run()` instead.
 *
 * Cancellation: not a checkpoint.
 *
 * @example
 * ```ts
 * const loop = newEventLoop({ clock: new MockClock({ autojumpThreshold: 0 }) });
 * ```
 */
export function newEventLoop(opts?: LoopOptions): EventLoop {
  return new EventLoop(opts);
}

