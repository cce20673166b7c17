/**
 * The execution context of tasks: the generator task being stepped, and the AsyncLocalStorage
 * that carries async-function tasks through their awaits (switched on lazily, by the first task
 * whose body is a plain or async function, so generator-only programs never pay for it). And the
 * users' AsyncLocalStorage context, asyncio's contextvars: captured where a task, a loop callback
 * or a done callback is made (`contextHere`), entered where it runs (`callIn`).
 */
import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import { NO_ERROR, setAwaitingTaskHook, setOnSuspend } from './hooks.js';
import { runningLoopOrUndefined, setTaskLoopHook } from '../loop/registry.js';
import type { Task } from '../task.js';
import type { EventLoop } from '../loop/eventloop.js';
import { describe } from './validate.js';

export const ctx: {
  /** The generator task being stepped, or the task whose body is being called. */
  stepping: Task<unknown> | null;
  /** Null until the first task with a function body. */
  als: AsyncLocalStorage<Task<unknown>> | null;
  /**
   * The AsyncLocalStorage context the code tulip runs now is in, as far as tulip knows: the loop's
   * own while it runs a pass, a task's while its step runs in it; null outside (unknown).
   */
  frame: RunContext | null;
  /**
   * The task whose step runs "bare" now: not in its own context but in the one it was called in,
   * as it may while no user AsyncLocalStorage has held a value (see `Task._step`).
   */
  bare: Task<unknown> | null;
} = { stepping: null, als: null, frame: null, bare: null };

/**
 * A captured AsyncLocalStorage context — asyncio's `contextvars.Context`: the value of every
 * `AsyncLocalStorage` where it was captured. An `AsyncResource` is one.
 *
 * @example
 * ```ts
 * const t = requestId.run('r1', () => createTask(job));
 * t.getContext().runInAsyncScope(() => requestId.getStore()); // 'r1'
 * ```
 */
export interface RunContext {
  // AsyncResource's own signature.
  runInAsyncScope<This, R>(fn: (this: This, ...args: any[]) => R, thisArg?: This, ...args: any[]): R;
}

/**
 * What `createTask`'s `opts.context` takes: an `AsyncResource`, or the function
 * `AsyncLocalStorage.snapshot()` returns.
 *
 * @example
 * ```ts
 * createTask(job, { context: requestId.run('r2', () => new AsyncResource('job')) });
 * ```
 */
export type ContextLike = RunContext | (<R>(fn: (...args: never[]) => R, ...args: never[]) => R);

/**
 * A context is an `AsyncResource`. Without `requireManualDestroy`: async_hooks users that track
 * resources (APM agents) get its destroy event when it is collected, and it costs nothing else
 * when no destroy hook exists.
 */
function newContext(): RunContext {
  const c = new AsyncResource('tulip.Context');
  // A store written before tulip was loaded (so never seen being written) may be held here.
  if (!userStores && holdsStores(c)) noteUserStores();
  return c;
}

/** Node 22+ with frames (24: always) keeps the stores in a frame (a Map) on each resource. */
const FRAME = Object.getOwnPropertySymbols(new AsyncResource('tulip.Probe')).find((s) => s.description === 'context_frame');

/**
 * Whether AsyncLocalStorage is kept in context frames (Node 24): then a promise costs no async
 * hook once tulip's storage is on. Without frames (Node 20) every promise runs the init hook.
 */
export const alsFrames = FRAME !== undefined;

/**
 * Node 20: the keys under which the storages enabled before tulip loaded keep their values on each
 * resource (an enabled storage writes its key onto every new resource, even to say "no value").
 * A storage enabled later does so in its first `run()` or `enterWith()`, which tulip watches.
 */
const EARLY_KEYS: symbol[] =
  FRAME === undefined ? Object.getOwnPropertySymbols(new AsyncResource('tulip.Probe')).filter((k) => k.description === 'kResourceStore') : [];

