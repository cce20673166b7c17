// Unit tests of src/combinators.ts (sleep, gather, wait), src/ascompleted.ts and src/shield.ts — argument
// checks, both coroutine styles, and timers (behaviour ports live in test/conformance).
import { describe, it, expect } from 'vitest';
import {
  ALL_COMPLETED,
  CancelledError,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  RuntimeError,
  asCompleted,
  createTask,
  gather,
  getRunningLoop,
  run,
  shield,
  sleep,
  wait,
  } from 'tulip';
import { runBriefly } from 'tulip/testing';
import { STYLES, newFuture, runVirtual, styled, syncError } from './support.js';

describe('sleep', () => {
  for (const style of STYLES) {
    it(`returns its result after the delay on the loop clock (${style})`, () =>
      runVirtual(
        styled(
          style,
          function* () {
            const v = yield* sleep(250, 'woke');
            expect(v).toBe('woke');
            expect(getRunningLoop().time()).toBe(250);
          },
          async () => {
            const v = await sleep(250, 'woke');
            expect(v).toBe('woke');
            expect(getRunningLoop().time()).toBe(250);
          },
        ),
      ));

    it(`sleep(0, value) returns the value after one pass (${style})`, () =>
      run(
        styled(
          style,
          function* () {
            const log: string[] = [];
            getRunningLoop().callSoon(() => log.push('other'));
            const v = yield* sleep(0, 'v');
            expect(v).toBe('v');
            expect(log).toEqual(['other']);
          },
          async () => {
            const log: string[] = [];
            getRunningLoop().callSoon(() => log.push('other'));
            const v = await sleep(0, 'v');
            expect(v).toBe('v');
            expect(log).toEqual(['other']);
          },
        ),
      ));
  }

  it('cancelling the sleeping task removes its timer: virtual time no longer jumps to its deadline', () =>
    runVirtual(async () => {
      const t = createTask(async () => {
        await sleep(1e9);
      });
      await runBriefly();
      t.cancel();
      await expect(t).rejects.toBeInstanceOf(CancelledError);
      // Blocked on real I/O with autojump on: a live timer would make time jump to it.
      await new Promise((r) => setTimeout(r, 2));
      expect(getRunningLoop().time()).toBe(0);
    }));

  it('cancelling the sleep future itself removes its timer too', () =>
    runVirtual(async () => {
      const s = sleep(1e9);
      s.cancel();
      expect(s.cancelled()).toBe(true);
      await new Promise((r) => setTimeout(r, 2));
      expect(getRunningLoop().time()).toBe(0);
    }));

  it('refuses bad delays with errors naming delayMs and what came (a negative one is 0), and works afterwards', () =>
    run(async () => {
      const a = syncError(() => sleep('10' as never));
      expect(a).toBeInstanceOf(TypeError);
      expect(a.message).toBe('sleep: delayMs must be a number of milliseconds, got "10"');
      expect(await sleep(-1, 'past')).toBe('past'); // negative: 0, as asyncio's sleep
      const c = syncError(() => sleep(NaN));
      expect(c).toBeInstanceOf(RangeError);
      expect(c.message).toMatch(/^sleep: Invalid delay: NaN \(not a number\); delayMs must be a number of milliseconds$/);
      expect(syncError(() => sleep(undefined as never))).toBeInstanceOf(TypeError);
      expect(await sleep(0, 'ok')).toBe('ok');
    }));

  it('outside a running loop throws RuntimeError', () => {
    expect(() => sleep(1)).toThrow(RuntimeError);
  });
});

