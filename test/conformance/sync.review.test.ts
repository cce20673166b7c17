// Adversarial review of the synchronisation primitives and queue variants against CPython 3.13
// asyncio (Lib/asyncio/locks.py, queues.py). Every expectation below was checked with the
// pure-Python 3.13 asyncio; the pass counts ("ticks") come from a callSoon chain started as the
// same `loop.call_soon` chain in the Python script. Several were differences found by the review
// and fixed since; what asyncio does is quoted above each.
import { describe, expect, it } from 'vitest';
import {
  Barrier,
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
  getRunningLoop,
  run,
  sleep,
  type Coroutine,
  type Future,
  type Task,
} from 'tulip';
import { STYLES, passCounter as ticker, passes, styled, syncError, waiting, type Style } from './helpers.js';

/** A task body in `style` that waits for `wait()` and logs `[name, 'got', tick]` or `'cancelled'`. */
function logged(style: Style, log: unknown[], name: string, tick: () => number, wait: () => Future<unknown>) {
  const note = (e: unknown): void => {
    if (!(e instanceof CancelledError)) throw e;
    log.push([name, 'cancelled', tick()]);
  };
  return styled(
    style,
    function* () {
      try {
        yield* wait();
        log.push([name, 'got', tick()]);
      } catch (e) {
        note(e);
        throw e;
      }
    },
    async () => {
      try {
        await wait();
        log.push([name, 'got', tick()]);
      } catch (e) {
        note(e);
        throw e;
      }
    },
  );
}

// ---- Event ------------------------------------------------------------------------------------

describe('Event.wait() is checked when awaited, as asyncio coroutine', () => {
  for (const style of STYLES) {
    // asyncio: `w = ev.wait(); ev.set(); ev.clear(); await w` blocks: the coroutine looks at the
    // flag only when it starts (tulip's blocking wait() too: a park future).
    it(`a wait() made while clear, awaited only after set() and clear(), still blocks (${style})`, () =>
      run(async () => {
        const ev = new Event();
        const w = ev.wait();
        ev.set();
        ev.clear();
        const t = createTask(waiting(style, () => w));
        await passes(3);
        expect(t.done()).toBe(false);
        t.cancel();
      }));

    it(`a task whose first step waits after set() and clear() blocks until the next set() (${style})`, () =>
      run(async () => {
        const ev = new Event();
        const t = createTask(waiting(style, () => ev.wait()));
        ev.set();
        ev.clear();
        await passes(3);
        expect(t.done()).toBe(false);
        ev.set();
        expect(await t).toBe(true);
      }));
  }

  // asyncio: an un-awaited `ev.wait()` coroutine adds nothing: repr stays `<Event [unset]>`.
  it('a wait() never awaited is not counted as a waiter', () =>
    run(async () => {
      const ev = new Event();
      void ev.wait();
      expect(ev.statistics().tasksWaiting).toBe(0);
      expect(String(ev)).toBe('<Event [unset]>');
    }));
});

// ---- Condition --------------------------------------------------------------------------------

/** `async with cond:` around a body of `style`, as a task body of that style. */
function inCond<T>(style: Style, cond: Condition, gen: () => Coroutine<T>, asy: () => Promise<T>) {
  return styled(style, function* () { return yield* cond.run(gen); }, async () => cond.run(asy));
}

/** A task body in `style` holding `cond` around `inner()`. */
const holding = <T>(style: Style, cond: Condition, inner: () => Future<T>) =>
  inCond(style, cond, function* () { return yield* inner(); }, async () => inner());

/** A task body in `style`: `async with cond: await cond.wait()`, logging the wake-up or the cancel. */
function condWaiter(style: Style, cond: Condition, log: unknown[], name: unknown, tick = (): number => -1) {
  const note = (e: unknown): never => {
    if (e instanceof CancelledError) log.push([name, 'cancelled', tick(), cond.locked()]);
    throw e;
  };
  const woke = (): number => log.push([name, 'woke', tick()]);
  return inCond(
    style,
    cond,
    function* () {
      try { yield* cond.wait(); woke(); } catch (e) { note(e); }
    },
    async () => {
      try { await cond.wait(); woke(); } catch (e) { note(e); }
    },
  );
}

