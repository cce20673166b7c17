// Adversarial review of tulip/testing's MockClock (a jump before run(), bad values, autojump and
// what holds it back, runBriefly, rate and threshold changed at run time) against real Trio 0.22
// (trio.testing.MockClock) and against CPython 3.13 asyncio under virtual time (a SelectorEventLoop
// whose time() returns a variable that the probe moves by hand, as a MockClock jump does). Every
// expectation was checked with a probe; the probe's output is quoted above the test. Trio seconds
// are milliseconds here. Where tulip differs, the test carries the reference's expectation as
// `it.fails`.
import { describe, expect, it } from 'vitest';
import { createTask, ensureFuture, gather, getRunningLoop, run, sleep, timeout } from 'tulip';
import { MockClock, runBriefly, waitAllTasksBlocked } from 'tulip/testing';
import { STYLES, now, runVirtual, styled, syncError } from '../conformance/helpers.js';

/** A host (non-loop) wait of `ms` real milliseconds. */
const hostDelay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// ---- MockClock ------------------------------------------------------------------------------------

describe('MockClock (trio.testing.MockClock)', () => {
  for (const style of STYLES) {
    it(`a jump made before run() is the loop's time at the start, and a clock reused by a second run() goes on from there (${style})`, async () => {
      // trio 0.22: c = MockClock(); c.jump(5); trio.run(m, clock=c) -> 'time at start after
      // pre-jump 5.0', after c.jump(2) inside -> 7.0; a second trio.run(m2, clock=c) -> 'second run starts at 7.0'.
      const clock = new MockClock();
      clock.jump(5);
      const seen: number[] = [];
      await run(
        styled(
          style,
          function* () {
            seen.push(now());
            yield* sleep(0);
            clock.jump(2);
            seen.push(now());
          },
          async () => {
            seen.push(now());
            await sleep(0);
            clock.jump(2);
            seen.push(now());
          },
        ),
        { clock },
      );
      await run(() => void seen.push(now()), { clock });
      expect(seen).toEqual([5, 7, 7]);
    });
  }

  it('bad values given to a clock that drives a running loop are refused naming the argument, and the loop still autojumps', () => {
    // trio 0.22 (t1_clock.py, m3): inside trio.run, c.jump(-1) -> ValueError "time can't go
    // backwards", c.rate = -5 -> ValueError "rate must be >= 0"; then trio.sleep(1000) -> 1000.0.
    // (Trio accepts rate=nan — current_time() becomes nan — and autojump_threshold=-1; tulip
    // refuses both: a deliberate, stricter check.)
    const clock = new MockClock({ autojumpThreshold: 0 });
    return run(
      async () => {
        const refusals: [() => unknown, ErrorConstructor, string][] = [
          [() => clock.jump(-1), RangeError, 'MockClock.jump: ms must not be negative, got -1'],
          [() => clock.jump(-1e-9), RangeError, 'MockClock.jump: ms must not be negative, got -1e-9'],
          [() => clock.jump(NaN), TypeError, 'MockClock.jump: ms must be a non-negative number, got NaN'],
          [() => (clock.rate = NaN), TypeError, 'MockClock.rate: rate must be a non-negative number, got NaN'],
          [() => (clock.rate = -5), RangeError, 'MockClock.rate: rate must not be negative, got -5'],
          [
            () => (clock.autojumpThreshold = -1),
            RangeError,
            'MockClock.autojumpThreshold: autojumpThreshold must not be negative, got -1',
          ],
        ];
        for (const [call, cls, message] of refusals) {
          const e = syncError(call);
          expect(e).toBeInstanceOf(cls);
          expect(e.message).toBe(message);
        }
        expect([clock.rate, clock.autojumpThreshold, clock.now()]).toEqual([0, 0, 0]);
        await sleep(1000);
        expect(now()).toBe(1000);
      },
      { clock },
    );
  });

  it('new MockClock({ rate: NaN }) is refused naming rate (Trio would give a clock whose time is NaN)', () => {
    // trio 0.22: MockClock(rate=float('nan')) is accepted and current_time() is nan.
    const e = syncError(() => new MockClock({ rate: NaN }));
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toBe('MockClock: rate must be a non-negative number, got NaN');
  });

  for (const style of STYLES) {
    it(`autojump never jumps while a task is runnable: a busy task sees time 0 for 50 passes, the sleeper wakes at 10 (${style})`, () =>
      // trio 0.22 (t2_autojump.py): busy task of 50 sleep(0)s records current_time() -> all 0;
      // the sleeper of 10 s wakes at 10.0.
      runVirtual(async () => {
        const times: number[] = [];
        const busy = styled(
          style,
          function* () {
            for (let i = 0; i < 50; i++) {
              times.push(now());
              yield* sleep(0);
            }
          },
          async () => {
            for (let i = 0; i < 50; i++) {
              times.push(now());
              await sleep(0);
            }
          },
        );
        const [, woke] = await gather([
          createTask(busy),
          createTask(async () => {
            await sleep(10);
            return now();
          }),
        ]);
        expect(times).toHaveLength(50);
        expect(times.every((t) => t === 0)).toBe(true);
        expect(woke).toBe(10);
      }));
  }

  it('a callSoon chain or runBriefly() keeps the loop busy: no jump until both are over', () =>
    // Trio jumps only when its run queue is empty (`if idle_primed … and not runner.runq`); asyncio's
    // poll timeout is 0 while callbacks are ready, so virtual time cannot be reached meanwhile.
    runVirtual(async () => {
      const loop = getRunningLoop();
      const sleeper = createTask(() => sleep(10));
      await sleep(0); // the sleeper's timer is in the heap
      const chainTimes: number[] = [];
      const chainDone = loop.createFuture<void>();
      const step = (): void => {
        chainTimes.push(loop.time());
        if (chainTimes.length < 100) loop.callSoon(step);
        else chainDone.setResult();
      };
      loop.callSoon(step);
      await chainDone; // only the chain keeps the loop busy meanwhile
      expect(chainTimes).toHaveLength(100);
      expect(chainTimes.every((t) => t === 0)).toBe(true);
      await runBriefly(20);
      expect(now()).toBe(0);
      expect(sleeper.done()).toBe(false);
      await sleeper;
      expect(now()).toBe(10);
    }));

  it('host callbacks arriving every 5 ms hold back a 10 ms-threshold jump until they stop', () => {
    // trio 0.22 (t2_autojump.py, m2): a thread calling token.run_sync_soon every 5 ms, 6 times,
    // with autojump_threshold=0.02 -> 'real elapsed 54 ms; time 1000.0' (the jump waits for
    // 20 ms without news after the last callback).
    const clock = new MockClock({ autojumpThreshold: 10 });
    return run(
      async () => {
        const loop = getRunningLoop();
        const t0 = performance.now();
        let pings = 0;
        let lastPing = 0;
        const ping = (): void => {
          loop.callSoon(() => {}); // news from outside the loop
          lastPing = performance.now();
          if (++pings < 4) setTimeout(ping, 5);
        };
        setTimeout(ping, 5);
        await sleep(1000);
        const woke = performance.now();
        expect(now()).toBe(1000);
        expect(pings).toBe(4);
        expect(woke - t0).toBeGreaterThanOrEqual(18); // the four pings span ~20 ms: they held it back
        expect(woke - lastPing).toBeGreaterThanOrEqual(8); // and then a whole threshold without news
      },
      { clock },
    );
  });

  it('a deadline that was cancelled or moved to never is no target for autojump', () =>
    // trio 0.22 (t2_autojump.py, m3): a CancelScope(deadline=10) whose deadline is set to inf, then
    // a 5 ms wait on a thread, with autojump_threshold=0 -> 'only cancelled deadline, time 0.0'.
    runVirtual(async () => {
      const loop = getRunningLoop();
      loop.callLater(10, () => {}).cancel();
      const v = await timeout(20).run(async (t) => {
        t.reschedule(null);
        return ensureFuture(hostDelay(5).then(() => 'io'));
      });
      expect(v).toBe('io');
      expect(now()).toBe(0);
    }));

  for (const style of STYLES) {
    it(`setting rate on a running loop wakes a sleeper that rate 0 kept asleep, in real time / rate (${style})`, () => {
      // trio 0.22 (t5_rate.py): sleeper of 5 s not done at rate 0 ('time 0.0'); clock.rate = 1000
      // -> it wakes at >= 5 after 'real ms 5'.
      const clock = new MockClock();
      return run(
        async () => {
          let wokeAt = -1;
          const s = createTask(
            styled(
              style,
              function* () {
                yield* sleep(5);
                wokeAt = now();
              },
              async () => {
                await sleep(5);
                wokeAt = now();
              },
            ),
          );
          await waitAllTasksBlocked(3);
          expect([s.done(), now()]).toEqual([false, 0]);
          const t0 = performance.now();
          clock.rate = 1000;
          await s;
          expect(wokeAt).toBeGreaterThanOrEqual(5);
          expect(performance.now() - t0).toBeLessThan(500);
        },
        { clock },
      );
    });
  }

  for (const style of STYLES) {
    it(`autojumpThreshold = Infinity on a running loop stops the jumps; jump() still wakes the sleeper (${style})`, () => {
      // trio 0.22 (t5_rate.py, m2): 'autojumped to 10.0'; after autojump_threshold = inf a 10 s
      // sleeper is not done ('10.0'); clock.jump(10) -> it wakes at [20.0].
      const clock = new MockClock({ autojumpThreshold: 0 });
      return run(
        styled(
          style,
          function* () {
            yield* sleep(10);
            expect(now()).toBe(10);
            clock.autojumpThreshold = Infinity;
            const s = createTask(function* () {
              yield* sleep(10);
              return now();
            });
            yield* waitAllTasksBlocked(3);
            expect([s.done(), now()]).toEqual([false, 10]);
            clock.jump(10);
            expect(yield* s).toBe(20);
          },
          async () => {
            await sleep(10);
            expect(now()).toBe(10);
            clock.autojumpThreshold = Infinity;
            const s = createTask(async () => {
              await sleep(10);
              return now();
            });
            await waitAllTasksBlocked(3);
            expect([s.done(), now()]).toEqual([false, 10]);
            clock.jump(10);
            expect(await s).toBe(20);
          },
        ),
        { clock },
      );
    });
  }

  it('with a rate and autojump 0, a long sleep jumps to its deadline and wakes just after it', () =>
    // trio 0.22 (t2_autojump.py, m4): MockClock(rate=0.001, autojump_threshold=0), sleep(1000)
    // -> 'woke at >=1000 and close True True' (< 1000.1).
    run(
      async () => {
        await sleep(1000);
        expect(now()).toBeGreaterThanOrEqual(1000);
        expect(now()).toBeLessThan(1000.1);
      },
      { clock: new MockClock({ rate: 0.001, autojumpThreshold: 0 }) },
    ));

  for (const style of STYLES) {
    it(`on a frozen clock without autojump, a tiny sleep waits for a jump while sleep(0) does not (${style})`, () => {
      // trio 0.22 (t2_autojump.py, m6): trio.sleep(1e-6) under MockClock() -> 'tiny before jump []'
      // after wait_all_tasks_blocked(0.01); clock.jump(1e-6) -> [1e-06].
      // asyncio 3.13 on a loop whose time() stands still (a1_timers.py, D): sleep(1e-6) not done
      // after 5 sleep(0)s; done at 1e-06 once time moves by 1e-6.
      const clock = new MockClock();
      return run(
        async () => {
          const done: number[] = [];
          const t = createTask(
            styled(
              style,
              function* () {
                yield* sleep(0);
                yield* sleep(0.001);
                done.push(now());
              },
              async () => {
                await sleep(0);
                await sleep(0.001);
                done.push(now());
              },
            ),
          );
          await waitAllTasksBlocked(3);
          expect(done).toEqual([]);
          clock.jump(0.001);
          await t;
          expect(done).toEqual([0.001]);
        },
        { clock },
      );
    });
  }
});
