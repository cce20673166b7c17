// Second adversarial review of the executors (toThread, loop.runInExecutor / setDefaultExecutor /
// shutdownDefaultExecutor, ThreadPoolExecutor) against CPython 3.13: asyncio.to_thread,
// run_in_executor (wrap_future / _chain_future), shutdown_default_executor and
// concurrent.futures.ThreadPoolExecutor. Each comment quotes what the Python probes under
// /tmp/rv-exec/ printed (pure-Python asyncio 3.13; jobs there sleep with time.sleep so that the GIL
// does not skew the timing). Shared helpers: executor.review2.helpers.ts.
//
// This part: timeouts around a job (waitFor and timeout().run(), on a running or a queued job):
// the clock is a MockClock jumped by hand, since the jobs take real time.
import { describe, expect, it } from 'vitest';
import { CancelledError, TimeoutError, createTask, getRunningLoop, run, timeout, toThread, waitFor, type Future } from 'tulip';
import { MockClock } from 'tulip/testing';
import { STYLES, passes, styled } from './helpers.js';
import { drain, hold, installHooks, isSet, nap, newFlag, oneThread, outcomeOf, release, withSharedDefault } from './executor.review2.helpers.js';

installHooks();

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
        const gate = newFlag();
        const t = createTask(outcomeOf(style, () => waitFor(loop.runInExecutor(oneThread, hold, gate, done), 10)));
        await passes(2);
        clock.jump(10);
        const [kind, e] = await t;
        expect(kind).toBe('err');
        expect(e).toBeInstanceOf(TimeoutError);
        expect(isSet(done)).toBe(false);
        release(gate);
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
        const gate = newFlag();
        const blocker = loop.runInExecutor(oneThread, hold, gate);
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
        release(gate);
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
        const gate = newFlag();
        const running = loop.runInExecutor(oneThread, hold, gate, done);
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
        release(gate);
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
          const gate = newFlag();
          const t = createTask(
            outcomeOf(style, () =>
              style === 'generator'
                ? timeout(5).run(function* () {
                    return yield* toThread(hold, gate, done);
                  })
                : timeout(5).run(async () => toThread(hold, gate, done)),
            ),
          );
          await passes(2);
          clock.jump(5);
          const [kind, e] = await t;
          expect(kind).toBe('err');
          expect(e).toBeInstanceOf(TimeoutError);
          expect((e as Error).cause).toBeInstanceOf(CancelledError);
          expect(isSet(done)).toBe(false);
          release(gate);
          expect(await toThread(nap, 1)).toBe(1);
          expect(isSet(done)).toBe(true);
        })(),
      ));
  }
});
