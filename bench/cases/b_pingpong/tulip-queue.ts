// A minimal queue on tulip Futures, the counterpart of the anchors' "minimal promise queue":
// an array buffer plus waiting futures. get() always returns a Future (already done when an item
// is buffered, as the anchor returns Promise.resolve()).
import type { EventLoop, Future } from '../../lib/tulip.js';

export class FutureQueue<T> {
  items: T[] = [];
  waiters: Future<T>[] = [];
  constructor(private readonly loop: EventLoop) {}
  put(x: T): void {
    const w = this.waiters.shift();
    if (w) w.setResult(x);
    else this.items.push(x);
  }
  get(): Future<T> {
    const f = this.loop.createFuture<T>();
    if (this.items.length) f.setResult(this.items.shift() as T);
    else this.waiters.push(f);
    return f;
  }
}
