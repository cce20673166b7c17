// loop.createServer, createConnection and their Unix twins (src/streams/endpoints.ts,
// loop/transports.ts): a protocol per connection, factories that fail, cancellation while
// connecting, the `sock` option, bad input, closed loops, and the running loop in callbacks.
import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  createTask,
  currentTask,
  getRunningLoop,
  openConnection,
  run,
  sleep,
  waitFor,
  type EventLoop,
} from 'tulip';
import { assertCancelled, errorOf, recordExceptions, syncError } from '../support.js';
import { BOUND, portOf, rawServer, shutdown, sockPath } from './helpers.js';
import { Echo, Recorder, until } from './protocols.helpers.js';

describe('createServer', () => {
  it('gives each connection its own protocol and transport; the server waits for them to close', () =>
    run(async () => {
      const loop = getRunningLoop();
      const protocols: Echo[] = [];
      const server = await loop.createServer(() => {
        const e = new Echo();
        protocols.push(e);
        return e;
      }, '127.0.0.1', 0);
      expect(server.isServing()).toBe(true);
      const [t1, c1] = await loop.createConnection(() => new Recorder(), '127.0.0.1', portOf(server));
      const [t2, c2] = await loop.createConnection(() => new Recorder(), '127.0.0.1', portOf(server));
      t1.write('one');
      t2.write('two');
      await until(() => c1.data === 'one' && c2.data === 'two', 'both echoes');
      expect(protocols).toHaveLength(2);
      expect(protocols[0]!.transport).not.toBe(protocols[1]!.transport);
      expect(server.connectionCount()).toBe(2);
      server.close();
      let closed = false;
      const waiting = server.waitClosed().then(() => (closed = true));
      await sleep(20);
      expect(closed).toBe(false); // two connections still open
      server.closeClients();
      await waitFor(waiting, BOUND);
      await waitFor(c1.lost, BOUND);
      await waitFor(c2.lost, BOUND);
      for (const p of protocols) expect(p.calls.at(-1)).toBe('lost');
    }));

  it('a factory that throws is reported and its connection closed; the server goes on', () =>
    run(async () => {
      const seen = recordExceptions();
      const loop = getRunningLoop();
      let n = 0;
      const server = await loop.createServer(() => {
        if (n++ === 0) throw new Error('no protocol');
        return new Echo();
      }, '127.0.0.1', 0);
      try {
        const [, c1] = await loop.createConnection(() => new Recorder(), '127.0.0.1', portOf(server));
        await waitFor(c1.lost, BOUND);
        expect(seen.map((c) => c.message)).toEqual(['Error on transport creation for incoming connection']);
        const [t2, c2] = await loop.createConnection(() => new Recorder(), '127.0.0.1', portOf(server));
        t2.write('ok');
        await until(() => c2.data === 'ok', 'the echo');
        t2.close();
      } finally {
        await shutdown(server);
      }
    }));

  it('createUnixServer and createUnixConnection name both ends by path', () =>
    run(async () => {
      const loop = getRunningLoop();
      const path = sockPath();
      let serverSide: Echo | undefined;
      const server = await loop.createUnixServer(() => (serverSide = new Echo()), path);
      try {
        const [t, p] = await loop.createUnixConnection(() => new Recorder(), path);
        expect(t.getExtraInfo('peername')).toBe(path);
        expect(t.getExtraInfo('sockname')).toBe('');
        t.write('unix');
        await until(() => p.data === 'unix', 'the echo');
        expect(serverSide?.transport.getExtraInfo('sockname')).toBe(path);
        t.close();
        await waitFor(p.lost, BOUND);
      } finally {
        await shutdown(server);
      }
    }));
});

