// Second adversarial review of the executors (toThread, loop.runInExecutor / setDefaultExecutor /
// shutdownDefaultExecutor, ThreadPoolExecutor) against CPython 3.13: asyncio.to_thread,
// run_in_executor (wrap_future / _chain_future), shutdown_default_executor and
// concurrent.futures.ThreadPoolExecutor. It covers what executor.review.test.ts and
// test/executor/*.test.ts leave out: cancellation and timeouts around a job in each of its states,
// shutdown with jobs queued, run()'s exit, combinators (shield, TaskGroup, gather) over jobs, FIFO
// order, thread reuse and the concurrency bound, and a thread that dies. Each comment quotes what
// the Python probes under /tmp/rv-exec/ printed (pure-Python asyncio 3.13; jobs there sleep with
// time.sleep so that the GIL does not skew the timing).
//
// Jobs run on real worker threads: they share state through SharedArrayBuffers (closures do not
// cross) and block their thread for a few ms with Atomics.wait.
import { describe, expect, it, afterAll } from 'vitest';
import {
  CancelledError,
  ExceptionGroup,
  RuntimeError,
  TaskGroup,
  ThreadPoolExecutor,
  TimeoutError,
  createTask,
  gather,
  getRunningLoop,
  newEventLoop,
  run,
  shield,
  sleep,
  timeout,
  toThread,
  waitFor,
  type Future,
  type Task,
} from 'tulip';
import { MockClock } from 'tulip/testing';
import { STYLES, passes, recordExceptions, styled, waiting, type Style } from './helpers.js';

// ---- shared memory and jobs -------------------------------------------------------------------

/** A flag in shared memory: the worker's Atomics.store() is seen by the main thread. */
const newFlag = (): Int32Array => new Int32Array(new SharedArrayBuffer(4));
const isSet = (flag: Int32Array): boolean => Atomics.load(flag, 0) === 1;

/** A self-contained job: blocks its thread `ms` real ms, then sets `flag` (when given) and returns `ms`. */
const nap = (ms: number, flag?: Int32Array): number => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  if (flag !== undefined) Atomics.store(flag, 0, 1);
  return ms;
};

/** A log in shared memory: slot 0 counts the entries that follow. */
const newLog = (n: number): Int32Array => new Int32Array(new SharedArrayBuffer(4 * (n + 1)));
const logged = (log: Int32Array): number[] => Array.from(log.subarray(1, 1 + Atomics.load(log, 0)));

/** Polls (every 2 ms, up to `maxMs` real ms) until a worker sets `flag`. */
async function flagSet(flag: Int32Array, maxMs: number): Promise<boolean> {
  for (const start = Date.now(); !isSet(flag) && Date.now() - start < maxMs; ) await new Promise((r) => setTimeout(r, 2));
  return isSet(flag);
}

/** Lets promise callbacks and a host macrotask run (settlements already on their way arrive). */
const hostTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

/** What awaiting `aw` in `style` inside a task gives: ['ok', value] or ['err', error]. */
function outcomeOf(style: Style, aw: () => Future<unknown>) {
  return styled(
    style,
    function* () {
      try {
        return ['ok', yield* aw()] as const;
      } catch (e) {
        return ['err', e] as const;
      }
    },
    async () => {
      try {
        return ['ok', await aw()] as const;
      } catch (e) {
        return ['err', e] as const;
      }
    },
  );
}

/**
 * One thread shared by most tests (a thread takes tens of ms to start): jobs run in FIFO order, so
 * once `drain()`'s job is back, every job submitted before it has run or was dropped.
 */
const oneThread = new ThreadPoolExecutor({ maxWorkers: 1 });
afterAll(() => oneThread.shutdown());
const drain = (): Promise<number> => oneThread.submit(() => 0);

/** Runs `main` with `oneThread` as the default executor, taken back before run() would shut it down. */
function withSharedDefault<T>(main: () => Promise<T>): () => Promise<T> {
  return async () => {
    const loop = getRunningLoop();
    loop.setDefaultExecutor(oneThread);
    try {
      return await main();
    } finally {
      loop.setDefaultExecutor(null);
    }
  };
}