describe('Condition.waitFor() and notify() (review)', () => {
  for (const style of STYLES) {
    // asyncio: `f = cond.wait_for(lambda: ready); ready = True; await f` returns True at once:
    // wait_for evaluates the predicate when the coroutine starts (tulip: at the call, for its fast
    // path, and again when first awaited, so no wake-up is lost).
    it(`a predicate false at the call and true once awaited returns at once (${style})`, () =>
      run(async () => {
        const cond = new Condition();
        let ready = false;
        const t = createTask(holding(style, cond, () => {
          const f = cond.waitFor(() => ready);
          ready = true;
          return f;
        }));
        await passes(3);
        expect(t.done()).toBe(true);
        expect(await t).toBe(true);
      }));

    it(`a predicate that throws after a notify propagates with the lock held again (${style})`, () =>
      run(async () => {
        const cond = new Condition();
        let calls = 0;
        const seen: boolean[] = [];
        const pred = (): boolean => {
          if (++calls < 2) return false;
          seen.push(cond.locked());
          throw new RangeError('bad predicate');
        };
        const t = createTask(holding(style, cond, () => cond.waitFor(pred)));
        await passes(1);
        await cond.run(() => cond.notify());
        await expect(t).rejects.toThrow('bad predicate');
        expect(seen).toEqual([true]);
        expect(cond.locked()).toBe(false);
      }));

    // asyncio: notify(2) skips the waiter cancelled in that pass (its future is done), and that
    // waiter's wait() notifies one more on its way out: the other three all wake.
    it(`notify(2) skips a waiter cancelled in the same pass, whose exit wakes one more (${style})`, () =>
      run(async () => {
        const cond = new Condition();
        const log: unknown[][] = [];
        const ts = [0, 1, 2, 3].map((i) => createTask(condWaiter(style, cond, log, i)));
        await passes(1);
        await cond.run(() => {
          ts[0]!.cancel();
          cond.notify(2);
        });
        await passes(6);
        expect(log.map((e) => e.slice(0, 2))).toEqual([[0, 'cancelled'], [1, 'woke'], [2, 'woke'], [3, 'woke']]);
      }));

    // asyncio: the waiter cancelled before any notify re-acquires the lock (one pass later) and
    // then notifies the next waiter spuriously, which resumes one pass after that.
    it(`a waiter cancelled before any notify re-acquires, then spuriously wakes the next (${style})`, () =>
      run(async () => {
        const tick = ticker();
        const cond = new Condition();
        const log: unknown[][] = [];
        const ts = [0, 1, 2].map((i) => createTask(condWaiter(style, cond, log, i, tick)));
        await passes(2);
        ts[0]!.cancel();
        log.push(['cancel0', tick()]);
        await passes(5);
        await cond.run(() => {
          log.push(['notify', tick()]);
          cond.notify(5);
        });
        await passes(5);
        expect(log).toEqual([['cancel0', 2], [0, 'cancelled', 3, true], [1, 'woke', 4], ['notify', 7], [2, 'woke', 8]]);
      }));

    // asyncio: a notified waiter cancelled while queued to re-acquire loses its place: its
    // acquire() raises, passes the lock on, and it queues again behind every other acquirer.
    it(`a notified waiter cancelled in the lock queue re-acquires after X and Y (${style})`, () =>
      run(async () => {
        const cond = new Condition();
        const log: unknown[] = [];
        const w = createTask(condWaiter(style, cond, log, 'W'));
        const other = (n: string) => (): Future<void> => cond.run(async () => {
          log.push(n);
          await sleep(0);
        });
        await passes(1);
        await cond.acquire();
        cond.notify();
        const x = createTask(other('X'));
        await passes(2);
        const y = createTask(other('Y'));
        await passes(1);
        expect(cond.statistics().lockStatistics.tasksWaiting).toBe(3);
        cond.release();
        w.cancel();
        await Promise.allSettled([w, x, y]);
        expect(log).toEqual(['X', 'Y', ['W', 'cancelled', -1, true]]);
      }));
  }
});

