// Behaviour ports of CPython 3.13's tests of asyncio's low-level network API (transports and
// protocols) — this file: loop.createConnection and createUnixConnection, the protocol base classes, and cancellation while connecting;
// the others: protocols.transport, protocols.server, protocols.tls-datagram —, in our own words, over real sockets: TCP on 127.0.0.1 with port 0, Unix sockets
// from sockPath(), UDP on 127.0.0.1 (and ::1 once), TLS with the self-signed certificate of
// test/streams/fixtures. Sources: test_events.py (EventLoopTestsMixin), test_protocols.py,
// test_buffered_proto.py, test_transports.py, test_selector_events.py (what a socket transport
// does, seen from outside), test_ssl.py / test_sslproto.py (TLS) and test_server.py.
//
// Conventions: asyncio's MyProto / MyBaseProto state machine is `Recorder` (it records its calls in
// order and resolves `made` / `lost` futures); `test_utils.run_until(loop, pred)` is `until(pred)`
// (polls with sleep(5), bounded); asyncio's ValueError is RangeError; `srv.sockets[0].getsockname()`
// is `server.address()`. Peers that tulip did not make are plain node:net servers and clients
// (rawServer, rawClient). Every server, transport and socket is closed in a `finally`.
//
// Not ported (no tulip counterpart, or not observable from outside):
//  - test_create_server_multiple_hosts_*, test_create_server_trsock, test_create_server_reuse_port,
//    test_create_server_sock, test_create_unix_server_path_socket_error (no list of hosts, no
//    TransportSocket, no reuse_port, no `sock` for servers);
//  - test_create_ssl_unix_connection, test_create_unix_server_ssl*, test_create_connection_ssl_1
//    with `sock=` (createUnixConnection takes no ssl; createConnection refuses ssl with sock);
//  - test_create_datagram_endpoint_sock (no `sock` for datagram endpoints);
//  - test_create_connection_local_addr_skip_different_family / _nomatch_family (they patch
//    getaddrinfo);
//  - test_protocols.py's SubprocessProtocol and `__dict__` checks; test_selector_events.py's
//    mocks of send/recv/selector internals (partial writes, EAGAIN, `_conn_lost` counters);
//  - BufferedProtocol's `get_buffer(-1)` size hint (tulip passes the bytes waiting, from Node's
//    chunk).
import { connect, Socket } from 'node:net';
import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import {
  BaseProtocol,
  BaseTransport,
  BufferedProtocol,
  DatagramProtocol,
  DatagramTransport,
  Protocol,
  TimeoutError,
  Transport,
  createTask,
  getRunningLoop,
  run,
  sleep,
  waitFor,
  type ExceptionContext,
} from 'tulip';
import { STYLES, assertCancelled, errorOf, newFuture, recordExceptions } from './helpers.js';
import { BOUND, httpPeer, rawClient, rawServer, receiveAll, sockPath, str } from '../streams/helpers.js';
import { cert, Recorder, Requester, until, watchedPeer, freePort, codeOf, loopNet } from './protocols.helpers.js';

// ---- test_protocols.py ------------------------------------------------------------------------

