// Adversarial review of gather() (passes, cancellation, an outer future nobody awaits) against
// CPython 3.13 asyncio (Lib/asyncio/tasks.py: gather/_GatheringFuture). Every expectation below was
// checked with the pure-Python 3.13 asyncio (probe scripts run with PYTHONPATH=/tmp/pyasyncio313);
// pass counts ("ticks") come from a callSoon chain, the same `loop.call_soon(tick)` chain in the
// Python probes. `it.fails` marks a difference: the test states what asyncio does, and the comment
// above it quotes the probe.
import { describe, expect, it } from 'vitest';
import {
  CancelledError,
  createTask,
  gather,
  getRunningLoop,
  run,
  shield,
  sleep,
  waitFor,
  type Coroutine,
  type Task,
} from 'tulip';
import {
  FOREVER,
  STYLES,
  assertCancelled,
  collectGarbage,
  neverRetrieved,
  newFuture,
  passes,
  recordExceptions,
  styled,
  passCounter as ticker,
} from './helpers.js';
import { job, timed } from './waitcompleted.review.helpers.js';

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
