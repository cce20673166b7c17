// The differential tester's driver: random programs -> Python asyncio and tulip (both styles) ->
// compare traces -> shrink each new kind of mismatch -> write it to out/.
//
//   npx tsx scripts/differential/run.ts [--n 500] [--seed 1] [--areas queue,lock] [--styles gen,async]
//                                       [--no-shrink] [--heap-timers] [--eager] [--eager-mix] [--quiet] [--out DIR]
//   npx tsx scripts/differential/run.ts --replay out/xxx.json     (one program, full traces)
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Program, RunResult } from './dsl.js';
import { AREAS, generate, type Area } from './gen.js';
import type { Style } from './interp_tulip.js';
import { TulipRunner } from './tulip_pool.js';
import { normalize, pathological } from './normalize.js';
import { PyBridge } from './pybridge.js';
import { shrink, size } from './shrink.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt?: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const flag = (name: string): boolean => args.includes(`--${name}`);

const N = Number(opt('n', '200'));
const SEED = Number(opt('seed', '1'));
const STYLES = (opt('styles', 'gen,async') as string).split(',') as Style[];
const AREAS_ONLY = opt('areas')?.split(',') as Area[] | undefined;
const OUT = opt('out', fileURLToPath(new URL('./out/', import.meta.url)))!;
const QUIET = flag('quiet');
const RAW = flag('raw');
const STRICT = flag('strict-messages');
const ALLOW_HANG = flag('allow-hang');
const HANG_MS = Number(opt('hang-ms', '3000'));

for (const a of AREAS_ONLY ?? []) if (!(AREAS as readonly string[]).includes(a)) throw new Error(`unknown area ${a}`);

const tulip = new TulipRunner();
/** Known differences the tulip interpreter steps around with --known (the Python side emulates the others). */
const KNOWN_TULIP_SIDE = ['gather-inline-order'];
const py = new PyBridge([...(flag('heap-timers') ? ['--heap-timers'] : []), ...(flag('known') ? ['--known'] : [])]);

/** --eager-mix: about half of the plain `spawn` steps start their task eagerly (chosen by seed). */
function markEagerSpawns(p: Program, seed: number): void {
  let k = Math.imul(seed, 0x9e3779b1) >>> 0;
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) for (const y of x) walk(y);
    else if (x !== null && typeof x === 'object') {
      const o = x as Record<string, unknown>;
      if (o.op === 'spawn') {
        k = (Math.imul(k, 1103515245) + 12345) >>> 0;
        if ((k >>> 16) & 1) o.eager = true;
      }
      for (const v of Object.values(o)) walk(v);
    }
  };
  walk(p.bodies);
  walk(p.main);
}

interface Diff {
  style: Style;
  index: number;
  py: string;
  tulip: string;
}

/** The first difference between the reference and a tulip run (after normalization), or undefined. */
function compare(ref: RunResult, got: RunResult, style: Style): Diff | undefined {
  let ra = ref.trace;
  let gb = got.trace;
  // A livelock that keeps creating tasks: asyncio stops at its pass limit (HANG); tulip's worker
  // may run out of memory before its real-time limit.
  if (/ERR_WORKER_OUT_OF_MEMORY/.test(got.outcome)) got = { ...got, outcome: 'HANG' };
  // Both hung (a livelock: asyncio stops at its pass limit, tulip at the real-time limit): compare
  // the traces as far as both got.
  if (/^HANG/.test(ref.outcome) && /^HANG/.test(got.outcome)) {
    const n = Math.min(ra.length, gb.length);
    ra = ra.slice(0, n);
    gb = gb.slice(0, n);
  }
  const a = [...ra, `OUTCOME ${ref.outcome}`].map((l) => (RAW ? l : normalize(l, STRICT)));
  const b = [...gb, `OUTCOME ${got.outcome}`].map((l) => (RAW ? l : normalize(l, STRICT)));
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return { style, index: i, py: a[i] ?? '<end>', tulip: b[i] ?? '<end>' };
  }
  return undefined;
}

const broken = (r: RunResult): boolean =>
  /INTERP-ERROR|PYTHON-EXIT/.test(r.outcome) || pathological(r.outcome) || r.trace.some(pathological) || r.reports.some(pathological);

async function diffs(p: Program, styles: Style[]): Promise<{ ref: RunResult; res: Map<Style, RunResult>; ds: Diff[] }> {
  const ref = await py.run(p);
  const res = new Map<Style, RunResult>();
  const ds: Diff[] = [];
  for (const s of styles) {
    const got = await tulip.run(p, s, /HANG/.test(ref.outcome) ? Math.min(HANG_MS, 400) : HANG_MS);
    res.set(s, got);
    const d = compare(ref, got, s);
    if (d) ds.push(d);
  }
  return { ref, res, ds };
}

/** A coarse kind of a mismatch, to shrink one program per kind. */
function signature(d: Diff): string {
  const strip = (l: string) =>
    l
      .replace(/^[\d.e+-]+ /, '')
      .replace(/\bS\d+\b/g, 'S')
      .replace(/\bL\d+\b/g, 'L')
      .replace(/M\/b\d+|S\/b\d+/g, 'X')
      .replace(/\d+/g, '#');
  return `${d.style}|${strip(d.py).split(' ').slice(0, 3).join(' ')}|${strip(d.tulip).split(' ').slice(0, 3).join(' ')}`;
}

