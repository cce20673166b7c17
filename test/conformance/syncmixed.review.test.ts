// Adversarial review of the queues and synchronisation primitives under mixed load: several
// waiters, cancellations and wake-ups in the same pass, against CPython 3.13 asyncio
// (Lib/asyncio/queues.py, locks.py). Each scenario logs `[who, what, tick]` events, where `tick`
// counts loop passes through a callSoon chain started first thing in the main task (the same
// `loop.call_soon` chain in the Python probe), and the whole log is compared with the log the same
// scenario wrote under the pure-Python asyncio 3.13. Every scenario runs with every waiter a
// generator, every waiter an async function, and the roles alternating between the two styles.
// test/conformance/sync.review.test.ts reviews each primitive on its own; this file does not
// repeat it.
import { describe, expect, it } from 'vitest';
import {
  Barrier,
  BoundedSemaphore,
  BrokenBarrierError,
  CancelledError,
  Condition,
  Event,
  LifoQueue,
  Lock,
  PriorityQueue,
  Queue,
  QueueShutDownError,
  Semaphore,
  createTask,
  gather,
  shield,
  getRunningLoop,
  run,
  sleep,
  waitFor,
  TimeoutError,
  type Future,
  type Task,
  type TaskBody,
} from 'tulip';
import { STYLES, passCounter, passes, styled, syncError, type Style } from './helpers.js';

// ---- scaffolding ------------------------------------------------------------------------------

type Log = unknown[][];
type Tick = () => number;

/** All waiters generators, all async functions, or alternating by role (0: generator, 1: async …). */
type Variant = 'generator' | 'async' | 'mixed';
const VARIANTS: readonly Variant[] = ['generator', 'async', 'mixed'];
const roleStyle = (v: Variant, i: number): Style => (v === 'mixed' ? STYLES[i % 2]! : v);

/** The probe's `errname`: how a failure shows in the log. */
function errName(e: unknown): string {
  if (e instanceof CancelledError) return 'cancelled';
  if (e instanceof QueueShutDownError) return 'shutdown';
  if (e instanceof BrokenBarrierError) return 'broken';
  return (e as Error).constructor.name;
}

/**
 * A task body in `style` that awaits `make()` and logs `[name, 'got', value?, tick]`, or
 * `[name, errName, tick]` when it fails (re-throwing only a cancellation), as the probe's `waiter`.
 */
