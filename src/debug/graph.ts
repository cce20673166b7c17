/**
 * The await graph (asyncio 3.14's `asyncio.graph`): what a task awaits — a future, a task, a
 * gather of tasks, a lock's or a queue's wait — and who awaits it, each recursively. Read from the
 * runtime's own links: a task's waiter (`_futWaiter`) and a pending future's waiters (`_entries()`:
 * tasks, async awaiters, gather's collector, callbacks), so it costs nothing until it is asked for.
 */
import { Future } from '../future.js';
import { Task } from '../task.js';
import { taskGroupOwner } from '../taskgroup.js';
import { creatorOf, gatherChildren, inlineHelper, shortFrame, spawnerOf, taskState, taskWhere, waitChildren } from './frames.js';
import './unawaited.js';
import { current, userCallback } from '../internal/context.js';
import { checkOpts, describe } from '../internal/validate.js';

/**
 * What a node of the await graph is: a task, a gather's or `wait()`'s outer future, another
 * future, a TaskGroup seen through its callback, or a plain callback.
 *
 * Cancellation: a type; nothing waits.
 *
 * @example
 * ```ts
 * const tasks = captureCallGraph(t)!.awaitedBy.filter((n) => n.kind === 'task');
 * ```
 */
export type CallGraphKind = 'task' | 'gather' | 'wait' | 'future' | 'taskgroup' | 'callback';

/**
 * One node of an await graph: a task, a future, or a callback watching a future.
 *
 * Going down (`awaits`), a task's one child is what it waits on, a gather's or `wait()`'s children
 * are the futures it collects; going up (`awaitedBy`), a node's children are those waiting on it.
 * The root of `captureCallGraph()` has both; the other nodes have the one of their direction.
 *
 * Cancellation: a snapshot; reading it changes nothing.
 *
 * @example
 * ```ts
 * const g = captureCallGraph(task)!;
 * console.log(g.name, g.awaits[0]?.name, g.awaitedBy.map((n) => n.name));
 * ```
 */
export interface CallGraphNode {
  /** The task or future (null for a callback or a TaskGroup seen only through its callback). */
  readonly future: Future<unknown> | null;
  /** What it is. */
  readonly kind: CallGraphKind;
  /** `String(future)` (e.g. `<Task pending name='main'>`), or a callback's description. */
  readonly name: string;
  /** A few words more: `gather of 2`, the tulip function that made a future (debug mode), a task's state. */
  readonly detail: string;
  /** A task's user frames: where it is suspended (or running), else where it was created. */
  readonly where: readonly string[];
  /** What it waits on (down the graph). */
  readonly awaits: readonly CallGraphNode[];
  /** Who waits on it (up the graph). */
  readonly awaitedBy: readonly CallGraphNode[];
}

/**
 * What `captureCallGraph()` returns: its root node (a task or future), with both directions filled.
 *
 * Cancellation: a snapshot; reading it changes nothing.
 *
 * @example
 * ```ts
 * const g: CallGraph | null = captureCallGraph();
 * ```
 */
export type CallGraph = CallGraphNode;

/**
 * Options of `captureCallGraph()` and `printCallGraph()`.
 *
 * Cancellation: options only.
 *
 * @example
 * ```ts
 * printCallGraph(task, { maxDepth: 3 });
 * ```
 */
export interface CaptureOptions {
  /** How many levels to follow in each direction (default 64). */
  maxDepth?: number;
}

const MAX_DEPTH = 64;

/** A few words about a future: its kind and, in debug mode, what made it. */
function detailOf(fut: Future<unknown>): { kind: CallGraphKind; detail: string } {
  if (fut instanceof Task) {
    const t = fut as Task<unknown>;
    const internal = t._hidden ? ', internal' : '';
    if (t.done()) return { kind: 'task', detail: `${t.cancelled() ? 'cancelled' : t._state === 2 ? 'failed' : 'done'}${internal}` };
    const c = t.cancelling();
    return { kind: 'task', detail: `${taskState(t)}${c > 0 ? `, cancelling=${c}` : ''}${internal}` };
  }
  const g = gatherChildren(fut);
  if (g !== undefined) return { kind: 'gather', detail: `gather of ${g.length}` };
  const w = waitChildren(fut);
  if (w !== undefined) return { kind: 'wait', detail: `wait() on ${w.length}` };
  const maker = creatorOf(fut);
  return { kind: 'future', detail: maker !== undefined ? `from ${maker}` : '' };
}

/** The user frames shown for a node: a task's position; nothing for a plain future. */
function whereOf(fut: Future<unknown>): string[] {
  if (!(fut instanceof Task)) return [];
  return taskWhere(fut as Task<unknown>).frames.map(shortFrame);
}

/**
 * @internal The futures a future waits on, one level down: a task's waiter, a gather's or
 * `wait()`'s children, the helper task running an inline future.
 */
