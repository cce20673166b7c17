// Second adversarial review of the executors (toThread, loop.runInExecutor / setDefaultExecutor /
// shutdownDefaultExecutor, ThreadPoolExecutor) against CPython 3.13: asyncio.to_thread,
// run_in_executor (wrap_future / _chain_future), shutdown_default_executor and
// concurrent.futures.ThreadPoolExecutor. Each comment quotes what the Python probes under
// /tmp/rv-exec/ printed (pure-Python asyncio 3.13; jobs there sleep with time.sleep so that the GIL
// does not skew the timing). Shared helpers: executor.review2.helpers.ts.
//
// This part: shutting a pool down with jobs queued (shutdown(), shutdownDefaultExecutor()), run()'s
// exit with the default executor, and loop.close() with jobs queued.
import { describe, expect, it } from 'vitest';
import { CancelledError, RuntimeError, ThreadPoolExecutor, createTask, getRunningLoop, newEventLoop, run, toThread } from 'tulip';
import { STYLES, passes, styled, waiting } from './helpers.js';
import { hold, isSet, nap, newFlag, outcomeOf, release } from './executor.review2.helpers.js';

/** Polls (every 2 ms, up to `maxMs` real ms) until a worker sets `flag`. */
async function flagSet(flag: Int32Array, maxMs: number): Promise<boolean> {
  for (const start = Date.now(); !isSet(flag) && Date.now() - start < maxMs; ) await new Promise((r) => setTimeout(r, 2));
  return isSet(flag);
}

/** Lets promise callbacks and a host macrotask run (settlements already on their way arrive). */
const hostTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

// ---- shutdown with jobs queued -----------------------------------------------------------------

describe('shutting a pool down while tasks await its jobs', () => {
  // concurrent.futures: shutdown(wait=False, cancel_futures=True) cancels the queued job's future;
  // the asyncio future chained to it is cancelled, so the awaiting task raises CancelledError and
  // ends cancelled; the running job finishes; submit/run_in_executor then raise RuntimeError
  // 'cannot schedule new futures after shutdown' (p1.py p1: "exc CancelledError () cancelled True",
  // "blocker 30 ran False", "rie after RuntimeError cannot schedule new futures after shutdown").
  for (const style of STYLES) {
    it(`shutdown({ wait: false, cancelFutures: true }) ends a task awaiting a queued job cancelled; the running job still gives its result (${style})`, () =>
      run(async () => {
        const loop = getRunningLoop();
        const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
        const ran = newFlag();
        const gate = newFlag();
        const blocker = loop.runInExecutor(pool, hold, gate, undefined, 10);
        const t = createTask(waiting(style, () => loop.runInExecutor(pool, nap, 0, ran)));
        await passes(2);
        await pool.shutdown({ wait: false, cancelFutures: true });
        await expect(t).rejects.toBeInstanceOf(CancelledError);
        expect(t.cancelled()).toBe(true);
        release(gate);
        expect(await blocker).toBe(10);
        expect(isSet(ran)).toBe(false);
        expect(() => loop.runInExecutor(pool, nap, 0)).toThrow(RuntimeError);
        expect(() => loop.runInExecutor(pool, nap, 0)).toThrow(/cannot schedule new \w+ after shutdown/);
        await pool.shutdown();
      }));
  }

  // concurrent.futures: shutdown(wait=False) then shutdown(cancel_futures=True): the second call
  // still cancels the jobs left in the queue, and the running one ends with its result (p8.py:
  // "second shutdown 10 True True").
  it('a second shutdown({ cancelFutures: true }) after shutdown(false) still drops the queued jobs', async () => {
    const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    const gate = newFlag();
    const running = pool.submit(hold, gate, undefined, 10);
    const queued = [pool.submit(nap, 0), pool.submit(nap, 0)].map((p) => p.catch((e: unknown) => e));
    await pool.shutdown(false);
    expect(pool.statistics().queued).toBe(2);
    release(gate); // the main thread hands out the jobs: the shutdown below drops them first
    await pool.shutdown({ cancelFutures: true });
    expect(await running).toBe(10);
    expect((await Promise.all(queued)).map((e) => e instanceof CancelledError)).toEqual([true, true]);
  });

  // asyncio: while shutdown_default_executor() waits, the jobs already submitted (running and
  // queued) run and their tasks get the results; to_thread meanwhile raises RuntimeError('Executor
  // shutdown has been called') and the pool's submit() RuntimeError (p1.py p9: "during
  // RuntimeError Executor shutdown has been called", "submit during RuntimeError cannot schedule
  // new futures after shutdown", "20 1").
  for (const style of STYLES) {
    it(`shutdownDefaultExecutor() lets the queued job of a waiting task run, while new jobs are refused (${style})`, () =>
      run(async () => {
        const loop = getRunningLoop();
        const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
        loop.setDefaultExecutor(pool);
        const gate = newFlag();
        const running = createTask(waiting(style, () => toThread(hold, gate, undefined, 10)));
        const queued = createTask(waiting(style, () => toThread(nap, 1)));
        await passes(2);
        expect(pool.statistics()).toMatchObject({ busy: 1, queued: 1 });
        const shut = loop.shutdownDefaultExecutor();
        const refused = createTask(outcomeOf(style, () => toThread(nap, 0)));
        const [kind, e] = await refused;
        expect(kind).toBe('err');
        expect(e).toBeInstanceOf(RuntimeError);
        expect(String(e)).toMatch(/Executor shutdown has been called/);
        expect(() => pool.submit(nap, 0)).toThrow(RuntimeError);
        release(gate);
        await shut;
        expect([await running, await queued]).toEqual([10, 1]);
        expect(pool.statistics()).toEqual({ threads: 0, busy: 0, queued: 0 });
      }));
  }

  // asyncio: cancelling the task that awaits shutdown_default_executor() stops the wait only: the
  // running job ends with its result, to_thread stays refused and the pool is shut down, its thread
  // ended (p3.py p14: "waiter cancelled; job done? False", "job 20", "after Executor shutdown has
  // been called", "pool shut True threads alive [False]").
  it('cancelling the wait of shutdownDefaultExecutor() does not stop the shutdown', () =>
    run(async () => {
      const loop = getRunningLoop();
      const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
      loop.setDefaultExecutor(pool);
      const done = newFlag();
      const gate = newFlag();
      const job = toThread(hold, gate, done, 15);
      await passes(1);
      const waiter = createTask(() => loop.shutdownDefaultExecutor());
      await passes(2);
      waiter.cancel();
      await expect(waiter).rejects.toBeInstanceOf(CancelledError);
      expect(isSet(done)).toBe(false);
      release(gate);
      expect(await job).toBe(15);
      expect(() => toThread(nap, 0)).toThrow(/Executor shutdown has been called/);
      expect(() => pool.submit(nap, 0)).toThrow(RuntimeError);
      for (let i = 0; i < 50 && pool.statistics().threads > 0; i++) await hostTurn();
      expect(pool.statistics()).toEqual({ threads: 0, busy: 0, queued: 0 });
    }));
});

