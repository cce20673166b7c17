/**
 * What a future reports about itself: the state part of its repr, and the bookkeeping behind
 * "exception was never retrieved" for plain futures, which asyncio reports when such a future is
 * garbage-collected — a FinalizationRegistry of failed futures nobody has read yet (whether someone
 * read an error is a bit of the future's own flags). Failures are rare, so this costs the common
 * path nothing. (Tasks are reported at the end of a pass instead; see TaskInfo.)
 */
import type { EventLoop } from '../loop/eventloop.js';
import { userCallback } from './context.js';
import { formatValue } from './validate.js';

/** What a collected future's report needs: everything but the future, which is gone by then. */
interface Unread {
  loop: EventLoop;
  exception: unknown;
  kind: string;
  sourceStack: string | undefined;
}

/**
 * Reports futures whose error nobody read, when they are garbage-collected (as asyncio), also
 * after their loop closed: most futures of a short `run()` are collected only then.
 */
const unread = new FinalizationRegistry<Unread>((held) => {
  held.loop.callExceptionHandler({
    message: `${held.kind} exception was never retrieved`,
    exception: held.exception,
    // Debug mode: where it was made (asyncio's source_traceback).
    ...(held.sourceStack !== undefined ? { sourceStack: held.sourceStack } : {}),
  });
});

/** The unregister tokens of the futures `unread` watches. */
const unreadTokens = new WeakMap<object, object>();

/** Watches `fut`, failed with nobody to read its error: reported with `held` if it is collected unread. */
export function watchUnread(fut: object, held: Unread): void {
  const token = {};
  unreadTokens.set(fut, token);
  unread.register(fut, held, token);
}

/** `fut`'s error was retrieved: it is no longer reported when collected. */
export function forgetUnread(fut: object): void {
  const token = unreadTokens.get(fut);
  if (token === undefined) return;
  unread.unregister(token);
  unreadTokens.delete(fut);
}

/**
 * A future's state as asyncio's repr shows it: a failed future is `finished` with its
 * `exception=`, a finished one shows its `result=`, a pending one its done callbacks (`cb=[first(),
 * <n more>, last()]`; the tasks and awaiters waiting show on their own side: `wait_for=`, the
 * await graph).
 */
export function stateInfo(state: number, value: unknown, entries: readonly unknown[]): string[] {
  switch (state) {
    case 1:
      return ['finished', `result=${formatValue(value)}`];
    case 2:
      return ['finished', `exception=${formatValue(value)}`];
    case 3:
      return ['cancelled'];
    default: {
      const cbs: string[] = [];
      for (const e of entries) if (typeof e === 'function') cbs.push(`${userCallback(e as (...a: never[]) => unknown).name || '(anonymous)'}()`);
      if (cbs.length === 0) return ['pending'];
      const shown = cbs.length <= 2 ? cbs : [cbs[0]!, `<${cbs.length - 2} more>`, cbs[cbs.length - 1]!];
      return ['pending', `cb=[${shown.join(', ')}]`];
    }
  }
}
