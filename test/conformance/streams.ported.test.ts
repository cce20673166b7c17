// Behaviour ports of CPython 3.13 Lib/test/test_asyncio/test_streams.py, in our own words: the
// StreamReader tests driven by feedData()/feedEof() (no socket). The socket tests (openConnection,
// startServer, drain, waitClosed, Server) are in streams.ported2.test.ts.
//
// Conventions: asyncio's `bytes(stream._buffer)` is read out with `rest(reader)` (which empties the
// buffer, so it comes last) or checked with `bufferedLength()`; `loop.run_until_complete(x)` is
// `await x`; `loop.call_soon(cb)` is `getRunningLoop().callSoon(cb)`; Python's ValueError is
// RangeError (a TypeError for a limit that is not an integer).
//
// Not ported (no tulip counterpart):
//  - test___repr__* (Python repr of StreamReader);
//  - test_IncompleteReadError_pickleable, test_LimitOverrunError_pickleable (pickle);
//  - test_streamreader_constructor_without_loop / _use_running_loop / _use_global_loop and the
//    StreamReaderProtocol ones (tulip's StreamReader takes no loop and there is no loop policy or
//    StreamReaderProtocol class; the reads use the running loop);
//  - test_read_all_from_pipe_reader (file descriptors / connect_read_pipe).
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LIMIT,
  IncompleteReadError,
  LimitOverrunError,
  RuntimeError,
  StreamReader,
  createTask,
  getRunningLoop,
  run,
  sleep,
  wait,
} from 'tulip';
import { ValueError, assertCancelled, errorOf, passes, recordExceptions, rejection } from './helpers.js';
import { str } from '../streams/helpers.js';

const DATA = 'line1\nline2\nline3\n';

/** What is left in the reader's buffer (asyncio's `bytes(stream._buffer)`); reads it out. */
async function rest(r: StreamReader): Promise<string> {
  const n = r.bufferedLength();
  return n === 0 ? '' : str(await r.read(n));
}

