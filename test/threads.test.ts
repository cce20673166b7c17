// Unit tests of src/threads.ts (toThread) and the loop's executor plumbing it rests on, with a
// fake executor (the worker-thread pools are tested with src/executor).
import { describe, it, expect } from 'vitest';
import {
  CancelledError,
  RuntimeError,
  createTask,
  getRunningLoop,
  run,
  toThread,
  type Executor,
  } from 'tulip';
import { runBriefly } from 'tulip/testing';
import { STYLES, styled, syncError } from './support.js';

/** An executor that runs each job when released, and records the calls. */
class ManualExecutor implements Executor {
  calls: Array<{ fn: (...a: never[]) => unknown; args: unknown[] }> = [];
  private releases: Array<() => void> = [];
  finished = 0;
  submit<R, A extends unknown[]>(fn: (...args: A) => R | PromiseLike<R>, ...args: A): Promise<R> {
    this.calls.push({ fn: fn as (...a: never[]) => unknown, args });
    return new Promise<void>((r) => this.releases.push(r)).then(() => {
      try {
        return fn(...args);
      } finally {
        this.finished++;
      }
    });
  }
  releaseAll(): void {
    for (const r of this.releases.splice(0)) r();
  }
}

const immediate: Executor = {
  submit: async (fn, ...args) => fn(...args),
};

describe('toThread', () => {
  for (const style of STYLES) {
    it(`runs fn(...args) on the default executor and gives its result (${style})`, () =>
      run(async () => {
        const ex = new ManualExecutor();
        getRunningLoop().setDefaultExecutor(ex);
        const add = (a: number, b: number): number => a + b;
        const t = createTask(
          styled(
            style,
            function* () {
              return yield* toThread(add, 2, 3);
            },
            async () => toThread(add, 2, 3),
          ),
        );
        await runBriefly(2);
        expect(ex.calls).toHaveLength(1);
        expect(ex.calls[0]!.fn).toBe(add);
        expect(ex.calls[0]!.args).toEqual([2, 3]);
        ex.releaseAll();
        expect(await t).toBe(5);
      }));

    it(`an error thrown by fn rejects the future with that error (${style})`, () =>
      run(async () => {
        getRunningLoop().setDefaultExecutor(immediate);
        const err = new Error('in the worker');
        const t = createTask(
          styled(
            style,
            function* () {
              yield* toThread(() => {
                throw err;
              });
            },
            async () => {
              await toThread(() => {
                throw err;
              });
            },
          ),
        );
        await expect(t).rejects.toBe(err);
      }));
  }

  it('cancelling the waiting task cancels the future but not the work handed to the executor', () =>
    run(async () => {
      const ex = new ManualExecutor();
      getRunningLoop().setDefaultExecutor(ex);
      let ran = false;
      const t = createTask(async () =>
        toThread(() => {
          ran = true;
          return 1;
        }),
      );
      await runBriefly(2);
      t.cancel();
      await expect(t).rejects.toBeInstanceOf(CancelledError);
      ex.releaseAll();
      await new Promise((r) => setTimeout(r, 1));
      expect(ran).toBe(true);
      expect(ex.finished).toBe(1);
    }));

  it('refuses a non-function with a TypeError naming fn, and works afterwards', () =>
    run(async () => {
      getRunningLoop().setDefaultExecutor(immediate);
      const e = syncError(() => toThread('fn' as never));
      expect(e).toBeInstanceOf(TypeError);
      expect(e.message).toBe('toThread: fn must be a function, got "fn"');
      expect(await toThread(() => 'ok')).toBe('ok');
    }));

  it('without a default executor set, a thread pool is made on first use (as asyncio does)', () =>
    run(async () => {
      expect(await toThread((a: number) => a + 1, 1)).toBe(2);
    }));

  it('outside a running loop throws RuntimeError', () => {
    expect(() => toThread(() => 1)).toThrow(RuntimeError);
  });
});

describe('the loop executor plumbing', () => {
  it('runInExecutor() uses the executor given rather than the default one', () =>
    run(async () => {
      const loop = getRunningLoop();
      const def = new ManualExecutor();
      loop.setDefaultExecutor(def);
      const own: Executor = { submit: async (fn, ...args) => `own:${String(await fn(...args))}` as never };
      expect(await loop.runInExecutor(own, () => 1)).toBe('own:1');
      expect(def.calls).toHaveLength(0);
    }));

  it('runInExecutor() refuses an executor without submit() and a non-function, naming them', () =>
    run(async () => {
      const loop = getRunningLoop();
      const a = syncError(() => loop.runInExecutor({} as never, () => 1));
      expect(a).toBeInstanceOf(TypeError);
      expect(a.message).toBe('runInExecutor: executor must have a submit() method, got an object');
      const b = syncError(() => loop.runInExecutor(immediate, 5 as never));
      expect(b).toBeInstanceOf(TypeError);
      expect(b.message).toBe('runInExecutor: fn must be a function, got 5');
      const c = syncError(() => loop.runInExecutor({ submit: () => 5 } as never, () => 1));
      expect(c).toBeInstanceOf(TypeError);
      expect(c.message).toBe('runInExecutor: executor.submit() must return a promise, got 5');
    }));

  it('setDefaultExecutor() refuses an object without submit() and keeps the current one; null clears it', () =>
    run(async () => {
      const loop = getRunningLoop();
      loop.setDefaultExecutor(immediate);
      const e = syncError(() => loop.setDefaultExecutor({ run: () => 1 } as never));
      expect(e).toBeInstanceOf(TypeError);
      expect(e.message).toMatch(/^setDefaultExecutor: executor must have a submit\(\) method/);
      expect(await toThread(() => 'still the old one')).toBe('still the old one');
      loop.setDefaultExecutor(null); // back to the thread pool made on first use
      expect(await toThread(() => 'from the pool')).toBe('from the pool');
    }));

  it('shutdownDefaultExecutor() waits for the executor shutdown; the default executor is refused afterwards, an explicit one still works', () =>
    run(async () => {
      const loop = getRunningLoop();
      const log: string[] = [];
      loop.setDefaultExecutor({
        submit: async (fn, ...args) => fn(...args),
        shutdown: async (wait?: boolean) => {
          await new Promise((r) => setTimeout(r, 1));
          log.push(`shutdown(${String(wait)})`);
        },
      });
      await loop.shutdownDefaultExecutor();
      expect(log).toEqual(['shutdown(true)']);
      // As asyncio: the default executor is not used (nor made) again, even after setDefaultExecutor.
      expect(syncError(() => toThread(() => 1)).message).toMatch(/Executor shutdown has been called/);
      loop.setDefaultExecutor({ submit: async (fn, ...args) => fn(...args) });
      expect(syncError(() => loop.runInExecutor(null, () => 1)).message).toBe('runInExecutor: Executor shutdown has been called');
      expect(await loop.runInExecutor({ submit: async (fn, ...args) => fn(...args) }, () => 'explicit')).toBe('explicit');
    }));
});
