// Helpers shared by the parts of the wait()/asCompleted()/gather() review against CPython 3.13
// asyncio (waitcompleted.review.*.test.ts).
import { sleep, type Future, type TaskBody } from 'tulip';
import { styled, type Style } from './helpers.js';

/** What `timed` gives: the value or the error, with the passes the wait took. */
export type Outcome<T> = { ok: true; value: T; ticks: number } | { ok: false; error: unknown; ticks: number };

/**
 * A task body in `style` that calls `op()` when it starts, waits for what it returns and gives the
 * outcome with the number of passes the wait took.
 */
export function timed<T>(style: Style, tick: () => number, op: () => Future<T>): TaskBody<Outcome<T>> {
  return styled(
    style,
    function* () {
      const t0 = tick();
      try {
        const value = yield* op();
        return { ok: true as const, value, ticks: tick() - t0 };
      } catch (error) {
        return { ok: false as const, error, ticks: tick() - t0 };
      }
    },
    async () => {
      const t0 = tick();
      try {
        const value = await op();
        return { ok: true as const, value, ticks: tick() - t0 };
      } catch (error) {
        return { ok: false as const, error, ticks: tick() - t0 };
      }
    },
  );
}

/** A task body in `style` that sleeps `n` passes, then returns `value` (or throws it, if an Error). */
export function job<T>(style: Style, n: number, value: T | Error): TaskBody<T> {
  return styled(
    style,
    function* () {
      for (let i = 0; i < n; i++) yield* sleep(0);
      if (value instanceof Error) throw value;
      return value;
    },
    async () => {
      for (let i = 0; i < n; i++) await sleep(0);
      if (value instanceof Error) throw value;
      return value;
    },
  );
}
