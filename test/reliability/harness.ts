// Shared machinery of the reliability suite: random programs of tasks, run under virtual time, in
// both coroutine styles.
//
// A task's program is written once, as a generator, and every wait in it goes through `aw(style,
// fut)`: in the generator style the generator *is* the task body and `aw` is a plain `yield*` of
// the future; in the async style the generator is driven by `drive()`, an async function that
// `await`s each future `aw` hands it (and throws the error back in), so the task really waits with
// `await` — cancellation reaches it at that `await`, as in hand-written async code. Scope bodies
// (`lock.run(body)`, `timeout(t).run(body)`) go through `scoped(style, …)`: a generator body in
// the generator style, an async body (`drive` of the generator) in the async style.
import fc from 'fast-check';
import { expect } from 'vitest';
import {
  createTask,
  ensureFuture,
  gather,
  getRunningLoop,
  run,
  sleep,
  type Coroutine,
  type ExceptionContext,
  type Future,
  type Task,
  type TaskBody,
} from 'tulip';
import { MockClock } from 'tulip/testing';
import { recordExceptions, type Style } from '../support.js';

export { STYLES, type Style } from '../support.js';

/** A program step: `Coroutine` with any yielded value (futures, or `Await` requests in async mode). */
export type Prog<T = void> = Generator<unknown, T, unknown>;

/** What an async-style program yields to its driver: "await this for me". */
class Await {
  constructor(readonly aw: PromiseLike<unknown>) {}
}

/**
 * `const v = yield* aw(style, fut)`: waits for `fut` with `yield*` or with `await`.
 *
 * `onUse` runs at the moment the wait starts using `fut`: right before the `yield*` in the
 * generator style; in the async style when `await` calls `fut.then` (one microtask after the
 * `await` expression — JS calls a thenable's `then` in a job). A blocked `acquire()`/`get()`/`put()`
 * joins its waiter queue at that moment (an un-awaited one never does), so a model that checks
 * FIFO order records arrivals there.
 */
export function* aw<T>(style: Style, fut: Future<T>, onUse?: () => void): Prog<T> {
  if (style === 'generator') {
    onUse?.();
    return yield* fut;
  }
  const target: PromiseLike<T> =
    onUse === undefined
      ? fut
      : {
          then: (ok, err) => {
            onUse();
            return fut.then(ok, err);
          },
        };
  return (yield new Await(target)) as T;
}

/** `yield* nap(style, d)`: `sleep(d)` (d = 0: one loop pass). */
export function nap(style: Style, d: number): Prog<void> {
  return aw(style, sleep(d));
}

/**
 * Waits for an acquire future, calling `arrive` when it takes its place: at once when the call
 * took the lock (the fast path), else when the wait first uses the future (see `aw`).
 */
export function acquireArriving<T>(style: Style, f: Future<T>, arrive: () => void): Prog<T> {
  if (f.done()) {
    arrive();
    return aw(style, f);
  }
  return aw(style, f, arrive);
}

/** Holds a resource: h < 0 not at all, 0 one pass, else h virtual ms. */
export function* hold(style: Style, h: number): Prog<void> {
  if (h >= 0) yield* nap(style, h);
}

/**
 * `yield* io(style, d)`: waits `d` virtual ms for a foreign (native) promise, as code waiting on
 * I/O does: with `await` in the async style (tulip cannot cancel that wait: a cancel is delivered
 * at the task's next tulip await), through `ensureFuture` in the generator style.
 */
export function* io(style: Style, d: number): Prog<void> {
  const p = new Promise<void>((resolve) => getRunningLoop().callLater(d, resolve));
  if (style === 'generator') return yield* ensureFuture(p);
  return (yield new Await(p)) as void;
}

/** Runs an async-style program: awaits what it yields, sends back results and errors. */
export async function drive<T>(gen: Prog<T>): Promise<T> {
  let r = gen.next();
  for (;;) {
    if (r.done) return r.value;
    const req = r.value;
    if (!(req instanceof Await)) throw new Error(`async-style program yielded ${String(req)}`);
    let value: unknown;
    try {
      value = await req.aw;
    } catch (e) {
      r = gen.throw(e);
      continue;
    }
    r = gen.next(value);
  }
}

/** A task body running `make()` in `style`. */
export function body<T>(style: Style, make: () => Prog<T>): TaskBody<T> {
  return style === 'generator' ? (make as () => Coroutine<T>) : () => drive(make());
}

/** A scope body (`X.run(body)`) running `make()` in `style`. */
export function scoped<T>(style: Style, make: () => Prog<T>): () => Coroutine<T> | Promise<T> {
  return style === 'generator' ? (make as () => Coroutine<T>) : () => drive(make());
}

// ---- random cancellations ---------------------------------------------------------------------

