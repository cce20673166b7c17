/**
 * What every asyncio transport has, whatever it is over: `BaseTransport` (closing, extra info,
 * the protocol, how protocol callbacks run and how failures end a connection) and
 * `FlowControlTransport` (the write buffer's marks and the pauseWriting/resumeWriting calls they
 * drive), with the checks of a protocol factory. The stream transport is in transport.ts, the
 * datagram one in datagram.ts, the subprocess one in subprocess/transport.ts.
 */
import { RuntimeError } from '../errors.js';
import type { Future } from '../future.js';
import { checkOpts, describe } from '../internal/validate.js';
import { alsExit } from '../internal/context.js';
import type { EventLoop } from '../loop/eventloop.js';
import { swapRunningLoop } from '../loop/registry.js';
import type { BaseProtocolLike } from './protocols.js';

/** asyncio's default high-water mark of a transport's write buffer, in bytes. */
const DEFAULT_HIGH = 64 * 1024;

/** A Node system error (`ECONNRESET`, `EPIPE` …): asyncio's OSError, which it does not report. */
function isSystemError(e: unknown): boolean {
  return e instanceof Error && typeof (e as { code?: unknown }).code === 'string' && (e as { syscall?: unknown }).syscall !== undefined;
}

const callPauseWriting = (p: BaseProtocolLike): unknown => p.pauseWriting?.();
const callResumeWriting = (p: BaseProtocolLike): unknown => p.resumeWriting?.();

/**
 * What every transport has (asyncio's `BaseTransport`): its protocol, its extra info, closing.
 *
 * Cancellation: no method waits; none is a checkpoint.
 *
 * @example
 * ```ts
 * const [transport] = await loop.createConnection(() => new Protocol(), 'example.com', 80);
 * console.log(transport.getExtraInfo('peername')); // ['93.184.215.14', 80]
 * transport.close();
 * ```
 */
export abstract class BaseTransport {
  /** @internal */ readonly _loop: EventLoop;
  /** @internal */ _protocol: BaseProtocolLike;
  /** @internal close() or abort() was called, or the connection ended. */
  _closing = false;
  /** @internal connectionLost() was scheduled (it is called once). */
  _lost = false;

  /** @internal */
  constructor(loop: EventLoop, protocol: BaseProtocolLike) {
    this._loop = loop;
    this._protocol = protocol;
  }

  /** The transport's protocol. */
  getProtocol(): BaseProtocolLike {
    return this._protocol;
  }

  /** Switches to another protocol: its methods are called from now on. */
  setProtocol(protocol: BaseProtocolLike): void {
    if (protocol === null || typeof protocol !== 'object') {
      throw new TypeError(`${this._kind()}.setProtocol: protocol must be an object with protocol methods, got ${describe(protocol)}`);
    }
    this._protocol = protocol;
  }

  /** True once `close()` or `abort()` was called or the connection ended. */
  isClosing(): boolean {
    return this._closing;
  }

  /**
   * Information about the transport by asyncio's names, or `dflt` when it has none of that name:
   * a socket's `'peername'`, `'sockname'`, `'socket'` …, a pipe's `'pipe'`, a child's `'subprocess'`.
   */
  abstract getExtraInfo(name: string, dflt?: unknown): unknown;

  /** Closes the transport (once what was written is sent); `connectionLost` follows. */
  abstract close(): void;

  /**
   * @internal Runs a protocol callback, `fn(a, b, c)`, as a plain loop callback — with the loop as the running
   * loop (Node's events come between its passes) and outside every task (the socket's events
   * come in the async context of the task that made it) — and returns its result, or the error
   * it threw.
   */
  _callProtocol<R, A, B = undefined, C = undefined>(fn: (a: A, b: B, c: C) => R, a: A, b?: B, c?: C): R | Error {
    const prev = swapRunningLoop(this._loop);
    try {
      return alsExit(fn, a, b as B, c as C);
    } catch (e) {
      return e instanceof Error ? e : new Error(String(e));
    } finally {
      swapRunningLoop(prev);
    }
  }

  /**
   * @internal Runs a protocol callback whose failure does not end the connection: an error is
   * reported to the loop's exception handler as asyncio's `protocol.<name>() failed`.
   */
  _notifyProtocol<A, B = undefined, C = undefined>(name: string, fn: (a: A, b: B, c: C) => unknown, a: A, b?: B, c?: C): void {
    const e = this._callProtocol(fn, a, b, c);
    if (e instanceof Error && !this._loop.isClosed()) {
      this._loop.callExceptionHandler({ message: `protocol.${name}() failed`, exception: e, transport: this, protocol: this._protocol });
    }
  }

