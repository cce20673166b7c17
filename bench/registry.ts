// The benchmark registry: workloads × systems → case files, plus the targets to check.
//
// To add a peer (Effection, Effect, async-mutex …): add its npm package to bench/package.json,
// add a System below, and add one case file per workload it runs (bench/cases/<workload>/<system>.ts)
// to CASES. To add a workload (e.g. a TCP echo): add a Workload (its metrics say which JSON fields
// the case prints) and its case files. A case is any script that prints one JSON line on stdout;
// one that needs a server and a client orchestrates them itself and prints the one line at the end.

export type Runtime = 'node' | 'python';

export interface System {
  id: string;
  label: string;
  runtime: Runtime;
  /** npm packages (from bench/package.json) the system's cases import. */
  requires?: string[];
  /** Files (relative to the repo root) that must exist, else the system is skipped with a note. */
  needsFiles?: string[];
}

export interface Metric {
  /** Field of the case's JSON line. */
  field: string;
  /** Column header. */
  label: string;
  higherIsBetter: boolean;
  format: (v: number) => string;
}

export interface Workload {
  /** Short id, also the case folder prefix: 'a' → cases/a_spawn. */
  id: string;
  key: string;
  title: string;
  /** The size passed to every case as its first argument. */
  n: { full: number; quick: number };
  /** The metric the ratios and targets use (ratio = median ÷ anchor median). */
  metric: Metric;
  /** More columns (medians only). */
  extra?: Metric[];
  /** Per-process time limit in ms (full size); quick runs use a third. */
  timeoutMs?: number;
  note?: string;
}

export interface Case {
  workload: string;
  system: string;
  /** Path relative to bench/cases/. */
  file: string;
  /** Row label in the table. */
  label: string;
  /** Extra arguments after N. */
  args?: string[];
}

export interface Target {
  workload: string;
  system: string;
  /** Compared with the ratio to the anchor (plain Node). */
  op: '>=' | '<=';
  ratio: number;
  text: string;
}

/** The plain-Node system every ratio is taken against, and the Python one. */
export const ANCHOR = 'node';
export const PYTHON = 'asyncio';

export const fmtRate = (v: number): string =>
  v >= 1e6 ? `${(v / 1e6).toFixed(2)}M` : v >= 1e3 ? `${(v / 1e3).toFixed(v >= 1e5 ? 0 : 1)}k` : v.toFixed(0);
export const fmtInt = (v: number): string => Math.round(v).toLocaleString('en-US');
export const fmtUs = (v: number): string => v.toFixed(2);
export const fmtMs = (v: number): string => v.toFixed(0);

export const SYSTEMS: System[] = [
  { id: 'tulip-gen', label: 'tulip, generator style', runtime: 'node', needsFiles: ['src/index.ts'] },
  { id: 'tulip-async', label: 'tulip, async-function style', runtime: 'node', needsFiles: ['src/index.ts'] },
  { id: 'node', label: 'plain Node (anchor)', runtime: 'node' },
  // Reference: plain Node with AsyncLocalStorage on (the promise-hook tax tulip's async style pays).
  { id: 'node-als', label: 'plain Node + AsyncLocalStorage (reference)', runtime: 'node' },
  { id: 'asyncio', label: 'Python asyncio (stdlib)', runtime: 'python' },
];

export const WORKLOADS: Workload[] = [
  {
    id: 'a',
    key: 'spawn',
    title: 'spawn-and-join: N tasks that each yield once (`sleep(0)`), then joined',
    n: { full: 100_000, quick: 20_000 },
    metric: { field: 'ops_s', label: 'tasks/s', higherIsBetter: true, format: fmtRate },
    extra: [
      { field: 'wall_ms', label: 'wall ms', higherIsBetter: false, format: (v) => v.toFixed(1) },
      { field: 'cpu_us_per_op', label: 'CPU µs/task', higherIsBetter: false, format: fmtUs },
    ],
  },
  {
    id: 'b',
    key: 'pingpong',
    title: 'ping-pong: N hand-offs between two tasks (N/2 round trips)',
    n: { full: 1_000_000, quick: 100_000 },
    metric: { field: 'ops_s', label: 'hand-offs/s', higherIsBetter: true, format: fmtRate },
    extra: [
      { field: 'wall_ms', label: 'wall ms', higherIsBetter: false, format: (v) => v.toFixed(1) },
      { field: 'cpu_us_per_op', label: 'CPU µs/hand-off', higherIsBetter: false, format: (v) => v.toFixed(3) },
    ],
  },
  {
    id: 'c',
    key: 'timers',
    title: 'timers: N concurrent sleeps of (i·7919)%101 ms (0–100 ms, ideal wall ≈ 100 ms)',
    n: { full: 100_000, quick: 20_000 },
    metric: { field: 'cpu_us_per_op', label: 'CPU µs/sleep', higherIsBetter: false, format: fmtUs },
    extra: [{ field: 'wall_ms', label: 'wall ms', higherIsBetter: false, format: fmtMs }],
    note: 'CPU is process CPU (user+sys), which includes V8 GC helper threads on the second core.',
  },
  {
    id: 'f',
    key: 'memory',
    title: 'memory: N tasks parked on one never-resolved future (heap bytes per task, after gc() twice)',
    n: { full: 100_000, quick: 20_000 },
    metric: { field: 'bytes_per_task', label: 'heap B/task', higherIsBetter: false, format: fmtInt },
    extra: [{ field: 'rss_bytes_per_task', label: 'RSS B/task', higherIsBetter: false, format: fmtInt }],
    note: 'Python heap is tracemalloc (traced allocations), its RSS from a separate untraced round in the same process.',
  },
];

