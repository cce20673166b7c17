// (f) memory, Effection 4 (the anchors' code): N `spawn`ed operations parked in `suspend()`;
// heapUsed delta per task after gc() twice. Returning from `run` halts the children.
import { argN, mem, reportMem } from '../../lib/common.js';
import { peer } from '../../lib/peer.js';

const N = argN(100_000);
const { run, spawn, suspend, sleep } = await peer('effection');
await run(function* () {
  const m0 = mem();
  for (let i = 0; i < N; i++)
    yield* spawn(function* () {
      yield* suspend();
    });
  yield* sleep(20);
  reportMem('effection: spawn + suspend()', N, m0, mem());
});
process.exit(0);