// ---- cancellation ------------------------------------------------------------------------------

describe('cancelling a task that awaits a job', () => {
  // asyncio: task.cancel('enough') while it awaits run_in_executor → the task's CancelledError has
  // args ('enough',) and the run_in_executor future is cancelled (p1.py p5: "('enough',)
  // f.cancelled True").
  for (const style of STYLES) {
    it(`task.cancel(msg) while the job runs: the task's CancelledError carries msg and the job's future is cancelled (${style})`, () =>
      run(async () => {
        const loop = getRunningLoop();
        let f!: Future<number>;
        const t = createTask(
          waiting(style, () => {
            f = loop.runInExecutor(oneThread, nap, 10);
            return f;
          }),
        );
        await passes(2);
        expect(oneThread.statistics().busy).toBe(1);
        t.cancel('enough');
        const e = await t.then(
          () => null,
          (err: unknown) => err,
        );
        expect(e).toBeInstanceOf(CancelledError);
        expect((e as Error).message).toBe('enough');
        expect(f.cancelled()).toBe(true);
        await drain();
      }));
  }

  // asyncio: a task whose queued to_thread job was dropped by its cancellation catches the
  // CancelledError and calls to_thread again: the new job runs, the task returns its result and is
  // not cancelled; the dropped job never ran (p2.py p11: "('caught', 3) False ran False").
  for (const style of STYLES) {
    it(`a task that catches the cancellation of its queued job can run another job; the dropped one never runs (${style})`, () =>
      run(
        withSharedDefault(async () => {
          const ran = newFlag();
          const blocker = toThread(nap, 10);
          const t: Task<unknown> = createTask(
            styled(
              style,
              function* () {
                try {
                  return yield* toThread(nap, 0, ran);
                } catch (e) {
                  if (!(e instanceof CancelledError)) throw e;
                  return ['caught', yield* toThread(nap, 3)];
                }
              },
              async () => {
                try {
                  return await toThread(nap, 0, ran);
                } catch (e) {
                  if (!(e instanceof CancelledError)) throw e;
                  return ['caught', await toThread(nap, 3)];
                }
              },
            ),
          );
          await passes(2);
          t.cancel();
          expect(await t).toEqual(['caught', 3]);
          expect(t.cancelled()).toBe(false);
          await blocker;
          expect(isSet(ran)).toBe(false);
        }),
      ));
  }

  // asyncio: the future of a running job: fut.cancel() returns True and fut.cancelled() is True at
  // once, though the job goes on (p2.py p10: "cancel running -> True True").
  it('cancel() of the future of a running job returns true and the future is cancelled at once', () =>
    run(async () => {
      const loop = getRunningLoop();
      const done = newFlag();
      const f = loop.runInExecutor(oneThread, nap, 10, done);
      await passes(1);
      expect(f.cancel()).toBe(true);
      expect(f.cancelled()).toBe(true);
      expect(isSet(done)).toBe(false);
      await drain();
      expect(isSet(done)).toBe(true);
    }));
});