// ---- Semaphore --------------------------------------------------------------------------------

describe('Semaphore: a parked waiter cancelled while a unit is free (review)', () => {
  for (const style of STYLES) {
    // asyncio (3.13 `acquire`): the cancelled waiter runs its `finally: while self._value > 0:
    // self._wake_up_next()` in its task's next step; here the woken A resumes first and wakes D,
    // so D gets the unit at tick 3: [cancel C 1 1, A got 2, C cancelled 2, D got 3]. tulip's
    // cancelled waiter, too, leaves (and passes the free unit on) when its entry runs, a pass later.
    it(`the next waiter gets the free unit when the woken one resumes, not at the cancel (${style})`, () =>
      run(async () => {
        const loop = getRunningLoop();
        const sem = new Semaphore(0);
        const log: unknown[] = [];
        let now = (): number => 0;
        const start = (name: string): Task<void> => createTask(logged(style, log, name, () => now(), () => sem.acquire()));
        start('A');
        await passes(1);
        now = ticker();
        loop.callSoon(() => {
          sem.release();
          sem.release();
        });
        const c = start('C');
        start('D');
        loop.callSoon(() => {
          log.push(['cancel C', sem.statistics().value, now()]);
          c.cancel();
        });
        await passes(6);
        expect(log).toEqual([['cancel C', 1, 1], ['A', 'got', 2], ['C', 'cancelled', 2], ['D', 'got', 3]]);
      }));
  }
});

// ---- cancel() then uncancel() before the waiter resumes ---------------------------------------

type Prim = { name: string; wait: () => Future<unknown>; wake: () => void | Future<unknown> };

function primitives(): Prim[] {
  const lock = new Lock();
  const sem = new Semaphore(0);
  const q = new Queue<number>();
  const cond = new Condition();
  const ev = new Event();
  void lock.acquire();
  return [
    { name: 'Lock', wait: () => lock.acquire(), wake: () => lock.release() },
    { name: 'Semaphore', wait: () => sem.acquire(), wake: () => sem.release() },
    { name: 'Queue', wait: () => q.get(), wake: () => q.putNowait(1) },
    { name: 'Condition', wait: () => cond.run(() => cond.wait()), wake: () => cond.run(() => cond.notify()) },
    { name: 'Event', wait: () => ev.wait(), wake: () => ev.set() },
  ];
}

describe('cancel() then uncancel() of a waiting task (asyncio 3.13 uncancel clears _must_cancel)', () => {
  for (const style of STYLES) {
    // asyncio: a parked waiter's future is cancelled by cancel(), so uncancel() cannot undo it;
    // a woken waiter's future is done, cancel() only sets _must_cancel, which uncancel() clears.
    it(`parked: the waiter still ends cancelled; woken: it gets the resource (${style})`, () =>
      run(async () => {
        const seen: string[] = [];
        for (const woken of [false, true]) {
          for (const p of primitives()) {
            const log: unknown[] = [];
            const t = createTask(logged(style, log, p.name, () => 0, p.wait));
            await passes(1);
            if (woken) await p.wake();
            t.cancel();
            t.uncancel();
            await passes(3);
            seen.push(`${p.name} ${woken ? 'woken' : 'parked'} ${(log[0] as unknown[])[1]}`);
          }
        }
        expect(seen).toEqual([
          'Lock parked cancelled', 'Semaphore parked cancelled', 'Queue parked cancelled',
          'Condition parked cancelled', 'Event parked cancelled',
          'Lock woken got', 'Semaphore woken got', 'Queue woken got', 'Condition woken got', 'Event woken got',
        ]);
      }));
  }
});

// ---- toString ---------------------------------------------------------------------------------

