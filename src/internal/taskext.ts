/**
 * The parts of a task that most tasks never need (kept aside so that a Task stays small), and the
 * small helpers the task layer shares with scopes: the checks of a task's body and options.
 */
import { CancelledError } from '../errors.js';
import { Future, NO_ERROR } from '../future.js';
import type { TaskOptions } from '../tasktypes.js';
import { checkOpts, describe, isGenerator, isThenable } from './validate.js';

/**
 * Yielded by tulip's own generator code (a scope calling an async body) to wait for a promise
 * whose code runs in the task's context: its awaits are the task's waiters, so cancellation
 * reaches them, and the generator resumes when the promise settles.
 * @internal
 */
export class PromiseWait {
  constructor(readonly promise: PromiseLike<unknown>) {}
}

/** What the task knows of a cancel scope (src/cancelscope.ts). */
export interface ScopeLike {
  readonly shield: boolean;
  /** Cancelled (by `cancel()` or its timer); unlike the public `cancelCalled`, never reads the clock. */
  readonly _cancelled: boolean;
  /** The CancelledError to deliver for this scope (tagged with it). */
  _makeError(): CancelledError;
  /** A TaskGroup's child entered the scope with its group (see `TaskExt.inherited`) / has ended. */
  _adopt(task: ScopeTask): void;
  _release(task: ScopeTask): void;
}

/** A task as a scope sees it: told when the scope is cancelled or unshielded. */
export interface ScopeTask {
  _scopeChanged(): void;
}

/**
 * The scopes around a TaskGroup's block, handed to the next task constructed (its child): set
 * around the group's `loop.createTask()` call, taken by the Task constructor before any step.
 */
export const inheritNext: { scopes: ScopeLike[] | null } = { scopes: null };

/** The index of the innermost shielded scope, or -1. */
export function shieldIndex(scopes: readonly ScopeLike[]): number {
  for (let i = scopes.length - 1; i >= 0; i--) if (scopes[i]!.shield) return i;
  return -1;
}

/** The empty depth list every TaskExt starts with (frozen: a list is made on the first depth). */
export const NO_DEPTHS: number[] = Object.freeze([]) as unknown as number[];

/** `list` with `depth` added: a new list in place of `NO_DEPTHS`, else `list` itself. */
export function withDepth(list: number[], depth: number): number[] {
  if (list === NO_DEPTHS) return [depth];
  list.push(depth);
  return list;
}

