// Adversarial review of tulip/testing (MockClock, runBriefly, waitAllTasksBlocked, Sequencer,
// assertCheckpoints/assertNoCheckpoints) against real Trio 0.22 (trio.testing) and against
// CPython 3.13 asyncio under virtual time (a SelectorEventLoop whose time() returns a variable
// that the probe moves by hand, as a MockClock jump does). Every expectation was checked with a
// probe; the probe's output is quoted above the test. Trio seconds are milliseconds here.
// Where tulip differs, the test carries the reference's expectation as `it.fails`.
import { describe, expect, it } from 'vitest';
import {
  CancelledError,
  Condition,
  Event,
  Lock,
  Queue,
  RuntimeError,
  Semaphore,
  TaskGroup,
  asCompleted,
  createTask,
  currentTask,
  ensureFuture,
  gather,
  getRunningLoop,
  run,
  shield,
  sleep,
  timeout,
  wait,
  waitFor,
  type Coroutine,
  type Future,
} from 'tulip';
import {
  MockClock,
  Sequencer,
  assertCheckpoints,
  assertNoCheckpoints,
  runBriefly,
  waitAllTasksBlocked,
} from 'tulip/testing';
import { STYLES, passCounter, runVirtual, styled, syncError, type Style } from '../conformance/helpers.js';

const now = (): number => getRunningLoop().time();

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

// ---- asyncio's timers on virtual time --------------------------------------------------------------

