import { CancelledError, KeyboardInterruptError, RuntimeError } from '../errors.js';
import { Future } from '../future.js';
import { captureContext, toRunContext, type ContextLike, type RunContext } from '../internal/context.js';
import { checkBody } from '../internal/taskext.js';
import { checkFunction, checkOpts, describe } from '../internal/validate.js';
import { gather } from '../combinators.js';
import { Task, type Coroutine, type TaskBody } from '../task.js';
import type { InternalTaskOptions } from '../tasktypes.js';
import type { Clock } from './clock.js';
import { EventLoop, checkLoopOptions } from './eventloop.js';
import { SigintCanceller } from './interrupt.js';
import { runningLoopOrUndefined } from './registry.js';

/** Options of `run()` and `new Runner()`. */
export interface RunOptions {
  /**
   * Debug mode (slow-callback reports, creation stacks). Default: the environment variable
   * `TULIP_DEBUG` (see `LoopOptions.debug`).
   */
  debug?: boolean;
  /** The loop's clock; `new MockClock(...)` from `tulip/testing` gives virtual time. */
  clock?: Clock;
  /** The name of the main task. */
  name?: string;
  /**
   * Makes the loop (asyncio's `loop_factory`), e.g. `() => newEventLoop({ clock })` or a subclass
   * of `EventLoop`; called once, with no arguments. `debug`, when given, is then set on that loop.
   * Not together with `clock` (give the factory's loop its clock).
   */
  loopFactory?: () => EventLoop;
}

/** Checks the options of `Runner` and `run`. */
function checkRunOptions(op: string, opts: RunOptions): void {
  checkLoopOptions(op, opts);
  if (opts.name !== undefined && typeof opts.name !== 'string') {
    throw new TypeError(`${op}: opts.name must be a string, got ${describe(opts.name)}`);
  }
  if (opts.loopFactory === undefined) return;
  checkFunction(op, 'opts.loopFactory', opts.loopFactory);
  if (opts.clock !== undefined) {
    throw new TypeError(`${op}: give opts.clock or opts.loopFactory, not both (the factory's loop has its own clock)`);
  }
}

/**
 * Runs several top-level calls on one loop (asyncio's `Runner`): the loop is created lazily,
 * and `close()` cancels leftover tasks, shuts the default executor down and closes the loop.
 * The AsyncLocalStorage context is taken once, where the loop is created (the first `run()` or
 * `getLoop()`): every `run()` runs its main task there, as asyncio's Runner copies the context
 * once.
 *
 * Cancellation: each `run()` resolves or rejects with its main task; leftover tasks are cancelled
 * only by `close()`.
 *
 * @example
 * ```ts
 * const runner = new Runner();
 * try {
 *   await runner.run(async () => setUp());
 *   await runner.run(async () => work());
 * } finally { await runner.close(); }
 * ```
 */
export class Runner {
  private _loop: EventLoop | null = null;
  /** The context every run()'s main task runs in, unless given one (asyncio's `Runner._context`). */
  private _mainContext: RunContext | undefined = undefined;
  private _closed = false;
  private readonly _opts: RunOptions;

  constructor(opts: RunOptions = {}) {
    checkRunOptions('Runner', opts);
    this._opts = opts;
  }

  /** The runner's loop (created on first use). */
  getLoop(): EventLoop {
    if (this._closed) throw new RuntimeError('Runner.getLoop: the Runner is closed');
    if (this._loop === null) {
      const { clock, debug, loopFactory } = this._opts;
      let loop: EventLoop;
      if (loopFactory === undefined) {
        loop = new EventLoop({ ...(clock !== undefined ? { clock } : {}), ...(debug !== undefined ? { debug } : {}) });
      } else {
        loop = loopFactory();
        if (!(loop instanceof EventLoop)) {
          throw new TypeError(`Runner: opts.loopFactory must return an EventLoop, got ${describe(loop)}`);
        }
        if (loop.isClosed()) throw new RuntimeError('Runner: opts.loopFactory returned a closed loop');
        if (loop.isRunning()) throw new RuntimeError('Runner: opts.loopFactory returned a running loop (it must make a new one)');
        if (debug !== undefined) loop.setDebug(debug);
      }
      // asyncio's Runner copies the context once: every run() of it runs there. The loop's passes
      // run in one context, main tasks in a copy of it (what main sets stays main's, run after run).
      const base = captureContext();
      loop._baseContext = base;
      this._mainContext = base.runInAsyncScope(captureContext);
      this._loop = loop;
    }
    return this._loop;
  }

