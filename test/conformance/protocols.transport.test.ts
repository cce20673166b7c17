// Behaviour ports of CPython 3.13's tests of asyncio's transports and protocols — this file:
// what a socket Transport does, seen from outside: reading, closing, writing and flow control.
// Conventions and what is not ported: protocols.connection.test.ts.
import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  RuntimeError,
  Transport,
  getRunningLoop,
  run,
  sleep,
  waitFor,
} from 'tulip';
import { newFuture, recordExceptions, syncError } from './helpers.js';
import { BOUND, rawServer, receiveAll, sockPath } from '../streams/helpers.js';
import { Recorder, until, watchedPeer, messages, codeOf, loopNet } from './protocols.helpers.js';

// ---- test_selector_events.py: reading -----------------------------------------------------------

describe('Transport: reading and closing (test_selector_events.py)', () => {
  // ports SelectorSocketTransportTests.test_read_ready / test_read_ready_eof
  it('data goes to dataReceived; at EOF eofReceived is called and, returning undefined, the transport closes', async () => {
    const peer = await rawServer((s) => s.end('some data'));
    try {
      await run(async () => {
        const [t, p] = await loopNet().createConnection(() => new Recorder(), '127.0.0.1', peer.port);
        expect(await waitFor(p.lost, BOUND)).toBeUndefined();
        expect(p.text).toBe('some data');
        expect(p.calls).toEqual(['made', 'data', 'eof', 'lost']);
        expect(t.isClosing()).toBe(true);
        expect(t.isReading()).toBe(false);
      });
    } finally {
      await peer.close();
    }
  });

  // ports SelectorSocketTransportTests.test_read_ready_eof_keep_open
  it('eofReceived returning true keeps the transport open half-closed: it can still write, then close', async () => {
    let fromClient = '';
    const peer = await rawServer((s) => {
      s.on('data', (d) => (fromClient += d.toString('latin1')));
      s.end('request');
    });
    try {
      await run(async () => {
        class Answerer extends Recorder {
          override eofReceived(): boolean {
            super.eofReceived();
            return true;
          }
        }
        const [t, p] = await loopNet().createConnection(() => new Answerer(), '127.0.0.1', peer.port);
        await until(() => p.calls.includes('eof'), 'EOF arrives');
        await sleep(5);
        expect(t.isClosing()).toBe(false);
        expect(p.lost.done()).toBe(false);
        t.write('answer after eof');
        await until(() => fromClient === 'answer after eof', 'the peer gets the answer');
        t.close();
        expect(await waitFor(p.lost, BOUND)).toBeUndefined();
        expect(p.calls).toEqual(['made', 'data', 'eof', 'lost']);
      });
    } finally {
      await peer.close();
    }
  });

  // ports SelectorSocketTransportTests.test_data_received_error (+ _fatal_error's report)
  it('dataReceived that throws: reported as "Fatal error: protocol.dataReceived() call failed.", the transport is closed, connectionLost(err)', async () => {
    const peer = await rawServer((s) => s.write('x'));
    try {
      await run(async () => {
        const seen = recordExceptions();
        const boom = new Error('boom');
        class Bad extends Recorder {
          override dataReceived(): void {
            throw boom;
          }
        }
        const [t, p] = await loopNet().createConnection(() => new Bad(), '127.0.0.1', peer.port);
        expect(await waitFor(p.lost, BOUND)).toBe(boom);
        expect(t.isClosing()).toBe(true);
        const fatal = seen.filter((c) => c.message === 'Fatal error: protocol.dataReceived() call failed.');
        expect(fatal.length).toBe(1);
        expect(fatal[0]!.exception).toBe(boom);
        expect(fatal[0]!.transport).toBe(t);
        expect(fatal[0]!.protocol).toBe(p);
      });
    } finally {
      await peer.close();
    }
  });

  // ports _SelectorSocketTransport._read_ready__data_received: one report, through _fatal_error
  // (no separate "protocol.dataReceived() failed" report before it)
  it('a throwing dataReceived is reported to the exception handler exactly once', async () => {
    const peer = await rawServer((s) => s.write('x'));
    try {
      await run(async () => {
        const seen = recordExceptions();
        class Bad extends Recorder {
          override dataReceived(): void {
            throw new Error('boom');
          }
        }
        const [, p] = await loopNet().createConnection(() => new Bad(), '127.0.0.1', peer.port);
        await waitFor(p.lost, BOUND);
        await sleep(0);
        expect(messages(seen)).toEqual(['Fatal error: protocol.dataReceived() call failed.']);
      });
    } finally {
      await peer.close();
    }
  });

  // ports SelectorSocketTransportTests.test_read_eof_received_error
  it('eofReceived that throws: reported as "Fatal error: protocol.eofReceived() call failed.", connectionLost(err)', async () => {
    const peer = await rawServer((s) => s.end());
    try {
      await run(async () => {
        const seen = recordExceptions();
        const boom = new Error('eof boom');
        class Bad extends Recorder {
          override eofReceived(): boolean {
            throw boom;
          }
        }
        const [t, p] = await loopNet().createConnection(() => new Bad(), '127.0.0.1', peer.port);
        expect(await waitFor(p.lost, BOUND)).toBe(boom);
        expect(t.isClosing()).toBe(true);
        expect(messages(seen)).toContain('Fatal error: protocol.eofReceived() call failed.');
      });
    } finally {
      await peer.close();
    }
  });

  // ports SelectorSocketTransportTests.test_read_ready_conn_reset / test_fatal_error (an OSError is
  // not reported)
  it('a connection reset by the peer: connectionLost(ECONNRESET error), nothing reported', async () => {
    const peer = await rawServer((s) => s.once('data', () => s.resetAndDestroy()));
    try {
      await run(async () => {
        const seen = recordExceptions();
        const [t, p] = await loopNet().createConnection(() => new Recorder(), '127.0.0.1', peer.port);
        t.write('reset me');
        const exc = await waitFor(p.lost, BOUND);
        expect(codeOf(exc)).toBe('ECONNRESET');
        expect(t.isClosing()).toBe(true);
        await sleep(0);
        expect(seen).toEqual([]);
      });
    } finally {
      await peer.close();
    }
  });

  // ports SelectorSocketTransportTests.test_pause_resume_reading
  it('pauseReading stops delivery until resumeReading; both are idempotent; closing stops reading', async () => {
    let server: Socket | undefined;
    const peer = await rawServer((s) => (server = s));
    try {
      await run(async () => {
        const [t, p] = await loopNet().createConnection(() => new Recorder(), '127.0.0.1', peer.port);
        await until(() => server !== undefined, 'the peer accepts');
        expect(t.isReading()).toBe(true);
        t.pauseReading();
        t.pauseReading();
        expect(t.isReading()).toBe(false);
        server!.write('while paused');
        await sleep(30);
        expect(p.nbytes).toBe(0);
        t.resumeReading();
        t.resumeReading();
        expect(t.isReading()).toBe(true);
        await until(() => p.text === 'while paused', 'the data arrives after resume');
        t.close();
        expect(t.isReading()).toBe(false);
        t.resumeReading(); // no-op once closing
        expect(t.isReading()).toBe(false);
        await waitFor(p.lost, BOUND);
      });
    } finally {
      await peer.close();
    }
  });

  // ports SelectorSocketTransportTests.test_pause_reading_connection_made
  it('pauseReading inside connectionMade: nothing is delivered until resumeReading', async () => {
    const peer = await rawServer((s) => s.write('early'));
    try {
      await run(async () => {
        class Pausing extends Recorder {
          override connectionMade(t: Transport): void {
            super.connectionMade(t);
            t.pauseReading();
          }
        }
        const [t, p] = await loopNet().createConnection(() => new Pausing(), '127.0.0.1', peer.port);
        expect(t.isReading()).toBe(false);
        await sleep(30);
        expect(p.nbytes).toBe(0);
        t.resumeReading();
        expect(t.isReading()).toBe(true);
        await until(() => p.text === 'early', 'the data arrives');
        t.close();
        await waitFor(p.lost, BOUND);
      });
    } finally {
      await peer.close();
    }
  });

  // ports SelectorSocketTransportTests.test_close (connection_lost once; a second close is a no-op)
  it('close(): isClosing at once, no more data delivered, connectionLost(undefined) exactly once', async () => {
    let server: Socket | undefined;
    const peer = await rawServer((s) => (server = s));
    try {
      await run(async () => {
        const seen = recordExceptions();
        const [t, p] = await loopNet().createConnection(() => new Recorder(), '127.0.0.1', peer.port);
        await until(() => server !== undefined, 'the peer accepts');
        t.close();
        expect(t.isClosing()).toBe(true);
        t.close();
        server!.write('too late');
        expect(await waitFor(p.lost, BOUND)).toBeUndefined();
        await sleep(10);
        expect(p.nbytes).toBe(0);
        expect(p.calls).toEqual(['made', 'lost']);
        expect(seen).toEqual([]);
      });
    } finally {
      await peer.close();
    }
  });

  // ports SelectorSocketTransportTests.test_close_write_buffer / test_write_buffer_after_close
  it('close() sends what is buffered first: the peer receives every byte, then the end', async () => {
    let received: Promise<string> | undefined;
    const peer = await rawServer((s) => (received = receiveAll(s)));
    try {
      await run(async () => {
        const [t, p] = await loopNet().createConnection(() => new Recorder(), '127.0.0.1', peer.port);
        const big = Buffer.alloc(4 << 20, 'z');
        t.write(big);
        t.write('END');
        t.close();
        expect(await waitFor(p.lost, BOUND)).toBeUndefined();
        await until(() => received !== undefined, 'the peer accepts');
        const got = await received!;
        expect(got.length).toBe(big.length + 3);
        expect(got.endsWith('zEND')).toBe(true);
      });
    } finally {
      await peer.close();
    }
  });

  // ports SelectorTransportTests.test_abort / test_force_close
  it('abort(): the connection is dropped, connectionLost(undefined), the peer sees it end', async () => {
    const { peer, closed } = await watchedPeer();
    try {
      await run(async () => {
        const [t, p] = await loopNet().createConnection(() => new Recorder(), '127.0.0.1', peer.port);
        t.write(Buffer.alloc(1 << 20));
        t.abort();
        expect(t.isClosing()).toBe(true);
        expect(await waitFor(p.lost, BOUND)).toBeUndefined();
        await until(() => closed() === 1, 'the peer sees the close');
        t.abort(); // a second abort is harmless
      });
    } finally {
      await peer.close();
    }
  });

  // ports SelectorSocketTransportBufferedProtocolTests.test_proto_type_switch
  it('setProtocol from a Protocol to a BufferedProtocol: later data goes to getBuffer/bufferUpdated, connectionLost to the new one', async () => {
    let server: Socket | undefined;
    const peer = await rawServer((s) => (server = s));
    try {
      await run(async () => {
        const [t, p] = await loopNet().createConnection(() => new Recorder(), '127.0.0.1', peer.port);
        await until(() => server !== undefined, 'the peer accepts');
        server!.write('data');
        await until(() => p.text === 'data', 'the first protocol gets data');
        const buf = new Uint8Array(4);
        const updates: string[] = [];
        const lost = newFuture<Error | undefined>();
        const bp = {
          getBuffer: () => buf,
          bufferUpdated: (n: number) => void updates.push(Buffer.from(buf.subarray(0, n)).toString('latin1')),
          connectionLost: (e: Error | undefined) => lost.setResult(e),
        };
        t.setProtocol(bp);
        expect(t.getProtocol()).toBe(bp);
        server!.end('0123456789');
        expect(await waitFor(lost, BOUND)).toBeUndefined();
        expect(updates.join('')).toBe('0123456789');
        expect(updates.every((u) => u.length <= 4)).toBe(true);
        expect(p.calls).toEqual(['made', 'data']); // the first protocol heard nothing more
      });
    } finally {
      await peer.close();
    }
  });

  it('setProtocol refuses a non-object with TypeError', async () => {
    const peer = await rawServer(() => {});
    try {
      await run(async () => {
        const [t, p] = await loopNet().createConnection(() => new Recorder(), '127.0.0.1', peer.port);
        const e = syncError(() => t.setProtocol(42 as never));
        expect(e).toBeInstanceOf(TypeError);
        expect(t.getProtocol()).toBe(p);
        t.close();
        await waitFor(p.lost, BOUND);
      });
    } finally {
      await peer.close();
    }
  });
});

