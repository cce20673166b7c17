import { lstatSync, unlinkSync } from 'node:fs';
import { createServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type TlsOptions } from 'node:tls';
import { RuntimeError, isCancelledError } from '../errors.js';
import type { Future } from '../future.js';
import { InlineFuture } from '../internal/inline.js';
import type { Coroutine, Task } from '../task.js';
import { HandoverFuture } from '../internal/handover.js';
import { checkFunction, checkKnown, checkOpts, describe } from '../internal/validate.js';
import type { EventLoop } from '../loop/eventloop.js';
import { getRunningLoop } from '../loop/registry.js';
import { checkPort } from './connection.js';
import { checkSslTimeouts, setShutdownTimeout, wireSocket, type UnixNames } from './wiring.js';
import { checkLimit, type StreamReader } from './reader.js';
import type { StreamWriter } from './writer.js';

/**
 * Called for each new connection with its reader and writer. A generator function, an async
 * function or one returning a generator or promise runs as a task of its own.
 */
export type ClientConnected = (reader: StreamReader, writer: StreamWriter) => unknown;

/**
 * @internal What a server does with each connection it accepts: streams, or a transport — which it
 * returns, for `closeClients()`/`abortClients()` to close as a transport (its protocol told).
 */
export type OnConnection = (socket: Socket, unix: UnixNames | null) => ClientTransport | void;

/** @internal A connection's transport, as `closeClients()`/`abortClients()` see it. */
export interface ClientTransport {
  close(): void;
  abort(): void;
}

/** How a server starts listening: calls `done` once it listens, or with the error. */
type Listen = (server: NetServer, done: (e?: Error) => void) => void;

/** Options of `startServer` and `startUnixServer`. */
export interface StartServerOptions {
  /** Each connection's reader buffer limit in bytes (default `DEFAULT_LIMIT`, 64 KiB). */
  limit?: number;
  /** The listen backlog (default: Node's, 511). */
  backlog?: number;
  /** Listen at once (default true); else `startServing()` or `serveForever()` starts it. */
  startServing?: boolean;
  /**
   * TLS (asyncio's `ssl`): `node:tls` server options, at least `key` and `cert`; each client's
   * callback runs once its handshake succeeded (a failed handshake never reaches it).
   */
  ssl?: TlsOptions;
  /**
   * With `ssl`: how long a client's handshake may take, in ms (asyncio's `ssl_handshake_timeout`,
   * default 60 s); past it the connection is dropped and the callback never runs.
   */
  sslHandshakeTimeout?: number;
  /**
   * With `ssl`: how long closing a connection waits for the client to end it, in ms (asyncio's
   * `ssl_shutdown_timeout`, default 30 s); past it the connection is aborted with `TimeoutError`.
   */
  sslShutdownTimeout?: number;
}

/** @internal A TLS server's settings: Node's server options, and each connection's shutdown bound. */
export interface ServerTls {
  options: TlsOptions;
  shutdownMs: number;
}

/**
 * A listening server made by `startServer` or `startUnixServer` (asyncio's `Server`, 3.13): each
 * connection it accepts gets a reader and a writer and runs the client callback as its own task.
 * `close()` stops accepting and leaves open connections be; `waitClosed()` then waits for them
 * to end (`closeClients()` closes them, `abortClients()` drops them).
 *
 * A client task that fails is reported to the loop's exception handler ("Unhandled exception in
 * client_connected_cb") and its connection is closed; one cancelled closes its connection too.
 * A server still listening when its loop closes (at the end of `run()`) is closed and its
 * connections dropped, so that it cannot keep Node's process alive.
 *
 * Cancellation: `serveForever()` is a checkpoint forever: cancelling it closes the server.
 * `waitClosed()` and `startServing()` are checkpoints; cancelling them changes nothing else.
 *
 * @example
 * ```ts
 * const server = await startServer(async (reader, writer) => {
 *   for await (const line of reader) { writer.write(line); await writer.drain(); }
 *   writer.close();
 * }, '127.0.0.1', 0);
 * console.log('port', (server.address() as AddressInfo).port);
 * await server.serveForever();
 * ```
 */
