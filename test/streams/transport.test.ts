// Transports and protocols over stream sockets (src/streams/transport.ts): the order of a
// protocol's calls, half-close, reading and writing flow control, failures of protocol methods,
// buffered protocols and setProtocol. Servers and connecting: endpoints.test.ts; TLS:
// transport-tls.test.ts; the CPython behaviour ports: test/conformance/protocols.*.test.ts.
import { type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  BufferedProtocol,
  RuntimeError,
  getRunningLoop,
  run,
  sleep,
  waitFor,
  type Transport,
} from 'tulip';
import { recordExceptions, syncError } from '../support.js';
import { BOUND, portOf, rawServer, shutdown } from './helpers.js';
import { Echo, Recorder, until } from './protocols.helpers.js';

describe('a connection through createConnection', () => {
  it('calls connectionMade before the awaiting task resumes, then data, eof and connectionLost in order', () =>
    run(async () => {
      const peer = await rawServer((s) => s.end('hello'));
      try {
        const loop = getRunningLoop();
        const [t, p] = await loop.createConnection(() => new Recorder(), '127.0.0.1', peer.port);
        expect(p.calls[0]).toBe('made');
        expect(p.transport).toBe(t);
        expect(t.getProtocol()).toBe(p);
        await waitFor(p.lost, BOUND);
        expect(p.calls).toEqual(['made', 'data', 'eof', 'lost']);
        expect(p.data).toBe('hello');
        expect(p.lostWith).toBeUndefined();
        expect(t.isClosing()).toBe(true);
      } finally {
        await peer.close();
      }
    }));

  it('resolves in a generator task too, with the transport and the protocol the factory made', () =>
    run(function* () {
      const peer = yield* waitFor(rawServer(() => undefined), BOUND);
      try {
        const made: Recorder[] = [];
        const [t, p] = yield* getRunningLoop().createConnection(() => {
          const r = new Recorder();
          made.push(r);
          return r;
        }, '127.0.0.1', peer.port);
        expect(made).toEqual([p]);
        expect(t.getExtraInfo('peername')).toEqual(['127.0.0.1', peer.port]);
        const [host, port] = t.getExtraInfo('sockname') as [string, number];
        expect(host).toBe('127.0.0.1');
        expect(port).toBeGreaterThan(0);
        expect(t.getExtraInfo('socket')).toBeDefined();
        expect(t.getExtraInfo('peercert', 'none')).toBe('none');
        expect(t.getExtraInfo('nonsense', 42)).toBe(42);
        t.close();
        yield* waitFor(p.lost, BOUND);
      } finally {
        yield* waitFor(peer.close(), BOUND);
      }
    }));

  it('keeps the transport writable after the peer EOF when eofReceived returns true', () =>
    run(async () => {
      const loop = getRunningLoop();
      const server = await loop.createServer(() => {
        const e = new Echo();
        e.keepOpen = true;
        return e;
      }, '127.0.0.1', 0);
      try {
        const [t, p] = await loop.createConnection(() => new Recorder(), '127.0.0.1', portOf(server));
        t.write('abc');
        t.writeEof();
        expect(t.canWriteEof()).toBe(true);
        await until(() => p.data === 'abc', 'the echo');
        // The server side half-closed: it wrote after the client's EOF; the client still reads.
        expect(p.calls.slice(0, 2)).toEqual(['made', 'data']);
      } finally {
        await shutdown(server);
      }
    }));

  it('closes the transport at the peer EOF when eofReceived does not return true', () =>
    run(async () => {
      let sawEnd = false;
      const peer = await rawServer((s) => {
        s.on('end', () => (sawEnd = true));
        s.end();
      });
      try {
        const [t, p] = await getRunningLoop().createConnection(() => new Recorder(), '127.0.0.1', peer.port);
        await waitFor(p.lost, BOUND);
        expect(p.calls).toEqual(['made', 'eof', 'lost']);
        expect(t.isClosing()).toBe(true);
        await until(() => sawEnd, "the peer's end");
      } finally {
        await peer.close();
      }
    }));

  it('drops writes after close() without an error, and refuses writes after writeEof() with RuntimeError', () =>
    run(async () => {
      const got: Buffer[] = [];
      const peer = await rawServer((s) => s.on('data', (d: Buffer) => got.push(d)));
      try {
        const loop = getRunningLoop();
        const [t1, p1] = await loop.createConnection(() => new Recorder(), '127.0.0.1', peer.port);
        t1.write('x');
        t1.writeEof();
        t1.writeEof(); // a no-op the second time
        const e = syncError(() => t1.write('y'));
        expect(e).toBeInstanceOf(RuntimeError);
        expect(e.message).toMatch(/Transport\.write: cannot write after writeEof\(\)/);
        await until(() => Buffer.concat(got).toString() === 'x', 'the byte');
        t1.close();
        await waitFor(p1.lost, BOUND);
        const [t2, p2] = await loop.createConnection(() => new Recorder(), '127.0.0.1', peer.port);
        t2.close();
        t2.write('dropped'); // no throw
        t2.close(); // idempotent
        await waitFor(p2.lost, BOUND);
        t2.write('still dropped');
        expect(Buffer.concat(got).toString()).toBe('x');
      } finally {
        await peer.close();
      }
    }));

  it('write takes strings, Buffers and Uint8Arrays, skips empty data, and refuses anything else naming the argument', () =>
    run(async () => {
      const got: Buffer[] = [];
      const peer = await rawServer((s) => s.on('data', (d: Buffer) => got.push(d)));
      try {
        const [t, p] = await getRunningLoop().createConnection(() => new Recorder(), '127.0.0.1', peer.port);
        t.write('a');
        t.write(Buffer.from('b'));
        t.write(new Uint8Array([99]));
        t.write('');
        t.writelines(['d', Buffer.from('e')]);
        const e = syncError(() => t.write(42 as never));
        expect(e).toBeInstanceOf(TypeError);
        expect(e.message).toMatch(/Transport\.write: data must be a Uint8Array, a Buffer or a string, got 42/);
        const e2 = syncError(() => t.writelines(['f', 7 as never]));
        expect(e2.message).toMatch(/Transport\.writelines: an item of list must be/);
        await until(() => Buffer.concat(got).toString() === 'abcde', 'the bytes');
        expect(t.isClosing()).toBe(false); // still usable after bad input
        t.close();
        await waitFor(p.lost, BOUND);
      } finally {
        await peer.close();
      }
    }));

  it('abort() drops the connection at once: connectionLost(undefined), the peer sees it closed', () =>
    run(async () => {
      let peerClosed = false;
      const peer = await rawServer((s) => s.on('close', () => (peerClosed = true)));
      try {
        const [t, p] = await getRunningLoop().createConnection(() => new Recorder(), '127.0.0.1', peer.port);
        t.abort();
        expect(t.isClosing()).toBe(true);
        await waitFor(p.lost, BOUND);
        expect(p.lostWith).toBeUndefined();
        expect(p.calls.filter((c) => c === 'lost')).toHaveLength(1);
        await until(() => peerClosed, "the peer's close");
      } finally {
        await peer.close();
      }
    }));

  it('reports a peer reset as connectionLost(error) without calling the exception handler', () =>
    run(async () => {
      const seen = recordExceptions();
      const peer = await rawServer((s) => s.once('data', () => s.resetAndDestroy()));
      try {
        const [t, p] = await getRunningLoop().createConnection(() => new Recorder(), '127.0.0.1', peer.port);
        t.write('reset me');
        await waitFor(p.lost, BOUND);
        expect((p.lostWith as NodeJS.ErrnoException | undefined)?.code).toBe('ECONNRESET');
        expect(seen).toEqual([]);
      } finally {
        await peer.close();
      }
    }));
});