describe('asyncio 3.13 timers on virtual time', () => {
  it('timers in the past, callLater(<0) and callLater(0) run in the next pass after its callSoon callbacks, earliest deadline first', () => {
    // asyncio 3.13 (a1_timers.py, A), one callback scheduling: call_soon(a), call_at(now-0.05, b),
    // call_later(-0.01, c), call_at(now-0.1, d), call_later(0, e), call_soon(f) ->
    // [('a', 2), ('f', 2), ('d-past-earlier', 2), ('b-past', 2), ('c-later-neg', 2), ('e-later0', 2)]
    const clock = new MockClock();
    return run(
      async () => {
        const loop = getRunningLoop();
        const log: [string, number][] = [];
        const tick = passCounter();
        loop.callSoon(() => {
          loop.callSoon(() => log.push(['a', tick()]));
          loop.callAt(loop.time() - 50, () => log.push(['b-past', tick()]));
          loop.callLater(-10, () => log.push(['c-later-neg', tick()]));
          loop.callAt(loop.time() - 100, () => log.push(['d-past-earlier', tick()]));
          loop.callLater(0, () => log.push(['e-later0', tick()]));
          loop.callSoon(() => log.push(['f', tick()]));
        });
        for (let i = 0; i < 5; i++) await sleep(0);
        expect(log).toEqual([
          ['a', 2],
          ['f', 2],
          ['d-past-earlier', 2],
          ['b-past', 2],
          ['c-later-neg', 2],
          ['e-later0', 2],
        ]);
      },
      { clock },
    );
  });

  it('a timer that a jump inside a callback made due runs in the next pass, after the callbacks that callback scheduled', () => {
    // asyncio 3.13 (a1_timers.py, C): call_later(0.010, timer); a callback moves time by 0.010 and
    // call_soon()s another -> [('jumped', 1), ('soon-after-jump', 2), ('timer', 2)]
    const clock = new MockClock();
    return run(
      async () => {
        const loop = getRunningLoop();
        const log: [string, number][] = [];
        const tick = passCounter();
        loop.callLater(10, () => log.push(['timer', tick()]));
        loop.callSoon(() => {
          clock.jump(10);
          loop.callSoon(() => log.push(['soon-after-jump', tick()]));
          log.push(['jumped', tick()]);
        });
        for (let i = 0; i < 4; i++) await sleep(0);
        expect(log).toEqual([
          ['jumped', 1],
          ['soon-after-jump', 2],
          ['timer', 2],
        ]);
      },
      { clock },
    );
  });

  it('timers with equal deadlines run in scheduling order, however the deadline was reached (DESIGN §4)', () => {
    // A deliberate difference (DESIGN.md §4: equal-deadline timers run FIFO, as Node's). asyncio
    // 3.13 (a1_timers.py, B): three call_later(0.010) at 0, time += 0.005, call_later(0.005),
    // call_at(0.010), time += 0.005 -> ['L0', 'L2', 'callAt10', 'L1', 'after-jump-later5'] (heap order).
    const clock = new MockClock();
    return run(
      async () => {
        const loop = getRunningLoop();
        const log: string[] = [];
        for (let i = 0; i < 3; i++) loop.callLater(10, () => log.push(`L${i}`));
        clock.jump(5);
        loop.callLater(5, () => log.push('after-jump-later5'));
        loop.callAt(10, () => log.push('callAt10'));
        clock.jump(5);
        await sleep(0);
        await sleep(0);
        expect(log).toEqual(['L0', 'L1', 'L2', 'after-jump-later5', 'callAt10']);
      },
      { clock },
    );
  });

  for (const style of STYLES) {
    it(`sleep(0) and sleep(-1) take one pass; a tiny sleep ends three passes after the jump that makes it due (${style})`, () => {
      // asyncio 3.13 (a1_timers.py, D), time frozen: 'D sleep0 passes 1', 'D sleep-1 passes 1',
      // 'D tiny done before jump? False', 'D tiny done after jump at 1e-06 passes 3' (awaited from
      // another task: the timer's pass, the sleeper's step, the awaiter's step).
      const clock = new MockClock();
      return run(
        async () => {
          const tick = passCounter();
          const measured = await createTask(
            styled(
              style,
              function* () {
                const out: number[] = [];
                let s = tick();
                yield* sleep(0);
                out.push(tick() - s);
                s = tick();
                yield* sleep(-1);
                out.push(tick() - s);
                const tiny = createTask(function* () {
                  yield* sleep(0.001);
                  return now();
                });
                for (let i = 0; i < 5; i++) yield* sleep(0);
                out.push(tiny.done() ? 1 : 0);
                s = tick();
                clock.jump(0.001);
                out.push(yield* tiny, tick() - s);
                return out;
              },
              async () => {
                const out: number[] = [];
                let s = tick();
                await sleep(0);
                out.push(tick() - s);
                s = tick();
                await sleep(-1);
                out.push(tick() - s);
                const tiny = createTask(async () => {
                  await sleep(0.001);
                  return now();
                });
                for (let i = 0; i < 5; i++) await sleep(0);
                out.push(tiny.done() ? 1 : 0);
                s = tick();
                clock.jump(0.001);
                out.push(await tiny, tick() - s);
                return out;
              },
            ),
          );
          expect(measured).toEqual([1, 1, 0, 0.001, 3]);
        },
        { clock },
      );
    });
  }

  // asyncio's _run_once takes every timer with `when < now + clock_resolution` (resolution 1e-9 s
  // = 1e-6 ms on Linux; /work/shared/reference/asyncio-semantics.md, "One _run_once pass", step 3).
  // asyncio 3.13 on a loop whose time() stands still at 3600 s (a6_res.py):
  //   'at 3600 s, sleep 5e-10 s: done True after 4'     (5e-7 ms)
  //   'at 3600 s, sleep 9.99e-10 s: done True after 4'  (9.99e-7 ms)
  //   'at 3600 s, sleep 1e-12 s: done True after 4'     (1e-9 ms: 3600 + 1e-12 > 3600 in floats)
  // (tulip took only `when <= now`: on a frozen MockClock such a timer never came due; fixed.)
  it('a timer less than the clock resolution (1e-6 ms) ahead of a frozen clock is due at once, as in asyncio', () => {
    const clock = new MockClock();
    clock.jump(3_600_000);
    return run(
      async () => {
        const results: boolean[] = [];
        for (const d of [5e-7, 9.99e-7, 1e-9]) {
          const t = createTask(() => sleep(d));
          for (let i = 0; i < 10 && !t.done(); i++) await sleep(0);
          results.push(t.done());
          t.cancel();
        }
        expect(results).toEqual([true, true, true]);
      },
      { clock },
    );
  });

  it('a timer the clock resolution (1e-6 ms) or more ahead of a frozen clock is not due without a jump', () =>
    // asyncio 3.13 (a4_res.py): 'at time 0, sleep 1e-09 s: done False after 10 sleep(0)s',
    // 'sleep 2e-09 s: done False'.
    run(
      async () => {
        for (const d of [1e-6, 2e-6]) {
          const t = createTask(() => sleep(d));
          for (let i = 0; i < 10 && !t.done(); i++) await sleep(0);
          expect(t.done()).toBe(false);
          t.cancel();
        }
      },
      { clock: new MockClock() },
    ));
});

