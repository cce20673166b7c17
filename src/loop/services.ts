/**
 * The services of an event loop that are not scheduling: error reports (the exception handler),
 * debug mode, executors, instruments and the lag monitor. `EventLoop` extends this class.
 */
import { CancelledError, RuntimeError } from '../errors.js';
import { Future } from '../future.js';
import { checkDelay, checkFunction, describe, isThenable, rejectionError } from '../internal/validate.js';
import { ensureFuture, type Task, type TaskBody, type TaskOptions } from '../task.js';
import { wrapThenable } from '../tasks.js';
import { contextHere, isAsyncFunction, isGeneratorFunction, recordSuspensions } from '../internal/context.js';
import { formatContext, type AnyExceptionHandler, type ExceptionContext, type ExceptionHandler } from './exceptions.js';
import { checkInstrument, type Instrument } from './instruments.js';
import { LoopMonitor, type LagStats } from './monitor.js';
import { noteTaskFactoryInUse } from './registry.js';
import { SignalHandlers, checkSignal, checkSignalName } from './signals.js';
import { ThreadPoolExecutor } from '../executor/threadpool.js';
import type { EventLoop } from './eventloop.js';
import { LoopTransports } from './transports.js';
import { dumpTasks as dumpLoopTasks, type DumpOptions } from '../debug/dump.js';

/**
 * Runs an executor job: anything with `submit(fn, ...args)` returning a promise or future
 * (`ThreadPoolExecutor`, or an object of your own).
 *
 * Cancellation: an executor with `submitWith(opts, fn, ...args)` gets an `AbortSignal` in
 * `opts.signal` from `runInExecutor`/`toThread`, aborted when the returned future is cancelled
 * (asyncio cancels the concurrent future then): a job that has not started should not run. One
 * without it cannot be told; its job runs anyway, its result dropped.
 */
export interface Executor {
  submit<R, A extends unknown[]>(fn: (...args: A) => R | PromiseLike<R>, ...args: A): PromiseLike<R>;
  /** `submit` with options; `signal` is aborted when the waiting future is cancelled. */
  submitWith?<R, A extends unknown[]>(
    opts: { signal?: AbortSignal },
    fn: (...args: A) => R | PromiseLike<R>,
    ...args: A
  ): PromiseLike<R>;
  /**
   * Stops the executor. `wait` true (`shutdownDefaultExecutor`): settle once its jobs have ended;
   * false (`loop.close()`, or the timeout of `shutdownDefaultExecutor`): return at once, stopping
   * nothing that runs.
   */
  shutdown?(wait?: boolean): PromiseLike<void> | void;
}

/**
 * Makes a loop's tasks (see `EventLoop.setTaskFactory`): gets the loop, the task body and the
 * options given to `createTask`, and returns the new task.
 */
export type TaskFactory = <T>(loop: EventLoop, body: TaskBody<T>, opts?: TaskOptions) => Task<T>;

/**
 * The non-scheduling half of `EventLoop` (see there).
 *
 * Cancellation: nothing here waits, except `shutdownDefaultExecutor()`.
 *
 * @example
 * ```ts
 * const loop = newEventLoop();
 * loop.setExceptionHandler((loop, ctx) => console.error(ctx.message));
 * ```
 */
export abstract class LoopServices extends LoopTransports {
  private _slowCallbackDuration = 100;
  /** @internal */ _debug: boolean;
  /** @internal Fine mode (debug, or after a stall): every entry and task step is timed. */
  _fine = false;
  /** @internal See `setTaskFactory`. */
  _taskFactory: TaskFactory | null = null;
  /** @internal See `addSignalHandler` (made on first use). */
  _signals: SignalHandlers | null = null;
  /** @internal */ _closed = false;
  /**
   * @internal What `close()` ends that Node would keep alive: the listening servers and the
   * running child processes of the streams and subprocess layers (asyncio's transports die with
   * the process; a Node handle would keep it running). Each removes itself when it ends first.
   */
  _closeHooks: Set<() => void> | null = null;

  /**
   * @internal Runs `end` when this loop closes (see `_closeHooks`), unless the function returned
   * is called first, when the thing `end` would end has ended on its own.
   */
  _endAtClose(end: () => void): () => void {
    (this._closeHooks ??= new Set()).add(end);
    return () => {
      this._closeHooks?.delete(end);
    };
  }
  /** @internal Installed instruments, or null (no hook costs more than a null check). */
  _instruments: Instrument[] | null = null;
  /** @internal */ readonly _monitor = new LoopMonitor();
  private _exceptionHandler: ExceptionHandler | null = null;
  /** @internal */ _defaultExecutor: Executor | null = null;
  /** `shutdownDefaultExecutor()` was called: the default executor is not used again (asyncio). */
  private _executorShutdownCalled = false;
  /** The default executor's shutdown under way or done: every `shutdownDefaultExecutor()` waits for it. */
  private _executorShutdown: { executor: Executor; done: Promise<void> } | null = null;

