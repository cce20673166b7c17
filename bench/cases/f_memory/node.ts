// (f) memory, plain Node anchor: N async functions parked on one never-resolved promise.
// heapUsed delta (after gc() twice) per parked task, and RSS delta.
import { argN, mem, reportMem, tick } from '../../lib/common.js';

const N = argN(100_000);
const never = new Promise<void>(() => {});
const t = async (): Promise<void> => {
  await never;
};
const m0 = mem();
const keep = new Array<Promise<void>>(N);
for (let i = 0; i < N; i++) keep[i] = t();
await tick();
reportMem('node: async fn `await never`', N, m0, mem());
process.exit(0);
