// Unit tests of the Deque in src/internal/waiters.ts: the ring buffer behind queue items and the
// waiter lists of the primitives (order at both ends, wrap-around, growth, shrinking after a spike).
import { describe, expect, it } from 'vitest';
import { prng } from '../support.js';
import { Deque } from '../../src/internal/waiters.js';

function contents<T>(d: Deque<T>): T[] {
  return d.toArray();
}

describe('Deque', () => {
  it('is FIFO through push and shift, LIFO through push and pop, and shift() of an empty one is undefined', () => {
    const d = new Deque<number>();
    expect(d.shift()).toBeUndefined();
    expect(d.pop()).toBeUndefined();
    for (let i = 0; i < 5; i++) d.push(i);
    expect(d.shift()).toBe(0);
    expect(d.pop()).toBe(4);
    expect(contents(d)).toEqual([1, 2, 3]);
    d.unshift(9);
    expect(contents(d)).toEqual([9, 1, 2, 3]);
    expect(d.at(0)).toBe(9);
    expect(d.at(4)).toBeUndefined();
    expect(d.at(-1)).toBeUndefined();
  });

  it('keeps the order of a model array across wrap-around, growth, remove() and filter() (random operations)', () => {
    const rand = prng(31);
    const d = new Deque<number>();
    const model: number[] = [];
    let next = 0;
    for (let step = 0; step < 20_000; step++) {
      const r = rand();
      // Phases of growth and of draining, so the buffer grows past 1024 slots and shrinks again.
      const growing = Math.floor(step / 2500) % 2 === 0;
      if (r < (growing ? 0.55 : 0.2)) {
        d.push(next);
        model.push(next++);
      } else if (r < (growing ? 0.65 : 0.3)) {
        d.unshift(next);
        model.unshift(next++);
      } else if (r < 0.8) {
        expect(d.shift()).toBe(model.shift());
      } else if (r < 0.95) {
        expect(d.pop()).toBe(model.pop());
      } else if (r < 0.99) {
        const x = model[Math.floor(rand() * model.length)];
        if (x !== undefined) {
          expect(d.remove(x)).toBe(true);
          model.splice(model.indexOf(x), 1);
        }
        expect(d.remove(-1)).toBe(false);
      } else {
        d.filter((x) => x % 3 !== 0);
        model.splice(0, model.length, ...model.filter((x) => x % 3 !== 0));
      }
      expect(d.length).toBe(model.length);
    }
    expect(contents(d)).toEqual(model);
  });

  it('remove() closes the gap from the nearer end, keeping the order across the wrap-around', () => {
    const d = new Deque<number>();
    for (let i = 0; i < 6; i++) d.push(i);
    for (let i = 0; i < 6; i++) d.shift(); // the head is now mid-buffer
    for (let i = 0; i < 8; i++) d.push(i); // 0..7, wrapping around the end of the 8-slot buffer
    expect(d.remove(1)).toBe(true); // near the front: the front moves
    expect(d.remove(6)).toBe(true); // near the back: the back moves
    expect(d.remove(3)).toBe(true); // the middle
    expect(contents(d)).toEqual([0, 2, 4, 5, 7]);
    d.push(8);
    d.unshift(-1);
    expect(contents(d)).toEqual([-1, 0, 2, 4, 5, 7, 8]);
    expect(d.shift()).toBe(-1);
    expect(d.pop()).toBe(8);
  });

  it('a buffer that grew past 1024 slots is let go once the deque is empty; small ones stay', () => {
    const d = new Deque<number>();
    for (let i = 0; i < 5000; i++) d.push(i);
    expect(d._capacity()).toBe(8192);
    for (let i = 0; i < 4999; i++) expect(d.shift()).toBe(i);
    expect(d._capacity()).toBe(8192); // not empty yet
    expect(d.pop()).toBe(4999);
    expect(d._capacity()).toBe(8);
    for (const [fill, drain] of [['push', 'shift'], ['push', 'pop'], ['unshift', 'shift']] as const) {
      for (let i = 0; i < 3000; i++) d[fill](i);
      for (let i = 0; i < 3000; i++) d[drain]();
      expect(d._capacity()).toBe(8);
      d.push(1);
      d.push(2);
      expect(d.shift()).toBe(1); // the new buffer is read from its start
      expect(d.pop()).toBe(2);
    }
    for (let i = 0; i < 600; i++) d.unshift(i);
    expect(d._capacity()).toBe(1024);
    expect(d.remove(0)).toBe(true);
    for (let i = 599; i >= 1; i--) expect(d.shift()).toBe(i);
    expect(d._capacity()).toBe(1024); // small buffers stay
    for (let i = 0; i < 3000; i++) d.push(i);
    for (let i = 0; i < 3000; i++) expect(d.remove(i)).toBe(true);
    expect(d._capacity()).toBe(8);
  });

  it('clear() empties it and leaves it usable', () => {
    const d = new Deque<string>();
    for (const s of ['a', 'b', 'c']) d.push(s);
    d.clear();
    expect(d.length).toBe(0);
    expect(d.shift()).toBeUndefined();
    d.push('d');
    expect(contents(d)).toEqual(['d']);
  });
});
