// (g) worker pool, plain Node anchor (the anchors' RawPool): one Worker per core, round-robin
// postMessage, all jobs posted at once, an id → resolver map. argv[2]: jobs per round.
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { argN, bench } from '../../lib/common.js';
import { SOURCE_CASES } from '../../lib/paths.js';

const N = argN(10_000);
const T = availableParallelism();
const workers = Array.from({ length: T }, () => new Worker(path.join(SOURCE_CASES, 'g_pool', 'rawworker.mjs')));
const pending = new Map<number, (v: string) => void>();
for (const w of workers) {
  w.on('message', ([id, r]: [number, string]) => {
    const f = pending.get(id)!;
    pending.delete(id);
    f(r);
  });
}
let nextId = 0;
let rr = 0;
const runJob = (i: number): Promise<string> =>
  new Promise((resolve) => {
    const id = nextId++;
    pending.set(id, resolve);
    workers[rr++ % T]!.postMessage([id, i]);
  });
await bench(`node raw workers (${T})`, N, () => Promise.all(Array.from({ length: N }, (_, i) => runJob(i))));
await Promise.all(workers.map((w) => w.terminate()));