  constructor(debug: boolean) {
    super();
    this._debug = debug;
  }

  /** @internal Enters or leaves fine mode (debug mode is fine mode too; see `recordSuspensions`). */
  _setFine(fine: boolean): void {
    if (fine === this._fine) return;
    this._fine = fine;
    recordSuspensions(this, fine);
  }

  /**
   * A callback or task step longer than this (ms, default 100) is reported as a stall; `Infinity`
   * turns the reports off. A negative, NaN or non-number value is refused and the old one kept.
   *
   * Cancellation: not involved (a setting).
   *
   * @example
   * ```ts
   * getRunningLoop().slowCallbackDuration = 20; // report anything that holds the loop for 20 ms
   * ```
   */
  get slowCallbackDuration(): number {
    return this._slowCallbackDuration;
  }

  set slowCallbackDuration(ms: number) {
    if (typeof ms !== 'number') {
      throw new TypeError(`EventLoop.slowCallbackDuration: must be a number of milliseconds, got ${describe(ms)}`);
    }
    if (!(ms >= 0)) throw new RangeError(`EventLoop.slowCallbackDuration: must be a number of milliseconds >= 0, got ${describe(ms)}`);
    this._slowCallbackDuration = ms;
  }

  // ---- executors ----------------------------------------------------------------------------

  /**
   * Runs `fn(...args)` on `executor` (or, for null or undefined, the default executor, a
   * `ThreadPoolExecutor` made on first use) and returns a future of its result. An async function
   * is allowed (the executor awaits its promise); a generator function is refused (`TypeError`).
   *
   * Cancellation: a checkpoint when awaited. Cancelling the returned future (or the task waiting
   * on it) aborts the job if it has not started (see `Executor.submitWith`; a queued job of a
   * `ThreadPoolExecutor` never runs, as asyncio's cancelled concurrent future). A job already
   * running goes on to its end: its result is dropped, and its error, if it fails, goes to the
   * exception handler while the loop is open (asyncio drops it).
   *
   * @throws RuntimeError when the loop is closed, for the default executor after
   *   `shutdownDefaultExecutor()`, or when the executor is shut down (its `submit()` throws);
   *   TypeError for a bad `fn` or an executor without `submit()`.
   *
   * @example
   * ```ts
   * const digest = await loop.runInExecutor(pool, hashFile, path);
   * ```
   */
  runInExecutor<R, A extends unknown[]>(
    executor: Executor | null | undefined,
    fn: (...args: A) => R | PromiseLike<R>,
    ...args: A
  ): Future<R> {
    this._checkClosed('runInExecutor');
    checkFunction('runInExecutor', 'fn', fn);
    if (isGeneratorFunction(fn)) {
      throw new TypeError(`runInExecutor: coroutines cannot be used with runInExecutor() (got ${describe(fn)}; use createTask)`);
    }
    if (executor == null && this._executorShutdownCalled) {
      throw new RuntimeError('runInExecutor: Executor shutdown has been called');
    }
    // As asyncio: the default executor (a thread pool) is made on first use.
    const ex: Executor = executor ?? (this._defaultExecutor ??= new ThreadPoolExecutor());
    if (ex === null || (typeof ex !== 'object' && typeof ex !== 'function') || typeof ex.submit !== 'function') {
      throw new TypeError(`runInExecutor: executor must have a submit() method, got ${describe(ex)}`);
    }
    const abort = typeof ex.submitWith === 'function' ? new AbortController() : null;
    const job: unknown = abort === null ? ex.submit(fn, ...args) : ex.submitWith!({ signal: abort.signal }, fn, ...args);
    if (!isThenable(job)) throw new TypeError(`runInExecutor: executor.submit() must return a promise, got ${describe(job)}`);
    if (job instanceof Future) return ensureFuture(job, this.loop()) as Future<R>;
    return this._chainJob(job as PromiseLike<R>, abort);
  }

  /**
   * @internal The future of an executor job (asyncio's wrap_future): cancelling it aborts `abort`;
   * a settlement after the loop closed is dropped, as is the abort's own rejection.
   */
  private _chainJob<R>(job: PromiseLike<R>, abort: AbortController | null): Future<R> {
    const fut = wrapThenable(job, this.loop(), 'runInExecutor: the job failed after its future was cancelled', 'the executor job');
    if (abort !== null) {
      fut._addCallback(() => {
        if (fut.cancelled()) abort.abort(new CancelledError('runInExecutor: the future of the job was cancelled'));
      });
    }
    return fut;
  }

