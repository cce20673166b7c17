/**
 * asyncio's protocols: the callbacks a transport calls as a connection's events happen. Subclass
 * one (every method has a do-nothing default) or pass any object with the methods you need.
 */
import type { StreamReader } from './reader.js';
import type { BaseTransport } from './basetransport.js';
import type { Transport } from './transport.js';
import { feed, feedEnd } from './wiring.js';
import type { DatagramTransport } from './datagram.js';

/** A `[host, port]` address, as a datagram's sender or destination (asyncio's address tuple). */
export type Address = readonly [string, number];

/**
 * What every protocol may implement (asyncio's `BaseProtocol`): the connection's start and end,
 * and the write-side flow control of its transport.
 */
export interface BaseProtocolLike<T extends BaseTransport = BaseTransport> {
  /** The connection is made; `transport` is its transport. Called once, first. */
  connectionMade?(transport: T): void;
  /**
   * The connection is lost or closed: `exc` is the error that ended it, or undefined for a normal
   * end (either side closed it, or the peer's end of stream). Called once, last.
   */
  connectionLost?(exc: Error | undefined): void;
  /** The transport's write buffer went over its high-water mark: stop writing for now. */
  pauseWriting?(): void;
  /** The write buffer fell to its low-water mark after `pauseWriting()`: write again. */
  resumeWriting?(): void;
}

/** A stream protocol (asyncio's `Protocol`): bytes as they arrive, and the peer's end of stream. */
export interface ProtocolLike extends BaseProtocolLike<Transport> {
  /** Bytes arrived (a chunk of any size: a stream has no message boundaries). */
  dataReceived?(data: Buffer): void;
  /**
   * The peer ended its side of the stream. Return true (any truthy value) to keep the transport
   * open for writing (half-closed); anything else closes it. Over TLS, which has no half-close,
   * and on a read pipe the transport closes whatever it returns.
   */
  eofReceived?(): boolean | void;
}

/**
 * A stream protocol that supplies its own receive buffers (asyncio's `BufferedProtocol`): the
 * transport asks for a buffer, copies the bytes that arrived into it and says how many.
 */
export interface BufferedProtocolLike extends BaseProtocolLike<Transport> {
  /**
   * A buffer to copy received bytes into; `sizeHint` is the number of bytes waiting (the buffer
   * may be shorter: the transport then asks again). An empty buffer is an error.
   */
  getBuffer(sizeHint: number): Uint8Array;
  /** `nbytes` bytes were written at the start of the buffer `getBuffer()` returned last. */
  bufferUpdated(nbytes: number): void;
  /** As `ProtocolLike.eofReceived`. */
  eofReceived?(): boolean | void;
}

/** A datagram protocol (asyncio's `DatagramProtocol`), for `createDatagramEndpoint`. */
export interface DatagramProtocolLike extends BaseProtocolLike<DatagramTransport> {
  /** A datagram arrived from `addr`. */
  datagramReceived?(data: Buffer, addr: Address): void;
  /** A send or receive failed (an ICMP error, a message too large …); the endpoint stays open. */
  errorReceived?(exc: Error): void;
}

/** Makes the protocol of each new connection (asyncio's `protocol_factory`). */
export type ProtocolFactory<P> = () => P;

/**
 * The base of every protocol (asyncio's `BaseProtocol`): every method does nothing.
 *
 * Cancellation: protocol methods are plain callbacks, never checkpoints; start a task for work
 * that waits.
 *
 * @example
 * ```ts
 * class Watcher extends BaseProtocol {
 *   override connectionLost(exc?: Error) { console.log('gone', exc); }
 * }
 * ```
 */
export class BaseProtocol implements BaseProtocolLike {
  /** The connection is made; called once, first. Does nothing here. */
  connectionMade(_transport: BaseTransport): void {}
  /** The connection ended, with `exc` or normally; called once, last. Does nothing here. */
  connectionLost(_exc: Error | undefined): void {}
  /** The write buffer is over its high mark. Does nothing here. */
  pauseWriting(): void {}
  /** The write buffer is back at its low mark. Does nothing here. */
  resumeWriting(): void {}
}

/**
 * A stream protocol (asyncio's `Protocol`) with do-nothing methods, to subclass. The transport
 * calls them in order: `connectionMade`, then `dataReceived` any number of times, then at most
 * once `eofReceived`, and `connectionLost` last.
 *
 * Cancellation: protocol methods are plain callbacks, never checkpoints.
 *
 * @example
 * ```ts
 * class Echo extends Protocol {
 *   transport!: Transport;
 *   override connectionMade(t: Transport) { this.transport = t; }
 *   override dataReceived(data: Buffer) { this.transport.write(data); }
 * }
 * const server = await getRunningLoop().createServer(() => new Echo(), '127.0.0.1', 0);
 * ```
 */
