// Reliability of upgrading a live connection to TLS mid-stream (asyncio's start_tls): a tulip
// server and a tulip client (TCP on 127.0.0.1) exchange a random number of plaintext messages
// (random sizes up to 100 kB, each framed, then an end marker so each side knows the plaintext
// phase is over), then both upgrade — the side playing the TLS server writes its marker once it
// has the other's and calls startTls at once (or after a random wait with reading paused, the
// ClientHello then waiting behind the pause), the TLS client calls it once it has the server's
// marker — then they exchange random writes over TLS with random pauses of reading and random
// naps, each side from the moment its own startTls returned, and the connection ends with close()
// or abort() from a random side. Random too: which end plays the TLS server; the TLS version (1.2,
// where the server finishes the handshake first, or 1.3, where the client does); how late each
// side looks at its startTls result (the peer's first TLS bytes then come before it has); and a
// tail of plaintext the TLS server writes in the same callback as its startTls, up to 5.6 MB
// while the client holds its reading — more than the loopback buffers take, so plaintext is still
// queued in Node when the handshake starts and must go out before it.
//
// As asyncio's start_tls (Lib/asyncio/base_events.py, sslproto.py with call_connection_made=False):
// startTls returns a new transport over TLS that drives the same protocol — no second
// connectionMade — and the old transport is done with (closing). Checked, at every protocol call
// and at the end:
// - connectionMade first and once (over both transports); connectionLost last and once;
// - no dataReceived while this side has reading paused, nor after eofReceived or connectionLost;
// - pauseWriting and resumeWriting alternate, at the write-buffer marks of the transport in use
//   (each side upgrades with its writing not paused: what asyncio does to a protocol paused by the
//   plain transport is not defined — its SSLProtocol fails an assert);
// - the bytes of each phase are the bytes the other side wrote in that phase, in order, once (after
//   an abort: a prefix; after a close, the closer's last bytes, still in flight, arrive whole);
//   nothing the peer wrote right after its handshake, before this side's startTls() returned, is
//   lost, and no TLS byte is taken for a plaintext frame;
// and nothing reaches the loop's exception handler (asyncio reports nothing here either: a reset
// after an abort is an OSError it does not report). Then the same at the streams level
// (openConnection/startServer, StreamWriter.startTls, messages read back with readexactly and
// readline, small reader limits pausing the socket), and fixed cases of the first bytes over TLS
// arriving before the peer's startTls() has returned. Real sockets, real time, bounded waits.
import { randomBytes } from 'node:crypto';
import { TLSSocket } from 'node:tls';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Protocol,
  createTask,
  gather,
  getRunningLoop,
  openConnection,
  run,
  sleep,
  startServer,
  waitFor,
  type ExceptionContext,
  type Future,
  type StreamReader,
  type StreamWriter,
  type Transport,
} from 'tulip';
import { cert, key } from '../streams/protocols.helpers.js';
import { fcOptions } from './harness.js';
import { CheckedProtocol } from './protocolcheck.js';

/** 0: the end that connected (createConnection/openConnection), 1: the end the server accepted. */
type Side = 0 | 1;
type Version = 'TLSv1.2' | 'TLSv1.3';
const NAMES = ['connector', 'acceptor'] as const;

/** The most any single wait of these tests may take (real time) before the program fails. */
const BOUND = 5000;

/** Every context that reached the loop's exception handler, but the loop-lag monitor's reports. */
function recordReports(): ExceptionContext[] {
  const reported: ExceptionContext[] = [];
  getRunningLoop().setExceptionHandler((_l, c) => {
    if (!('durationMs' in c)) reported.push(c); // a real-time stall of a busy machine, not an error
  });
  return reported;
}

const described = (cs: ExceptionContext[]): string[] => cs.map((c) => `${c.message}: ${String(c.exception)}`);

