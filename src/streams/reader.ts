import { IncompleteReadError, LimitOverrunError, RuntimeError } from '../errors.js';
import { Future } from '../future.js';
import { ParkFuture } from '../internal/park.js';
import { checkKnown, checkOpts, describe } from '../internal/validate.js';
import type { EventLoop } from '../loop/eventloop.js';
import { getRunningLoop } from '../loop/registry.js';

/**
 * asyncio's `_DEFAULT_LIMIT`: the buffer limit of a reader, 64 KiB.
 *
 * Cancellation: a value, not a call.
 *
 * @example
 * ```ts
 * const [reader] = await openConnection(host, port, { limit: 4 * DEFAULT_LIMIT }); // lines up to 256 KiB
 * ```
 */
export const DEFAULT_LIMIT = 65536;

/** What a reader's transport offers it: flow control of the incoming bytes. */
export interface ReadFlow {
  pauseReading(): void;
  resumeReading(): void;
}

/** Options of `new StreamReader()` (and of `openConnection`/`startServer`). */
export interface StreamReaderOptions {
  /** The buffer limit in bytes (default `DEFAULT_LIMIT`): `readuntil` fails past it, and the transport pauses at twice it. */
  limit?: number;
}

/** Bytes accepted where a stream takes data: a Uint8Array (a Buffer) or a string, sent as UTF-8. */
export type BytesLike = Uint8Array | string;

const EMPTY = Buffer.alloc(0);

/** `data` as a Buffer (no copy for a Buffer); `op`/`arg` name the call in the TypeError. */
export function toBytes(op: string, arg: string, data: unknown): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (Buffer.isBuffer(data)) return data;
  if (data instanceof Uint8Array) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  throw new TypeError(`${op}: ${arg} must be a Uint8Array, a Buffer or a string, got ${describe(data)}`);
}

/** The `limit` option, checked. */
export function checkLimit(op: string, opts: StreamReaderOptions | undefined): number {
  if (opts === undefined) return DEFAULT_LIMIT;
  checkOpts(op, opts);
  const v = opts.limit === undefined ? DEFAULT_LIMIT : opts.limit;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new TypeError(`${op}: limit must be a positive integer (bytes), got ${describe(v)}`);
  if (v <= 0) throw new RangeError(`${op}: limit must be > 0 (bytes), got ${v}`);
  return v;
}

const READ = 0;
const READ_ALL = 1;
const EXACTLY = 2;
const UNTIL = 3;
const LINE = 4;
const NAMES = ['read', 'read', 'readexactly', 'readuntil', 'readline'];

/**
 * One blocking read: a park future (see internal/park.ts) whose attempt is the read itself, run
 * when first awaited and again each time data arrives. Bytes stay in the reader's buffer until
 * the attempt that returns them, so a read cancelled while it waits (or after its wake-up) takes
 * nothing.
 */
class ReadFuture extends ParkFuture<Buffer> {
  // Declared and assigned in the constructor, as every future's fields (test/shapes.test.ts).
  protected declare readonly _reader: StreamReader;
  private declare readonly _op: number;
  private declare readonly _n: number;
  private declare readonly _seps: readonly Buffer[];
  /** For UNTIL/LINE: where the next search starts (bytes already searched, minus a separator's tail). */
  private declare _offset: number;

  constructor(loop: EventLoop, reader: StreamReader, op: number, n: number, seps: readonly Buffer[]) {
    super(loop);
    this._reader = reader;
    this._op = op;
    this._n = n;
    this._seps = seps;
    this._offset = 0;
  }

  protected _attempt(resumed: boolean): boolean {
    const r = this._reader;
    const out = this._tryRead();
    if (out === null) {
      const w = r._waiter;
      if (w !== null && w !== this) {
        throw new RuntimeError(`StreamReader.${NAMES[this._op]}: called while another task is already waiting for incoming data`);
      }
      return false;
    }
    if (r._waiter === this) r._waiter = null;
    r._maybeResume();
    this._finish(out, resumed);
    return true;
  }

  /** The read's result, or null to wait for more data; throws the read's error. */
  private _tryRead(): Buffer | null {
    const r = this._reader;
    if (r._exception !== undefined) throw r._exception;
    switch (this._op) {
      case READ:
        if (r._length() === 0 && !r._eof) return null;
        return r._take(Math.min(this._n, r._length()));
      case READ_ALL:
        // Until EOF, with the transport kept reading (the buffer may grow past the limit).
        if (!r._eof) {
          r._maybeResume(true);
          return null;
        }
        return r._take(r._length());
      case EXACTLY:
        if (r._length() >= this._n) return r._take(this._n);
        if (r._eof) {
          const partial = r._take(r._length());
          throw new IncompleteReadError(partial, this._n);
        }
        return null;
      default:
        return this._until();
    }
  }

