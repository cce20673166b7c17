// Unit tests of src/streams/writer.ts over real sockets (127.0.0.1, port 0, and Unix paths under the
// temporary directory): write()/writelines() argument checks (the error names the argument and the
// writer stays usable), writelines, writeEof and close, getExtraInfo, drain() and its errors, and a
// 1 MiB echo round trip under back pressure. Every socket and server is closed in a finally.
import { createServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  ConnectionResetError,
  RuntimeError,
  Server,
  StreamReader,
  StreamWriter,
  createTask,
  getRunningLoop,
  openConnection,
  openUnixConnection,
  run,
  sleep,
  startServer,
  startUnixServer,
  waitFor,
  type Coroutine,
} from 'tulip';
import { errorOf, syncError } from '../support.js';
import { BOUND, str, sockPath, removePath } from './helpers.js';

/** A plain node:net peer on 127.0.0.1:0 that records what it receives and whether it saw EOF. */
interface Sink {
  port: number;
  socket(): Socket | undefined;
  received(): string;
  ended(): boolean;
  close(): Promise<void>;
}
async function sink(onSocket?: (s: Socket) => void): Promise<Sink> {
  let sock: Socket | undefined;
  let got = '';
  let ended = false;
  const srv: NetServer = createServer({ allowHalfOpen: true }, (s) => {
    sock = s;
    s.on('error', () => {});
    s.on('data', (d: Buffer) => (got += d.toString('latin1')));
    s.on('end', () => (ended = true));
    onSocket?.(s);
  });
  await new Promise<void>((res) => srv.listen(0, '127.0.0.1', () => res()));
  return {
    port: (srv.address() as AddressInfo).port,
    socket: () => sock,
    received: () => got,
    ended: () => ended,
    close: () =>
      new Promise<void>((res) => {
        sock?.destroy();
        srv.close(() => res());
      }),
  };
}

/** Waits (a few ms of real time at most, bounded) until `cond()` holds. */
async function until(cond: () => boolean, what: string): Promise<void> {
  const end = Date.now() + BOUND;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(1);
  }
}

/** Opens a connection to a fresh sink; runs `body`; closes both. */
async function withSink(body: (r: StreamReader, w: StreamWriter, peer: Sink) => Promise<void>, onSocket?: (s: Socket) => void) {
  const peer = await sink(onSocket);
  let w: StreamWriter | undefined;
  try {
    const [r, writer] = await openConnection('127.0.0.1', peer.port);
    w = writer;
    await until(() => peer.socket() !== undefined, 'the peer to accept');
    await body(r, writer, peer);
  } finally {
    w?.transport.destroy();
    await peer.close();
  }
}

describe('StreamWriter.write / writelines: bad input', () => {
  it('write() of something not bytes or a string throws TypeError naming the data; the writer still works', () =>
    run(() =>
      withSink(async (_r, w, peer) => {
        for (const data of [42, null, undefined, {}, [1, 2]] as unknown[]) {
          const e = syncError(() => w.write(data as string));
          expect(e, `data ${String(data)}`).toBeInstanceOf(TypeError);
          expect(e.message).toMatch(/\bdata\b/);
        }
        w.write('ok');
        await w.drain();
        await until(() => peer.received() === 'ok', "'ok' at the peer");
        expect(peer.received()).toBe('ok');
      }),
    ));

  it('writelines() with a bad chunk throws TypeError naming the data and writes none of the chunks', () =>
    run(() =>
      withSink(async (_r, w, peer) => {
        const e = syncError(() => w.writelines(['a', 5 as unknown as string, 'c']));
        expect(e).toBeInstanceOf(TypeError);
        expect(e.message).toMatch(/\bdata\b/);
        const e2 = syncError(() => w.writelines(5 as unknown as string[]));
        expect(e2).toBeInstanceOf(TypeError);
        expect(e2.message).toMatch(/\bdata\b/);
        w.write('z');
        await until(() => peer.received().length >= 1, 'a byte at the peer');
        await sleep(5);
        expect(peer.received()).toBe('z');
      }),
    ));
});

