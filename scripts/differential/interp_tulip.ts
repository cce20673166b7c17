// tulip side of the differential tester: runs a DSL program (dsl.ts) on tulip, in generator style
// (`function*` + `yield*`) or async style (`async`/`await`). Mirrors interp_asyncio.py line by line:
// keep the two in step when adding an op.
import {
  Timeout,
  eagerTaskFactory,
  TimeoutError,
  asCompleted,
  Barrier,
  BoundedSemaphore,
  Condition,
  Event,
  ExceptionGroup,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  ALL_COMPLETED,
  LifoQueue,
  Lock,
  PriorityQueue,
  Queue,
  Semaphore,
  TaskGroup,
  createTask,
  currentTask,
  gather,
  getRunningLoop,
  isCancelledError,
  run,
  shield,
  sleep,
  timeout,
  timeoutAt,
  wait,
  waitFor,
  type Coroutine,
  type Future,
  type Handle,
  type Task,
} from 'tulip';
import { MockClock } from 'tulip/testing';
import { WATCHDOG, type Program, type RunResult, type Step, type Target } from './dsl.js';

export type Style = 'gen' | 'async';

export class Boom extends Error {
  override name = 'Boom';
}

const RETURN_WHEN = { FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED } as const;

const TYPE_NAMES: Record<string, string> = {
  CancelledError: 'CancelledError',
  TimeoutError: 'TimeoutError',
  QueueEmptyError: 'QueueEmptyError',
  QueueFullError: 'QueueFullError',
  QueueShutDownError: 'QueueShutDownError',
  RangeError: 'RangeError',
  RuntimeError: 'RuntimeError',
  InvalidStateError: 'InvalidStateError',
  BrokenBarrierError: 'BrokenBarrierError',
  Boom: 'Boom',
  ExceptionGroup: 'ExceptionGroup',
};

export function descErr(e: unknown): string {
  if (e instanceof ExceptionGroup) {
    return `ExceptionGroup(${e.message})[${e.errors.map(descErr).join(',')}]`;
  }
  if (e instanceof Error) {
    const ctor = (e.constructor as { name?: string }).name ?? e.name;
    const name = TYPE_NAMES[ctor] ?? (isCancelledError(e) ? 'CancelledError' : `js:${ctor}`);
    return e.message ? `${name}(${e.message})` : name;
  }
  return `js:${String(e)}`;
}

export function descVal(v: unknown): string {
  if (v === undefined || v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v)) return `[${v.map(descVal).join(',')}]`;
  if (v instanceof Error) return descErr(v);
  return String(v);
}

export function descState(f: Future<unknown>): string {
  if (!f.done()) return 'pending';
  if (f.cancelled()) return 'cancelled';
  const e = f.exception();
  if (e !== undefined && e !== null) return `error ${descErr(e)}`;
  return `ok ${descVal(f.result())}`;
}

type AnyQueue = Queue<number>;

/** The scopes a step runs in (innermost last): tgSpawn uses the innermost TaskGroup, reschedule the innermost Timeout. */
type Scope = TaskGroup | Timeout;

function innermost<C extends TaskGroup | Timeout>(xs: Scope[], cls: abstract new (...a: never[]) => C): C | undefined {
  for (let i = xs.length - 1; i >= 0; i--) if (xs[i] instanceof cls) return xs[i] as C;
  return undefined;
}

class Interp {
  trace: string[] = [];
  reports: string[] = [];
  slots = new Map<number, Task<unknown>>();
  t0 = 0;
  locks: Lock[];
  events: Event[];
  conds: Condition[];
  counters: number[];
  sems: Semaphore[];
  barriers: Barrier[];
  queues: AnyQueue[];
  /** Names of the futures in slots (tasks have their own). */
  fnames = new Map<Future<unknown>, string>();
  tgmap = new Map<number, TaskGroup>();
  handles = new Map<number, Handle>();
  cbs: Array<(f: Future<unknown>) => void> = [0, 1, 2].map((c) => (f: Future<unknown>) => this.log('cb', `cb${c} ${this.fname(f)} ${descState(f)}`));

  fname(f: Future<unknown>): string {
    return this.fnames.get(f) ?? (f as Task<unknown>).getName();
  }

