// Unit tests of src/testing/mockclock.ts: virtual time — defaults, jump, rate, autojump (threshold
// 0 and positive), argument checks, and a one-hour nested timeout in milliseconds of real time.
import { describe, it, expect } from 'vitest';
import {
  TaskGroup,
  TimeoutError,
  createTask,
  ensureFuture,
  getRunningLoop,
  newEventLoop,
  run,
  sleep,
  timeout,
  waitFor,
} from 'tulip';
import { MockClock, waitAllTasksBlocked } from 'tulip/testing';
import { syncError } from '../support.js';

const HOUR = 3_600_000;

describe('MockClock basics', () => {
  it('defaults to rate 0 and no autojump; time starts at 0 and stands still', async () => {
    const c = new MockClock();
    expect(c.rate).toBe(0);
    expect(c.autojumpThreshold).toBe(Infinity);
    expect(c.now()).toBe(0);
    await new Promise((r) => setTimeout(r, 3));
    expect(c.now()).toBe(0);
  });

  it('jump(ms) moves time forward by ms, and jump(0) changes nothing', () => {
    const c = new MockClock();
    c.jump(250);
    c.jump(0.5);
    c.jump(0);
    expect(c.now()).toBe(250.5);
  });

  it('jump(-1) and jump(Infinity) throw a RangeError naming ms, and the clock stays usable', () => {
    const c = new MockClock();
    c.jump(10);
    const e = syncError(() => c.jump(-1));
    expect(e).toBeInstanceOf(RangeError);
    expect(e.message).toBe('MockClock.jump: ms must not be negative, got -1');
    expect(c.now()).toBe(10);
    const n = syncError(() => c.jump(NaN));
    expect(n).toBeInstanceOf(TypeError);
    expect(n.message).toBe('MockClock.jump: ms must be a non-negative number, got NaN');
    expect(syncError(() => c.jump('5' as never)).message).toMatch(/got "5"$/);
    const inf = syncError(() => c.jump(Infinity));
    expect(inf).toBeInstanceOf(RangeError);
    expect(inf.message).toMatch(/^MockClock\.jump: ms must be finite, got Infinity/);
    expect(c.now()).toBe(10);
    c.jump(5);
    expect(c.now()).toBe(15);
  });

  it('refuses negative or NaN options with errors naming the option, and non-object options', () => {
    const a = syncError(() => new MockClock({ rate: -1 }));
    expect(a).toBeInstanceOf(RangeError);
    expect(a.message).toBe('MockClock: rate must not be negative, got -1');
    const b = syncError(() => new MockClock({ autojumpThreshold: NaN }));
    expect(b).toBeInstanceOf(TypeError);
    expect(b.message).toBe('MockClock: autojumpThreshold must be a non-negative number, got NaN');
    const c = syncError(() => new MockClock({ autojumpThreshold: -5 }));
    expect(c).toBeInstanceOf(RangeError);
    expect(c.message).toMatch(/autojumpThreshold must not be negative, got -5/);
    const d = syncError(() => new MockClock(null as never));
    expect(d).toBeInstanceOf(TypeError);
    expect(d.message).toBe('MockClock: opts must be an object, got null');
    // Trio's MockClock(autojump=0) is a TypeError too: a misspelt option would leave autojump off.
    const e = syncError(() => new MockClock({ autojump: 0 } as never));
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toBe('MockClock: unknown option "autojump" (the options are: autojumpThreshold, rate)');
  });

  it('the rate and autojumpThreshold setters refuse bad values and keep the old ones', () => {
    const c = new MockClock({ rate: 2, autojumpThreshold: 5 });
    expect(syncError(() => (c.rate = -1))).toBeInstanceOf(RangeError);
    expect(syncError(() => (c.autojumpThreshold = NaN))).toBeInstanceOf(TypeError);
    expect(c.rate).toBe(2);
    expect(c.autojumpThreshold).toBe(5);
  });

  it('with a rate, virtual time runs at that many virtual ms per real ms', async () => {
    const t0 = performance.now();
    const c = new MockClock({ rate: 1000 });
    await new Promise((r) => setTimeout(r, 5));
    const virt = c.now();
    const real = performance.now() - t0;
    expect(virt).toBeGreaterThanOrEqual(4000);
    expect(virt).toBeLessThanOrEqual(real * 1000 + 1);
  });

  it('changing the rate keeps the current time and continues from there; rate 0 freezes it', async () => {
    const c = new MockClock({ rate: 1000 });
    await new Promise((r) => setTimeout(r, 2));
    c.rate = 0;
    const frozen = c.now();
    expect(frozen).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 2));
    expect(c.now()).toBe(frozen);
    c.jump(1);
    expect(c.now()).toBe(frozen + 1);
  });
});

