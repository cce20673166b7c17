import { connect, isIP, type Socket, type TcpSocketConnectOpts } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import type { Future } from '../future.js';
import { HandoverFuture } from '../internal/handover.js';
import { checkKnown, checkOpts, describe } from '../internal/validate.js';
import type { EventLoop } from '../loop/eventloop.js';
import { getRunningLoop } from '../loop/registry.js';
import { checkLimit, type StreamReader } from './reader.js';
import { checkSslTimeouts, handshakeTimedOut, setShutdownTimeout, wireSocket } from './wiring.js';
import type { StreamWriter } from './writer.js';

/** Options of `openConnection`. */
export interface OpenConnectionOptions {
  /** The reader's buffer limit in bytes (default `DEFAULT_LIMIT`, 64 KiB). */
  limit?: number;
  /** Disable Nagle's algorithm (default true, as asyncio does for TCP). */
  noDelay?: boolean;
  /**
   * TLS (asyncio's `ssl`): `true` for Node's defaults (the system's CAs; the server's certificate
   * must match `serverHostname`), or `node:tls` connect options (`ca`, `cert`, `key`,
   * `rejectUnauthorized`, `ALPNProtocols` …). Default: plain TCP.
   */
  ssl?: boolean | ConnectionOptions;
  /** The name the server's certificate must match (asyncio's `server_hostname`; default `host`). */
  serverHostname?: string;
  /**
   * With `ssl`: how long the handshake may take, in ms (asyncio's `ssl_handshake_timeout`,
   * default 60 s); past it the connection is aborted with `ConnectionAbortedError`.
   */
  sslHandshakeTimeout?: number;
  /**
   * With `ssl`: how long a close waits for the server to end the TLS connection, in ms (asyncio's
   * `ssl_shutdown_timeout`, default 30 s); past it the connection is aborted with `TimeoutError`.
   */
  sslShutdownTimeout?: number;
  /** The local end to bind, `[host, port]` (asyncio's `local_addr`; port 0 for any). */
  localAddr?: readonly [string, number];
  /** 4 or 6 to resolve `host` to that IP version only (asyncio's `family`); default either. */
  family?: 0 | 4 | 6;
  /**
   * Happy Eyeballs (RFC 8305, asyncio's `happy_eyeballs_delay`): the ms to wait for one address
   * before trying the next of `host`'s addresses (Node's floor: 10 ms). Default: Node's (on,
   * 250 ms).
   */
  happyEyeballsDelay?: number;
}

/** @internal The options of a TCP or TLS connection but `limit` (a misspelt one is refused). */
export const CONNECTION_OPTIONS = ['noDelay', 'ssl', 'serverHostname', 'sslHandshakeTimeout', 'sslShutdownTimeout', 'localAddr', 'family', 'happyEyeballsDelay'];

/** Options of `openUnixConnection`. */
export interface OpenUnixConnectionOptions {
  /** The reader's buffer limit in bytes (default `DEFAULT_LIMIT`, 64 KiB). */
  limit?: number;
}

/** A socket on its way to being connected: `ready` is the event that says it is. */
export interface Connecting {
  /** The call that connects, for messages. */
  op: string;
  socket: Socket;
  ready: 'connect' | 'secureConnect';
  /** The TLS handshake's time limit in ms, or null without TLS. */
  handshakeMs: number | null;
}

/**
 * @internal A future that `settle(socket, fut)` settles once the socket is connected (and its
 * TLS handshake done), or that gets the socket's error. `settle` may throw (a protocol factory
 * that fails): the socket is then closed and the future gets the error.
 */
export function whenConnected<R>(loop: EventLoop, c: Connecting, settle: (socket: Socket, fut: Future<R>) => void): Future<R> {
  const { op, socket, ready, handshakeMs } = c;
  const fut = new HandoverFuture<R>(loop);
  const onError = (e: unknown): void => {
    timer?.cancel();
    socket.destroy();
    if (!fut.done() && !loop.isClosed()) fut.setException(e);
  };
  const timer = handshakeMs === null ? null : loop.callLater(handshakeMs, () => onError(handshakeTimedOut(op, handshakeMs)));
  socket.once('error', onError);
  socket.once(ready, () => {
    timer?.cancel();
    socket.removeListener('error', onError);
    if (fut.done() || loop.isClosed()) {
      socket.destroy(); // cancelled (or its loop ended) while connecting
      return;
    }
    try {
      settle(socket, fut);
    } catch (e) {
      onError(e);
    }
  });
  fut.addDoneCallback((f) => {
    if (!f.cancelled()) return;
    timer?.cancel();
    socket.destroy();
  });
  return fut;
}

/**
 * Connects to `host`:`port` over TCP, or over TLS with `ssl`, and returns the connection's reader
 * and writer (asyncio's `open_connection`). The connection starts at the call; with `ssl` the
 * future is done once the handshake succeeded and the server's certificate was checked.
 *
 * Cancellation: a checkpoint; a cancelled call closes the half-made connection. A connection
 * error (`ECONNREFUSED` …) or a failed handshake (`ERR_TLS_CERT_ALTNAME_INVALID` …) is thrown as
 * Node's error.
 *
 * @example
 * ```ts
 * const [reader, writer] = await openConnection('example.com', 443, { ssl: true });
 * writer.write('HEAD / HTTP/1.0\r\nHost: example.com\r\n\r\n');
 * console.log((await reader.readline()).toString()); // 'HTTP/1.0 200 OK\r\n'
 * writer.close();
 * ```
 */
