/**
 * Executors: where `runInExecutor` and `toThread` run blocking or CPU-bound work. The default is a
 * pool of worker threads that runs self-contained functions (`ThreadPoolExecutor`); a pool of
 * child processes (`ProcessPoolExecutor`) runs the same jobs isolated from the loop's process.
 *
 * @example
 * ```ts
 * const pool = new ProcessPoolExecutor({ maxWorkers: 2 });
 * console.log(await runInExecutor(pool, (n: number) => n * 2, 21)); // 42
 * await pool.shutdown();
 * ```
 *
 * @module
 */
export { ThreadPoolExecutor } from './threadpool.js';
export { ProcessPoolExecutor, type ProcessPoolOptions } from './processpool.js';
export type { SubmitOptions, ThreadPoolOptions, ThreadPoolShutdownOptions } from './pool.js';
