// Unit tests of src/loop/signals.ts: loop.addSignalHandler()/removeSignalHandler() (asyncio's
// add_signal_handler). Deliveries are simulated with process.emit(sig) (Node's listeners are what
// a real signal calls), and one real signal is sent: SIGWINCH, whose default action is to ignore
// it, so a missing handler could not end the test process.
import { AsyncLocalStorage } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import { Event, Runner, RuntimeError, currentTask, getRunningLoop, newEventLoop, run, sleep, type EventLoop } from 'tulip';
import { passes, syncError } from '../support.js';

describe('loop.addSignalHandler()', () => {
  it('runs the callback with its arguments in a later loop pass, outside any task', () =>
    run(async () => {
      const loop = getRunningLoop();
      const calls: unknown[][] = [];
      loop.addSignalHandler(
        'SIGHUP',
        (a: number, b: string) => {
          calls.push([a, b, getRunningLoop() === loop, currentTask()]);
        },
        1,
        'x',
      );
      try {
        process.emit('SIGHUP', 'SIGHUP');
        expect(calls).toEqual([]); // not synchronously: through callSoon
        await passes(1);
        expect(calls).toEqual([[1, 'x', true, undefined]]);
      } finally {
        loop.removeSignalHandler('SIGHUP');
      }
    }));

  it('runs the callback in the AsyncLocalStorage context where the handler was added', () =>
    run(async () => {
      const loop = getRunningLoop();
      const als = new AsyncLocalStorage<string>();
      const seen: (string | undefined)[] = [];
      als.run('added', () => loop.addSignalHandler('SIGHUP', () => seen.push(als.getStore())));
      try {
        als.run('delivered', () => process.emit('SIGHUP', 'SIGHUP'));
        await passes(1);
        expect(seen).toEqual(['added']);
      } finally {
        loop.removeSignalHandler('SIGHUP');
      }
    }));

  it('a real signal reaches the handler, which can wake a waiting task (graceful shutdown)', () =>
    run(async () => {
      const loop = getRunningLoop();
      const stop = new Event();
      loop.addSignalHandler('SIGWINCH', () => stop.set());
      try {
        process.kill(process.pid, 'SIGWINCH');
        await stop.wait();
        expect(stop.isSet()).toBe(true);
      } finally {
        loop.removeSignalHandler('SIGWINCH');
      }
    }));

  it('a second handler for the same signal replaces the first; removeSignalHandler says whether there was one', () =>
    run(async () => {
      const loop = getRunningLoop();
      const before = process.listenerCount('SIGHUP');
      const seen: string[] = [];
      loop.addSignalHandler('SIGHUP', () => seen.push('first'));
      loop.addSignalHandler('SIGHUP', () => seen.push('second'));
      expect(process.listenerCount('SIGHUP')).toBe(before + 1);
      process.emit('SIGHUP', 'SIGHUP');
      await passes(1);
      expect(seen).toEqual(['second']);
      expect(loop.removeSignalHandler('SIGHUP')).toBe(true);
      expect(loop.removeSignalHandler('SIGHUP')).toBe(false);
      expect(process.listenerCount('SIGHUP')).toBe(before);
      process.emit('SIGHUP', 'SIGHUP');
      await passes(1);
      expect(seen).toEqual(['second']);
    }));

  it('close() removes the loop\'s handlers', async () => {
    const before = process.listenerCount('SIGHUP');
    const loop: EventLoop = newEventLoop();
    loop.addSignalHandler('SIGHUP', () => {});
    expect(process.listenerCount('SIGHUP')).toBe(before + 1);
    loop.close();
    expect(process.listenerCount('SIGHUP')).toBe(before);
    expect(syncError(() => loop.addSignalHandler('SIGHUP', () => {})).message).toMatch(/addSignalHandler: Event loop is closed/);
  });

  it('refuses bad input with a clear error and installs nothing', () =>
    run(() => {
      const loop = getRunningLoop();
      const before = process.listenerCount('SIGHUP');
      expect(syncError(() => loop.addSignalHandler(15 as unknown as NodeJS.Signals, () => {}))).toBeInstanceOf(TypeError);
      const unknown = syncError(() => loop.addSignalHandler('SIGNOPE' as NodeJS.Signals, () => {}));
      expect(unknown).toBeInstanceOf(RangeError);
      expect(unknown.message).toMatch(/addSignalHandler: invalid signal name 'SIGNOPE'/);
      const kill = syncError(() => loop.addSignalHandler('SIGKILL', () => {}));
      expect(kill).toBeInstanceOf(RuntimeError);
      expect(kill.message).toMatch(/SIGKILL cannot be caught/);
      expect(syncError(() => loop.addSignalHandler('SIGHUP', 'nope' as never)).message).toMatch(/callback must be a function/);
      expect(syncError(() => loop.addSignalHandler('SIGHUP', function* () {})).message).toMatch(/coroutines cannot be used with addSignalHandler/);
      expect(syncError(() => loop.removeSignalHandler('SIGNOPE' as NodeJS.Signals))).toBeInstanceOf(RangeError);
      expect(process.listenerCount('SIGHUP')).toBe(before);
    }));

  it('a SIGINT handler of the loop keeps run() from cancelling its main task on Ctrl-C', async () => {
    const before = process.listenerCount('SIGINT');
    const runner = new Runner();
    const seen: string[] = [];
    runner.getLoop().addSignalHandler('SIGINT', () => seen.push('handler'));
    try {
      const r = await runner.run(async () => {
        process.emit('SIGINT', 'SIGINT');
        await sleep(0);
        await sleep(0);
        return 'main finished';
      });
      expect(r).toBe('main finished');
      expect(seen).toEqual(['handler']);
    } finally {
      await runner.close();
    }
    expect(process.listenerCount('SIGINT')).toBe(before);
  });
});
