/**
 * Executors: where `runInExecutor` and `toThread` run blocking or CPU-bound work. The default is a
 * pool of worker threads that runs self-contained functions (`ThreadPoolExecutor`).
 *
 * @module
 */
export {
  ThreadPoolExecutor,
  type SubmitOptions,
  type ThreadPoolOptions,
  type ThreadPoolShutdownOptions,
} from './threadpool.js';