async function until(cond: () => boolean, what: () => string): Promise<void> {
  for (let i = 0; i < BOUND / 2 && !cond(); i++) await sleep(2);
  if (!cond()) throw new Error(`timed out waiting for ${what()}`);
}

function tlsOptions(isServer: boolean, maxVersion: Version): Record<string, unknown> {
  return isServer ? { serverSide: true, key, cert, maxVersion } : { ca: cert, serverHostname: 'localhost', maxVersion };
}

const startsWith = (whole: Buffer, part: Buffer): boolean => part.length <= whole.length && whole.subarray(0, part.length).equals(part);

// ---- the protocol level: loop.startTls ----------------------------------------------------------

type Op = { write: number } | { pause: number } | { nap: number };
type Ending = 'close' | 'abort';

interface Program {
  /** Which end plays the TLS server (serverSide: true). */
  tlsServer: Side;
  maxVersion: Version;
  /** Write-buffer high marks of the two ends (the low mark is asyncio's default, a quarter). */
  highs: [number, number];
  plain: [Op[], Op[]];
  /** Per end: reading paused for this many ms right before its startTls (null: not paused). */
  pausedBefore: [number | null, number | null];
  /**
   * Frames the TLS server writes right before its end marker and its startTls, in the same loop
   * callback: bytes still queued on the plain socket when the handshake begins (its write-buffer
   * high mark is then large enough that writing them does not pause the protocol).
   */
  tail: number[];
  /** The TLS client's reading paused for this many ms right after its end marker (null: not paused). */
  hold: number | null;
  /** Per end: ms between calling startTls and looking at its result (0: awaited at once). */
  late: [number, number];
  tls: [Op[], Op[]];
  ending: Ending;
  /** close: the ender closes once it has every byte the other wrote, its own last bytes possibly still in flight. */
  ender: Side;
}

const sizeArb = fc.oneof(fc.integer({ min: 1, max: 2000 }), fc.integer({ min: 1, max: 100_000 }));
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: sizeArb.map((write) => ({ write })) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 10 }).map((pause) => ({ pause })) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 4 }).map((nap) => ({ nap })) },
);
const opsArb = fc.array(opArb, { maxLength: 6 });
const sideArb = fc.constantFrom<Side>(0, 1);
const versionArb = fc.constantFrom<Version>('TLSv1.2', 'TLSv1.3');
const pausedArb = fc.option(fc.integer({ min: 0, max: 20 }), { freq: 2 });
const lateArb = fc.constantFrom(0, 0, 1, 30);
/**
 * A few frames, or a bulk of 5.6 MB: more than the loopback socket buffers hold while the peer
 * does not read, so part of it is still queued in Node when the handshake starts.
 */
