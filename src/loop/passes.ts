/**
 * The event loop's pass machinery, under the public API of `EventLoop` (eventloop.ts): the ready
 * queue run in snapshot passes, bursts of passes per host wake-up (`setImmediate`), the yields that
 * let async continuations reach their next wait between entries, the timer heap with one host
 * timer for the earliest deadline, idling (virtual-time jumps, `waitAllTasksBlocked`), and the
 * stall monitor's clock reads. `EventLoop` is its only subclass.
 */
import type { Future } from '../future.js';
import { alsFrames, ctx, runBurst, type RunContext } from '../internal/context.js';
import { Fifo } from '../internal/fifo.js';
import { MinHeap } from '../internal/heap.js';
import { type Task, alsExit } from '../task.js';
import type { Clock } from './clock.js';
import type { Runnable, TimerEntry } from './handle.js';
import { callInstruments } from './instruments.js';
import { releaseProcess } from './keepalive.js';
import { setLoopStarted, setRunningLoop } from './registry.js';
import { LoopTasks } from './livetasks.js';

const RESOLVED = Promise.resolve();
/**
 * The microtasks a quick yield waits through for async code to reach its next wait, before it
 * waits for the whole queue instead (see `_drainBound`). `await q.put(x); await q.get()` takes
 * five. Each extra hop is a promise, which on Node 20 (async hooks on once a function-body task
 * ran) costs about what the whole-queue wait does: there only the hop the yield makes anyway.
 */
const QUICK_HOPS = alsFrames ? 6 : 1;
/** Host time a burst of synchronous passes may take before the loop yields to Node's I/O. */
const BURST_MS = 8;
/** The longest delay Node's setTimeout honours (about 24.8 days). */
const MAX_HOST_DELAY = 2 ** 31 - 1;
/**
 * A timer due less than this many ms from now runs now: asyncio's `clock_resolution` (1 ns), so
 * a frozen `MockClock` runs a timer a rounding error ahead instead of waiting forever.
 */
const CLOCK_RESOLUTION_MS = 1e-6;
/** Fine mode: how many of the async tasks resumed between two yields are kept to be named in a stall. */
const RESUMED_KEPT = 10;
/** Purge cancelled timers when more than this many sit in the heap and they are over half of it. */
const MIN_CANCELLED_TIMERS = 100;

/** @internal See the module doc; the public API is `EventLoop`'s. */
export abstract class PassLoop extends LoopTasks {
  /**
   * @internal The ready queue. A pass runs the entries queued when it began (`_batchLeft` of
   * them, from the front); entries queued meanwhile wait for the next pass.
   */
  readonly _ready = new Fifo<Runnable>();
  /** @internal */ _asyncFlag = false;
  /**
   * @internal The AsyncLocalStorage context the passes run in: the one the loop first ran in (a
   * Runner's: where it was first used). Tasks made in it take it; others switch to their own.
   */
  _baseContext: RunContext | null = null;
  /**
   * @internal The context the generator tasks made in async code share while no user
   * AsyncLocalStorage has held a value (see `contextHere`); made by the first of them.
   */
  _outsideContext: RunContext | null = null;
  /** @internal Some task of this loop was given a shared context (see `contextHere`). */
  _sharesContexts = false;
  /**
   * @internal Async-function tasks whose code runs in microtasks right now (started or resumed,
   * and not yet waiting on a tulip future again): the next entry waits for them.
   */
  _liveAsync = 0;
  /** @internal Entries to run before the rest of the current batch (a future's remaining callbacks). */
  protected _front: Runnable[] = [];
  /**
   * @internal Generator tasks waiting on the promise of an async scope body (a `PromiseWait`): one
   * that settles in this pass resumes its task in this pass, so a batch does not end before it.
   */
  _promiseWaits = 0;
  /** @internal */ _yieldMicro = false;
  /** @internal The loop's time source (set by the EventLoop constructor). */
  declare _clock: Clock & { now(): number };

