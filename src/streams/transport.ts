/**
 * asyncio's stream transport over Node sockets: `Transport`, a connected stream socket (TCP, TLS
 * or Unix) or one end of a pipe, that calls a stream protocol's methods as the socket's events
 * happen. What every transport has is in basetransport.ts.
 */
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { RuntimeError } from '../errors.js';
import type { Future } from '../future.js';
import { describe } from '../internal/validate.js';
import type { EventLoop } from '../loop/eventloop.js';
import { FlowControlTransport } from './basetransport.js';
import type { BufferedProtocolLike, ProtocolLike } from './protocols.js';
import { toBytes, type BytesLike } from './reader.js';
import { destroyAtLoopClose, shutdownTls, socketInfo, socketNames, tlsUpgrade, type SocketNames, type StartTlsOptions, type UnixNames } from './wiring.js';

/** What a `Transport` is over: a connected socket, the read end or the write end of a pipe. */
type TransportKind = 0 | 1 | 2;
/** @internal */ export const SOCKET = 0;
/** @internal */ export const READ_PIPE = 1;
/** @internal */ export const WRITE_PIPE = 2;

// The protocol calls of the hot paths, as functions of their arguments (no closure per chunk).
const callDataReceived = (p: ProtocolLike, chunk: Buffer): unknown => p.dataReceived?.(chunk);
const callEofReceived = (p: ProtocolLike): unknown => p.eofReceived?.();
const callGetBuffer = (p: BufferedProtocolLike, sizeHint: number): Uint8Array => p.getBuffer(sizeHint);
const callBufferUpdated = (p: BufferedProtocolLike, n: number): unknown => p.bufferUpdated(n);

/**
 * A connected stream socket — TCP, TLS or Unix — driving a stream protocol (asyncio's
 * `Transport`, made by `loop.createConnection`, `loop.createServer` and their Unix twins). Its
 * protocol gets `connectionMade(transport)`, then `dataReceived(data)` per chunk (or
 * `getBuffer`/`bufferUpdated` for a `BufferedProtocol`), `eofReceived()` at the peer's end of
 * stream, and `connectionLost(exc)` last. A protocol method that throws ends the connection and
 * is reported to the loop's exception handler ("Fatal error: protocol.dataReceived() call
 * failed."), as asyncio does.
 *
 * Cancellation: no method waits; none is a checkpoint. `write()` never blocks: the protocol's
 * `pauseWriting()` says when to stop.
 *
 * @example
 * ```ts
 * class Client extends Protocol {
 *   override connectionMade(t: Transport) { t.write('PING\r\n'); }
 *   override dataReceived(d: Buffer) { console.log(d.toString()); }
 * }
 * const [transport] = await getRunningLoop().createConnection(() => new Client(), '127.0.0.1', 6379);
 * ```
 */
export class Transport extends FlowControlTransport {
  /** @internal */ declare _protocol: ProtocolLike | BufferedProtocolLike;
  private readonly _socket: Socket;
  /** A connected socket, or one end of a pipe. */
  private readonly _what: TransportKind;
  /** The two ends' names, read when the transport was made (asyncio keeps them too). */
  private readonly _names: SocketNames;
  private _reading = false;
  private _readingPaused = false;
  private _eofWritten = false;
  private _error: Error | undefined = undefined;
  /**
   * What the socket delivered while reading was paused, kept for `resumeReading()` (asyncio's
   * paused transport reads nothing, so its protocol sees nothing either): chunks (a child's stdio
   * is resumed by Node at the child's exit), the end of stream (Node ends a paused stream whose
   * buffer is empty) and a close that followed it (a read pipe closes at its end).
   */
  private _held: Buffer[] | null = null;
  private _heldEnd = false;
  private _heldClose = false;
  /** @internal A `loop.sendfile` is writing: `write()` refuses (asyncio's "sendfile is in progress"). */
  _sending = false;

  /**
   * @internal Made once `socket` is connected: `connectionMade` is called in the next loop pass
   * (unless `made` says it was, for the transport a TLS upgrade hands over to), then reading
   * starts (the order of asyncio's socket transport).
   */
  constructor(
    loop: EventLoop,
    socket: Socket,
    protocol: ProtocolLike | BufferedProtocolLike,
    unix: UnixNames | null,
    kind: TransportKind = SOCKET,
    made = false,
  ) {
    super(loop, protocol);
    this._socket = socket;
    this._what = kind;
    this._names = kind === SOCKET ? socketNames(socket, unix) : { peer: undefined, sock: undefined };
    socket.on('error', this._onError);
    socket.on('close', this._onClose);
    destroyAtLoopClose(loop, socket);
    if (!made) loop.callSoon(() => this._protocol.connectionMade?.(this));
    if (kind !== WRITE_PIPE) loop.callSoon(() => this._startReading());
  }