describe('StreamWriter.write / writelines', () => {
  it('writelines() sends the chunks in order: strings as UTF-8, Buffers and Uint8Arrays as they are', () =>
    run(() =>
      withSink(async (_r, w, peer) => {
        w.writelines(['a', Buffer.from('b'), new Uint8Array([0x63]), '', 'é']);
        function* more(): Generator<string> {
          yield '1';
          yield '2';
        }
        w.writelines(more());
        w.write('\n');
        await w.drain();
        const want = 'abc' + Buffer.from('é').toString('latin1') + '12\n';
        await until(() => peer.received().length >= want.length, 'the bytes at the peer');
        expect(peer.received()).toBe(want);
      }),
    ));

  it('write() of empty bytes sends nothing and is no error', () =>
    run(() =>
      withSink(async (_r, w, peer) => {
        w.write('');
        w.write(new Uint8Array(0));
        w.write('x');
        await until(() => peer.received().length >= 1, 'a byte at the peer');
        expect(peer.received()).toBe('x');
      }),
    ));
});

describe('StreamWriter.writeEof / close', () => {
  it('writeEof() half-closes: the peer reads EOF, this side still reads its reply; write() then throws RuntimeError', () =>
    run(() =>
      withSink(
        async (r, w, peer) => {
          expect(w.canWriteEof()).toBe(true);
          w.write('request');
          w.writeEof();
          expect(() => w.write('more')).toThrow(RuntimeError);
          expect(() => w.writelines(['more'])).toThrow(RuntimeError);
          expect(str(await waitFor(r.read(), BOUND))).toBe('reply to request');
          expect(peer.ended()).toBe(true);
          expect(r.atEof()).toBe(true);
        },
        (s) => s.on('end', () => s.end(`reply to ${'request'}`)),
      ),
    ));

  it('close(): isClosing() turns true, write() drops its bytes (as asyncio), waitClosed() returns, and close() again is a no-op', () =>
    run(() =>
      withSink(async (_r, w, peer) => {
        w.write('last words');
        expect(w.isClosing()).toBe(false);
        w.close();
        expect(w.isClosing()).toBe(true);
        w.write('x'); // dropped: never reaches the peer
        w.writelines(['y', 'z']);
        w.close();
        await waitFor(w.waitClosed(), BOUND);
        await until(() => peer.ended(), 'EOF at the peer');
        expect(peer.received()).toBe('last words');
      }),
    ));
});

describe('StreamWriter.getExtraInfo', () => {
  it("TCP: 'peername' and 'sockname' are [host, port] of both ends, 'socket' the transport, anything else the default", () =>
    run(async () => {
      let srvWriter: StreamWriter | undefined;
      let srv: Server | undefined;
      let w: StreamWriter | undefined;
      try {
        srv = await startServer((_r, sw) => {
          srvWriter = sw;
        }, '127.0.0.1', 0);
        const port = (srv.address() as AddressInfo).port;
        const [, writer] = await openConnection('127.0.0.1', port);
        w = writer;
        await until(() => srvWriter !== undefined, 'the server to accept');
        const peername = w.getExtraInfo('peername') as [string, number];
        const sockname = w.getExtraInfo('sockname') as [string, number];
        expect(peername).toEqual(['127.0.0.1', port]);
        expect(sockname[0]).toBe('127.0.0.1');
        expect(sockname[1]).toBe(w.transport.localPort);
        expect(srvWriter!.getExtraInfo('peername')).toEqual(sockname);
        expect(srvWriter!.getExtraInfo('sockname')).toEqual(peername);
        expect(w.getExtraInfo('socket')).toBe(w.transport);
        expect(w.getExtraInfo('sslcontext')).toBeUndefined();
        expect(w.getExtraInfo('sslcontext', 'none')).toBe('none');
      } finally {
        w?.transport.destroy();
        srv?.close();
        srv?.abortClients();
      }
    }));

  it("Unix: 'peername' of the client and 'sockname' of the server end are the path; the unnamed end is ''", () =>
    run(async () => {
      const path = sockPath();
      let srvWriter: StreamWriter | undefined;
      let srv: Server | undefined;
      let w: StreamWriter | undefined;
      try {
        srv = await startUnixServer((_r, sw) => {
          srvWriter = sw;
        }, path);
        const [, writer] = await openUnixConnection(path);
        w = writer;
        await until(() => srvWriter !== undefined, 'the server to accept');
        expect(w.getExtraInfo('peername')).toBe(path);
        expect(w.getExtraInfo('sockname')).toBe('');
        expect(srvWriter!.getExtraInfo('sockname')).toBe(path);
        expect(srvWriter!.getExtraInfo('peername')).toBe('');
        expect(w.canWriteEof()).toBe(true);
      } finally {
        w?.transport.destroy();
        srv?.close();
        srv?.abortClients();
        removePath(path);
      }
    }));
});

