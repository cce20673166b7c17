// Style-twin audit: coroutines (not tasks) handed to waitFor() (from a generator task too),
// gather(), ensureFuture() and shield(), cancelled directly or through a timeout, and a
// fire-and-forget async helper on virtual time. Each test here is the other-style twin (generator
// `function*`/`yield*` versus native `async`/`await`) of a behaviour test of test/conformance/ or
// /work/shared/conformance/ that existed in only one style although the behaviour can be written in
// both. Each test is named after the original with its style in parentheses, and a comment gives
// the original's file:line. The behaviour, the pass counts and the expectations are the original's
// (checked there against asyncio 3.13); only the style changes. Where the twin shows tulip behaving
// differently in the other style, the test is an `it.fails` with asyncio's expectation and the
// probe output in a comment (probes: the pure-Python asyncio 3.13). The findings' blocks also keep
// the passing style next to the failing one, and a passing async-waiter contrast for the
// generator-waiter finding.
import { describe, expect, it } from 'vitest';
import { TimeoutError, createTask, currentTask, ensureFuture, gather, getRunningLoop, run, shield, sleep, timeout, waitFor, type Coroutine } from 'tulip';
import { waitAllTasksBlocked } from 'tulip/testing';
import { assertCancelled, now, rejection, rejectionG, runVirtual } from './helpers.js';
import { errorFromG } from './twins.audit.helpers.js';

describe('waitFor (twins)', () => {
  // twin of timeoutapi.review.test.ts:526 (the waiting task there is async; here a generator) —
  // probe w4: inner task that swallows the cancel, sleeps 1 s more, returns 'late': timeout 0 ->
  // 'late' after 1.0 s; timeout 2 -> 'late' after 3.0 s; cancelling 0
  for (const inner of ['generator', 'async'] as const) {
    const swallower = (): Coroutine<string> | Promise<string> =>
      inner === 'generator'
        ? (function* () {
            try {
              yield* sleep(10_000);
            } catch {
              // swallowed
            }
            yield* sleep(1000);
            return 'late';
          })()
        : (async () => {
            try {
              await sleep(10_000);
            } catch {
              // swallowed
            }
            await sleep(1000);
            return 'late';
          })();
    for (const to of [0, 2000]) {
      it(`an inner ${inner} task that swallows the cancel of waitFor(task, ${to}) gives its late value after its extra sleep (generator waiter)`, () =>
        runVirtual(function* () {
          const t = createTask(swallower);
          yield* sleep(0);
          const st = now();
          expect(yield* waitFor(t, to)).toBe('late');
          expect(now() - st).toBe(to + 1000);
          expect(currentTask()!.cancelling()).toBe(0);
        }));
    }
  }

  // twin of timeoutapi.review.test.ts:453 (waiting task async there, generator here), with an inner
  // generator coroutine — probe w3: the inner coroutine runs in the caller's task and sees
  // CancelledError with args ()
  it('an inner generator coroutine with a positive timeout runs in the waiting task and sees an empty-message cancel (generator waiter)', () =>
    runVirtual(function* () {
      const outer = currentTask();
      const log: unknown[] = [];
      const coro = (function* () {
        log.push(currentTask() === outer);
        try {
          yield* sleep(10_000);
        } catch (e) {
          log.push('saw');
          assertCancelled(e, '');
          throw e;
        }
      })();
      const e = yield* errorFromG(waitFor(coro, 2000));
      expect(e).toBeInstanceOf(TimeoutError);
      expect(log).toEqual([true, 'saw']);
      expect(now()).toBe(2000);
    }));

});

// ---- a generator waiter with an async inner coroutine -------------------------------------------

