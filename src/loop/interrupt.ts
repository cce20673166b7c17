/**
 * Ctrl-C during `run()` (asyncio's `Runner._on_sigint`): while a runner runs its main task on the
 * main thread, and nobody else listens for SIGINT, the first SIGINT cancels the main task, so its
 * `finally` blocks and task groups unwind; `run()` then rejects with `KeyboardInterruptError` if the
 * task ended cancelled. A second SIGINT breaks out at once (asyncio raises `KeyboardInterrupt` out
 * of the loop): the loop stops with the main task still pending, `Runner.run()` rejects with
 * `KeyboardInterruptError`, and `close()` (which `run()` calls) cancels the tasks left, so their
 * `finally` blocks run. From then on SIGINT is Node's again: a third Ctrl-C, during a cleanup that
 * ignores cancellation, ends the process.
 *
 * As with any SIGINT listener in Node, a signal waits while JavaScript runs without yielding: a
 * step stuck in a synchronous loop cannot be interrupted (Python checks signals between bytecodes).
 * A program that handles Ctrl-C itself installs its own listener, or a loop's `addSignalHandler
 * ('SIGINT', …)`, before or during the run: while another listener is there, tulip leaves SIGINT
 * to it (as asyncio's handler replaces the Runner's). Once a listener added during the run is gone
 * again, Ctrl-C breaks out of the run at once, as the second one does (asyncio's
 * `remove_signal_handler(SIGINT)` restores Python's default handler, not the Runner's).
 */
import { isMainThread } from 'node:worker_threads';
import type { Future } from '../future.js';

/** The SIGINT listener of one `Runner.run()`, from its start to its end. */
export class SigintCanceller {
  /** SIGINTs received while installed (and not left to another listener). */
  count = 0;
  /** A SIGINT stopped the loop with the main task left as it was: `run()` rejects at once. */
  brokeOut = false;
  /** The program listened for SIGINT itself during the run (Ctrl-C is no longer the Runner's). */
  private _superseded = false;
  private readonly _listener = (): void => this._onSigint();
  private readonly _watcher = (event: string | symbol): void => {
    if (event === 'SIGINT') this._superseded = true;
  };

  private constructor(private readonly _main: Future<unknown>) {
    process.on('SIGINT', this._listener);
    process.on('newListener', this._watcher); // after our own listener, which is not the program's
  }

  /**
   * Listens for SIGINT on behalf of `main`, or returns null: off the main thread, or when the
   * program listens for SIGINT itself (asyncio installs its handler only over Python's default).
   */
  static install(main: Future<unknown>): SigintCanceller | null {
    if (!isMainThread || process.listenerCount('SIGINT') > 0) return null;
    return new SigintCanceller(main);
  }

  /** Stops listening (idempotent). */
  remove(): void {
    process.removeListener('SIGINT', this._listener);
    process.removeListener('newListener', this._watcher);
  }

  private _onSigint(): void {
    if (process.listenerCount('SIGINT') > 1) return; // someone else handles Ctrl-C now
    this.count++;
    if (this.count === 1 && !this._superseded && !this._main.done()) {
      this._main.cancel();
      return;
    }
    // Again, with nothing left to cancel, or after the program's own handler: break out of the
    // run (asyncio's KeyboardInterrupt). Later SIGINTs are Node's: they end the process.
    this.brokeOut = true;
    this.remove();
    const loop = this._main.getLoop();
    if (loop.isRunning()) loop.stop();
  }
}
