// The first AsyncLocalStorage write made while no loop runs (between two `Runner.run()`s) must
// still give the tasks of a stopped loop that share a context one each. The `it` below must make
// this file's first write: keep ALS out of the top level.
import { AsyncLocalStorage } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import { Event, Runner, createTask, sleep, type Task } from 'tulip';

const als = new AsyncLocalStorage<string>();

describe('the first write, made between two runs of a Runner', () => {
  it('splits the contexts its stopped loop’s tasks shared: a write in one step reaches no sibling', async () => {
    const runner = new Runner();
    let go!: Event;
    let kids: Task<string | undefined>[] = [];
    try {
      await runner.run(function* () {
        go = new Event();
        const writer = function* (): Generator<unknown, string | undefined, unknown> {
          yield* go.wait();
          als.enterWith('writer');
          yield* sleep(1);
          return als.getStore();
        };
        const reader = function* (): Generator<unknown, string | undefined, unknown> {
          yield* go.wait();
          yield* sleep(5);
          return als.getStore();
        };
        // Made in this step: they share its context, and outlive this run.
        kids = [createTask(writer()), createTask(reader())];
      });
      als.enterWith('outside'); // the first write: no loop runs
      const seen = await runner.run(function* () {
        go.set();
        const out: (string | undefined)[] = [];
        for (const k of kids) out.push(yield* k);
        return out;
      });
      expect(seen).toEqual(['writer', undefined]);
    } finally {
      runner.close();
    }
  });
});
