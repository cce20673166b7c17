// CPU profile of one benchmark case: `npx tsx bench/profile.ts WORKLOAD SYSTEM[:VARIANT] [N] [--top K] [--tsx] [--node 24]`
// e.g. `npx tsx bench/profile.ts a tulip-gen 100000`, `npx tsx bench/profile.ts b tulip-gen:queue`. Precompiles as `npm run bench` does, runs the
// case once under `node --cpu-prof` (warm-up and timed iteration both), keeps the .cpuprofile under
// bench/profiles/, and prints the functions with the most self time, plus the share of GC, idle
// (the main thread waiting in libuv) and program time.

import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildAll } from './lib/build.js';
import { CASES, SYSTEMS, WORKLOADS } from './registry.js';
import { caseCommand, caseN, resolveNode } from './run.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(BENCH);

const args = process.argv.slice(2);
const useTsx = args.includes('--tsx');
if (useTsx) args.splice(args.indexOf('--tsx'), 1);
let nodeSpec: string | null = null;
const ni = args.indexOf('--node');
if (ni >= 0) {
  nodeSpec = args[ni + 1] ?? null;
  args.splice(ni, 2);
}
let top = 25;
const ti = args.indexOf('--top');
if (ti >= 0) {
  top = Number(args[ti + 1]);
  args.splice(ti, 2);
}
const [wArg, sysArg, nArg] = args;
const [sArg, vArg] = (sysArg ?? '').split(':');
const w = WORKLOADS.find((x) => x.id === wArg || x.key === wArg);
const c = CASES.find((x) => x.workload === w?.id && x.system === sArg && (x.variant ?? '') === (vArg ?? ''));
const sys = SYSTEMS.find((s) => s.id === sArg);
if (!w || !c || !sys || sys.runtime !== 'node') {
  process.stderr.write(
    'usage: npx tsx bench/profile.ts WORKLOAD SYSTEM[:VARIANT] [N] [--top K] [--tsx] [--node 24]   (Node systems only)\n',
  );
  process.exit(2);
}
const n = nArg ?? String(caseN(c, w, false));
const node = resolveNode(nodeSpec);
const dir = path.join(BENCH, 'profiles');
mkdirSync(dir, { recursive: true });
const before = new Set(readdirSync(dir));
const build = useTsx ? null : buildAll(ROOT, path.join(BENCH, '.build'));
const [cmd, cmdArgs] = caseCommand(c, Number(n), build, ['--cpu-prof', '--cpu-prof-dir', dir], node.bin);
process.stdout.write(`${w.id} ${sys.id}${c.variant ? `:${c.variant}` : ''}, N = ${n}, Node ${node.version}\n`);
const r = spawnSync(cmd, cmdArgs, { cwd: ROOT, encoding: 'utf8' });
process.stdout.write(r.stdout);
if (r.status !== 0) {
  process.stderr.write(r.stderr);
  process.exit(1);
}
const fresh = readdirSync(dir)
  .filter((f) => f.endsWith('.cpuprofile') && !before.has(f))
  .map((f) => path.join(dir, f))
  .sort((a, b) => statSync(b).size - statSync(a).size);
// tsx's loader runs in a worker thread that writes its own profile: take the main thread's,
// the one that ran the case file.
const caseUrl = pathToFileURL(cmdArgs[cmdArgs.length - 2 - (c.args?.length ?? 0)]!).href;
const loaded = fresh.map((f) => ({ f, p: JSON.parse(readFileSync(f, 'utf8')) as Profile }));
const main = loaded.find(({ p }) => p.nodes.some((nd) => nd.callFrame.url === caseUrl)) ?? loaded[0];
if (!main) throw new Error('no .cpuprofile written');
const { f: file, p: prof } = main;

const self = new Map<number, number>();
for (let i = 0; i < prof.samples.length; i++) {
  const id = prof.samples[i]!;
  self.set(id, (self.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0));
}
const byKey = new Map<string, number>();
let total = 0;
for (const node of prof.nodes) {
  const t = self.get(node.id) ?? 0;
  total += t;
  const f = node.callFrame;
  const file = f.url.startsWith('file:') ? path.relative(ROOT, fileURLToPath(f.url)) : f.url;
  // tsx-compiled sources report generated line numbers, which do not match the .ts files: omit them.
  const where = file.endsWith('.ts') || !file ? file : `${file.replace(/^bench\/\.build\//, '')}:${f.lineNumber + 1}`;
  const key = `${f.functionName || '(anonymous)'} ${where}`.trim();
  byKey.set(key, (byKey.get(key) ?? 0) + t);
}
const rows = [...byKey.entries()].sort((a, b) => b[1] - a[1]);
const pct = (t: number): string => ((100 * t) / total).toFixed(1).padStart(5) + '%';
const group = (re: RegExp): number => rows.filter(([k]) => re.test(k)).reduce((s, [, t]) => s + t, 0);
process.stdout.write(
  `\nprofile: ${path.relative(ROOT, file)}  (${(total / 1000).toFixed(0)} ms sampled)\n` +
    `GC ${pct(group(/^\(garbage collector\)/))}  idle ${pct(group(/^\(idle\)/))}  program ${pct(group(/^\(program\)/))}  ` +
    `src/ ${pct(group(/ src\//))}\n\nself time  function\n`,
);
for (const [k, t] of rows.slice(0, top)) process.stdout.write(`${pct(t)}  ${(t / 1000).toFixed(1).padStart(8)} ms  ${k}\n`);
