// (e3) semaphore(10) over N tasks, plain Node anchor: the minimal promise semaphore (lib/minimal.ts);
// N async functions that each hold one unit across one yield (`await null`, as in (a)), Promise.all.
import { argN, bench } from '../../lib/common.js';
import { MinimalSemaphore } from '../../lib/minimal.js';

const N = argN(100_000);
async function body(sem: MinimalSemaphore): Promise<void> {
  await sem.acquire();
  try {
    await null;
  } finally {
    sem.release();
  }
}
await bench('node: minimal promise semaphore(10)', N, async () => {
  const sem = new MinimalSemaphore(10);
  const ps = new Array<Promise<void>>(N);
  for (let i = 0; i < N; i++) ps[i] = body(sem);
  await Promise.all(ps);
});
