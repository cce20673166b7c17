// (b) ping-pong, tulip async-function style: the same minimal queue on tulip Futures, with `await`.
import { argN, bench } from '../../lib/common.js';
import { createTask, getRunningLoop, run } from '../../lib/tulip.js';
import { FutureQueue } from './tulip-queue.js';

const M = argN(1_000_000) >> 1;
await bench('tulip async: queue on Futures', 2 * M, () =>
  run(async () => {
    const loop = getRunningLoop();
    const q1 = new FutureQueue<number>(loop);
    const q2 = new FutureQueue<number>(loop);
    const p = createTask(async () => {
      for (let i = 0; i < M; i++) q2.put(await q1.get());
    });
    for (let i = 0; i < M; i++) {
      q1.put(i);
      await q2.get();
    }
    await p;
  }),
);
