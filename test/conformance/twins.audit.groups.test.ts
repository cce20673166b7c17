// Style-twin audit: task groups, timeouts, and waitFor() of futures. Each test here is the
// other-style twin (generator `function*`/`yield*` versus native `async`/`await`) of a behaviour
// test of test/conformance/ or /work/shared/conformance/ that existed in only one style although
// the behaviour can be written in both. Each test is named after the original with its style in
// parentheses, and a comment gives the original's file:line. The behaviour, the pass counts and the
// expectations are the original's (checked there against asyncio 3.13); only the style changes.
// Where the twin shows tulip behaving differently in the other style, the test is an `it.fails`
// with asyncio's expectation and the probe output in a comment (probes: the pure-Python asyncio
// 3.13).
import { describe, expect, it } from 'vitest';
import { RuntimeError, Task, TaskGroup, TimeoutError, createTask, currentTask, getRunningLoop, run, sleep, timeout, timeoutAt, waitFor, type Coroutine } from 'tulip';
import { FOREVER, HOUR, assertCancelled, errorOf, now, rejectionG, runVirtual, syncError } from './helpers.js';
import { errorFromG } from './twins.audit.helpers.js';

/** Async errorFrom: the error `aw` throws, or 'no error'. */
async function errorFrom(aw: PromiseLike<unknown>): Promise<unknown> {
  try {
    await aw;
  } catch (e) {
    return e;
  }
  return 'no error';
}

// ---- task groups ------------------------------------------------------------------------------

describe('task groups (twins)', () => {
  // twin of grouperrors.test.ts:319
  it('a child that ends cancelled is not an error: the siblings finish normally (generator)', () =>
    run(function* () {
      let sibling!: Task<string>;
      let quitter!: Task<void>;
      yield* new TaskGroup().run(function* (g) {
        quitter = g.createTask(function* () {
          yield* sleep(1);
          currentTask()!.cancel();
          yield* sleep(FOREVER);
        });
        sibling = g.createTask(function* () {
          return yield* sleep(20, 'sibling');
        });
      });
      expect(quitter.cancelled()).toBe(true);
      expect(sibling.result()).toBe('sibling');
    }));

  // twin of grouperrors.test.ts:336
  it('a child that throws CancelledError itself is not an error: the siblings finish normally (async)', () =>
    run(async () => {
      let sibling!: Task<string>;
      let quitter!: Task<void>;
      const body = await new TaskGroup().run(async (g) => {
        quitter = g.createTask(async () => {
          await sleep(1);
          // a cancelled future's result() throws a CancelledError, which the child lets out
          const f = getRunningLoop().createFuture<void>();
          f.cancel();
          f.result();
        });
        sibling = g.createTask(() => sleep(20, 'sibling'));
        return 'body done';
      });
      expect(body).toBe('body done');
      expect(quitter.cancelled()).toBe(true);
      expect(sibling.result()).toBe('sibling');
    }));

  // twin of taskgroups.test.ts:226
  it('a group cannot be entered from a plain loop callback, and stays unentered (generator)', () =>
    run(function* () {
      const loop = getRunningLoop();
      const tg = new TaskGroup();
      const got = loop.createFuture<unknown>();
      loop.callSoon(() => {
        errorOf(() =>
          tg.run(function* () {
            return 'body';
          }),
        ).then(
          (e) => got.setResult(e),
          (e) => got.setResult(e),
        );
      });
      const e = yield* got;
      expect(e).toBeInstanceOf(RuntimeError);
      expect((e as Error).message).toMatch(/task/);
      const e2 = syncError(() => tg.createTask(() => sleep(0)));
      expect(e2).toBeInstanceOf(RuntimeError);
      expect((e2 as Error).message).toMatch(/has not been entered/);
    }));

  // twin of shared taskgroups.test.ts:261 (createTask() before the group runs)
  it('createTask() before the group runs throws RuntimeError (generator)', () =>
    run(function* () {
      const tg = new TaskGroup();
      const e = syncError(() =>
        tg.createTask(function* () {
          yield* sleep(0);
        }),
      );
      expect(e).toBeInstanceOf(RuntimeError);
      expect((e as Error).message).toMatch(/has not been entered/);
      yield* sleep(0);
    }));

  // twin of shared taskgroups.test.ts:302 (tg.cancel() cancels the children, inside a timeout)
  it('tg.cancel() cancels the children and ends the block without an error, inside a timeout (generator)', () =>
    run(function* () {
      const children: Task<void>[] = [];
      yield* timeout(1000).run(function* () {
        yield* new TaskGroup().run(function* (tg) {
          children.push(tg.createTask(() => sleep(FOREVER)));
          children.push(
            tg.createTask(function* () {
              yield* sleep(FOREVER);
            }),
          );
          yield* sleep(0);
          tg.cancel();
        });
      });
      expect(children.every((t) => t.cancelled())).toBe(true);
      expect(currentTask()!.cancelling()).toBe(0);
    }));

  // twin of shared taskgroups.test.ts:242 (children may add children while the group waits), mixed:
  // an async root child adding generator grandchildren inside a generator group
  it('children may add children while the group waits for them (generator group, async root child)', () =>
    run(function* () {
      const finished: number[] = [];
      function* coro1(delay: number): Coroutine<void> {
        yield* sleep(delay);
        finished.push(delay);
      }
      yield* new TaskGroup().run(function* (g) {
        g.createTask(async () => {
          await sleep(10);
          g.createTask(coro1(10));
          g.createTask(coro1(20));
        });
      });
      expect(finished).toEqual([10, 20]);
    }));
});

