// (a) spawn-and-join, Effection 4 (the anchors' code): N `spawn`ed operations that each
// `yield* sleep(0)`, then joined one by one (`yield* task`).
import { argN, bench } from '../../lib/common.js';
import { peer } from '../../lib/peer.js';

const N = argN(100_000);
const { run, spawn, sleep } = await peer('effection');
await bench('effection: spawn + sleep(0), join each', N, () =>
  run(function* () {
    const ts = new Array(N);
    for (let i = 0; i < N; i++)
      ts[i] = yield* spawn(function* () {
        yield* sleep(0);
      });
    for (const t of ts) yield* t;
  }),
);
