// Adversarial review of wait(), asCompleted() and gather() against CPython 3.13 asyncio
// (Lib/asyncio/tasks.py: wait/_wait, _AsCompletedIterator, gather/_GatheringFuture). Every
// expectation below was checked with the pure-Python 3.13 asyncio (probe scripts run with
// PYTHONPATH=/tmp/pyasyncio313); pass counts ("ticks") come from a callSoon chain, the same
// `loop.call_soon(tick)` chain in the Python probes. `it.fails` marks a difference: the test states
// what asyncio does, and the comment above it quotes the probe.
import { describe, expect, it } from 'vitest';
import {
  ALL_COMPLETED,
  CancelledError,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  TimeoutError,
  asCompleted,
  createTask,
  gather,
  getRunningLoop,
  run,
  shield,
  sleep,
  wait,
  waitFor,
  type Coroutine,
  type Future,
  type Task,
  type TaskBody,
} from 'tulip';
import {
  FOREVER,
  STYLES,
  assertCancelled,
  collectGarbage,
  neverRetrieved,
  newFuture,
  now,
  passes,
  recordExceptions,
  runVirtual,
  styled,
  syncError,
  type Style,
  passCounter as ticker,
} from './helpers.js';

// ---- helpers ----------------------------------------------------------------------------------

type Outcome<T> = { ok: true; value: T; ticks: number } | { ok: false; error: unknown; ticks: number };

/**
 * A task body in `style` that calls `op()` when it starts, waits for what it returns and gives the
 * outcome with the number of passes the wait took.
 */
function timed<T>(style: Style, tick: () => number, op: () => Future<T>): TaskBody<Outcome<T>> {
  return styled(
    style,
    function* () {
      const t0 = tick();
      try {
        const value = yield* op();
        return { ok: true as const, value, ticks: tick() - t0 };
      } catch (error) {
        return { ok: false as const, error, ticks: tick() - t0 };
      }
    },
    async () => {
      const t0 = tick();
      try {
        const value = await op();
        return { ok: true as const, value, ticks: tick() - t0 };
      } catch (error) {
        return { ok: false as const, error, ticks: tick() - t0 };
      }
    },
  );
}

/** A task body in `style` that awaits each future of a plain asCompleted() iteration. */
function drain<T>(style: Style, it: Iterable<Future<T>>, log: unknown[]): TaskBody<void> {
  return styled(
    style,
    function* () {
      for (const f of it) {
        try {
          log.push(yield* f);
        } catch (e) {
          log.push(e instanceof TimeoutError ? 'TimeoutError' : e);
        }
      }
    },
    async () => {
      for (const f of it) {
        try {
          log.push(await f);
        } catch (e) {
          log.push(e instanceof TimeoutError ? 'TimeoutError' : e);
        }
      }
    },
  );
}

/** One step of asCompleted()'s async iteration, as a future a generator can `yield*`. */
function anext<T>(it: AsyncIterator<Future<T>>): Future<IteratorResult<Future<T>>> {
  return it.next() as unknown as Future<IteratorResult<Future<T>>>;
}

/** A task body in `style` that sleeps `n` passes, then returns `value` (or throws it, if an Error). */
function job<T>(style: Style, n: number, value: T | Error): TaskBody<T> {
  return styled(
    style,
    function* () {
      for (let i = 0; i < n; i++) yield* sleep(0);
      if (value instanceof Error) throw value;
      return value;
    },
    async () => {
      for (let i = 0; i < n; i++) await sleep(0);
      if (value instanceof Error) throw value;
      return value;
    },
  );
}

function* nothing(): Coroutine<void> {}

// ---- wait: passes -----------------------------------------------------------------------------

describe('wait: how many passes until the waiting task resumes', () => {
  for (const style of STYLES) {
    // asyncio: the done callbacks of futures done already are scheduled with call_soon, the
    // waiter's result wakes the task one pass later: 2 passes (probe: "all-done ALL_COMPLETED
    // ticks 2 2 0", "one-done FIRST_COMPLETED ticks 2 1 1", "timeout 0 pending ticks 2 0 1",
    // "FIRST_EXCEPTION done-failed ticks 2 1 1").
    it(`futures done already: 2 passes with ALL_COMPLETED, FIRST_COMPLETED, FIRST_EXCEPTION and timeout 0 (${style})`, () =>
      run(async () => {
        const tick = ticker();
        const ok1 = newFuture<number>();
        ok1.setResult(1);
        const ok2 = newFuture<number>();
        ok2.setResult(2);
        const failed = newFuture<number>();
        failed.setException(new RangeError('x'));
        const never = newFuture<number>();
        const all = await createTask(timed(style, tick, () => wait([ok1, ok2])));
        const first = await createTask(timed(style, tick, () => wait([ok1, never], { returnWhen: FIRST_COMPLETED })));
        const zero = await createTask(timed(style, tick, () => wait([never], { timeout: 0 })));
        const exc = await createTask(timed(style, tick, () => wait([failed, never], { returnWhen: FIRST_EXCEPTION })));
        const sizes = (o: Outcome<{ done: Set<Future<number>>; pending: Set<Future<number>> }>) =>
          o.ok ? [o.ticks, o.value.done.size, o.value.pending.size] : o.error;
        expect([all, first, zero, exc].map(sizes)).toEqual([
          [2, 2, 0],
          [2, 1, 1],
          [2, 0, 1],
          [2, 1, 1],
        ]);
        failed.exception();
      }));

    // asyncio: a future finished by a task one pass in: set (pass 2), callback (3), resume (4)
    // (probe: "finished by a task after 1 pass: ticks 4 1 0").
    it(`a future finished by another task after one pass: the waiter resumes 4 passes after it started (${style})`, () =>
      run(async () => {
        const tick = ticker();
        const f = newFuture<number>();
        const o = await createTask(
          timed(style, tick, () => {
            createTask(async () => {
              await sleep(0);
              f.setResult(3);
            });
            return wait([f]);
          }),
        );
        expect(o.ok && [o.ticks, o.value.done.has(f), o.value.pending.size]).toEqual([4, true, 0]);
      }));

    // asyncio: FIRST_EXCEPTION counts only `not f.cancelled() and f.exception() is not None`
    // (probe: "after 10 passes done? False", then done 2, pending 0).
    it(`FIRST_EXCEPTION does not count a cancelled future as an exception (${style})`, () =>
      run(async () => {
        const cancelled = newFuture<number>();
        cancelled.cancel();
        const f = newFuture<number>();
        const t = createTask(timed(style, () => 0, () => wait([cancelled, f], { returnWhen: FIRST_EXCEPTION })));
        await passes(10);
        expect(t.done()).toBe(false);
        f.setResult(1);
        const o = await t;
        expect(o.ok && [o.value.done.size, o.value.pending.size]).toEqual([2, 0]);
      }));
  }
});

