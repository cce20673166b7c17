// The cancellation-heavy behaviours of tulip's streams, in both coroutine styles: the reading (or
// draining) task is a generator (`function*` + `yield*`) or an async function, and each test runs
// once per style. asyncio's rules (CPython 3.13 streams.py): a read cancelled while it waits takes
// nothing from the buffer and frees the reader for the next read; a read woken by data and
// cancelled in the same pass ends cancelled, the bytes still in the buffer; a timeout around a
// read is a cancellation like any other; a cancelled drain() leaves the bytes queued on the socket.
// `sleep(0)` is exactly one loop pass. The reader tests run on virtual time; the drain tests on a
// real socket (127.0.0.1, port 0).
import { createHash } from 'node:crypto';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  RuntimeError,
  StreamReader,
  TimeoutError,
  createTask,
  getRunningLoop,
  openConnection,
  run,
  sleep,
  timeout,
  waitFor,
  type Future,
} from 'tulip';
import {
  STYLES,
  assertCancelled,
  errorOf,
  passesG,
  recordExceptions,
  rejectionG,
  runVirtual,
  styled,
  waiting,
  type Style,
} from './helpers.js';
import { str } from '../streams/helpers.js';

/** Each blocking read, with the feeds that leave it waiting and the feed that completes it. */
const READS: {
  name: string;
  read: (r: StreamReader) => Future<Buffer>;
  partial: string;
  finish: string;
  want: string;
  left: string;
}[] = [
  { name: 'readline()', read: (r) => r.readline(), partial: 'hel', finish: 'lo\nnext', want: 'hello\n', left: 'next' },
  { name: 'readexactly(5)', read: (r) => r.readexactly(5), partial: 'hel', finish: 'lo!!', want: 'hello', left: '!!' },
  { name: "readuntil('\\r\\n')", read: (r) => r.readuntil('\r\n'), partial: 'hel\r', finish: 'lo\r\n!', want: 'hel\rlo\r\n', left: '!' },
  { name: 'read(10)', read: (r) => r.read(10), partial: '', finish: 'hello', want: 'hello', left: '' },
];

describe('a read cancelled while it waits (both styles)', () => {
  for (const style of STYLES) {
    for (const rd of READS) {
      it(`a ${style} ${rd.name} cancelled while waiting keeps the buffered bytes and frees the reader`, () =>
        run(function* () {
          const r = new StreamReader();
          if (rd.partial !== '') r.feedData(rd.partial);
          const t = createTask(waiting(style, () => rd.read(r)));
          yield* sleep(0);
          expect(t.done()).toBe(false);
          t.cancel();
          assertCancelled(yield* rejectionG(t));
          expect(r.bufferedLength()).toBe(rd.partial.length);
          // The reader is free: a new read (of either style) waits and gets every byte.
          const again = createTask(waiting(style, () => rd.read(r)));
          yield* sleep(0);
          expect(again.done()).toBe(false);
          r.feedData(rd.finish);
          expect(str(yield* again)).toBe(rd.want);
          expect(r.bufferedLength()).toBe(rd.left.length);
        }));
    }

    it(`a ${style} read() until EOF cancelled while waiting keeps every byte fed so far`, () =>
      run(function* () {
        const r = new StreamReader();
        const t = createTask(waiting(style, () => r.read()));
        yield* sleep(0);
        r.feedData('abc');
        yield* passesG(2);
        expect(t.done()).toBe(false);
        t.cancel();
        assertCancelled(yield* rejectionG(t));
        r.feedData('def');
        r.feedEof();
        expect(str(yield* r.read())).toBe('abcdef');
      }));

    it(`while a ${style} read waits, a second read throws RuntimeError; once the first is cancelled the second may wait`, () =>
      run(async () => {
        const r = new StreamReader();
        const first = createTask(waiting(style, () => r.readline()));
        await sleep(0);
        const second = createTask(waiting(style, () => r.readline()));
        const e = await errorOf(() => second);
        expect(e).toBeInstanceOf(RuntimeError);
        expect(e.message).toMatch(/readline\b.*called while another task is already waiting for incoming data$/);
        first.cancel();
        assertCancelled(await errorOf(() => first));
        const third = createTask(waiting(style, () => r.readline()));
        await sleep(0);
        r.feedData('x\n');
        expect(str(await third)).toBe('x\n');
      }));
  }
});

