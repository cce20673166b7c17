// Reliability of transports and protocols: a tulip server and a tulip client (TCP, Unix socket or
// TLS) exchange random writes while each side pauses and resumes its reading at random and the
// write-buffer marks are random (so the writers are paused and resumed); then each side waits
// for all the other wrote, and the connection ends in a random way — close(), abort(), or a
// half-close (writeEof, the peer's eofReceived keeps the connection open and it answers, then
// closes). A protocol that checks asyncio's protocol state machine records every violation:
// - connectionMade first and once; connectionLost last and once;
// - no dataReceived while reading is paused, nor after eofReceived; eofReceived at most once;
// - pauseWriting and resumeWriting alternate, pause first, and never come after connectionLost;
// - pauseWriting only when the buffer is over the high mark, resumeWriting at or under the low;
// and the bytes each side received are the other's writes, in order, once. No exception reaches
// the loop's exception handler. Real sockets, real time: a few dozen small programs.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createTask, gather, getRunningLoop, run, sleep, waitFor, type ExceptionContext } from 'tulip';
import { cert, key } from '../streams/protocols.helpers.js';
import { fcOptions } from './harness.js';
import { CheckedProtocol } from './protocolcheck.js';

type Wire = 'tcp' | 'unix' | 'tls';
type Op = { write: number } | { pause: number } | { nap: number };
type Ending = 'close' | 'abort' | 'halfClose';

interface Program {
  wire: Wire;
  /** Write-buffer high marks of the client and the server (the low mark is asyncio's default for it). */
  highs: [number, number];
  client: Op[];
  server: Op[];
  ending: Ending;
  /** Which side ends it: 0 the client, 1 the server. */
  ender: 0 | 1;
}

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.oneof(fc.integer({ min: 1, max: 2000 }), fc.integer({ min: 1, max: 400_000 })).map((write) => ({ write })) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 15 }).map((pause) => ({ pause })) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 5 }).map((nap) => ({ nap })) },
);

const programArb: fc.Arbitrary<Program> = fc
  .record({
    wire: fc.constantFrom<Wire>('tcp', 'unix', 'tls'),
    highs: fc.tuple(fc.constantFrom(0, 1024, 65536), fc.constantFrom(0, 1024, 65536)),
    client: fc.array(opArb, { maxLength: 8 }),
    server: fc.array(opArb, { maxLength: 8 }),
    ending: fc.constantFrom<Ending>('close', 'abort', 'halfClose'),
    ender: fc.constantFrom<0 | 1>(0, 1),
  })
  .map((p) => (p.wire === 'tls' && p.ending === 'halfClose' ? { ...p, ending: 'close' as const } : p)); // TLS has no half-close

/** The state machine's checks, and a half-close's far side that answers at eofReceived. */
class Checked extends CheckedProtocol {
  /** On eofReceived: answer with these bytes and then close (a half-close's far side). */
  answerAtEof: Buffer | null = null;