describe('StreamReader: feeding and read()', () => {
  // ports test_streams.py::StreamTests.test_feed_empty_data
  it('feedData of empty bytes leaves the buffer empty', () =>
    run(async () => {
      const r = new StreamReader();
      r.feedData(Buffer.alloc(0));
      r.feedData('');
      expect(r.bufferedLength()).toBe(0);
      expect(r.atEof()).toBe(false);
    }));

  // ports test_streams.py::StreamTests.test_feed_nonempty_data
  it('feedData appends the bytes to the buffer', () =>
    run(async () => {
      const r = new StreamReader();
      r.feedData(Buffer.from(DATA));
      expect(r.bufferedLength()).toBe(18);
      expect(await rest(r)).toBe(DATA);
    }));

  // ports test_streams.py::StreamTests.test_read_zero
  it('read(0) returns empty bytes and leaves the buffer as it was', () =>
    run(async () => {
      const r = new StreamReader();
      r.feedData(DATA);
      expect(str(await r.read(0))).toBe('');
      expect(await rest(r)).toBe(DATA);
    }));

  // ports test_streams.py::StreamTests.test_read
  it('a waiting read(n) returns the bytes fed later, all of them when fewer than n', () =>
    run(async () => {
      const r = new StreamReader();
      const t = createTask(() => r.read(30));
      getRunningLoop().callSoon(() => r.feedData(DATA));
      expect(str(await t)).toBe(DATA);
      expect(r.bufferedLength()).toBe(0);
    }));

  // ports test_streams.py::StreamTests.test_read_line_breaks
  it('read(n) returns n bytes across two feeds and leaves the rest', () =>
    run(async () => {
      const r = new StreamReader();
      r.feedData('line1');
      r.feedData('line2');
      expect(str(await r.read(5))).toBe('line1');
      expect(await rest(r)).toBe('line2');
    }));

  // ports test_streams.py::StreamTests.test_read_eof
  it('a waiting read(n) returns empty bytes at EOF', () =>
    run(async () => {
      const r = new StreamReader();
      const t = createTask(() => r.read(1024));
      getRunningLoop().callSoon(() => r.feedEof());
      expect(str(await t)).toBe('');
      expect(r.bufferedLength()).toBe(0);
      expect(r.atEof()).toBe(true);
    }));

  // ports test_streams.py::StreamTests.test_read_until_eof
  it('read(-1) returns everything fed until EOF', () =>
    run(async () => {
      const r = new StreamReader();
      const t = createTask(() => r.read(-1));
      getRunningLoop().callSoon(() => {
        r.feedData('chunk1\n');
        r.feedData('chunk2');
        r.feedEof();
      });
      expect(str(await t)).toBe('chunk1\nchunk2');
      expect(r.bufferedLength()).toBe(0);
    }));

  // ports test_streams.py::StreamTests.test_read_until_eof (read() with no argument: n = -1)
  it('read() with no argument reads until EOF, across several wake-ups', () =>
    run(async () => {
      const r = new StreamReader();
      const t = createTask(() => r.read());
      await sleep(0);
      r.feedData('a');
      await passes(2);
      expect(t.done()).toBe(false);
      r.feedData('b');
      await passes(2);
      r.feedEof();
      expect(str(await t)).toBe('ab');
    }));

  // ports test_streams.py::StreamTests.test_read_exception
  it('read() throws the exception set after a first read', () =>
    run(async () => {
      const r = new StreamReader();
      r.feedData('line\n');
      expect(str(await r.read(2))).toBe('li');
      const err = new ValueError();
      r.setException(err);
      expect(await errorOf(() => r.read(2))).toBe(err);
    }));

  // ports test_streams.py::StreamTests.test_invalid_limit
  it('a limit of 0 or -1 is refused with an error naming the limit', () => {
    for (const limit of [0, -1]) {
      const e = (() => {
        try {
          new StreamReader({ limit });
        } catch (x) {
          return x as Error;
        }
        throw new Error(`limit ${limit} was accepted`);
      })();
      expect(e).toBeInstanceOf(RangeError);
      expect(e.message).toMatch(/limit/);
    }
  });

  // ports test_streams.py::StreamTests.test_read_limit
  it('read(n) is not bound by the limit', () =>
    run(async () => {
      const r = new StreamReader({ limit: 3 });
      r.feedData('chunk');
      expect(str(await r.read(5))).toBe('chunk');
      expect(r.bufferedLength()).toBe(0);
    }));

  // asyncio's _DEFAULT_LIMIT
  it('the default limit is 64 KiB', () => {
    expect(DEFAULT_LIMIT).toBe(65536);
    expect(new StreamReader().limit).toBe(65536);
    expect(new StreamReader({ limit: 123 }).limit).toBe(123);
  });
});

