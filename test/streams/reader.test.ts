// Unit tests of src/streams/reader.ts: StreamReader's argument checks (the error names the
// argument, and the reader stays usable), bytes in and out, one reader at a time, setException,
// the aliases, async iteration and a randomized feed/read model check. The CPython ports are in
// test/conformance/streams.ported*.test.ts.
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMIT, RuntimeError, StreamReader, createTask, openConnection, run, sleep, startServer, type StreamWriter } from 'tulip';
import { assertCancelled, errorOf, passes, prng, rejection, syncError } from '../support.js';
import { str } from './helpers.js';

/** What is left in the reader's buffer; reads it out. */
async function rest(r: StreamReader): Promise<string> {
  const n = r.bufferedLength();
  return n === 0 ? '' : str(await r.read(n));
}

describe('new StreamReader(): the limit', () => {
  it('defaults to DEFAULT_LIMIT (65536) and takes any positive integer', () => {
    expect(new StreamReader().limit).toBe(DEFAULT_LIMIT);
    expect(new StreamReader({}).limit).toBe(65536);
    expect(new StreamReader({ limit: 1 }).limit).toBe(1);
  });

  it('refuses 0 and -1 with a RangeError naming the limit', () => {
    for (const limit of [0, -1, -65536]) {
      const e = syncError(() => new StreamReader({ limit }));
      expect(e, `limit ${limit}`).toBeInstanceOf(RangeError);
      expect(e.message).toMatch(/\blimit\b/);
    }
  });

  it('refuses NaN, a fraction and a string with a TypeError naming the limit', () => {
    for (const limit of [NaN, 1.5, Infinity, '10'] as unknown[]) {
      const e = syncError(() => new StreamReader({ limit: limit as number }));
      expect(e, `limit ${String(limit)}`).toBeInstanceOf(TypeError);
      expect(e.message).toMatch(/\blimit\b/);
    }
  });
});

describe('StreamReader: bad input leaves the reader usable', () => {
  it('new StreamReader({ limt }) (a misspelt option) is a TypeError naming it', () => {
    expect(() => new StreamReader({ limt: 10 } as never)).toThrow(/^StreamReader: unknown option "limt" \(the options are: limit\)$/);
    expect(new StreamReader({ limit: 10 }).limit).toBe(10);
  });

  it('readexactly(-1) throws RangeError naming n; the buffer is untouched and the next read works', () =>
    run(async () => {
      const r = new StreamReader();
      r.feedData('abcdef');
      const e = await errorOf(() => r.readexactly(-1));
      expect(e).toBeInstanceOf(RangeError);
      expect(e.message).toMatch(/\bn\b/);
      expect(r.bufferedLength()).toBe(6);
      expect(str(await r.readexactly(4))).toBe('abcd');
      expect(await rest(r)).toBe('ef');
    }));

  it('an empty separator (string, bytes, in a list) or an empty list throws RangeError naming the separator', () =>
    run(async () => {
      const r = new StreamReader();
      r.feedData('a;b');
      for (const sep of ['', new Uint8Array(0), [], ['x', '']] as unknown[]) {
        const e = await errorOf(() => r.readuntil(sep as string));
        expect(e, `separator ${JSON.stringify(sep)}`).toBeInstanceOf(RangeError);
        expect(e.message).toMatch(/separator/);
      }
      expect(r.bufferedLength()).toBe(3);
      expect(str(await r.readuntil(';'))).toBe('a;');
    }));

  it('a separator that is not bytes or a string throws TypeError naming the separator', () =>
    run(async () => {
      const r = new StreamReader();
      r.feedData('a;b');
      for (const sep of [59, null, {}] as unknown[]) {
        const e = await errorOf(() => r.readuntil(sep as string));
        expect(e, `separator ${String(sep)}`).toBeInstanceOf(TypeError);
        expect(e.message).toMatch(/separator/);
      }
      expect(str(await r.readuntil(';'))).toBe('a;');
    }));

  it('feedData after feedEof throws RuntimeError; the bytes fed before are still read, then EOF', () =>
    run(async () => {
      const r = new StreamReader();
      r.feedData('kept');
      r.feedEof();
      const e = syncError(() => r.feedData('late'));
      expect(e).toBeInstanceOf(RuntimeError);
      expect(e.message).toBe('StreamReader.feedData: called after feedEof()');
      expect(r.bufferedLength()).toBe(4);
      expect(str(await r.read())).toBe('kept');
      expect(r.atEof()).toBe(true);
      expect(str(await r.read(10))).toBe('');
    }));

  it('feedData of something not bytes or a string throws TypeError naming the data; the buffer is untouched', () =>
    run(async () => {
      const r = new StreamReader();
      r.feedData('a');
      for (const data of [42, null, undefined, {}, [1, 2]] as unknown[]) {
        const e = syncError(() => r.feedData(data as string));
        expect(e, `data ${String(data)}`).toBeInstanceOf(TypeError);
        expect(e.message).toMatch(/\bdata\b/);
      }
      expect(r.bufferedLength()).toBe(1);
      r.feedData('b');
      expect(await rest(r)).toBe('ab');
    }));
});

