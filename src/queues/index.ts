/**
 * Queues and channels between tasks: asyncio's `Queue`, `LifoQueue` and `PriorityQueue` (CPython
 * 3.13 semantics, with `shutdown()`), plus async iteration and a default priority order; and
 * Trio's memory channels (`openMemoryChannel`), which add per-end closing, clones, and an end of
 * stream that `for await` understands.
 *
 * Shared rules: every blocking method returns a `Future` (`await` and `yield*` both work; already
 * done when nothing has to wait) and has a non-blocking twin that throws a specific error
 * (`QueueEmptyError`, `QueueFullError`, `WouldBlockError` …); waiters are served in FIFO order; a
 * waiter woken and then cancelled passes its wake-up (or its value) on, so no item is lost;
 * `statistics()` reports the waiting tasks.
 *
 * @module
 */
export { Queue, LifoQueue, PriorityQueue, defaultCompare, type QueueStatistics } from './queue.js';
export {
  openMemoryChannel,
  MemorySendChannel,
  MemoryReceiveChannel,
  type MemoryChannelStatistics,
} from './channel.js';
