/**
 * @internal asyncio's low-level connection calls, `loop.createConnection`, `loop.createServer`
 * and their Unix twins: a transport per connection, driving a protocol the factory makes. The
 * loop's methods of these names (loop/network.ts) call these with the loop.
 */
import { Socket } from 'node:net';
import type { Future } from '../future.js';
import { HandoverFuture } from '../internal/handover.js';
import { checkKnown, checkOpts, describe } from '../internal/validate.js';
import type { EventLoop } from '../loop/eventloop.js';
import { CONNECTION_OPTIONS, checkPort, connectTcp, connectUnix, whenConnected, type OpenConnectionOptions } from './connection.js';
import type { BufferedProtocolLike, ProtocolLike } from './protocols.js';
import { checkServerArgs, listener, serve, type OnConnection, type Server, type StartServerOptions } from './server.js';
import { checkFactory, makeProtocol } from './basetransport.js';
import { Transport } from './transport.js';
import type { StartTlsOptions, UnixNames } from './wiring.js';

/** A stream protocol: a plain one (`dataReceived`) or a buffered one (`getBuffer`). */
export type StreamProtocol = ProtocolLike | BufferedProtocolLike;

/** Options of `loop.createConnection`: those of `openConnection` but `limit`, and `sock`. */
export interface CreateConnectionOptions extends Omit<OpenConnectionOptions, 'limit'> {
  /**
   * A Node socket, connected or connecting, to use instead of connecting to host and port (then
   * both must be undefined; no `ssl`).
   */
  sock?: Socket;
}

/** Options of `loop.createServer` and `loop.createUnixServer`: those of `startServer` but `limit`. */
export type CreateServerOptions = Omit<StartServerOptions, 'limit'>;

/**
 * Settles a connection's future with a transport and the protocol the factory made, once
 * `connectionMade` has run (asyncio's waiter).
 */
function transportFor<P extends StreamProtocol>(loop: EventLoop, op: string, factory: () => P, unix: UnixNames | null) {
  return (socket: Socket, fut: Future<[Transport, P]>): void => {
    const protocol = makeProtocol(op, factory);
    const transport = new Transport(loop, socket, protocol, unix);
    transport._handOver(fut, [transport, protocol]);
  };
}

/** asyncio's `create_connection` on `loop`. */
export function createConnection<P extends StreamProtocol>(
  loop: EventLoop,
  protocolFactory: () => P,
  host: string | undefined,
  port: number | undefined,
  opts: CreateConnectionOptions = {},
): Future<[Transport, P]> {
  const op = 'createConnection';
  checkFactory(op, protocolFactory, opts);
  checkKnown(op, opts, ['sock', ...CONNECTION_OPTIONS]);
  const { sock, ...rest } = opts;
  const make = transportFor(loop, op, protocolFactory, null);
  if (sock === undefined) return whenConnected(loop, connectTcp(op, host, port, rest)(), make);
  if (host !== undefined || port !== undefined) throw new TypeError(`${op}: host/port and sock can not be specified at the same time`);
  if (!(sock instanceof Socket)) throw new TypeError(`${op}: sock must be a node:net Socket, got ${describe(sock)}`);
  if (rest.ssl !== undefined) throw new TypeError(`${op}: ssl with sock is not supported; connect with host and port`);
  // Half-open as tulip's own sockets are: the peer's end must not end this side's writing (a
  // protocol whose eofReceived() returns true still writes).
  sock.allowHalfOpen = true;
  if (sock.connecting) return whenConnected(loop, { op, socket: sock, ready: 'connect', handshakeMs: null }, make);
  if (sock.destroyed || sock.readyState !== 'open') throw new TypeError(`${op}: sock must be a connected socket, got one in state ${sock.readyState}`);
  const fut = new HandoverFuture<[Transport, P]>(loop);
  make(sock, fut);
  return fut;
}

/** asyncio's `create_unix_connection` on `loop`. */
export function createUnixConnection<P extends StreamProtocol>(loop: EventLoop, protocolFactory: () => P, path: string): Future<[Transport, P]> {
  const op = 'createUnixConnection';
  checkFactory(op, protocolFactory, undefined);
  const start = connectUnix(op, path);
  return whenConnected(loop, start(), transportFor(loop, op, protocolFactory, { local: '', remote: path }));
}

/**
 * Each accepted connection gets a transport and a new protocol; a factory that throws is
 * reported (asyncio's "Error on transport creation for incoming connection") and the connection
 * closed.
 */
function protocolPerConnection(loop: EventLoop, op: string, factory: () => StreamProtocol): OnConnection {
  return (socket, unix) => {
    let protocol: StreamProtocol;
    try {
      protocol = makeProtocol(op, factory);
    } catch (e) {
      loop.callExceptionHandler({ message: 'Error on transport creation for incoming connection', exception: e, socket });
      socket.destroy();
      return;
    }
    return new Transport(loop, socket, protocol, unix);
  };
}

/** asyncio's `create_server` on `loop`. */
export function createServer(
  loop: EventLoop,
  protocolFactory: () => StreamProtocol,
  host: string | undefined,
  port: number,
  opts: CreateServerOptions | undefined,
): Future<Server> {
  const op = 'createServer';
  checkFactory(op, protocolFactory, opts);
  const { backlog, start, ssl } = checkServerArgs(op, opts, false);
  if (host !== undefined && (typeof host !== 'string' || host === '')) throw new TypeError(`${op}: host must be a non-empty string or undefined, got ${describe(host)}`);
  checkPort(op, port);
  return serve(loop, protocolPerConnection(loop, op, protocolFactory), start, listener({ host, port, backlog }), null, ssl);
}

/** asyncio's `create_unix_server` on `loop`. */
export function createUnixServer(loop: EventLoop, protocolFactory: () => StreamProtocol, path: string, opts: CreateServerOptions | undefined): Future<Server> {
  const op = 'createUnixServer';
  checkFactory(op, protocolFactory, opts);
  const { backlog, start, ssl } = checkServerArgs(op, opts, false);
  if (typeof path !== 'string' || path === '') throw new TypeError(`${op}: path must be a non-empty string, got ${describe(path)}`);
  return serve(loop, protocolPerConnection(loop, op, protocolFactory), start, listener({ path, backlog }), path, ssl);
}

/** Options of `loop.startTls`: `StreamWriter.startTls`'s, and which side of the handshake to play. */
export type StartTlsTransportOptions = StartTlsOptions & {
  /** Play the server's side (then the options need `key` and `cert`); default the client's. */
  serverSide?: boolean;
};

/** asyncio's `start_tls` on a transport's loop. */
export function startTls(transport: Transport, protocol: StreamProtocol, opts: StartTlsTransportOptions): Future<Transport> {
  const op = 'startTls';
  if (!(transport instanceof Transport)) throw new TypeError(`${op}: transport must be a Transport of a connection, got ${describe(transport)}`);
  if (protocol === null || typeof protocol !== 'object') throw new TypeError(`${op}: protocol must be a protocol object, got ${describe(protocol)}`);
  checkOpts(op, opts);
  const { serverSide = false, ...rest } = opts;
  if (typeof serverSide !== 'boolean') throw new TypeError(`${op}: serverSide must be a boolean, got ${describe(serverSide)}`);
  return transport._startTls(op, protocol, rest, serverSide);
}
