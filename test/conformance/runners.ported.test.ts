// Behaviour ports of CPython's Lib/test/test_asyncio/test_runners.py (3.14 sources, 3.13 semantics)
// that the other conformance files of this folder had not ported yet. tulip installs no SIGINT
// handler, so the KeyboardInterrupt half of the interrupt tests has no counterpart: what is ported
// is how a Runner ends a main task that is cancelled while it runs.
import { describe, expect, it } from 'vitest';
import { Runner, createTask, currentTask, sleep } from 'tulip';
import { FOREVER, STYLES, assertCancelled, errorOf, styled, virtualClock } from './helpers.js';

describe('Runner: a main task cancelled by one of its subtasks', () => {
  for (const style of STYLES) {
    // ports test_runners.py::RunnerTests.test_interrupt_cancelled_task (without the signal)
    it(`runner.run() rejects with CancelledError, and the runner still runs the next main (${style})`, async () => {
      const runner = new Runner({ clock: virtualClock() });
      try {
        let subtaskRan = false;
        const main = styled(
          style,
          function* () {
            const me = currentTask()!;
            createTask(function* () {
              yield* sleep(0);
              subtaskRan = true;
              me.cancel();
            });
            yield* sleep(FOREVER);
          },
          async () => {
            const me = currentTask()!;
            createTask(async () => {
              await sleep(0);
              subtaskRan = true;
              me.cancel();
            });
            await sleep(FOREVER);
          },
        );
        assertCancelled(await errorOf(() => runner.run(main)));
        expect(subtaskRan).toBe(true);
        expect(runner.getLoop().isClosed()).toBe(false);
        expect(await runner.run(() => 'next')).toBe('next');
      } finally {
        await runner.close();
      }
    });
  }
});
