// Helpers shared by the parts of the review of the exception handler and debug mode
// (debug.review.*.test.ts).
//
// Not repeated in those parts (tested elsewhere): the keys of a failing callSoon/callLater report
// (eventloop.review), a throwing handler called directly, the broken default handler, the default
// printout of a callback error (test/loop/exceptionhandler, loop.gap), setExceptionHandler(null) and
// non-function handlers, slowCallbackDuration's validation, setDebug(true) mid-run (loop.review),
// slowCallbackDuration = 0 for a generator step (loop.audit), generator functions refused in debug
// mode (loop.gap), sleep()/timeout().run() never awaited (test/debug/dump), the debug-mode report of
// a collected future (cpython.na-recheck).
import { run, sleep } from 'tulip';
import { MockClock } from 'tulip/testing';
import { styled, type Style } from './helpers.js';

/** A task body in `style` that lets one pass go by, then throws `err`. */
export function failingAfterAPass(style: Style, err: Error) {
  return styled(
    style,
    function* (): Generator<unknown, never, unknown> {
      yield* sleep(0);
      throw err;
    },
    async (): Promise<never> => {
      await sleep(0);
      throw err;
    },
  );
}

/** The debug-mode run these tests use: virtual time, so that only the busy-waits cost real time. */
export const runDebug = <T>(main: () => Promise<T>): Promise<T> => run(main, { debug: true, clock: new MockClock({ autojumpThreshold: 0 }) });