  /** `readuntil`'s search (CPython 3.13 `StreamReader.readuntil`), in the buffer as it is now. */
  private _until(): Buffer | null {
    const r = this._reader;
    const seps = this._seps;
    let minLen = seps[0]!.length;
    let maxLen = minLen;
    for (const s of seps) {
      if (s.length < minLen) minLen = s.length;
      if (s.length > maxLen) maxLen = s.length;
    }
    const len = r._length();
    if (len - this._offset >= minLen) {
      // The match that ends first wins (the shortest chunk), as 3.13's loop over separators.
      let end = -1;
      let found = -1;
      for (const s of seps) {
        const i = r._indexOf(s, this._offset);
        if (i !== -1 && (end === -1 || i + s.length < end)) {
          end = i + s.length;
          found = i;
        }
      }
      if (found !== -1) {
        if (found > r._limit) throw new LimitOverrunError('Separator is found, but chunk is longer than limit', found);
        return r._take(end);
      }
      this._offset = Math.max(0, len + 1 - maxLen);
      if (this._offset > r._limit) throw new LimitOverrunError('Separator is not found, and chunk exceed the limit', this._offset);
    }
    if (r._eof) {
      const chunk = r._take(len);
      throw new IncompleteReadError(chunk, null);
    }
    return null;
  }

  protected _park(): void {
    this._reader._waiter = this;
    this._reader._maybeResume(true);
  }

  protected _unpark(): void {
    if (this._reader._waiter === this) this._reader._waiter = null;
  }

  protected _passOn(): void {
    this._unpark(); // the reader wakes one read at a time: nothing to hand on
  }
}

/** `readline`: `readuntil('\n')`, with asyncio's handling of its two errors. */
class LineFuture extends ReadFuture {
  protected override _attempt(resumed: boolean): boolean {
    try {
      return super._attempt(resumed);
    } catch (e) {
      const r = this._reader;
      if (e instanceof IncompleteReadError) {
        if (r._waiter === this) r._waiter = null;
        this._finish(e.partial as Buffer, resumed);
        return true;
      }
      if (e instanceof LimitOverrunError) {
        // asyncio's ValueError, with the LimitOverrunError's message.
        r._take(r._byteAt(e.consumed) === 0x0a ? e.consumed + 1 : r._length());
        r._maybeResume();
        throw new RangeError(e.message);
      }
      throw e;
    }
  }
}

const NEWLINE = Buffer.from('\n');

/** An error as the repr shows it: `RangeError('bad')`, as Python's repr of an exception. */
function describeError(e: unknown): string {
  return e instanceof Error ? `${e.name}(${JSON.stringify(e.message)})` : String(e);
}

/**
 * The reading end of a byte stream (asyncio's `StreamReader`): a buffer that its transport fills
 * (`feedData`, `feedEof`, `setException`) and that tasks read from with `read`, `readline`,
 * `readexactly` and `readuntil`, or line by line with `for await`. One task reads at a time: a
 * second read while one waits throws `RuntimeError`. Bytes come out as Buffers.
 *
 * `readuntil` holds at most `limit` bytes before the separator (`LimitOverrunError` beyond), and a
 * connected reader pauses its transport once more than twice `limit` bytes are buffered, resuming
 * it when a read brings the buffer down to `limit`.
 *
 * Cancellation: every read is a checkpoint only when it waits for data. A read does nothing until
 * it is awaited (or `yield*`-ed, or handed to `gather`/`wait`), and takes its bytes from the buffer
 * only when it returns: a cancelled read — cancelled while it waits, or right after the data
 * arrived — takes nothing, and the next read finds every byte.
 *
 * @example
 * ```ts
 * const reader = new StreamReader();
 * reader.feedData('hello\nwor');
 * reader.feedData('ld\n');
 * reader.feedEof();
 * await reader.readline(); // <Buffer 'hello\n'>
 * for await (const line of reader) console.log(line.toString()); // 'world\n'
 * ```
 */
export class StreamReader {
  /** @internal */ readonly _limit: number;
  /** @internal */ _eof = false;
  /** @internal */ _exception: unknown = undefined;
  /** @internal The read parked for data (asyncio's `_waiter`). */
  _waiter: ReadFuture | null = null;
  /** @internal Set by a connection: pauses and resumes its socket. */
  _flow: ReadFlow | null = null;
  private _paused = false;
  private _buf: Buffer = EMPTY;
  private _start = 0;
  private _end = 0;

