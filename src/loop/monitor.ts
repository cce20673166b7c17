/**
 * The loop's always-on lag and stall monitor.
 *
 * Cheap by design: the loop reads the clock once per burst (a stretch of passes between two host
 * turns, which is how long Node's own I/O waited) and once per 64 entries. A burst or window longer
 * than `slowCallbackDuration` is a stall: it is reported at once, and the loop then times every
 * entry and task step for a while ("fine mode"), and records where tasks suspend, so that the next
 * stall names its task and the suspension point it resumed from. Debug mode is fine mode always.
 */

/** What `loop.lagStats()` returns (ms). */
export interface LagStats {
  /** Bursts measured since the loop started. */
  count: number;
  /** The longest burst: the longest Node's I/O had to wait for this loop. */
  max: number;
  /** The 99th percentile of the last 1024 bursts. */
  p99: number;
  /** The mean of all bursts. */
  mean: number;
  /** Stalls reported (bursts, windows or steps over `slowCallbackDuration`). */
  stalls: number;
}

const RING = 1024;
/** How long fine mode stays on after a stall (real ms). */
export const FINE_MODE_MS = 10_000;

export class LoopMonitor {
  private readonly ring = new Float64Array(RING);
  private count = 0;
  private max = 0;
  private sum = 0;
  stalls = 0;
  /** Real time until which every entry and step is timed (0: off). */
  fineUntil = 0;

  /** Records one burst's duration. */
  record(ms: number): void {
    this.ring[this.count % RING] = ms;
    this.count++;
    this.sum += ms;
    if (ms > this.max) this.max = ms;
  }

  /** Turns fine mode on (after a stall). */
  startFine(now: number): void {
    this.fineUntil = now + FINE_MODE_MS;
  }

  stats(): LagStats {
    const n = Math.min(this.count, RING);
    let p99 = 0;
    if (n > 0) {
      const sorted = Array.from(this.ring.subarray(0, n)).sort((a, b) => a - b);
      p99 = sorted[Math.min(n - 1, Math.floor(n * 0.99))]!;
    }
    return {
      count: this.count,
      max: this.max,
      p99,
      mean: this.count === 0 ? 0 : this.sum / this.count,
      stalls: this.stalls,
    };
  }
}
