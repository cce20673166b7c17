// Unit tests of src/internal/validate.ts: the argument checks and value descriptions behind every
// TypeError/RangeError of the public API.
import { describe as suite, it, expect } from 'vitest';
import {
  checkDeadline,
  checkDelay,
  checkFunction,
  describe,
  isGenerator,
  isNativeGenerator,
  isThenable,
} from '../../src/internal/validate.js';
import { syncError } from '../support.js';

suite('describe()', () => {
  it('names null, undefined, numbers, booleans, bigints and symbols by their value', () => {
    expect(describe(null)).toBe('null');
    expect(describe(undefined)).toBe('undefined');
    expect(describe(42)).toBe('42');
    expect(describe(-1.5)).toBe('-1.5');
    expect(describe(NaN)).toBe('NaN');
    expect(describe(Infinity)).toBe('Infinity');
    expect(describe(true)).toBe('true');
    expect(describe(10n)).toBe('10n'); // not '10': "must be a number, got 10" would read as a contradiction
    expect(describe(Symbol('tag'))).toBe('Symbol(tag)');
  });

  it('quotes strings and cuts long ones at 40 characters with an ellipsis', () => {
    expect(describe('abc')).toBe('"abc"');
    expect(describe('')).toBe('""');
    const long = 'x'.repeat(100);
    expect(describe(long)).toBe(`"${'x'.repeat(40)}…"`);
    expect(describe('say "hi"')).toBe('"say \\"hi\\""');
  });

  it('names functions by their name, or (anonymous)', () => {
    function namedFn(): void {}
    expect(describe(namedFn)).toBe('function namedFn');
    expect(describe(function* gen() {})).toBe('function gen');
    const anon = [() => 1][0]!;
    expect(describe(anon)).toBe('function (anonymous)');
  });

  it('says "a Promise" for a native promise, and names other objects by their constructor', () => {
    const p = Promise.resolve(1);
    expect(describe(p)).toBe('a Promise');
    class Widget {}
    expect(describe(new Widget())).toBe('a Widget object');
    class Engine {}
    expect(describe(new Engine())).toBe('an Engine object');
    expect(describe({})).toBe('an object');
    expect(describe([1, 2])).toBe('an array of 2');
    expect(describe(Object.create(null))).toBe('an object');
  });

  it('does not call into the described value (a thenable that is not a Promise is an object)', () => {
    let called = false;
    const thenable = {
      then() {
        called = true;
      },
    };
    expect(describe(thenable)).toBe('an object');
    expect(called).toBe(false);
  });
});

suite('checkDelay()', () => {
  it('returns 0, positive and infinite delays unchanged', () => {
    expect(checkDelay('op', 'd', 0)).toBe(0);
    expect(checkDelay('op', 'd', 12.5)).toBe(12.5);
    expect(checkDelay('op', 'd', Infinity)).toBe(Infinity);
  });

  it('throws a TypeError naming the operation, the argument and what came, for a non-number', () => {
    const e = syncError(() => checkDelay('sleep', 'delayMs', '10'));
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toBe('sleep: delayMs must be a number of milliseconds, got "10"');
    expect(syncError(() => checkDelay('sleep', 'delayMs', null)).message).toMatch(/got null$/);
    expect(syncError(() => checkDelay('sleep', 'delayMs', undefined)).message).toMatch(/got undefined$/);
  });

  it('throws a RangeError for NaN and for a negative delay, saying what came', () => {
    const nan = syncError(() => checkDelay('sleep', 'delayMs', NaN));
    expect(nan).toBeInstanceOf(RangeError);
    expect(nan.message).toBe('sleep: Invalid delay: NaN (not a number); delayMs must be a number of milliseconds');
    const neg = syncError(() => checkDelay('sleep', 'delayMs', -1));
    expect(neg).toBeInstanceOf(RangeError);
    expect(neg.message).toBe('sleep: delayMs must not be negative, got -1');
    expect(syncError(() => checkDelay('x', 'y', -Infinity))).toBeInstanceOf(RangeError);
  });
});