  /** Runs a step that never waits from a loop callback (its generator completes in one next()). */
  runAct(st: Step): void {
    const g = this.execG([st], 'act', []);
    try {
      const r = g.next();
      if (!r.done) {
        g.return(undefined);
        this.log('act', 'SUSPENDED');
      }
    } catch (e) {
      this.log('act', `error ${descErr(e)}`);
    }
  }

  timerCb(kind: string, st: { l: string; act?: Step | null }): () => void {
    return () => {
      this.log(kind, st.l);
      if (st.act) this.runAct(st.act);
    };
  }

  /** gather's arguments: `same` reuses the previous inline body's coroutine (or task). */
  gatherArgs(items: Target[], mk: (x: { b: number }) => unknown): unknown[] {
    const out: unknown[] = [];
    let last: unknown = undefined;
    for (const x of items) {
      if ('b' in x && x.same && last !== undefined) {
        out.push(last);
        continue;
      }
      const a = 's' in x ? this.slot(x.s) : mk(x);
      if ('b' in x) last = a;
      out.push(a);
    }
    return out;
  }

  constructor(
    readonly prog: Program,
    readonly style: Style,
  ) {
    const p = prog.prims;
    this.locks = Array.from({ length: p.lock ?? 0 }, () => new Lock());
    this.events = Array.from({ length: p.event ?? 0 }, () => new Event());
    this.conds = Array.from({ length: p.cond ?? 0 }, () => new Condition());
    this.counters = Array.from({ length: p.cond ?? 0 }, () => 0);
    this.sems = (p.sem ?? []).map(([v, b]) => (b ? new BoundedSemaphore(v) : new Semaphore(v)));
    this.barriers = (p.barrier ?? []).map((n) => new Barrier(n));
    this.queues = (p.queue ?? []).map(([kind, max]) =>
      kind === 'fifo' ? new Queue<number>(max) : kind === 'lifo' ? new LifoQueue<number>(max) : new PriorityQueue<number>(max),
    );
  }

  log(who: string, text: string): void {
    if (this.trace.length > 200000) return; // a livelock: the run ends as a hang anyway
    const t = getRunningLoop().time() - this.t0;
    this.trace.push(`${fmtTime(t)} ${who}: ${text}`);
  }

  spawn(b: number, s: number, tg: TaskGroup | undefined, cb: boolean | undefined, eager?: boolean): Task<unknown> {
    const name = `S${s}`;
    const body = this.style === 'gen' ? this.bodyG(b, name) : () => this.bodyA(b, name);
    const opts = eager === true ? { name, eagerStart: true } : { name };
    const t = tg !== undefined ? tg.createTask(body, opts) : createTask(body, opts);
    this.slots.set(s, t);
    if (cb) t.addDoneCallback((f) => this.log('cb', `${name} ${descState(f)}`));
    return t;
  }

  slot(s: number): Task<unknown> {
    const t = this.slots.get(s);
    if (t === undefined) throw new Boom(`missing S${s}`);
    if (this.prog.noSelf && t === currentTask()) throw new Boom(`self S${s}`);
    return t;
  }

  prim(st: { k: 'lock' | 'sem' | 'cond'; i: number }): Lock | Semaphore | Condition {
    return (st.k === 'lock' ? this.locks : st.k === 'sem' ? this.sems : this.conds)[st.i]!;
  }

  // ---- generator style ----------------------------------------------------------------------

  *bodyG(b: number, who: string): Coroutine<unknown> {
    return yield* this.execG(this.prog.bodies[b]!, who, []);
  }

  /** The awaitable for a target in generator style: the slot's task, or the body's generator object. */
  targetG(t: Target, who: string): Future<unknown> | Coroutine<unknown> {
    return 's' in t ? this.slot(t.s) : this.bodyG(t.b, `${who}/b${t.b}`);
  }

