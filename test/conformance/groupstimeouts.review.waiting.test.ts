// Adversarial review of TaskGroup × timeout × cancellation against CPython 3.13 asyncio: the body
// (via await / waitFor / shield / a timeout) or a sibling waiting on the very child that fails.
// Method: see groupstimeouts.review.helpers.ts. Difference found: a waiter cancelled by the group in
// the very pass its awaited child failed: tulip reported the child's error to the exception handler
// although the group collected it and raises it (asyncio: no report). Fixed since: such a report
// waits for the next pass and is dropped if someone read the error.
import { describe, expect, it } from 'vitest';
import { ExceptionGroup, TaskGroup, gather, getRunningLoop, run, shield, sleep, timeout, waitFor, type Coroutine, type Task } from 'tulip';
import { STYLES, newFuture, type Style } from './helpers.js';
import { Boom, cancelling, shape, ticker } from './groupstimeouts.review.helpers.js';

// ---- waiting on a child that fails ---------------------------------------------------------------

/** How the body (or a sibling) waits on the child that fails. */
type Wait = 'await' | 'waitFor' | 'shield' | 'timeout' | 'sibling';

/**
 * A group whose child fails at tick 2 while the body waits on that very child (`how`), or a
 * sibling awaits it. Logs what the waiter got and what the group raised; the exception handler's
 * calls go to `reports`.
 */
async function waitOnFailingChild(style: Style, how: Wait, log: unknown[], reports: string[]): Promise<void> {
  const tick = ticker();
  getRunningLoop().setExceptionHandler((_l, ctx) => reports.push(ctx.message));
  let t: ReturnType<typeof timeout> | undefined;
  const got = (e: unknown): never => {
    log.push([how === 'sibling' ? 'waiter got' : 'body got', shape(e), tick(), ...(how === 'sibling' ? [] : [cancelling()]), ...(t === undefined ? [] : [t.expired()])]);
    throw e;
  };
  let w: Task<void> | undefined;
  try {
    await new TaskGroup().run(style === 'generator'
      ? function* (tg) {
        const c = tg.createTask(function* (): Coroutine<never> { yield* sleep(0); log.push(['raise', tick()]); throw new Boom(); });
        if (how === 'sibling') {
          w = tg.createTask(function* () { try { yield* c; } catch (e) { got(e); } });
          return;
        }
        try {
          if (how === 'timeout') yield* (t = timeout(10_000)).run(function* () { yield* c; });
          else if (how === 'waitFor') yield* waitFor(c, 10_000);
          else if (how === 'shield') yield* shield(c);
          else yield* c;
        } catch (e) { got(e); }
      }
      : async (tg) => {
        const c = tg.createTask(async (): Promise<never> => { await sleep(0); log.push(['raise', tick()]); throw new Boom(); });
        if (how === 'sibling') {
          w = tg.createTask(async () => { try { await c; } catch (e) { got(e); } });
          return;
        }
        try {
          if (how === 'timeout') await (t = timeout(10_000)).run(async () => { await c; });
          else if (how === 'waitFor') await waitFor(c, 10_000);
          else if (how === 'shield') await shield(c);
          else await c;
        } catch (e) { got(e); }
      });
  } catch (e) {
    log.push(['out', shape(e), tick(), how === 'sibling' ? w!.cancelled() : cancelling()]);
  }
  await sleep(0);
}