/** Whether a resource holds a value of a user's AsyncLocalStorage (tulip's own is not one). */
function holdsStores(r: object): boolean {
  const own = ctx.als;
  if (FRAME !== undefined) {
    // (A Map, though not of this realm's Map class: `instanceof Map` is false on Node 24.)
    const frame = (r as Record<symbol, unknown>)[FRAME] as Map<unknown, unknown> | undefined;
    if (frame === undefined || frame === null || typeof frame.entries !== 'function' || frame.size === 0) return false;
    if (frame.size === 1 && own !== null && frame.has(own)) return false;
    for (const [als, value] of frame.entries()) if (als !== own && value !== undefined) return true;
    return false;
  }
  for (let i = 0; i < EARLY_KEYS.length; i++) if ((r as Record<symbol, unknown>)[EARLY_KEYS[i]!] !== undefined) return true;
  return false;
}

/**
 * The AsyncLocalStorage context here, for a task or callback made now (asyncio's
 * `copy_context()`). Tulip's own store (the current task) is left out of it, unless `keepTask`
 * (an async body, which runs in a store of its own anyway).
 */
export function captureContext(keepTask = false): RunContext {
  return keepTask ? newContext() : alsExit(newContext);
}

/**
 * The context for a callback (or, with `share`, a task) made here: captured here (see
 * `captureContext`). A task made in a generator task's step (or, with an async or plain function
 * body, in an async task's code) while no user AsyncLocalStorage has ever held a value shares its
 * creator's instead, and a generator task made in an async task's code shares one copy with the
 * others made so on its loop: every context is empty, so sharing cannot be told from copying, and
 * it is free; the first write gives each sharer a context of its own (`noteUserStores`).
 * Callbacks, short-lived and not tracked, always get a copy.
 */
export function contextHere(keepTask = false, share = false): RunContext {
  if (share && !userStores) {
    const t = ctx.stepping;
    if (t !== null) {
      // (A function body runs under a store of its own, so even the context of a creator whose
      // body function is being called serves it, as in the async case below.)
      if (keepTask || t._inStep()) return sharedOn(t._loop, t._context);
      return sharedOutside(t._loop); // (a generator task made in a body function: see below)
    } else if (ctx.als !== null) {
      // In an async task's code: a function body runs under a store of its own, so the creator's
      // context (which holds the creator as tulip's store) serves it as well as a copy would. A
      // generator's steps may run in their context, which must not hold the creator: such tasks
      // share one context without tulip's store, one per loop.
      const creator = ctx.als.getStore();
      if (creator !== undefined) return keepTask ? sharedOn(creator._loop, creator._context) : sharedOutside(creator._loop);
    }
  }
  return captureContext(keepTask);
}

/** The context the generator tasks made in async code on `loop` share (see `contextHere`). */
function sharedOutside(loop: EventLoop): RunContext {
  return sharedOn(loop, (loop._outsideContext ??= captureContext(false)));
}

/**
 * The loops whose tasks were given shared contexts: the first write splits the sharers of each,
 * running or not (a stopped Runner's tasks resume in its next run). Weak: a loop let go of is gone.
 */
const sharingLoops: WeakRef<EventLoop>[] = [];

/** `c`, shared by a task made for `loop` (which is noted as sharing). */
function sharedOn(loop: EventLoop, c: RunContext): RunContext {
  if (!loop._sharesContexts) {
    loop._sharesContexts = true;
    sharingLoops.push(new WeakRef(loop));
  }
  return c;
}

/**
 * Whether a user's AsyncLocalStorage may hold a value somewhere. Set by the first `run()` or
 * `enterWith()` of a storage other than tulip's (a one-shot wrapper on the prototype, removed
 * once that write is over), or when a store written before tulip was loaded shows: held where
 * tulip loads, in a context tulip captures, or in a context given to it.
 */
export let userStores = holdsStores(new AsyncResource('tulip.Probe'));