  *execG(steps: Step[], who: string, tgs: Scope[]): Coroutine<unknown> {
    const self = this;
    for (const st of steps) {
      switch (st.op) {
        case 'log':
          this.log(who, st.l);
          break;
        case 'sleep':
          yield* sleep(st.ms);
          break;
        case 'ret':
          return st.v;
        case 'raise':
          throw new Boom(st.m);
        case 'spawn':
          this.spawn(st.b, st.s, undefined, st.cb, st.eager);
          break;
        case 'tgSpawn':
          this.spawn(st.b, st.s, innermost(tgs, TaskGroup), st.cb);
          break;
        case 'cancel':
          this.cancel(who, st.s, st.m);
          break;
        case 'await': {
          const r = 's' in st ? yield* this.slot(st.s) : yield* this.bodyG(st.b, `${who}/b${st.b}`);
          this.log(who, `await -> ${descVal(r)}`);
          break;
        }
        case 'state':
          this.state(who, st.s);
          break;
        case 'cancelling':
          this.log(who, `cancelling ${currentTask()!.cancelling()}`);
          break;
        case 'uncancel':
          this.log(who, `uncancel -> ${currentTask()!.uncancel()}`);
          break;
        case 'ticker':
          this.ticker(st.n);
          break;
        case 'reschedule':
          this.reschedule(who, st.d, tgs);
          break;
        case 'asCompleted': {
          const me = this.prog.noSelf ? currentTask() : undefined;
          const fs = st.ss.filter((s) => this.slots.has(s) && this.slots.get(s) !== me).map((s) => this.slots.get(s)!);
          if (fs.length === 0) {
            this.log(who, 'asCompleted nothing');
            break;
          }
          // (no `for await` in a generator: the plain iteration, for both of asyncio's forms)
          for (const f of asCompleted(fs, { timeout: st.to ?? null })) {
            try {
              const r = yield* f;
              this.log(who, `asCompleted -> ok ${descVal(r)}`);
            } catch (e) {
              if (isCancelledError(e)) throw e;
              // asyncio's `async for` raises the timeout from the loop header, not from `await f`.
              // (A child's own error is that child's exception object; the timeout's is a new one.)
              if (st.aiter && e instanceof TimeoutError && !fs.some((f) => f.done() && !f.cancelled() && f.exception() === e)) throw e;
              this.log(who, `asCompleted -> ${descErr(e)}`);
            }
          }
          break;
        }
        case 'gather': {
          const aws = this.gatherArgs(st.items, (x) => this.bodyG(x.b, `${who}/b${x.b}`)) as Coroutine<unknown>[];
          const r = yield* gather(aws, { returnExceptions: st.re ?? false });
          this.log(who, `gather -> ${descVal(r)}`);
          break;
        }
        case 'wait': {
          const me = this.prog.noSelf ? currentTask() : undefined;
          const fs = st.ss.filter((s) => this.slots.has(s) && this.slots.get(s) !== me).map((s) => this.slots.get(s)!);
          if (fs.length === 0) {
            this.log(who, 'wait nothing');
            break;
          }
          const { done, pending } = yield* wait(fs, { timeout: st.to ?? null, returnWhen: RETURN_WHEN[st.rw] });
          this.log(who, `wait -> done=[${names(done, (f) => this.fname(f))}] pending=[${names(pending, (f) => this.fname(f))}]`);
          break;
        }
        case 'waitFor': {
          const r = yield* waitFor(this.targetG(st, who), st.to);
          this.log(who, `waitFor -> ${descVal(r)}`);
          break;
        }
        case 'shield': {
          const r = yield* shield(this.targetG(st, who));
          this.log(who, `shield -> ${descVal(r)}`);
          break;
        }
        case 'timeout': {
          const r = yield* this.mkTimeout(st).run(function* (cm) {
            try {
              return yield* self.execG(st.body, who, [...tgs, cm]);
            } finally {
              self.log(who, `timeout body end expired=${descVal(cm.expired())}`);
            }
          });
          if (r !== undefined) return r;
          this.log(who, 'timeout exit');
          break;
        }
        case 'try': {
          try {
            const r = yield* this.execG(st.body, who, tgs);
            if (r !== undefined) return r;
          } catch (e) {
            if (!this.catches(st.catch, e)) throw e;
            this.log(who, `caught ${descErr(e)}`);
            if (st.rethrow) throw e;
          } finally {
            if (st.fin) {
              this.log(who, 'finally');
              yield* this.execG(st.fin, who, tgs);
            }
          }
          break;
        }
        case 'tg': {
          const r = yield* this.mkTg(st.g).run(function* (tg) {
            return yield* self.execG(st.body, who, [...tgs, tg]);
          });
          this.log(who, 'tg exit');
          if (r !== undefined) return r;
          break;
        }
        case 'lock':
        case 'sem': {
          const p = st.op === 'lock' ? this.locks[st.i]! : this.sems[st.i]!;
          const r = yield* p.run(function* () {
            return yield* self.execG(st.body, who, tgs);
          });
          if (r !== undefined) return r;
          break;
        }
        case 'acquire':
          yield* this.prim(st).acquire();
          this.log(who, `acquired ${st.k}${st.i}`);
          break;
        case 'condWait': {
          const c = this.conds[st.i]!;
          yield* c.run(function* () {
            const r = yield* c.wait();
            self.log(who, `condWait -> ${descVal(r)}`);
          });
          break;
        }
        case 'condWaitFor': {
          const c = this.conds[st.i]!;
          yield* c.run(function* () {
            const r = yield* c.waitFor(() => self.counters[st.i]! >= st.k);
            self.log(who, `condWaitFor -> ${descVal(r)}`);
          });
          break;
        }
        case 'condNotify': {
          const c = this.conds[st.i]!;
          yield* c.run(function* () {
            self.notify(st);
          });
          break;
        }
        case 'evWait': {
          const r = yield* this.events[st.i]!.wait();
          this.log(who, `evWait -> ${descVal(r)}`);
          break;
        }
        case 'barWait': {
          const r = yield* this.barriers[st.i]!.wait();
          this.log(who, `barWait -> ${r}`);
          break;
        }
        case 'barReset':
          yield* this.barriers[st.i]!.reset();
          this.log(who, 'barReset');
          break;
        case 'barAbort':
          yield* this.barriers[st.i]!.abort();
          this.log(who, 'barAbort');
          break;
        case 'put':
          yield* this.queues[st.q]!.put(st.v);
          this.log(who, `put ${st.v}`);
          break;
        case 'get': {
          const r = yield* this.queues[st.q]!.get();
          this.log(who, `get -> ${descVal(r)}`);
          break;
        }
        case 'join':
          yield* this.queues[st.q]!.join();
          this.log(who, 'join');
          break;
        default:
          this.syncStep(who, st, tgs);
      }
    }
    return undefined;
  }

