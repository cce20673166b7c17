import { BrokenResourceError, ClosedResourceError, EndOfChannelError, WouldBlockError } from '../errors.js';
import type { Future } from '../future.js';
import { withoutStack } from '../internal/looperrors.js';
import { ParkFuture } from '../internal/park.js';
import { describe } from '../internal/validate.js';
import { Deque, LoopBound, countPending, doneFuture, shiftPending } from '../internal/waiters.js';
import { getRunningLoop } from '../loop/registry.js';

/**
 * What a memory channel's `statistics()` reports (Trio's `MemoryChannelStatistics`). A snapshot: reading it changes nothing.
 *
 * Cancellation: not a checkpoint.
 *
 * @example
 * ```ts
 * send.statistics().currentBufferUsed; // values waiting in the buffer
 * ```
 */
export interface MemoryChannelStatistics {
  currentBufferUsed: number;
  maxBufferSize: number;
  openSendChannels: number;
  openReceiveChannels: number;
  /** Tasks blocked in `send()`. */
  tasksWaitingSend: number;
  /** Tasks blocked in `receive()`. */
  tasksWaitingReceive: number;
}

/** Marks "nothing to receive right now". */
const NOTHING: unique symbol = Symbol('nothing');

/** @internal What the ends of one channel share: the buffer, the open-end counts and the waiting tasks. */
export class ChannelState<T> extends LoopBound {
  readonly data = new Deque<T>();
  openSend = 0;
  openReceive = 0;
  readonly sendWaiters = new Deque<ChannelSend<T>>();
  readonly receiveWaiters = new Deque<ChannelReceive<T>>();
  /** Receivers handed a value whose entry has not run yet (they run in the order of their values). */
  handed = 0;
  /**
   * Values given back by receivers cancelled after a hand-off, oldest first, while receivers
   * handed later values have not run yet: each of those takes the oldest and leaves its own, so
   * values are received in the order they were sent (see `redeliver`).
   */
  carry: T[] | null = null;

  constructor(readonly maxBufferSize: number) {
    super();
  }

  statistics(): MemoryChannelStatistics {
    return {
      currentBufferUsed: this.data.length,
      maxBufferSize: this.maxBufferSize,
      openSendChannels: this.openSend,
      openReceiveChannels: this.openReceive,
      tasksWaitingSend: countPending(this.sendWaiters),
      tasksWaitingReceive: countPending(this.receiveWaiters),
    };
  }

  /** A receiver handed `value` runs: returns the value it receives (see `carry`). */
  received(value: T): T {
    this.handed--;
    const carry = this.carry;
    if (carry === null) return value;
    carry.push(value);
    const v = carry.shift()!;
    if (this.handed === 0) this.flushCarry();
    return v;
  }

  /**
   * A receiver got `value` but was cancelled before resuming: the value goes to the next waiting
   * receiver, or first in line in the buffer — after the receivers handed later values took
   * theirs in turn (see `carry`).
   */
  redeliver(value: T): void {
    this.handed--;
    (this.carry ??= []).push(value);
    if (this.handed === 0) this.flushCarry();
  }

  /** No handed receiver is left: the values given back go to waiting receivers, the rest first in the buffer. */
  private flushCarry(): void {
    const values = this.carry!;
    this.carry = null;
    if (this.openReceive === 0) return;
    let i = 0;
    for (; i < values.length; i++) {
      const rw = shiftPending(this.receiveWaiters);
      if (rw === undefined) break;
      rw._handOff(values[i]!);
    }
    for (let j = values.length - 1; j >= i; j--) this.data.unshift(values[j]!);
  }

  override toString(): string {
    return `<memory channel ${this.data.length}/${this.maxBufferSize} send ends:${this.openSend} receive ends:${this.openReceive}>`;
  }
}

