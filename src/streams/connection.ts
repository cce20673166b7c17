import { connect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import type { Future } from '../future.js';
import { HandoverFuture } from '../internal/handover.js';
import { checkOpts, describe } from '../internal/validate.js';
import type { EventLoop } from '../loop/eventloop.js';
import { getRunningLoop } from '../loop/registry.js';
import { checkLimit, type StreamReader } from './reader.js';
import { wireSocket } from './wiring.js';
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
}

/** Options of `openUnixConnection`. */
export interface OpenUnixConnectionOptions {
  /** The reader's buffer limit in bytes (default `DEFAULT_LIMIT`, 64 KiB). */
  limit?: number;
}

/**
 * Settles `fut` with a connected socket's streams once `socket` emits `ready` ('connect', or
 * 'secureConnect' after a TLS handshake), or with its error.
 */
function whenConnected(
  loop: EventLoop,
  socket: Socket,
  ready: 'connect' | 'secureConnect',
  limit: number,
  unix: { local: string; remote: string } | null,
): Future<[StreamReader, StreamWriter]> {
  const fut = new HandoverFuture<[StreamReader, StreamWriter]>(loop);
  const onError = (e: Error): void => {
    socket.destroy();
    if (!fut.done() && !loop.isClosed()) fut.setException(e);
  };
  socket.once('error', onError);
  socket.once(ready, () => {
    socket.removeListener('error', onError);
    if (fut.done() || loop.isClosed()) {
      socket.destroy(); // cancelled (or its loop ended) while connecting
      return;
    }
    fut.setResult(wireSocket(socket, limit, unix, false));
  });
  fut.addDoneCallback((f) => {
    if (f.cancelled()) socket.destroy();
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
  if (typeof host !== 'string' || host === '') throw new TypeError(`${op}: host must be a non-empty string, got ${describe(host)}`);
  checkPort(op, port);
  const limit = checkLimit(op, opts);
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
  const loop = getRunningLoop();
  if (ssl === false) return whenConnected(loop, connect({ host, port, allowHalfOpen: true, noDelay }), 'connect', limit, null);
  // Node checks the certificate against `servername`, or `host` without one (an IP address too).
  const servername = name ?? (isIP(host) === 0 ? host : undefined);
  const tlsOpts: ConnectionOptions = { ...(ssl === true ? {} : ssl), host, port, servername };
  const socket = tlsConnect(tlsOpts);
  socket.setNoDelay(noDelay);
  return whenConnected(loop, socket, 'secureConnect', limit, null);
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
  if (typeof path !== 'string' || path === '') throw new TypeError(`${op}: path must be a non-empty string, got ${describe(path)}`);
  if (opts !== undefined) checkOpts(op, opts);
  const limit = checkLimit(op, opts);
  const loop = getRunningLoop();
  const socket = connect({ path, allowHalfOpen: true });
  return whenConnected(loop, socket, 'connect', limit, { local: '', remote: path });
}

/** @internal A TCP port: an integer from 0 to 65535. */
export function checkPort(op: string, port: unknown): void {
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`${op}: port must be an integer from 0 to 65535, got ${describe(port)}`);
  }
}