// ---- waitAllTasksBlocked ---------------------------------------------------------------------------

describe('waitAllTasksBlocked (trio.testing.wait_all_tasks_blocked)', () => {
  it('a cushion-0 waiter that wakes another task makes a cushion-10 waiter wait until that task has blocked again', () =>
    // trio 0.22 (t6.py, a): A waits (0) then sets an event; B waits (0.01); C waits for the event,
    // does three sleep(0)s and a 5 ms sleep -> ['A woke', 'C woke', 'C0', 'C1', 'C2', 'C slept 5ms', 'B woke']
    run(async () => {
      const log: string[] = [];
      const ev = new Event();
      await new TaskGroup().run((tg) => {
        tg.createTask(async () => {
          await waitAllTasksBlocked(0);
          log.push('A woke');
          ev.set();
        });
        tg.createTask(function* () {
          yield* waitAllTasksBlocked(10);
          log.push('B woke');
        });
        tg.createTask(async () => {
          await ev.wait();
          log.push('C woke');
          for (let i = 0; i < 3; i++) {
            await sleep(0);
            log.push(`C${i}`);
          }
          await sleep(5);
          log.push('C slept 5ms');
        });
      });
      expect(log).toEqual(['A woke', 'C woke', 'C0', 'C1', 'C2', 'C slept 5ms', 'B woke']);
    }));

  it('a task that waits again with cushion 0 wakes three times before a cushion-5 waiter wakes once', () =>
    // trio 0.22 (t3_wait.py, b): ['A0', 'A1', 'A2', 'B']
    run(async () => {
      const log: string[] = [];
      await new TaskGroup().run((tg) => {
        tg.createTask(async () => {
          await waitAllTasksBlocked(5);
          log.push('B');
        });
        tg.createTask(function* () {
          for (let i = 0; i < 3; i++) {
            yield* waitAllTasksBlocked(0);
            log.push(`A${i}`);
          }
        });
      });
      expect(log).toEqual(['A0', 'A1', 'A2', 'B']);
    }));

  for (const style of STYLES) {
    it(`two tasks hand over through events and waitAllTasksBlocked() in turn (${style})`, () =>
      // trio 0.22 (t3_wait.py, c): ['P blocked-all', 'Q got e1', 'Q blocked-all', 'P got e2']
      run(async () => {
        const log: string[] = [];
        const e1 = new Event();
        const e2 = new Event();
        await new TaskGroup().run((tg) => {
          tg.createTask(
            styled(
              style,
              function* () {
                yield* waitAllTasksBlocked();
                log.push('P blocked-all');
                e1.set();
                yield* e2.wait();
                log.push('P got e2');
              },
              async () => {
                await waitAllTasksBlocked();
                log.push('P blocked-all');
                e1.set();
                await e2.wait();
                log.push('P got e2');
              },
            ),
          );
          tg.createTask(
            styled(
              style,
              function* () {
                yield* e1.wait();
                log.push('Q got e1');
                yield* waitAllTasksBlocked();
                log.push('Q blocked-all');
                e2.set();
              },
              async () => {
                await e1.wait();
                log.push('Q got e1');
                await waitAllTasksBlocked();
                log.push('Q blocked-all');
                e2.set();
              },
            ),
          );
        });
        expect(log).toEqual(['P blocked-all', 'Q got e1', 'Q blocked-all', 'P got e2']);
      }));
  }

  it('on the real clock, a timer due before the cushion ends fires first', () =>
    // trio 0.22 (t3_wait.py, d): a 5 ms sleeper and wait_all_tasks_blocked(0.015) -> ['S woke', 'waiter woke']
    run(async () => {
      const log: string[] = [];
      const s = createTask(async () => {
        await sleep(5);
        log.push('S woke');
      });
      await waitAllTasksBlocked(15);
      log.push('waiter woke');
      await s;
      expect(log).toEqual(['S woke', 'waiter woke']);
    }));

  it('cancelling the waiter with the smallest cushion leaves the next one to wake at its own cushion', () =>
    // trio 0.22 (t3_wait.py, e): ['w0 cancelled', 'w2']
    run(async () => {
      const log: string[] = [];
      const w2 = createTask(async () => {
        await waitAllTasksBlocked(2);
        log.push('w2');
      });
      const w0 = createTask(function* () {
        try {
          yield* waitAllTasksBlocked(0);
          log.push('w0 not cancelled');
        } catch (e) {
          if (!(e instanceof CancelledError)) throw e;
          log.push('w0 cancelled');
        }
      });
      await sleep(0);
      await sleep(0);
      w0.cancel();
      await gather([w0, w2]);
      expect(log).toEqual(['w0 cancelled', 'w2']);
    }));

  for (const style of STYLES) {
    it(`with autojump, each waitAllTasksBlocked() wakes before time moves to the next sleeper (${style})`, () =>
      // trio 0.22 (t3_wait.py, f), MockClock(autojump_threshold=0), sleepers of 5 and 3:
      // [('W1', 0.0), ('S', 3, 3.0), ('main slept 4', 4.0), ('W2', 4.0), ('S', 5, 5.0)]
      runVirtual(async () => {
        const log: unknown[] = [];
        const sleeper = (tg: TaskGroup): void => {
          for (const t of [5, 3]) {
            tg.createTask(async () => {
              await sleep(t);
              log.push(['S', t, now()]);
            });
          }
        };
        if (style === 'generator') {
          await new TaskGroup().run(function* (tg) {
            sleeper(tg);
            yield* waitAllTasksBlocked();
            log.push(['W1', now()]);
            yield* sleep(4);
            log.push(['main slept 4', now()]);
            yield* waitAllTasksBlocked();
            log.push(['W2', now()]);
          });
        } else {
          await new TaskGroup().run(async (tg) => {
            sleeper(tg);
            await waitAllTasksBlocked();
            log.push(['W1', now()]);
            await sleep(4);
            log.push(['main slept 4', now()]);
            await waitAllTasksBlocked();
            log.push(['W2', now()]);
          });
        }
        expect(log).toEqual([
          ['W1', 0],
          ['S', 3, 3],
          ['main slept 4', 4],
          ['W2', 4],
          ['S', 5, 5],
        ]);
      }));
  }
});