describe('eofReceived', () => {
  it('any truthy value it returns keeps the transport open for writing (asyncio: `if keep_open:`)', () =>
    run(async () => {
      let got = '';
      const peer = await rawServer((s) => {
        s.on('data', (d: Buffer) => (got += d.toString()));
        s.end();
      });
      try {
        const eof = getRunningLoop().createFuture<void>();
        class Truthy extends Recorder {
          override eofReceived(): boolean {
            eof.setResult(undefined);
            return 1 as unknown as boolean; // a JavaScript caller's truthy value
          }
        }
        const [t, p] = await getRunningLoop().createConnection(() => new Truthy(), '127.0.0.1', peer.port);
        await waitFor(eof, BOUND);
        await sleep(10);
        expect(t.isClosing()).toBe(false);
        t.write('still writing');
        await until(() => got === 'still writing', 'the bytes after EOF');
        t.close();
        await waitFor(p.lost, BOUND);
      } finally {
        await peer.close();
      }
    }));
});

describe('a protocol method that throws', () => {
  it('dataReceived: reported as a fatal error, the transport closed, connectionLost gets the error', () =>
    run(async () => {
      const seen = recordExceptions();
      const peer = await rawServer((s) => s.write('boom'));
      try {
        const boom = new Error('bad parse');
        class Bad extends Recorder {
          override dataReceived(): void {
            throw boom;
          }
        }
        const [t, p] = await getRunningLoop().createConnection(() => new Bad(), '127.0.0.1', peer.port);
        await waitFor(p.lost, BOUND);
        expect(p.lostWith).toBe(boom);
        expect(seen).toHaveLength(1);
        expect(seen[0]!.message).toBe('Fatal error: protocol.dataReceived() call failed.');
        expect(seen[0]!.exception).toBe(boom);
        expect(seen[0]!.transport).toBe(t);
        expect(seen[0]!.protocol).toBe(p);
      } finally {
        await peer.close();
      }
    }));

  it('eofReceived: reported, and connectionLost gets the error', () =>
    run(async () => {
      const seen = recordExceptions();
      const peer = await rawServer((s) => s.end());
      try {
        class Bad extends Recorder {
          override eofReceived(): boolean {
            throw new RangeError('no eof for me');
          }
        }
        const [, p] = await getRunningLoop().createConnection(() => new Bad(), '127.0.0.1', peer.port);
        await waitFor(p.lost, BOUND);
        expect(p.lostWith).toBeInstanceOf(RangeError);
        expect(seen.map((c) => c.message)).toEqual(['Fatal error: protocol.eofReceived() call failed.']);
      } finally {
        await peer.close();
      }
    }));

  it('connectionMade: reported as a callback error; the connection goes on', () =>
    run(async () => {
      const seen = recordExceptions();
      const peer = await rawServer((s) => s.write('after'));
      try {
        class Bad extends Recorder {
          override connectionMade(t: Transport): void {
            super.connectionMade(t);
            throw new Error('made failed');
          }
        }
        const [t, p] = await getRunningLoop().createConnection(() => new Bad(), '127.0.0.1', peer.port);
        await until(() => p.data === 'after', 'the data');
        expect(seen).toHaveLength(1);
        expect((seen[0]!.exception as Error).message).toBe('made failed');
        t.close();
        await waitFor(p.lost, BOUND);
      } finally {
        await peer.close();
      }
    }));
});

