// (b) ping-pong, plain Node anchor: the anchors' "minimal promise queue" (array buffer + waiting
// resolvers); M round trips = 2*M hand-offs. argv[2] is the number of hand-offs.
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

await bench('node: minimal promise queue', 2 * M, async () => {
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
});
