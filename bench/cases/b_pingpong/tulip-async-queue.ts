// (b) ping-pong through tulip's own `Queue` (unbounded), async-function style: `await q.put(x)`
// and `await q.get()`, as the asyncio row does with `asyncio.Queue`; N hand-offs = N/2 round trips.
import { argN, bench } from '../../lib/common.js';
import { Queue, createTask, run } from '../../lib/tulip.js';

const M = argN(1_000_000) >> 1;
await bench('tulip async: Queue', 2 * M, () =>
  run(async () => {
    const q1 = new Queue<number>();
    const q2 = new Queue<number>();
    const p = createTask(async () => {
      for (let i = 0; i < M; i++) await q2.put(await q1.get());
    });
    for (let i = 0; i < M; i++) {
      await q1.put(i);
      await q2.get();
    }
    await p;
  }),
);
