// (g) worker pool, Piscina 5: `run(i)` for every job at once, `Promise.all`. argv[3]: 'default'
// or 'c32' (`concurrentTasksPerWorker: 32`). One thread per core, as the anchors.
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { argN, bench } from '../../lib/common.js';
import { peer } from '../../lib/peer.js';
import { SOURCE_CASES } from '../../lib/paths.js';

const { Piscina } = await peer('piscina');
const N = argN(10_000);
const variant = process.argv[3] ?? 'default';
const T = availableParallelism();
const filename = pathToFileURL(path.join(SOURCE_CASES, 'g_pool', 'task.mjs')).href;
const pool = new Piscina({ filename, minThreads: T, maxThreads: T, ...(variant === 'c32' ? { concurrentTasksPerWorker: 32 } : {}) });
await bench(`piscina ${variant} (${T})`, N, () => Promise.all(Array.from({ length: N }, (_, i) => pool.run(i) as Promise<string>)));
await pool.destroy();
