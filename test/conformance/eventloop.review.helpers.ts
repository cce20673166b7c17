// Helpers shared by the parts of the review of the EventLoop API (eventloop.review.*.test.ts).
import { sleep, type EventLoop, type TaskBody } from 'tulip';
import { passCounter, styled, type Style } from './helpers.js';

/** Starts a callSoon chain on `loop` (before anything else is scheduled) and returns its counter. */
export function ticker(loop: EventLoop): () => number {
  return passCounter(loop);
}

/** A body in `style` that lets `n` passes go by and returns `value`. */
export function after<T>(style: Style, n: number, value: T): TaskBody<T> {
  return styled(
    style,
    function* () {
      for (let i = 0; i < n; i++) yield* sleep(0);
      return value;
    },
    async () => {
      for (let i = 0; i < n; i++) await sleep(0);
      return value;
    },
  );
}
