// (c) timers, Effect 4 (the anchors' code): `Effect.forEach` unbounded over the delays, `Effect.sleep(d)` each.
import { argN, bench } from '../../lib/common.js';
import { peer } from '../../lib/peer.js';

const N = argN(100_000);
const D = Array.from({ length: N }, (_, i) => (i * 7919) % 101);
const { Effect } = await peer('effect');
await bench('effect: forEach + Effect.sleep(d)', N, () =>
  Effect.runPromise(Effect.forEach(D, (d: number) => Effect.sleep(d), { concurrency: 'unbounded', discard: true })),
);