describe('one job future awaited by two tasks', () => {
  // asyncio: two tasks await the same run_in_executor future of a queued job; cancelling one
  // cancels the future itself (the task's cancel() cancels what it waits on), so the other task is
  // cancelled too and the job never runs (p7.py: "shared ['CancelledError', 'CancelledError'] True
  // True ran False").
  for (const style of STYLES) {
    it(`cancelling one of two tasks awaiting the same queued job cancels the future, the other task and the job (${style})`, () =>
      run(async () => {
        const loop = getRunningLoop();
        const ran = newFlag();
        const blocker = loop.runInExecutor(oneThread, nap, 10);
        const f = loop.runInExecutor(oneThread, nap, 0, ran);
        const a = createTask(waiting(style, () => f));
        const b = createTask(waiting(style, () => f));
        await passes(1);
        a.cancel();
        const outcomes = await gather([a, b], { returnExceptions: true });
        expect(outcomes.map((o) => o instanceof CancelledError)).toEqual([true, true]);
        expect([f.cancelled(), b.cancelled()]).toEqual([true, true]);
        await blocker;
        await drain();
        expect(isSet(ran)).toBe(false);
      }));
  }

  // asyncio: cancelling a task that awaits gather() of a running and a queued job cancels both
  // job futures: the running job goes on, the queued one never runs (p7.py: "gather cancelled
  // [True, True]", "ran False").
  for (const style of STYLES) {
    it(`cancelling a task awaiting gather() of jobs cancels every job future; the queued job never runs (${style})`, () =>
      run(async () => {
        const loop = getRunningLoop();
        const ran = newFlag();
        const futs = [loop.runInExecutor(oneThread, nap, 10), loop.runInExecutor(oneThread, nap, 0, ran)];
        const t = createTask(waiting(style, () => gather(futs)));
        await passes(1);
        t.cancel();
        await expect(t).rejects.toBeInstanceOf(CancelledError);
        expect(futs.map((f) => f.cancelled())).toEqual([true, true]);
        await drain();
        expect(isSet(ran)).toBe(false);
      }));
  }
});

describe('FIFO order and the thread bound', () => {
  // concurrent.futures: one worker runs the jobs in the order submitted; jobs whose asyncio future
  // was cancelled while queued are skipped (p2.py p10: "order [0, 1, 3, 4, 6, 7]").
  it('a one-thread pool runs jobs in submission order, skipping those whose future was cancelled while queued', () =>
    run(async () => {
      const loop = getRunningLoop();
      const log = newLog(8);
      const job = (l: Int32Array, i: number): void => {
        Atomics.store(l, 1 + Atomics.add(l, 0, 1), i);
        if (i === 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10); // the rest stay queued meanwhile
      };
      const futs = Array.from({ length: 8 }, (_, i) => loop.runInExecutor(oneThread, job, log, i));
      await passes(1);
      expect([futs[2]!.cancel(), futs[5]!.cancel()]).toEqual([true, true]);
      await gather(futs, { returnExceptions: true });
      await drain();
      expect(logged(log)).toEqual([0, 1, 3, 4, 6, 7]);
    }));

  // concurrent.futures: an idle thread takes the next job rather than a new thread being started
  // (_adjust_thread_count acquires the idle semaphore): jobs awaited one after the other run on one
  // thread (p2.py p8: "distinct 1 threads 1").
  it('jobs awaited one after the other reuse one idle thread, even when maxWorkers allows more', () =>
    run(async () => {
      const loop = getRunningLoop();
      const pool = new ThreadPoolExecutor({ maxWorkers: 4 });
      try {
        const ids: number[] = [];
        for (let i = 0; i < 5; i++) ids.push(await loop.runInExecutor(pool, () => require('node:worker_threads').threadId as number));
        expect(new Set(ids).size).toBe(1);
        expect(pool.statistics().threads).toBe(1);
      } finally {
        await pool.shutdown();
      }
    }));

  // concurrent.futures: 9 jobs on max_workers=3 never run more than 3 at once, on 3 threads
  // (p1.py p7: "peak 3 threads 3"). tulip's statistics() shows the queue meanwhile.
  it('nine jobs on maxWorkers 3 run at most three at once, on three threads, the rest queued', () =>
    run(async () => {
      const loop = getRunningLoop();
      const pool = new ThreadPoolExecutor({ maxWorkers: 3 });
      try {
        // [current, peak]
        const gauge = new Int32Array(new SharedArrayBuffer(8));
        const job = (g: Int32Array): void => {
          const now = Atomics.add(g, 0, 1) + 1;
          for (let peak = Atomics.load(g, 1); now > peak; peak = Atomics.load(g, 1)) {
            if (Atomics.compareExchange(g, 1, peak, now) === peak) {
              Atomics.notify(g, 1);
              break;
            }
          }
          // The first jobs wait (up to 1 s) for three to run at once: threads start at different times.
          for (const end = Date.now() + 1000; Atomics.load(g, 1) < 3 && Date.now() < end; ) Atomics.wait(g, 1, Atomics.load(g, 1), 20);
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);
          Atomics.sub(g, 0, 1);
        };
        const futs = Array.from({ length: 9 }, () => loop.runInExecutor(pool, job, gauge));
        expect(pool.statistics()).toEqual({ threads: 3, busy: 3, queued: 6 });
        await gather(futs);
        expect(Atomics.load(gauge, 1)).toBe(3);
        expect(pool.statistics()).toEqual({ threads: 3, busy: 0, queued: 0 });
      } finally {
        await pool.shutdown();
      }
    }));
});

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
        const blocker = loop.runInExecutor(pool, nap, 10);
        const t = createTask(waiting(style, () => loop.runInExecutor(pool, nap, 0, ran)));
        await passes(2);
        await pool.shutdown({ wait: false, cancelFutures: true });
        await expect(t).rejects.toBeInstanceOf(CancelledError);
        expect(t.cancelled()).toBe(true);
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
    const running = pool.submit(nap, 10);
    const queued = [pool.submit(nap, 0), pool.submit(nap, 0)].map((p) => p.catch((e: unknown) => e));
    await pool.shutdown(false);
    expect(pool.statistics().queued).toBe(2);
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
        const running = createTask(waiting(style, () => toThread(nap, 10)));
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
      const job = toThread(nap, 15, done);
      await passes(1);
      const waiter = createTask(() => loop.shutdownDefaultExecutor());
      await passes(2);
      waiter.cancel();
      await expect(waiter).rejects.toBeInstanceOf(CancelledError);
      expect(isSet(done)).toBe(false);
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
    expect(await flagSet(second, 1000)).toBe(true);
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
    expect(await flagSet(ended, 1000)).toBe(true);
    await new Promise((r) => setTimeout(r, 20)); // the reply's way back
    expect(futs.map((f) => f.done())).toEqual([false, false]);
  });
});

