/**
 * Synchronisation primitives for tasks, with CPython 3.13 asyncio semantics (`locks.py`) plus
 * Trio's `CapacityLimiter`: `Lock`, `Event`, `Condition`, `Semaphore`, `BoundedSemaphore`,
 * `Barrier`, `CapacityLimiter`.
 *
 * Shared rules:
 * - Every blocking method returns a `Future`, awaitable with `await` (async functions) and `yield*`
 *   (generator coroutines). When nothing has to wait, it is already done and awaiting it does not
 *   suspend. Non-blocking twins (`acquireNowait()` …) throw `WouldBlockError` instead.
 * - Waiters are served first come, first served; nobody barges ahead of a woken waiter.
 * - A waiter woken and then cancelled passes its wake-up on: no lock, unit or token is lost.
 * - `run(body)` is `async with`: the body runs inside the calling task, and the resource is
 *   released on return, throw and cancellation.
 * - A primitive binds to the first loop in which a task must wait for it; using it from another
 *   loop afterwards throws `RuntimeError`.
 * - `statistics()` reports the waiting tasks (Trio's `statistics()`).
 *
 * @module
 */
export { Lock, type LockStatistics } from './lock.js';
export { Event, type EventStatistics } from './event.js';
export { Condition, type ConditionStatistics } from './condition.js';
export { Semaphore, BoundedSemaphore, type SemaphoreStatistics } from './semaphore.js';
export { Barrier, type BarrierState, type BarrierStatistics } from './barrier.js';
export { CapacityLimiter, type CapacityLimiterStatistics } from './limiter.js';