describe('toString counts every listed waiter, as asyncio repr counts len(self._waiters)', () => {
  // asyncio: repr shows `waiters:{len(self._waiters)}`, which includes a waiter woken but not yet
  // resumed (its future is done but still listed). statistics() counts blocked tasks only.
  const cases: [string, string, () => Coroutine<string>][] = [
    ['Lock after release() woke a waiter', '<Lock [unlocked, waiters:1]>', function* () {
      const lock = new Lock();
      yield* lock.acquire();
      createTask(() => lock.acquire());
      yield* sleep(0);
      lock.release();
      return String(lock);
    }],
    ['Semaphore after release() woke a waiter', '<Semaphore [locked, waiters:1]>', function* () {
      const sem = new Semaphore(0);
      createTask(() => sem.acquire());
      yield* sleep(0);
      sem.release();
      return String(sem);
    }],
    ['Event after set()', '<Event [set, waiters:1]>', function* () {
      const ev = new Event();
      createTask(() => ev.wait());
      yield* sleep(0);
      ev.set();
      return String(ev);
    }],
    ['Condition after notify()', '<Condition [locked, waiters:1]>', function* () {
      const cond = new Condition();
      createTask(() => cond.run(() => cond.wait()));
      yield* sleep(0);
      return yield* cond.run(() => {
        cond.notify();
        return String(cond);
      });
    }],
  ];
  for (const [what, expected, body] of cases) {
    it(`${what} shows ${expected}`, () => run(function* () {
      expect(yield* body()).toBe(expected);
    }));
  }
});

// ---- Barrier ----------------------------------------------------------------------------------

/**
 * Runs a Barrier scenario: a capital letter starts a party task of that name, `.` lets one pass
 * go by, `xA` cancels A, `?` logs the state, `reset`/`abort` call them. Returns the log.
 */
async function barrierScenario(style: Style, parties: number, plan: string): Promise<string[]> {
  const b = new Barrier(parties);
  const log: string[] = [];
  const tasks: Record<string, Task<void>> = {};
  const state = (): string => `${b.statistics().state} ${b.nWaiting}`;
  const note = (n: string, e: unknown): void => {
    if (e instanceof CancelledError) log.push(`${n} cancelled ${state()}`);
    else if (e instanceof BrokenBarrierError) log.push(`${n} broken ${b.statistics().state}`);
    else throw e;
  };
  const party = (n: string) => styled(
    style,
    function* () {
      try {
        log.push(`${n} idx ${yield* b.wait()}`);
      } catch (e) {
        note(n, e);
      }
    },
    async () => {
      try {
        log.push(`${n} idx ${await b.wait()}`);
      } catch (e) {
        note(n, e);
      }
    },
  );
  for (const op of plan.split(' ')) {
    if (op === '.') await sleep(0);
    else if (op === '?') log.push(`state ${state()} ${b.broken}`);
    else if (op === 'reset') await b.reset();
    else if (op === 'abort') await b.abort();
    else if (op.startsWith('x')) tasks[op.slice(1)]!.cancel();
    else tasks[op] = createTask(party(op.toLowerCase()));
  }
  await passes(10);
  log.push(`final ${state()} ${b.broken}`);
  return log;
}

