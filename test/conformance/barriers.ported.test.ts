// Behaviour ports of the CPython 3.13 Lib/test/test_asyncio/test_locks.py::BarrierTests tests that
// test/ had not ported yet (found by an audit of every test of the class against test/). asyncio's
// "'Barrier' object can't be awaited" is, in a generator task, the TypeError of `yield* barrier` (a
// barrier is not iterable) and, in an async task, `await barrier` giving the barrier back unchanged.
import { describe, expect, it } from 'vitest';
import { Barrier, run } from 'tulip';
import { STYLES, styled } from './helpers.js';

describe('Barrier (ported)', () => {
  // ports test_locks.py::BarrierTests.test_barrier
  for (const style of STYLES) {
    it(`a new barrier is filling, and awaiting the barrier itself leaves it filling (${style})`, () =>
      run(
        styled(
          style,
          function* () {
            const barrier = new Barrier(5);
            expect(String(barrier)).toContain('filling');
            let thrown: unknown = null;
            try {
              yield* (barrier as unknown as Iterable<unknown>);
            } catch (e) {
              thrown = e;
            }
            expect(thrown).toBeInstanceOf(TypeError);
            expect(String(barrier)).toContain('filling');
            expect(barrier.statistics()).toEqual({ parties: 5, nWaiting: 0, state: 'filling' });
            expect(barrier.broken).toBe(false);
          },
          async () => {
            const barrier = new Barrier(5);
            expect(String(barrier)).toContain('filling');
            expect('then' in barrier).toBe(false);
            expect(await (barrier as unknown)).toBe(barrier);
            expect(String(barrier)).toContain('filling');
            expect(barrier.statistics()).toEqual({ parties: 5, nWaiting: 0, state: 'filling' });
            expect(barrier.broken).toBe(false);
          },
        ),
      ));
  }
});
