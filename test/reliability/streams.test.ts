// Reliability of StreamReader: random data cut into random chunks (empty ones too), a random
// limit, and a random program of read(n), readexactly(n), readline() and readuntil(separators)
// calls, in both coroutine styles, against a model that is asyncio 3.13's StreamReader
// (Lib/asyncio/streams.py) transcribed: the same buffer, the same `offset` arithmetic in
// readuntil, the same LimitOverrunError `consumed`, readline's recovery from an overrun,
// IncompleteReadError at the end of the stream, and an exception set on the reader failing every
// later call and the one waiting.
//
// A feeder task gives the reader its next chunk only once every task is blocked, so the reader
// sees the data arrive exactly as the model's `waitForData` does: one chunk per wait.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IncompleteReadError, LimitOverrunError, StreamReader, TimeoutError, createTask, run, sleep, timeout, waitFor, type Future } from 'tulip';
import { MockClock, waitAllTasksBlocked } from 'tulip/testing';
import { STYLES, aw, body, fcOptions, nap, scoped, type Prog, type Style } from './harness.js';

class Boom extends Error {
  override name = 'Boom';
}

type Op =
  | { k: 'read'; n: number }
  | { k: 'readexactly'; n: number }
  | { k: 'readline' }
  | { k: 'readuntil'; seps: string[] }
  /**
   * The read inside `timeout(0)`: what it returns without waiting, else TimeoutError, the read
   * taking nothing. (`waitFor(read, 0)` is always a TimeoutError: a read starts only once awaited,
   * as asyncio's `wait_for(reader.read(), 0)` cancels the coroutine's task before it runs.)
   */
  | { k: 'now'; op: Op };

/** What arrives, one per wait of the reader: a chunk, then the end of the stream or an error. */
type Arrival = { chunk: string } | { end: 'eof' | 'error' };

const SEPARATORS: string[][] = [['\n'], ['|'], ['ab'], ['|', 'ab'], ['b|', '\n'], ['abc', '|'], ['ba', 'a|b']];

const readArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ k: fc.constant('read' as const), n: fc.integer({ min: -1, max: 8 }) }),
  fc.record({ k: fc.constant('readexactly' as const), n: fc.integer({ min: 0, max: 8 }) }),
  fc.constant({ k: 'readline' as const }),
  fc.record({ k: fc.constant('readuntil' as const), seps: fc.constantFrom(...SEPARATORS) }),
);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: readArb },
  { weight: 1, arbitrary: readArb.map((op) => ({ k: 'now' as const, op })) },
);

/** Data over a small alphabet (separators are frequent), cut at random points (empty chunks too). */
const arrivalsArb: fc.Arbitrary<Arrival[]> = fc
  .tuple(
    fc.array(fc.constantFrom('a', 'b', 'c', '|', '\n'), { maxLength: 40 }),
    fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 12 }),
    fc.constantFrom<'eof' | 'error'>('eof', 'eof', 'error'),
  )
  .map(([chars, cuts, end]) => {
    const data = chars.join('');
    const points = [...cuts.map((c) => Math.min(c, data.length)), data.length].sort((a, b) => a - b);
    const out: Arrival[] = [];
    let from = 0;
    for (const p of points) {
      out.push({ chunk: data.slice(from, p) });
      from = p;
    }
    out.push({ end });
    return out;
  });

/** An outcome, comparable across model and implementation. */
type Outcome = string;

class Stop extends Error {}
/** The model's read would wait, inside `timeout(0)`. */
class WouldWait extends Error {}

/** asyncio's StreamReader, transcribed (bytes as a latin-1 string). */
class ModelReader {
  buffer = '';
  eof = false;
  error: Boom | null = null;
  private next = 0;
  /** Inside `timeout(0)`: a wait times out instead. */
  noWait = false;

  constructor(
    readonly limit: number,
    private readonly arrivals: readonly Arrival[],
    private readonly boom: Boom,
  ) {}

  /** `_wait_for_data`: the next arrival that wakes a waiter (an empty chunk does not). */
  private waitForData(): void {
    if (this.noWait) throw new WouldWait();
    for (;;) {
      const a = this.arrivals[this.next++];
      if (a === undefined) throw new Stop('the model would wait forever');
      if ('chunk' in a) {
        if (a.chunk.length === 0) continue;
        this.buffer += a.chunk;
        return;
      }
      if (a.end === 'eof') {
        this.eof = true;
        return;
      }
      this.error = this.boom;
      throw this.boom;
    }
  }

  /** The arrivals the reader never waited for (the feeder still delivers them). */
  drain(): void {
    for (; this.next < this.arrivals.length; this.next++) {
      const a = this.arrivals[this.next]!;
      if ('chunk' in a) this.buffer += a.chunk;
      else if (a.end === 'eof') this.eof = true;
      else this.error = this.boom;
    }
  }

