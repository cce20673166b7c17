// (d) TCP echo orchestration: start a server process, wait for the port it prints, run the shared
// client (cases/d_echo/client.mjs) against it, kill the server (by its PID), print the client's JSON line.
// Everything is bounded in time: the server must print its port within 10 s, the client exits on
// its own, and a hard timer kills both.

import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { emit } from './common.js';
import { SOURCE_CASES } from './paths.js';

/** bench/cases/d_echo in the source tree (also when this file runs precompiled from bench/.build). */
export const ECHO_DIR = path.join(SOURCE_CASES, 'd_echo');

function firstLine(child: ChildProcess, ms: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server printed no port within ${ms} ms`)), ms);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(out.slice(0, nl).trim());
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before printing its port`));
    });
  });
}

/** Runs one echo measurement of `measureMs` against the server started by `cmd args`; prints one JSON line. */
export async function echoCase(name: string, cmd: string, args: string[], measureMs: number): Promise<void> {
  const warmMs = measureMs >= 5000 ? 500 : measureMs >= 1000 ? 200 : 100;
  const lifetime = String(measureMs + warmMs + 20_000);
  const server = spawn(cmd, [...args, lifetime], { stdio: ['ignore', 'pipe', 'inherit'] });
  let client: ChildProcess | null = null;
  const hard = setTimeout(() => {
    client?.kill('SIGKILL');
    server.kill('SIGKILL');
    process.stderr.write('echo: hard time limit reached\n');
    process.exit(1);
  }, measureMs + warmMs + 30_000);
  try {
    const port = Number(await firstLine(server, 10_000));
    if (!Number.isInteger(port) || port <= 0) throw new Error('server printed no port');
    client = spawn(
      process.execPath,
      [path.join(ECHO_DIR, 'client.mjs'), String(port), String(server.pid), String(measureMs), String(warmMs)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    client.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    const code = await new Promise<number | null>((r) => client!.on('close', r));
    const line = out.split('\n').find((l) => l.startsWith('{'));
    if (code !== 0 || !line) throw new Error(`client failed (exit ${code})`);
    emit({ name, ...(JSON.parse(line) as object) });
  } finally {
    clearTimeout(hard);
    server.kill('SIGKILL');
  }
}
