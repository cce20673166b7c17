import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { ConnectionResetError, RuntimeError } from '../errors.js';
import type { Future } from '../future.js';
import { ParkFuture } from '../internal/park.js';
import { describe } from '../internal/validate.js';
import type { EventLoop } from '../loop/eventloop.js';
import { getRunningLoop } from '../loop/registry.js';
import { toBytes, type BytesLike, type StreamReader } from './reader.js';
import { shutdownTls, socketInfo, socketNames, type SocketNames, type StartTlsOptions, type UnixNames } from './wiring.js';

const DRAIN = 0;
const CLOSED = 1;

/**
 * `drain()` and `waitClosed()`: park futures (see internal/park.ts) that wait for the socket's
 * buffer to empty below its high-water mark, or for the socket to close. Each call has its own,
 * so a cancelled wait cancels nobody else's.
 */
class WriterWait extends ParkFuture<void> {
  // Declared and assigned in the constructor, as every future's fields (test/shapes.test.ts).
  private declare readonly _writer: StreamWriter;
  private declare readonly _what: number;

  constructor(loop: EventLoop, writer: StreamWriter, kind: number) {
    super(loop);
    this._writer = writer;
    this._what = kind;
  }

  protected _attempt(resumed: boolean): boolean {
    const w = this._writer;
    if (this._what === CLOSED) {
      if (!w._closed) return false;
      if (w._error !== undefined) this._fail(w._error, resumed);
      else this._finish(undefined, resumed);
      return true;
    }
    if (resumed) {
      // A drain that waited ends as asyncio's drain waiter does: done once the bytes are sent,
      // even if the writer was closed or half-closed meanwhile (asyncio's resume_writing, or its
      // connection_lost(None)); failed only with the connection's error.
      if (w._error !== undefined) throw w._error;
      if (!w._lost && w._full()) return false;
      this._finish(undefined, resumed);
      return true;
    }
    const e = w._reader?.exception();
    if (e !== undefined) throw e;
    if (w._lost) throw w._error ?? new ConnectionResetError('StreamWriter.drain: connection lost');
    // asyncio's drain() after close() waits for the connection to be lost, then raises.
    if (w._closing) throw new ConnectionResetError('StreamWriter.drain: the writer is closed');
    if (w._full()) return false;
    this._finish(undefined, resumed);
    return true;
  }

  protected _park(): void {
    this._writer._waits.add(this);
  }

  protected _unpark(): void {
    this._writer._waits.delete(this);
  }

  protected _passOn(): void {
    this._writer._waits.delete(this);
  }
}

/**
 * The writing end of a connection (asyncio's `StreamWriter`), over a Node `net.Socket`: `write`
 * buffers bytes without waiting, `drain()` waits while the socket holds more than its high-water
 * mark (write, then drain, as asyncio's flow control asks), `writeEof()` half-closes,
 * `close()`/`waitClosed()` end the connection.
 *
 * Writing after `writeEof()` throws `RuntimeError`; writing after `close()`, or after the peer
 * went away, drops the bytes, as asyncio's transport does, and the next `drain()` throws
 * (`ConnectionResetError` or the socket's error).
 *
 * Cancellation: `drain()` and `waitClosed()` are checkpoints when they wait; cancelling one loses
 * nothing (the bytes written stay queued in the socket). `write`, `close` and `writeEof` never wait.
 *
 * @example
 * ```ts
 * const [reader, writer] = await openConnection('127.0.0.1', port);
 * writer.write('ping\n');
 * await writer.drain();
 * console.log((await reader.readline()).toString());
 * writer.close();
 * await writer.waitClosed();
 * ```
 */
export class StreamWriter {
  /** @internal The socket underneath (a TLS socket over it after `startTls()`). */
  _socket: Socket;
  /** @internal Set for a connection's writer: runs `startTls()`'s handshake (see wiring.ts). */
  _upgrade: ((opts: StartTlsOptions) => Future<void>) | null = null;
  /** @internal */ readonly _reader: StreamReader | null;
  /** @internal Parked drain()/waitClosed() calls. */
  readonly _waits = new Set<WriterWait>();
  /** @internal The connection is gone (closed by either side, or failed). */
  _lost = false;
  /** @internal The socket closed ('close' event). */
  _closed = false;
  /** @internal The socket's error, if it failed. */
  _error: unknown = undefined;
  /** @internal close() was called. */
  _closing = false;
  private _eofWritten = false;
  /** The two ends' names, read when the writer was made. */
  private readonly _names: SocketNames;

