// (b) ping-pong, Effection 4 (the anchors' code): two `createQueue`s, M round trips = 2*M hand-offs.
import { argN, bench } from '../../lib/common.js';
import { peer } from '../../lib/peer.js';

const M = argN(1_000_000) >> 1;
const { run, spawn, createQueue } = await peer('effection');
await bench('effection: createQueue', 2 * M, () =>
  run(function* () {
    const q1 = createQueue();
    const q2 = createQueue();
    const p = yield* spawn(function* () {
      for (let i = 0; i < M; i++) q2.add((yield* q1.next()).value);
    });
    for (let i = 0; i < M; i++) {
      q1.add(i);
      yield* q2.next();
    }
    yield* p;
  }),
);