// ---- wait: what it leaves alone -----------------------------------------------------------------

describe('wait: the futures it watches are left alone', () => {
  for (const style of STYLES) {
    // asyncio: "Note: This does not raise TimeoutError! Futures that aren't done when the timeout
    // occurs are returned in the second set" — and they are not cancelled.
    it(`after a timeout the pending tasks are neither cancelled nor stopped, and finish later (${style})`, () =>
      runVirtual(async () => {
        const slow = createTask(job(style, 0, 'slow'));
        const slower = createTask(styled(style, function* () { yield* sleep(100); return 'late'; }, async () => { await sleep(100); return 'late'; }));
        const o = await createTask(timed(style, () => 0, () => wait([slow, slower], { timeout: 50 })));
        const { done, pending } = (o as { value: { done: Set<Future<string>>; pending: Set<Future<string>> } }).value;
        expect([done.size, done.has(slow), pending.size, pending.has(slower)]).toEqual([1, true, 1, true]);
        expect(now()).toBe(50);
        expect(slower.cancelled()).toBe(false);
        expect(await slower).toBe('late');
      }));

    // asyncio (probe): "waiter cancelled ('stop',) a cancelled? False callbacks left 0".
    it(`cancelling the waiting task raises CancelledError(msg) in it and does not cancel the futures (${style})`, () =>
      run(async () => {
        const a = newFuture<number>();
        const b = newFuture<number>();
        const t = createTask(timed(style, () => 0, () => wait([a, b], { returnWhen: FIRST_COMPLETED })));
        await passes(1);
        t.cancel('stop');
        const o = await t;
        expect(o.ok).toBe(false);
        assertCancelled((o as { error: unknown }).error, 'stop');
        expect([a.cancelled(), b.cancelled(), a.done(), b.done()]).toEqual([false, false, false, false]);
        a.setResult(1);
        b.setResult(2);
      }));

    // asyncio: `fs = set(fs)`: duplicates count once; the sets hold the very futures passed.
    it(`the done and pending sets hold the very futures passed, each once however often it came (${style})`, () =>
      run(async () => {
        const a = newFuture<string>();
        a.setResult('a');
        const b = newFuture<string>();
        const o = await createTask(timed(style, () => 0, () => wait([a, b, a, b, a], { timeout: 0 })));
        const { done, pending } = (o as { value: { done: Set<Future<string>>; pending: Set<Future<string>> } }).value;
        expect([done.size, done.has(a), pending.size, pending.has(b)]).toEqual([1, true, 1, true]);
        b.cancel();
      }));
  }

  // asyncio: timeout=math.inf waits as None does (probe: "inf 1 0").
  it('an infinite timeout waits as no timeout does', () =>
    run(async () => {
      const f = newFuture<number>();
      getRunningLoop().callSoon(() => f.setResult(1));
      const { done, pending } = await wait([f], { timeout: Infinity, returnWhen: ALL_COMPLETED });
      expect([done.has(f), pending.size]).toEqual([true, 0]);
    }));
});

// ---- wait: arguments ----------------------------------------------------------------------------

