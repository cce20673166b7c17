// Helpers shared by the parts of the second executor review (executor.review2.*.test.ts): flags in
// shared memory, a self-contained job, a task's outcome in either style, and the one-thread pool
// most tests submit to.
//
// Jobs run on real worker threads: they share state through SharedArrayBuffers (closures do not
// cross) and block their thread for a few ms with Atomics.wait.
import { afterAll } from 'vitest';
import { ThreadPoolExecutor, getRunningLoop, type Future } from 'tulip';
import { styled, type Style } from './helpers.js';

/** A flag in shared memory: the worker's Atomics.store() is seen by the main thread. */
export const newFlag = (): Int32Array => new Int32Array(new SharedArrayBuffer(4));
/** Whether a worker has set `flag`. */
export const isSet = (flag: Int32Array): boolean => Atomics.load(flag, 0) === 1;

/** A self-contained job: blocks its thread `ms` real ms, then sets `flag` (when given) and returns `ms`. */
export const nap = (ms: number, flag?: Int32Array): number => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  if (flag !== undefined) Atomics.store(flag, 0, 1);
  return ms;
};

/**
 * A self-contained job that holds its thread until the main thread calls `release(gate)` (10 s at
 * most), then sets `flag` (when given) and returns `result`: a running job whose end the test
 * decides, so that "not done yet" checks do not race a real-time nap on a loaded machine.
 */
export const hold = (gate: Int32Array, flag?: Int32Array, result = 0): number => {
  Atomics.wait(gate, 0, 0, 10_000);
  if (flag !== undefined) Atomics.store(flag, 0, 1);
  return result;
};
/** Lets every `hold(gate)` job go on. */
export const release = (gate: Int32Array): void => {
  Atomics.store(gate, 0, 1);
  Atomics.notify(gate, 0);
};

/** What awaiting `aw` in `style` inside a task gives: ['ok', value] or ['err', error]. */
export function outcomeOf(style: Style, aw: () => Future<unknown>) {
  return styled(
    style,
    function* () {
      try {
        return ['ok', yield* aw()] as const;
      } catch (e) {
        return ['err', e] as const;
      }
    },
    async () => {
      try {
        return ['ok', await aw()] as const;
      } catch (e) {
        return ['err', e] as const;
      }
    },
  );
}

/**
 * One thread shared by most tests of a part (a thread takes tens of ms to start): jobs run in FIFO
 * order, so once `drain()`'s job is back, every job submitted before it has run or was dropped.
 * (Each test file gets its own, and shuts it down through installHooks().)
 */
export const oneThread = new ThreadPoolExecutor({ maxWorkers: 1 });
/** Resolves once every job submitted to `oneThread` before it has run or was dropped. */
export const drain = (): Promise<number> => oneThread.submit(() => 0);

/** Registers the file's hook: `oneThread` is shut down after the file's tests. */
export function installHooks(): void {
  afterAll(() => oneThread.shutdown());
}

/** Runs `main` with `oneThread` as the default executor, taken back before run() would shut it down. */
export function withSharedDefault<T>(main: () => Promise<T>): () => Promise<T> {
  return async () => {
    const loop = getRunningLoop();
    loop.setDefaultExecutor(oneThread);
    try {
      return await main();
    } finally {
      loop.setDefaultExecutor(null);
    }
  };
}
