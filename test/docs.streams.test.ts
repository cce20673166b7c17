// The README's streams, protocols and subprocess examples (README.md:221, :263 and :309), run as
// written over real sockets on 127.0.0.1 and real child processes, in the same way as
// test/docs.examples.test.ts runs the other README examples.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  PIPE,
  Protocol,
  TimeoutError,
  createSubprocessExec,
  getRunningLoop,
  openConnection,
  run,
  startServer,
  timeout,
  waitFor,
  type StreamReader,
  type StreamWriter,
  type Transport,
} from 'tulip';

const README = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');

describe('README.md:221 — a line echo server on streams, and a client with a timeout', () => {
  it('the README still contains the example', () => {
    expect(README).toContain("const reply = await timeout(1000).run(() => reader.readuntil('\\n')); // a cancelled read takes no byte");
    expect(README).toContain('yield* writer.drain();                        // ...and a pause while the peer is slow');
  });

  it('the client reads back its line, and the server ends cleanly once closed', () =>
    run(async () => {
      const server = await startServer(function* (reader: StreamReader, writer: StreamWriter) {
        for (;;) {
          const line = yield* reader.readline(); // '' at the end of the stream
          if (line.length === 0) break;
          writer.write(line); // queued at once...
          yield* writer.drain(); // ...and a pause while the peer is slow
        }
        writer.close();
      }, '127.0.0.1', 0);
      const { port } = server.address() as AddressInfo;

      const [reader, writer] = await openConnection('127.0.0.1', port);
      writer.write('hello\n');
      const reply = await timeout(1000).run(() => reader.readuntil('\n')); // a cancelled read takes no byte
      writer.close();
      server.close();
      await server.waitClosed();
      expect(reply.toString()).toBe('hello\n');
      expect(server.isServing()).toBe(false);
    }));

  it('"a cancelled read takes no byte": a read cut off by timeout leaves what came for the next read', () =>
    run(async () => {
      const server = await startServer(async (_reader, writer) => {
        writer.write('partial'); // no newline: readuntil('\n') waits
        await writer.drain();
      }, '127.0.0.1', 0);
      const { port } = server.address() as AddressInfo;
      const [reader, writer] = await openConnection('127.0.0.1', port);
      const err = await timeout(50)
        .run(() => reader.readuntil('\n'))
        .then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(TimeoutError);
      expect((await reader.read(7)).toString()).toBe('partial');
      writer.close();
      server.close();
      server.abortClients();
      await server.waitClosed();
    }));
});

describe('README.md:263 — an echo server of protocols, and a client protocol that writes and half-closes', () => {
  it('the README still contains the example', () => {
    expect(README).toContain("console.log(await hello.done);       // 'hello': at the client's EOF the server's transport closes");
    expect(README).toContain('override dataReceived(data: Buffer) { this.transport.write(data); }  // no task, no await');
  });

  it('the client gets its bytes back and its connection ends; the server then closes cleanly', () =>
    run(async () => {
      class Echo extends Protocol {
        private transport!: Transport;
        override connectionMade(t: Transport) {
          this.transport = t;
        }
        override dataReceived(data: Buffer) {
          this.transport.write(data); // no task, no await
        }
      }

      class Hello extends Protocol {
        reply = '';
        done = getRunningLoop().createFuture<string>();
        override connectionMade(t: Transport) {
          t.write('hello');
          t.writeEof();
        }
        override dataReceived(data: Buffer) {
          this.reply += data.toString();
        }
        override connectionLost() {
          this.done.setResult(this.reply);
        }
      }

      const loop = getRunningLoop();
      const server = await loop.createServer(() => new Echo(), '127.0.0.1', 0);
      const { port } = server.address() as AddressInfo;
      const [, hello] = await loop.createConnection(() => new Hello(), '127.0.0.1', port);
      expect(await waitFor(hello.done, 5000)).toBe('hello');
      server.close();
      await waitFor(server.waitClosed(), 5000); // the server's side of the connection is gone too
    }));
});

describe('README.md:309 — a subprocess: communicate(), and a wait() cut short by a timeout', () => {
  it('the README still contains the example', () => {
    expect(README).toContain("const [out] = await proc.communicate('a\\nb\\nc\\n');  // feeds stdin, reads stdout to its end, waits");
    expect(README).toContain('try { await timeout(100).run(() => slow.wait()); } catch { slow.kill(); } // the child outlives a cancelled wait()');
  });

  it('sort -r reverses the lines; the sleeping child is killed after the timeout and reports -9', () =>
    run(async () => {
      const proc = await createSubprocessExec('sort', ['-r'], { stdin: PIPE, stdout: PIPE });
      const [out] = await proc.communicate('a\nb\nc\n'); // feeds stdin, reads stdout to its end, waits
      expect([out!.toString(), proc.returncode]).toEqual(['c\nb\na\n', 0]);

      let code: number | undefined;
      {
        await using slow = await createSubprocessExec('sleep', ['60']); // killed on leaving the block
        try {
          await timeout(100).run(() => slow.wait());
        } catch {
          slow.kill();
        } // the child outlives a cancelled wait()
        code = await slow.wait(); // -9: minus the signal, as asyncio
      }
      expect(code).toBe(-9);
    }));

  it('`await using` kills a child still running at the end of the block', () =>
    run(async () => {
      let pid = 0;
      let p: { returncode: number | null } | undefined;
      {
        await using slow = await createSubprocessExec('sleep', ['60']);
        pid = slow.pid;
        p = slow;
      }
      expect(pid).toBeGreaterThan(0);
      expect(p!.returncode).toBe(-9);
    }));
});