describe('wait: arguments', () => {
  // asyncio: ValueError('Set of Tasks/Futures is empty.') before return_when is looked at
  // (probe: "empty + bogus -> ValueError Set of Tasks/Futures is empty.").
  it('an empty input is a RangeError (asyncio ValueError) even with a bad returnWhen', () =>
    run(async () => {
      const e = syncError(() => wait([], { returnWhen: 'bogus' }));
      expect(e).toBeInstanceOf(RangeError);
      expect(e.message).toMatch(/Set of Tasks\/Futures is empty\./);
    }));

  // asyncio: ValueError('Invalid return_when value: bogus').
  it('a bad returnWhen is a RangeError naming it', () =>
    run(async () => {
      const f = newFuture();
      const e = syncError(() => wait([f], { returnWhen: 'bogus' }));
      expect(e).toBeInstanceOf(RangeError);
      expect(e.message).toMatch(/Invalid returnWhen value: "bogus"/);
    }));

  // asyncio checks return_when before it looks for coroutines: `wait([coro], return_when='bogus')`
  // raises "ValueError Invalid return_when value: bogus" (probe). (tulip checked the items first;
  // fixed since.)
  it('a coroutine in the input with a bad returnWhen: the returnWhen is reported (RangeError), as asyncio checks it first', () =>
    run(async () => {
      const e = syncError(() => wait([nothing()] as never, { returnWhen: 'bogus' }));
      expect(e).toBeInstanceOf(RangeError);
      expect(e.message).toMatch(/Invalid returnWhen value/);
    }));

  // DESIGN §3.1 (Iteration): wait() refuses a coroutine (generator object) with TypeError, as
  // asyncio 3.11+ does ("Passing coroutines is forbidden, use tasks explicitly.").
  it('a coroutine (generator object) in the input is a TypeError saying to use tasks', () =>
    run(async () => {
      const e = syncError(() => wait([nothing()] as never));
      expect(e).toBeInstanceOf(TypeError);
      expect(e.message).toMatch(/Passing coroutines is forbidden, use tasks explicitly/);
    }));

  for (const style of STYLES) {
    // asyncio: the timeout goes to loop.call_later(timeout, ...), which takes a negative delay as
    // 0: `await asyncio.wait([f], timeout=-1)` returns (set(), {f}) after 2 passes, like timeout 0
    // (probe: "timeout -1 pending ticks 2 0 1", "timeout -1 one done ticks 2 1 1"). (tulip threw a
    // RangeError; fixed since.)
    it(`a negative timeout returns as timeout 0 does (${style})`, () =>
      run(async () => {
        const tick = ticker();
        const done = newFuture<number>();
        done.setResult(1);
        const f = newFuture<number>();
        const o = await createTask(timed(style, tick, () => wait([done, f], { timeout: -1 })));
        expect(o.ok && [o.ticks, o.value.done.has(done), o.value.pending.has(f)]).toEqual([2, true, true]);
      }));
  }
});

// ---- wait: made now, awaited later ------------------------------------------------------------

describe('wait: a wait() made before it is awaited (asyncio: a coroutine, which starts when awaited)', () => {
  for (const style of STYLES) {
    // asyncio: `w = asyncio.wait([f], timeout=0.05); await asyncio.sleep(0.04); await w` returns
    // 50 ms after the await (probe: "wait created, awaited 40ms later, returns after 51 ms") —
    // call_later runs only once _wait() runs. (tulip armed the timer in wait() itself, so the
    // await returned after 10 ms; fixed since: the wait starts when first awaited or watched.)
    it(`its timeout counts from the await, not from the call (${style})`, () =>
      runVirtual(async () => {
        const f = newFuture<number>();
        const t = createTask(
          styled(
            style,
            function* () {
              const w = wait([f], { timeout: 50 });
              yield* sleep(40);
              const t0 = now();
              const { pending } = yield* w;
              return [now() - t0, pending.has(f)];
            },
            async () => {
              const w = wait([f], { timeout: 50 });
              await sleep(40);
              const t0 = now();
              const { pending } = await w;
              return [now() - t0, pending.has(f)];
            },
          ),
        );
        expect(await t).toEqual([50, true]);
      }));

    // asyncio: the sets are taken when the coroutine resumes, and the callbacks are only added
    // when it is awaited: w = wait([g, h], FIRST_COMPLETED); g done; two passes; h done; await w
    // gives 2 done, 0 pending (probe). (tulip's wait fired on g before anyone awaited it: 1 done,
    // 1 pending; fixed since.)
    it(`FIRST_COMPLETED made before any future finished, awaited after all did: every future is done (${style})`, () =>
      run(async () => {
        const g = newFuture<number>();
        const h = newFuture<number>();
        const t = createTask(
          styled(
            style,
            function* () {
              const w = wait([g, h], { returnWhen: FIRST_COMPLETED });
              g.setResult(1);
              yield* sleep(0);
              yield* sleep(0);
              h.setResult(2);
              const { done, pending } = yield* w;
              return [done.size, pending.size];
            },
            async () => {
              const w = wait([g, h], { returnWhen: FIRST_COMPLETED });
              g.setResult(1);
              await sleep(0);
              await sleep(0);
              h.setResult(2);
              const { done, pending } = await w;
              return [done.size, pending.size];
            },
          ),
        );
        expect(await t).toEqual([2, 0]);
      }));

    // asyncio (probe): w = wait([c], timeout=0.01); sleep 20 ms; c done; sleep 10 ms; await w
    // gives "done 1 pending 0". (tulip resolved w at 10 ms, with c in pending; fixed since.)
    it(`a future that finished after the timeout but before the await is in done, not pending (${style})`, () =>
      runVirtual(async () => {
        const c = newFuture<number>();
        const t = createTask(
          styled(
            style,
            function* () {
              const w = wait([c], { timeout: 10 });
              yield* sleep(20);
              c.setResult(3);
              yield* sleep(10);
              const { done, pending } = yield* w;
              return [done.has(c), pending.has(c)];
            },
            async () => {
              const w = wait([c], { timeout: 10 });
              await sleep(20);
              c.setResult(3);
              await sleep(10);
              const { done, pending } = await w;
              return [done.has(c), pending.has(c)];
            },
          ),
        );
        expect(await t).toEqual([true, false]);
      }));
  }

  // asyncio copies the input (`fs = set(fs)`) only when the coroutine runs: s = {a}; w = wait(s);
  // s.add(b); await w waits for b too (probe: "set mutated: done 2 pending 0 waited for b True").
  // (tulip copied the iterable in wait() itself; fixed since: a Set or an array is read again.)
  it('a Set of futures changed between the call and the await is read as it is at the await', () =>
    runVirtual(async () => {
      const a = newFuture<number>();
      const b = newFuture<number>();
      const s = new Set([a]);
      const w = wait(s);
      s.add(b);
      getRunningLoop().callSoon(() => a.setResult(1));
      getRunningLoop().callLater(20, () => b.setResult(2));
      const { done, pending } = await w;
      expect([done.size, pending.size, now()]).toEqual([2, 0, 20]);
    }));

  // The contrast: asyncio's wait_for and as_completed. wait_for is a coroutine too (probe:
  // "wait_for created, awaited 40ms later, times out after 51 ms"), and tulip's waitFor counts
  // from the await as well; as_completed is a plain function whose timer starts at the call
  // (probe: "as_completed made 40ms before iterating times out after 10 ms"), as tulip's does.
  it('waitFor counts from the await; asCompleted counts from the call', () =>
    runVirtual(async () => {
      const f = newFuture<number>();
      const w = waitFor(f, 50);
      await sleep(40);
      let t0 = now();
      expect(await w.then(() => 'resolved', (e: unknown) => e)).toBeInstanceOf(TimeoutError);
      expect(now() - t0).toBe(50);
      const g = newFuture<number>();
      const it = asCompleted([g], { timeout: 50 });
      await sleep(40);
      t0 = now();
      const e = await (async () => {
        try {
          for await (const _ of it) void _;
        } catch (err) {
          return err;
        }
        return 'no error';
      })();
      expect(e).toBeInstanceOf(TimeoutError);
      expect(now() - t0).toBe(10);
      expect(g.done()).toBe(false);
    }));
});

