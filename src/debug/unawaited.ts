/**
 * Debug mode's "was never awaited" report — the JavaScript form of asyncio's
 * `coroutine '…' was never awaited`.
 *
 * In a debug loop every future a tulip API returns (`sleep()`, `timeout(…).run(…)`, `gather()`,
 * `lock.acquire()` …) is watched by a `FinalizationRegistry` from its creation until it is first
 * awaited, `yield*`-ed or watched (`then`, iteration, a done callback). A future collected before
 * that is reported through the loop's exception handler with the stack of the code that made it.
 * Futures the user makes directly (`new Future()`, `loop.createFuture()`) and tasks (which run
 * whether or not anyone awaits them) are not watched.
 *
 * Outside debug mode nothing here runs: the hooks in `Future` cost one null check.
 *
 * The same hook remembers, in debug mode, which task created each task (the dumps put a
 * TaskGroup's children under it) and which tulip function created each future (the dumps name a
 * lock's or a queue's wait by it).
 */
import { setDebugFutureHooks, type Future } from '../future.js';
import type { EventLoop } from '../loop/eventloop.js';
import { Task } from '../task.js';
import { OWN_DIR, creators, frameFunction, frameLines, isOwnFrame, shortFrame, sites, spawners, taskSites } from './frames.js';
import { current } from '../internal/context.js';
import { futureSources } from '../internal/frames.js';

/** What the registry keeps of a watched future (never the future itself). */
interface Held {
  loop: EventLoop;
  /** The tulip function that returned it, e.g. `sleep` or `Timeout.run`. */
  api: string;
  /** The future's class, e.g. `SleepFuture`. */
  cls: string;
  /** The user frames of its creation. */
  frames: string[];
}

const DEBUG_DIR = `${OWN_DIR}debug/`;
const FUTURE_FILE = `${OWN_DIR}future.`;


const unawaited = new FinalizationRegistry<Held>((held) => {
  if (held.loop.isClosed()) return;
  const at = held.frames.length > 0 ? shortFrame(held.frames[0]!) : 'an unknown place';
  held.loop.callExceptionHandler({
    message: `${held.api}() returned a future (${held.cls}) that was never awaited, yield*-ed or watched (created at ${at})`,
    api: held.api,
    sourceStack: held.frames.join('\n'),
  });
});

/**
 * The entry points that return a future in asyncio too, not a coroutine: what they start runs
 * anyway, so a result nobody awaits is no mistake (asyncio never reports these).
 */
const FUTURE_APIS = new Set([
  'EventLoop.createFuture',
  'createFuture',
  'gather',
  'shield',
  'ensureFuture',
  'EventLoop.runInExecutor',
  'runInExecutor',
]);

let watching = false;

/**
 * A future was awaited, iterated or watched: it no longer needs watching. The task doing it now
 * waits at the line that made the future (the dumps' "where" for async tasks).
 */
function watched(fut: Future<unknown>): void {
  unawaited.unregister(fut);
  if (!fut._loop._debug) return;
  const site = sites.get(fut);
  if (site !== undefined && site.length > 0) {
    const task = current();
    if (task !== undefined) taskSites.set(task as Task<unknown>, site);
  }
}

/** Skips the frames of the hook itself, of `Future`'s constructor and of subclass constructors. */
function firstCallerIndex(frames: readonly string[]): number {
  let i = 0;
  while (i < frames.length) {
    const f = frames[i]!;
    const internal = f.includes(DEBUG_DIR) || f.includes(FUTURE_FILE) || (f.startsWith('at new ') && isOwnFrame(f));
    if (!internal) break;
    i++;
  }
  return i;
}

/** The Future constructor's debug hook (installed below; called only once `onSuspend` is set). */
function created(fut: Future<unknown>): void {
  const loop = fut._loop;
  if (!loop._debug) return;
  if (fut instanceof Task) {
    const parent = current();
    if (parent !== undefined) spawners.set(fut as Task<unknown>, parent as Task<unknown>);
    return;
  }
  const prevLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 24;
  let stack: string | undefined;
  try {
    stack = new Error('future created here').stack;
  } finally {
    Error.stackTraceLimit = prevLimit;
  }
  const frames = frameLines(stack);
  const first = firstCallerIndex(frames);
  // Where it was made, for its repr and its reports (asyncio's _source_traceback).
  const source = frames.slice(first).filter((l) => !isOwnFrame(l));
  if (source.length > 0) futureSources.set(fut, source);
  // Made by the user directly (`new Future()`, a subclass): not watched.
  if (first >= frames.length || !isOwnFrame(frames[first]!)) return;
  let userAt = first;
  while (userAt < frames.length && isOwnFrame(frames[userAt]!)) userAt++;
  // The maker: the first own frame that is not the loop's factory (a TaskGroup's, a lock's …).
  let makerAt = first;
  while (makerAt + 1 < userAt && frameFunction(frames[makerAt]!) === 'EventLoop.createFuture') makerAt++;
  const maker = frameFunction(frames[makerAt]!) ?? 'tulip';
  creators.set(fut, maker);
  // Made while no user code was on the stack (a loop callback): internal, and always awaited.
  if (userAt >= frames.length) return;
  // The entry point the user called (`sleep`, `Timeout.run`, `Lock.acquire` …).
  const api = frameFunction(frames[userAt - 1]!) ?? maker;
  const user = frames.slice(userAt).filter((l) => !isOwnFrame(l));
  sites.set(fut, user);
  // `loop.createFuture()` called by the user: theirs to manage, not watched; nor a future whose
  // asyncio counterpart is a future too (the work runs whether or not anyone awaits it).
  if (FUTURE_APIS.has(api)) return;
  if (!watching) {
    watching = true;
    setDebugFutureHooks(created, watched);
  }
  unawaited.register(fut, { loop, api, cls: fut.constructor.name, frames: user }, fut);
}

setDebugFutureHooks(created, null);
