// TLS streams: openConnection({ ssl }) and startServer(…, { ssl }) over node:tls, with the test
// certificate of fixtures/ (self-signed, for localhost and 127.0.0.1). asyncio's own TLS tests
// (test_ssl.py, test_sslproto.py) drive its SSL protocol machinery; what is checked here is what a
// user of the streams sees: the handshake, the bytes, the certificate checks, half-close refused.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer as createTlsServer, TLSSocket, type PeerCertificate } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ConnectionAbortedError, RuntimeError, createTask, openConnection, run, sleep, startServer, waitFor, type Server, type StreamReader, type StreamWriter } from 'tulip';
import { assertCancelled, errorOf, syncError } from '../support.js';
import { BOUND, rawClient, rawServer, str } from './helpers.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const key = readFileSync(join(FIXTURES, 'localhost.key'));
const cert = readFileSync(join(FIXTURES, 'localhost.crt'));

/** A tulip TLS server that echoes lines until the end of the stream. */
function echoServer(): Promise<Server> {
  return startServer(
    async (reader: StreamReader, writer: StreamWriter) => {
      for await (const line of reader) {
        writer.write(line);
        await writer.drain();
      }
      writer.close();
    },
    '127.0.0.1',
    0,
    { ssl: { key, cert } },
  );
}

const portOf = (s: Server): number => (s.address() as AddressInfo).port;

async function shutdown(server: Server): Promise<void> {
  server.close();
  server.abortClients();
  await waitFor(server.waitClosed(), BOUND);
}

