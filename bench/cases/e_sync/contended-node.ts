// (e2) lock contended by 100 tasks, plain Node anchor: the minimal promise mutex (lib/minimal.ts).
// The main function holds it while the 100 workers start and queue, then releases; each worker
// does N/100 × (acquire; release), every acquire waiting and every release handing over.
import { argN, bench } from '../../lib/common.js';
import { MinimalSemaphore } from '../../lib/minimal.js';

const N = argN(1_000_000);
const W = 100;
const K = Math.floor(N / W);
async function worker(m: MinimalSemaphore): Promise<void> {
  for (let k = 0; k < K; k++) {
    await m.acquire();
    try {
      // critical section (empty)
    } finally {
      m.release();
    }
  }
}
await bench('node: minimal promise mutex, 100 tasks', W * K, async () => {
  const m = new MinimalSemaphore(1);
  await m.acquire();
  const ps: Promise<void>[] = [];
  for (let w = 0; w < W; w++) ps.push(worker(m));
  if (m.waiters.length !== W) throw new Error(`expected ${W} waiters, got ${m.waiters.length}`);
  m.release();
  await Promise.all(ps);
});
