/**
 * The tasks an event loop owns and the failures it reports for them: the live-task list (asyncio's
 * strong task references: a task is the loop's until it ends, and `allTasks()` and `close()` walk
 * it) and the reports of errors nobody read, made when the next pass begins. `PassLoop`
 * (passes.ts) builds on it.
 */
import type { Future } from '../future.js';
import type { Task } from '../task.js';
import type { ExceptionContext } from './exceptions.js';
import { LoopServices } from './services.js';

export abstract class LoopTasks extends LoopServices {
  /** @internal The live tasks, newest first: an intrusive list (the loop owns its tasks). */
  _liveHead: Task<unknown> | null = null;
  /** @internal */ _unretrieved: Future<unknown>[] = [];
  /**
   * @internal Failures kept from an awaiter by a cancel that came first (or by a cancelled
   * shield): reported when the next pass begins, unless someone else read them by then.
   */
  private _unreadLost: Array<{ fut: Future<unknown>; context: ExceptionContext }> = [];

  /** @internal Adds a new task to the live-task list (the loop owns its tasks until they end). */
  _linkLive(t: Task<unknown>): void {
    const head = this._liveHead;
    if (head !== null) head._prevLive = t;
    t._nextLive = head;
    this._liveHead = t;
  }

  /** @internal Takes a task that ended out of the live-task list. */
  _unlinkLive(t: Task<unknown>): void {
    const prev = t._prevLive;
    const next = t._nextLive;
    if (prev !== null) prev._nextLive = next;
    else if (this._liveHead === t) this._liveHead = next;
    if (next !== null) next._prevLive = prev;
    t._prevLive = null;
    t._nextLive = null;
  }

  /** @internal True while `t` is in the live-task list. */
  _isLive(t: Task<unknown>): boolean {
    return t._prevLive !== null || t._nextLive !== null || this._liveHead === t;
  }

  /** @internal The tasks not done yet, oldest first. */
  _liveTasks(): Task<unknown>[] {
    const out: Task<unknown>[] = [];
    for (let t = this._liveHead; t !== null; t = t._nextLive) out.push(t);
    return out.reverse();
  }

  /**
   * @internal Reports `context` (about `fut`'s failure, which a cancel kept from its awaiter) when
   * the next pass begins, unless someone read the error by then (a TaskGroup, another awaiter):
   * nothing is lost, and nothing is reported twice (a report counts as a read).
   */
  _reportIfUnread(fut: Future<unknown>, context: ExceptionContext): void {
    this._unreadLost.push({ fut, context });
  }

  /** At the start of a pass: reports what failed in the last one with nobody reading the error. */
  protected _reportUnread(): void {
    if (this._unreadLost.length > 0) this._reportUnreadLost();
    if (this._unretrieved.length > 0) this._reportUnretrieved();
  }

  /** At close: reports every failure nobody read. */
  protected _reportAllUnread(): void {
    this._reportUnreadLost();
    // (a task whose report waits for late callbacks puts itself back once: report until none is left)
    while (this._unretrieved.length > 0) this._reportUnretrieved();
  }

  /** Reports the failures `_reportIfUnread` kept that nobody read since. */
  private _reportUnreadLost(): void {
    const list = this._unreadLost;
    this._unreadLost = [];
    for (const { fut, context } of list) {
      if (fut._state !== 2 || fut._errorRead(true)) continue; // (marked read: reported once)
      fut._markRetrieved();
      this.callExceptionHandler(context);
    }
  }

  /** Reports the futures that failed in the last pass with nobody reading their error. */
  private _reportUnretrieved(): void {
    const list = this._unretrieved;
    this._unretrieved = [];
    for (const fut of list) fut._reportIfUnretrieved();
  }
}
