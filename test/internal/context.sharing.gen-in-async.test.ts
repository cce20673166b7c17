// The context-sharing shortcut for generator tasks made in async code (src/internal/context.ts):
// while no user AsyncLocalStorage has held a value, they share one context of their loop, which
// does not hold their creator as the current task. The first write gives every sharer its own.
// The `it` below must make this file's first write: keep ALS out of the top level.
import { AsyncLocalStorage } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import { createTask, currentTask, ensureFuture, getRunningLoop, newEventLoop, run, sleep, type Task } from 'tulip';

const als = new AsyncLocalStorage<string>();

describe('generator children made in an async task’s code', () => {
  // (The checks are made after run(): vitest's expect may write a store of its own.)
  it('share one context that is not their creator’s, until a write gives each its own', async () => {
    type Seen = { before: string | undefined; after: string | undefined; innerIsCreator: boolean };
    const elsewhere = newEventLoop();
    const out = await run(async () => {
      const me = currentTask()!;
      await sleep(0);
      function* child(tag: string): Generator<unknown, Seen, unknown> {
        yield* sleep(2);
        const before = als.getStore();
        // Async code started in this step goes on in the step's context: it must not find the creator.
        const loop = getRunningLoop();
        const inner = (async (): Promise<Task<unknown> | undefined> => {
          await null;
          return currentTask(loop);
        })();
        als.enterWith(tag);
        yield* sleep(1);
        const innerTask = yield* ensureFuture(inner);
        return { before, after: als.getStore(), innerIsCreator: innerTask === me };
      }
      const a = createTask(child('a'));
      const b = createTask(child('b'));
      const [other] = await createTask(async () => [createTask(child('c'))]); // (in a list: a task is a thenable)
      // One for another loop copies instead: the first write splits the sharers of one loop only.
      const far = elsewhere.createTask(child('far'));
      const shared = [
        a.getContext() === b.getContext(),
        b.getContext() === other.getContext(),
        a.getContext() !== me.getContext(),
        far.getContext() !== a.getContext(),
      ];
      far.cancel();
      als.enterWith('parent');
      const split = [a.getContext() !== b.getContext(), b.getContext() !== other.getContext(), a.getContext() !== me.getContext()];
      return { shared, split, seen: [await a, await b, await other], mine: als.getStore() };
    });
    await elsewhere.runUntilComplete(() => sleep(1)); // (the cancelled task ends)
    elsewhere.close();
    expect(out.shared).toEqual([true, true, true, true]);
    expect(out.split).toEqual([true, true, true]);
    expect(out.seen).toEqual([
      { before: undefined, after: 'a', innerIsCreator: false },
      { before: undefined, after: 'b', innerIsCreator: false },
      { before: undefined, after: 'c', innerIsCreator: false },
    ]);
    expect(out.mine).toBe('parent');
  });
});