  private _passCount = 0;
  /** Between two passes, waiting for the microtasks to settle: a pump is coming. */
  private _settling = false;
  /** @internal A pass is running its batch (or is suspended in it, yielding to microtasks). */
  _inBatch = false;
  /** Entries of the current batch not run yet: the front of the ready queue. */
  private _batchLeft = 0;
  protected readonly _timers = new MinHeap<TimerEntry>();
  private _cancelledTimers = 0;
  protected _running = false;
  protected _stopping = false;
  private _hostScheduled = false;
  private _hostTimer: ReturnType<typeof setTimeout> | null = null;
  private _hostTimerWhen = Infinity;
  protected _stopResolve: (() => void) | null = null;
  private _blockedWaiters: Array<{ fut: Future<void>; cushion: number; since: number }> = [];
  /** A wake-up that was not the loop's own came since the last host turn (see `_wakeHost`). */
  private _hostActivity = false;
  private readonly _pumpBound = (): void => this._pump();
  /** The wait announced to instruments by beforeIoWait, or -1. */
  private _ioWait = -1;
  /**
   * Queued as a microtask by `_yieldToMicrotasks`. A yield that only waits for async code to reach
   * its next wait (a batch's, the settle between two passes, or one after a pass that left nothing
   * ready: `_quickResume`) goes on from here as soon as no async task is live — the code of the
   * tasks started or resumed so far queued its microtasks before this one, or within QUICK_HOPS
   * more — and, after a pass that left nothing ready, that code made work. Otherwise, and for the
   * other yields (the last pass before a stop, before a virtual-time jump), a `nextTick`
   * made from inside the microtask queue runs once that queue is empty, i.e. once every promise
   * chain has settled (Node runs ticks after the microtasks).
   */
  private readonly _drainBound = (): void => {
    if (this._quickResume > 0) {
      if (this._liveAsync === 0 && this._promiseWaits === 0 && (!this._hostAfterYield || this._ready.length > 0)) {
        this._quickResume = 0;
        this._afterMicrotasks();
        return;
      }
      if (--this._quickResume > 0) {
        RESOLVED.then(this._drainBound);
        return;
      }
    }
    process.nextTick(this._afterMicrotasks);
  };
  private readonly _afterMicrotasks = (): void => {
    if (this._yieldTimed) {
      // Only async continuations ran since the yield (microtasks never let Node's I/O in). Fine
      // mode times them on their own (to name their tasks); otherwise the window covers them.
      const now = performance.now();
      if (this._fine) this._monitor.asyncTime(this.loop(), now - this._yieldStart, this._monitor.entries - this._yieldEntries);
      else if (this._resumedCount > 0) this._forgetResumed();
      this._monitor.checkWindow(this.loop(), 'window', now);
    }
    if (this._stopAfterYield) {
      this._stopAfterYield = false;
      this._settling = false;
      if (!this._finishPass() && !this._settling) this._monitor.endBurst(this.loop());
      return;
    }
    if (this._monitor.suspected !== null) this._overBudget = true; // confirmed at the host turn
    if (this._hostAfterYield && (this._overBudget || (this._ready.length === 0 && !this._timerDue()))) {
      // Over the burst's budget, or idle: the host gets its turn (idle: and then the loop looks
      // again, once every promise chain has settled).
      this._hostAfterYield = false;
      this._overBudget = false;
      this._settling = false;
      this._monitor.endBurst(this.loop());
      this._wakeHost(true);
    } else {
      this._hostAfterYield = false; // the continuations made work: go on with the burst
      this._pump();
    }
  };
  /** Idle before a clock's jump, the microtasks have had their turn since the last pass that ran work. */
  private _idleYielded = false;
  /** The loop stops once the current yield ends (the async continuations of its last pass ran). */
  private _stopAfterYield = false;
  /** Microtask hops left for the current yield to go on once async code waits again (0: it waits for the whole queue; see `_drainBound`). */
  private _quickResume = 0;
  /** The current yield is timed (fine mode, or the end of a burst): its async time is checked. */
  private _yieldTimed = false;
  private _yieldStart = 0;
  private _yieldEntries = 0;
  /** The yield ends the burst: go to the host afterwards instead of running a pass. */
  private _hostAfterYield = false;
  /** The burst used its time: the host must get a turn even if work is ready. */
  private _overBudget = false;
  /** @internal Fine mode: the task stepped in the entry being timed, and where it resumed from. */
  _steppedTask: Task<unknown> | null = null;
  /** @internal */ _steppedFrom: string | undefined = undefined;
  /**
   * @internal Fine mode: the first RESUMED_KEPT async tasks resumed since the last yield (named in
   * a stall), in a buffer of the loop's own, and how many were resumed in all.
   */
  private readonly _resumedAsync: (Task<unknown> | null)[] = new Array<Task<unknown> | null>(RESUMED_KEPT).fill(null);
  /** @internal */ _resumedCount = 0;
  private readonly _hostWake = (): void => {
    this._hostScheduled = false;
    this._takeActivity();
    const now = performance.now();
    this._monitor.startBurst(now);
    this._setFine(this._debug || now < this._monitor.fineUntil);
    if (this._ioWait >= 0) {
      const waited = this._ioWait;
      this._ioWait = -1;
      if (this._instruments !== null) callInstruments(this.loop(), 'afterIoWait', waited);
    }
    const base = this._baseContext;
    if (base === null) alsExit(this._pumpBound);
    else base.runInAsyncScope(runBurst, null, this._pumpBound);
  };
  private readonly _timerWake = (): void => {
    this._hostTimer = null;
    this._hostTimerWhen = Infinity;
    this._hostWake();
  };
  protected readonly _clockWake = (): void => this._wakeHost(true);

