/**
 * The event loop's transport methods (asyncio's low-level API): connections, servers, UDP
 * endpoints, pipes and child processes whose events a transport turns into calls of a
 * protocol's methods, and name resolution (`getaddrinfo`, `getnameinfo`). `EventLoop` inherits
 * them; the work is done by the streams and subprocess layers (streams/endpoints.ts,
 * datagram.ts, pipes.ts, names.ts; subprocess/transport.ts).
 */
import type { FileHandle } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import type { Future } from '../future.js';
import { createDatagramEndpoint, type DatagramEndpointOptions, type DatagramTransport } from '../streams/datagram.js';
import {
  createConnection,
  createServer,
  createUnixConnection,
  createUnixServer,
  type CreateConnectionOptions,
  type CreateServerOptions,
  type StreamProtocol,
} from '../streams/endpoints.js';
import { connectReadPipe, connectWritePipe, type ReadTransport, type WriteTransport } from '../streams/pipes.js';
import { sendfile } from '../streams/sendfile.js';
import { getaddrinfo, getnameinfo, type AddrInfo, type GetAddrInfoOptions } from '../streams/names.js';
import type { Address, DatagramProtocolLike } from '../streams/protocols.js';
import type { Server } from '../streams/server.js';
import type { Transport } from '../streams/transport.js';
import { startTls, type StartTlsTransportOptions } from '../streams/endpoints.js';
import {
  subprocessExec,
  subprocessShell,
  type SubprocessProtocolLike,
  type SubprocessTransport,
  type SubprocessTransportOptions,
} from '../subprocess/transport.js';
import type { EventLoop } from './eventloop.js';

/**
 * The transport methods of `EventLoop` (see there): asyncio's transports and protocols. For
 * streams with `await`able reads, see `openConnection` and `startServer`; for a child process
 * with streams, `createSubprocessExec`.
 *
 * Cancellation: each call is a checkpoint until its connection, server or endpoint is ready; a
 * cancelled call closes what it had opened.
 *
 * @example
 * ```ts
 * const [transport, protocol] = await getRunningLoop().createConnection(() => new MyProtocol(), 'example.com', 80);
 * ```
 */
export abstract class LoopTransports {
  /** @internal */
  abstract _checkClosed(op: string): void;

  /**
   * Connects to `host`:`port` over TCP (or TLS with `opts.ssl`), makes the protocol with
   * `protocolFactory()` and returns `[transport, protocol]` once `connectionMade` has been called
   * (asyncio's `create_connection`). The options are `openConnection`'s (`ssl`,
   * `serverHostname`, `localAddr`, `family`, `happyEyeballsDelay` …), and `sock` to use a Node
   * socket already connected or connecting.
   *
   * Cancellation: a checkpoint until connected; a cancelled call closes the half-made
   * connection and makes no protocol.
   *
   * @example
   * ```ts
   * class Hello extends Protocol {
   *   override connectionMade(t: Transport) { t.write('hello\n'); }
   *   override dataReceived(d: Buffer) { console.log(d.toString()); }
   * }
   * const [transport] = await loop.createConnection(() => new Hello(), '127.0.0.1', 7000);
   * ```
   */
  createConnection<P extends StreamProtocol>(
    protocolFactory: () => P,
    host?: string,
    port?: number,
    opts?: CreateConnectionOptions,
  ): Future<[Transport, P]> {
    this._checkClosed('createConnection');
    return createConnection(this as unknown as EventLoop, protocolFactory, host, port, opts);
  }

  /**
   * Connects to the Unix socket at `path` (asyncio's `create_unix_connection`); as
   * `createConnection`.
   *
   * Cancellation: a checkpoint until connected; a cancelled call closes the half-made connection.
   *
   * @example
   * ```ts
   * const [transport, protocol] = await loop.createUnixConnection(() => new Client(), '/run/app.sock');
   * ```
   */
  createUnixConnection<P extends StreamProtocol>(protocolFactory: () => P, path: string): Future<[Transport, P]> {
    this._checkClosed('createUnixConnection');
    return createUnixConnection(this as unknown as EventLoop, protocolFactory, path);
  }

  /**
   * Listens on `host`:`port` (asyncio's `create_server`; `port` 0 picks a free one): each
   * connection gets its own protocol from `protocolFactory()` and a `Transport`. The `Server`
   * is `startServer`'s (close, waitClosed, serveForever …); the options are `startServer`'s but
   * `limit` (`backlog`, `startServing`, `ssl`, `sslHandshakeTimeout`, `sslShutdownTimeout`).
   *
   * Cancellation: a checkpoint until the server listens; a cancelled call closes the server.
   *
   * @example
   * ```ts
   * const server = await loop.createServer(() => new Echo(), '127.0.0.1', 0);
   * await server.serveForever();
   * ```
   */
  createServer(protocolFactory: () => StreamProtocol, host?: string, port = 0, opts?: CreateServerOptions): Future<Server> {
    this._checkClosed('createServer');
    return createServer(this as unknown as EventLoop, protocolFactory, host, port, opts);
  }

