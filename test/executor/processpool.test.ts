// ProcessPoolExecutor: the pool executors' behaviour (shared with ThreadPoolExecutor, see
// threadpool.test.ts) over child processes, and what only processes have: isolation, a process
// that dies and is replaced, maxTasksPerChild, execArgv.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CancelledError, ProcessPoolExecutor, RuntimeError, createTask, gather, getRunningLoop, run, sleep, waitFor } from 'tulip';
import { assertCancelled, errorOf, syncError } from '../support.js';

const BOUND = 10_000;
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Runs fixtures/pool-exit.ts with `how`; resolves with its output and exit code. */
function runProgram(how: string): Promise<{ out: string; code: number | null }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/executor/fixtures/pool-exit.ts'), how], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`pool-exit ${how} did not exit; printed: ${out}`));
    }, 20_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      done({ out, code });
    });
  });
}

/** Runs `body` with a pool that is shut down (its processes killed) afterwards. */
async function withPool<T>(opts: ConstructorParameters<typeof ProcessPoolExecutor>[0], body: (pool: ProcessPoolExecutor) => Promise<T>): Promise<T> {
  const pool = new ProcessPoolExecutor(opts);
  try {
    return await body(pool);
  } finally {
    await pool.shutdown({ terminate: true });
  }
}