  read(n: number): string {
    if (this.error !== null) throw this.error;
    if (n === 0) return '';
    if (n < 0) {
      // asyncio reads blocks of `limit` bytes until one is empty, and loses the blocks it read
      // when a wait fails; tulip's read() takes everything at the end of the stream, so a read
      // that fails (or is cancelled) leaves every byte in the buffer (README: differences).
      while (!this.eof) this.waitForData();
      const all = this.buffer;
      this.buffer = '';
      return all;
    }
    if (this.buffer === '' && !this.eof) this.waitForData();
    const data = this.buffer.slice(0, n);
    this.buffer = this.buffer.slice(n);
    return data;
  }

  readexactly(n: number): string {
    if (this.error !== null) throw this.error;
    if (n === 0) return '';
    while (this.buffer.length < n) {
      if (this.eof) {
        const partial = this.buffer;
        this.buffer = '';
        throw new IncompleteReadError(Buffer.from(partial, 'latin1'), n);
      }
      this.waitForData();
    }
    const data = this.buffer.slice(0, n);
    this.buffer = this.buffer.slice(n);
    return data;
  }

  readuntil(separators: readonly string[]): string {
    const seps = [...separators].sort((a, b) => a.length - b.length); // Python's sorted(): stable
    const minLen = seps[0]!.length;
    const maxLen = seps[seps.length - 1]!.length;
    if (this.error !== null) throw this.error;
    let offset = 0;
    let matchStart = -1;
    let matchEnd = -1;
    for (;;) {
      const buflen = this.buffer.length;
      if (buflen - offset >= minLen) {
        for (const sep of seps) {
          const i = this.buffer.indexOf(sep, offset);
          if (i !== -1 && (matchEnd === -1 || i + sep.length < matchEnd)) {
            matchEnd = i + sep.length;
            matchStart = i;
          }
        }
        if (matchEnd !== -1) break;
        offset = Math.max(0, buflen + 1 - maxLen);
        if (offset > this.limit) throw new LimitOverrunError('Separator is not found, and chunk exceed the limit', offset);
      }
      if (this.eof) {
        const partial = this.buffer;
        this.buffer = '';
        throw new IncompleteReadError(Buffer.from(partial, 'latin1'), null);
      }
      this.waitForData();
    }
    if (matchStart > this.limit) throw new LimitOverrunError('Separator is found, but chunk is longer than limit', matchStart);
    const chunk = this.buffer.slice(0, matchEnd);
    this.buffer = this.buffer.slice(matchEnd);
    return chunk;
  }

  readline(): string {
    try {
      return this.readuntil(['\n']);
    } catch (e) {
      if (e instanceof IncompleteReadError) return Buffer.from(e.partial).toString('latin1');
      if (e instanceof LimitOverrunError) {
        if (this.buffer.startsWith('\n', e.consumed)) this.buffer = this.buffer.slice(e.consumed + 1);
        else this.buffer = '';
        throw new RangeError(e.message);
      }
      throw e;
    }
  }
}

function describeError(e: unknown): Outcome {
  if (e instanceof IncompleteReadError) return `IncompleteReadError partial=${JSON.stringify(Buffer.from(e.partial).toString('latin1'))} expected=${e.expected}`;
  if (e instanceof LimitOverrunError) return `LimitOverrunError consumed=${e.consumed}`;
  if (e instanceof RangeError) return 'RangeError';
  if (e instanceof Boom) return 'Boom';
  if (e instanceof TimeoutError || e instanceof WouldWait) return 'TimeoutError';
  return `unexpected ${String(e)}`;
}

function modelOutcomes(limit: number, arrivals: readonly Arrival[], ops: readonly Op[]): End {
  const boom = new Boom('feed');
  const m = new ModelReader(limit, arrivals, boom);
  const outcomes: Outcome[] = [];
  const apply = (op: Op): string => {
    if (op.k === 'read') return m.read(op.n);
    if (op.k === 'readexactly') return m.readexactly(op.n);
    if (op.k === 'readline') return m.readline();
    if (op.k === 'readuntil') return m.readuntil(op.seps);
    m.noWait = true;
    try {
      return apply(op.op);
    } finally {
      m.noWait = false;
    }
  };
  for (const op of ops) {
    try {
      outcomes.push(`ok ${JSON.stringify(apply(op))}`);
    } catch (e) {
      if (e instanceof Stop) throw e;
      outcomes.push(describeError(e));
    }
  }
  m.drain();
  return { outcomes, buffered: m.buffer.length, atEof: m.eof && m.buffer.length === 0 };
}

function call(style: Style, reader: StreamReader, op: Op): Future<Buffer> {
  if (op.k === 'read') return reader.read(op.n);
  if (op.k === 'readexactly') return reader.readexactly(op.n);
  if (op.k === 'readline') return reader.readline();
  if (op.k === 'readuntil') return reader.readuntil(op.seps);
  const inner = op.op;
  return timeout(0).run(scoped(style, () => aw(style, call(style, reader, inner))));
}

interface End {
  outcomes: Outcome[];
  /** Bytes left in the buffer once every arrival was delivered. */
  buffered: number;
  atEof: boolean;
}

