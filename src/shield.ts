/**
 * `shield()`: protects an awaitable from cancellation (asyncio's `shield`), and reports the error
 * of a shielded future whose shield was cancelled when nobody else reads it.
 */
import { Future, type Waiter } from './future.js';
import { checkAwaitable, ensureFuture, type Awaitable } from './task.js';

/** Inner futures reported once already ("exception in shielded future"). */
const shieldLogged = new WeakSet<Future<unknown>>();
/** Inner futures that have their one watcher, left by a cancelled shield (asyncio 3.14 keeps one). */
const shieldWatched = new WeakSet<Future<unknown>>();

/**
 * Protects an awaitable from cancellation: cancelling the returned future (or the task waiting
 * on it) does not cancel the inner one, which runs on; cancelling the inner one cancels the outer.
 * If the outer was cancelled and the inner later fails, that error goes to the exception handler
 * unless someone else reads it (awaits the inner future); a cancelled shield leaves at most one
 * watcher on the inner future, however many were cancelled (polling with `waitFor(shield(t), d)`
 * does not pile up).
 *
 * Cancellation: the wait is a checkpoint for the caller (it gets `CancelledError`), not for the
 * inner work, which keeps running and keeps its result. A promise of an async function is code
 * already running in the calling task: its own awaits still see the task's cancel. To protect an
 * async function's work, shield a task that runs it: `shield(createTask(work))`.
 *
 * @example
 * ```ts
 * const saved = await shield(createTask(() => saveToDisk(doc))); // a cancel of this task does not stop the save
 * ```
 */
export function shield<T>(aw: Awaitable<T>): Future<T> {
  checkAwaitable('shield', 'aw', aw);
  const inner = ensureFuture(aw);
  if (inner.done()) return inner;
  const loop = inner._loop;
  const outer = new Future<T>(loop);
  const onInner: Waiter = {
    _wake: () => {
      if (outer.done()) {
        // Cancelled in the pass in which the inner failed: nobody else will read the error.
        if (outer.cancelled()) reportShielded(inner);
        return;
      }
      if (inner.cancelled()) outer.cancel();
      else {
        const e = inner._awaiterError();
        if (inner._state === 2) outer._failNow(e);
        else outer.setResult(inner._value as T);
        if (inner._state === 2 && !outer._retrieved) outer._watchUnretrieved();
      }
    },
    _for: outer as Future<unknown>,
  };
  inner._addWaiter(onInner);
  outer._addWaiter({
    _wake: () => {
      if (!outer.cancelled()) {
        // Completed by its user: the inner no longer feeds it.
        if (!inner.done()) inner._removeWaiter(onInner);
        return;
      }
      if (inner.done()) {
        reportShielded(inner); // failed in this same pass (asyncio drops that error)
        return;
      }
      inner._removeWaiter(onInner);
      if (shieldWatched.has(inner)) return;
      shieldWatched.add(inner);
      inner._addWaiter(new ShieldWatcher(inner));
    },
    _hidden: true, // (the shield's own bookkeeping: the await graph leaves it out)
  });
  return outer;
}

/** Left on the inner future by a cancelled shield: reports its failure if nobody reads it. */
class ShieldWatcher implements Waiter {
  /** An observer: an error another awaiter reads counts as read. */
  readonly _observes = true;

  constructor(private readonly _inner: Future<unknown>) {}

  _wake(): void {
    reportShielded(this._inner);
  }

  toString(): string {
    return 'a cancelled shield()';
  }
}

/**
 * The outer future of a shield was cancelled: the inner's failure goes to the exception handler
 * when the next pass begins, unless someone read it by then (asyncio drops it).
 */
function reportShielded(inner: Future<unknown>): void {
  if (inner.cancelled() || inner._state !== 2) return;
  if (shieldLogged.has(inner)) return; // one report at most
  shieldLogged.add(inner);
  const exc = inner._value;
  inner._loop._reportIfUnread(inner, {
    message: `${(exc as Error)?.name ?? 'Error'} exception in shielded future`,
    exception: exc,
    future: inner,
  });
}
