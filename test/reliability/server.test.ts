// Reliability of a stream server's life cycle (real TCP on 127.0.0.1): random clients connect,
// send a random number of bytes and end their side at random moments (or never), while the
// server's per-connection tasks (in either style) read until the end of the stream and then close.
// At a random moment the server is closed, then its clients are closed (`closeClients`), dropped
// (`abortClients`), or left to end on their own. In every case:
// - `waitClosed()` resolves, and only once no connection is left (asyncio 3.12.1's promise);
// - every connection task then ends (each has seen the end of its stream), none failing with
//   anything but a connection error (after `abortClients`);
// - left to end on their own, connections the server accepted have every byte read (closing the
//   clients drops what the server had not read yet, as asyncio's close_clients does, and a
//   connection still in the listen backlog at the close is refused: neither is checked);
// - nothing reaches the loop's exception handler; no task is left pending.
import { connect, type Socket } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allTasks, currentTask, run, sleep, startServer, waitFor, type StreamReader, type StreamWriter } from 'tulip';
import { recordExceptions } from '../support.js';
import { aw, body, fcOptions, type Prog, type Style } from './harness.js';

interface ClientSpec {
  bytes: number;
  /** Real ms after connecting at which the client ends its side (null: it never does). */
  endAt: number | null;
}

interface Program {
  style: Style;
  clients: ClientSpec[];
  /** Real ms after the clients connected at which the server is closed. */
  closeAt: number;
  then: 'closeClients' | 'abortClients' | 'wait';
}

const programArb: fc.Arbitrary<Program> = fc
  .record({
    style: fc.constantFrom<Style>('generator', 'async'),
    clients: fc.array(
      fc.record({ bytes: fc.integer({ min: 0, max: 200_000 }), endAt: fc.option(fc.integer({ min: 0, max: 15 }), { nil: null }) }),
      { minLength: 1, maxLength: 6 },
    ),
    closeAt: fc.integer({ min: 0, max: 15 }),
    then: fc.constantFrom<'closeClients' | 'abortClients' | 'wait'>('closeClients', 'abortClients', 'wait'),
  })
  // Left to end on their own, the clients must all end some time.
  .map((p) => (p.then === 'wait' ? { ...p, clients: p.clients.map((c) => ({ ...c, endAt: c.endAt ?? 20 })) } : p));

interface Conn {
  read: number;
  error: unknown;
  ended: Promise<void>;
}

const later = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function play(p: Program): Promise<void> {
  await run(async () => {
    const reported = recordExceptions();
    const conns: Conn[] = [];
    const handler = (reader: StreamReader, writer: StreamWriter): unknown => {
      let done!: () => void;
      const c: Conn = { read: 0, error: undefined, ended: new Promise<void>((resolve) => (done = resolve)) };
      conns.push(c);
      return (body(p.style, function* (): Prog<void> {
        try {
          for (;;) {
            const b = yield* aw(p.style, reader.read(65536));
            if (b.length === 0) break;
            c.read += b.length;
          }
          writer.close();
          yield* aw(p.style, writer.waitClosed());
        } catch (e) {
          c.error = e;
        } finally {
          done();
        }
      }) as () => unknown)();
    };
    const server = await startServer(handler, '127.0.0.1', 0);
    const port = (server.address() as { port: number }).port;

    // Plain Node clients: they send, end their side when told, and take whatever comes back.
    const sockets: Socket[] = [];
    const timers: NodeJS.Timeout[] = [];
    await Promise.all(
      p.clients.map(
        (spec, i) =>
          new Promise<void>((resolve) => {
            const s = connect(port, '127.0.0.1', () => {
              s.write(Buffer.alloc(spec.bytes, i));
              if (spec.endAt !== null) timers.push(setTimeout(() => s.end(), spec.endAt));
              resolve();
            });
            s.on('error', () => {});
            s.on('data', () => {});
            sockets.push(s);
          }),
      ),
    );
    await later(p.closeAt);
    const seen = conns.length;
    server.close();
    if (p.then === 'closeClients') server.closeClients();
    if (p.then === 'abortClients') server.abortClients();
    await waitFor(server.waitClosed(), 10_000);

    const where = JSON.stringify(p);
    expect(server.connectionCount(), where).toBe(0);
    expect(seen, where).toBeLessThanOrEqual(p.clients.length);
    await waitFor(Promise.all(conns.map((c) => c.ended)), 5_000);
    for (const c of conns) {
      if (c.error !== undefined) {
        expect(p.then, `${where}: ${String(c.error)}`).toBe('abortClients');
        expect((c.error as NodeJS.ErrnoException).code ?? (c.error as Error).name, where).toMatch(/ECONNRESET|EPIPE|ConnectionResetError|ConnectionAbortedError/);
      }
    }
    // Every client accepted, and left to end on its own: all its bytes read.
    const total = conns.reduce((n, c) => n + c.read, 0);
    expect(total, where).toBeLessThanOrEqual(p.clients.reduce((n, c) => n + c.bytes, 0));
    if (p.then === 'wait' && conns.length === p.clients.length) {
      expect(total, where).toBe(p.clients.reduce((n, c) => n + c.bytes, 0));
    }
    for (const t of timers) clearTimeout(t);
    for (const s of sockets) s.destroy();
    await sleep(0);
    expect([...allTasks()].filter((t) => t !== currentTask()), where).toEqual([]);
    expect(reported, where).toEqual([]);
  });
}

describe('a stream server closed at random moments with clients coming and going', () => {
  it('waitClosed() resolves once no connection is left, every connection task has ended, and nothing is lost or reported', async () => {
    await fc.assert(fc.asyncProperty(programArb, play), { ...fcOptions(30), interruptAfterTimeLimit: 30_000 });
  }, 90_000);
});
