/**
 * @internal How Node's streams become tulip's: a connected socket's reader and writer (and their
 * upgrade to TLS), and the readers and writers over a child process's pipes.
 */
import type { Socket } from 'node:net';
import { TLSSocket, connect as tlsConnect, createSecureContext, type ConnectionOptions, type TlsOptions } from 'node:tls';
import type { Future } from '../future.js';
import { ConnectionAbortedError, TimeoutError } from '../errors.js';
import { HandoverFuture } from '../internal/handover.js';
import { checkDelay, describe } from '../internal/validate.js';
import type { EventLoop } from '../loop/eventloop.js';
import { getRunningLoop } from '../loop/registry.js';
import { StreamReader, type ReadFlow } from './reader.js';
import { StreamWriter } from './writer.js';

/** Options of `StreamWriter.startTls()`: node:tls options for the side this end is on. */
export type StartTlsOptions = (ConnectionOptions | TlsOptions) & {
  /** Client side: the name the server's certificate must match (asyncio's `server_hostname`). */
  serverHostname?: string;
  /** How long the handshake may take, in ms (asyncio's `ssl_handshake_timeout`, default 60 s). */
  sslHandshakeTimeout?: number;
  /**
   * How long a close waits for the peer to end the TLS connection, in ms (asyncio's
   * `ssl_shutdown_timeout`, default 30 s); past it the connection is aborted with `TimeoutError`.
   */
  sslShutdownTimeout?: number;
};

/** @internal asyncio's error for a TLS handshake that took too long. */
export function handshakeTimedOut(op: string, ms: number): ConnectionAbortedError {
  return new ConnectionAbortedError(`${op}: the TLS handshake is taking longer than ${ms} ms: aborting the connection`);
}

/** asyncio's defaults of `ssl_handshake_timeout` and `ssl_shutdown_timeout`, in ms. */
const SSL_DEFAULTS = { sslHandshakeTimeout: 60_000, sslShutdownTimeout: 30_000 };

function checkSslTimeout(op: string, name: keyof typeof SSL_DEFAULTS, v: unknown): number {
  if (v === undefined) return SSL_DEFAULTS[name];
  const ms = checkDelay(op, name, v);
  if (ms === 0) throw new RangeError(`${op}: ${name} must be a positive number of ms, got 0`);
  return ms;
}

/**
 * @internal The options `sslHandshakeTimeout` and `sslShutdownTimeout` in ms, checked: positive,
 * as asyncio's (defaults 60 s and 30 s), and given only with `ssl` (`tls` says whether it was).
 */
export function checkSslTimeouts(
  op: string,
  opts: { sslHandshakeTimeout?: number; sslShutdownTimeout?: number } | undefined,
  tls: boolean,
): { handshakeMs: number; shutdownMs: number } {
  for (const name of ['sslHandshakeTimeout', 'sslShutdownTimeout'] as const) {
    if (opts?.[name] !== undefined && !tls) throw new TypeError(`${op}: ${name} is only meaningful with ssl`);
  }
  return {
    handshakeMs: checkSslTimeout(op, 'sslHandshakeTimeout', opts?.sslHandshakeTimeout),
    shutdownMs: checkSslTimeout(op, 'sslShutdownTimeout', opts?.sslShutdownTimeout),
  };
}

/** The `sslShutdownTimeout` of each TLS socket made with one (the rest wait the default). */
const shutdownTimeouts = new WeakMap<Socket, number>();

/** @internal Gives the TLS socket `s` its `sslShutdownTimeout` (in ms, checked). */
export function setShutdownTimeout(s: Socket, ms: number): void {
  if (ms !== SSL_DEFAULTS.sslShutdownTimeout) shutdownTimeouts.set(s, ms);
}

/**
 * @internal Closes the TLS socket `s` as asyncio's SSL shutdown does: sends what is queued and
 * the close_notify, then keeps reading (the caller drops what comes) until the peer answers with
 * its own end, which closes the socket. Destroying it once the writes are handed over would close
 * it under the peer's last records: whatever the kernel still had to send, or the peer still had
 * to read when those records met the closed socket (a reset), would be lost. A peer that does
 * not end within the socket's `sslShutdownTimeout` gets the connection aborted: `abort` gets
 * asyncio's `TimeoutError`.
 */