describe('protocol base classes (test_protocols.py)', () => {
  // ports test_protocols.py::ProtocolsAbsTests.test_base_protocol
  it('BaseProtocol: every method does nothing and returns undefined', () => {
    const p = new BaseProtocol();
    const t = {} as Transport;
    expect(p.connectionMade(t)).toBeUndefined();
    expect(p.connectionLost(new Error('x'))).toBeUndefined();
    expect(p.connectionLost(undefined)).toBeUndefined();
    expect(p.pauseWriting()).toBeUndefined();
    expect(p.resumeWriting()).toBeUndefined();
    expect(Object.keys(p)).toEqual([]);
  });

  // ports test_protocols.py::ProtocolsAbsTests.test_protocol
  it('Protocol: connectionMade, dataReceived, eofReceived, connectionLost and flow control do nothing', () => {
    const p = new Protocol();
    expect(p).toBeInstanceOf(BaseProtocol);
    expect(p.connectionMade({} as Transport)).toBeUndefined();
    expect(p.dataReceived(Buffer.from('x'))).toBeUndefined();
    expect(p.eofReceived()).toBeUndefined(); // not true: the transport closes at EOF
    expect(p.connectionLost(undefined)).toBeUndefined();
    expect(p.pauseWriting()).toBeUndefined();
    expect(p.resumeWriting()).toBeUndefined();
    expect(Object.keys(p)).toEqual([]);
  });

  // ports test_protocols.py::ProtocolsAbsTests.test_buffered_protocol (getBuffer and
  // bufferUpdated are abstract in tulip: a subclass writes them)
  it('BufferedProtocol: the inherited methods do nothing; a subclass supplies getBuffer/bufferUpdated', () => {
    class B extends BufferedProtocol {
      getBuffer(): Uint8Array {
        return new Uint8Array(1);
      }
      bufferUpdated(): void {}
    }
    const p = new B();
    expect(p).toBeInstanceOf(BaseProtocol);
    expect(p.connectionMade({} as Transport)).toBeUndefined();
    expect(p.eofReceived()).toBeUndefined();
    expect(p.connectionLost(undefined)).toBeUndefined();
    expect(p.pauseWriting()).toBeUndefined();
    expect(p.resumeWriting()).toBeUndefined();
  });

  // ports test_protocols.py::ProtocolsAbsTests.test_datagram_protocol
  it('DatagramProtocol: connectionMade, datagramReceived, errorReceived, connectionLost do nothing', () => {
    const p = new DatagramProtocol();
    expect(p).toBeInstanceOf(BaseProtocol);
    expect(p.connectionMade({} as DatagramTransport)).toBeUndefined();
    expect(p.datagramReceived(Buffer.from('x'), ['127.0.0.1', 1])).toBeUndefined();
    expect(p.errorReceived(new Error('x'))).toBeUndefined();
    expect(p.connectionLost(undefined)).toBeUndefined();
    expect(Object.keys(p)).toEqual([]);
  });
});

// ---- test_events.py: create_connection ----------------------------------------------------------