/** Cancel task `target` (mod the number of tasks) at virtual time `at`, after `passes` more passes. */
export interface CancelEvent {
  target: number;
  at: number;
  passes: number;
}

export const cancelArb: fc.Arbitrary<CancelEvent> = fc.record({
  target: fc.nat({ max: 7 }),
  at: fc.integer({ min: 0, max: 6 }),
  passes: fc.integer({ min: 0, max: 3 }),
});

export const cancelsArb = (max = 3): fc.Arbitrary<CancelEvent[]> => fc.array(cancelArb, { maxLength: max });

/** A per-task style: both styles, or one of them for every task. */
export const stylesArb = (n: number, style: Style | 'mixed'): fc.Arbitrary<Style[]> =>
  style === 'mixed'
    ? fc.array(fc.constantFrom<Style>('generator', 'async'), { minLength: n, maxLength: n })
    : fc.constant(Array.from({ length: n }, () => style));

// ---- running a scenario -----------------------------------------------------------------------

export interface Outcome {
  /** The task's result, or undefined when it failed. */
  value?: unknown;
  /** Its error (CancelledError for a cancelled task). */
  error?: unknown;
  /** Still pending at the time limit (then cancelled). */
  stuck: boolean;
  /** Cancelled by one of the random cancellations (it may still have finished first). */
  cancelRequested: boolean;
}

export interface ScenarioResult<F = void> {
  outcomes: Outcome[];
  /** Indices of the tasks still pending at the limit. */
  stuck: number[];
  /** What reached the loop's exception handler. */
  reported: ExceptionContext[];
  /** The virtual time at the end. */
  endTime: number;
  /** What `finale` returned. */
  finale: F;
}

export interface Scenario<F> {
  bodies: TaskBody<unknown>[];
  cancels?: CancelEvent[];
  /** Virtual ms after which the tasks still pending are called stuck (and cancelled). */
  limitMs?: number;
  /** Runs in the loop at the limit, before the tasks still pending (`stuck`) are cancelled. */
  atLimit?: (stuck: number[]) => void;
  /** Runs in the loop once every task has settled (after the stuck ones were cancelled). */
  finale?: (stuck: number[]) => Coroutine<F> | Promise<F> | F;
}

/**
 * Runs the tasks on a fresh loop with virtual time (autojump), applies the random cancellations,
 * waits up to `limitMs` virtual ms, cancels and records the tasks still pending, then runs
 * `finale` inside the loop.
 */
export function runScenario<F = void>(sc: Scenario<F>): Promise<ScenarioResult<F>> {
  const clock = new MockClock({ autojumpThreshold: 0 });
  return run(
    async () => {
      const reported = recordExceptions();
      const n = sc.bodies.length;
      const tasks: Task<unknown>[] = sc.bodies.map((b, i) => createTask(b, { name: `T${i}` }));
      const requested = new Array<boolean>(n).fill(false);
      for (const c of sc.cancels ?? []) {
        const i = c.target % n;
        createTask(function* () {
          yield* sleep(c.at);
          for (let p = 0; p < c.passes; p++) yield* sleep(0);
          requested[i] = true;
          tasks[i]!.cancel();
        });
      }
      // The watchdog steps 1 virtual ms at a time (not one long wait): an early autojump (see
      // virtualtime.test.ts) then costs a program 1 ms, not the whole limit.
      const loop = getRunningLoop();
      const start = loop.time();
      const deadline = start + (sc.limitMs ?? 500);
      while (loop.time() < deadline && tasks.some((t) => !t.done())) await sleep(loop.time() - start < 100 ? 1 : 10);
      const stuck = tasks.flatMap((t, i) => (t.done() ? [] : [i]));
      sc.atLimit?.(stuck);
      for (const i of stuck) tasks[i]!.cancel();
      await gather(tasks, { returnExceptions: true });
      const outcomes: Outcome[] = tasks.map((t, i) => {
        const o: Outcome = { stuck: stuck.includes(i), cancelRequested: requested[i]! };
        if (t.cancelled()) o.error = cancelledOf(t);
        else if (t.exception() !== undefined) o.error = t.exception();
        else o.value = t.result();
        return o;
      });
      const finale = (sc.finale ? await runFinale(sc.finale, stuck) : undefined) as F;
      return { outcomes, stuck, reported: [...reported], endTime: clock.now(), finale };
    },
    { clock },
  );
}

async function runFinale<F>(f: (stuck: number[]) => Coroutine<F> | Promise<F> | F, stuck: number[]): Promise<F> {
  const r = f(stuck);
  if (r !== null && typeof r === 'object' && typeof (r as Coroutine<F>).next === 'function' && Symbol.iterator in r) {
    return createTask(() => r as Coroutine<F>);
  }
  return r as F;
}

