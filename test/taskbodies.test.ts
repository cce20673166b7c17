// Unit tests of src/task.ts: bad yields, bodies returning futures, tasks or generator objects,
// foreign promises, error reporting, and a cancel that arrives before an async task has attached
// to its wait (the rest of src/task.ts is in task.test.ts; behaviour ports live in
// test/conformance/tasks).
import { describe, it, expect } from 'vitest';
import {
  CancelledError,
  RuntimeError,
  createTask,
  getRunningLoop,
  isCoroutine,
  run,
  sleep,
  timeout,
  Queue,
  isCancelledError,
  type Coroutine,
} from 'tulip';
import { runBriefly } from 'tulip/testing';
import { STYLES, newFuture, recordExceptions, styled } from './support.js';

describe('bodies', () => {
  it('a bad yield (yield 42) throws a RuntimeError into the generator, which may go on', () =>
    run(async () => {
      const t = createTask(function* () {
        let caught: unknown;
        try {
          yield 42;
        } catch (e) {
          caught = e;
        }
        yield* sleep(0);
        return caught;
      });
      const e = (await t) as Error;
      expect(e).toBeInstanceOf(RuntimeError);
      expect(e.message).toMatch(/^Task got bad yield: 42/);
    }));

  it('yielding a native promise is a bad yield whose message says to wrap it with ensureFuture', () =>
    run(async () => {
      const t = createTask(function* () {
        yield Promise.resolve(1);
      });
      const e = (await t.then(
        () => undefined,
        (x: unknown) => x,
      )) as Error;
      expect(e).toBeInstanceOf(RuntimeError);
      expect(e.message).toMatch(/a Promise/);
      expect(e.message).toMatch(/ensureFuture/);
    }));

  it('yield task (without the star) delivers the result of another task', () =>
    run(async () => {
      const inner = createTask(async () => {
        await sleep(0);
        return 'inner';
      });
      const outer = createTask(function* () {
        return (yield inner) as string;
      });
      expect(await outer).toBe('inner');
    }));

  it('a function body returning a Future gives its result, and cancelling the task cancels that future', () =>
    run(async () => {
      const f1 = newFuture<string>();
      const t1 = createTask(() => f1);
      await runBriefly();
      f1.setResult('via future');
      expect(await t1).toBe('via future');
      const f2 = newFuture<string>();
      const t2 = createTask(() => f2);
      await runBriefly();
      t2.cancel('stop');
      expect(f2.cancelled()).toBe(true);
      await expect(t2).rejects.toBeInstanceOf(CancelledError);
    }));

  it('a function body returning a Task gives that task’s result', () =>
    run(async () => {
      const inner = createTask(function* () {
        yield* sleep(0);
        return 5;
      });
      expect(await createTask(() => inner)).toBe(5);
    }));

  it('a function body returning a generator object runs it as the task body', () =>
    run(async () => {
      const t = createTask(() =>
        (function* () {
          const v = yield* sleep(0, 'slept');
          return `${v}!`;
        })(),
      );
      expect(await t).toBe('slept!');
      expect(isCoroutine(t.getCoro())).toBe(true);
    }));

  it('getCoro() of an async-function task is the function itself', () =>
    run(async () => {
      const fn = async (): Promise<number> => 1;
      const t = createTask(fn);
      expect(t.getCoro()).toBe(fn);
      await t;
    }));

  it('an async task cancelled while awaiting a foreign promise ends cancelled when the promise settles', () =>
    run(async () => {
      let resolve!: (v: string) => void;
      const foreign = new Promise<string>((r) => {
        resolve = r;
      });
      const log: string[] = [];
      const t = createTask(async () => {
        const v = await foreign;
        log.push(`got ${v}`);
        return v;
      });
      await runBriefly();
      t.cancel('while foreign');
      expect(t.signal.aborted).toBe(true);
      expect(t.done()).toBe(false);
      resolve('value');
      const e = await t.then(
        () => 'resolved',
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(CancelledError);
      expect((e as Error).message).toBe('while foreign');
      expect(t.cancelled()).toBe(true);
      expect(log).toEqual(['got value']); // the code after the promise ran; the task still ended cancelled
    }));

  it('an async task cancelled while awaiting a foreign promise gets the CancelledError at its next runtime await', () =>
    run(async () => {
      let resolve!: () => void;
      const foreign = new Promise<void>((r) => {
        resolve = r;
      });
      const log: string[] = [];
      const t = createTask(async () => {
        await foreign;
        log.push('after foreign');
        try {
          await sleep(0);
          log.push('not reached');
        } catch (e) {
          log.push(`caught ${(e as Error).name}`);
          throw e;
        }
      });
      await runBriefly();
      t.cancel();
      resolve();
      await expect(t).rejects.toBeInstanceOf(CancelledError);
      expect(log).toEqual(['after foreign', 'caught CancelledError']);
    }));
});

describe('error reports', () => {
  it('an unawaited failing task is reported once, at the end of its pass', () =>
    run(async () => {
      const seen = recordExceptions();
      const log: string[] = [];
      getRunningLoop().setExceptionHandler((_l, ctx) => {
        seen.push(ctx);
        log.push('report');
      });
      const err = new Error('lonely');
      const t = createTask(function* () {
        throw err;
      });
      getRunningLoop().callSoon(() => {
        log.push('same pass, after the task');
        getRunningLoop().callSoon(() => log.push('next pass'));
      });
      await runBriefly(3);
      expect(log).toEqual(['same pass, after the task', 'report', 'next pass']);
      expect(seen).toHaveLength(1);
      expect(seen[0]!.message).toBe('Task exception was never retrieved');
      expect(seen[0]!.exception).toBe(err);
      expect(seen[0]!.task).toBe(t);
      expect(seen[0]!.future).toBe(t);
      expect(t.exception()).toBe(err);
      await runBriefly(2);
      expect(seen).toHaveLength(1);
    }));

  for (const style of STYLES) {
    it(`a failing task awaited later in the same pass is not reported (${style})`, () =>
      run(async () => {
        const seen = recordExceptions();
        const err = new Error('read in time');
        const failing = createTask(function* () {
          throw err;
        });
        const reader = createTask(
          styled(
            style,
            function* () {
              try {
                yield* failing;
              } catch (e) {
                return e;
              }
            },
            async () => {
              try {
                await failing;
              } catch (e) {
                return e;
              }
            },
          ),
        );
        expect(await reader).toBe(err);
        await runBriefly(2);
        expect(seen).toEqual([]);
      }));
  }

  it('a failing task whose exception() is read in the same pass is not reported', () =>
    run(async () => {
      const seen = recordExceptions();
      const t = createTask(() => {
        throw new Error('x');
      });
      getRunningLoop().callSoon(() => t.exception());
      await runBriefly(3);
      expect(seen).toEqual([]);
    }));

  for (const style of STYLES) {
    it(`the error that a cancel pre-empted is reported, not lost (${style})`, () =>
      run(async () => {
        const seen = recordExceptions();
        const inner = newFuture<number>();
        const t = createTask(
          styled(
            style,
            function* () {
              yield* inner;
            },
            async () => {
              await inner;
            },
          ),
          { name: 'racer' },
        );
        await runBriefly();
        const err = new Error('lost in the race');
        inner.setException(err);
        t.cancel('late cancel');
        const e = await t.then(
          () => undefined,
          (x: unknown) => x,
        );
        expect(e).toBeInstanceOf(CancelledError);
        expect((e as Error).message).toBe('late cancel');
        await runBriefly();
        expect(seen).toHaveLength(1);
        expect(seen[0]!.message).toMatch(/name='racer'.*was cancelled before it could receive the error of <Future finished exception=/);
        expect(seen[0]!.exception).toBe(err);
        expect(seen[0]!.task).toBe(t);
        expect(seen[0]!.future).toBe(inner);
      }));
  }

  for (const style of STYLES) {
    it(`the error a cancel pre-empted is not reported when another awaiter reads it in that pass (${style})`, () =>
      run(async () => {
        const seen = recordExceptions();
        const inner = newFuture<number>();
        const body = styled(
          style,
          function* (): Coroutine<unknown> {
            try {
              return yield* inner;
            } catch (e) {
              return e;
            }
          },
          async () => {
            try {
              return await inner;
            } catch (e) {
              return e;
            }
          },
        );
        const first = createTask(body); // woken first: its cancel pre-empts the error
        const second = createTask(body); // woken next, in the same pass: reads the error
        await runBriefly();
        const err = new Error('read by the second');
        inner.setException(err);
        first.cancel();
        expect(await first).toBeInstanceOf(CancelledError); // (the body returns what it caught)
        expect(await second).toBe(err);
        await runBriefly(2);
        expect(seen).toEqual([]);
      }));

    it(`the error a cancel pre-empted in two awaiters is reported once (${style})`, () =>
      run(async () => {
        const seen = recordExceptions();
        const inner = newFuture<number>();
        const body = styled(
          style,
          function* () {
            return yield* inner;
          },
          async () => await inner,
        );
        const a = createTask(body);
        const b = createTask(body);
        await runBriefly();
        const err = new Error('lost twice');
        inner.setException(err);
        a.cancel();
        b.cancel();
        await Promise.allSettled([a, b]);
        await runBriefly(2);
        expect(seen.map((c) => c.exception)).toEqual([err]);
      }));
  }

  it('a result that a cancel pre-empted is not reported', () =>
    run(async () => {
      const seen = recordExceptions();
      const inner = newFuture<number>();
      const t = createTask(async () => {
        await inner;
      });
      await runBriefly();
      inner.setResult(1);
      t.cancel();
      await expect(t).rejects.toBeInstanceOf(CancelledError);
      await runBriefly();
      expect(seen).toEqual([]);
    }));
});

describe('a cancel that arrives before an async task has attached to its wait', () => {
  it('is delivered at the await, so the task never sees the value it was waiting for', () =>
    run(function* () {
      const fut = getRunningLoop().createFuture<number>();
      let got: unknown = 'nothing';
      const t = createTask(async () => {
        try {
          got = await timeout(null).run(() => fut);
        } catch (e) {
          got = e;
          throw e;
        }
      });
      yield* sleep(0);
      fut.setResult(1);
      t.cancel();
      yield* runBriefly(3);
      expect(t.cancelled()).toBe(true);
      expect(isCancelledError(got)).toBe(true);
    }));

  it('loses no queue item: the item stays queued for the next getter', () =>
    run(function* () {
      const q = new Queue<number>();
      const t = createTask(async () => q.get());
      yield* sleep(0);
      q.putNowait(1);
      t.cancel();
      yield* runBriefly(3);
      expect(t.cancelled()).toBe(true);
      expect(q.qsize()).toBe(1);
    }));
});
