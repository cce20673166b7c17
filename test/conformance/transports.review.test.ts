// Review of the transports and protocols against CPython 3.13's Lib/asyncio (selector_events.py,
// base_events.py, sslproto.py, unix_events.py, base_subprocess.py, streams.py). Each `it.fails`
// pins a known difference from asyncio (the comment names the CPython function and why); each
// plain `it` pins a behaviour checked to match asyncio — most of them differences this review found
// and that were then fixed. Conventions as in protocols.connection.test.ts.
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import type { Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DEVNULL,
  DatagramProtocol,
  StreamReader,
  StreamReaderProtocol,
  SubprocessProtocol,
  getRunningLoop,
  run,
  sleep,
  waitFor,
  type Address,
  type SubprocessTransport,
  type Transport,
} from 'tulip';
import { errorOf, newFuture, recordExceptions } from './helpers.js';
import { BOUND, portOf, rawClient, rawServer, receiveAll, shutdown } from '../streams/helpers.js';
import { Recorder, cert, key, loopNet, messages, until } from './protocols.helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'tulip-trreview-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fifoCount = 0;

/** A FIFO: its read end opened without blocking, and a function that opens its write end. */
function fifo(): { readFd: number; openWriter: () => number } {
  const path = join(dir, `fifo-${fifoCount++}`);
  execFileSync('mkfifo', [path]);
  const readFd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  return { readFd, openWriter: () => openSync(path, constants.O_WRONLY | constants.O_NONBLOCK) };
}

const closeQuietly = (fd: number): void => {
  try {
    closeSync(fd);
  } catch {
    // closed already (the transport took it)
  }
};

/** A datagram protocol that records what it gets and resolves `lost`. */
class DgramRecorder extends DatagramProtocol {
  readonly lost = newFuture<Error | undefined>();
  override connectionLost(exc: Error | undefined): void {
    this.lost.setResult(exc);
  }
}

const serverSsl = { key, cert };

// ---- create_server (selector_events._accept_connection2) ----------------------------------------

describe('createServer: a protocol factory that throws for an incoming connection', () => {
  // CPython: selector_events._accept_connection2 calls the exception handler ("Error on transport
  // creation for incoming connection") only `if self._debug:`; tulip reports it in every mode
  // (nothing is lost; README "Where tulip differs"), as test/streams/endpoints.test.ts checks.
  it('in debug mode it is reported, with the exception, and the connection is dropped', () =>
    run(async () => {
      const loop = getRunningLoop();
      loop.setDebug(true);
      const seen = recordExceptions();
      const boom = new Error('no protocol');
      const srv = await loop.createServer(() => {
        throw boom;
      }, '127.0.0.1', 0);
      try {
        const c = await rawClient({ port: portOf(srv) });
        expect(await waitFor(receiveAll(c), BOUND)).toBe('');
        c.destroy();
        const report = seen.filter((ctx) => ctx.message === 'Error on transport creation for incoming connection');
        expect(report).toHaveLength(1);
        expect(report[0]!.exception).toBe(boom);
        expect(srv.isServing()).toBe(true);
      } finally {
        loop.setDebug(false);
        await shutdown(srv);
      }
    }));
});

// ---- flow control (transports._FlowControlMixin) -----------------------------------------------

describe('write flow control: limits changed while paused', () => {
  // CPython: _FlowControlMixin.set_write_buffer_limits calls only _maybe_pause_protocol; raising
  // the marks while paused does not resume the protocol: resume_writing comes once the buffer has
  // drained to the low mark, once.
  it('raising the marks while paused does not call resumeWriting; draining does, once', async () => {
    let server: Socket | undefined;
    const peer = await rawServer((s) => {
      server = s;
      s.pause(); // reads nothing until told
    });
    try {
      await run(async () => {
        class Flow extends Recorder {
          flow: string[] = [];
          override pauseWriting(): void {
            this.flow.push('pause');
          }
          override resumeWriting(): void {
            this.flow.push('resume');
          }
        }
        const [t, p] = await loopNet().createConnection(() => new Flow(), '127.0.0.1', peer.port);
        await until(() => server !== undefined, 'the peer accepts');
        t.write(Buffer.alloc(4 * 1024 * 1024));
        await until(() => p.flow.length > 0, 'pauseWriting');
        expect(p.flow).toEqual(['pause']);
        t.setWriteBufferLimits(64 * 1024 * 1024);
        // Checked at once: the kernel's buffers may take all 4 MiB a little later (this machine's
        // tcp_rmem max is 32 MiB), and that drain would rightly resume at the new low mark.
        expect(p.flow).toEqual(['pause']);
        server!.resume();
        await until(() => t.getWriteBufferSize() === 0, 'the buffer drains');
        await until(() => p.flow.length === 2, 'resumeWriting');
        expect(p.flow).toEqual(['pause', 'resume']);
        t.close();
        await waitFor(p.lost, BOUND);
      });
    } finally {
      await peer.close();
    }
  });
});

