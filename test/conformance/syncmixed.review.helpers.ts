// Shared scaffolding of the syncmixed.review.*.test.ts files: an adversarial review of the queues
// and synchronisation primitives under mixed load (several waiters, cancellations and wake-ups in
// the same pass) against CPython 3.13 asyncio (Lib/asyncio/queues.py, locks.py). Each scenario logs
// `[who, what, tick]` events, where `tick` counts loop passes through a callSoon chain started first
// thing in the main task (the same `loop.call_soon` chain in the Python probe), and the whole log is
// compared with the log the same scenario wrote under the pure-Python asyncio 3.13. Every scenario
// runs with every waiter a generator, every waiter an async function, and the roles alternating
// between the two styles (`scenario` below makes one `it` per variant).
import { expect, it } from 'vitest';
import {
  BrokenBarrierError,
  CancelledError,
  QueueShutDownError,
  createTask,
  getRunningLoop,
  run,
  sleep,
  type Future,
  type Task,
  type TaskBody,
} from 'tulip';
import { STYLES, styled, type Style } from './helpers.js';

/** A scenario's log: one array per event, as the probe's list of tuples. */
export type Log = unknown[][];
/** Reads the pass count (a `passCounter()`). */
export type Tick = () => number;

/** All waiters generators, all async functions, or alternating by role (0: generator, 1: async …). */
export type Variant = 'generator' | 'async' | 'mixed';

/** Every scenario runs once per variant. */
export const VARIANTS: readonly Variant[] = ['generator', 'async', 'mixed'];

/** The style of role `i` in variant `v`. */
export const roleStyle = (v: Variant, i: number): Style => (v === 'mixed' ? STYLES[i % 2]! : v);

/** The probe's `errname`: how a failure shows in the log. */
export function errName(e: unknown): string {
  if (e instanceof CancelledError) return 'cancelled';
  if (e instanceof QueueShutDownError) return 'shutdown';
  if (e instanceof BrokenBarrierError) return 'broken';
  return (e as Error).constructor.name;
}

/**
 * A task body in `style` that awaits `make()` and logs `[name, 'got', value?, tick]`, or
 * `[name, errName, tick]` when it fails (re-throwing only a cancellation), as the probe's `waiter`.
 */
export function waiter<T>(style: Style, log: Log, name: string, tick: Tick, make: () => Future<T>): TaskBody<T | undefined> {
  const got = (v: T): T => {
    log.push(v === undefined || v === true ? [name, 'got', tick()] : [name, 'got', v, tick()]);
    return v;
  };
  const failed = (e: unknown): undefined => {
    log.push([name, errName(e), tick()]);
    if (e instanceof CancelledError) throw e;
    return undefined;
  };
  return styled(
    style,
    function* () {
      let v: T;
      try {
        v = yield* make();
      } catch (e) {
        return failed(e);
      }
      return got(v);
    },
    async () => {
      let v: T;
      try {
        v = await make();
      } catch (e) {
        return failed(e);
      }
      return got(v);
    },
  );
}

/** Starts `waiter` tasks named `${prefix}${i}`, role i's style chosen by the variant. */
export function waiters<T>(v: Variant, log: Log, prefix: string, tick: Tick, makes: (() => Future<T>)[], first = 0): Task<T | undefined>[] {
  return makes.map((make, i) => createTask(waiter(roleStyle(v, first + i), log, `${prefix}${first + i}`, tick, make)));
}

/** Runs `fn` in a loop callback of the running loop (asyncio's `loop.call_soon(cb)`). */
export const soon = (fn: () => void): void => {
  getRunningLoop().callSoon(fn);
};

/** The state part of asyncio's repr: `<Lock object at 0x… [locked, waiters:1]>` → `[locked, waiters:1]`. */
export const bracket = (x: object): string => String(x).slice(String(x).lastIndexOf('['), -1);

/** One `it` per variant, comparing the scenario's log with asyncio's. */
export function scenario(what: string, body: (v: Variant) => Promise<Log>, expected: Log, fails: Variant[] = []): void {
  for (const v of VARIANTS) {
    (fails.includes(v) ? it.fails : it)(`${what} (${v})`, () =>
      run(async () => {
        expect(await body(v)).toEqual(expected);
      }));
  }
}

/** What a `holder` takes and gives back: a Lock or a (Bounded)Semaphore. */
export type Acquirable = { acquire(): Future<true>; release(): void };

/**
 * A task body in `style` that acquires `res` (logging `[name, 'cancelled', tick]` if cancelled
 * there), logs `[name, 'got', tick]`, holds it for `hold` passes and releases it, logging a
 * release that throws (the probe's `holder`/`semholder`).
 */
export function holder(style: Style, log: Log, name: string, tick: Tick, res: Acquirable, hold = 1): TaskBody<void> {
  const cancelled = (e: unknown): never => {
    if (e instanceof CancelledError) log.push([name, 'cancelled', tick()]);
    throw e;
  };
  const release = (): void => {
    try {
      res.release();
    } catch (e) {
      log.push([name, 'release', (e as Error).constructor.name, (e as Error).message]);
    }
  };
  return styled(
    style,
    function* () {
      try {
        yield* res.acquire();
      } catch (e) {
        cancelled(e);
      }
      log.push([name, 'got', tick()]);
      try {
        for (let i = 0; i < hold; i++) yield* sleep(0);
      } finally {
        release();
      }
    },
    async () => {
      try {
        await res.acquire();
      } catch (e) {
        cancelled(e);
      }
      log.push([name, 'got', tick()]);
      try {
        for (let i = 0; i < hold; i++) await sleep(0);
      } finally {
        release();
      }
    },
  );
}