export class Server {
  private readonly _loop: EventLoop;
  private readonly _server: NetServer;
  private readonly _onConnection: OnConnection;
  private readonly _listen: Listen;
  private readonly _unixPath: string | null;
  private readonly _connections = new Set<Socket>();
  /** The transports of the connections that have one (a protocol server's), by socket. */
  private readonly _transports = new Map<Socket, ClientTransport>();
  private _listening = false;
  private _closed = false;
  /** No listener and no connection left: waitClosed() returns at once. */
  private _ended = false;
  /** Node's server emitted `close` (see `_maybeEnd`). */
  private _serverClosed = false;
  private _starting: Future<void> | null = null;
  private _forever: Future<void> | null = null;
  private readonly _closeWaiters = new Set<Future<void>>();

  /** @internal Made by `startServer` and `startUnixServer`. */
  constructor(
    loop: EventLoop,
    onConnection: OnConnection,
    listen: Listen,
    unixPath: string | null,
    ssl?: ServerTls,
  ) {
    this._loop = loop;
    this._onConnection = onConnection;
    this._listen = listen;
    this._unixPath = unixPath;
    if (ssl === undefined) this._server = createServer({ allowHalfOpen: true, noDelay: true }, (s: Socket) => this._accept(s));
    else {
      // No half-open TLS (as asyncio's SSL transport, which closes at the peer's EOF): a
      // handshake the client gave up on then ends its socket instead of keeping the server open.
      const tlsServer = createTlsServer(ssl.options, (s: Socket) => {
        setShutdownTimeout(s, ssl.shutdownMs);
        this._accept(s);
      });
      tlsServer.on('tlsClientError', (_e, socket) => socket.destroy());
      this._server = tlsServer;
    }
    // A server left listening when its loop closes would keep Node's process alive.
    const forget = loop._endAtClose(() => {
      this.close();
      this.abortClients();
    });
    this._server.on('close', () => {
      forget();
      this._serverClosed = true;
      this._maybeEnd();
    });
  }

  /**
   * The end that `waitClosed()` waits for: Node's server has closed (it emits that as soon as its
   * own count of connections is 0) and the last connection's socket has emitted `close` too, which
   * Node does a tick later — so the connections are really gone when `waitClosed()` resolves.
   */
  private _maybeEnd(): void {
    if (this._ended || !this._serverClosed || this._connections.size > 0) return;
    this._ended = true;
    for (const f of this._closeWaiters) if (!f.done()) f.setResult(undefined);
    this._closeWaiters.clear();
  }

  private _accept(socket: Socket): void {
    const loop = this._loop;
    if (this._closed || loop.isClosed()) {
      socket.destroy();
      return;
    }
    if (this._unixPath === null) socket.setNoDelay(true);
    this._connections.add(socket);
    socket.on('close', () => {
      this._connections.delete(socket);
      this._transports.delete(socket);
      this._maybeEnd();
    });
    const unix = this._unixPath === null ? null : { local: this._unixPath, remote: '' };
    const transport = this._onConnection(socket, unix);
    if (transport !== undefined && !socket.destroyed) this._transports.set(socket, transport);
  }

  /**
   * Where it listens: Node's `server.address()` (`{ address, port, family }`, or the path of a
   * Unix socket), or null before it listens.
   */
  address(): AddressInfo | string | null {
    return this._server.address();
  }

  /** The loop the server belongs to (asyncio's `get_loop()`). */
  getLoop(): EventLoop {
    return this._loop;
  }

  /** The number of open connections. */
  connectionCount(): number {
    return this._connections.size;
  }

  /** True while it accepts connections. */
  isServing(): boolean {
    return this._listening && !this._closed;
  }

