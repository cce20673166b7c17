// Reliability of ThreadPoolExecutor: random batches of jobs (each spins a few real ms, some throw)
// on pools of 1–3 threads, with random aborts of their signals and a shutdown at a random moment
// (plain, or dropping the queued jobs). The jobs count in a SharedArrayBuffer how many run at once
// and whether each one started and ended, so the test sees what the threads did, not only what the
// promises said:
// - never more jobs at once than maxWorkers;
// - a job whose promise rejected with its signal's reason, or with shutdown's CancelledError,
//   never ran; every other job ran exactly once, to its end, and its promise has its outcome;
// - once shutdown()'s promise settles, every job's promise has settled and no job is running.
// Real time (threads): a few dozen small programs.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CancelledError, RuntimeError, ThreadPoolExecutor } from 'tulip';
import { fcOptions } from './harness.js';

interface JobSpec {
  spinMs: number;
  fails: boolean;
  /** Real ms after submission at which its signal is aborted (null: never). */
  abortAt: number | null;
}

interface Program {
  maxWorkers: number;
  jobs: JobSpec[];
  /** Real ms after the last submission at which the pool is shut down. */
  shutdownAt: number;
  cancelFutures: boolean;
}

const programArb: fc.Arbitrary<Program> = fc.record({
  maxWorkers: fc.integer({ min: 1, max: 3 }),
  jobs: fc.array(
    fc.record({
      spinMs: fc.integer({ min: 0, max: 12 }),
      fails: fc.boolean(),
      abortAt: fc.option(fc.integer({ min: 0, max: 25 }), { nil: null, freq: 2 }),
    }),
    { minLength: 1, maxLength: 8 },
  ),
  shutdownAt: fc.integer({ min: 0, max: 30 }),
  cancelFutures: fc.boolean(),
});

// Slots of the shared counters: 0 jobs running now, 1 the most at once, then per job i
// 2 + 2i (times started) and 3 + 2i (times ended).
const RUNNING = 0;
const MOST = 1;

/** The job: self-contained (its source runs in the thread). */
function job(sab: SharedArrayBuffer, i: number, spinMs: number, fails: boolean): number {
  const a = new Int32Array(sab);
  const now = Atomics.add(a, 0, 1) + 1;
  for (;;) {
    const most = Atomics.load(a, 1);
    if (now <= most || Atomics.compareExchange(a, 1, most, now) === most) break;
  }
  Atomics.add(a, 2 + 2 * i, 1);
  const start = Date.now();
  while (Date.now() - start < spinMs) {
    // blocking work
  }
  Atomics.add(a, 3 + 2 * i, 1);
  Atomics.sub(a, 0, 1);
  if (fails) throw new RangeError(`job ${i} failed`);
  return i * 10;
}

class AbortReason extends Error {
  override name = 'AbortReason';
}

type Settled = { ok: true; value: unknown } | { ok: false; error: unknown };

const later = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function play(p: Program): Promise<void> {
  const pool = new ThreadPoolExecutor({ maxWorkers: p.maxWorkers });
  const sab = new SharedArrayBuffer(4 * (2 + 2 * p.jobs.length));
  const counts = new Int32Array(sab);
  const settled: (Settled | undefined)[] = p.jobs.map(() => undefined);
  const timers: NodeJS.Timeout[] = [];
  p.jobs.forEach((spec, i) => {
    const ac = new AbortController();
    if (spec.abortAt !== null) timers.push(setTimeout(() => ac.abort(new AbortReason(`abort ${i}`)), spec.abortAt));
    pool.submitWith({ signal: ac.signal }, job, sab, i, spec.spinMs, spec.fails).then(
      (value) => (settled[i] = { ok: true, value }),
      (error: unknown) => (settled[i] = { ok: false, error }),
    );
  });
  await later(p.shutdownAt);
  await pool.shutdown({ cancelFutures: p.cancelFutures });
  await Promise.resolve(); // the jobs' own `then` callbacks
  for (const t of timers) clearTimeout(t);

  expect(Atomics.load(counts, MOST)).toBeLessThanOrEqual(p.maxWorkers);
  expect(Atomics.load(counts, RUNNING)).toBe(0);
  p.jobs.forEach((spec, i) => {
    const s = settled[i];
    const started = Atomics.load(counts, 2 + 2 * i);
    const ended = Atomics.load(counts, 3 + 2 * i);
    const where = `job ${i} of ${JSON.stringify(p)}: ${JSON.stringify(s)}, started ${started}, ended ${ended}`;
    expect(s, where).toBeDefined();
    if (!s!.ok && (s!.error instanceof AbortReason || s!.error instanceof CancelledError)) {
      if (s!.error instanceof AbortReason) expect(spec.abortAt, where).not.toBeNull();
      else expect(p.cancelFutures, where).toBe(true);
      expect([started, ended], where).toEqual([0, 0]);
      return;
    }
    expect([started, ended], where).toEqual([1, 1]);
    if (spec.fails) {
      expect(s!.ok, where).toBe(false);
      expect((s as { error: unknown }).error, where).toBeInstanceOf(RangeError);
      expect(((s as { error: Error }).error).message, where).toBe(`job ${i} failed`);
    } else {
      expect(s, where).toEqual({ ok: true, value: i * 10 });
    }
  });
  // A shut-down pool takes no more jobs, and says so.
  expect(() => pool.submit(job, sab, 0, 0, false)).toThrow(RuntimeError);
}

describe('ThreadPoolExecutor under random jobs, aborts and shutdowns', () => {
  it('runs each job once or never (dropped jobs never start), at most maxWorkers at once, and settles everything before shutdown() does', async () => {
    await fc.assert(fc.asyncProperty(programArb, play), { ...fcOptions(25), interruptAfterTimeLimit: 20_000 });
  }, 60_000);
});
