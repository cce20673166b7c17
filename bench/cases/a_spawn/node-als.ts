// (a) spawn-and-join, plain Node with AsyncLocalStorage (reference row): the anchor's workload with
// `als.run()` around each task, i.e. the promise-hook tax any ALS user pays on Node 20 (tulip's
// async-function style switches ALS on).
import { AsyncLocalStorage } from 'node:async_hooks';
import { argN, bench } from '../../lib/common.js';

const N = argN(100_000);
const als = new AsyncLocalStorage<number>();
const child = async (): Promise<void> => {
  await null;
  als.getStore();
};
await bench('node + als.run per task', N, async () => {
  const ps = new Array<Promise<void>>(N);
  for (let i = 0; i < N; i++) ps[i] = als.run(i, child);
  await Promise.all(ps);
});