describe('StreamReader: bytes in and out', () => {
  it('a string is fed as UTF-8, and every read returns a Buffer', () =>
    run(async () => {
      const r = new StreamReader();
      r.feedData('hé\n€');
      expect(r.bufferedLength()).toBe(1 + 2 + 1 + 3);
      const line = await r.readline();
      expect(Buffer.isBuffer(line)).toBe(true);
      expect(line).toEqual(Buffer.from([0x68, 0xc3, 0xa9, 0x0a]));
      expect((await r.read(3)).toString('utf8')).toBe('€');
    }));

  it('a Uint8Array view is fed from its own offset and length only', () =>
    run(async () => {
      const r = new StreamReader();
      const whole = new Uint8Array([0x61, 0x62, 0x63, 0x64, 0x65]);
      r.feedData(whole.subarray(1, 4));
      expect(await rest(r)).toBe('bcd');
    }));

  it('the reader keeps its own copy: changing a fed Buffer, or a returned one, changes nothing', () =>
    run(async () => {
      const r = new StreamReader();
      const fed = Buffer.from('abcdef');
      r.feedData(fed);
      fed.fill(0x7a);
      const first = await r.read(3);
      expect(str(first)).toBe('abc');
      first.fill(0x79);
      expect(await rest(r)).toBe('def');
    }));

  it('bufferedLength() follows the feeds and the reads; readuntil() defaults to a newline', () =>
    run(async () => {
      const r = new StreamReader();
      expect(r.bufferedLength()).toBe(0);
      r.feedData('ab\n');
      r.feedData('cd\n');
      expect(r.bufferedLength()).toBe(6);
      expect(str(await r.readuntil())).toBe('ab\n');
      expect(r.bufferedLength()).toBe(3);
      expect(str(await r.readline())).toBe('cd\n');
      expect(r.bufferedLength()).toBe(0);
    }));

  it('1 MiB fed in 1000-byte chunks comes back exactly through readexactly', () =>
    run(async () => {
      const r = new StreamReader();
      const big = Buffer.alloc(1024 * 1024);
      for (let i = 0; i < big.length; i++) big[i] = (i * 7 + (i >> 10)) & 0xff;
      const t = createTask(() => r.readexactly(big.length));
      for (let off = 0; off < big.length; off += 1000) {
        r.feedData(big.subarray(off, Math.min(off + 1000, big.length)));
        if (off % 100_000 === 0) await sleep(0);
      }
      const got = await t;
      expect(got.length).toBe(big.length);
      expect(got.equals(big)).toBe(true);
      expect(r.bufferedLength()).toBe(0);
    }));

  it('random chunks and random reads (a model check, seeded): every byte comes out once, in order', () =>
    run(async () => {
      for (const seed of [1, 2, 3, 4, 5]) {
        const rand = prng(seed);
        const r = new StreamReader({ limit: 1 << 20 });
        let text = '';
        for (let i = 0; i < 3000; i++) text += rand() < 0.08 ? '\n' : String.fromCharCode(97 + Math.floor(rand() * 26));
        let fed = 0;
        let out = '';
        while (out.length < text.length) {
          if (fed < text.length && (r.bufferedLength() === 0 || rand() < 0.5)) {
            const n = 1 + Math.floor(rand() * 200);
            r.feedData(text.slice(fed, fed + n));
            fed = Math.min(fed + n, text.length);
            if (fed === text.length) r.feedEof();
            continue;
          }
          const op = rand();
          if (op < 0.4) out += str(await r.readline());
          else if (op < 0.7) out += str(await r.read(1 + Math.floor(rand() * 50)));
          else {
            const n = Math.min(1 + Math.floor(rand() * 30), r.bufferedLength());
            out += str(await r.readexactly(n));
          }
        }
        expect(out, `seed ${seed}`).toBe(text);
        expect(r.atEof(), `seed ${seed}`).toBe(true);
      }
    }));
});

