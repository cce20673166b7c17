// Reliability of UDP endpoints: a bound endpoint (the server) echoes every datagram back to its
// sender; a client endpoint — connected to it (`remoteAddr`) or not (an address per `sendto`) —
// sends random bursts of numbered datagrams (empty to 8 KB) with random write-buffer marks, and
// ends with close() right after its last burst, or abort() once the echoes are back. A stranger
// socket keeps sending to the server's port while it is made, so datagrams arrive before and
// during its connectionMade. A protocol that checks the order of calls records every violation:
// connectionMade first and once; datagramReceived only between it and connectionLost;
// connectionLost(undefined) last and once; pauseWriting/resumeWriting alternating, pause first.
// On loopback with this little traffic nothing is lost: the server gets every datagram the
// client sent before close() (close() waits for the sends in flight), and the client gets every
// echo when it waits for them. Nothing reaches the loop's exception handler.
import { createSocket } from 'node:dgram';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DatagramProtocol, getRunningLoop, run, sleep, waitFor, type Address, type DatagramTransport, type ExceptionContext } from 'tulip';
import { fcOptions } from './harness.js';

interface Program {
  connected: boolean;
  high: number;
  bursts: { sizes: number[]; napMs: number }[];
  ending: 'close' | 'abort';
  stranger: boolean;
}

const programArb: fc.Arbitrary<Program> = fc.record({
  connected: fc.boolean(),
  high: fc.constantFrom(0, 1000, 65536),
  bursts: fc.array(
    fc.record({ sizes: fc.array(fc.oneof(fc.integer({ min: 4, max: 40 }), fc.integer({ min: 4, max: 8000 })), { minLength: 1, maxLength: 6 }), napMs: fc.integer({ min: 0, max: 3 }) }),
    { minLength: 1, maxLength: 4 },
  ),
  ending: fc.constantFrom<'close' | 'abort'>('close', 'abort'),
  stranger: fc.boolean(),
});

/** Datagram i of size n: i in its first 4 bytes, then filler. */
const datagram = (i: number, n: number): Buffer => {
  const b = Buffer.alloc(n, i & 0xff);
  b.writeUInt32BE(i, 0);
  return b;
};

class Checked extends DatagramProtocol {
  transport: DatagramTransport | null = null;
  readonly violations: string[] = [];
  readonly calls: string[] = [];
  readonly got: Buffer[] = [];
  writingPaused = false;
  lost = false;
  readonly ended: Promise<void>;
  private endedResolve!: () => void;

  constructor(
    readonly side: string,
    private readonly echo: boolean,
  ) {
    super();
    this.ended = new Promise((resolve) => (this.endedResolve = resolve));
  }

  private check(ok: boolean, what: string): void {
    if (!ok) this.violations.push(`${this.side}: ${what} (calls: ${this.calls.join(' ')})`);
  }

  override connectionMade(t: DatagramTransport): void {
    this.check(this.calls.length === 0, 'connectionMade not first');
    this.calls.push('made');
    this.transport = t;
  }

  override datagramReceived(data: Buffer, addr: Address): void {
    if (this.calls.at(-1) !== 'dgram') this.calls.push('dgram');
    this.check(this.transport !== null, 'datagram before connectionMade');
    this.check(!this.lost, 'datagram after connectionLost');
    this.got.push(Buffer.from(data));
    if (this.echo && data.length >= 4) this.transport!.sendto(data, addr);
  }

  override errorReceived(exc: Error): void {
    this.check(false, `errorReceived(${String(exc)})`);
  }

  override pauseWriting(): void {
    this.calls.push('pauseW');
    this.check(!this.writingPaused, 'pauseWriting twice');
    this.check(!this.lost, 'pauseWriting after connectionLost');
    this.writingPaused = true;
  }

  override resumeWriting(): void {
    this.calls.push('resumeW');
    this.check(this.writingPaused, 'resumeWriting without pauseWriting');
    this.check(!this.lost, 'resumeWriting after connectionLost');
    this.writingPaused = false;
  }

  override connectionLost(exc: Error | undefined): void {
    this.calls.push('lost');
    this.check(!this.lost, 'connectionLost twice');
    this.check(exc === undefined, `connectionLost(${String(exc)})`);
    this.lost = true;
    this.endedResolve();
  }

