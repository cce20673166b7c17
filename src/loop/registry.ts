/**
 * Which loop is running: the loop of the current task, else the loop in the middle of a pass.
 */
import { RuntimeError } from '../errors.js';
import type { EventLoop } from './eventloop.js';

let passing: EventLoop | null = null;
let taskLoop: () => EventLoop | undefined = () => undefined;

/** @internal Set by the loop around its passes. */
export function setRunningLoop(loop: EventLoop | null): void {
  passing = loop;
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
 * The loop running the current task or callback; throws `RuntimeError` outside any loop.
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
  if (loop === undefined) throw new RuntimeError('getRunningLoop: no running event loop');
  return loop;
}