describe('waitFor of an async coroutine from a generator task (twin)', () => {
  // twin of timeoutapi.review.test.ts:453 (there the waiting task is async: both inner styles see the
  // cancel). Here the waiting task is a generator and the inner coroutine an async function.
  // asyncio (probe p1): `await wait_for(coro(), 2)` runs coro in the caller's task; at the deadline it
  // sees CancelledError() -> log [True, ('saw', ()), ('TimeoutError', 2.002), 11].
  // tulip: the async coroutine's `await sleep(10_000)` is not cancelled; the generator waiter gets
  // TimeoutError at 2000 while the inner one goes on and logs 'slept' at 10000.
  it.fails('an inner async coroutine with a positive timeout runs in the waiting task and sees an empty-message cancel (generator waiter)', () =>
    runVirtual(function* () {
      const outer = currentTask();
      const log: unknown[] = [];
      const coro = (async () => {
        log.push(currentTask() === outer);
        try {
          await sleep(10_000);
          log.push('slept');
        } catch (e) {
          log.push('saw');
          assertCancelled(e, '');
          throw e;
        }
      })();
      const e = yield* errorFromG(waitFor(coro, 2000));
      expect(e).toBeInstanceOf(TimeoutError);
      yield* sleep(20_000);
      expect(log).toEqual([true, 'saw']);
    }));

  // asyncio (probe p1, second part): a task waiting in wait_for(inner(), None) and cancelled from
  // outside cancels inner() too -> ['inner saw cancel', 'waiter cancelled'].
  it.fails('cancelling a generator task in waitFor(asyncCoroutine(), null) cancels the coroutine too (generator waiter)', () =>
    runVirtual(function* () {
      const log: string[] = [];
      const inner = async (): Promise<void> => {
        try {
          await sleep(10_000);
          log.push('slept');
        } catch (e) {
          log.push('inner saw cancel');
          throw e;
        }
      };
      const w = createTask(function* () {
        yield* waitFor(inner(), null);
      });
      yield* sleep(10);
      w.cancel();
      assertCancelled(yield* rejectionG(w));
      log.push('waiter cancelled');
      yield* sleep(20_000);
      expect(log).toEqual(['inner saw cancel', 'waiter cancelled']);
    }));

  // the same two behaviours with an async waiter pass (the original's style), for contrast
  it('cancelling an async task in waitFor(asyncCoroutine(), null) cancels the coroutine too (async waiter)', () =>
    runVirtual(async () => {
      const log: string[] = [];
      const inner = async (): Promise<void> => {
        try {
          await sleep(10_000);
          log.push('slept');
        } catch (e) {
          log.push('inner saw cancel');
          throw e;
        }
      };
      const w = createTask(async () => {
        await waitFor(inner(), null);
      });
      await sleep(10);
      w.cancel();
      assertCancelled(await rejection(w));
      log.push('waiter cancelled');
      await sleep(20_000);
      expect(log).toEqual(['inner saw cancel', 'waiter cancelled']);
    }));
});

// ---- gather/ensureFuture of coroutines: what a cancel reaches -----------------------------------