// ---- Sequencer -------------------------------------------------------------------------------------

/** A task body in `style` that holds each of `positions` of `seq` in turn with `seq.run`, logging it. */
function worker(style: Style, seq: Sequencer, positions: number[], out: number[]) {
  return styled(
    style,
    function* () {
      for (const p of positions) {
        yield* seq.run(p, function* () {
          yield* sleep(0);
          out.push(p);
        });
      }
    },
    async () => {
      for (const p of positions) {
        await seq.run(p, async () => {
          await sleep(0);
          out.push(p);
        });
      }
    },
  );
}

describe('Sequencer (trio.testing.Sequencer)', () => {
  for (const style of STYLES) {
    it(`three tasks holding two positions each go through 0..5 in order (${style})`, () =>
      // trio 0.22 (t6.py, ex): workers with positions (0, 4), (2, 5), (1, 3) -> [0, 1, 2, 3, 4, 5]
      runVirtual(async () => {
        const seq = new Sequencer();
        const out: number[] = [];
        await new TaskGroup().run((tg) => {
          tg.createTask(worker(style, seq, [0, 4], out));
          tg.createTask(worker(style, seq, [2, 5], out));
          tg.createTask(worker(style, seq, [1, 3], out));
        });
        expect(out).toEqual([0, 1, 2, 3, 4, 5]);
      }));
  }

  it('asking again for a position whose first holder still waits is refused, breaks nothing, and the first holder runs', () =>
    // trio 0.22 (t4_seq.py, 3): [('dup', 'Attempted to re-use sequence point 1'), ('broken after dup', False), 'H in', 'W1 in']
    runVirtual(async () => {
      const seq = new Sequencer();
      const log: unknown[] = [];
      const w1 = createTask(async () => {
        await seq.run(1, () => void log.push('W1 in'));
      });
      await waitAllTasksBlocked();
      const e = syncError(() => seq.run(1, () => log.push('dup?!')));
      expect(e).toBeInstanceOf(RuntimeError);
      expect(e.message).toBe('Sequencer.run: sequence point 1 was already used');
      expect(syncError(() => seq.step(1)).message).toBe('Sequencer.step: sequence point 1 was already used');
      expect(seq.broken()).toBe(false);
      await seq.run(0, () => void log.push('H in'));
      await w1;
      expect(log).toEqual(['H in', 'W1 in']);
    }));

  it('a skipped position leaves the next one waiting until someone takes it', () =>
    // trio 0.22 (t4_seq.py, 5): ['0 in', ('2 still waiting', True), '1 in', '2 in']
    runVirtual(async () => {
      const seq = new Sequencer();
      const log: unknown[] = [];
      const w2 = createTask(function* () {
        yield* seq.run(2, () => void log.push('2 in'));
      });
      await seq.run(0, () => void log.push('0 in'));
      await waitAllTasksBlocked();
      log.push(['2 still waiting', !w2.done()]);
      await seq.run(1, () => void log.push('1 in'));
      await w2;
      expect(log).toEqual(['0 in', ['2 still waiting', true], '1 in', '2 in']);
    }));

  for (const style of STYLES) {
    it(`a task cancelled inside its turn passes the turn on and breaks nothing (${style})`, () =>
      // trio 0.22 (t4_seq.py, 2): ['A in', 'A cancelled in body', 'B in'] broken False
      runVirtual(async () => {
        const seq = new Sequencer();
        const log: string[] = [];
        const a = createTask(
          styled(
            style,
            function* () {
              yield* seq.run(0, function* () {
                log.push('A in');
                yield* sleep(1e9);
              });
            },
            async () => {
              await seq.run(0, async () => {
                log.push('A in');
                await sleep(1e9);
              });
            },
          ),
        );
        const b = createTask(async () => {
          await seq.run(1, () => void log.push('B in'));
        });
        await waitAllTasksBlocked();
        a.cancel();
        await gather([a, b], { returnExceptions: true });
        expect(a.cancelled()).toBe(true);
        expect(log).toEqual(['A in', 'B in']);
        expect(seq.broken()).toBe(false);
      }));
  }

  for (const style of STYLES) {
    it(`position 0 never waits: a cancel already pending reaches the body, and the sequence is not broken (${style})`, () =>
      // trio 0.22 (t4_seq.py, 4): cs.cancel() then `async with seq(0)`: ['0 body entered',
      // ('broken', False), '1 runs'] (the Cancelled comes from the body's sleep(0)).
      runVirtual(async () => {
        const seq = new Sequencer();
        const log: unknown[] = [];
        const t = createTask(
          styled(
            style,
            function* () {
              currentTask()!.cancel();
              yield* seq.run(0, function* () {
                log.push('0 body entered');
                yield* sleep(0);
                log.push('not reached');
              });
            },
            async () => {
              currentTask()!.cancel();
              await seq.run(0, async () => {
                log.push('0 body entered');
                await sleep(0);
                log.push('not reached');
              });
            },
          ),
        );
        await gather([t], { returnExceptions: true });
        expect(t.cancelled()).toBe(true);
        expect(seq.broken()).toBe(false);
        await seq.run(1, () => void log.push('1 runs'));
        expect(log).toEqual(['0 body entered', '1 runs']);
      }));
  }

  it('once broken: a position already claimed is "already used" (checked first), a new one "broken", and the turn being held runs on', () =>
    // trio 0.22 (t4_seq.py, 6): ['H in', ('W', 'Sequencer wait cancelled -- sequence broken'),
    // (0, 'Attempted to re-use sequence point 0'), (5, 'sequence broken!'), 'H body finishes']
    // (Trio turns the waiter's Cancelled into RuntimeError; tulip keeps the CancelledError, as
    // documented on Sequencer.)
    runVirtual(async () => {
      const seq = new Sequencer();
      const log: unknown[] = [];
      const h = createTask(async () => {
        await seq.run(0, async () => {
          log.push('H in');
          await sleep(1000);
          log.push('H body finishes');
        });
      });
      const w = createTask(async () => {
        await seq.run(1, () => log.push('W in?!'));
      });
      await waitAllTasksBlocked();
      w.cancel();
      await waitAllTasksBlocked();
      log.push(['W cancelled', w.cancelled()]);
      for (const p of [0, 5]) log.push([p, syncError(() => seq.run(p, () => {})).message]);
      await h;
      expect(log).toEqual([
        'H in',
        ['W cancelled', true],
        [0, 'Sequencer.run: sequence point 0 was already used'],
        [5, 'Sequencer.run: the sequence is broken (a task was cancelled while waiting for its turn)'],
        'H body finishes',
      ]);
    }));

  for (const style of STYLES) {
    it(`a task cancelled while waiting in step() breaks the sequence as run() does (${style})`, () =>
      // Trio has only `async with seq(n)`; step() is its turn-object form (the same wait).
      runVirtual(async () => {
        const seq = new Sequencer();
        const waiting = createTask(
          styled(
            style,
            function* () {
              (yield* seq.step(1)).end();
            },
            async () => {
              (await seq.step(1)).end();
            },
          ),
        );
        const later = createTask(async () => (await seq.step(2)).end());
        await waitAllTasksBlocked();
        waiting.cancel();
        await gather([waiting, later], { returnExceptions: true });
        expect(waiting.cancelled()).toBe(true);
        expect(later.exception()).toBeInstanceOf(RuntimeError);
        expect(seq.broken()).toBe(true);
      }));
  }

  // trio 0.22 (t4_seq.py, 1): H ends position 0 (W1's turn comes: its Event is set), then cancels
  // W1 before W1 runs -> ['H in body', 'W1 in body', ('W1 cancelled, caught', True), 'W2 in body']
  // broken False: a task whose turn had come is not "cancelled while waiting"; the cancel reaches
  // it inside its turn, which then passes on. DESIGN.md §5: "every waiter woken then cancelled
  // passes its wake-up on". (tulip broke the sequence there: W2 failed with RuntimeError; fixed.)
  for (const style of STYLES) {
    it(`a task whose turn came but that was cancelled before it resumed passes the turn on (${style})`, () =>
      runVirtual(async () => {
        const seq = new Sequencer();
        const log: string[] = [];
        const w1 = createTask(
          styled(
            style,
            function* () {
              yield* seq.run(1, function* () {
                log.push('W1 in body');
                yield* sleep(0);
              });
            },
            async () => {
              await seq.run(1, async () => {
                log.push('W1 in body');
                await sleep(0);
              });
            },
          ),
        );
        const w2 = createTask(async () => {
          await seq.run(2, () => void log.push('W2 in body'));
        });
        await waitAllTasksBlocked();
        await seq.run(0, () => void log.push('H in body'));
        w1.cancel(); // W1's turn has come; it has not resumed yet
        await gather([w1, w2], { returnExceptions: true });
        expect(w1.cancelled()).toBe(true);
        expect(seq.broken()).toBe(false);
        expect(w2.exception()).toBeUndefined();
        expect(log).toContain('W2 in body');
      }),
    );
  }
});

