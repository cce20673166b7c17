// (a) spawn-and-join, plain Node anchor: N async functions that each `await null`, joined with Promise.all.
import { argN, bench } from '../../lib/common.js';

const N = argN(100_000);
const child = async (): Promise<void> => {
  await null;
};
await bench('node: async fn `await null` + Promise.all', N, async () => {
  const ps = new Array<Promise<void>>(N);
  for (let i = 0; i < N; i++) ps[i] = child();
  await Promise.all(ps);
});