describe('Barrier: cancellation, reset() and abort() mid-round (logs from asyncio 3.13)', () => {
  const scenarios: [string, number, string, string[]][] = [
    ['a waiter cancelled after the round tripped, before it resumed, ends cancelled; the tripping task keeps its index',
      2, 'A . B . xA ? . . ?',
      ['b idx 1', 'state draining 0 false', 'a cancelled filling 0', 'state filling 0 false', 'final filling 0 false']],
    ['a party cancelled while the round drains leaves with CancelledError and a new round of three still fills',
      3, 'A B . C . xA . ? . . ? D E F . . .',
      ['c idx 2', 'a cancelled draining 0', 'b idx 1', 'state filling 0 false', 'state filling 0 false',
        'f idx 2', 'd idx 0', 'e idx 1', 'final filling 0 false']],
    ['a task blocked behind a draining round and cancelled never joins the next round',
      2, 'A . B C . ? xC . . . ? D E . .',
      ['b idx 1', 'state draining 0 false', 'a idx 0', 'c cancelled filling 0', 'state filling 0 false',
        'e idx 1', 'd idx 0', 'final filling 0 false']],
    ['reset() in the pass a waiter is cancelled: that one ends cancelled, the other gets BrokenBarrierError',
      3, 'A B . xA reset . . ?',
      ['a cancelled resetting 0', 'b broken filling', 'state filling 0 false', 'final filling 0 false']],
    ['reset() while the round drains fails the parties not yet out, although the round tripped',
      3, 'A B . C . reset . . ?',
      ['c idx 2', 'a broken resetting', 'b broken filling', 'state filling 0 false', 'final filling 0 false']],
    ['abort() in the pass a draining party is cancelled: cancelled wins for it, broken for the other; reset() refills',
      3, 'A B . C . xB abort . . ? reset ?',
      ['c idx 2', 'a broken broken', 'b cancelled broken 0', 'state broken 0 true', 'state filling 0 false',
        'final filling 0 false']],
    ['reset() while a round drains and a third task waits for the next: the drainer is broken, the third starts a round',
      2, 'A . B C . reset . . ? D . .',
      ['b idx 1', 'a broken filling', 'state filling 1 false', 'd idx 1', 'c idx 0', 'final filling 0 false']],
  ];
  for (const style of STYLES) {
    for (const [what, parties, plan, expected] of scenarios) {
      it(`Barrier(${parties}): ${what} (${style})`, () =>
        run(async () => {
          expect(await barrierScenario(style, parties, plan)).toEqual(expected);
        }));
    }
  }
});

// ---- Queue shutdown and iteration --------------------------------------------------------------

describe('Queue.shutdown(true) with blocked putters, getters and joiners (exact passes)', () => {
  for (const style of STYLES) {
    it(`a full queue: join() returns and both putters fail one pass after (${style})`, () =>
      run(async () => {
        const tick = ticker();
        const q = new Queue<string>(2);
        q.putNowait('a');
        q.putNowait('b');
        const log: unknown[] = [];
        for (const x of ['c', 'd']) {
          createTask(waiting(style, () => q.put(x))).then(
            () => log.push([x, 'put']),
            (e) => log.push([x, e instanceof QueueShutDownError ? 'shutdown' : e, tick()]),
          );
        }
        createTask(waiting(style, () => q.join())).then(() => log.push(['joined', tick()]));
        await passes(1);
        const at = tick();
        q.shutdown(true);
        await passes(4);
        expect(log).toEqual([['joined', at + 2], ['c', 'shutdown', at + 2], ['d', 'shutdown', at + 2]]);
        expect(q.statistics()).toMatchObject({ qsize: 0, unfinishedTasks: 0, tasksWaitingPut: 0, shutdown: true });
      }));

    it(`an empty queue with an item got but not done: getters fail at once, join() waits for taskDone() (${style})`, () =>
      run(async () => {
        const tick = ticker();
        const q = new Queue<number>();
        q.putNowait(1);
        q.getNowait();
        const log: unknown[] = [];
        for (const n of [0, 1]) {
          createTask(waiting(style, () => q.get())).then(
            (v) => log.push([n, v]),
            (e) => log.push([n, e instanceof QueueShutDownError ? 'shutdown' : e, tick()]),
          );
        }
        createTask(waiting(style, () => q.join())).then(() => log.push(['joined', tick()]));
        await passes(1);
        const at = tick();
        q.shutdown(true);
        await passes(3);
        expect(log).toEqual([[0, 'shutdown', at + 2], [1, 'shutdown', at + 2]]);
        const doneAt = tick();
        q.taskDone();
        await passes(3);
        expect(log.at(-1)).toEqual(['joined', doneAt + 2]);
      }));
  }

  it('for-await yields the items left at shutdown() and ends; after shutdown(true) it yields nothing', () =>
    run(async () => {
      const q = new Queue<number>();
      for (const x of [1, 2, 3]) q.putNowait(x);
      q.shutdown();
      const out: number[] = [];
      for await (const x of q) out.push(x);
      expect(out).toEqual([1, 2, 3]);
      const q2 = new LifoQueue<number>();
      for (const x of [1, 2, 3]) q2.putNowait(x);
      q2.shutdown(true);
      for await (const x of q2) out.push(x);
      expect(out).toEqual([1, 2, 3]);
      expect(q2.statistics().unfinishedTasks).toBe(0);
    }));

  it('a consumer blocked in for-await ends one pass after shutdown(), keeping what it got', () =>
    run(async () => {
      const q = new Queue<number>();
      const got: number[] = [];
      const consumer = createTask(async () => {
        for await (const x of q) got.push(x);
        return 'ended';
      });
      await passes(1);
      q.putNowait(7);
      await passes(2);
      q.shutdown();
      expect(consumer.done()).toBe(false);
      await passes(2);
      expect(consumer.done()).toBe(true);
      expect(await consumer).toBe('ended');
      expect(got).toEqual([7]);
    }));
});

