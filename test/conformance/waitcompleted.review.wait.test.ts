// Adversarial review of wait() (passes, the futures it leaves alone, arguments, a wait() made
// before it is awaited) against CPython 3.13 asyncio (Lib/asyncio/tasks.py: wait/_wait). Every
// expectation below was checked with the pure-Python 3.13 asyncio (probe scripts run with
// PYTHONPATH=/tmp/pyasyncio313); pass counts ("ticks") come from a callSoon chain, the same
// `loop.call_soon(tick)` chain in the Python probes. `it.fails` marks a difference: the test states
// what asyncio does, and the comment above it quotes the probe.
import { describe, expect, it } from 'vitest';
import {
  ALL_COMPLETED,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  TimeoutError,
  asCompleted,
  createTask,
  getRunningLoop,
  run,
  sleep,
  wait,
  waitFor,
  type Coroutine,
  type Future,
} from 'tulip';
import {
  STYLES,
  assertCancelled,
  newFuture,
  now,
  passes,
  runVirtual,
  styled,
  syncError,
  passCounter as ticker,
} from './helpers.js';
import { job, timed, type Outcome } from './waitcompleted.review.helpers.js';

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
