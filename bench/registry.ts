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
  /** Short id: 'a', or 'e1' for the sub-workloads of (e). */
  id: string;
  key: string;
  /** `--only GROUP` selects every workload of a group ('e' → e1, e2, e3). */
  group?: string;
  title: string;
  /** The size passed to every case as its first argument (TCP echo: the measured milliseconds). */
  n: { full: number; quick: number };
  /** Counted runs when fewer than the default are enough (full mode; quick runs use at most this). */
  runs?: number;
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
  /** Tells several cases of one system in one workload apart (e.g. 'queue', 'channel'); targets name it. */
  variant?: string;
  /** Path relative to bench/cases/ (.ts and .mjs run on Node, .py on python3). */
  file: string;
  /** Row label in the table. */
  label: string;
  /** Extra arguments after N. */
  args?: string[];
  /** A smaller N for a slow system (per-operation metrics stay comparable); say so in the label. */
  n?: { full: number; quick: number };
  /** A reference row (Effect 3, Node + ALS, second server styles): left out of `--quick` runs. */
  reference?: boolean;
  /** The row is the workload's anchor (default: the first row of the plain-Node system). */
  anchor?: boolean;
}

export interface Target {
  workload: string;
  system: string;
  variant?: string;
  /** The system (and variant) the ratio is taken against; default: the workload's plain-Node anchor. */
  against?: string;
  againstVariant?: string;
  /** Only checked when the Node cases ran on this major version (e.g. 24). */
  node?: number;
  /** Compared with the ratio median ÷ the `against` median (for throughput higher is better). */
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
  { id: 'effection', label: 'Effection 4', runtime: 'node', requires: ['effection'] },
  { id: 'effect', label: 'Effect 4', runtime: 'node', requires: ['effect'] },
  { id: 'effect3', label: 'Effect 3 (reference)', runtime: 'node', requires: ['effect3'] },
  { id: 'async-mutex', label: 'async-mutex', runtime: 'node', requires: ['async-mutex'] },
  { id: 'piscina', label: 'Piscina 5', runtime: 'node', requires: ['piscina'] },
  { id: 'tinypool', label: 'tinypool 2', runtime: 'node', requires: ['tinypool'] },
  { id: 'asyncio', label: 'Python asyncio (stdlib)', runtime: 'python' },
];

const wallMs: Metric = { field: 'wall_ms', label: 'wall ms', higherIsBetter: false, format: (v) => v.toFixed(1) };