/** Runs `body` with a connection to a raw peer: its transport, its Recorder and the peer's socket. */
async function withPeer(body: (t: Transport, p: Recorder, peer: Socket) => Promise<void>, make = () => new Recorder()): Promise<void> {
  let peerSocket: Socket | undefined;
  const peer = await rawServer((s) => (peerSocket = s));
  try {
    const [t, p] = await getRunningLoop().createConnection(make, '127.0.0.1', peer.port);
    await until(() => peerSocket !== undefined, 'the accept');
    await body(t, p, peerSocket!);
  } finally {
    await peer.close();
  }
}

describe('reading flow control', () => {
  it('pauseReading stops dataReceived until resumeReading; isReading says which', () =>
    run(() =>
      withPeer(async (t, p, peerSocket) => {
        expect(t.isReading()).toBe(true);
        t.pauseReading();
        t.pauseReading(); // no-op
        expect(t.isReading()).toBe(false);
        peerSocket.write('while paused');
        await sleep(30);
        expect(p.data).toBe('');
        t.resumeReading();
        expect(t.isReading()).toBe(true);
        await until(() => p.data === 'while paused', 'the data after resume');
        t.close();
        expect(t.isReading()).toBe(false);
        t.resumeReading(); // no-op when closing
        expect(t.isReading()).toBe(false);
        await waitFor(p.lost, BOUND);
      }),
    ));

  it('pauseReading inside connectionMade holds back even the first bytes', () =>
    run(async () => {
      const peer = await rawServer((s) => s.write('early'));
      try {
        class Pauser extends Recorder {
          override connectionMade(t: Transport): void {
            super.connectionMade(t);
            t.pauseReading();
          }
        }
        const [t, p] = await getRunningLoop().createConnection(() => new Pauser(), '127.0.0.1', peer.port);
        await sleep(30);
        expect(p.data).toBe('');
        t.resumeReading();
        await until(() => p.data === 'early', 'the early bytes');
        t.close();
        await waitFor(p.lost, BOUND);
      } finally {
        await peer.close();
      }
    }));
});