// ---- timeouts ----------------------------------------------------------------------------------

/** Runs `main` with a MockClock that moves only when jumped (the jobs take real time). */
const runManual = <T>(main: (clock: MockClock) => Promise<T>): Promise<T> => {
  const clock = new MockClock();
  return run(() => main(clock), { clock });
};

describe('timeouts around a job', () => {
  // asyncio: wait_for(run_in_executor(...), 0.01) on a job that runs longer raises TimeoutError at
  // the deadline, the job still running; the job then runs to its end and the next one runs (p1.py
  // p4: "timeout TimeoutError done yet False", "done True").
  for (const style of STYLES) {
    it(`waitFor around a running job times out at the deadline; the job runs to its end and the pool goes on (${style})`, () =>
      runManual(async (clock) => {
        const loop = getRunningLoop();
        const done = newFlag();
        const t = createTask(outcomeOf(style, () => waitFor(loop.runInExecutor(oneThread, nap, 15, done), 10)));
        await passes(2);
        clock.jump(10);
        const [kind, e] = await t;
        expect(kind).toBe('err');
        expect(e).toBeInstanceOf(TimeoutError);
        expect(isSet(done)).toBe(false);
        expect(await loop.runInExecutor(oneThread, nap, 0)).toBe(0);
        expect(isSet(done)).toBe(true);
      }));
  }

  // asyncio: wait_for on a job still queued behind a running one times out, its future is
  // cancelled and the job never runs (p1.py p4: "queued timeout; q.cancelled True", "queued ran
  // False").
  for (const style of STYLES) {
    it(`waitFor around a queued job times out and the job never runs (${style})`, () =>
      runManual(async (clock) => {
        const loop = getRunningLoop();
        const ran = newFlag();
        const blocker = loop.runInExecutor(oneThread, nap, 10);
        let q!: Future<number>;
        const t = createTask(
          outcomeOf(style, () => {
            q = loop.runInExecutor(oneThread, nap, 0, ran);
            return waitFor(q, 5);
          }),
        );
        await passes(2);
        clock.jump(5);
        const [kind, e] = await t;
        expect(kind).toBe('err');
        expect(e).toBeInstanceOf(TimeoutError);
        expect(q.cancelled()).toBe(true);
        await blocker;
        await drain();
        expect(isSet(ran)).toBe(false);
      }));
  }

  // asyncio 3.12+: wait_for(fut, 0) cancels the future and waits for it to be done: for a job's
  // future that is at once, so TimeoutError comes without waiting for a running job, and a queued
  // job never runs (p8.py: "running: timeout after 0.1 ms; done False True", "queued: timeout;
  // cancelled True", "ran False True").
  for (const style of STYLES) {
    it(`waitFor(job, 0) times out at once, running or queued; the running job goes on, the queued one never runs (${style})`, () =>
      runManual(async () => {
        const loop = getRunningLoop();
        const done = newFlag();
        const ran = newFlag();
        const running = loop.runInExecutor(oneThread, nap, 10, done);
        const queued = loop.runInExecutor(oneThread, nap, 0, ran);
        const outcomes = await createTask(
          styled(
            style,
            function* () {
              const out: unknown[] = [];
              for (const f of [running, queued]) {
                try {
                  out.push(yield* waitFor(f, 0));
                } catch (e) {
                  out.push(e);
                }
              }
              return out;
            },
            async () => {
              const out: unknown[] = [];
              for (const f of [running, queued]) {
                try {
                  out.push(await waitFor(f, 0));
                } catch (e) {
                  out.push(e);
                }
              }
              return out;
            },
          ),
        );
        expect(outcomes.map((o) => o instanceof TimeoutError)).toEqual([true, true]);
        expect([running.cancelled(), queued.cancelled(), isSet(done)]).toEqual([true, true, false]);
        await drain();
        expect([isSet(done), isSet(ran)]).toEqual([true, false]);
      }));
  }

  // asyncio: `async with asyncio.timeout(0.005): await run_in_executor(...)` on a longer job raises
  // TimeoutError whose __cause__ is the CancelledError; the job goes on and the next one runs
  // (p1.py p4: "timeout ctx CancelledError False", "next 1 True").
  for (const style of STYLES) {
    it(`timeout(ms).run() around a running toThread job raises TimeoutError caused by CancelledError; the job goes on (${style})`, () =>
      runManual((clock) =>
        withSharedDefault(async () => {
          const done = newFlag();
          const t = createTask(
            outcomeOf(style, () =>
              style === 'generator'
                ? timeout(5).run(function* () {
                    return yield* toThread(nap, 15, done);
                  })
                : timeout(5).run(async () => toThread(nap, 15, done)),
            ),
          );
          await passes(2);
          clock.jump(5);
          const [kind, e] = await t;
          expect(kind).toBe('err');
          expect(e).toBeInstanceOf(TimeoutError);
          expect((e as Error).cause).toBeInstanceOf(CancelledError);
          expect(isSet(done)).toBe(false);
          expect(await toThread(nap, 1)).toBe(1);
          expect(isSet(done)).toBe(true);
        })(),
      ));
  }
});