describe('gather', () => {
  for (const style of STYLES) {
    it(`returns the results in argument order whatever the completion order (${style})`, () =>
      runVirtual(
        styled(
          style,
          function* () {
            const r = yield* gather([sleep(30, 'a'), sleep(10, 'b'), sleep(20, 'c')]);
            expect(r).toEqual(['a', 'b', 'c']);
          },
          async () => {
            const r = await gather([sleep(30, 'a'), sleep(10, 'b'), sleep(20, 'c')]);
            expect(r).toEqual(['a', 'b', 'c']);
          },
        ),
      ));
  }

  it('a bad item after some tasks leaves those tasks unwatched: they finish and nobody holds their result', () =>
    run(function* () {
      const seen: unknown[] = [];
      const a = createTask(function* () {
        yield* sleep(0);
        return 'a';
      });
      const b = createTask(function* () {
        yield* sleep(0);
        return 'b';
      });
      a.addDoneCallback(() => seen.push('a done'));
      expect(() => gather([a, b, 42 as never])).toThrow(/aws\[2\] must be a Future, a coroutine or a promise, got 42/);
      expect([a._entries().length, b._entries().length]).toEqual([1, 0]); // only the done callback
      // Tasks then a promise: the general path after the fast one was taken back; each counted once.
      expect(yield* gather([a, b, Promise.resolve('p'), a])).toEqual(['a', 'b', 'p', 'a']);
      expect(seen).toEqual(['a done']);
    }));

  it('gather([]) resolves to an empty array', () =>
    run(async () => {
      expect(await gather([])).toEqual([]);
    }));

  it('returnExceptions puts errors and results side by side', () =>
    run(async () => {
      const err = new Error('second');
      const r = await gather(
        [
          sleep(0, 1),
          (async () => {
            throw err;
          })(),
          Promise.resolve(3),
        ],
        { returnExceptions: true },
      );
      expect(r[0]).toBe(1);
      expect(r[1]).toBe(err);
      expect(r[2]).toBe(3);
    }));

  it('refuses a non-iterable, a generator object and items that are not awaitable, naming the position', () =>
    run(async () => {
      const a = syncError(() => gather(42 as never));
      expect(a).toBeInstanceOf(TypeError);
      expect(a.message).toBe('gather: aws must be an array of awaitables, got 42');
      for (const missing of [undefined, null]) {
        expect(syncError(() => gather(missing as never)).message).toBe(`gather: aws must be an array of awaitables, got ${missing}`);
      }
      const b = syncError(() =>
        gather(
          (function* () {
            yield 1;
          })() as never,
        ),
      );
      expect(b).toBeInstanceOf(TypeError);
      const c = syncError(() => gather([sleep(0), 'x'] as never));
      expect(c).toBeInstanceOf(TypeError);
      expect(c.message).toBe('gather: aws[1] must be a Future, a coroutine or a promise, got "x"');
      expect(syncError(() => gather(null as never)).message).toMatch(/got null$/);
      expect(await gather([sleep(0, 'fine')])).toEqual(['fine']);
    }));

  it('a refused gather starts none of the awaitables before the bad one', () =>
    run(async () => {
      let started = false;
      const gen = (function* () {
        started = true;
        yield* sleep(0);
      })();
      expect(() => gather([gen, 42] as never)).toThrow(TypeError);
      await runBriefly(2);
      expect(started).toBe(false);
    }));
});

describe('wait', () => {
  for (const style of STYLES) {
    it(`FIRST_COMPLETED returns when the first future is done and leaves the rest pending (${style})`, () =>
      runVirtual(
        styled(
          style,
          function* () {
            const a = createTask(function* () {
              yield* sleep(10);
            });
            const b = createTask(function* () {
              yield* sleep(1000);
            });
            const { done, pending } = yield* wait([a, b], { returnWhen: FIRST_COMPLETED });
            expect(done.has(a) && done.size === 1).toBe(true);
            expect(pending.has(b) && pending.size === 1).toBe(true);
            expect(getRunningLoop().time()).toBe(10);
            b.cancel();
          },
          async () => {
            const a = createTask(async () => {
              await sleep(10);
            });
            const b = createTask(async () => {
              await sleep(1000);
            });
            const { done, pending } = await wait([a, b], { returnWhen: FIRST_COMPLETED });
            expect(done.has(a) && done.size === 1).toBe(true);
            expect(pending.has(b) && pending.size === 1).toBe(true);
            expect(getRunningLoop().time()).toBe(10);
            b.cancel();
          },
        ),
      ));
  }

  it('the timeout leaves no timer behind when the futures finish first', () =>
    runVirtual(async () => {
      const f = newFuture<number>();
      getRunningLoop().callSoon(() => f.setResult(1));
      const { done } = await wait([f], { timeout: 1e9, returnWhen: ALL_COMPLETED });
      expect(done.has(f)).toBe(true);
      await new Promise((r) => setTimeout(r, 2)); // with autojump on, a live timer would be jumped to
      expect(getRunningLoop().time()).toBe(0);
    }));

  it('refuses a bad returnWhen with a RangeError naming it and what came', () =>
    run(async () => {
      const f = newFuture();
      const e = syncError(() => wait([f], { returnWhen: 'FIRST' }));
      expect(e).toBeInstanceOf(RangeError);
      expect(e.message).toBe('wait: Invalid returnWhen value: "FIRST" (expected FIRST_COMPLETED, FIRST_EXCEPTION or ALL_COMPLETED)');
      f.setResult(1);
      const { done } = await wait([f], { returnWhen: FIRST_EXCEPTION });
      expect(done.has(f)).toBe(true);
    }));

  it('refuses an empty set, non-futures, a NaN or non-number timeout and a non-iterable, naming what came', () =>
    run(async () => {
      const empty = syncError(() => wait([]));
      expect(empty).toBeInstanceOf(RangeError);
      expect(empty.message).toBe('wait: Set of Tasks/Futures is empty.');
      const item = syncError(() => wait([Promise.resolve(1)] as never));
      expect(item).toBeInstanceOf(TypeError);
      expect(item.message).toBe('wait: every item must be a Future or Task, got a Promise');
      const f = newFuture();
      const neg = wait([f], { timeout: -5 }); // (negative: 0, as asyncio)
      expect((await neg).pending.has(f)).toBe(true);
      const nan = syncError(() => wait([f], { timeout: NaN }));
      expect(nan).toBeInstanceOf(RangeError);
      const str = syncError(() => wait([f], { timeout: '1' as never }));
      expect(str).toBeInstanceOf(TypeError);
      const notIter = syncError(() => wait(7 as never));
      expect(notIter).toBeInstanceOf(TypeError);
      expect(notIter.message).toBe('wait: aws must be an iterable of futures, got 7');
      f.cancel();
    }));

  it('accepts the Futures that sleep() returns, also sleep(0)', () =>
    run(async () => {
      const { done, pending } = await wait([sleep(0), sleep(1)]);
      expect(done.size).toBe(2);
      expect(pending.size).toBe(0);
    }));
});

