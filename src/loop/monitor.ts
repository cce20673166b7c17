/**
 * The loop's always-on lag and stall monitor.
 *
 * Cheap by design: the loop reads the clock once per burst (a stretch of passes between two host
 * turns, which is how long Node's own I/O waited) and once per 64 entries. A burst or window longer
 * than `slowCallbackDuration` is a stall: it is reported at the next host turn (once Node has
 * delivered the garbage-collection pauses of its window: a stall they explain is not reported), and
 * the loop then times every entry and task step for a while ("fine mode"), and records where tasks
 * suspend, so that the next stall names its task and the suspension point it resumed from. Debug
 * mode is fine mode always.
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

import { PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { Handle } from './handle.js';
import type { Runnable } from './handle.js';
import type { EventLoop } from './eventloop.js';
import { userFrames } from '../internal/frames.js';

const RING = 1024;
/** How long fine mode stays on after a stall (real ms). */
export const FINE_MODE_MS = 10_000;

// ---- garbage-collection pauses (process-wide) ------------------------------------------------
// A GC pause blocks the loop too, but no callback caused it: a coarse stall is confirmed only once
// Node has delivered the pauses of its window (a host turn later) and they do not explain it.

const GC_RING = 256;
const gcStarts = new Float64Array(GC_RING);
const gcEnds = new Float64Array(GC_RING);
let gcCount = 0;
let gcObserver: PerformanceObserver | null = null;

function recordGc(entries: PerformanceEntry[]): void {
  for (const e of entries) {
    const i = gcCount++ % GC_RING;
    gcStarts[i] = e.startTime;
    gcEnds[i] = e.startTime + e.duration;
  }
}

/** Starts watching GC pauses (once per process; called when a loop first runs). */
export function watchGc(): void {
  if (gcObserver !== null) return;
  gcObserver = new PerformanceObserver((list) => recordGc(list.getEntries()));
  gcObserver.observe({ entryTypes: ['gc'] });
}

/** The milliseconds of GC pauses (delivered so far) within [from, to] (real ms). */
function gcTimeIn(from: number, to: number): number {
  if (gcObserver !== null) recordGc(gcObserver.takeRecords());
  let sum = 0;
  for (let k = Math.max(0, gcCount - GC_RING); k < gcCount; k++) {
    const i = k % GC_RING;
    const overlap = Math.min(gcEnds[i]!, to) - Math.max(gcStarts[i]!, from);
    if (overlap > 0) sum += overlap;
  }
  return sum;
}

/** A coarse stall waiting to be confirmed (see `LoopMonitor.confirm`). */
interface SuspectedStall {
  took: number;
  /** When it ended (real ms). */
  end: number;
  where: string;
}

export class LoopMonitor {
  // The time fields start at -0, which V8 stores as a double (0 would be a small integer, and the
  // first real time stored would change the object's layout in every new loop: see loop/shapes.ts).
  private readonly ring = new Float64Array(RING);
  private count = 0;
  private max = -0;
  private sum = -0;
  stalls = 0;
  /** Real time until which every entry and step is timed (0: off). */
  fineUntil = -0;

  /** When the current burst began (real ms). */
  burstStart = -0;
  /** When the current window of entries began, and the entries and async resumptions since. */
  private windowStart = -0;
  private windowEntries = 0;
  /** Batch entries and async resumptions counted by the loop (see `isStall`). */
  entries = 0;
  /** Stall time already reported in this burst (not reported again by a window or the burst). */
  accounted = -0;
  private windowAccounted = -0;
  /** Coarse stalls seen in this burst, confirmed at the next host turn (null: none). */
  suspected: SuspectedStall[] | null = null;

  /** A host wake-up: a burst begins. */
  startBurst(now: number): void {
    this.burstStart = now;
    this.windowStart = now;
    this.windowEntries = this.entries;
  }

  /**
   * Whether `took` ms spent on `n` entries is a stall: over the limit, and — for more than 64
   * entries — still over it when scaled to 64 (many quick entries are lag, not a stall).
   */
  private isStall(loop: EventLoop, took: number, n: number): boolean {
    const limit = loop.slowCallbackDuration;
    return took >= limit && (n <= 64 || (took * 64) / n >= limit);
  }

  /**
   * Back to the host: the burst's length is a lag sample. Its last window of entries (fewer than
   * 64) over the limit is a stall — a long burst of many quick entries is lag, not a stall.
   */
  endBurst(loop: EventLoop): void {
    const now = performance.now();
    this.record(now - this.burstStart);
    const took = now - this.windowStart;
    if (this.isStall(loop, took - (this.accounted - this.windowAccounted), this.entries - this.windowEntries)) {
      this.stall(loop, took, 'burst');
    }
    this.accounted = 0;
    this.windowAccounted = 0;
  }

  /**
   * Every 64 entries, and wherever the loop reads the clock anyway (its burst-budget check, the end
   * of a yield to the microtasks): the window since the last check over the limit is a stall (coarse; fine
   * mode names the culprit).
   */
  checkWindow(loop: EventLoop, last: Runnable | string, now = performance.now()): void {
    const took = now - this.windowStart;
    const n = this.entries - this.windowEntries;
    this.windowStart = now;
    this.windowEntries = this.entries;
    if (this.isStall(loop, took - (this.accounted - this.windowAccounted), n)) {
      this.stall(loop, took, typeof last === 'string' ? last : String(last));
    }
    this.windowAccounted = this.accounted;
  }