// ---- asCompleted: passes and timeouts ---------------------------------------------------------

describe('asCompleted: passes and timeouts', () => {
  for (const style of STYLES) {
    // asyncio (probe): "sync: set in pass+1, got after 3 a", "async: set in pass+1, got after 3",
    // "sync: already done, got after 2 d", "async: already done, got after 2".
    it(`a result set in the next pass comes 3 passes later, one done already 2 passes later, in both forms (${style})`, () =>
      run(async () => {
        const tick = ticker();
        const loop = getRunningLoop();
        const soon = (): Future<string> => {
          const f = newFuture<string>();
          loop.callSoon(() => f.setResult('a'));
          return f;
        };
        const doneAlready = (): Future<string> => {
          const f = newFuture<string>();
          f.setResult('d');
          return f;
        };
        const plain = (make: () => Future<string>) => () => [...asCompleted([make()])][0]!;
        const asyncForm = (make: () => Future<string>) => () => {
          const f = make();
          const step = anext(asCompleted([f])[Symbol.asyncIterator]());
          return step;
        };
        const got: unknown[] = [];
        for (const op of [plain(soon), plain(doneAlready)]) {
          const o = await createTask(timed(style, tick, op));
          got.push(o.ok ? [o.value, o.ticks] : o.error);
        }
        for (const op of [asyncForm(soon), asyncForm(doneAlready)]) {
          const o = await createTask(timed(style, tick, op));
          got.push(o.ok ? [o.value.value!.result(), o.ticks] : o.error);
        }
        expect(got).toEqual([
          ['a', 3],
          ['d', 2],
          ['a', 3],
          ['d', 2],
        ]);
      }));

    // asyncio (probe): "sync timeout 0: TimeoutError after 2", "async timeout 0: TimeoutError after 2".
    it(`timeout 0 on a pending future: TimeoutError 2 passes later, in both forms; the future is not cancelled (${style})`, () =>
      run(async () => {
        const tick = ticker();
        const g = newFuture<string>();
        const a = await createTask(timed(style, tick, () => [...asCompleted([g], { timeout: 0 })][0]!));
        const b = await createTask(timed(style, tick, () => anext(asCompleted([g], { timeout: 0 })[Symbol.asyncIterator]())));
        expect([a.ok, a.ticks, b.ok, b.ticks]).toEqual([false, 2, false, 2]);
        expect((a as { error: unknown }).error).toBeInstanceOf(TimeoutError);
        expect((b as { error: unknown }).error).toBeInstanceOf(TimeoutError);
        expect(g.cancelled()).toBe(false);
        g.cancel();
      }));

    // asyncio: call_later(-1, _handle_timeout) fires as call_later(0) does (probe: "async timeout
    // -1: TimeoutError after 2"). (tulip threw a RangeError; fixed since.)
    it(`a negative timeout times out as timeout 0 does (${style})`, () =>
      run(async () => {
        const tick = ticker();
        const g = newFuture<string>();
        const o = await createTask(timed(style, tick, () => anext(asCompleted([g], { timeout: -1 })[Symbol.asyncIterator]())));
        expect([o.ok, o.ticks]).toEqual([false, 2]);
        expect((o as { error: unknown }).error).toBeInstanceOf(TimeoutError);
      }));
  }

  // asyncio: the completion callback and the timeout both run as callbacks; a future set by a
  // callback in the pass the timeout fires is seen one pass later, after the timeout took it:
  // "race1: TimeoutError, h.done()= True"; set in the same step as the call: "race2: got h"; done
  // before the call: "race3: got h" (probe).
  it('with timeout 0, a future set by a callback in the next pass times out; one set at once or done before does not', () =>
    run(async () => {
      const outcome = async (it: AsyncIterable<Future<string>>): Promise<unknown> => {
        try {
          for await (const c of it) return (c as unknown as Future<string>).result();
        } catch (e) {
          return e instanceof TimeoutError ? 'TimeoutError' : e;
        }
        return 'none';
      };
      const h1 = newFuture<string>();
      const it1 = asCompleted([h1], { timeout: 0 });
      getRunningLoop().callSoon(() => h1.setResult('h'));
      const h2 = newFuture<string>();
      const it2 = asCompleted([h2], { timeout: 0 });
      h2.setResult('h');
      const h3 = newFuture<string>();
      h3.setResult('h');
      const it3 = asCompleted([h3], { timeout: 0 });
      expect([await outcome(it1), h1.done(), await outcome(it2), await outcome(it3)]).toEqual(['TimeoutError', true, 'h', 'h']);
    }));

  // asyncio: as_completed(math.inf) waits as with no timeout (probe: "ac inf 2").
  it('an infinite timeout waits as no timeout does', () =>
    run(async () => {
      const g = newFuture<number>();
      getRunningLoop().callSoon(() => g.setResult(2));
      const got: number[] = [];
      for await (const c of asCompleted([g], { timeout: Infinity })) got.push((c as unknown as Future<number>).result());
      expect(got).toEqual([2]);
    }));

  // asyncio (probe): "empty sync [] empty async []".
  it('an empty input yields nothing in either form, also with a timeout', () =>
    run(async () => {
      expect([...asCompleted([])]).toEqual([]);
      const got: unknown[] = [];
      for await (const c of asCompleted([], { timeout: 0 })) got.push(c);
      expect(got).toEqual([]);
    }));
});

