// (c) timers, Effection 4 (the anchors' code): one `spawn` per `sleep(d)`, joined one by one.
import { argN, bench } from '../../lib/common.js';
import { peer } from '../../lib/peer.js';

const N = argN(100_000);
const D = Array.from({ length: N }, (_, i) => (i * 7919) % 101);
const { run, spawn, sleep } = await peer('effection');
await bench('effection: spawn + sleep(d)', N, () =>
  run(function* () {
    const ts = [];
    for (const d of D)
      ts.push(
        yield* spawn(function* () {
          yield* sleep(d);
        }),
      );
    for (const t of ts) yield* t;
  }),
);
