// (f) memory, tulip async-function style: N tasks (an async function) parked at `await never` on
// one never-resolved Future; heapUsed delta per task after gc() twice.
import { argN, mem, reportMem } from '../../lib/common.js';
import { createTask, getRunningLoop, run, sleep, type Task } from '../../lib/tulip.js';

const N = argN(100_000);
await run(async () => {
  const never = getRunningLoop().createFuture<void>();
  const parked = async (): Promise<void> => {
    await never;
  };
  const m0 = mem();
  const keep = new Array<Task<void>>(N);
  for (let i = 0; i < N; i++) keep[i] = createTask(parked);
  await sleep(20); // every task has started and is parked on `never`
  reportMem('tulip async: task `await never`', N, m0, mem());
  process.exit(0);
});