describe('coroutines handed to gather() and ensureFuture(), cancelled (twins)', () => {
  // The generator tests are the twins of test_tasks.py::CoroutineGatherTests.test_cancellation_broadcast
  // (shared gather-wait.test.ts:225 runs it with tasks as children; tasks.ported.test.ts:114 runs
  // coroutine children in both styles, without a cancel). asyncio wraps each coroutine in a task, so
  // cancelling the gather (or its awaiter) cancels the coroutines.
  // probe p3/p4: ['a cancelled', 'b cancelled', 'parent cancelled'];
  //   g.cancel() -> True, ['a cancelled', 'b cancelled', 'gather cancelled'];
  //   await ensure_future(child()) cancelled -> ['e cancelled', 'parent cancelled']
  function* genChild(log: string[], n: string): Coroutine<void> {
    try {
      yield* sleep(50);
      log.push(`${n} slept`);
    } catch (e) {
      log.push(`${n} cancelled`);
      throw e;
    }
  }
  async function asyncChild(log: string[], n: string): Promise<void> {
    try {
      await sleep(50);
      log.push(`${n} slept`);
    } catch (e) {
      log.push(`${n} cancelled`);
      throw e;
    }
  }

  it('cancelling a task blocked in gather() of coroutines cancels the coroutines (generator)', () =>
    runVirtual(function* () {
      const log: string[] = [];
      const t = createTask(function* () {
        yield* gather([genChild(log, 'a'), genChild(log, 'b')]);
      });
      yield* sleep(10);
      t.cancel();
      assertCancelled(yield* rejectionG(t));
      log.push('parent cancelled');
      yield* sleep(100);
      expect(log).toEqual(['a cancelled', 'b cancelled', 'parent cancelled']);
    }));

  // tulip: ['parent cancelled', 'a slept', 'b slept'] — the cancel reaches the gather (the future the
  // task awaited last), which cancels its wrappers of the two promises; the async coroutines, though
  // they run in the task's context, go on sleeping and finish.
  it.fails('cancelling a task blocked in gather() of coroutines cancels the coroutines (async)', () =>
    runVirtual(async () => {
      const log: string[] = [];
      const t = createTask(async () => {
        await gather([asyncChild(log, 'a'), asyncChild(log, 'b')]);
      });
      await sleep(10);
      t.cancel();
      assertCancelled(await rejection(t));
      log.push('parent cancelled');
      await sleep(100);
      expect(log).toEqual(['a cancelled', 'b cancelled', 'parent cancelled']);
    }));

  it('cancel() of a gather of coroutines cancels the coroutines (generator)', () =>
    runVirtual(function* () {
      const log: string[] = [];
      const g = gather([genChild(log, 'a'), genChild(log, 'b')]);
      yield* sleep(10);
      expect(g.cancel()).toBe(true);
      assertCancelled(yield* rejectionG(g));
      log.push('gather cancelled');
      yield* sleep(100);
      expect(log).toEqual(['a cancelled', 'b cancelled', 'gather cancelled']);
    }));

  // tulip: ['gather cancelled', 'a slept', 'b slept']
  it.fails('cancel() of a gather of coroutines cancels the coroutines (async)', () =>
    runVirtual(async () => {
      const log: string[] = [];
      const g = gather([asyncChild(log, 'a'), asyncChild(log, 'b')]);
      await sleep(10);
      expect(g.cancel()).toBe(true);
      assertCancelled(await rejection(g));
      log.push('gather cancelled');
      await sleep(100);
      expect(log).toEqual(['a cancelled', 'b cancelled', 'gather cancelled']);
    }));

  it('cancelling a task awaiting ensureFuture(coroutine) cancels the coroutine (generator)', () =>
    runVirtual(function* () {
      const log: string[] = [];
      const t = createTask(function* () {
        yield* ensureFuture(genChild(log, 'e'));
      });
      yield* sleep(10);
      t.cancel();
      assertCancelled(yield* rejectionG(t));
      log.push('parent cancelled');
      yield* sleep(100);
      expect(log).toEqual(['e cancelled', 'parent cancelled']);
    }));

  // tulip: ['parent cancelled', 'e slept']
  it.fails('cancelling a task awaiting ensureFuture(coroutine) cancels the coroutine (async)', () =>
    runVirtual(async () => {
      const log: string[] = [];
      const t = createTask(async () => {
        await ensureFuture(asyncChild(log, 'e'));
      });
      await sleep(10);
      t.cancel();
      assertCancelled(await rejection(t));
      log.push('parent cancelled');
      await sleep(100);
      expect(log).toEqual(['e cancelled', 'parent cancelled']);
    }));
});