/**
 * Opens a Trio memory channel: returns its send end and its receive end. Up to `maxBufferSize`
 * values wait in the buffer (0: every `send()` waits for a `receive()`, a rendezvous; `Infinity`:
 * unbounded). Ends can be cloned (`clone()`) for several producers or consumers, and closed one by
 * one: when every send end is closed, receivers drain the buffer and then get `EndOfChannelError`
 * (`for await` ends); when every receive end is closed, senders get `BrokenResourceError`.
 *
 * Cancellation: see `MemorySendChannel` and `MemoryReceiveChannel`.
 *
 * @example
 * ```ts
 * const [send, receive] = openMemoryChannel<string>(10);
 * createTask(async () => { for await (const msg of receive) console.log(msg); });
 * await send.send('hello');
 * send.close(); // the consumer's loop ends once it has read everything
 * ```
 */
export function openMemoryChannel<T>(maxBufferSize: number): [MemorySendChannel<T>, MemoryReceiveChannel<T>] {
  // The type first, then the sign, as Trio checks them (-1.5 and -Infinity are TypeErrors).
  if (typeof maxBufferSize !== 'number' || (!Number.isInteger(maxBufferSize) && maxBufferSize !== Infinity)) {
    throw new TypeError(`openMemoryChannel: maxBufferSize must be an integer or Infinity, got ${describe(maxBufferSize)}`);
  }
  if (maxBufferSize < 0) throw new RangeError(`openMemoryChannel: maxBufferSize must be >= 0, got ${maxBufferSize}`);
  const state = new ChannelState<T>(maxBufferSize);
  return [new MemorySendChannel(state), new MemoryReceiveChannel(state)];
}

/**
 * The send end of a memory channel (see `openMemoryChannel`).
 *
 * Cancellation: `send()` is a checkpoint only when it waits (buffer full, no receiver waiting). A
 * task cancelled while waiting sends nothing. If a receiver already took the value and the task is
 * cancelled before it resumes, `send()` still returns (the value was sent, as in Trio) and the
 * cancellation comes at the task's next wait.
 * A `send()` that has to wait starts waiting when first awaited: one never awaited sends nothing.
 *
 * @example
 * ```ts
 * const [send, receive] = openMemoryChannel<number>(0);
 * const producer2 = send.clone();
 * await send.send(1);        // waits for a receiver (rendezvous)
 * send.close(); producer2.close();
 * ```
 */
export class MemorySendChannel<T> {
  private _closed = false;

  /** @internal Use `openMemoryChannel()` or `clone()`. */
  constructor(private readonly _state: ChannelState<T>) {
    _state.openSend++;
  }

  /**
   * Sends `value`, waiting while the buffer is full and no receiver waits. Throws
   * `ClosedResourceError` if this end is closed and `BrokenResourceError` if every receive end is;
   * fails with them if that happens while waiting.
   *
   * Cancellation: a checkpoint only when it waits. Cancelled while waiting, nothing is sent; if a
   * receiver already took the value, `send()` still returns and the cancellation comes at the
   * task's next wait.
   *
   * @example
   * ```ts
   * await send.send(msg);
   * ```
   */
  send(value: T): Future<void> {
    // The loop first (it throws outside one); the done future only once the send went through:
    // in debug mode each is tracked, and one made for a send that throws or waits would be
    // reported as never awaited.
    const loop = getRunningLoop();
    if (this._trySend('send', value)) return doneFuture(loop, undefined);
    return new ChannelSend(this, this._state, value);
  }

  /** Sends `value` at once, or throws `WouldBlockError` (or the errors of `send`). */
  sendNowait(value: T): void {
    if (!this._trySend('sendNowait', value)) {
      throw new WouldBlockError('MemorySendChannel.sendNowait: the buffer is full and no receiver is waiting');
    }
  }

  /** Another send end of the same channel; the channel stays open until every clone is closed. */
  clone(): MemorySendChannel<T> {
    if (this._closed) throw new ClosedResourceError('MemorySendChannel.clone: this send channel is closed');
    return new MemorySendChannel(this._state);
  }

