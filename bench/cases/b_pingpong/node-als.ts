// (b) ping-pong, plain Node with AsyncLocalStorage (reference row): the minimal promise queue run
// inside `als.run()`, so promise hooks are on (as in tulip's async-function style).
import { AsyncLocalStorage } from 'node:async_hooks';
import { argN, bench } from '../../lib/common.js';

const H = argN(1_000_000);
const M = H >> 1;

class Q<T> {
  items: T[] = [];
  waiters: ((v: T) => void)[] = [];
  put(x: T): void {
    const w = this.waiters.shift();
    if (w) w(x);
    else this.items.push(x);
  }
  get(): Promise<T> {
    return this.items.length ? Promise.resolve(this.items.shift() as T) : new Promise<T>((r) => this.waiters.push(r));
  }
}

const als = new AsyncLocalStorage<number>();
await bench('node + als: minimal promise queue', 2 * M, () =>
  als.run(1, async () => {
    const q1 = new Q<number>();
    const q2 = new Q<number>();
    const p = (async () => {
      for (let i = 0; i < M; i++) q2.put(await q1.get());
    })();
    for (let i = 0; i < M; i++) {
      q1.put(i);
      await q2.get();
    }
    await p;
  }),
);