describe('StreamWriter.drain', () => {
  it('with nothing queued, drain() returns without giving up the loop', () =>
    run(() =>
      withSink(async (_r, w) => {
        w.write('small');
        let ticks = 0;
        getRunningLoop().callSoon(() => ticks++);
        await w.drain();
        await w.drain();
        expect(ticks).toBe(0);
      }),
    ));

  it("drain() throws the reader's exception once one is set", () =>
    run(() =>
      withSink(async (r, w) => {
        const err = new Error('reader broke');
        r.setException(err);
        expect(await errorOf(() => w.drain())).toBe(err);
      }),
    ));

  it('after the connection is lost, write() drops the bytes silently and drain() throws ConnectionResetError', () =>
    run(() =>
      withSink(async (_r, w) => {
        w.transport.destroy();
        await waitFor(w.waitClosed(), BOUND);
        expect(w.isClosing()).toBe(true);
        w.write('dropped');
        const e = await errorOf(() => w.drain());
        expect(e).toBeInstanceOf(ConnectionResetError);
        expect((e as ConnectionResetError).code).toBe('ECONNRESET');
        expect(e.message).toMatch(/connection lost/i);
      }),
    ));

  // asyncio: a waiting drain is woken by resume_writing() (the buffer emptied) or connection_lost(None)
  // with None, whatever close()/write_eof() were called meanwhile. Node emits no 'drain' after end().
  for (const [how, style] of [
    ['writeEof()', 'async'],
    ['writeEof()', 'generator'],
    ['close()', 'async'],
    ['close()', 'generator'],
  ] as const) {
    it(`a drain() waiting on a full socket when ${how} is called returns once the peer has read every byte (${style})`, () =>
      run(() =>
        withSink(
          async (_r, w, peer) => {
            const big = 'x'.repeat(8 * 1024 * 1024);
            w.write(big);
            const drainer =
              style === 'async'
                ? createTask(async () => {
                    await w.drain();
                    return 'drained';
                  })
                : createTask(function* (): Coroutine<string> {
                    yield* w.drain();
                    return 'drained';
                  });
            await sleep(20);
            expect(drainer.done()).toBe(false); // the peer reads nothing yet: the socket is full
            if (how === 'writeEof()') w.writeEof();
            else w.close();
            peer.socket()!.resume();
            expect(await waitFor(drainer, BOUND)).toBe('drained');
            await until(() => peer.received().length === big.length, 'the peer to read every byte');
            if (how === 'close()') await waitFor(w.waitClosed(), BOUND);
          },
          (s) => s.pause(),
        ),
      ));
  }

  it('a drain() started after writeEof() once the bytes are sent returns at once', () =>
    run(() =>
      withSink(async (_r, w, peer) => {
        const big = 'y'.repeat(4 * 1024 * 1024);
        w.write(big);
        w.writeEof();
        await until(() => peer.ended(), 'the peer to read the end');
        expect(peer.received().length).toBe(big.length);
        await waitFor(w.drain(), BOUND);
      }),
    ));

  it('after close() and waitClosed(), drain() throws ConnectionResetError', () =>
    run(() =>
      withSink(async (_r, w) => {
        w.close();
        await waitFor(w.waitClosed(), BOUND);
        expect(await errorOf(() => w.drain())).toBeInstanceOf(ConnectionResetError);
      }),
    ));
});