  /**
   * Closes this end (idempotent). Tasks waiting in `send()` on it fail with `ClosedResourceError`;
   * when it was the last send end, waiting receivers get `EndOfChannelError`.
   */
  close(): void {
    if (this._closed) return;
    this._closed = true;
    const st = this._state;
    const mine = st.sendWaiters.toArray().filter((w) => w._owner === this);
    st.sendWaiters.filter((w) => w._owner !== this);
    for (const w of mine) w._abort(withoutStack(ClosedResourceError, 'MemorySendChannel.send: the send channel was closed'));
    if (--st.openSend > 0) return;
    for (let rw = st.receiveWaiters.shift(); rw !== undefined; rw = st.receiveWaiters.shift()) {
      rw._abort(withoutStack(EndOfChannelError, 'MemoryReceiveChannel.receive: every send channel is closed'));
    }
  }

  /**
   * `close()`, for `using send = …` (Trio's `with send_channel:`): the end closes when the block
   * ends, however it ends.
   *
   * Cancellation: not a checkpoint (see `close()`).
   *
   * @example
   * ```ts
   * const [send, receive] = openMemoryChannel<number>(10);
   * const producer = send.clone(); // cloned now: `send` is closed below
   * createTask(async () => {
   *   using p = producer;
   *   for (let i = 0; i < 3; i++) await p.send(i);
   * }); // closed when the producer is done: the receiver's `for await` can end
   * send.close();
   * ```
   */
  [Symbol.dispose](): void {
    this.close();
  }

  /** The channel's statistics (shared by all its ends). */
  statistics(): MemoryChannelStatistics {
    return this._state.statistics();
  }

  /** `<MemorySendChannel of <memory channel 1/10 send ends:1 receive ends:1>>`: closed or not, and the shared buffer. */
  toString(): string {
    return `<MemorySendChannel${this._closed ? ' closed' : ''} of ${String(this._state)}>`;
  }

  /** True when delivered or buffered, false when it would block; throws when it never can. */
  /** @internal */
  _trySend(op: string, value: T): boolean {
    if (this._closed) throw new ClosedResourceError(`MemorySendChannel.${op}: this send channel is closed`);
    const st = this._state;
    if (st.openReceive === 0) throw new BrokenResourceError(`MemorySendChannel.${op}: every receive channel is closed`);
    const rw = st.receiveWaiters.shift();
    if (rw !== undefined) {
      rw._handOff(value);
      return true;
    }
    if (st.data.length < st.maxBufferSize) {
      st.data.push(value);
      return true;
    }
    return false;
  }
}

/**
 * The receive end of a memory channel (see `openMemoryChannel`). `for await (const v of receive)`
 * receives until every send end is closed and the buffer is drained.
 *
 * Cancellation: `receive()` is a checkpoint only when it waits. A task cancelled while waiting
 * receives nothing; one cancelled after a value was handed to it (but before it resumed) passes
 * the value on to the next receiver, or puts it back first in line, so no value is lost. A
 * `receive()` that has to wait starts waiting when first awaited (or handed to `gather`/`wait`):
 * one never awaited receives nothing.
 *
 * @example
 * ```ts
 * const [send, receive] = openMemoryChannel<Job>(100);
 * for (let i = 0; i < 4; i++) {
 *   const worker = receive.clone();
 *   createTask(async () => { for await (const job of worker) await handle(job); });
 * }
 * receive.close(); // the workers' clones keep the channel readable
 * ```
 */
export class MemoryReceiveChannel<T> implements AsyncIterable<T> {
  private _closed = false;

  /** @internal Use `openMemoryChannel()` or `clone()`. */
  constructor(private readonly _state: ChannelState<T>) {
    _state.openReceive++;
  }