export const WORKLOADS: Workload[] = [
  {
    id: 'a',
    key: 'spawn',
    title: 'spawn-and-join: N tasks that each yield once (`sleep(0)`), then joined',
    n: { full: 100_000, quick: 10_000 },
    metric: { field: 'ops_s', label: 'tasks/s', higherIsBetter: true, format: fmtRate },
    extra: [wallMs, { field: 'cpu_us_per_op', label: 'CPU µs/task', higherIsBetter: false, format: fmtUs }],
  },
  {
    id: 'b',
    key: 'pingpong',
    title: 'ping-pong: N hand-offs between two tasks through a queue or channel (N/2 round trips)',
    n: { full: 1_000_000, quick: 30_000 },
    metric: { field: 'ops_s', label: 'hand-offs/s', higherIsBetter: true, format: fmtRate },
    extra: [wallMs, { field: 'cpu_us_per_op', label: 'CPU µs/hand-off', higherIsBetter: false, format: (v) => v.toFixed(3) }],
  },
  {
    id: 'c',
    key: 'timers',
    title: 'timers: N concurrent sleeps of (i·7919)%101 ms (0–100 ms, ideal wall ≈ 100 ms)',
    n: { full: 100_000, quick: 10_000 },
    metric: { field: 'cpu_us_per_op', label: 'CPU µs/sleep', higherIsBetter: false, format: fmtUs },
    extra: [{ field: 'wall_ms', label: 'wall ms', higherIsBetter: false, format: fmtMs }],
    note: 'CPU is process CPU (user+sys), which includes V8 GC helper threads on the second core.',
  },
  {
    id: 'd',
    key: 'echo',
    runs: 3,
    title: 'TCP echo on 127.0.0.1: 1 KiB messages, 10 connections, one shared Node client',
    n: { full: 5_000, quick: 500 },
    metric: { field: 'srv_us_per_req', label: 'server CPU µs/req', higherIsBetter: false, format: (v) => v.toFixed(1) },
    extra: [
      { field: 'rps', label: 'req/s', higherIsBetter: true, format: fmtRate },
      { field: 'srv_cpu_pct', label: 'server CPU %', higherIsBetter: false, format: fmtMs },
      { field: 'cli_cpu_pct', label: 'client CPU %', higherIsBetter: false, format: fmtMs },
    ],
    timeoutMs: 60_000,
    note:
      'N is the measured time in ms (after a 500 ms warm-up; quick: 0.5 s after 100 ms). Each case starts its server, ' +
      'runs the shared client (`cases/d_echo/client.mjs`, the anchors\' `d_client.mjs`), then kills the server. ' +
      'Server CPU (from /proc/PID/stat, 10 ms ticks) per request is the steadier figure; req/s is partly limited by ' +
      'the client, which shares the 2 cores with the server.',
  },
  {
    id: 'e1',
    key: 'lock',
    group: 'e',
    title: 'uncontended Lock: N × (acquire; release) in one task',
    n: { full: 1_000_000, quick: 100_000 },
    metric: { field: 'ops_s', label: 'acquire+release/s', higherIsBetter: true, format: fmtRate },
    extra: [wallMs, { field: 'cpu_us_per_op', label: 'CPU µs/op', higherIsBetter: false, format: (v) => v.toFixed(3) }],
    note: 'Plain Node: a minimal promise mutex (`lib/minimal.ts`). A free lock costs tulip and asyncio no loop hop; an `await` on a promise always costs a microtask.',
  },
  {
    id: 'e2',
    key: 'lock-contended',
    group: 'e',
    title: 'Lock contended by 100 tasks: each does N/100 × (acquire; release); every acquire waits, every release hands over',
    n: { full: 200_000, quick: 20_000 },
    metric: { field: 'ops_s', label: 'acquisitions/s', higherIsBetter: true, format: fmtRate },
    extra: [wallMs, { field: 'cpu_us_per_op', label: 'CPU µs/op', higherIsBetter: false, format: (v) => v.toFixed(3) }],
    note: 'The main task holds the lock until all 100 workers queue on it; FIFO hand-over then keeps all of them waiting. Empty critical section.',
  },
  {
    id: 'e3',
    key: 'semaphore',
    group: 'e',
    title: 'Semaphore(10) over N tasks: each holds a unit across one yield (as in (a)), all joined',
    n: { full: 100_000, quick: 10_000 },
    metric: { field: 'ops_s', label: 'tasks/s', higherIsBetter: true, format: fmtRate },
    extra: [wallMs, { field: 'cpu_us_per_op', label: 'CPU µs/task', higherIsBetter: false, format: fmtUs }],
    note: 'The yield is each system\'s (a) idiom: tulip `sleep(0)`, Node `await null`, asyncio `asyncio.sleep(0)`.',
  },
  {
    id: 'f',
    key: 'memory',
    title: 'memory: N tasks parked on one never-resolved future (heap bytes per task, after gc() twice)',
    n: { full: 100_000, quick: 10_000 },
    metric: { field: 'bytes_per_task', label: 'heap B/task', higherIsBetter: false, format: fmtInt },
    extra: [{ field: 'rss_bytes_per_task', label: 'RSS B/task', higherIsBetter: false, format: fmtInt }],
    note: 'Python heap is tracemalloc (traced allocations), its RSS from a separate untraced round in the same process.',
  },
  {
    id: 'g',
    key: 'pool',
    title: 'worker pool: N × sha256(1 KiB), one worker per core, all submitted at once',
    n: { full: 10_000, quick: 2_000 },
    metric: { field: 'ops_s', label: 'jobs/s', higherIsBetter: true, format: fmtRate },
    extra: [wallMs, { field: 'cpu_us_per_op', label: 'loop CPU µs/job', higherIsBetter: false, format: fmtUs }],
    note:
      "The anchors' (e) pool workload. CPU is the submitting process's own (not its workers'). The Node anchor is a raw pool: " +
      'one `Worker` per core, round-robin `postMessage`, an id → resolver map; tulip sends each job as a function source and ' +
      'its argument, the others name a task module.',
  },
];