  /**
   * Runs `main` (a task body, or a Future of this loop) to completion on the runner's loop, in
   * the runner's AsyncLocalStorage context or in `opts.context` (asyncio's `run(coro, context=)`).
   *
   * Cancellation: Ctrl-C (SIGINT) while it runs on the main thread, when the program has no SIGINT
   * listener of its own, cancels the main task (asyncio's handler): its `finally` blocks and task
   * groups unwind, and if it ends cancelled `run` rejects with `KeyboardInterruptError`. A second
   * Ctrl-C (or one after the program removed its own SIGINT handler) breaks out at once: the loop
   * stops with the main task pending and `run` rejects with `KeyboardInterruptError`; `close()`
   * then cancels the tasks left, whose `finally` blocks run. A third ends the process (Node's
   * default).
   *
   * @example
   * ```ts
   * await runner.run(async () => { try { await serve(); } finally { await flush(); } }); // Ctrl-C: flush() runs
   * ```
   */
  async run<T>(main: TaskBody<T> | Future<T>, opts: { context?: ContextLike } = {}): Promise<T> {
    if (!(main instanceof Future)) checkBody('Runner.run', main); // first, as asyncio checks the coroutine
    checkOpts('Runner.run', opts);
    const given = opts.context === undefined ? undefined : toRunContext('Runner.run', opts.context);
    if (runningLoopOrUndefined() !== undefined) {
      throw new RuntimeError('Runner.run() cannot be called from a running event loop');
    }
    if (this._closed) throw new RuntimeError('Runner.run: the Runner is closed');
    const loop = this.getLoop();
    let task: Future<T>;
    if (main instanceof Future) {
      if (main.getLoop() !== loop) throw new RuntimeError('Runner.run: the future belongs to a different loop');
      task = main;
    } else {
      // The runner's main context: what main sets lasts across its waits (the passes' context is
      // reset after each burst) and into the next run(), as asyncio's Runner context does.
      const opts: InternalTaskOptions = { name: this._opts.name, runContext: given ?? this._mainContext };
      task = loop.createTask(main, opts);
    }
    const sigint = SigintCanceller.install(task);
    let result: T;
    try {
      result = await loop.runUntilComplete(task);
    } catch (e) {
      if (sigint?.brokeOut === true) throw brokeOut(task, e);
      // Cancelled by Ctrl-C, and not by something else too (asyncio's uncancel() == 0 check).
      if (sigint !== null && sigint.count > 0 && e instanceof CancelledError && uncancelled(task)) {
        throw new KeyboardInterruptError('Runner.run: interrupted by SIGINT (Ctrl-C): the main task was cancelled', { cause: e });
      }
      throw e;
    } finally {
      sigint?.remove();
    }
    // The loop's last pass may have finished main after the SIGINT: the interrupt still wins, as
    // asyncio's KeyboardInterrupt raised at once.
    if (sigint?.brokeOut === true) throw brokeOut(task, undefined);
    return result;
  }

  /**
   * Cancels every task left on the loop and reports their errors (asyncio's one round), shuts the
   * default executor down, then cancels whatever is still pending (tasks started during the
   * shutdown: again and again, until none is, where asyncio would drop them pending) and closes
   * the loop. Idempotent; does nothing for a runner never used (it stays usable, as asyncio's).
   * Called from inside the runner's own `run()`, it rejects with `RuntimeError` and changes nothing.
   */
  async close(): Promise<void> {
    const loop = this._loop;
    // Never used: nothing to close, and the runner stays usable (asyncio: only an initialized one closes).
    if (this._closed || loop === null) return;
    // From inside its own run(): refused, nothing changed (asyncio's loop.close() raises the same).
    if (loop.isRunning()) throw new RuntimeError('Runner.close: cannot close a running event loop (called from inside its run())');
    this._closed = true;
    this._loop = null;
    try {
      const reported = new Set<unknown>(); // the tasks and the errors reported
      await cancelRound(loop, reported);
      // asyncio.run's two shutdown steps, each a task run to completion (two passes), so callbacks
      // that main's last pass queued still run: async generators (JavaScript's are not tracked by
      // the loop, so this step only takes its passes), then the default executor (giving up on
      // its jobs after 300 s, as asyncio.run's constants.THREAD_JOIN_TIMEOUT).
      await loop.runUntilComplete(shutdownAsyncGenerators);
      await loop.runUntilComplete(function* () {
        yield* loop.shutdownDefaultExecutor(EXECUTOR_JOIN_TIMEOUT_MS);
      });
      // Not in asyncio, which closes the loop over them: no task is left pending, so every
      // `finally` runs.
      while (await cancelRound(loop, reported));
    } finally {
      loop.close();
    }
  }

