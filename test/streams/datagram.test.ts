// UDP endpoints (src/streams/datagram.ts): loop.createDatagramEndpoint with a datagram protocol —
// the order of its calls, addresses, sends that fail, closing, cancellation and bad input.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import {
  DatagramProtocol,
  createTask,
  getRunningLoop,
  run,
  sleep,
  waitFor,
  type Address,
  type DatagramTransport,
  type Future,
} from 'tulip';
import { assertCancelled, errorOf, recordExceptions, syncError } from '../support.js';
import { BOUND } from './helpers.js';

/** Records datagrams and errors; `lost` is done at connectionLost. */
class Collector extends DatagramProtocol {
  calls: string[] = [];
  got: Array<[string, Address]> = [];
  errors: Error[] = [];
  transport!: DatagramTransport;
  readonly lost: Future<Error | undefined> = getRunningLoop().createFuture();
  override connectionMade(t: DatagramTransport): void {
    this.transport = t;
    this.calls.push('made');
  }
  override datagramReceived(data: Buffer, addr: Address): void {
    this.calls.push('datagram');
    this.got.push([data.toString(), addr]);
  }
  override errorReceived(exc: Error): void {
    this.calls.push('error');
    this.errors.push(exc);
  }
  override connectionLost(exc: Error | undefined): void {
    this.calls.push('lost');
    this.lost.setResult(exc);
  }
}

/** Echoes every datagram back to its sender. */
class EchoUdp extends Collector {
  override datagramReceived(data: Buffer, addr: Address): void {
    super.datagramReceived(data, addr);
    this.transport.sendto(data, addr);
  }
}

const portOf = (t: DatagramTransport): number => (t.getExtraInfo('sockname') as Address)[1];

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await sleep(2);
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
}

/** A plain node:dgram socket bound on 127.0.0.1 that records what it receives. */
async function rawUdp(): Promise<{ socket: UdpSocket; port: number; got: Array<[string, number]> }> {
  const socket = createSocket('udp4');
  const got: Array<[string, number]> = [];
  socket.on('message', (m, r) => got.push([m.toString(), r.port]));
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  return { socket, port: socket.address().port, got };
}