  /**
   * Starts listening, if it does not yet (`startServing: false`).
   *
   * Cancellation: a checkpoint until it listens; a cancelled call leaves the server starting.
   *
   * @example
   * ```ts
   * const server = await startServer(handle, '127.0.0.1', 8080, { startServing: false });
   * await server.startServing();
   * ```
   */
  startServing(): Future<void> {
    if (this._closed) throw new RuntimeError(`Server.startServing: ${this} is closed`);
    const out = this._loop.createFuture<void>();
    if (this._listening) {
      out.setResult(undefined);
      return out;
    }
    if (this._starting === null) {
      const starting = this._loop.createFuture<void>();
      this._starting = starting;
      this._listen(this._server, (e) => {
        this._starting = null;
        if (e === undefined) this._listening = true;
        if (this._loop.isClosed()) return;
        if (e !== undefined) starting.setException(e);
        else starting.setResult(undefined);
      });
    }
    this._starting.addDoneCallback((f) => {
      if (out.done()) return;
      const e = f.exception();
      if (e !== undefined) out.setException(e);
      else out.setResult(undefined);
    });
    return out;
  }

  /**
   * Serves until cancelled, then closes the server (asyncio's `serve_forever`).
   *
   * Cancellation: a checkpoint that never returns. Cancelled (or ended by `close()`), it closes
   * the server and waits, as asyncio's does, until the server's connections are closed (see
   * `waitClosed()`: a handler that never closes its writer keeps it waiting); then it throws the
   * `CancelledError`.
   *
   * @example
   * ```ts
   * await timeout(60_000, () => server.serveForever()); // serve for a minute
   * ```
   */
  serveForever(): Future<void> {
    if (this._forever !== null && !this._forever.done()) {
      throw new RuntimeError(`Server.serveForever: ${this} is already being awaited on serveForever()`);
    }
    if (this._closed) throw new RuntimeError(`Server.serveForever: ${this} is closed`);
    const fut = this._loop.createFuture<void>();
    this._forever = fut;
    if (!this._listening) {
      this.startServing().addDoneCallback((f) => {
        const e = f.exception();
        if (e !== undefined && !fut.done()) fut.setException(e);
      });
    }
    fut.addDoneCallback((f) => {
      if (this._forever === f) this._forever = null;
    });
    return new InlineFuture<void>(this._loop, () => this._serveForever(fut), 'Server.serveForever()');
  }

  /** asyncio's `serve_forever`: cancelled, it closes the server and waits for it to be closed. */
  private *_serveForever(fut: Future<void>): Coroutine<void> {
    try {
      yield* fut;
    } catch (e) {
      if (isCancelledError(e)) {
        this.close();
        yield* this.waitClosed();
      }
      throw e;
    }
  }

  /**
   * Stops listening. Open connections stay open (`closeClients()` closes them); `waitClosed()`
   * waits for them to end. A `serveForever()` in progress is cancelled.
   *
   * Cancellation: not a checkpoint.
   *
   * @example
   * ```ts
   * server.close();
   * await server.waitClosed();
   * ```
   */
  close(): void {
    if (this._closed) return;
    this._closed = true;
    if (this._listening || this._starting !== null) this._server.close();
    else this._ended = true; // never listened: nothing to wait for
    const forever = this._forever;
    if (forever !== null && !forever.done()) forever.cancel();
  }

  /**
   * Closes every open connection (after the bytes written to it are sent).
   *
   * Cancellation: not a checkpoint.
   *
   * @example
   * ```ts
   * server.close(); server.closeClients(); await server.waitClosed();
   * ```
   */
  closeClients(): void {
    for (const s of this._connections) {
      const t = this._transports.get(s);
      if (t !== undefined) t.close();
      else {
        s.end();
        s.destroySoon();
      }
    }
  }

  /**
   * Drops every open connection at once (unsent bytes are lost).
   *
   * Cancellation: not a checkpoint.
   *
   * @example
   * ```ts
   * server.close(); server.abortClients(); await server.waitClosed();
   * ```
   */
  abortClients(): void {
    for (const s of this._connections) {
      const t = this._transports.get(s);
      if (t !== undefined) t.abort();
      else s.destroy();
    }
  }