// ---- run() at exit -----------------------------------------------------------------------------

describe("run()'s exit and the default executor", () => {
  // asyncio.run's shutdown_default_executor() shuts down the executor given to
  // set_default_executor(): its submit() raises RuntimeError afterwards. An executor replaced
  // earlier by set_default_executor() is not shut down (p2.py p6: "pool after run RuntimeError
  // cannot schedule new futures after shutdown", "old usable after run 0").
  it('run() shuts down the pool set as default executor, not one it replaced', async () => {
    const old = new ThreadPoolExecutor({ maxWorkers: 1 });
    const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    try {
      await run(async () => {
        const loop = getRunningLoop();
        loop.setDefaultExecutor(old);
        expect(await toThread(nap, 1)).toBe(1);
        loop.setDefaultExecutor(pool);
        expect(await toThread(nap, 2)).toBe(2);
      });
      expect(() => pool.submit(nap, 0)).toThrow(RuntimeError);
      expect(pool.statistics().threads).toBe(0);
      expect(await old.submit(nap, 0)).toBe(0);
    } finally {
      await old.shutdown();
    }
  });

  // asyncio.run cancels the leftover tasks before shutting the default executor down: a task
  // awaiting a queued to_thread job is cancelled and its job never runs; the running job's task is
  // cancelled too, but the job runs to its end before asyncio.run returns (p3.py p13:
  // "cancelled [20, 0] running job done True queued ran False").
  for (const style of STYLES) {
    it(`at exit, a leftover task's queued job is dropped and a running job ends before run() returns (${style})`, async () => {
      const ran = newFlag();
      const done = newFlag();
      const cancelled: number[] = [];
      const bg = (ms: number, flag: Int32Array) =>
        styled(
          style,
          function* () {
            try {
              yield* toThread(nap, ms, flag);
            } catch (e) {
              if (e instanceof CancelledError) cancelled.push(ms);
              throw e;
            }
          },
          async () => {
            try {
              await toThread(nap, ms, flag);
            } catch (e) {
              if (e instanceof CancelledError) cancelled.push(ms);
              throw e;
            }
          },
        );
      await run(async () => {
        getRunningLoop().setDefaultExecutor(new ThreadPoolExecutor({ maxWorkers: 1 }));
        createTask(bg(15, done));
        createTask(bg(0, ran));
        await passes(2);
      });
      expect(cancelled).toEqual([15, 0]);
      expect(isSet(done)).toBe(true);
      expect(isSet(ran)).toBe(false);
    });
  }
});

describe('loop.close() with jobs queued', () => {
  // asyncio: close() calls the default executor's shutdown(wait=False), which cancels nothing: the
  // running and the queued job both run to their end (p7.py: "close: both ran True True").
  it('loop.close() without shutdownDefaultExecutor() lets the queued job run too', async () => {
    const loop = newEventLoop();
    loop.setDefaultExecutor(new ThreadPoolExecutor({ maxWorkers: 1 }));
    const first = newFlag();
    const second = newFlag();
    loop.runInExecutor(null, nap, 10, first);
    loop.runInExecutor(null, nap, 0, second);
    loop.close();
    expect(await flagSet(second, 5000)).toBe(true);
    expect(isSet(first)).toBe(true);
  });

  // asyncio: _chain_future's _call_set_state returns without touching the destination when its
  // loop is closed, so the futures of jobs that end after close() stay pending (p7.py: "futs done
  // False False"). (tulip settled them although the loop was closed; fixed in wrapThenable.)
  it('the futures of jobs that end after loop.close() stay pending, as asyncio leaves them', async () => {
    const loop = newEventLoop();
    loop.setDefaultExecutor(new ThreadPoolExecutor({ maxWorkers: 1 }));
    const ended = newFlag();
    const futs = [
      loop.runInExecutor(null, nap, 5),
      loop.runInExecutor(null, (flag: Int32Array) => {
        Atomics.store(flag, 0, 1);
        throw new Error('after close');
      }, ended),
    ];
    loop.close();
    expect(await flagSet(ended, 5000)).toBe(true);
    await new Promise((r) => setTimeout(r, 20)); // the reply's way back
    expect(futs.map((f) => f.done())).toEqual([false, false]);
  });
});
