/**
 * Trio's `Sequencer` (`trio.testing.Sequencer`): forces tasks through numbered steps in order,
 * so that a race test is written as explicit steps instead of sleeps.
 */
import { CancelledError, RuntimeError } from '../errors.js';
import type { Future } from '../future.js';
import { InlineFuture, callBody, type Mode } from '../internal/inline.js';
import { describe } from '../internal/validate.js';
import { getRunningLoop } from '../loop/registry.js';
import { Event } from '../sync/event.js';
import type { Coroutine } from '../task.js';

/**
 * A turn taken with `Sequencer.step(n)`: the next position may enter once `end()` is called.
 *
 * Cancellation: `end()` does not wait.
 *
 * @example
 * ```ts
 * const turn = await seq.step(0);
 * try { await doFirstThing(); } finally { turn.end(); }
 * ```
 */
export class SequencerTurn {
  private _ended = false;

  /** @internal */
  constructor(
    /** The position this turn holds. */
    readonly position: number,
    private readonly _onEnd: () => void,
  ) {}

  /** Ends the turn, letting position `position + 1` enter. Idempotent. */
  end(): void {
    if (this._ended) return;
    this._ended = true;
    this._onEnd();
  }

  /** True once `end()` was called. */
  ended(): boolean {
    return this._ended;
  }

  /** `<SequencerTurn 2 ended>`: its position, and whether `end()` was called. */
  toString(): string {
    return `<SequencerTurn ${this.position}${this._ended ? ' ended' : ''}>`;
  }
}

/**
 * Forces tasks to pass numbered points in order 0, 1, 2 … (Trio's `Sequencer`): whichever task
 * asks for position `n` waits until position `n - 1` has finished. Each position is used once.
 *
 * Two ways to hold a position, in both coroutine styles:
 * - `seq.run(n, body)` — Trio's `async with seq(n):` — runs `body` inside the calling task once
 *   it is `n`'s turn, and passes the turn on when `body` ends (returns, throws or is cancelled);
 * - `seq.step(n)` resolves to a `SequencerTurn` once it is `n`'s turn; `turn.end()` passes it on.
 *
 * Cancellation: waiting for a turn is a checkpoint. A task cancelled while waiting gets its
 * `CancelledError` (tulip keeps cancellations, where Trio raises `RuntimeError`), and the
 * sequence is then broken: every other waiting or later position fails with
 * `RuntimeError('Sequencer: the sequence is broken …')`. A task cancelled after its turn came but
 * before it resumed gets its `CancelledError` inside the turn, which passes on: nothing breaks.
 *
 * @example
 * ```ts
 * const seq = new Sequencer();
 * await new TaskGroup().run((tg) => {
 *   tg.createTask(async () => { await seq.run(1, async () => log.push('b')); });
 *   tg.createTask(function* () { yield* seq.run(0, function* () { log.push('a'); }); });
 *   tg.createTask(async () => { const t = await seq.step(2); log.push('c'); t.end(); });
 * }); // log: ['a', 'b', 'c']
 * ```
 */
export class Sequencer {
  private readonly _points = new Map<number, Event>();
  private readonly _claimed = new Set<number>();
  private _broken = false;

  /**
   * Runs `body` inside the calling task once it is `position`'s turn, then lets `position + 1`
   * enter. Throws `RuntimeError` at once if `position` was used already or the sequence is broken.
   *
   * Cancellation: waiting for the turn is a checkpoint; a task cancelled while waiting breaks the
   * sequence (every other position then fails with `RuntimeError`), one cancelled once its turn
   * came passes the turn on. The turn ends when the body returns, throws or is cancelled.
   *
   * @example
   * ```ts
   * await seq.run(1, async () => { await secondThing(); });
   * ```
   */
  run<T>(position: number, body: () => Coroutine<T> | PromiseLike<T> | T): Future<T> {
    if (typeof body !== 'function') throw new TypeError(`Sequencer.run: body must be a function, got ${describe(body)}`);
    this._claim('Sequencer.run', position);
    return new InlineFuture<T>(getRunningLoop(), (mode) => this._scope(position, body, mode), 'Sequencer.run()');
  }

  /**
   * Waits for `position`'s turn and resolves to a `SequencerTurn`; the next position enters once
   * `turn.end()` is called. Throws `RuntimeError` at once if `position` was used already or the
   * sequence is broken.
   *
   * Cancellation: waiting for the turn is a checkpoint; a task cancelled while waiting breaks the
   * sequence, one cancelled once its turn came passes the turn on.
   *
   * @example
   * ```ts
   * const turn = await seq.step(0);
   * try { await firstThing(); } finally { turn.end(); }
   * ```
   */
  step(position: number): Future<SequencerTurn> {
    this._claim('Sequencer.step', position);
    return new InlineFuture<SequencerTurn>(getRunningLoop(), () => this._stepCoro(position), 'Sequencer.step()');
  }

  /** True once a task was cancelled while waiting for its turn. */
  broken(): boolean {
    return this._broken;
  }

  /** `<Sequencer used=[0,1]>`: the positions claimed so far, and `broken` once a waiter was cancelled. */
  toString(): string {
    return `<Sequencer used=[${[...this._claimed].sort((a, b) => a - b).join(',')}]${this._broken ? ' broken' : ''}>`;
  }

  private _claim(op: string, position: unknown): void {
    if (typeof position !== 'number') throw new TypeError(`${op}: position must be an integer, got ${describe(position)}`);
    if (!Number.isInteger(position) || position < 0) {
      throw new RangeError(`${op}: position must be an integer >= 0, got ${position}`);
    }
    if (this._claimed.has(position)) throw new RuntimeError(`${op}: sequence point ${position} was already used`);
    if (this._broken) throw new RuntimeError(`${op}: the sequence is broken (a task was cancelled while waiting for its turn)`);
    this._claimed.add(position);
  }

  private _event(position: number): Event {
    let ev = this._points.get(position);
    if (ev === undefined) this._points.set(position, (ev = new Event()));
    return ev;
  }

  /** Waits for `position`'s turn. */
  private *_enter(position: number): Coroutine<void> {
    if (position === 0) return;
    try {
      yield* this._event(position).wait();
    } catch (e) {
      if (e instanceof CancelledError) {
        if (!this._broken && this._event(position).isSet()) {
          // Its turn had come (the cancel came between the wake-up and the resumption): as in
          // Trio, the cancel lands inside the turn, which passes on; the sequence holds.
          this._leave(position);
        } else {
          this._broken = true;
          for (const ev of this._points.values()) ev.set();
        }
      }
      throw e;
    }
    if (this._broken) {
      throw new RuntimeError(`Sequencer: the sequence is broken (a task was cancelled while waiting for its turn); position ${position} cannot run`);
    }
  }

  /** Lets `position + 1` enter. */
  private _leave(position: number): void {
    this._event(position + 1).set();
  }

  private *_scope<T>(position: number, body: () => Coroutine<T> | PromiseLike<T> | T, mode: Mode): Coroutine<T> {
    yield* this._enter(position);
    try {
      return yield* callBody(body, undefined, mode);
    } finally {
      this._leave(position);
    }
  }

  private *_stepCoro(position: number): Coroutine<SequencerTurn> {
    yield* this._enter(position);
    return new SequencerTurn(position, () => this._leave(position));
  }
}