function waiter<T>(style: Style, log: Log, name: string, tick: Tick, make: () => Future<T>): TaskBody<T | undefined> {
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
function waiters<T>(v: Variant, log: Log, prefix: string, tick: Tick, makes: (() => Future<T>)[], first = 0): Task<T | undefined>[] {
  return makes.map((make, i) => createTask(waiter(roleStyle(v, first + i), log, `${prefix}${first + i}`, tick, make)));
}

/** Runs `fn` in a loop callback of the running loop (asyncio's `loop.call_soon(cb)`). */
const soon = (fn: () => void): void => {
  getRunningLoop().callSoon(fn);
};

/** The state part of asyncio's repr: `<Lock object at 0x… [locked, waiters:1]>` → `[locked, waiters:1]`. */
const bracket = (x: object): string => String(x).slice(String(x).lastIndexOf('['), -1);

/** One `it` per variant, comparing the scenario's log with asyncio's. */
function scenario(what: string, body: (v: Variant) => Promise<Log>, expected: Log, fails: Variant[] = []): void {
  for (const v of VARIANTS) {
    (fails.includes(v) ? it.fails : it)(`${what} (${v})`, () =>
      run(async () => {
        expect(await body(v)).toEqual(expected);
      }));
  }
}

// ---- Queue ------------------------------------------------------------------------------------

describe('Queue under mixed load (logs from asyncio 3.13)', () => {
  // asyncio: the first getter, woken by the first put and cancelled in the same callback, raises at
  // its done waiter and wakes the third getter (an item is still there): G1 gets 'a' in that pass,
  // G2 gets 'b' one pass later.
  scenario(
    'two puts in one callback wake two getters; the first, cancelled there, hands its wake-up to the third',
    async (v) => {
      const log: Log = [];
      const tick = passCounter();
      const q = new Queue<string>(2);
      const g = waiters(v, log, 'G', tick, [0, 1, 2].map(() => () => q.get()));
      await passes(1);
      soon(() => {
        log.push(['cb', tick()]);
        q.putNowait('a');
        q.putNowait('b');
        g[0]!.cancel();
      });
      await passes(5);
      log.push(['end', q.qsize(), String(q)]);
      return log;
    },
    [['cb', 2], ['G0', 'cancelled', 3], ['G1', 'got', 'a', 3], ['G2', 'got', 'b', 4], ['end', 0, '<Queue maxsize=2 tasks=2>']],
  );

  // asyncio: G0, woken by the put, finds the queue empty (a getNowait() in the next callback took
  // the item) and waits again behind G1: the next put goes to G1, the one after to G0.
  scenario(
    'a getNowait() between a getter\'s wake-up and its resumption sends that getter behind the next one',
    async (v) => {
      const log: Log = [];
      const tick = passCounter();
      const q = new Queue<number>();
      waiters(v, log, 'G', tick, [0, 1].map(() => () => q.get()));
      await passes(1);
      soon(() => q.putNowait(1));
      soon(() => log.push(['stolen', q.getNowait(), tick()]));
      await passes(2);
      log.push(['waiting', String(q)]);
      soon(() => q.putNowait(2));
      await passes(2);
      soon(() => q.putNowait(3));
      await passes(3);
      return log;
    },
    [['stolen', 1, 2], ['waiting', '<Queue maxsize=0 _getters[2] tasks=1>'], ['G1', 'got', 2, 5], ['G0', 'got', 3, 7]],
  );

  for (const [Kind, left] of [[Queue, ['d', 'e']], [LifoQueue, ['e', 'd']]] as const) {
    // asyncio: two getNowait()s wake P0 and P1; P0, cancelled in the same callback, wakes P2 as it
    // leaves (a slot is free and its waiter was not cancelled): P1 puts at once, P2 a pass later.
    scenario(
      `${Kind.name}(2): two getNowait()s in one callback wake two putters; the first, cancelled there, hands its slot to the third`,
      async (v) => {
        const log: Log = [];
        const tick = passCounter();
        const q = new Kind<string>(2);
        q.putNowait('a');
        q.putNowait('b');
        const p = waiters(v, log, 'P', tick, ['c', 'd', 'e'].map((x) => () => q.put(x)));
        await passes(1);
        soon(() => {
          log.push(['cb', q.getNowait(), q.getNowait(), tick()]);
          p[0]!.cancel();
        });
        await passes(4);
        const rest: string[] = [];
        while (!q.empty()) rest.push(q.getNowait());
        log.push(['left', rest, q.statistics().unfinishedTasks]);
        return log;
      },
      [['cb', ...(Kind === Queue ? ['a', 'b'] : ['b', 'a']), 2], ['P0', 'cancelled', 3], ['P1', 'got', 3], ['P2', 'got', 4], ['left', [...left], 4]],
    );
  }

  // asyncio: shutdown() right after a getNowait() woke P0: P0 finds a free slot but the queue shut
  // down (put_nowait raises QueueShutDown), P1 likewise; the unfinished item keeps join() waiting
  // until taskDone().
  scenario(
    'shutdown() in the callback whose getNowait() woke a putter fails both putters; join() waits for taskDone()',
    async (v) => {
      const log: Log = [];
      const tick = passCounter();
      const q = new Queue<string>(1);
      q.putNowait('a');
      waiters(v, log, 'P', tick, ['b', 'c'].map((x) => () => q.put(x)));
      waiters(v, log, 'J', tick, [() => q.join()], 2);
      await passes(1);
      soon(() => {
        log.push(['cb', q.getNowait(), tick()]);
        q.shutdown();
      });
      await passes(3);
      log.push(['state', String(q)]);
      try {
        await q.get();
      } catch (e) {
        log.push(['get', errName(e), tick()]);
      }
      soon(() => q.taskDone());
      await passes(3);
      return log.map((e) => (e[0] === 'J2' ? ['J', ...e.slice(1)] : e));
    },
    [['cb', 'a', 2], ['P0', 'shutdown', 3], ['P1', 'shutdown', 3], ['state', '<Queue maxsize=1 tasks=1 shutdown>'],
      ['get', 'shutdown', 4], ['J', 'got', 6]],
  );

  // asyncio: put_nowait('y') wakes G0, shutdown(immediate=True) drops 'y' (the item got earlier
  // stays unfinished) and wakes G1 and G2, and G1 is cancelled after its wake-up: in the next pass
  // G0 and G2 fail with QueueShutDown and G1 ends cancelled; join() waits for the last taskDone().
  scenario(
    'shutdown(true) right after a put woke a getter, with another getter cancelled: the rest fail, join() waits for taskDone()',
    async (v) => {
      const log: Log = [];
      const tick = passCounter();
      const q = new Queue<string>();
      q.putNowait('x');
      q.getNowait();
      const g = waiters(v, log, 'G', tick, [0, 1, 2].map(() => () => q.get()));
      waiters(v, log, 'J', tick, [() => q.join()], 3);
      await passes(1);
      soon(() => {
        log.push(['cb', tick()]);
        q.putNowait('y');
        q.shutdown(true);
        g[1]!.cancel();
        log.push(['after', String(q)]);
      });
      await passes(3);
      log.push(['state', String(q)]);
      soon(() => q.taskDone());
      await passes(3);
      log.push(['taskDone', syncError(() => q.taskDone()).message]);
      return log.map((e) => (e[0] === 'J3' ? ['J', ...e.slice(1)] : e));
    },
    [['cb', 2], ['after', '<Queue maxsize=0 tasks=1 shutdown>'], ['G0', 'shutdown', 3], ['G1', 'cancelled', 3],
      ['G2', 'shutdown', 3], ['state', '<Queue maxsize=0 tasks=1 shutdown>'], ['J', 'got', 6],
      // asyncio: ValueError('task_done() called too many times'); tulip words it with the class name.
      ['taskDone', 'Queue: taskDone() called too many times']],
  );

  // asyncio: taskDone() wakes both joiners; a put in the same callback does not un-wake them (J1
  // returns, J0 cancelled after its wake-up ends cancelled), but the joiner started there waits
  // for the new item's taskDone().
  scenario(
    'joiners woken by taskDone() return although an item is put in the same callback; a join() started there waits',
    async (v) => {
      const log: Log = [];
      const tick = passCounter();
      const q = new Queue<number>();
      q.putNowait(1);
      q.getNowait();
      const js = waiters(v, log, 'J', tick, [0, 1].map(() => () => q.join()));
      await passes(1);
      soon(() => {
        log.push(['cb', tick()]);
        q.taskDone();
        q.putNowait(2);
        js.push(...waiters(v, log, 'J', tick, [() => q.join()], 2));
        js[0]!.cancel();
      });
      await passes(3);
      log.push(['state', String(q)]);
      soon(() => {
        log.push(['cb2', q.getNowait(), tick()]);
        q.taskDone();
      });
      await passes(3);
      return log;
    },
    [['cb', 2], ['J0', 'cancelled', 3], ['J1', 'got', 3], ['state', '<Queue maxsize=0 _queue=[2] tasks=1>'], ['cb2', 2, 5], ['J2', 'got', 6]],
  );

  // asyncio: with A created first, the producer second and B third, A is always woken by the put
  // but B (running later in the same pass) takes the item first; A waits again at the back, so B
  // gets every item, one per pass, and the producer's join() returns two passes after the last.
  scenario(
    'maxsize-1 ping-pong between a producer and two consumers: the consumer that runs after the producer gets every item',
    async (v) => {
      const log: Log = [];
      const tick = passCounter();
      const q = new Queue<number>(1);
      const producer = styled(
        roleStyle(v, 1),
        function* () {
          for (let i = 0; i < 6; i++) {
            yield* q.put(i);
            log.push(['P', i, tick()]);
          }
          yield* q.join();
          log.push(['P joined', tick()]);
        },
        async () => {
          for (let i = 0; i < 6; i++) {
            await q.put(i);
            log.push(['P', i, tick()]);
          }
          await q.join();
          log.push(['P joined', tick()]);
        },
      );
      const consumer = (name: string, style: Style) => styled(
        style,
        function* () {
          for (;;) {
            const x = yield* q.get();
            log.push([name, x, tick()]);
            yield* sleep(0);
            q.taskDone();
          }
        },
        async () => {
          for (;;) {
            const x = await q.get();
            log.push([name, x, tick()]);
            await sleep(0);
            q.taskDone();
          }
        },
      );
      const a = createTask(consumer('A', roleStyle(v, 0)));
      const p = createTask(producer);
      const b = createTask(consumer('B', roleStyle(v, 2)));
      await p;
      a.cancel();
      b.cancel();
      await passes(2);
      log.push(['end', tick(), a.cancelled(), b.cancelled()]);
      return log;
    },
    [['P', 0, 1], ['B', 0, 1], ['P', 1, 2], ['B', 1, 2], ['P', 2, 3], ['B', 2, 3], ['P', 3, 4], ['B', 3, 4], ['P', 4, 5],
      ['B', 4, 5], ['P', 5, 6], ['B', 5, 6], ['P joined', 8], ['end', 11, true, true]],
  );

  // asyncio (heapq on tuples): equal priorities are ordered by the next element; a waiting getter
  // gets the smallest of the items put in one callback; putters blocked on a full PriorityQueue
  // put in FIFO order when woken, and the heap orders their items; with (priority, seq, name)
  // equal priorities come out in insertion order.
  scenario(
    'PriorityQueue(2): equal priorities ordered by the next element, through a waiting getter and woken putters',
    async (v) => {
      const log: Log = [];
      const tick = passCounter();
      const pq = new PriorityQueue<[number, string]>(2);
      waiters(v, log, 'G', tick, [() => pq.get()]);
      await passes(1);
      soon(() => {
        pq.putNowait([1, 'b']);
        pq.putNowait([1, 'a']);
        log.push(['cb', pq.full(), tick()]);
      });
      await passes(2);
      const items: [number, string][] = [[1, 'c'], [0, 'z'], [1, 'a']];
      waiters(v, log, 'P', tick, items.map((x) => () => pq.put(x)));
      await passes(1);
      log.push(['full', pq.qsize(), tick()]);
      soon(() => log.push(['cb2', pq.getNowait(), pq.getNowait(), tick()]));
      await passes(3);
      const left: unknown[] = [];
      while (!pq.empty()) left.push(pq.getNowait());
      log.push(['left', left]);
      const pq3 = new PriorityQueue<[number, number, string]>();
      let seq = 0;
      for (const [prio, name] of [[2, 'x'], [1, 'y'], [2, 'w'], [1, 'v'], [1, 'u']] as const) pq3.putNowait([prio, seq++, name]);
      log.push(['seq', [0, 1, 2, 3, 4].map(() => pq3.getNowait()[2])]);
      return log.map((e) => (e[0] === 'G0' ? ['G', ...e.slice(1)] : e));
    },
    [['cb', true, 2], ['G', 'got', [1, 'a'], 3], ['P0', 'got', 4], ['full', 2, 4], ['cb2', [1, 'b'], [1, 'c'], 5],
      ['P1', 'got', 6], ['P2', 'got', 6], ['left', [[0, 'z'], [1, 'a']]], ['seq', ['y', 'v', 'u', 'x', 'w']]],
  );
});

// ---- Lock and Semaphore -----------------------------------------------------------------------

type Acquirable = { acquire(): Future<true>; release(): void };

/**
 * A task body in `style` that acquires `res` (logging `[name, 'cancelled', tick]` if cancelled
 * there), logs `[name, 'got', tick]`, holds it for `hold` passes and releases it, logging a
 * release that throws (the probe's `holder`/`semholder`).
 */
function holder(style: Style, log: Log, name: string, tick: Tick, res: Acquirable, hold = 1): TaskBody<void> {
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

const holders = (v: Variant, log: Log, tick: Tick, res: Acquirable, n: number, hold = 1): Task<void>[] =>
  Array.from({ length: n }, (_, i) => createTask(holder(roleStyle(v, i), log, `W${i}`, tick, res, hold)));

describe('Lock: FIFO hand-off with a cancellation at every position (logs from asyncio 3.13)', () => {
  // Four waiters, each holding the lock one pass. The cancel of W[k] comes in the same callback as
  // the release (before or after it), or one pass before or after it. asyncio: a waiter cancelled
  // while parked stays first in line until its task runs (the release wakes nobody) and then wakes
  // the next; a woken waiter cancelled before it ran passes the lock on as it leaves.
  const WHEN = ['before', 'after', 'pass-before', 'pass-after'] as const;
  const EXPECTED: Record<(typeof WHEN)[number], Log[]> = {
    before: [
      [['W0', 'cancelled', 3], ['W1', 'got', 4], ['W2', 'got', 6], ['W3', 'got', 8], ['end', 13, '[unlocked]']],
      [['W1', 'cancelled', 3], ['W0', 'got', 3], ['W2', 'got', 5], ['W3', 'got', 7], ['end', 13, '[unlocked]']],
      [['W2', 'cancelled', 3], ['W0', 'got', 3], ['W1', 'got', 5], ['W3', 'got', 7], ['end', 13, '[unlocked]']],
      [['W3', 'cancelled', 3], ['W0', 'got', 3], ['W1', 'got', 5], ['W2', 'got', 7], ['end', 13, '[unlocked]']],
    ],
    after: [
      [['W0', 'cancelled', 3], ['W1', 'got', 4], ['W2', 'got', 6], ['W3', 'got', 8], ['end', 13, '[unlocked]']],
      [['W0', 'got', 3], ['W1', 'cancelled', 3], ['W2', 'got', 5], ['W3', 'got', 7], ['end', 13, '[unlocked]']],
      [['W0', 'got', 3], ['W2', 'cancelled', 3], ['W1', 'got', 5], ['W3', 'got', 7], ['end', 13, '[unlocked]']],
      [['W0', 'got', 3], ['W3', 'cancelled', 3], ['W1', 'got', 5], ['W2', 'got', 7], ['end', 13, '[unlocked]']],
    ],
    'pass-before': [
      [['W0', 'cancelled', 3], ['W1', 'got', 4], ['W2', 'got', 6], ['W3', 'got', 8], ['end', 14, '[unlocked]']],
      [['W1', 'cancelled', 3], ['W0', 'got', 4], ['W2', 'got', 6], ['W3', 'got', 8], ['end', 14, '[unlocked]']],
      [['W2', 'cancelled', 3], ['W0', 'got', 4], ['W1', 'got', 6], ['W3', 'got', 8], ['end', 14, '[unlocked]']],
      [['W3', 'cancelled', 3], ['W0', 'got', 4], ['W1', 'got', 6], ['W2', 'got', 8], ['end', 14, '[unlocked]']],
    ],
    'pass-after': [
      [['W0', 'got', 3], ['W1', 'got', 5], ['W2', 'got', 7], ['W3', 'got', 9], ['end', 14, '[unlocked]']],
      [['W0', 'got', 3], ['W1', 'cancelled', 4], ['W2', 'got', 5], ['W3', 'got', 7], ['end', 14, '[unlocked]']],
      [['W0', 'got', 3], ['W2', 'cancelled', 4], ['W1', 'got', 5], ['W3', 'got', 7], ['end', 14, '[unlocked]']],
      [['W0', 'got', 3], ['W3', 'cancelled', 4], ['W1', 'got', 5], ['W2', 'got', 7], ['end', 14, '[unlocked]']],
    ],
  };
  for (const when of WHEN) {
    scenario(
      `cancel W[k] ${when} the release, for k = 0 … 3: the others get the lock in FIFO order at asyncio's passes`,
      async (v) => {
        const out: Log = [];
        for (let k = 0; k < 4; k++) {
          const log: Log = [];
          const lock = new Lock();
          await lock.acquire();
          const ticks = passCounter();
          const ws = holders(v, log, ticks, lock, 4);
          await passes(1);
          soon(() => {
            if (when === 'before') {
              ws[k]!.cancel();
              lock.release();
            } else if (when === 'after') {
              lock.release();
              ws[k]!.cancel();
            } else if (when === 'pass-before') {
              ws[k]!.cancel();
            } else {
              lock.release();
            }
          });
          if (when.startsWith('pass')) {
            await passes(1);
            soon(() => (when === 'pass-before' ? lock.release() : ws[k]!.cancel()));
          }
          await passes(12);
          log.push(['end', ticks(), bracket(lock)]);
          out.push(log);
        }
        return out;
      },
      EXPECTED[when],
    );
  }

  // asyncio: after release() woke W0, locked() is false and the lock shows both W0 (woken) and X
  // (queued behind it, not barging) as waiters; X gets the lock one pass after W0 lets it go.
  scenario(
    'locked() is false during the hand-off, and a newcomer queues behind the woken waiter',
    async (v) => {
      const log: Log = [];
      const tick = passCounter();
      const lock = new Lock();
      await lock.acquire();
      createTask(holder(roleStyle(v, 0), log, 'W0', tick, lock, 2));
      await passes(1);
      soon(() => {
        lock.release();
        log.push(['released', lock.locked(), bracket(lock), tick()]);
      });
      createTask(holder(roleStyle(v, 1), log, 'X', tick, lock, 1));
      for (let i = 0; i < 5; i++) {
        soon(() => log.push(['probe', lock.locked(), bracket(lock), tick()]));
        await passes(1);
      }
      await passes(2);
      log.push(['end', bracket(lock), tick()]);
      return log;
    },
    [['released', false, '[unlocked, waiters:1]', 2], ['probe', false, '[unlocked, waiters:2]', 2], ['W0', 'got', 3],
      ['probe', true, '[locked, waiters:1]', 3], ['probe', true, '[locked, waiters:1]', 4],
      ['probe', false, '[unlocked, waiters:1]', 5], ['X', 'got', 6], ['probe', true, '[locked]', 6], ['end', '[unlocked]', 8]],
  );
});

describe('Semaphore and BoundedSemaphore under mixed load (logs from asyncio 3.13)', () => {
  // asyncio: three releases in one callback wake W0, W1, W2 (value stays 0). W1 cancelled after
  // its wake-up gives its unit back when its task runs and wakes W3 in its `finally`; W1 cancelled
  // before the releases is skipped by them, so W3 is woken at once. W4 gets a unit when the first
  // holders release theirs.
  scenario(
    'Semaphore(0): three release()s in one callback with the second waiter cancelled after (then before) them',
    async (v) => {
      const log: Log = [];
      const tick = passCounter();
      for (const when of ['after', 'before']) {
        const sem = new Semaphore(0);
        const ws = holders(v, log, tick, sem, 5, 3);
        await passes(1);
        soon(() => {
          log.push(['cb', when, tick()]);
          if (when === 'before') ws[1]!.cancel();
          sem.release();
          sem.release();
          sem.release();
          if (when === 'after') ws[1]!.cancel();
          log.push(['state', bracket(sem), sem.locked()]);
        });
        for (let i = 0; i < 3; i++) {
          soon(() => log.push(['probe', bracket(sem), tick()]));
          await passes(1);
        }
        await passes(6);
        log.push(['end', bracket(sem)]);
        for (const w of ws) w.cancel();
        await passes(2);
      }
      return log;
    },
    [['cb', 'after', 2], ['state', '[locked, waiters:5]', true], ['probe', '[locked, waiters:5]', 2], ['W0', 'got', 3],
      ['W1', 'cancelled', 3], ['W2', 'got', 3], ['probe', '[locked, waiters:2]', 3], ['W3', 'got', 4],
      ['probe', '[locked, waiters:1]', 4], ['W4', 'got', 7], ['end', '[unlocked, value:3]'],
      ['cb', 'before', 14], ['state', '[locked, waiters:5]', true], ['probe', '[locked, waiters:5]', 14],
      ['W1', 'cancelled', 15], ['W0', 'got', 15], ['W2', 'got', 15], ['W3', 'got', 15], ['probe', '[locked, waiters:1]', 15],
      ['probe', '[locked, waiters:1]', 16], ['W4', 'got', 19], ['end', '[unlocked, value:3]']],
  );

  // asyncio: cancel W0, release, cancel W2, release in one callback: the releases skip the parked
  // W0 (its future is cancelled) and wake W1, then skip W2 and wake W3; all four run next pass.
  scenario(
    'Semaphore(0): cancels and releases interleaved in one callback wake the next uncancelled waiters',
    async (v) => {
      const log: Log = [];
      const tick = passCounter();
      const sem = new Semaphore(0);
      const ws = holders(v, log, tick, sem, 4, 2);
      await passes(1);
      soon(() => {
        ws[0]!.cancel();
        sem.release();
        ws[2]!.cancel();
        sem.release();
        log.push(['cb', bracket(sem), tick()]);
      });
      await passes(8);
      log.push(['end', bracket(sem), tick()]);
      return log;
    },
    [['cb', '[locked, waiters:4]', 2], ['W0', 'cancelled', 3], ['W1', 'got', 3], ['W2', 'cancelled', 3], ['W3', 'got', 3],
      ['end', '[unlocked, value:2]', 9]],
  );

  // asyncio: the first release() takes its unit off for the woken W0, so a second one is not an
  // over-release (value 0 < 1) although the semaphore then counts one unit too many; the third
  // raises ValueError, and so does W0's own release later.
  scenario(
    'BoundedSemaphore(1): with a woken waiter, a second release() passes the bound check and the third fails',
    async (v) => {
      const log: Log = [];
      const tick = passCounter();
      const sem = new BoundedSemaphore(1);
      await sem.acquire();
      createTask(holder(roleStyle(v, 0), log, 'W0', tick, sem, 1));
      await passes(1);
      soon(() => {
        sem.release();
        log.push(['r1', bracket(sem)]);
        sem.release();
        log.push(['r2', bracket(sem)]);
        const e = syncError(() => sem.release());
        log.push(['r3', e.constructor.name, e.message]);
      });
      await passes(4);
      log.push(['end', bracket(sem), tick()]);
      return log;
    },
    // asyncio raises ValueError; tulip maps it to RangeError (DESIGN.md §3).
    [['r1', '[locked, waiters:1]'], ['r2', '[locked, waiters:1]'], ['r3', 'RangeError', 'BoundedSemaphore released too many times'],
      ['W0', 'got', 3], ['W0', 'release', 'RangeError', 'BoundedSemaphore released too many times'], ['end', '[unlocked, value:1]', 5]],
  );

  // asyncio: W0 woken and cancelled in the same callback gives its unit back in its task's step
  // (and wakes W1 there); once W1 releases, the value is back at the bound and a release() fails.
  scenario(
    'BoundedSemaphore(1): a woken waiter cancelled gives its unit to the next; the value ends at the bound',
    async (v) => {
      const log: Log = [];
      const tick = passCounter();
      const sem = new BoundedSemaphore(1);
      await sem.acquire();
      const ws = holders(v, log, tick, sem, 2, 1);
      await passes(1);
      soon(() => {
        sem.release();
        ws[0]!.cancel();
        log.push(['cb', bracket(sem), tick()]);
      });
      for (let i = 0; i < 4; i++) {
        soon(() => log.push(['probe', bracket(sem), tick()]));
        await passes(1);
      }
      log.push(['extra', syncError(() => sem.release()).constructor.name]);
      log.push(['end', bracket(sem), tick()]);
      return log;
    },
    [['cb', '[locked, waiters:2]', 2], ['probe', '[locked, waiters:2]', 2], ['W0', 'cancelled', 3], ['probe', '[locked, waiters:1]', 3],
      ['W1', 'got', 4], ['probe', '[locked]', 4], ['probe', '[unlocked, value:1]', 5], ['extra', 'RangeError'], ['end', '[unlocked, value:1]', 5]],
  );
});

// ---- Condition --------------------------------------------------------------------------------

/**
 * A task body in `style`: `async with cond:` wait (or waitFor(pred)), log `[name, 'woke', tick]`
 * (or `[name, 'cancelled', tick, cond.locked()]`), call `after`, hold the lock `hold` passes.
 */
function condWaiter(
  style: Style,
  log: Log,
  name: string,
  tick: Tick,
  cond: Condition,
  opts: { hold?: number; pred?: () => boolean; after?: () => void } = {},
): TaskBody<void> {
  const { hold = 0, pred, after } = opts;
  const cancelled = (e: unknown): never => {
    if (e instanceof CancelledError) log.push([name, 'cancelled', tick(), cond.locked()]);
    throw e;
  };
  const woke = (): void => {
    log.push([name, 'woke', tick()]);
    after?.();
  };
  return styled(
    style,
    function* () {
      yield* cond.run(function* () {
        try {
          if (pred === undefined) yield* cond.wait();
          else yield* cond.waitFor(pred);
        } catch (e) {
          cancelled(e);
        }
        woke();
        for (let i = 0; i < hold; i++) yield* sleep(0);
      });
    },
    async () => {
      await cond.run(async () => {
        try {
          if (pred === undefined) await cond.wait();
          else await cond.waitFor(pred);
        } catch (e) {
          cancelled(e);
        }
        woke();
        for (let i = 0; i < hold; i++) await sleep(0);
      });
    },
  );
}

describe('Condition under mixed load (logs from asyncio 3.13)', () => {
  // asyncio: notify(2) skips W1 and W3 (cancelled just before, in the same step) and wakes W0 and
  // W2; in the next pass the cancelled ones run first (their wake-ups were scheduled first), each
  // re-acquires, and W1's exit notifies W4, which wakes one pass later.
  scenario(
    'notify(2) with two waiters cancelled just before it: the cancelled exit first, and one of them wakes a fifth waiter',
    async (v) => {
      const log: Log = [];
      const tick = passCounter();
      const cond = new Condition();
      const ws = Array.from({ length: 5 }, (_, i) => createTask(condWaiter(roleStyle(v, i), log, `W${i}`, tick, cond)));
      await passes(1);
      await cond.run(() => {
        ws[1]!.cancel();
        ws[3]!.cancel();
        cond.notify(2);
        log.push(['notified', bracket(cond), tick()]);
      });
      await passes(4);
      log.push(['end', bracket(cond), tick()]);
      return log;
    },
    [['notified', '[locked, waiters:5]', 1], ['W1', 'cancelled', 2, true], ['W3', 'cancelled', 2, true], ['W0', 'woke', 2],
      ['W2', 'woke', 2], ['W4', 'woke', 3], ['end', '[unlocked]', 5]],
  );

  // asyncio: after notifyAll() every waiter is woken; the one cancelled right after still
  // re-acquires the lock in turn (each waiter holds it one pass) before its CancelledError.
  scenario(
    'notifyAll() then an immediate cancel of W[k], each woken waiter holding the lock a pass: the cancelled one still queues for the lock',
    async (v) => {
      const log: Log = [];
      const tick = passCounter();
      for (const k of [0, 1, 2]) {
        const cond = new Condition();
        const t0 = tick();
        const rt = (): number => tick() - t0;
        const ws = Array.from({ length: 3 }, (_, i) => createTask(condWaiter(roleStyle(v, i), log, `W${i}`, rt, cond, { hold: 1 })));
        await passes(1);
        await cond.run(() => {
          cond.notifyAll();
          ws[k]!.cancel();
        });
        await passes(8);
        log.push(['end', k, bracket(cond), rt()]);
      }
      return log;
    },
    [['W0', 'cancelled', 2, true], ['W1', 'woke', 2], ['W2', 'woke', 4], ['end', 0, '[unlocked]', 9],
      ['W0', 'woke', 2], ['W1', 'cancelled', 4, true], ['W2', 'woke', 5], ['end', 1, '[unlocked]', 9],
      ['W0', 'woke', 2], ['W1', 'woke', 4], ['W2', 'cancelled', 6, true], ['end', 2, '[unlocked]', 9]],
  );

  // asyncio: three waitFor(ready > 0) consumers, each taking one unit; notifyAll() with one unit:
  // W0 takes it, W1 and W2 find the predicate false again and wait on; the main task flips the
  // state while holding the lock; a later notify(1) with two units wakes only W1, and W2 waits on.
  scenario(
    'waitFor() consumers with a predicate that flips back: only as many return as the state allows',
    async (v) => {
      const log: Log = [];
      const tick = passCounter();
      const cond = new Condition();
      let ready = 0;
      const ws = Array.from({ length: 3 }, (_, i) =>
        createTask(condWaiter(roleStyle(v, i), log, `W${i}`, tick, cond, { hold: 1, pred: () => ready > 0, after: () => ready-- })));
      await passes(1);
      await cond.run(() => {
        ready = 1;
        cond.notifyAll();
      });
      await passes(1);
      await cond.run(() => {
        log.push(['main', bracket(cond), tick()]);
        ready = 0;
      });
      await passes(4);
      log.push(['mid', bracket(cond), tick()]);
      await cond.run(() => {
        ready = 2;
        cond.notify(1);
      });
      await passes(6);
      log.push(['end', bracket(cond), ready, tick()]);
      for (const w of ws) w.cancel();
      await passes(3);
      return log;
    },
    [['W0', 'woke', 2], ['main', '[locked, waiters:2]', 6], ['mid', '[unlocked, waiters:2]', 10], ['W1', 'woke', 11],
      ['end', '[unlocked, waiters:1]', 1, 16], ['W2', 'cancelled', 17, true]],
  );

  // asyncio: a Condition built on a Lock that other tasks use directly: the notified waiter
  // re-acquires in the lock's FIFO order, after a user that queued before the notify and before
  // one that queued after it.
  scenario(
    'a Condition sharing its Lock: the notified waiter re-acquires in FIFO order with the lock\'s other users',
    async (v) => {
      const log: Log = [];
      const tick = passCounter();
      for (const order of ['user-first', 'notify-first']) {
        const lock = new Lock();
        const cond = new Condition(lock);
        const t0 = tick();
        const rt = (): number => tick() - t0;
        createTask(condWaiter(roleStyle(v, 0), log, 'W', rt, cond, { hold: 1 }));
        await passes(1);
        const user = (name: string, style: Style): TaskBody<void> => {
          const got = (): number => log.push([name, 'got', rt(), bracket(lock)]);
          return styled(
            style,
            function* () {
              yield* lock.run(function* () {
                got();
                yield* sleep(0);
              });
            },
            async () => {
              await lock.run(async () => {
                got();
                await sleep(0);
              });
            },
          );
        };
        await lock.run(async () => {
          if (order === 'user-first') {
            createTask(user('X', roleStyle(v, 1)));
            await passes(1);
            cond.notify();
          } else {
            cond.notify();
            createTask(user('X', roleStyle(v, 1)));
            await passes(1);
          }
          log.push(['main', bracket(lock), rt()]);
          await passes(1);
        });
        createTask(user('Y', roleStyle(v, 2)));
        await passes(8);
        log.push(['end', order, bracket(lock), rt()]);
      }
      return log;
    },
    [['main', '[locked, waiters:1]', 2], ['X', 'got', 4, '[locked, waiters:1]'], ['W', 'woke', 6], ['Y', 'got', 8, '[locked]'],
      ['end', 'user-first', '[unlocked]', 11], ['main', '[locked, waiters:2]', 2], ['W', 'woke', 4],
      ['X', 'got', 6, '[locked, waiters:1]'], ['Y', 'got', 8, '[locked]'], ['end', 'notify-first', '[unlocked]', 11]],
  );
});

describe('Condition sharing its Lock: a lock user ahead of the notified waiter is cancelled around the release (logs from asyncio 3.13)', () => {
  // asyncio: X (parked on the lock, ahead of the notified W) is cancelled in the step that
  // releases the lock, before or after the release: either way X leaves one pass later and wakes
  // W, which re-acquires one pass after that; Y, queued behind W, comes last.
  scenario(
    'X cancelled before or after the release: X leaves, then W re-acquires, then Y',
    async (v) => {
      const log: Log = [];
      const tick = passCounter();
      for (const when of ['before', 'after']) {
        const lock = new Lock();
        const cond = new Condition(lock);
        const t0 = tick();
        const rt = (): number => tick() - t0;
        const wBody = styled(
          roleStyle(v, 0),
          function* () {
            yield* cond.run(function* () {
              yield* cond.wait();
              log.push(['W', 'woke', rt(), bracket(lock)]);
            });
          },
          async () => {
            await cond.run(async () => {
              await cond.wait();
              log.push(['W', 'woke', rt(), bracket(lock)]);
            });
          },
        );
        createTask(wBody);
        await passes(1);
        const user = (name: string, style: Style): TaskBody<void> => {
          const cancelled = (e: unknown): never => {
            if (e instanceof CancelledError) log.push([name, 'cancelled', rt(), bracket(lock)]);
            throw e;
          };
          return styled(
            style,
            function* () {
              try {
                yield* lock.acquire();
              } catch (e) {
                cancelled(e);
              }
              log.push([name, 'got', rt()]);
              lock.release();
            },
            async () => {
              try {
                await lock.acquire();
              } catch (e) {
                cancelled(e);
              }
              log.push([name, 'got', rt()]);
              lock.release();
            },
          );
        };
        await lock.acquire();
        const x = createTask(user('X', roleStyle(v, 1)));
        await passes(1);
        cond.notify();
        createTask(user('Y', roleStyle(v, 2)));
        await passes(1);
        log.push(['main', when, bracket(lock), rt()]);
        if (when === 'before') {
          x.cancel();
          lock.release();
        } else {
          lock.release();
          x.cancel();
        }
        log.push(['released', bracket(lock)]);
        await passes(5);
        log.push(['end', bracket(lock), rt()]);
      }
      return log;
    },
    [['main', 'before', '[locked, waiters:3]', 3], ['released', '[unlocked, waiters:3]'], ['X', 'cancelled', 4, '[unlocked, waiters:2]'],
      ['W', 'woke', 5, '[locked, waiters:1]'], ['Y', 'got', 6], ['end', '[unlocked]', 8],
      ['main', 'after', '[locked, waiters:3]', 3], ['released', '[unlocked, waiters:3]'], ['X', 'cancelled', 4, '[unlocked, waiters:2]'],
      ['W', 'woke', 5, '[locked, waiters:1]'], ['Y', 'got', 6], ['end', '[unlocked]', 8]],
  );
});

// ---- Event ------------------------------------------------------------------------------------

describe('Event: set()/clear()/set() in one callback with waiters coming and going (logs from asyncio 3.13)', () => {
  // asyncio: set() wakes W0..W2; W1 cancelled after that ends cancelled; clear() then set() wake
  // nobody new; W3, created in between, finds the flag set when it first runs; W4, created after a
  // clear() queued behind W3's first step, blocks. Then set(), clear() wake W4, which was
  // cancelled in the same callback (it ends cancelled), while W5, created there, blocks.
  scenario(
    'woken waiters stay woken through clear(); a waiter\'s first step sees the flag as it is then',
    async (v) => {
      const log: Log = [];
      const tick = passCounter();
      const ev = new Event();
      const ws = waiters(v, log, 'W', tick, [0, 1, 2].map(() => () => ev.wait()));
      await passes(1);
      soon(() => {
        ev.set();
        ws[1]!.cancel();
        ev.clear();
        ws.push(...waiters(v, log, 'W', tick, [() => ev.wait()], 3));
        ev.set();
        log.push(['cb', bracket(ev), tick()]);
        soon(() => ev.clear());
        ws.push(...waiters(v, log, 'W', tick, [() => ev.wait()], 4));
      });
      await passes(3);
      log.push(['mid', bracket(ev), tick()]);
      soon(() => {
        ev.set();
        ev.clear();
        ws.push(...waiters(v, log, 'W', tick, [() => ev.wait()], 5));
        ws[4]!.cancel();
        ev.set();
        ev.clear();
      });
      await passes(3);
      log.push(['end', bracket(ev), tick()]);
      ws.at(-1)!.cancel();
      await passes(2);
      return log;
    },
    [['cb', '[set, waiters:3]', 2], ['W0', 'got', 3], ['W1', 'cancelled', 3], ['W2', 'got', 3], ['W3', 'got', 3],
      ['mid', '[unset, waiters:1]', 4], ['W4', 'cancelled', 6], ['end', '[unset, waiters:1]', 7], ['W5', 'cancelled', 8]],
  );

  // asyncio: W0 and W2 cancelled around a set() and clear() in one callback: W0 (cancelled while
  // parked) and W2 (cancelled after the wake-up) both end cancelled, W1 returns.
  scenario(
    'cancels on both sides of set() and clear() in one callback: only the uncancelled waiter returns',
    async (v) => {
      const log: Log = [];
      const tick = passCounter();
      const ev = new Event();
      const ws = waiters(v, log, 'W', tick, [0, 1, 2].map(() => () => ev.wait()));
      await passes(1);
      soon(() => {
        ws[0]!.cancel();
        ev.set();
        ev.clear();
        ws[2]!.cancel();
        log.push(['cb', bracket(ev), tick()]);
      });
      await passes(3);
      log.push(['end', bracket(ev), tick()]);
      return log;
    },
    [['cb', '[unset, waiters:3]', 2], ['W0', 'cancelled', 3], ['W1', 'got', 3], ['W2', 'cancelled', 3], ['end', '[unset]', 4]],
  );
});

// ---- Barrier ----------------------------------------------------------------------------------

/**
 * Runs a Barrier plan: a capital letter (optionally with digits) starts a party task, `.` lets one
 * pass go by, `xA` cancels A, `?` logs the state, `reset`/`abort` call them. Party i's style is
 * chosen by the variant. Each log line ends with `@tick`. (The probe runs the same interpreter.)
 */
async function barrierPlan(v: Variant, parties: number, plan: string): Promise<string[]> {
  const tick = passCounter();
  const b = new Barrier(parties);
  const log: string[] = [];
  const tasks = new Map<string, Task<void>>();
  const state = (): string => `${b.statistics().state} ${b.nWaiting}`;
  const note = (n: string, e: unknown): void => {
    if (e instanceof CancelledError) {
      log.push(`${n} cancelled ${state()} @${tick()}`);
      throw e;
    }
    if (e instanceof BrokenBarrierError) log.push(`${n} broken ${b.statistics().state} @${tick()}`);
    else throw e;
  };
  const party = (n: string, style: Style): TaskBody<void> => styled(
    style,
    function* () {
      try {
        const i = yield* b.wait();
        log.push(`${n} idx ${i} @${tick()}`);
      } catch (e) {
        note(n, e);
      }
    },
    async () => {
      try {
        const i = await b.wait();
        log.push(`${n} idx ${i} @${tick()}`);
      } catch (e) {
        note(n, e);
      }
    },
  );
  for (const op of plan.split(' ')) {
    if (op === '.') await sleep(0);
    else if (op === '?') log.push(`state ${state()} ${b.broken ? 'True' : 'False'} @${tick()}`);
    else if (op === 'reset') await b.reset();
    else if (op === 'abort') await b.abort();
    else if (op.startsWith('x')) tasks.get(op.slice(1))!.cancel();
    else tasks.set(op, createTask(party(op.toLowerCase(), roleStyle(v, tasks.size))));
  }
  await passes(10);
  log.push(`final ${state()} ${b.broken ? 'True' : 'False'}`);
  for (const t of tasks.values()) t.cancel();
  await passes(3);
  return log;
}

describe('Barrier: abort() and reset() while parties wait and some are cancelled (logs from asyncio 3.13)', () => {
  const PLANS: [string, number, string, string[]][] = [
    ['abort() in the pass a filling party is cancelled: it ends cancelled, the other and a newcomer broken; reset() then a full round',
      3, 'A B . xA abort C . . ? reset ? D E . F . . ?',
      ['a cancelled broken 0 @2', 'b broken broken @2', 'c broken broken @2', 'state broken 0 True @3', 'state filling 0 False @3',
        'f idx 2 @5', 'd idx 0 @6', 'e idx 1 @6', 'state filling 0 False @6', 'final filling 0 False']],
    ['reset() in the pass a party is cancelled, with a newcomer: the newcomer waits in the new round, and leaves it when cancelled',
      3, 'A B . xB reset C . . ? D . . ? xC . . ?',
      ['b cancelled resetting 0 @2', 'a broken filling @2', 'state filling 1 False @3', 'state filling 2 False @5',
        'c cancelled filling 1 @6', 'state filling 1 False @7', 'final filling 1 False', 'd cancelled filling 0 @18']],
    ['every filling party cancelled in the pass of abort(): all end cancelled; a later wait() is broken until reset()',
      3, 'A B . xA xB abort . . ? C . ? reset C2 D . ?',
      ['a cancelled broken 0 @2', 'b cancelled broken 0 @2', 'state broken 0 True @3', 'c broken broken @4', 'state broken 0 True @4',
        'state filling 2 False @5', 'final filling 2 False', 'c2 cancelled filling 1 @16', 'd cancelled filling 0 @16']],
    ['abort() then reset() in one step while a round drains and a party waits for the next: the drainer is broken, the waiter starts a round',
      2, 'A . B C . abort reset D . . ? E . . ?',
      ['b idx 1 @2', 'a broken filling @3', 'd idx 1 @3', 'c idx 0 @4', 'state filling 0 False @4', 'state filling 1 False @6',
        'final filling 1 False', 'e cancelled filling 0 @17']],
    ['reset() in the pass a draining party is cancelled: it ends cancelled, and the party blocked behind the round joins the next',
      2, 'A . B C . xA reset . . ? D . . ?',
      ['b idx 1 @2', 'a cancelled filling 0 @3', 'state filling 1 False @4', 'd idx 1 @5', 'c idx 0 @6', 'state filling 0 False @6',
        'final filling 0 False']],
    ['a party cancelled in the pass the round trips (before it resumed) ends cancelled; the next round refills from zero',
      3, 'A B C . xB . . ? D E . . ?',
      ['c idx 2 @1', 'a idx 0 @2', 'b cancelled filling 0 @2', 'state filling 0 False @3', 'state filling 2 False @5',
        'final filling 2 False', 'd cancelled filling 1 @16', 'e cancelled filling 0 @16']],
    ['abort() while a round drains, before its woken party resumed, with a newcomer blocked behind it: both are broken (the cancel of the tripping party, already done, does nothing)',
      2, 'A . B . C xB abort . . ?',
      ['b idx 1 @2', 'a broken broken @3', 'c broken broken @3', 'state broken 0 True @4', 'final broken 0 True']],
  ];
  for (const [what, parties, plan, expected] of PLANS) {
    scenario(`Barrier(${parties}) '${plan}': ${what}`, async (v) => barrierPlan(v, parties, plan) as Promise<unknown> as Promise<Log>, expected as unknown as Log);
  }
});

// ---- differences found by this review -----------------------------------------------------------

describe('Queue toString() while a cancelled waiter has not left yet (logs from asyncio 3.13)', () => {
  /** G0..G2 wait on a Queue(1); G0 is cancelled, then an item is put, then three putters come. */
  async function body(v: Variant): Promise<Log> {
    const log: Log = [];
    const tick = passCounter();
    const q = new Queue<number>(1);
    const gs = waiters(v, log, 'G', tick, [0, 1, 2].map(() => () => q.get()));
    let ps: Task<unknown>[] = [];
    await passes(1);
    soon(() => {
      gs[0]!.cancel();
      log.push(['cancel G0', String(q)]);
      q.putNowait(10);
      log.push(['put', String(q)]);
      ps = waiters(v, log, 'P', tick, [0, 1, 2].map((i) => () => q.put(i)));
      soon(() => log.push(['soon', String(q), tick()]));
    });
    await passes(2);
    log.push(['next', String(q), tick()]);
    await passes(3);
    log.push(['end', String(q), tick()]);
    ps[2]!.cancel();
    log.push(['cancel P2', String(q)]);
    await passes(1);
    log.push(['after', String(q), tick()]);
    return log;
  }
  const LISTED = new Set(['cancel G0', 'cancel P2']);

  scenario(
    'the hand-offs around a cancelled parked getter and putter happen at asyncio\'s passes',
    async (v) => (await body(v)).filter((e) => !LISTED.has(e[0] as string)),
    [['put', '<Queue maxsize=1 _queue=[10] _getters[1] tasks=1>'], ['G0', 'cancelled', 3], ['G1', 'got', 10, 3], ['P0', 'got', 3],
      ['soon', '<Queue maxsize=1 _queue=[0] _putters[2] tasks=2>', 3], ['next', '<Queue maxsize=1 _queue=[0] _putters[2] tasks=2>', 3],
      ['G2', 'got', 0, 4], ['P1', 'got', 5], ['end', '<Queue maxsize=1 _queue=[1] _putters[1] tasks=3>', 6], ['P2', 'cancelled', 7],
      ['after', '<Queue maxsize=1 _queue=[1] tasks=3>', 7]],
  );

  // DIFFERENCE. asyncio's repr counts `len(self._getters)` / `len(self._putters)`, and a waiter
  // cancelled while parked stays in that deque until its task runs (its `except` removes it):
  // probe: ["cancel G0", "<Queue maxsize=1 _getters[3]>"], ["cancel P2", "<Queue maxsize=1
  // _queue=[1] _putters[1] tasks=3>"]. tulip drops the cancelled waiter from the count at once
  // (`_getters[2]`, no `_putters`), unlike its Lock, Semaphore and Event, whose toString() keeps it.
  scenario(
    'toString() still counts a getter or putter cancelled while parked, until its task runs',
    async (v) => (await body(v)).filter((e) => LISTED.has(e[0] as string)),
    [['cancel G0', '<Queue maxsize=1 _getters[3]>'], ['cancel P2', '<Queue maxsize=1 _queue=[1] _putters[1] tasks=3>']],
    [...VARIANTS],
  );
});

describe('Condition.waitFor() calls its predicate as asyncio does (probe)', () => {
  for (const style of STYLES) {
    // asyncio's wait_for evaluates the predicate once when the coroutine starts, then once after
    // each wake-up: probe [["calls", [1]], ["calls", [1, 3]], ["W", "got", "yes", 5],
    // ["calls", [1, 3, 5]]]. (tulip also called it at the waitFor() call: [1, 1] before the first
    // wait; fixed since.)
    it(`the predicate runs once before the first wait, then once per wake-up (${style})`, () =>
      run(async () => {
        const log: Log = [];
        const tick = passCounter();
        const cond = new Condition();
        const calls: number[] = [];
        let flag: unknown = false;
        const pred = (): unknown => {
          calls.push(tick());
          return flag;
        };
        const got = (r: unknown): number => log.push(['W', 'got', r, tick()]);
        createTask(styled(
          style,
          function* () {
            yield* cond.run(function* () {
              got(yield* cond.waitFor(pred));
            });
          },
          async () => {
            await cond.run(async () => {
              got(await cond.waitFor(pred));
            });
          },
        ));
        await passes(2);
        log.push(['calls', [...calls]]);
        await cond.run(() => cond.notify());
        await passes(2);
        log.push(['calls', [...calls]]);
        await cond.run(() => {
          flag = 'yes';
          cond.notify();
        });
        await passes(3);
        log.push(['calls', [...calls]]);
        expect(log).toEqual([['calls', [1]], ['calls', [1, 3]], ['W', 'got', 'yes', 5], ['calls', [1, 3, 5]]]);
      }));
  }
});

describe('PriorityQueue among equal items (asyncio: heapq, not stable)', () => {
  // A deliberate difference (DESIGN.md §3.1: equal items come out in insertion order, where
  // asyncio's heapq is not stable). Probe: A = [1, 'x'], B = [1, 'x'], C = [0, 'y'] put in that
  // order come out C, B, A in asyncio; jobs ordered by priority alone (a `__lt__` on p, here a
  // comparator) put as (2,a) (1,b) (2,c) (1,d) (1,e) (2,f) come out b, d, e, c, a, f. tulip gives
  // C, A, B and b, d, e, a, c, f: among equals, first in, first out. With (priority, seq, item)
  // tuples both give insertion order (checked above).
  it('equal items come out in insertion order (DESIGN §3.1), where asyncio\'s heapq gives no order', () =>
    run(() => {
      const pq = new PriorityQueue<unknown[]>();
      const a = [1, 'x'];
      const b = [1, 'x'];
      const c = [0, 'y'];
      for (const x of [a, b, c]) pq.putNowait(x);
      const order = [0, 1, 2].map(() => {
        const x = pq.getNowait();
        return x === a ? 'A' : x === b ? 'B' : 'C';
      });
      type Job = { p: number; n: string };
      const jobs = new PriorityQueue<Job>(0, (x, y) => x.p - y.p);
      for (const [p, n] of [[2, 'a'], [1, 'b'], [2, 'c'], [1, 'd'], [1, 'e'], [2, 'f']] as const) jobs.putNowait({ p, n });
      expect([order, [0, 1, 2, 3, 4, 5].map(() => jobs.getNowait().n)]).toEqual([['C', 'A', 'B'], ['b', 'd', 'e', 'a', 'c', 'f']]);
    }));
});

describe('a blocking call handed to gather() or shield() joins the queue when asyncio\'s wrapping task would start', () => {
  // asyncio's gather/shield wrap a coroutine in a Task whose first step runs in the next pass,
  // after the steps already scheduled; tulip's park future (q.get(), lock.acquire(), ev.wait())
  // starts waiting as soon as gather/shield attaches to it, in the caller's step.

  // DIFFERENCE. Probe: [["state", "<Queue maxsize=0 _getters[4]>", 1], ["G0", "got", 0, 3],
  // ["G3", "got", 3, 3], ["gather", [1, 2], 5]]. tulip: the two gathered gets queue ahead of G0
  // (created earlier): G0 gets 2, gather [0, 1] at pass 4.
  scenario(
    'gather([q.get(), q.get()]) called between two getter tasks is served between them',
    async (v) => {
      const log: Log = [];
      const tick = passCounter();
      const q = new Queue<number>();
      waiters(v, log, 'G', tick, [() => q.get()]);
      const g = gather([q.get(), q.get()]);
      g.addDoneCallback((f) => log.push(['gather', f.result(), tick()]));
      waiters(v, log, 'G', tick, [() => q.get()], 3);
      await passes(1);
      log.push(['state', String(q), tick()]);
      soon(() => {
        for (let i = 0; i < 4; i++) q.putNowait(i);
      });
      await passes(5);
      return log;
    },
    [['state', '<Queue maxsize=0 _getters[4]>', 1], ['G0', 'got', 0, 3], ['G3', 'got', 3, 3], ['gather', [1, 2], 5]],
  );

  // Probe: [["state", "[locked, waiters:3]", 1], ["W0", "got", 2], ["gather", 6],
  // ["W1", "got", 8]]. (tulip's gathered acquire() queued ahead of W0; fixed since.)
  scenario(
    'gather([lock.acquire()]) called between two lock users gets the lock between them',
    async (v) => {
      const log: Log = [];
      const tick = passCounter();
      const lock = new Lock();
      await lock.acquire();
      createTask(holder(roleStyle(v, 0), log, 'W0', tick, lock, 1));
      const g = gather([lock.acquire()]);
      g.addDoneCallback(() => {
        log.push(['gather', tick()]);
        soon(() => lock.release());
      });
      createTask(holder(roleStyle(v, 1), log, 'W1', tick, lock, 1));
      await passes(1);
      log.push(['state', bracket(lock), tick()]);
      lock.release();
      await passes(8);
      return log;
    },
    [['state', '[locked, waiters:3]', 1], ['W0', 'got', 2], ['gather', 6], ['W1', 'got', 8]],
  );

  // Probe: [["G0", "got", "a", 3], ["shield", "b", 5]]. (tulip's shielded get() queued ahead of
  // G0; fixed since.)
  scenario(
    'shield(q.get()) called after a getter task was created is served after it',
    async (v) => {
      const log: Log = [];
      const tick = passCounter();
      const q = new Queue<string>();
      waiters(v, log, 'G', tick, [() => q.get()]);
      const s = shield(q.get());
      s.addDoneCallback((f) => log.push(['shield', f.result(), tick()]));
      await passes(1);
      soon(() => {
        q.putNowait('a');
        q.putNowait('b');
      });
      await passes(5);
      return log;
    },
    [['G0', 'got', 'a', 3], ['shield', 'b', 5]],
  );

  // Probe: [["gather done", false, 3], ["gather done", true, 6]]: the wrapped ev.wait() starts
  // after set(); clear() and blocks until the next set(). (tulip parked the wait at gather() at
  // once, so set() woke it; fixed since.)
  it('gather([ev.wait()]) followed by set() and clear() in the same step still waits for the next set()', () =>
    run(async () => {
      const log: Log = [];
      const tick = passCounter();
      const ev = new Event();
      const g = gather([ev.wait()]);
      ev.set();
      ev.clear();
      await passes(3);
      log.push(['gather done', g.done(), tick()]);
      ev.set();
      await passes(3);
      log.push(['gather done', g.done(), tick()]);
      expect(log).toEqual([['gather done', false, 3], ['gather done', true, 6]]);
    }));
});

describe('waitFor(…, 0) around a call that would not block (asyncio 3.13 wait_for)', () => {
  for (const style of STYLES) {
    // A deliberate difference (README, "Where tulip differs from asyncio"): asyncio's
    // wait_for(aw, 0) wraps the coroutine in a task and cancels it before its first step: probe
    // [["timeout", 1], ["lock timeout", false]] — TimeoutError, the item stays in the queue and the
    // free lock stays free. tulip's q.get() of a non-empty queue (and lock.acquire() of a free
    // lock) completes at the call — its fast path, with no future of its own — and waitFor(…, 0)
    // returns a done future's result: [["got", 1], ["lock got", true, true]].
    it(`waitFor(q.get(), 0) and waitFor(lock.acquire(), 0) return what a call that need not wait took at once (${style})`, () =>
      run(styled(
        style,
        function* () {
          const log: Log = [];
          const q = new Queue<number>();
          q.putNowait(1);
          try {
            log.push(['got', yield* waitFor(q.get(), 0)]);
          } catch (e) {
            if (!(e instanceof TimeoutError)) throw e;
            log.push(['timeout', q.qsize()]);
          }
          const lock = new Lock();
          try {
            log.push(['lock got', yield* waitFor(lock.acquire(), 0), lock.locked()]);
          } catch (e) {
            if (!(e instanceof TimeoutError)) throw e;
            log.push(['lock timeout', lock.locked()]);
          }
          expect(log).toEqual([['got', 1], ['lock got', true, true]]);
        },
        async () => {
          const log: Log = [];
          const q = new Queue<number>();
          q.putNowait(1);
          try {
            log.push(['got', await waitFor(q.get(), 0)]);
          } catch (e) {
            if (!(e instanceof TimeoutError)) throw e;
            log.push(['timeout', q.qsize()]);
          }
          const lock = new Lock();
          try {
            log.push(['lock got', await waitFor(lock.acquire(), 0), lock.locked()]);
          } catch (e) {
            if (!(e instanceof TimeoutError)) throw e;
            log.push(['lock timeout', lock.locked()]);
          }
          expect(log).toEqual([['got', 1], ['lock got', true, true]]);
        },
      )));
  }
});
