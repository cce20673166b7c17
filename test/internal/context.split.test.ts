// The first AsyncLocalStorage write gives every task that shared a context one of its own
// (src/internal/context.ts, `noteUserStores`). Made in an async task's code, that write must not
// leave the writing task as the current task of the generator tasks' new contexts. The `it` below
// must make this file's first write: keep ALS out of the top level.
import { AsyncLocalStorage } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import { createTask, currentTask, ensureFuture, gather, getRunningLoop, run, sleep, type Task } from 'tulip';

const als = new AsyncLocalStorage<string>();

describe('the first write, made in an async task, splits the contexts generator tasks shared', () => {
  it('into contexts where async code of their steps finds no task, not the writer', async () => {
    const out = await run(async () => {
      const writer = currentTask();
      const loop = getRunningLoop();
      function* child(): Generator<unknown, boolean, unknown> {
        yield* sleep(2); // (the write happens meanwhile)
        const inner = (async (): Promise<Task<unknown> | undefined> => {
          await null;
          return currentTask(loop);
        })();
        const found = yield* ensureFuture(inner.then((t) => [t])); // (in a list: a task is a thenable)
        return found[0] === writer;
      }
      // The children share their creator's context (made in its step).
      const parent = createTask(function* () {
        return yield* gather([createTask(child()), createTask(child()), createTask(child())]);
      });
      await sleep(1);
      als.enterWith('writer');
      return await parent;
    });
    expect(out).toEqual([false, false, false]);
  });
});
