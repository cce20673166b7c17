// Transports over TLS (src/streams/transport.ts, wiring.ts): createConnection / createServer
// with `ssl`, and loop.startTls upgrading a plain protocol connection (asyncio's start_tls).
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { RuntimeError, createTask, getRunningLoop, run, sleep, waitFor, type Server, type Transport } from 'tulip';
import { assertCancelled, errorOf, syncError } from '../support.js';
import { BOUND, portOf, shutdown } from './helpers.js';
import { Echo, Recorder, cert, key, until } from './protocols.helpers.js';

describe('over TLS', () => {
  it('connects, exchanges bytes, reports the certificate, and cannot half-close', () =>
    run(async () => {
      const loop = getRunningLoop();
      const server = await loop.createServer(() => new Echo(), '127.0.0.1', 0, { ssl: { key, cert } });
      try {
        const [t, p] = await loop.createConnection(() => new Recorder(), '127.0.0.1', portOf(server), { ssl: { ca: cert } });
        expect(t.canWriteEof()).toBe(false);
        expect(syncError(() => t.writeEof())).toBeInstanceOf(RuntimeError);
        expect((t.getExtraInfo('peercert') as { subject?: { CN?: string } }).subject?.CN).toBe('localhost');
        expect(t.getExtraInfo('cipher')).toHaveProperty('name');
        expect(t.getExtraInfo('sslObject')).toBe(t.getExtraInfo('socket'));
        t.write('secret');
        await until(() => p.data === 'secret', 'the echo');
        t.close();
        await waitFor(p.lost, BOUND);
      } finally {
        await shutdown(server);
      }
    }));

  it("close() keeps the connection until the peer ends it (asyncio's SSL shutdown): what the peer sends meanwhile is dropped, and its end ends the connection", () =>
    run(async () => {
      // A peer that stays open after the client's end: the client's socket must not be closed
      // under it (a close under the peer's last records resets the connection, and the peer
      // loses what it had not read yet).
      let peer: TLSSocket | undefined;
      let peerGot = '';
      let peerSawEnd = false;
      const server = createTlsServer({ key, cert, allowHalfOpen: true }, (sock) => {
        peer = sock;
        sock.on('data', (d: Buffer) => (peerGot += d.toString('latin1')));
        sock.on('end', () => (peerSawEnd = true));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const port = (server.address() as { port: number }).port;
        const [t, p] = await getRunningLoop().createConnection(() => new Recorder(), '127.0.0.1', port, { ssl: { ca: cert } });
        t.write('x'.repeat(100_000));
        t.close();
        await until(() => peerSawEnd, "the peer's end of stream");
        expect(peerGot.length).toBe(100_000);
        peer!.write('late'); // after the client's close: not delivered
        await sleep(50);
        expect(p.lost.done()).toBe(false);
        expect(t.isClosing()).toBe(true);
        peer!.end();
        await waitFor(p.lost, BOUND);
        expect(p.lostWith).toBeUndefined();
        expect(p.data).toBe('');
      } finally {
        server.close();
      }
    }));

  it('a certificate the client does not trust fails the call', () =>
    run(async () => {
      const loop = getRunningLoop();
      const server = await loop.createServer(() => new Echo(), '127.0.0.1', 0, { ssl: { key, cert } });
      try {
        let made = 0;
        const e = await errorOf(() => loop.createConnection(() => (made++, new Recorder()), '127.0.0.1', portOf(server), { ssl: true }));
        expect((e as NodeJS.ErrnoException).code).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|DEPTH_ZERO/);
        expect(made).toBe(0);
      } finally {
        await shutdown(server);
      }
    }));
});

/**
 * A STARTTLS line server: answers 'STARTTLS' with 'OK', upgrades its side to TLS, then echoes;
 * every call it gets is recorded, and the transport it ends on is kept.
 */
class StartTlsServer extends Recorder {
  upgraded: Transport | undefined;
  override dataReceived(d: Buffer): void {
    super.dataReceived(d);
    if (this.upgraded === undefined && this.data.endsWith('STARTTLS\n')) {
      this.transport.write('OK\n');
      void getRunningLoop()
        .startTls(this.transport, this, { serverSide: true, key, cert })
        .then((t) => (this.upgraded = t), () => undefined);
    } else if (this.upgraded !== undefined) this.upgraded.write(d);
  }
}

async function startTlsServer(): Promise<{ server: Server; made: StartTlsServer[] }> {
  const made: StartTlsServer[] = [];
  const server = await getRunningLoop().createServer(() => {
    const p = new StartTlsServer();
    made.push(p);
    return p;
  }, '127.0.0.1', 0);
  return { server, made };
}

