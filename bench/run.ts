// tulip benchmark runner: `npm run bench [-- --quick] [--only a,spawn] [--runs N] [--json FILE] [--md FILE]`.
//
// Every (workload, system) case runs in a fresh process (Node: `node --expose-gc` on the cases and
// tulip's sources precompiled to bench/.build/ by TypeScript's transpiler, or `--import tsx` with
// `--tsx`; Python: `python3`), interleaved across systems round by round (A B C A B C …). Each process
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
      '',
    ].join('\n'),
  );
  process.exit(2);
}

function parseArgs(argv: string[]): Options {
  const o: Options = { quick: false, runs: 0, only: null, systems: null, json: null, md: null, tsx: false };
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

/** The command line of a case: Node cases run precompiled (or through tsx), Python ones as they are. */
export function caseCommand(c: Case, sys: System, n: number, build: string | null, nodeFlags: string[] = []): [string, string[]] {
  const file = path.join(BENCH, 'cases', c.file);
  const rest = [String(n), ...(c.args ?? [])];
  if (sys.runtime === 'python') return ['python3', [file, ...rest]];
  if (!file.endsWith('.ts')) return [process.execPath, ['--expose-gc', ...nodeFlags, file, ...rest]];
  if (build === null) return [process.execPath, ['--expose-gc', ...nodeFlags, '--import', 'tsx', file, ...rest]];
  const js = path.join(build, path.relative(ROOT, file)).replace(/\.ts$/, '.js');
  return [process.execPath, ['--expose-gc', ...nodeFlags, js, ...rest]];
}

function runCase(c: Case, sys: System, n: number, timeoutMs: number): Promise<Outcome> {
  const [cmd, args] = caseCommand(c, sys, n, buildDir);
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

interface Row {
  c: Case;
  sys: System;
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
  const workloads = WORKLOADS.filter((w) => !opts.only || opts.only.includes(w.id) || opts.only.includes(w.key));
  if (workloads.length === 0) {
    process.stderr.write(`no workload matches --only ${opts.only?.join(',')}\n`);
    usage();
  }
  ensureBenchDeps();
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
    const why = unavailable(s, python);
    if (why) {
      skipReason.set(s.id, why);
      notes.push(`${s.label} skipped: ${why}.`);
    }
  }

  const started = new Date();
  const results: { w: Workload; n: number; rows: Row[] }[] = [];
  for (const w of workloads) {
    const n = opts.quick ? w.n.quick : w.n.full;
    const timeoutMs = Math.max(30_000, (w.timeoutMs ?? 180_000) / (opts.quick ? 3 : 1));
    const metrics = [w.metric, ...(w.extra ?? [])];
    const rows: Row[] = CASES.filter((c) => c.workload === w.id)
      .filter((c) => !opts.systems || opts.systems.includes(c.system))
      .map((c) => {
        const sys = SYSTEMS.find((s) => s.id === c.system);
        if (!sys) throw new Error(`case ${c.file}: unknown system ${c.system}`);
        const skipped = skipReason.get(sys.id);
        return { c, sys, samples: [], errors: [], medians: {}, ...(skipped ? { skipped } : {}) };
      });
    for (let r = 1; r <= opts.runs; r++) {
      for (const row of rows) {
        if (row.skipped) continue;
        const o = await runCase(row.c, row.sys, n, timeoutMs);
        const tag = `[${w.id} ${w.key} ${r}/${opts.runs}] ${row.sys.id}`.padEnd(34);
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
    results.push({ w, n, rows });
  }

  // ---- report ----
  const lines: string[] = [];
  const cpu = os.cpus();
  lines.push('# tulip benchmark results', '');
  lines.push(
    `${started.toISOString().slice(0, 16).replace('T', ' ')} UTC · ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'} · ` +
      `${Math.round(os.totalmem() / 2 ** 30)} GB · Node ${process.version} · ${python ?? 'no python3'} · ` +
      `${opts.quick ? '**quick** mode' : 'full mode'}, ${opts.runs} runs · Node cases ${buildDir ? 'precompiled (TypeScript transpiler, ES2022)' : 'run through tsx'}`,
    '',
  );
  lines.push(
    `Each figure is the median of ${opts.runs} fresh processes (min–max beside it), the runs interleaved across systems; ` +
      'each process runs one warm-up iteration and then times one. Ratios are median ÷ the plain-Node anchor ' +
      '(the bold row) and ÷ Python asyncio; for throughput above 1 is faster, for CPU and bytes below 1 is better. ' +
      'Quote the ratios, not the absolute numbers (the machine is shared and noisy).',
    '',
  );
  for (const n of notes) lines.push(`> ${n}`);
  if (notes.length) lines.push('');

  const targetRows: string[] = [];
  for (const { w, n, rows } of results) {
    const metrics = [w.metric, ...(w.extra ?? [])];
    const anchor = rows.find((r) => r.sys.id === ANCHOR)?.medians[w.metric.field];
    const py = rows.find((r) => r.sys.id === PYTHON)?.medians[w.metric.field];
    lines.push(`## (${w.id}) ${w.title}`, '');
    lines.push(`N = ${n.toLocaleString('en-US')}. ${w.note ?? ''}`.trim(), '');
    lines.push(
      `| System | ${w.metric.label} | range | ${(w.extra ?? []).map((m) => m.label).join(' | ')}${w.extra?.length ? ' | ' : ''}vs Node | vs asyncio | target |`,
    );
    lines.push(`|---|${metrics.map(() => '---:').join('|')}|---:|---:|---:|---|`);
    for (const row of rows) {
      const cells: string[] = [row.c.label];
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
        const ts = TARGETS.filter((t) => t.workload === w.id && t.system === row.sys.id);
        cells.push(
          ts
            .map((t) => `${t.op === '>=' ? '≥' : '≤'}${t.ratio.toFixed(1)}x ${ratio === undefined ? '?' : meets(t, ratio) ? '✓' : '✗'}`)
            .join(', '),
        );
        if (row.errors.length) cells[0] += ` (${row.samples.length}/${opts.runs} runs ok)`;
      }
      lines.push(`| ${cells.join(' | ')} |`);
    }
    lines.push('');
    for (const t of TARGETS.filter((t) => t.workload === w.id)) {
      const row = rows.find((r) => r.sys.id === t.system);
      const med = row?.medians[w.metric.field];
      const ratio = med !== undefined && anchor ? med / anchor : undefined;
      targetRows.push(
        `| ${t.text} | ${ratio === undefined ? 'not measured' : fmtRatio(ratio)} | ${ratio === undefined ? '–' : meets(t, ratio) ? '✓' : '✗'} |`,
      );
    }
  }
  if (targetRows.length) {
    lines.push('## Targets', '', '| target | measured | met |', '|---|---:|:---:|', ...targetRows, '');
  }
  const md = lines.join('\n');
  process.stdout.write('\n' + md + '\n');
  if (opts.md) writeFileSync(path.resolve(opts.md), md + '\n');
  if (opts.json) {
    const data = {
      started: started.toISOString(),
      node: process.version,
      python,
      cpu: cpu[0]?.model.trim(),
      cores: cpu.length,
      quick: opts.quick,
      runs: opts.runs,
      precompiled: buildDir !== null,
      notes,
      workloads: results.map(({ w, n, rows }) => ({
        id: w.id,
        key: w.key,
        title: w.title,
        n,
        metric: w.metric.field,
        rows: rows.map((r) => ({
          system: r.sys.id,
          file: r.c.file,
          label: r.c.label,
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

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