  // ---- async style --------------------------------------------------------------------------

  async bodyA(b: number, who: string): Promise<unknown> {
    return this.execA(this.prog.bodies[b]!, who, []);
  }

  async execA(steps: Step[], who: string, tgs: Scope[]): Promise<unknown> {
    for (const st of steps) {
      switch (st.op) {
        case 'log':
          this.log(who, st.l);
          break;
        case 'sleep':
          await sleep(st.ms);
          break;
        case 'ret':
          return st.v;
        case 'raise':
          throw new Boom(st.m);
        case 'spawn':
          this.spawn(st.b, st.s, undefined, st.cb, st.eager);
          break;
        case 'tgSpawn':
          this.spawn(st.b, st.s, innermost(tgs, TaskGroup), st.cb);
          break;
        case 'cancel':
          this.cancel(who, st.s, st.m);
          break;
        case 'await': {
          const r = 's' in st ? await this.slot(st.s) : await this.bodyA(st.b, `${who}/b${st.b}`);
          this.log(who, `await -> ${descVal(r)}`);
          break;
        }
        case 'state':
          this.state(who, st.s);
          break;
        case 'cancelling':
          this.log(who, `cancelling ${currentTask()!.cancelling()}`);
          break;
        case 'uncancel':
          this.log(who, `uncancel -> ${currentTask()!.uncancel()}`);
          break;
        case 'ticker':
          this.ticker(st.n);
          break;
        case 'reschedule':
          this.reschedule(who, st.d, tgs);
          break;
        case 'asCompleted': {
          const me = this.prog.noSelf ? currentTask() : undefined;
          const fs = st.ss.filter((s) => this.slots.has(s) && this.slots.get(s) !== me).map((s) => this.slots.get(s)!);
          if (fs.length === 0) {
            this.log(who, 'asCompleted nothing');
            break;
          }
          const one = async (f: PromiseLike<unknown>): Promise<void> => {
            try {
              const r = await f;
              this.log(who, `asCompleted -> ok ${descVal(r)}`);
            } catch (e) {
              if (isCancelledError(e)) throw e;
              // (the sync form standing in for `async for`: the timeout comes from the loop header)
              if (st.aiter && e instanceof TimeoutError && !fs.some((f) => f.done() && !f.cancelled() && f.exception() === e)) throw e;
              this.log(who, `asCompleted -> ${descErr(e)}`);
            }
          };
          if (st.aiter) {
            for await (const f of asCompleted(fs, { timeout: st.to ?? null })) await one(f as unknown as PromiseLike<unknown>);
          } else for (const f of asCompleted(fs, { timeout: st.to ?? null })) await one(f);
          break;
        }
        case 'gather': {
          // asyncio's gather wraps a coroutine in a task: the async-style equivalent is createTask.
          // (asyncio evaluates every argument first: a missing slot stops the call before any task starts.)
          for (const x of st.items) if ('s' in x) this.slot(x.s);
          // (--known: asyncio's gather with done children is emulated the way tulip does it, where a
          // done child's callback is queued before the tasks of later coroutines start: only
          // coroutine objects, wrapped by gather in argument order, keep that order.)
          const lazy = this.prog.known?.includes('gather-inline-order');
          const aws = this.gatherArgs(st.items, (x) =>
            lazy ? this.bodyG(x.b, `${who}/b${x.b}`) : createTask(() => this.bodyA(x.b, `${who}/b${x.b}`)),
          ) as Future<unknown>[];
          const r = await gather(aws, { returnExceptions: st.re ?? false });
          this.log(who, `gather -> ${descVal(r)}`);
          break;
        }
        case 'wait': {
          const me = this.prog.noSelf ? currentTask() : undefined;
          const fs = st.ss.filter((s) => this.slots.has(s) && this.slots.get(s) !== me).map((s) => this.slots.get(s)!);
          if (fs.length === 0) {
            this.log(who, 'wait nothing');
            break;
          }
          const { done, pending } = await wait(fs, { timeout: st.to ?? null, returnWhen: RETURN_WHEN[st.rw] });
          this.log(who, `wait -> done=[${names(done, (f) => this.fname(f))}] pending=[${names(pending, (f) => this.fname(f))}]`);
          break;
        }
        case 'waitFor': {
          // An async function has no lazy coroutine object to hand over: for an inline body this
          // does what asyncio 3.12+'s wait_for does with a coroutine -- `async with timeout(t):
          // return await coro` when t is positive or None, a task (that never starts) when t <= 0.
          let r: unknown;
          if ('s' in st) r = await waitFor(this.slot(st.s), st.to);
          else if (st.to !== null && st.to <= 0) r = await waitFor(createTask(() => this.bodyA(st.b, `${who}/b${st.b}`)), st.to);
          else r = await timeout(st.to).run(() => this.bodyA(st.b, `${who}/b${st.b}`));
          this.log(who, `waitFor -> ${descVal(r)}`);
          break;
        }
        case 'shield': {
          const aw = 's' in st ? this.slot(st.s) : createTask(() => this.bodyA(st.b, `${who}/b${st.b}`));
          const r = await shield(aw);
          this.log(who, `shield -> ${descVal(r)}`);
          break;
        }
        case 'timeout': {
          const r = await this.mkTimeout(st).run(async (cm) => {
            try {
              return await this.execA(st.body, who, [...tgs, cm]);
            } finally {
              this.log(who, `timeout body end expired=${descVal(cm.expired())}`);
            }
          });
          if (r !== undefined) return r;
          this.log(who, 'timeout exit');
          break;
        }
        case 'try': {
          try {
            const r = await this.execA(st.body, who, tgs);
            if (r !== undefined) return r;
          } catch (e) {
            if (!this.catches(st.catch, e)) throw e;
            this.log(who, `caught ${descErr(e)}`);
            if (st.rethrow) throw e;
          } finally {
            if (st.fin) {
              this.log(who, 'finally');
              await this.execA(st.fin, who, tgs);
            }
          }
          break;
        }
        case 'tg': {
          const r = await this.mkTg(st.g).run(async (tg) => this.execA(st.body, who, [...tgs, tg]));
          this.log(who, 'tg exit');
          if (r !== undefined) return r;
          break;
        }
        case 'lock':
        case 'sem': {
          const p = st.op === 'lock' ? this.locks[st.i]! : this.sems[st.i]!;
          const r = await p.run(async () => this.execA(st.body, who, tgs));
          if (r !== undefined) return r;
          break;
        }
        case 'acquire':
          await this.prim(st).acquire();
          this.log(who, `acquired ${st.k}${st.i}`);
          break;
        case 'condWait': {
          const c = this.conds[st.i]!;
          await c.run(async () => {
            const r = await c.wait();
            this.log(who, `condWait -> ${descVal(r)}`);
          });
          break;
        }
        case 'condWaitFor': {
          const c = this.conds[st.i]!;
          await c.run(async () => {
            const r = await c.waitFor(() => this.counters[st.i]! >= st.k);
            this.log(who, `condWaitFor -> ${descVal(r)}`);
          });
          break;
        }
        case 'condNotify': {
          const c = this.conds[st.i]!;
          await c.run(() => {
            this.notify(st);
          });
          break;
        }
        case 'evWait': {
          const r = await this.events[st.i]!.wait();
          this.log(who, `evWait -> ${descVal(r)}`);
          break;
        }
        case 'barWait': {
          const r = await this.barriers[st.i]!.wait();
          this.log(who, `barWait -> ${r}`);
          break;
        }
        case 'barReset':
          await this.barriers[st.i]!.reset();
          this.log(who, 'barReset');
          break;
        case 'barAbort':
          await this.barriers[st.i]!.abort();
          this.log(who, 'barAbort');
          break;
        case 'put':
          await this.queues[st.q]!.put(st.v);
          this.log(who, `put ${st.v}`);
          break;
        case 'get': {
          const r = await this.queues[st.q]!.get();
          this.log(who, `get -> ${descVal(r)}`);
          break;
        }
        case 'join':
          await this.queues[st.q]!.join();
          this.log(who, 'join');
          break;
        default:
          this.syncStep(who, st, tgs);
      }
    }
    return undefined;
  }