  /**
   * @internal `loop.startTls`: a TLS handshake over this plain socket connection, whose result is
   * a new transport over the TLS socket driving `protocol` (no second `connectionMade`). This
   * transport is done with from the start: it delivers nothing more and drops writes; a failed
   * or cancelled handshake ends the connection with `connectionLost(exc)` of this transport's
   * protocol.
   */
  _startTls(op: string, protocol: ProtocolLike | BufferedProtocolLike, opts: StartTlsOptions, serverSide: boolean): Future<Transport> {
    if (this._what !== SOCKET || this._socket instanceof TLSSocket) throw new RuntimeError(`${op}: ${this} is not a plain socket connection`);
    if (this._closing) throw new RuntimeError(`${op}: ${this} is closing`);
    const start = tlsUpgrade(op, opts, serverSide);
    const raw = this._socket;
    for (const [event, fn] of [['data', this._onData], ['end', this._onEnd], ['error', this._onError], ['close', this._onClose]] as const) {
      raw.off(event, fn);
    }
    this._closing = true;
    return start(raw, {
      secure: (tls) => {
        this._lost = true; // handed over: its successor reports the end of the connection
        return new Transport(this._loop, tls, protocol, null, SOCKET, true);
      },
      abandon: (e) => this._connectionLost(e),
    });
  }

  private readonly _onData = (chunk: Buffer): void => {
    if (this._closing) return; // close() stops reading, as asyncio removes the reader
    if (this._readingPaused || this._held !== null) {
      (this._held ??= []).push(chunk);
      this._socket.pause();
      return;
    }
    this._deliver(chunk);
  };

  /** Hands `chunk` to the protocol: `dataReceived`, or the buffers of a `BufferedProtocol`. */
  private _deliver(chunk: Buffer): void {
    if ('getBuffer' in this._protocol) this._fillBuffers(this._protocol, chunk);
    else {
      const p = this._protocol;
      const r = this._callProtocol(callDataReceived, p, chunk);
      if (!(r instanceof Error)) return;
      // asyncio's read pipe lets the error reach the loop (a callback error) and reads on.
      if (this._what === READ_PIPE) this._callbackError('dataReceived', r);
      else this._fatalError(r, this._tls() ? 'Fatal error on SSL protocol' : 'Fatal error: protocol.dataReceived() call failed.');
    }
  }

  private readonly _onEnd = (): void => {
    if (this._closing) return;
    if (this._readingPaused || this._held !== null) {
      this._heldEnd = true;
      return;
    }
    const p = this._protocol;
    if (this._what === READ_PIPE) {
      // asyncio's read pipe: eofReceived and then connectionLost(None) as loop callbacks of their
      // own, whatever eofReceived returns or throws.
      this._loop.callSoon(() => p.eofReceived?.());
      this.close();
      return;
    }
    const keepOpen = this._callProtocol(callEofReceived, p);
    if (keepOpen instanceof Error) this._fatalError(keepOpen, this._tls() ? 'Error calling eof_received()' : 'Fatal error: protocol.eofReceived() call failed.');
    else if (!keepOpen || this._tls()) this.close(); // any truthy value keeps it open, as asyncio's `if keep_open:`
  };

  private _tls(): boolean {
    return this._socket instanceof TLSSocket;
  }

  /** A protocol error that does not end the connection, reported as a loop callback's would be. */
  private _callbackError(name: string, e: Error): void {
    if (this._loop.isClosed()) return;
    this._loop.callExceptionHandler({ message: `Exception in callback protocol.${name}()`, exception: e, transport: this, protocol: this._protocol });
  }

  private readonly _onError = (e: Error): void => {
    if (this._error === undefined) this._error = e;
    this._fatalError(e, 'Fatal read error on socket transport');
  };

  private readonly _onClose = (): void => {
    if (this._heldEnd && this._error === undefined && !this._closing) {
      this._heldClose = true; // the end of stream is held: so is the connection's end
      return;
    }
    this._closing = true;
    this._connectionLost(this._error);
  };

  private readonly _afterWrite = (err?: Error | null): void => {
    // A failed write (EPIPE) or an aborted socket ends the connection: no resumeWriting first.
    if (err || this._socket.destroyed) return;
    this._maybeResumeProtocol();
  };