// ---- combinators over jobs ---------------------------------------------------------------------

describe('combinators over jobs', () => {
  // asyncio: shield(run_in_executor(queued job)); cancelling the outer task leaves the inner future
  // alone, so the queued job still runs and its result arrives (p1.py p2: "outer cancelled",
  // "inner 0 ran True").
  for (const style of STYLES) {
    it(`shield() keeps a queued job from being dropped when the task awaiting it is cancelled (${style})`, () =>
      run(async () => {
        const loop = getRunningLoop();
        const ran = newFlag();
        const blocker = loop.runInExecutor(oneThread, nap, 10);
        const inner = loop.runInExecutor(oneThread, nap, 0, ran);
        const t = createTask(waiting(style, () => shield(inner)));
        await passes(1);
        t.cancel();
        await expect(t).rejects.toBeInstanceOf(CancelledError);
        expect(inner.cancelled()).toBe(false);
        await blocker;
        expect(await inner).toBe(0);
        expect(isSet(ran)).toBe(true);
      }));
  }

  // asyncio: in a TaskGroup, a to_thread job that fails cancels the sibling task; a sibling job
  // still queued is then dropped (never runs); the group raises an ExceptionGroup of the job's
  // error. (The thread that ran the failing job takes the next queued job at once, in asyncio as in
  // tulip, so another job is queued between the two here.) (p5.py: "eg (ValueError('boom'),)",
  // "['b cancelled'] ran False".)
  for (const style of STYLES) {
    it(`a failing job in a TaskGroup cancels the sibling, whose queued job never runs (${style})`, () =>
      run(async () => {
        const loop = getRunningLoop();
        loop.setDefaultExecutor(new ThreadPoolExecutor({ maxWorkers: 2 }));
        await gather([toThread(nap, 5), toThread(nap, 5)]); // both threads started (they start at different speeds)
        const ran = newFlag();
        const log: string[] = [];
        const boom = (): never => {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 3);
          throw new RangeError('boom');
        };
        const blockers = [toThread(nap, 20)];
        const failing = styled(
          style,
          function* () {
            const f = toThread(boom);
            blockers.push(toThread(nap, 20)); // queued between this job and the sibling's
            yield* f;
          },
          async () => {
            const f = toThread(boom);
            blockers.push(toThread(nap, 20));
            await f;
          },
        );
        const sibling = styled(
          style,
          function* () {
            try {
              yield* toThread(nap, 0, ran);
            } catch (e) {
              if (e instanceof CancelledError) log.push('sibling cancelled');
              throw e;
            }
          },
          async () => {
            try {
              await toThread(nap, 0, ran);
            } catch (e) {
              if (e instanceof CancelledError) log.push('sibling cancelled');
              throw e;
            }
          },
        );
        const body = styled(
          style,
          function* () {
            return yield* new TaskGroup().run(function* (tg) {
              tg.createTask(failing);
              tg.createTask(sibling);
            });
          },
          async () =>
            new TaskGroup().run(async (tg) => {
              tg.createTask(failing);
              tg.createTask(sibling);
            }),
        );
        const [kind, eg] = await createTask(outcomeOf(style, () => createTask(body)));
        expect(kind).toBe('err');
        expect(eg).toBeInstanceOf(ExceptionGroup);
        const errors = (eg as ExceptionGroup).errors as Error[];
        expect(errors.map((e) => [e.constructor, e.message])).toEqual([[RangeError, 'boom']]);
        expect(log).toEqual(['sibling cancelled']);
        await gather(blockers);
        expect(await toThread(nap, 0)).toBe(0);
        expect(isSet(ran)).toBe(false);
      }));
  }

  // asyncio: gather() of two jobs, the first failing: gather raises its error, and the second job
  // (queued behind it) is not cancelled: it runs and its future gets the result (p1.py p17:
  // "gather raised; second done False", "5 True").
  for (const style of STYLES) {
    it(`gather() raises the first job's error and leaves the other job running to its result (${style})`, () =>
      run(async () => {
        const loop = getRunningLoop();
        const ran = newFlag();
        const futs = [
          loop.runInExecutor(oneThread, () => {
            throw new TypeError('x');
          }),
          loop.runInExecutor(oneThread, nap, 5, ran),
        ] as const;
        const [kind, e] = await createTask(outcomeOf(style, () => gather(futs)));
        expect(kind).toBe('err');
        expect(e).toBeInstanceOf(TypeError);
        expect(futs[1].done()).toBe(false);
        expect(await futs[1]).toBe(5);
        expect(isSet(ran)).toBe(true);
      }));
  }
});

