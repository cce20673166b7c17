/**
 * Debugging tools: what asyncio 3.14's `asyncio.graph` and `python -m asyncio pstree` show, and
 * what asyncio's debug mode reports, for tulip.
 *
 * - **The await graph**: `captureCallGraph(task?)` returns what a task awaits (a future, a task, a
 *   gather of tasks, a lock's or a queue's wait …) and who awaits it, recursively;
 *   `formatCallGraph(graph)` turns it into text and `printCallGraph(task?)` prints it.
 * - **Task dumps**: `loop.dumpTasks()` / `dumpTasks(loop?)` show every live task of a loop as a
 *   tree, with its state, what it waits on and where it is; `captureTasks(loop?)` gives the same
 *   as data, `printTasks(loop?)` prints it.
 * - **Debug mode** (`run(main, { debug: true })`, `loop.setDebug(true)`): task creation stacks,
 *   suspension points, slow-step reports, and futures returned by tulip APIs that are never
 *   awaited (`sleep(100)` without `await`/`yield*`) reported through the exception handler with
 *   the stack that created them.
 *
 * Everything here reads the runtime's own links (a task's waiter, a future's waiters), so it costs
 * nothing until it is called; only debug mode records stacks.
 *
 * Cancellation: nothing here waits or cancels.
 *
 * @example
 * ```ts
 * import { run, createTask, sleep, gather, printCallGraph, getRunningLoop } from 'tulip';
 *
 * await run(async () => {
 *   const leaf = createTask(async () => { printCallGraph(); await sleep(10); }, { name: 'leaf' });
 *   await gather([leaf]);
 *   console.log(getRunningLoop().dumpTasks());
 * }, { debug: true });
 * ```
 *
 * @module
 */
export {
  captureCallGraph,
  formatCallGraph,
  printCallGraph,
  type CallGraph,
  type CallGraphNode,
  type CallGraphKind,
  type CaptureOptions,
  type PrintCallGraphOptions,
} from './graph.js';
export { dumpTasks, printTasks, captureTasks, formatTasks, type TaskDumpEntry, type DumpOptions } from './dump.js';
