// Unit tests of src/testing/checkpoints.ts: assertCheckpoints(body) passes only when the body
// suspends the calling task, assertNoCheckpoints(body) only when it does not — both coroutine
// styles, results and errors passed through, cancellation, and argument checks.
import { AssertionError } from 'node:assert';
import { describe, expect, it } from 'vitest';
import { Lock, Queue, RuntimeError, createTask, getRunningLoop, sleep, type Coroutine } from 'tulip';
import { assertCheckpoints, assertNoCheckpoints, waitAllTasksBlocked } from 'tulip/testing';
import { STYLES, assertCancelled, rejection, rejectionG, runVirtual, syncError } from '../support.js';

describe('assertCheckpoints', () => {
  it('passes when the body suspends, and returns its result (async)', () =>
    runVirtual(async () => {
      expect(await assertCheckpoints(async () => (await sleep(0, 'a')) + 'b')).toBe('ab');
      expect(await assertCheckpoints(async () => sleep(1000, 'long'))).toBe('long');
    }));

  it('passes when the body suspends, and returns its result (generator)', () =>
    runVirtual(function* () {
      expect(yield* assertCheckpoints(function* () {
        return (yield* sleep(0, 'a')) + 'b';
      })).toBe('ab');
    }));

  it('fails with AssertionError when the body does not suspend (async)', () =>
    runVirtual(async () => {
      const lock = new Lock();
      const e = await rejection(
        assertCheckpoints(async () => {
          await lock.acquire(); // free: taken at once, no suspension
          lock.release();
        }),
      );
      expect(e).toBeInstanceOf(AssertionError);
      expect((e as Error).message).toMatch(/assertCheckpoints: the body did not suspend the task/);
      expect(await rejection(assertCheckpoints(() => 1))).toBeInstanceOf(AssertionError);
    }));

  it('fails with AssertionError when the body does not suspend (generator)', () =>
    runVirtual(function* () {
      const q = new Queue<number>();
      q.putNowait(1);
      const e = yield* rejectionG(
        assertCheckpoints(function* () {
          return yield* q.get(); // an item is there: no suspension
        }),
      );
      expect(e).toBeInstanceOf(AssertionError);
    }));

  it("passes the body's own error through unchecked", () =>
    runVirtual(async () => {
      const boom = new Error('boom');
      expect(
        await rejection(
          assertCheckpoints(() => {
            throw boom;
          }),
        ),
      ).toBe(boom);
    }));

  for (const style of STYLES) {
    it(`counts a wait on a blocked lock, and lets a cancellation through (${style})`, () =>
      runVirtual(async () => {
        const lock = new Lock();
        await lock.acquire();
        const body =
          style === 'generator'
            ? function* (): Coroutine<void> {
                yield* assertCheckpoints(function* () {
                  yield* lock.acquire();
                });
              }
            : async (): Promise<void> => {
                await assertCheckpoints(async () => {
                  await lock.acquire();
                });
              };
        const t = createTask(body);
        await waitAllTasksBlocked();
        lock.release();
        await t;
        expect(lock.locked()).toBe(true); // t took it and keeps it
        const t2 = createTask(body);
        await waitAllTasksBlocked();
        t2.cancel('stop');
        assertCancelled(await rejection(t2), 'stop');
        expect(getRunningLoop()._instruments).toBeNull(); // the counting instrument is gone
      }));
  }
});

describe('assertNoCheckpoints', () => {
  it('passes when the body does not suspend, and returns its result (both styles)', () =>
    runVirtual(async () => {
      const q = new Queue<number>();
      expect(await assertNoCheckpoints(() => q.putNowait(1))).toBeUndefined();
      expect(await assertNoCheckpoints(async () => await q.get())).toBe(1);
      expect(
        await createTask(function* () {
          return yield* assertNoCheckpoints(function* () {
            return 7;
          });
        }),
      ).toBe(7);
    }));

  for (const style of STYLES) {
    it(`fails with AssertionError when the body suspends (${style})`, () =>
      runVirtual(async () => {
        const e = await createTask(
          style === 'generator'
            ? function* (): Coroutine<unknown> {
                return yield* rejectionG(
                  assertNoCheckpoints(function* () {
                    yield* sleep(0);
                    yield* sleep(5);
                  }),
                );
              }
            : async (): Promise<unknown> =>
                rejection(
                  assertNoCheckpoints(async () => {
                    await sleep(0);
                    await sleep(5);
                  }),
                ),
        );
        expect(e).toBeInstanceOf(AssertionError);
        expect((e as Error).message).toBe(
          'assertNoCheckpoints: the body suspended the task 2 times (expected no checkpoint)',
        );
      }));
  }

  it('checks even when the body throws after suspending (as Trio), and not when it throws at once', () =>
    runVirtual(async () => {
      const boom = new Error('boom');
      const e = await rejection(
        assertNoCheckpoints(async () => {
          await sleep(1);
          throw boom;
        }),
      );
      expect(e).toBeInstanceOf(AssertionError);
      expect(
        await rejection(
          assertNoCheckpoints(() => {
            throw boom;
          }),
        ),
      ).toBe(boom);
    }));

  it('nests, and each counts only its own body', () =>
    runVirtual(async () => {
      await assertCheckpoints(async () => {
        await sleep(1);
        await assertNoCheckpoints(() => 1);
      });
      expect(getRunningLoop()._instruments).toBeNull();
    }));

  it('ignores other tasks suspending meanwhile', () =>
    runVirtual(async () => {
      const other = createTask(async () => {
        for (let i = 0; i < 5; i++) await sleep(0);
      });
      await assertNoCheckpoints(() => 'quiet');
      await other;
    }));
});

describe('argument checks', () => {
  it('refuses a non-function body with TypeError, and runs only inside a task', () =>
    runVirtual(async () => {
      expect(syncError(() => assertCheckpoints('x' as never))).toBeInstanceOf(TypeError);
      expect(syncError(() => assertNoCheckpoints(null as never))).toBeInstanceOf(TypeError);
      const loop = getRunningLoop();
      const outside = assertNoCheckpoints(() => 1);
      const e = await new Promise((resolve) => loop.callSoon(() => outside.then(undefined, resolve)));
      expect(e).toBeInstanceOf(RuntimeError);
    }));
});