export function awaitedFutures(fut: Future<unknown>): Future<unknown>[] {
  if (fut instanceof Task) {
    const w = (fut as Task<unknown>)._futWaiter;
    return w !== null && !w.done() ? [w] : [];
  }
  const g = gatherChildren(fut) ?? waitChildren(fut);
  if (g !== undefined) return [...new Set(g)].filter((f) => !f.done());
  const h = inlineHelper(fut);
  return h !== undefined && !h.done() ? [h] : [];
}

/** @internal One waiter of a future, resolved: the future it belongs to, or a description of a callback. */
export type Awaiter = { future: Future<unknown>; via: string } | { future: null; kind: CallGraphKind; name: string };

/** @internal Who waits on a pending future, one level up (see `CallGraphNode.awaitedBy`). */
export function awaitersOf(fut: Future<unknown>): Awaiter[] {
  if (fut.done()) return [];
  const out: Awaiter[] = [];
  const seen = new Set<unknown>();
  const add = (a: Awaiter): void => {
    const key = a.future ?? a.name;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(a);
  };
  for (const e of fut._entries()) {
    if (e instanceof Task) add({ future: e as Task<unknown>, via: 'yield*' });
    else if (e instanceof Future) add({ future: e as Future<unknown>, via: 'waiter' });
    else if (typeof e === 'function') {
      const name = userCallback(e as (...a: never[]) => unknown).name || '(anonymous)';
      // A TaskGroup's child: the task running the group awaits it (or, in debug mode, its creator).
      if (name === '_onTaskDone' && fut instanceof Task) {
        const parent = taskGroupOwner(e) ?? spawnerOf(fut as Task<unknown>);
        if (parent !== undefined && !parent.done()) add({ future: parent, via: 'TaskGroup' });
        else add({ future: null, kind: 'taskgroup', name: 'a TaskGroup (its owner is named in debug mode)' });
      } else add({ future: null, kind: 'callback', name: `callback ${name}()` });
    } else if (e !== null && typeof e === 'object') {
      const o = e as { _awaitingTask?: () => unknown; outer?: unknown; children?: unknown; _for?: unknown; _hidden?: boolean };
      if (o._hidden === true) continue; // bookkeeping, not an awaiter
      if (o._for instanceof Future) {
        for (const a of awaitersOf(o._for as Future<unknown>)) add(a); // (a shield, an inline helper)
      } else if (typeof o._awaitingTask === 'function') {
        const t = o._awaitingTask();
        if (t instanceof Task) add({ future: t as Task<unknown>, via: 'await' });
        else add({ future: null, kind: 'callback', name: 'an await outside any task' });
      } else if (o.outer instanceof Future && Array.isArray(o.children)) {
        add({ future: o.outer as Future<unknown>, via: 'gather' });
      } else add({ future: null, kind: 'callback', name: `internal waiter: ${e.toString === Object.prototype.toString ? 'unnamed' : String(e)}` });
    }
  }
  return out;
}

/**
 * Captures the await graph around `future` (default: the task running the calling code): what it
 * awaits, down to the futures nothing else explains, and who awaits it, up to the tasks nobody
 * awaits. Returns null outside any task when `future` is not given (asyncio's
 * `capture_call_graph`).
 *
 * Cancellation: not a checkpoint; a snapshot that changes nothing.
 *
 * @example
 * ```ts
 * const worker = createTask(async () => { await sleep(1000); });
 * await sleep(0);
 * const g = captureCallGraph(worker)!;
 * g.awaits[0]!.name; // '<SleepFuture pending>'
 * ```
 */
export function captureCallGraph(future?: Future<unknown>, opts: CaptureOptions = {}): CallGraph | null {
  const fut = future ?? (current() as Task<unknown> | undefined);
  if (fut === undefined) return null;
  if (!(fut instanceof Future)) throw new TypeError(`captureCallGraph: future must be a Future or Task, got ${describe(fut)}`);
  checkOpts('captureCallGraph', opts);
  const maxDepth = opts.maxDepth ?? MAX_DEPTH;
  if (typeof maxDepth !== 'number' || !(maxDepth >= 0)) {
    throw new RangeError(`captureCallGraph: opts.maxDepth must be a non-negative number, got ${describe(maxDepth)}`);
  }
  const { kind, detail } = detailOf(fut);
  return {
    future: fut,
    kind,
    name: fut._shortRepr(),
    detail,
    where: whereOf(fut),
    awaits: down(fut, maxDepth, new Set([fut])),
    awaitedBy: up(fut, maxDepth, new Set([fut])),
  };
}

