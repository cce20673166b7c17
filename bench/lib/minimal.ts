// The plain-Node anchors for (e): a minimal promise-based mutex and semaphore, the counterpart of
// the anchors' "minimal promise queue" — a count plus a FIFO of waiting resolvers, ownership handed
// straight to the woken waiter (no barging). The FIFO is an array with a head index rather than
// `Array#shift`, which V8 turns into an O(n) copy once the array is large (100,000 waiters in (e3)).

export class Waiters {
  private items: (() => void)[] = [];
  private head = 0;
  get length(): number {
    return this.items.length - this.head;
  }
  push(r: () => void): void {
    this.items.push(r);
  }
  shift(): (() => void) | undefined {
    if (this.head === this.items.length) return undefined;
    const r = this.items[this.head]!;
    this.items[this.head++] = undefined as unknown as () => void;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    }
    return r;
  }
}

/** A minimal promise semaphore; `new MinimalSemaphore(1)` is the minimal mutex. */
export class MinimalSemaphore {
  readonly waiters = new Waiters();
  constructor(private value: number) {}
  acquire(): Promise<void> {
    if (this.value > 0) {
      this.value--;
      return Promise.resolve();
    }
    return new Promise<void>((r) => this.waiters.push(r));
  }
  release(): void {
    const w = this.waiters.shift();
    if (w) w();
    else this.value++;
  }
}
