// Adversarial review of the EventLoop API against CPython 3.13 asyncio's BaseEventLoop
// (Lib/asyncio/base_events.py, events.py). Every expectation was checked with the pure-Python 3.13
// asyncio (probes quoted above each test, seconds turned into milliseconds); pass counts come from
// a `loop.call_soon` chain started first, as `ticker()` in eventloop.review.helpers.ts.
//
// This part: callbacks and their handles: scheduling order in one pass, Handle and TimerHandle
// cancel(), and the string of a handle.
import { describe, expect, it } from 'vitest';
import { newEventLoop, type Handle } from 'tulip';
import { MockClock } from 'tulip/testing';
import { ticker } from './eventloop.review.helpers.js';

// ---- scheduling order ---------------------------------------------------------------------------

describe('callSoon, callLater and callAt in one pass (base_events._run_once)', () => {
  // asyncio: call_soon(A); call_later(0, B); call_later(-5, N); call_at(time()-10, P); call_soon(C)
  // → [('A', 1), ('C', 1), ('P', 1), ('N', 1), ('B', 1)]: due timers are appended to the ready
  // queue after the callSoon callbacks, in deadline order, and all run in the same pass.
  it('due timers (callLater(0), a negative delay, callAt in the past) run in the same pass as the callSoon callbacks, after them, in deadline order', async () => {
    // A clock that stands still: on the real one, a stall of 5 ms between the two callLater calls
    // would put N's deadline after B's.
    const loop = newEventLoop({ clock: new MockClock() });
    const tick = ticker(loop);
    const log: [string, number][] = [];
    loop.callSoon(() => log.push(['A', tick()]));
    loop.callLater(0, () => log.push(['B', tick()]));
    loop.callLater(-5, () => log.push(['N', tick()]));
    loop.callAt(loop.time() - 10, () => log.push(['P', tick()]));
    loop.callSoon(() => log.push(['C', tick()]));
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    loop.close();
    expect(log).toEqual([
      ['A', 1],
      ['C', 1],
      ['P', 1],
      ['N', 1],
      ['B', 1],
    ]);
  });

  // asyncio: log.append('b'); call_soon(sched-by-b) in pass 1 → 'sched-by-b' runs in pass 2.
  it('a callback scheduled with callSoon by a callback runs in the next pass, after the rest of the current pass', async () => {
    const loop = newEventLoop();
    const tick = ticker(loop);
    const log: [string, number][] = [];
    loop.callSoon(() => {
      log.push(['b', tick()]);
      loop.callSoon(() => log.push(['by-b', tick()]));
    });
    loop.callSoon(() => log.push(['c', tick()]));
    loop.callSoon(() => loop.callSoon(() => loop.callSoon(() => loop.stop()))); // in pass 3, whatever the clock
    await loop.runForever();
    loop.close();
    expect(log).toEqual([
      ['b', 1],
      ['c', 1],
      ['by-b', 2],
    ]);
  });
});

// ---- handles ------------------------------------------------------------------------------------

describe('Handle and TimerHandle cancel() (events.Handle, events.TimerHandle)', () => {
  // asyncio: h = call_later(10, f); h.cancelled() → False; cancel() twice → cancelled() True,
  // when() unchanged.
  it('a TimerHandle keeps its when() after cancel(), and cancel() twice is harmless', () => {
    const loop = newEventLoop();
    const before = loop.time();
    const h = loop.callLater(10, () => {});
    const w = h.when();
    expect(w - before).toBeGreaterThanOrEqual(10);
    expect(w - loop.time()).toBeLessThanOrEqual(10);
    expect(h.cancelled()).toBe(false);
    h.cancel();
    h.cancel();
    expect(h.cancelled()).toBe(true);
    expect(h.when()).toBe(w);
    loop.close();
  });

  // asyncio: after the callback ran, hh.cancelled() → False; hh.cancel(); hh.cancelled() → True.
  it('a handle whose callback already ran is not cancelled(), and cancel() afterwards marks it cancelled', async () => {
    const loop = newEventLoop();
    let ran = 0;
    const h = loop.callSoon(() => ran++);
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    expect(ran).toBe(1);
    expect(h.cancelled()).toBe(false);
    h.cancel();
    expect(h.cancelled()).toBe(true);
    loop.close();
  });

  // asyncio: first() cancels h2 (a call_soon queued behind it) and t2 (a due call_later(0) moved to
  // the ready queue in the same pass) → ['first', (True, True), 'third']: neither runs.
  it('a callSoon handle and a due timer cancelled by an earlier callback of the same pass do not run', async () => {
    const loop = newEventLoop();
    const tick = ticker(loop);
    const log: unknown[] = [];
    let h2: Handle | undefined;
    let t2: Handle | undefined;
    loop.callSoon(() => {
      log.push(['first', tick()]);
      h2!.cancel();
      t2!.cancel();
      log.push([h2!.cancelled(), t2!.cancelled()]);
    });
    h2 = loop.callSoon(() => log.push('h2'));
    t2 = loop.callLater(0, () => log.push('t2'));
    loop.callSoon(() => log.push(['third', tick()]));
    loop.callLater(1, () => loop.stop());
    await loop.runForever();
    loop.close();
    expect(log).toEqual([['first', 1], [true, true], ['third', 1]]);
  });

  // asyncio: call_soon(cb, 1, 2) calls cb(1, 2); call_later(0, cb, 'x') calls cb('x').
  it('callSoon and callLater pass their extra arguments to the callback', async () => {
    const loop = newEventLoop();
    const got: unknown[][] = [];
    loop.callSoon((a: number, b: number) => got.push([a, b]), 1, 2);
    loop.callLater(0, (x: string) => got.push([x]), 'x');
    loop.callLater(1, () => loop.stop());
    await loop.runForever();
    loop.close();
    expect(got).toEqual([[1, 2], ['x']]);
  });
});

// ---- handle strings ---------------------------------------------------------------------------

describe('the string of a handle (events.Handle.__repr__, TimerHandle._repr_info)', () => {
  function boom(): void {}

  // asyncio: str(call_soon(boom)) starts '<Handle boom()' (then ' at file:line>').
  it('a live handle reads "<Handle boom()…"', () => {
    const loop = newEventLoop();
    expect(String(loop.callSoon(boom))).toMatch(/^<Handle boom\(\)/);
    loop.close();
  });

  // asyncio: h.cancel(); str(h) → '<Handle cancelled>'.
  it('a cancelled handle reads "<Handle cancelled>"', () => {
    const loop = newEventLoop();
    const h = loop.callSoon(boom);
    h.cancel();
    expect(String(h)).toBe('<Handle cancelled>');
    loop.close();
  });

  // asyncio: str(call_at(123.5, boom)) starts '<TimerHandle when=123.5 boom()'; after cancel():
  // '<TimerHandle cancelled when=123.5>'.
  it('a timer handle shows its deadline: "<TimerHandle when=123.5 boom()…", and "<TimerHandle cancelled when=123.5>" once cancelled', () => {
    const loop = newEventLoop();
    const th = loop.callAt(123.5, boom);
    expect(String(th)).toMatch(/^<TimerHandle when=123\.5 boom\(\)/);
    th.cancel();
    expect(String(th)).toBe('<TimerHandle cancelled when=123.5>');
    loop.close();
  });
});