  constructor(opts?: StreamReaderOptions) {
    this._limit = checkLimit('StreamReader', opts);
    if (opts !== undefined) checkKnown('StreamReader', opts, ['limit']);
  }

  /** The buffer limit in bytes. */
  get limit(): number {
    return this._limit;
  }

  /** How many bytes are buffered (read from the transport, not yet by a task). */
  bufferedLength(): number {
    return this._end - this._start;
  }

  /** The error set with `setException` (every later read throws it), or undefined. */
  exception(): unknown {
    return this._exception;
  }

  /** Makes the waiting read, and every later one, throw `e`. */
  setException(e: unknown): void {
    this._exception = e;
    this._wake();
  }

  /** True once the end of the stream was fed and every byte was read. */
  atEof(): boolean {
    return this._eof && this._end === this._start;
  }

  /** Appends bytes to the buffer and wakes the waiting read (for transports and tests). */
  feedData(data: BytesLike): void {
    if (this._eof) throw new RuntimeError('StreamReader.feedData: called after feedEof()');
    const b = toBytes('StreamReader.feedData', 'data', data);
    if (b.length === 0) return;
    this._append(b);
    this._wake();
    if (this._flow !== null && !this._paused && this._length() > 2 * this._limit) {
      this._paused = true;
      this._flow.pauseReading();
    }
  }

  /** Marks the end of the stream: reads return what is left, then empty Buffers. */
  feedEof(): void {
    this._eof = true;
    this._wake();
  }

  /**
   * Up to `n` bytes (`n = -1`, the default: everything until the end of the stream). Waits only
   * when the buffer is empty; at the end of the stream returns an empty Buffer.
   *
   * Cancellation: a checkpoint when it waits; a cancelled read takes nothing.
   *
   * @example
   * ```ts
   * const chunk = await reader.read(4096);
   * if (chunk.length === 0) return; // end of the stream
   * ```
   */
  read(n = -1): Future<Buffer> {
    if (typeof n !== 'number' || !Number.isInteger(n)) throw new TypeError(`StreamReader.read: n must be an integer (-1: until EOF), got ${describe(n)}`);
    if (n === 0) return this._done(EMPTY);
    return this._op(n < 0 ? READ_ALL : READ, n, []);
  }

  /**
   * One line, `\n` included; at the end of the stream the last, partial line (an empty Buffer
   * once everything was read). A line longer than `limit` throws `RangeError` and is dropped
   * (the part in the buffer, or the whole buffer if its end is not there yet).
   *
   * Cancellation: a checkpoint when it waits; a cancelled read takes nothing.
   *
   * @example
   * ```ts
   * const line = (await reader.readline()).toString('utf8');
   * ```
   */
  readline(): Future<Buffer> {
    return new LineFuture(getRunningLoop(), this, LINE, 0, [NEWLINE]);
  }

  /**
   * Exactly `n` bytes; at the end of the stream before that, `IncompleteReadError` with the
   * bytes that were there (`partial`), which leave the buffer.
   *
   * Cancellation: a checkpoint when it waits; a cancelled read takes nothing.
   *
   * @example
   * ```ts
   * const header = await reader.readexactly(4);
   * const body = await reader.readexactly(header.readUInt32BE(0));
   * ```
   */
  readexactly(n: number): Future<Buffer> {
    if (typeof n !== 'number' || !Number.isInteger(n)) throw new TypeError(`StreamReader.readexactly: n must be an integer, got ${describe(n)}`);
    if (n < 0) throw new RangeError(`StreamReader.readexactly: n must be >= 0, got ${n}`);
    if (n === 0) return this._done(EMPTY);
    return this._op(EXACTLY, n, []);
  }

  /**
   * The bytes up to and including `separator` (default `'\n'`; an array: any of them, the match
   * that ends first wins). Past `limit` bytes without it: `LimitOverrunError` (the bytes stay);
   * at the end of the stream without it: `IncompleteReadError` with the rest (which leaves).
   *
   * Cancellation: a checkpoint when it waits; a cancelled read takes nothing.
   *
   * @example
   * ```ts
   * const head = await reader.readuntil('\r\n\r\n');
   * ```
   */
  readuntil(separator: BytesLike | readonly BytesLike[] = NEWLINE): Future<Buffer> {
    const op = 'StreamReader.readuntil';
    const list = Array.isArray(separator) ? (separator as readonly BytesLike[]) : [separator as BytesLike];
    if (list.length === 0) throw new RangeError(`${op}: separator must not be an empty array`);
    const seps = list.map((s, i) => {
      const b = toBytes(op, list.length === 1 && !Array.isArray(separator) ? 'separator' : `separator[${i}]`, s);
      if (b.length === 0) throw new RangeError(`${op}: separator must not be empty`);
      return b;
    });
    return this._op(UNTIL, 0, seps);
  }