const alsProto = AsyncLocalStorage.prototype;
const originalRun = alsProto.run;
const originalEnterWith = alsProto.enterWith;

/**
 * A first write made in a bare generator step (one run without entering its task's context, see
 * `Task._step`): the storages written since, undone at the end of the step (`endBareWrite`).
 */
export let bareWrite: Set<AsyncLocalStorage<unknown>> | null = null;

/**
 * Node 24 (frames): how many `enterWith()` calls of user storages there were, so that `callIn`
 * can tell a step or callback that wrote from one that did not (see `keepWrites`).
 */
let frameWrites = 0;

function countingEnterWith(this: AsyncLocalStorage<unknown>, store: unknown): void {
  frameWrites++;
  originalEnterWith.call(this, store);
}

/** The `enterWith` the prototype keeps once the first write was seen. */
const plainEnterWith = FRAME === undefined ? originalEnterWith : countingEnterWith;

function stopWatching(): void {
  if (alsProto.run === watchingRun) alsProto.run = originalRun;
  if (alsProto.enterWith === watchingEnterWith) alsProto.enterWith = plainEnterWith;
}

function noteUserStores(): void {
  userStores = true;
  const stepping = ctx.stepping;
  // In a bare step the write lands on the resource the step was called in, which the next entries
  // share: the watch goes on until the step ends, to undo every write made there.
  if (ctx.bare !== null) bareWrite = new Set();
  else stopWatching();
  // Every context shared so far is empty, so a fresh one is an exact copy: of the tasks sharing
  // one, all but one get their own (the stepping task, where this first write may land, keeps its),
  // on every loop that handed out shared contexts.
  const loops = new Set<EventLoop>();
  const running = stepping?._loop ?? runningLoopOrUndefined();
  if (running !== undefined) loops.add(running);
  for (const ref of sharingLoops) {
    const loop = ref.deref();
    if (loop !== undefined) loops.add(loop);
  }
  sharingLoops.length = 0;
  const seen = new Set<RunContext>();
  if (stepping !== null) seen.add(stepping._context);
  for (const loop of loops) {
    for (const t of loop._liveTasks()) {
      if (t === stepping) continue;
      if (seen.has(t._context)) t._context = captureContext(false); // (without the writer as tulip's store)
      else seen.add(t._context);
    }
  }
}

function watchingRun<R>(this: AsyncLocalStorage<unknown>, store: unknown, fn: (...args: never[]) => R, ...args: never[]): R {
  if (!userStores) noteUserStores();
  return originalRun.call(this, store, fn, ...args) as R; // (scoped: nothing to undo)
}

function watchingEnterWith(this: AsyncLocalStorage<unknown>, store: unknown): void {
  if (!userStores) noteUserStores();
  bareWrite?.add(this);
  plainEnterWith.call(this, store);
}

/**
 * The end of a bare generator step of `task` in which the first write happened: the task takes a
 * context holding what it wrote (captured here, where its writes landed), and the writes are
 * undone here (every storage was empty before the first write).
 */
export function endBareWrite(task: Task<unknown>): void {
  const written = bareWrite!;
  bareWrite = null;
  stopWatching();
  task._context = captureContext();
  for (const als of written) originalEnterWith.call(als, undefined);
}

if (!userStores) {
  alsProto.run = watchingRun as typeof alsProto.run;
  alsProto.enterWith = watchingEnterWith;
} else {
  alsProto.enterWith = plainEnterWith;
}

/**
 * The context of a task made here (see `contextHere`). An async or plain function body (`fnBody`)
 * gets a store of its own, so its copy may keep the caller's. `copy`: no sharing — for an eager
 * task, whose first step runs right here, inside whatever `als.run()` the caller is in, and for
 * one on another loop than its creator's (the first write splits the tasks of the loops noted as
 * sharing, which are the creators' loops: see `sharedOn`).
 */