  override eofReceived(): boolean {
    super.eofReceived();
    if (this.answerAtEof === null) return false;
    const t = this.transport!;
    const answer = this.answerAtEof;
    getRunningLoop().callSoon(() => {
      t.write(answer);
      t.close();
    });
    return true;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'tulip-protocols-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let count = 0;

/** Runs one side's operations; returns the bytes it wrote. */
async function drive(p: Checked, ops: Op[]): Promise<Buffer[]> {
  const wrote: Buffer[] = [];
  const t = p.transport!;
  for (const op of ops) {
    if ('write' in op) {
      const b = randomBytes(op.write);
      t.write(b);
      wrote.push(b);
    } else if ('pause' in op) {
      await p.pauseReadingFor(op.pause);
    } else {
      await sleep(op.nap);
    }
  }
  return wrote;
}

async function until(cond: () => boolean, what: () => string): Promise<void> {
  for (let i = 0; i < 2500 && !cond(); i++) await sleep(2);
  if (!cond()) throw new Error(`timed out waiting for ${what()}`);
}

async function play(prog: Program): Promise<void> {
  const loop = getRunningLoop();
  const reported: ExceptionContext[] = [];
  loop.setExceptionHandler((_l, c) => {
    if (c.durationMs === undefined) reported.push(c); // (not a stall report: a busy machine's real time)
  });
  const servers: Checked[] = [];
  const factory = (): Checked => {
    const s = new Checked('server');
    servers.push(s);
    return s;
  };
  const path = join(dir, `s${count++}.sock`);
  const server =
    prog.wire === 'unix'
      ? await loop.createUnixServer(factory, path)
      : await loop.createServer(factory, '127.0.0.1', 0, prog.wire === 'tls' ? { ssl: { key, cert } } : undefined);
  const where = (): string => `${JSON.stringify(prog)}; client ${client.calls.join(' ')}; server ${servers[0]?.calls.join(' ')}`;
  let client!: Checked;
  try {
    const port = prog.wire === 'unix' ? 0 : (server.address() as { port: number }).port;
    const [, c] =
      prog.wire === 'unix'
        ? await loop.createUnixConnection(() => new Checked('client'), path)
        : await loop.createConnection(() => new Checked('client'), '127.0.0.1', port, prog.wire === 'tls' ? { ssl: { ca: cert }, serverHostname: 'localhost' } : undefined);
    client = c;
    await until(() => servers[0]?.transport != null, () => `the server's connectionMade; ${where()}`);
    const srv = servers[0]!;
    client.transport!.setWriteBufferLimits(prog.highs[0]);
    srv.transport!.setWriteBufferLimits(prog.highs[1]);
    // Both sides at once, each in a task of its own.
    const [cw, sw] = await gather([createTask(() => drive(client, prog.client)), createTask(() => drive(srv, prog.server))]);
    const fromClient = Buffer.concat(cw);
    const fromServer = Buffer.concat(sw);
    await until(() => srv.bytes().length >= fromClient.length && client.bytes().length >= fromServer.length, () => `every byte; ${where()}`);
    expect(srv.bytes().equals(fromClient), `the server's bytes; ${where()}`).toBe(true);
    expect(client.bytes().equals(fromServer), `the client's bytes; ${where()}`).toBe(true);

    const [ender, other] = prog.ender === 0 ? [client, srv] : [srv, client];
    const answer = randomBytes(100);
    if (prog.ending === 'halfClose') {
      other.answerAtEof = answer;
      ender.transport!.writeEof();
    } else if (prog.ending === 'close') ender.transport!.close();
    else ender.transport!.abort();
    await waitFor(gather([ender.whenLost(), other.whenLost()]), 10_000).catch((e: unknown) => {
      throw new Error(`${String(e)}: both ends lost; ${where()}`);
    });
    await sleep(5); // anything late would show now

    for (const s of [client, srv]) {
      expect(s.violations, where()).toEqual([]);
      expect(s.calls[0], where()).toBe('made');
      expect(s.calls.at(-1), where()).toBe('lost');
      expect(s.transport!.isClosing(), where()).toBe(true);
    }
    if (prog.ending === 'halfClose') {
      // The far side got the end of the stream, answered, and closed; the ender read the answer.
      expect(other.eof, where()).toBe(true);
      expect(ender.bytes().subarray(fromOther(prog, fromClient, fromServer).length).equals(answer), where()).toBe(true);
      expect([ender.lostWith, other.lostWith], where()).toEqual([undefined, undefined]);
    } else if (prog.ending === 'close') {
      expect(ender.lostWith, where()).toBe(undefined);
      expect(other.lostWith, where()).toBe(undefined);
      if (prog.wire !== 'tls') expect(other.eof, where()).toBe(true);
    } else {
      expect(ender.lostWith, where()).toBe(undefined); // abort() is asyncio's: connectionLost(None)
    }
    expect(reported.map((c) => c.message), where()).toEqual([]);
  } finally {
    server.close();
    server.abortClients(); // (after a failure: its connection must not keep waitClosed() waiting)
    await waitFor(server.waitClosed(), 10_000);
  }
}

/** What the ender received from the other side before the ending. */
function fromOther(prog: Program, fromClient: Buffer, fromServer: Buffer): Buffer {
  return prog.ender === 0 ? fromServer : fromClient;
}

describe('transports and protocols under random writes, pauses and endings', () => {
  it("follow asyncio's protocol state machine, deliver every byte in order, and end as asked", () =>
    run(async () => {
      await fc.assert(fc.asyncProperty(programArb, play), { ...fcOptions(30), interruptAfterTimeLimit: 60_000 });
    }), 120_000);
});