// ---- assertCheckpoints / assertNoCheckpoints -----------------------------------------------------

/**
 * Calls that do or do not suspend the calling task, with the passes asyncio 3.13 takes for them
 * (a2_cp.py: a call_soon chain counts the passes while the task awaits each one; 0 means the
 * task never yielded). A checkpoint in tulip's sense is a suspension: asyncio's fast paths (a free
 * lock, a set event, a done future …) are none, where Trio makes most of its calls checkpoints.
 */
function checkpointCases(): [string, number, () => Future<unknown>][] {
  const loop = getRunningLoop();
  const done = loop.createFuture<string>();
  done.setResult('d');
  const ev = new Event();
  ev.set();
  const lock = new Lock();
  const q = new Queue<number>();
  q.putNowait(1);
  const sem = new Semaphore(1);
  const cond = new Condition();
  const finished = createTask(function* () {
    return 'n';
  });
  const noAwait = function* (): Coroutine<string> {
    return 'n';
  };
  return [
    // asyncio: 'sleep0: passes 1', 'sleep-1: passes 1'
    ['sleep(0)', 1, () => sleep(0)],
    ['sleep(-1)', 1, () => sleep(-1)],
    // 'await done future: passes 0', 'await finished task: passes 0'
    ['a done future', 0, () => done],
    ['a finished task', 0, () => finished],
    // 'event set wait: passes 0', 'free lock acquire: passes 0', 'queue put+get: passes 0',
    // 'queue join nothing unfinished: passes 0', 'free semaphore: passes 0', 'condition lock free: passes 0'
    ['Event.wait() on a set event', 0, () => ev.wait()],
    ['Lock.run() on a free lock', 0, () => lock.run(() => 'l')],
    ['Queue.get() with an item there', 0, () => q.get()],
    ['Queue.join() with nothing unfinished', 0, () => (q.taskDone(), q.join())],
    ['Semaphore.run() with a unit free', 0, () => sem.run(() => 's')],
    ['Condition.run() with its lock free', 0, () => cond.run(() => 'c')],
    // 'gather(): passes 0', 'gather(done): passes 0', 'gather(coro no await): passes 3'
    ['gather([])', 0, () => gather([])],
    ['gather([done])', 0, () => gather([done])],
    ['gather([coroutine])', 3, () => gather([noAwait()])],
    // 'wait_for(done, 1): passes 0', 'wait_for(coro no await, 1): passes 0', '…, None): passes 0'
    ['waitFor(done, 1)', 0, () => waitFor(done, 1)],
    ['waitFor(coroutine, 1)', 0, () => waitFor(noAwait(), 1)],
    ['waitFor(coroutine, null)', 0, () => waitFor(noAwait(), null)],
    // 'wait([done]): passes 2'
    ['wait([done])', 2, () => wait([done])],
    // 'timeout(10) empty: passes 0', 'timeout(0) empty: passes 0'
    ['timeout(10) around a body without waits', 0, () => timeout(10).run(() => 't')],
    ['timeout(0) around a body without waits', 0, () => timeout(0).run(() => 't0')],
    // 'TaskGroup no children: passes 0', 'TaskGroup one child: passes 3'
    ['a TaskGroup without children', 0, () => new TaskGroup().run(() => 'tg')],
    ['a TaskGroup with one child', 3, () => new TaskGroup().run((tg) => void tg.createTask(noAwait))],
    // 'shield(done): passes 0', 'create_task(noop) awaited: passes 2', 'as_completed([done]) first: passes 2'
    ['shield(done)', 0, () => shield(done)],
    ['a new task', 2, () => createTask(noAwait)],
    ['asCompleted([done])', 2, () => asCompleted([done]).next().value!],
  ];
}