describe('the end of stream while reading is paused', () => {
  for (const keepOpen of [false, true]) {
    it(`waits for resumeReading: the held bytes, then eofReceived (returning ${keepOpen}), then ${keepOpen ? 'the connection stays open' : 'connectionLost'}`, () =>
      run(() =>
        withPeer(async (t, p, peerSocket) => {
          t.pauseReading();
          peerSocket.end('bye');
          await sleep(50);
          expect(p.calls).toEqual(['made']);
          expect(t.isClosing()).toBe(false);
          t.resumeReading();
          await until(() => p.calls.includes('eof'), 'the eof');
          expect(p.data).toBe('bye');
          if (keepOpen) {
            await sleep(20);
            expect(p.calls).toEqual(['made', 'data', 'eof']);
            t.write('still here'); // a half-closed connection can still send
            t.close();
          }
          await waitFor(p.lost, BOUND);
          expect(p.calls).toEqual(['made', 'data', 'eof', 'lost']);
          expect(p.lostWith).toBeUndefined();
        }, () => Object.assign(new Recorder(), { keepOpen })),
      ));
  }

  it('a reset while paused ends the connection with the error once a write meets it, the buffer emptied', () =>
    run(() =>
      withPeer(async (t, p, peerSocket) => {
        t.pauseReading();
        peerSocket.resetAndDestroy();
        // A paused transport reads nothing (as asyncio's): a write meets the reset.
        for (let i = 0; i < 200 && !p.calls.includes('lost'); i++) {
          t.write('x'.repeat(100));
          await sleep(5);
        }
        await waitFor(p.lost, BOUND);
        expect(p.calls).toEqual(['made', 'lost']);
        expect((p.lostWith as NodeJS.ErrnoException | undefined)?.code).toMatch(/ECONNRESET|EPIPE/);
        expect(t.getWriteBufferSize()).toBe(0);
      }),
    ));
});