// ---- datagrams (selector_events._SelectorDatagramTransport, base_events.create_datagram_endpoint) --

describe('createDatagramEndpoint and DatagramTransport', () => {
  // CPython 3.13: create_datagram_endpoint has no reuse_address parameter any more (since 3.8.1
  // reuse_address=True raised ValueError: SO_REUSEADDR on UDP lets another process bind the same
  // address, bpo-37228).
  it('reuseAddress: true is refused', () =>
    run(async () => {
      const loop = getRunningLoop();
      let err: unknown;
      try {
        const [t] = await loop.createDatagramEndpoint(() => new DatagramProtocol(), {
          localAddr: ['127.0.0.1', 0],
          reuseAddress: true as never,
        });
        t.close();
      } catch (e) {
        err = e;
      }
      expect(err instanceof TypeError || err instanceof RangeError).toBe(true);
    }));

  // CPython: _SelectorTransport.__init__ stores 'sockname' (sock.getsockname()) in _extra when the
  // transport is made, so get_extra_info('sockname') still answers after close.
  it("getExtraInfo('sockname') still gives the bound address after close", () =>
    run(async () => {
      const [t, p] = await getRunningLoop().createDatagramEndpoint(() => new DgramRecorder(), { localAddr: ['127.0.0.1', 0] });
      const name = t.getExtraInfo('sockname') as Address;
      expect(name[0]).toBe('127.0.0.1');
      t.close();
      await waitFor(p.lost, BOUND);
      expect(t.getExtraInfo('sockname')).toEqual(name);
    }));

  // CPython: create_datagram_endpoint resolves remote_addr (_ensure_resolved) and the transport's
  // 'peername' is sock.getpeername(): an IP address, not the name given.
  it("'peername' of an endpoint connected to 'localhost' is the resolved address", () =>
    run(async () => {
      const loop = getRunningLoop();
      const [srv, sp] = await loop.createDatagramEndpoint(() => new DgramRecorder(), { localAddr: ['127.0.0.1', 0] });
      const port = (srv.getExtraInfo('sockname') as Address)[1];
      const [t, p] = await loop.createDatagramEndpoint(() => new DgramRecorder(), { remoteAddr: ['localhost', port] });
      try {
        expect(t.getExtraInfo('peername')).toEqual(['127.0.0.1', port]);
      } finally {
        t.close();
        srv.close();
        await waitFor(p.lost, BOUND);
        await waitFor(sp.lost, BOUND);
      }
    }));

  // matches CPython: _SelectorDatagramTransport.sendto raises ValueError (RangeError) for another
  // address on a connected endpoint before it looks at whether the transport is closed.
  it('a connected endpoint refuses another address even after close()', () =>
    run(async () => {
      const loop = getRunningLoop();
      const [srv, sp] = await loop.createDatagramEndpoint(() => new DgramRecorder(), { localAddr: ['127.0.0.1', 0] });
      const port = (srv.getExtraInfo('sockname') as Address)[1];
      const [t, p] = await loop.createDatagramEndpoint(() => new DgramRecorder(), { remoteAddr: ['127.0.0.1', port] });
      t.close();
      expect(() => t.sendto('x', ['127.0.0.1', port + 1 > 65535 ? 1 : port + 1])).toThrow(RangeError);
      expect(() => t.sendto('x')).not.toThrow(); // its own address: dropped
      srv.close();
      await waitFor(p.lost, BOUND);
      await waitFor(sp.lost, BOUND);
    }));
});

// ---- pipes (unix_events._UnixWritePipeTransport / _UnixReadPipeTransport) ------------------------

