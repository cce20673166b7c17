// Shared helpers of the twins.audit.*.test.ts files: style twins (generator versus async) of
// behaviour tests that existed in only one style.
import type { Coroutine, Future } from 'tulip';

/** Generator-style errorFrom: the error `aw` throws, or 'no error'. */
export function* errorFromG(aw: Future<unknown> | Coroutine<unknown>): Coroutine<unknown> {
  try {
    yield* aw;
  } catch (e) {
    return e;
  }
  return 'no error';
}