  /**
   * A coarse stall: its time is accounted at once (not reported again by the burst); it is
   * reported at the next host turn, once the GC pauses of its window are known (`confirm`).
   */
  private stall(loop: EventLoop, took: number, where: string): void {
    this.accounted += took;
    if (this.suspected === null) {
      this.suspected = [];
      setImmediate(() => this.confirm(loop));
    }
    this.suspected.push({ took, end: performance.now(), where });
  }

  /**
   * Reports the suspected stalls that GC pauses do not explain, and turns fine mode on for the
   * next bursts (every entry and task step timed, suspension points recorded) to name the culprit.
   * Runs at the next host turn, or when the loop closes (with the pauses delivered by then).
   */
  confirm(loop: EventLoop): void {
    const suspected = this.suspected;
    if (suspected === null) return;
    this.suspected = null;
    for (const { took, end, where } of suspected) {
      const gc = gcTimeIn(end - took, end);
      if (took - gc < loop.slowCallbackDuration) continue; // a GC pause, not a callback
      this.stalls++;
      this.startFine(performance.now());
      const by = where === 'burst' ? 'by the last callbacks of a burst' : where === 'async continuations' ? 'by async continuations' : where === 'window' ? 'by the last callbacks' : `up to ${where}`;
      loop.callExceptionHandler({
        message:
          `The event loop was blocked for ${took.toFixed(3)} ms (${by}${gc > 0 ? `; ${gc.toFixed(3)} ms of it garbage collection` : ''}); ` +
          'every callback and task step is timed for the next 10 s to name the culprit',
        durationMs: took,
        ...(gc > 0 ? { gcMs: gc } : {}),
      });
    }
  }

  /**
   * Fine mode: one done callback of `fut` took `took` ms. Over the limit it is reported as asyncio
   * reports the Handle it runs as (naming the callback), and accounted, so that the entry it ran
   * in is not reported for it again.
   */
  timedCallback(loop: EventLoop, cb: (fut: never) => unknown, fut: unknown, took: number, accountedBefore: number): void {
    if (took - (this.accounted - accountedBefore) < loop.slowCallbackDuration) return;
    this.stalls++;
    this.accounted += took;
    const handle = new Handle(cb, [fut], loop);
    loop.callExceptionHandler({ message: `Executing ${String(handle)} took ${took.toFixed(3)} ms`, durationMs: took, handle });
  }

  /**
   * Fine mode: one entry took `took` ms. Over the limit it is reported, naming the task stepped in
   * it, where that step resumed from and where it suspended (recorded once the task is suspect).
   */
  timedEntry(loop: EventLoop, r: Runnable, took: number, accountedBefore: number): void {
    if (took - (this.accounted - accountedBefore) < loop.slowCallbackDuration) return;
    this.stalls++;
    this.accounted += took;
    const task = loop._steppedTask;
    if (task === null) {
      loop.callExceptionHandler({
        message: `Executing ${String(r)} took ${took.toFixed(3)} ms`,
        durationMs: took,
        ...(r instanceof Handle ? { handle: r } : {}),
      });
      return;
    }
    const ext = task._x();
    const from = loop._steppedFrom;
    const at = ext.suspect ? ext.suspendStack : undefined; // recorded during this step
    ext.suspect = true; // from now on its suspension points are recorded
    loop.callExceptionHandler({
      message: `Executing ${String(task)} took ${took.toFixed(3)} ms`,
      task,
      durationMs: took,
      // Where the slow step began (its previous suspension point) and where it ended: the code
      // that held the loop ran between the two (recorded from the task's second report on).
      resumedFrom: userFrames(from).join('\n'),
      suspendedAt: userFrames(at).join('\n'),
    });
  }

  /**
   * Fine mode: async continuations ran for `took` ms between two entries of the loop (a yield to
   * the microtasks). Over the limit it is a stall, named by the tasks resumed before it.
   */
  asyncTime(loop: EventLoop, took: number, resumes: number): void {
    if (!this.isStall(loop, took, resumes)) {
      loop._forgetResumed();
      return;
    }
    const count = loop._resumedCount;
    const resumed = loop._takeResumed();
    if (resumed.length === 0) {
      this.stall(loop, took, 'async continuations');
      return;
    }
    this.stalls++;
    this.accounted += took;
    // One task: asyncio's form ("Executing <Task pending name=…> took …"); several, their names
    // (the first ones the loop kept, and how many more there were).
    const more = count > resumed.length ? ` … and ${count - resumed.length} more` : '';
    const what = count === 1 ? String(resumed[0]) : `the async continuations of ${resumed.map((t) => t.getName()).join(', ')}${more}`;
    loop.callExceptionHandler({
      message: `Executing ${what} took ${took.toFixed(3)} ms`,
      durationMs: took,
      ...(count === 1 ? { task: resumed[0] } : { tasks: resumed }),
    });
  }

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
      max: this.max + 0, // +0, not the initial -0
      p99,
      mean: this.count === 0 ? 0 : this.sum / this.count,
      stalls: this.stalls,
    };
  }
}
