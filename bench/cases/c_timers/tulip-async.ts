// (c) timers, tulip async-function style: one task per sleep (`await sleep(d)`), joined with gather.
import { argN, bench } from '../../lib/common.js';
import { createTask, gather, run, sleep, type Task } from '../../lib/tulip.js';

const N = argN(100_000);
const D = Array.from({ length: N }, (_, i) => (i * 7919) % 101);
const sleeper = async (d: number): Promise<void> => {
  await sleep(d);
};
await bench('tulip async: sleep(d) + gather', N, () =>
  run(async () => {
    const ts = new Array<Task<void>>(N);
    for (let i = 0; i < N; i++) {
      const d = D[i]!;
      ts[i] = createTask(() => sleeper(d));
    }
    await gather(ts);
  }),
);