// ---- asCompleted: consumers -------------------------------------------------------------------

describe('asCompleted: consumers of the plain iteration', () => {
  for (const style of STYLES) {
    // asyncio (probe): the futures yielded by the plain iteration take the next completion when
    // awaited; awaited in reverse order they still get c, a, b in completion order:
    // "reversed consumers got ['c', 'a', 'b']".
    it(`consumers awaiting the yielded futures in reverse order get the results in completion order (${style})`, () =>
      run(async () => {
        const [x, y, z] = [newFuture<string>(), newFuture<string>(), newFuture<string>()];
        const cs = [...asCompleted([x, y, z])].reverse();
        const ts = cs.map((c) => createTask(timed(style, () => 0, () => c)));
        await passes(1);
        z.setResult('c');
        x.setResult('a');
        y.setResult('b');
        const got: unknown[] = [];
        for (const t of ts) {
          const o = await t;
          got.push(o.ok ? o.value : o.error);
        }
        expect(got).toEqual(['c', 'a', 'b']);
      }));

    // asyncio (probe): a woken consumer that has not resumed yet loses the completion to one that
    // asks in that pass (Queue.get takes an item at once), and queues again behind the others:
    // "[('B', 'a'), ('C', 'b'), ('A', 'x')]".
    it(`a woken consumer that has not resumed loses its completion to a newcomer and queues again at the back (${style})`, () =>
      run(async () => {
        const [a, b, x] = [newFuture<string>(), newFuture<string>(), newFuture<string>()];
        const [c1, c2, c3] = [...asCompleted([a, b, x])];
        const log: unknown[] = [];
        const consume = (name: string, c: Future<string>) =>
          styled(
            style,
            function* () {
              log.push([name, yield* c]);
            },
            async () => {
              log.push([name, await c]);
            },
          );
        const A = createTask(consume('A', c1!));
        await passes(1);
        a.setResult('a');
        const B = createTask(consume('B', c2!));
        const C = createTask(consume('C', c3!));
        await passes(3);
        b.setResult('b');
        await passes(3);
        x.setResult('x');
        await gather([A, B, C]);
        expect(log).toEqual([
          ['B', 'a'],
          ['C', 'b'],
          ['A', 'x'],
        ]);
      }));

    for (const moment of ['while it waits', 'after its completion was handed to it'] as const) {
      // asyncio (probe): the coroutine cancelled in Queue.get takes no item; the next one awaited
      // gets `a`; the plain iteration counted its steps when it made them, so `b` is never
      // delivered: "rest of sync iteration: ['a'] b still pending: True", "rest: ['a']".
      it(`a consumer cancelled ${moment} takes no result; the next future awaited gets it (${style})`, () =>
        run(async () => {
          const a = newFuture<string>();
          const b = newFuture<string>();
          const it = asCompleted([a, b]);
          const c1 = it.next().value!;
          const t = createTask(timed(style, () => 0, () => c1));
          await passes(1);
          if (moment !== 'while it waits') {
            a.setResult('a');
            await passes(1);
          }
          t.cancel();
          const o = await t;
          expect(o.ok).toBe(false);
          assertCancelled((o as { error: unknown }).error);
          if (moment === 'while it waits') a.setResult('a');
          const rest: unknown[] = [];
          await createTask(drain(style, it, rest));
          expect([rest, b.done()]).toEqual([['a'], false]);
          b.cancel();
        }));
    }

    // asyncio (probe): "sync resumed a ['b']" — a break leaves the iterator usable.
    it(`a break out of the plain iteration leaves the tasks running and the iterator resumable (${style})`, () =>
      run(async () => {
        const ts = [createTask(job(style, 1, 'a')), createTask(job(style, 3, 'b'))];
        const it = asCompleted(ts);
        let first: unknown;
        for (const c of it) {
          first = await c;
          break;
        }
        expect(ts[1]!.done()).toBe(false);
        const rest: unknown[] = [];
        await createTask(drain(style, it, rest));
        expect([first, rest, ts.map((t) => t.cancelled())]).toEqual(['a', ['b'], [false, false]]);
      }));
  }
});

