// Helpers shared by the mixed-nesting tests (mixed.styles.test.ts and nesting.styles.test.ts): a
// scope body of either style, a task that runs an inner scope, and the two nestings of styles.
import type { Coroutine, Future, TaskBody } from 'tulip';

export type Body<T> = () => Coroutine<T> | Promise<T>;

/** A task of `style` that runs `inner()` (yield* / await) and returns its result. */
export function taskOf<T>(style: 'generator' | 'async', inner: () => Future<T>): TaskBody<T> {
  return style === 'generator'
    ? function* () {
        return yield* inner();
      }
    : async () => await inner();
}

/** The two nestings: a body of one style run by a task of the other. */
export const NESTINGS = [
  { task: 'async', body: 'generator' },
  { task: 'generator', body: 'async' },
] as const;
