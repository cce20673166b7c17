import { describe, expect, it } from 'vitest';
import { LifoQueue, PriorityQueue, createTask, defaultCompare, run, sleep } from 'tulip';
import { STYLES, rejection, syncError, waiting } from '../support.js';

function drain<T>(q: PriorityQueue<T> | LifoQueue<T>, items: readonly T[]): T[] {
  for (const x of items) q.putNowait(x);
  const out: T[] = [];
  while (!q.empty()) out.push(q.getNowait());
  return out;
}

describe('PriorityQueue', () => {
  it('equal items come out in the order they were put', () =>
    run(() => {
      type Job = { p: number; name: string };
      const q = new PriorityQueue<Job>(0, (a, b) => a.p - b.p);
      const jobs = [
        { p: 2, name: 'a' },
        { p: 1, name: 'b' },
        { p: 2, name: 'c' },
        { p: 1, name: 'd' },
        { p: 2, name: 'e' },
      ];
      expect(drain(q, jobs).map((j) => j.name)).toEqual(['b', 'd', 'a', 'c', 'e']);
    }));

  it('a thousand random numbers come out sorted', () =>
    run(() => {
      const xs = Array.from({ length: 1000 }, (_, i) => (i * 7919) % 1009);
      expect(drain(new PriorityQueue<number>(), xs)).toEqual([...xs].sort((a, b) => a - b));
    }));

  it('orders nested arrays like Python tuples, a shorter prefix first', () =>
    run(() => {
      const items: unknown[][] = [[1, [2, 'b']], [1, [2, 'a']], [1], [0, 'z', 9]];
      expect(drain(new PriorityQueue<unknown[]>(), items)).toEqual([[0, 'z', 9], [1], [1, [2, 'a']], [1, [2, 'b']]]);
    }));

  it('orders strings by UTF-16 code units, as Python orders str', () =>
    run(() => {
      expect(drain(new PriorityQueue<string>(), ['b', 'B', 'a', 'é', 'A'])).toEqual(['A', 'B', 'a', 'b', 'é']);
    }));

  it('refuses items the default order cannot compare with TypeError and leaves the queue intact', () =>
    run(() => {
      const q = new PriorityQueue<unknown>();
      q.putNowait(1);
      q.putNowait(2);
      const e = syncError(() => q.putNowait('three'));
      expect(e).toBeInstanceOf(TypeError);
      expect((e as Error).message).toMatch(/cannot order .* pass a comparator/);
      expect(q.qsize()).toBe(2);
      expect(syncError(() => q.putNowait({}))).toBeInstanceOf(TypeError);
      expect(drain(q as PriorityQueue<number>, [])).toEqual([1, 2]);
    }));

  it('a pop whose comparison throws leaves the heap unchanged', () =>
    run(() => {
      const q = new PriorityQueue<unknown[]>();
      q.putNowait([1, 'x']);
      q.putNowait([0, 'y']);
      q.putNowait([1, 2]); // compared with [0, 'y'] only: fine so far
      expect(syncError(() => q.getNowait())).toBeInstanceOf(TypeError); // re-heaping compares [1,'x'] with [1,2]
      expect(q.qsize()).toBe(3);
      expect(String(q)).toBe('<PriorityQueue maxsize=0 _queue=[[0, "y"], [1, "x"], [1, 2]] tasks=3>'); // heap order, as before the pop
    }));

  for (const style of STYLES) {
    it(`a woken put() whose item the comparator cannot order fails for its caller, and the next putter gets the slot (${style})`, () =>
      run(async () => {
        const q = new PriorityQueue<unknown>(2);
        q.putNowait(1);
        q.putNowait(2);
        const bad = createTask(waiting(style, () => q.put({ not: 'orderable' })));
        const good = createTask(waiting(style, () => q.put(0)));
        await sleep(0);
        expect(await q.get()).toBe(1); // wakes `bad`, whose put then throws in the comparator
        const e = await rejection(bad);
        expect(e).toBeInstanceOf(TypeError);
        expect((e as Error).message).toMatch(/cannot order/);
        await good; // the slot went on to the next putter
        expect(drain(q, [])).toEqual([0, 2]);
      }));

    it(`a woken get() whose comparator throws while re-heaping fails for its caller; the queue keeps its items (${style})`, () =>
      run(async () => {
        let strict = false;
        const q = new PriorityQueue<number>(0, (a, b) => {
          if (strict) throw new Error('comparator broke');
          return a - b;
        });
        const getter = createTask(waiting(style, () => q.get()));
        await sleep(0);
        q.putNowait(5); // wakes the getter; the heap had nothing to compare
        q.putNowait(3);
        q.putNowait(4);
        strict = true;
        const e = await rejection(getter);
        expect((e as Error).message).toBe('comparator broke');
        expect(q.qsize()).toBe(3);
        strict = false;
        expect(drain(q, [])).toEqual([3, 4, 5]);
      }));
  }

  it('refuses a comparator that is not a function', () => {
    expect(() => new PriorityQueue(0, 'desc' as never)).toThrow(TypeError);
  });

  it('defaultCompare mirrors Python: numbers with bigints, booleans as numbers', () => {
    expect(defaultCompare(1n, 2)).toBeLessThan(0);
    expect(defaultCompare(true, 0)).toBeGreaterThan(0);
    expect(defaultCompare([1, 2], [1, 2])).toBe(0);
    expect(() => defaultCompare(null, 1)).toThrow(TypeError);
  });

  it('defaultCompare: two numbers or two strings directly, a number and a string refused', () => {
    expect(defaultCompare(2, 10)).toBeLessThan(0);
    expect(defaultCompare('10', '2')).toBeLessThan(0); // code units, not numbers
    expect(defaultCompare('b', 'b')).toBe(0);
    expect(defaultCompare(-0, 0)).toBe(0);
    expect(defaultCompare(NaN, 1)).toBe(0); // unordered, as Python's NaN: neither less nor greater
    expect(() => defaultCompare(1, '1')).toThrow(TypeError);
    expect(() => defaultCompare('1', 1)).toThrow(TypeError);
  });

  it('many puts and gets interleaved come out as a stable sort would give them', () =>
    run(() => {
      const q = new PriorityQueue<[number, number]>();
      const model: [number, number][] = [];
      let seq = 0;
      const takeMin = (): [number, number] => {
        let best = 0;
        for (let k = 1; k < model.length; k++) if (model[k]![0] < model[best]![0]) best = k; // first of equals: put order
        return model.splice(best, 1)[0]!;
      };
      for (let round = 0; round < 50; round++) {
        for (let i = 0; i < 40; i++) {
          const x: [number, number] = [(i * 7 + round) % 5, seq++];
          q.putNowait(x);
          model.push(x);
        }
        for (let i = 0; i < 30; i++) expect(q.getNowait()).toBe(takeMin());
      }
      while (model.length > 0) expect(q.getNowait()).toBe(takeMin());
      expect(q.empty()).toBe(true);
    }));
});

describe('LifoQueue', () => {
  it('returns the newest item first', () =>
    run(() => {
      expect(drain(new LifoQueue<number>(), [1, 2, 3])).toEqual([3, 2, 1]);
    }));
});