  /**
   * `close()`, for `await using runner = new Runner()` (asyncio's `with asyncio.Runner() as
   * runner:`): the runner closes when the block ends, however it ends.
   *
   * Cancellation: see `close()`.
   *
   * @example
   * ```ts
   * {
   *   await using runner = new Runner();
   *   await runner.run(async () => work());
   * } // closed here
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Takes back the Ctrl-C cancel of a main task; true when no other cancel request remains (a
 * Future given as main has no count: its cancellation stays a CancelledError, as in asyncio).
 */
function uncancelled(main: Future<unknown>): boolean {
  return main instanceof Task && main.uncancel() === 0;
}

/** The error of a run broken out of by Ctrl-C (a second one, or one after the program's own handler). */
function brokeOut(main: Future<unknown>, cause: unknown): KeyboardInterruptError {
  const state = main.done() ? 'done' : 'still pending (close() cancels it)';
  return new KeyboardInterruptError(`Runner.run: interrupted by SIGINT (Ctrl-C): the loop stopped with the main task ${state}`, cause === undefined ? undefined : { cause });
}

// eslint-disable-next-line require-yield
function* shutdownAsyncGenerators(): Coroutine<void> {}

/** How long `close()` waits for the default executor's jobs (asyncio's THREAD_JOIN_TIMEOUT, 300 s). */
const EXECUTOR_JOIN_TIMEOUT_MS = 300_000;

/**
 * Cancels the pending tasks and waits for them (asyncio's `_cancel_all_tasks`); reports, once,
 * errors other than cancellation. False when no task was pending.
 */
async function cancelRound(loop: EventLoop, reported: Set<unknown>): Promise<boolean> {
  const pending = loop._liveTasks().filter((t) => !t.done());
  if (pending.length === 0) return false;
  for (const t of pending) {
    t._markRetrieved(); // its error is reported below, once, as a shutdown error
    t.cancel();
  }
  // The gather is made here, before the loop runs, as asyncio's: no task of its own (allTasks()
  // in a leftover's finally holds only the leftovers), and its children's passes as asyncio's.
  await loop.runUntilComplete(gather(pending, { returnExceptions: true }));
  for (const t of pending) {
    if (!t.done() || t.cancelled() || reported.has(t)) continue;
    reported.add(t);
    const exc = t.exception();
    // One report per error: a task that awaited another one and let its error through holds the
    // same error (asyncio reports it once per task).
    if (exc !== undefined && !(exc instanceof CancelledError) && !reported.has(exc)) {
      reported.add(exc);
      loop.callExceptionHandler({ message: 'unhandled exception during run() shutdown', exception: exc, task: t });
    }
  }
  return true;
}

/**
 * Runs `main` as a task on a new event loop and resolves with its result (asyncio's `run`); then
 * cancels leftover tasks (once, as asyncio) and waits for them, shuts the default executor down,
 * cancels whatever is still pending by then (tasks the leftovers started: no task is left
 * pending) and closes the loop. Calling it from inside a running loop rejects with `RuntimeError`.
 * The main task (and the tasks it makes) run in the AsyncLocalStorage context `run` is called in.
 * Until then the process stays alive, even when the tasks wait only for a signal or for each other
 * (a deadlock hangs as in asyncio; Ctrl-C unwinds it; `debug: true` reports it).
 *
 * Cancellation: the main task can cancel itself or be cancelled by its own tasks; `run` then
 * rejects with `CancelledError`. Ctrl-C (SIGINT) cancels the main task when the program does not
 * listen for SIGINT itself: cleanup runs, then `run` rejects with `KeyboardInterruptError`; a
 * second Ctrl-C stops the loop at once, the leftover tasks (main too) are cancelled and unwind,
 * and `run` rejects with `KeyboardInterruptError` (see `Runner.run`).
 *
 * @example
 * ```ts
 * const n = await run(async () => { await sleep(10); return 42; });
 * await run(function* () { yield* sleep(10); });
 * ```
 */
export async function run<T>(main: TaskBody<T>, opts: RunOptions = {}): Promise<T> {
  if (runningLoopOrUndefined() !== undefined) {
    throw new RuntimeError('run() cannot be called from a running event loop');
  }
  checkBody('run', main);
  checkRunOptions('run', opts);
  const runner = new Runner(opts);
  try {
    return await runner.run(main);
  } finally {
    await runner.close();
  }
}
