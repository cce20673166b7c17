// (f) memory, tulip generator style: N tasks (generator objects) parked at `yield* never` on one
// never-resolved Future; heapUsed delta per task after gc() twice.
import { argN, mem, reportMem } from '../../lib/common.js';
import { createTask, getRunningLoop, run, sleep, type Task } from '../../lib/tulip.js';

const N = argN(100_000);
await run(function* () {
  const never = getRunningLoop().createFuture<void>();
  function* parked(): Generator<unknown, void, unknown> {
    yield* never;
  }
  const m0 = mem();
  const keep = new Array<Task<void>>(N);
  for (let i = 0; i < N; i++) keep[i] = createTask(parked());
  yield* sleep(20); // every task has started and is parked on `never`
  reportMem('tulip gen: task `yield* never`', N, m0, mem());
  process.exit(0);
});
