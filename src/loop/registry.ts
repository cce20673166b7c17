/**
 * Which loop is running: the loop of the current task, else the loop in the middle of a pass.
 */
import { RuntimeError } from '../errors.js';
import type { EventLoop } from './eventloop.js';

let passing: EventLoop | null = null;
let taskLoop: () => EventLoop | undefined = () => undefined;
/** The loops between the start and the end of runForever/runUntilComplete. */
const started = new Set<EventLoop>();

/** @internal Set by the loop when it starts and stops running. */
export function setLoopStarted(loop: EventLoop, on: boolean): void {
  if (on) started.add(loop);
  else started.delete(loop);
}

/** @internal Set by the loop around its passes. */
export function setRunningLoop(loop: EventLoop | null): void {
  passing = loop;
}

/**
 * @internal Makes `loop` the running loop until the matching call with the returned value (a
 * transport running its protocol's callbacks from a Node event, between the loop's passes).
 */
export function swapRunningLoop(loop: EventLoop | null): EventLoop | null {
  const prev = passing;
  passing = loop;
  return prev;
}

/** @internal Installed by the task layer: the current task's loop. */
export function setTaskLoopHook(hook: () => EventLoop | undefined): void {
  taskLoop = hook;
}

/** The running loop, or undefined. */
export function runningLoopOrUndefined(): EventLoop | undefined {
  return taskLoop() ?? passing ?? undefined;
}

/**
 * The loop running the current task or callback; throws `RuntimeError` outside any loop. Code
 * the loop does not run itself — an async helper of a generator task after its first `await`, a
 * Node callback — gets the one loop that is running (asyncio's loop of the thread), if only one is.
 *
 * Cancellation: not a checkpoint.
 *
 * @example
 * ```ts
 * await run(async () => { getRunningLoop().callSoon(() => console.log('soon')); });
 * ```
 */
export function getRunningLoop(): EventLoop {
  const loop = runningLoopOrUndefined();
  if (loop !== undefined) return loop;
  if (started.size === 1) for (const only of started) return only;
  if (started.size > 1) {
    throw new RuntimeError(`getRunningLoop: ${started.size} event loops are running and this code runs in neither's task or callback`);
  }
  throw new RuntimeError('getRunningLoop: no running event loop');
}

/**
 * @internal True when `getRunningLoop()` would find a loop: the calling code runs in a loop's task
 * or callback, or a loop is started (a Node callback, an async helper after its first await).
 */
export function someLoopHere(): boolean {
  return runningLoopOrUndefined() !== undefined || started.size > 0;
}

/**
 * @internal Set once any loop has had a task factory or is of a class that overrides `createTask`:
 * `createTask` and `ensureFuture` look for either only then. (Kept here, at the bottom of the
 * loop's modules, so that the task layer reads it without importing the loop's classes.)
 */
export let taskFactoryInUse = false;

/** @internal Notes that some loop makes its tasks its own way (see `taskFactoryInUse`). */
export function noteTaskFactoryInUse(): void {
  taskFactoryInUse = true;
}