function down(fut: Future<unknown>, depth: number, path: Set<Future<unknown>>): CallGraphNode[] {
  if (depth <= 0) return [];
  const out: CallGraphNode[] = [];
  for (const f of awaitedFutures(fut)) {
    if (path.has(f)) continue; // a cycle: shown once
    path.add(f);
    const { kind, detail } = detailOf(f);
    out.push({ future: f, kind, name: f._shortRepr(), detail, where: whereOf(f), awaits: down(f, depth - 1, path), awaitedBy: [] });
    path.delete(f);
  }
  return out;
}

function up(fut: Future<unknown>, depth: number, path: Set<Future<unknown>>): CallGraphNode[] {
  if (depth <= 0) return [];
  const out: CallGraphNode[] = [];
  for (const a of awaitersOf(fut)) {
    if (a.future === null) {
      out.push({ future: null, kind: a.kind, name: a.name, detail: '', where: [], awaits: [], awaitedBy: [] });
      continue;
    }
    const f = a.future;
    if (path.has(f)) continue;
    path.add(f);
    const { kind, detail } = detailOf(f);
    const via = a.via === 'TaskGroup' ? `${detail}, via TaskGroup` : detail;
    out.push({ future: f, kind, name: f._shortRepr(), detail: via, where: whereOf(f), awaits: [], awaitedBy: up(f, depth - 1, path) });
    path.delete(f);
  }
  return out;
}

/**
 * Formats an await graph as indented text (asyncio's `format_call_graph`):
 *
 * ```text
 * * <Task pending name='worker'> (waiting)
 * |   at test/app.ts:12:11 (work)
 * + awaits:
 * |  * <SleepFuture pending>
 * + awaited by:
 *    * <GatheringFuture pending> (gather of 2)
 *       + awaited by:
 *          * <Task pending name='main'> (waiting)
 * ```
 *
 * Cancellation: not a checkpoint.
 *
 * @example
 * ```ts
 * console.log(formatCallGraph(captureCallGraph(task)!));
 * ```
 */
export function formatCallGraph(graph: CallGraph): string {
  checkNode(graph);

  const lines: string[] = [];
  render(graph, '', lines);
  return lines.join('\n');
}

/** A node as captureCallGraph() makes it (checked all the way down, before anything is printed). */
function checkNode(node: unknown): void {
  const n = node as CallGraphNode;
  if (
    n === null ||
    typeof n !== 'object' ||
    typeof n.name !== 'string' ||
    !Array.isArray(n.where) ||
    !Array.isArray(n.awaits) ||
    !Array.isArray(n.awaitedBy)
  ) {
    throw new TypeError(
      `formatCallGraph: graph must be a CallGraph from captureCallGraph() (name, detail, where, awaits, awaitedBy), got ${describe(node)}`,
    );
  }
  for (const c of n.awaits) checkNode(c);
  for (const c of n.awaitedBy) checkNode(c);
}

function render(node: CallGraphNode, indent: string, lines: string[]): void {
  lines.push(`${indent}* ${node.name}${node.detail !== '' ? ` (${node.detail})` : ''}`);
  const hasMore = node.awaits.length > 0 || node.awaitedBy.length > 0;
  for (const w of node.where.slice(0, 3)) lines.push(`${indent}${hasMore ? '|' : ' '}   at ${w}`);
  if (node.awaits.length > 0) {
    const last = node.awaitedBy.length === 0;
    lines.push(`${indent}+ awaits:`);
    for (const c of node.awaits) render(c, `${indent}${last ? '   ' : '|  '}`, lines);
  }
  if (node.awaitedBy.length > 0) {
    lines.push(`${indent}+ awaited by:`);
    for (const c of node.awaitedBy) render(c, `${indent}   `, lines);
  }
}

/** Options of `printCallGraph`: those of `captureCallGraph`, and where to write. */
export interface PrintCallGraphOptions extends CaptureOptions {
  /** Where the text goes, as asyncio's `file=` (default: stdout): `process.stderr`, a stream… */
  file?: { write(text: string): unknown };
}

/**
 * Prints the await graph of `future` (default: the current task) to stdout, or to `opts.file`
 * (asyncio's `print_call_graph`); prints nothing outside any task when `future` is not given.
 *
 * Cancellation: not a checkpoint.
 *
 * @example
 * ```ts
 * await run(async () => {
 *   const t = createTask(async () => { printCallGraph(); });
 *   await t; // prints t, awaited by the main task
 *   printCallGraph(undefined, { file: process.stderr });
 * });
 * ```
 */
export function printCallGraph(future?: Future<unknown>, opts: PrintCallGraphOptions = {}): void {
  checkOpts('printCallGraph', opts);
  const file = opts.file;
  if (file !== undefined && (file === null || typeof file.write !== 'function')) {
    throw new TypeError(`printCallGraph: opts.file must have a write(text) method, got ${describe(file)}`);
  }
  const g = captureCallGraph(future, opts);
  if (g === null) return;
  if (file === undefined) console.log(formatCallGraph(g));
  else file.write(`${formatCallGraph(g)}\n`);
}
