/**
 * A loop's Unix signal handlers (asyncio's `loop.add_signal_handler`): the callback runs in a loop
 * pass, as a `callSoon` callback, so it may use the loop's API (`event.set()`, `task.cancel()` …).
 * The listeners live on `process` while the loop is open; `close()` removes them.
 */
import { constants } from 'node:os';
import { isMainThread } from 'node:worker_threads';
import { RuntimeError } from '../errors.js';
import { describe } from '../internal/validate.js';

/** Signals no process can catch (asyncio: "sig … cannot be caught"). */
const UNCATCHABLE: ReadonlySet<string> = new Set(['SIGKILL', 'SIGSTOP']);

/**
 * Checks a signal to handle: a known name (see `checkSignalName`) that can be caught
 * (`RuntimeError` for SIGKILL and SIGSTOP), on the main thread (`RuntimeError` elsewhere).
 */
export function checkSignal(op: string, sig: unknown): NodeJS.Signals {
  const name = checkSignalName(op, sig);
  if (UNCATCHABLE.has(name)) throw new RuntimeError(`${op}: ${name} cannot be caught`);
  if (!isMainThread) throw new RuntimeError(`${op}: signals can only be handled on the main thread`);
  return name;
}

/**
 * Checks a signal name: `TypeError` for a non-string, `RangeError` for an unknown name (asyncio's
 * `ValueError`). All a removal checks: removing SIGKILL's handler is no error, there is none.
 */
export function checkSignalName(op: string, sig: unknown): NodeJS.Signals {
  if (typeof sig !== 'string') throw new TypeError(`${op}: sig must be a signal name such as 'SIGTERM', got ${describe(sig)}`);
  if (!Object.prototype.hasOwnProperty.call(constants.signals, sig)) {
    throw new RangeError(`${op}: invalid signal name '${sig}' (expected one such as 'SIGTERM' or 'SIGHUP')`);
  }
  return sig as NodeJS.Signals;
}

/**
 * The `process` listeners of one loop's signal handlers, one per signal number: aliases (SIGIO and
 * SIGPOLL, SIGABRT and SIGIOT) are one signal, as asyncio keys its handlers by number.
 */
export class SignalHandlers {
  private readonly _listeners = new Map<number, { name: NodeJS.Signals; listener: () => void }>();

  /** How many signals have a handler. */
  get size(): number {
    return this._listeners.size;
  }

  /** Installs `listener` for `sig`, replacing this loop's previous one (under any name of that signal). */
  set(sig: NodeJS.Signals, listener: () => void): void {
    this.remove(sig);
    process.on(sig, listener);
    this._listeners.set(constants.signals[sig], { name: sig, listener });
  }

  /** Removes this loop's listener for `sig` (under any name of that signal); false when there was none. */
  remove(sig: NodeJS.Signals): boolean {
    const num = constants.signals[sig];
    const entry = this._listeners.get(num);
    if (entry === undefined) return false;
    process.removeListener(entry.name, entry.listener);
    this._listeners.delete(num);
    return true;
  }

  /** Removes every listener (the loop closes). */
  clear(): void {
    for (const { name } of [...this._listeners.values()]) this.remove(name);
  }
}
