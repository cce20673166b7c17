/**
 * @internal asyncio's `loop.sendfile` (its fallback, the only way on Node: read a chunk, write
 * it, wait while the transport's buffer is over its high mark). The loop's method of this name
 * (loop/transports.ts) calls this.
 */
import { read } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { ConnectionResetError, RuntimeError } from '../errors.js';
import type { Future } from '../future.js';
import { describe } from '../internal/validate.js';
import type { EventLoop } from '../loop/eventloop.js';
import type { BaseProtocolLike } from './protocols.js';
import { BaseTransport } from './basetransport.js';
import { Transport } from './transport.js';

/** The most read and written at a time, in bytes. */
const CHUNK = 64 * 1024;

/** The file as a descriptor: an fd, or a `fs/promises` FileHandle's. */
function fdOf(op: string, file: unknown): number {
  if (typeof file === 'number' && Number.isInteger(file) && file >= 0) return file;
  const fd = (file as FileHandle | null)?.fd;
  if (typeof fd === 'number' && fd >= 0) return fd;
  throw new TypeError(`${op}: file must be an open file descriptor or a FileHandle, got ${describe(file)}`);
}

/** asyncio's `sendfile` on `loop`. */
export function sendfile(loop: EventLoop, transport: Transport, file: number | FileHandle, offset: number, count: number | undefined): Future<number> {
  const op = 'sendfile';
  if (!(transport instanceof BaseTransport)) throw new TypeError(`${op}: transport must be a Transport, got ${describe(transport)}`);
  if (!(transport instanceof Transport) || !transport._isSocket()) {
    throw new RuntimeError(`${op}: sendfile is not supported for transport ${transport}`); // asyncio's: UDP, pipes, children
  }
  const fd = fdOf(op, file);
  if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0) throw new RangeError(`${op}: offset must be a non-negative integer, got ${describe(offset)}`);
  if (count !== undefined && (typeof count !== 'number' || !Number.isInteger(count) || count < 0)) {
    throw new RangeError(`${op}: count must be an integer >= 0 (0: to the end of the file), got ${describe(count)}`);
  }
  if (count === 0) count = undefined; // asyncio's fallback: a count of 0 is the whole file
  if (transport.isClosing()) throw new RuntimeError(`${op}: the transport is closing (${transport})`);
  if (transport._sending) throw new RuntimeError(`${op}: another sendfile is in progress on ${transport}`);
  const fut = loop.createFuture<number>();
  const buf = Buffer.allocUnsafe(Math.min(count ?? CHUNK, CHUNK));
  const proto = transport.getProtocol();
  const wasReading = transport.isReading();
  const wasPaused = transport._writingPaused;
  let sent = 0;
  let waiting = false; // for resumeWriting before the next chunk
  let over = false;
  let reading = false; // a read of the file is in flight
  let lost: Error | null = null; // the connection ended (its error, or the peer's close)
  // While the file goes out, the transport's events come here (asyncio's _SendfileFallbackProtocol):
  // reading is paused, the write-side flow control paces the chunks, a lost connection ends it.
  const stand: BaseProtocolLike = {
    resumeWriting: () => {
      if (waiting) step();
    },
    connectionLost: (exc) => {
      lost = exc ?? new ConnectionResetError(`${op}: the connection was closed by the peer`);
      // A read in flight decides: at the end of the file every byte went out, and the call
      // returns the count, as asyncio's loop does (a peer that closes once it has every byte).
      if (!reading) finish(lost);
      proto.connectionLost?.(exc); // the protocol still hears of the end of its connection
    },
  };
  const finish = (e?: unknown): void => {
    if (over) return;
    over = true;
    transport._sending = false;
    transport.setProtocol(proto);
    if (wasReading) transport.resumeReading();
    if (wasPaused && lost === null) proto.resumeWriting?.(); // (never after connectionLost)
    if (fut.done() || loop.isClosed()) return;
    if (e === undefined) fut.setResult(sent);
    else fut.setException(e);
  };
  const step = (): void => {
    waiting = false;
    if (over) return;
    if (fut.done()) return finish(); // cancelled: what was written stays written
    if (transport.isClosing()) return finish(new ConnectionResetError(`${op}: the connection was closed by the peer`));
    if (transport._writingPaused) {
      waiting = true;
      return;
    }
    const n = count === undefined ? buf.length : Math.min(buf.length, count - sent);
    if (n <= 0) return finish();
    reading = true;
    read(fd, buf, 0, n, offset + sent, (e, got) => {
      reading = false;
      if (over) return;
      if (e !== null) return finish(e);
      if (got === 0) return finish();
      if (lost !== null) return finish(lost);
      if (fut.done()) return finish();
      transport._writeNow(Buffer.from(buf.subarray(0, got))); // a copy: buf is reused for the next read
      sent += got;
      step();
    });
  };
  transport._sending = true; // a write() meanwhile would mix its bytes into the file's
  transport.pauseReading();
  transport.setProtocol(stand);
  // A cancelled call restores the protocol before its caller resumes (asyncio's `finally:
  // await proto.restore()`); a read still in flight then finds the call over and writes nothing.
  fut.addDoneCallback((f) => {
    if (f.cancelled()) finish();
  });
  step();
  return fut;
}
