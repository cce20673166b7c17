// Instructions per operation of one workload, counted by valgrind's cachegrind: a deterministic
// A/B for changes too small for wall time on a shared VM (whose runs of the same build differ by
// ±10–30%). `npx tsx bench/instructions.ts CASE [N] [--base REV] [--node 24]`, e.g.
// `npx tsx bench/instructions.ts b-gen-queue 1000000 --base HEAD~1`. Cases: bench/lib/instrcases.ts.
//
// Node runs with `--single-threaded` (no concurrent compiler or GC threads: invocations of a-gen
// agree within about 1%), each case twice in one process (the first warms the JIT up), and once
// more with N = 1,000, whose count (start-up, compilation) is taken off. GC work is counted too,
// and moves in steps with object sizes (when a scavenge falls decides how much is live): the
// GC-heavy cases (a-async, the b cases at N = 200,000) vary by up to 7% between invocations, and
// c-gen by up to 4%, so compare builds within one invocation and run those twice; give the b
// cases N = 1,000,000, where they agree within about 2%. Needs `valgrind` (Debian:
// `apt-get install valgrind`); instructions are not time (a cache miss costs more than an add).

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAll } from './lib/build.js';
import { INSTR_CASES } from './lib/instrcases.js';
import { resolveNode } from './run.js';

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(BENCH);
const SMALL = 1_000;

function usage(msg: string): never {
  process.stderr.write(`bench/instructions: ${msg}\nusage: npx tsx bench/instructions.ts CASE [N] [--base REV] [--node 24]\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
function option(name: string): string | null {
  const i = args.indexOf(name);
  if (i < 0) return null;
  const v = args[i + 1];
  if (v === undefined) usage(`${name} needs a value`);
  args.splice(i, 2);
  return v;
}
const base = option('--base');
const node = resolveNode(option('--node'));
const [caseName, nArg] = args;
const known = Object.keys(INSTR_CASES);
if (caseName === undefined || !known.includes(caseName)) usage(`name a case (${known.join(', ')}), got ${caseName}`);
const n = nArg === undefined ? 100_000 : Number(nArg);
if (!Number.isInteger(n) || n <= SMALL) usage(`N must be an integer above ${SMALL}, got ${nArg}`);
if (spawnSync('valgrind', ['--version']).status !== 0) usage('valgrind is not installed (Debian: apt-get install valgrind)');

/** Instructions (cachegrind's "I refs") of one run of the case, `n` operations twice. */
function count(build: string, ops: number): number {
  const script = path.join(build, 'bench', 'lib', 'instrcases.js');
  const r = spawnSync(
    'valgrind',
    ['--tool=cachegrind', '--cache-sim=no', '--cachegrind-out-file=/dev/null', node.bin, '--single-threaded', script, caseName!, String(ops)],
    { encoding: 'utf8', maxBuffer: 64 << 20 },
  );
  const m = /I\s+refs:\s+([\d,]+)/.exec(r.stderr);
  if (r.status !== 0 || m === null) throw new Error(`${caseName} under valgrind failed (status ${r.status}):\n${r.stderr.slice(-2000)}`);
  return Number(m[1]!.replace(/,/g, ''));
}

/** The sources of `rev` with this checkout's bench/ beside them, built. */
function buildRevision(rev: string, tmp: string): string {
  const root = path.join(tmp, 'root');
  const tar = spawnSync('sh', ['-c', `mkdir -p "${root}" && git -C "${ROOT}" archive "${rev}" src | tar -x -C "${root}"`], { encoding: 'utf8' });
  if (tar.status !== 0) usage(`cannot read the sources of ${rev}: ${tar.stderr.trim()}`);
  symlinkSync(BENCH, path.join(root, 'bench'));
  return buildAll(root, path.join(tmp, 'build-base'));
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'tulip-instr-'));
try {
  const builds: [string, string][] = [];
  if (base !== null) builds.push([base, buildRevision(base, tmp)]);
  builds.push(['working tree', buildAll(ROOT, path.join(tmp, 'build-head'))]);
  console.log(`${caseName}, N = ${n} (twice per process), ${node.version}, valgrind cachegrind, --single-threaded`);
  let first: number | null = null;
  for (const [label, dir] of builds) {
    const perOp = (count(dir, n) - count(dir, SMALL)) / (2 * (n - SMALL));
    const ratio = first === null ? '' : `  ${(perOp / first).toFixed(3)}x`;
    first ??= perOp;
    console.log(`${label.padEnd(14)} ${perOp.toFixed(0).padStart(7)} instructions per operation${ratio}`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
