// Helpers shared by the combinator tests (combinators, wait and shield, in their .test.ts and
// .styles.test.ts files).
import { expect } from 'vitest';
import { getRunningLoop, type Future } from 'tulip';

/** `n` pending futures of the running loop. */
export const futures = <T>(n: number): Future<T>[] =>
  Array.from({ length: n }, () => getRunningLoop().createFuture<T>());

/**
 * Asserts that `actual` holds exactly the `expected` members, by identity. (No toEqual on futures:
 * they are iterable, and a deep comparison would walk into them.)
 */
export function expectMembers(actual: Iterable<unknown>, expected: readonly unknown[]): void {
  const got = [...actual];
  expect(got.length, 'number of members').toBe(expected.length);
  for (const x of expected) expect(got.includes(x), 'an expected member is missing').toBe(true);
}
