// Behaviour ports of the CPython 3.13 Lib/test/test_asyncio/test_locks.py::SemaphoreTests tests that
// test/ had not ported yet (found by an audit of every test of the class against test/). asyncio's
// `sem._value` is `sem.statistics().value`.
//
// Already ported elsewhere without a `ports` comment: test_semaphore_value (test/sync/semaphore.test.ts,
// a negative value throws RangeError, asyncio's ValueError).
import { describe, expect, it } from 'vitest';
import { BoundedSemaphore, Semaphore, run } from 'tulip';
import { STYLES, styled } from './helpers.js';

describe('Semaphore (ported)', () => {
  // ports test_locks.py::SemaphoreTests.test_initial_value_zero
  it('a Semaphore(0) is locked from the start, before any loop runs', () => {
    const sem = new Semaphore(0);
    expect(sem.locked()).toBe(true);
    expect(new BoundedSemaphore(0).locked()).toBe(true);
  });

  // ports test_locks.py::SemaphoreTests.test_semaphore
  for (const style of STYLES) {
    it(`a semaphore is not awaitable itself: awaiting it takes no unit (${style})`, () =>
      run(
        styled(
          style,
          function* () {
            const sem = new Semaphore();
            expect(sem.statistics().value).toBe(1);
            let thrown: unknown = null;
            try {
              yield* (sem as unknown as Iterable<unknown>);
            } catch (e) {
              thrown = e;
            }
            expect(thrown).toBeInstanceOf(TypeError);
            expect(sem.locked()).toBe(false);
            expect(sem.statistics().value).toBe(1);
          },
          async () => {
            const sem = new Semaphore();
            expect(sem.statistics().value).toBe(1);
            expect('then' in sem).toBe(false);
            expect(await (sem as unknown)).toBe(sem);
            expect(sem.locked()).toBe(false);
            expect(sem.statistics().value).toBe(1);
          },
        ),
      ));
  }

  // ports test_locks.py::SemaphoreTests.test_release_no_waiters
  for (const [name, make] of [
    ['Semaphore', () => new Semaphore()],
    ['BoundedSemaphore', () => new BoundedSemaphore()],
  ] as const) {
    it(`acquire() of a ${name}'s only unit locks it; release() with nobody waiting unlocks it`, () =>
      run(async () => {
        const sem = make();
        expect(await sem.acquire()).toBe(true);
        expect(sem.locked()).toBe(true);
        sem.release();
        expect(sem.locked()).toBe(false);
        expect(sem.statistics()).toEqual({ value: 1, tasksWaiting: 0 });
      }));
  }
});
