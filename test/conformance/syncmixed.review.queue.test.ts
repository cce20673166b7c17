// Adversarial review of Queue, LifoQueue and PriorityQueue under mixed load (several waiters,
// cancellations and wake-ups in the same pass) against CPython 3.13 asyncio (Lib/asyncio/queues.py),
// and the differences found there (toString() with a cancelled parked waiter; equal items in a
// PriorityQueue). Method (logs, pass ticks, style variants): see syncmixed.review.helpers.ts.
// test/conformance/sync.review.test.ts reviews each primitive on its own; this file does not
// repeat it.
import { describe, expect, it } from 'vitest';
import { LifoQueue, PriorityQueue, Queue, createTask, run, sleep, type Task } from 'tulip';
import { passCounter, passes, styled, syncError, type Style } from './helpers.js';
import {
  VARIANTS,
  errName,
  roleStyle,
  scenario,
  soon,
  waiters,
  type Log,
  type Variant,
} from './syncmixed.review.helpers.js';

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