export function shutdownTls(op: string, s: Socket, abort: (e: TimeoutError) => void): void {
  const ms = shutdownTimeouts.get(s) ?? SSL_DEFAULTS.sslShutdownTimeout;
  s.end();
  s.resume();
  const timer = setTimeout(() => {
    if (!s.destroyed) abort(new TimeoutError(`${op}: the TLS shutdown timed out: the peer did not end the connection within ${ms} ms`));
  }, ms);
  timer.unref(); // the loop's close destroys the socket anyway
  s.once('close', () => clearTimeout(timer));
}

/** The paths of a Unix socket's two ends ('' for an unnamed end, as asyncio). */
export type UnixNames = { local: string; remote: string };

/**
 * @internal The two ends' names of a connected socket, read once when its writer or transport
 * is made (as asyncio's transports keep them): `[host, port]`, or a Unix path ('' if unnamed).
 */
export interface SocketNames {
  peer: unknown;
  sock: unknown;
}

/** @internal Reads a connected socket's names (`undefined` for one Node does not know). */
export function socketNames(s: Socket, unix: UnixNames | null): SocketNames {
  if (unix !== null) return { peer: unix.remote, sock: unix.local };
  return {
    peer: s.remoteAddress !== undefined ? [s.remoteAddress, s.remotePort] : undefined,
    sock: s.localAddress !== undefined ? [s.localAddress, s.localPort] : undefined,
  };
}

/**
 * @internal A connected socket's extra info by asyncio's names (`getExtraInfo` of writers and
 * transports): `peername`, `sockname`, `socket`; over TLS `peercert`, `cipher`, `sslObject`.
 */
export function socketInfo(s: Socket, names: SocketNames, name: string, dflt: unknown): unknown {
  switch (name) {
    case 'peername':
      return names.peer ?? dflt;
    case 'sockname':
      return names.sock ?? dflt;
    case 'socket':
      return s;
    case 'peercert':
      return s instanceof TLSSocket ? s.getPeerCertificate() : dflt;
    case 'cipher':
      return s instanceof TLSSocket ? s.getCipher() : dflt;
    case 'sslObject':
      return s instanceof TLSSocket ? s : dflt;
    default:
      return dflt;
  }
}

// What a transport's events do to its reader (for sockets, pipes and StreamReaderProtocol alike):
// bytes are fed until the end of the stream; the end and an error count only before the reader
// has ended.
/** @internal */
export function feed(r: StreamReader, d: Buffer): void {
  if (!r._eof) r.feedData(d);
}
/** @internal */
export function feedEnd(r: StreamReader): void {
  if (!r._eof && r.exception() === undefined) r.feedEof();
}
function feedError(r: StreamReader, e: Error): void {
  if (r.exception() === undefined && !r._eof) r.setException(e);
}

/**
 * A connected socket feeding a reader (asyncio's `StreamReaderProtocol`): its data goes to the
 * reader, which pauses the socket past twice its limit; the peer's end of the stream is the
 * reader's EOF while this side can still write (half-open, as asyncio's streams keep it); an error
 * reaches the reader's next read and the writer's next `drain()`. `startTls` moves it from the
 * plain socket to the TLS socket over it.
 */
class SocketFeed implements ReadFlow {
  socket: Socket;
  private readonly _reader: StreamReader;
  private readonly _writer: StreamWriter;

  constructor(socket: Socket, reader: StreamReader, writer: StreamWriter) {
    this.socket = socket;
    this._reader = reader;
    this._writer = writer;
    reader._flow = this;
    this.attach(socket);
  }

  private readonly _onData = (d: Buffer): void => {
    if (!this._writer._closing) feed(this._reader, d); // close() stops reading, as asyncio's transport
  };
  private readonly _onEnd = (): void => {
    if (!this._reader._eof) this._reader.feedEof();
  };
  private readonly _onError = (e: Error): void => this.fail(e);
  private readonly _onClose = (): void => feedEnd(this._reader);

  /** The connection failed with `e`: the reader's next read and the writer's next drain() throw it. */
  fail(e: Error): void {
    feedError(this._reader, e);
    this._writer._failed(e);
  }

  /** In the reader's repr: `<Socket 127.0.0.1:5000>` (the peer), `<Socket /tmp/s.sock>`, or `<Socket closed>`. */
  toString(): string {
    const s = this.socket;
    if (s.destroyed) return '<Socket closed>';
    return s.remoteAddress !== undefined ? `<Socket ${s.remoteAddress}:${s.remotePort}>` : '<Socket>';
  }