describe('the cancel/wake race: data fed and cancel() in the same pass (both styles)', () => {
  for (const style of STYLES) {
    for (const rd of READS) {
      it(`a ${style} ${rd.name} woken by data and cancelled in the same pass ends cancelled, losing no byte`, () =>
        run(function* () {
          const r = new StreamReader();
          if (rd.partial !== '') r.feedData(rd.partial);
          const t = createTask(waiting(style, () => rd.read(r)));
          yield* sleep(0);
          r.feedData(rd.finish);
          t.cancel();
          assertCancelled(yield* rejectionG(t));
          expect(r.bufferedLength()).toBe(rd.partial.length + rd.finish.length);
          expect(str(yield* rd.read(r))).toBe(rd.want);
          expect(r.bufferedLength()).toBe(rd.left.length);
        }));

      it(`a ${style} ${rd.name} cancelled and then fed in the same pass ends cancelled, losing no byte`, () =>
        run(function* () {
          const r = new StreamReader();
          if (rd.partial !== '') r.feedData(rd.partial);
          const t = createTask(waiting(style, () => rd.read(r)));
          yield* sleep(0);
          t.cancel();
          r.feedData(rd.finish);
          assertCancelled(yield* rejectionG(t));
          expect(str(yield* rd.read(r))).toBe(rd.want);
          expect(r.bufferedLength()).toBe(rd.left.length);
        }));
    }

    it(`a ${style} reader started in the pass where the woken reader is cancelled gets the line, without RuntimeError`, () =>
      run(function* () {
        const r = new StreamReader();
        const first = createTask(waiting(style, () => r.readline()));
        yield* sleep(0);
        r.feedData('one\ntwo\n');
        first.cancel();
        const second = createTask(waiting(style, () => r.readline()));
        assertCancelled(yield* rejectionG(first));
        expect(str(yield* second)).toBe('one\n');
        expect(str(yield* r.readline())).toBe('two\n');
      }));

    it(`a ${style} readexactly woken by EOF and cancelled in the same pass ends cancelled; the partial bytes stay`, () =>
      run(function* () {
        const r = new StreamReader();
        r.feedData('ab');
        const t = createTask(waiting(style, () => r.readexactly(5)));
        yield* sleep(0);
        r.feedEof();
        t.cancel();
        assertCancelled(yield* rejectionG(t));
        expect(r.bufferedLength()).toBe(2);
        expect(str(yield* r.read())).toBe('ab');
        expect(r.atEof()).toBe(true);
      }));

    it(`a ${style} read woken by setException and cancelled in the same pass ends cancelled; the next read throws`, () =>
      run(function* () {
        const seen = recordExceptions();
        const r = new StreamReader();
        const t = createTask(waiting(style, () => r.readline()));
        yield* sleep(0);
        const err = new Error('boom');
        r.setException(err);
        t.cancel();
        assertCancelled(yield* rejectionG(t));
        expect(yield* rejectionG(r.readline())).toBe(err);
        expect(seen).toEqual([]);
      }));
  }
});

describe('timeouts around a read (both styles)', () => {
  /** A task body in `style` reading one line inside timeout(ms).run(). */
  const lineWithin = (style: Style, r: StreamReader, ms: number) =>
    styled(
      style,
      function* () {
        return yield* timeout(ms).run(function* () {
          return yield* r.readline();
        });
      },
      async () => timeout(ms).run(async () => r.readline()),
    );

  for (const style of STYLES) {
    it(`timeout() expiring around a ${style} readline throws TimeoutError and keeps the partial line`, () =>
      runVirtual(function* () {
        const r = new StreamReader();
        r.feedData('par');
        const t = createTask(lineWithin(style, r, 10));
        const e = yield* rejectionG(t);
        expect(e).toBeInstanceOf(TimeoutError);
        expect(getRunningLoop().time()).toBe(10);
        expect(r.bufferedLength()).toBe(3);
        r.feedData('tial\n');
        expect(str(yield* r.readline())).toBe('partial\n');
      }));

    it(`timeout() around a ${style} readline returns the line fed before the deadline`, () =>
      runVirtual(function* () {
        const r = new StreamReader();
        getRunningLoop().callLater(5, () => r.feedData('in time\nrest'));
        expect(str(yield* createTask(lineWithin(style, r, 10)))).toBe('in time\n');
        expect(str(yield* r.read(100))).toBe('rest');
      }));

    it(`waitFor(readline, 10) in a ${style} task throws TimeoutError, and the next readline gets the whole line`, () =>
      runVirtual(function* () {
        const r = new StreamReader();
        r.feedData('ab');
        const t = createTask(waiting(style, () => waitFor(r.readline(), 10)));
        expect(yield* rejectionG(t)).toBeInstanceOf(TimeoutError);
        expect(getRunningLoop().time()).toBe(10);
        r.feedData('c\n');
        expect(str(yield* r.readline())).toBe('abc\n');
      }));

    it(`waitFor(readexactly) in a ${style} task whose data comes at the deadline's pass loses no byte`, () =>
      runVirtual(function* () {
        const r = new StreamReader();
        const t = createTask(waiting(style, () => waitFor(r.readexactly(4), 10)));
        // Fed by a timer due at the same time as the timeout: whichever wins, no byte is lost.
        getRunningLoop().callLater(10, () => r.feedData('wxyz'));
        let got = '';
        try {
          got = str(yield* t);
        } catch (e) {
          expect(e).toBeInstanceOf(TimeoutError);
        }
        got += str(yield* r.read(100));
        expect(got).toBe('wxyz');
      }));
  }
});

