// Unit tests of scripts/differential/normalize.ts: what the differential tester treats as equal.
import { describe, it, expect } from 'vitest';
import { normalize } from '../../scripts/differential/normalize.js';

describe('differential normalize', () => {
  it("drops the message of an error whose wording is asyncio's or tulip's own", () => {
    expect(normalize('0 S1: get -> QueueEmptyError(Queue: getNowait() on an empty queue)')).toBe('0 S1: get -> QueueEmptyError');
  });

  it('keeps the message of a user error', () => {
    expect(normalize('0 S1: error Boom(missing S2)')).toBe('0 S1: error Boom(missing S2)');
  });

  it('drops a message that quotes reprs nested at any depth', () => {
    const inner = `RuntimeError("setResult: <Task finished name='S4' exception=Boom(\\"missing S4\\")>: no")`;
    const line = `0 cb: cb2 S3 error RuntimeError(setResult: <Task finished name='S4' exception=RuntimeError("setResult: <Task finished name='S4' exception=${inner}>: no")>: no)`;
    expect(normalize(line)).toBe('0 cb: cb2 S3 error RuntimeError');
  });

  it('drops every worded message on a line and keeps the text between them', () => {
    expect(normalize('a TimeoutError(x) b RangeError(y (z)) c')).toBe('a TimeoutError b RangeError c');
  });

  it('leaves an unbalanced message as it is', () => {
    expect(normalize('x RuntimeError(open')).toBe('x RuntimeError(open');
  });

  it('keeps everything with strict messages', () => {
    expect(normalize('x RuntimeError(m)', true)).toBe('x RuntimeError(m)');
  });
});