  /**
   * Listens on the Unix socket at `path` (asyncio's `create_unix_server`); as `createServer`.
   *
   * Cancellation: a checkpoint until the server listens; a cancelled call closes the server.
   *
   * @example
   * ```ts
   * const server = await loop.createUnixServer(() => new Echo(), '/tmp/echo.sock');
   * ```
   */
  createUnixServer(protocolFactory: () => StreamProtocol, path: string, opts?: CreateServerOptions): Future<Server> {
    this._checkClosed('createUnixServer');
    return createUnixServer(this as unknown as EventLoop, protocolFactory, path, opts);
  }

  /**
   * Opens a UDP endpoint (asyncio's `create_datagram_endpoint`): bound to `opts.localAddr`
   * and/or connected to `opts.remoteAddr`; returns `[transport, protocol]` once the socket is
   * ready. Datagrams go to the protocol's `datagramReceived(data, [host, port])`.
   *
   * Cancellation: a checkpoint until the socket is bound; a cancelled call closes it.
   *
   * @example
   * ```ts
   * const [t, p] = await loop.createDatagramEndpoint(() => new Collector(), { localAddr: ['127.0.0.1', 0] });
   * ```
   */
  createDatagramEndpoint<P extends DatagramProtocolLike>(protocolFactory: () => P, opts?: DatagramEndpointOptions): Future<[DatagramTransport, P]> {
    this._checkClosed('createDatagramEndpoint');
    return createDatagramEndpoint(this as unknown as EventLoop, protocolFactory, opts);
  }

  /**
   * Reads a pipe through a protocol (asyncio's `connect_read_pipe`): `pipe` is a file descriptor
   * of a FIFO, socket or terminal, or a Node socket (a child's stdout, `process.stdin` when it is
   * a pipe or a terminal). The protocol gets `dataReceived` per chunk, `eofReceived()` at the end
   * (the transport then closes, whatever it returns) and `connectionLost` last; closing the
   * transport closes the pipe.
   *
   * Cancellation: a checkpoint (one loop pass, as connectionMade runs); a cancelled call closes
   * the transport.
   *
   * @example
   * ```ts
   * const reader = new StreamReader();
   * await loop.connectReadPipe(() => new StreamReaderProtocol(reader), process.stdin);
   * for await (const line of reader) console.log('stdin:', line.toString());
   * ```
   */
  connectReadPipe<P extends StreamProtocol>(protocolFactory: () => P, pipe: number | Readable): Future<[ReadTransport, P]> {
    this._checkClosed('connectReadPipe');
    return connectReadPipe(this as unknown as EventLoop, protocolFactory, pipe);
  }

  /**
   * Writes to a pipe through a transport (asyncio's `connect_write_pipe`): `pipe` is a file
   * descriptor of a FIFO, socket or terminal, or a Node socket (a child's stdin). Writes never
   * wait; the protocol's `pauseWriting()`/`resumeWriting()` follow the buffer's marks; a reader
   * that went away ends it with `connectionLost(EPIPE)`.
   *
   * Cancellation: a checkpoint (one loop pass, as connectionMade runs); a cancelled call closes
   * the transport.
   *
   * @example
   * ```ts
   * const [out] = await loop.connectWritePipe(() => new Protocol(), fifoFd);
   * out.write('hello\n');
   * out.close();
   * ```
   */
  connectWritePipe<P extends StreamProtocol>(protocolFactory: () => P, pipe: number | Writable): Future<[WriteTransport, P]> {
    this._checkClosed('connectWritePipe');
    return connectWritePipe(this as unknown as EventLoop, protocolFactory, pipe);
  }

  /**
   * Runs `program` with `args` (no shell) and drives `protocolFactory()`'s subprocess protocol
   * with its pipes and its exit (asyncio's `subprocess_exec`); returns `[transport, protocol]`
   * once the child runs and `connectionMade` has been called. The options are
   * `createSubprocessExec`'s but `limit` (`stdin`, `stdout`, `stderr` as `PIPE`, `DEVNULL`,
   * `'inherit'`, a file descriptor or, for stderr, `STDOUT`; `cwd`, `env` …); each of the three
   * streams is a `PIPE` unless given, as asyncio's defaults are.
   *
   * Cancellation: a checkpoint until the child runs; a cancelled call kills it.
   *
   * @example
   * ```ts
   * const [transport, p] = await loop.subprocessExec(() => new Collect(), 'ls', ['-l'], { stdout: PIPE });
   * ```
   */
  subprocessExec<P extends SubprocessProtocolLike>(
    protocolFactory: () => P,
    program: string,
    args: readonly string[] = [],
    opts?: SubprocessTransportOptions,
  ): Future<[SubprocessTransport, P]> {
    this._checkClosed('subprocessExec');
    return subprocessExec(this as unknown as EventLoop, protocolFactory, program, args, opts);
  }