describe('a cancelled drain() (both styles, real socket)', () => {
  /** A paused node:net peer on 127.0.0.1:0 that counts the bytes it receives once resumed. */
  async function pausedPeer() {
    let sock: Socket | undefined;
    let received = 0;
    const hash = createHash('sha256');
    const srv = createServer((s) => {
      sock = s;
      s.pause();
      s.on('error', () => {});
      s.on('data', (d: Buffer) => {
        received += d.length;
        hash.update(d);
      });
    });
    await new Promise<void>((res) => srv.listen(0, '127.0.0.1', () => res()));
    return {
      port: (srv.address() as AddressInfo).port,
      connected: () => sock !== undefined,
      resume: () => sock!.resume(),
      received: () => received,
      digest: () => hash.digest('hex'),
      close: () =>
        new Promise<void>((res) => {
          sock?.destroy();
          srv.close(() => res());
        }),
    };
  }

  const BIG = 16 * 1024 * 1024;
  /** 16 MiB (more than the kernel's socket buffers hold) of a pattern whose digest tells a lost or doubled chunk. */
  const DATA = Buffer.alloc(BIG, Buffer.from(Array.from({ length: 251 }, (_, i) => (i * 31 + 7) & 0xff)));
  const DIGEST = createHash('sha256').update(DATA).digest('hex');

  for (const style of STYLES) {
    it(`a ${style} drain() cancelled while the socket is full leaves every byte queued; a second drain is not disturbed`, () =>
      run(async () => {
        const peer = await pausedPeer();
        let sockOut: Socket | undefined;
        try {
          const [, w] = await openConnection('127.0.0.1', peer.port);
          sockOut = w.transport;
          while (!peer.connected()) await sleep(1);
          w.write(DATA);
          expect(w.transport.writableNeedDrain).toBe(true);
          const cancelled = createTask(waiting(style, () => w.drain()));
          const other = createTask(waiting(style, () => w.drain()));
          await sleep(0);
          expect(cancelled.done()).toBe(false);
          cancelled.cancel();
          assertCancelled(await errorOf(() => cancelled));
          expect(other.done()).toBe(false);
          peer.resume();
          await waitFor(other, 5000);
          // A drain() after it returns at once, and the peer gets every byte exactly once.
          await waitFor(w.drain(), 5000);
          while (peer.received() < BIG) await sleep(1);
          expect(peer.received()).toBe(BIG);
          expect(peer.digest()).toBe(DIGEST);
          w.close();
          await waitFor(w.waitClosed(), 5000);
        } finally {
          sockOut?.destroy();
          await peer.close();
        }
      }));

    it(`waitFor(drain(), 20) in a ${style} task times out on a full socket; the bytes still arrive`, () =>
      run(async () => {
        const peer = await pausedPeer();
        let sockOut: Socket | undefined;
        try {
          const [, w] = await openConnection('127.0.0.1', peer.port);
          sockOut = w.transport;
          while (!peer.connected()) await sleep(1);
          w.write(DATA);
          const t = createTask(waiting(style, () => waitFor(w.drain(), 20)));
          expect(await errorOf(() => t)).toBeInstanceOf(TimeoutError);
          peer.resume();
          await waitFor(w.drain(), 5000);
          while (peer.received() < BIG) await sleep(1);
          expect(peer.digest()).toBe(DIGEST);
        } finally {
          sockOut?.destroy();
          await peer.close();
        }
      }));
  }
});