  /**
   * Waits until the server is closed and its last connection has ended (asyncio 3.12.1's
   * `wait_closed`): called before `close()`, it waits for `close()` too; returns at once once
   * both have happened.
   *
   * Cancellation: a checkpoint; a cancelled call changes nothing.
   *
   * @example
   * ```ts
   * server.close();
   * await server.waitClosed();
   * ```
   */
  waitClosed(): Future<void> {
    const fut = this._loop.createFuture<void>();
    if (this._ended) fut.setResult(undefined);
    else {
      this._closeWaiters.add(fut);
      fut.addDoneCallback((f) => this._closeWaiters.delete(f));
    }
    return fut;
  }

  /** `await using server = await startServer(…)`: closes it and waits for its connections. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    await this.waitClosed();
  }

  /** `<Server 127.0.0.1:8080>` (`not listening`, ` closed` as they apply). */
  toString(): string {
    const a = this._server.address();
    const where = a === null ? 'not listening' : typeof a === 'string' ? a : `${a.address}:${a.port}`;
    return `<Server ${where}${this._closed ? ' closed' : ''}>`;
  }
}

/** Each connection gets a reader and a writer and runs `cb` as a task (asyncio's streams server). */
function runClient(loop: EventLoop, cb: ClientConnected, limit: number): OnConnection {
  return (socket, unix) => {
    const [reader, writer] = wireSocket(loop, socket, limit, unix, true);
    const task = loop.createTask(() => cb(reader, writer));
    task.addDoneCallback((t) => {
      if (t.cancelled()) {
        writer.close();
        return;
      }
      const e = t.exception();
      if (e !== undefined) {
        loop.callExceptionHandler({ message: 'Unhandled exception in client_connected_cb', exception: e, task: t as Task<unknown>, socket });
        writer.close();
      }
    });
  };
}

/** The options of a server but `limit`. */
const SERVER_OPTIONS = ['backlog', 'startServing', 'ssl', 'sslHandshakeTimeout', 'sslShutdownTimeout'];

/**
 * @internal The options of a server, checked (`op` names the call in errors); `streams`: a
 * streams server (`startServer`), whose options have a `limit`.
 */
export function checkServerArgs(
  op: string,
  opts: StartServerOptions | undefined,
  streams: boolean,
): { limit: number; backlog: number | undefined; start: boolean; ssl: ServerTls | undefined } {
  if (opts !== undefined) {
    checkOpts(op, opts);
    checkKnown(op, opts, streams ? ['limit', ...SERVER_OPTIONS] : SERVER_OPTIONS);
  }
  const limit = checkLimit(op, opts);
  const backlog = opts?.backlog;
  if (backlog !== undefined && (typeof backlog !== 'number' || !Number.isInteger(backlog) || backlog < 0)) {
    throw new RangeError(`${op}: backlog must be an integer >= 0, got ${describe(backlog)}`);
  }
  const start = opts?.startServing ?? true;
  if (typeof start !== 'boolean') throw new TypeError(`${op}: startServing must be a boolean, got ${describe(start)}`);
  const ssl = opts?.ssl;
  if (ssl !== undefined && (ssl === null || typeof ssl !== 'object')) {
    throw new TypeError(`${op}: ssl must be an object of node:tls server options (key, cert …), got ${describe(ssl)}`);
  }
  const { handshakeMs, shutdownMs } = checkSslTimeouts(op, opts, ssl !== undefined);
  return { limit, backlog, start, ssl: ssl === undefined ? undefined : { options: { handshakeTimeout: handshakeMs, ...ssl }, shutdownMs } };
}

/**
 * @internal A server that listens with `listen`, started now or not; its future is done once it
 * listens. `onConnection` takes each connection it accepts.
 */