  /** @internal Made by `openConnection` and `startServer`. */
  constructor(socket: Socket, reader: StreamReader | null, unix: UnixNames | null = null) {
    this._socket = socket;
    this._reader = reader;
    this._names = socketNames(socket, unix);
    socket.on('drain', this._onDrain);
    socket.on('finish', this._onDrain);
    socket.on('close', this._onClose);
  }

  /**
   * @internal The socket holds more unsent bytes than it should: above its high-water mark, or,
   * once ended (`writeEof()`, `close()`), any at all — Node emits no 'drain' after `end()`, only
   * 'finish' when everything is sent.
   */
  _full(): boolean {
    const s = this._socket;
    return s.writableNeedDrain && !s.writableFinished && !s.destroyed;
  }

  private readonly _onDrain = (): void => this._wakeAll();
  private readonly _onClose = (): void => {
    this._lost = true;
    this._closed = true;
    this._wakeAll();
  };

  /** @internal `startTls()` succeeded: the writer goes on over `socket`. */
  _rebind(socket: Socket): void {
    this._socket.off('drain', this._onDrain);
    this._socket.off('finish', this._onDrain);
    this._socket.off('close', this._onClose);
    this._socket = socket;
    socket.on('drain', this._onDrain);
    socket.on('finish', this._onDrain);
    socket.on('close', this._onClose);
  }

  /** The Node socket underneath (asyncio's `transport`). */
  get transport(): Socket {
    return this._socket;
  }

  /** @internal The socket failed: drain() throws `e`, waitClosed() too. */
  _failed(e: unknown): void {
    this._lost = true;
    if (this._error === undefined) this._error = e;
    this._wakeAll();
  }

  private _wakeAll(): void {
    for (const w of this._waits) {
      if (w._parked()) {
        this._waits.delete(w);
        w._wakeLater();
      }
    }
  }

  /**
   * Queues `data` on the socket (a string goes as UTF-8). Never waits: follow a large write with
   * `await writer.drain()`.
   *
   * Cancellation: not a checkpoint.
   *
   * @example
   * ```ts
   * writer.write(Buffer.from([1, 2, 3]));
   * ```
   */
  write(data: BytesLike): void {
    const b = toBytes('StreamWriter.write', 'data', data);
    if (this._eofWritten) throw new RuntimeError('StreamWriter.write: cannot write after writeEof()');
    // After close(), as after the connection is lost, the bytes are dropped (asyncio's transport
    // does the same); the next drain() throws ConnectionResetError.
    if (b.length === 0 || this._lost || this._closing) return;
    this._socket.write(b);
  }

  /**
   * Writes each chunk of `data`, in order, as one write.
   *
   * Cancellation: not a checkpoint.
   *
   * @example
   * ```ts
   * writer.writelines(['HTTP/1.1 200 OK\r\n', 'content-length: 0\r\n', '\r\n']);
   * ```
   */
  writelines(data: Iterable<BytesLike>): void {
    if (data == null || typeof (data as Iterable<BytesLike>)[Symbol.iterator] !== 'function') {
      throw new TypeError(`StreamWriter.writelines: data must be an iterable of Uint8Array or string, got ${String(data)}`);
    }
    const parts: Buffer[] = [];
    let i = 0;
    for (const d of data) parts.push(toBytes('StreamWriter.writelines', `data[${i++}]`, d));
    this.write(Buffer.concat(parts));
  }

  /** Whether `writeEof()` is possible: for TCP and Unix sockets, not over TLS (as asyncio's). */
  canWriteEof(): boolean {
    return !(this._socket instanceof TLSSocket);
  }

  /**
   * Half-closes the connection: the peer reads the end of the stream, and this side can still
   * read. Later writes throw.
   *
   * Cancellation: not a checkpoint.
   *
   * @example
   * ```ts
   * writer.write(request);
   * writer.writeEof();
   * const reply = await reader.read(); // until the server closes
   * ```
   */
  writeEof(): void {
    if (this._eofWritten || this._closing) return;
    if (!this.canWriteEof()) throw new RuntimeError('StreamWriter.writeEof: a TLS connection cannot be half-closed (canWriteEof() is false)');
    this._eofWritten = true;
    if (!this._lost) this._socket.end();
  }

