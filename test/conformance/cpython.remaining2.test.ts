// The rest of cpython.remaining.test.ts (see its header): staggeredRace on a loop whose tasks start
// eagerly (test_eager_task_factory.py, gh-124309) and toThread's errors and contexts
// (test_threads.py), in both coroutine styles where the behaviour exists in both.
import { AsyncLocalStorage } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import {
  CancelledError,
  eagerTaskFactory,
  getRunningLoop,
  run,
  sleep,
  staggeredRace,
  toThread,
  type Attempt,
  type Coroutine,
} from 'tulip';
import { STYLES, ValueError, newFuture, rejection, runVirtual, type Style } from './helpers.js';

/** An attempt in `style`: the generator function or its async twin. */
const attempt = <T>(style: Style, gen: () => Coroutine<T>, asy: () => Promise<T>): Attempt<T> =>
  style === 'generator' ? gen : asy;

/** Runs `main` on virtual time, in a loop whose task factory starts every task eagerly. */
const runEager = <T>(main: () => Promise<T>): Promise<T> =>
  runVirtual(async () => {
    getRunningLoop().setTaskFactory(eagerTaskFactory);
    return main();
  });

for (const style of STYLES) {
  describe(`staggeredRace with eager tasks (${style} attempts)`, () => {
    const fail = (waitFirst: boolean): Attempt<string> =>
      attempt(
        style,
        function* () {
          if (waitFirst) yield* sleep(0);
          throw new ValueError('no good');
        },
        async () => {
          if (waitFirst) await sleep(0);
          throw new ValueError('no good');
        },
      );
    const blocked: Attempt<string> = attempt(
      style,
      function* () {
        return yield* newFuture<string>();
      },
      async () => newFuture<string>(),
    );

    // test_eager_task_factory.py::EagerTaskFactoryLoopTests.test_staggered_race_with_eager_tasks
    it('a blocked first attempt is cancelled, the second wins after its sleep, the third’s failure is kept', () =>
      runEager(async () => {
        const t0 = getRunningLoop().time();
        const [winner, index, errors] = await staggeredRace(
          [blocked, () => sleep(1000, 'sleep1'), fail(true)],
          250,
        );
        expect([winner, index, errors.length, getRunningLoop().time() - t0]).toEqual(['sleep1', 1, 3, 1250]); // the second started after 250 ms
        expect(errors[0]).toBeInstanceOf(CancelledError);
        expect(errors[1]).toBeNull();
        expect(errors[2]).toBeInstanceOf(ValueError);
      }));

    // test_eager_task_factory.py::EagerTaskFactoryLoopTests.test_staggered_race_with_eager_tasks_no_delay:
    // the first attempt fails inside createTask, so the second starts at once; it is still
    // running when no attempt is left to start on failure, and the third never starts.
    it('without a delay, an attempt that fails in its eager step starts the next, which wins; the third never starts', () =>
      runEager(async () => {
        const [winner, index, errors] = await staggeredRace(
          [fail(false), () => sleep(1000, 'sleep1'), () => sleep(0, 'sleep0')],
          null,
        );
        expect([winner, index, errors.length]).toEqual(['sleep1', 1, 2]);
        expect(errors[0]).toBeInstanceOf(ValueError);
        expect(errors[1]).toBeNull();
      }));
  });
}

describe('toThread errors and contexts (test_threads.py ToThreadTests)', () => {
  // test_to_thread_exception: asyncio gets the RuntimeError itself back (same process). A worker
  // thread's error is rebuilt in the loop's thread as an instance of its nearest built-in class
  // (Error here), with its name, message, stack and own properties (tested in
  // test/executor/threadpool.jobs.test.ts); the class itself cannot cross.
  it('an error of a class of its own thrown in the thread comes back with its name and message', () =>
    run(async () => {
      const e = (await rejection(
        toThread(() => {
          class RuntimeError extends Error {
            override name = 'RuntimeError';
          }
          throw new RuntimeError('test');
        }),
      )) as Error;
      expect(e).toBeInstanceOf(Error);
      expect(e.message).toBe('test');
      expect(e.name).toBe('RuntimeError');
    }));

  // test_to_thread_contextvars: asyncio copies the contextvars into the thread. A worker thread has
  // AsyncLocalStorage values of its own (documented in src/threads.ts): the value goes as an
  // argument; the caller's context is there again after the wait, and in the future's callbacks.
  it('a value of the caller’s context reaches the thread as an argument; the caller’s context is intact after the wait', async () => {
    const als = new AsyncLocalStorage<string>();
    const got = await run(async () =>
      als.run('parrot', async () => {
        const seen: (string | undefined)[] = [];
        const f = toThread((v: string | undefined) => `thread got ${v}`, als.getStore());
        f.addDoneCallback(() => seen.push(als.getStore()));
        const r = await f;
        await sleep(0);
        return [r, als.getStore(), ...seen];
      }),
    );
    expect(got).toEqual(['thread got parrot', 'parrot', 'parrot']);
  });
});