describe('shield() and gather() of coroutines that wait more than once (twins)', () => {
  // twin of shared shield.test.ts:91 (generator task, shield(inner()) of a generator coroutine):
  // the async task awaits shield(asyncInner()), an async coroutine. With a single wait in the inner
  // coroutine (the original) both styles pass:
  it('cancelling an async task awaiting shield(inner()) of an async coroutine does not cancel inner (async)', () =>
    run(async () => {
      let proof = 0;
      const waiter = getRunningLoop().createFuture<void>();
      const inner = async (): Promise<void> => {
        await waiter;
        proof += 1;
      };
      const f = createTask(async () => {
        await shield(inner());
        proof += 100;
      });
      await waitAllTasksBlocked();
      f.cancel();
      assertCancelled(await rejection(f));
      waiter.setResult(undefined);
      await waitAllTasksBlocked();
      expect(proof).toBe(1);
    }));

  // The same with an inner coroutine that waits again after the outer task began waiting on the
  // shield. probe p6: ['inner step1', 'outer cancelled', 'inner done']
  it('a shielded coroutine that waits twice is not cancelled with the task awaiting the shield (generator)', () =>
    runVirtual(function* () {
      const log: string[] = [];
      function* inner(): Coroutine<string> {
        try {
          yield* sleep(10);
          log.push('inner step1');
          yield* sleep(50);
          log.push('inner done');
          return 'v';
        } catch (e) {
          log.push('inner cancelled');
          throw e;
        }
      }
      const t = createTask(function* () {
        yield* shield(inner());
        log.push('outer resumed');
      });
      yield* sleep(30);
      t.cancel();
      assertCancelled(yield* rejectionG(t));
      log.push('outer cancelled');
      yield* sleep(100);
      expect(log).toEqual(['inner step1', 'outer cancelled', 'inner done']);
    }));

  // tulip: ['inner step1', 'inner cancelled', 'outer cancelled'] — the cancel reaches the inner
  // coroutine's second sleep (the future whose then() ran last in the task's async context), so the
  // shield does not protect it.
  it.fails('a shielded coroutine that waits twice is not cancelled with the task awaiting the shield (async)', () =>
    runVirtual(async () => {
      const log: string[] = [];
      const inner = async (): Promise<string> => {
        try {
          await sleep(10);
          log.push('inner step1');
          await sleep(50);
          log.push('inner done');
          return 'v';
        } catch (e) {
          log.push('inner cancelled');
          throw e;
        }
      };
      const t = createTask(async () => {
        await shield(inner());
        log.push('outer resumed');
      });
      await sleep(30);
      t.cancel();
      assertCancelled(await rejection(t));
      log.push('outer cancelled');
      await sleep(100);
      expect(log).toEqual(['inner step1', 'outer cancelled', 'inner done']);
    }));

  // probe p6 (gather): ['a step1', 'b step1', 'a cancelled', 'b cancelled', 'parent cancelled']
  it('cancelling a task in gather() of coroutines that wait twice cancels every coroutine (generator)', () =>
    runVirtual(function* () {
      const log: string[] = [];
      function* child(n: string): Coroutine<void> {
        try {
          yield* sleep(10);
          log.push(`${n} step1`);
          yield* sleep(50);
          log.push(`${n} done`);
        } catch (e) {
          log.push(`${n} cancelled`);
          throw e;
        }
      }
      const t = createTask(function* () {
        yield* gather([child('a'), child('b')]);
      });
      yield* sleep(30);
      t.cancel();
      assertCancelled(yield* rejectionG(t));
      log.push('parent cancelled');
      yield* sleep(100);
      expect(log).toEqual(['a step1', 'b step1', 'a cancelled', 'b cancelled', 'parent cancelled']);
    }));

  // tulip: ['a step1', 'b step1', 'b cancelled', 'parent cancelled', 'a done'] — only the coroutine
  // whose wait was registered last is cancelled; the other one runs on.
  it.fails('cancelling a task in gather() of coroutines that wait twice cancels every coroutine (async)', () =>
    runVirtual(async () => {
      const log: string[] = [];
      const child = async (n: string): Promise<void> => {
        try {
          await sleep(10);
          log.push(`${n} step1`);
          await sleep(50);
          log.push(`${n} done`);
        } catch (e) {
          log.push(`${n} cancelled`);
          throw e;
        }
      };
      const t = createTask(async () => {
        await gather([child('a'), child('b')]);
      });
      await sleep(30);
      t.cancel();
      assertCancelled(await rejection(t));
      log.push('parent cancelled');
      await sleep(100);
      expect(log).toEqual(['a step1', 'b step1', 'a cancelled', 'b cancelled', 'parent cancelled']);
    }));
});

