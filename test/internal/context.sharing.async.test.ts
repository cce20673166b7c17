// The context-sharing shortcut for function bodies (src/internal/context.ts): while no user
// AsyncLocalStorage has held a value, an async task made in the synchronous part of an async body
// (before its first await) shares its creator's context instead of copying it, as one made after
// an await does. The first write gives every sharer its own. The `it` below must make this file's
// first write: keep ALS out of the top level.
import { AsyncLocalStorage } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import { createTask, currentTask, run, sleep } from 'tulip';

const als = new AsyncLocalStorage<string>();

describe('async children made before the creator’s first await', () => {
  // (The checks are made after run(): vitest's expect may write a store of its own.)
  it('share its context until the creator’s write, which then reaches none of them', async () => {
    let shared: boolean[] = [];
    let split: boolean[] = [];
    const seen = await run(async () => {
      const me = currentTask()!;
      const reader = async (): Promise<[string | undefined, boolean]> => {
        await sleep(1);
        return [als.getStore(), currentTask() !== me];
      };
      const a = createTask(reader);
      const b = createTask(reader);
      shared = [a.getContext() === me.getContext(), b.getContext() === me.getContext()];
      als.enterWith('parent');
      split = [a.getContext() !== b.getContext(), a.getContext() !== me.getContext()];
      return [await a, await b, als.getStore()];
    });
    expect(shared).toEqual([true, true]);
    expect(split).toEqual([true, true]);
    expect(seen).toEqual([[undefined, true], [undefined, true], 'parent']);
  });
});