  private _startReading(): void {
    if (this._closing || this._reading) return;
    this._reading = true;
    this._socket.on('data', this._onData);
    this._socket.on('end', this._onEnd);
    if (this._readingPaused) this._socket.pause();
    else this._socket.resume(); // a socket handed over paused (`sock`) flows too
  }

  /** A chunk copied into the buffers a `BufferedProtocol` hands out, as many as it takes. */
  private _fillBuffers(p: BufferedProtocolLike, chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length && !this._closing) {
      const left = chunk.length - at;
      const buf = this._callProtocol(callGetBuffer, p, left);
      if (buf instanceof Error) return this._fatalError(buf, 'Fatal error: protocol.getBuffer() call failed.');
      if (!(buf instanceof Uint8Array) || buf.length === 0) {
        const what = buf instanceof Uint8Array ? 'an empty buffer' : describe(buf);
        return this._fatalError(new RuntimeError(`Transport: protocol.getBuffer() returned ${what}; expected a non-empty Uint8Array`), 'Fatal error: protocol.getBuffer() call failed.');
      }
      const n = Math.min(buf.length, left);
      chunk.copy(buf, 0, at, at + n);
      at += n;
      const r = this._callProtocol(callBufferUpdated, p, n);
      if (r instanceof Error) return this._fatalError(r, 'Fatal error: protocol.bufferUpdated() call failed.');
      if (at === chunk.length || this._closing) return;
      // The protocol paused reading, or handed over to another (`setProtocol`): the rest of the
      // chunk is held first in line, or goes to the new protocol, as asyncio reads no further.
      if (this._readingPaused) {
        (this._held ??= []).unshift(chunk.subarray(at));
        this._socket.pause();
        return;
      }
      if (this._protocol !== p) return this._deliver(chunk.subarray(at));
    }
  }

  /**
   * Queues `data` (a string goes as UTF-8). Never waits; once the write buffer is over its high
   * mark the protocol's `pauseWriting()` is called. After the connection is lost, writes are
   * dropped (as asyncio's). `RuntimeError` after `writeEof()`.
   *
   * Cancellation: not a checkpoint.
   *
   * @example
   * ```ts
   * transport.write('hello\n');
   * ```
   */
  write(data: BytesLike): void {
    const b = toBytes('Transport.write', 'data', data);
    if (this._eofWritten) throw new RuntimeError(`Transport.write: cannot write after writeEof() on ${this}`);
    if (this._sending) throw new RuntimeError(`Transport.write: unable to write; sendfile is in progress on ${this}`);
    this._writeNow(b);
  }

  /** @internal A connected socket (not a pipe's end): what `loop.sendfile` supports. */
  _isSocket(): boolean {
    return this._what === SOCKET;
  }

  /** @internal Queues `b` (a write of `loop.sendfile`, or of `write()`). */
  _writeNow(b: Buffer): void {
    if (b.length === 0) return;
    if (this._closing) return; // as asyncio's after the connection is lost: dropped
    this._socket.write(b, this._afterWrite);
    this._maybePauseProtocol();
  }

  /**
   * Queues each item of `list` in order (as `write`).
   *
   * Cancellation: not a checkpoint.
   *
   * @example
   * ```ts
   * transport.writelines(['a\n', 'b\n']);
   * ```
   */
  writelines(list: Iterable<BytesLike>): void {
    if (list === null || typeof (list as Iterable<BytesLike>)?.[Symbol.iterator] !== 'function') {
      throw new TypeError(`Transport.writelines: list must be an iterable of Uint8Array or strings, got ${describe(list)}`);
    }
    const chunks = Array.from(list, (d) => toBytes('Transport.writelines', 'an item of list', d));
    for (const c of chunks) this.write(c);
  }

  /** True when `writeEof()` can half-close the connection: not over TLS (as asyncio's). */
  canWriteEof(): boolean {
    return !this._tls();
  }

  /**
   * Ends this side of the stream once the buffer is sent (a TCP half-close); the peer can go
   * on sending. A no-op when closing or done already.
   *
   * Cancellation: not a checkpoint.
   *
   * @example
   * ```ts
   * transport.write(request);
   * transport.writeEof(); // the server reads to the end, then answers
   * ```
   */
  writeEof(): void {
    if (this._closing || this._eofWritten) return;
    if (this._what === WRITE_PIPE) return this.close(); // a pipe's end of stream is its close (asyncio)
    if (!this.canWriteEof()) throw new RuntimeError(`Transport.writeEof: a TLS transport cannot half-close (${this})`);
    this._eofWritten = true;
    this._socket.end();
  }

  /** True while the protocol receives data: not paused, not closing. */
  isReading(): boolean {
    return !this._readingPaused && !this._closing;
  }

  /**
   * Stops delivering data until `resumeReading()` (the socket stops reading: the peer's writes
   * meet back pressure). As in asyncio, a paused transport does not see the peer's end of stream
   * either: `eofReceived` (and, for a read pipe, `connectionLost`) waits for `resumeReading()`;
   * a connection error still ends it at once. A no-op when paused or closing.
   *
   * Cancellation: not a checkpoint.
   *
   * @example
   * ```ts
   * transport.pauseReading(); // … later: transport.resumeReading();
   * ```
   */
  pauseReading(): void {
    if (!this.isReading()) return;
    this._readingPaused = true;
    if (this._reading) this._socket.pause();
  }

  /**
   * Delivers data again after `pauseReading()`: what came meanwhile first, in the next loop
   * pass. A no-op when not paused or closing.
   */
  resumeReading(): void {
    if (this._closing || !this._readingPaused) return;
    this._readingPaused = false;
    if (this._held !== null || this._heldEnd) this._loop.callSoon(() => this._flushHeld());
    else if (this._reading) this._socket.resume();
  }

  /** Hands the protocol what was held while paused, in order, until it pauses again or closes. */
  private _flushHeld(): void {
    const held = this._held;
    while (held !== null && held.length > 0) {
      if (this._readingPaused || this._closing) return;
      this._deliver(held.shift()!);
    }
    if (this._readingPaused || this._closing) return;
    this._held = null;
    if (!this._heldEnd) {
      this._socket.resume();
      return;
    }
    this._heldEnd = false;
    this._onEnd();
    if (this._heldClose) {
      this._heldClose = false;
      this._onClose();
    }
  }

  /**
   * Closes the connection after the buffered bytes are sent; no more data is delivered;
   * `connectionLost(undefined)` follows. Over TLS it follows the peer's answering end (what the
   * peer sends meanwhile is dropped), as asyncio's SSL shutdown waits for the peer's close_notify:
   * a peer that does not end within the connection's `sslShutdownTimeout` (default 30 s) gets
   * the connection aborted, and `connectionLost` a `TimeoutError`. A no-op once closing.
   *
   * Cancellation: not a checkpoint.
   *
   * @example
   * ```ts
   * transport.write('bye\n');
   * transport.close();
   * ```
   */
  override close(): void {
    if (this._closing) return;
    this._closing = true;
    const s = this._socket;
    if (s.destroyed) {
      if (this._heldClose) this._connectionLost(this._error); // its 'close' came and was held
      return;
    }
    if (this._what === READ_PIPE) {
      s.destroy(); // nothing to send: the end is now
      return;
    }
    if (this._tls()) {
      // Open, dropping what comes, until the peer's end (asyncio's SSL shutdown): see shutdownTls.
      shutdownTls('Transport.close', s, (e) => this._forceClose(e));
      return;
    }
    s.end();
    s.destroySoon();
  }

  /**
   * Drops the connection at once; buffered bytes are lost; `connectionLost(undefined)` follows.
   *
   * Cancellation: not a checkpoint.
   *
   * @example
   * ```ts
   * transport.abort();
   * ```
   */
  abort(): void {
    this._forceClose(undefined);
  }

  /** @internal */
  override _forceClose(exc: Error | undefined): void {
    if (exc !== undefined && this._error === undefined) this._error = exc;
    this._closing = true;
    if (this._socket.destroyed) this._connectionLost(this._error);
    else this._socket.destroy();
  }

  /** The bytes written and not yet handed to the system (Node's `writableLength`); 0 once dropped. */
  override getWriteBufferSize(): number {
    // A dropped connection sends nothing more: its buffer is gone (asyncio empties it).
    return this._socket.destroyed ? 0 : this._socket.writableLength;
  }

  /**
   * `'peername'`, `'sockname'` (`[host, port]`, or a path for a Unix socket; kept after the
   * connection ends), `'socket'`; over TLS `'peercert'`, `'cipher'`, `'sslObject'`; else `dflt`.
   */
  override getExtraInfo(name: string, dflt?: unknown): unknown {
    if (this._what !== SOCKET) return name === 'pipe' ? this._socket : dflt;
    return socketInfo(this._socket, this._names, name, dflt);
  }

  /** `<Transport open>` (`closing`, `closed`, `eof written`, `paused` as they apply). */
  override toString(): string {
    const state = this._lost ? 'closed' : this._closing ? 'closing' : this._eofWritten ? 'eof written' : 'open';
    return `<Transport ${state}${this._readingPaused && !this._closing ? ' paused' : ''}>`;
  }
}