describe('writing flow control', () => {
  it('has asyncio defaults and derives the missing mark: [low, high] = [16 KiB, 64 KiB]', () =>
    run(async () => {
      const peer = await rawServer(() => undefined);
      try {
        const [t, p] = await getRunningLoop().createConnection(() => new Recorder(), '127.0.0.1', peer.port);
        expect(t.getWriteBufferLimits()).toEqual([16384, 65536]);
        t.setWriteBufferLimits(1000);
        expect(t.getWriteBufferLimits()).toEqual([250, 1000]);
        t.setWriteBufferLimits(undefined, 100);
        expect(t.getWriteBufferLimits()).toEqual([100, 400]);
        t.setWriteBufferLimits(10, 10);
        expect(t.getWriteBufferLimits()).toEqual([10, 10]);
        const e = syncError(() => t.setWriteBufferLimits(1, 2));
        expect(e).toBeInstanceOf(RangeError);
        expect(e.message).toBe('Transport.setWriteBufferLimits: high (1) must be >= low (2) must be >= 0');
        expect(syncError(() => t.setWriteBufferLimits(undefined, -1))).toBeInstanceOf(RangeError);
        expect(syncError(() => t.setWriteBufferLimits('big' as never)).message).toMatch(/high must be an integer number of bytes/);
        expect(t.getWriteBufferLimits()).toEqual([10, 10]); // unchanged by the refused calls
        expect(t.getWriteBufferSize()).toBe(0);
        t.close();
        await waitFor(p.lost, BOUND);
      } finally {
        await peer.close();
      }
    }));

  it('calls pauseWriting once over the high mark and resumeWriting once drained to the low mark', () =>
    run(async () => {
      let peerSocket: Socket | undefined;
      const peer = await rawServer((s) => {
        peerSocket = s;
        s.pause(); // read nothing: the client's buffers fill up
      });
      try {
        const events: string[] = [];
        class Writer extends Recorder {
          override pauseWriting(): void {
            events.push(`pause ${this.transport.getWriteBufferSize() > 4096}`);
          }
          override resumeWriting(): void {
            events.push(`resume ${this.transport.getWriteBufferSize() <= 1024}`);
          }
        }
        const [t, p] = await getRunningLoop().createConnection(() => new Writer(), '127.0.0.1', peer.port);
        t.setWriteBufferLimits(4096, 1024);
        // 16 MiB at once, more than the kernel's socket buffers take from a peer that reads nothing
        // (tcp_wmem max 4 MiB here, and the receiver's buffer grows only as it reads): the
        // transport stays over its low mark until the peer reads. (64 KiB a time, the kernel
        // could take it all within a millisecond, and rightly resume.)
        const chunk = Buffer.alloc(1024 * 1024, 1);
        for (let i = 0; i < 16; i++) t.write(chunk);
        expect(events).toEqual(['pause true']); // at the first write, which crossed the high mark
        await sleep(1);
        expect(events).toEqual(['pause true']);
        t.write(chunk); // still paused: no second call
        expect(events).toEqual(['pause true']);
        await until(() => peerSocket !== undefined, 'the accept');
        peerSocket!.resume();
        await until(() => events.length === 2, 'resumeWriting');
        expect(events).toEqual(['pause true', 'resume true']);
        t.abort();
        await waitFor(p.lost, BOUND);
      } finally {
        await peer.close();
      }
    }));

  it('setWriteBufferLimits below what is buffered pauses the protocol at once', () =>
    run(async () => {
      const peer = await rawServer((s) => s.pause());
      try {
        let paused = 0;
        class Writer extends Recorder {
          override pauseWriting(): void {
            paused++;
          }
        }
        const [t, p] = await getRunningLoop().createConnection(() => new Writer(), '127.0.0.1', peer.port);
        const big = Buffer.alloc(8 * 1024 * 1024, 2);
        t.write(big); // more than the kernel takes at once: part stays in Node's buffer
        const size = t.getWriteBufferSize();
        expect(size).toBeGreaterThan(0);
        expect(paused).toBe(1); // 8 MiB is over the default 64 KiB
        t.abort();
        await waitFor(p.lost, BOUND);
      } finally {
        await peer.close();
      }
    }));
});

