// (e3) Semaphore(10) over N tasks, tulip async-function style: N tasks that each hold one unit
// across one yield (`await sleep(0)`, as in (a)), joined with gather.
import { argN, bench } from '../../lib/common.js';
import { Semaphore, createTask, gather, run, sleep, type Task } from '../../lib/tulip.js';

const N = argN(100_000);
async function body(sem: Semaphore): Promise<void> {
  await sem.acquire();
  try {
    await sleep(0);
  } finally {
    sem.release();
  }
}
await bench('tulip async: Semaphore(10)', N, () =>
  run(async () => {
    const sem = new Semaphore(10);
    const ts = new Array<Task<void>>(N);
    for (let i = 0; i < N; i++) ts[i] = createTask(() => body(sem));
    await gather(ts);
  }),
);
