/**
 * UDP endpoints (asyncio's `create_datagram_endpoint`): a `DatagramTransport` over a Node
 * `dgram` socket, driving a datagram protocol.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { isIP } from 'node:net';
import type { Future } from '../future.js';
import { HandoverFuture } from '../internal/handover.js';
import { describe } from '../internal/validate.js';
import type { EventLoop } from '../loop/eventloop.js';
import type { Address, DatagramProtocolLike } from './protocols.js';
import { toBytes, type BytesLike } from './reader.js';
import { checkFactory, FlowControlTransport, makeProtocol } from './basetransport.js';

/** Options of `loop.createDatagramEndpoint` (asyncio's keywords, in camelCase). */
export interface DatagramEndpointOptions {
  /** The local address to bind, `[host, port]` (port 0 for any). */
  localAddr?: Address;
  /**
   * The only peer, `[host, port]`: the socket is connected to it, `sendto` needs no address (and
   * takes no other), and datagrams from anyone else are not received.
   */
  remoteAddr?: Address;
  /** 4 or 6: the IP version (default: the addresses', else 4). */
  family?: 0 | 4 | 6;
  /**
   * Refused when true, as asyncio 3.13 has no `reuse_address` here: SO_REUSEADDR on UDP would let
   * another process bind the same address and receive its datagrams (bpo-37228).
   */
  reuseAddress?: false;
  /** Allow sending to broadcast addresses (SO_BROADCAST, asyncio's `allow_broadcast`). */
  allowBroadcast?: boolean;
}

/** The most datagrams kept for a protocol whose `connectionMade` has not run yet. */
const EARLY_MAX = 1024;

// The protocol calls, as functions of their arguments (no closure per datagram).
const callDatagramReceived = (p: DatagramProtocolLike, msg: Buffer, from: { address: string; port: number }): unknown =>
  p.datagramReceived?.(msg, [from.address, from.port]);
const callErrorReceived = (p: DatagramProtocolLike, e: Error): unknown => p.errorReceived?.(e);

/** Closes a UDP socket unless it is closed already. */
function closeQuietly(socket: UdpSocket): void {
  try {
    socket.close();
  } catch {
    // closed already ('close' came, or is on its way)
  }
}

function sameAddress(a: Address, b: Address): boolean {
  return a[0] === b[0] && a[1] === b[1];
}

function checkAddress(op: string, name: string, v: unknown): Address | undefined {
  if (v === undefined) return undefined;
  const ok = Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && Number.isInteger(v[1]) && v[1] >= 0 && v[1] <= 65535;
  if (!ok) throw new TypeError(`${op}: ${name} must be [host, port] with a port from 0 to 65535, got ${describe(v)}`);
  return v as unknown as Address;
}

/**
 * A UDP endpoint driving a datagram protocol (asyncio's `DatagramTransport`): the protocol gets
 * `connectionMade(transport)`, then `datagramReceived(data, [host, port])` per datagram and
 * `errorReceived(exc)` for a send that failed, and `connectionLost(undefined)` after `close()`.
 * Sends never wait: the bytes of sends in flight count as the write buffer, whose high mark
 * calls the protocol's `pauseWriting()`.
 *
 * Cancellation: no method waits; none is a checkpoint.
 *
 * @example
 * ```ts
 * const [t] = await loop.createDatagramEndpoint(() => new DatagramProtocol(), { remoteAddr: ['127.0.0.1', 9999] });
 * t.sendto('ping');
 * t.close();
 * ```
 */
export class DatagramTransport extends FlowControlTransport {
  /** @internal */ declare _protocol: DatagramProtocolLike;
  private readonly _socket: UdpSocket;
  private readonly _remote: Address | null;
  /** The bound address, kept once known (asyncio keeps it after close). */
  private _sockname: Address | null = null;
  /** Bytes of sends not yet done. */
  private _inFlight = 0;
  private _sends = 0;
  /**
   * Datagrams that came before the protocol's `connectionMade` ran (Node receives from the bind
   * on), delivered right after it, as asyncio starts reading after `connection_made`; null from
   * then on. Beyond `EARLY_MAX` they are dropped, as a full socket buffer would.
   */
  private _early: [Buffer, { address: string; port: number }][] | null = [];

