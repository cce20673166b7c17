/**
 * Argument checks shared by the public API: each throws a TypeError or RangeError that names the
 * argument, what was expected and what came.
 */

/** A short, safe description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
    case 'number':
    case 'boolean':
      return String(value);
    case 'bigint':
      return `${value}n`;
    case 'symbol':
      return value.toString();
    case 'function':
      return `function ${value.name || '(anonymous)'}`;
    default: {
      if (typeof (value as PromiseLike<unknown>).then === 'function' && value instanceof Promise) return 'a Promise';
      if (Array.isArray(value)) return `an array of ${value.length}`;
      const ctor = (value as object).constructor;
      if (!ctor || !ctor.name || ctor === Object) return 'an object';
      return `${/^[AEIOU]/.test(ctor.name) ? 'an' : 'a'} ${ctor.name} object`;
    }
  }
}

/** Items of a list that `formatValue` shows. */
const SHOWN_ITEMS = 20;

/**
 * A value as the text of a `toString()` (asyncio's reprs): arrays as lists (the first 20 items),
 * errors as `TypeError("message")`, anything else as `describe` says it.
 */
export function formatValue(value: unknown): string {
  if (Array.isArray(value)) {
    const shown = value.slice(0, SHOWN_ITEMS).map(formatValue);
    if (value.length > SHOWN_ITEMS) shown.push(`… ${value.length - SHOWN_ITEMS} more`);
    return `[${shown.join(', ')}]`;
  }
  if (value instanceof Error) return `${value.name}(${JSON.stringify(value.message)})`;
  return describe(value);
}

/** A delay in ms: a finite or infinite number, not NaN, not negative (or, `negativeIsZero`, taken as 0). */
export function checkDelay(op: string, name: string, value: unknown, negativeIsZero = false): number {
  if (typeof value !== 'number') {
    throw new TypeError(`${op}: ${name} must be a number of milliseconds, got ${describe(value)}`);
  }
  if (Number.isNaN(value)) throw new RangeError(`${op}: Invalid delay: NaN (not a number); ${name} must be a number of milliseconds`);
  if (value < 0) {
    if (negativeIsZero) return 0; // asyncio's: a delay in the past is due at once
    throw new RangeError(`${op}: ${name} must not be negative, got ${value}`);
  }
  return value;
}

/** A point in time on the loop's clock, or null for "never". */
export function checkDeadline(op: string, name: string, value: unknown): number | null {
  if (value === null) return null;
  if (typeof value !== 'number') {
    throw new TypeError(`${op}: ${name} must be a number of milliseconds or null, got ${describe(value)}`);
  }
  if (Number.isNaN(value)) throw new RangeError(`${op}: ${name} must be a number of milliseconds or null, got NaN`);
  return value;
}

/** An options argument: absent, or an object (not null, not a primitive). */
export function checkOpts(op: string, opts: unknown): void {
  if (opts !== undefined && (opts === null || typeof opts !== 'object')) {
    throw new TypeError(`${op}: opts must be an object, got ${describe(opts)}`);
  }
}

/** Refuses options other than `known` with a TypeError naming the option (a misspelt one would be lost). */
export function checkKnown(op: string, opts: object, known: readonly string[]): void {
  for (const k of Object.keys(opts)) {
    if (!known.includes(k)) throw new TypeError(`${op}: unknown option ${JSON.stringify(k)} (the options are: ${known.join(', ')})`);
  }
}

/**
 * A rejection reason to fail a future with: `undefined` (a legal `throw`, but what `exception()`
 * returns for a success) becomes a `TypeError` that says so, as a task's body throwing undefined
 * does (Python's `raise None` is a TypeError too).
 */
export function rejectionError(e: unknown, what: string): unknown {
  return e === undefined ? new TypeError(`${what} was rejected with undefined; throw or reject with an Error`) : e;
}

export function checkFunction(op: string, name: string, value: unknown): void {
  if (typeof value !== 'function') {
    throw new TypeError(`${op}: ${name} must be a function, got ${describe(value)}`);
  }
}

export function isThenable(x: unknown): x is PromiseLike<unknown> {
  return (
    x !== null &&
    (typeof x === 'object' || typeof x === 'function') &&
    typeof (x as PromiseLike<unknown>).then === 'function'
  );
}

/** %GeneratorPrototype%: the prototype of every generator function's `prototype`. */
const GeneratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf((function* () {})())) as Generator;

/**
 * The prototype of the last generator object recognised (its generator function's `prototype`):
 * the common case, many generators of one function, then takes one `Object.getPrototypeOf` where
 * it took two (V8 11 runs each as a runtime call, about 140 instructions).
 */
let lastGeneratorProto: object | null = null;

/** True for a real generator object (not a look-alike iterator). */
export function isNativeGenerator(x: object): boolean {
  const proto = Object.getPrototypeOf(x) as object | null;
  if (proto === lastGeneratorProto) return true;
  if (proto === null || Object.getPrototypeOf(proto) !== GeneratorPrototype) return false;
  lastGeneratorProto = proto;
  return true;
}

/**
 * `%GeneratorPrototype%.next` and `.throw`. Every generator function has a prototype of its own,
 * so generators from different closures have different hidden classes and a plain `gen.next()`
 * call site goes megamorphic; calling the one builtin directly keeps the stepper fast.
 */
export const genNext = GeneratorPrototype.next as (this: Generator, v?: unknown) => IteratorResult<unknown, unknown>;
export const genThrow = GeneratorPrototype.throw as (this: Generator, e: unknown) => IteratorResult<unknown, unknown>;

export function isGenerator(x: unknown): x is Generator<unknown, unknown, unknown> {
  if (x === null || typeof x !== 'object') return false;
  if (isNativeGenerator(x)) return true; // fast path, without megamorphic lookups
  if (typeof (x as PromiseLike<unknown>).then === 'function') return false; // a Future is not a coroutine
  return (
    x !== null &&
    typeof x === 'object' &&
    typeof (x as Generator).next === 'function' &&
    typeof (x as Generator).throw === 'function' &&
    typeof (x as Generator)[Symbol.iterator] === 'function'
  );
}