// ---- test_selector_events.py / test_transports.py: writing ------------------------------------------

describe('Transport: writing and flow control (test_selector_events.py, test_transports.py)', () => {
  // ports SelectorSocketTransportTests.test_write / test_write_bytearray / test_write_no_data and
  // test_transports.py test_writelines
  it('write and writelines send strings and bytes in order; an empty write sends nothing', async () => {
    let received: Promise<string> | undefined;
    const peer = await rawServer((s) => (received = receiveAll(s)));
    try {
      await run(async () => {
        const [t, p] = await loopNet().createConnection(() => new Recorder(), '127.0.0.1', peer.port);
        t.write('a');
        t.write(new Uint8Array([0x62]));
        t.write('');
        t.write(Buffer.alloc(0));
        t.writelines(['c', Buffer.from('d'), new Uint8Array([0x65])]);
        t.close();
        await waitFor(p.lost, BOUND);
        await until(() => received !== undefined, 'the peer accepts');
        expect(await received!).toBe('abcde');
      });
    } finally {
      await peer.close();
    }
  });

  it('write of something that is not bytes or a string throws TypeError', async () => {
    const peer = await rawServer(() => {});
    try {
      await run(async () => {
        const [t, p] = await loopNet().createConnection(() => new Recorder(), '127.0.0.1', peer.port);
        expect(syncError(() => t.write(42 as never))).toBeInstanceOf(TypeError);
        expect(syncError(() => t.writelines(7 as never))).toBeInstanceOf(TypeError);
        t.close();
        await waitFor(p.lost, BOUND);
      });
    } finally {
      await peer.close();
    }
  });

  // ports SelectorSocketTransportTests.test_write_closing / test_writelines_after_connection_lost
  // and test_sslproto.py test_write_after_closing
  it('writes after close() and after the connection is lost are dropped silently', async () => {
    let received: Promise<string> | undefined;
    const peer = await rawServer((s) => (received = receiveAll(s)));
    try {
      await run(async () => {
        const seen = recordExceptions();
        const [t, p] = await loopNet().createConnection(() => new Recorder(), '127.0.0.1', peer.port);
        t.write('kept');
        t.close();
        expect(t.write('dropped')).toBeUndefined();
        t.writelines(['dropped too']);
        await waitFor(p.lost, BOUND);
        t.write('after lost');
        t.writelines(['after lost']);
        await until(() => received !== undefined, 'the peer accepts');
        expect(await received!).toBe('kept');
        await sleep(0);
        expect(seen).toEqual([]);
      });
    } finally {
      await peer.close();
    }
  });

  // ports SelectorSocketTransportTests.test_write_eof / test_write_eof_buffer on TCP and Unix
  for (const kind of ['tcp', 'unix'] as const) {
    it(`(${kind}) writeEof half-closes after the buffer: the peer reads to its end, answers, and the answer arrives`, async () => {
      const path = kind === 'unix' ? sockPath() : undefined;
      const peer = await rawServer((s) => {
        let req = '';
        s.on('data', (d) => (req += d.toString('latin1')));
        s.on('end', () => s.end(`got ${req.length} bytes`));
      }, path);
      try {
        await run(async () => {
          const loop = getRunningLoop();
          const [t, p] =
            kind === 'unix'
              ? await loop.createUnixConnection(() => new Recorder(), path!)
              : await loop.createConnection(() => new Recorder(), '127.0.0.1', peer.port);
          expect(t.canWriteEof()).toBe(true);
          t.write('x'.repeat(1000));
          t.writeEof();
          t.writeEof(); // a second one is a no-op
          expect(t.isClosing()).toBe(false);
          expect(await waitFor(p.lost, BOUND)).toBeUndefined();
          expect(p.text).toBe('got 1000 bytes');
          expect(p.calls).toEqual(['made', 'data', 'eof', 'lost']);
        });
      } finally {
        await peer.close();
      }
    });
  }

  // ports _SelectorSocketTransport.write's "Cannot call write() after write_eof()" and
  // SelectorSocketTransportTests.test_write_eof_after_close
  it('write after writeEof throws RuntimeError; writeEof after close is a no-op', async () => {
    const peer = await rawServer(() => {});
    try {
      await run(async () => {
        const loop = getRunningLoop();
        const [t, p] = await loop.createConnection(() => new Recorder(), '127.0.0.1', peer.port);
        t.writeEof();
        expect(syncError(() => t.write('more'))).toBeInstanceOf(RuntimeError);
        expect(syncError(() => t.writelines(['more']))).toBeInstanceOf(RuntimeError);
        t.close();
        await waitFor(p.lost, BOUND);
        const [t2, p2] = await loop.createConnection(() => new Recorder(), '127.0.0.1', peer.port);
        t2.close();
        await sleep(0);
        expect(() => t2.writeEof()).not.toThrow();
        await waitFor(p2.lost, BOUND);
      });
    } finally {
      await peer.close();
    }
  });

  // ports transports._FlowControlMixin's defaults (64 KiB high, a quarter of it low)
  it('the write buffer limits default to [16 KiB, 64 KiB]; the buffer is empty when idle', async () => {
    const peer = await rawServer(() => {});
    try {
      await run(async () => {
        const [t, p] = await loopNet().createConnection(() => new Recorder(), '127.0.0.1', peer.port);
        expect(t.getWriteBufferLimits()).toEqual([16384, 65536]);
        expect(t.getWriteBufferSize()).toBe(0);
        t.close();
        await waitFor(p.lost, BOUND);
      });
    } finally {
      await peer.close();
    }
  });

  // ports test_transports.py::TransportTests.test_flowcontrol_mixin_set_write_limits (the values)
  it('setWriteBufferLimits: high alone gives low = high/4, low alone gives high = 4*low, both as given', async () => {
    const peer = await rawServer(() => {});
    try {
      await run(async () => {
        const [t, p] = await loopNet().createConnection(() => new Recorder(), '127.0.0.1', peer.port);
        t.setWriteBufferLimits(1024, 128);
        expect(t.getWriteBufferLimits()).toEqual([128, 1024]);
        t.setWriteBufferLimits(4000);
        expect(t.getWriteBufferLimits()).toEqual([1000, 4000]);
        t.setWriteBufferLimits(undefined, 300);
        expect(t.getWriteBufferLimits()).toEqual([300, 1200]);
        t.setWriteBufferLimits(0, 0);
        expect(t.getWriteBufferLimits()).toEqual([0, 0]);
        t.setWriteBufferLimits();
        expect(t.getWriteBufferLimits()).toEqual([16384, 65536]);
        t.close();
        await waitFor(p.lost, BOUND);
      });
    } finally {
      await peer.close();
    }
  });

  // ports test_transports.py::TransportTests.test_flowcontrol_mixin_set_write_limits (the ValueError)
  it('setWriteBufferLimits(1, 2) and a negative low throw RangeError ("high … must be >= low"); a fraction throws TypeError', async () => {
    const peer = await rawServer(() => {});
    try {
      await run(async () => {
        const [t, p] = await loopNet().createConnection(() => new Recorder(), '127.0.0.1', peer.port);
        const e = syncError(() => t.setWriteBufferLimits(1, 2));
        expect(e).toBeInstanceOf(RangeError);
        expect(e.message).toMatch(/high.*must be >= low/);
        expect(syncError(() => t.setWriteBufferLimits(0, 1))).toBeInstanceOf(RangeError);
        expect(syncError(() => t.setWriteBufferLimits(undefined, -1))).toBeInstanceOf(RangeError);
        expect(syncError(() => t.setWriteBufferLimits(1.5))).toBeInstanceOf(TypeError);
        expect(t.getWriteBufferLimits()).toEqual([16384, 65536]); // unchanged
        t.close();
        await waitFor(p.lost, BOUND);
      });
    } finally {
      await peer.close();
    }
  });

  // ports _FlowControlMixin._maybe_pause_protocol / _maybe_resume_protocol through a real socket
  // (test_selector_events.py test_writelines_pauses_protocol, test_write_buffer_after_close)
  it('over the high mark pauseWriting is called once; once drained to the low mark, resumeWriting once', async () => {
    let server: Socket | undefined;
    const peer = await rawServer((s) => {
      server = s;
      s.pause();
    });
    try {
      await run(async () => {
        const flow: string[] = [];
        class Flow extends Recorder {
          override pauseWriting(): void {
            flow.push(`pause>${this.transport!.getWriteBufferSize() > 65536}`);
          }
          override resumeWriting(): void {
            flow.push(`resume<=${this.transport!.getWriteBufferSize() <= 16384}`);
          }
        }
        const [t, p] = await loopNet().createConnection(() => new Flow(), '127.0.0.1', peer.port);
        const chunk = Buffer.alloc(1 << 20);
        for (let i = 0; i < 32; i++) t.write(chunk);
        expect(flow).toEqual(['pause>true']);
        expect(t.getWriteBufferSize()).toBeGreaterThan(65536);
        await sleep(10);
        expect(flow).toEqual(['pause>true']); // the peer is not reading
        await until(() => server !== undefined, 'the peer accepts');
        server!.on('data', () => {});
        server!.resume();
        await until(() => flow.length === 2, 'resumeWriting is called');
        expect(flow).toEqual(['pause>true', 'resume<=true']);
        t.close();
        await waitFor(p.lost, BOUND);
      });
    } finally {
      await peer.close();
    }
  });

  // ports test_transports.py test_flowcontrol_mixin_set_write_limits (lowering the limits under the
  // current buffer size pauses the protocol at once)
  it('setWriteBufferLimits under the current buffer size calls pauseWriting at once', async () => {
    const peer = await rawServer((s) => s.pause());
    try {
      await run(async () => {
        let pauses = 0;
        class Flow extends Recorder {
          override pauseWriting(): void {
            pauses++;
          }
        }
        const [t, p] = await loopNet().createConnection(() => new Flow(), '127.0.0.1', peer.port);
        t.setWriteBufferLimits(1 << 30);
        for (let i = 0; i < 32; i++) t.write(Buffer.alloc(1 << 20));
        expect(pauses).toBe(0);
        expect(t.getWriteBufferSize()).toBeGreaterThan(1024);
        t.setWriteBufferLimits(1024);
        expect(pauses).toBe(1);
        expect(t.getWriteBufferLimits()).toEqual([256, 1024]);
        t.abort();
        await waitFor(p.lost, BOUND);
      });
    } finally {
      await peer.close();
    }
  });

  // ports _FlowControlMixin._maybe_pause_protocol's report ('protocol.pause_writing() failed')
  it('pauseWriting that throws is reported as "protocol.pauseWriting() failed"; the transport stays open', async () => {
    const peer = await rawServer((s) => s.pause());
    try {
      await run(async () => {
        const seen = recordExceptions();
        const boom = new Error('pause boom');
        class Bad extends Recorder {
          override pauseWriting(): void {
            throw boom;
          }
        }
        const [t, p] = await loopNet().createConnection(() => new Bad(), '127.0.0.1', peer.port);
        t.write(Buffer.alloc(32 << 20));
        expect(messages(seen)).toEqual(['protocol.pauseWriting() failed']);
        expect(seen[0]!.exception).toBe(boom);
        expect(seen[0]!.transport).toBe(t);
        expect(t.isClosing()).toBe(false);
        t.abort();
        await waitFor(p.lost, BOUND);
      });
    } finally {
      await peer.close();
    }
  });
});
