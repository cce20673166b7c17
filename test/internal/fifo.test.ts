// Unit tests of src/internal/fifo.ts: the event loop's chunked ready queue.
import { describe, it, expect } from 'vitest';
import { prng } from '../support.js';
import { Fifo } from '../../src/internal/fifo.js';

function take<T>(q: Fifo<T>): T {
  const x = q.peek();
  q.drop();
  return x;
}


describe('Fifo', () => {
  it('a new queue is empty', () => {
    expect(new Fifo<number>().length).toBe(0);
  });

  it('gives entries back in the order they were pushed', () => {
    const q = new Fifo<number>();
    for (let i = 0; i < 5; i++) q.push(i);
    expect(q.length).toBe(5);
    const out: number[] = [];
    while (q.length > 0) out.push(take(q));
    expect(out).toEqual([0, 1, 2, 3, 4]);
  });

  it('peek() does not remove the front entry', () => {
    const q = new Fifo<string>();
    q.push('a');
    q.push('b');
    expect(q.peek()).toBe('a');
    expect(q.peek()).toBe('a');
    expect(q.length).toBe(2);
  });

  it('keeps FIFO order across many chunks, pushed all at once', () => {
    const q = new Fifo<number>();
    const n = 5000; // about ten chunks
    for (let i = 0; i < n; i++) q.push(i);
    for (let i = 0; i < n; i++) expect(take(q)).toBe(i);
    expect(q.length).toBe(0);
  });

  it('keeps FIFO order when pushes and takes interleave across chunk boundaries', () => {
    const q = new Fifo<number>();
    const rand = prng(7);
    let next = 0;
    let expected = 0;
    for (let step = 0; step < 20_000; step++) {
      if (rand() < 0.55) q.push(next++);
      else if (q.length > 0) expect(take(q)).toBe(expected++);
      expect(q.length).toBe(next - expected);
    }
    while (q.length > 0) expect(take(q)).toBe(expected++);
    expect(expected).toBe(next);
  });

  it('is usable again after being drained from several chunks', () => {
    const q = new Fifo<number>();
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 2000; i++) q.push(round * 10_000 + i);
      for (let i = 0; i < 2000; i++) expect(take(q)).toBe(round * 10_000 + i);
    }
    q.push(42);
    expect(take(q)).toBe(42);
  });

  it('clear() empties the queue and leaves it usable', () => {
    const q = new Fifo<number>();
    for (let i = 0; i < 1500; i++) q.push(i);
    take(q);
    q.clear();
    expect(q.length).toBe(0);
    q.push(7);
    q.push(8);
    expect(take(q)).toBe(7);
    expect(take(q)).toBe(8);
    expect(q.length).toBe(0);
  });
});
