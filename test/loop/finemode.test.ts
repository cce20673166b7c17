// Debug and fine mode record where tasks suspend through hooks every future and every suspension
// calls (src/internal/hooks.ts): they must go once no loop is in either mode, so that a stall's
// ten seconds of fine mode (or a debug run) leave no cost behind.
import { describe, expect, it } from 'vitest';
import { getRunningLoop, newEventLoop, run, sleep } from 'tulip';
import { onSuspend } from '../../src/internal/hooks.js';

describe('the suspension-recording hooks', () => {
  it('are off outside debug and fine mode', () =>
    run(async () => {
      await sleep(0);
      expect(onSuspend).toBeNull();
    }));

  it('are on while a loop is in debug mode, and off again once it leaves it', () =>
    run(
      async () => {
        // No stall may keep fine mode on (a slow first step on a loaded machine would: ten seconds).
        getRunningLoop().slowCallbackDuration = Infinity;
        await sleep(0);
        expect(onSuspend).not.toBeNull();
        getRunningLoop().setDebug(false);
        await sleep(1); // a new burst of passes: fine mode is looked at again
        expect(onSuspend).toBeNull();
      },
      { debug: true },
    ));

  it('stay while another loop still wants them, and go when the last one closes', async () => {
    const a = newEventLoop({ debug: true });
    const b = newEventLoop({ debug: true });
    const nap = function* (): Generator<unknown, void, unknown> {
      yield* sleep(0);
    };
    await a.runUntilComplete(a.createTask(nap));
    await b.runUntilComplete(b.createTask(nap));
    expect(onSuspend).not.toBeNull();
    await a.close();
    expect(onSuspend).not.toBeNull();
    await b.close();
    expect(onSuspend).toBeNull();
  });
});
