// Unit tests of src/internal/heap.ts: the timer heap (deadline order, FIFO ties, purging).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, it, expect } from 'vitest';
import { prng } from '../support.js';
import { MinHeap } from '../../src/internal/heap.js';

/** A test item: its deadline and creation order are its own (the heap keeps its copies of them). */
interface Item {
  _when: number;
  _seq: number;
  id: number;
}

let seq = 0;
const item = (when: number, id = seq): Item => ({ _when: when, _seq: seq++, id });
/** Pushes `x` with its deadline (items are pushed in creation order, so `_seq` is the push order). */
const put = (h: MinHeap<Item>, x: Item): void => h.push(x, x._when);

function drain(h: MinHeap<Item>): Item[] {
  const out: Item[] = [];
  for (let x = h.pop(); x !== undefined; x = h.pop()) out.push(x);
  return out;
}


describe('MinHeap', () => {
  it('an empty heap has size 0 and peek() and pop() give undefined', () => {
    const h = new MinHeap<Item>();
    expect(h.size).toBe(0);
    expect(h.peek()).toBeUndefined();
    expect(h.pop()).toBeUndefined();
    expect(h.size).toBe(0);
  });

  it('pops items in deadline order whatever the insertion order', () => {
    const h = new MinHeap<Item>();
    for (const w of [50, 10, 40, 20, 30, 0, 60]) put(h, item(w));
    expect(h.size).toBe(7);
    expect(drain(h).map((x) => x._when)).toEqual([0, 10, 20, 30, 40, 50, 60]);
    expect(h.size).toBe(0);
  });

  it('items with equal deadlines come out in insertion order (FIFO)', () => {
    const h = new MinHeap<Item>();
    const ids: number[] = [];
    for (let i = 0; i < 50; i++) {
      const x = item(i % 2 === 0 ? 5 : 7, i);
      put(h, x);
    }
    for (const x of drain(h)) ids.push(x.id);
    const evens = ids.slice(0, 25);
    const odds = ids.slice(25);
    expect(evens).toEqual([...evens].sort((a, b) => a - b));
    expect(evens.every((i) => i % 2 === 0)).toBe(true);
    expect(odds).toEqual([...odds].sort((a, b) => a - b));
    expect(odds.every((i) => i % 2 === 1)).toBe(true);
  });

  it('peekWhen() gives the earliest deadline, and Infinity once empty', () => {
    const h = new MinHeap<Item>();
    expect(h.peekWhen()).toBe(Infinity);
    put(h, item(30));
    put(h, item(12.5));
    expect(h.peekWhen()).toBe(12.5);
    h.pop();
    expect(h.peekWhen()).toBe(30);
    h.pop();
    expect(h.peekWhen()).toBe(Infinity);
  });

  it('filter() keeps the items pushed before it ahead of equal deadlines pushed after it', () => {
    const h = new MinHeap<Item>();
    // The earlier deadline pushed third moves to the root, so the heap's array holds 2 before 1:
    // the purge must keep their push order, not their places.
    for (const x of [item(5, 1), item(5, 2), item(1, 3), item(5, 4)]) put(h, x);
    h.filter((x) => x.id !== 4);
    put(h, item(5, 9));
    expect(drain(h).map((x) => x.id)).toEqual([3, 1, 2, 9]);
  });

  it('peek() shows the earliest item without removing it', () => {
    const h = new MinHeap<Item>();
    const a = item(3);
    const b = item(1);
    put(h, a);
    put(h, b);
    expect(h.peek()).toBe(b);
    expect(h.peek()).toBe(b);
    expect(h.size).toBe(2);
    expect(h.pop()).toBe(b);
    expect(h.peek()).toBe(a);
  });

  it('infinite and negative deadlines are ordered too', () => {
    const h = new MinHeap<Item>();
    for (const w of [Infinity, -5, 0, -Infinity, 3]) put(h, item(w));
    expect(drain(h).map((x) => x._when)).toEqual([-Infinity, -5, 0, 3, Infinity]);
  });

  it('agrees with a stable sort on 2000 random items with many equal deadlines', () => {
    const rand = prng(12345);
    const h = new MinHeap<Item>();
    const all: Item[] = [];
    for (let i = 0; i < 2000; i++) {
      const x = item(Math.floor(rand() * 50), i);
      all.push(x);
      put(h, x);
    }
    const expected = [...all].sort((a, b) => a._when - b._when || a._seq - b._seq);
    expect(drain(h)).toEqual(expected);
  });

  it('interleaved pushes and pops always pop the current minimum', () => {
    const rand = prng(99);
    const h = new MinHeap<Item>();
    const shadow: Item[] = [];
    for (let i = 0; i < 3000; i++) {
      if (rand() < 0.6 || shadow.length === 0) {
        const x = item(Math.floor(rand() * 100), i);
        put(h, x);
        shadow.push(x);
      } else {
        shadow.sort((a, b) => a._when - b._when || a._seq - b._seq);
        expect(h.pop()).toBe(shadow.shift());
      }
      expect(h.size).toBe(shadow.length);
    }
  });

  it('filter() keeps only the matching items, still in heap order with FIFO ties', () => {
    const h = new MinHeap<Item>();
    for (let i = 0; i < 30; i++) put(h, item(i % 3, i));
    h.filter((x) => x.id % 2 === 0);
    expect(h.size).toBe(15);
    const out = drain(h);
    expect(out.every((x) => x.id % 2 === 0)).toBe(true);
    const expected = [...out].sort((a, b) => a._when - b._when || a._seq - b._seq);
    expect(out).toEqual(expected);
  });

  it('filter() that keeps nothing empties the heap, and the heap stays usable', () => {
    const h = new MinHeap<Item>();
    for (let i = 0; i < 5; i++) put(h, item(i));
    h.filter(() => false);
    expect(h.size).toBe(0);
    expect(h.pop()).toBeUndefined();
    put(h, item(1));
    expect(h.size).toBe(1);
  });

  it('clear() empties the heap, and later pushes work', () => {
    const h = new MinHeap<Item>();
    for (let i = 0; i < 5; i++) put(h, item(5 - i));
    h.clear();
    expect(h.size).toBe(0);
    expect(h.peek()).toBeUndefined();
    const x = item(2);
    put(h, x);
    expect(h.pop()).toBe(x);
  });

  it('clear() and filter() let go of the items they remove (a purge does not pin cancelled timers)', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const h = new MinHeap<Item>();
    const refs: WeakRef<Item>[] = [];
    const fill = (n: number): void => {
      for (let i = 0; i < n; i++) {
        const x = item(i);
        refs.push(new WeakRef(x));
        put(h, x);
      }
    };
    fill(50);
    const kept = item(1000);
    put(h, kept);
    h.filter((x) => x === kept); // the purge of cancelled timers
    const afterFilter = refs.splice(0);
    fill(30); // reuses the first 30 of the 50 slots freed

    h.clear();
    await new Promise((r) => setTimeout(r, 0)); // (WeakRefs made in this turn stay alive until it ends)
    gc();
    expect(afterFilter.filter((r) => r.deref() !== undefined)).toHaveLength(0);
    expect(refs.filter((r) => r.deref() !== undefined)).toHaveLength(0);
    expect(h.size).toBe(0);
  });

  it('an emptied heap lets go of key arrays that grew past 1024 entries, and small ones stay', () => {
    const h = new MinHeap<Item>();
    for (let i = 0; i < 5000; i++) put(h, item(i % 97));
    expect(h._capacity()).toBe(8192);
    expect(drain(h)).toHaveLength(5000);
    expect(h._capacity()).toBe(16);
    for (let i = 0; i < 500; i++) put(h, item(i % 7));
    const cap = h._capacity();
    expect(drain(h)).toHaveLength(500);
    expect(h._capacity()).toBe(cap);
  });

  it('after clear() it grows again and keeps deadline order with FIFO ties', () => {
    const rand = prng(7);
    const h = new MinHeap<Item>();
    for (let i = 0; i < 100; i++) put(h, item(i));
    h.clear();
    const all: Item[] = [];
    for (let i = 0; i < 5000; i++) {
      const x = item(Math.floor(rand() * 20), i);
      all.push(x);
      put(h, x);
    }
    expect(h.size).toBe(5000);
    expect(drain(h)).toEqual([...all].sort((a, b) => a._when - b._when || a._seq - b._seq));
  });

  it('keeps every item and the order across slot reuse, chunk boundaries and emptying', () => {
    const rand = prng(2024);
    const h = new MinHeap<Item>();
    const shadow: Item[] = [];
    const check = (): void => {
      shadow.sort((a, b) => a._when - b._when || a._seq - b._seq);
      expect(h.pop()).toBe(shadow.shift());
    };
    for (let round = 0; round < 3; round++) {
      // Fill past one item chunk (1024) with pops in between, so freed slots are reused.
      for (let i = 0; i < 2500; i++) {
        const x = item(Math.floor(rand() * 40), i);
        put(h, x);
        shadow.push(x);
        if (rand() < 0.3) check();
      }
      while (shadow.length > 0) check(); // drained to empty: the slots start over
      expect(h.size).toBe(0);
      expect(h.peek()).toBeUndefined();
    }
  });
});
