// Unit tests of src/errors.ts: the public error classes, their names, fields and messages.
import { describe, it, expect } from 'vitest';
import * as tulip from 'tulip';
import { syncError } from './support.js';
import {
  BrokenBarrierError,
  CancelledError,
  ExceptionGroup,
  IncompleteReadError,
  InvalidStateError,
  LimitOverrunError,
  QueueEmptyError,
  QueueFullError,
  QueueShutDownError,
  RuntimeError,
  TimeoutError,
  isCancelledError,
} from 'tulip';
import * as errors from '../src/errors.js';

const SIMPLE = {
  CancelledError,
  TimeoutError,
  InvalidStateError,
  RuntimeError,
  QueueEmptyError,
  QueueFullError,
  QueueShutDownError,
  BrokenBarrierError,
  WouldBlockError: errors.WouldBlockError,
  EndOfChannelError: errors.EndOfChannelError,
  ClosedResourceError: errors.ClosedResourceError,
  BrokenResourceError: errors.BrokenResourceError,
} as const;

describe('error classes', () => {
  for (const [name, Ctor] of Object.entries(SIMPLE)) {
    it(`${name} is an Error whose name is "${name}" and that keeps its message and cause`, () => {
      const cause = new Error('root');
      const e = new Ctor('boom', { cause });
      expect(e).toBeInstanceOf(Error);
      expect(e).toBeInstanceOf(Ctor);
      expect(e.name).toBe(name);
      expect(e.message).toBe('boom');
      expect(e.cause).toBe(cause);
      expect(String(e)).toBe(`${name}: boom`);
      expect(typeof e.stack).toBe('string');
    });
  }

  it('the classes exported by tulip are the very classes of src/errors.ts', () => {
    for (const name of Object.keys(SIMPLE)) {
      if (name in tulip) expect((tulip as Record<string, unknown>)[name]).toBe((errors as Record<string, unknown>)[name]);
    }
    expect(tulip.ExceptionGroup).toBe(errors.ExceptionGroup);
    expect(tulip.IncompleteReadError).toBe(errors.IncompleteReadError);
    expect(tulip.LimitOverrunError).toBe(errors.LimitOverrunError);
    expect(tulip.isCancelledError).toBe(errors.isCancelledError);
  });

  it('a CancelledError made without a message has the empty message', () => {
    expect(new CancelledError().message).toBe('');
    expect(new CancelledError(undefined).message).toBe('');
    expect(new CancelledError('why').message).toBe('why');
  });

  it('BrokenBarrierError is a RuntimeError (as in asyncio)', () => {
    const e = new BrokenBarrierError('broken');
    expect(e).toBeInstanceOf(RuntimeError);
    expect(e.name).toBe('BrokenBarrierError');
  });

  it('the errors are distinct classes: a TimeoutError is neither a CancelledError nor a RuntimeError', () => {
    const t = new TimeoutError('late');
    expect(t).not.toBeInstanceOf(CancelledError);
    expect(t).not.toBeInstanceOf(RuntimeError);
    expect(new InvalidStateError('x')).not.toBeInstanceOf(RuntimeError);
    expect(new QueueEmptyError('x')).not.toBeInstanceOf(QueueFullError);
  });
});

describe('ExceptionGroup', () => {
  it('is an AggregateError holding the errors in order, with the count in its message', () => {
    const a = new Error('a');
    const b = new RangeError('b');
    const eg = new ExceptionGroup([a, b], 'several failed');
    expect(eg).toBeInstanceOf(AggregateError);
    expect(eg).toBeInstanceOf(Error);
    expect(eg.name).toBe('ExceptionGroup');
    expect(eg.errors).toEqual([a, b]);
    expect(eg.errors[0]).toBe(a);
    expect(eg.message).toBe('several failed (2 sub-exceptions)');
  });

  it('says "1 sub-exception" in the singular', () => {
    expect(new ExceptionGroup([new Error('x')], 'one failed').message).toBe('one failed (1 sub-exception)');
  });

  it('copies the list it is given, so changing the list later does not change the group', () => {
    const list: unknown[] = [new Error('a')];
    const eg = new ExceptionGroup(list, 'm');
    list.push(new Error('b'));
    expect(eg.errors).toHaveLength(1);
  });

  it('refuses a string or a non-iterable in place of the errors, saying the order when a string came first', () => {
    const e = syncError(() => new ExceptionGroup('two failed' as never, [new Error('a')] as never));
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toBe(
      'ExceptionGroup: errors must be an iterable of errors, got a string ("two failed"): the errors come first, then the message, as in AggregateError',
    );
    for (const bad of [undefined, null, 42, {}]) {
      expect(syncError(() => new ExceptionGroup(bad as never, 'm')).message).toMatch(/^ExceptionGroup: errors must be an iterable of errors, got /);
    }
  });

  it('keeps a cause given in the options', () => {
    const cause = new Error('why');
    expect(new ExceptionGroup([new Error('x')], 'm', { cause }).cause).toBe(cause);
  });

  it('takes the errors first and the message second, as AggregateError does, from any iterable', () => {
    const a = new Error('a');
    const eg = new ExceptionGroup(new Set([a]), 'from a set');
    expect(eg.errors).toEqual([a]);
    expect(eg.message).toBe('from a set (1 sub-exception)');
  });

  it('can hold non-Error values', () => {
    const eg = new ExceptionGroup(['text', 42], 'm');
    expect(eg.errors).toEqual(['text', 42]);
  });
});

describe('stream errors', () => {
  it('IncompleteReadError carries the partial bytes and the expected count, and says both', () => {
    const partial = new Uint8Array([1, 2, 3]);
    const e = new IncompleteReadError(partial, 10);
    expect(e.partial).toBe(partial);
    expect(e.expected).toBe(10);
    expect(e.name).toBe('IncompleteReadError');
    expect(e.message).toBe('3 bytes read on a total of 10 expected bytes');
  });

  it('IncompleteReadError of a separator read has expected null and says "undefined"', () => {
    const e = new IncompleteReadError(new Uint8Array(0), null);
    expect(e.expected).toBeNull();
    expect(e.message).toBe('0 bytes read on a total of undefined expected bytes');
  });

  it('LimitOverrunError carries the number of bytes to consume', () => {
    const e = new LimitOverrunError('Separator is not found, and chunk exceed the limit', 65536);
    expect(e.consumed).toBe(65536);
    expect(e.name).toBe('LimitOverrunError');
    expect(e.message).toMatch(/Separator is not found/);
  });
});

describe('isCancelledError', () => {
  it('is true for a CancelledError and for a subclass of it', () => {
    class Sub extends CancelledError {}
    expect(isCancelledError(new CancelledError())).toBe(true);
    expect(isCancelledError(new Sub('x'))).toBe(true);
  });

  it('is false for look-alikes and for non-errors', () => {
    const fake = new Error('x');
    fake.name = 'CancelledError';
    expect(isCancelledError(fake)).toBe(false);
    expect(isCancelledError({ name: 'CancelledError', message: '' })).toBe(false);
    expect(isCancelledError(new TimeoutError('t'))).toBe(false);
    expect(isCancelledError(null)).toBe(false);
    expect(isCancelledError(undefined)).toBe(false);
    expect(isCancelledError('CancelledError')).toBe(false);
  });
});
