/**
 * The seam through which an event loop reads time. The loop never calls `Date.now()` or
 * `performance.now()` itself: a real clock reads the monotonic host clock, a virtual one
 * (`MockClock` in `tulip/testing`) moves only when told to, or jumps when every task is blocked.
 *
 * `now()` is required: the loop checks for it when it is created (the contract leaves the
 * interface open, so the type marks every member optional).
 */
export interface Clock {
  /** The current time in milliseconds (monotonic; any origin). Required. */
  now?(): number;
  /**
   * How many real milliseconds the loop must wait for `ms` of this clock's time to pass;
   * `Infinity` when the clock never advances on its own. Absent: `ms` itself.
   */
  realDelay?(ms: number): number;
  /**
   * Called when every task is blocked and `deadline` is the earliest timer (or `null`). Returns
   * true when the clock has advanced to the deadline at once; it may instead call `wake` later.
   */
  idle?(deadline: number | null, wake: () => void): boolean;
  /** Called when a pass of a loop runs work: whatever the clock measured as idle time ends. */
  busy?(): void;
  /** Called when a loop starts using the clock: `wake` asks that loop for a pass. */
  attach?(wake: () => void): void;
  /** Called when the loop stops using the clock. */
  detach?(wake: () => void): void;
}

/**
 * The host's monotonic clock (`performance.now()`), the default for every loop.
 *
 * Cancellation: a clock; nothing here waits.
 *
 * @example
 * ```ts
 * const loop = newEventLoop({ clock: new RealClock() }); // the same as newEventLoop()
 * ```
 */
export class RealClock implements Clock {
  /** `performance.now()`: ms since the process started, monotonic. */
  now(): number {
    return performance.now();
  }
}
