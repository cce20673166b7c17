// A persistent `python3 interp_asyncio.py` child: one JSON program per line in, one result per line out.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Program, RunResult } from './dsl.js';

const here = fileURLToPath(new URL('.', import.meta.url));

/** Where the vendored pure-Python asyncio lives (see README.md); PYASYNCIO overrides. */
export const PYASYNCIO = process.env.PYASYNCIO ?? '/tmp/pyasyncio313';

export class PyBridge {
  private child: ChildProcessWithoutNullStreams;
  private waiting: Array<(r: RunResult) => void> = [];
  private stderr = '';
  private exited: number | null | undefined = undefined;

  constructor(extraArgs: string[] = []) {
    const python = process.env.PYTHON ?? 'python3';
    this.child = spawn(python, [`${here}interp_asyncio.py`, ...extraArgs], {
      env: { ...process.env, PYTHONPATH: PYASYNCIO, PYTHONDONTWRITEBYTECODE: '1' },
    });
    this.child.stderr.on('data', (d: Buffer) => {
      this.stderr += d.toString();
    });
    this.child.on('exit', (code) => {
      this.exited = code;
      for (const w of this.waiting.splice(0)) {
        w({ trace: [], outcome: `PYTHON-EXIT ${code} ${this.stderr.slice(-2000)}`, reports: [] });
      }
    });
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      const w = this.waiting.shift();
      if (w) w(JSON.parse(line) as RunResult);
    });
  }

  run(prog: Program): Promise<RunResult> {
    return new Promise((resolve) => {
      if (this.exited !== undefined) {
        resolve({ trace: [], outcome: `PYTHON-EXIT ${this.exited} ${this.stderr.slice(-2000)}`, reports: [] });
        return;
      }
      this.waiting.push(resolve);
      this.child.stdin.write(JSON.stringify(prog) + '\n');
    });
  }

  /** The asyncio the child runs (file and whether Task is the pure-Python one). */
  static async version(): Promise<string> {
    const python = process.env.PYTHON ?? 'python3';
    const p = spawn(python, ['-c', 'import asyncio,sys,asyncio.tasks as t; print(sys.version.split()[0], asyncio.__file__, "pure-Python Task" if asyncio.Task is t._PyTask else "C Task", "Queue.shutdown" if hasattr(asyncio.Queue, "shutdown") else "no Queue.shutdown")'], {
      env: { ...process.env, PYTHONPATH: PYASYNCIO },
    });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise((r) => p.on('exit', r));
    return out.trim();
  }

  close(): void {
    this.child.stdin.end();
  }
}