  /** @internal Puts a runnable on the ready queue and makes sure a pass will run it. */
  _enqueue(r: Runnable): void {
    this._ready.push(r);
    if (!this._inBatch && !this._hostScheduled && !this._settling) this._wakeHost();
  }

  /**
   * @internal Puts `entry` (its own timer, e.g. a sleep's future) in the timer heap for `whenMs`;
   * it is run from the ready queue once due, unless `_cancelled` by then (then call
   * `_timerCancelled()` if it was `_scheduled`).
   */
  _scheduleTimer(entry: TimerEntry, whenMs: number): void {
    entry._scheduled = true;
    this._timers.push(entry, whenMs);
    if (!this._inBatch && !this._hostScheduled && this._running) {
      // Idle: re-arm the host timer if this deadline is the new earliest one.
      if (whenMs < this._hostTimerWhen) this._wakeHost();
    }
  }

  /** @internal A scheduled timer was cancelled: purge the heap when cancelled timers dominate. */
  _timerCancelled(): void {
    this._cancelledTimers++;
    if (this._cancelledTimers > MIN_CANCELLED_TIMERS && this._cancelledTimers * 2 > this._timers.size) {
      this._timers.filter((t) => !t._cancelled);
      this._cancelledTimers = 0;
    }
  }

  // ---- the pass machinery -----------------------------------------------------------------

  /** @internal Resolves `fut` once every task is blocked (and has been for `cushion` ms). */
  _whenAllBlocked(fut: Future<void>, cushion: number): void {
    this._blockedWaiters.push({ fut, cushion, since: -1 });
    this._blockedWaiters.sort((a, b) => a.cushion - b.cushion);
  }

  /**
   * @internal Asks the host for a burst of passes, unless one is already coming. `quiet`: the
   * loop's own wake-up (its clock's autojump, a re-look after settling), not news from outside
   * or from a task — those end the blocked time that cushions and autojump measure.
   */
  _wakeHost(quiet = false): void {
    if (!quiet) this._hostActivity = true;
    if (this._hostScheduled || !this._running || this._inBatch || this._settling) return;
    this._hostScheduled = true;
    setImmediate(this._hostWake);
  }

  /** Runs passes until a host boundary is needed (microtasks, I/O, idle). */
  private _pump(): void {
    this._settling = false;
    setRunningLoop(this.loop());
    const frame = ctx.frame;
    ctx.frame = this._baseContext;
    try {
      for (;;) {
        if (!this._inBatch) this._beginPass();
        if (!this._runBatch()) return; // suspended until a microtask resumes us
        if (!this._finishPass()) return;
      }
    } finally {
      ctx.frame = frame;
      if (!this._inBatch) {
        setRunningLoop(null);
        if (!this._settling) this._monitor.endBurst(this.loop());
      }
    }
  }

