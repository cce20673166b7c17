// (a) spawn-and-join, tulip async-function style: N tasks from an async function that does
// `await sleep(0)`, joined with `await gather(tasks)`; the whole `run()` is timed.
import { argN, bench } from '../../lib/common.js';
import { createTask, gather, run, sleep, type Task } from '../../lib/tulip.js';

const N = argN(100_000);
const child = async (): Promise<void> => {
  await sleep(0);
};
await bench('tulip async: sleep(0) + gather', N, () =>
  run(async () => {
    const ts = new Array<Task<void>>(N);
    for (let i = 0; i < N; i++) ts[i] = createTask(child);
    await gather(ts);
  }),
);
