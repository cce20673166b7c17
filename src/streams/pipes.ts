/**
 * @internal asyncio's `connect_read_pipe` and `connect_write_pipe`: a transport over one end of
 * a pipe (a FIFO, a socket or a terminal, given as a file descriptor or a Node socket), driving
 * a stream protocol. The loop's methods of these names (loop/network.ts) call these.
 */
import { fstatSync } from 'node:fs';
import { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import type { Future } from '../future.js';
import { HandoverFuture } from '../internal/handover.js';
import { describe } from '../internal/validate.js';
import type { EventLoop } from '../loop/eventloop.js';
import type { StreamProtocol } from './endpoints.js';
import { checkFactory, makeProtocol } from './basetransport.js';
import { READ_PIPE, Transport, WRITE_PIPE } from './transport.js';

/**
 * The read end of a pipe as `connectReadPipe` returns it (asyncio's `ReadTransport`): the
 * protocol receives its bytes, `eofReceived()` at its end, then `connectionLost`.
 */
export type ReadTransport = Pick<
  Transport,
  'isReading' | 'pauseReading' | 'resumeReading' | 'close' | 'abort' | 'isClosing' | 'getExtraInfo' | 'getProtocol' | 'setProtocol'
>;

/**
 * The write end of a pipe as `connectWritePipe` returns it (asyncio's `WriteTransport`), with
 * write-side flow control.
 */
export type WriteTransport = Pick<
  Transport,
  | 'write'
  | 'writelines'
  | 'writeEof'
  | 'canWriteEof'
  | 'close'
  | 'abort'
  | 'isClosing'
  | 'getWriteBufferSize'
  | 'getWriteBufferLimits'
  | 'setWriteBufferLimits'
  | 'getExtraInfo'
  | 'getProtocol'
  | 'setProtocol'
>;

/**
 * Checks `pipe`; the function returned gives it as a Node socket: the socket itself, or one
 * made over the file descriptor.
 */
function pipeSocket(op: string, pipe: unknown, readable: boolean): () => Socket {
  if (pipe instanceof Socket) {
    if (pipe.destroyed) throw new TypeError(`${op}: pipe is a destroyed socket`);
    return () => pipe;
  }
  if (typeof pipe !== 'number' || !Number.isInteger(pipe) || pipe < 0) {
    throw new TypeError(`${op}: pipe must be a file descriptor (an integer >= 0) or a stream over a pipe (a node:net Socket: a child's stdio, process.stdin on a pipe or terminal), got ${describe(pipe)}`);
  }
  const st = fstatSync(pipe); // EBADF for a closed descriptor
  if (!st.isFIFO() && !st.isSocket() && !st.isCharacterDevice()) {
    throw new TypeError(`${op}: pipe transports are for pipes, sockets and character devices; descriptor ${pipe} is none of these`);
  }
  return () => new Socket({ fd: pipe, readable, writable: !readable, allowHalfOpen: true });
}

/** A transport of `kind` over `pipe`, with the protocol the factory made, once connectionMade ran. */
function connectPipe<P extends StreamProtocol>(
  loop: EventLoop,
  op: string,
  factory: () => P,
  pipe: unknown,
  kind: typeof READ_PIPE | typeof WRITE_PIPE,
): Future<[Transport, P]> {
  checkFactory(op, factory, undefined);
  const socket = pipeSocket(op, pipe, kind === READ_PIPE);
  const protocol = makeProtocol(op, factory);
  const fut = new HandoverFuture<[Transport, P]>(loop);
  const transport = new Transport(loop, socket(), protocol, null, kind);
  transport._handOver(fut, [transport, protocol]);
  return fut;
}

/** asyncio's `connect_read_pipe` on `loop`. */
export function connectReadPipe<P extends StreamProtocol>(loop: EventLoop, factory: () => P, pipe: number | Readable): Future<[ReadTransport, P]> {
  return connectPipe(loop, 'connectReadPipe', factory, pipe, READ_PIPE);
}

/** asyncio's `connect_write_pipe` on `loop`. */
export function connectWritePipe<P extends StreamProtocol>(loop: EventLoop, factory: () => P, pipe: number | Writable): Future<[WriteTransport, P]> {
  return connectPipe(loop, 'connectWritePipe', factory, pipe, WRITE_PIPE);
}
