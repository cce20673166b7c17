/**
 * A first-in first-out queue on a chain of fixed-size chunks: the event loop's ready queue.
 *
 * Why chunks and not one growable array: V8 grows a large array by copying it into a new one, and
 * every copy of an array that holds young objects is recorded slot by slot for the next
 * scavenge. Filling a fresh array with 100,000 new entries costs about ten times as much as
 * filling one that has already grown (measured: 37 ms against 4 ms for three passes of 100,000),
 * and a fresh loop (every `run()`) or a burst bigger than any before pays it. Chunks are small
 * young objects that are never copied, as Python's `collections.deque` keeps its blocks. A queue
 * that stays within one chunk reuses it for ever; emptied chunks past the first few go to the
 * garbage collector, so a burst does not pin its peak size.
 */

/** Entries per chunk: 4 KiB of pointers, a regular young object. */
const CHUNK = 512;
/** Emptied chunks kept for reuse (beyond the one being written). */
const KEEP = 4;

class Chunk<T> {
  readonly items = new Array<T | undefined>(CHUNK);
  next: Chunk<T> | null = null;
}

/** A FIFO of entries: `push` at the back, `peek`/`drop` at the front. */
export class Fifo<T> {
  /** Entries queued and not yet dropped. */
  length = 0;
  private _read: Chunk<T> = new Chunk<T>();
  private _r = 0;
  private _write: Chunk<T> = this._read;
  private _w = 0;
  private _free: Chunk<T> | null = null;
  private _freeCount = 0;

  push(x: T): void {
    if (this._w === CHUNK) this._nextChunk();
    this._write.items[this._w++] = x;
    this.length++;
  }

  /** The front entry; the caller checks `length > 0` first. */
  peek(): T {
    if (this._r === CHUNK) this._advance();
    return this._read.items[this._r] as T;
  }

  /** Removes the front entry (the one `peek` returned). */
  drop(): void {
    this._read.items[this._r++] = undefined;
    if (--this.length === 0) this._r = this._w = 0; // (then the read chunk is the write chunk)
  }

  /** Empties the queue (its entries are let go). */
  clear(): void {
    this._read = this._write = new Chunk<T>();
    this._r = this._w = 0;
    this._free = null;
    this._freeCount = 0;
    this.length = 0;
  }

  private _nextChunk(): void {
    let c = this._free;
    if (c !== null) {
      this._free = c.next;
      c.next = null;
      this._freeCount--;
    } else c = new Chunk<T>();
    this._write.next = c;
    this._write = c;
    this._w = 0;
  }

  /** The read chunk is used up: go on to the next one and keep the old one for reuse. */
  private _advance(): void {
    const old = this._read;
    this._read = old.next!;
    this._r = 0;
    old.next = null;
    if (this._freeCount < KEEP) {
      old.next = this._free;
      this._free = old;
      this._freeCount++;
    }
  }
}
