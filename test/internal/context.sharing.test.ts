// The context-sharing shortcut of generator steps (src/internal/context.ts): while no user
// AsyncLocalStorage has held a value, a task made in a generator step shares its creator's (empty)
// context; the first write anywhere gives every sharer its own, so no write leaks. Each test here
// starts with no user store written yet in this file's module instance, and the first `it` must be
// the first write: keep ALS out of this file's top level.
import { AsyncLocalStorage } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import { createTask, run, sleep } from 'tulip';

const als = new AsyncLocalStorage<string>();

describe('a generator step’s children before and after the first AsyncLocalStorage write', () => {
  it('the first write lands in an async task; a generator child that writes later keeps it to itself', () =>
    run(function* () {
      const writer = createTask(function* () {
        yield* sleep(1);
        als.enterWith('writer');
        yield* sleep(1);
        return als.getStore();
      });
      const reader = createTask(function* () {
        yield* sleep(5);
        return als.getStore();
      });
      yield* createTask(async () => {
        als.enterWith('async');
      });
      expect([yield* writer, yield* reader, als.getStore()]).toEqual(['writer', undefined, undefined]);
    }));

  it('a write in the creator’s step, after it made its children, reaches none of them', () =>
    run(function* () {
      const child = createTask(function* () {
        yield* sleep(1);
        const seen = als.getStore();
        als.enterWith('child');
        return seen;
      });
      als.enterWith('parent');
      expect(yield* child).toBeUndefined();
      expect(als.getStore()).toBe('parent');
    }));
});
