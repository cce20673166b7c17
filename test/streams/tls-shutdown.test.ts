// Closing a TLS connection (wiring.ts's shutdownTls, used by StreamWriter.close and
// Transport.close): as asyncio's SSL shutdown, the close waits for the peer's answering end, and
// `sslShutdownTimeout` (asyncio's `ssl_shutdown_timeout`) bounds that wait on every path that
// makes a TLS connection: openConnection, startServer, StreamWriter.startTls, and the loop's
// createConnection, createServer and startTls. The peers are node:tls sockets with
// `allowHalfOpen`, which stay open after tulip's end until the test ends them.
import type { AddressInfo, Socket } from 'node:net';
import { connect as tlsConnect, createServer as createTlsServer, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { TimeoutError, getRunningLoop, openConnection, run, sleep, startServer, waitFor, type Server, type StreamWriter, type Transport } from 'tulip';
import { errorOf, syncError } from '../support.js';
import { BOUND, shutdown, str } from './helpers.js';
import { Recorder, cert, key, until } from './protocols.helpers.js';

/** A node:tls server whose connections stay open after the client's end; it records what it gets. */
async function halfOpenPeer() {
  const got = { bytes: 0, ended: false, socket: undefined as TLSSocket | undefined };
  const server = createTlsServer({ key, cert, allowHalfOpen: true }, (s) => {
    got.socket = s;
    s.on('data', (d: Buffer) => (got.bytes += d.length));
    s.on('end', () => (got.ended = true));
    s.on('error', () => {});
  });
  const raw = new Set<Socket>(); // every connection, handshake done or not: half-open ones stay
  server.on('connection', (s: Socket) => raw.add(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const close = () => {
    for (const s of raw) s.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { got, port, close };
}

/** A node:tls client that stays open after the server's end (and never ends itself). */
function halfOpenClient(port: number): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    // (allowHalfOpen reaches the TLSSocket, as net.Socket's option; @types/node leaves it out)
    const opts = { port, host: '127.0.0.1', ca: cert, servername: 'localhost', allowHalfOpen: true } as ConnectionOptions;
    const s = tlsConnect(opts, () => resolve(s));
    s.on('error', reject);
    s.resume();
  });
}

/** Runs `body` while a half-open node:tls client is connected to `server`; then drops both. */
async function withClient(server: Server, body: () => Promise<void>): Promise<void> {
  try {
    const client = await halfOpenClient((server.address() as AddressInfo).port);
    try {
      await body();
    } finally {
      client.destroy();
    }
  } finally {
    await shutdown(server);
  }
}

/** Runs `body` against a half-open peer, closing the peer after. */
async function withPeer(body: (peer: Awaited<ReturnType<typeof halfOpenPeer>>) => Promise<void>): Promise<void> {
  const peer = await halfOpenPeer();
  try {
    await body(peer);
  } finally {
    await peer.close();
  }
}

/** Waits for `writer` to close and returns how long that took and what waitClosed() threw. */
async function timedClose(writer: StreamWriter): Promise<{ ms: number; error: unknown }> {
  const t0 = performance.now();
  writer.close();
  const error = await errorOf(() => waitFor(writer.waitClosed(), BOUND));
  return { ms: performance.now() - t0, error };
}

describe('closing a TLS stream', () => {
  it("StreamWriter.close() keeps the connection until the peer ends it: the peer gets every byte and the end, the reader nothing the peer sends after, and waitClosed() returns at the peer's end", () =>
    run(() =>
      withPeer(async (peer) => {
        const [reader, writer] = await openConnection('127.0.0.1', peer.port, { ssl: { ca: cert } });
        writer.write('x'.repeat(100_000));
        writer.close();
        await until(() => peer.got.ended, "the peer's end of stream");
        expect(peer.got.bytes).toBe(100_000);
        peer.got.socket!.write('late'); // after the close: not for the reader
        await sleep(50);
        expect(writer.transport.destroyed).toBe(false); // still waiting for the peer's end
        peer.got.socket!.end();
        await waitFor(writer.waitClosed(), BOUND);
        expect(str(await waitFor(reader.read(), BOUND))).toBe('');
        expect(reader.atEof()).toBe(true);
      }),
    ));

  it('openConnection sslShutdownTimeout: a peer that never ends has the connection aborted after that long, and waitClosed() throws TimeoutError', () =>
    run(() =>
      withPeer(async (peer) => {
        const [, writer] = await openConnection('127.0.0.1', peer.port, { ssl: { ca: cert }, sslShutdownTimeout: 100 });
        const { ms, error } = await timedClose(writer);
        expect(error).toBeInstanceOf(TimeoutError);
        expect((error as Error).message).toBe('StreamWriter.close: the TLS shutdown timed out: the peer did not end the connection within 100 ms');
        expect(ms).toBeGreaterThanOrEqual(90);
        expect(peer.got.ended).toBe(true);
      }),
    ));

  it('startServer sslShutdownTimeout bounds the close of every connection the server accepts', () =>
    run(async () => {
      const closes: Array<Promise<{ ms: number; error: unknown }>> = [];
      const server = await startServer(
        (_reader, writer) => {
          writer.write('hi');
          closes.push(timedClose(writer));
        },
        '127.0.0.1',
        0,
        { ssl: { key, cert }, sslShutdownTimeout: 100 },
      );
      await withClient(server, async () => {
        await until(() => closes.length === 1, 'the connection');
        const { ms, error } = await closes[0]!;
        expect(error).toBeInstanceOf(TimeoutError);
        expect(ms).toBeGreaterThanOrEqual(90);
      });
    }));

  it('StreamWriter.startTls sslShutdownTimeout bounds the close of the upgraded connection', () =>
    run(() =>
      withPeer(async (peer) => {
        const [, writer] = await openConnection('127.0.0.1', peer.port);
        await waitFor(writer.startTls({ ca: cert, serverHostname: 'localhost', sslShutdownTimeout: 100 }), BOUND);
        const { ms, error } = await timedClose(writer);
        expect(error).toBeInstanceOf(TimeoutError);
        expect(ms).toBeGreaterThanOrEqual(90);
      }),
    ));
});

describe('closing a TLS transport', () => {
  it('createConnection sslShutdownTimeout: a peer that never ends has the connection aborted, and connectionLost gets TimeoutError', () =>
    run(() =>
      withPeer(async (peer) => {
        const [t, p] = await getRunningLoop().createConnection(() => new Recorder(), '127.0.0.1', peer.port, { ssl: { ca: cert }, sslShutdownTimeout: 100 });
        const t0 = performance.now();
        t.close();
        await waitFor(p.lost, BOUND);
        expect(performance.now() - t0).toBeGreaterThanOrEqual(90);
        expect(p.lostWith).toBeInstanceOf(TimeoutError);
        expect(p.lostWith!.message).toBe('Transport.close: the TLS shutdown timed out: the peer did not end the connection within 100 ms');
        expect(p.calls).toEqual(['made', 'lost']);
      }),
    ));

  it('createServer sslShutdownTimeout bounds the close of every connection the server accepts', () =>
    run(async () => {
      const loop = getRunningLoop();
      const made: Recorder[] = [];
      class CloseAtOnce extends Recorder {
        override connectionMade(t: Transport): void {
          super.connectionMade(t);
          this.transport.close();
        }
      }
      const server = await loop.createServer(() => (made.push(new CloseAtOnce()), made.at(-1)!), '127.0.0.1', 0, { ssl: { key, cert }, sslShutdownTimeout: 100 });
      await withClient(server, async () => {
        await until(() => made.length === 1, 'the connection');
        await waitFor(made[0]!.lost, BOUND);
        expect(made[0]!.lostWith).toBeInstanceOf(TimeoutError);
      });
    }));

  it('loop.startTls sslShutdownTimeout bounds the close of the upgraded transport', () =>
    run(() =>
      withPeer(async (peer) => {
        const loop = getRunningLoop();
        const [plain, p] = await loop.createConnection(() => new Recorder(), '127.0.0.1', peer.port);
        const t = await waitFor(loop.startTls(plain, p, { ca: cert, serverHostname: 'localhost', sslShutdownTimeout: 100 }), BOUND);
        t.close();
        await waitFor(p.lost, BOUND);
        expect(p.lostWith).toBeInstanceOf(TimeoutError);
      }),
    ));

  it('a peer that ends in time closes the connection cleanly: connectionLost gets no error', () =>
    run(() =>
      withPeer(async (peer) => {
        const [t, p] = await getRunningLoop().createConnection(() => new Recorder(), '127.0.0.1', peer.port, { ssl: { ca: cert }, sslShutdownTimeout: 5_000 });
        t.close();
        await until(() => peer.got.ended, "the peer's end of stream");
        peer.got.socket!.end();
        await waitFor(p.lost, BOUND);
        expect(p.lostWith).toBeUndefined();
      }),
    ));
});

describe('sslShutdownTimeout is checked', () => {
  it('a positive number of ms, and only with ssl: TypeError or RangeError naming the call and the option', () =>
    run(async () => {
      const loop = getRunningLoop();
      const open = openConnection as (...a: unknown[]) => unknown;
      const serve = startServer as (...a: unknown[]) => unknown;
      const e0 = syncError(() => open('127.0.0.1', 1, { ssl: true, sslShutdownTimeout: 0 }));
      expect(e0).toBeInstanceOf(RangeError);
      expect(e0.message).toBe('openConnection: sslShutdownTimeout must be a positive number of ms, got 0');
      expect(syncError(() => open('127.0.0.1', 1, { ssl: true, sslShutdownTimeout: -1 })).message).toBe(
        'openConnection: sslShutdownTimeout must not be negative, got -1',
      );
      expect(syncError(() => open('127.0.0.1', 1, { ssl: true, sslShutdownTimeout: '5' }))).toBeInstanceOf(TypeError);
      expect(syncError(() => open('127.0.0.1', 1, { sslShutdownTimeout: 10 })).message).toBe('openConnection: sslShutdownTimeout is only meaningful with ssl');
      expect(syncError(() => serve(() => undefined, '127.0.0.1', 0, { sslShutdownTimeout: 10 })).message).toBe(
        'startServer: sslShutdownTimeout is only meaningful with ssl',
      );
      expect(syncError(() => serve(() => undefined, '127.0.0.1', 0, { ssl: { key, cert }, sslShutdownTimeout: 0 }))).toBeInstanceOf(RangeError);
      const create = loop.createConnection.bind(loop) as (...a: unknown[]) => unknown;
      expect(syncError(() => create(() => new Recorder(), '127.0.0.1', 1, { sslShutdownTimeout: 10 })).message).toBe(
        'createConnection: sslShutdownTimeout is only meaningful with ssl',
      );
      const createSrv = loop.createServer.bind(loop) as (...a: unknown[]) => unknown;
      expect(syncError(() => createSrv(() => new Recorder(), '127.0.0.1', 0, { sslShutdownTimeout: 10 })).message).toBe(
        'createServer: sslShutdownTimeout is only meaningful with ssl',
      );
      await withPeer(async (peer) => {
        const [plain, p] = await loop.createConnection(() => new Recorder(), '127.0.0.1', peer.port);
        const e = syncError(() => loop.startTls(plain, p, { ca: cert, sslShutdownTimeout: 0 }));
        expect(e.message).toBe('startTls: sslShutdownTimeout must be a positive number of ms, got 0');
        // the transport stays usable after the refused call
        const t = await waitFor(loop.startTls(plain, p, { ca: cert, serverHostname: 'localhost' }), BOUND);
        t.abort();
      });
    }));
});