describe('ProcessPoolExecutor', () => {
  it('runs a self-contained function in another process and returns its result, an async one awaited', () =>
    run(() =>
      withPool({ maxWorkers: 1 }, async (pool) => {
        const pid = await waitFor(getRunningLoop().runInExecutor(pool, () => process.pid), BOUND);
        expect(pid).not.toBe(process.pid);
        expect(await pool.submit(async (a: number, b: number) => a * b, 6, 7)).toBe(42);
        expect(await pool.submit((o: { xs: number[]; m: Map<string, number> }) => o.xs.length + o.m.get('k')!, { xs: [1, 2], m: new Map([['k', 5]]) })).toBe(7);
      }),
    ));

  it('runs jobs in parallel on separate processes', () =>
    run(async () => {
      // A rendezvous through the file system: each job leaves its pid in `dir`, then waits (up to
      // 8 s) for the other's. Only jobs running at the same time both see two files.
      const dir = mkdtempSync(join(tmpdir(), 'tulip-pp-par-'));
      try {
        await withPool({ maxWorkers: 2 }, async (pool) => {
          const meet = (d: string): [boolean, number] => {
            const fs = require('node:fs') as typeof import('node:fs');
            fs.writeFileSync(`${d}/${process.pid}`, '');
            const end = Date.now() + 8000;
            while (Date.now() < end) if (fs.readdirSync(d).length >= 2) return [true, process.pid];
            return [false, process.pid];
          };
          const [[met1, p1], [met2, p2]] = await waitFor(gather([pool.submit(meet, dir), pool.submit(meet, dir)]), BOUND);
          expect(p1).not.toBe(p2);
          expect([met1, met2]).toEqual([true, true]);
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }));

  it("an error thrown in the process comes back with its class, message, code and cause", () =>
    run(() =>
      withPool({ maxWorkers: 1 }, async (pool) => {
        const e = (await errorOf(() =>
          pool.submit(() => {
            throw Object.assign(new TypeError('bad input', { cause: new RangeError('inner') }), { code: 'E_BAD' });
          }),
        )) as TypeError & { code: string };
        expect(e).toBeInstanceOf(TypeError);
        expect([e.message, e.code]).toEqual(['bad input', 'E_BAD']);
        expect(e.cause).toBeInstanceOf(RangeError);
      }),
    ));

  it('a process that dies while it runs a job fails that job with RuntimeError; the next job gets a fresh process', () =>
    run(() =>
      withPool({ maxWorkers: 1 }, async (pool) => {
        const before = await pool.submit(() => process.pid);
        const e = await errorOf(() => pool.submit(() => process.exit(3)));
        expect(e).toBeInstanceOf(RuntimeError);
        expect(e.message).toBe('ProcessPoolExecutor: the process exited (code 3) while the job ran');
        const killed = await errorOf(() => pool.submit(() => process.kill(process.pid, 'SIGKILL')));
        expect(killed.message).toBe('ProcessPoolExecutor: the process exited (signal SIGKILL) while the job ran');
        const after = await pool.submit(() => process.pid);
        expect(after).not.toBe(before);
        expect(pool.statistics()).toEqual({ threads: 1, busy: 0, queued: 0 });
      }),
    ));

  it('maxTasksPerChild replaces a process after that many jobs', () =>
    run(() =>
      withPool({ maxWorkers: 1, maxTasksPerChild: 2 }, async (pool) => {
        const pids: number[] = [];
        for (let i = 0; i < 5; i++) pids.push(await pool.submit(() => process.pid));
        expect(pids[0]).toBe(pids[1]);
        expect(pids[2]).toBe(pids[3]);
        expect(new Set(pids).size).toBe(3);
      }),
    ));

  it('shutdown() resolves only once the processes retired at their job limit have exited too', async () => {
    const pool = new ProcessPoolExecutor({ maxWorkers: 1, maxTasksPerChild: 1 });
    const pids = [await pool.submit(() => process.pid), await pool.submit(() => process.pid)];
    await pool.shutdown();
    const alive = (pid: number): boolean => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect(pids.map(alive)).toEqual([false, false]);
  });

  it('shutdown() resolves only once a process that died between jobs has exited', async () => {
    const pool = new ProcessPoolExecutor({ maxWorkers: 1 });
    const pid = await pool.submit(() => process.pid);
    process.kill(pid, 'SIGKILL'); // dies while idle: the pool retires it (with a warning)
    const warned = new Promise<Error>((resolve) => process.once('warning', resolve));
    expect(String(await warned)).toMatch(/ProcessPoolExecutor: a process died between jobs/);
    await pool.shutdown();
    expect(() => process.kill(pid, 0)).toThrow();
  });

  it('shutdown() ends an idle process whose job hooked SIGTERM (a graceful-shutdown listener), and resolves', async () => {
    const pool = new ProcessPoolExecutor({ maxWorkers: 1 });
    const pid = await pool.submit(() => {
      process.on('SIGTERM', () => {});
      return process.pid;
    });
    await Promise.race([pool.shutdown(), new Promise((_, fail) => setTimeout(() => fail(new Error('shutdown() hung')), BOUND).unref())]);
    expect(() => process.kill(pid, 0)).toThrow();
  });

  it('shutdown({ terminate: true }) kills a busy process whose job ignores SIGTERM, after a grace period', async () => {
    const pool = new ProcessPoolExecutor({ maxWorkers: 1 });
    const pid = await pool.submit(() => process.pid);
    const job = pool.submit(() => {
      process.on('SIGTERM', () => {});
      for (;;); // never yields: neither the channel's end nor the SIGTERM listener can run
    });
    const failed = job.then(
      () => null,
      (e: unknown) => e,
    );
    await new Promise((r) => setTimeout(r, 200)); // the job is running
    const start = Date.now();
    await Promise.race([pool.shutdown({ terminate: true }), new Promise((_, fail) => setTimeout(() => fail(new Error('shutdown() hung')), BOUND).unref())]);
    expect(Date.now() - start).toBeLessThan(BOUND);
    expect(await failed).toBeInstanceOf(RuntimeError);
    expect(() => process.kill(pid, 0)).toThrow();
  });

  it('execArgv gives the processes Node flags of their own', () =>
    run(() =>
      withPool({ maxWorkers: 1, execArgv: ['--max-old-space-size=64'] }, async (pool) => {
        expect(await pool.submit(() => process.execArgv)).toContain('--max-old-space-size=64');
      }),
    ));

  it('a queued job whose wait is cancelled never runs; the running one goes on', () =>
    run(async () => {
      const dir = mkdtempSync(join(tmpdir(), 'tulip-pp-'));
      try {
        await withPool({ maxWorkers: 1 }, async (pool) => {
          const loop = getRunningLoop();
          const first = loop.runInExecutor(pool, (ms: number) => {
            const t = Date.now();
            while (Date.now() - t < ms);
            return 'first';
          }, 300);
          const marker = join(dir, 'second');
          const second = createTask(() => loop.runInExecutor(pool, (f: string) => require('node:fs').writeFileSync(f, 'x'), marker));
          await sleep(20);
          expect(pool.statistics().queued).toBe(1);
          second.cancel();
          assertCancelled(await errorOf(() => second));
          expect(pool.statistics().queued).toBe(0);
          expect(await waitFor(first, BOUND)).toBe('first');
          await pool.submit(() => 0); // the process is free again: the second job would have run by now
          expect(existsSync(marker)).toBe(false);
          // (the same job, not cancelled, does write it: the check above could fail)
          await pool.submit((f: string) => require('node:fs').writeFileSync(f, 'x'), marker);
          expect(existsSync(marker)).toBe(true);
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }));

  it('shutdown() waits for running and queued jobs; terminate kills the processes and fails the running job', () =>
    run(async () => {
      const pool = new ProcessPoolExecutor({ maxWorkers: 1 });
      const a = pool.submit(() => 'a');
      const b = pool.submit(() => 'b');
      await waitFor(pool.shutdown(), BOUND);
      expect(await Promise.all([a, b])).toEqual(['a', 'b']);
      expect(pool.statistics()).toEqual({ threads: 0, busy: 0, queued: 0 });
      expect(syncError(() => pool.submit(() => 1)).message).toBe(
        'ProcessPoolExecutor.submit: cannot schedule new jobs after shutdown (the executor is shut down)',
      );

      const pool2 = new ProcessPoolExecutor({ maxWorkers: 1 });
      const long = errorOf(() => pool2.submit(() => new Promise((r) => setTimeout(r, 60_000))));
      const queued = errorOf(() => pool2.submit(() => 1));
      await sleep(50);
      await waitFor(pool2.shutdown({ terminate: true }), BOUND);
      const e = await long;
      expect(e).toBeInstanceOf(RuntimeError);
      expect(e.message).toBe('ProcessPoolExecutor.shutdown: the process was terminated before the job finished (it may have run in part, or not at all)');
      expect(await queued).toBeInstanceOf(CancelledError);
    }));

  it('arguments or a result that cannot be cloned fail the job, not the pool', () =>
    run(() =>
      withPool({ maxWorkers: 1 }, async (pool) => {
        expect(await errorOf(() => pool.submit((f: unknown) => f, (() => 1) as unknown))).toBeInstanceOf(Error);
        const e = await errorOf(() => pool.submit(() => () => 1));
        expect(e.message).toMatch(/^ProcessPoolExecutor: the job's result cannot be sent back to the loop/);
        expect(await pool.submit(() => 'still usable')).toBe('still usable');
      }),
    ));

  it('bad options throw naming the option and what came', () => {
    const make = (o: unknown) => () => new ProcessPoolExecutor(o as never);
    expect(syncError(make({ maxTasksPerChild: 0 }))).toBeInstanceOf(RangeError);
    expect(syncError(make({ maxTasksPerChild: 0 })).message).toBe('ProcessPoolExecutor: maxTasksPerChild must be a positive integer or null, got 0');
    expect(syncError(make({ maxWorkers: 0 })).message).toBe('ProcessPoolExecutor: maxWorkers must be a positive integer, got 0');
    expect(syncError(make({ execArgv: '--inspect' })).message).toBe('ProcessPoolExecutor: execArgv must be an array of strings, got "--inspect"');
    expect(syncError(make({ max_workers: 2 })).message).toMatch(/^ProcessPoolExecutor: unknown option "max_workers"/);
    expect(syncError(make('x'))).toBeInstanceOf(TypeError);
  });

  it('a bound function is refused at submit(): its source cannot be sent to a process', () =>
    run(() =>
      withPool({ maxWorkers: 1 }, async (pool) => {
        const e = syncError(() => pool.submit(Math.max.bind(Math), 1, 2));
        expect(e).toBeInstanceOf(TypeError);
        expect(e.message).toMatch(/^ProcessPoolExecutor\.submit: the source of .* cannot be sent to a process: a native or bound function has no source text/);
      }),
    ));

  it.each(['shutdown', 'shutdown-wait', 'idle'])('a program that used a pool exits on its own with code 0 (%s)', async (how) => {
    const { out, code } = await runProgram(how);
    expect(out).toBe('[ 1, 2 ]\nend\n');
    expect(code).toBe(0);
  });
});