  // ---- shared (no waiting) ------------------------------------------------------------------

  reschedule(who: string, d: number | null | undefined, tgs: Scope[]): void {
    const tm = innermost(tgs, Timeout);
    if (tm === undefined) {
      this.log(who, 'reschedule nothing');
      return;
    }
    tm.reschedule(d === null || d === undefined ? null : getRunningLoop().time() + d);
    this.log(who, `rescheduled expired=${descVal(tm.expired())}`);
  }

  /** A task logging `tick i` once per loop pass, n times: makes pass counts visible. */
  ticker(n: number): void {
    const self = this;
    const body =
      this.style === 'gen'
        ? function* () {
            for (let i = 0; i < n; i++) {
              self.log('tick', String(i));
              yield* sleep(0);
            }
          }
        : async () => {
            for (let i = 0; i < n; i++) {
              this.log('tick', String(i));
              await sleep(0);
            }
          };
    createTask(body, { name: 'tick' });
  }

  catches(kind: 'error' | 'cancel' | 'any' | null | undefined, e: unknown): boolean {
    const c = isCancelledError(e);
    return kind === 'any' || (kind === 'cancel' && c) || (kind === 'error' && !c);
  }

  cancel(who: string, s: number, m: string | null | undefined): void {
    const t = this.slots.get(s);
    if (t === undefined) {
      this.log(who, `cancel S${s} missing`);
      return;
    }
    if (this.prog.noSelf && t === currentTask()) {
      this.log(who, `cancel S${s} self skipped`);
      return;
    }
    const r = m !== undefined && m !== null ? t.cancel(m) : t.cancel();
    this.log(who, `cancel S${s} -> ${descVal(r)}`);
  }