describe('StreamReader: one reader at a time', () => {
  const READS = [
    ['read', (r: StreamReader) => r.read(5)],
    ['read', (r: StreamReader) => r.read()],
    ['readline', (r: StreamReader) => r.readline()],
    ['readexactly', (r: StreamReader) => r.readexactly(2)],
    ['readuntil', (r: StreamReader) => r.readuntil('!')],
  ] as const;

  for (const [name, second] of READS) {
    it(`${name}() while another task waits throws RuntimeError; the waiting read still gets its data`, () =>
      run(async () => {
        const r = new StreamReader();
        const first = createTask(() => r.readline());
        await sleep(0);
        const e = await errorOf(() => second(r));
        expect(e).toBeInstanceOf(RuntimeError);
        expect(e.message).toMatch(new RegExp(`\\b${name}\\b.*called while another task is already waiting for incoming data$`));
        r.feedData('line\nafter');
        expect(str(await first)).toBe('line\n');
        expect(await rest(r)).toBe('after');
      }));
  }

  it('after the waiting read returns, the next read may wait', () =>
    run(async () => {
      const r = new StreamReader();
      const first = createTask(() => r.readexactly(3));
      await sleep(0);
      r.feedData('abc');
      expect(str(await first)).toBe('abc');
      const second = createTask(() => r.readexactly(3));
      await sleep(0);
      expect(second.done()).toBe(false);
      r.feedData('def');
      expect(str(await second)).toBe('def');
    }));

  it('a read that is not awaited takes nothing and does not hold the reader', () =>
    run(async () => {
      const r = new StreamReader();
      r.feedData('abc\n');
      void r.readline(); // never used: asyncio's un-awaited coroutine does nothing either
      await passes(2);
      expect(r.bufferedLength()).toBe(4);
      const t = createTask(() => r.readexactly(10));
      await sleep(0);
      expect(t.done()).toBe(false);
      t.cancel();
      assertCancelled(await rejection(t));
      expect(str(await r.readline())).toBe('abc\n');
    }));
});

describe('StreamReader: setException', () => {
  it('every later read throws the exception, even read(0) and readexactly(0) with bytes buffered', () =>
    run(async () => {
      const r = new StreamReader();
      r.feedData('abc\ndef');
      const err = new Error('broken');
      r.setException(err);
      expect(r.exception()).toBe(err);
      for (const read of [
        () => r.read(0),
        () => r.read(2),
        () => r.read(),
        () => r.readline(),
        () => r.readexactly(0),
        () => r.readexactly(2),
        () => r.readuntil('c'),
      ]) {
        expect(await errorOf(read)).toBe(err);
      }
    }));

  it('wakes each kind of waiting read, which throws it (a non-Error value too)', () =>
    run(async () => {
      for (const read of [
        (r: StreamReader) => r.read(4),
        (r: StreamReader) => r.read(),
        (r: StreamReader) => r.readline(),
        (r: StreamReader) => r.readexactly(4),
        (r: StreamReader) => r.readuntil('!'),
      ]) {
        const r = new StreamReader();
        const t = createTask(() => read(r));
        await sleep(0);
        expect(t.done()).toBe(false);
        r.setException('plain value');
        expect(await rejection(t)).toBe('plain value');
      }
    }));
});