  /**
   * Receives the next value, waiting while there is none. Throws `ClosedResourceError` if this end
   * is closed and `EndOfChannelError` once every send end is closed and the buffer is empty; fails
   * with them if that happens while waiting.
   *
   * Cancellation: a checkpoint only when it waits. Cancelled while waiting, nothing is received; a
   * value handed over before the task resumed goes to the next receiver (or back first in line), so
   * no value is lost.
   *
   * @example
   * ```ts
   * const msg = await receive.receive();
   * ```
   */
  receive(): Future<T> {
    const loop = getRunningLoop();
    const r = this._tryReceive('receive');
    if (r !== NOTHING) return doneFuture(loop, r);
    return new ChannelReceive(this, this._state);
  }

  /** Receives a value at once, or throws `WouldBlockError` (or the errors of `receive`). */
  receiveNowait(): T {
    const r = this._tryReceive('receiveNowait');
    if (r === NOTHING) throw new WouldBlockError('MemoryReceiveChannel.receiveNowait: no value is ready');
    return r;
  }

  /** Another receive end of the same channel. */
  clone(): MemoryReceiveChannel<T> {
    if (this._closed) throw new ClosedResourceError('MemoryReceiveChannel.clone: this receive channel is closed');
    return new MemoryReceiveChannel(this._state);
  }

  /**
   * Closes this end (idempotent). Tasks waiting in `receive()` on it fail with
   * `ClosedResourceError`; when it was the last receive end, the buffer is dropped and waiting
   * senders get `BrokenResourceError`.
   */
  close(): void {
    if (this._closed) return;
    this._closed = true;
    const st = this._state;
    const mine = st.receiveWaiters.toArray().filter((w) => w._owner === this);
    st.receiveWaiters.filter((w) => w._owner !== this);
    for (const w of mine) w._abort(withoutStack(ClosedResourceError, 'MemoryReceiveChannel.receive: the receive channel was closed'));
    if (--st.openReceive > 0) return;
    for (let sw = st.sendWaiters.shift(); sw !== undefined; sw = st.sendWaiters.shift()) {
      sw._abort(withoutStack(BrokenResourceError, 'MemorySendChannel.send: every receive channel is closed'));
    }
    st.data.clear();
  }

  /**
   * `close()`, for `using receive = …` (Trio's `with receive_channel:`): the end closes when the
   * block ends, however it ends.
   *
   * Cancellation: not a checkpoint (see `close()`).
   *
   * @example
   * ```ts
   * const [send, receive] = openMemoryChannel<string>(0);
   * {
   *   using consumer = receive;
   *   console.log(await consumer.receive());
   * } // closed: senders now get BrokenResourceError
   * ```
   */
  [Symbol.dispose](): void {
    this.close();
  }

  /** The channel's statistics (shared by all its ends). */
  statistics(): MemoryChannelStatistics {
    return this._state.statistics();
  }

  /** `for await (const v of receive)`: receives until the channel ends (`EndOfChannelError`). */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    const next = async (): Promise<IteratorResult<T, undefined>> => {
      try {
        return { done: false, value: await this.receive() };
      } catch (e) {
        if (e instanceof EndOfChannelError) return { done: true, value: undefined };
        throw e;
      }
    };
    return { next };
  }

  /** `<MemoryReceiveChannel of <memory channel 0/10 send ends:1 receive ends:1>>`: closed or not, and the shared buffer. */
  toString(): string {
    return `<MemoryReceiveChannel${this._closed ? ' closed' : ''} of ${String(this._state)}>`;
  }

  /** A value if one is ready (from the buffer or a waiting sender), NOTHING if it would block. */
  /** @internal */
  _tryReceive(op: string): T | typeof NOTHING {
    if (this._closed) throw new ClosedResourceError(`MemoryReceiveChannel.${op}: this receive channel is closed`);
    const st = this._state;
    if (st.data.length > 0) {
      const value = st.data.shift() as T;
      // A given-back value may have pushed the buffer past its size: refill only below it.
      if (st.data.length < st.maxBufferSize) {
        const sw = st.sendWaiters.shift();
        if (sw !== undefined) {
          st.data.push(sw._value_);
          sw._delivered();
        }
      }
      return value;
    }
    const sw = st.sendWaiters.shift();
    if (sw !== undefined) {
      sw._delivered();
      return sw._value_;
    }
    if (st.openSend === 0) throw new EndOfChannelError(`MemoryReceiveChannel.${op}: every send channel is closed`);
    return NOTHING;
  }
}