describe('loop.startTls', () => {
  it('upgrades both ends of a plain connection mid-stream; the protocols go on over TLS, made once', () =>
    run(async () => {
      const loop = getRunningLoop();
      const { server, made } = await startTlsServer();
      try {
        const [plain, client] = await loop.createConnection(() => new Recorder(), '127.0.0.1', portOf(server));
        plain.write('STARTTLS\n');
        await until(() => client.data === 'OK\n', 'the OK');
        const secure = await loop.startTls(plain, client, { ca: cert, serverHostname: 'localhost' });
        expect(secure).not.toBe(plain);
        expect(secure.getProtocol()).toBe(client);
        expect(secure.canWriteEof()).toBe(false);
        expect((secure.getExtraInfo('peercert') as { subject?: { CN?: string } }).subject?.CN).toBe('localhost');
        expect(plain.isClosing()).toBe(true);
        plain.write('dropped'); // the old transport is done with
        secure.write('secret');
        await until(() => client.data === 'OK\nsecret', 'the echo over TLS');
        expect(made[0]!.upgraded?.getExtraInfo('cipher')).toHaveProperty('name');
        secure.close();
        await waitFor(client.lost, BOUND);
        await waitFor(made[0]!.lost, BOUND);
        expect(client.calls.filter((c) => c === 'made')).toHaveLength(1);
        expect(client.calls.filter((c) => c === 'lost')).toHaveLength(1);
        expect(made[0]!.calls.filter((c) => c === 'made')).toHaveLength(1);
        expect(client.lostWith).toBeUndefined();
      } finally {
        await shutdown(server);
      }
    }));

  it('works from a generator task too', () =>
    run(function* () {
      const loop = getRunningLoop();
      const server = yield* loop.createServer(() => new StartTlsServer(), '127.0.0.1', 0);
      try {
        const [plain, client] = yield* loop.createConnection(() => new Recorder(), '127.0.0.1', portOf(server));
        plain.write('STARTTLS\n');
        for (let i = 0; i < 1000 && client.data !== 'OK\n'; i++) yield* sleep(2);
        const secure = yield* loop.startTls(plain, client, { ca: cert, serverHostname: 'localhost' });
        secure.write('gen');
        for (let i = 0; i < 1000 && client.data !== 'OK\ngen'; i++) yield* sleep(2);
        expect(client.data).toBe('OK\ngen');
        secure.close();
        yield* waitFor(client.lost, BOUND);
      } finally {
        server.close();
        server.abortClients();
        yield* waitFor(server.waitClosed(), BOUND);
      }
    }));

  it('a certificate the client does not trust fails the call and ends the connection for the protocol', () =>
    run(async () => {
      const loop = getRunningLoop();
      const { server } = await startTlsServer();
      try {
        const [plain, client] = await loop.createConnection(() => new Recorder(), '127.0.0.1', portOf(server));
        plain.write('STARTTLS\n');
        await until(() => client.data === 'OK\n', 'the OK');
        const e = await errorOf(() => loop.startTls(plain, client, { serverHostname: 'localhost' }));
        expect((e as NodeJS.ErrnoException).code).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|DEPTH_ZERO/);
        await waitFor(client.lost, BOUND);
        expect(client.lostWith).toBe(e);
      } finally {
        await shutdown(server);
      }
    }));

  it('a cancelled upgrade closes the connection: connectionLost(undefined)', () =>
    run(async () => {
      const loop = getRunningLoop();
      const server = await loop.createServer(() => new Recorder(), '127.0.0.1', 0); // never answers the handshake
      try {
        const [plain, client] = await loop.createConnection(() => new Recorder(), '127.0.0.1', portOf(server));
        const t = createTask(() => loop.startTls(plain, client, { ca: cert, serverHostname: 'localhost' }));
        await sleep(5);
        t.cancel();
        assertCancelled(await errorOf(() => t));
        await waitFor(client.lost, BOUND);
        expect(client.lostWith).toBeUndefined();
      } finally {
        await shutdown(server);
      }
    }));

  it('refuses what cannot be upgraded, and bad arguments, leaving the transport usable', () =>
    run(async () => {
      const loop = getRunningLoop();
      const server = await loop.createServer(() => new Echo(), '127.0.0.1', 0);
      const tlsServer = await loop.createServer(() => new Echo(), '127.0.0.1', 0, { ssl: { key, cert } });
      try {
        const [plain, p] = await loop.createConnection(() => new Recorder(), '127.0.0.1', portOf(server));
        expect(syncError(() => loop.startTls({} as never, p)).message).toMatch(/startTls: transport must be a Transport of a connection/);
        expect(syncError(() => loop.startTls(plain, null as never)).message).toMatch(/startTls: protocol must be a protocol object/);
        expect(syncError(() => loop.startTls(plain, p, { serverSide: true, serverHostname: 'x' })).message).toMatch(/serverHostname is for the client side/);
        expect(syncError(() => loop.startTls(plain, p, { sslHandshakeTimeout: 0 }))).toBeInstanceOf(RangeError);
        plain.write('still plain'); // none of the refusals touched the connection
        await until(() => p.data === 'still plain', 'the echo');
        const [secure, sp] = await loop.createConnection(() => new Recorder(), '127.0.0.1', portOf(tlsServer), { ssl: { ca: cert } });
        const e = syncError(() => loop.startTls(secure, sp, { ca: cert }));
        expect(e).toBeInstanceOf(RuntimeError);
        expect(e.message).toMatch(/startTls: <Transport open> is not a plain socket connection/);
        plain.close();
        expect(syncError(() => loop.startTls(plain, p, { ca: cert })).message).toMatch(/startTls: <Transport closing> is closing/);
        secure.close();
        await waitFor(p.lost, BOUND);
        await waitFor(sp.lost, BOUND);
      } finally {
        await shutdown(server);
        await shutdown(tlsServer);
      }
    }));
});