describe('StreamReader: aliases and async iteration', () => {
  it('readExactly and readUntil are readexactly and readuntil', () =>
    run(async () => {
      const r = new StreamReader();
      expect(r.readExactly).toBe(r.readexactly);
      expect(r.readUntil).toBe(r.readuntil);
      r.feedData('abc;def');
      expect(str(await r.readExactly(2))).toBe('ab');
      expect(str(await r.readUntil(';'))).toBe('c;');
    }));

  it('a line over the limit throws its RangeError out of for await', () =>
    run(async () => {
      const r = new StreamReader({ limit: 4 });
      r.feedData('ok\ntoo long\nlast\n');
      r.feedEof();
      const lines: string[] = [];
      const e = await errorOf(async () => {
        for await (const line of r) lines.push(str(line));
      });
      expect(lines).toEqual(['ok\n']);
      expect(e).toBeInstanceOf(RangeError);
      expect(e.message).toBe('Separator is found, but chunk is longer than limit');
      // The long line was dropped; iterating again yields the rest.
      for await (const line of r) lines.push(str(line));
      expect(lines).toEqual(['ok\n', 'last\n']);
    }));

  it('for await stops with no line for a reader at EOF', () =>
    run(async () => {
      const r = new StreamReader();
      r.feedEof();
      let n = 0;
      for await (const _ of r) n++;
      expect(n).toBe(0);
    }));
});

// test_streams.py's test___repr__* (data, eof, nondefault_limit, exception, waiter, transport).
describe('StreamReader: its repr (asyncio’s, part by part)', () => {
  it('a new reader is <StreamReader>; buffered bytes, eof and a limit other than the default show', () =>
    run(async () => {
      const r = new StreamReader();
      expect(String(r)).toBe('<StreamReader>');
      r.feedData('data');
      expect(String(r)).toBe('<StreamReader 4 bytes>');
      r.feedEof();
      expect(String(r)).toBe('<StreamReader 4 bytes eof>');
      expect(String(new StreamReader({ limit: 123 }))).toBe('<StreamReader limit=123>');
    }));

  it('the waiting read and the exception show', () =>
    run(async () => {
      const r = new StreamReader();
      const t = createTask(() => r.read());
      await sleep(0);
      expect(String(r)).toMatch(/^<StreamReader waiter=<\w+ pending>>$/);
      r.setException(new RangeError('bad'));
      expect(String(r)).toBe('<StreamReader exception=RangeError("bad")>');
      expect(await errorOf(() => t)).toBeInstanceOf(RangeError);
    }));

  it('a connected reader shows its socket, and paused while its transport is paused', () =>
    run(async () => {
      const peers: StreamWriter[] = [];
      const server = await startServer((_r, w) => void peers.push(w), '127.0.0.1', 0, { limit: 16 });
      try {
        const port = (server.address() as { port: number }).port;
        const [reader, writer] = await openConnection('127.0.0.1', port, { limit: 16 });
        expect(String(reader)).toBe(`<StreamReader limit=16 transport=<Socket 127.0.0.1:${port}>>`);
        reader.feedData('x'.repeat(40)); // past twice the limit: the socket is paused
        expect(String(reader)).toBe(`<StreamReader 40 bytes limit=16 transport=<Socket 127.0.0.1:${port}> paused>`);
        writer.close();
        for (const w of peers) w.close();
        await writer.waitClosed();
      } finally {
        server.close();
        await server.waitClosed();
      }
    }));
});
