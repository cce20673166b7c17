// A datagram that arrives once the socket is bound but before the protocol's connectionMade has
// run (Node receives from the bind on) waits for it: asyncio starts reading only after
// connection_made. `dgram.createSocket` is wrapped so that the test can deliver such a datagram at
// that moment: right after the socket says it listens, before the loop's next pass.
import { describe, expect, it, vi } from 'vitest';
import { DatagramProtocol, getRunningLoop, run, sleep, type Address, type DatagramTransport } from 'tulip';

const early = vi.hoisted(() => ({ payloads: [] as string[] }));

vi.mock('node:dgram', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:dgram')>();
  const createSocket = ((...args: Parameters<typeof real.createSocket>) => {
    const socket = real.createSocket(...args);
    socket.once('listening', () =>
      process.nextTick(() => {
        for (const p of early.payloads) socket.emit('message', Buffer.from(p), { address: '127.0.0.1', family: 'IPv4', port: 9, size: p.length });
      }),
    );
    return socket;
  }) as typeof real.createSocket;
  return { ...real, createSocket };
});

class Recorder extends DatagramProtocol {
  calls: string[] = [];
  override connectionMade(_t: DatagramTransport): void {
    this.calls.push('made');
  }
  override datagramReceived(data: Buffer, addr: Address): void {
    this.calls.push(`${data.toString()} from ${addr[1]}`);
  }
  override connectionLost(): void {
    this.calls.push('lost');
  }
}

describe('a datagram that comes before connectionMade', () => {
  it('is delivered after connectionMade, in order, not before it', () =>
    run(async () => {
      early.payloads = ['one', 'two'];
      const [t, p] = await getRunningLoop().createDatagramEndpoint(() => new Recorder(), { localAddr: ['127.0.0.1', 0] });
      await sleep(0);
      t.close();
      await sleep(5);
      expect(p.calls).toEqual(['made', 'one from 9', 'two from 9', 'lost']);
    }));

  it('is dropped when connectionMade closes the endpoint', () =>
    run(async () => {
      early.payloads = ['one'];
      class Closer extends Recorder {
        override connectionMade(t: DatagramTransport): void {
          super.connectionMade(t);
          t.close();
        }
      }
      const [, p] = await getRunningLoop().createDatagramEndpoint(() => new Closer(), { localAddr: ['127.0.0.1', 0] });
      await sleep(5);
      expect(p.calls).toEqual(['made', 'lost']);
    }));
});