  attach(socket: Socket): void {
    this.socket = socket;
    socket.on('data', this._onData);
    socket.on('end', this._onEnd);
    socket.on('error', this._onError);
    socket.on('close', this._onClose);
  }

  detach(): void {
    const s = this.socket;
    s.off('data', this._onData);
    s.off('end', this._onEnd);
    s.off('error', this._onError);
    s.off('close', this._onClose);
  }

  pauseReading(): void {
    this.socket.pause();
  }

  resumeReading(): void {
    this.socket.resume();
  }
}

/**
 * @internal Destroys `socket` when `loop` closes, unless it closed before: a connection left open
 * (forgotten, or owned by a task that was cancelled) would keep Node's process alive after
 * `run()`, where asyncio's would go with the process.
 */
export function destroyAtLoopClose(loop: EventLoop, socket: Socket): void {
  socket.once('close', loop._endAtClose(() => socket.destroy()));
}

/**
 * @internal A connected socket's reader and writer. `serverSide` says which end of a TLS
 * handshake `writer.startTls()` plays.
 */
export function wireSocket(
  loop: EventLoop,
  socket: Socket,
  limit: number,
  unix: UnixNames | null,
  serverSide: boolean,
): [StreamReader, StreamWriter] {
  destroyAtLoopClose(loop, socket);
  const reader = new StreamReader({ limit });
  const writer = new StreamWriter(socket, reader, unix);
  const feed = new SocketFeed(socket, reader, writer);
  writer._upgrade = (opts) => upgrade(feed, writer, opts, serverSide);
  return [reader, writer];
}

/** What a TLS upgrade does at its end: move onto the TLS socket, or give the connection up. */
export interface UpgradeHooks<R> {
  /** The handshake succeeded (and the certificates were checked): the upgrade's result. */
  secure(tls: TLSSocket): R;
  /** The handshake failed with `e`, or the call was cancelled (`e` undefined); `tls` is destroyed after. */
  abandon(e: Error | undefined): void;
}

/**
 * @internal Checks the options of a TLS upgrade (asyncio's `start_tls`; the server's side with
 * `serverSide`); the function returned runs the handshake over the plain socket `raw`, from which
 * the caller has detached its listeners. Its future is done once `hooks.secure` has moved the
 * connection onto the TLS socket, or fails with the handshake's error (a timeout is
 * `ConnectionAbortedError`). A failed or cancelled handshake ends the connection:
 * `hooks.abandon` runs, then both sockets are destroyed.
 */
export function tlsUpgrade(op: string, opts: StartTlsOptions, serverSide: boolean): <R>(raw: Socket, hooks: UpgradeHooks<R>) => Future<R> {
  const { serverHostname, sslHandshakeTimeout, sslShutdownTimeout, ...tlsOpts } = opts;
  const { handshakeMs, shutdownMs } = checkSslTimeouts(op, { sslHandshakeTimeout, sslShutdownTimeout }, true);
  if (serverHostname !== undefined && (typeof serverHostname !== 'string' || serverHostname === '')) {
    throw new TypeError(`${op}: serverHostname must be a non-empty string, got ${describe(serverHostname)}`);
  }
  if (serverSide && serverHostname !== undefined) throw new TypeError(`${op}: serverHostname is for the client side; this is a server's connection`);
  return (raw, hooks) => handshake(op, raw, tlsOpts, serverHostname, handshakeMs, shutdownMs, serverSide, hooks);
}

