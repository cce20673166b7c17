// Unit tests of the timers of src/loop/eventloop.ts: deadline and FIFO order, callLater()/callAt()
// edge cases, cancelled timers and the purge of the heap, re-arming the host timer, and loop.time()
// (the rest of the event loop is in eventloop.test.ts).
import { describe, it, expect } from 'vitest';
import { EventLoop, newEventLoop, type TimerHandle } from 'tulip';
import { MockClock } from 'tulip/testing';
import { virtualClock } from '../support.js';

/** Runs the loop until `stop()`; the loop is stopped by a timer at `atMs` (virtual). */
function virtualLoop(): { loop: EventLoop; clock: MockClock } {
  const clock = virtualClock();
  return { loop: newEventLoop({ clock }), clock };
}

describe('timers', () => {
  it('timers run in deadline order, and equal deadlines in scheduling order (FIFO)', async () => {
    const { loop } = virtualLoop();
    const log: string[] = [];
    loop.callAt(10, () => log.push('a@10'));
    loop.callAt(5, () => log.push('b@5'));
    loop.callAt(10, () => log.push('c@10'));
    loop.callLater(10, () => log.push('d@10'));
    loop.callAt(7, () => log.push('e@7'));
    loop.callAt(10, () => log.push('f@10'));
    loop.callAt(20, () => loop.stop());
    await loop.runForever();
    loop.close();
    expect(log).toEqual(['b@5', 'e@7', 'a@10', 'c@10', 'd@10', 'f@10']);
  });

  it('a thousand timers with the same deadline run in scheduling order', async () => {
    const { loop } = virtualLoop();
    const log: number[] = [];
    for (let i = 0; i < 1000; i++) loop.callAt(50, () => log.push(i));
    loop.callAt(51, () => loop.stop());
    await loop.runForever();
    loop.close();
    expect(log).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it('a timer that comes due runs after the callbacks already ready at the start of the pass', async () => {
    const { loop, clock } = virtualLoop();
    const log: string[] = [];
    loop.callSoon(() => {
      clock.jump(5);
      loop.callSoon(() => log.push('soon, scheduled before the timer was due'));
    });
    loop.callAt(5, () => {
      log.push('timer');
      loop.stop();
    });
    await loop.runForever();
    loop.close();
    expect(log).toEqual(['soon, scheduled before the timer was due', 'timer']);
  });

  it('callLater() with a zero or negative delay runs at the next pass, and when() is in the past', async () => {
    const { loop } = virtualLoop();
    const log: string[] = [];
    const t = loop.callLater(-10, () => log.push('late'));
    expect(t.when()).toBe(-10);
    loop.callLater(0, () => {
      log.push('zero');
      loop.stop();
    });
    await loop.runForever();
    loop.close();
    expect(log).toEqual(['late', 'zero']);
  });

  it('callAt(Infinity) never runs', async () => {
    const { loop } = virtualLoop();
    let ran = false;
    loop.callAt(Infinity, () => {
      ran = true;
    });
    loop.callAt(1000, () => loop.stop());
    await loop.runForever();
    loop.close();
    expect(ran).toBe(false);
  });

  it('the timers run at their deadline on the loop clock', async () => {
    const { loop } = virtualLoop();
    const at: number[] = [];
    loop.callLater(100, () => at.push(loop.time()));
    loop.callLater(250, () => {
      at.push(loop.time());
      loop.stop();
    });
    await loop.runForever();
    loop.close();
    expect(at).toEqual([100, 250]);
  });

  it('cancelled timers never run, and the heap is purged once they dominate it', async () => {
    const { loop } = virtualLoop();
    const heap = (): number => (loop as unknown as { _timers: { size: number } })._timers.size;
    const handles: TimerHandle[] = [];
    const ran: number[] = [];
    for (let i = 0; i < 300; i++) handles.push(loop.callLater(1000 + i, () => ran.push(i)));
    expect(heap()).toBe(300);
    for (let i = 0; i < 200; i++) handles[i]!.cancel();
    expect(heap()).toBeLessThan(300); // purged without waiting for the deadlines
    expect(heap()).toBeGreaterThanOrEqual(100);
    loop.callLater(2000, () => loop.stop());
    await loop.runForever();
    loop.close();
    expect(ran).toEqual(Array.from({ length: 100 }, (_, i) => 200 + i));
  });

  it('cancelling a timer twice, or after it ran, does not count it twice for the purge', async () => {
    const { loop } = virtualLoop();
    const counter = (): number => (loop as unknown as { _cancelledTimers: number })._cancelledTimers;
    const a = loop.callLater(10, () => {});
    a.cancel();
    a.cancel();
    expect(counter()).toBe(1);
    const b = loop.callLater(5, () => {});
    loop.callLater(20, () => loop.stop());
    await loop.runForever();
    b.cancel(); // already ran
    expect(counter()).toBe(0);
    loop.close();
  });

  it('a timer added while the loop is idle re-arms the host timer for an earlier deadline', async () => {
    const loop = newEventLoop();
    const log: string[] = [];
    loop.callLater(10_000, () => log.push('late'));
    setTimeout(() => {
      loop.callLater(1, () => {
        log.push('early');
        loop.stop();
      });
    }, 2);
    await loop.runForever();
    loop.close();
    expect(log).toEqual(['early']);
  });

  it('loop.time() reads the loop clock', () => {
    const clock = new MockClock();
    const loop = newEventLoop({ clock });
    expect(loop.time()).toBe(0);
    clock.jump(42);
    expect(loop.time()).toBe(42);
    loop.close();
  });
});