describe('echo round trip of 1 MiB', () => {
  const MIB = 1024 * 1024;
  const LIMIT = 4096;
  const payload = (): Buffer => {
    const b = Buffer.alloc(MIB);
    for (let i = 0; i < MIB; i++) b[i] = (i * 13 + (i >> 8)) & 0xff;
    return b;
  };

  /**
   * An echo handler (reader limit 4096) that first lets its buffer fill: past twice the limit the
   * reader pauses its socket (back pressure towards the client), and its reads resume it.
   */
  const pausedSeen: boolean[] = [];
  const echoAsync = async (r: StreamReader, w: StreamWriter): Promise<void> => {
    for (let i = 0; i < 5000 && r.bufferedLength() <= 2 * r.limit; i++) await sleep(1);
    pausedSeen.push(w.transport.isPaused());
    for (;;) {
      const chunk = await r.read(65536);
      if (chunk.length === 0) break;
      w.write(chunk);
      await w.drain();
    }
    pausedSeen.push(w.transport.isPaused());
    w.close();
    await w.waitClosed();
  };
  function* echoGen(r: StreamReader, w: StreamWriter): Coroutine<void> {
    for (let i = 0; i < 5000 && r.bufferedLength() <= 2 * r.limit; i++) yield* sleep(1);
    pausedSeen.push(w.transport.isPaused());
    for (;;) {
      const chunk = yield* r.read(65536);
      if (chunk.length === 0) break;
      w.write(chunk);
      yield* w.drain();
    }
    pausedSeen.push(w.transport.isPaused());
    w.close();
    yield* w.waitClosed();
  }

  for (const [style, handler] of [
    ['async', echoAsync],
    ['generator', echoGen],
  ] as const) {
    it(`1 MiB written in 64 KiB chunks with drain() comes back byte for byte; the ${style} echo side paused past 2 x limit`, () =>
      run(async () => {
        const data = payload();
        pausedSeen.length = 0;
        let srv: Server | undefined;
        let w: StreamWriter | undefined;
        try {
          srv = await startServer(handler, '127.0.0.1', 0, { limit: LIMIT });
          const [r, writer] = await openConnection('127.0.0.1', (srv.address() as AddressInfo).port, { limit: LIMIT });
          w = writer;
          expect(r.limit).toBe(LIMIT);
          const back = createTask(() => r.readexactly(MIB));
          for (let off = 0; off < MIB; off += 65536) {
            writer.write(data.subarray(off, off + 65536));
            await writer.drain();
          }
          writer.writeEof();
          const got = await waitFor(back, BOUND);
          expect(got.length).toBe(MIB);
          expect(got.equals(data)).toBe(true);
          expect(str(await waitFor(r.read(), BOUND))).toBe(''); // the server closed after our EOF
          expect(r.atEof()).toBe(true);
          // The server's reader paused its socket with more than 2 x limit buffered, and its reads resumed it.
          expect(pausedSeen).toEqual([true, false]);
        } finally {
          w?.transport.destroy();
          srv?.close();
          srv?.abortClients();
        }
      }));
  }

  it('1 MiB in one write() and one drain() comes back byte for byte', () =>
    run(async () => {
      const data = payload();
      let srv: Server | undefined;
      let w: StreamWriter | undefined;
      try {
        srv = await startServer(async (r, sw) => {
          for (;;) {
            const chunk = await r.read(65536);
            if (chunk.length === 0) break;
            sw.write(chunk);
            await sw.drain();
          }
          sw.close();
        }, '127.0.0.1', 0);
        const [r, writer] = await openConnection('127.0.0.1', (srv.address() as AddressInfo).port);
        w = writer;
        const back = createTask(() => r.readexactly(MIB));
        writer.write(data);
        await waitFor(writer.drain(), BOUND);
        const got = await waitFor(back, BOUND);
        expect(got.equals(data)).toBe(true);
      } finally {
        w?.transport.destroy();
        srv?.close();
        srv?.abortClients();
      }
    }));
});
