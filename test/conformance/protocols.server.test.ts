// Behaviour ports of CPython 3.13's tests of asyncio's transports and protocols — this file:
// BufferedProtocol, and loop.createServer / createUnixServer.
// Conventions and what is not ported: protocols.connection.test.ts.
import { connect, Socket, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  BufferedProtocol,
  RuntimeError,
  Server,
  Task,
  Transport,
  createTask,
  getRunningLoop,
  run,
  sleep,
  startServer,
  waitFor,
} from 'tulip';
import { STYLES, assertCancelled, errorOf, newFuture, recordExceptions, syncError } from './helpers.js';
import { BOUND, portOf, rawClient, rawServer, receiveAll, shutdown, sockPath } from '../streams/helpers.js';
import { Recorder, until, untilG, messages, codeOf, loopNet } from './protocols.helpers.js';

// ---- test_buffered_proto.py ---------------------------------------------------------------------

describe('BufferedProtocol (test_buffered_proto.py, test_selector_events.py)', () => {
  /** test_buffered_proto.py's ReceiveStuffProto: 100-byte buffers, each update handed to `cb`. */
  class ReceiveStuff extends BufferedProtocol {
    buffer = new Uint8Array(0);
    sizes: number[] = [];
    transport: Transport | undefined;
    readonly lost = newFuture<Error | undefined>();
    constructor(private readonly cb: (b: Buffer, t: Transport) => void) {
      super();
    }
    override connectionMade(t: Transport): void {
      this.transport = t;
    }
    getBuffer(): Uint8Array {
      this.buffer = new Uint8Array(100);
      return this.buffer;
    }
    bufferUpdated(n: number): void {
      this.sizes.push(n);
      this.cb(Buffer.from(this.buffer.subarray(0, n)), this.transport!);
    }
    override connectionLost(exc: Error | undefined): void {
      this.lost.setResult(exc);
    }
  }
  const NOISE = '12345678+'.repeat(1024);

  // ports test_buffered_proto.py::BaseTestBufferedProtocol.test_buffered_proto_create_connection
  for (const style of STYLES) {
    it(`(${style}) receives a 9 KiB message through 100-byte buffers, answers, and sees the server close`, () =>
      run(async () => {
        const srv = await startServer(async (reader, writer) => {
          writer.write(NOISE);
          await reader.readexactly(1);
          writer.close();
          await writer.waitClosed();
        }, '127.0.0.1', 0);
        try {
          let data = '';
          const onBuf = (b: Buffer, t: Transport) => {
            data += b.toString('latin1');
            if (data === NOISE) t.write('1');
          };
          const loop = getRunningLoop();
          const client =
            style === 'generator'
              ? createTask(function* () {
                  const [, p] = yield* loop.createConnection(() => new ReceiveStuff(onBuf), '127.0.0.1', portOf(srv));
                  return [yield* p.lost, p.sizes] as const;
                })
              : createTask(async () => {
                  const [, p] = await loop.createConnection(() => new ReceiveStuff(onBuf), '127.0.0.1', portOf(srv));
                  return [await p.lost, p.sizes] as const;
                });
          const [exc, sizes] = await waitFor(client, BOUND);
          expect(exc).toBeUndefined();
          expect(data).toBe(NOISE);
          expect(Math.max(...sizes)).toBeLessThanOrEqual(100);
          expect(sizes.reduce((a, b) => a + b, 0)).toBe(NOISE.length);
        } finally {
          await shutdown(srv);
        }
      }));
  }

  // ports SelectorSocketTransportBufferedProtocolTests.test_get_buffer_zerosized
  it('getBuffer returning an empty buffer is a fatal error: bufferUpdated is not called, connectionLost(RuntimeError)', async () => {
    const peer = await rawServer((s) => s.write('data'));
    try {
      await run(async () => {
        const seen = recordExceptions();
        let updated = 0;
        const lost = newFuture<Error | undefined>();
        const [t] = await loopNet().createConnection(
          () => ({ getBuffer: () => new Uint8Array(0), bufferUpdated: () => void updated++, connectionLost: (e: Error | undefined) => lost.setResult(e) }),
          '127.0.0.1',
          peer.port,
        );
        expect(await waitFor(lost, BOUND)).toBeInstanceOf(RuntimeError);
        expect(updated).toBe(0);
        expect(t.isClosing()).toBe(true);
        expect(messages(seen)).toContain('Fatal error: protocol.getBuffer() call failed.');
      });
    } finally {
      await peer.close();
    }
  });

  // ports SelectorSocketTransportBufferedProtocolTests.test_get_buffer_error
  it('getBuffer that throws is a fatal error: bufferUpdated is not called, connectionLost(err)', async () => {
    const peer = await rawServer((s) => s.write('data'));
    try {
      await run(async () => {
        const seen = recordExceptions();
        const boom = new Error('no buffer');
        let updated = 0;
        const lost = newFuture<Error | undefined>();
        await loopNet().createConnection(
          () => ({
            getBuffer: (): Uint8Array => {
              throw boom;
            },
            bufferUpdated: () => void updated++,
            connectionLost: (e: Error | undefined) => lost.setResult(e),
          }),
          '127.0.0.1',
          peer.port,
        );
        expect(await waitFor(lost, BOUND)).toBe(boom);
        expect(updated).toBe(0);
        expect(seen.find((c) => c.message === 'Fatal error: protocol.getBuffer() call failed.')?.exception).toBe(boom);
      });
    } finally {
      await peer.close();
    }
  });

  // ports SelectorSocketTransportBufferedProtocolTests.test_buffer_updated_error
  it('bufferUpdated that throws is a fatal error reported as "Fatal error: protocol.bufferUpdated() call failed."', async () => {
    const peer = await rawServer((s) => s.write('data'));
    try {
      await run(async () => {
        const seen = recordExceptions();
        const boom = new Error('update failed');
        const lost = newFuture<Error | undefined>();
        await loopNet().createConnection(
          () => ({
            getBuffer: () => new Uint8Array(16),
            bufferUpdated: (): void => {
              throw boom;
            },
            connectionLost: (e: Error | undefined) => lost.setResult(e),
          }),
          '127.0.0.1',
          peer.port,
        );
        expect(await waitFor(lost, BOUND)).toBe(boom);
        expect(seen.find((c) => c.message === 'Fatal error: protocol.bufferUpdated() call failed.')?.exception).toBe(boom);
      });
    } finally {
      await peer.close();
    }
  });

  // ports _SelectorSocketTransport._read_ready__get_buffer: one report, through _fatal_error
  it('a throwing bufferUpdated is reported to the exception handler exactly once', async () => {
    const peer = await rawServer((s) => s.write('data'));
    try {
      await run(async () => {
        const seen = recordExceptions();
        const lost = newFuture<Error | undefined>();
        await loopNet().createConnection(
          () => ({
            getBuffer: () => new Uint8Array(16),
            bufferUpdated: (): void => {
              throw new Error('update failed');
            },
            connectionLost: (e: Error | undefined) => lost.setResult(e),
          }),
          '127.0.0.1',
          peer.port,
        );
        await waitFor(lost, BOUND);
        await sleep(0);
        expect(messages(seen)).toEqual(['Fatal error: protocol.bufferUpdated() call failed.']);
      });
    } finally {
      await peer.close();
    }
  });
});