describe('write pipe transport: writeEof', () => {
  // CPython: _UnixWritePipeTransport.write_eof sets _closing = True (close() is write_eof()), so
  // is_closing() is true at once.
  it('isClosing() is true right after writeEof()', () =>
    run(async () => {
      const f = fifo();
      const w = f.openWriter();
      try {
        const [t, p] = await getRunningLoop().connectWritePipe(() => new Recorder(), w);
        t.writeEof();
        const closing = t.isClosing();
        await waitFor(p.lost, BOUND);
        expect(closing).toBe(true);
      } finally {
        closeQuietly(f.readFd);
        closeQuietly(w);
      }
    }));

  // CPython: _UnixWritePipeTransport.write drops data silently once _closing (after write_eof or
  // close); only the socket transport raises "Cannot call write() after write_eof()".
  it('write() after writeEof() is dropped silently, as after close()', () =>
    run(async () => {
      const f = fifo();
      const w = f.openWriter();
      try {
        const [t, p] = await getRunningLoop().connectWritePipe(() => new Recorder(), w);
        t.writeEof();
        let thrown: unknown;
        try {
          t.write('late');
        } catch (e) {
          thrown = e;
        }
        await waitFor(p.lost, BOUND);
        expect(thrown).toBeUndefined();
      } finally {
        closeQuietly(f.readFd);
        closeQuietly(w);
      }
    }));

  // matches CPython: write_eof sends what is buffered, then connection_lost(None) follows; the
  // reader gets every byte and then its EOF.
  it('writeEof(): the reader gets the bytes then EOF; connectionLost(undefined) follows', () =>
    run(async () => {
      const f = fifo();
      const w = f.openWriter();
      try {
        const loop = getRunningLoop();
        const [rt, rp] = await loop.connectReadPipe(() => new Recorder(), f.readFd);
        const [t, p] = await loop.connectWritePipe(() => new Recorder(), w);
        t.write('all of it');
        t.writeEof();
        expect(await waitFor(p.lost, BOUND)).toBeUndefined();
        expect(await waitFor(rp.lost, BOUND)).toBeUndefined();
        expect(rp.text).toBe('all of it');
        expect(rp.calls).toEqual(['made', 'data', 'eof', 'lost']);
        expect(rt.isClosing()).toBe(true);
      } finally {
        closeQuietly(f.readFd);
        closeQuietly(w);
      }
    }));
});

describe('read pipe transport: a protocol method that throws', () => {
  // CPython: _UnixReadPipeTransport._read_ready calls data_received without a try: the error
  // escapes to the loop ("Exception in callback …"), the pipe goes on reading and ends with
  // connection_lost(None).
  it('a dataReceived that throws is reported, and the pipe goes on to its end: connectionLost(undefined)', () =>
    run(async () => {
      const f = fifo();
      const w = f.openWriter();
      try {
        const seen = recordExceptions();
        class Bad extends Recorder {
          override dataReceived(d: Buffer): void {
            super.dataReceived(d);
            if (this.text === 'first') throw new Error('boom');
          }
        }
        const [, p] = await getRunningLoop().connectReadPipe(() => new Bad(), f.readFd);
        writeSync(w, 'first');
        await until(() => p.text.length > 0, 'the first chunk');
        await sleep(10);
        let readerStillThere = true;
        try {
          writeSync(w, '+second');
        } catch {
          readerStillThere = false; // EPIPE: the transport closed the read end
        }
        closeSync(w);
        const exc = await waitFor(p.lost, BOUND);
        expect(seen).toHaveLength(1);
        expect(seen[0]!.message).not.toMatch(/^Fatal error/);
        expect(readerStillThere).toBe(true);
        expect(exc).toBeUndefined();
        expect(p.text).toBe('first+second');
      } finally {
        closeQuietly(f.readFd);
        closeQuietly(w);
      }
    }));

  // CPython: at EOF _read_ready schedules eof_received and _call_connection_lost(None) as two
  // loop callbacks: an eof_received that throws is reported as a callback error and
  // connection_lost still gets None.
  it('an eofReceived that throws: connectionLost(undefined) all the same', () =>
    run(async () => {
      const f = fifo();
      const w = f.openWriter();
      try {
        const seen = recordExceptions();
        class Bad extends Recorder {
          override eofReceived(): boolean {
            throw new Error('eof boom');
          }
        }
        const [, p] = await getRunningLoop().connectReadPipe(() => new Bad(), f.readFd);
        closeSync(w);
        const exc = await waitFor(p.lost, BOUND);
        expect(seen.length).toBe(1);
        expect(exc).toBeUndefined();
      } finally {
        closeQuietly(f.readFd);
        closeQuietly(w);
      }
    }));
});