/** Task state that most tasks never need, allocated on first use. */
export class TaskExt {
  /** The message of a cancel request not yet delivered. */
  cancelMsg: string | undefined = undefined;
  /** The message of the first cancel request since the count was last 0: the reason of `signal`. */
  signalMsg: string | undefined = undefined;
  /**
   * The message of the last cancel request that found no waiter to cancel (asyncio's
   * `_cancel_message`): what a cancelled gather reports when this task is its last child.
   */
  mustCancelMsg: string | undefined = undefined;
  /** An error to throw in at the next step (a bad yield, awaiting itself). */
  pendingError: unknown = NO_ERROR;
  /** A value to send in at the next step (a PromiseWait's outcome). */
  pendingValue: unknown = undefined;
  /** A PromiseWait's promise has settled: the next queue entry resumes the generator. */
  settled = false;
  /** The last future a then() was attached to while the body function ran (see `Task._start`). */
  startThen: Future<unknown> | null = null;
  ctrl: AbortController | null = null;
  /** The cancel scopes the task is in, outermost first (null: none). */
  scopes: ScopeLike[] | null = null;
  /**
   * How many of `scopes` (the first ones) the task is in as a TaskGroup's child: those around its
   * group's block (Trio: a nursery's children are inside the scopes around it). They cancel it at
   * every wait, level-triggered; it never leaves them, and a cancel from outside the task comes
   * from inside them (it is not held back by their shields).
   */
  inherited = 0;
  /**
   * False until the first step of a task born inside scopes (`inherited`): that step does not
   * deliver a scope's cancellation (the body runs to its first wait, as in Trio).
   */
  stepped = true;
  /** The deepest scope depth a pending task cancel was requested from (see _cancelFrom). */
  cancelDepth = 0;
  /** Cancel requests not taken back with `uncancel()` (asyncio's `_num_cancels_requested`). */
  cancelsRequested = 0;
  /**
   * The depths of the pending requests: a cancelled scope outside every deliverable one goes
   * first. `NO_DEPTHS` (shared, never written) until the first one.
   */
  cancelDepths: number[] = NO_DEPTHS;
  /** The depths of requests a shield held back (counted until `uncancel()` reaches zero). */
  heldDepths: number[] = NO_DEPTHS;
  /**
   * Inside cancel scopes: a task cancel was delivered by cancelling the waiter and the task has
   * not stepped yet. At that step it keeps its precedence over a scope cancelled meanwhile, as a
   * cancel that found no waiter (`_mustCancel`) does.
   */
  cancelInFlight = false;
  /** Inside cancel scopes: the waiter a scope's cancellation cancelled (see `Task._cancelAt`). */
  scopeCancelledWaiter: Future<unknown> | null = null;
  /** The task stepped: whatever cancellation reached its wait has been delivered. */
  delivered(): void {
    this.cancelInFlight = false;
    this.scopeCancelledWaiter = null;
  }
  /** > 0 while scope cancellations are held back (a TaskGroup waiting for its children). */
  protect = 0;
  /** The last task-level CancelledError made (to tell it from a scope's). */
  lastCancel: CancelledError | null = null;
  sourceStack: string | undefined = undefined;
  /** A step of this task was reported slow: fine mode records its suspension points. */
  suspect = false;
  /** Debug mode: the stack where the task last suspended (its yield* or await). */
  suspendStack: string | undefined = undefined;
  hidden = false;
  /** Failed and unretrieved, it got done callbacks: its report waits until they ran (see Task). */
  lateCallbacks = false;
  /**
   * Failed while `wait()` or `asCompleted()` watched it: its error is read later, if at all, so it
   * is reported when the task is collected (as asyncio's), not at the end of the pass.
   */
  observed = false;
}

/** The prototype of every `async function*`: such a body makes an async iterator, not a coroutine. */
const ASYNC_GENERATOR_FUNCTION = Object.getPrototypeOf(async function* () {});

export function checkBody(op: string, body: unknown): void {
  if (typeof body === 'function') {
    if (Object.getPrototypeOf(body) !== ASYNC_GENERATOR_FUNCTION) return;
    throw new TypeError(
      `${op}: a coroutine was expected, got ${describe(body)}, an async generator function (its body would never run: iterate it with for await inside an async function)`,
    );
  }
  if (isGenerator(body)) return;
  if (body instanceof Future) {
    throw new TypeError(`${op}: a coroutine was expected, got ${describe(body)} (body must be a generator or a function; a Future is already scheduled: await it)`);
  }
  if (isThenable(body)) {
    throw new TypeError(
      `${op}: a coroutine was expected, got a Promise (body must be a generator or a function): its work has already started outside the task; pass a function instead, e.g. ${op}(() => fetchIt())`,
    );
  }
  throw new TypeError(
    `${op}: a coroutine was expected, got ${describe(body)} (an awaitable is required: a generator, or a function returning a promise or a generator)`,
  );
}


/** Checks `createTask`'s options (the context is checked where it is converted), for `op`. */
export function checkTaskOptions(opts: TaskOptions, op = 'createTask'): void {
  checkOpts(op, opts);
  const name: unknown = opts.name;
  // A number is taken as its decimal text, as asyncio's `str(name)` and `setName()` take it.
  if (name !== undefined && typeof name !== 'string' && typeof name !== 'number' && typeof name !== 'bigint') {
    throw new TypeError(`${op}: opts.name must be a string (or a number), got ${describe(name)}`);
  }
  const eagerStart = opts.eagerStart;
  if (eagerStart !== undefined && typeof eagerStart !== 'boolean') {
    throw new TypeError(`${op}: opts.eagerStart must be a boolean, got ${describe(eagerStart)}`);
  }
}
