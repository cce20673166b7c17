// Ports of CPython's Lib/test/test_asyncio/test_staggered.py (asyncio.staggered.staggered_race) in
// both coroutine styles, with virtual time, plus tulip's own checks (delays, input, cancellation).
import { describe, expect, it } from 'vitest';
import {
  CancelledError,
  Event,
  TimeoutError,
  getRunningLoop,
  isCancelledError,
  sleep,
  staggeredRace,
  timeout,
  type Attempt,
  type Coroutine,
} from 'tulip';
import { STYLES, ValueError, runVirtual, syncError, type Style } from './helpers.js';

/** An attempt in `style` that runs `gen` (generator) or its async twin. */
function attempt<T>(style: Style, gen: () => Coroutine<T>, asy: () => Promise<T>): Attempt<T> {
  return style === 'generator' ? gen : asy;
}

for (const style of STYLES) {
  describe(`staggeredRace (${style} attempts)`, () => {
    const coro = (i: number, fail = (_: number) => false, waitMs = (_: number) => 0): Attempt<string> =>
      attempt(
        style,
        function* () {
          if (waitMs(i) > 0) yield* sleep(waitMs(i));
          if (fail(i)) throw new ValueError(String(i));
          return `Res: ${i}`;
        },
        async () => {
          if (waitMs(i) > 0) await sleep(waitMs(i));
          if (fail(i)) throw new ValueError(String(i));
          return `Res: ${i}`;
        },
      );

    it('no attempts: no winner, no errors', () =>
      runVirtual(async () => {
        expect(await staggeredRace([], null)).toEqual([null, null, []]);
      }));

    it('the first attempt wins when it succeeds; the second never starts', () =>
      runVirtual(async () => {
        expect(await staggeredRace([coro(0), coro(1)], null)).toEqual(['Res: 0', 0, [null]]);
      }));

    it('a failed attempt starts the next at once, which wins', () =>
      runVirtual(async () => {
        const [winner, index, errors] = await staggeredRace([coro(0, (i) => i === 0), coro(1, (i) => i === 0)], null);
        expect([winner, index, errors.length]).toEqual(['Res: 1', 1, 2]);
        expect(errors[0]).toBeInstanceOf(ValueError);
        expect(errors[1]).toBeNull();
      }));

    it('a slow first attempt lets the next start after the delay; the loser is cancelled', () =>
      runVirtual(async () => {
        const t0 = getRunningLoop().time();
        const [winner, index, errors] = await staggeredRace(
          [coro(0, () => false, (i) => (i === 0 ? 10_000 : 0)), coro(1)],
          100,
        );
        expect([winner, index, errors.length, getRunningLoop().time() - t0]).toEqual(['Res: 1', 1, 2, 100]);
        expect(errors[0]).toBeInstanceOf(CancelledError);
        expect(errors[1]).toBeNull();
      }));

    it('when every attempt fails there is no winner and every error is kept', () =>
      runVirtual(async () => {
        const [winner, index, errors] = await staggeredRace([coro(0, () => true), coro(1, () => true)], null);
        expect([winner, index]).toEqual([null, null]);
        expect(errors.map((e) => (e as Error).message)).toEqual(['0', '1']);
      }));

    it('of attempts woken together the first to run wins; the others are cancelled', () =>
      runVirtual(async () => {
        const event = new Event();
        const waiter = (i: number): Attempt<number> =>
          attempt(
            style,
            function* () {
              yield* event.wait();
              return i;
            },
            async () => {
              await event.wait();
              return i;
            },
          );
        const doSet: Attempt<never> = attempt(
          style,
          function* () {
            event.set();
            yield* new Event().wait();
            throw new Error('unreachable');
          },
          async () => {
            event.set();
            await new Event().wait();
            throw new Error('unreachable');
          },
        );
        const [winner, index, errors] = await staggeredRace([waiter(0), waiter(1), doSet], 100);
        expect([winner, index, errors.length, errors[0]]).toEqual([0, 0, 3, null]);
        expect(errors[1]).toBeInstanceOf(CancelledError);
        expect(errors[2]).toBeInstanceOf(CancelledError);
      }));

    it('a cancel of the waiting task reaches the running attempt, is waited out, then raised', () =>
      runVirtual(async () => {
        const log: string[] = [];
        const attemptFn = (outer: { reschedule(w: number): void }, inner: { reschedule(w: number): void }): Attempt<void> =>
          attempt(
            style,
            function* () {
              inner.reschedule(-1);
              yield* sleep(0);
              try {
                yield* sleep(0);
              } catch (e) {
                if (isCancelledError(e)) log.push('cancelled 1');
              }
              outer.reschedule(-1);
              yield* sleep(0);
              try {
                yield* sleep(0);
              } catch (e) {
                if (isCancelledError(e)) log.push('cancelled 2');
              }
            },
            async () => {
              inner.reschedule(-1);
              await sleep(0);
              try {
                await sleep(0);
              } catch (e) {
                if (isCancelledError(e)) log.push('cancelled 1');
              }
              outer.reschedule(-1);
              await sleep(0);
              try {
                await sleep(0);
              } catch (e) {
                if (isCancelledError(e)) log.push('cancelled 2');
              }
            },
          );
        const err = await timeout(null)
          .run(async (outer) =>
            timeout(null).run(async (inner) => {
              try {
                await staggeredRace([attemptFn(outer, inner)], null);
              } catch (e) {
                if (isCancelledError(e)) log.push('cancelled 3');
                throw e;
              }
            }),
          )
          .then(
            () => null,
            (e: unknown) => e,
          );
        expect(err).toBeInstanceOf(TimeoutError);
        expect(log).toEqual(['cancelled 1', 'cancelled 2', 'cancelled 3']);
      }));

    it('with a delay, attempts start every delayMs while none has finished', () =>
      runVirtual(async () => {
        const loop = getRunningLoop();
        const t0 = loop.time();
        const started: number[] = [];
        const slow = (i: number, ms: number): Attempt<number> =>
          attempt(
            style,
            function* () {
              started.push(loop.time() - t0);
              yield* sleep(ms);
              return i;
            },
            async () => {
              started.push(loop.time() - t0);
              await sleep(ms);
              return i;
            },
          );
        const [winner, index, errors] = await staggeredRace([slow(0, 1000), slow(1, 1000), slow(2, 10)], 50);
        expect([winner, index, started, loop.time() - t0]).toEqual([2, 2, [0, 50, 100], 110]);
        expect(errors[0]).toBeInstanceOf(CancelledError);
        expect(errors[1]).toBeInstanceOf(CancelledError);
        expect(errors[2]).toBeNull();
      }));
  });
}