export function openConnection(host: string, port: number, opts?: OpenConnectionOptions): Future<[StreamReader, StreamWriter]> {
  const op = 'openConnection';
  const limit = checkLimit(op, opts);
  if (opts !== undefined) checkKnown(op, opts, ['limit', ...CONNECTION_OPTIONS]);
  const start = connectTcp(op, host, port, opts);
  const loop = getRunningLoop();
  return whenConnected(loop, start(), (s, fut) => fut.setResult(wireSocket(loop, s, limit, null, false)));
}

/** @internal Checks the arguments of a TCP or TLS connection; the function returned connects. */
export function connectTcp(op: string, host: unknown, port: unknown, opts: Omit<OpenConnectionOptions, 'limit'> | undefined): () => Connecting {
  if (typeof host !== 'string' || host === '') throw new TypeError(`${op}: host must be a non-empty string, got ${describe(host)}`);
  checkPort(op, port);
  checkOpts(op, opts);
  const noDelay = opts?.noDelay ?? true;
  if (typeof noDelay !== 'boolean') throw new TypeError(`${op}: noDelay must be a boolean, got ${describe(noDelay)}`);
  const ssl = opts?.ssl ?? false;
  if (typeof ssl !== 'boolean' && (ssl === null || typeof ssl !== 'object')) {
    throw new TypeError(`${op}: ssl must be a boolean or an object of node:tls connect options, got ${describe(ssl)}`);
  }
  const name = opts?.serverHostname;
  if (name !== undefined && (typeof name !== 'string' || name === '')) {
    throw new TypeError(`${op}: serverHostname must be a non-empty string, got ${describe(name)}`);
  }
  if (name !== undefined && ssl === false) throw new TypeError(`${op}: serverHostname is only meaningful with ssl`);
  const { handshakeMs, shutdownMs } = checkSslTimeouts(op, opts, ssl !== false);
  const where = { host, port: port as number, ...connectOptions(op, opts) };
  if (ssl === false) return () => ({ op, socket: connect({ ...where, allowHalfOpen: true, noDelay }), ready: 'connect', handshakeMs: null });
  // Node checks the certificate against `servername`, or `host` without one (an IP address too).
  const servername = name ?? (isIP(host) === 0 ? host : undefined);
  const tlsOpts: ConnectionOptions = { ...(ssl === true ? {} : ssl), ...where, servername };
  return () => {
    const socket = tlsConnect(tlsOpts);
    socket.setNoDelay(noDelay);
    setShutdownTimeout(socket, shutdownMs);
    return { op, socket, ready: 'secureConnect', handshakeMs };
  };
}

/** @internal Checks a Unix socket's path; the function returned connects. */
export function connectUnix(op: string, path: unknown): () => Connecting {
  if (typeof path !== 'string' || path === '') throw new TypeError(`${op}: path must be a non-empty string, got ${describe(path)}`);
  return () => ({ op, socket: connect({ path, allowHalfOpen: true }), ready: 'connect', handshakeMs: null });
}

/**
 * Connects to the Unix socket at `path` and returns the connection's reader and writer
 * (asyncio's `open_unix_connection`).
 *
 * Cancellation: a checkpoint; a cancelled call closes the half-made connection.
 *
 * @example
 * ```ts
 * const [reader, writer] = await openUnixConnection('/run/app.sock');
 * ```
 */
export function openUnixConnection(path: string, opts?: OpenUnixConnectionOptions): Future<[StreamReader, StreamWriter]> {
  const op = 'openUnixConnection';
  if (opts !== undefined) {
    checkOpts(op, opts);
    checkKnown(op, opts, ['limit']);
  }
  const limit = checkLimit(op, opts);
  const start = connectUnix(op, path);
  const loop = getRunningLoop();
  return whenConnected(loop, start(), (s, fut) => fut.setResult(wireSocket(loop, s, limit, { local: '', remote: path }, false)));
}

/** `localAddr`, `family` and `happyEyeballsDelay` checked, as Node's connect options. */
function connectOptions(op: string, opts: Omit<OpenConnectionOptions, 'limit'> | undefined): Partial<TcpSocketConnectOpts> {
  const out: Partial<TcpSocketConnectOpts> = {};
  const local = opts?.localAddr;
  if (local !== undefined) {
    const [h, p] = Array.isArray(local) && local.length === 2 ? local : [undefined, undefined];
    if (typeof h !== 'string' || typeof p !== 'number' || !Number.isInteger(p) || p < 0 || p > 65535) {
      throw new TypeError(`${op}: localAddr must be [host, port] with a port from 0 to 65535, got ${describe(local)}`);
    }
    out.localAddress = local[0];
    out.localPort = local[1];
  }
  const family = opts?.family;
  if (family !== undefined) {
    if (family !== 0 && family !== 4 && family !== 6) throw new TypeError(`${op}: family must be 0, 4 or 6, got ${describe(family)}`);
    out.family = family;
  }
  const delay = opts?.happyEyeballsDelay;
  if (delay !== undefined) {
    if (typeof delay !== 'number' || !Number.isFinite(delay) || delay < 0) {
      throw new RangeError(`${op}: happyEyeballsDelay must be a number of ms >= 0, got ${describe(delay)}`);
    }
    out.autoSelectFamily = true;
    out.autoSelectFamilyAttemptTimeout = Math.max(10, Math.round(delay)); // Node's floor: 10 ms
  }
  return out;
}

/** @internal A TCP port: an integer from 0 to 65535. */
export function checkPort(op: string, port: unknown): void {
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`${op}: port must be an integer from 0 to 65535, got ${describe(port)}`);
  }
}
