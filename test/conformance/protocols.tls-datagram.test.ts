// Behaviour ports of CPython 3.13's tests of asyncio's transports and protocols — this file:
// TLS through createConnection / createServer, loop.createDatagramEndpoint, bad input and closed loops.
// Conventions and what is not ported: protocols.connection.test.ts.
import { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { describe, expect, it } from 'vitest';
import {
  BaseTransport,
  ConnectionAbortedError,
  DatagramProtocol,
  DatagramTransport,
  Protocol,
  RuntimeError,
  Transport,
  getRunningLoop,
  newEventLoop,
  run,
  sleep,
  waitFor,
  type Address,
} from 'tulip';
import { errorOf, newFuture, recordExceptions, rejectionG, syncError } from './helpers.js';
import { BOUND, portOf, rawClient, rawServer, receiveAll, shutdown, sockPath } from '../streams/helpers.js';
import {
  key,
  cert,
  Recorder,
  until,
  untilG,
  watchedPeer,
  freePort,
  messages,
  codeOf,
  loopNet,
} from './protocols.helpers.js';

// ---- TLS ----------------------------------------------------------------------------------------

describe('TLS through createConnection / createServer (test_events.py ssl tests, test_ssl.py, test_sslproto.py)', () => {
  const serverSsl = { key, cert };

  // ports test_events.py::EventLoopTestsMixin.test_create_server_ssl (+ check_ssl_extra_info)
  it('a TLS server and client: bytes arrive, the client\'s extra info has peercert, cipher and sslObject; canWriteEof false', () =>
    run(async () => {
      let proto: Recorder | undefined;
      const srv = await loopNet().createServer(() => (proto = new Recorder()), '127.0.0.1', 0, { ssl: serverSsl });
      try {
        const port = portOf(srv);
        const [client, cp] = await loopNet().createConnection(() => new Recorder(), '127.0.0.1', port, { ssl: { ca: cert } });
        client.write('xxx');
        await until(() => proto !== undefined && proto.nbytes === 3, 'the server protocol gets the bytes');
        expect(client.getExtraInfo('peername')).toEqual(['127.0.0.1', port]);
        expect(client.getExtraInfo('sockname')).not.toBeUndefined();
        const peercert = client.getExtraInfo('peercert') as { subject?: { CN?: string } };
        expect(peercert.subject?.CN).toBe('localhost');
        const cipher = client.getExtraInfo('cipher') as { name: string; version: string };
        expect(typeof cipher.name).toBe('string');
        expect(typeof cipher.version).toBe('string');
        expect(client.getExtraInfo('sslObject')).toBeInstanceOf(TLSSocket);
        expect(client.canWriteEof()).toBe(false);
        expect(proto!.transport!.canWriteEof()).toBe(false);
        expect(syncError(() => client.writeEof())).toBeInstanceOf(RuntimeError);
        proto!.transport!.close();
        expect(await waitFor(proto!.lost, BOUND)).toBeUndefined();
        expect(proto!.calls).toEqual(['made', 'data', 'lost']);
        await waitFor(cp.lost, BOUND);
        client.close();
      } finally {
        await shutdown(srv);
      }
    }));

  // ports test_events.py::EventLoopTestsMixin.test_create_server_ssl_verify_failed and
  // test_ssl.py::TestSSL.test_create_connection_ssl_failed_certificate
  it('a client that does not trust the certificate: the call rejects, neither side\'s protocol is made', () =>
    run(async () => {
      const seen = recordExceptions();
      let serverMade = 0;
      const srv = await loopNet().createServer(() => (serverMade++, new Recorder()), '127.0.0.1', 0, { ssl: serverSsl });
      try {
        let clientMade = 0;
        const e = await errorOf(() => loopNet().createConnection(() => (clientMade++, new Recorder()), '127.0.0.1', portOf(srv), { ssl: { servername: 'localhost' } }));
        expect(String(codeOf(e))).toMatch(/CERT|SELF_SIGNED/);
        await sleep(10);
        expect(clientMade).toBe(0);
        expect(serverMade).toBe(0);
        expect(seen).toEqual([]);
      } finally {
        await shutdown(srv);
      }
    }));

  // ports test_events.py::EventLoopTestsMixin.test_create_server_ssl_match_failed
  it('a serverHostname the certificate does not match: the call rejects with ERR_TLS_CERT_ALTNAME_INVALID', () =>
    run(async () => {
      let serverMade = 0;
      const srv = await loopNet().createServer(() => (serverMade++, new Recorder()), '127.0.0.1', 0, { ssl: serverSsl });
      try {
        const e = await errorOf(() =>
          loopNet().createConnection(() => new Recorder(), '127.0.0.1', portOf(srv), { ssl: { ca: cert }, serverHostname: 'example.com' }),
        );
        expect(codeOf(e)).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
        await sleep(10);
        expect(serverMade).toBe(0);
      } finally {
        await shutdown(srv);
      }
    }));

  // ports test_events.py::EventLoopTestsMixin.test_create_server_ssl_verified (serverHostname given)
  it('serverHostname "localhost" with the CA: connected, both protocols made', () =>
    run(async () => {
      let proto: Recorder | undefined;
      const srv = await loopNet().createServer(() => (proto = new Recorder()), '127.0.0.1', 0, { ssl: serverSsl });
      try {
        const [client, cp] = await loopNet().createConnection(() => new Recorder(), '127.0.0.1', portOf(srv), { ssl: { ca: cert }, serverHostname: 'localhost' });
        expect(cp.calls).toEqual(['made']);
        await until(() => proto !== undefined, 'the server protocol is made');
        await waitFor(proto!.made, BOUND);
        client.close();
        await waitFor(cp.lost, BOUND);
        await waitFor(proto!.lost, BOUND);
      } finally {
        await shutdown(srv);
      }
    }));

  // ports test_ssl.py::TestSSL.test_create_connection_ssl_slow_handshake
  it('a handshake longer than sslHandshakeTimeout: ConnectionAbortedError, the server side sees the socket closed', async () => {
    const { peer, accepted, closed } = await watchedPeer();
    try {
      await run(async () => {
        let made = 0;
        const e = await errorOf(() => loopNet().createConnection(() => (made++, new Recorder()), '127.0.0.1', peer.port, { ssl: { ca: cert }, sslHandshakeTimeout: 50 }));
        expect(e).toBeInstanceOf(ConnectionAbortedError);
        expect(e.message).toMatch(/handshake.*taking longer/i);
        await until(() => accepted.length === 1 && closed() === 1, 'the server side is closed');
        expect(made).toBe(0);
      });
    } finally {
      await peer.close();
    }
  });

  // ports test_ssl.py::TestSSL.test_ssl_handshake_connection_lost
  it('the server drops the connection mid-handshake: the call rejects; neither connectionMade nor connectionLost is called', async () => {
    const peer = await rawServer((s) => s.once('data', () => s.destroy()));
    try {
      await run(async () => {
        const calls: string[] = [];
        const e = await errorOf(() =>
          loopNet().createConnection(
            () => ({ connectionMade: () => void calls.push('made'), connectionLost: () => void calls.push('lost') }),
            '127.0.0.1',
            peer.port,
            { ssl: { ca: cert } },
          ),
        );
        expect(codeOf(e)).toBe('ECONNRESET');
        await sleep(10);
        expect(calls).toEqual([]);
      });
    } finally {
      await peer.close();
    }
  });

  // ports sslproto.SSLProtocol.eof_received (a true result has no effect over SSL: it closes)
  it('over TLS, eofReceived returning true still closes the transport', () =>
    run(async () => {
      const srv = await loopNet().createServer(() => {
        const p = new Recorder();
        return {
          connectionMade: (t: Transport) => {
            p.connectionMade(t);
            t.write('bye');
            t.close();
          },
        };
      }, '127.0.0.1', 0, { ssl: serverSsl });
      try {
        class KeepOpen extends Recorder {
          override keepOpen = true;
        }
        const [t, p] = await loopNet().createConnection(() => new KeepOpen(), '127.0.0.1', portOf(srv), { ssl: { ca: cert } });
        expect(await waitFor(p.lost, BOUND)).toBeUndefined();
        expect(p.text).toBe('bye');
        expect(p.calls).toEqual(['made', 'data', 'eof', 'lost']);
        expect(t.isClosing()).toBe(true);
      } finally {
        await shutdown(srv);
      }
    }));

  // ports test_sslproto.py test_handshake_timeout_zero: asyncio refuses ssl_handshake_timeout=0
  // ("ssl_handshake_timeout should be a positive number").
  it('sslHandshakeTimeout 0 is refused with RangeError, as asyncio refuses a timeout that is not positive', () =>
    run(async () => {
      const e = syncError(() => loopNet().createConnection(() => new Recorder(), '127.0.0.1', 1, { ssl: { ca: cert }, sslHandshakeTimeout: 0 }));
      expect(e).toBeInstanceOf(RangeError);
    }));

  // ports test_sslproto.py::SslProtoHandshakeTests.test_handshake_timeout_negative
  it('a negative sslHandshakeTimeout is refused with RangeError', () =>
    run(async () => {
      const e = syncError(() => loopNet().createConnection(() => new Recorder(), '127.0.0.1', 1, { ssl: { ca: cert }, sslHandshakeTimeout: -10 }));
      expect(e).toBeInstanceOf(RangeError);
      const e2 = syncError(() => loopNet().createServer(() => new Recorder(), '127.0.0.1', 0, { ssl: serverSsl, sslHandshakeTimeout: -10 }));
      expect(e2).toBeInstanceOf(RangeError);
    }));
});

// ---- test_events.py: create_datagram_endpoint ---------------------------------------------------

describe('loop.createDatagramEndpoint (test_events.py, test_selector_events.py)', () => {
  /** asyncio's MyDatagramProto: counts bytes, records its calls, resolves `done` at connectionLost. */
  class DgramRecorder extends DatagramProtocol {
    transport: DatagramTransport | undefined;
    calls: string[] = [];
    nbytes = 0;
    received: [string, Address][] = [];
    errors: Error[] = [];
    readonly done = newFuture<Error | undefined>();
    override connectionMade(t: DatagramTransport): void {
      this.transport = t;
      this.calls.push('made');
    }
    override datagramReceived(data: Buffer, addr: Address): void {
      this.nbytes += data.length;
      this.received.push([data.toString('latin1'), addr]);
    }
    override errorReceived(exc: Error): void {
      this.errors.push(exc);
    }
    override connectionLost(exc: Error | undefined): void {
      this.calls.push('lost');
      this.done.setResult(exc);
    }
  }
  /** Answers each datagram with 'resp:' + the datagram. */
  class Responder extends DgramRecorder {
    override datagramReceived(data: Buffer, addr: Address): void {
      super.datagramReceived(data, addr);
      this.transport!.sendto(Buffer.concat([Buffer.from('resp:'), data]), addr);
    }
  }

  // ports test_events.py::EventLoopTestsMixin.test_create_datagram_endpoint (+ _ipv6)
  for (const [label, host, style] of [
    ['IPv4', '127.0.0.1', 'generator'],
    ['IPv4', '127.0.0.1', 'async'],
    ['IPv6', '::1', 'async'],
  ] as const) {
    it(`(${style}, ${label}) a bound endpoint answers a connected one: 3 bytes one way, 8 back; close calls connectionLost`, () => {
      const check = (st: DatagramTransport, server: DgramRecorder, ct: DatagramTransport, client: DgramRecorder) => {
        expect(st).toBeInstanceOf(DatagramTransport);
        expect(st).toBeInstanceOf(BaseTransport);
        expect(server.transport).toBe(st);
        expect(client.transport).toBe(ct);
        expect(server.calls).toEqual(['made']);
        expect(client.calls).toEqual(['made']);
      };
      if (style === 'generator') {
        return run(function* () {
          const loop = getRunningLoop();
          const [st, server] = yield* loop.createDatagramEndpoint(() => new Responder(), { localAddr: [host, 0] });
          const [shost, sport] = st.getExtraInfo('sockname') as [string, number];
          expect(shost).toBe(host);
          const [ct, client] = yield* loop.createDatagramEndpoint(() => new DgramRecorder(), { remoteAddr: [shost, sport] });
          check(st, server, ct, client);
          ct.sendto('xxx');
          yield* untilG(() => server.nbytes > 0, 'the server gets the datagram');
          expect(server.nbytes).toBe(3);
          yield* untilG(() => client.nbytes > 0, 'the client gets the answer');
          expect(client.nbytes).toBe(8);
          expect(ct.getExtraInfo('sockname')).not.toBeUndefined();
          ct.close();
          expect(yield* waitFor(client.done, BOUND)).toBeUndefined();
          expect(client.calls).toEqual(['made', 'lost']);
          st.close();
          yield* waitFor(server.done, BOUND);
        });
      }
      return run(async () => {
        const loop = getRunningLoop();
        const [st, server] = await loop.createDatagramEndpoint(() => new Responder(), { localAddr: [host, 0] });
        const [shost, sport] = st.getExtraInfo('sockname') as [string, number];
        expect(shost).toBe(host);
        const [ct, client] = await loop.createDatagramEndpoint(() => new DgramRecorder(), { remoteAddr: [shost, sport] });
        check(st, server, ct, client);
        ct.sendto('xxx');
        await until(() => server.nbytes > 0, 'the server gets the datagram');
        expect(server.nbytes).toBe(3);
        await until(() => client.nbytes > 0, 'the client gets the answer');
        expect(client.nbytes).toBe(8);
        expect(client.received[0]![1]).toEqual([shost, sport]);
        ct.close();
        expect(await waitFor(client.done, BOUND)).toBeUndefined();
        expect(client.calls).toEqual(['made', 'lost']);
        st.close();
        await waitFor(server.done, BOUND);
      });
    });
  }

  // ports test_events.py::EventLoopTestsMixin.test_datagram_send_to_non_listening_address
  it('after sending to an address nobody listens on, the endpoint still receives', () =>
    run(async () => {
      const loop = getRunningLoop();
      const [t1, p1] = await loop.createDatagramEndpoint(() => new DgramRecorder(), { localAddr: ['127.0.0.1', 0] });
      const [t2, p2] = await loop.createDatagramEndpoint(() => new DgramRecorder(), { localAddr: ['127.0.0.1', 0] });
      const [t3] = await loop.createDatagramEndpoint(() => new DgramRecorder(), { localAddr: ['127.0.0.1', 0] });
      const a1 = t1.getExtraInfo('sockname') as Address;
      const a2 = t2.getExtraInfo('sockname') as Address;
      const a3 = t3.getExtraInfo('sockname') as Address;
      t3.abort();
      try {
        t1.sendto('a', a2);
        await until(() => p2.received.length === 1, 'b receives a');
        t2.sendto('b', a1);
        await until(() => p1.received.length === 1, 'a receives b');
        t1.sendto('c', a3);
        await sleep(0);
        t2.sendto('d', a1);
        await until(() => p1.received.length === 2, 'a still receives');
        expect(p1.received.map(([d]) => d)).toEqual(['b', 'd']);
        expect(p2.received.map(([d]) => d)).toEqual(['a']);
      } finally {
        t1.close();
        t2.close();
      }
    }));

  // ports test_selector_events.py::SelectorDatagramTransportTests.test_sendto_no_data (3.13: an
  // empty datagram is sent)
  it('an empty datagram is sent and received', () =>
    run(async () => {
      const loop = getRunningLoop();
      const [st, server] = await loop.createDatagramEndpoint(() => new DgramRecorder(), { localAddr: ['127.0.0.1', 0] });
      const [ct] = await loop.createDatagramEndpoint(() => new DgramRecorder(), { remoteAddr: st.getExtraInfo('sockname') as Address });
      try {
        ct.sendto(Buffer.alloc(0));
        ct.sendto('after');
        await until(() => server.received.length === 2, 'both datagrams arrive');
        expect(server.received.map(([d]) => d)).toEqual(['', 'after']);
      } finally {
        ct.close();
        st.close();
      }
    }));

  // ports test_selector_events.py::SelectorDatagramTransportTests.test_sendto_connected_addr and
  // base_events' "Invalid address" check
  it('a connected endpoint: sendto takes no address or its own; another one throws RangeError; peername is remoteAddr', () =>
    run(async () => {
      const loop = getRunningLoop();
      const [st, server] = await loop.createDatagramEndpoint(() => new DgramRecorder(), { localAddr: ['127.0.0.1', 0] });
      const remote = st.getExtraInfo('sockname') as Address;
      const [ct] = await loop.createDatagramEndpoint(() => new DgramRecorder(), { remoteAddr: remote });
      try {
        expect(ct.getExtraInfo('peername')).toEqual(remote);
        expect(st.getExtraInfo('peername', 'none')).toBe('none');
        ct.sendto('one', [remote[0], remote[1]]);
        expect(syncError(() => ct.sendto('two', ['127.0.0.1', remote[1] === 9 ? 10 : 9]))).toBeInstanceOf(RangeError);
        await until(() => server.received.length === 1, 'the datagram arrives');
        expect(syncError(() => st.sendto('no address'))).toBeInstanceOf(TypeError);
        expect(syncError(() => st.sendto(42 as never, remote))).toBeInstanceOf(TypeError);
      } finally {
        ct.close();
        st.close();
      }
    }));

  // ports test_selector_events.py::SelectorDatagramTransportTests.test_sendto_error_received_connected
  it('a connected endpoint whose peer is gone: errorReceived gets ECONNREFUSED and the endpoint stays open', () =>
    run(async () => {
      const loop = getRunningLoop();
      const seen = recordExceptions();
      const [st] = await loop.createDatagramEndpoint(() => new DgramRecorder(), { localAddr: ['127.0.0.1', 0] });
      const remote = st.getExtraInfo('sockname') as Address;
      st.close();
      const [ct, client] = await loop.createDatagramEndpoint(() => new DgramRecorder(), { remoteAddr: remote });
      try {
        for (let i = 0; i < BOUND / 5 && client.errors.length === 0; i++) {
          ct.sendto('anyone?');
          await sleep(5);
        }
        expect(codeOf(client.errors[0])).toBe('ECONNREFUSED');
        expect(ct.isClosing()).toBe(false);
        expect(client.calls).toEqual(['made']);
        expect(seen).toEqual([]);
      } finally {
        ct.close();
      }
    }));

  // ports test_selector_events.py::SelectorDatagramTransportTests.test_sendto_closing and
  // test_fatal_error_connected (abort → connection_lost(None))
  it('sendto after close is dropped silently; abort calls connectionLost(undefined)', () =>
    run(async () => {
      const loop = getRunningLoop();
      const seen = recordExceptions();
      const [st, server] = await loop.createDatagramEndpoint(() => new DgramRecorder(), { localAddr: ['127.0.0.1', 0] });
      const [ct, client] = await loop.createDatagramEndpoint(() => new DgramRecorder(), { remoteAddr: st.getExtraInfo('sockname') as Address });
      ct.close();
      expect(ct.isClosing()).toBe(true);
      expect(ct.sendto('dropped')).toBeUndefined();
      expect(await waitFor(client.done, BOUND)).toBeUndefined();
      ct.sendto('dropped too');
      st.abort();
      expect(await waitFor(server.done, BOUND)).toBeUndefined();
      expect(server.received).toEqual([]);
      expect(server.calls).toEqual(['made', 'lost']);
      expect(st.getWriteBufferSize()).toBe(0);
      expect(seen).toEqual([]);
    }));

  // ports base_events.create_datagram_endpoint's argument checks ("unexpected address family")
  it('no localAddr, remoteAddr or family: RangeError; a malformed address: TypeError', () =>
    run(() => {
      const loop = getRunningLoop();
      expect(syncError(() => loop.createDatagramEndpoint(() => new DatagramProtocol(), {}))).toBeInstanceOf(RangeError);
      expect(syncError(() => loop.createDatagramEndpoint(() => new DatagramProtocol()))).toBeInstanceOf(RangeError);
      const e = syncError(() => loop.createDatagramEndpoint(() => new DatagramProtocol(), { localAddr: ['127.0.0.1', 70000] }));
      expect(e).toBeInstanceOf(TypeError);
      expect(e.message).toMatch(/localAddr/);
      expect(syncError(() => loop.createDatagramEndpoint(() => new DatagramProtocol(), { remoteAddr: '127.0.0.1:9' as never }))).toBeInstanceOf(TypeError);
    }));

  it('family alone: an unbound endpoint that can send to any address', () =>
    run(async () => {
      const loop = getRunningLoop();
      const [st, server] = await loop.createDatagramEndpoint(() => new DgramRecorder(), { localAddr: ['127.0.0.1', 0] });
      const [ct] = await loop.createDatagramEndpoint(() => new DgramRecorder(), { family: 4 });
      try {
        ct.sendto('hello', st.getExtraInfo('sockname') as Address);
        await until(() => server.received.length === 1, 'the datagram arrives');
        expect(server.received[0]![0]).toBe('hello');
        expect(ct.getExtraInfo('sockname')).not.toBeUndefined(); // bound by the first send
      } finally {
        ct.close();
        st.close();
      }
    }));
});

// ---- bad input and closed loops ---------------------------------------------------------------

describe('bad input (tulip\'s checks of asyncio\'s arguments) and closed loops (test_events.py test_close)', () => {
  it('a protocolFactory that is not a function: TypeError naming protocolFactory, from each call', () =>
    run(() => {
      const loop = getRunningLoop();
      const bad = 'not a factory' as never;
      const calls = [
        () => loop.createConnection(bad, '127.0.0.1', 1),
        () => loop.createUnixConnection(bad, '/nonexistent.sock'),
        () => loop.createServer(bad, '127.0.0.1', 0),
        () => loop.createUnixServer(bad, sockPath()),
        () => loop.createDatagramEndpoint(bad, { localAddr: ['127.0.0.1', 0] }),
        () => loop.createConnection(new Protocol() as never, '127.0.0.1', 1),
      ];
      for (const call of calls) {
        const e = syncError(call);
        expect(e).toBeInstanceOf(TypeError);
        expect(e.message).toMatch(/protocolFactory/);
      }
    }));

  it('a factory that returns a non-object: createConnection and createDatagramEndpoint reject with TypeError; a server reports it', async () => {
    const { peer, accepted, closed } = await watchedPeer();
    try {
      await run(async () => {
        const loop = getRunningLoop();
        const e1 = await errorOf(() => loop.createConnection((() => 42) as never, '127.0.0.1', peer.port));
        expect(e1).toBeInstanceOf(TypeError);
        expect(e1.message).toMatch(/protocolFactory/);
        await until(() => accepted.length === 1 && closed() === 1, 'the socket is closed');
        const e2 = await errorOf(() => loop.createDatagramEndpoint((() => null) as never, { localAddr: ['127.0.0.1', 0] }));
        expect(e2).toBeInstanceOf(TypeError);
        const seen = recordExceptions();
        const srv = await loop.createServer((() => 'nope') as never, '127.0.0.1', 0);
        let c: Socket | undefined;
        try {
          c = await rawClient({ port: portOf(srv) });
          await waitFor(receiveAll(c), BOUND);
          expect(messages(seen)).toEqual(['Error on transport creation for incoming connection']);
          expect(seen[0]!.exception).toBeInstanceOf(TypeError);
        } finally {
          c?.destroy();
          await shutdown(srv);
        }
      });
    } finally {
      await peer.close();
    }
  });

  it('a bad port: RangeError naming the port (createConnection and createServer); an empty host or path: TypeError', () =>
    run(() => {
      const loop = getRunningLoop();
      for (const port of [-1, 65536, 1.5, '80' as never, NaN]) {
        const e1 = syncError(() => loop.createConnection(() => new Protocol(), '127.0.0.1', port));
        expect(e1, String(port)).toBeInstanceOf(RangeError);
        expect(e1.message).toMatch(/\bport\b/);
        const e2 = syncError(() => loop.createServer(() => new Protocol(), '127.0.0.1', port));
        expect(e2, String(port)).toBeInstanceOf(RangeError);
        expect(e2.message).toMatch(/\bport\b/);
      }
      expect(syncError(() => loop.createConnection(() => new Protocol(), '', 80)).message).toMatch(/\bhost\b/);
      expect(syncError(() => loop.createServer(() => new Protocol(), '', 0)).message).toMatch(/\bhost\b/);
      expect(syncError(() => loop.createUnixConnection(() => new Protocol(), '')).message).toMatch(/\bpath\b/);
      expect(syncError(() => loop.createUnixServer(() => new Protocol(), '')).message).toMatch(/\bpath\b/);
    }));

  // ports base_events.create_connection's "host/port and sock can not be specified at the same time"
  it('sock with host or port, or a sock that is not a node:net Socket: TypeError', async () => {
    const peer = await rawServer(() => {});
    const sock = await rawClient({ port: peer.port });
    try {
      await run(() => {
        const loop = getRunningLoop();
        const e = syncError(() => loop.createConnection(() => new Protocol(), '127.0.0.1', peer.port, { sock }));
        expect(e).toBeInstanceOf(TypeError);
        expect(e.message).toMatch(/sock/);
        expect(syncError(() => loop.createConnection(() => new Protocol(), undefined, undefined, { sock: {} as never }))).toBeInstanceOf(TypeError);
        expect(syncError(() => loop.createConnection(() => new Protocol(), undefined, undefined, { bogus: 1 } as never))).toBeInstanceOf(TypeError);
      });
    } finally {
      sock.destroy();
      await peer.close();
    }
  });

  // ports test_events.py::EventLoopTestsMixin.test_close (operations refused on a closed loop)
  it('on a closed loop every network call throws RuntimeError', () => {
    const loop = newEventLoop();
    loop.close();
    const calls = [
      () => loop.createConnection(() => new Protocol(), '127.0.0.1', 1),
      () => loop.createUnixConnection(() => new Protocol(), '/nonexistent.sock'),
      () => loop.createServer(() => new Protocol(), '127.0.0.1', 0),
      () => loop.createUnixServer(() => new Protocol(), sockPath()),
      () => loop.createDatagramEndpoint(() => new DatagramProtocol(), { localAddr: ['127.0.0.1', 0] }),
    ];
    for (const call of calls) expect(syncError(call)).toBeInstanceOf(RuntimeError);
  });

  // generator-style rejection of a refused connection (the same as the async one above)
  it('(generator) a refused connection throws into the generator at its yield*', () =>
    run(function* () {
      const port = yield* ensureFutureOf(freePort());
      const e = yield* rejectionG(getRunningLoop().createConnection(() => new Protocol(), '127.0.0.1', port));
      expect(codeOf(e)).toBe('ECONNREFUSED');
    }));
});

/** A promise as a tulip future, for `yield*` in a generator-style body. */
function ensureFutureOf<T>(p: Promise<T>) {
  const f = newFuture<T>();
  p.then(
    (v) => {
      if (!f.done()) f.setResult(v);
    },
    (e) => {
      if (!f.done()) f.setException(e);
    },
  );
  return f;
}