describe('a BufferedProtocol', () => {
  it('receives the bytes through its own small buffers, in order', () =>
    run(async () => {
      const text = 'the quick brown fox jumps over the lazy dog';
      const peer = await rawServer((s) => s.end(text));
      try {
        const hints: number[] = [];
        class Small extends BufferedProtocol {
          buf = Buffer.alloc(5);
          out = '';
          lost = getRunningLoop().createFuture<Error | undefined>();
          getBuffer(hint: number): Uint8Array {
            hints.push(hint);
            return this.buf;
          }
          bufferUpdated(n: number): void {
            this.out += this.buf.subarray(0, n).toString();
          }
          override connectionLost(e: Error | undefined): void {
            this.lost.setResult(e);
          }
        }
        const [, p] = await getRunningLoop().createConnection(() => new Small(), '127.0.0.1', peer.port);
        expect(await waitFor(p.lost, BOUND)).toBeUndefined();
        expect(p.out).toBe(text);
        expect(hints[0]).toBeGreaterThan(0);
        expect(hints.length).toBeGreaterThanOrEqual(Math.ceil(text.length / 5));
      } finally {
        await peer.close();
      }
    }));

  it('pauseReading() in bufferUpdated stops the deliveries at once, mid-chunk; resumeReading() goes on in order', () =>
    run(async () => {
      const text = 'x'.repeat(600) + 'y'.repeat(400);
      const peer = await rawServer((s) => s.end(text));
      try {
        class Pausing extends BufferedProtocol {
          buf = Buffer.alloc(10);
          out = '';
          calls = 0;
          transport!: Transport;
          lost = getRunningLoop().createFuture<void>();
          override connectionMade(t: Transport): void {
            this.transport = t;
          }
          getBuffer(): Uint8Array {
            return this.buf;
          }
          bufferUpdated(n: number): void {
            this.calls++;
            this.out += this.buf.subarray(0, n).toString();
            if (this.calls === 1) this.transport.pauseReading();
          }
          override connectionLost(): void {
            this.lost.setResult();
          }
        }
        const [t, p] = await getRunningLoop().createConnection(() => new Pausing(), '127.0.0.1', peer.port);
        for (let i = 0; i < 20 && p.calls === 0; i++) await sleep(5);
        await sleep(20);
        expect([p.calls, p.out.length, t.isReading()]).toEqual([1, 10, false]);
        t.resumeReading();
        await waitFor(p.lost, BOUND);
        expect(p.out).toBe(text);
      } finally {
        await peer.close();
      }
    }));

  it('an empty buffer from getBuffer is a fatal error naming it', () =>
    run(async () => {
      const seen = recordExceptions();
      const peer = await rawServer((s) => s.write('x'));
      try {
        class Empty extends BufferedProtocol {
          lost = getRunningLoop().createFuture<Error | undefined>();
          getBuffer(): Uint8Array {
            return new Uint8Array(0);
          }
          bufferUpdated(): void {}
          override connectionLost(e: Error | undefined): void {
            this.lost.setResult(e);
          }
        }
        const [, p] = await getRunningLoop().createConnection(() => new Empty(), '127.0.0.1', peer.port);
        const e = await waitFor(p.lost, BOUND);
        expect(e).toBeInstanceOf(RuntimeError);
        expect(e!.message).toMatch(/getBuffer\(\) returned an empty buffer/);
        expect(seen.map((c) => c.message)).toEqual(['Fatal error: protocol.getBuffer() call failed.']);
      } finally {
        await peer.close();
      }
    }));
});

describe('setProtocol', () => {
  it('switches the protocol whose methods are called, mid-connection', () =>
    run(async () => {
      let peerSocket: Socket | undefined;
      const peer = await rawServer((s) => (peerSocket = s));
      try {
        const [t, first] = await getRunningLoop().createConnection(() => new Recorder(), '127.0.0.1', peer.port);
        await until(() => peerSocket !== undefined, 'the accept');
        peerSocket!.write('one');
        await until(() => first.data === 'one', 'the first bytes');
        const second = new Recorder();
        t.setProtocol(second);
        expect(t.getProtocol()).toBe(second);
        peerSocket!.end('two');
        await waitFor(second.lost, BOUND);
        expect(first.data).toBe('one');
        expect(second.data).toBe('two');
        expect(first.calls).toEqual(['made', 'data']);
        expect(syncError(() => t.setProtocol(null as never)).message).toMatch(/Transport\.setProtocol: protocol must be an object/);
      } finally {
        await peer.close();
      }
    }));

  it('a plain object with only some methods serves as a protocol', () =>
    run(async () => {
      const peer = await rawServer((s) => s.end('plain'));
      try {
        let got = '';
        const lost = getRunningLoop().createFuture<void>();
        await getRunningLoop().createConnection(
          () => ({ dataReceived: (d: Buffer) => (got += d.toString()), connectionLost: () => lost.setResult(undefined) }),
          '127.0.0.1',
          peer.port,
        );
        await waitFor(lost, BOUND);
        expect(got).toBe('plain');
      } finally {
        await peer.close();
      }
    }));
});