function cancelledOf(t: Task<unknown>): unknown {
  try {
    t.result();
  } catch (e) {
    return e;
  }
  return undefined;
}

/** Every task settled without being stuck, and nothing reached the exception handler. */
export function expectCleanEnd(r: ScenarioResult<unknown>): void {
  expect(r.stuck, 'tasks still blocked at the time limit').toEqual([]);
  expectNothingReported(r);
}

/**
 * Nothing reached the exception handler — except, where `lostToCancel` is given, the reports
 * DESIGN §4 asks for: a task cancelled after the wait it was in had failed with one of those
 * errors (say a QueueShutDownError) but before it resumed gets the cancel, and the error goes to
 * the handler instead of being dropped.
 */
export function expectNothingReported(r: ScenarioResult<unknown>, lostToCancel: readonly (new (...a: never[]) => Error)[] = []): void {
  const unexpected = r.reported.filter(
    (c) =>
      !(/was cancelled before it could receive the error of/.test(c.message) && lostToCancel.some((E) => c.exception instanceof E)) &&
      // The loop-lag monitor measures real time: a machine busy with other test files may stall us.
      !/^The event loop was blocked for/.test(c.message),
  );
  expect(
    unexpected.map((c) => `${c.message}: ${String(c.exception)}`),
    'reports to the exception handler',
  ).toEqual([]);
}

/** A foreign (native) promise the test resolves with `open()`: tulip cannot cancel a wait on it. */
export function foreignGate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** Errors a task body throws on purpose (inside scopes). */
export class Boom extends Error {
  override name = 'Boom';
}

/** The fast-check settings of this folder: modest run counts; a seed from REL_SEED reproduces. */
export function fcOptions(numRuns: number): fc.Parameters<unknown> {
  const seed = process.env.REL_SEED;
  const runs = process.env.REL_RUNS;
  return {
    numRuns: runs !== undefined ? Number(runs) : numRuns,
    ...(seed !== undefined ? { seed: Number(seed) } : {}),
    // A failing property stops shrinking after a few seconds and reports its smallest case so far.
    interruptAfterTimeLimit: runs !== undefined ? undefined : 6000,
    markInterruptAsFailure: false,
  };
}

// ---- models -----------------------------------------------------------------------------------

/** 2–8 tasks, each with 1–maxOps operations. */
export const programsArb = <O>(op: fc.Arbitrary<O>, maxOps = 5) =>
  fc.array(fc.array(op, { minLength: 1, maxLength: maxOps }), { minLength: 2, maxLength: 8 });

/** Checks exclusion and FIFO order of one lock (or of a semaphore with `capacity` units). */
export class HoldModel {
  readonly holders = new Set<string>();
  readonly arrivals: string[] = [];
  readonly grants: string[] = [];
  readonly failed = new Set<string>();
  readonly violations: string[] = [];
  maxHolders = 0;

  constructor(
    private readonly capacity: number,
    private readonly locked: () => boolean,
  ) {}

  arrive(id: string): void {
    this.arrivals.push(id);
  }

  fail(id: string): void {
    this.failed.add(id);
  }

  grant(id: string): void {
    this.grants.push(id);
    this.holders.add(id);
    this.maxHolders = Math.max(this.maxHolders, this.holders.size);
    if (this.holders.size > this.capacity) this.violations.push(`${id} granted while ${[...this.holders].join(',')} hold`);
    if (this.capacity === 1 && !this.locked()) this.violations.push(`${id} granted but locked() is false`);
  }

  /** The holder gives up (before the actual release). */
  leave(id: string): void {
    if (!this.holders.delete(id)) this.violations.push(`${id} left without holding`);
  }

  /** The grants must be the arrivals minus the failed acquisitions, in order. */
  expectFifo(): void {
    expect(this.grants).toEqual(this.arrivals.filter((id) => !this.failed.has(id)));
  }
}

// ---- same-pass bursts -----------------------------------------------------------------------------

/**
 * Plays `actions` from inside a running loop: each run of actions up to a `{ k: 'pass' }` happens
 * synchronously in one loop callback (so wake-ups and cancellations land in the same pass, in
 * the order given), then one loop pass goes by.
 */
export async function playBursts<A extends { k: string }>(actions: readonly A[], apply: (a: A) => void): Promise<void> {
  let burst: A[] = [];
  const flush = async (): Promise<void> => {
    const b = burst;
    burst = [];
    await new Promise<void>((resolve) =>
      getRunningLoop().callSoon(() => {
        for (const a of b) apply(a);
        resolve();
      }),
    );
    await sleep(0);
  };
  for (const a of actions) {
    if (a.k === 'pass') await flush();
    else burst.push(a);
  }
  await flush();
}

