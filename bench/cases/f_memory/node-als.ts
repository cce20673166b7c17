// (f) memory, plain Node with AsyncLocalStorage (reference row): async functions started with
// `als.run()` and parked on one never-resolved promise.
import { AsyncLocalStorage } from 'node:async_hooks';
import { argN, mem, reportMem, tick } from '../../lib/common.js';

const N = argN(100_000);
const als = new AsyncLocalStorage<number>();
const never = new Promise<void>(() => {});
const t = async (): Promise<void> => {
  await never;
};
const m0 = mem();
const keep = new Array<Promise<void>>(N);
for (let i = 0; i < N; i++) keep[i] = als.run(i, t);
await tick();
reportMem('node + als.run: async fn `await never`', N, m0, mem());
process.exit(0);