async function tulipOutcomes(style: Style, limit: number, arrivals: readonly Arrival[], ops: readonly Op[]): Promise<End> {
  return run(async (): Promise<End> => {
    const reader = new StreamReader({ limit });
    const boom = new Boom('feed');
    const outcomes: Outcome[] = [];
    const consumer = createTask(
      body(style, function* (): Prog<void> {
        for (const op of ops) {
          try {
            const v = yield* aw(style, call(style, reader, op));
            outcomes.push(`ok ${JSON.stringify(v.toString('latin1'))}`);
          } catch (e) {
            outcomes.push(describeError(e));
          }
        }
      }),
    );
    for (const a of arrivals) {
      await waitAllTasksBlocked();
      if ('chunk' in a) reader.feedData(Buffer.from(a.chunk, 'latin1'));
      else if (a.end === 'eof') reader.feedEof();
      else reader.setException(boom);
    }
    await consumer;
    return { outcomes, buffered: reader.bufferedLength(), atEof: reader.atEof() };
  });
}

describe('StreamReader under random chunking, limits and read programs', () => {
  for (const style of STYLES) {
    it(`every call returns or fails as asyncio's StreamReader would, and leaves the same buffer (${style})`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 10 }),
          arrivalsArb,
          fc.array(opArb, { minLength: 1, maxLength: 8 }),
          async (limit, arrivals, ops) => {
            const want = modelOutcomes(limit, arrivals, ops);
            const got = await tulipOutcomes(style, limit, arrivals, ops);
            expect(got).toEqual(want);
          },
        ),
        fcOptions(150),
      );
    });
  }
});

// ---- reads cut short by timeouts take nothing ----------------------------------------------------

type TimedRead = { k: 'read'; n: number } | { k: 'readexactly'; n: number } | { k: 'readuntil'; seps: string[] };

const timedReadArb: fc.Arbitrary<{ read: TimedRead; t: number | null; via: 'waitFor' | 'timeout' }> = fc.record({
  read: fc.oneof(
    fc.record({ k: fc.constant('read' as const), n: fc.integer({ min: 1, max: 8 }) }),
    fc.record({ k: fc.constant('readexactly' as const), n: fc.integer({ min: 1, max: 8 }) }),
    fc.record({ k: fc.constant('readuntil' as const), seps: fc.constantFrom(...SEPARATORS) }),
  ),
  t: fc.option(fc.integer({ min: 0, max: 6 }), { nil: null, freq: 4 }),
  via: fc.constantFrom<'waitFor' | 'timeout'>('waitFor', 'timeout'),
});

describe('StreamReader reads cut short by timeouts while data trickles in (virtual time)', () => {
  for (const style of STYLES) {
    it(`a read that times out takes nothing: the reads that returned hold every byte once, in order (${style})`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.record({ chunk: fc.stringMatching(/^[ab|\n]{0,6}$/), after: fc.integer({ min: 0, max: 5 }) }), { maxLength: 10 }),
          fc.array(timedReadArb, { minLength: 1, maxLength: 6 }),
          async (chunks, reads) => {
            const data = chunks.map((c) => c.chunk).join('');
            const got = await run(
              async () => {
                const reader = new StreamReader();
                const taken: string[] = [];
                const feeder = createTask(async () => {
                  for (const c of chunks) {
                    await sleep(c.after);
                    reader.feedData(c.chunk);
                  }
                  await sleep(1);
                  reader.feedEof();
                });
                const consumer = createTask(
                  body(style, function* (): Prog<void> {
                    for (let i = 0; ; i++) {
                      const { read, t, via } = reads[i % reads.length]!;
                      const start = (): Future<Buffer> =>
                        read.k === 'read' ? reader.read(read.n) : read.k === 'readexactly' ? reader.readexactly(read.n) : reader.readuntil(read.seps);
                      try {
                        const fut =
                          // (waitFor(…, 0) never starts the read: see the `now` op above; 1 ms at least)
                          t === null ? start() : via === 'waitFor' ? waitFor(start(), t + 1) : timeout(t).run(scoped(style, () => aw(style, start())));
                        const b = yield* aw(style, fut);
                        if (b.length === 0) return; // read() at the end of the stream
                        taken.push(b.toString('latin1'));
                      } catch (e) {
                        if (e instanceof IncompleteReadError) {
                          taken.push(Buffer.from(e.partial).toString('latin1'));
                          return; // at the end of the stream
                        }
                        if (!(e instanceof TimeoutError)) throw e;
                        yield* nap(style, 1); // (a retry loop of waitFor(…, 0) alone would never let time pass)
                      }
                    }
                  }),
                );
                await feeder;
                await consumer;
                expect(reader.bufferedLength()).toBe(0);
                return taken.join('');
              },
              { clock: new MockClock({ autojumpThreshold: 0 }) },
            );
            expect(got).toBe(data);
          },
        ),
        fcOptions(150),
      );
    });
  }
});
