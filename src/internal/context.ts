/**
 * The execution context of tasks: the generator task being stepped, and the AsyncLocalStorage
 * that carries async-function tasks through their awaits (switched on lazily, by the first task
 * whose body is a plain or async function, so generator-only programs never pay for it).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { NO_ERROR, setAwaitingTaskHook, setOnSuspend } from '../future.js';
import { setTaskLoopHook } from '../loop/registry.js';
import type { Task } from '../task.js';

export const ctx: {
  /** The generator task being stepped, or the task whose body is being called. */
  stepping: Task<unknown> | null;
  /** Null until the first task with a function body. */
  als: AsyncLocalStorage<Task<unknown>> | null;
} = { stepping: null, als: null };

const GeneratorFunction = Object.getPrototypeOf(function* () {}).constructor as typeof Function;

/** True for a `function*` (calling it makes a generator; no async context is needed). */
export function isGeneratorFunction(fn: unknown): boolean {
  return fn instanceof GeneratorFunction;
}

const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as typeof Function;

/** True for an `async function` (or async arrow). */
export function isAsyncFunction(fn: unknown): boolean {
  return fn instanceof AsyncFunction;
}

/** Switches AsyncLocalStorage on (once). */
export function enableAls(): AsyncLocalStorage<Task<unknown>> {
  if (ctx.als === null) ctx.als = new AsyncLocalStorage();
  return ctx.als;
}

/** True while a generator task is being stepped. */
export function isStepping(): boolean {
  return ctx.stepping !== null;
}

/** Runs `fn` outside every task's async context (the loop runs its passes so). */
export function alsExit(fn: () => void): void {
  // run(undefined), not exit(): on Node 20 exit() disables the storage, toggling the promise hooks.
  if (ctx.als === null) fn();
  else ctx.als.run(undefined as unknown as Task<unknown>, fn);
}

/**
 * Calls `fn(arg)` in `task`'s async context (switching AsyncLocalStorage on if needed), so the
 * awaits of an async `fn` are the task's waiters. Generator functions are called directly.
 */
export function callInTask<A, R>(task: Task<unknown> | undefined, fn: (arg: A) => R, arg: A): R {
  if (task === undefined || isGeneratorFunction(fn)) return fn(arg);
  return enableAls().run(task, fn, arg);
}

/** The task whose code is running, in either style; undefined in a plain callback. */
export function current(): Task<unknown> | undefined {
  if (ctx.stepping !== null) return ctx.stepping;
  return ctx.als === null ? undefined : ctx.als.getStore();
}

/** Debug and fine mode's suspension hook: records where the current task suspends. */
function recordSuspension(): void {
  current()?._recordSuspension();
}

/** Turns the recording of suspension points on (debug mode, or a loop in fine mode). */
export function setOnSuspendRecording(): void {
  setOnSuspend(recordSuspension);
}

setAwaitingTaskHook(() => (ctx.als === null ? undefined : ctx.als.getStore()));
setTaskLoopHook(() => current()?._loop);

/**
 * Calls a task's body inside the task's AsyncLocalStorage context. When it returns a native
 * promise (an async function), the settlement handlers are registered right there, so they run in
 * that context too and find their task with `getStore()`: two shared functions instead of two
 * closures per task.
 */
export function startInContext(body: () => unknown): unknown {
  const r = body();
  if (r instanceof Promise) r.then(asyncOk, asyncErr);
  return r;
}

function asyncOk(v: unknown): void {
  (ctx.als!.getStore() as Task<unknown>)._asyncSettled(NO_ERROR, v);
}

function asyncErr(e: unknown): void {
  (ctx.als!.getStore() as Task<unknown>)._asyncSettled(e === NO_ERROR ? undefined : e, undefined);
}
