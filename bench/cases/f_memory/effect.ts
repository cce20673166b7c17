// (f) memory, Effect 4 (the anchors' code): N fibers forked on `Effect.never`; heapUsed delta per
// fiber after gc() twice. Closing the scope interrupts the children.
import { argN, mem, reportMem } from '../../lib/common.js';
import { peer } from '../../lib/peer.js';

const N = argN(100_000);
const { Effect } = await peer('effect');
const fork = Effect.forkChild ?? Effect.fork; // v4 ?? v3
let m0 = { heap: 0, rss: 0 };
await Effect.runPromise(
  Effect.gen(function* () {
    m0 = mem();
    for (let i = 0; i < N; i++) yield* fork(Effect.never);
    yield* Effect.sleep(20);
    reportMem('effect: fork(Effect.never)', N, m0, mem());
  }),
);
process.exit(0);
