// StreamWriter.startTls (asyncio 3.11's start_tls): a plain connection upgraded to TLS in the
// middle of a line protocol, as SMTP's STARTTLS does, with the test certificate of fixtures/.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { TLSSocket, type PeerCertificate } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { RuntimeError, createTask, openConnection, run, sleep, startServer, waitFor, type Server, type StreamReader, type StreamWriter } from 'tulip';
import { assertCancelled, errorOf, syncError } from '../support.js';
import { BOUND, str } from './helpers.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const key = readFileSync(join(FIXTURES, 'localhost.key'));
const cert = readFileSync(join(FIXTURES, 'localhost.crt'));

/**
 * A line server: answers 'STARTTLS' with `greeting` and upgrades as the TLS server side, then
 * echoes every line, prefixed with 'tls:' once the connection is encrypted.
 */
function starttlsServer(greeting = 'OK\n', served: StreamWriter[] = []): Promise<Server> {
  return startServer(
    async (reader: StreamReader, writer: StreamWriter) => {
      served.push(writer);
      try {
        for await (const line of reader) {
          if (line.toString() === 'STARTTLS\n') {
            writer.write(greeting);
            await writer.startTls({ key, cert });
            continue;
          }
          writer.write((writer.transport instanceof TLSSocket ? 'tls:' : 'plain:') + line.toString());
          await writer.drain();
        }
      } catch {
        // a client that failed its handshake: nothing more to serve
      }
      writer.close();
    },
    '127.0.0.1',
    0,
  );
}

const portOf = (s: Server): number => (s.address() as AddressInfo).port;

async function shutdown(server: Server): Promise<void> {
  server.close();
  server.abortClients();
  await waitFor(server.waitClosed(), BOUND);
}

