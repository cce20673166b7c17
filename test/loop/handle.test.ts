// Unit tests of src/loop/handle.ts: Handle and TimerHandle (cancel, when, reporting, toString).
import { describe, it, expect } from 'vitest';
import { Handle, TimerHandle, newEventLoop, type ExceptionContext } from 'tulip';
import { MockClock } from 'tulip/testing';
import { virtualClock } from '../support.js';

describe('Handle', () => {
  it('callSoon() returns a Handle that is not cancelled', () => {
    const loop = newEventLoop();
    const h = loop.callSoon(() => {});
    expect(h).toBeInstanceOf(Handle);
    expect(h).not.toBeInstanceOf(TimerHandle);
    expect(h.cancelled()).toBe(false);
    loop.close();
  });

  it('cancel() keeps the callback from running, and is idempotent', async () => {
    const loop = newEventLoop();
    let ran = 0;
    const h = loop.callSoon(() => ran++);
    h.cancel();
    h.cancel();
    expect(h.cancelled()).toBe(true);
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    loop.close();
    expect(ran).toBe(0);
  });

  it('cancel() after the callback ran marks the handle cancelled and changes nothing else', async () => {
    const loop = newEventLoop();
    let ran = 0;
    const h = loop.callSoon(() => ran++);
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    expect(ran).toBe(1);
    h.cancel();
    expect(h.cancelled()).toBe(true);
    loop.close();
  });

  it('a handle runs its callback once, with the arguments given to callSoon()', async () => {
    const loop = newEventLoop();
    const calls: unknown[][] = [];
    loop.callSoon((...args: unknown[]) => calls.push(args), 'a', 2, null);
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    loop.close();
    expect(calls).toEqual([['a', 2, null]]);
  });

  it('toString() names the callback or (anonymous), says cancelled, and shows a timer\'s deadline (asyncio\'s repr)', () => {
    const loop = newEventLoop();
    const named = loop.callSoon(function tick() {});
    const anon = loop.callSoon([() => {}][0]!);
    const cancelled = loop.callSoon(function gone() {});
    cancelled.cancel();
    expect(String(named)).toBe('<Handle tick()>');
    expect(String(anon)).toBe('<Handle (anonymous)()>');
    expect(String(cancelled)).toBe('<Handle cancelled>');
    const t = loop.callLater(5, function later() {});
    expect(String(t)).toBe(`<TimerHandle when=${t.when()} later()>`);
    t.cancel();
    expect(String(t)).toBe(`<TimerHandle cancelled when=${t.when()}>`);
    loop.close();
  });

  it('a callback that throws is reported with its handle, and a cancelled handle never reports', async () => {
    const loop = newEventLoop();
    const seen: ExceptionContext[] = [];
    loop.setExceptionHandler((_l, ctx) => {
      seen.push(ctx);
    });
    const err = new TypeError('bad');
    const h = loop.callSoon(function thrower() {
      throw err;
    });
    const never = loop.callSoon(function alsoThrower() {
      throw new Error('never');
    });
    never.cancel();
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    loop.close();
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ message: 'Exception in callback thrower()', exception: err, handle: h });
  });
});

describe('TimerHandle', () => {
  it('when() is the deadline on the loop clock, for callLater() and callAt()', () => {
    const clock = new MockClock();
    clock.jump(1000);
    const loop = newEventLoop({ clock });
    const a = loop.callLater(250, () => {});
    const b = loop.callAt(42, () => {});
    expect(a).toBeInstanceOf(TimerHandle);
    expect(a).toBeInstanceOf(Handle);
    expect(a.when()).toBe(1250);
    expect(b.when()).toBe(42);
    loop.close();
  });

  it('a cancelled timer never runs, and its when() stays the same', async () => {
    const clock = virtualClock();
    const loop = newEventLoop({ clock });
    let ran = false;
    const t = loop.callLater(10, () => {
      ran = true;
    });
    t.cancel();
    expect(t.cancelled()).toBe(true);
    expect(t.when()).toBe(10);
    loop.callLater(20, () => loop.stop());
    await loop.runForever();
    loop.close();
    expect(ran).toBe(false);
    expect(loop.time()).toBe(20);
  });

  it('cancelling a timer from an earlier callback of the same pass keeps it from running', async () => {
    const clock = virtualClock();
    const loop = newEventLoop({ clock });
    const log: string[] = [];
    loop.callLater(10, () => {
      log.push('first');
      second.cancel();
    });
    const second = loop.callLater(10, () => log.push('second'));
    loop.callLater(11, () => loop.stop());
    await loop.runForever();
    loop.close();
    expect(log).toEqual(['first']);
  });

  it('a throwing timer callback is reported with its TimerHandle', async () => {
    const clock = virtualClock();
    const loop = newEventLoop({ clock });
    const seen: ExceptionContext[] = [];
    loop.setExceptionHandler((_l, ctx) => {
      seen.push(ctx);
    });
    const t = loop.callLater(5, function alarm() {
      throw new Error('ring');
    });
    loop.callLater(6, () => loop.stop());
    await loop.runForever();
    loop.close();
    expect(seen).toHaveLength(1);
    expect(seen[0]!.message).toBe('Exception in callback alarm()');
    expect(seen[0]!.handle).toBe(t);
  });
});