  private _beginPass(): void {
    // Tasks that failed in the previous pass with nobody awaiting them: reported now, once the
    // async continuations of that pass (an `await` that attaches late) have run too.
    this._reportUnread();
    const timers = this._timers;
    if (timers.size > 0) {
      const now = this._clock.now();
      let top = timers.peek();
      while (top !== undefined && (top._cancelled || timers.peekWhen() - now < CLOCK_RESOLUTION_MS)) {
        timers.pop();
        top._scheduled = false;
        if (top._cancelled) this._cancelledTimers--;
        else this._ready.push(top);
        top = timers.peek();
      }
    }
    this._batchLeft = this._ready.length;
    if (this._batchLeft > 0) {
      this._activity();
      this._idleYielded = false;
    }
    this._inBatch = true;
    this._yieldMicro = false; // the host drained the microtask queue since the last pass
  }

  /**
   * Runs the current batch; false when it yielded to the microtask queue mid-way (it goes on at
   * the same entry). The monitor's window is checked every 64 entries.
   */
  private _runBatch(): boolean {
    if (this._fine) return this._runBatchTimed();
    const ready = this._ready;
    const front = this._front;
    let n = this._batchLeft;
    for (;;) {
      let r: Runnable;
      if (front.length > 0) r = front[0]!;
      else if (n > 0) r = ready.peek();
      else if (this._mustYieldAtEnd()) {
        this._batchLeft = 0;
        return this._yieldToMicrotasks(false);
      } else break;
      if (this._mustYield(r)) {
        this._batchLeft = n;
        return this._yieldToMicrotasks(false, true);
      }
      if (front.length > 0) front.shift();
      else {
        ready.drop();
        n--;
      }
      r._run();
      if ((++this._monitor.entries & 63) === 0) this._monitor.checkWindow(this.loop(), r);
    }
    this._batchLeft = 0;
    this._inBatch = false;
    return true;
  }

  /** Fine mode: `_runBatch` timing every entry (task steps time themselves, so they are not reported twice). */
  private _runBatchTimed(): boolean {
    const loop = this.loop();
    const ready = this._ready;
    const front = this._front;
    let last = performance.now();
    for (;;) {
      let r: Runnable;
      if (front.length > 0) r = front[0]!;
      else if (this._batchLeft > 0) r = ready.peek();
      else if (this._mustYieldAtEnd()) return this._yieldToMicrotasks(true);
      else break;
      if (this._mustYield(r)) return this._yieldToMicrotasks(true, true); // (quick, as `_runBatch`: fine mode keeps the order)
      if (front.length > 0) front.shift();
      else {
        ready.drop();
        this._batchLeft--;
      }
      const before = this._monitor.accounted;
      this._steppedTask = null;
      r._run();
      const now = performance.now(); // one clock read per entry: each entry's time is since the last
      // (Only an entry over the limit goes on to the monitor: the common one costs no call.)
      if (now - last >= loop.slowCallbackDuration) this._monitor.timedEntry(loop, r, now - last, before);
      last = now;
      if (!this._fine) return this._runBatch(); // setDebug(false): the rest untimed
    }
    this._inBatch = false;
    return true;
  }

  /**
   * Async continuations resumed so far run (as microtasks) before the next entry, so that the order
   * of a pass is kept across both styles: an async task resumed in a pass runs to its next wait
   * before the next entry, as asyncio's step does. Only async resumptions may go first while no
   * async task's code is running (they queue their continuations in order).
   */
  private _mustYield(r: Runnable): boolean {
    if (!this._yieldMicro || (this._liveAsync === 0 && r._asyncOnly !== undefined && r._asyncOnly())) return false;
    this._yieldMicro = false;
    return true;
  }

  /**
   * At the end of a batch: a generator task's async scope body may still settle in this pass (it
   * then resumes its task as the next entry, as asyncio's `await coro()` goes on in the same step).
   */
  private _mustYieldAtEnd(): boolean {
    if (!this._yieldMicro || this._promiseWaits === 0) return false;
    this._yieldMicro = false;
    return true;
  }

  /**
   * @internal Runs `r` before the rest of the current pass's batch (a future's remaining callbacks,
   * after one resumed an async task), or in the next pass when no batch is running.
   */
  _runNext(r: Runnable): void {
    if (!this._inBatch) this._enqueue(r);
    else this._front.push(r);
  }

  /** @internal Fine mode: an async task resumes (see `_resumedAsync`). */
  _noteResumed(task: Task<unknown>): void {
    const n = this._resumedCount++;
    if (n < RESUMED_KEPT) this._resumedAsync[n] = task;
  }

