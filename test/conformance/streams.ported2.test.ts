// Behaviour ports of CPython 3.13 Lib/test/test_asyncio/test_streams.py (the socket tests), in our
// own words, over real sockets: TCP on 127.0.0.1 with port 0, and Unix sockets under the temporary
// directory. The feedData-driven StreamReader tests are in streams.ported.test.ts; the
// test_server.py ports in streams.server.test.ts.
//
// CPython's test_utils.run_test_server (an HTTP server answering 'Test message') is `httpPeer()`,
// a plain node:net server, so that tulip's client side is tested against a peer tulip did not
// make; `srv.sockets[0].getsockname()` is `server.address()`. Every server and socket is closed in
// a `finally`. Waits that would hang on a bug are bounded with waitFor(…, BOUND).
//
// Not ported (no tulip counterpart):
//  - test_open_connection_no_loop_ssl, test_open_unix_connection_no_loop_ssl, test_start_tls (SSL);
//  - test_unclosed_resource_warnings, test_loop_is_closed_resource_warnings,
//    test_unclosed_server_resource_warnings (ResourceWarning / __del__);
//  - test_open_connection_happy_eyeball_refcycles (happy_eyeballs_delay and gc.get_referrers);
//  - test_server.py::test_unix_server_sock_cleanup and the `sock=` variant of test_start_server
//    (no `sock` argument: tulip listens on a host/port or a path), test_unix_server_cleanup_prevented
//    (no `cleanup_socket` option), test_unix_server_cleanup_replaced (Node/libuv unlinks the path on
//    close whoever owns it now: not something tulip can keep), ProactorStartServerTests (Windows);
//  - the `srv._sockets is None` / `srv._waiters is None` checks (private state).
import { describe, expect, it } from 'vitest';
import {
  ConnectionResetError,
  RuntimeError,
  Server,
  StreamReader,
  StreamWriter,
  createTask,
  currentTask,
  gather,
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
import { errorOf, passes, recordExceptions } from './helpers.js';
import { BOUND, str, sockPath, removePath, rawServer, httpPeer, open, portOf, shutdown, TRANSPORTS } from '../streams/helpers.js';

describe('openConnection / openUnixConnection', () => {
  // ports test_streams.py::StreamTests.test_open_connection + test_open_unix_connection
  // (and test_async_writer_api, which is the same exchange in a coroutine)
  for (const kind of TRANSPORTS) {
    it(`(${kind}) a request written, the reply read by readline and then read() to EOF, nothing reported`, () =>
      run(async () => {
        const seen = recordExceptions();
        const peer = await httpPeer(kind === 'unix' ? sockPath() : undefined);
        let w: StreamWriter | undefined;
        try {
          const [r, writer] = await open(peer);
          w = writer;
          w.write('GET / HTTP/1.0\r\n\r\n');
          expect(str(await r.readline())).toBe('HTTP/1.0 200 OK\r\n');
          const body = str(await r.read());
          expect(body).toBe('Content-Type: text/plain\r\n\r\nTest message');
          expect(body.endsWith('\r\n\r\nTest message')).toBe(true);
          w.close();
          await waitFor(w.waitClosed(), BOUND);
          expect(seen).toEqual([]);
        } finally {
          w?.transport.destroy();
          await peer.close();
        }
      }));
  }

  // ports test_streams.py::StreamTests.test_open_connection_error + test_open_unix_connection_error
  for (const kind of TRANSPORTS) {
    it(`(${kind}) a connection lost with an error makes the next read throw that error, nothing reported`, () =>
      run(async () => {
        const seen = recordExceptions();
        const peer = await httpPeer(kind === 'unix' ? sockPath() : undefined);
        let w: StreamWriter | undefined;
        try {
          const [r, writer] = await open(peer);
          w = writer;
          class ZeroDivisionError extends Error {}
          const err = new ZeroDivisionError('boom');
          w.transport.destroy(err);
          expect(await errorOf(() => r.read())).toBe(err);
          w.close();
          await passes(2);
          expect(seen).toEqual([]);
        } finally {
          w?.transport.destroy();
          await peer.close();
        }
      }));
  }
});

describe('startServer / startUnixServer', () => {
  /** The client of test_start_server: sends a line, reads it back, closes. */
  async function echoClient(srv: Server, path?: string): Promise<string> {
    const [r, w] = path !== undefined ? await openUnixConnection(path) : await openConnection('127.0.0.1', portOf(srv));
    try {
      w.write('hello world!\n');
      const back = await r.readline();
      w.close();
      await waitFor(w.waitClosed(), BOUND);
      return str(back);
    } finally {
      w.transport.destroy();
    }
  }

  /** The handler of test_start_server: echoes one line, drains, closes and waits for the close. */
  async function handleClient(r: StreamReader, w: StreamWriter): Promise<void> {
    const data = await r.readline();
    w.write(data);
    await w.drain();
    w.close();
    await w.waitClosed();
  }

  for (const kind of TRANSPORTS) {
    // ports test_streams.py::StreamTests.test_start_server / test_start_unix_server (coroutine handler)
    it(`(${kind}) an async client handler echoes a line; close() and waitClosed() end the server`, () =>
      run(async () => {
        const seen = recordExceptions();
        const path = kind === 'unix' ? sockPath() : undefined;
        let srv: Server | undefined;
        try {
          srv = path !== undefined ? await startUnixServer(handleClient, path) : await startServer(handleClient, '127.0.0.1', 0);
          expect(await echoClient(srv, path)).toBe('hello world!\n');
          srv.close();
          await waitFor(srv.waitClosed(), BOUND);
          expect(seen).toEqual([]);
        } finally {
          await shutdown(srv);
          if (path !== undefined) removePath(path);
        }
      }));

    // ports test_streams.py::StreamTests.test_start_server / test_start_unix_server (callback handler)
    it(`(${kind}) a plain callback handler that starts its own task echoes a line`, () =>
      run(async () => {
        const seen = recordExceptions();
        const path = kind === 'unix' ? sockPath() : undefined;
        const cb = (r: StreamReader, w: StreamWriter): void => {
          createTask(() => handleClient(r, w));
        };
        let srv: Server | undefined;
        try {
          srv = path !== undefined ? await startUnixServer(cb, path) : await startServer(cb, '127.0.0.1', 0);
          expect(await echoClient(srv, path)).toBe('hello world!\n');
          srv.close();
          await waitFor(srv.waitClosed(), BOUND);
          expect(seen).toEqual([]);
        } finally {
          await shutdown(srv);
          if (path !== undefined) removePath(path);
        }
      }));
  }

  // test_streams.py::StreamTests.test_start_server, with the handler a generator (tulip's other coroutine style)
  it('a generator client handler echoes a line', () =>
    run(async () => {
      const seen = recordExceptions();
      let srv: Server | undefined;
      try {
        srv = await startServer(function* (r: StreamReader, w: StreamWriter): Coroutine<void> {
          const data = yield* r.readline();
          w.write(data);
          yield* w.drain();
          w.close();
          yield* w.waitClosed();
        }, '127.0.0.1', 0);
        expect(await echoClient(srv)).toBe('hello world!\n');
        expect(seen).toEqual([]);
      } finally {
        await shutdown(srv);
      }
    }));

  /** test_streams.py _basetest_unhandled_exceptions: a client that sends a message and closes. */
  async function unhandled(handler: (r: StreamReader, w: StreamWriter) => Promise<void>) {
    const seen = recordExceptions();
    let srv: Server | undefined;
    try {
      srv = await startServer(handler, '127.0.0.1', 0, { startServing: false });
      await srv.startServing();
      const [, w] = await openConnection('127.0.0.1', portOf(srv));
      try {
        w.write('test msg');
        await w.drain();
        w.close();
        await waitFor(w.waitClosed(), BOUND);
      } finally {
        w.transport.destroy();
      }
      srv.close();
      await waitFor(srv.waitClosed(), BOUND);
    } finally {
      await shutdown(srv);
    }
    return seen;
  }

  // ports test_streams.py::StreamTests.test_unhandled_exception
  it("an error thrown by the client handler goes to the exception handler as 'Unhandled exception in client_connected_cb'", () =>
    run(async () => {
      const err = new Error('test');
      const seen = await unhandled(async () => {
        throw err;
      });
      expect(seen.length).toBeGreaterThanOrEqual(1);
      expect(seen[0]!.message).toBe('Unhandled exception in client_connected_cb');
      expect(seen[0]!.exception).toBe(err);
    }));

  // ports test_streams.py::StreamTests.test_unhandled_cancel
  it('a client handler that cancels itself is not reported', () =>
    run(async () => {
      const seen = await unhandled(async (_r, w) => {
        w.close();
        currentTask()!.cancel();
      });
      expect(seen).toEqual([]);
    }));
});

describe('StreamWriter over a connection', () => {
  // ports test_streams.py::StreamTests.test_wait_closed_on_close
  it('isClosing() turns true at close(), and waitClosed() returns once the socket is closed', () =>
    run(async () => {
      const peer = await httpPeer();
      let w: StreamWriter | undefined;
      try {
        const [r, writer] = await openConnection('127.0.0.1', peer.port);
        w = writer;
        w.write('GET / HTTP/1.0\r\n\r\n');
        expect(str(await r.readline())).toBe('HTTP/1.0 200 OK\r\n');
        expect(str(await r.read()).endsWith('\r\n\r\nTest message')).toBe(true);
        expect(w.isClosing()).toBe(false);
        w.close();
        expect(w.isClosing()).toBe(true);
        await waitFor(w.waitClosed(), BOUND);
        expect(w.transport.destroyed).toBe(true);
      } finally {
        w?.transport.destroy();
        await peer.close();
      }
    }));

  // ports test_streams.py::StreamTests.test_wait_closed_on_close_with_unread_data
  it('waitClosed() returns after close() with reply bytes still unread', () =>
    run(async () => {
      const peer = await httpPeer();
      let w: StreamWriter | undefined;
      try {
        const [r, writer] = await openConnection('127.0.0.1', peer.port);
        w = writer;
        w.write('GET / HTTP/1.0\r\n\r\n');
        expect(str(await r.readline())).toBe('HTTP/1.0 200 OK\r\n');
        w.close();
        await waitFor(w.waitClosed(), BOUND);
      } finally {
        w?.transport.destroy();
        await peer.close();
      }
    }));

  // ports test_streams.py::StreamTests.test_async_writer_api (in the generator style)
  it('the whole exchange in a generator task: yield* on every read, drain and waitClosed', () =>
    run(function* () {
      const seen = recordExceptions();
      const peer = yield* waitFor(httpPeer(), BOUND);
      let w: StreamWriter | undefined;
      try {
        const [r, writer] = yield* openConnection('127.0.0.1', peer.port);
        w = writer;
        w.write('GET / HTTP/1.0\r\n\r\n');
        yield* w.drain();
        expect(str(yield* r.readline())).toBe('HTTP/1.0 200 OK\r\n');
        expect(str(yield* r.read()).endsWith('\r\n\r\nTest message')).toBe(true);
        w.close();
        yield* w.waitClosed();
        expect(seen).toEqual([]);
      } finally {
        w?.transport.destroy();
        yield* waitFor(peer.close(), BOUND);
      }
    }));

  // ports test_streams.py::StreamTests.test_async_writer_api_exception_after_close
  // (asyncio: write() after close() drops the bytes, and drain() raises ConnectionResetError)
  it('after close(), write() drops its bytes and drain() throws ConnectionResetError', () =>
    run(async () => {
      const seen = recordExceptions();
      const peer = await httpPeer();
      let w: StreamWriter | undefined;
      try {
        const [r, writer] = await openConnection('127.0.0.1', peer.port);
        w = writer;
        w.write('GET / HTTP/1.0\r\n\r\n');
        expect(str(await r.readline())).toBe('HTTP/1.0 200 OK\r\n');
        expect(str(await r.read()).endsWith('\r\n\r\nTest message')).toBe(true);
        w.close();
        w.write('data');
        const e = await errorOf(() => w!.drain());
        expect(e).toBeInstanceOf(ConnectionResetError);
        expect((e as ConnectionResetError).code).toBe('ECONNRESET');
        expect(seen).toEqual([]);
      } finally {
        w?.transport.destroy();
        await peer.close();
      }
    }));

  // ports test_streams.py::StreamTests.test_eof_feed_when_closing_writer
  it('closing the writer feeds EOF to its reader: atEof() and read() returns empty bytes', () =>
    run(async () => {
      const seen = recordExceptions();
      const peer = await httpPeer();
      let w: StreamWriter | undefined;
      try {
        const [r, writer] = await openConnection('127.0.0.1', peer.port);
        w = writer;
        w.close();
        await waitFor(w.waitClosed(), BOUND);
        expect(r.atEof()).toBe(true);
        expect(str(await r.read())).toBe('');
        expect(seen).toEqual([]);
      } finally {
        w?.transport.destroy();
        await peer.close();
      }
    }));

  // streams.py StreamReaderProtocol.eof_received (returns True: the transport stays open for writing)
  it("the peer's EOF reaches the reader, and the writer can still send afterwards (half-open)", () =>
    run(async () => {
      const seen = recordExceptions();
      let got = '';
      let peerEnded = false;
      const peer = await rawServer((s) => {
        s.on('data', (d: Buffer) => (got += d.toString('latin1')));
        s.on('end', () => (peerEnded = true));
        s.end('bye');
      });
      let w: StreamWriter | undefined;
      try {
        const [r, writer] = await openConnection('127.0.0.1', peer.port);
        w = writer;
        expect(str(await waitFor(r.read(), BOUND))).toBe('bye');
        expect(r.atEof()).toBe(true);
        expect(w.isClosing()).toBe(false);
        w.write('still here');
        await w.drain();
        w.close();
        await waitFor(w.waitClosed(), BOUND);
        for (let i = 0; i < BOUND && !peerEnded; i++) await sleep(1);
        expect(got).toBe('still here');
        expect(seen).toEqual([]);
      } finally {
        w?.transport.destroy();
        await peer.close();
      }
    }));

  // ports test_streams.py::StreamTests.test_multiple_drain (cpython#74116), over a real socket
  it('ten drain() calls waiting on one full socket all return once the peer reads', () =>
    run(async () => {
      let resumePeer = (): void => {};
      let received = 0;
      const big = 16 * 1024 * 1024; // more than the kernel's socket buffers hold
      const peer = await rawServer((s) => {
        s.pause();
        s.on('data', (d: Buffer) => (received += d.length));
        resumePeer = () => s.resume();
      });
      let w: StreamWriter | undefined;
      try {
        const [, writer] = await openConnection('127.0.0.1', peer.port);
        w = writer;
        while (peer.sockets.size === 0) await sleep(1);
        w.write(Buffer.alloc(big, 0x61));
        expect(w.transport.writableNeedDrain).toBe(true);
        let drained = 0;
        const drainer = async (): Promise<void> => {
          await w!.drain();
          drained++;
        };
        const all = gather(Array.from({ length: 10 }, () => createTask(drainer)));
        await passes(3);
        expect(drained).toBe(0);
        getRunningLoop().callLater(20, () => resumePeer());
        await waitFor(all, BOUND);
        expect(drained).toBe(10);
        while (received < big) await sleep(1);
        expect(received).toBe(big);
      } finally {
        w?.transport.destroy();
        await peer.close();
      }
    }));

  // ports test_streams.py::StreamTests.test_drain_raises (bpo-25441): drain() must give up the loop
  it('write()+drain() to a peer that closed at once fails with a connection error instead of spinning', () =>
    run(async () => {
      const seen = recordExceptions();
      const peer = await rawServer((s) => s.destroy());
      let w: StreamWriter | undefined;
      try {
        const [, writer] = await openConnection('127.0.0.1', peer.port);
        w = writer;
        let error: unknown;
        // Bounded: a drain() that never gives up the loop would never see the error.
        for (let i = 0; i < 200_000 && error === undefined; i++) {
          try {
            w.write('foo\n');
            await w.drain();
          } catch (e) {
            error = e;
          }
        }
        expect(error, 'drain() never threw').toBeDefined();
        const code = (error as { code?: string }).code;
        expect(['ECONNRESET', 'EPIPE', 'ECONNABORTED']).toContain(code);
        expect(seen).toEqual([]);
      } finally {
        w?.transport.destroy();
        await peer.close();
      }
    }));
});
