// Gap ports of CPython 3.13 Lib/test/test_asyncio/test_runners.py: the behaviours of that file that
// no other test of the suite checked yet (everything else in test_runners.py is covered by
// runner*.test.ts, runners*.test.ts, test/loop/runners.test.ts and the shared suite, or is
// Python-only: loop factories and policies, signals, contextvars, task factories).
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Runner, createTask, isCancelledError, run, sleep, type Coroutine, type ExceptionContext, type Task } from 'tulip';
import { STYLES, ZeroDivisionError, errorOf, recordExceptions, styled } from './helpers.js';

/** A result that counts every attempt to turn it into text. */
class Loud {
  renders = 0;
  toString(): string {
    this.renders++;
    return 'Loud';
  }
  [Symbol.toPrimitive](): string {
    this.renders++;
    return 'Loud';
  }
  [inspect.custom](): string {
    this.renders++;
    return 'Loud';
  }
}

describe('the result of main', () => {
  // ports test_runners.py::RunnerTests.test_no_repr_is_call_on_the_task_result
  for (const style of STYLES) {
    for (const debug of [false, true]) {
      it(`Runner.run and run() hand the result back without ever rendering it as text (debug=${debug}, ${style})`, async () => {
        const main = styled(
          style,
          function* () {
            yield* sleep(0);
            return new Loud();
          },
          async () => {
            await sleep(0);
            return new Loud();
          },
        );
        const runner = new Runner({ debug });
        let viaRunner: Loud;
        try {
          viaRunner = await runner.run(main);
        } finally {
          await runner.close();
        }
        expect(viaRunner).toBeInstanceOf(Loud);
        expect(viaRunner.renders).toBe(0);
        const viaRun = await run(main, { debug });
        expect(viaRun).toBeInstanceOf(Loud);
        expect(viaRun.renders).toBe(0);
      });
    }
  }
});

class FancyExit extends Error {
  override name = 'FancyExit';
}

describe('a leftover task iterating a generator when main fails', () => {
  // ports test_runners.py::RunTests.test_asyncio_run_closes_gens_after_hanging_tasks_errors (the
  // generator part: asyncio checks the async generator is closed; here its finally, which itself
  // waits, must run to the end before run() settles. In the generator style the iterated generator
  // is a sub-generator the task delegates to with yield*.)
  for (const style of STYLES) {
    it(`the generator's finally runs to the end, the task's error is reported, and run() rejects with main's error (${style})`, async () => {
      const log: string[] = [];
      let lazyboy!: Task<void>;
      let seen!: ExceptionContext[];

      async function* fidgetAsync(): AsyncGenerator<number> {
        try {
          for (;;) {
            yield 1;
            await sleep(1000);
          }
        } finally {
          log.push('fidget finally start');
          await sleep(0);
          log.push('fidget finally end');
        }
      }
      function* fidgetGen(): Coroutine<never> {
        try {
          for (;;) yield* sleep(1000);
        } finally {
          log.push('fidget finally start');
          yield* sleep(0);
          log.push('fidget finally end');
        }
      }

      const e = await errorOf(() =>
        run(
          styled(
            style,
            function* () {
              seen = recordExceptions();
              lazyboy = createTask(function* () {
                try {
                  yield* fidgetGen();
                } catch (c) {
                  if (!isCancelledError(c)) throw c;
                  log.push('spin cancelled');
                  throw new ZeroDivisionError();
                }
              });
              yield* sleep(0);
              throw new FancyExit();
            },
            async () => {
              seen = recordExceptions();
              lazyboy = createTask(async () => {
                try {
                  for await (const _ of fidgetAsync()) void _;
                } catch (c) {
                  if (!isCancelledError(c)) throw c;
                  log.push('spin cancelled');
                  throw new ZeroDivisionError();
                }
              });
              await sleep(0);
              throw new FancyExit();
            },
          ),
        ),
      );
      expect(e).toBeInstanceOf(FancyExit);
      expect(log).toEqual(['fidget finally start', 'fidget finally end', 'spin cancelled']);
      expect(lazyboy.done()).toBe(true);
      expect(lazyboy.exception()).toBeInstanceOf(ZeroDivisionError);
      const reports = seen.filter((c) => c.exception === lazyboy.exception());
      expect(reports).toHaveLength(1);
      expect(reports[0]!.task).toBe(lazyboy);
      expect(reports[0]!.message).toMatch(/run.*shutdown/);
    });
  }
});