describe('MockClock driving a loop', () => {
  it('without autojump, a sleeping task wakes only when the test jumps the clock', () => {
    const clock = new MockClock();
    return run(
      async () => {
        const t = createTask(async () => {
          await sleep(100);
          return getRunningLoop().time();
        });
        await waitAllTasksBlocked();
        await new Promise((r) => setTimeout(r, 3));
        expect(t.done()).toBe(false);
        clock.jump(99);
        await waitAllTasksBlocked();
        expect(t.done()).toBe(false);
        clock.jump(1);
        expect(await t).toBe(100);
      },
      { clock },
    );
  });

  it('a jump wakes an idle loop: a timer that came due runs without any host timer', async () => {
    const clock = new MockClock();
    const loop = newEventLoop({ clock });
    const log: number[] = [];
    loop.callLater(50, () => {
      log.push(loop.time());
      loop.stop();
    });
    setTimeout(() => clock.jump(50), 2);
    await loop.runForever();
    loop.close();
    expect(log).toEqual([50]);
  });

  it('with a rate, timers fire on the accelerated clock', () =>
    run(
      async () => {
        const t0 = performance.now();
        await sleep(5000); // 5 real ms at rate 1000
        expect(getRunningLoop().time()).toBeGreaterThanOrEqual(5000);
        expect(performance.now() - t0).toBeLessThan(1000);
      },
      { clock: new MockClock({ rate: 1000 }) },
    ));

  it('autojump with threshold 0 jumps straight to the next deadline whenever every task is blocked', () =>
    run(
      function* () {
        const t0 = performance.now();
        yield* sleep(HOUR);
        expect(getRunningLoop().time()).toBe(HOUR);
        yield* sleep(1.5);
        expect(getRunningLoop().time()).toBe(HOUR + 1.5);
        expect(performance.now() - t0).toBeLessThan(1000);
      },
      { clock: new MockClock({ autojumpThreshold: 0 }) },
    ));

  it('with autojump, sleepers wake in deadline order at their own deadlines', () =>
    run(
      async () => {
        const log: string[] = [];
        const mk = (ms: number): ReturnType<typeof createTask> =>
          createTask(async () => {
            await sleep(ms);
            log.push(`${ms}@${getRunningLoop().time()}`);
          });
        await Promise.all([mk(300), mk(100), mk(200)]);
        expect(log).toEqual(['100@100', '200@200', '300@300']);
      },
      { clock: new MockClock({ autojumpThreshold: 0 }) },
    ));

  it('with a positive threshold, a foreign promise resolving within it holds the jump back', () =>
    run(
      async () => {
        const io = new Promise<string>((r) => setTimeout(() => r('io arrived'), 1));
        const v = await waitFor(ensureFuture(io), 1000);
        expect(v).toBe('io arrived');
        expect(getRunningLoop().time()).toBe(0);
      },
      { clock: new MockClock({ autojumpThreshold: 15 }) },
    ));

  it('with threshold 0 a pending foreign promise does not hold the jump back (the contrast case)', () =>
    run(
      async () => {
        // (2 s of real time: a loaded machine must not deliver it before the loop goes idle.)
        let timer: ReturnType<typeof setTimeout> | undefined;
        const io = new Promise<string>((r) => (timer = setTimeout(() => r('io arrived'), 2000)));
        try {
          await expect(waitFor(ensureFuture(io), 1000)).rejects.toBeInstanceOf(TimeoutError);
          expect(getRunningLoop().time()).toBe(1000);
        } finally {
          clearTimeout(timer);
        }
      },
      { clock: new MockClock({ autojumpThreshold: 0 }) },
    ));

  it('with a positive threshold, time jumps once every task has been blocked that long', () =>
    run(
      async () => {
        const t0 = performance.now();
        await sleep(HOUR);
        const real = performance.now() - t0;
        expect(getRunningLoop().time()).toBe(HOUR);
        expect(real).toBeGreaterThanOrEqual(2);
        expect(real).toBeLessThan(1000);
      },
      { clock: new MockClock({ autojumpThreshold: 3 }) },
    ));

  it('a one-hour timeout nested in another, around a task group, finishes in milliseconds of real time', () => {
    const t0 = performance.now();
    return run(
      async () => {
        let caught: unknown;
        try {
          await timeout(2 * HOUR).run(async () => {
            await timeout(HOUR).run(async () => {
              await new TaskGroup().run(async (tg) => {
                tg.createTask(async () => sleep(10 * HOUR));
                await sleep(10 * HOUR);
              });
            });
          });
        } catch (e) {
          caught = e;
        }
        expect(caught).toBeInstanceOf(TimeoutError);
        expect(getRunningLoop().time()).toBe(HOUR);
        expect(performance.now() - t0).toBeLessThan(1000);
      },
      { clock: new MockClock({ autojumpThreshold: 0 }) },
    );
  });

  it('a one-hour generator timeout finishes at the deadline in no real time', () =>
    run(
      function* () {
        const t0 = performance.now();
        let caught: unknown;
        try {
          yield* timeout(HOUR).run(function* () {
            yield* sleep(2 * HOUR);
          });
        } catch (e) {
          caught = e;
        }
        expect(caught).toBeInstanceOf(TimeoutError);
        expect(getRunningLoop().time()).toBe(HOUR);
        expect(performance.now() - t0).toBeLessThan(1000);
      },
      { clock: new MockClock({ autojumpThreshold: 0 }) },
    ));

  it('setting autojumpThreshold on a running loop switches autojump on', () => {
    const clock = new MockClock();
    return run(
      async () => {
        const t = createTask(async () => sleep(500, 'woke'));
        await waitAllTasksBlocked();
        expect(t.done()).toBe(false);
        clock.autojumpThreshold = 0;
        expect(await t).toBe('woke');
        expect(getRunningLoop().time()).toBe(500);
      },
      { clock },
    );
  });
});
