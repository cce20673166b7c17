// (a) spawn-and-join, Effect 4 (the anchors' code): `Effect.forEach` over N items with unbounded
// concurrency, each fiber doing `yieldNow` once (v4: a value, v3: a function).
import { argN, bench } from '../../lib/common.js';
import { peer } from '../../lib/peer.js';

const N = argN(100_000);
const { Effect } = await peer('effect');
const y = typeof Effect.yieldNow === 'function' ? Effect.yieldNow() : Effect.yieldNow;
const items = Array.from({ length: N });
await bench('effect: forEach unbounded + yieldNow', N, () =>
  Effect.runPromise(Effect.forEach(items, () => y, { concurrency: 'unbounded', discard: true })),
);