describe('TLS streams', () => {
  it('a client trusting the certificate exchanges lines with a TLS server, in both styles', () =>
    run(async () => {
      const server = await echoServer();
      try {
        const [reader, writer] = await openConnection('127.0.0.1', portOf(server), { ssl: { ca: cert } });
        expect(writer.transport).toBeInstanceOf(TLSSocket);
        writer.write('hello\n');
        expect(str(await waitFor(reader.readline(), BOUND))).toBe('hello\n');
        const t = createTask(function* () {
          writer.write('again\n');
          yield* writer.drain();
          return yield* reader.readline();
        });
        expect(str(await waitFor(t, BOUND))).toBe('again\n');
        writer.close();
        await waitFor(writer.waitClosed(), BOUND);
      } finally {
        await shutdown(server);
      }
    }));

  it('serverHostname names the certificate to check: localhost matches, another name fails the handshake', () =>
    run(async () => {
      const server = await echoServer();
      try {
        const [, w] = await openConnection('127.0.0.1', portOf(server), { ssl: { ca: cert }, serverHostname: 'localhost' });
        w.close();
        const e = await errorOf(() => openConnection('127.0.0.1', portOf(server), { ssl: { ca: cert }, serverHostname: 'example.com' }));
        expect((e as NodeJS.ErrnoException).code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
      } finally {
        await shutdown(server);
      }
    }));

  it("ssl: true checks against the system's CAs: a self-signed certificate is refused, and the server's callback never runs", () =>
    run(async () => {
      let calls = 0;
      const server = await startServer(() => void calls++, '127.0.0.1', 0, { ssl: { key, cert } });
      try {
        const e = await errorOf(() => openConnection('127.0.0.1', portOf(server), { ssl: true }));
        expect((e as NodeJS.ErrnoException).code).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY/);
        await sleep(20);
        expect(calls).toBe(0);
        expect(server.isServing()).toBe(true);
      } finally {
        await shutdown(server);
      }
    }));

  it("getExtraInfo gives the peer's certificate and the cipher over TLS, the default over plain TCP", () =>
    run(async () => {
      const server = await echoServer();
      try {
        const [, writer] = await openConnection('127.0.0.1', portOf(server), { ssl: { ca: cert } });
        const peercert = writer.getExtraInfo('peercert') as PeerCertificate;
        expect(peercert.subject.CN).toBe('localhost');
        expect((writer.getExtraInfo('cipher') as { name: string }).name).toMatch(/\w/);
        writer.close();
        const plain = await startServer(() => undefined, '127.0.0.1', 0);
        const [, w2] = await openConnection('127.0.0.1', portOf(plain));
        expect(w2.getExtraInfo('peercert', 'none')).toBe('none');
        w2.close();
        await shutdown(plain);
      } finally {
        await shutdown(server);
      }
    }));

  it('a TLS connection cannot be half-closed: canWriteEof() is false and writeEof() throws RuntimeError', () =>
    run(async () => {
      const server = await echoServer();
      try {
        const [reader, writer] = await openConnection('127.0.0.1', portOf(server), { ssl: { ca: cert } });
        expect(writer.canWriteEof()).toBe(false);
        const e = syncError(() => writer.writeEof());
        expect(e).toBeInstanceOf(RuntimeError);
        expect(e.message).toBe('StreamWriter.writeEof: a TLS connection cannot be half-closed (canWriteEof() is false)');
        writer.write('still open\n'); // the writer stays usable
        expect(str(await waitFor(reader.readline(), BOUND))).toBe('still open\n');
        writer.close();
      } finally {
        await shutdown(server);
      }
    }));

  it('a TLS client of a plain node:tls server reads to the end of the stream', () =>
    run(async () => {
      const peer = createTlsServer({ key, cert }, (s) => s.end('bye from node:tls'));
      await new Promise<void>((r) => peer.listen(0, '127.0.0.1', r));
      try {
        const [reader, writer] = await openConnection('127.0.0.1', (peer.address() as AddressInfo).port, { ssl: { ca: cert } });
        expect(str(await waitFor(reader.read(), BOUND))).toBe('bye from node:tls');
        expect(reader.atEof()).toBe(true);
        writer.close();
      } finally {
        await new Promise<void>((r) => peer.close(() => r()));
      }
    }));

  it('openConnection cancelled during the handshake ends cancelled', () =>
    run(async () => {
      const server = await echoServer();
      try {
        const t = createTask(() => openConnection('127.0.0.1', portOf(server), { ssl: { ca: cert } }));
        await sleep(0);
        t.cancel();
        assertCancelled(await errorOf(() => t));
      } finally {
        await shutdown(server);
      }
    }));

  it('bad ssl options throw TypeError naming the option and what came', () =>
    run(async () => {
      const open = openConnection as (...a: unknown[]) => unknown;
      expect(syncError(() => open('127.0.0.1', 1, { ssl: 'yes' })).message).toBe(
        'openConnection: ssl must be a boolean or an object of node:tls connect options, got "yes"',
      );
      expect(syncError(() => open('127.0.0.1', 1, { ssl: true, serverHostname: '' })).message).toBe(
        'openConnection: serverHostname must be a non-empty string, got ""',
      );
      expect(syncError(() => open('127.0.0.1', 1, { serverHostname: 'localhost' })).message).toBe(
        'openConnection: serverHostname is only meaningful with ssl',
      );
      const serve = startServer as (...a: unknown[]) => unknown;
      expect(syncError(() => serve(() => undefined, '127.0.0.1', 0, { ssl: true })).message).toBe(
        'startServer: ssl must be an object of node:tls server options (key, cert …), got true',
      );
    }));

  it('sslHandshakeTimeout: a server that never answers the handshake aborts openConnection with ConnectionAbortedError', () =>
    run(async () => {
      const peer = await rawServer((s) => s.resume()); // plain TCP: reads, never speaks TLS
      try {
        const e = await errorOf(() => openConnection('127.0.0.1', peer.port, { ssl: { ca: cert }, sslHandshakeTimeout: 100 }));
        expect(e).toBeInstanceOf(ConnectionAbortedError);
        expect((e as ConnectionAbortedError).code).toBe('ECONNABORTED');
        expect(e.message).toBe('openConnection: the TLS handshake is taking longer than 100 ms: aborting the connection');
        for (let i = 0; i < 200 && peer.sockets.size > 0; i++) await sleep(5);
        expect(peer.sockets.size).toBe(0); // the half-made connection was closed
      } finally {
        await peer.close();
      }
    }));

  it('sslHandshakeTimeout: startTls against a peer that never upgrades aborts, and a waiting read gets the error', () =>
    run(async () => {
      const peer = await rawServer(() => undefined);
      try {
        const [reader, writer] = await openConnection('127.0.0.1', peer.port);
        const pending = createTask(() => reader.read(10));
        await sleep(0);
        const e = await errorOf(() => writer.startTls({ ca: cert, serverHostname: 'localhost', sslHandshakeTimeout: 100 }));
        expect(e).toBeInstanceOf(ConnectionAbortedError);
        expect(e.message).toBe('StreamWriter.startTls: the TLS handshake is taking longer than 100 ms: aborting the connection');
        expect(await errorOf(() => waitFor(pending, BOUND))).toBe(e);
      } finally {
        await peer.close();
      }
    }));

  it('sslHandshakeTimeout: a TLS server drops a client that never starts its handshake; the callback never runs', () =>
    run(async () => {
      let calls = 0;
      const server = await startServer(() => void calls++, '127.0.0.1', 0, { ssl: { key, cert }, sslHandshakeTimeout: 100 });
      try {
        const client = await rawClient({ port: portOf(server) });
        const closed = new Promise<number>((resolve) => {
          const t0 = Date.now();
          client.once('close', () => resolve(Date.now() - t0));
        });
        const after = await waitFor(closed, BOUND);
        expect(after).toBeGreaterThanOrEqual(50);
        expect(calls).toBe(0);
      } finally {
        await shutdown(server);
      }
    }));

  it('sslHandshakeTimeout is checked: a number of ms >= 0, and only with ssl', () =>
    run(() => {
      const open = openConnection as (...a: unknown[]) => unknown;
      const e = syncError(() => open('127.0.0.1', 1, { ssl: true, sslHandshakeTimeout: -1 }));
      expect(e).toBeInstanceOf(RangeError);
      expect(e.message).toBe('openConnection: sslHandshakeTimeout must not be negative, got -1');
      expect(syncError(() => open('127.0.0.1', 1, { sslHandshakeTimeout: 10 })).message).toBe(
        'openConnection: sslHandshakeTimeout is only meaningful with ssl',
      );
      const serve = startServer as (...a: unknown[]) => unknown;
      expect(syncError(() => serve(() => undefined, '127.0.0.1', 0, { sslHandshakeTimeout: 10 })).message).toBe(
        'startServer: sslHandshakeTimeout is only meaningful with ssl',
      );
    }));
});