  state(who: string, s: number): void {
    const t = this.slots.get(s);
    this.log(who, `state S${s} ${t !== undefined ? descState(t) : 'missing'}`);
  }

  notify(st: { i: number; n?: number | null; bump?: boolean }): void {
    const c = this.conds[st.i]!;
    if (st.bump) this.counters[st.i]!++;
    if (st.n === undefined || st.n === null) c.notifyAll();
    else c.notify(st.n);
  }

  mkTimeout(st: { ms: number | null; at?: boolean }): Timeout {
    if (!st.at) return timeout(st.ms);
    return timeoutAt(st.ms === null ? null : getRunningLoop().time() + st.ms);
  }

  mkTg(g: number | undefined): TaskGroup {
    const tg = new TaskGroup();
    if (g !== undefined && g !== null) this.tgmap.set(g, tg);
    return tg;
  }

  syncStep(who: string, st: Step, tgs: Scope[]): void {
    switch (st.op) {
      case 'callSoon': {
        const h = getRunningLoop().callSoon(this.timerCb('soon', st));
        if (st.h !== undefined && st.h !== null) this.handles.set(st.h, h);
        break;
      }
      case 'callLater': {
        const loop = getRunningLoop();
        const h = st.at ? loop.callAt(loop.time() + st.ms, this.timerCb('timer', st)) : loop.callLater(st.ms, this.timerCb('timer', st));
        if (st.h !== undefined && st.h !== null) this.handles.set(st.h, h);
        break;
      }
      case 'hCancel': {
        const h = this.handles.get(st.h);
        if (h === undefined) this.log(who, `hCancel H${st.h} missing`);
        else {
          const before = h.cancelled();
          h.cancel();
          this.log(who, `hCancel H${st.h} ${descVal(before)}->${descVal(h.cancelled())}`);
        }
        break;
      }
      case 'newFut': {
        const f = getRunningLoop().createFuture<unknown>();
        this.fnames.set(f, `S${st.s}`);
        this.slots.set(st.s, f as Task<unknown>);
        break;
      }
      case 'futSet':
      case 'futErr': {
        const f = this.slots.get(st.s);
        if (f === undefined) throw new Boom(`missing S${st.s}`);
        if (st.op === 'futSet') {
          f.setResult(st.v);
          this.log(who, `futSet S${st.s} ${st.v}`);
        } else {
          f.setException(new Boom(st.m));
          this.log(who, `futErr S${st.s} ${st.m}`);
        }
        break;
      }
      case 'gatherF': {
        const aws =
          this.style === 'gen' || this.prog.known?.includes('gather-inline-order')
            ? this.gatherArgs(st.items, (x) => this.bodyG(x.b, `${who}/b${x.b}`))
            : this.gatherArgs(st.items, (x) => createTask(() => this.bodyA(x.b, `${who}/b${x.b}`)));
        const f = gather(aws as Future<unknown>[], { returnExceptions: st.re ?? false });
        this.fnames.set(f as Future<unknown>, `S${st.s}`);
        this.slots.set(st.s, f as unknown as Task<unknown>);
        break;
      }
      case 'shieldF': {
        const t = st.t;
        const aw = 's' in t ? this.slot(t.s) : this.style === 'gen' ? this.bodyG(t.b, `${who}/b${t.b}`) : createTask(() => this.bodyA(t.b, `${who}/b${t.b}`));
        const f = shield(aw as Future<unknown>);
        const same = 's' in t && f === this.slots.get(t.s);
        if (!same) {
          this.fnames.set(f, `S${st.s}`);
        }
        this.slots.set(st.s, f as Task<unknown>);
        this.log(who, `shieldF S${st.s} ${same ? 'same' : 'outer'}`);
        break;
      }
      case 'addCb':
      case 'rmCb': {
        const f = this.slots.get(st.s);
        if (f === undefined) this.log(who, `${st.op} S${st.s} missing`);
        else if (st.op === 'addCb') f.addDoneCallback(this.cbs[st.c]!);
        else this.log(who, `rmCb S${st.s} c${st.c} -> ${f.removeDoneCallback(this.cbs[st.c]!)}`);
        break;
      }
      case 'expired': {
        const tm = innermost(tgs, Timeout);
        if (tm === undefined) this.log(who, 'expired nothing');
        else {
          const w = tm.when();
          this.log(who, `expired=${descVal(tm.expired())} when=${w === null ? 'None' : fmtTime(w - this.t0)}`);
        }
        break;
      }
      case 'tgAdd': {
        const tg = this.tgmap.get(st.g);
        if (tg === undefined) this.log(who, `tgAdd G${st.g} missing`);
        else {
          this.spawn(st.b, st.s, tg, false);
          this.log(who, `tgAdd G${st.g} S${st.s}`);
        }
        break;
      }
      case 'tgCancel': {
        const tg = this.tgmap.get(st.g);
        if (tg === undefined) this.log(who, `tgCancel G${st.g} missing`);
        else {
          tg.cancel();
          this.log(who, `tgCancel G${st.g}`);
        }
        break;
      }
      case 'release':
        this.prim(st).release();
        this.log(who, `released ${st.k}${st.i}`);
        break;
      case 'locked':
        this.log(who, `locked ${st.k}${st.i} ${descVal(this.prim(st).locked())}`);
        break;
      case 'evSet':
        this.events[st.i]!.set();
        break;
      case 'evClear':
        this.events[st.i]!.clear();
        break;
      case 'barState': {
        const b = this.barriers[st.i]!;
        this.log(who, `barrier n_waiting=${b.nWaiting} broken=${descVal(b.broken)}`);
        break;
      }
      case 'putNowait':
        this.queues[st.q]!.putNowait(st.v);
        this.log(who, `putNowait ${st.v}`);
        break;
      case 'getNowait': {
        const r = this.queues[st.q]!.getNowait();
        this.log(who, `getNowait -> ${descVal(r)}`);
        break;
      }
      case 'taskDone':
        this.queues[st.q]!.taskDone();
        this.log(who, 'taskDone');
        break;
      case 'shutdown':
        this.queues[st.q]!.shutdown(st.imm ?? false);
        this.log(who, 'shutdown');
        break;
      case 'qsize': {
        const q = this.queues[st.q]!;
        this.log(who, `qsize ${q.qsize()} empty=${descVal(q.empty())} full=${descVal(q.full())}`);
        break;
      }
      default:
        throw new Error(`unknown op ${(st as Step).op}`);
    }
  }

