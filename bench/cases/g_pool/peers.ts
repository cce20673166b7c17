// (g) worker pool, Piscina 5 or tinypool 2 (argv[3]): `run(i)` for every job at once,
// `Promise.all`, one thread per core as the anchors. argv[4]: 'default', or 'c32'
// (`concurrentTasksPerWorker: 32`). Both name the task module task.mjs.
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { argN, bench } from '../../lib/common.js';
import { peer } from '../../lib/peer.js';
import { SOURCE_CASES } from '../../lib/paths.js';

const N = argN(10_000);
const [name, variant] = [process.argv[3] ?? 'piscina', process.argv[4] ?? 'default'];
const mod = await peer(name);
const Pool = name === 'piscina' ? mod.Piscina : mod.default;
const T = availableParallelism();
const filename = pathToFileURL(path.join(SOURCE_CASES, 'g_pool', 'task.mjs')).href;
const pool = new Pool({ filename, minThreads: T, maxThreads: T, ...(variant === 'c32' ? { concurrentTasksPerWorker: 32 } : {}) });
await bench(`${name} ${variant} (${T})`, N, () => Promise.all(Array.from({ length: N }, (_, i) => pool.run(i) as Promise<string>)));
await pool.destroy();
