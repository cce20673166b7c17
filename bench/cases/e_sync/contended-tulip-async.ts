// (e2) Lock contended by 100 tasks, tulip async-function style. The main task holds the lock while the
// 100 workers start and queue on it, then releases; each worker does N/100 × (acquire; release),
// so every acquire waits (FIFO, no barging) and every release hands the lock to the next waiter.
import { argN, bench } from '../../lib/common.js';
import { Lock, createTask, gather, run, sleep, type Task } from '../../lib/tulip.js';

const N = argN(1_000_000);
const W = 100;
const K = Math.floor(N / W);
async function worker(lock: Lock): Promise<void> {
  for (let k = 0; k < K; k++) {
    await lock.acquire();
    try {
      // critical section (empty)
    } finally {
      lock.release();
    }
  }
}
await bench('tulip async: Lock, 100 tasks', W * K, () =>
  run(async () => {
    const lock = new Lock();
    await lock.acquire();
    const ts: Task<void>[] = [];
    for (let w = 0; w < W; w++) ts.push(createTask(() => worker(lock)));
    await sleep(0); // every worker starts and queues on the lock
    if (lock.statistics().tasksWaiting !== W) throw new Error(`expected ${W} waiters, got ${lock.statistics().tasksWaiting}`);
    lock.release();
    await gather(ts);
  }),
);