describe('loop.createConnection / createUnixConnection (test_events.py)', () => {
  // ports test_events.py::EventLoopTestsMixin.test_create_connection (+ _basetest_create_connection)
  for (const style of STYLES) {
    it(`(${style}) returns [transport, protocol] once connected; the protocol sees made, data, eof, lost`, async () => {
      const peer = await httpPeer();
      try {
        const check = (t: Transport, p: Recorder, seen: ExceptionContext[]) => {
          expect(t).toBeInstanceOf(Transport);
          expect(t).toBeInstanceOf(BaseTransport);
          expect(p).toBeInstanceOf(Protocol);
          expect(p.transport).toBe(t);
          expect(p.nbytes).toBeGreaterThan(0);
          expect(p.text.startsWith('HTTP/1.0 200 OK\r\n')).toBe(true);
          expect(p.calls).toEqual(['made', 'data', 'eof', 'lost']);
          expect(seen).toEqual([]);
        };
        if (style === 'generator') {
          await run(function* () {
            const seen = recordExceptions();
            const loop = getRunningLoop();
            const [t, p] = yield* loop.createConnection(() => new Requester(), '127.0.0.1', peer.port);
            expect(t.getExtraInfo('sockname')).not.toBeUndefined();
            expect(yield* waitFor(p.lost, BOUND)).toBeUndefined();
            check(t, p, seen);
            t.close();
          });
        } else {
          await run(async () => {
            const seen = recordExceptions();
            const [t, p] = await loopNet().createConnection(() => new Requester(), '127.0.0.1', peer.port);
            expect(t.getExtraInfo('sockname')).not.toBeUndefined();
            expect(await waitFor(p.lost, BOUND)).toBeUndefined();
            check(t, p, seen);
            t.close();
          });
        }
      } finally {
        await peer.close();
      }
    });
  }

  // ports test_events.py::EventLoopTestsMixin.test_create_unix_connection
  for (const style of STYLES) {
    it(`(${style}) createUnixConnection: the same exchange over a Unix socket`, async () => {
      const peer = await httpPeer(sockPath());
      try {
        const info = (t: Transport) => {
          expect(t.getExtraInfo('sockname')).toBe('');
          expect(t.getExtraInfo('peername')).toBe(peer.path);
        };
        const check = (t: Transport, p: Recorder) => {
          expect(t).toBeInstanceOf(Transport);
          expect(p.transport).toBe(t);
          expect(p.nbytes).toBeGreaterThan(0);
          expect(p.calls).toEqual(['made', 'data', 'eof', 'lost']);
        };
        if (style === 'generator') {
          await run(function* () {
            const [t, p] = yield* getRunningLoop().createUnixConnection(() => new Requester(), peer.path!);
            info(t);
            yield* waitFor(p.lost, BOUND);
            check(t, p);
          });
        } else {
          await run(async () => {
            const [t, p] = await loopNet().createUnixConnection(() => new Requester(), peer.path!);
            info(t);
            await waitFor(p.lost, BOUND);
            check(t, p);
          });
        }
      } finally {
        await peer.close();
      }
    });
  }

  // ports the ordering of selector_events' _SelectorSocketTransport: connection_made is a loop
  // callback scheduled before the waiter's result (test_selector_events.py test_ctor_with_waiter)
  it('connectionMade has already run when the awaiting task resumes; the factory runs only once connected', async () => {
    const peer = await rawServer(() => {});
    try {
      await run(async () => {
        const loop = getRunningLoop();
        let made = 0;
        const fut = loop.createConnection(() => {
          made++;
          return new Recorder();
        }, '127.0.0.1', peer.port);
        expect(made).toBe(0);
        const [t, p] = await fut;
        expect(made).toBe(1);
        expect(p.calls).toEqual(['made']);
        expect(p.made.done()).toBe(true);
        t.close();
        await waitFor(p.lost, BOUND);
      });
    } finally {
      await peer.close();
    }
  });

  // ports test_events.py::EventLoopTestsMixin.test_create_connection_local_addr
  it('localAddr binds the local end: sockname has the port asked for', async () => {
    const peer = await rawServer(() => {});
    try {
      await run(async () => {
        const port = await freePort();
        const [t, p] = await loopNet().createConnection(() => new Recorder(), '127.0.0.1', peer.port, { localAddr: ['127.0.0.1', port] });
        expect(t.getExtraInfo('sockname')).toEqual(['127.0.0.1', port]);
        t.close();
        await waitFor(p.lost, BOUND);
      });
    } finally {
      await peer.close();
    }
  });

  // ports test_events.py::EventLoopTestsMixin.test_create_connection_local_addr_in_use
  it('a localAddr already in use rejects with EADDRINUSE and makes no protocol', async () => {
    const peer = await rawServer(() => {});
    try {
      await run(async () => {
        let made = 0;
        const e = await errorOf(() =>
          loopNet().createConnection(() => (made++, new Recorder()), '127.0.0.1', peer.port, { localAddr: ['127.0.0.1', peer.port] }),
        );
        expect(codeOf(e)).toBe('EADDRINUSE');
        expect(made).toBe(0);
      });
    } finally {
      await peer.close();
    }
  });

  // ports test_base_events.py's connect errors through create_connection (OSError propagates)
  it('nothing listening: rejects with ECONNREFUSED, no protocol made, nothing reported', () =>
    run(async () => {
      const seen = recordExceptions();
      const port = await freePort();
      let made = 0;
      const e = await errorOf(() => loopNet().createConnection(() => (made++, new Recorder()), '127.0.0.1', port));
      expect(codeOf(e)).toBe('ECONNREFUSED');
      expect(made).toBe(0);
      await sleep(0);
      expect(seen).toEqual([]);
    }));

  // ports create_connection(sock=...) (test_base_events.py test_create_connection_sock-style use)
  it('sock: an already connected node:net Socket becomes the transport\'s socket', async () => {
    const { peer, accepted } = await watchedPeer((s) => s.on('data', (d) => s.write(`echo:${d.toString('latin1')}`)));
    const sock = await rawClient({ port: peer.port });
    try {
      await run(async () => {
        const [t, p] = await loopNet().createConnection(() => new Recorder(), undefined, undefined, { sock });
        expect(t.getExtraInfo('socket')).toBe(sock);
        expect(t.getExtraInfo('peername')).toEqual(['127.0.0.1', peer.port]);
        t.write('hi');
        await until(() => p.text === 'echo:hi', 'the echo arrives');
        expect(accepted.length).toBe(1);
        t.close();
        await waitFor(p.lost, BOUND);
      });
    } finally {
      sock.destroy();
      await peer.close();
    }
  });

  it('sock: a node:net Socket still connecting is waited for, then used', async () => {
    const peer = await rawServer((s) => s.end('hello'));
    let sock: Socket | undefined;
    try {
      await run(async () => {
        sock = connect(peer.port, '127.0.0.1');
        expect(sock.connecting).toBe(true);
        const [t, p] = await loopNet().createConnection(() => new Recorder(), undefined, undefined, { sock });
        expect(t.getExtraInfo('socket')).toBe(sock);
        await waitFor(p.lost, BOUND);
        expect(p.text).toBe('hello');
        expect(p.calls).toEqual(['made', 'data', 'eof', 'lost']);
      });
    } finally {
      sock?.destroy();
      await peer.close();
    }
  });

  // ports test_events.py::EventLoopTestsMixin.test_connect_accepted_socket (tulip has no
  // connect_accepted_socket: the accepted node:net socket is passed as createConnection's `sock`)
  it('an accepted server-side socket passed as sock: the protocol gets the client\'s message and answers', async () => {
    const accepted: Socket[] = [];
    const lsock = await rawServer((s) => accepted.push(s));
    const client = await rawClient({ port: lsock.port });
    const response = receiveAll(client);
    try {
      await run(async () => {
        await until(() => accepted.length === 1, 'the connection is accepted');
        class Roger extends Recorder {
          override dataReceived(d: Buffer): void {
            super.dataReceived(d);
            this.transport!.write('roger');
          }
        }
        const [, p] = await loopNet().createConnection(() => new Roger(), undefined, undefined, { sock: accepted[0] });
        client.write('test data');
        await until(() => p.nbytes === 9, 'the message arrives');
        client.end();
        await waitFor(p.lost, BOUND);
        expect(p.calls).toEqual(['made', 'data', 'eof', 'lost']);
        expect(await response).toBe('roger');
      });
    } finally {
      client.destroy();
      await lsock.close();
    }
  });

  it('a plain object with only some protocol methods works as the protocol', async () => {
    const peer = await rawServer((s) => s.end('abc'));
    try {
      await run(async () => {
        const got: string[] = [];
        const lost = newFuture<void>();
        const proto = { dataReceived: (d: Buffer) => void got.push(str(d)), connectionLost: () => lost.setResult(undefined) };
        const [t, p] = await loopNet().createConnection(() => proto, '127.0.0.1', peer.port);
        expect(p).toBe(proto);
        expect(t.getProtocol()).toBe(proto);
        await waitFor(lost, BOUND);
        expect(got.join('')).toBe('abc');
      });
    } finally {
      await peer.close();
    }
  });

  // ports base_events._create_connection_transport: a failing protocol factory closes the socket
  it('a factory that throws: the call rejects with its error and the connected socket is closed', async () => {
    const { peer, accepted, closed } = await watchedPeer();
    try {
      await run(async () => {
        const seen = recordExceptions();
        const boom = new Error('factory failed');
        const e = await errorOf(() =>
          loopNet().createConnection(() => {
            throw boom;
          }, '127.0.0.1', peer.port),
        );
        expect(e).toBe(boom);
        await until(() => accepted.length === 1 && closed() === 1, 'the peer sees the socket closed');
        expect(seen).toEqual([]);
      });
    } finally {
      await peer.close();
    }
  });

  // ports the way asyncio calls connection_made / connection_lost: plain loop callbacks
  // (loop.call_soon), so a failure is an "Exception in callback" report and changes nothing else
  it('connectionMade and connectionLost that throw are reported as loop callback errors; the call still succeeds', async () => {
    const peer = await rawServer((s) => s.end('x'));
    try {
      await run(async () => {
        const seen = recordExceptions();
        const made = new Error('made boom');
        const lost = new Error('lost boom');
        let data = '';
        class Bad extends Protocol {
          override connectionMade(): void {
            throw made;
          }
          override dataReceived(d: Buffer): void {
            data += d.toString('latin1');
          }
          override connectionLost(): void {
            throw lost;
          }
        }
        const [t] = await loopNet().createConnection(() => new Bad(), '127.0.0.1', peer.port);
        expect(t.isClosing()).toBe(false);
        await until(() => seen.length === 2, 'both failures are reported');
        expect(seen.map((c) => c.exception)).toEqual([made, lost]);
        expect(seen.every((c) => c.message.startsWith('Exception in callback'))).toBe(true);
        expect(data).toBe('x'); // the connection went on after connectionMade failed
        expect(t.isClosing()).toBe(true);
      });
    } finally {
      await peer.close();
    }
  });

  // ports _SelectorTransport.__init__'s extra info (test_events.py test_create_server's extra-info checks)
  it('getExtraInfo: peername, sockname, socket; an unknown name gives the default', async () => {
    const peer = await rawServer(() => {});
    try {
      await run(async () => {
        const [t, p] = await loopNet().createConnection(() => new Recorder(), '127.0.0.1', peer.port);
        expect(t.getExtraInfo('peername')).toEqual(['127.0.0.1', peer.port]);
        const [host, port] = t.getExtraInfo('sockname') as [string, number];
        expect(host).toBe('127.0.0.1');
        expect(port).toBeGreaterThan(0);
        expect(t.getExtraInfo('socket')).toBeInstanceOf(Socket);
        expect(t.getExtraInfo('nonesuch')).toBeUndefined();
        const dflt = {};
        expect(t.getExtraInfo('nonesuch', dflt)).toBe(dflt);
        expect(t.getExtraInfo('peercert', dflt)).toBe(dflt); // not TLS
        expect(t.getExtraInfo('cipher', 'none')).toBe('none');
        t.close();
        await waitFor(p.lost, BOUND);
      });
    } finally {
      await peer.close();
    }
  });

  // asyncio's _SelectorTransport fills its extra info ('peername', 'sockname') when the transport is
  // made and keeps it after the connection is lost (a connection_lost() can still log the peer).
  it('getExtraInfo(\'peername\') and (\'sockname\') still answer in connectionLost, after the socket is closed', async () => {
    const peer = await rawServer((s) => s.end());
    try {
      await run(async () => {
        let seenInLost: unknown = 'not called';
        class P extends Recorder {
          override connectionLost(exc: Error | undefined): void {
            seenInLost = this.transport!.getExtraInfo('peername');
            super.connectionLost(exc);
          }
        }
        const [t, p] = await loopNet().createConnection(() => new P(), '127.0.0.1', peer.port);
        await waitFor(p.lost, BOUND);
        expect(seenInLost).toEqual(['127.0.0.1', peer.port]);
        expect(t.getExtraInfo('sockname')).not.toBeUndefined();
      });
    } finally {
      await peer.close();
    }
  });
});

