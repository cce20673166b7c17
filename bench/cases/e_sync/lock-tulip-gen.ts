// (e1) uncontended Lock, tulip generator style: one task, N × (`yield* lock.acquire()`; release).
import { argN, bench } from '../../lib/common.js';
import { Lock, run } from '../../lib/tulip.js';

const N = argN(1_000_000);
await bench('tulip gen: Lock acquire+release', N, () =>
  run(function* () {
    const lock = new Lock();
    for (let i = 0; i < N; i++) {
      yield* lock.acquire();
      try {
        // critical section (empty)
      } finally {
        lock.release();
      }
    }
  }),
);
