// Debug and fine mode record where tasks suspend through hooks every future and every suspension
// calls (src/internal/hooks.ts): they must go once no loop is in either mode, so that a stall's
// ten seconds of fine mode (or a debug run) leave no cost behind.
import { describe, expect, it } from 'vitest';
import { createTask, gather, getRunningLoop, newEventLoop, run, sleep } from 'tulip';
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

describe('the order of a pass in debug (fine) mode', () => {
  /**
   * Two async tasks resumed in one pass, the first of which starts a foreign promise chain of
   * several hops, and a callback after them: the trace of what ran, in order.
   */
  async function trace(debug: boolean): Promise<string[]> {
    const seen: string[] = [];
    await run(
      async () => {
        getRunningLoop().slowCallbackDuration = Infinity;
        const a = createTask(async () => {
          await sleep(0);
          seen.push('a resumed');
          void Promise.resolve()
            .then(() => seen.push('hop 1'))
            .then(() => seen.push('hop 2'))
            .then(() => seen.push('hop 3'))
            .then(() => seen.push('hop 4'));
          await sleep(0);
          seen.push('a again');
        });
        const b = createTask(async () => {
          await sleep(0);
          seen.push('b resumed');
        });
        await sleep(0);
        getRunningLoop().callSoon(() => seen.push('callback'));
        await gather([a, b]);
      },
      { debug },
    );
    return seen;
  }

  it('is the order of normal mode: the loop goes on when the resumed task waits again, as outside it', async () => {
    // (On Node 24 the loop goes on before the chain's last hops; on Node 20, whose promise hops
    // cost more, after them: in both modes alike.)
    expect(await trace(true)).toEqual(await trace(false));
  });
});