  /** @internal Made by `createDatagramEndpoint` once the socket is bound (and connected). */
  constructor(loop: EventLoop, socket: UdpSocket, protocol: DatagramProtocolLike, remote: Address | null) {
    super(loop, protocol);
    this._socket = socket;
    this._remote = remote;
    this._readSockname();
    socket.on('message', this._onMessage);
    socket.on('error', this._onError);
    // Closed when its loop closes, if still open: it would keep Node's process alive.
    const forget = loop._endAtClose(() => closeQuietly(socket));
    socket.on('close', () => {
      forget();
      this._closing = true;
      this._connectionLost(undefined);
    });
    loop.callSoon(() => this._protocol.connectionMade?.(this));
    loop.callSoon(() => this._startReading());
  }

  /** After `connectionMade`: the datagrams that came before it, then each as it comes. */
  private _startReading(): void {
    const early = this._early!;
    this._early = null;
    for (const [msg, from] of early) this._onMessage(msg, from);
  }

  private readonly _onMessage = (msg: Buffer, from: { address: string; port: number }): void => {
    if (this._closing) return;
    if (this._early !== null) {
      if (this._early.length < EARLY_MAX) this._early.push([msg, from]);
      return;
    }
    const p = this._protocol;
    this._notifyProtocol('datagramReceived', callDatagramReceived, p, msg, from);
  };

  private readonly _onError = (e: Error): void => {
    const p = this._protocol;
    this._notifyProtocol('errorReceived', callErrorReceived, p, e);
  };

  /**
   * Sends one datagram to `addr`, or to the endpoint's `remoteAddr` (then `addr` must be absent
   * or equal to it; `RangeError` otherwise). An empty datagram is sent too. A send that fails
   * reaches the protocol's `errorReceived`; after `close()` sends are dropped.
   *
   * Cancellation: not a checkpoint.
   *
   * @example
   * ```ts
   * transport.sendto(Buffer.from('hello'), ['127.0.0.1', 9999]);
   * ```
   */
  sendto(data: BytesLike, addr?: Address): void {
    const op = 'DatagramTransport.sendto';
    const b = toBytes(op, 'data', data);
    const to = checkAddress(op, 'addr', addr);
    const remote = this._remote;
    if (remote !== null) {
      if (to !== undefined && !sameAddress(to, remote)) throw new RangeError(`${op}: invalid address: must be undefined or [${remote.join(', ')}], got ${describe(to)}`);
    } else if (to === undefined) {
      throw new TypeError(`${op}: addr is required: the endpoint has no remoteAddr`);
    }
    if (this._closing) return;
    this._inFlight += b.length;
    this._sends++;
    const done = (e: Error | null): void => {
      this._inFlight -= b.length;
      this._sends--;
      if (this._sockname === null) this._readSockname(); // bound by its first send
      if (e !== null) this._onError(e);
      this._maybeResumeProtocol();
      if (this._closing && this._sends === 0) this._closeSocket();
    };
    if (remote !== null) this._socket.send(b, done);
    else this._socket.send(b, to![1], to![0], done);
    this._maybePauseProtocol();
  }

  /**
   * Closes the endpoint once the sends in flight are done; nothing more is received;
   * `connectionLost(undefined)` follows. A no-op once closing.
   *
   * Cancellation: not a checkpoint.
   *
   * @example
   * ```ts
   * transport.close();
   * ```
   */
  override close(): void {
    if (this._closing) return;
    this._closing = true;
    if (this._sends === 0) this._closeSocket();
  }

  /**
   * Closes the endpoint at once; sends in flight may be lost; `connectionLost(undefined)` follows.
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
  override _forceClose(_exc: Error | undefined): void {
    this._closing = true;
    this._closeSocket();
  }

  /** The bound address: read from the socket while it is open, then the last one read. */
  private _readSockname(): Address | null {
    try {
      const a = this._socket.address();
      this._sockname = [a.address, a.port];
    } catch {
      // not bound yet, or closed: the last one known
    }
    return this._sockname;
  }

  private _closeSocket(): void {
    closeQuietly(this._socket);
  }

  /** The bytes of sends in flight (handed to Node, not yet sent). */
  override getWriteBufferSize(): number {
    return this._inFlight;
  }