export function serve(
  loop: EventLoop,
  onConnection: OnConnection,
  start: boolean,
  listen: Listen,
  unixPath: string | null,
  ssl: ServerTls | undefined,
): Future<Server> {
  const server = new Server(loop, onConnection, listen, unixPath, ssl);
  const out = new HandoverFuture<Server>(loop);
  if (!start) {
    out.setResult(server);
    return out;
  }
  server.startServing().addDoneCallback((f) => {
    if (out.done()) return;
    const e = f.exception();
    if (e !== undefined) out.setException(e);
    else out.setResult(server);
  });
  out.addDoneCallback((f) => {
    if (f.cancelled()) server.close();
  });
  return out;
}

/**
 * @internal Listens with `args`; calls `done` once listening, or with the error. A Unix socket
 * file left at `path` (by a server that crashed) is removed first, as asyncio does; any other kind
 * of file stays, and listening fails with EADDRINUSE.
 */
export function listener(args: { host?: string; port?: number; path?: string; backlog?: number }): Listen {
  return (server, done) => {
    if (args.path !== undefined && !args.path.startsWith('\0')) removeStaleSocket(args.path);
    const onError = (e: Error): void => done(e);
    server.once('error', onError);
    server.listen(args, () => {
      server.removeListener('error', onError);
      done();
    });
  };
}

/** Removes the Unix socket file at `path`, if there is one (not a file of another kind). */
function removeStaleSocket(path: string): void {
  try {
    if (lstatSync(path).isSocket()) unlinkSync(path);
  } catch {
    // Nothing there, or not ours to remove: listen() says what is wrong.
  }
}

/**
 * Listens on `host`:`port` over TCP (asyncio's `start_server`), or over TLS with `opts.ssl`
 * (`{ key, cert }`); each connection calls `clientConnected(reader, writer)` in a task of its own.
 * `host` undefined listens on every interface; `port` 0 (the default) picks a free port (see
 * `server.address()`). A callback that fails or is cancelled has its connection closed; one that
 * returns leaves it open (the writer may live on elsewhere), so close the writer when done: an
 * open connection keeps `server.waitClosed()` waiting, where CPython closes a writer nobody
 * holds when it is collected.
 *
 * Cancellation: a checkpoint until the server listens; a cancelled call closes the server.
 *
 * @example
 * ```ts
 * const server = await startServer(function* (reader, writer) {
 *   const line = yield* reader.readline();
 *   writer.write(line);
 *   writer.close();
 * }, '127.0.0.1', 0);
 * ```
 */
export function startServer(clientConnected: ClientConnected, host?: string, port = 0, opts?: StartServerOptions): Future<Server> {
  const op = 'startServer';
  checkFunction(op, 'clientConnected', clientConnected);
  const { limit, backlog, start, ssl } = checkServerArgs(op, opts, true);
  if (host !== undefined && (typeof host !== 'string' || host === '')) throw new TypeError(`${op}: host must be a non-empty string or undefined, got ${describe(host)}`);
  checkPort(op, port);
  const loop = getRunningLoop();
  return serve(loop, runClient(loop, clientConnected, limit), start, listener({ host, port, backlog }), null, ssl);
}

/**
 * Listens on the Unix socket at `path` (asyncio's `start_unix_server`); each connection calls
 * `clientConnected(reader, writer)` in a task of its own. A socket file already at `path` (left
 * by a server that crashed) is removed first, as asyncio does; a file of another kind is not.
 *
 * Cancellation: a checkpoint until the server listens; a cancelled call closes the server.
 *
 * @example
 * ```ts
 * const server = await startUnixServer(handle, '/tmp/app.sock');
 * ```
 */
export function startUnixServer(clientConnected: ClientConnected, path: string, opts?: StartServerOptions): Future<Server> {
  const op = 'startUnixServer';
  checkFunction(op, 'clientConnected', clientConnected);
  const { limit, backlog, start, ssl } = checkServerArgs(op, opts, true);
  if (typeof path !== 'string' || path === '') throw new TypeError(`${op}: path must be a non-empty string, got ${describe(path)}`);
  const loop = getRunningLoop();
  return serve(loop, runClient(loop, clientConnected, limit), start, listener({ path, backlog }), path, ssl);
}