export const CASES: Case[] = [
  // (a) spawn-and-join
  { workload: 'a', system: 'tulip-gen', file: 'a_spawn/tulip-gen.ts', label: 'tulip gen: `createTask(function*(){ yield* sleep(0) })` + `gather`' },
  { workload: 'a', system: 'tulip-async', file: 'a_spawn/tulip-async.ts', label: 'tulip async: `createTask(async () => { await sleep(0) })` + `gather`' },
  { workload: 'a', system: 'node', file: 'a_spawn/node.ts', label: '**Node: async fn `await null` + `Promise.all`**' },
  { workload: 'a', system: 'node-als', file: 'a_spawn/node-als.ts', label: 'Node + `als.run()` per task (ALS tax, reference)' },
  { workload: 'a', system: 'asyncio', file: 'a_spawn/python-asyncio.py', label: 'asyncio: `await asyncio.sleep(0)` + `gather`' },
  // (b) ping-pong
  { workload: 'b', system: 'tulip-gen', file: 'b_pingpong/tulip-gen.ts', label: 'tulip gen: minimal queue on tulip Futures, `yield*`' },
  { workload: 'b', system: 'tulip-async', file: 'b_pingpong/tulip-async.ts', label: 'tulip async: minimal queue on tulip Futures, `await`' },
  { workload: 'b', system: 'node', file: 'b_pingpong/node.ts', label: '**Node: minimal promise queue**' },
  { workload: 'b', system: 'node-als', file: 'b_pingpong/node-als.ts', label: 'Node: minimal promise queue inside `als.run()` (reference)' },
  { workload: 'b', system: 'asyncio', file: 'b_pingpong/python-asyncio.py', label: 'asyncio: `asyncio.Queue`' },
  // (c) timers
  { workload: 'c', system: 'tulip-gen', file: 'c_timers/tulip-gen.ts', label: 'tulip gen: task per `yield* sleep(d)` + `gather`' },
  { workload: 'c', system: 'tulip-async', file: 'c_timers/tulip-async.ts', label: 'tulip async: task per `await sleep(d)` + `gather`' },
  { workload: 'c', system: 'node', file: 'c_timers/node.ts', label: '**Node: `setTimeout` + promise**' },
  { workload: 'c', system: 'asyncio', file: 'c_timers/python-asyncio.py', label: 'asyncio: `asyncio.sleep` + `gather`' },
  // (f) memory
  { workload: 'f', system: 'tulip-gen', file: 'f_memory/tulip-gen.ts', label: 'tulip gen: task `yield* never`' },
  { workload: 'f', system: 'tulip-async', file: 'f_memory/tulip-async.ts', label: 'tulip async: task `await never`' },
  { workload: 'f', system: 'node', file: 'f_memory/node.ts', label: '**Node: async fn `await never`**' },
  { workload: 'f', system: 'node-als', file: 'f_memory/node-als.ts', label: 'Node + `als.run()`: async fn `await never` (reference)' },
  { workload: 'f', system: 'asyncio', file: 'f_memory/python-asyncio.py', label: 'asyncio: task `await fut`' },
];

export const TARGETS: Target[] = [
  { workload: 'a', system: 'tulip-gen', op: '>=', ratio: 1.0, text: 'generator spawn-and-join ≥ 1.0x plain promises' },
  { workload: 'a', system: 'tulip-async', op: '>=', ratio: 0.4, text: 'async-function spawn-and-join ≥ 0.4x plain promises' },
  { workload: 'b', system: 'tulip-gen', op: '>=', ratio: 0.5, text: 'generator ping-pong ≥ 0.5x minimal promise queue' },
  { workload: 'c', system: 'tulip-gen', op: '<=', ratio: 1.5, text: 'generator CPU per sleep ≤ 1.5x plain setTimeout' },
  { workload: 'f', system: 'tulip-gen', op: '<=', ratio: 1.5, text: 'generator bytes per parked task ≤ 1.5x plain async fn' },
];