// ---- sendfile (base_events.sendfile / _sendfile_fallback) --------------------------------------

describe('loop.sendfile', () => {
  const file = join(dir, 'payload.bin');
  const payload = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
  writeFileSync(file, payload);

  // CPython: _sendfile_fallback (and sock_sendfile) end with file.seek(offset + total_sent): "File
  // position is updated on return" (the sendfile docstring), so the caller can go on reading, or
  // learn what was sent from file.tell(). tulip reads at explicit positions and leaves the
  // descriptor's position where it was: Node has no lseek (fs offers positional reads and writes
  // only), so a descriptor's position can only move by reading through it. A known difference
  // (README "Where tulip differs"); this test fails until Node can seek.
  it.fails("moves the file's position to offset + bytes sent", async () => {
    const peer = await rawServer((s) => s.resume());
    const fd = openSync(file, 'r');
    try {
      await run(async () => {
        const loop = getRunningLoop();
        const [t, p] = await loop.createConnection(() => new Recorder(), '127.0.0.1', peer.port);
        expect(await waitFor(loop.sendfile(t, fd, 200, 100), BOUND)).toBe(100);
        t.close();
        await waitFor(p.lost, BOUND);
      });
      const next = Buffer.alloc(4);
      readSync(fd, next, 0, 4, null); // from the current position
      expect(next).toEqual(payload.subarray(300, 304));
    } finally {
      closeSync(fd);
      await peer.close();
    }
  });

  // matches CPython: the fallback stops at the end of the file: a count past it sends what there
  // is, an offset past it sends nothing; both return the bytes sent.
  it('a count past the end sends what there is; an offset past the end sends nothing', async () => {
    let got = Buffer.alloc(0);
    const peer = await rawServer((s) => s.on('data', (d: Buffer) => (got = Buffer.concat([got, d]))));
    const fd = openSync(file, 'r');
    try {
      await run(async () => {
        const loop = getRunningLoop();
        const [t, p] = await loop.createConnection(() => new Recorder(), '127.0.0.1', peer.port);
        expect(await waitFor(loop.sendfile(t, fd, 900, 5000), BOUND)).toBe(100);
        expect(await waitFor(loop.sendfile(t, fd, 5000), BOUND)).toBe(0);
        await until(() => got.length === 100, 'the peer gets the tail');
        expect(got).toEqual(payload.subarray(900));
        expect(t.getProtocol()).toBe(p);
        expect(t.isReading()).toBe(true);
        t.close();
        await waitFor(p.lost, BOUND);
      });
    } finally {
      closeSync(fd);
      await peer.close();
    }
  });
});

// ---- TLS (sslproto.SSLProtocol, base_events.start_tls) -------------------------------------------

describe('TLS transports', () => {
  // CPython: over TLS the app protocol's data_received is called from SSLProtocol._do_read, whose
  // `except Exception` goes to SSLProtocol._fatal_error(ex, 'Fatal error on SSL protocol').
  it('a dataReceived that throws over TLS is reported as "Fatal error on SSL protocol"', () =>
    run(async () => {
      const loop = getRunningLoop();
      const seen = recordExceptions();
      const boom = new Error('tls boom');
      let sp: Recorder | undefined;
      class Bad extends Recorder {
        override dataReceived(): void {
          throw boom;
        }
      }
      const srv = await loop.createServer(() => (sp = new Bad()), '127.0.0.1', 0, { ssl: serverSsl });
      try {
        const [t, cp] = await loop.createConnection(() => new Recorder(), '127.0.0.1', portOf(srv), { ssl: { ca: cert, servername: 'localhost' } });
        t.write('x');
        await until(() => sp !== undefined && sp.calls.includes('lost'), 'the server side ends');
        expect(await waitFor(sp!.lost, BOUND)).toBe(boom);
        await waitFor(cp.lost, BOUND);
        expect(messages(seen)).toEqual(['Fatal error on SSL protocol']);
      } finally {
        await shutdown(srv);
      }
    }));

  // matches CPython: start_tls takes the bytes still unread on the socket into the handshake
  // (it pauses reading, swaps in the SSLProtocol, then resumes): a ClientHello that arrived while
  // the plain transport was paused is not lost.
  it('startTls(serverSide) after pauseReading: the ClientHello that came meanwhile is used', () =>
    run(async () => {
      const loop = getRunningLoop();
      class Pausing extends Recorder {
        override connectionMade(t: Transport): void {
          super.connectionMade(t);
          t.pauseReading();
        }
      }
      let sp: Pausing | undefined;
      const srv = await loop.createServer(() => (sp = new Pausing()), '127.0.0.1', 0);
      const raw = await rawClient({ port: portOf(srv) });
      const secure = tlsConnect({ socket: raw, ca: cert, servername: 'localhost' }); // ClientHello now
      secure.on('error', () => {});
      try {
        await until(() => sp !== undefined && sp.transport !== undefined, 'the server protocol is made');
        await sleep(50); // the ClientHello sits unread behind the paused transport
        expect(sp!.nbytes).toBe(0);
        const upgraded = await waitFor(loop.startTls(sp!.transport!, sp!, { serverSide: true, key, cert }), BOUND);
        secure.write('over tls');
        await until(() => sp!.text === 'over tls', 'the bytes over TLS');
        upgraded.close();
        await waitFor(sp!.lost, BOUND);
      } finally {
        secure.destroy();
        raw.destroy();
        await shutdown(srv);
      }
    }));
});