  /**
   * Closes the connection once the bytes written are sent (`waitClosed()` says when it is closed);
   * the reader gets no more data. Over TLS the connection closes at the peer's answering end, as
   * asyncio's SSL shutdown waits for the peer's close_notify: a peer that does not end within
   * the connection's `sslShutdownTimeout` (default 30 s) gets it aborted, and `waitClosed()`
   * throws `TimeoutError`.
   *
   * Cancellation: not a checkpoint.
   *
   * @example
   * ```ts
   * writer.close();
   * await writer.waitClosed();
   * ```
   */
  close(): void {
    if (this._closing) return;
    this._closing = true;
    const s = this._socket;
    if (s.destroyed) return;
    if (s instanceof TLSSocket) {
      // Open, its reader fed no more, until the peer's end (asyncio's SSL shutdown): see shutdownTls.
      shutdownTls('StreamWriter.close', s, (e) => s.destroy(e));
      return;
    }
    // Sent first, then closed; a peer that never reads does not keep the socket forever.
    if (!this._eofWritten) s.end();
    if (s.writableFinished || s.writableLength === 0) s.destroySoon();
    else s.once('finish', () => s.destroy());
  }

  /** True once `close()` was called or the connection is gone. */
  isClosing(): boolean {
    return this._closing || this._lost;
  }

  /**
   * Waits until the socket is closed; throws the socket's error if it failed.
   *
   * Cancellation: a checkpoint while the socket is open; a cancelled wait leaves the socket as it is.
   *
   * @example
   * ```ts
   * writer.close();
   * await writer.waitClosed();
   * ```
   */
  waitClosed(): Future<void> {
    return new WriterWait(getRunningLoop(), this, CLOSED);
  }

  /**
   * Waits while the socket holds more than its high-water mark of unsent bytes (returns at once
   * otherwise). Throws the reader's error if it has one, and `ConnectionResetError` (or the
   * socket's error) once the connection is lost or `close()` was called. A drain already waiting
   * when `writeEof()` or `close()` is called returns once the bytes are sent (or the connection
   * closes cleanly), as asyncio's does; it throws only the connection's error.
   *
   * Cancellation: a checkpoint when it waits; a cancelled drain leaves the bytes queued.
   *
   * @example
   * ```ts
   * for (const chunk of chunks) { writer.write(chunk); await writer.drain(); }
   * ```
   */
  drain(): Future<void> {
    return new WriterWait(getRunningLoop(), this, DRAIN);
  }

  /**
   * Upgrades the connection to TLS (asyncio's `start_tls`, for protocols such as SMTP's
   * STARTTLS): runs the handshake over the open socket — as the client for a connection made by
   * `openConnection`, as the server for one `startServer` accepted (then `opts` holds `key` and
   * `cert`) — and goes on over TLS; the reader and this writer stay the same objects, and what the
   * reader holds stays in it. Bytes written before the call are sent before the handshake.
   * `opts.sslHandshakeTimeout` (60 s) bounds the handshake (`ConnectionAbortedError`), and
   * `opts.sslShutdownTimeout` (30 s) the wait of a later `close()` for the peer's end.
   *
   * Cancellation: a checkpoint until the handshake ends; a cancelled or failed handshake closes
   * the connection.
   *
   * @example
   * ```ts
   * writer.write('STARTTLS\r\n');
   * await reader.readline(); // '220 Ready to start TLS'
   * await writer.startTls({ serverHostname: 'mail.example.com' });
   * writer.write('EHLO me\r\n'); // now encrypted
   * ```
   */
  startTls(opts: StartTlsOptions = {}): Future<void> {
    const op = 'StreamWriter.startTls';
    if (opts === null || typeof opts !== 'object') throw new TypeError(`${op}: opts must be an object of node:tls options, got ${describe(opts)}`);
    if (this._upgrade === null) throw new RuntimeError(`${op}: ${this} is not over a socket connection`);
    if (this._socket instanceof TLSSocket) throw new RuntimeError(`${op}: ${this} is already using TLS`);
    if (this._closing || this._lost || this._eofWritten) throw new RuntimeError(`${op}: ${this} cannot start TLS`);
    return this._upgrade(opts);
  }

  /**
   * Facts about the connection: `'peername'`, `'sockname'` (`[host, port]`, or the path of a Unix
   * socket), `'socket'` (the Node socket); over TLS also `'peercert'` (Node's
   * `getPeerCertificate()`) and `'cipher'` (`getCipher()`); `dflt` for anything else.
   *
   * Cancellation: not a checkpoint.
   *
   * @example
   * ```ts
   * const [host, port] = writer.getExtraInfo('peername') as [string, number];
   * ```
   */
  getExtraInfo(name: string, dflt?: unknown): unknown {
    return socketInfo(this._socket, this._names, name, dflt);
  }

  /** `<StreamWriter open>` (or `closing`, `closed`, `eof written`). */
  toString(): string {
    const state = this._lost ? 'closed' : this._closing ? 'closing' : this._eofWritten ? 'eof written' : 'open';
    return `<StreamWriter ${state}>`;
  }
}