describe('StreamReader.readline()', () => {
  // ports test_streams.py::StreamTests.test_readline
  it('readline waits for the newline across several feeds and leaves what follows', () =>
    run(async () => {
      const r = new StreamReader();
      r.feedData('chunk1 ');
      const t = createTask(() => r.readline());
      getRunningLoop().callSoon(() => {
        r.feedData('chunk2 ');
        r.feedData('chunk3 ');
        r.feedData('\n chunk4');
      });
      expect(str(await t)).toBe('chunk1 chunk2 chunk3 \n');
      expect(await rest(r)).toBe(' chunk4');
    }));

  // ports test_streams.py::StreamTests.test_readline_limit_with_existing_data (first half)
  it('a line over the limit already in the buffer: RangeError, and that line is dropped', () =>
    run(async () => {
      const r = new StreamReader({ limit: 3 });
      r.feedData('li');
      r.feedData('ne1\nline2\n');
      const e = await errorOf(() => r.readline());
      expect(e).toBeInstanceOf(RangeError);
      expect(e.message).toBe('Separator is found, but chunk is longer than limit');
      expect(await rest(r)).toBe('line2\n');
    }));

  // ports test_streams.py::StreamTests.test_readline_limit_with_existing_data (second half)
  it('no newline and more than the limit buffered: RangeError, and the whole buffer is dropped', () =>
    run(async () => {
      const r = new StreamReader({ limit: 3 });
      r.feedData('li');
      r.feedData('ne1');
      r.feedData('li');
      const e = await errorOf(() => r.readline());
      expect(e).toBeInstanceOf(RangeError);
      expect(e.message).toBe('Separator is not found, and chunk exceed the limit');
      expect(r.bufferedLength()).toBe(0);
    }));

  // ports test_streams.py::StreamTests.test_at_eof
  it('atEof() is true only once EOF was fed and the buffer is read out', () =>
    run(async () => {
      const r = new StreamReader();
      expect(r.atEof()).toBe(false);
      r.feedData('some data\n');
      expect(r.atEof()).toBe(false);
      await r.readline();
      expect(r.atEof()).toBe(false);
      r.feedData('some data\n');
      r.feedEof();
      expect(r.atEof()).toBe(false);
      expect(str(await r.readline())).toBe('some data\n');
      expect(r.atEof()).toBe(true);
    }));

  // ports test_streams.py::StreamTests.test_readline_limit (first case)
  it('a waiting readline whose single line outgrows the limit fails and empties the buffer', () =>
    run(async () => {
      const r = new StreamReader({ limit: 7 });
      getRunningLoop().callSoon(() => {
        r.feedData('chunk1');
        r.feedData('chunk2');
        r.feedData('chunk3\n');
        r.feedEof();
      });
      const e = await errorOf(() => r.readline());
      expect(e).toBeInstanceOf(RangeError);
      expect(r.bufferedLength()).toBe(0);
    }));

  // ports test_streams.py::StreamTests.test_readline_limit (second case)
  it('a waiting readline over the limit drops the long line and keeps the next one', () =>
    run(async () => {
      const r = new StreamReader({ limit: 7 });
      getRunningLoop().callSoon(() => {
        r.feedData('chunk1');
        r.feedData('chunk2\n');
        r.feedData('chunk3\n');
        r.feedEof();
      });
      const e = await errorOf(() => r.readline());
      expect(e).toBeInstanceOf(RangeError);
      expect(await rest(r)).toBe('chunk3\n');
    }));

  // ports test_streams.py::StreamTests.test_readline_limit (strictness of the limit)
  it('the limit counts the bytes before the newline: 7 pass with limit 7, 8 do not', () =>
    run(async () => {
      const r = new StreamReader({ limit: 7 });
      r.feedData('1234567\n');
      expect(str(await r.readline())).toBe('1234567\n');
      expect(r.bufferedLength()).toBe(0);

      r.feedData('12345678\n');
      expect(await errorOf(() => r.readline())).toBeInstanceOf(RangeError);
      expect(r.bufferedLength()).toBe(0);

      r.feedData('12345678');
      expect(await errorOf(() => r.readline())).toBeInstanceOf(RangeError);
      expect(r.bufferedLength()).toBe(0);
    }));

  // ports test_streams.py::StreamTests.test_readline_nolimit_nowait
  it('readline returns the first line of data already buffered, without waiting', () =>
    run(async () => {
      const r = new StreamReader();
      r.feedData(DATA.slice(0, 6));
      r.feedData(DATA.slice(6));
      expect(str(await r.readline())).toBe('line1\n');
      expect(await rest(r)).toBe('line2\nline3\n');
    }));

  // ports test_streams.py::StreamTests.test_readline_eof
  it('readline returns the partial line at EOF', () =>
    run(async () => {
      const r = new StreamReader();
      r.feedData('some data');
      r.feedEof();
      expect(str(await r.readline())).toBe('some data');
      expect(r.atEof()).toBe(true);
    }));

  // ports test_streams.py::StreamTests.test_readline_empty_eof
  it('readline returns empty bytes at EOF with nothing buffered', () =>
    run(async () => {
      const r = new StreamReader();
      r.feedEof();
      expect(str(await r.readline())).toBe('');
    }));

  // ports test_streams.py::StreamTests.test_readline_read_byte_count
  it('read(n) after readline starts right after the newline', () =>
    run(async () => {
      const r = new StreamReader();
      r.feedData(DATA);
      await r.readline();
      expect(str(await r.read(7))).toBe('line2\nl');
      expect(await rest(r)).toBe('ine3\n');
    }));

  // ports test_streams.py::StreamTests.test_readline_exception
  it('readline throws the exception set after a first line', () =>
    run(async () => {
      const r = new StreamReader();
      r.feedData('line\n');
      expect(str(await r.readline())).toBe('line\n');
      const err = new ValueError();
      r.setException(err);
      expect(await errorOf(() => r.readline())).toBe(err);
      expect(r.bufferedLength()).toBe(0);
    }));
});