describe('assertCheckpoints / assertNoCheckpoints on calls that do and do not suspend (asyncio 3.13)', () => {
  for (const style of STYLES) {
    it(`each call suspends exactly when asyncio's does, and the assertions agree (${style})`, () =>
      run(async () => {
        const tick = passCounter();
        const cases = checkpointCases();
        await sleep(0); // (the finished task finishes)
        const wrong: string[] = [];
        for (const [name, expected, call] of cases) {
          const assertion = expected > 0 ? assertCheckpoints : assertNoCheckpoints;
          try {
            if (style === 'generator') {
              await createTask(function* () {
                yield* assertion(function* () {
                  return yield* call();
                });
              });
            } else {
              await createTask(async () => {
                await assertion(async () => call());
              });
            }
          } catch (e) {
            wrong.push(`${name}: ${String(e)}`);
          }
        }
        expect(wrong).toEqual([]);
        // The pass counts, measured from the calling task as asyncio's probe does.
        const counts: [string, number][] = [];
        for (const [name, , call] of checkpointCases()) {
          await sleep(0);
          if (style === 'generator') {
            await createTask(function* () {
              const t0 = tick();
              yield* call();
              counts.push([name, tick() - t0]);
            });
          } else {
            await createTask(async () => {
              const t0 = tick();
              await call();
              counts.push([name, tick() - t0]);
            });
          }
        }
        expect(counts).toEqual(cases.map(([name, expected]) => [name, expected]));
      }));
  }

  for (const style of STYLES) {
    it(`a cancel pending at a body without checkpoints goes through it and lands at the next checkpoint (${style})`, () =>
      // asyncio 3.13 (a5_pend.py): task cancels itself ('later'), await lock.acquire() (free),
      // await ev.wait() (set) -> [('took lock', True), 'event ok', ('cancelled at sleep(0)',
      // ('later',)), 'task cancelled'], lock released.
      run(async () => {
        const lock = new Lock();
        const ev = new Event();
        ev.set();
        const log: unknown[] = [];
        const t = createTask(
          styled(
            style,
            function* () {
              currentTask()!.cancel('later');
              yield* assertNoCheckpoints(function* () {
                yield* lock.acquire();
                log.push(['took lock', lock.locked()]);
                yield* ev.wait();
                log.push('event ok');
              });
              try {
                yield* assertCheckpoints(() => sleep(0));
              } catch (e) {
                log.push(['cancelled at sleep(0)', (e as Error).message]);
                lock.release();
                throw e;
              }
            },
            async () => {
              currentTask()!.cancel('later');
              await assertNoCheckpoints(async () => {
                await lock.acquire();
                log.push(['took lock', lock.locked()]);
                await ev.wait();
                log.push('event ok');
              });
              try {
                await assertCheckpoints(() => sleep(0));
              } catch (e) {
                log.push(['cancelled at sleep(0)', (e as Error).message]);
                lock.release();
                throw e;
              }
            },
          ),
        );
        await gather([t], { returnExceptions: true });
        expect(t.cancelled()).toBe(true);
        expect(log).toEqual([['took lock', true], 'event ok', ['cancelled at sleep(0)', 'later']]);
        expect(lock.locked()).toBe(false);
      }));
  }

  for (const style of STYLES) {
    it(`timeout(0) around a body without checkpoints neither times out nor leaves a cancel behind (${style})`, () =>
      // asyncio 3.13 (a5_pend.py, b2): async with timeout(0): <no await> -> ['body ran, no await',
      // 'no TimeoutError', 'sleep ok'] (the expiry's call_soon handle is cancelled at exit).
      run(async () => {
        const log: string[] = [];
        const body = styled(
          style,
          function* () {
            yield* assertNoCheckpoints(() =>
              timeout(0).run(() => {
                log.push('body ran, no await');
              }),
            );
            log.push('no TimeoutError');
            yield* sleep(0);
            log.push('sleep ok');
          },
          async () => {
            await assertNoCheckpoints(() =>
              timeout(0).run(() => {
                log.push('body ran, no await');
              }),
            );
            log.push('no TimeoutError');
            await sleep(0);
            log.push('sleep ok');
          },
        );
        let caught: unknown;
        try {
          await createTask(body);
        } catch (e) {
          caught = e;
        }
        expect(caught).toBeUndefined();
        expect(log).toEqual(['body ran, no await', 'no TimeoutError', 'sleep ok']);
      }));
  }

  it('an await of an already-resolved native promise is no checkpoint (documented)', () =>
    run(async () => {
      expect(
        await assertNoCheckpoints(async () => {
          await Promise.resolve();
          return 'x';
        }),
      ).toBe('x');
    }));
});