describe('a timeout around gather() of coroutines (twins)', () => {
  // probe p5: `async with timeout(0.05): await gather(child('a'), child('b'))` ->
  // ['a cancelled', 'b cancelled', ('timeout', 0.05)]
  const child = {
    *gen(log: string[], n: string): Coroutine<void> {
      try {
        yield* sleep(100);
        log.push(`${n} slept`);
      } catch (e) {
        log.push(`${n} cancelled`);
        throw e;
      }
    },
    async asy(log: string[], n: string): Promise<void> {
      try {
        await sleep(100);
        log.push(`${n} slept`);
      } catch (e) {
        log.push(`${n} cancelled`);
        throw e;
      }
    },
  };

  it('a timeout around gather() of coroutines cancels the coroutines, then raises TimeoutError (generator)', () =>
    runVirtual(function* () {
      const log: unknown[] = [];
      const e = yield* rejectionG(
        timeout(50).run(function* () {
          yield* gather([child.gen(log as string[], 'a'), child.gen(log as string[], 'b')]);
        }),
      );
      expect(e).toBeInstanceOf(TimeoutError);
      log.push(['timeout', now()]);
      yield* sleep(200);
      expect(log).toEqual(['a cancelled', 'b cancelled', ['timeout', 50]]);
    }));

  // tulip: [['timeout', 50], 'a slept', 'b slept'] — the coroutines outlive the timeout (same cause as
  // the gather() findings above)
  it.fails('a timeout around gather() of coroutines cancels the coroutines, then raises TimeoutError (async)', () =>
    runVirtual(async () => {
      const log: unknown[] = [];
      const e = await rejection(
        timeout(50).run(async () => {
          await gather([child.asy(log as string[], 'a'), child.asy(log as string[], 'b')]);
        }),
      );
      expect(e).toBeInstanceOf(TimeoutError);
      log.push(['timeout', now()]);
      await sleep(200);
      expect(log).toEqual(['a cancelled', 'b cancelled', ['timeout', 50]]);
    }));
});

// ---- an async helper started by a task, on virtual time ---------------------------------------

describe('a fire-and-forget async helper started by a task, on virtual time (twins)', () => {
  // twin pair of the "gen waiter" finding above: once nobody in tulip waits on the helper's promise,
  // its continuations are plain microtasks. Started from an async task they run when their sleep
  // ends; started from a generator task, autojump (threshold 0) moves time on without letting them
  // run. (asyncio has no un-awaited running coroutine; its create_task(helper()) resumes at 0.1.)
  const helperLog = (log: unknown[]) => async (): Promise<void> => {
    await sleep(100);
    log.push(['slept', now()]);
    await sleep(100);
    log.push(['slept2', now()]);
  };

  it('a fire-and-forget async helper started by an async task resumes when its sleeps end (async)', () =>
    runVirtual(async () => {
      const log: unknown[] = [];
      createTask(async () => {
        void helperLog(log)();
      });
      for (let i = 0; i < 3; i++) {
        await sleep(300);
        log.push(['main', now()]);
      }
      expect(log).toEqual([
        ['slept', 100],
        ['slept2', 200],
        ['main', 300],
        ['main', 600],
        ['main', 900],
      ]);
    }));

  // (tulip gave [['main', 300], ['main', 600], ['main', 900]]: the autojump did not let the
  // microtask queue drain first; fixed: the loop yields to the microtasks once before a jump.)
  it('a fire-and-forget async helper started by a generator task resumes when its sleeps end (generator)', () =>
    runVirtual(function* () {
      const log: unknown[] = [];
      createTask(function* () {
        void helperLog(log)();
      });
      for (let i = 0; i < 3; i++) {
        yield* sleep(300);
        log.push(['main', now()]);
      }
      expect(log).toEqual([
        ['slept', 100],
        ['slept2', 200],
        ['main', 300],
        ['main', 600],
        ['main', 900],
      ]);
    }));
});