describe('StreamReader.readuntil()', () => {
  // ports test_streams.py::StreamTests.test_readuntil_separator
  it('an empty separator, or an empty list of separators, is refused with RangeError', () =>
    run(async () => {
      const r = new StreamReader();
      for (const sep of ['', Buffer.alloc(0), [''], [Buffer.alloc(0)], []] as const) {
        const e = await errorOf(() => r.readuntil(sep as never));
        expect(e, `separator ${JSON.stringify(sep)}`).toBeInstanceOf(RangeError);
        expect(e.message).toMatch(/separator/i);
      }
    }));

  // ports test_streams.py::StreamTests.test_readuntil_multi_chunks
  it('readuntil returns the bytes through a multi-byte separator and leaves what follows', () =>
    run(async () => {
      const r = new StreamReader();
      r.feedData('lineAAA');
      expect(str(await r.readuntil('AAA'))).toBe('lineAAA');
      expect(r.bufferedLength()).toBe(0);

      r.feedData('lineAAA');
      expect(str(await r.readuntil(Buffer.from('AAA')))).toBe('lineAAA');
      expect(r.bufferedLength()).toBe(0);

      r.feedData('lineAAAxxx');
      expect(str(await r.readuntil('AAA'))).toBe('lineAAA');
      expect(await rest(r)).toBe('xxx');
    }));

  // ports test_streams.py::StreamTests.test_readuntil_multi_chunks_1
  it('readuntil finds a separator split across feeds', () =>
    run(async () => {
      const r = new StreamReader();
      const cases: [string[], string][] = [
        [['QWEaa', 'XYaa', 'a'], 'QWEaaXYaaa'],
        [['QWEaa', 'XYa', 'aa'], 'QWEaaXYaaa'],
        [['aaa'], 'aaa'],
        [['Xaaa'], 'Xaaa'],
        [['XXX', 'a', 'a', 'a'], 'XXXaaa'],
      ];
      for (const [feeds, want] of cases) {
        for (const f of feeds) r.feedData(f);
        expect(str(await r.readuntil('aaa'))).toBe(want);
        expect(r.bufferedLength()).toBe(0);
      }
    }));

  // ports test_streams.py::StreamTests.test_readuntil_multi_chunks_1 (with the read waiting between the feeds)
  it('a waiting readuntil finds a separator completed by later feeds', () =>
    run(async () => {
      const r = new StreamReader();
      r.feedData('QWEaa');
      const t = createTask(() => r.readuntil('aaa'));
      await sleep(0);
      r.feedData('XYa');
      await passes(2);
      expect(t.done()).toBe(false);
      r.feedData('aa!');
      expect(str(await t)).toBe('QWEaaXYaaa');
      expect(await rest(r)).toBe('!');
    }));

  // ports test_streams.py::StreamTests.test_readuntil_eof
  it('EOF before the separator: IncompleteReadError with the rest as partial, and the buffer emptied', () =>
    run(async () => {
      const r = new StreamReader();
      r.feedData('some dataAA');
      r.feedEof();
      const e = await errorOf(() => r.readuntil('AAA'));
      expect(e).toBeInstanceOf(IncompleteReadError);
      expect(e.message).toBe('11 bytes read on a total of undefined expected bytes');
      expect(str(Buffer.from((e as IncompleteReadError).partial))).toBe('some dataAA');
      expect((e as IncompleteReadError).expected).toBeNull();
      expect(r.bufferedLength()).toBe(0);
    }));

  // ports test_streams.py::StreamTests.test_readuntil_limit_found_sep
  it("past the limit: LimitOverrunError 'not found', then 'is found', the bytes staying in the buffer", () =>
    run(async () => {
      const r = new StreamReader({ limit: 3 });
      r.feedData('some dataAA');
      const e1 = await errorOf(() => r.readuntil('AAA'));
      expect(e1).toBeInstanceOf(LimitOverrunError);
      expect(e1.message).toBe('Separator is not found, and chunk exceed the limit');
      expect((e1 as LimitOverrunError).consumed).toBe(9);
      expect(r.bufferedLength()).toBe(11);

      r.feedData('A');
      const e2 = await errorOf(() => r.readuntil('AAA'));
      expect(e2).toBeInstanceOf(LimitOverrunError);
      expect(e2.message).toBe('Separator is found, but chunk is longer than limit');
      expect((e2 as LimitOverrunError).consumed).toBe(9);
      expect(await rest(r)).toBe('some dataAAA');
    }));

  // ports test_streams.py::StreamTests.test_readuntil_multi_separator
  it('with several separators, the match that ends first wins', () =>
    run(async () => {
      const r = new StreamReader();
      r.feedData('line 1\nline 2\r');
      expect(str(await r.readuntil(['\r', '\n']))).toBe('line 1\n');
      expect(str(await r.readuntil(['\r', '\n']))).toBe('line 2\r');
      expect(r.bufferedLength()).toBe(0);

      // The first end position wins, even when that is the longer separator.
      r.feedData('ABCDEFG');
      expect(str(await r.readuntil(['DEF', 'BCDE']))).toBe('ABCDE');
      expect(await rest(r)).toBe('FG');
    }));

  // ports test_streams.py::StreamTests.test_readuntil_multi_separator_limit
  it("several separators found past the limit: LimitOverrunError 'is found', the bytes staying", () =>
    run(async () => {
      const r = new StreamReader({ limit: 3 });
      r.feedData('some dataA');
      const e = await errorOf(() => r.readuntil(['A', 'ome dataA']));
      expect(e).toBeInstanceOf(LimitOverrunError);
      expect(e.message).toBe('Separator is found, but chunk is longer than limit');
      expect((e as LimitOverrunError).consumed).toBe(9);
      expect(await rest(r)).toBe('some dataA');
    }));

  // ports test_streams.py::StreamTests.test_readuntil_multi_separator_negative_offset
  it('a buffer shorter than the longest separator still finds the short one fed later', () =>
    run(async () => {
      const r = new StreamReader();
      r.feedData('data');
      const t = createTask(() => r.readuntil(['A', 'long sep']));
      getRunningLoop().callSoon(() => r.feedData('Z'));
      getRunningLoop().callSoon(() => r.feedData('Aaaa'));
      expect(str(await t)).toBe('dataZA');
      expect(await rest(r)).toBe('aaa');
    }));

  // ports test_streams.py::StreamTests.test_readuntil_bytearray
  it('the separator may be a Uint8Array or a string', () =>
    run(async () => {
      const r = new StreamReader();
      r.feedData('some data\r\n');
      expect(str(await r.readuntil(new Uint8Array([13, 10])))).toBe('some data\r\n');
      expect(r.bufferedLength()).toBe(0);
      r.feedData('more\r\n');
      expect(str(await r.readuntil('\r\n'))).toBe('more\r\n');
      expect(r.bufferedLength()).toBe(0);
    }));
});