// ---- PriorityQueue and LifoQueue ---------------------------------------------------------------

describe('PriorityQueue default order and waiting getters (review)', () => {
  it('[1, "a"] and [2, 3] are ordered by their first elements alone; [1, 2] against [1, "a"] is refused', () =>
    run(() => {
      const pq = new PriorityQueue<unknown[]>();
      pq.putNowait([1, 'a']);
      pq.putNowait([2, 3]);
      const e = syncError(() => pq.putNowait([1, 2]));
      expect(e).toBeInstanceOf(TypeError);
      expect(e.message).toContain('cannot order 2 and "a"');
      // asyncio raises TypeError too, but heappush has already appended the item (qsize 3,
      // unfinished 2); tulip documents leaving the queue unchanged.
      expect(pq.statistics()).toMatchObject({ qsize: 2, unfinishedTasks: 2 });
      expect([pq.getNowait(), pq.getNowait()]).toEqual([[1, 'a'], [2, 3]]);
    }));

  it('a lone item of any kind is accepted (nothing to compare it with), as heapq does', () =>
    run(() => {
      const pq = new PriorityQueue<unknown>();
      pq.putNowait(null);
      expect(pq.getNowait()).toBe(null);
      pq.putNowait({ k: 1 });
      expect(syncError(() => pq.putNowait({ k: 2 }))).toBeInstanceOf(TypeError);
      expect(pq.qsize()).toBe(1);
    }));

  it('the empty array comes first, then a shorter prefix: [], [0, 9], [1], [1, -1]', () =>
    run(() => {
      const pq = new PriorityQueue<number[]>();
      for (const x of [[1], [0, 9], [1, -1], []]) pq.putNowait(x);
      expect([0, 1, 2, 3].map(() => pq.getNowait())).toEqual([[], [0, 9], [1], [1, -1]]);
    }));

  for (const style of STYLES) {
    it(`a getter waiting on a PriorityQueue gets the smallest of the items put in one pass, a LifoQueue getter the newest (${style})`, () =>
      run(async () => {
        const results: unknown[] = [];
        for (const q of [new PriorityQueue<number>(), new LifoQueue<number>()]) {
          const t = createTask(waiting(style, () => q.get()));
          await passes(1);
          for (const x of [5, 1, 3]) q.putNowait(x);
          results.push(await t, q.qsize());
        }
        expect(results).toEqual([1, 2, 3, 2]);
      }));

    it(`a comparator on one key keeps insertion order among equal keys, through a waiting getter (${style})`, () =>
      run(async () => {
        type Job = { p: number; id: string };
        const q = new PriorityQueue<Job>(0, (a, b) => a.p - b.p);
        const t = createTask(waiting(style, () => q.get()));
        await passes(1);
        for (const [p, id] of [[2, 'a'], [1, 'b'], [2, 'c'], [1, 'd']] as const) q.putNowait({ p, id });
        const ids = [(await t).id];
        while (!q.empty()) ids.push(q.getNowait().id);
        expect(ids).toEqual(['b', 'd', 'a', 'c']);
      }));
  }
});
