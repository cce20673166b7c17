// (g) worker pool, tulip: `runInExecutor(pool, job, i)` for every job at once, joined with
// `gather`, in a generator `run()`. argv[3]: 'thread' (ThreadPoolExecutor) or 'process'
// (ProcessPoolExecutor), one worker per core. The job is the same sha256 as task.mjs, written
// self-contained (tulip sends a function's source, not a module).
import { availableParallelism } from 'node:os';
import { argN, bench } from '../../lib/common.js';
import { ProcessPoolExecutor, ThreadPoolExecutor, gather, getRunningLoop, run, type Future } from '../../lib/tulip.js';

const N = argN(10_000);
const kind = process.argv[3] ?? 'thread';
const T = availableParallelism();
const pool = kind === 'process' ? new ProcessPoolExecutor({ maxWorkers: T }) : new ThreadPoolExecutor({ maxWorkers: T });

function job(i: number): string {
  const g = globalThis as { __buf?: Buffer };
  const buf = (g.__buf ??= Buffer.alloc(1024, 7));
  buf.writeUInt32LE(i, 0);
  return require('node:crypto').createHash('sha256').update(buf).digest('hex');
}

await bench(`tulip ${kind} pool (${T})`, N, () =>
  run(function* () {
    const loop = getRunningLoop();
    const fs = new Array<Future<string>>(N);
    for (let i = 0; i < N; i++) fs[i] = loop.runInExecutor(pool, job, i);
    yield* gather(fs);
  }),
);
await pool.shutdown({ terminate: true });