suite('checkDeadline()', () => {
  it('passes null through as "never", and numbers (even past or negative ones) unchanged', () => {
    expect(checkDeadline('op', 'w', null)).toBeNull();
    expect(checkDeadline('op', 'w', 5)).toBe(5);
    expect(checkDeadline('op', 'w', -5)).toBe(-5);
    expect(checkDeadline('op', 'w', Infinity)).toBe(Infinity);
  });

  it('throws a TypeError for a non-number and a RangeError for NaN, naming the argument', () => {
    const t = syncError(() => checkDeadline('timeoutAt', 'whenMs', '5'));
    expect(t).toBeInstanceOf(TypeError);
    expect(t.message).toBe('timeoutAt: whenMs must be a number of milliseconds or null, got "5"');
    expect(syncError(() => checkDeadline('timeoutAt', 'whenMs', undefined)).message).toMatch(/got undefined$/);
    const r = syncError(() => checkDeadline('timeoutAt', 'whenMs', NaN));
    expect(r).toBeInstanceOf(RangeError);
    expect(r.message).toBe('timeoutAt: whenMs must be a number of milliseconds or null, got NaN');
  });
});

suite('checkFunction()', () => {
  it('accepts functions of every kind', () => {
    expect(() => checkFunction('op', 'cb', () => 1)).not.toThrow();
    expect(() => checkFunction('op', 'cb', async () => 1)).not.toThrow();
    expect(() => checkFunction('op', 'cb', function* () {})).not.toThrow();
    expect(() => checkFunction('op', 'cb', class {})).not.toThrow();
  });

  it('throws a TypeError naming the operation, the argument and what came', () => {
    const e = syncError(() => checkFunction('callSoon', 'callback', 42));
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toBe('callSoon: callback must be a function, got 42');
    expect(syncError(() => checkFunction('callSoon', 'callback', Promise.resolve())).message).toMatch(/got a Promise$/);
  });
});

suite('isThenable()', () => {
  it('is true for promises, objects and functions with a then() method', () => {
    expect(isThenable(Promise.resolve())).toBe(true);
    expect(isThenable({ then() {} })).toBe(true);
    const fn = Object.assign(() => 1, { then() {} });
    expect(isThenable(fn)).toBe(true);
  });

  it('is false for primitives, null and objects whose then is not a function', () => {
    expect(isThenable(null)).toBe(false);
    expect(isThenable(undefined)).toBe(false);
    expect(isThenable(1)).toBe(false);
    expect(isThenable('then')).toBe(false);
    expect(isThenable({ then: 1 })).toBe(false);
    expect(isThenable({})).toBe(false);
  });
});

suite('isGenerator()', () => {
  /** A hand-made coroutine: an object with next, throw and Symbol.iterator. */
  const lookAlike = (): IterableIterator<number> & { throw(e: unknown): never } => ({
    next: () => ({ done: true, value: 1 }),
    throw: (e: unknown) => {
      throw e;
    },
    [Symbol.iterator]() {
      return this;
    },
  });

  it('is true for generator objects, also of subclassed generator functions', () => {
    function* g(): Generator<number> {
      yield 1;
    }
    expect(isGenerator(g())).toBe(true);
    const obj = {
      *method() {
        yield 1;
      },
    };
    expect(isGenerator(obj.method())).toBe(true);
  });

  it('is true for a hand-made object with next, throw and Symbol.iterator', () => {
    expect(isGenerator(lookAlike())).toBe(true);
  });

  it('tells native generators from look-alikes whichever it saw last (it remembers the last generator prototype)', () => {
    function* g(): Generator<number> {}
    function* h(): Generator<number> {}
    const seen = [g(), g(), lookAlike(), h(), g(), lookAlike(), [1][Symbol.iterator](), h()].map((x) => isNativeGenerator(x));
    expect(seen).toEqual([true, true, false, true, true, false, false, true]);
    expect(isGenerator(lookAlike())).toBe(true); // a coroutine all the same, stepped through its own methods
  });

  it('is false for generator functions, async generators, arrays, array iterators and plain values', () => {
    function* g(): Generator<number> {}
    async function* ag(): AsyncGenerator<number> {}
    expect(isGenerator(g)).toBe(false);
    expect(isGenerator(ag())).toBe(false);
    expect(isGenerator([1, 2])).toBe(false);
    expect(isGenerator([1, 2][Symbol.iterator]())).toBe(false);
    expect(isGenerator(new Map().entries())).toBe(false);
    expect(isGenerator(null)).toBe(false);
    expect(isGenerator(undefined)).toBe(false);
    expect(isGenerator('gen')).toBe(false);
    expect(isGenerator(Promise.resolve())).toBe(false);
  });
});