describe('connecting', () => {
  it('a factory that throws fails the call with its error and closes the socket', () =>
    run(async () => {
      let peerClosed = false;
      const peer = await rawServer((s) => s.on('close', () => (peerClosed = true)));
      try {
        const boom = new Error('factory');
        const e = await errorOf(() => getRunningLoop().createConnection(() => { throw boom; }, '127.0.0.1', peer.port));
        expect(e).toBe(boom);
        await until(() => peerClosed, 'the close');
        const e2 = await errorOf(() => getRunningLoop().createConnection(() => 5 as never, '127.0.0.1', peer.port));
        expect(e2).toBeInstanceOf(TypeError);
        expect(e2.message).toBe('createConnection: protocolFactory must return a protocol object, got 5');
      } finally {
        await peer.close();
      }
    }));

  it('a cancelled call makes no protocol and closes the half-made socket', () =>
    run(async () => {
      const peer = await rawServer(() => undefined);
      try {
        let made = 0;
        const t = createTask(() => getRunningLoop().createConnection(() => (made++, new Recorder()), '127.0.0.1', peer.port));
        await sleep(0);
        t.cancel();
        assertCancelled(await errorOf(() => t));
        await sleep(30);
        expect(made).toBe(0);
        await until(() => peer.sockets.size === 0, 'the close');
      } finally {
        await peer.close();
      }
    }));

  it('a refused connection fails with Node\'s error and makes no protocol', () =>
    run(async () => {
      const peer = await rawServer(() => undefined);
      const port = peer.port;
      await peer.close();
      let made = 0;
      const e = await errorOf(() => getRunningLoop().createConnection(() => (made++, new Recorder()), '127.0.0.1', port));
      expect((e as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
      expect(made).toBe(0);
    }));

  it('sock: wraps a Node socket already connected, or still connecting', () =>
    run(async () => {
      const peer = await rawServer((s) => s.end('via sock'));
      try {
        const loop = getRunningLoop();
        const connecting = connect(peer.port, '127.0.0.1');
        const [, p1] = await loop.createConnection(() => new Recorder(), undefined, undefined, { sock: connecting });
        await waitFor(p1.lost, BOUND);
        expect(p1.data).toBe('via sock');
        const raw = connect(peer.port, '127.0.0.1');
        await new Promise((r) => raw.once('connect', r));
        raw.pause();
        const [, p2] = await loop.createConnection(() => new Recorder(), undefined, undefined, { sock: raw });
        await waitFor(p2.lost, BOUND);
        expect(p2.data).toBe('via sock');
        const e = syncError(() => loop.createConnection(() => new Recorder(), '127.0.0.1', peer.port, { sock: raw }));
        expect(e.message).toBe('createConnection: host/port and sock can not be specified at the same time');
        expect(syncError(() => loop.createConnection(() => new Recorder(), undefined, undefined, { sock: raw })).message).toMatch(/sock must be a connected socket/);
      } finally {
        await peer.close();
      }
    }));

  it('sock: half-open like tulip\'s own sockets: a protocol whose eofReceived() returns true still writes after the peer\'s end', () =>
    run(async () => {
      let got = '';
      const ended = getRunningLoop().createFuture<void>();
      const peer = await rawServer((s) => {
        s.on('data', (d: Buffer) => (got += d.toString()));
        s.on('end', () => ended.setResult());
        s.end(); // the peer's EOF first
      });
      try {
        class Replier extends Recorder {
          override eofReceived(): boolean {
            super.eofReceived();
            getRunningLoop().callLater(20, () => {
              this.transport.write('reply after eof'); // later: the connection must still be open
              this.transport.close();
            });
            return true;
          }
        }
        const raw = connect(peer.port, '127.0.0.1'); // allowHalfOpen false, Node's default
        await new Promise((r) => raw.once('connect', r));
        const [, p] = await getRunningLoop().createConnection(() => new Replier(), undefined, undefined, { sock: raw });
        await waitFor(p.lost, BOUND);
        await waitFor(ended, BOUND);
        expect(got).toBe('reply after eof');
      } finally {
        await peer.close();
      }
    }));

  for (const how of ['closeClients', 'abortClients'] as const) {
    it(`server.${how}() of a loop.createServer server closes its transports as transports: isClosing() at once, connectionLost(undefined)`, () =>
      run(async () => {
        const loop = getRunningLoop();
        const made: Recorder[] = [];
        const server = await loop.createServer(() => {
          const r = new Recorder();
          made.push(r);
          return r;
        }, '127.0.0.1', 0);
        const client = connect(portOf(server), '127.0.0.1');
        client.on('error', () => {});
        try {
          await until(() => made.length === 1 && made[0]!.transport !== undefined, 'the connection');
          const seen = recordExceptions();
          server[how]();
          expect(made[0]!.transport.isClosing()).toBe(true);
          made[0]!.transport.write('dropped'); // after close(): dropped, no error
          await waitFor(made[0]!.lost, BOUND);
          expect(made[0]!.lostWith).toBeUndefined();
          expect(seen).toEqual([]);
        } finally {
          client.destroy();
          await shutdown(server);
        }
      }));
  }

  it('refuses bad arguments synchronously, naming them', () =>
    run(async () => {
      const loop = getRunningLoop();
      expect(syncError(() => loop.createConnection(42 as never, '127.0.0.1', 1)).message).toBe(
        'createConnection: protocolFactory must be a function returning a protocol, got 42',
      );
      expect(syncError(() => loop.createConnection(() => new Recorder(), '', 1))).toBeInstanceOf(TypeError);
      expect(syncError(() => loop.createConnection(() => new Recorder(), '127.0.0.1', 70000))).toBeInstanceOf(RangeError);
      expect(syncError(() => loop.createServer(() => new Recorder(), '127.0.0.1', -1))).toBeInstanceOf(RangeError);
      expect(syncError(() => loop.createServer(null as never)).message).toMatch(/createServer: protocolFactory must be a function/);
      expect(syncError(() => loop.createUnixServer(() => new Recorder(), '')).message).toMatch(/createUnixServer: path must be a non-empty string/);
      expect(syncError(() => loop.createUnixConnection(() => new Recorder(), 3 as never)).message).toMatch(/createUnixConnection: path must be/);
    }));

  it('a closed loop refuses every network call with RuntimeError', async () => {
    let loop!: EventLoop;
    await run(() => {
      loop = getRunningLoop();
    });
    expect(syncError(() => loop.createConnection(() => new Recorder(loop), '127.0.0.1', 1)).message).toBe('createConnection: Event loop is closed');
    expect(syncError(() => loop.createServer(() => new Recorder(loop))).message).toBe('createServer: Event loop is closed');
    expect(syncError(() => loop.createDatagramEndpoint(() => ({}), { localAddr: ['127.0.0.1', 0] })).message).toBe(
      'createDatagramEndpoint: Event loop is closed',
    );
  });

  it('protocol callbacks run as plain loop callbacks: their loop is the running loop, and no task is current', () =>
    run(async () => {
      // An async task makes the connection: the socket's events come in its async context.
      const loop = getRunningLoop();
      const peer = await rawServer((s) => s.end('x'));
      try {
        const loops: EventLoop[] = [];
        const tasks: unknown[] = [];
        const seen = (): void => {
          loops.push(getRunningLoop());
          tasks.push(currentTask());
        };
        const lost = loop.createFuture<void>();
        await loop.createConnection(
          () => ({
            connectionMade: seen,
            dataReceived: seen,
            eofReceived: seen,
            connectionLost: () => {
              seen();
              lost.setResult(undefined);
            },
          }),
          '127.0.0.1',
          peer.port,
        );
        await waitFor(lost, BOUND);
        expect(loops.length).toBe(4);
        for (const l of loops) expect(l).toBe(loop);
        expect(tasks).toEqual([undefined, undefined, undefined, undefined]);
      } finally {
        await peer.close();
      }
    }));
});

describe('a connection still open when its loop closes', () => {
  it('is destroyed, so that it cannot keep Node\'s process alive (transport and stream alike)', async () => {
    const peer = await rawServer(() => undefined);
    try {
      let transportSocket: Socket | undefined;
      let writerSocket: Socket | undefined;
      let closedTransport: Socket | undefined;
      await run(async () => {
        const loop = getRunningLoop();
        const [t] = await loop.createConnection(() => new Recorder(), '127.0.0.1', peer.port);
        transportSocket = t.getExtraInfo('socket') as Socket;
        const [, w] = await openConnection('127.0.0.1', peer.port);
        writerSocket = w.transport;
        const [t2, p2] = await loop.createConnection(() => new Recorder(), '127.0.0.1', peer.port);
        closedTransport = t2.getExtraInfo('socket') as Socket;
        t2.close(); // closed by its owner: its hook is gone before the loop closes
        await waitFor(p2.lost, BOUND);
        expect(loop._closeHooks?.size).toBe(2);
      });
      expect(transportSocket?.destroyed).toBe(true);
      expect(writerSocket?.destroyed).toBe(true);
      expect(closedTransport?.destroyed).toBe(true);
    } finally {
      await peer.close();
    }
  });
});