  /** `for await (const line of reader)`: `readline()` until it returns an empty Buffer. */
  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer, void, undefined> {
    for (;;) {
      const line = await this.readline();
      if (line.length === 0) return;
      yield line;
    }
  }

  /** The read's future (it starts when first used). */
  private _op(op: number, n: number, seps: readonly Buffer[]): Future<Buffer> {
    return new ReadFuture(getRunningLoop(), this, op, n, seps);
  }

  private _done(b: Buffer): Future<Buffer> {
    const f = getRunningLoop().createFuture<Buffer>();
    if (this._exception !== undefined) f.setException(this._exception);
    else f.setResult(b);
    return f;
  }

  private _wake(): void {
    const w = this._waiter;
    if (w !== null && w._parked()) {
      this._waiter = null;
      w._wakeLater();
    }
  }

  /** @internal Bytes in the buffer. */
  _length(): number {
    return this._end - this._start;
  }

  /** @internal The byte at `i` (relative to the buffer's start), or -1 past its end. */
  _byteAt(i: number): number {
    return i < this._end - this._start ? this._buf[this._start + i]! : -1;
  }

  /** @internal Where `sep` starts at or after `from` (relative to the buffer's start), or -1. */
  _indexOf(sep: Buffer, from: number): number {
    return this._buf.subarray(this._start, this._end).indexOf(sep, from);
  }

  /** @internal Takes the first `n` bytes out of the buffer, as a Buffer of their own. */
  _take(n: number): Buffer {
    if (n === 0) return EMPTY;
    const out = Buffer.allocUnsafe(n);
    this._buf.copy(out, 0, this._start, this._start + n);
    this._start += n;
    if (this._start === this._end) this._start = this._end = 0;
    return out;
  }

  /**
   * asyncio's repr: `<StreamReader 12 bytes eof limit=1024 waiter=<…> exception=… transport=<…> paused>`,
   * each part only when it applies (`<StreamReader>` for a new reader).
   */
  toString(): string {
    const info = ['StreamReader'];
    if (this._length() > 0) info.push(`${this._length()} bytes`);
    if (this._eof) info.push('eof');
    if (this._limit !== DEFAULT_LIMIT) info.push(`limit=${this._limit}`);
    if (this._waiter !== null) info.push(`waiter=${String(this._waiter)}`);
    if (this._exception !== undefined) info.push(`exception=${describeError(this._exception)}`);
    if (this._flow !== null) info.push(`transport=${String(this._flow)}`);
    if (this._paused) info.push('paused');
    return `<${info.join(' ')}>`;
  }

  /** @internal Resumes a paused transport once the buffer is back to `limit` (or always: `force`). */
  _maybeResume(force = false): void {
    if (this._paused && (force || this._length() <= this._limit)) {
      this._paused = false;
      this._flow?.resumeReading();
    }
  }

  private _append(b: Buffer): void {
    const len = this._end - this._start;
    if (this._end + b.length > this._buf.length) {
      if (len + b.length <= this._buf.length >>> 1 && this._buf.length > 0) {
        // Room enough once the read bytes are dropped: move the rest to the front.
        this._buf.copy(this._buf, 0, this._start, this._end);
      } else {
        const grown = Buffer.allocUnsafe(Math.max(2 * (len + b.length), 1024));
        this._buf.copy(grown, 0, this._start, this._end);
        this._buf = grown;
      }
      this._start = 0;
      this._end = len;
    }
    b.copy(this._buf, this._end);
    this._end += b.length;
  }
}

export interface StreamReader {
  /** `readexactly`, in TypeScript's casing. */
  readExactly(n: number): Future<Buffer>;
  /** `readuntil`, in TypeScript's casing. */
  readUntil(separator?: BytesLike | readonly BytesLike[]): Future<Buffer>;
}
StreamReader.prototype.readExactly = StreamReader.prototype.readexactly;
StreamReader.prototype.readUntil = StreamReader.prototype.readuntil;
