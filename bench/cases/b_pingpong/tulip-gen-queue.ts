// (b) ping-pong through tulip's own `Queue` (unbounded), generator style: `yield* q.put(x)` and
// `yield* q.get()`, as the asyncio row does with `asyncio.Queue`; N hand-offs = N/2 round trips.
import { argN, bench } from '../../lib/common.js';
import { Queue, createTask, run } from '../../lib/tulip.js';

const M = argN(1_000_000) >> 1;
await bench('tulip gen: Queue', 2 * M, () =>
  run(function* () {
    const q1 = new Queue<number>();
    const q2 = new Queue<number>();
    const p = createTask(function* () {
      for (let i = 0; i < M; i++) yield* q2.put(yield* q1.get());
    });
    for (let i = 0; i < M; i++) {
      yield* q1.put(i);
      yield* q2.get();
    }
    yield* p;
  }),
);