// ---- StreamReaderProtocol (streams.py) ----------------------------------------------------------

describe('StreamReaderProtocol', () => {
  // CPython: StreamReaderProtocol.connection_lost(exc) calls reader.set_exception(exc) whether or
  // not EOF came first, and StreamReader.read() raises a set exception before it looks at its
  // buffer.
  it('connectionLost(exc) after eofReceived: the next read raises exc', () =>
    run(async () => {
      const reader = new StreamReader();
      const p = new StreamReaderProtocol(reader);
      const reset = new Error('reset after eof');
      p.dataReceived(Buffer.from('tail'));
      p.eofReceived();
      p.connectionLost(reset);
      expect(reader.exception()).toBe(reset);
      expect(await errorOf(() => reader.read())).toBe(reset);
    }));

  // matches CPython: over TLS eof_received returns False (and SSLProtocol ignores a true anyway):
  // the peer's end is the reader's EOF and the transport closes.
  it("over TLS the peer's end is the reader's EOF and the transport closes", () =>
    run(async () => {
      const loop = getRunningLoop();
      class Bye extends Recorder {
        override connectionMade(t: Transport): void {
          super.connectionMade(t);
          t.write('bye');
          t.close();
        }
      }
      const srv = await loop.createServer(() => new Bye(), '127.0.0.1', 0, { ssl: serverSsl });
      try {
        const reader = new StreamReader();
        const [t] = await loop.createConnection(() => new StreamReaderProtocol(reader), '127.0.0.1', portOf(srv), {
          ssl: { ca: cert, servername: 'localhost' },
        });
        expect((await waitFor(reader.read(), BOUND)).toString()).toBe('bye');
        expect((await waitFor(reader.read(), BOUND)).length).toBe(0);
        expect(reader.atEof()).toBe(true);
        await until(() => t.isClosing(), 'the transport closes');
      } finally {
        await shutdown(srv);
      }
    }));
});

// ---- subprocess (base_subprocess.BaseSubprocessTransport) ----------------------------------------

describe('subprocess transport', () => {
  // CPython: send_signal/terminate/kill raise ProcessLookupError only once _proc is None, which
  // _call_connection_lost sets after connection_lost ran; during process_exited (queued before
  // it) send_signal reaches Popen.send_signal, a no-op for a reaped child.
  it('sendSignal inside processExited does nothing (the transport is not done yet)', () =>
    run(async () => {
      const errors: unknown[] = [];
      const done = newFuture<void>();
      class P extends SubprocessProtocol {
        t: SubprocessTransport | undefined;
        override connectionMade(t: SubprocessTransport): void {
          this.t = t;
        }
        override processExited(): void {
          try {
            this.t!.sendSignal('SIGTERM');
          } catch (e) {
            errors.push(e);
          }
        }
        override connectionLost(): void {
          done.setResult(undefined);
        }
      }
      const [t] = await getRunningLoop().subprocessExec(() => new P(), process.execPath, ['-e', ''], {
        stdin: DEVNULL,
        stdout: DEVNULL,
        stderr: DEVNULL,
      });
      await waitFor(done, BOUND);
      expect(t.getReturncode()).toBe(0);
      expect(errors).toEqual([]);
    }));
});
