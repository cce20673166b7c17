// (e1) uncontended lock, async-mutex: one async function doing N × (`release = await mutex.acquire()`; `release()`).
import { argN, bench } from '../../lib/common.js';
import { peer } from '../../lib/peer.js';

const N = argN(1_000_000);
const { Mutex } = await peer('async-mutex');
await bench('async-mutex: Mutex acquire+release', N, async () => {
  const mutex = new Mutex();
  for (let i = 0; i < N; i++) {
    const release = await mutex.acquire();
    try {
      // critical section (empty)
    } finally {
      release();
    }
  }
});