export function taskContextHere(fnBody: boolean, copy: boolean): RunContext {
  return copy ? captureContext(fnBody) : contextHere(fnBody, true);
}

/**
 * A context given by the user (`opts.context`): an `AsyncResource` or a snapshot function, entered
 * with tulip's own store left out (one made inside an async task holds that task as the store).
 */
export class GivenContext implements RunContext {
  /** The user's context; a snapshot function is replaced by a resource once a step writes (Node 24). */
  constructor(public given: ContextLike) {}

  runInAsyncScope<This, R>(fn: (this: This, ...args: unknown[]) => R, thisArg?: This, ...args: unknown[]): R {
    const outside = (): R => alsExit(() => fn.apply(thisArg as This, args));
    const g = this.given;
    return typeof g === 'function' ? (g as (f: () => R) => R)(outside) : g.runInAsyncScope(outside);
  }

  /** What `getContext()` shows: the user's `AsyncResource`, or this (for a snapshot function). */
  shown(): RunContext {
    return typeof this.given === 'function' ? this : this.given;
  }
}

/** A user's context option (checked). */
export function toRunContext(op: string, c: unknown): RunContext {
  if (typeof c === 'function' || (c !== null && typeof c === 'object' && typeof (c as RunContext).runInAsyncScope === 'function')) {
    // It may hold values (it may come from before tulip watched the writes): contexts may differ.
    if (!userStores) noteUserStores();
    return new GivenContext(c as ContextLike);
  }
  throw new TypeError(
    `${op}: opts.context must be an AsyncResource or the function AsyncLocalStorage.snapshot() returns, got ${describe(c)}`,
  );
}

/** The wrappers of done callbacks added in a context of their own → the callbacks. */
type AnyFn = (...args: never[]) => unknown;
const wrapped = new WeakMap<AnyFn, AnyFn>();

/**
 * A done callback as a future keeps it (asyncio's `add_done_callback` copies the context): a
 * wrapper that calls it in a copy of the context here (`contextHere`).
 */
export function callbackHere<A>(cb: (arg: A) => unknown): (arg: A) => unknown {
  const c = contextHere();
  const w = (arg: A): unknown => callIn(c, cb, undefined, arg);
  wrapped.set(w, cb);
  return w;
}

/** The user's callback behind a `callbackHere` wrapper (or `f` itself). */
export function userCallback(f: AnyFn): AnyFn {
  return wrapped.get(f) ?? f;
}

/**
 * Runs a burst of loop passes (outside every task) in a fresh resource made from the current
 * context, so that an `AsyncLocalStorage.enterWith()` in a generator step lasts until the burst
 * ends, as it did on the host's own resource — not for the loop's whole life (on Node 20 the store
 * is written onto the current resource, which would be the loop's base context).
 */
export function runBurst(pump: () => void): void {
  new AsyncResource('tulip.Burst').runInAsyncScope(alsExit, null, pump);
}

/**
 * Calls `fn.call(self, arg)` inside context `c` (tulip's `ctx.frame` follows). What the code
 * writes there with `enterWith()` stays in `c`, as a `contextvars` `set()` stays in the context a
 * task runs in: on Node 20 the write lands on the resource itself; with frames (Node 24) it makes a
 * new frame that `runInAsyncScope` would drop on exit, so it is kept in `c` (`keepWrites`).
 */
export function callIn<S, A, R>(c: RunContext, fn: (this: S, arg: A) => R, self: S, arg: A): R {
  const prev = ctx.frame;
  ctx.frame = c;
  try {
    return FRAME === undefined ? c.runInAsyncScope(fn, self, arg) : (c.runInAsyncScope(keepWrites, c, fn, self, arg) as R);
  } finally {
    ctx.frame = prev;
  }
}

const probeResource = (): AsyncResource => new AsyncResource('tulip.Probe');