describe('options that are not an object', () => {
  it('gather, wait and asCompleted refuse them with a TypeError naming the call and opts', () =>
    run(async () => {
      const f = sleep(0);
      for (const [op, call] of [
        ['gather', () => gather([f], 5 as never)],
        ['wait', () => wait([f], null as never)],
        ['asCompleted', () => asCompleted([f], 'fast' as never)],
      ] as const) {
        const e = syncError(call);
        expect(e).toBeInstanceOf(TypeError);
        expect(e.message).toMatch(new RegExp(`^${op}: opts must be an object, got `));
      }
      await f;
    }));
});

describe('asCompleted', () => {
  it('refuses a NaN timeout and a non-iterable, naming what came', () =>
    run(async () => {
      const t = syncError(() => asCompleted([sleep(0)], { timeout: NaN }));
      expect(t).toBeInstanceOf(RangeError);
      expect(t.message).toMatch(/^asCompleted: Invalid delay: NaN/);
      const n = syncError(() => asCompleted(5 as never));
      expect(n).toBeInstanceOf(TypeError);
      expect(n.message).toBe('asCompleted: aws must be an iterable of awaitables, got 5');
      const x = syncError(() => asCompleted([42] as never));
      expect(x).toBeInstanceOf(TypeError);
      expect(x.message).toMatch(/got 42$/);
    }));

  for (const style of STYLES) {
    it(`plain iteration gives results in completion order (${style})`, () =>
      runVirtual(
        styled(
          style,
          function* () {
            const out: string[] = [];
            for (const f of asCompleted([sleep(30, 'slow'), sleep(10, 'fast'), sleep(20, 'mid')])) {
              out.push(yield* f);
            }
            expect(out).toEqual(['fast', 'mid', 'slow']);
          },
          async () => {
            const out: string[] = [];
            for (const f of asCompleted([sleep(30, 'slow'), sleep(10, 'fast'), sleep(20, 'mid')])) {
              out.push(await f);
            }
            expect(out).toEqual(['fast', 'mid', 'slow']);
          },
        ),
      ));
  }
});

describe('shield', () => {
  for (const style of STYLES) {
    it(`a cancelled waiter gets CancelledError while the shielded work finishes (${style})`, () =>
      runVirtual(async () => {
        const inner = createTask(async () => {
          await sleep(50);
          return 'saved';
        });
        const waiter = createTask(
          styled(
            style,
            function* () {
              return yield* shield(inner);
            },
            async () => shield(inner),
          ),
        );
        await sleep(10);
        waiter.cancel();
        await expect(waiter).rejects.toBeInstanceOf(CancelledError);
        expect(inner.done()).toBe(false);
        expect(await inner).toBe('saved');
        expect(getRunningLoop().time()).toBe(50);
      }));
  }

  it('shield() of a non-awaitable throws TypeError', () =>
    run(async () => {
      expect(() => shield(42 as never)).toThrow(TypeError);
      expect(() => shield(42 as never)).toThrow('shield: aw must be a Future, a coroutine or a promise, got 42');
    }));
});
