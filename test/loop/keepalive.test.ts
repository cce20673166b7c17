// A running loop keeps the process alive (src/loop/keepalive.ts): each test runs a small program
// (fixtures/idle.ts) whose tasks wait for a signal or for each other — nothing Node itself would
// wait for — in a child process, and reads what it printed and how it exited.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURE = path.join(ROOT, 'test/loop/fixtures/idle.ts');

interface Exit {
  lines: string[];
  stderr: string;
  code: number | null;
  /** Whether the process was still alive when the signal was sent. */
  aliveAtSignal: boolean;
}

/** Runs the scenario; once it printed "ready", waits `delayMs` and sends `signal` (null: none). */
function runScenario(args: string[], signal: NodeJS.Signals | null, delayMs = 300): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let exited = false;
    let aliveAtSignal = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`scenario ${args.join(' ')} timed out; printed: ${out}`));
    }, 20_000);
    child.stdout.on('data', (d: Buffer) => {
      const first = !out.includes('ready\n');
      out += d.toString();
      if (signal !== null && first && out.includes('ready\n')) {
        setTimeout(() => {
          aliveAtSignal = !exited;
          child.kill(signal);
        }, delayMs);
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      exited = true;
      clearTimeout(timer);
      // Let a pending signal timer record that the process was gone.
      setTimeout(() => resolve({ lines: out.trim().split('\n'), stderr: err, code, aliveAtSignal }), delayMs + 50);
    });
  });
}

describe('a running loop keeps the process alive', { timeout: 30_000 }, () => {
  it('an async main task waiting for SIGTERM through addSignalHandler gets it and shuts down in order', async () => {
    const r = await runScenario(['sigterm-async'], 'SIGTERM');
    expect(r.aliveAtSignal).toBe(true);
    expect(r.lines).toEqual(['ready', 'stopping', 'result stopped']);
    expect(r.code).toBe(0);
  });

  it('a generator main task waiting for SIGTERM gets it too', async () => {
    const r = await runScenario(['sigterm-generator'], 'SIGTERM');
    expect(r.aliveAtSignal).toBe(true);
    expect(r.lines).toEqual(['ready', 'stopping', 'result stopped']);
    expect(r.code).toBe(0);
  });

  it('a loop run by hand (runForever) holds the process until its signal handler stops it, then lets it end', async () => {
    const r = await runScenario(['raw-loop'], 'SIGTERM');
    expect(r.aliveAtSignal).toBe(true);
    expect(r.lines).toEqual(['ready', 'result loop stopped']);
    expect(r.code).toBe(0);
  });

  it('tasks that wait for each other hang as in asyncio, and Ctrl-C unwinds them (their finally runs)', async () => {
    const r = await runScenario(['deadlock'], 'SIGINT');
    expect(r.aliveAtSignal).toBe(true);
    expect(r.lines).toEqual(['ready', 'cleanup', 'KeyboardInterruptError']);
    expect(r.code).toBe(130);
    expect(r.stderr).not.toMatch(/Node has no work left/);
  });

  it('in debug mode the loop reports, through its exception handler, that nothing but a signal can wake it', async () => {
    const r = await runScenario(['deadlock', 'debug'], 'SIGINT');
    expect(r.aliveAtSignal).toBe(true);
    expect(r.lines).toEqual(['ready', 'cleanup', 'KeyboardInterruptError']);
    expect(r.stderr).toMatch(/Node has no work left .* while the event loop runs with 1 pending task/);
  });

  it('a program with nothing left to wait for ends as soon as its main task does', async () => {
    const r = await runScenario(['finishes'], null);
    expect(r.lines).toEqual(['result done']);
    expect(r.code).toBe(0);
  });
});