describe('staggeredRace bad input', () => {
  it('refuses a non-iterable, a non-function attempt and a bad delay by name, and starts nothing', () =>
    runVirtual(async () => {
      let calls = 0;
      const ok = async (): Promise<number> => ++calls;
      expect(syncError(() => staggeredRace(42 as never, null)).message).toMatch(/staggeredRace: attempts must be an iterable of functions, got 42/);
      expect(syncError(() => staggeredRace([ok, 'x' as never], null)).message).toMatch(/staggeredRace: attempts\[1\] must be a function, got .*x/);
      expect(syncError(() => staggeredRace([ok], NaN)).message).toMatch(/staggeredRace: delayMs must be a number of milliseconds or null, got NaN/);
      await sleep(10);
      expect(calls).toBe(0);
      expect(await staggeredRace([ok], null)).toEqual([1, 0, [null]]);
    }));
});

describe('staggeredRace over a lazy iterable', () => {
  it('a non-function pulled from a generator is that attempt’s TypeError, and the next one starts', () =>
    runVirtual(async () => {
      function* attempts(): Generator<Attempt<string>> {
        yield 'not a function' as never;
        yield async () => 'second';
      }
      const [result, index, errors] = await staggeredRace(attempts(), null);
      expect([result, index]).toEqual(['second', 1]);
      expect(errors[0]).toBeInstanceOf(TypeError);
      expect((errors[0] as Error).message).toMatch(/staggeredRace: attempt 0 must be a function, got .*not a function/);
    }));

  it('an endless generator of attempts is read only as far as the race goes, then closed', () =>
    runVirtual(async () => {
      let pulled = 0;
      let closed = false;
      function* attempts(): Generator<Attempt<number>> {
        try {
          for (let i = 0; ; i++) {
            pulled++;
            yield async () => {
              if (i < 2) throw new ValueError(String(i));
              return i;
            };
          }
        } finally {
          closed = true;
        }
      }
      const [result, index] = await staggeredRace(attempts(), null);
      expect([result, index]).toEqual([2, 2]);
      expect([pulled, closed]).toEqual([3, true]);
    }));
});
