/**
 * Stack-frame helpers shared by the debug tools: which frames of a captured V8 stack are the
 * user's (not tulip's own, not Node's), how to show one briefly, and what a task is doing.
 */
import { Future } from '../future.js';
import { Task } from '../task.js';

import { isOwnFrame, userFrames } from '../internal/frames.js';
import { current } from '../internal/context.js';
export { OWN_DIR, frameLines, isOwnFrame, userFrames } from '../internal/frames.js';

/** @internal Debug mode: which task created each task (the spawner), for the dumps. */
export const spawners = new WeakMap<Task<unknown>, Task<unknown>>();
/** @internal Debug mode: which tulip function created each future, for the dumps. */
export const creators = new WeakMap<Future<unknown>, string>();
/** @internal Debug mode: the user frames of the code that made each future (an async task's `await` line). */
export const sites = new WeakMap<Future<unknown>, string[]>();

/** @internal Debug mode: the creation site of the last future made in user code that each task awaited. */
export const taskSites = new WeakMap<Task<unknown>, string[]>();

/** @internal Debug mode: the task that created `task` (undefined outside debug mode or from a callback). */
export function spawnerOf(task: Task<unknown>): Task<unknown> | undefined {
  return spawners.get(task);
}

/** @internal Debug mode: the tulip function that created `fut` (e.g. `Lock._acquireSlow`), if known. */
export function creatorOf(fut: Future<unknown>): string | undefined {
  return creators.get(fut);
}

/** @internal Debug mode: the user frames of the code that made `fut` (empty when unknown). */
export function creationSiteOf(fut: Future<unknown>): readonly string[] {
  return sites.get(fut) ?? [];
}

/** @internal The function name of a frame line (`at Lock.acquire (…)` → `Lock.acquire`), or undefined. */
export function frameFunction(line: string): string | undefined {
  const m = /^at (?:async )?(?:new )?([^\s(]+) \(/.exec(line);
  return m === null ? undefined : m[1];
}

/**
 * @internal A frame line made short: `file:line:col (fn)`, the file relative to the working directory.
 * `at main (/work/app/src/main.ts:12:5)` → `src/main.ts:12:5 (main)`.
 */
export function shortFrame(line: string): string {
  const m = /^at (?:async )?(?:(.+?) \()?(.+?)\)?$/.exec(line);
  if (m === null) return line;
  let loc = m[2]!.replace(/^file:\/\//, '');
  const cwd = `${process.cwd()}/`;
  if (loc.startsWith(cwd)) loc = loc.slice(cwd.length);
  return m[1] !== undefined ? `${loc} (${m[1]})` : loc;
}

/** @internal Captures the user frames of the calling code, right now. */
export function hereFrames(): string[] {
  const prev = Error.stackTraceLimit;
  Error.stackTraceLimit = 30;
  try {
    return userFrames(new Error('here').stack);
  } finally {
    Error.stackTraceLimit = prev;
  }
}

/** @internal How a task stands, for the dumps: running, waiting on a future, or runnable. */
export type TaskState = 'running' | 'waiting' | 'ready' | 'cancelling';

/** @internal The state of a pending task, as the dumps show it. */
export function taskState(task: Task<unknown>): TaskState {
  if (task === current()) return 'running';
  const w = task._futWaiter;
  if (w !== null && !w.done()) return task.cancelling() > 0 ? 'cancelling' : 'waiting';
  return task.cancelling() > 0 ? 'cancelling' : 'ready';
}

/**
 * @internal Where a task is: the user frames of its last suspension point (recorded in debug mode or after
 * a stall), the calling code's frames for the running task, else its creation site (debug mode),
 * else nothing. `kind` tells which.
 */
export function taskWhere(task: Task<unknown>): { kind: 'here' | 'suspended' | 'created' | 'unknown'; frames: string[] } {
  if (task === current()) return { kind: 'here', frames: hereFrames() };
  const suspended = userFrames(task._suspendStack);
  if (suspended.length > 0) return { kind: 'suspended', frames: suspended };
  // An async task's `await` is reached from a microtask, with its own frame gone: where the future
  // it awaits was made (debug mode) is that `await`'s line.
  const w = task._futWaiter;
  const site = w !== null && !w.done() ? creationSiteOf(w) : [];
  if (site.length > 0) return { kind: 'suspended', frames: [...site] };
  // A scope or a lock's/queue's wait awaited from async code waits on an inner future made with
  // no user frame on the stack: the last future the task awaited that user code made is the line.
  const last = w !== null && !w.done() ? taskSites.get(task) : undefined;
  if (last !== undefined) return { kind: 'suspended', frames: [...last] };
  const created = task
    .getStack()
    .filter((l) => l.startsWith('created '))
    .map((l) => l.slice('created '.length))
    .filter((l) => !isOwnFrame(l));
  if (created.length > 0) return { kind: 'created', frames: created };
  return { kind: 'unknown', frames: [] };
}

/** @internal The children of a gather's outer future (an internal field), or undefined for other futures. */
export function gatherChildren(fut: Future<unknown>): Future<unknown>[] | undefined {
  const c = (fut as unknown as { children?: unknown }).children;
  return Array.isArray(c) && c.every((x) => x instanceof Future) ? (c as Future<unknown>[]) : undefined;
}

/** @internal The futures a `wait()` watches (an internal field), or undefined for other futures. */
export function waitChildren(fut: Future<unknown>): Future<unknown>[] | undefined {
  const fs = (fut as unknown as { fs?: unknown }).fs;
  return fs instanceof Set ? ([...fs] as Future<unknown>[]) : undefined;
}

/** @internal The helper task running an inline future handed to a watcher (an internal field), if any. */
export function inlineHelper(fut: Future<unknown>): Task<unknown> | undefined {
  const h = (fut as unknown as { _helper?: unknown })._helper;
  return h instanceof Task ? (h as Task<unknown>) : undefined;
}