function handshake<R>(
  op: string,
  raw: Socket,
  tlsOpts: ConnectionOptions | TlsOptions,
  serverHostname: string | undefined,
  handshakeMs: number,
  shutdownMs: number,
  serverSide: boolean,
  hooks: UpgradeHooks<R>,
): Future<R> {
  const loop = getRunningLoop();
  const fut = new HandoverFuture<R>(loop); // the connection has moved on: the caller must get it
  let tls: TLSSocket;
  let ready: string;
  if (serverSide) {
    const o = tlsOpts as TlsOptions;
    tls = new TLSSocket(raw, {
      isServer: true,
      secureContext: createSecureContext(o),
      requestCert: o.requestCert,
      rejectUnauthorized: o.rejectUnauthorized,
      ALPNProtocols: o.ALPNProtocols,
    });
    ready = 'secure';
  } else {
    tls = tlsConnect({ ...(tlsOpts as ConnectionOptions), socket: raw, servername: serverHostname ?? (tlsOpts as ConnectionOptions).servername });
    ready = 'secureConnect';
  }
  setShutdownTimeout(tls, shutdownMs);
  let abandoned = false;
  const abandon = (e: Error | undefined): void => {
    if (abandoned) return;
    abandoned = true;
    hooks.abandon(e);
    tls.destroy();
  };
  const onError = (e: Error): void => {
    timer.cancel();
    abandon(e);
    if (!fut.done() && !loop.isClosed()) fut.setException(e);
  };
  const timer = loop.callLater(handshakeMs, () => onError(handshakeTimedOut(op, handshakeMs)));
  tls.once('error', onError);
  tls.once(ready, () => {
    timer.cancel();
    tls.removeListener('error', onError);
    if (fut.done() || loop.isClosed()) return;
    if (serverSide && refusesClient(tlsOpts as TlsOptions, tls)) return onError(tls.authorizationError ?? new Error('client certificate refused'));
    fut.setResult(hooks.secure(tls));
  });
  fut.addDoneCallback((f) => {
    if (!f.cancelled()) return;
    timer.cancel();
    abandon(undefined); // as asyncio: a cancelled handshake closes the connection
  });
  return fut;
}

/**
 * Moves a stream connection onto TLS (`StreamWriter.startTls`): what the reader holds stays; a
 * failed or cancelled handshake ends the connection for the reader and the writer too, back on
 * the plain socket, which see its error and its close.
 */
function upgrade(feed: SocketFeed, writer: StreamWriter, opts: StartTlsOptions, serverSide: boolean): Future<void> {
  const start = tlsUpgrade('StreamWriter.startTls', opts, serverSide);
  const raw = feed.socket;
  feed.detach();
  return start(raw, {
    secure(tls) {
      feed.attach(tls);
      writer._rebind(tls);
    },
    abandon(e) {
      feed.attach(raw);
      if (e !== undefined) feed.fail(e);
    },
  });
}

/** A server that asked for a client certificate and rejects unauthorized ones: did this one fail? */
function refusesClient(o: TlsOptions, tls: TLSSocket): boolean {
  return o.requestCert === true && o.rejectUnauthorized !== false && !tls.authorized;
}

// ---- one-way pipes (a child process's stdio) -----------------------------------------------

/** Pauses and resumes every pipe that feeds one reader. */
class PipesFlow implements ReadFlow {
  private readonly _pipes: readonly Socket[];
  constructor(pipes: readonly Socket[]) {
    this._pipes = pipes;
  }
  pauseReading(): void {
    for (const p of this._pipes) p.pause();
  }
  /** In the reader's repr: `<pipes (2)>`. */
  toString(): string {
    return `<pipes (${this._pipes.length})>`;
  }
  resumeReading(): void {
    for (const p of this._pipes) p.resume();
  }
}

/**
 * @internal A reader fed by one or more one-way pipes (a child's stdout, or its stdout and stderr
 * merged): their bytes in the order they arrive, the end of the stream once every pipe has
 * ended, the first pipe error for the next read (asyncio's `connect_read_pipe` with a
 * `StreamReaderProtocol`). The reader pauses the pipes past twice its limit.
 */
export function pipeReader(pipes: readonly Socket[], limit: number): StreamReader {
  const reader = new StreamReader({ limit });
  reader._flow = new PipesFlow(pipes);
  let open = pipes.length;
  for (const p of pipes) {
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      if (--open === 0) feedEnd(reader);
    };
    p.on('data', (d: Buffer) => feed(reader, d));
    p.on('end', end);
    p.on('close', end);
    p.on('error', (e: Error) => feedError(reader, e));
  }
  return reader;
}

/**
 * @internal A writer over a one-way pipe (a child's stdin; asyncio's `connect_write_pipe`): a
 * pipe error (EPIPE once the child is gone) reaches the next `drain()`, never the process.
 */
export function pipeWriter(pipe: Socket): StreamWriter {
  const writer = new StreamWriter(pipe, null);
  pipe.on('error', (e: Error) => writer._failed(e));
  return writer;
}
