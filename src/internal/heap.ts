/**
 * A 4-ary min-heap ordered by `when`, ties broken by insertion sequence (so equal deadlines come
 * out FIFO, as Node's timers do). The keys live beside the items in two typed arrays, so sifting
 * compares numbers in contiguous memory instead of reading each item (a cache miss per item once
 * the heap holds many timers); four children per node halve the depth.
 */
export interface HeapItem {
  /** The deadline (ms on the loop's clock). */
  _when: number;
  /** Insertion order, for FIFO ties. */
  _seq: number;
}

const MIN_CAPACITY = 16;

export class MinHeap<T extends HeapItem> {
  private items: T[] = [];
  private whens = new Float64Array(MIN_CAPACITY);
  private seqs = new Float64Array(MIN_CAPACITY);

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const items = this.items;
    let i = items.length;
    if (i === this.whens.length) this.grow(i * 2);
    const whens = this.whens;
    const seqs = this.seqs;
    const w = item._when;
    const s = item._seq;
    items.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 2;
      const pw = whens[parent]!;
      if (w > pw || (w === pw && s > seqs[parent]!)) break;
      items[i] = items[parent]!;
      whens[i] = pw;
      seqs[i] = seqs[parent]!;
      i = parent;
    }
    items[i] = item;
    whens[i] = w;
    seqs[i] = s;
  }

  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    const n = items.length;
    if (n > 0 && last !== undefined) this.siftDown(last, this.whens[n]!, this.seqs[n]!, n);
    return top;
  }

  /** Keeps only the items for which `keep` is true (used to purge cancelled timers). */
  filter(keep: (item: T) => boolean): void {
    const kept = this.items.filter(keep);
    this.clear();
    for (const item of kept) this.push(item);
  }

  clear(): void {
    this.items = [];
    this.whens = new Float64Array(MIN_CAPACITY);
    this.seqs = new Float64Array(MIN_CAPACITY);
  }

  private grow(capacity: number): void {
    const whens = new Float64Array(capacity);
    whens.set(this.whens);
    this.whens = whens;
    const seqs = new Float64Array(capacity);
    seqs.set(this.seqs);
    this.seqs = seqs;
  }

  /** Places `item` (keys `w`, `s`) from the root down, in a heap of `n` items. */
  private siftDown(item: T, w: number, s: number, n: number): void {
    const items = this.items;
    const whens = this.whens;
    const seqs = this.seqs;
    let i = 0;
    for (;;) {
      let child = 4 * i + 1;
      if (child >= n) break;
      let cw = whens[child]!;
      let cs = seqs[child]!;
      const end = child + 4 < n ? child + 4 : n;
      for (let j = child + 1; j < end; j++) {
        const jw = whens[j]!;
        if (jw < cw || (jw === cw && seqs[j]! < cs)) {
          child = j;
          cw = jw;
          cs = seqs[j]!;
        }
      }
      if (cw > w || (cw === w && cs > s)) break;
      items[i] = items[child]!;
      whens[i] = cw;
      seqs[i] = cs;
      i = child;
    }
    items[i] = item;
    whens[i] = w;
    seqs[i] = s;
  }
}