/**
 * Smaller sizes for slow rows, so that no case dominates the run (~10 minutes in all); the metrics
 * are per task / per hand-off, and the row's label shows its N. Effection spawns at ~10k tasks/s
 * and sleeps at ~150 µs CPU each; Effect 3 is a reference; the async-style tulip `Queue` and memory
 * channel, Effect 4 and asyncio hand off at 250–400k/s.
 */
const SLOW = { full: 10_000, quick: 2_000 };
const SLOW_PINGPONG = { full: 400_000, quick: 20_000 };

export const CASES: Case[] = [
  // (a) spawn-and-join
  { workload: 'a', system: 'tulip-gen', file: 'a_spawn/tulip-gen.ts', label: 'tulip gen: `createTask(function*(){ yield* sleep(0) })` + `gather`' },
  { workload: 'a', system: 'tulip-async', file: 'a_spawn/tulip-async.ts', label: 'tulip async: `createTask(async () => { await sleep(0) })` + `gather`' },
  { workload: 'a', system: 'node', file: 'a_spawn/node.ts', label: '**Node: async fn `await null` + `Promise.all`**' },
  { workload: 'a', system: 'node-als', reference: true, file: 'a_spawn/node-als.ts', label: 'Node + `als.run()` per task (ALS tax, reference)' },
  { workload: 'a', system: 'effection', file: 'a_spawn/effection.ts', label: 'Effection 4: `spawn` + `sleep(0)`, join each', n: SLOW },
  { workload: 'a', system: 'effect', file: 'a_spawn/effect.ts', label: 'Effect 4: `forEach` unbounded + `yieldNow`' },
  { workload: 'a', system: 'effect3', reference: true, file: 'a_spawn/effect3.ts', label: 'Effect 3: same (reference)', n: SLOW },
  { workload: 'a', system: 'asyncio', file: 'a_spawn/python-asyncio.py', label: 'asyncio: `await asyncio.sleep(0)` + `gather`' },
  // (b) ping-pong
  { workload: 'b', system: 'tulip-gen', file: 'b_pingpong/tulip-gen.ts', label: 'tulip gen: minimal queue on tulip Futures, `yield*`' },
  { workload: 'b', system: 'tulip-async', file: 'b_pingpong/tulip-async.ts', label: 'tulip async: minimal queue on tulip Futures, `await`' },
  { workload: 'b', system: 'tulip-gen', variant: 'queue', file: 'b_pingpong/tulip-gen-queue.ts', label: 'tulip gen: `Queue`, `yield* put` / `yield* get`' },
  { workload: 'b', system: 'tulip-async', variant: 'queue', file: 'b_pingpong/tulip-async-queue.ts', label: 'tulip async: `Queue`, `await put` / `await get`', n: SLOW_PINGPONG },
  { workload: 'b', system: 'tulip-gen', variant: 'channel', file: 'b_pingpong/tulip-gen-channel.ts', label: 'tulip gen: `openMemoryChannel(Infinity)`, `yield* send` / `yield* receive`' },
  { workload: 'b', system: 'tulip-async', variant: 'channel', file: 'b_pingpong/tulip-async-channel.ts', label: 'tulip async: `openMemoryChannel(Infinity)`, `await send` / `await receive`', n: SLOW_PINGPONG },
  { workload: 'b', system: 'node', file: 'b_pingpong/node.ts', label: '**Node: minimal promise queue**' },
  { workload: 'b', system: 'node-als', reference: true, file: 'b_pingpong/node-als.ts', label: 'Node: minimal promise queue inside `als.run()` (reference)' },
  { workload: 'b', system: 'effection', file: 'b_pingpong/effection.ts', label: 'Effection 4: `createQueue`' },
  { workload: 'b', system: 'effect', file: 'b_pingpong/effect.ts', label: 'Effect 4: `Queue.unbounded` in `Effect.gen`', n: SLOW_PINGPONG },
  { workload: 'b', system: 'effect3', reference: true, file: 'b_pingpong/effect3.ts', label: 'Effect 3: same (reference)', n: { full: 100_000, quick: 20_000 } },
  { workload: 'b', system: 'asyncio', file: 'b_pingpong/python-asyncio.py', label: 'asyncio: `asyncio.Queue`', n: SLOW_PINGPONG },
  // (c) timers
  { workload: 'c', system: 'tulip-gen', file: 'c_timers/tulip-gen.ts', label: 'tulip gen: task per `yield* sleep(d)` + `gather`' },
  { workload: 'c', system: 'tulip-async', file: 'c_timers/tulip-async.ts', label: 'tulip async: task per `await sleep(d)` + `gather`' },
  { workload: 'c', system: 'node', file: 'c_timers/node.ts', label: '**Node: `setTimeout` + promise**' },
  { workload: 'c', system: 'effection', file: 'c_timers/effection.ts', label: 'Effection 4: `spawn` + `sleep(d)`', n: SLOW },
  { workload: 'c', system: 'effect', file: 'c_timers/effect.ts', label: 'Effect 4: `forEach` + `Effect.sleep(d)`' },
  { workload: 'c', system: 'effect3', reference: true, file: 'c_timers/effect3.ts', label: 'Effect 3: same (reference)', n: SLOW },
  { workload: 'c', system: 'asyncio', file: 'c_timers/python-asyncio.py', label: 'asyncio: `asyncio.sleep` + `gather`' },
  // (d) TCP echo
  { workload: 'd', system: 'tulip-gen', file: 'd_echo/tulip.ts', args: ['gen'], label: 'tulip gen streams: `yield* read(65536)` → `write` → `yield* drain()`' },
  { workload: 'd', system: 'tulip-async', file: 'd_echo/tulip.ts', args: ['async'], label: 'tulip async streams: `await read(65536)` → `write` → `await drain()`' },
  { workload: 'd', system: 'tulip-gen', variant: 'protocol', reference: true, file: 'd_echo/tulip.ts', args: ['protocol'], label: 'tulip `Protocol` (`loop.createServer`): `dataReceived` → `write`' },
  { workload: 'd', system: 'node', file: 'd_echo/node.ts', args: ['data'], label: "**Node `net`: `on('data')` → `write`**" },
  { workload: 'd', system: 'node', variant: 'for-await', reference: true, file: 'd_echo/node.ts', args: ['for-await'], label: 'Node `net`: `for await (chunk of socket)` → `write`' },
  { workload: 'd', system: 'asyncio', file: 'd_echo/python-asyncio.ts', args: ['streams'], label: 'asyncio streams: `start_server`, `read` / `write` / `drain`' },
  { workload: 'd', system: 'asyncio', variant: 'protocol', reference: true, file: 'd_echo/python-asyncio.ts', args: ['protocol'], label: 'asyncio `Protocol`: `data_received` → `write`' },
  // (e1) uncontended lock
  { workload: 'e1', system: 'tulip-gen', file: 'e_sync/lock-tulip-gen.ts', label: 'tulip gen: `Lock`, `yield* acquire()`' },
  { workload: 'e1', system: 'tulip-async', file: 'e_sync/lock-tulip-async.ts', label: 'tulip async: `Lock`, `await acquire()`' },
  { workload: 'e1', system: 'node', file: 'e_sync/lock-node.ts', label: '**Node: minimal promise mutex**' },
  { workload: 'e1', system: 'async-mutex', file: 'e_sync/lock-async-mutex.ts', label: 'async-mutex: `Mutex`, `await acquire()` → `release()`' },
  { workload: 'e1', system: 'asyncio', file: 'e_sync/lock-python-asyncio.py', label: 'asyncio: `Lock`, `await acquire()`' },
  // (e2) contended lock
  { workload: 'e2', system: 'tulip-gen', file: 'e_sync/contended-tulip-gen.ts', label: 'tulip gen: `Lock`, 100 tasks' },
  { workload: 'e2', system: 'tulip-async', file: 'e_sync/contended-tulip-async.ts', label: 'tulip async: `Lock`, 100 tasks' },
  { workload: 'e2', system: 'node', file: 'e_sync/contended-node.ts', label: '**Node: minimal promise mutex, 100 tasks**' },
  { workload: 'e2', system: 'async-mutex', file: 'e_sync/contended-async-mutex.ts', label: 'async-mutex: `Mutex`, 100 tasks' },
  { workload: 'e2', system: 'asyncio', file: 'e_sync/contended-python-asyncio.py', label: 'asyncio: `Lock`, 100 tasks' },
  // (e3) semaphore
  { workload: 'e3', system: 'tulip-gen', file: 'e_sync/semaphore-tulip-gen.ts', label: 'tulip gen: `Semaphore(10)`, `yield* sleep(0)` inside' },
  { workload: 'e3', system: 'tulip-async', file: 'e_sync/semaphore-tulip-async.ts', label: 'tulip async: `Semaphore(10)`, `await sleep(0)` inside' },
  { workload: 'e3', system: 'node', file: 'e_sync/semaphore-node.ts', label: '**Node: minimal promise semaphore(10), `await null` inside**' },
  { workload: 'e3', system: 'async-mutex', file: 'e_sync/semaphore-async-mutex.ts', label: 'async-mutex: `Semaphore(10)`, `await null` inside' },
  { workload: 'e3', system: 'asyncio', file: 'e_sync/semaphore-python-asyncio.py', label: 'asyncio: `Semaphore(10)`, `asyncio.sleep(0)` inside' },
  // (f) memory
  { workload: 'f', system: 'tulip-gen', file: 'f_memory/tulip-gen.ts', label: 'tulip gen: task `yield* never`' },
  { workload: 'f', system: 'tulip-async', file: 'f_memory/tulip-async.ts', label: 'tulip async: task `await never`' },
  { workload: 'f', system: 'node', file: 'f_memory/node.ts', label: '**Node: async fn `await never`**' },
  { workload: 'f', system: 'node-als', reference: true, file: 'f_memory/node-als.ts', label: 'Node + `als.run()`: async fn `await never` (reference)' },
  { workload: 'f', system: 'effection', file: 'f_memory/effection.ts', label: 'Effection 4: `spawn` + `suspend()`', n: SLOW },
  { workload: 'f', system: 'effect', file: 'f_memory/effect.ts', label: 'Effect 4: `forkChild(Effect.never)`' },
  { workload: 'f', system: 'effect3', reference: true, file: 'f_memory/effect3.ts', label: 'Effect 3: `fork(Effect.never)` (reference)', n: SLOW },
  { workload: 'f', system: 'asyncio', file: 'f_memory/python-asyncio.py', label: 'asyncio: task `await fut`' },
  // (g) worker pool
  { workload: 'g', system: 'tulip-gen', file: 'g_pool/tulip.ts', args: ['thread'], label: 'tulip: `ThreadPoolExecutor`, `runInExecutor` + `gather`' },
  { workload: 'g', system: 'tulip-gen', variant: 'process', file: 'g_pool/tulip.ts', args: ['process'], label: 'tulip: `ProcessPoolExecutor`, `runInExecutor` + `gather`' },
  { workload: 'g', system: 'node', file: 'g_pool/node.ts', label: '**Node: raw `Worker`s, `postMessage`, all posted at once**' },
  { workload: 'g', system: 'piscina', file: 'g_pool/peers.ts', args: ['piscina', 'default'], label: 'Piscina 5 (defaults)' },
  { workload: 'g', system: 'piscina', variant: 'c32', reference: true, file: 'g_pool/peers.ts', args: ['piscina', 'c32'], label: 'Piscina 5, `concurrentTasksPerWorker: 32`' },
  { workload: 'g', system: 'tinypool', file: 'g_pool/peers.ts', args: ['tinypool', 'default'], label: 'tinypool 2 (defaults)' },
  { workload: 'g', system: 'tinypool', variant: 'c32', reference: true, file: 'g_pool/peers.ts', args: ['tinypool', 'c32'], label: 'tinypool 2, `concurrentTasksPerWorker: 32`' },
  { workload: 'g', system: 'asyncio', file: 'g_pool/python-asyncio.py', args: ['thread'], label: 'asyncio: `run_in_executor(ThreadPoolExecutor)`' },
  { workload: 'g', system: 'asyncio', variant: 'process', file: 'g_pool/python-asyncio.py', args: ['process'], label: 'asyncio: `run_in_executor(ProcessPoolExecutor)`' },
];