  /**
   * @internal A callback must be a plain function: a generator function would never run its body
   * (refused always), an async function's promise would be dropped (refused in debug mode, as
   * asyncio refuses coroutine functions there, or always when `strict`, as asyncio's signal handlers).
   */
  _checkCallback(op: string, name: string, cb: unknown, strict = false): void {
    checkFunction(op, name, cb);
    if (isGeneratorFunction(cb) || ((strict || this._debug) && isAsyncFunction(cb))) {
      throw new TypeError(`${op}: coroutines cannot be used with ${op}() (got ${describe(cb)}; use createTask)`);
    }
  }

  /**
   * Calls `cb(...args)` in a loop pass each time the process receives `sig` (asyncio's
   * `add_signal_handler`), replacing this loop's previous handler for `sig`; the handler stays
   * until `removeSignalHandler(sig)` or `close()`. Main thread only. A `SIGINT` handler also keeps
   * `run()` from cancelling its main task on Ctrl-C (the program handles the signal itself).
   *
   * Cancellation: not a checkpoint. The callback runs as a plain loop callback (no task).
   *
   * @example
   * ```ts
   * const stop = new Event();
   * getRunningLoop().addSignalHandler('SIGTERM', () => stop.set());
   * await stop.wait(); // graceful shutdown from here
   * ```
   */
  addSignalHandler<A extends unknown[]>(sig: NodeJS.Signals, cb: (...args: A) => unknown, ...args: A): void {
    // asyncio's order: the callback, the signal, then the loop.
    this._checkCallback('addSignalHandler', 'callback', cb, true);
    const name = checkSignal('addSignalHandler', sig);
    this._checkClosed('addSignalHandler');
    const loop = this.loop();
    const context = contextHere(); // asyncio's handle copies the context here, where it is added
    (this._signals ??= new SignalHandlers()).set(name, () => {
      if (!loop.isClosed()) loop._soon(context, cb as (...a: never[]) => unknown, args);
    });
  }

  /**
   * Removes this loop's handler for `sig`; false when it had none (asyncio's
   * `remove_signal_handler`). The signal's default action is back once no listener is left.
   *
   * Cancellation: not a checkpoint.
   *
   * @example
   * ```ts
   * loop.removeSignalHandler('SIGTERM');
   * ```
   */
  removeSignalHandler(sig: NodeJS.Signals): boolean {
    const name = checkSignalName('removeSignalHandler', sig);
    return this._signals?.remove(name) ?? false;
  }

  /**
   * Sets the function that `createTask()` (and `loop.createTask()`, `TaskGroup.createTask()`,
   * `ensureFuture()` of a coroutine, `run()`'s main task) calls to make this loop's tasks, or
   * `null` for plain tasks (asyncio's `set_task_factory`). It gets the loop, the body and the
   * options, and must return a `Task`; `eagerTaskFactory` makes every task start eagerly.
   *
   * Cancellation: not a checkpoint.
   *
   * @example
   * ```ts
   * getRunningLoop().setTaskFactory(eagerTaskFactory);
   * ```
   */
  setTaskFactory(factory: TaskFactory | null): void {
    if (factory !== null && typeof factory !== 'function') {
      throw new TypeError(`setTaskFactory: factory must be a function or null, got ${describe(factory)}`);
    }
    this._taskFactory = factory;
    if (factory !== null) noteTaskFactoryInUse();
  }

  /**
   * The task factory set with `setTaskFactory()`, or `null`.
   *
   * Cancellation: not a checkpoint.
   *
   * @example
   * ```ts
   * if (loop.getTaskFactory() === eagerTaskFactory) console.log('eager tasks');
   * ```
   */
  getTaskFactory(): TaskFactory | null {
    return this._taskFactory;
  }

  /**
   * Sets the executor used by `runInExecutor(null, …)` and `toThread`.
   *
   * Cancellation: not a checkpoint.
   *
   * @example
   * ```ts
   * loop.setDefaultExecutor(myPool);
   * ```
   */
  setDefaultExecutor(executor: Executor | null): void {
    if (executor !== null && (typeof executor !== 'object' || typeof executor.submit !== 'function')) {
      throw new TypeError(`setDefaultExecutor: executor must have a submit() method, got ${describe(executor)}`);
    }
    this._defaultExecutor = executor;
  }