describe('asCompleted: duplicates', () => {
  for (const style of STYLES) {
    // asyncio (probe): as_completed([a, a, b, a]) makes 2 coroutines ("plain dup count 2"); with b
    // set before a, both forms give b then a ("async dup ['b', 'a']", "plain ['b', 'a']").
    it(`a future passed several times is counted once, in both forms (${style} consumer)`, () =>
      run(async () => {
        const a = newFuture<string>();
        const b = newFuture<string>();
        const plain = [...asCompleted([a, a, b, a])];
        expect(plain).toHaveLength(2);
        getRunningLoop().callSoon(() => b.setResult('b'));
        getRunningLoop().callSoon(() => a.setResult('a'));
        const viaAsync: string[] = [];
        for await (const c of asCompleted([a, b, a])) viaAsync.push((c as unknown as Future<string>).result());
        const viaPlain: unknown[] = [];
        await createTask(drain(style, plain, viaPlain));
        expect([viaAsync, viaPlain]).toEqual([
          ['b', 'a'],
          ['b', 'a'],
        ]);
      }));
  }
});

describe('asCompleted: the async iteration', () => {
  for (const style of STYLES) {
    // asyncio (probe): "after break: first a others cancelled? [False, False, False] done? [True,
    // False, False]", "resumed: ['b', 'c']" — the original tasks come out, nothing is cancelled.
    it(`a break leaves the other tasks running, not cancelled; resuming yields the very tasks (${style} tasks)`, () =>
      run(async () => {
        const ts = [createTask(job(style, 1, 'a')), createTask(job(style, 3, 'b')), createTask(job(style, 5, 'c'))];
        const it = asCompleted(ts);
        let first: Future<string> | undefined;
        for await (const c of it) {
          first = c as unknown as Future<string>;
          break;
        }
        expect(first === ts[0]).toBe(true);
        expect([ts.map((t) => t.cancelled()), ts.map((t) => t.done())]).toEqual([
          [false, false, false],
          [true, false, false],
        ]);
        const rest: Future<string>[] = [];
        for await (const c of it) rest.push(c as unknown as Future<string>);
        expect([rest.length, rest[0] === ts[1], rest[1] === ts[2]]).toEqual([2, true, true]);
      }));

    // asyncio: the async iteration yields a failed input (it does not raise its error); the error
    // is read from it (probe: "as_completed yields f True" for a failed future).
    it(`a failed task is yielded, not raised; its error is read from it and not reported (${style} tasks)`, () =>
      run(async () => {
        const seen = recordExceptions();
        const err = new RangeError('boom');
        const bad = createTask(job<string>(style, 1, err));
        const good = createTask(job(style, 2, 'ok'));
        const got: unknown[] = [];
        for await (const x of asCompleted([good, bad])) {
          const c = x as unknown as Future<string>;
          got.push(c === bad ? c.exception() : c.result());
        }
        await passes(2);
        expect(got).toEqual([err, 'ok']);
        expect(neverRetrieved(seen)).toEqual([]);
      }));
  }
});

// ---- gather -----------------------------------------------------------------------------------