describe('StreamWriter.startTls', () => {
  it('a line protocol goes on over TLS after STARTTLS, with the same reader and writer on both sides', () =>
    run(async () => {
      const served: StreamWriter[] = [];
      const server = await starttlsServer('OK\n', served);
      try {
        const [reader, writer] = await openConnection('127.0.0.1', portOf(server));
        writer.write('hello\n');
        expect(str(await waitFor(reader.readline(), BOUND))).toBe('plain:hello\n');
        writer.write('STARTTLS\n');
        expect(str(await waitFor(reader.readline(), BOUND))).toBe('OK\n');
        await waitFor(writer.startTls({ ca: cert, serverHostname: 'localhost' }), BOUND);
        expect(writer.transport).toBeInstanceOf(TLSSocket);
        expect((writer.getExtraInfo('peercert') as PeerCertificate).subject.CN).toBe('localhost');
        expect(writer.canWriteEof()).toBe(false);
        writer.write('secret\n');
        expect(str(await waitFor(reader.readline(), BOUND))).toBe('tls:secret\n');
        expect(served[0]!.transport).toBeInstanceOf(TLSSocket);
        writer.close();
        await waitFor(writer.waitClosed(), BOUND);
      } finally {
        await shutdown(server);
      }
    }));

  it('bytes the reader holds from before the upgrade stay for the next read', () =>
    run(async () => {
      const server = await starttlsServer('OK\nleft over\n');
      try {
        const [reader, writer] = await openConnection('127.0.0.1', portOf(server));
        writer.write('STARTTLS\n');
        expect(str(await waitFor(reader.readline(), BOUND))).toBe('OK\n');
        while (reader.bufferedLength() < 'left over\n'.length) await sleep(1);
        await waitFor(writer.startTls({ ca: cert, serverHostname: 'localhost' }), BOUND);
        expect(str(await reader.readline())).toBe('left over\n');
        writer.write('x\n');
        expect(str(await waitFor(reader.readline(), BOUND))).toBe('tls:x\n');
        writer.close();
      } finally {
        await shutdown(server);
      }
    }));

  it('in a generator task too', () =>
    run(async () => {
      const server = await starttlsServer();
      try {
        const t = createTask(function* () {
          const [reader, writer] = yield* openConnection('127.0.0.1', portOf(server));
          writer.write('STARTTLS\n');
          yield* reader.readline();
          yield* writer.startTls({ ca: cert, serverHostname: 'localhost' });
          writer.write('gen\n');
          const line = yield* reader.readline();
          writer.close();
          return line;
        });
        expect(str(await waitFor(t, BOUND))).toBe('tls:gen\n');
      } finally {
        await shutdown(server);
      }
    }));

  it('a certificate that does not match rejects with the handshake error and closes the connection', () =>
    run(async () => {
      const server = await starttlsServer();
      try {
        const [reader, writer] = await openConnection('127.0.0.1', portOf(server));
        writer.write('STARTTLS\n');
        await waitFor(reader.readline(), BOUND);
        const pending = createTask(() => reader.read(10)); // a read waiting while the handshake fails
        await sleep(0);
        const e = await errorOf(() => waitFor(writer.startTls({ ca: cert, serverHostname: 'example.com' }), BOUND));
        expect((e as NodeJS.ErrnoException).code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
        expect(writer.isClosing()).toBe(true);
        expect(await errorOf(() => writer.drain())).toBe(e);
        expect(await errorOf(() => waitFor(pending, BOUND))).toBe(e);
      } finally {
        await shutdown(server);
      }
    }));

  it('a cancelled startTls closes the connection and ends cancelled', () =>
    run(async () => {
      const server = await starttlsServer();
      try {
        const [reader, writer] = await openConnection('127.0.0.1', portOf(server));
        writer.write('STARTTLS\n');
        await waitFor(reader.readline(), BOUND);
        const pending = createTask(() => reader.read(10));
        const t = createTask(() => writer.startTls({ ca: cert, serverHostname: 'localhost' }));
        await sleep(0);
        t.cancel();
        assertCancelled(await errorOf(() => t));
        await waitFor(writer.waitClosed(), BOUND);
        expect(writer.transport.destroyed).toBe(true);
        expect((await waitFor(pending, BOUND)).length).toBe(0); // the reader sees the end of the stream
      } finally {
        await shutdown(server);
      }
    }));

  it('refuses what cannot be upgraded: TLS already, a closed writer, bad options, a client option on the server side', () =>
    run(async () => {
      const seen: unknown[] = [];
      const server = await startServer(
        (_r, w) => {
          seen.push(syncError(() => w.startTls({ key, cert, serverHostname: 'x' })));
          w.close();
        },
        '127.0.0.1',
        0,
      );
      try {
        const [, writer] = await openConnection('127.0.0.1', portOf(server));
        const start = writer.startTls as (o?: unknown) => unknown;
        expect(syncError(() => start.call(writer, 'tls')).message).toBe('StreamWriter.startTls: opts must be an object of node:tls options, got "tls"');
        expect(syncError(() => writer.startTls({ serverHostname: '' })).message).toBe('StreamWriter.startTls: serverHostname must be a non-empty string, got ""');
        while (seen.length === 0) await sleep(1);
        expect((seen[0] as Error).message).toBe("StreamWriter.startTls: serverHostname is for the client side; this is a server's connection");
        writer.close();
        const e = syncError(() => writer.startTls());
        expect(e).toBeInstanceOf(RuntimeError);
        expect(e.message).toBe('StreamWriter.startTls: <StreamWriter closing> cannot start TLS');

        const tlsServer = await startServer(() => undefined, '127.0.0.1', 0, { ssl: { key, cert } });
        const [, w2] = await openConnection('127.0.0.1', portOf(tlsServer), { ssl: { ca: cert } });
        expect(syncError(() => w2.startTls()).message).toBe('StreamWriter.startTls: <StreamWriter open> is already using TLS');
        w2.close();
        await shutdown(tlsServer);
      } finally {
        await shutdown(server);
      }
    }));
});