  /** @internal The tasks kept since the last yield (a new array), forgetting them. */
  _takeResumed(): Task<unknown>[] {
    const kept = this._resumedAsync.slice(0, Math.min(this._resumedCount, RESUMED_KEPT)) as Task<unknown>[];
    this._forgetResumed();
    return kept;
  }

  /** @internal Forgets the tasks noted since the last yield (the buffer holds no task after it). */
  _forgetResumed(): void {
    const n = Math.min(this._resumedCount, RESUMED_KEPT);
    for (let i = 0; i < n; i++) this._resumedAsync[i] = null;
    this._resumedCount = 0;
  }

  /**
   * Lets the async continuations resumed so far run to their next wait (the microtask queue
   * drains), then goes on. `timed`: the monitor's window is checked once they ran (at the end of
   * a pass, and mid-pass in fine mode, which also times them on their own to name their tasks).
   * `quick`: it goes on once async code waits again, not once the queue is empty (`_drainBound`).
   */
  private _yieldToMicrotasks(timed: boolean, quick = false): false {
    this._yieldTimed = timed;
    this._quickResume = quick ? QUICK_HOPS : 0;
    if (timed && this._fine) {
      this._yieldStart = performance.now();
      this._yieldEntries = this._monitor.entries;
    }
    RESOLVED.then(this._drainBound); // not queueMicrotask(), which makes an AsyncResource per call
    return false;
  }

  /** End-of-pass work; true when the next pass may run at once, in the same burst. */
  private _finishPass(): boolean {
    if (this._stopping) {
      if (this._asyncFlag) {
        // The async continuations resumed in this last pass first run to their next wait (as
        // asyncio's last pass runs each step whole); then the loop stops.
        this._asyncFlag = false;
        this._settling = true;
        this._stopAfterYield = true;
        this._yieldToMicrotasks(true);
        return false;
      }
      this._stopping = false;
      this._running = false;
      setLoopStarted(this.loop(), false);
      releaseProcess(this.loop());
      this._disarmHostTimer();
      this._clock.detach?.(this._clockWake);
      const resolve = this._stopResolve;
      this._stopResolve = null;
      if (this._instruments !== null) callInstruments(this.loop(), 'afterRun', this.loop());
      resolve?.();
      return false;
    }
    if (this._ready.length > 0 || this._timerDue()) {
      // A suspected stall is confirmed (or found to be a GC pause) at the next host turn: soon.
      if (this._monitor.suspected !== null) {
        this._overBudget = true;
        return this._yieldToHost();
      }
      // Yield to Node's I/O once the burst has used its time.
      if (this._burstSpent()) {
        this._overBudget = true;
        return this._yieldToHost();
      }
      if (this._asyncFlag) {
        // Let async continuations run (the microtasks settle) before the next pass, without a
        // full host turn.
        this._asyncFlag = false;
        this._settling = true;
        this._yieldToMicrotasks(true, true);
        return false;
      }
      return true;
    }
    // Nothing ready. If async code ran, its promise chains may still schedule work: look again
    // after the host has drained the microtask queue — and give the host its turn first once the
    // burst has used its time (an async task that only yields, `for (;;) await sleep(0)`, makes
    // its work in microtasks: every pass ends here, and I/O, timers and signals must not starve).
    if (this._asyncFlag) {
      if (this._burstSpent()) this._overBudget = true;
      return this._yieldToHost();
    }
    return this._idle();
  }

  /** True once the burst has used its time (BURST_MS); the clock is read every 16 passes. */
  private _burstSpent(): boolean {
    if ((++this._passCount & 15) !== 0) return false;
    const now = performance.now();
    this._monitor.checkWindow(this.loop(), 'window', now);
    return now - this._monitor.burstStart > BURST_MS;
  }

  private _yieldToHost(): boolean {
    if (this._asyncFlag) {
      // Let the async continuations run first, measured, then go to the host.
      this._asyncFlag = false;
      this._settling = true;
      this._hostAfterYield = true;
      this._yieldToMicrotasks(true, true); // (quick only if their code makes work: see `_drainBound`)
      return false;
    }
    this._overBudget = false;
    this._wakeHost();
    return false;
  }

  private _timerDue(): boolean {
    const top = this._timers.peek();
    return top !== undefined && (top._cancelled || this._timers.peekWhen() - this._clock.now() < CLOCK_RESOLUTION_MS);
  }