describe('createDatagramEndpoint', () => {
  it('echoes between two endpoints: connectionMade first, datagrams with [host, port], connectionLost last', () =>
    run(async () => {
      const loop = getRunningLoop();
      const [st, sp] = await loop.createDatagramEndpoint(() => new EchoUdp(), { localAddr: ['127.0.0.1', 0] });
      expect(sp.calls).toEqual(['made']);
      expect(sp.transport).toBe(st);
      const [ct, cp] = await loop.createDatagramEndpoint(() => new Collector(), { remoteAddr: ['127.0.0.1', portOf(st)] });
      expect(ct.getExtraInfo('peername')).toEqual(['127.0.0.1', portOf(st)]);
      ct.sendto('ping');
      ct.sendto(Buffer.from('pong'));
      await until(() => cp.got.length === 2, 'the echoes');
      expect(cp.got.map(([d]) => d)).toEqual(['ping', 'pong']);
      expect(cp.got[0]![1]).toEqual(['127.0.0.1', portOf(st)]);
      expect(sp.got[0]![1]).toEqual(['127.0.0.1', portOf(ct)]);
      ct.close();
      st.close();
      expect(await waitFor(cp.lost, BOUND)).toBeUndefined();
      await waitFor(sp.lost, BOUND);
      expect(cp.calls).toEqual(['made', 'datagram', 'datagram', 'lost']);
      expect(st.isClosing()).toBe(true);
    }));

  it('works from a generator task as well', () =>
    run(function* () {
      const loop = getRunningLoop();
      const [t, p] = yield* loop.createDatagramEndpoint(() => new Collector(), { localAddr: ['127.0.0.1', 0] });
      const [c, cp] = yield* loop.createDatagramEndpoint(() => new Collector(), { localAddr: ['127.0.0.1', 0] });
      c.sendto('hi', ['127.0.0.1', portOf(t)]);
      for (let i = 0; i < 1000 && p.got.length === 0; i++) yield* sleep(2);
      expect(p.got).toEqual([['hi', ['127.0.0.1', portOf(c)]]]);
      t.close();
      c.close();
      yield* waitFor(p.lost, BOUND);
      yield* waitFor(cp.lost, BOUND);
    }));

  it('sends and receives an empty datagram', () =>
    run(async () => {
      const loop = getRunningLoop();
      const [t, p] = await loop.createDatagramEndpoint(() => new Collector(), { localAddr: ['127.0.0.1', 0] });
      const [c] = await loop.createDatagramEndpoint(() => new Collector(), { remoteAddr: ['127.0.0.1', portOf(t)] });
      c.sendto('');
      await until(() => p.got.length === 1, 'the empty datagram');
      expect(p.got[0]![0]).toBe('');
      t.close();
      c.close();
    }));

  it('with a remoteAddr, sendto takes no other address; without one it needs an address', () =>
    run(async () => {
      const loop = getRunningLoop();
      const peer = await rawUdp();
      try {
        const [c, cp] = await loop.createDatagramEndpoint(() => new Collector(), { remoteAddr: ['127.0.0.1', peer.port] });
        c.sendto('same', ['127.0.0.1', peer.port]); // the remote address itself is fine
        const e = syncError(() => c.sendto('x', ['127.0.0.1', 1]));
        expect(e).toBeInstanceOf(RangeError);
        expect(e.message).toMatch(/DatagramTransport\.sendto: invalid address: must be undefined or \[127\.0\.0\.1, \d+\]/);
        const [u, up] = await loop.createDatagramEndpoint(() => new Collector(), { localAddr: ['127.0.0.1', 0] });
        expect(syncError(() => u.sendto('x')).message).toBe('DatagramTransport.sendto: addr is required: the endpoint has no remoteAddr');
        expect(syncError(() => u.sendto('x', ['127.0.0.1'] as never))).toBeInstanceOf(TypeError);
        expect(syncError(() => u.sendto(5 as never, ['127.0.0.1', 1])).message).toMatch(/data must be a Uint8Array/);
        await until(() => peer.got.length === 1, 'the datagram');
        expect(peer.got[0]![0]).toBe('same');
        c.close();
        u.close();
        await waitFor(cp.lost, BOUND);
        await waitFor(up.lost, BOUND);
      } finally {
        peer.socket.close();
      }
    }));

  it('a send that fails reaches errorReceived, and the endpoint stays open', () =>
    run(async () => {
      const loop = getRunningLoop();
      const peer = await rawUdp();
      try {
        const [t, p] = await loop.createDatagramEndpoint(() => new Collector(), { localAddr: ['127.0.0.1', 0] });
        t.sendto(Buffer.alloc(70_000), ['127.0.0.1', peer.port]); // larger than any UDP datagram
        await until(() => p.errors.length === 1, 'errorReceived');
        expect((p.errors[0] as NodeJS.ErrnoException).code).toBe('EMSGSIZE');
        expect(t.isClosing()).toBe(false);
        t.sendto('after', ['127.0.0.1', peer.port]);
        await until(() => peer.got.length === 1, 'the next datagram');
        expect(t.getWriteBufferSize()).toBe(0);
        t.close();
        await waitFor(p.lost, BOUND);
      } finally {
        peer.socket.close();
      }
    }));

  it('after close(), sends are dropped and nothing more is received; connectionLost comes once', () =>
    run(async () => {
      const loop = getRunningLoop();
      const [t, p] = await loop.createDatagramEndpoint(() => new Collector(), { localAddr: ['127.0.0.1', 0] });
      const port = portOf(t);
      t.sendto('last', ['127.0.0.1', port]); // to itself, in flight while closing
      t.close();
      t.close();
      t.sendto('dropped', ['127.0.0.1', port]);
      expect(await waitFor(p.lost, BOUND)).toBeUndefined();
      await sleep(10);
      expect(p.calls.filter((c) => c === 'lost')).toHaveLength(1);
      expect(p.got).toEqual([]);
      expect(t.getExtraInfo('sockname')).toEqual(['127.0.0.1', port]); // kept after close, as asyncio's
    }));

  it('abort() closes at once', () =>
    run(async () => {
      const [t, p] = await getRunningLoop().createDatagramEndpoint(() => new Collector(), { localAddr: ['127.0.0.1', 0] });
      t.abort();
      expect(t.isClosing()).toBe(true);
      expect(await waitFor(p.lost, BOUND)).toBeUndefined();
    }));

  it('with only a family, the socket is unbound until its first send', () =>
    run(async () => {
      const loop = getRunningLoop();
      const peer = await rawUdp();
      try {
        const [t, p] = await loop.createDatagramEndpoint(() => new Collector(), { family: 4 });
        expect(t.getExtraInfo('sockname', 'unbound')).toBe('unbound');
        t.sendto('first', ['127.0.0.1', peer.port]);
        await until(() => peer.got.length === 1, 'the datagram');
        expect(portOf(t)).toBe(peer.got[0]![1]);
        t.close();
        await waitFor(p.lost, BOUND);
      } finally {
        peer.socket.close();
      }
    }));

  it('a datagramReceived that throws is reported and the endpoint keeps receiving', () =>
    run(async () => {
      const seen = recordExceptions();
      const loop = getRunningLoop();
      let n = 0;
      class Flaky extends Collector {
        override datagramReceived(data: Buffer, addr: Address): void {
          if (n++ === 0) throw new Error('first one fails');
          super.datagramReceived(data, addr);
        }
      }
      const [t, p] = await loop.createDatagramEndpoint(() => new Flaky(), { localAddr: ['127.0.0.1', 0] });
      const [c] = await loop.createDatagramEndpoint(() => new Collector(), { remoteAddr: ['127.0.0.1', portOf(t)] });
      c.sendto('a');
      await until(() => seen.length === 1, 'the report');
      c.sendto('b');
      await until(() => p.got.length === 1, 'the second datagram');
      expect(seen[0]!.message).toBe('protocol.datagramReceived() failed');
      expect(seen[0]!.transport).toBe(t);
      expect(p.got[0]![0]).toBe('b');
      t.close();
      c.close();
    }));

  it('a cancelled call leaves nothing open: a protocol made before the cancel gets connectionLost', () =>
    run(async () => {
      const made: Collector[] = [];
      const t = createTask(() => getRunningLoop().createDatagramEndpoint(() => {
        const c = new Collector();
        made.push(c);
        return c;
      }, { localAddr: ['127.0.0.1', 0] }));
      await sleep(0);
      t.cancel();
      assertCancelled(await errorOf(() => t));
      // Binding an IP address takes Node one tick: the protocol may exist (as in asyncio, whose
      // bind is synchronous); then the transport is closed for it.
      expect(made.length).toBeLessThanOrEqual(1);
      for (const c of made) {
        expect(await waitFor(c.lost, BOUND)).toBeUndefined();
        expect(c.transport.isClosing()).toBe(true);
      }
    }));

  it('an address in use fails the call with Node\'s error', () =>
    run(async () => {
      const peer = await rawUdp();
      try {
        const e = await errorOf(() => getRunningLoop().createDatagramEndpoint(() => new Collector(), { localAddr: ['127.0.0.1', peer.port] }));
        expect((e as NodeJS.ErrnoException).code).toBe('EADDRINUSE');
      } finally {
        peer.socket.close();
      }
    }));

  it('refuses bad arguments synchronously, naming them', () =>
    run(async () => {
      const loop = getRunningLoop();
      expect(syncError(() => loop.createDatagramEndpoint(() => new Collector())).message).toBe(
        'createDatagramEndpoint: unexpected address family: give localAddr, remoteAddr or family',
      );
      expect(syncError(() => loop.createDatagramEndpoint(() => new Collector(), { localAddr: ['127.0.0.1', 99999] })).message).toMatch(
        /createDatagramEndpoint: localAddr must be \[host, port\] with a port from 0 to 65535/,
      );
      expect(syncError(() => loop.createDatagramEndpoint(() => new Collector(), { remoteAddr: 'x' as never }))).toBeInstanceOf(TypeError);
      expect(syncError(() => loop.createDatagramEndpoint(() => new Collector(), { family: 5 as never }))).toBeInstanceOf(TypeError);
      expect(syncError(() => loop.createDatagramEndpoint(() => new Collector(), { family: 4, reuseAddress: 1 as never })).message).toMatch(/reuseAddress must be a boolean/);
      expect(syncError(() => loop.createDatagramEndpoint('f' as never, { family: 4 })).message).toMatch(/protocolFactory must be a function/);
    }));

  it('IPv6 addresses make an IPv6 socket', () =>
    run(async () => {
      const loop = getRunningLoop();
      let t: DatagramTransport;
      let p: Collector;
      try {
        [t, p] = await loop.createDatagramEndpoint(() => new Collector(), { localAddr: ['::1', 0] });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EADDRNOTAVAIL') return; // no IPv6 loopback here
        throw e;
      }
      const [c, cp] = await loop.createDatagramEndpoint(() => new Collector(), { remoteAddr: ['::1', portOf(t)] });
      c.sendto('six');
      await until(() => p.got.length === 1, 'the datagram');
      expect(p.got[0]![1][0]).toBe('::1');
      t.close();
      c.close();
      await waitFor(cp.lost, BOUND);
    }));
});

describe('an endpoint still open when its loop closes', () => {
  it("is closed, so that it cannot keep Node's process alive", async () => {
    let socket: UdpSocket | undefined;
    await run(async () => {
      const [t] = await getRunningLoop().createDatagramEndpoint(() => new DatagramProtocol(), { localAddr: ['127.0.0.1', 0] });
      socket = t.getExtraInfo('socket') as UdpSocket;
    });
    expect(() => socket!.address()).toThrow(/Not running/);
  });
});