describe('the body or a sibling waiting on the very child that fails (review)', () => {
  // asyncio 3.13 probe: the group's done callback on the child runs before the waiter's wake-up
  // (it was added first), so the waiter, cancelled while its wake-up is already due, gets a
  // CancelledError instead of the child's error; the group then raises the child's error once.
  //   await c:             [('raise', 2), ('body got', CancelledError, 3, 1), ('out', EG[Boom()], 3, 0)]
  //   wait_for(c, 10):     the same
  //   shield(c):           [('raise', 2), ('body got', CancelledError, 4, 1), ('out', EG[Boom()], 4, 0)]
  //   timeout(10): await c [('raise', 2), ('body got', CancelledError, 3, 1, expired=False), ('out', EG[Boom()], 3, 0)]
  //   a sibling awaiting c [('raise', 2), ('waiter got', CancelledError, 3), ('out', EG[Boom()], 5, waiter cancelled=True)]
  const expected: Record<Wait, unknown[]> = {
    await: [['raise', 2], ['body got', 'CancelledError', 3, 1], ['out', ['ExceptionGroup', 'Boom()'], 3, 0]],
    waitFor: [['raise', 2], ['body got', 'CancelledError', 3, 1], ['out', ['ExceptionGroup', 'Boom()'], 3, 0]],
    shield: [['raise', 2], ['body got', 'CancelledError', 4, 1], ['out', ['ExceptionGroup', 'Boom()'], 4, 0]],
    timeout: [['raise', 2], ['body got', 'CancelledError', 3, 1, false], ['out', ['ExceptionGroup', 'Boom()'], 3, 0]],
    sibling: [['raise', 2], ['waiter got', 'CancelledError', 3], ['out', ['ExceptionGroup', 'Boom()'], 5, true]],
  };
  const what: Record<Wait, string> = {
    await: 'a body awaiting its failing child',
    waitFor: 'a body in waitFor() of its failing child',
    shield: 'a body awaiting shield() of its failing child',
    timeout: 'a body awaiting its failing child inside a timeout',
    sibling: 'a sibling awaiting the failing child',
  };
  for (const style of STYLES) {
    for (const how of ['await', 'waitFor', 'shield', 'timeout', 'sibling'] as const) {
      it(`${what[how]} gets CancelledError, and the group raises the child's error once (${style})`, () =>
        run(async () => {
          const log: unknown[] = [];
          await waitOnFailingChild(style, how, log, []);
          expect(log).toEqual(expected[how]);
        }));

      // asyncio 3.13 calls no exception handler here (the probe installs one: never called; the
      // shield's inner-done callback even marks the child's error retrieved). tulip reported the
      // child's error, which the group has read and raises in its ExceptionGroup, a second time
      // ("… was cancelled before it could receive the error of …", or for shield() "Boom exception
      // in shielded future"); fixed since: DESIGN §4's report of a failure a cancel pre-empted is
      // for one nobody else reads.
      it(`${what[how]}: the error the group raises is not also sent to the exception handler (${style})`, () =>
        run(async () => {
          const reports: string[] = [];
          await waitOnFailingChild(style, how, [], reports);
          expect(reports).toEqual([]);
        }));
    }

    // asyncio 3.13 probe: [('raise', 2), ('sib cancelled', 4), ('body got', Boom(), 4, 1), ('out', EG[Boom(), Boom()], 6, 0)]
    // Unlike a plain await, gather() takes the task's cancel itself (it cancels its children),
    // then its own done callback on the failed child sets the child's error: the body gets Boom,
    // and the group holds the same error twice (the child's, then the body's).
    it(`a body gathering its children gets the child's error from gather, and the group holds it twice (${style})`, () =>
      run(async () => {
        const log: unknown[] = [];
        const tick = ticker(log);
        const got = (e: unknown): never => {
          log.push(['body got', shape(e), tick(), cancelling()]);
          throw e;
        };
        const sibCancelled = (e: unknown): never => {
          log.push(['sib cancelled', tick()]);
          throw e;
        };
        let out: unknown;
        try {
          await new TaskGroup().run(style === 'generator'
            ? function* (tg) {
              const c = tg.createTask(function* (): Coroutine<never> { yield* sleep(0); log.push(['raise', tick()]); throw new Boom(); });
              const s = tg.createTask(function* () { try { yield* newFuture(); } catch (e) { sibCancelled(e); } });
              try { yield* gather([c, s]); } catch (e) { got(e); }
            }
            : async (tg) => {
              const c = tg.createTask(async (): Promise<never> => { await sleep(0); log.push(['raise', tick()]); throw new Boom(); });
              const s = tg.createTask(async () => { try { await newFuture(); } catch (e) { sibCancelled(e); } });
              try { await gather([c, s]); } catch (e) { got(e); }
            });
        } catch (e) {
          out = e;
          log.push(['out', shape(e), tick(), cancelling()]);
        }
        expect(log).toEqual([
          ['raise', 2],
          ['sib cancelled', 4],
          ['body got', 'Boom()', 4, 1],
          ['out', ['ExceptionGroup', 'Boom()', 'Boom()'], 6, 0],
        ]);
        const errs = (out as ExceptionGroup).errors;
        expect(errs[0]).toBe(errs[1]); // the very same error object (asyncio: `eg.exceptions[0] is eg.exceptions[1]`)
      }));
  }
});
