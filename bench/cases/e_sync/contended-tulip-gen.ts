// (e2) Lock contended by 100 tasks, tulip generator style. The main task holds the lock while the
// 100 workers start and queue on it, then releases; each worker does N/100 × (acquire; release),
// so every acquire waits (FIFO, no barging) and every release hands the lock to the next waiter.
import { argN, bench } from '../../lib/common.js';
import { Lock, createTask, gather, run, sleep, type Task } from '../../lib/tulip.js';

const N = argN(1_000_000);
const W = 100;
const K = Math.floor(N / W);
function* worker(lock: Lock): Generator<unknown, void, unknown> {
  for (let k = 0; k < K; k++) {
    yield* lock.acquire();
    try {
      // critical section (empty)
    } finally {
      lock.release();
    }
  }
}
await bench('tulip gen: Lock, 100 tasks', W * K, () =>
  run(function* () {
    const lock = new Lock();
    yield* lock.acquire();
    const ts: Task<void>[] = [];
    for (let w = 0; w < W; w++) ts.push(createTask(worker(lock)));
    yield* sleep(0); // every worker starts and queues on the lock
    if (lock.statistics().tasksWaiting !== W) throw new Error(`expected ${W} waiters, got ${lock.statistics().tasksWaiting}`);
    lock.release();
    yield* gather(ts);
  }),
);
