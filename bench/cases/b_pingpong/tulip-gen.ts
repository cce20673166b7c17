// (b) ping-pong, tulip generator style: two tasks hand a number back and forth through two
// minimal queues built on tulip Futures (`yield* q.get()`); N hand-offs = N/2 round trips.
import { argN, bench } from '../../lib/common.js';
import { createTask, getRunningLoop, run } from '../../lib/tulip.js';
import { FutureQueue } from './tulip-queue.js';

const M = argN(1_000_000) >> 1;
await bench('tulip gen: queue on Futures', 2 * M, () =>
  run(function* () {
    const loop = getRunningLoop();
    const q1 = new FutureQueue<number>(loop);
    const q2 = new FutureQueue<number>(loop);
    const p = createTask(function* () {
      for (let i = 0; i < M; i++) q2.put(yield* q1.get());
    });
    for (let i = 0; i < M; i++) {
      q1.put(i);
      yield* q2.get();
    }
    yield* p;
  }),
);
