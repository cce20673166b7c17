// (e3) Semaphore(10) over N tasks, async-mutex `Semaphore`: N async functions that each hold one
// unit across one yield (`await null`), Promise.all.
import { argN, bench } from '../../lib/common.js';
import { peer } from '../../lib/peer.js';

const N = argN(100_000);
const { Semaphore } = await peer('async-mutex');
async function body(sem: { acquire(): Promise<[number, () => void]> }): Promise<void> {
  const [, release] = await sem.acquire();
  try {
    await null;
  } finally {
    release();
  }
}
await bench('async-mutex: Semaphore(10)', N, async () => {
  const sem = new Semaphore(10);
  const ps = new Array<Promise<void>>(N);
  for (let i = 0; i < N; i++) ps[i] = body(sem);
  await Promise.all(ps);
});
