// Gap ports of CPython 3.13 Lib/test/test_asyncio/test_threads.py (to_thread) and of the
// run_in_executor tests of test_events.py, on tulip's real default executor (worker threads).
// Functions cross to a worker by source text, arguments and results by structured clone, so these
// tests count calls in a SharedArrayBuffer (shared by the clone) rather than in a closure or mock.
// Every test names the CPython test it comes from.
import { describe, expect, it } from 'vitest';
import { RuntimeError, gather, getRunningLoop, newEventLoop, run, toThread } from 'tulip';
import { recordExceptions } from './helpers.js';

/** A counter in shared memory: a worker thread's Atomics.add() is seen by the main thread. */
const sharedCounter = (): Int32Array => new Int32Array(new SharedArrayBuffer(4));

describe('toThread (test_threads.py ToThreadTests)', () => {
  // test_to_thread_once
  it('calls the function exactly once', async () => {
    const calls = sharedCounter();
    await run(async () => {
      await toThread((counter: Int32Array) => {
        Atomics.add(counter, 0, 1);
      }, calls);
      expect(Atomics.load(calls, 0)).toBe(1);
    });
    // run() has shut the default executor down: no second call was on its way
    expect(Atomics.load(calls, 0)).toBe(1);
  });

  // test_to_thread_concurrent
  it('ten calls started together and gathered each run the function once', async () => {
    const calls = sharedCounter();
    const results = await run(async () => {
      const futs = Array.from({ length: 10 }, (_, i) =>
        toThread(
          (counter: Int32Array, n: number) => {
            Atomics.add(counter, 0, 1);
            return n * 10;
          },
          calls,
          i,
        ),
      );
      return gather(futs);
    });
    expect(Atomics.load(calls, 0)).toBe(10);
    expect(results).toEqual(Array.from({ length: 10 }, (_, i) => i * 10));
  });

  // test_to_thread_args_kwargs: Python's keyword arguments are an options object in TypeScript.
  it('passes the positional arguments and an options object through, once, as given', () =>
    run(async () => {
      const received = await toThread((...args: unknown[]) => args, 'test', { something: true });
      expect(received).toEqual(['test', { something: true }]);
    }));
});

describe('runInExecutor on the default executor (test_events.py EventLoopTestsMixin)', () => {
  // test_run_in_executor
  it('runInExecutor(null, fn, arg) runs fn on another thread and resolves with its result', async () => {
    const loop = newEventLoop();
    const mainThread = (await import('node:worker_threads')).threadId;
    const f = loop.runInExecutor(
      null,
      (arg: string): [string, number] => [arg, require('node:worker_threads').threadId as number],
      'yo',
    );
    const [res, threadId] = await loop.runUntilComplete(f);
    expect(res).toBe('yo');
    expect(threadId).not.toBe(mainThread);
    await loop.runUntilComplete(loop.shutdownDefaultExecutor());
    loop.close();
  });

  // test_run_in_executor_cancel: after the future was cancelled, the executor shut down and the
  // loop closed, the job's completion never calls into the loop.
  it('a job whose future was cancelled ends quietly: shutdownDefaultExecutor() waits for it and the closed loop hears nothing', async () => {
    const loop = newEventLoop();
    const seen = recordExceptions(loop);
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown): void => {
      unhandled.push(e);
    };
    process.on('unhandledRejection', onUnhandled);
    try {
      const finished = sharedCounter();
      const f = loop.runInExecutor(
        null,
        (flag: Int32Array) => {
          const start = Date.now();
          while (Date.now() - start < 30) {
            // a blocking job
          }
          Atomics.store(flag, 0, 1);
          return 'done';
        },
        finished,
      );
      expect(f.cancel()).toBe(true);
      await loop.runUntilComplete(loop.shutdownDefaultExecutor());
      // tulip runs work already handed to the executor to its end (see toThread's docs), and the
      // shutdown waited for it
      expect(Atomics.load(finished, 0)).toBe(1);
      loop.close();
      await new Promise((r) => setTimeout(r, 20)); // any late settlement would show up by now
      expect(f.cancelled()).toBe(true);
      expect(seen).toEqual([]);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  // asyncio's run_in_executor(None, …) checks _check_default_executor() (test_events.py
  // test_run_in_executor_cancel shuts the default executor down before closing the loop).
  // After shutdown_default_executor(), asyncio refuses run_in_executor(None, …) and to_thread with
  // RuntimeError('Executor shutdown has been called'), even after set_default_executor().
  it('after shutdownDefaultExecutor(), runInExecutor(null, …) and toThread are refused with RuntimeError("Executor shutdown has been called")', async () => {
    const loop = newEventLoop();
    expect(await loop.runUntilComplete(loop.runInExecutor(null, () => 1))).toBe(1);
    await loop.runUntilComplete(loop.shutdownDefaultExecutor());
    const outcome = (call: () => unknown): Promise<unknown> =>
      loop.runUntilComplete(async () => {
        try {
          return await (call() as PromiseLike<unknown>);
        } catch (e) {
          return e;
        }
      });
    const viaLoop = await outcome(() => getRunningLoop().runInExecutor(null, () => 2));
    const viaToThread = await outcome(() => toThread(() => 3));
    await loop.runUntilComplete(loop.shutdownDefaultExecutor()); // in case a new pool was made
    loop.close();
    for (const e of [viaLoop, viaToThread]) {
      expect(e).toBeInstanceOf(RuntimeError);
      expect((e as Error).message).toMatch(/Executor shutdown has been called/);
    }
  });
});