  /**
   * `'sockname'` (`[host, port]` bound), `'peername'` (the `remoteAddr`, if any), `'socket'` (the
   * Node `dgram` socket); else `dflt`.
   */
  override getExtraInfo(name: string, dflt?: unknown): unknown {
    switch (name) {
      case 'sockname':
        return this._readSockname() ?? dflt;
      case 'peername':
        return this._remote ?? dflt;
      case 'socket':
        return this._socket;
      default:
        return dflt;
    }
  }

  /** `<DatagramTransport open>` (or `closing`, `closed`). */
  override toString(): string {
    return `<DatagramTransport ${this._lost ? 'closed' : this._closing ? 'closing' : 'open'}>`;
  }
}

/**
 * @internal asyncio's `create_datagram_endpoint` on `loop`: a UDP socket bound to `localAddr`
 * and/or connected to `remoteAddr`, its transport and the protocol `protocolFactory` made.
 */
export function createDatagramEndpoint<P extends DatagramProtocolLike>(
  loop: EventLoop,
  protocolFactory: () => P,
  opts: DatagramEndpointOptions = {},
): Future<[DatagramTransport, P]> {
  const op = 'createDatagramEndpoint';
  checkFactory(op, protocolFactory, opts);
  const local = checkAddress(op, 'localAddr', opts.localAddr);
  const remote = checkAddress(op, 'remoteAddr', opts.remoteAddr);
  const family = opts.family ?? 0;
  if (family !== 0 && family !== 4 && family !== 6) throw new TypeError(`${op}: family must be 0, 4 or 6, got ${describe(family)}`);
  if (local === undefined && remote === undefined && family === 0) {
    throw new RangeError(`${op}: unexpected address family: give localAddr, remoteAddr or family`);
  }
  for (const k of ['reuseAddress', 'allowBroadcast'] as const) {
    if (opts[k] !== undefined && typeof opts[k] !== 'boolean') throw new TypeError(`${op}: ${k} must be a boolean, got ${describe(opts[k])}`);
  }
  if ((opts.reuseAddress as boolean | undefined) === true) {
    throw new RangeError(`${op}: reuseAddress is not supported: SO_REUSEADDR on UDP lets another process bind the same address and receive its datagrams (as asyncio 3.13 refuses it)`);
  }
  const v6 = family === 6 || (family === 0 && (isIP(local?.[0] ?? '') === 6 || isIP(remote?.[0] ?? '') === 6));
  const socket = createSocket({ type: v6 ? 'udp6' : 'udp4' });
  const fut = new HandoverFuture<[DatagramTransport, P]>(loop);
  const fail = (e: Error): void => {
    closeQuietly(socket);
    if (!fut.done() && !loop.isClosed()) fut.setException(e);
  };
  const ready = (): void => {
    socket.removeListener('error', fail);
    if (fut.done() || loop.isClosed()) {
      closeQuietly(socket); // cancelled while binding
      return;
    }
    if (opts.allowBroadcast === true) socket.setBroadcast(true);
    let protocol: P;
    try {
      protocol = makeProtocol(op, protocolFactory);
    } catch (e) {
      fail(e as Error);
      return;
    }
    // The peer as resolved (asyncio's `peername` is the socket's), e.g. 127.0.0.1 for localhost.
    let peer: Address | null = null;
    if (remote !== undefined) {
      const r = socket.remoteAddress();
      peer = [r.address, r.port];
    }
    const transport = new DatagramTransport(loop, socket, protocol, peer);
    transport._handOver(fut, [transport, protocol]);
  };
  socket.once('error', fail);
  const connect = (): void => {
    if (remote === undefined) ready();
    else socket.connect(remote[1], remote[0], ready);
  };
  if (local !== undefined) socket.bind(local[1], local[0], connect);
  else if (remote !== undefined) connect(); // binds to any port first
  else if (opts.allowBroadcast === true) socket.bind(0, ready); // broadcast needs a bound socket
  else queueMicrotask(ready); // unbound until its first send, as asyncio's with only a family
  fut.addDoneCallback((f) => {
    if (f.cancelled()) closeQuietly(socket);
  });
  return fut;
}
