/**
 * Task dumps (`loop.dumpTasks()`, `python -m asyncio pstree` in spirit): every live task of a loop
 * as a tree — a task under the task that awaits it, directly or through a gather, `wait()`, an
 * inline scope's helper or (in debug mode) a TaskGroup — with its name, state, what it waits on and
 * where it is.
 */
import type { Future } from '../future.js';
import type { EventLoop } from '../loop/eventloop.js';
import { checkOpts, describe } from '../internal/validate.js';
import { getRunningLoop } from '../loop/registry.js';
import { Task } from '../task.js';
import { creatorOf, gatherChildren, shortFrame, taskState, taskWhere, waitChildren } from './frames.js';
import { awaitedFutures, awaitersOf } from './graph.js';

/**
 * One live task in a dump, with the tasks that it awaits as children.
 *
 * Cancellation: a snapshot; reading it changes nothing.
 *
 * @example
 * ```ts
 * for (const root of captureTasks()) console.log(root.name, root.state, root.children.length);
 * ```
 */
export interface TaskDumpEntry {
  readonly task: Task<unknown>;
  /** `task.getName()`. */
  readonly name: string;
  /** running (it called the dump), waiting (on a pending future), ready (runnable, or awaiting a foreign promise), cancelling. */
  readonly state: 'running' | 'waiting' | 'ready' | 'cancelling';
  /** What it waits on (`String(fut)` plus a few words), or null. */
  readonly waitsOn: string | null;
  /** The user's file:line where it is: its suspension point, else its creation site; or `unknown (run with debug: true)`. */
  readonly where: string;
  /** Which kind of place `where` is. */
  readonly whereKind: 'here' | 'suspended' | 'created' | 'unknown';
  /** tulip's own helper task (an inline scope handed to gather/wait), not one of the user's. */
  readonly internal: boolean;
  /** The live tasks it awaits (directly or through a gather, `wait()`, a helper or a TaskGroup). */
  readonly children: readonly TaskDumpEntry[];
}

/**
 * Options of `loop.dumpTasks()` and `dumpTasks()`.
 *
 * Cancellation: options only.
 *
 * @example
 * ```ts
 * getRunningLoop().dumpTasks({ print: true });
 * ```
 */
export interface DumpOptions {
  /** Also print the dump (to stdout). */
  print?: boolean;
}

const UNKNOWN_WHERE = 'unknown (run with debug: true)';

/** A few words about what a task waits on. */
function describeWait(fut: Future<unknown>): string {
  const g = gatherChildren(fut);
  if (g !== undefined) return `gather of ${g.length} ${fut._shortRepr()}`;
  const w = waitChildren(fut);
  if (w !== undefined) return `wait() on ${w.length} ${fut._shortRepr()}`;
  const maker = creatorOf(fut);
  return maker !== undefined ? `${fut._shortRepr()} from ${maker}` : fut._shortRepr();
}

/** The tasks waiting on `fut`, through any chain of non-task futures (gather, wait, awaiters). */
function awaitingTasks(fut: Future<unknown>, seen: Set<Future<unknown>>): Task<unknown>[] {
  const out: Task<unknown>[] = [];
  for (const a of awaitersOf(fut)) {
    if (a.future === null || seen.has(a.future)) continue;
    seen.add(a.future);
    if (a.future instanceof Task) out.push(a.future as Task<unknown>);
    else out.push(...awaitingTasks(a.future, seen));
  }
  return out;
}

/** The task a live task hangs under in the tree: one that awaits it, or the owner of an inline helper. */
function parentOf(task: Task<unknown>, live: Set<Task<unknown>>): Task<unknown> | undefined {
  for (const t of awaitingTasks(task, new Set([task]))) if (live.has(t) && t !== task) return t;
  return undefined;
}

/**
 * The live tasks of `loop` (default: the running loop) as a forest: each task under the task
 * that awaits it; tasks nobody awaits are roots, oldest first.
 *
 * Cancellation: not a checkpoint; a snapshot that changes nothing.
 *
 * @example
 * ```ts
 * const roots = captureTasks();
 * console.log(roots.map((r) => r.name)); // ['Task-1']
 * ```
 */