// ---- cancellation -----------------------------------------------------------------------------

describe('cancellation while connecting (test_events.py test_prompt_cancellation, test_ssl.py)', () => {
  // A peer that accepts and never answers a TLS handshake: createConnection(ssl) stays pending.
  // ports test_events.py::EventLoopTestsMixin.test_prompt_cancellation (the wait is cancelled
  // promptly) in create_connection's terms
  for (const style of STYLES) {
    it(`(${style}) cancelling the task awaiting createConnection closes the half-made socket and makes no protocol`, async () => {
      const { peer, accepted, closed } = await watchedPeer();
      try {
        await run(async () => {
          const loop = getRunningLoop();
          let made = 0;
          const factory = () => (made++, new Recorder());
          const opts = { ssl: { ca: cert } };
          const t =
            style === 'generator'
              ? createTask(function* () {
                  yield* loop.createConnection(factory, '127.0.0.1', peer.port, opts);
                  return 'connected';
                })
              : createTask(async () => {
                  await loop.createConnection(factory, '127.0.0.1', peer.port, opts);
                  return 'connected';
                });
          await until(() => accepted.length === 1, 'the peer accepts');
          expect(t.done()).toBe(false);
          t.cancel();
          assertCancelled(await errorOf(() => t));
          await until(() => closed() === 1, 'the half-made socket is closed');
          expect(made).toBe(0);
        });
      } finally {
        await peer.close();
      }
    });
  }

  it('cancelling the createConnection future at once (plain TCP): no protocol, no socket left open', async () => {
    const { peer, accepted, closed } = await watchedPeer();
    try {
      await run(async () => {
        const seen = recordExceptions();
        let made = 0;
        const fut = loopNet().createConnection(() => (made++, new Recorder()), '127.0.0.1', peer.port);
        fut.cancel();
        expect(fut.cancelled()).toBe(true);
        await sleep(20); // give a connect that got through time to arrive and close
        await until(() => accepted.length === closed(), 'every accepted socket is closed');
        expect(made).toBe(0);
        expect(seen).toEqual([]);
      });
    } finally {
      await peer.close();
    }
  });

  // ports test_ssl.py::TestSSL.test_ssl_handshake_timeout / test_sslproto.py test_handshake_timeout
  it('waitFor(createConnection(ssl), 50) times out, the server side sees the socket closed, nothing is reported', async () => {
    const { peer, accepted, closed } = await watchedPeer();
    try {
      await run(async () => {
        const seen = recordExceptions();
        let made = 0;
        const e = await errorOf(() =>
          waitFor(loopNet().createConnection(() => (made++, new Recorder()), '127.0.0.1', peer.port, { ssl: { ca: cert }, sslHandshakeTimeout: 10_000 }), 50),
        );
        expect(e).toBeInstanceOf(TimeoutError);
        await until(() => accepted.length === 1 && closed() === 1, 'the server side is aborted');
        expect(made).toBe(0);
        expect(seen).toEqual([]);
      });
    } finally {
      await peer.close();
    }
  });

  // ports base_events.create_server's cancellation (the server is closed when the call is cancelled)
  for (const style of STYLES) {
    it(`(${style}) cancelling the task awaiting createUnixServer leaves nothing listening`, async () => {
      const path = sockPath();
      await run(async () => {
        const loop = getRunningLoop();
        const t =
          style === 'generator'
            ? createTask(function* () {
                return yield* loop.createUnixServer(() => new Recorder(), path);
              })
            : createTask(async () => loop.createUnixServer(() => new Recorder(), path));
        await sleep(0);
        t.cancel();
        assertCancelled(await errorOf(() => t));
        await sleep(20);
        const e = await errorOf(() => rawClient({ path }));
        expect(['ENOENT', 'ECONNREFUSED']).toContain(codeOf(e));
      });
    });
  }

  it('cancelling createDatagramEndpoint before it is bound releases the address', () =>
    run(async () => {
      const probe = createSocket('udp4');
      await new Promise<void>((r) => probe.bind(0, '127.0.0.1', () => r()));
      const port = probe.address().port;
      await new Promise<void>((r) => probe.close(() => r()));
      let made = 0;
      const fut = loopNet().createDatagramEndpoint(() => (made++, new DatagramProtocol()), { localAddr: ['127.0.0.1', port] });
      fut.cancel();
      await sleep(20);
      expect(made).toBe(0);
      const [t] = await loopNet().createDatagramEndpoint(() => new DatagramProtocol(), { localAddr: ['127.0.0.1', port] });
      expect(t.getExtraInfo('sockname')).toEqual(['127.0.0.1', port]);
      t.close();
    }));
});
