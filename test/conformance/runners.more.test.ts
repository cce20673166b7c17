// More behaviour ports of CPython 3.13 Lib/test/test_asyncio/test_runners.py: the tests not
// ported yet in runners.test.ts and runner.test.ts.
//
// Skipped (one line each):
// - RunTests.test_asyncio_run_without_uncancel: a custom task factory (loop.set_task_factory).
// - RunTests.test_loop_factory_default_event_loop / RunnerTests.test_custom_factory /
//   test_set_event_loop_called_once: loop factories and the global event-loop policy.
// - RunnerTests.test_run_keeps_context: ported in contextvars.test.ts.
// - RunnerTests.test_no_repr_is_call_on_the_task_result: Python repr.
// - RunnerTests.test_signal_install_not_supported_ok / SIGINT tests: signals (main thread only).
// - RunnerTests.test_run_awaitable: any awaitable (3.14); tulip's Runner takes a Future, ported
//   in runner.test.ts (test_run_future).
import { describe, expect, it } from 'vitest';
import { Runner, createTask, sleep } from 'tulip';
import { errorOf } from './helpers.js';

describe('Runner', () => {
  // ports test_runners.py::RunnerTests.test_run_non_coro
  it('run(123) is refused with TypeError and the runner stays usable', async () => {
    const runner = new Runner();
    try {
      const e = await errorOf(() => runner.run(123 as never));
      expect(e).toBeInstanceOf(TypeError);
      expect(await runner.run(async () => 'ok')).toBe('ok');
    } finally {
      await runner.close();
    }
  });

  // ports test_runners.py::RunnerTests.test_run_non_coro (a bare promise)
  it('run(promise) is refused with TypeError: its work started outside the loop', async () => {
    const runner = new Runner();
    try {
      const e = await errorOf(() => runner.run(Promise.resolve(1) as never));
      expect(e).toBeInstanceOf(TypeError);
    } finally {
      await runner.close();
    }
  });

  // ports test_runners.py::RunnerTests.test_run (a generator object, then a generator function)
  it('runs a generator object and then a generator function on the same loop', async () => {
    const runner = new Runner();
    try {
      function* job(x: number) {
        yield* sleep(0);
        return x * 2;
      }
      expect(await runner.run(job(2))).toBe(4);
      const loop = runner.getLoop();
      expect(await runner.run(() => job(3))).toBe(6);
      expect(runner.getLoop()).toBe(loop);
      // a task left over from a run is cancelled by close()
      let left: ReturnType<typeof createTask> | null = null;
      await runner.run(() => {
        left = createTask(() => sleep(1_000_000));
      });
      await runner.close();
      expect(left!.cancelled()).toBe(true);
    } finally {
      await runner.close();
    }
  });
});