  /**
   * @internal Gives `result` to `fut` in a loop callback queued after `connectionMade`'s (asyncio's
   * waiter, so the caller resumes after it); a call cancelled meanwhile closes the transport.
   */
  _handOver<R>(fut: Future<R>, result: R): void {
    this._loop.callSoon(() => {
      if (fut.done()) this.close();
      else fut.setResult(result);
    });
  }

  /**
   * @internal The connection ended (with `exc`, or normally): `connectionLost(exc)` is called
   * once, in a loop callback, as asyncio calls it.
   */
  _connectionLost(exc: Error | undefined): void {
    if (this._lost) return;
    this._lost = true;
    if (this._loop.isClosed()) return;
    this._loop.callSoon(() => this._protocol.connectionLost?.(exc));
  }

  /**
   * @internal A failure that ends the connection (asyncio's `_fatal_error`): reported to the
   * exception handler unless it is a system error (a reset, a broken pipe …), then the
   * connection is dropped and `connectionLost(exc)` follows.
   */
  _fatalError(exc: Error, message: string): void {
    if (!isSystemError(exc) && !this._loop.isClosed()) {
      this._loop.callExceptionHandler({ message, exception: exc, transport: this, protocol: this._protocol });
    }
    this._forceClose(exc);
  }

  /** @internal Drops the connection at once; `connectionLost(exc)` follows. */
  abstract _forceClose(exc: Error | undefined): void;

  /** @internal The class name for messages. */
  _kind(): string {
    return this.constructor.name;
  }
}

/**
 * A transport that writes (asyncio's `WriteTransport` flow control, its `_FlowControlMixin`):
 * the write buffer's limits, past which it calls the protocol's `pauseWriting()` (and
 * `resumeWriting()` once the buffer has drained to the low mark).
 *
 * Cancellation: no method waits; none is a checkpoint.
 *
 * @example
 * ```ts
 * transport.setWriteBufferLimits(256 * 1024); // pause the protocol past 256 KiB, resume at 64 KiB
 * ```
 */
export abstract class FlowControlTransport extends BaseTransport {
  private _high = DEFAULT_HIGH;
  private _low = DEFAULT_HIGH / 4;
  /** @internal The protocol was told to pause writing and not yet to resume. */
  _writingPaused = false;

  /** The number of bytes written and not yet handed to the system. */
  abstract getWriteBufferSize(): number;

  /**
   * The write buffer's marks, in bytes: over `high` the protocol's `pauseWriting()` is called,
   * back at `low` its `resumeWriting()`. Defaults as asyncio's: `high` 64 KiB (or 4 × `low`),
   * `low` a quarter of `high`. `RangeError` unless high >= low >= 0.
   */
  setWriteBufferLimits(high?: number, low?: number): void {
    const op = `${this._kind()}.setWriteBufferLimits`;
    for (const [name, v] of [['high', high], ['low', low]] as const) {
      if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v))) {
        throw new TypeError(`${op}: ${name} must be an integer number of bytes or undefined, got ${describe(v)}`);
      }
    }
    const h = high ?? (low === undefined ? DEFAULT_HIGH : 4 * low);
    const l = low ?? Math.floor(h / 4);
    if (!(h >= l && l >= 0)) throw new RangeError(`${op}: high (${h}) must be >= low (${l}) must be >= 0`);
    this._high = h;
    this._low = l;
    this._maybePauseProtocol();
  }

  /** The write buffer's marks as `[low, high]` (asyncio's order). */
  getWriteBufferLimits(): [number, number] {
    return [this._low, this._high];
  }

  /** @internal After a write: over the high mark, the protocol is told to pause (once). */
  _maybePauseProtocol(): void {
    if (this._writingPaused || this.getWriteBufferSize() <= this._high) return;
    this._writingPaused = true;
    this._notifyProtocol('pauseWriting', callPauseWriting, this._protocol);
  }

  /** @internal After bytes were sent: back at the low mark, the protocol is told to resume. */
  _maybeResumeProtocol(): void {
    if (!this._writingPaused || this.getWriteBufferSize() > this._low) return;
    this._writingPaused = false;
    this._notifyProtocol('resumeWriting', callResumeWriting, this._protocol);
  }
}

/** @internal A protocol factory's product, checked to be an object. */
export function makeProtocol<P>(op: string, factory: () => P): P {
  const p = factory();
  if (p === null || typeof p !== 'object') {
    throw new TypeError(`${op}: protocolFactory must return a protocol object, got ${describe(p)}`);
  }
  return p;
}

/** @internal The `protocolFactory` argument and the options object, checked. */
export function checkFactory(op: string, factory: unknown, opts: unknown): void {
  if (typeof factory !== 'function') throw new TypeError(`${op}: protocolFactory must be a function returning a protocol, got ${describe(factory)}`);
  checkOpts(op, opts);
}
