// Reliability of the streams over real TCP: a tulip echo server and a tulip client, each in either
// coroutine style, exchange random messages (empty to 150 KB, so the writers' high-water marks and
// the readers' pause at twice their limit are crossed) with `drain()` after random writes only,
// and read them back with random `read(n)` / `readexactly(n)` sizes under random reader limits.
// Every byte comes back, in order, once; the end of the stream (`writeEof`) reaches both sides;
// both ends close cleanly and the server closes with no connection left. Over TLS (which has no
// half-close) the client sends the length first, the server echoes that many bytes and closes,
// and the client then reads the end of the stream.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IncompleteReadError, createTask, openConnection, run, startServer, waitFor, type StreamReader, type StreamWriter } from 'tulip';
import { aw, body, fcOptions, type Prog, type Style } from './harness.js';

const FIXTURES = join(import.meta.dirname, '..', 'streams', 'fixtures');
const key = readFileSync(join(FIXTURES, 'localhost.key'));
const cert = readFileSync(join(FIXTURES, 'localhost.crt'));

interface Program {
  tls: boolean;
  serverStyle: Style;
  clientStyle: Style;
  serverLimit: number;
  clientLimit: number;
  messages: { size: number; drain: boolean }[];
  /** Sizes of the server's reads (cycled); a negative one is readexactly(-n). */
  serverReads: number[];
  clientReads: number[];
}

const styleArb = fc.constantFrom<Style>('generator', 'async');
const readsArb = fc.array(fc.oneof(fc.integer({ min: 1, max: 70_000 }), fc.integer({ min: -70_000, max: -1 })), { minLength: 1, maxLength: 6 });

const programArb: fc.Arbitrary<Program> = fc.record({
  tls: fc.boolean(),
  serverStyle: styleArb,
  clientStyle: styleArb,
  serverLimit: fc.constantFrom(1024, 16 * 1024, 65536),
  clientLimit: fc.constantFrom(1024, 16 * 1024, 65536),
  messages: fc.array(
    fc.record({ size: fc.oneof(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 150_000 })), drain: fc.boolean() }),
    { minLength: 0, maxLength: 8 },
  ),
  serverReads: readsArb,
  clientReads: readsArb,
});

/**
 * Reads until the end of the stream with the given sizes in turn (readexactly for a negative
 * one: at the end its IncompleteReadError's partial bytes count); returns the chunks.
 */
function* readAll(style: Style, reader: StreamReader, sizes: readonly number[], onChunk: (b: Buffer) => Prog<void>, upTo = Infinity): Prog<void> {
  let left = upTo;
  for (let i = 0; left > 0; i++) {
    const size = sizes[i % sizes.length]!;
    const n = Math.sign(size) * Math.min(Math.abs(size), left);
    let chunk: Buffer;
    if (n > 0) {
      chunk = yield* aw(style, reader.read(n));
      if (chunk.length === 0) return;
    } else {
      try {
        chunk = yield* aw(style, reader.readexactly(-n));
      } catch (e) {
        if (!(e instanceof IncompleteReadError)) throw e;
        if (e.partial.length > 0) yield* onChunk(Buffer.from(e.partial));
        return;
      }
    }
    left -= chunk.length;
    yield* onChunk(chunk);
  }
}

async function play(p: Program): Promise<void> {
  const sent = p.messages.map((m) => randomBytes(m.size));
  const total = sent.reduce((n, b) => n + b.length, 0);
  await run(async () => {
    let serverEcho = 0;
    let serverSawEof = false;
    // A generator or a promise: startServer runs it as the connection's task.
    const handler = (reader: StreamReader, writer: StreamWriter): unknown =>
      (body(p.serverStyle, function* (): Prog<void> {
        const upTo = p.tls ? (yield* aw(p.serverStyle, reader.readexactly(4))).readUInt32BE(0) : Infinity;
        yield* readAll(
          p.serverStyle,
          reader,
          p.serverReads,
          function* (chunk) {
            serverEcho += chunk.length;
            writer.write(chunk);
            yield* aw(p.serverStyle, writer.drain());
          },
          upTo,
        );
        serverSawEof = p.tls || reader.atEof();
        if (!p.tls) writer.writeEof();
        writer.close();
        yield* aw(p.serverStyle, writer.waitClosed());
      }) as () => unknown)();
    const server = await startServer(handler, '127.0.0.1', 0, { limit: p.serverLimit, ...(p.tls ? { ssl: { key, cert } } : {}) });
    const port = (server.address() as { port: number }).port;
    try {
      const [reader, writer] = await openConnection('127.0.0.1', port, { limit: p.clientLimit, ...(p.tls ? { ssl: { ca: cert } } : {}) });
      const got: Buffer[] = [];
      const receiver = createTask(
        body(p.clientStyle, () =>
          readAll(p.clientStyle, reader, p.clientReads, function* (chunk) {
            got.push(chunk);
          }),
        ),
      );
      const sender = createTask(
        body(p.clientStyle, function* (): Prog<void> {
          if (p.tls) {
            const header = Buffer.alloc(4);
            header.writeUInt32BE(total);
            writer.write(header);
          }
          for (let i = 0; i < sent.length; i++) {
            writer.write(sent[i]!);
            if (p.messages[i]!.drain) yield* aw(p.clientStyle, writer.drain());
          }
          yield* aw(p.clientStyle, writer.drain());
          if (!p.tls) writer.writeEof();
        }),
      );
      await waitFor(sender, 20_000);
      await waitFor(receiver, 20_000);
      const back = Buffer.concat(got);
      expect(back.length).toBe(total);
      expect(back.equals(Buffer.concat(sent))).toBe(true);
      expect(reader.atEof()).toBe(true);
      writer.close();
      await waitFor(writer.waitClosed(), 5_000);
      expect(serverEcho).toBe(total);
      expect(serverSawEof).toBe(true);
    } finally {
      server.close();
      await waitFor(server.waitClosed(), 5_000);
    }
  });
}

describe('streams over TCP under random messages, drains, read sizes and limits', () => {
  it('an echo through a tulip server gives every byte back in order, once, in any mix of styles; the end of the stream reaches both sides', async () => {
    await fc.assert(fc.asyncProperty(programArb, play), { ...fcOptions(60), interruptAfterTimeLimit: 30_000 });
  }, 90_000);
});
