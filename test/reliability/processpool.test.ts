// Reliability of ProcessPoolExecutor: random batches of jobs on pools of 1–2 processes (some jobs
// throw, some kill their own process with `process.exit`), with random aborts of their signals,
// `maxTasksPerChild` limits, and a shutdown at a random moment — plain, dropping the queued jobs,
// or terminating the processes. Each job writes "start PID" and "end PID" lines to a file of its
// own, so the test sees what the processes did, not only what the promises said:
// - a job whose promise rejected with its signal's reason, or with shutdown's CancelledError,
//   never started; a job that exits its process started once, never ended, and failed with
//   RuntimeError; a job cut by `terminate` started at most once and failed with RuntimeError; every
//   other job started and ended once, in one process, and its promise has its outcome;
// - no process ran more than `maxTasksPerChild` jobs, and no more processes were started than
//   `maxWorkers` plus one per process that ended early (an exit, or its job limit);
// - once shutdown()'s promise settles, every job's promise has settled and every process the
//   jobs ran in has gone.
// Real time (processes): a dozen small programs.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { CancelledError, ProcessPoolExecutor, RuntimeError } from 'tulip';
import { fcOptions } from './harness.js';

type Mode = 'ok' | 'throw' | 'exit';

interface JobSpec {
  spinMs: number;
  mode: Mode;
  /** Real ms after submission at which its signal is aborted (null: never). */
  abortAt: number | null;
}

interface Program {
  maxWorkers: number;
  maxTasksPerChild: number | null;
  jobs: JobSpec[];
  /** Real ms after the last submission at which the pool is shut down. */
  shutdownAt: number;
  shutdown: 'plain' | 'cancelFutures' | 'terminate';
}

const programArb: fc.Arbitrary<Program> = fc.record({
  maxWorkers: fc.integer({ min: 1, max: 2 }),
  maxTasksPerChild: fc.option(fc.integer({ min: 1, max: 2 }), { nil: null, freq: 2 }),
  jobs: fc.array(
    fc.record({
      spinMs: fc.integer({ min: 0, max: 20 }),
      mode: fc.constantFrom<Mode>('ok', 'ok', 'ok', 'throw', 'exit'),
      abortAt: fc.option(fc.integer({ min: 0, max: 200 }), { nil: null, freq: 2 }),
    }),
    { minLength: 1, maxLength: 6 },
  ),
  shutdownAt: fc.integer({ min: 0, max: 300 }),
  shutdown: fc.constantFrom('plain', 'cancelFutures', 'terminate'),
});

/** The job: self-contained (its source runs in the child process). */
function job(file: string, i: number, spinMs: number, mode: string): number {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const fs = require('node:fs') as typeof import('node:fs');
  fs.appendFileSync(file, `start ${process.pid}\n`);
  const start = Date.now();
  while (Date.now() - start < spinMs) {
    // blocking work
  }
  if (mode === 'exit') process.exit(3);
  fs.appendFileSync(file, `end ${process.pid}\n`);
  if (mode === 'throw') throw new RangeError(`job ${i} failed`);
  return i * 10;
}

class AbortReason extends Error {
  override name = 'AbortReason';
}

type Settled = { ok: true; value: unknown } | { ok: false; error: unknown };