  /** The numbers of the datagrams received (those of 4 bytes or more). */
  numbers(): number[] {
    return this.got.filter((b) => b.length >= 4).map((b) => b.readUInt32BE(0));
  }
}

async function freePort(): Promise<number> {
  const probe = createSocket('udp4');
  await new Promise<void>((resolve) => probe.bind(0, '127.0.0.1', () => resolve()));
  const port = probe.address().port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

async function play(p: Program): Promise<void> {
  const loop = getRunningLoop();
  const reported: ExceptionContext[] = [];
  loop.setExceptionHandler((_l, c) => {
    if (c.durationMs === undefined) reported.push(c); // (not a stall report: a busy machine's real time)
  });
  // The stranger: 3-byte datagrams (they are not echoed) to the port, from before the server binds
  // it. Bound first, so that the free port found next cannot become its own implicit one.
  const stranger = createSocket('udp4');
  await new Promise<void>((resolve) => stranger.bind(0, '127.0.0.1', () => resolve()));
  let port = await freePort();
  let strangerOn = p.stranger;
  const pester = (): void => {
    if (!strangerOn) return;
    stranger.send('abc', port, '127.0.0.1');
    setImmediate(pester);
  };
  pester();
  let endpoint: Awaited<ReturnType<typeof loop.createDatagramEndpoint<Checked>>> | undefined;
  for (let attempt = 1; endpoint === undefined; attempt++) {
    try {
      endpoint = await loop.createDatagramEndpoint(() => new Checked('server', true), { localAddr: ['127.0.0.1', port] });
    } catch (e) {
      // Another test file of the run may bind the port between the probe and here: take another.
      if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt === 5) throw e;
      port = await freePort();
    }
  }
  const [st, server] = endpoint;
  await sleep(2);
  strangerOn = false;
  const to: Address = ['127.0.0.1', port];
  const [ct, client] = await loop.createDatagramEndpoint(() => new Checked('client', false), p.connected ? { remoteAddr: to } : { localAddr: ['127.0.0.1', 0] });
  ct.setWriteBufferLimits(p.high);
  const where = (): string => `${JSON.stringify(p)}; client ${client.calls.join(' ')}; server ${server.calls.join(' ')}; violations ${[...client.violations, ...server.violations].join('; ')}`;
  const sent: number[] = [];
  try {
    let i = 0;
    for (const burst of p.bursts) {
      for (const n of burst.sizes) {
        ct.sendto(datagram(i, n), p.connected ? undefined : to);
        sent.push(i++);
      }
      await sleep(burst.napMs);
    }
    if (p.ending === 'close') ct.close(); // right after the last send: the sends in flight still go
    const echoed = (): boolean => server.numbers().length >= sent.length && (p.ending === 'close' || client.numbers().length >= sent.length);
    for (let k = 0; k < 2500 && !echoed(); k++) await sleep(2);
    expect(server.numbers(), `the server got every datagram; ${where()}`).toEqual(sent);
    if (p.ending === 'abort') {
      expect(client.numbers(), `the client got every echo; ${where()}`).toEqual(sent);
      ct.abort();
    }
    await waitFor(client.ended, 5000);
    st.close();
    await waitFor(server.ended, 5000);
  } finally {
    strangerOn = false;
    stranger.close();
    ct.abort();
    st.abort();
  }
  await sleep(2);
  for (const s of [client, server]) {
    expect(s.violations, where()).toEqual([]);
    expect(s.calls[0], where()).toBe('made');
    expect(s.calls.at(-1), where()).toBe('lost');
  }
  expect(reported.map((c) => `${c.message}: ${String(c.exception)}`), where()).toEqual([]);
}

describe('UDP endpoints under random bursts, buffer marks, endings and early datagrams', () => {
  it('keep the order of calls, deliver every datagram on loopback, and send what was in flight at close()', () =>
    run(async () => {
      await fc.assert(fc.asyncProperty(programArb, play), { ...fcOptions(25), interruptAfterTimeLimit: 60_000 });
    }), 120_000);
});
