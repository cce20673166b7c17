/**
 * The seams of the future layer: the internal waiter and awaiting-task interfaces, the hooks the
 * task layer and the debug tools install (each a null check where nothing is installed), and the
 * "no error" marker of settled awaiters. Re-exported by future.ts.
 */
import type { Future } from '../future.js';
import type { EventLoop } from '../loop/eventloop.js';

/**
 * An internal waiter (a task, an awaiter, a combinator): woken with the future when its callbacks
 * run. Cheaper than a callback function: no closure, no handle.
 * @internal
 */
export interface Waiter {
  _wake(fut: Future<unknown>): void;
  /** A task (or a task's awaiter): the cancel request it has not received yet, or null. */
  _pendingCancel?(): unknown;
  /** Instruments only: the future it waits on is done (a task became runnable). */
  _scheduled?(): void;
  /**
   * True for a waiter that watches completion without reading the outcome (`wait()`,
   * `asCompleted()`): an error stays unread until someone reads it, and is reported if nobody does.
   */
  readonly _observes?: boolean;
  /** For the debug tools: the future this waiter completes; whoever awaits that one awaits this one. */
  readonly _for?: Future<unknown>;
  /** For the debug tools: bookkeeping on a future, not an awaiter of it (left out of the await graph). */
  readonly _hidden?: boolean;
}

/**
 * The task side of `await fut` in async-function tasks (installed by the task layer): returns the
 * async task whose code is calling `then()`, if any.
 * @internal
 */
export interface AwaitingTask {
  readonly _loop: EventLoop;
  /** `fut.then()` was called from this task: it now waits on `fut` (false: it cannot). */
  _thenAttached(fut: Future<unknown>): boolean;
  /** True when the task waits on no future. */
  _idle(): boolean;
  /** It became runnable (instruments). */
  _scheduled(): void;
  /** It resumes from an await (instruments). */
  _resuming(): void;
  /** The awaiter of `fut` is about to settle: returns an error to deliver instead (a cancel). */
  _thenSettling(fut: Future<unknown>, keep?: boolean): unknown;
  /** The cancel request not delivered yet, or null. */
  _pendingCancel(): unknown;
}
/** @internal The async task calling `then()`, if any (see `setAwaitingTaskHook`). */
export let awaitingTask: () => AwaitingTask | undefined = () => undefined;

/**
 * Debug mode: called where a task suspends (inside its `yield*`, or when its `await` attaches),
 * so the task layer can record the suspension point. Null outside debug mode: one check.
 * @internal
 */
export let onSuspend: (() => void) | null = null;

/** @internal */
export function setOnSuspend(hook: (() => void) | null): void {
  onSuspend = hook;
}

/**
 * Debug mode (src/debug): called for each new future once `onSuspend` is set (a debug loop ran a
 * task, or a loop stalled), so plain programs pay one null check per future. The hook checks the
 * loop's debug flag itself.
 * @internal
 */
export let onFutureCreated: ((fut: Future<unknown>) => void) | null = null;

/**
 * Debug mode: called where a future is first awaited, `yield*`-ed or watched (`then`, iteration,
 * a done callback or waiter). Null until debug mode tracks a future: one check.
 * @internal
 */
export let onWatch: ((fut: Future<unknown>) => void) | null = null;

/** @internal Installs the debug module's future hooks (see `onFutureCreated`, `onWatch`). */
export function setDebugFutureHooks(
  created: ((fut: Future<unknown>) => void) | null,
  watch: ((fut: Future<unknown>) => void) | null,
): void {
  onFutureCreated = created;
  onWatch = watch;
}

/** @internal */
export function setAwaitingTaskHook(hook: () => AwaitingTask | undefined): void {
  awaitingTask = hook;
}

/** Marks an error value that means "no error" in a settled awaiter. */
export const NO_ERROR: unique symbol = Symbol('no error');
