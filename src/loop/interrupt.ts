/**
 * Ctrl-C during `run()` (asyncio's `Runner._on_sigint`): while a runner runs its main task on the
 * main thread, and nobody else listens for SIGINT, the first SIGINT cancels the main task, so its
 * `finally` blocks and task groups unwind; `run()` then rejects with `KeyboardInterruptError` if the
 * task ended cancelled. A second SIGINT gives the signal back to Node, whose default ends the
 * process at once (asyncio raises `KeyboardInterrupt` at once).
 *
 * As with any SIGINT listener in Node, a signal waits while JavaScript runs without yielding: a
 * step stuck in a synchronous loop cannot be interrupted (Python checks signals between bytecodes).
 * A program that handles Ctrl-C itself installs its own listener, or a loop's `addSignalHandler
 * ('SIGINT', …)`, before or during the run: while another listener is there, tulip leaves SIGINT
 * to it (as asyncio's handler replaces the Runner's).
 */
import { isMainThread } from 'node:worker_threads';
import type { Future } from '../future.js';

/** The SIGINT listener of one `Runner.run()`, from its start to its end. */
export class SigintCanceller {
  /** SIGINTs received while installed. */
  count = 0;
  private readonly _listener = (): void => this._onSigint();

  private constructor(private readonly _main: Future<unknown>) {
    process.on('SIGINT', this._listener);
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
  }

  private _onSigint(): void {
    if (process.listenerCount('SIGINT') > 1) return; // someone else handles Ctrl-C now
    this.count++;
    if (this.count === 1 && !this._main.done()) {
      this._main.cancel();
      return;
    }
    // Again (or with nothing left to cancel): Node's default, which ends the process.
    this.remove();
    if (process.listenerCount('SIGINT') === 0) process.kill(process.pid, 'SIGINT');
  }
}