describe('StreamReader.readexactly()', () => {
  // ports test_streams.py::StreamTests.test_readexactly_zero_or_less
  it('readexactly(0) returns empty bytes; readexactly(-1) throws RangeError; the buffer stays', () =>
    run(async () => {
      const r = new StreamReader();
      r.feedData(DATA);
      expect(str(await r.readexactly(0))).toBe('');
      expect(r.bufferedLength()).toBe(18);
      const e = await errorOf(() => r.readexactly(-1));
      expect(e).toBeInstanceOf(RangeError);
      expect(await rest(r)).toBe(DATA);
    }));

  // ports test_streams.py::StreamTests.test_readexactly
  it('a waiting readexactly(n) returns exactly n bytes across feeds and leaves the rest', () =>
    run(async () => {
      const r = new StreamReader();
      const n = 2 * DATA.length;
      const t = createTask(() => r.readexactly(n));
      getRunningLoop().callSoon(() => {
        r.feedData(DATA);
        r.feedData(DATA);
        r.feedData(DATA);
      });
      expect(str(await t)).toBe(DATA + DATA);
      expect(await rest(r)).toBe(DATA);
    }));

  // ports test_streams.py::StreamTests.test_readexactly_limit
  it('readexactly(n) is not bound by the limit', () =>
    run(async () => {
      const r = new StreamReader({ limit: 3 });
      r.feedData('chunk');
      expect(str(await r.readexactly(5))).toBe('chunk');
      expect(r.bufferedLength()).toBe(0);
    }));

  // ports test_streams.py::StreamTests.test_readexactly_eof
  it('EOF before n bytes: IncompleteReadError(partial, n), and the buffer emptied', () =>
    run(async () => {
      const r = new StreamReader();
      const n = 2 * DATA.length;
      const t = createTask(() => r.readexactly(n));
      getRunningLoop().callSoon(() => {
        r.feedData(DATA);
        r.feedEof();
      });
      const e = await rejection(t);
      expect(e).toBeInstanceOf(IncompleteReadError);
      const ire = e as IncompleteReadError;
      expect(str(Buffer.from(ire.partial))).toBe(DATA);
      expect(ire.expected).toBe(n);
      expect(ire.message).toBe('18 bytes read on a total of 36 expected bytes');
      expect(r.bufferedLength()).toBe(0);
    }));

  // ports test_streams.py::StreamTests.test_readexactly_exception
  it('readexactly throws the exception set after a first read', () =>
    run(async () => {
      const r = new StreamReader();
      r.feedData('line\n');
      expect(str(await r.readexactly(2))).toBe('li');
      const err = new ValueError();
      r.setException(err);
      expect(await errorOf(() => r.readexactly(2))).toBe(err);
    }));
});