// ---- test_events.py / test_server.py: create_server ---------------------------------------------

describe('loop.createServer / createUnixServer (test_events.py, test_server.py)', () => {
  // ports test_events.py::EventLoopTestsMixin.test_create_server
  for (const style of STYLES) {
    it(`(${style}) on 0.0.0.0: a client's bytes reach the protocol; extra info; closing the transport calls connectionLost`, async () => {
      let proto: Recorder | undefined;
      let client: Socket | undefined;
      const body = (srv: Server) => {
        const a = srv.address() as AddressInfo;
        expect(a.address).toBe('0.0.0.0');
        return a.port;
      };
      const checkInfo = (p: Recorder) => {
        expect(p.transport!.getExtraInfo('sockname')).not.toBeUndefined();
        expect((p.transport!.getExtraInfo('peername') as [string, number])[0]).toBe('127.0.0.1');
      };
      try {
        if (style === 'generator') {
          await run(function* () {
            const loop = getRunningLoop();
            const srv = yield* loop.createServer(() => (proto = new Recorder()), '0.0.0.0', 0);
            try {
              const port = body(srv);
              client = connect(port, '127.0.0.1');
              client.on('error', () => {});
              client.write('xxx');
              yield* untilG(() => proto !== undefined, 'a protocol is made');
              yield* waitFor(proto!.made, BOUND);
              yield* untilG(() => proto!.nbytes > 0, 'the bytes arrive');
              expect(proto!.nbytes).toBe(3);
              checkInfo(proto!);
              proto!.transport!.close();
              expect(yield* waitFor(proto!.lost, BOUND)).toBeUndefined();
              expect(proto!.calls).toEqual(['made', 'data', 'lost']);
            } finally {
              srv.close();
              srv.abortClients();
              yield* waitFor(srv.waitClosed(), BOUND);
            }
          });
        } else {
          await run(async () => {
            const srv = await loopNet().createServer(() => (proto = new Recorder()), '0.0.0.0', 0);
            try {
              const port = body(srv);
              client = await rawClient({ port });
              client.write('xxx');
              await until(() => proto !== undefined, 'a protocol is made');
              await waitFor(proto!.made, BOUND);
              await until(() => proto!.nbytes > 0, 'the bytes arrive');
              expect(proto!.nbytes).toBe(3);
              checkInfo(proto!);
              proto!.transport!.close();
              expect(await waitFor(proto!.lost, BOUND)).toBeUndefined();
              expect(proto!.calls).toEqual(['made', 'data', 'lost']);
            } finally {
              await shutdown(srv);
            }
          });
        }
      } finally {
        client?.destroy();
      }
    });
  }

  // ports test_events.py::EventLoopTestsMixin.test_create_unix_server
  it('createUnixServer: a client\'s bytes reach the protocol; sockname is the path, peername empty', async () => {
    const path = sockPath();
    let client: Socket | undefined;
    try {
      await run(async () => {
        let proto: Recorder | undefined;
        const srv = await loopNet().createUnixServer(() => (proto = new Recorder()), path);
        try {
          expect(srv.address()).toBe(path);
          client = await rawClient({ path });
          client.write('xxx');
          await until(() => proto !== undefined && proto.nbytes === 3, 'the bytes arrive');
          expect(proto!.transport!.getExtraInfo('sockname')).toBe(path);
          expect(proto!.transport!.getExtraInfo('peername')).toBe('');
          proto!.transport!.close();
          expect(await waitFor(proto!.lost, BOUND)).toBeUndefined();
          expect(proto!.calls).toEqual(['made', 'data', 'lost']);
        } finally {
          await shutdown(srv);
        }
      });
    } finally {
      client?.destroy();
    }
  });

  it('each connection gets its own protocol from the factory', () =>
    run(async () => {
      const protos: Recorder[] = [];
      const srv = await loopNet().createServer(() => {
        const p = new Recorder();
        protos.push(p);
        return p;
      }, '127.0.0.1', 0);
      const clients: Socket[] = [];
      try {
        for (const msg of ['one', 'two', 'three']) {
          const c = await rawClient({ port: portOf(srv) });
          clients.push(c);
          c.write(msg);
        }
        await until(() => protos.length === 3 && protos.every((p) => p.nbytes > 0), 'three protocols get their bytes');
        expect(protos.map((p) => p.text).sort()).toEqual(['one', 'three', 'two']);
        expect(new Set(protos.map((p) => p.transport)).size).toBe(3);
      } finally {
        for (const c of clients) c.destroy();
        await shutdown(srv);
      }
    }));

  // ports test_events.py::EventLoopTestsMixin.test_server_close
  it('after server.close() a new connection is refused', () =>
    run(async () => {
      const srv = await loopNet().createServer(() => new Recorder(), '127.0.0.1', 0);
      const port = portOf(srv);
      const c = await rawClient({ port });
      c.write('xxx');
      c.destroy();
      srv.close();
      expect(srv.isServing()).toBe(false);
      await waitFor(srv.waitClosed(), BOUND);
      const e = await errorOf(() => rawClient({ port }));
      expect(codeOf(e)).toBe('ECONNREFUSED');
    }));

  // ports test_events.py::EventLoopTestsMixin.test_create_server_addr_in_use
  it('listening on a port already taken rejects with EADDRINUSE', () =>
    run(async () => {
      const srv = await loopNet().createServer(() => new Recorder(), '127.0.0.1', 0);
      try {
        const e = await errorOf(() => loopNet().createServer(() => new Recorder(), '127.0.0.1', portOf(srv)));
        expect(codeOf(e)).toBe('EADDRINUSE');
      } finally {
        await shutdown(srv);
      }
    }));

  // ports test_events.py::EventLoopTestsMixin.test_create_server_dual_stack
  it('no host: one server answers on both 127.0.0.1 and ::1', () =>
    run(async () => {
      const protos: Recorder[] = [];
      const srv = await loopNet().createServer(() => {
        const p = new Recorder();
        protos.push(p);
        return p;
      });
      const clients: Socket[] = [];
      try {
        const port = portOf(srv);
        clients.push(await rawClient({ port }));
        await until(() => protos.length === 1, 'the IPv4 client is accepted');
        const v6 = connect({ port, host: '::1' });
        v6.on('error', () => {});
        clients.push(v6);
        await until(() => protos.length === 2, 'the IPv6 client is accepted');
        const peers = await Promise.all(protos.map(async (p) => (await p.made, p.transport!.getExtraInfo('peername') as [string, number])[0]));
        expect(peers.some((h) => h.endsWith('127.0.0.1'))).toBe(true);
        expect(peers).toContain('::1');
      } finally {
        for (const c of clients) c.destroy();
        await shutdown(srv);
      }
    }));

  // ports base_events._accept_connection2's report ("Error on transport creation for incoming connection")
  it('a factory that throws for an incoming connection: reported, that connection closed, the server keeps serving', () =>
    run(async () => {
      const seen = recordExceptions();
      const boom = new Error('no protocol for you');
      let n = 0;
      const srv = await loopNet().createServer(() => {
        if (n++ === 0) throw boom;
        return new Recorder();
      }, '127.0.0.1', 0);
      const clients: Socket[] = [];
      try {
        const first = await rawClient({ port: portOf(srv) });
        clients.push(first);
        const firstEnd = receiveAll(first);
        await waitFor(firstEnd, BOUND);
        expect(messages(seen)).toEqual(['Error on transport creation for incoming connection']);
        expect(seen[0]!.exception).toBe(boom);
        expect(srv.isServing()).toBe(true);
        clients.push(await rawClient({ port: portOf(srv) }));
        await until(() => n === 2, 'the second connection gets a protocol');
      } finally {
        for (const c of clients) c.destroy();
        await shutdown(srv);
      }
    }));

  // ports test_server.py::BaseStartServer.test_start_server_1 / test_start_unix_server_1 with a protocol
  for (const style of STYLES) {
    it(`(${style}) startServing false, then serveForever until a protocol cancels it: the server is closed`, () =>
      run(async () => {
        const loop = getRunningLoop();
        let main: Task<void> | undefined;
        class CancelOnLine extends Recorder {
          override dataReceived(d: Buffer): void {
            super.dataReceived(d);
            if (this.text.endsWith('\n')) {
              main!.cancel();
              this.transport!.write('1');
              this.transport!.close();
            }
          }
        }
        const srv = await loop.createServer(() => new CancelOnLine(), '127.0.0.1', 0, { startServing: false });
        let client: Socket | undefined;
        try {
          expect(srv.isServing()).toBe(false);
          main =
            style === 'generator'
              ? createTask(function* () {
                  yield* srv.serveForever();
                })
              : createTask(async () => {
                  await srv.serveForever();
                });
          await until(() => srv.isServing(), 'the server listens');
          client = await rawClient({ port: portOf(srv) });
          const reply = receiveAll(client);
          client.write('1'.repeat(5 * 1024) + '\n');
          assertCancelled(await errorOf(() => waitFor(main!, BOUND)));
          expect(await waitFor(reply, BOUND)).toBe('1');
          expect(srv.isServing()).toBe(false);
          const e = syncError(() => srv.serveForever());
          expect(e).toBeInstanceOf(RuntimeError);
          expect(e.message).toMatch(/is closed/);
        } finally {
          client?.destroy();
          await shutdown(srv);
        }
      }));
  }

  // ports test_server.py::TestServer2.test_wait_closed_basic with protocols
  it('waitClosed waits for close() and for the last connection to end', () =>
    run(async () => {
      const protos: Recorder[] = [];
      const srv = await loopNet().createServer(() => {
        const p = new Recorder();
        protos.push(p);
        return p;
      }, '127.0.0.1', 0);
      let client: Socket | undefined;
      try {
        const w1 = srv.waitClosed();
        await sleep(0);
        expect(w1.done()).toBe(false);
        client = await rawClient({ port: portOf(srv) });
        await until(() => protos.length === 1, 'the connection is accepted');
        srv.close();
        await sleep(0);
        const w2 = srv.waitClosed();
        await sleep(10);
        expect(w1.done()).toBe(false);
        expect(w2.done()).toBe(false);
        client.end();
        await waitFor(w1, BOUND);
        await waitFor(w2, BOUND);
        await waitFor(srv.waitClosed(), BOUND); // at once now
        expect(await waitFor(protos[0]!.lost, BOUND)).toBeUndefined();
      } finally {
        client?.destroy();
        await shutdown(srv);
      }
    }));

  // ports test_server.py::TestServer2.test_close_clients / test_abort_clients with protocols
  for (const how of ['closeClients', 'abortClients'] as const) {
    it(`${how}() ends every server-side transport: connectionLost(undefined), and waitClosed returns`, () =>
      run(async () => {
        const protos: Recorder[] = [];
        const srv = await loopNet().createServer(() => {
          const p = new Recorder();
          protos.push(p);
          return p;
        }, '127.0.0.1', 0);
        const clients: Socket[] = [];
        try {
          for (let i = 0; i < 2; i++) clients.push(await rawClient({ port: portOf(srv) }));
          await until(() => protos.length === 2, 'both connections are accepted');
          const waiting = srv.waitClosed();
          srv.close();
          srv[how]();
          await waitFor(waiting, BOUND);
          for (const p of protos) expect(await waitFor(p.lost, BOUND)).toBeUndefined();
        } finally {
          for (const c of clients) c.destroy();
          await shutdown(srv);
        }
      }));
  }
});
