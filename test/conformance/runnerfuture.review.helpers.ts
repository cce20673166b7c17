// Shared helpers of the runnerfuture.review.*.test.ts files: an adversarial review of run()/Runner
// and of the public Future/Task surface against CPython 3.13 asyncio (Lib/asyncio/runners.py,
// futures.py, tasks.py).
import { CancelledError, sleep } from 'tulip';
import { FOREVER, styled, type Style } from './helpers.js';

/** A task body in `style` that sleeps for ever; on cancellation it runs `onCancel` (which may throw or return). */
export function sleeper<T>(style: Style, onCancel: (e: CancelledError) => T, thenWait = false) {
  const handle = (e: unknown): T => {
    if (!(e instanceof CancelledError)) throw e;
    return onCancel(e);
  };
  return styled<T | undefined>(
    style,
    function* () {
      try {
        yield* sleep(FOREVER);
      } catch (e) {
        const r = handle(e);
        if (thenWait) yield* sleep(0);
        return r;
      }
      return undefined;
    },
    async () => {
      try {
        await sleep(FOREVER);
      } catch (e) {
        const r = handle(e);
        if (thenWait) await sleep(0);
        return r;
      }
      return undefined;
    },
  );
}

/** A task body in `style` that records that it ran and returns 'ran'. */
export function recorder(style: Style, ran: number[]) {
  return styled(
    style,
    // eslint-disable-next-line require-yield
    function* () {
      ran.push(1);
      return 'ran';
    },
    async () => {
      ran.push(1);
      return 'ran';
    },
  );
}