// ---- timeouts ---------------------------------------------------------------------------------

describe('timeouts (twins)', () => {
  // twin of timeoutapi.review.test.ts:111
  // probe s7: when 7.0 / <Timeout [active] when=1007.0> / None <Timeout [active] when=None>;
  // after reschedule(+2) then reschedule(+4): fired after 4.0; when() at the end: the deadline, expired True
  it('timeoutAt(): when() before entry, reschedule(null) shows when=null, and only the last of two reschedules fires (async)', () =>
    runVirtual(async () => {
      const start = now();
      const t = timeoutAt(start + 7000);
      expect(t.when()).toBe(start + 7000);
      let fired = -1;
      let caught: unknown;
      try {
        await t.run(async (tt) => {
          expect(String(tt)).toBe(`<Timeout [active] when=${start + 7000}>`);
          tt.reschedule(null);
          expect(tt.when()).toBe(null);
          expect(String(tt)).toBe('<Timeout [active] when=null>');
          await sleep(50_000);
          tt.reschedule(now() + 2000);
          tt.reschedule(now() + 4000);
          const st = now();
          try {
            await sleep(50_000);
          } finally {
            fired = now() - st;
          }
        });
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(TimeoutError);
      expect(fired).toBe(4000);
      expect(t.when()).toBe(now());
      expect(t.expired()).toBe(true);
    }));

  // twin of timeoutapi.review.test.ts:339
  it('the CancelledError behind the TimeoutError has an empty message (async)', () =>
    runVirtual(async () => {
      let inner: unknown;
      let outer: unknown;
      try {
        await timeout(1000).run(async () => {
          try {
            await sleep(5000);
          } catch (e) {
            inner = e;
            throw e;
          }
        });
      } catch (e) {
        outer = e;
      }
      expect(outer).toBeInstanceOf(TimeoutError);
      expect((outer as Error).cause).toBe(inner);
      assertCancelled(inner, '');
    }));

  // twin of timeouts.test.ts:82
  it('timeout(d).when() is the loop time at creation plus d, before the block is entered (generator)', () =>
    runVirtual(function* () {
      yield* sleep(77);
      const t0 = now();
      const cm = timeout(500);
      expect(cm.when()).toBe(t0 + 500);
      expect(cm.expired()).toBe(false);
      const at = timeoutAt(t0 + 1234);
      expect(at.when()).toBe(t0 + 1234);
      yield* sleep(100);
      expect(cm.when()).toBe(t0 + 500);
    }));

  // twin of timeouts.test.ts:430
  it('reschedule() on a timeout that was never entered throws and leaves when() alone (async)', () =>
    run(async () => {
      const cm = timeout(10);
      const before = cm.when();
      const e = syncError(() => cm.reschedule(null));
      expect(e).toBeInstanceOf(RuntimeError);
      expect((e as Error).message).toMatch(/has not been entered/);
      expect(cm.when()).toBe(before);
      await sleep(0);
    }));

  // twin of timeouts.test.ts:498
  it('a timeout cannot be entered from a plain loop callback, outside any task (generator body)', () =>
    run(function* () {
      const loop = getRunningLoop();
      const cm = timeout(10);
      const got = loop.createFuture<unknown>();
      let ran = false;
      loop.callSoon(() => {
        errorOf(() =>
          cm.run(function* () {
            ran = true;
            return 'body';
          }),
        ).then(
          (e) => got.setResult(e),
          (e) => got.setResult(e),
        );
      });
      const e = yield* got;
      expect(e).toBeInstanceOf(RuntimeError);
      expect(ran).toBe(false);
    }));

  // twin of timeouts.gap.test.ts:99
  it('outside the block the text carries no deadline: <Timeout [created]>, <Timeout [expired]>, <Timeout [finished]> (generator)', () =>
    runVirtual(function* () {
      const expired = timeout(10);
      expect(String(expired)).toBe('<Timeout [created]>');
      yield* rejectionG(
        expired.run(function* () {
          yield* sleep(HOUR);
        }),
      );
      expect(String(expired)).toBe('<Timeout [expired]>');
      const finished = timeout(HOUR);
      yield* finished.run(function* () {
        yield* sleep(0);
      });
      expect(String(finished)).toBe('<Timeout [finished]>');
    }));

  // twin of shared timeouts.test.ts:38 (timeoutAt takes an absolute loop time), generator, with the
  // deadline reached exactly
  it('timeoutAt() takes an absolute loop time, which when() returns, and fires exactly then (generator)', () =>
    runVirtual(function* () {
      const deadline = now() + 100;
      const cm = timeoutAt(deadline);
      expect(cm.when()).toBe(deadline);
      const e = yield* rejectionG(
        cm.run(function* () {
          yield* sleep(FOREVER);
        }),
      );
      expect(e).toBeInstanceOf(TimeoutError);
      expect(now()).toBe(deadline);
      expect(cm.when()).toBe(deadline);
      expect(cm.expired()).toBe(true);
    }));

  // twin of shared timeouts.test.ts:136 (reschedule() before run())
  it('reschedule() before run() throws RuntimeError (generator)', () =>
    run(function* () {
      const cm = timeout(10);
      expect(syncError(() => cm.reschedule(100))).toBeInstanceOf(RuntimeError);
      yield* sleep(0);
    }));
});

// ---- waitFor ----------------------------------------------------------------------------------

describe('waitFor (twins)', () => {
  // twin of timeoutapi.review.test.ts:394
  // probe w1b: the setter's timer scheduled after the waiter entered: setter sees cancelled True;
  // TimeoutError, fut cancelled
  it('a future whose setter runs after the deadline in the same pass finds it cancelled, and the waiter gets TimeoutError (generator)', () =>
    runVirtual(function* () {
      const loop = getRunningLoop();
      const fut = loop.createFuture<string>();
      const t0 = now();
      const waiter = createTask(function* () {
        return yield* errorFromG(waitFor(fut, 3000));
      });
      yield* sleep(0);
      let setterSaw: boolean | undefined;
      loop.callAt(t0 + 3000, () => {
        setterSaw = fut.cancelled();
        if (!fut.done()) fut.setResult('v');
      });
      const e = yield* waiter;
      expect(setterSaw).toBe(true);
      expect(e).toBeInstanceOf(TimeoutError);
      expect(fut.cancelled()).toBe(true);
    }));

  // twin of timeoutapi.review.test.ts:414 — probe w2: for timeout None, 0, 5: CancelledError('gone')
  // (not TimeoutError), cancelling 0
  for (const to of [null, 0, 5000]) {
    it(`an already-cancelled future gives its own CancelledError through waitFor(fut, ${to}) (generator)`, () =>
      runVirtual(function* () {
        const fut = getRunningLoop().createFuture();
        fut.cancel('gone');
        const e = yield* errorFromG(waitFor(fut, to));
        assertCancelled(e, 'gone');
        expect(e).not.toBeInstanceOf(TimeoutError);
        expect(currentTask()!.cancelling()).toBe(0);
      }));
  }

  // twin of timeoutapi.review.test.ts:549 — probe w5: a future holding ValueError: None, 0, 5 all
  // raise ValueError (cause None)
  for (const to of [null, 0, 5000]) {
    it(`a future that already failed raises its own error through waitFor(fut, ${to}) (generator)`, () =>
      runVirtual(function* () {
        const fut = getRunningLoop().createFuture();
        const err = new Error('x');
        fut.setException(err);
        expect(yield* errorFromG(waitFor(fut, to))).toBe(err);
      }));
  }

  // twin of timeoutapi.review.test.ts:428 — probe w3: pending plain future, timeout 0 and 2:
  // TimeoutError cause=CancelledError(), fut.cancelled() True, its CancelledError has args ()
  for (const to of [0, 2000]) {
    it(`a pending plain future is left cancelled, with an empty message, by waitFor(fut, ${to}) (async)`, () =>
      runVirtual(async () => {
        const fut = getRunningLoop().createFuture();
        const e = await errorFrom(waitFor(fut, to));
        expect(e).toBeInstanceOf(TimeoutError);
        assertCancelled((e as Error).cause, '');
        expect(fut.cancelled()).toBe(true);
        assertCancelled(syncError(() => fut.result()), '');
      }));
  }
});
