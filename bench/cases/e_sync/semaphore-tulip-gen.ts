// (e3) Semaphore(10) over N tasks, tulip generator style: N tasks that each hold one unit across one
// yield (`yield* sleep(0)`, as in (a)), joined with gather.
import { argN, bench } from '../../lib/common.js';
import { Semaphore, createTask, gather, run, sleep, type Task } from '../../lib/tulip.js';

const N = argN(100_000);
function* body(sem: Semaphore): Generator<unknown, void, unknown> {
  yield* sem.acquire();
  try {
    yield* sleep(0);
  } finally {
    sem.release();
  }
}
await bench('tulip gen: Semaphore(10)', N, () =>
  run(function* () {
    const sem = new Semaphore(10);
    const ts = new Array<Task<void>>(N);
    for (let i = 0; i < N; i++) ts[i] = createTask(body(sem));
    yield* gather(ts);
  }),
);