export function captureTasks(loop: EventLoop = getRunningLoop()): TaskDumpEntry[] {
  checkLoop('captureTasks', loop);
  const tasks = loop._liveTasks();
  const live = new Set(tasks);
  const parent = new Map<Task<unknown>, Task<unknown>>();
  for (const t of tasks) {
    const p = parentOf(t, live);
    if (p !== undefined) parent.set(t, p);
  }
  // A cycle (never made by tulip itself) must not hide its tasks: break it at the first task met.
  for (const t of tasks) {
    const path = new Set<Task<unknown>>([t]);
    for (let p = parent.get(t); p !== undefined; p = parent.get(p)) {
      if (path.has(p)) {
        parent.delete(p);
        break;
      }
      path.add(p);
    }
  }
  const kids = new Map<Task<unknown>, Task<unknown>[]>();
  for (const t of tasks) {
    const p = parent.get(t);
    if (p === undefined) continue;
    let list = kids.get(p);
    if (list === undefined) kids.set(p, (list = []));
    list.push(t);
  }
  const build = (t: Task<unknown>): TaskDumpEntry => {
    const w = taskWhere(t);
    const waiter = awaitedFutures(t)[0];
    return {
      task: t,
      name: t.getName(),
      state: taskState(t),
      waitsOn: waiter !== undefined ? describeWait(waiter) : null,
      where: w.frames.length > 0 ? shortFrame(w.frames[0]!) : UNKNOWN_WHERE,
      whereKind: w.kind,
      internal: t._hidden,
      children: (kids.get(t) ?? []).map(build),
    };
  };
  return tasks.filter((t) => !parent.has(t)).map(build);
}

/**
 * Formats the forest of `captureTasks()` as the text tree `dumpTasks()` returns; given `loop`, the
 * header shows its time.
 *
 * Cancellation: not a checkpoint.
 *
 * @example
 * ```ts
 * const roots = captureTasks().filter((r) => !r.internal);
 * console.log(formatTasks(roots));
 * ```
 */
export function formatTasks(roots: readonly TaskDumpEntry[], loop?: EventLoop): string {
  if (!Array.isArray(roots)) {
    throw new TypeError(`formatTasks: roots must be an array of entries from captureTasks(), got ${describe(roots)}`);
  }
  if (loop !== undefined) checkLoop('formatTasks', loop);
  let count = 0;
  const count1 = (e: TaskDumpEntry): void => {
    if (e === null || typeof e !== 'object' || typeof e.name !== 'string' || !Array.isArray(e.children)) {
      throw new TypeError(`formatTasks: roots must hold entries from captureTasks(), got ${describe(e)}`);
    }
    count++;
    e.children.forEach(count1);
  };
  roots.forEach(count1);
  const time = loop !== undefined ? ` at loop time ${loop.time().toFixed(3)} ms` : '';
  const lines = [`${count} live task${count === 1 ? '' : 's'}${time}:`];
  const render = (e: TaskDumpEntry, prefix: string, last: boolean, root: boolean): void => {
    const branch = root ? '' : last ? '└─ ' : '├─ ';
    const label = `${e.internal ? '(internal) ' : ''}Task '${e.name}' [${e.state}]`;
    const waits = e.waitsOn !== null ? ` waiting on ${e.waitsOn}` : e.state === 'ready' ? ' (runnable, or awaiting a foreign promise)' : '';
    lines.push(`${prefix}${branch}${label}${waits}`);
    const inner = root ? prefix : `${prefix}${last ? '   ' : '│  '}`;
    const bar = e.children.length > 0 ? '│  ' : '   ';
    const where = e.whereKind === 'created' ? `created at ${e.where}` : e.whereKind === 'here' ? `running at ${e.where}` : e.where;
    lines.push(`${inner}${bar}where: ${where}`);
    e.children.forEach((c, i) => render(c, inner, i === e.children.length - 1, false));
  };
  roots.forEach((r) => render(r, '', true, true));
  return lines.join('\n');
}

/**
 * Every live task of `loop` (default: the running loop) as a text tree: name, state, what it waits
 * on and where (the user's file:line of its suspension point when recorded — debug mode, or after
 * a stall — else its creation site, else `unknown (run with debug: true)`). Also `loop.dumpTasks()`.
 *
 * Cancellation: not a checkpoint; a snapshot that changes nothing.
 *
 * @example
 * ```ts
 * await run(async () => {
 *   createTask(async () => { await sleep(1000); }, { name: 'sleeper' });
 *   await sleep(0);
 *   console.log(dumpTasks());
 * }, { debug: true });
 * ```
 */
export function dumpTasks(loop: EventLoop = getRunningLoop(), opts: DumpOptions = {}): string {
  checkLoop('dumpTasks', loop);
  checkOpts('dumpTasks', opts);
  const text = formatTasks(captureTasks(loop), loop);
  if (opts.print === true) console.log(text);
  return text;
}

/**
 * Prints `dumpTasks(loop)` to stdout.
 *
 * Cancellation: not a checkpoint.
 *
 * @example
 * ```ts
 * process.on('SIGUSR2', () => printTasks(loop));
 * ```
 */
export function printTasks(loop: EventLoop = getRunningLoop()): void {
  checkLoop('printTasks', loop);
  console.log(dumpTasks(loop));
}

/** A loop argument of the dump functions: an event loop (what `getRunningLoop()` returns). */
function checkLoop(op: string, loop: unknown): void {
  if (loop === null || typeof loop !== 'object' || typeof (loop as EventLoop)._liveTasks !== 'function') {
    throw new TypeError(`${op}: loop must be an EventLoop, got ${describe(loop)}`);
  }
}
