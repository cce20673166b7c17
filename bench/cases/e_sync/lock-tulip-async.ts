// (e1) uncontended Lock, tulip async-function style: one task, N × (`await lock.acquire()`; release).
import { argN, bench } from '../../lib/common.js';
import { Lock, run } from '../../lib/tulip.js';

const N = argN(1_000_000);
await bench('tulip async: Lock acquire+release', N, () =>
  run(async () => {
    const lock = new Lock();
    for (let i = 0; i < N; i++) {
      await lock.acquire();
      try {
        // critical section (empty)
      } finally {
        lock.release();
      }
    }
  }),
);