describe('StreamReader.exception()', () => {
  // ports test_streams.py::StreamTests.test_exception
  it('exception() is undefined until setException, then the very object set', () => {
    const r = new StreamReader();
    expect(r.exception()).toBeUndefined();
    const err = new ValueError();
    r.setException(err);
    expect(r.exception()).toBe(err);
  });

  // ports test_streams.py::StreamTests.test_exception_waiter
  it('setException from another task wakes the waiting readline, which throws it', () =>
    run(async () => {
      const r = new StreamReader();
      const err = new ValueError();
      const t1 = createTask(() => r.readline());
      const t2 = createTask(async () => {
        r.setException(err);
      });
      await wait([t1, t2]);
      expect(t1.exception()).toBe(err);
      expect(t2.exception()).toBeUndefined();
    }));

  // ports test_streams.py::StreamTests.test_exception_cancel
  it('setException after a waiting readline was cancelled reports nothing, and the next read throws it', () =>
    run(async () => {
      const seen = recordExceptions();
      const r = new StreamReader();
      const t = createTask(() => r.readline());
      await sleep(0);
      t.cancel();
      await sleep(0);
      const err = new RuntimeError('message');
      r.setException(err);
      await passes(2);
      assertCancelled(await rejection(t));
      expect(await errorOf(() => r.readline())).toBe(err);
      expect(seen).toEqual([]);
    }));
});

describe('StreamReader async iteration', () => {
  // ports test_pep492.py::StreamReaderTests.test_readline (streams.py StreamReader.__aiter__/__anext__)
  it('for await yields each line, the last partial one included, and stops at EOF', () =>
    run(async () => {
      const r = new StreamReader();
      r.feedData('line1\nline2\nline3');
      r.feedEof();
      const lines: string[] = [];
      for await (const line of r) lines.push(str(line));
      expect(lines).toEqual(['line1\n', 'line2\n', 'line3']);
    }));

  // streams.py StreamReader.__anext__ (a line fed while the loop waits)
  it('for await waits for lines fed later and ends when EOF is fed', () =>
    run(async () => {
      const r = new StreamReader();
      const consumer = createTask(async () => {
        const lines: string[] = [];
        for await (const line of r) lines.push(str(line));
        return lines;
      });
      await sleep(0);
      r.feedData('a\nb');
      await passes(3);
      r.feedData('\n');
      await passes(3);
      expect(consumer.done()).toBe(false);
      r.feedEof();
      expect(await consumer).toEqual(['a\n', 'b\n']);
    }));
});