export class Protocol extends BaseProtocol implements ProtocolLike {
  /** The connection is made over `transport`. Does nothing here. */
  override connectionMade(_transport: Transport): void {}
  /** Bytes arrived. Does nothing here. */
  dataReceived(_data: Buffer): void {}
  /** The peer ended its side; returns nothing here, so the transport closes. */
  eofReceived(): boolean | void {}
}

/**
 * A stream protocol that receives into its own buffers (asyncio's `BufferedProtocol`), to
 * subclass: `getBuffer` and `bufferUpdated` must be written.
 *
 * Cancellation: protocol methods are plain callbacks, never checkpoints.
 *
 * @example
 * ```ts
 * class Counter extends BufferedProtocol {
 *   buf = Buffer.alloc(4096); total = 0;
 *   getBuffer() { return this.buf; }
 *   bufferUpdated(n: number) { this.total += n; }
 * }
 * ```
 */
export abstract class BufferedProtocol extends BaseProtocol implements BufferedProtocolLike {
  /** The connection is made over `transport`. Does nothing here. */
  override connectionMade(_transport: Transport): void {}
  /** A non-empty buffer for the next bytes (`sizeHint` of them are waiting). */
  abstract getBuffer(sizeHint: number): Uint8Array;
  /** `nbytes` bytes were copied to the start of the last buffer `getBuffer` returned. */
  abstract bufferUpdated(nbytes: number): void;
  /** The peer ended its side; returns nothing here, so the transport closes. */
  eofReceived(): boolean | void {}
}

/**
 * A datagram protocol (asyncio's `DatagramProtocol`) with do-nothing methods, to subclass.
 *
 * Cancellation: protocol methods are plain callbacks, never checkpoints.
 *
 * @example
 * ```ts
 * class EchoUdp extends DatagramProtocol {
 *   t!: DatagramTransport;
 *   override connectionMade(t: DatagramTransport) { this.t = t; }
 *   override datagramReceived(data: Buffer, addr: Address) { this.t.sendto(data, addr); }
 * }
 * ```
 */
export class DatagramProtocol extends BaseProtocol implements DatagramProtocolLike {
  /** The endpoint is ready, as `transport`. Does nothing here. */
  override connectionMade(_transport: DatagramTransport): void {}
  /** A datagram arrived from `addr`. Does nothing here. */
  datagramReceived(_data: Buffer, _addr: Address): void {}
  /** A send or receive failed. Does nothing here. */
  errorReceived(_exc: Error): void {}
}

/**
 * A stream protocol that feeds a `StreamReader` (asyncio's `StreamReaderProtocol`): turns any
 * transport — a pipe from `loop.connectReadPipe`, a connection from `loop.createConnection` —
 * into a reader that tasks `await`. The bytes go to the reader, the peer's end of stream is its
 * EOF (the transport stays open for writing, except over TLS), an error that ends the connection
 * is the reader's next read's error; a reader that holds more than twice its limit pauses the
 * transport until it is read down.
 *
 * Cancellation: protocol methods are plain callbacks, never checkpoints; the reader's reads are
 * checkpoints that take no byte when cancelled.
 *
 * @example
 * ```ts
 * const reader = new StreamReader();
 * await getRunningLoop().connectReadPipe(() => new StreamReaderProtocol(reader), process.stdin);
 * for await (const line of reader) console.log('got', line.toString().trimEnd());
 * ```
 */
export class StreamReaderProtocol extends BaseProtocol implements ProtocolLike {
  /** The reader it feeds. */
  readonly reader: StreamReader;
  private _overTls = false;

  constructor(reader: StreamReader) {
    super();
    if (reader === null || typeof reader !== 'object' || typeof (reader as { feedData?: unknown }).feedData !== 'function') {
      throw new TypeError(`StreamReaderProtocol: reader must be a StreamReader, got ${reader === null ? 'null' : typeof reader}`);
    }
    this.reader = reader;
  }

  /** The reader pauses and resumes `transport` as it fills up and is read down. */
  override connectionMade(transport: Transport): void {
    this.reader._flow = transport;
    this._overTls = transport.getExtraInfo('sslObject') !== undefined;
  }

  /** Bytes go to the reader. */
  dataReceived(data: Buffer): void {
    feed(this.reader, data);
  }

  /** The reader's EOF; keeps the transport open for writing (not over TLS). */
  eofReceived(): boolean {
    feedEnd(this.reader);
    return !this._overTls;
  }

  /**
   * The reader's EOF, or with `exc` its error — even after the EOF (asyncio's): the next read
   * raises it.
   */
  override connectionLost(exc: Error | undefined): void {
    if (exc === undefined) feedEnd(this.reader);
    else if (this.reader.exception() === undefined) this.reader.setException(exc);
    this.reader._flow = null;
  }
}