const tailArb = fc.oneof(
  { weight: 3, arbitrary: fc.array(fc.integer({ min: 1, max: 100_000 }), { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.constant(Array.from({ length: 56 }, () => 100_000)) },
);

const programArb: fc.Arbitrary<Program> = fc
  .record({
    tlsServer: sideArb,
    maxVersion: versionArb,
    highs: fc.tuple(fc.constantFrom(1024, 65536, 4 << 20), fc.constantFrom(1024, 65536, 4 << 20)),
    plain: fc.tuple(opsArb, opsArb),
    pausedBefore: fc.tuple(pausedArb, pausedArb),
    tail: tailArb,
    hold: fc.constantFrom(null, 5, 20),
    late: fc.tuple(lateArb, lateArb),
    tls: fc.tuple(opsArb, opsArb),
    ending: fc.constantFrom<Ending>('close', 'abort'),
    ender: sideArb,
  })
  .map((p) => {
    if (p.tail.length === 0) return p;
    const highs: [number, number] = [...p.highs];
    highs[p.tlsServer] = 4 << 20;
    return { ...p, highs };
  });

/** The plaintext phase's framing: a 4-byte big-endian length, then the bytes; length 0 ends the phase. */
const frame = (b: Buffer): Buffer => Buffer.concat([u32(b.length), b]);
const u32 = (n: number): Buffer => {
  const h = Buffer.alloc(4);
  h.writeUInt32BE(n);
  return h;
};
const END = u32(0);
const MAX_FRAME = 100_000;

/**
 * The state machine's checks (one connectionMade across both transports); it parses the plaintext
 * phase's frames and keeps every byte after the end marker as the TLS phase's (`received`).
 */
class Checked extends CheckedProtocol {
  readonly plainFrames: Buffer[] = [];
  private plainBuf = Buffer.alloc(0);
  /** The peer's end marker came. */
  plainDone = false;
  protected override madeNotFirst = 'connectionMade not first (a second connectionMade after startTls?)';

  override dataReceived(d: Buffer): void {
    this.checkData();
    if (this.plainDone) {
      this.received.push(Buffer.from(d));
      return;
    }
    this.plainBuf = Buffer.concat([this.plainBuf, d]);
    while (!this.plainDone && this.plainBuf.length >= 4) {
      const n = this.plainBuf.readUInt32BE(0);
      if (n > MAX_FRAME) {
        this.check(false, `garbage in the plaintext phase: a frame of ${n} bytes (TLS bytes taken for plaintext?)`);
        this.plainBuf = Buffer.alloc(0);
        return;
      }
      if (n === 0) {
        this.plainDone = true;
        const rest = this.plainBuf.subarray(4);
        this.check(rest.length === 0, `${rest.length} bytes right after the end marker, in the same plaintext chunk`);
        this.plainBuf = Buffer.alloc(0);
        return;
      }
      if (this.plainBuf.length < 4 + n) return;
      this.plainFrames.push(this.plainBuf.subarray(4, 4 + n));
      this.plainBuf = this.plainBuf.subarray(4 + n);
    }
  }
}

/** Runs one side's operations on its current transport; `framed` frames each write. Returns the payloads. */
async function drive(p: Checked, ops: Op[], framed: boolean): Promise<Buffer[]> {
  const wrote: Buffer[] = [];
  for (const op of ops) {
    const t = p.transport!;
    if ('write' in op) {
      const b = randomBytes(op.write);
      t.write(framed ? frame(b) : b);
      wrote.push(b);
    } else if ('pause' in op) {
      await p.pauseReadingFor(op.pause);
    } else {
      await sleep(op.nap);
    }
  }
  return wrote;
}

/**
 * One end's plaintext phase and upgrade: its frames, its end marker (the TLS client's first; the
 * TLS server's once it has the client's, right before its startTls), then startTls.
 */
async function plainThenUpgrade(prog: Program, s: Side, p: Checked, where: () => string): Promise<Buffer[]> {
  const loop = getRunningLoop();
  const wrote = await drive(p, prog.plain[s], true);
  const isServer = s === prog.tlsServer;
  // Upgrade with writing not paused (see the header); the 4-byte marker stays under every high mark.
  await until(() => !p.writingPaused, () => `${p.side}: the plain transport's resumeWriting; ${where()}`);
  const plain = p.transport!;
  if (isServer) await until(() => p.plainDone, () => `${p.side}: the TLS client's end marker; ${where()}`);
  const tail = isServer ? prog.tail.map((n) => randomBytes(n)) : [];
  for (const b of tail) plain.write(frame(b)); // still being sent when the handshake starts
  wrote.push(...tail);
  plain.write(END);
  if (!isServer && prog.hold !== null) {
    // The TLS server's tail backs up behind this pause, on its plain socket.
    plain.pauseReading();
    p.paused = true;
    await sleep(prog.hold);
    p.paused = false;
    plain.resumeReading();
  }
  if (!isServer) await until(() => p.plainDone, () => `${p.side}: the TLS server's end marker; ${where()}`);
  const pause = prog.pausedBefore[s];
  if (pause !== null) {
    plain.pauseReading();
    p.paused = true;
    await sleep(pause);
  }
  const madeBefore = p.calls.filter((c) => c === 'made').length;
  const upgrade: Future<Transport> = loop.startTls(plain, p, tlsOptions(isServer, prog.maxVersion));
  p.paused = false; // asyncio's start_tls reads again (its resume_reading): the new transport is not paused
  if (prog.late[s] > 0) await sleep(prog.late[s]);
  const secure = await waitFor(upgrade, BOUND);
  expect(secure, where()).not.toBe(plain);
  expect(secure.getProtocol(), where()).toBe(p);
  expect(plain.isClosing(), `${p.side}: the old transport is done with; ${where()}`).toBe(true);
  expect(secure.getExtraInfo('sslObject'), where()).toBeInstanceOf(TLSSocket);
  expect(p.calls.filter((c) => c === 'made').length, `${p.side}: no second connectionMade; ${where()}`).toBe(madeBefore);
  p.transport = secure;
  secure.setWriteBufferLimits(prog.highs[s]);
  return wrote;
}

async function play(prog: Program): Promise<void> {
  const loop = getRunningLoop();
  const reported = recordReports();
  const accepted: Checked[] = [];
  const server = await loop.createServer(() => {
    const p = new Checked('acceptor');
    accepted.push(p);
    return p;
  }, '127.0.0.1', 0);
  let ends: [Checked, Checked] | undefined;
  const where = (): string =>
    `${JSON.stringify(prog)}; connector ${ends?.[0].calls.join(' ')}; acceptor ${ends?.[1].calls.join(' ')}; violations ${ends?.flatMap((e) => e.violations).join(' | ')}`;
  try {
    const port = (server.address() as { port: number }).port;
    const [, client] = await loop.createConnection(() => new Checked('connector'), '127.0.0.1', port);
    await until(() => accepted[0]?.transport != null, () => `the acceptor's connectionMade; ${JSON.stringify(prog)}`);
    ends = [client, accepted[0]!];
    const both = ends;
    both[0].transport!.setWriteBufferLimits(prog.highs[0]);
    both[1].transport!.setWriteBufferLimits(prog.highs[1]);

    // Each end in a task of its own: plaintext, its upgrade, then over TLS from the moment its own
    // startTls returned (the other's may not have yet), then the ending.
    const plainWrote: [Buffer[], Buffer[]] = [[], []];
    const tlsWrote: [Buffer, Buffer] = [Buffer.alloc(0), Buffer.alloc(0)];
    const upgraded = [false, false];
    const done = [false, false];
    const ender = both[prog.ender];
    const other = both[1 - prog.ender]!;
    const oneEnd = async (s: Side): Promise<void> => {
      const p = both[s];
      plainWrote[s] = await plainThenUpgrade(prog, s, p, where);
      upgraded[s] = true;
      tlsWrote[s] = Buffer.concat(await drive(p, prog.tls[s], false));
      done[s] = true;
      if (s !== prog.ender) return;
      const o = 1 - s;
      if (prog.ending === 'close') {
        // The ender has every byte the other wrote (so nothing lands on its closed socket and
        // resets the connection), and closes with its own last writes possibly still in flight.
        await until(() => done[o]! && p.bytes().length >= tlsWrote[o]!.length, () => `every TLS byte of the other; ${where()}`);
        p.transport!.close();
      } else {
        // Once both are over TLS, at once: bytes may be in flight both ways.
        await until(() => upgraded[o]!, () => `the other's upgrade; ${where()}`);
        p.transport!.abort();
      }
    };
    await gather([createTask(() => oneEnd(0)), createTask(() => oneEnd(1))]);
    await waitFor(gather([ender.whenLost(), other.whenLost()]), BOUND).catch((e: unknown) => {
      throw new Error(`${String(e)}: both ends lost; ${where()}`);
    });
    await sleep(5); // anything late would show now

    for (const p of both) {
      expect(p.violations, where()).toEqual([]);
      expect(p.calls.filter((c) => c === 'made'), where()).toEqual(['made']);
      expect(p.calls.at(-1), where()).toBe('lost');
      expect(p.transport!.isClosing(), where()).toBe(true);
    }
    for (const s of [0, 1] as const) {
      const got = both[1 - s]!.plainFrames;
      expect(got.length, `frames the ${NAMES[1 - s]} got in the plaintext phase; ${where()}`).toBe(plainWrote[s].length);
      expect(got.every((b, i) => b.equals(plainWrote[s][i]!)), `the plaintext frames of the ${NAMES[s]}; ${where()}`).toBe(true);
    }
    const fromEnder = tlsWrote[prog.ender]!;
    const fromOther = tlsWrote[1 - prog.ender]!;
    if (prog.ending === 'close') {
      expect(other.bytes().equals(fromEnder), `the other got every TLS byte of the ender, once, in order; ${where()}`).toBe(true);
      expect(ender.bytes().equals(fromOther), `the ender got every TLS byte of the other; ${where()}`).toBe(true);
      expect([ender.lostWith, other.lostWith], where()).toEqual([undefined, undefined]);
      expect(other.eof, `the close reached the other as the end of the stream; ${where()}`).toBe(true);
    } else {
      expect(startsWith(fromEnder, other.bytes()), `the other got a prefix of the ender's TLS bytes; ${where()}`).toBe(true);
      expect(startsWith(fromOther, ender.bytes()), `the ender got a prefix of the other's TLS bytes; ${where()}`).toBe(true);
      expect(ender.lostWith, where()).toBe(undefined); // abort() is asyncio's: connectionLost(None)
    }
    expect(described(reported), where()).toEqual([]);
  } finally {
    server.close();
    server.abortClients();
    await waitFor(server.waitClosed(), BOUND);
  }
}

// ---- the streams level: StreamWriter.startTls ---------------------------------------------------

/** A message: a line of hex (readline), or a length-prefixed block (readexactly); then a drain or a nap. */
interface Msg {
  line: boolean;
  size: number;
  drain: boolean;
  nap: number;
}

interface StreamProgram {
  maxVersion: Version;
  /** The two ends' reader limits: a small one makes the reader pause its socket often. */
  limits: [number, number];
  plain: [Msg[], Msg[]];
  /** Blocks the TLS server (the acceptor) writes right before its end marker and its startTls. */
  tail: number[];
  /** The connector starts reading the plaintext phase this many ms late (the tail backs up). */
  hold: number;
  late: [number, number];
  tls: [Msg[], Msg[]];
  ender: Side;
}

const msgArb: fc.Arbitrary<Msg> = fc.record({
  line: fc.boolean(),
  size: sizeArb,
  drain: fc.boolean(),
  nap: fc.constantFrom(-1, -1, 0, 2),
});
const msgsArb = fc.array(msgArb, { maxLength: 5 });

const streamProgramArb: fc.Arbitrary<StreamProgram> = fc.record({
  maxVersion: versionArb,
  limits: fc.tuple(fc.constantFrom(1024, 65536), fc.constantFrom(1024, 65536)),
  plain: fc.tuple(msgsArb, msgsArb),
  tail: tailArb,
  hold: fc.constantFrom(0, 0, 20),
  late: fc.tuple(lateArb, lateArb),
  tls: fc.tuple(msgsArb, msgsArb),
  ender: sideArb,
});

/** A line holds at most this many bytes (hex-encoded, under the smallest reader limit). */
const LINE_BYTES = 400;

/** Writes the messages, then the end marker 'E'; returns what each message carries. */
async function writeMsgs(writer: StreamWriter, msgs: Msg[], marker: boolean): Promise<Buffer[]> {
  const sent: Buffer[] = [];
  for (const m of msgs) {
    if (m.line) {
      const b = randomBytes(1 + (m.size % LINE_BYTES));
      writer.write(`L${b.toString('hex')}\n`);
      sent.push(b);
    } else {
      const b = randomBytes(m.size);
      writer.write(Buffer.concat([Buffer.from('B'), u32(b.length), b]));
      sent.push(b);
    }
    if (m.drain) await waitFor(writer.drain(), BOUND);
    if (m.nap >= 0) await sleep(m.nap);
  }
  if (marker) writer.write('E');
  return sent;
}

/** Reads messages up to the end marker; anything else is garbage. */
async function readMsgs(reader: StreamReader, who: string): Promise<Buffer[]> {
  const got: Buffer[] = [];
  try {
    return await readMsgsInto(reader, who, got);
  } catch (e) {
    throw new Error(`${who}: after ${got.length} messages (${reader.bufferedLength()} bytes buffered): ${String(e)}`);
  }
}

async function readMsgsInto(reader: StreamReader, who: string, got: Buffer[]): Promise<Buffer[]> {
  for (;;) {
    const kind = (await waitFor(reader.readexactly(1), BOUND)).toString('latin1');
    if (kind === 'E') return got;
    if (kind === 'L') {
      const line = (await waitFor(reader.readline(), BOUND)).toString('latin1');
      if (!/^([0-9a-f]{2})+\n$/.test(line)) throw new Error(`${who}: garbage line ${JSON.stringify(line.slice(0, 40))}`);
      got.push(Buffer.from(line.slice(0, -1), 'hex'));
    } else if (kind === 'B') {
      const n = (await waitFor(reader.readexactly(4), BOUND)).readUInt32BE(0);
      if (n > MAX_FRAME) throw new Error(`${who}: garbage block length ${n}`);
      got.push(await waitFor(reader.readexactly(n), BOUND));
    } else throw new Error(`${who}: garbage message kind ${JSON.stringify(kind)} (0x${kind.charCodeAt(0).toString(16)})`);
  }
}

function expectSame(got: Buffer[], sent: Buffer[], what: string): void {
  expect(got.length, what).toBe(sent.length);
  expect(got.every((b, i) => b.equals(sent[i]!)), what).toBe(true);
}

/** One end of a stream program: plaintext messages, the upgrade, TLS messages, the ending. */
async function streamSide(prog: StreamProgram, s: Side, reader: StreamReader, writer: StreamWriter, sent: Buffer[][][], where: () => string): Promise<Buffer[][]> {
  const who = NAMES[s];
  const isServer = s === 1; // as asyncio's: the end a server accepted plays the TLS server
  // Plaintext: the TLS client writes its marker after its messages; the TLS server once it has read
  // the client's, right before its startTls (nothing of the client's can come before that).
  const reading = createTask(async () => {
    if (!isServer) await sleep(prog.hold);
    return readMsgs(reader, `${who}, plaintext`);
  });
  sent[s]![0] = await writeMsgs(writer, prog.plain[s], !isServer);
  const gotPlain = await reading;
  if (isServer) {
    for (const n of prog.tail) {
      const b = randomBytes(n);
      writer.write(Buffer.concat([Buffer.from('B'), u32(n), b])); // still being sent when the handshake starts
      sent[s]![0]!.push(b);
    }
    writer.write('E');
  }
  const { serverSide: _, ...opts } = tlsOptions(isServer, prog.maxVersion);
  const upgrade = writer.startTls(opts);
  if (prog.late[s] > 0) await sleep(prog.late[s]);
  await waitFor(upgrade, BOUND);
  expect(writer.transport, `${who}: over TLS; ${where()}`).toBeInstanceOf(TLSSocket);
  // Over TLS, at once: the peer may not have its startTls result yet.
  const readingTls = createTask(() => readMsgs(reader, `${who}, TLS`));
  sent[s]![1] = await writeMsgs(writer, prog.tls[s], true);
  const gotTls = await readingTls;
  if (s === prog.ender) {
    writer.close();
  } else {
    const rest = await waitFor(reader.read(), BOUND); // the ender's close: the end of the stream
    expect(rest.length, `${who}: nothing after the end marker; ${where()}`).toBe(0);
    expect(reader.atEof(), where()).toBe(true);
    writer.close();
  }
  await waitFor(writer.waitClosed(), BOUND);
  return [gotPlain, gotTls];
}

async function playStreams(prog: StreamProgram): Promise<void> {
  const reported = recordReports();
  const sent: Buffer[][][] = [[[], []], [[], []]];
  const where = (): string => JSON.stringify(prog);
  let acceptorSide: Promise<Buffer[][]> | undefined;
  const server = await startServer(
    (reader, writer) => {
      acceptorSide = streamSide(prog, 1, reader, writer, sent, where);
      return acceptorSide.then(
        () => undefined,
        () => undefined, // seen through acceptorSide
      );
    },
    '127.0.0.1',
    0,
    { limit: prog.limits[1] },
  );
  try {
    const port = (server.address() as { port: number }).port;
    const [reader, writer] = await openConnection('127.0.0.1', port, { limit: prog.limits[0] });
    try {
      const connector = streamSide(prog, 0, reader, writer, sent, where);
      await until(() => acceptorSide !== undefined, () => `the acceptor's callback; ${where()}`);
      const [got0, got1] = await Promise.all([connector, acceptorSide!]);
      const got = [got0, got1];
      for (const s of [0, 1] as const) {
        for (const phase of [0, 1]) {
          expectSame(got[1 - s]![phase]!, sent[s]![phase]!, `the ${phase === 0 ? 'plaintext' : 'TLS'} messages of the ${NAMES[s]}; ${where()}`);
        }
      }
      expect(described(reported), where()).toEqual([]);
    } finally {
      writer.transport.destroy();
    }
  } finally {
    server.close();
    server.abortClients();
    await waitFor(server.waitClosed(), BOUND);
  }
}

describe('loop.startTls on a live connection, under random programs', () => {
  it("keeps each phase's bytes in order and whole, drives the same protocol over TLS without a second connectionMade, and ends as asked", () =>
    run(async () => {
      await fc.assert(fc.asyncProperty(programArb, play), { ...fcOptions(50), interruptAfterTimeLimit: 30_000 });
    }), 60_000);
});

describe('StreamWriter.startTls on a live connection, under random programs', () => {
  it('readexactly and readline see every plaintext message, then every TLS message, in order, nothing lost at the switch', () =>
    run(async () => {
      await fc.assert(fc.asyncProperty(streamProgramArb, playStreams), { ...fcOptions(40), interruptAfterTimeLimit: 30_000 });
    }), 60_000);
});

// ---- the first bytes over TLS, fixed cases --------------------------------------------------------
// The side whose handshake ends first (the client in TLS 1.3, the server in 1.2) writes in the
// very callback its startTls() result is done in; the other looks at its own result 100 ms later.
// The bytes come in right behind the handshake's last message, while the other side's startTls()
// has not returned to its caller: they must reach it whole, once, over TLS.

/** Keeps what it receives (the fixed cases). */
class Keep extends Protocol {
  transport: Transport | null = null;
  made = 0;
  readonly received: Buffer[] = [];
  override connectionMade(t: Transport): void {
    this.made++;
    this.transport = t;
  }
  override dataReceived(d: Buffer): void {
    this.received.push(Buffer.from(d));
  }
  bytes(): Buffer {
    return Buffer.concat(this.received);
  }
}

const LATE = 100;

describe('bytes written the moment a handshake completes', () => {
  for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
    it(`${version}: loop.startTls — they reach the peer's protocol whole and once, though the peer looks at its startTls() result late`, () =>
      run(async () => {
        const loop = getRunningLoop();
        const reported = recordReports();
        let acceptor: Keep | undefined;
        const server = await loop.createServer(() => (acceptor = new Keep()), '127.0.0.1', 0);
        try {
          const [plain, connector] = await loop.createConnection(() => new Keep(), '127.0.0.1', (server.address() as { port: number }).port);
          await until(() => acceptor?.transport != null, () => "the acceptor's connectionMade");
          const ends = [connector, acceptor!];
          const upgrades = [
            loop.startTls(plain, connector, tlsOptions(false, version)),
            loop.startTls(acceptor!.transport!, acceptor!, tlsOptions(true, version)),
          ];
          const payload = randomBytes(50_000);
          let first: number | undefined;
          for (const i of [0, 1]) {
            upgrades[i]!.addDoneCallback((f) => {
              if (first !== undefined || f.exception() !== undefined) return;
              first = i;
              f.result().write(payload);
            });
          }
          await waitFor(upgrades[version === 'TLSv1.3' ? 0 : 1]!, BOUND);
          expect(first, 'the side that finishes the handshake first').toBe(version === 'TLSv1.3' ? 0 : 1);
          const late = 1 - first!;
          await sleep(LATE);
          const secure = await waitFor(upgrades[late]!, BOUND);
          await until(() => ends[late]!.bytes().length >= payload.length, () => `the ${payload.length} bytes (got ${ends[late]!.bytes().length})`);
          expect(ends[late]!.bytes().equals(payload)).toBe(true);
          // and the late side's new transport carries its answer back
          secure.write('answer');
          await until(() => ends[first!]!.bytes().length >= 6, () => 'the answer');
          expect(ends[first!]!.bytes().toString()).toBe('answer');
          expect(ends.map((e) => e.made)).toEqual([1, 1]);
          secure.close();
          expect(described(reported)).toEqual([]);
        } finally {
          server.close();
          server.abortClients();
          await waitFor(server.waitClosed(), BOUND);
        }
      }));

    it(`${version}: StreamWriter.startTls — the peer's readexactly gets them whole after it looks at its startTls() result late`, () =>
      run(async () => {
        const reported = recordReports();
        const payload = randomBytes(50_000);
        const ends: { reader: StreamReader; writer: StreamWriter; upgrade?: Future<void> }[] = [];
        let first: number | undefined;
        const watch = (i: number): void =>
          ends[i]!.upgrade!.addDoneCallback((f) => {
            if (first !== undefined || f.exception() !== undefined) return;
            first = i;
            ends[i]!.writer.write(payload);
          });
        const server = await startServer(
          async (reader, writer) => {
            ends[1] = { reader, writer };
            expect((await waitFor(reader.readline(), BOUND)).toString()).toBe('STARTTLS\n');
            writer.write('OK\n');
            ends[1].upgrade = writer.startTls({ key, cert, maxVersion: version });
            watch(1);
          },
          '127.0.0.1',
          0,
        );
        try {
          const [reader, writer] = await openConnection('127.0.0.1', (server.address() as { port: number }).port);
          ends[0] = { reader, writer };
          writer.write('STARTTLS\n');
          expect((await waitFor(reader.readline(), BOUND)).toString()).toBe('OK\n');
          ends[0].upgrade = writer.startTls({ ca: cert, serverHostname: 'localhost', maxVersion: version });
          watch(0);
          await until(() => first !== undefined, () => 'the first handshake to complete');
          expect(first, 'the side that finishes the handshake first').toBe(version === 'TLSv1.3' ? 0 : 1);
          const late = ends[1 - first!]!;
          await sleep(LATE);
          await waitFor(late.upgrade!, BOUND);
          expect((await waitFor(late.reader.readexactly(payload.length), BOUND)).equals(payload)).toBe(true);
          late.writer.write('answer\n');
          expect((await waitFor(ends[first!]!.reader.readline(), BOUND)).toString()).toBe('answer\n');
          expect(late.writer.transport).toBeInstanceOf(TLSSocket);
          for (const e of ends) e.writer.close();
          expect(described(reported)).toEqual([]);
        } finally {
          server.close();
          server.abortClients();
          await waitFor(server.waitClosed(), BOUND);
        }
      }));
  }
});