  /**
   * Runs `cmd` through `/bin/sh -c` (asyncio's `subprocess_shell`); as `subprocessExec`.
   *
   * Cancellation: a checkpoint until the shell runs; a cancelled call kills it.
   *
   * @example
   * ```ts
   * const [transport, p] = await loop.subprocessShell(() => new Collect(), 'ls *.ts | wc -l', { stdout: PIPE });
   * ```
   */
  subprocessShell<P extends SubprocessProtocolLike>(protocolFactory: () => P, cmd: string, opts?: SubprocessTransportOptions): Future<[SubprocessTransport, P]> {
    this._checkClosed('subprocessShell');
    return subprocessShell(this as unknown as EventLoop, protocolFactory, cmd, opts);
  }

  /**
   * Upgrades a plain connection to TLS in the middle of its life (asyncio's `start_tls`, for
   * STARTTLS-style protocols): runs the handshake over `transport`'s socket — the server's side
   * with `opts.serverSide` (then with `key`/`cert`), else the client's (`ca`, `serverHostname`
   * …) — and returns a new transport over TLS that drives `protocol` from then on (its
   * `connectionMade` is not called again). The old transport must not be used after the call.
   * A handshake longer than `sslHandshakeTimeout` (60 s) fails with `ConnectionAbortedError`;
   * `sslShutdownTimeout` (30 s) bounds the new transport's `close()` (see `Transport.close`).
   *
   * Cancellation: a checkpoint until the handshake is done; a cancelled call closes the
   * connection.
   *
   * @example
   * ```ts
   * transport.write('STARTTLS\r\n');  // … once the server agreed:
   * const tlsTransport = await loop.startTls(transport, protocol, { serverHostname: 'mail.example.com' });
   * ```
   */
  startTls(transport: Transport, protocol: StreamProtocol, opts: StartTlsTransportOptions = {}): Future<Transport> {
    this._checkClosed('startTls');
    return startTls(transport, protocol, opts);
  }

  /**
   * Resolves `host` with the system's resolver (asyncio's `getaddrinfo`, Node's `dns.lookup` in
   * libuv's thread pool): every address found, in the resolver's order, each as
   * `{ family, address, port }` (asyncio's `(family, type, proto, canonname, sockaddr)` tuple,
   * named; `port` is the one asked for). A name that does not resolve fails with Node's
   * `ENOTFOUND` error.
   *
   * Cancellation: a checkpoint; a cancelled call drops the answer (the lookup itself runs on).
   *
   * @example
   * ```ts
   * const [first] = await loop.getaddrinfo('example.com', 443, { family: 4 });
   * console.log(first.address); // '93.184.215.14'
   * ```
   */
  getaddrinfo(host: string, port?: number, opts?: GetAddrInfoOptions): Future<AddrInfo[]> {
    this._checkClosed('getaddrinfo');
    return getaddrinfo(this as unknown as EventLoop, host, port, opts);
  }

  /**
   * The host name and service name of an IP address and port (asyncio's `getnameinfo`, Node's
   * `dns.lookupService`): `['localhost', 'ssh']` for `['127.0.0.1', 22]`.
   *
   * Cancellation: a checkpoint; a cancelled call drops the answer.
   *
   * @example
   * ```ts
   * const [host, service] = await loop.getnameinfo(['127.0.0.1', 80]); // ['localhost', 'http']
   * ```
   */
  getnameinfo(sockaddr: Address): Future<[string, string]> {
    this._checkClosed('getnameinfo');
    return getnameinfo(this as unknown as EventLoop, sockaddr);
  }

  /**
   * Sends a file over a transport (asyncio's `sendfile`, in its read-and-write way, the only one
   * on Node): `count` bytes (default, or 0: to the end of the file) from `offset` of `file` (a file
   * descriptor or a `FileHandle`, read at those positions; its own position is neither used nor
   * moved), 64 KiB at a time, each written once the transport's buffer is under its high mark.
   * Meanwhile the transport's protocol receives nothing (reading is paused) and is restored at
   * the end, and `transport.write()` throws `RuntimeError` ("sendfile is in progress"). Returns
   * the number of bytes sent; a connection that ends first fails it with `ConnectionResetError`.
   * Only connections can send files: a UDP endpoint, a pipe or a child's transport is refused
   * with `RuntimeError`, as asyncio refuses them.
   *
   * Cancellation: a checkpoint; a cancelled call stops after the chunk in hand, what was written
   * stays written, and the protocol is restored.
   *
   * @example
   * ```ts
   * const fh = await open('index.html');
   * transport.write(`HTTP/1.0 200 OK\r\nContent-Length: ${(await fh.stat()).size}\r\n\r\n`);
   * await loop.sendfile(transport, fh);
   * ```
   */
  sendfile(transport: Transport, file: number | FileHandle, offset = 0, count?: number): Future<number> {
    this._checkClosed('sendfile');
    return sendfile(this as unknown as EventLoop, transport, file, offset, count);
  }
}
