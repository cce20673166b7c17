/**
 * Streams: asyncio's network I/O over Node's `net`, `tls` and `dgram` sockets. `openConnection` connects
 * and returns a `StreamReader` and a `StreamWriter`; `startServer` listens and runs a task per
 * connection with its own pair; the Unix-socket twins do the same over a path. Reads are tulip
 * futures (await them or `yield*` them) that take no byte when cancelled; writes never wait, and
 * `drain()` applies back pressure.
 *
 * Below them, as in asyncio, are transports and protocols: `loop.createConnection`,
 * `loop.createServer` (and the Unix twins) and `loop.createDatagramEndpoint` (UDP) drive the
 * methods of a `Protocol`, `BufferedProtocol` or `DatagramProtocol` as the socket's events come.
 *
 * @example
 * ```ts
 * const server = await startServer(async (reader, writer) => {
 *   for await (const line of reader) writer.write(line); // echo, line by line
 *   writer.close();
 * }, '127.0.0.1', 0);
 * const { port } = server.address() as AddressInfo;
 * const [reader, writer] = await openConnection('127.0.0.1', port);
 * writer.write('hello\n');
 * console.log((await reader.readline()).toString()); // 'hello\n'
 * ```
 *
 * @module
 */
export { DEFAULT_LIMIT, StreamReader, type StreamReaderOptions, type BytesLike } from './reader.js';
export { StreamWriter } from './writer.js';
export { openConnection, openUnixConnection, type OpenConnectionOptions, type OpenUnixConnectionOptions } from './connection.js';
export { Server, startServer, startUnixServer, type ClientConnected, type StartServerOptions } from './server.js';
export type { StartTlsOptions } from './wiring.js';
export { BaseTransport, FlowControlTransport } from './basetransport.js';
export { Transport } from './transport.js';
export { DatagramTransport, type DatagramEndpointOptions } from './datagram.js';
export {
  BaseProtocol,
  Protocol,
  BufferedProtocol,
  DatagramProtocol,
  StreamReaderProtocol,
  type Address,
  type BaseProtocolLike,
  type ProtocolLike,
  type BufferedProtocolLike,
  type DatagramProtocolLike,
  type ProtocolFactory,
} from './protocols.js';
export type { StreamProtocol, CreateConnectionOptions, CreateServerOptions, StartTlsTransportOptions } from './endpoints.js';
export type { ReadTransport, WriteTransport } from './pipes.js';
export type { AddrInfo, GetAddrInfoOptions } from './names.js';