/** Node 24: runs `fn` in `this` context's scope and keeps its `enterWith()` writes there. */
function keepWrites<S, A, R>(this: RunContext, fn: (this: S, arg: A) => R, self: S, arg: A): R {
  const before = frameWrites;
  try {
    return fn.call(self, arg);
  } finally {
    if (frameWrites !== before) keepFrame(this);
  }
}

/** Node 24: `c` takes the current frame (what the code that ran in it wrote), tulip's own store left out. */
function keepFrame(c: RunContext): void {
  const frame = (alsExit(probeResource) as unknown as Record<symbol, unknown>)[FRAME!];
  const target = c instanceof GivenContext ? c.given : c;
  if (typeof target === 'function') (c as GivenContext).given = Object.assign(new AsyncResource('tulip.Context'), { [FRAME!]: frame });
  else (target as unknown as Record<symbol, unknown>)[FRAME!] = frame;
}

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

/** Switches AsyncLocalStorage on (once). tulip's own storage does not count as a user's. */
export function enableAls(): AsyncLocalStorage<Task<unknown>> {
  if (ctx.als === null) {
    const als = new AsyncLocalStorage<Task<unknown>>();
    als.run = originalRun;
    als.enterWith = originalEnterWith;
    ctx.als = als;
  }
  return ctx.als;
}

/** True while a generator task is being stepped. */
export function isStepping(): boolean {
  return ctx.stepping !== null;
}

/**
 * Runs `fn(a, b, c)` outside every task's async context and returns its result (passes, captures,
 * protocol callbacks run so; the arguments spare a hot caller a closure).
 */
export function alsExit<R, A = undefined, B = undefined, C = undefined>(fn: (a: A, b: B, c: C) => R, a?: A, b?: B, c?: C): R {
  // run(undefined), not exit(): on Node 20 exit() disables the storage, toggling the promise hooks.
  return ctx.als === null ? fn(a as A, b as B, c as C) : ctx.als.run(undefined as unknown as Task<unknown>, fn, a as A, b as B, c as C);
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

/** The loops in debug or fine mode: suspension points are recorded while there is one. */
const recorders = new Set<object>();

/**
 * Turns the recording of suspension points (and of future creation sites) on or off for `loop`
 * as it enters or leaves debug or fine mode. The hooks are removed once no loop wants them, so a
 * stall's fine mode costs nothing once it is over.
 */
export function recordSuspensions(loop: object, on: boolean): void {
  if (on) {
    recorders.add(loop);
    setOnSuspend(recordSuspension);
  } else if (recorders.delete(loop) && recorders.size === 0) {
    setOnSuspend(null);
  }
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

/**
 * Calls a task's body function in the task's context, with the task as tulip's store. Node 24
 * (and 22 with its flag) keeps AsyncLocalStorage in immutable context frames: there the store is
 * entered with `enterWith` inside the context's scope, which restores the caller's frame on exit
 * (one frame copy per task start, where `als.run()` makes two). On Node 20 `enterWith` would write
 * onto a shared resource, so `als.run()` it is.
 */
export function callTaskBody(task: Task<unknown>, body: () => unknown): unknown {
  const als = ctx.als;
  if (als === null) return body();
  if (FRAME !== undefined) return task._context.runInAsyncScope(enterAndStart, task, body);
  return als.run(task, startInContext, body);
}

function enterAndStart(this: Task<unknown>, body: () => unknown): unknown {
  ctx.als!.enterWith(this);
  return startInContext(body);
}

function asyncOk(v: unknown): void {
  const task = ctx.als!.getStore() as Task<unknown>;
  if (frameWrites !== 0) keepFrame(task._context);
  task._asyncSettled(NO_ERROR, v);
}

function asyncErr(e: unknown): void {
  const task = ctx.als!.getStore() as Task<unknown>;
  if (frameWrites !== 0) keepFrame(task._context);
  task._asyncSettled(e === NO_ERROR ? undefined : e, undefined);
}