function show(title: string, p: Program, ref: RunResult, res: Map<Style, RunResult>): string {
  const lines = [`# ${title}`, JSON.stringify(p), '', '## asyncio', ...ref.trace, `OUTCOME ${ref.outcome}`];
  for (const [s, r] of res) lines.push('', `## tulip ${s}`, ...r.trace, `OUTCOME ${r.outcome}`);
  if (ref.reports.length) lines.push('', '## asyncio reports', ...ref.reports);
  for (const [s, r] of res) if (r.reports.length) lines.push('', `## tulip ${s} reports`, ...r.reports);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const show1 = opt('show');
  if (show1) {
    // One generated program and its traces: --show <seed>
    const p = generate(Number(show1), AREAS_ONLY, { allowSelf: flag('allow-self') });
    const { ref, res, ds } = await diffs(p, STYLES);
    console.log(show(`seed ${show1}`, p, ref, res));
    console.log('\n## diffs', JSON.stringify(ds, null, 1));
    py.close();
    tulip.close();
    return;
  }
  const replay = opt('replay') ?? opt('shrink');
  if (replay) {
    const text = readFileSync(replay, 'utf8');
    const json = text.startsWith('{') ? text.split('\n')[0]! : text.split('\n')[1]!;
    let p = JSON.parse(json) as Program;
    if (opt('shrink') !== undefined) {
      // --shrink FILE: shrink the saved program against its first mismatch (in --styles' first style)
      const first = (await diffs(p, STYLES)).ds[0];
      if (first === undefined) throw new Error('no mismatch to shrink');
      const sig = signature(first);
      p = await shrink(p, async (q) => {
        const r = await diffs(q, [first.style]);
        return !broken(r.ref) && r.ds.some((e) => signature(e) === sig) && (ALLOW_HANG || !/HANG/.test(r.ref.outcome));
      });
    }
    const { ref, res, ds } = await diffs(p, STYLES);
    console.log(show(replay, p, ref, res));
    console.log('\n## diffs', JSON.stringify(ds, null, 1));
    py.close();
    tulip.close();
    return;
  }
  console.log(`asyncio: ${await PyBridge.version()}`);
  mkdirSync(OUT, { recursive: true });
  const seen = new Map<string, number>();
  let mismatching = 0;
  let brokenRuns = 0;
  const t0 = Date.now();
  const seeds = opt('seeds')?.split(',').map(Number) ?? Array.from({ length: N }, (_, k) => SEED + k);
  for (const seed of seeds) {
    const p = generate(seed, AREAS_ONLY, { allowSelf: flag('allow-self') });
    if (flag('known')) p.known = KNOWN_TULIP_SIDE;
    if (flag('eager')) p.eager = true;
    if (flag('eager-mix')) markEagerSpawns(p, seed);
    const { ref, res, ds } = await diffs(p, STYLES);
    if (ref.outcome.startsWith('PYTHON-EXIT')) {
      console.error(`the Python side died: ${ref.outcome}`);
      process.exit(2);
    }
    if (broken(ref)) {
      brokenRuns++;
      if (!QUIET) console.log(`seed ${seed}: reference run broken: ${ref.outcome.slice(0, 300)}`);
      continue;
    }
    if (ds.length === 0) continue;
    mismatching++;
    for (const d of ds) {
      const sig = signature(d);
      const count = (seen.get(sig) ?? 0) + 1;
      seen.set(sig, count);
      if (count > 1) continue;
      console.log(`seed ${seed} [${d.style}] line ${d.index}:\n   asyncio: ${d.py}\n   tulip:   ${d.tulip}`);
      let small = p;
      // (a hanging reference run makes every shrinking step slow, and shrinking keeps only non-hanging ones)
      if (!flag('no-shrink') && (ALLOW_HANG || !/HANG/.test(ref.outcome))) {
        small = await shrink(p, async (q) => {
          const r = await diffs(q, [d.style]);
          return !broken(r.ref) && r.ds.some((e) => signature(e) === sig) && (ALLOW_HANG || !/HANG/.test(r.ref.outcome));
        });
      }
      const again = await diffs(small, STYLES);
      const file = `${OUT}/seed${seed}-${d.style}.txt`;
      writeFileSync(file, show(`seed ${seed} ${d.style} (shrunk to ${size(small)} steps from ${size(p)})`, small, again.ref, again.res) + '\n\n## diffs\n' + JSON.stringify(again.ds, null, 1) + '\n');
      console.log(`   -> ${file} (${size(small)} steps)`);
    }
  }
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  console.log(`\n${seeds.length} programs (seeds ${seeds[0]}..${seeds[seeds.length - 1]}) in ${secs}s: ${mismatching} mismatching, ${brokenRuns} broken reference runs`);
  console.log('mismatch kinds (style|asyncio|tulip: count):');
  for (const [sig, c] of [...seen].sort((a, b) => b[1] - a[1])) console.log(`  ${c}\t${sig}`);
  py.close();
  tulip.close();
}

await main();