  /**
   * Shuts down the default executor, waiting for its jobs to finish (`executor.shutdown(true)`).
   * Afterwards `runInExecutor(null, …)` and `toThread` throw `RuntimeError('Executor shutdown has
   * been called')`, even after `setDefaultExecutor()`, as in asyncio. Every call waits for the same
   * shutdown: a second call while the first still waits waits too.
   *
   * `timeoutMs` (asyncio 3.12+'s `timeout`, in real ms, as a thread join: also under a `MockClock`;
   * null or undefined: no limit): once it has passed,
   * the wait gives up: a report goes to the exception handler ("the default executor did not finish
   * within …", asyncio's RuntimeWarning), the executor gets `shutdown(false)` (its jobs are not
   * stopped) and the future resolves. `run()` and `Runner.close()` pass 300 000 ms, as `asyncio.run`.
   *
   * Cancellation: a checkpoint; cancelling the wait does not stop the shutdown.
   *
   * @throws TypeError when `timeoutMs` is not a number (or null); RangeError when it is NaN or
   *   negative.
   *
   * @example
   * ```ts
   * await loop.shutdownDefaultExecutor();
   * await loop.shutdownDefaultExecutor(5_000); // give up on the jobs after 5 s
   * ```
   */
  shutdownDefaultExecutor(timeoutMs: number | null = null): Future<void> {
    const op = 'shutdownDefaultExecutor';
    if (timeoutMs !== null) checkDelay(op, 'timeoutMs', timeoutMs);
    this._executorShutdownCalled = true;
    const ex = this._defaultExecutor;
    this._defaultExecutor = null;
    const loop = this.loop();
    const out = loop.createFuture<void>();
    if (ex?.shutdown !== undefined) {
      let done: Promise<void>;
      try {
        done = Promise.resolve(ex.shutdown(true)).then(() => undefined);
      } catch (e) {
        done = Promise.reject(e);
      }
      this._executorShutdown = { executor: ex, done };
    }
    const pending = this._executorShutdown;
    if (pending === null) {
      out.setResult(undefined);
      return out;
    }
    pending.done.then(
      () => {
        if (!out.done()) out.setResult(undefined);
      },
      (e: unknown) => {
        if (!out.done()) out.setException(rejectionError(e, 'the executor\'s shutdown()'));
      },
    );
    if (timeoutMs !== null && timeoutMs !== Infinity) {
      // Real time, as asyncio's thread join: threads take real time to end, also under a MockClock.
      const timer = setTimeout(() => {
        if (out.done()) return;
        loop.callExceptionHandler({
          message: `${op}: the default executor did not finish joining its threads within ${timeoutMs} ms; shut down without waiting`,
        });
        const report = (e: unknown): void =>
          loop.callExceptionHandler({ message: `${op}: the default executor failed to shut down without waiting`, exception: e });
        try {
          void Promise.resolve(pending.executor.shutdown?.(false)).catch(report);
        } catch (e) {
          report(e);
        }
        out.setResult(undefined);
      }, Math.min(timeoutMs, 2 ** 31 - 1));
      out._addCallback(() => clearTimeout(timer));
    }
    return out;
  }

  // ---- errors and debug -------------------------------------------------------------------

  /**
   * Sets the function that receives errors nobody else can: failed callbacks, never-retrieved task
   * errors, errors of cancelled shields. `null` restores the default (print to stderr).
   *
   * Cancellation: not a checkpoint.
   *
   * @example
   * ```ts
   * loop.setExceptionHandler((loop, ctx) => logger.error(ctx.message, ctx.exception));
   * ```
   */
  setExceptionHandler(handler: ExceptionHandler | null): void {
    if (handler !== null && typeof handler !== 'function') {
      throw new TypeError(`setExceptionHandler: handler must be a function or null, got ${describe(handler)}`);
    }
    this._exceptionHandler = handler;
  }

  /** The handler set by `setExceptionHandler`, or `null` for the default one. */
  getExceptionHandler(): AnyExceptionHandler | null {
    return this._exceptionHandler;
  }

  /**
   * The default handling of an error report: prints the message, the context and the stack to
   * stderr (asyncio logs it).
   *
   * Cancellation: not a checkpoint.
   *
   * @example
   * ```ts
   * loop.setExceptionHandler((loop, ctx) => { metrics.count++; loop.defaultExceptionHandler(ctx); });
   * ```
   */
  defaultExceptionHandler(context: ExceptionContext): void {
    if (context === null || typeof context !== 'object') {
      throw new TypeError(`defaultExceptionHandler: context must be an object (message, exception …), got ${describe(context)}`);
    }
    console.error(formatContext(context));
  }

