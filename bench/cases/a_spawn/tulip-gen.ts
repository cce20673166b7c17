// (a) spawn-and-join, tulip generator style: N tasks from generator objects that each `yield* sleep(0)`,
// joined with `yield* gather(tasks)`; the whole `run()` (a new loop each time) is timed, like asyncio.run.
import { argN, bench } from '../../lib/common.js';
import { createTask, gather, run, sleep, type Task } from '../../lib/tulip.js';

const N = argN(100_000);
function* child(): Generator<unknown, void, unknown> {
  yield* sleep(0);
}
await bench('tulip gen: sleep(0) + gather', N, () =>
  run(function* () {
    const ts = new Array<Task<void>>(N);
    for (let i = 0; i < N; i++) ts[i] = createTask(child());
    yield* gather(ts);
  }),
);
