// Unit tests of src/loop/registry.ts: which loop getRunningLoop() finds, in callbacks and tasks.
import { describe, it, expect } from 'vitest';
import {
  RuntimeError,
  createTask,
  ensureFuture,
  getRunningLoop,
  newEventLoop,
  run,
  sleep,
  type EventLoop,
} from 'tulip';

describe('getRunningLoop', () => {
  it('throws RuntimeError "no running event loop" outside any loop', () => {
    expect(() => getRunningLoop()).toThrow(RuntimeError);
    expect(() => getRunningLoop()).toThrow('getRunningLoop: no running event loop');
  });

  it('is the loop in its plain callbacks and timers, and nothing once the loop stopped', async () => {
    const loop = newEventLoop();
    const seen: EventLoop[] = [];
    loop.callSoon(() => seen.push(getRunningLoop()));
    loop.callLater(1, () => {
      seen.push(getRunningLoop());
      loop.stop();
    });
    await loop.runForever();
    expect(seen).toEqual([loop, loop]);
    expect(() => getRunningLoop()).toThrow(RuntimeError);
    loop.close();
  });

  it('is the task loop in a generator task, before and after waits', () =>
    run(function* () {
      const loop = getRunningLoop();
      yield* sleep(1);
      expect(getRunningLoop()).toBe(loop);
      yield* ensureFuture(new Promise((r) => setTimeout(r, 1)));
      expect(getRunningLoop()).toBe(loop);
    }));

  it('is the task loop in an async task after awaits of native promises and timers', () =>
    run(async () => {
      const loop = getRunningLoop();
      await new Promise((r) => setTimeout(r, 1));
      expect(getRunningLoop()).toBe(loop);
      await Promise.resolve();
      expect(getRunningLoop()).toBe(loop);
      await sleep(0);
      expect(getRunningLoop()).toBe(loop);
    }));

  it('two loops running at the same time each see their own loop in their tasks', async () => {
    const a = newEventLoop();
    const b = newEventLoop();
    const body = (tag: string) => async (): Promise<string[]> => {
      const mine = getRunningLoop();
      const out: string[] = [];
      for (let i = 0; i < 5; i++) {
        await new Promise((r) => setTimeout(r, 0));
        out.push(getRunningLoop() === mine ? tag : 'WRONG');
        await sleep(0);
        out.push(getRunningLoop() === mine ? tag : 'WRONG');
      }
      return out;
    };
    const [ra, rb] = await Promise.all([a.runUntilComplete(body('a')), b.runUntilComplete(body('b'))]);
    expect(ra).toEqual(Array(10).fill('a'));
    expect(rb).toEqual(Array(10).fill('b'));
    a.close();
    b.close();
  });

  it('inside a task of one loop, a task created there belongs to that loop', () =>
    run(async () => {
      const loop = getRunningLoop();
      const t = createTask(async () => getRunningLoop());
      expect(t.getLoop()).toBe(loop);
      expect(await t).toBe(loop);
    }));
});
