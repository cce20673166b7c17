// Shared timing helper for the Node cases (the anchors' common.mjs, typed).
// Every case process: one warm-up iteration, gc, then one timed iteration; prints one JSON line.

export interface BenchResult {
  name: string;
  ops: number;
  wall_ms: number;
  cpu_ms: number;
  ops_s: number;
  cpu_us_per_op: number;
}

const gcFn = (globalThis as { gc?: () => void }).gc;

/** Forces a full collection (needs `--expose-gc`; the runner always passes it). */
export function gc(): void {
  if (!gcFn) throw new Error('run with node --expose-gc');
  gcFn();
}

/** The `N` of a case: argv[2] (the runner passes it), else the given default. */
export function argN(def: number): number {
  const v = process.argv[2];
  const n = v === undefined ? def : Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`bad N: ${v}`);
  return n;
}

/** Warm up once, collect garbage, then time one run of `fn`. */
export async function bench(name: string, ops: number, fn: () => unknown, warm = true): Promise<BenchResult> {
  if (warm) await fn();
  gcFn?.();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const cpu = (c.user + c.system) / 1000;
  const r: BenchResult = {
    name,
    ops,
    wall_ms: +wall.toFixed(2),
    cpu_ms: +cpu.toFixed(2),
    ops_s: Math.round(ops / (wall / 1000)),
    cpu_us_per_op: +((cpu * 1000) / ops).toFixed(3),
  };
  emit(r);
  return r;
}

/** Heap and RSS after two full collections. */
export function mem(): { heap: number; rss: number } {
  gc();
  gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, rss: m.rss };
}

export function reportMem(name: string, n: number, m0: { heap: number; rss: number }, m1: { heap: number; rss: number }): void {
  emit({
    name,
    ops: n,
    bytes_per_task: Math.round((m1.heap - m0.heap) / n),
    rss_bytes_per_task: Math.round((m1.rss - m0.rss) / n),
  });
}

export function emit(obj: object): void {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

/** A plain host-timer tick (used to let everything park before measuring memory). */
export const tick = (ms = 20): Promise<void> => new Promise((r) => setTimeout(r, ms));