describe('gather: passes', () => {
  for (const style of STYLES) {
    // asyncio (probe): "gather() empty [] 0", "gather of futures set in pass+1 -> [1, 2] 3".
    it(`gather([]) is done at once (0 passes); futures set in the next pass give the result 3 passes later (${style})`, () =>
      run(async () => {
        const tick = ticker();
        const empty = gather([]);
        expect([empty.done(), empty.cancel()]).toEqual([true, false]);
        const e = await createTask(timed(style, tick, () => gather([])));
        const o = await createTask(
          timed(style, tick, () => {
            const f = newFuture<number>();
            const g = newFuture<number>();
            getRunningLoop().callSoon(() => f.setResult(1));
            getRunningLoop().callSoon(() => g.setResult(2));
            return gather([f, g]);
          }),
        );
        expect([e.ok && e.value, e.ticks, o.ok && o.value, o.ticks]).toEqual([[], 0, [1, 2], 3]);
      }));

    // asyncio (probe): "gather of two trivial coros -> [1, 2] 3" (generator coroutines are lazy
    // like Python's; a native async function runs when called, so it is not comparable).
    it(`two generator coroutines that return at once: their results come 3 passes after the call (${style})`, () =>
      run(async () => {
        const tick = ticker();
        function* co(x: number): Coroutine<number> {
          return x;
        }
        const o = await createTask(timed(style, tick, () => gather([co(1), co(2)])));
        expect([o.ok && o.value, o.ticks]).toEqual([[1, 2], 3]);
      }));

    // asyncio (probe): "fail-fast after 3 s.done False s.cancelled False", then "s result s"
    // (s sleeps 3 passes; the failing child runs in pass 1, the gather fails in 2, resumes in 3).
    it(`a child failing at once fails the gather 3 passes later; the pending sibling runs on (${style})`, () =>
      run(async () => {
        const tick = ticker();
        function* boom(): Coroutine<never> {
          throw new RangeError('boom');
        }
        const check = (s: Task<string>, t0: number, e: unknown) => [tick() - t0, e instanceof RangeError, s.done(), s.cancelled()];
        const t = createTask(
          styled(
            style,
            function* () {
              const t0 = tick();
              const s = createTask(job(style, 3, 's'));
              try {
                yield* gather([boom(), s]);
              } catch (e) {
                return [check(s, t0, e), yield* s];
              }
              return 'resolved';
            },
            async () => {
              const t0 = tick();
              const s = createTask(job(style, 3, 's'));
              try {
                await gather([boom(), s]);
              } catch (e) {
                return [check(s, t0, e), await s];
              }
              return 'resolved';
            },
          ),
        );
        expect(await t).toEqual([[3, true, false, false], 's']);
      }));
  }

  // asyncio (probe): gather(f, f, return_exceptions=True) with f failing: "gather dup rex True True 2".
  it('the same future passed twice with returnExceptions gives its very error in both slots', () =>
    run(async () => {
      const f = newFuture<number>();
      const g = gather([f, f], { returnExceptions: true });
      const e = new RangeError('e');
      getRunningLoop().callSoon(() => f.setException(e));
      const r = await g;
      expect([r.length, r[0] === e, r[1] === e]).toEqual([2, true, true]);
    }));

  // asyncio (probe): y failed first in the pass, so "same pass failures -> KeyError('y')".
  it('of two children failing in the same pass, the one that failed first is the error', () =>
    run(async () => {
      const x = newFuture<number>();
      const y = newFuture<number>();
      const g = gather([x, y]);
      const ey = new TypeError('y');
      y.setException(ey);
      x.setException(new RangeError('x'));
      expect(await g.then(() => 'resolved', (e: unknown) => e)).toBe(ey);
      x.exception();
    }));

  // asyncio 3.12+ (probe): "(e) done at once True exc is e2 True" — children done already are
  // taken in argument order when gather() is called.
  it('with children failed already, the gather is done at once with the first failure in argument order', () =>
    run(async () => {
      const ok = newFuture<string>();
      ok.setResult('ok');
      const e1 = new RangeError('1');
      const e2 = new TypeError('2');
      const f1 = newFuture<string>();
      f1.setException(e1);
      const f2 = newFuture<string>();
      f2.setException(e2);
      const p = newFuture<string>();
      const g = gather([ok, f2, p, f1]);
      expect([g.done(), g.exception()]).toEqual([true, e2]);
      p.setResult('p');
    }));
});

