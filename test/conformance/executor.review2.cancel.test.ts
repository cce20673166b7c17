// Second adversarial review of the executors (toThread, loop.runInExecutor / setDefaultExecutor /
// shutdownDefaultExecutor, ThreadPoolExecutor) against CPython 3.13: asyncio.to_thread,
// run_in_executor (wrap_future / _chain_future), shutdown_default_executor and
// concurrent.futures.ThreadPoolExecutor. Each comment quotes what the Python probes under
// /tmp/rv-exec/ printed (pure-Python asyncio 3.13; jobs there sleep with time.sleep so that the GIL
// does not skew the timing). Shared helpers: executor.review2.helpers.ts.
//
// This part: cancelling a task that awaits a job (running or queued), one job future awaited by
// two tasks, and the combinators (shield, TaskGroup, gather) over jobs.
import { describe, expect, it } from 'vitest';
import {
  CancelledError,
  ExceptionGroup,
  TaskGroup,
  ThreadPoolExecutor,
  createTask,
  gather,
  getRunningLoop,
  run,
  shield,
  toThread,
  type Future,
  type Task,
} from 'tulip';
import { STYLES, passes, styled, waiting } from './helpers.js';
import { drain, hold, installHooks, isSet, nap, newFlag, oneThread, outcomeOf, release, withSharedDefault } from './executor.review2.helpers.js';

installHooks();

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
        const gate = newFlag();
        const t = createTask(
          waiting(style, () => {
            f = loop.runInExecutor(oneThread, hold, gate);
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
        release(gate);
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
          const gate = newFlag();
          const blocker = toThread(hold, gate);
          const t: Task<unknown> = createTask(
            styled(
              style,
              function* () {
                try {
                  return yield* toThread(nap, 0, ran);
                } catch (e) {
                  if (!(e instanceof CancelledError)) throw e;
                  release(gate); // the dropped job is out of the queue by now
                  return ['caught', yield* toThread(nap, 3)];
                }
              },
              async () => {
                try {
                  return await toThread(nap, 0, ran);
                } catch (e) {
                  if (!(e instanceof CancelledError)) throw e;
                  release(gate); // the dropped job is out of the queue by now
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
      const gate = newFlag();
      const f = loop.runInExecutor(oneThread, hold, gate, done);
      await passes(1);
      expect(f.cancel()).toBe(true);
      expect(f.cancelled()).toBe(true);
      expect(isSet(done)).toBe(false);
      release(gate);
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
        const gate = newFlag();
        const blocker = loop.runInExecutor(oneThread, hold, gate);
        const f = loop.runInExecutor(oneThread, nap, 0, ran);
        const a = createTask(waiting(style, () => f));
        const b = createTask(waiting(style, () => f));
        await passes(1);
        a.cancel();
        const outcomes = await gather([a, b], { returnExceptions: true });
        expect(outcomes.map((o) => o instanceof CancelledError)).toEqual([true, true]);
        expect([f.cancelled(), b.cancelled()]).toEqual([true, true]);
        release(gate);
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
        const gate = newFlag();
        const futs = [loop.runInExecutor(oneThread, hold, gate), loop.runInExecutor(oneThread, nap, 0, ran)];
        const t = createTask(waiting(style, () => gather(futs)));
        await passes(1);
        t.cancel();
        await expect(t).rejects.toBeInstanceOf(CancelledError);
        expect(futs.map((f) => f.cancelled())).toEqual([true, true]);
        release(gate);
        await drain();
        expect(isSet(ran)).toBe(false);
      }));
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
        const gate = newFlag();
        const blocker = loop.runInExecutor(oneThread, hold, gate);
        const inner = loop.runInExecutor(oneThread, nap, 0, ran);
        const t = createTask(waiting(style, () => shield(inner)));
        await passes(1);
        t.cancel();
        await expect(t).rejects.toBeInstanceOf(CancelledError);
        expect(inner.cancelled()).toBe(false);
        release(gate);
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
        const gate = newFlag(); // the blockers hold their threads until the group is done
        const log: string[] = [];
        const boom = (): never => {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 3);
          throw new RangeError('boom');
        };
        const blockers = [toThread(hold, gate)];
        const failing = styled(
          style,
          function* () {
            const f = toThread(boom);
            blockers.push(toThread(hold, gate)); // queued between this job and the sibling's
            yield* f;
          },
          async () => {
            const f = toThread(boom);
            blockers.push(toThread(hold, gate));
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
        release(gate);
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
        const gate = newFlag();
        const futs = [
          loop.runInExecutor(oneThread, () => {
            throw new TypeError('x');
          }),
          loop.runInExecutor(oneThread, hold, gate, ran, 5),
        ] as const;
        const [kind, e] = await createTask(outcomeOf(style, () => gather(futs)));
        expect(kind).toBe('err');
        expect(e).toBeInstanceOf(TypeError);
        expect(futs[1].done()).toBe(false);
        release(gate);
        expect(await futs[1]).toBe(5);
        expect(isSet(ran)).toBe(true);
      }));
  }
});