  /**
   * Reports `context` to the exception handler. Never throws for a context object: an error in a
   * custom handler is itself reported through the default handler. A context that is not an
   * object is a `TypeError`.
   *
   * Cancellation: not a checkpoint.
   *
   * @example
   * ```ts
   * loop.callExceptionHandler({ message: 'worker crashed', exception: err });
   * ```
   */
  callExceptionHandler(context: ExceptionContext): void {
    if (context === null || typeof context !== 'object') {
      throw new TypeError(`callExceptionHandler: context must be an object (message, exception …), got ${describe(context)}`);
    }
    const handler = this._exceptionHandler;
    if (handler === null) {
      try {
        this.defaultExceptionHandler(context);
      } catch (e) {
        // An overridden default handler that throws: its error goes to stderr (asyncio logs it).
        lastResort('Exception in default exception handler', e, context);
      }
      return;
    }
    try {
      handler(this.loop(), context);
    } catch (e) {
      const report: ExceptionContext = { message: 'Unhandled error in exception handler', exception: e, context };
      try {
        this.defaultExceptionHandler(report);
      } catch (e2) {
        lastResort('Exception in default exception handler while handling an unexpected error in custom exception handler', e2, report);
      }
    }
  }

  /** True in debug mode. */
  getDebug(): boolean {
    return this._debug;
  }

  /**
   * Switches debug mode (slow-callback reports) on or off: on from the next pass, off from the
   * next callback (as asyncio's `_run_once` checks `_debug` per handle), unless a stall's fine mode
   * still times them.
   */
  setDebug(on: boolean): void {
    this._debug = Boolean(on);
    this._setFine(this._debug || performance.now() < this._monitor.fineUntil);
  }

  // ---- instruments and the lag monitor ---------------------------------------------------

  /**
   * Installs an instrument: an object with any of Trio's hooks (`beforeRun`, `afterRun`,
   * `taskSpawned`, `taskScheduled`, `beforeTaskStep`, `afterTaskStep`, `taskExited`,
   * `beforeIoWait`, `afterIoWait`). One that throws is reported and removed.
   *
   * Cancellation: not a checkpoint.
   *
   * @example
   * ```ts
   * loop.addInstrument({ taskExited: (t) => console.log(t.getName(), 'done') });
   * ```
   */
  addInstrument(instrument: Instrument): void {
    checkInstrument('addInstrument', instrument);
    if (this._instruments === null) this._instruments = [];
    if (!this._instruments.includes(instrument)) this._instruments.push(instrument);
  }

  /**
   * Removes an instrument; `RangeError` if it is not installed (as Trio's `KeyError`).
   *
   * Cancellation: not a checkpoint.
   *
   * @example
   * ```ts
   * loop.removeInstrument(tracer);
   * ```
   */
  removeInstrument(instrument: Instrument): void {
    const list = this._instruments;
    const i = list === null ? -1 : list.indexOf(instrument);
    if (i < 0) throw new RangeError(`removeInstrument: ${describe(instrument)} is not installed on this loop`);
    list!.splice(i, 1);
    if (list!.length === 0) this._instruments = null;
  }

  /**
   * How long Node's own I/O had to wait for this loop: count, max, p99 and mean (ms) of its bursts
   * of work, and how many stalls were reported.
   *
   * Cancellation: not a checkpoint.
   *
   * @example
   * ```ts
   * const { p99, max } = getRunningLoop().lagStats();
   * ```
   */
  lagStats(): LagStats {
    return this._monitor.stats();
  }

  /**
   * Every live task of this loop as a text tree — a task under the task that awaits it — with its
   * name, state, what it waits on and where: the user's file:line of its suspension point (recorded
   * in debug mode or after a stall), else its creation site (debug mode), else
   * `where: unknown (run with debug: true)`. `{ print: true }` also prints it. See `dumpTasks()`.
   *
   * Cancellation: not a checkpoint; a snapshot that changes nothing.
   *
   * @example
   * ```ts
   * console.log(getRunningLoop().dumpTasks());
   * ```
   */
  dumpTasks(opts?: DumpOptions): string {
    return dumpLoopTasks(this.loop(), opts);
  }

  /** This object as the EventLoop it is (the only subclass). */
  protected loop(): EventLoop {
    return this as unknown as EventLoop;
  }

  /** @internal */
  override _checkClosed(op: string): void {
    if (this._closed) throw new RuntimeError(`${op}: Event loop is closed`);
  }
}

/** The report of last resort, when the handlers themselves fail: stderr, unless that fails too. */
function lastResort(message: string, error: unknown, context: ExceptionContext): void {
  try {
    console.error(formatContext({ message, exception: error, context }));
  } catch {
    // stderr is gone: nothing left to report to
  }
}