const later = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const root = mkdtempSync(join(tmpdir(), 'tulip-processpool-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let programs = 0;

/** What job `i` wrote: the lines, as [event, pid]. */
function trace(dir: string, i: number): [string, number][] {
  const file = join(dir, String(i));
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const [what, pid] = l.split(' ');
      return [what!, Number(pid)];
    });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function play(p: Program): Promise<void> {
  const dir = join(root, String(programs++));
  mkdirSync(dir);
  const pool = new ProcessPoolExecutor({ maxWorkers: p.maxWorkers, maxTasksPerChild: p.maxTasksPerChild });
  const settled: (Settled | undefined)[] = p.jobs.map(() => undefined);
  const timers: NodeJS.Timeout[] = [];
  p.jobs.forEach((spec, i) => {
    const ac = new AbortController();
    if (spec.abortAt !== null) timers.push(setTimeout(() => ac.abort(new AbortReason(`abort ${i}`)), spec.abortAt));
    pool.submitWith({ signal: ac.signal }, job, join(dir, String(i)), i, spec.spinMs, spec.mode).then(
      (value) => (settled[i] = { ok: true, value }),
      (error: unknown) => (settled[i] = { ok: false, error }),
    );
  });
  await later(p.shutdownAt);
  await pool.shutdown(p.shutdown === 'plain' ? {} : p.shutdown === 'cancelFutures' ? { cancelFutures: true } : { terminate: true });
  await Promise.resolve(); // the jobs' own `then` callbacks
  for (const t of timers) clearTimeout(t);

  const pids = new Map<number, number>(); // pid → jobs started in it
  let endedEarly = 0; // processes that ended before shutdown: an exit, or their job limit
  p.jobs.forEach((spec, i) => {
    const s = settled[i];
    const lines = trace(dir, i);
    const where = `job ${i} of ${JSON.stringify(p)}: ${s?.ok ? JSON.stringify(s) : String((s as { error: unknown } | undefined)?.error)}, wrote ${JSON.stringify(lines)}`;
    expect(s, where).toBeDefined();
    const starts = lines.filter(([w]) => w === 'start');
    const ends = lines.filter(([w]) => w === 'end');
    for (const [, pid] of starts) pids.set(pid, (pids.get(pid) ?? 0) + 1);
    if (!s!.ok && (s!.error instanceof AbortReason || s!.error instanceof CancelledError)) {
      if (s!.error instanceof AbortReason) expect(spec.abortAt, where).not.toBeNull();
      else expect(p.shutdown, where).not.toBe('plain');
      expect(lines, where).toEqual([]);
      return;
    }
    if (!s!.ok && s!.error instanceof RuntimeError) {
      // Its process went away with the job in it: its own exit, or shutdown's terminate (which
      // may come before the process has started the job it was sent, or after it wrote "end").
      expect(spec.mode === 'exit' || p.shutdown === 'terminate', where).toBe(true);
      expect(starts.length, where).toBeLessThanOrEqual(1);
      expect(ends.length, where).toBeLessThanOrEqual(starts.length);
      if (spec.mode === 'exit') expect(ends, where).toEqual([]);
      if (spec.mode === 'exit' && p.shutdown !== 'terminate') expect(starts.length, where).toBe(1);
      if (spec.mode === 'exit') endedEarly++;
      return;
    }
    expect(starts.length, where).toBe(1);
    expect(spec.mode, where).not.toBe('exit');
    expect(ends.map(([, pid]) => pid), where).toEqual(starts.map(([, pid]) => pid)); // ended, in the process it started in
    if (spec.mode === 'throw') {
      expect(s!.ok, where).toBe(false);
      expect((s as { error: unknown }).error, where).toBeInstanceOf(RangeError);
      expect((s as { error: Error }).error.message, where).toBe(`job ${i} failed`);
    } else {
      expect(s, where).toEqual({ ok: true, value: i * 10 });
    }
  });
  const summary = `${JSON.stringify(p)}: jobs per process ${JSON.stringify([...pids])}`;
  if (p.maxTasksPerChild !== null) {
    for (const n of pids.values()) expect(n, summary).toBeLessThanOrEqual(p.maxTasksPerChild);
    for (const n of pids.values()) if (n === p.maxTasksPerChild) endedEarly++;
  }
  expect(pids.size, summary).toBeLessThanOrEqual(p.maxWorkers + endedEarly);
  for (const pid of pids.keys()) expect(alive(pid), `process ${pid} after shutdown, ${summary}`).toBe(false);
  // A shut-down pool takes no more jobs, and says so.
  expect(() => pool.submit(job, join(dir, 'x'), 0, 0, 'ok')).toThrow(RuntimeError);
}

describe('ProcessPoolExecutor under random jobs, exits, aborts and shutdowns', () => {
  it('runs each job once or never (dropped jobs never start), replaces the processes that end, and leaves none running after shutdown()', async () => {
    await fc.assert(fc.asyncProperty(programArb, play), { ...fcOptions(12), interruptAfterTimeLimit: 40_000 });
  }, 90_000);
});