  finals(): void {
    for (const s of [...this.slots.keys()].sort((a, b) => a - b)) {
      this.log('M', `final S${s} ${descState(this.slots.get(s)!)}`);
    }
  }

  // ---- the root task ------------------------------------------------------------------------

  *rootG(): Coroutine<unknown> {
    if (this.prog.eager) getRunningLoop().setTaskFactory(eagerTaskFactory);
    this.t0 = getRunningLoop().time();
    getRunningLoop().setExceptionHandler((_loop, ctx) => {
      const e = ctx.exception;
      this.reports.push(ctx.message + (e !== undefined ? ` ${descErr(e)}` : ''));
    });
    const me = currentTask()!;
    const self = this;
    const wd = createTask(
      function* () {
        yield* sleep(WATCHDOG);
        self.log('wd', 'WATCHDOG');
        me.cancel('watchdog');
      },
      { name: 'wd' },
    );
    try {
      const r = yield* this.execG(this.prog.main, 'M', []);
      this.log('M', `main -> ${descVal(r)}`);
      return r;
    } finally {
      wd.cancel();
      this.finals();
    }
  }

  async rootA(): Promise<unknown> {
    if (this.prog.eager) getRunningLoop().setTaskFactory(eagerTaskFactory);
    this.t0 = getRunningLoop().time();
    getRunningLoop().setExceptionHandler((_loop, ctx) => {
      const e = ctx.exception;
      this.reports.push(ctx.message + (e !== undefined ? ` ${descErr(e)}` : ''));
    });
    const me = currentTask()!;
    const wd = createTask(
      async () => {
        await sleep(WATCHDOG);
        this.log('wd', 'WATCHDOG');
        me.cancel('watchdog');
      },
      { name: 'wd' },
    );
    try {
      const r = await this.execA(this.prog.main, 'M', []);
      this.log('M', `main -> ${descVal(r)}`);
      return r;
    } finally {
      wd.cancel();
      this.finals();
    }
  }
}

