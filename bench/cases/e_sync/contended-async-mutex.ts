// (e2) lock contended by 100 tasks, async-mutex `Mutex`. The main function holds it while the 100
// workers start and queue, then releases; each worker does N/100 × (acquire; release).
import { argN, bench } from '../../lib/common.js';
import { peer } from '../../lib/peer.js';

const N = argN(1_000_000);
const W = 100;
const K = Math.floor(N / W);
const { Mutex } = await peer('async-mutex');
async function worker(mutex: { acquire(): Promise<() => void> }): Promise<void> {
  for (let k = 0; k < K; k++) {
    const release = await mutex.acquire();
    try {
      // critical section (empty)
    } finally {
      release();
    }
  }
}
await bench('async-mutex: Mutex, 100 tasks', W * K, async () => {
  const mutex = new Mutex();
  const release = await mutex.acquire();
  const ps: Promise<void>[] = [];
  for (let w = 0; w < W; w++) ps.push(worker(mutex));
  release();
  await Promise.all(ps);
});