  /** Every task is blocked: wake a waitAllTasksBlocked() caller, jump virtual time, or arm a timer. */
  private _idle(): boolean {
    this._takeActivity(); // (a wake-up asked for while passes ran: a task that scheduled a timer)
    let cushionWait = Infinity;
    if (this._blockedWaiters.length > 0) {
      const r = this._wakeBlockedWaiter();
      if (r === 0) return true;
      cushionWait = r;
    }
    let top = this._timers.peek();
    while (top !== undefined && top._cancelled) {
      this._timers.pop();
      top._scheduled = false;
      this._cancelledTimers--;
      top = this._timers.peek();
    }
    const clock = this._clock;
    if (clock.idle !== undefined && this._blockedWaiters.length === 0) {
      // Before a virtual-time jump the microtasks run once: async code started from a generator
      // step (a promise tulip does not watch) reaches its next wait first, as it would in real time.
      if (!this._idleYielded) {
        this._idleYielded = true;
        this._settling = true;
        this._yieldToMicrotasks(false);
        return false;
      }
      if (clock.idle(top === undefined ? null : this._timers.peekWhen(), this._clockWake)) {
        this._idleYielded = false;
        return true;
      }
    }
    let real = Infinity;
    const when = this._timers.peekWhen();
    if (top !== undefined) {
      const wait = when - clock.now();
      real = clock.realDelay ? clock.realDelay(wait) : wait;
    }
    if (cushionWait < real) this._armHostTimer(NaN, cushionWait);
    else if (real !== Infinity) this._armHostTimer(when, real);
    else this._disarmHostTimer();
    if (this._instruments !== null) {
      this._ioWait = Math.min(cushionWait, real);
      callInstruments(this.loop(), 'beforeIoWait', this._ioWait);
    }
    return false;
  }

  /** A wake-up that was not the loop's own came (see `_wakeHost`): activity. */
  private _takeActivity(): void {
    if (!this._hostActivity) return;
    this._hostActivity = false;
    this._activity();
  }

  /**
   * A pass runs work: the blocked time of waitAllTasksBlocked() cushions and of the clock's
   * autojump threshold starts again (Trio: both measure uninterrupted blocked time).
   */
  private _activity(): void {
    const waiters = this._blockedWaiters;
    for (let i = 0; i < waiters.length; i++) waiters[i]!.since = -1;
    this._clock.busy?.();
  }

  /**
   * Wakes the waitAllTasksBlocked() callers with the smallest cushion once it has passed (all of
   * them, as Trio): 0 when some were woken, else the real ms until that cushion passes (Infinity:
   * no waiter left).
   */
  private _wakeBlockedWaiter(): number {
    const waiters = this._blockedWaiters;
    while (waiters.length > 0 && waiters[0]!.fut.done()) waiters.shift();
    const w = waiters[0];
    if (w === undefined) return Infinity;
    if (w.cushion > 0) {
      const now = performance.now();
      if (w.since < 0) w.since = now;
      if (now - w.since < w.cushion) return w.cushion - (now - w.since);
    }
    while (waiters.length > 0 && waiters[0]!.cushion === w.cushion) {
      const x = waiters.shift()!;
      if (!x.fut.done()) x.fut.setResult(undefined);
    }
    for (const other of waiters) other.since = -1;
    return 0;
  }

  private _armHostTimer(when: number, realDelay: number): void {
    if (this._hostTimer !== null) {
      if (this._hostTimerWhen === when) return; // NaN (a cushion wait) never matches: re-armed

      clearTimeout(this._hostTimer);
    }
    this._hostTimerWhen = when;
    // Node timers have 1 ms granularity; a timer that fires early is simply re-armed. Node fires
    // a longer delay than 2**31 - 1 ms after 1 ms (with a warning): farther deadlines are reached
    // in steps of that length, as asyncio caps its selector's wait.
    this._hostTimer = setTimeout(this._timerWake, Math.min(MAX_HOST_DELAY, Math.max(1, Math.ceil(realDelay))));
  }

  protected _disarmHostTimer(): void {
    if (this._hostTimer !== null) {
      clearTimeout(this._hostTimer);
      this._hostTimer = null;
      this._hostTimerWhen = Infinity;
    }
  }
}