function names(xs: Set<Future<unknown>>, fname: (f: Future<unknown>) => string): string {
  return [...xs]
    .map(fname)
    .sort()
    .join(',');
}

function fmtTime(t: number): string {
  // Python's f'{t:g}' for the small integers and simple fractions the programs produce.
  return Number.isInteger(t) ? String(t) : String(+t.toPrecision(6));
}

let uncaught: unknown = undefined;
process.on('uncaughtException', (e) => {
  uncaught = e;
});

/** Runs `prog` on tulip in `style` with virtual time; `hangMs` of real time means a hang. */
export async function runTulip(prog: Program, style: Style, hangMs = 5000): Promise<RunResult> {
  const interp = new Interp(prog, style);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve('HANG'), hangMs);
  });
  const runP = run(style === 'gen' ? interp.rootG() : () => interp.rootA(), {
    clock: new MockClock({ autojumpThreshold: 0 }),
  }).then(
    (r) => `ok ${descVal(r)}`,
    (e) => `error ${descErr(e)}`,
  );
  uncaught = undefined;
  let outcome = await Promise.race([runP, hang]);
  clearTimeout(timer);
  // An error thrown outside every task and callback (a stack overflow from a cycle of tasks
  // cancelling each other) escapes the loop: record it instead of dying.
  if (uncaught !== undefined) outcome = `UNCAUGHT ${descErr(uncaught)} (then ${outcome})`;
  return { trace: interp.trace, outcome, reports: interp.reports };
}