describe('gather: cancellation', () => {
  // asyncio (probe): "cancel -> True True True", "CancelledError ('stop',) after 2
  // gg.cancelled() False" — the outer fails with CancelledError, it is not cancelled.
  it('cancel(msg) of a gather of futures cancels them; awaiting it raises CancelledError(msg) 2 passes later; cancelled() stays false', () =>
    run(async () => {
      const tick = ticker();
      const a = newFuture<number>();
      const b = newFuture<number>();
      const g = gather([a, b]);
      const cancels: boolean[] = [];
      const o = await createTask(
        timed('async', tick, () => {
          cancels.push(g.cancel('stop'), a.cancelled(), b.cancelled());
          return g;
        }),
      );
      expect(cancels).toEqual([true, true, true]);
      expect([o.ok, o.ticks, g.cancelled()]).toEqual([false, 2, false]);
      assertCancelled((o as { error: unknown }).error, 'stop');
    }));

  for (const style of STYLES) {
    // asyncio (probe): "cancel1 True cancel2 True", "gather of tasks cancelled twice: ('one',) False".
    it(`cancel() twice of a gather of running tasks: both return true and the first message wins (${style} tasks)`, () =>
      run(async () => {
        const sleeper = styled(style, function* () { yield* sleep(FOREVER); }, async () => { await sleep(FOREVER); });
        const t1 = createTask(sleeper);
        const t2 = createTask(sleeper);
        await passes(1);
        const g = gather([t1, t2]);
        expect([g.cancel('one'), g.cancel('two')]).toEqual([true, true]);
        const e = await g.then(() => 'resolved', (err: unknown) => err);
        assertCancelled(e, 'one');
        expect(g.cancelled()).toBe(false);
      }));

    // asyncio (probe): "stubborn gather CancelledError () t1 kept" — issue 32684: a requested
    // cancel propagates even if no child ended cancelled.
    it(`a child that swallows the cancel and returns: the gather still fails with a bare CancelledError (${style} child)`, () =>
      run(async () => {
        const t = createTask(
          styled(
            style,
            function* () {
              try {
                yield* sleep(FOREVER);
              } catch {
                return 'kept';
              }
              return 'slept';
            },
            async () => {
              try {
                await sleep(FOREVER);
              } catch {
                return 'kept';
              }
              return 'slept';
            },
          ),
        );
        await passes(1);
        const g = gather([t]);
        expect(g.cancel('m')).toBe(true);
        const e = await g.then(() => 'resolved', (err: unknown) => err);
        assertCancelled(e, '');
        expect(t.result()).toBe('kept');
      }));

    // asyncio (probe): "convert rex False raised ValueError('converted')", "convert rex True
    // raised CancelledError()".
    it(`a child turning the cancel into an error: that error without returnExceptions, CancelledError with it (${style} child)`, () =>
      run(async () => {
        const convert = styled(
          style,
          function* () {
            try {
              yield* sleep(FOREVER);
            } catch {
              throw new RangeError('converted');
            }
          },
          async () => {
            try {
              await sleep(FOREVER);
            } catch {
              throw new RangeError('converted');
            }
          },
        );
        const got: unknown[] = [];
        for (const returnExceptions of [false, true]) {
          const t = createTask(convert);
          await passes(1);
          const g = gather([t], { returnExceptions });
          g.cancel();
          const e = await g.then(() => 'resolved', (err: unknown) => err);
          got.push(e instanceof CancelledError ? 'CancelledError' : (e as Error).message);
        }
        expect(got).toEqual(['converted', 'CancelledError']);
      }));

    // asyncio (probe): "(c) t.cancel True", "(c) -> cancelled ('late',)" — gather.cancel() finds
    // the child done and returns False, so the task keeps the cancel and gets it on resuming.
    it(`a task cancelled in the pass its gather's only child finished gets CancelledError(msg), not the result (${style})`, () =>
      run(async () => {
        const c = newFuture<string>();
        const t = createTask(timed(style, () => 0, () => gather([c])));
        await passes(1);
        c.setResult('c');
        expect(t.cancel('late')).toBe(true);
        const o = await t;
        expect(o.ok).toBe(false);
        assertCancelled((o as { error: unknown }).error, 'late');
      }));

    // asyncio (probe): "(a) awaiting task: cancelled() True ('ext',) d pending True".
    it(`a child cancelled by someone else: the awaiting task gets CancelledError(msg) and ends cancelled; the sibling runs on (${style})`, () =>
      run(async () => {
        const c = newFuture<number>();
        const d = newFuture<number>();
        const t = createTask(styled(style, function* () { return yield* gather([c, d]); }, async () => gather([c, d])));
        await passes(1);
        c.cancel('ext');
        const e = await (t as Task<unknown>).then(() => 'resolved', (err: unknown) => err);
        assertCancelled(e, 'ext');
        expect([t.cancelled(), d.done()]).toEqual([true, false]);
        d.cancel();
      }));

    // asyncio (probe): "rex False self-raised outer: ('own',)".
    it(`a child raising CancelledError('own') itself fails the gather with that message (${style} child)`, () =>
      run(async () => {
        const t = createTask(
          styled(
            style,
            function* (): Coroutine<never> {
              throw new CancelledError('own');
            },
            async () => {
              throw new CancelledError('own');
            },
          ),
        );
        const e = await gather([t]).then(() => 'resolved', (err: unknown) => err);
        assertCancelled(e, 'own');
      }));
  }

  // asyncio (probe): "(b) cancel after child done same pass -> False", "(b) result ['c']".
  it('cancel() in the pass the only child finished returns false and the gather still gets the result', () =>
    run(async () => {
      const c = newFuture<string>();
      const g = gather([c]);
      c.setResult('c');
      expect(g.cancel()).toBe(false);
      expect(await g).toEqual(['c']);
    }));

  // asyncio (probe): gather(wait_for(f, 100)).cancel() cancels the wrapping task before it ever
  // runs: "f cancelled? False done False"; a shield's inner future is untouched too.
  it('cancelling a gather of waitFor()/shield() futures before they start leaves the inner futures alone', () =>
    run(async () => {
      const f = newFuture<number>();
      const g = gather([waitFor(f, FOREVER)]);
      expect(g.cancel('c')).toBe(true);
      assertCancelled(await g.then(() => 'resolved', (e: unknown) => e), 'c');
      await passes(1);
      expect([f.cancelled(), f.done()]).toEqual([false, false]);
      const f2 = newFuture<number>();
      const g2 = gather([shield(f2)]);
      expect(g2.cancel()).toBe(true);
      assertCancelled(await g2.then(() => 'resolved', (e: unknown) => e));
      expect(f2.cancelled()).toBe(false);
      f.cancel();
      f2.cancel();
    }));
});

describe('gather: an outer future nobody awaits', () => {
  // asyncio: a _GatheringFuture that failed and is collected unread is logged (probe:
  // "_GatheringFuture exception was never retrieved / ValueError('v')"); tulip does the same.
  it('failing with a child error, it is reported as never retrieved once collected', () =>
    run(async () => {
      const seen = recordExceptions();
      const err = new RangeError('v');
      (() => {
        const c = newFuture<number>();
        gather([c]);
        c.setException(err);
      })();
      await passes(2);
      await collectGarbage();
      const reports = neverRetrieved(seen);
      expect(reports).toHaveLength(1);
      expect(reports[0]!.exception).toBe(err);
    }));

  // asyncio: the outer fails through set_exception(CancelledError), which logs like any error:
  // child cancelled -> "_GatheringFuture exception was never retrieved / CancelledError('x')";
  // gather.cancel('y') -> "... / CancelledError('y')" (probe). A known asyncio wart (see
  // ethereum/trinity#1061): a cancellation is not an error anyone must read, and no other cancelled
  // future is reported. tulip deliberately reports neither (README, "Differences from asyncio").
  it('failing because a child was cancelled, it is not reported as never retrieved (a deliberate difference)', () =>
    run(async () => {
      const seen = recordExceptions();
      (() => {
        const c = newFuture<number>();
        gather([c]);
        c.cancel('x');
      })();
      await passes(2);
      await collectGarbage();
      expect(neverRetrieved(seen)).toHaveLength(0);
    }));

  it('cancelled with cancel(msg) and never awaited, it is not reported as never retrieved (a deliberate difference)', () =>
    run(async () => {
      const seen = recordExceptions();
      (() => {
        const c = newFuture<number>();
        gather([c]).cancel('y');
      })();
      await passes(2);
      await collectGarbage();
      expect(neverRetrieved(seen)).toHaveLength(0);
    }));
});