// ---- what crosses the thread boundary ----------------------------------------------------------

describe('what crosses the thread boundary', () => {
  // asyncio: to_thread re-raises the very exception object, its __cause__ kept (p2.py p12: "E
  // outer KeyError"). tulip rebuilds the error from the thread (see ThreadPoolExecutor's doc): its
  // built-in class, message, a cause chain, and the thread's stack naming the job's function.
  for (const style of STYLES) {
    it(`an error thrown in the thread reaches the awaiting task with its class, message, two-deep cause chain and the thread's stack (${style})`, () =>
      run(async () => {
        const loop = getRunningLoop();
        const failingJobInThread = function failingJobInThread(): never {
          const root = new RangeError('root');
          const mid = new Error('mid', { cause: root });
          throw new TypeError('outer', { cause: mid });
        };
        const [kind, e] = await createTask(outcomeOf(style, () => loop.runInExecutor(oneThread, failingJobInThread)));
        expect(kind).toBe('err');
        expect(e).toBeInstanceOf(TypeError);
        const outer = e as Error;
        expect(outer.message).toBe('outer');
        expect(outer.stack).toMatch(/^TypeError: outer\n/);
        expect(outer.stack).toMatch(/failingJobInThread/);
        const mid = outer.cause as Error;
        expect([mid.constructor, mid.message]).toEqual([Error, 'mid']);
        const root = mid.cause as Error;
        expect([root.constructor, root.message]).toEqual([RangeError, 'root']);
      }));
  }

  // asyncio: the traceback of an error raised in a to_thread job names the job's function ("File
  // …, line 4, in named_job", p6.py). tulip: the thread's stack names a `function` expression, but
  // an arrow function (the usual job) was compiled in the thread as an anonymous expression, its
  // frame reading "at eval (eval at …)"; fixed: the thread gives it the name it has here.
  it("the thread's stack of an arrow-function job names the job as the loop's thread knows it", () =>
    run(async () => {
      const arrowJobInThread = (): never => {
        throw new TypeError('outer');
      };
      const e = await getRunningLoop()
        .runInExecutor(oneThread, arrowJobInThread)
        .then(
          () => null,
          (err: unknown) => err,
        );
      expect((e as Error).stack).toMatch(/^TypeError: outer\n\s+at arrowJobInThread /);
    }));

  // No asyncio counterpart (a Python thread gets the object itself). tulip's arguments travel by
  // structured clone (ThreadPoolExecutor's doc): a class instance arrives as a plain object with
  // its own fields; Maps, Dates and BigInts arrive whole.
  it('a class instance argument arrives as a plain object with its own fields; Map, Date and BigInt arrive whole', () =>
    run(async () => {
      class Point {
        constructor(
          readonly x: number,
          readonly y: number,
        ) {}
        norm(): number {
          return Math.hypot(this.x, this.y);
        }
      }
      const seen = await getRunningLoop().runInExecutor(
        oneThread,
        (p: Point, m: Map<string, number>, d: Date, b: bigint) => ({
          proto: Object.getPrototypeOf(p) === Object.prototype,
          fields: [p.x, p.y],
          hasNorm: typeof (p as { norm?: unknown }).norm,
          map: m instanceof Map ? [...m] : null,
          date: d instanceof Date ? d.getTime() : null,
          big: typeof b === 'bigint' ? b * 2n : null,
        }),
        new Point(3, 4),
        new Map([['a', 1]]),
        new Date(1000),
        21n,
      );
      expect(seen).toEqual({ proto: true, fields: [3, 4], hasNorm: 'undefined', map: [['a', 1]], date: 1000, big: 42n });
    }));

  // No asyncio counterpart. tulip: an argument that cannot be cloned (a Symbol) fails the job's
  // future with DataCloneError — also for a job queued behind a busy thread, when its turn comes;
  // the job behind it runs, and the pool stays usable.
  for (const style of STYLES) {
    it(`an argument that cannot be cloned fails the awaiting task with DataCloneError, also when queued; the next job runs (${style})`, () =>
      run(async () => {
        const loop = getRunningLoop();
        const blocker = loop.runInExecutor(oneThread, nap, 10);
        const t = createTask(outcomeOf(style, () => loop.runInExecutor(oneThread, (s: unknown) => typeof s, Symbol('s'))));
        const after = loop.runInExecutor(oneThread, nap, 1);
        await passes(2);
        expect(oneThread.statistics().queued).toBe(2);
        const [kind, e] = await t;
        expect(kind).toBe('err');
        expect((e as Error).name).toBe('DataCloneError');
        expect([await blocker, await after]).toEqual([10, 1]);
        expect(oneThread.statistics()).toMatchObject({ threads: 1, busy: 0, queued: 0 });
      }));
  }

  // No asyncio counterpart. tulip: a result that cannot be cloned (a Symbol) fails the job with an
  // Error that shows it; the thread stays in use.
  it('a Symbol result fails the job with an Error saying the result cannot be sent back; the thread stays', () =>
    run(async () => {
      const loop = getRunningLoop();
      const e = await loop.runInExecutor(oneThread, () => Symbol('gone')).then(
        () => null,
        (err: unknown) => err,
      );
      expect(e).toBeInstanceOf(Error);
      expect((e as Error).message).toMatch(/the job's result cannot be sent back to the loop .*Symbol\(gone\)/s);
      expect(oneThread.statistics().threads).toBe(1);
      expect(await loop.runInExecutor(oneThread, () => 7)).toBe(7);
    }));
});

// ---- a thread that dies or overflows -----------------------------------------------------------

describe('a job that breaks its thread', () => {
  // No asyncio counterpart (os._exit in a Python thread ends the process). tulip: a job calling
  // process.exit(0) ends only its worker thread: the awaiting task gets a RuntimeError naming the
  // exit code, and the default pool runs the next job on a new thread.
  for (const style of STYLES) {
    it(`process.exit(0) in a toThread job fails the awaiting task with RuntimeError; the default pool goes on (${style})`, () =>
      run(async () => {
        const loop = getRunningLoop();
        const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
        loop.setDefaultExecutor(pool);
        const firstId = await toThread(() => require('node:worker_threads').threadId as number);
        const [kind, e] = await createTask(outcomeOf(style, () => toThread(() => process.exit(0))));
        expect(kind).toBe('err');
        expect(e).toBeInstanceOf(RuntimeError);
        expect(String(e)).toMatch(/the thread exited \(code 0\) while the job ran/);
        const nextId = await toThread(() => require('node:worker_threads').threadId as number);
        expect(nextId).not.toBe(firstId);
        expect(pool.statistics()).toEqual({ threads: 1, busy: 0, queued: 0 });
      }));
  }

  // A Python RecursionError raised in a thread reaches the awaiting task; the thread stays usable.
  // tulip: the RangeError of an overflowed stack comes back and the thread is reused.
  it('a stack overflow in a job comes back as RangeError and the thread is reused', () =>
    run(async () => {
      const loop = getRunningLoop();
      const id = await loop.runInExecutor(oneThread, () => require('node:worker_threads').threadId as number);
      const e = await loop
        .runInExecutor(oneThread, () => {
          const down = (n: number): number => down(n + 1) + 1;
          return down(0);
        })
        .then(
          () => null,
          (err: unknown) => err,
        );
      expect(e).toBeInstanceOf(RangeError);
      expect((e as Error).message).toMatch(/Maximum call stack size exceeded/);
      expect(await loop.runInExecutor(oneThread, () => require('node:worker_threads').threadId as number)).toBe(id);
    }));

  // A job that fails after its task was cancelled at exit is the documented difference tested in
  // test/executor/threadpool.jobs.test.ts (tulip reports it; asyncio drops it), so it is not
  // repeated here. What is checked: nothing is reported for a successful job whose wait was
  // cancelled (asyncio: _call_set_state returns early for a cancelled destination).
  it('a job that succeeds after its waiting task was cancelled is dropped without a report', () =>
    run(async () => {
      const loop = getRunningLoop();
      const seen = recordExceptions(loop);
      const t = createTask(() => loop.runInExecutor(oneThread, nap, 5));
      await passes(2);
      t.cancel();
      await expect(t).rejects.toBeInstanceOf(CancelledError);
      await drain();
      await sleep(0);
      expect(seen).toEqual([]);
    }));
});