/**
 * A blocked `send(value)`: sends when first awaited if it can, else waits in the channel's send
 * queue until a receiver takes the value (completing it at once: the value is delivered).
 */
class ChannelSend<T> extends ParkFuture<void> {
  // Declared and assigned in the constructor, as every future's fields (test/shapes.test.ts).
  declare readonly _owner: MemorySendChannel<T>;
  private declare readonly _st: ChannelState<T>;
  declare readonly _value_: T;

  constructor(owner: MemorySendChannel<T>, st: ChannelState<T>, value: T) {
    super(st._getLoop());
    this._owner = owner;
    this._st = st;
    this._value_ = value;
  }

  protected _attempt(): boolean {
    try {
      if (!this._owner._trySend('send', this._value_)) return false;
    } catch (e) {
      this._fail(e, false);
      return true;
    }
    this._finish(undefined, false);
    return true;
  }

  protected _park(): void {
    this._st.sendWaiters.push(this);
  }

  protected _unpark(): void {
    this._st.sendWaiters.remove(this);
  }

  /** Never woken: a receiver completes a send directly. */
  protected _passOn(): void {}

  /** @internal A receiver took the value. */
  _delivered(): void {
    this._setResultNow(undefined);
  }

  /** @internal Once it finished the value is sent: a cancel pending on the sender waits. */
  override _keepsResult(): boolean {
    return this._state === 1;
  }

  /** @internal The channel ended under it (its end closed, or every receiver did). */
  _abort(error: unknown): void {
    this._fail(error, false);
  }
}

/**
 * A blocked `receive()`: receives when first awaited if a value is ready, else waits; a sender
 * hands it a value directly, which it returns in the next pass — or, cancelled before that, gives
 * back to the channel (to the next receiver, or the front of the buffer).
 */
class ChannelReceive<T> extends ParkFuture<T> {
  // Declared and assigned in the constructor, as every future's fields (test/shapes.test.ts).
  declare readonly _owner: MemoryReceiveChannel<T>;
  private declare readonly _st: ChannelState<T>;
  private declare _handed: T | undefined;

  constructor(owner: MemoryReceiveChannel<T>, st: ChannelState<T>) {
    super(st._getLoop());
    this._owner = owner;
    this._st = st;
    this._handed = undefined;
  }

  protected _attempt(resumed: boolean): boolean {
    if (resumed) {
      const v = this._st.received(this._handed as T);
      this._handed = undefined;
      this._finish(v, true);
      return true;
    }
    let r: T | typeof NOTHING;
    try {
      r = this._owner._tryReceive('receive');
    } catch (e) {
      this._fail(e, false);
      return true;
    }
    if (r === NOTHING) return false;
    this._finish(r, false);
    return true;
  }

  protected _park(): void {
    this._st.receiveWaiters.push(this);
  }

  protected _unpark(): void {
    this._st.receiveWaiters.remove(this);
  }

  /** Handed a value, then cancelled before it returned it: the value goes back to the channel. */
  protected _passOn(): void {
    const v = this._handed as T;
    this._handed = undefined;
    this._st.redeliver(v);
  }

  /** @internal A sender hands it `value` (it has left the receive queue). */
  _handOff(value: T): void {
    this._handed = value;
    this._st.handed++;
    this._wakeLater();
  }

  /** @internal The channel ended under it (its end closed, or every sender did). */
  _abort(error: unknown): void {
    this._fail(error, false);
  }
}
