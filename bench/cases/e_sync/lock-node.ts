// (e1) uncontended lock, plain Node anchor: a minimal promise mutex (lib/minimal.ts), one async
// function doing N × (`await m.acquire()`; release).
import { argN, bench } from '../../lib/common.js';
import { MinimalSemaphore } from '../../lib/minimal.js';

const N = argN(1_000_000);
await bench('node: minimal promise mutex', N, async () => {
  const m = new MinimalSemaphore(1);
  for (let i = 0; i < N; i++) {
    await m.acquire();
    try {
      // critical section (empty)
    } finally {
      m.release();
    }
  }
});