/** Node 24 (AsyncContextFrame): the async-function style within 1.5x of the generator style. */
const asyncWithinGen = (workload: string, variant?: string, lowerIsBetter = false): Target => ({
  workload,
  system: 'tulip-async',
  ...(variant ? { variant, againstVariant: variant } : {}),
  against: 'tulip-gen',
  node: 24,
  op: lowerIsBetter ? '<=' : '>=',
  ratio: lowerIsBetter ? 1.5 : 1 / 1.5,
  text: `Node 24: async style within 1.5x of generator style on (${workload})${variant ? ` ${variant}` : ''}`,
});

export const TARGETS: Target[] = [
  // issue 5, Node 20 (the machine's Node): generator style against plain Node, asyncio and Effect 4
  { workload: 'a', system: 'tulip-gen', op: '>=', ratio: 1.0, text: 'generator spawn-and-join ≥ 1.0x plain promises' },
  { workload: 'a', system: 'tulip-async', op: '>=', ratio: 0.4, text: 'async-function spawn-and-join ≥ 0.4x plain promises' },
  { workload: 'a', system: 'tulip-gen', against: 'asyncio', op: '>=', ratio: 10, text: 'generator spawn-and-join ≥ 10x asyncio' },
  { workload: 'a', system: 'tulip-gen', against: 'effect', op: '>=', ratio: 2, text: 'generator spawn-and-join ≥ 2x Effect 4' },
  { workload: 'b', system: 'tulip-gen', op: '>=', ratio: 0.5, text: 'generator ping-pong (queue on Futures) ≥ 0.5x minimal promise queue' },
  { workload: 'b', system: 'tulip-gen', against: 'asyncio', op: '>=', ratio: 10, text: 'generator ping-pong (queue on Futures) ≥ 10x asyncio' },
  { workload: 'b', system: 'tulip-gen', against: 'effect', op: '>=', ratio: 2, text: 'generator ping-pong (queue on Futures) ≥ 2x Effect 4' },
  { workload: 'c', system: 'tulip-gen', op: '<=', ratio: 1.5, text: 'generator CPU per sleep ≤ 1.5x plain setTimeout' },
  { workload: 'c', system: 'tulip-gen', against: 'asyncio', op: '<=', ratio: 0.1, text: 'generator CPU per sleep ≤ 0.1x asyncio (10x better)' },
  { workload: 'c', system: 'tulip-gen', against: 'effect', op: '<=', ratio: 0.5, text: 'generator CPU per sleep ≤ 0.5x Effect 4 (2x better)' },
  { workload: 'f', system: 'tulip-gen', op: '<=', ratio: 1.5, text: 'generator bytes per parked task ≤ 1.5x plain async fn' },
  // issue 3: tulip's Queue and memory channel against the plain promise hand-off; locks against async-mutex
  { workload: 'b', system: 'tulip-gen', variant: 'queue', op: '>=', ratio: 0.5, text: '`Queue` hand-off (generator) ≥ 0.5x minimal promise queue' },
  { workload: 'b', system: 'tulip-gen', variant: 'channel', op: '>=', ratio: 0.5, text: 'memory-channel hand-off (generator) ≥ 0.5x minimal promise queue' },
  { workload: 'e1', system: 'tulip-gen', against: 'async-mutex', op: '>=', ratio: 1.0, text: 'uncontended `Lock` (generator) ≥ 1.0x async-mutex' },
  { workload: 'e1', system: 'tulip-async', against: 'async-mutex', op: '>=', ratio: 1.0, text: 'uncontended `Lock` (async fn) ≥ 1.0x async-mutex' },
  { workload: 'e2', system: 'tulip-gen', against: 'async-mutex', op: '>=', ratio: 1.0, text: 'contended `Lock` (generator) ≥ 1.0x async-mutex' },
  { workload: 'e2', system: 'tulip-async', against: 'async-mutex', op: '>=', ratio: 1.0, text: 'contended `Lock` (async fn) ≥ 1.0x async-mutex' },
  // issue 5, Node 24 only
  asyncWithinGen('a'),
  asyncWithinGen('b'),
  asyncWithinGen('b', 'queue'),
  asyncWithinGen('c', undefined, true),
  asyncWithinGen('e2'),
  asyncWithinGen('f', undefined, true),
];
