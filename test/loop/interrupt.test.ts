// Ctrl-C during run() (src/loop/interrupt.ts), as asyncio.run handles it: each test runs a small
// program (fixtures/sigint.ts) in a child process, sends it SIGINT once it is ready, and reads
// what it printed and how it exited; and ports of CPython's test_runners.py interrupt tests, where
// the program interrupts itself.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURE = path.join(ROOT, 'test/loop/fixtures/sigint.ts');

interface Exit {
  lines: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * Runs the scenario; sends SIGINT `times` times (100 ms apart) once it printed "ready" (0: the
 * program interrupts itself).
 */
function interrupt(scenario: string, times: number): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, scenario], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    let sent = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`scenario ${scenario} timed out; printed: ${out}`));
    }, 20_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!sent && out.includes('ready\n')) {
        sent = true;
        for (let i = 0; i < times; i++) setTimeout(() => child.kill('SIGINT'), 50 + 100 * i);
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ lines: out.trim().split('\n'), code, signal });
    });
  });
}

describe('Ctrl-C (SIGINT) during run()', { timeout: 30_000 }, () => {
  it('cancels the async main task: its finally runs and run() rejects with KeyboardInterruptError', async () => {
    const r = await interrupt('async', 1);
    expect(r.lines).toEqual(['ready', 'cleanup', 'KeyboardInterruptError', 'listeners 0']);
    expect(r.code).toBe(130);
  });

  it('cancels a generator main task: its task group, the group\'s children and the leftover tasks unwind', async () => {
    const r = await interrupt('generator', 1);
    expect(r.lines.slice(0, 3)).toEqual(['ready', 'group child cleanup', 'cleanup']);
    expect(r.lines).toContain('child cleanup');
    expect(r.lines.slice(-2)).toEqual(['KeyboardInterruptError', 'listeners 0']);
    expect(r.code).toBe(130);
  });

  it('a main task that swallows the cancellation returns normally, and run() resolves', async () => {
    const r = await interrupt('swallow', 1);
    expect(r.lines).toEqual(['ready', 'caught true', 'result finished anyway', 'listeners 0']);
    expect(r.code).toBe(0);
  });

  it('a second Ctrl-C, during a cleanup that takes too long, breaks out: close() cancels the cleanup and run() rejects with KeyboardInterruptError', async () => {
    const r = await interrupt('slow-cleanup', 2);
    expect(r.lines).toEqual(['ready', 'cleanup started', 'cleanup cancelled', 'KeyboardInterruptError', 'listeners 0']);
    expect(r.code).toBe(130);
  });

  it('a third Ctrl-C, during a cleanup that ignores cancellation, ends the process (SIGINT is Node\'s again)', async () => {
    const r = await interrupt('stubborn-cleanup', 3);
    expect(r.lines).toEqual(['ready', 'cleanup started', 'cancellation ignored']);
    expect(r.signal).toBe('SIGINT');
  });

  it('test_interrupt_call_soon: a main task that only yields (sleep(0)) is cancelled too', async () => {
    const r = await interrupt('call-soon', 0);
    expect(r.lines).toEqual(['loop left with CancelledError', 'KeyboardInterruptError', 'listeners 0']);
  });

  it('test_interrupt_wait: interrupting a wait cancels the future and the main task (Runner)', async () => {
    const r = await interrupt('wait-future', 0);
    expect(r.lines).toEqual(['wait left with CancelledError', 'future cancelled true', 'KeyboardInterruptError', 'listeners 0']);
  });

  it('test_interrupt_cancelled_task: a main task its own code cancelled as well ends in CancelledError', async () => {
    const r = await interrupt('cancelled-task', 0);
    expect(r.lines).toEqual(['CancelledError', 'listeners 0']);
  });

  it('leaves SIGINT alone when the program listens for it itself', async () => {
    const r = await interrupt('own-listener', 1);
    expect(r.lines).toEqual(['ready', 'own listener', 'main not cancelled', 'result done', 'listeners 0']);
    expect(r.code).toBe(0);
  });
});
