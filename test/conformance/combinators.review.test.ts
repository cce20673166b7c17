// Adversarial review of the combinators: gather, wait, waitFor, shield, asCompleted, staggeredRace
// and the timers behind their timeouts. Each test pins a subtle behaviour (CPython 3.13 asyncio,
// checked with the Python copy, quoted beside each, or tulip's own rule where asyncio has none or
// where tulip differs on purpose); several were differences found by the review and fixed since.
// Waiting tasks run in both coroutine styles.
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  TimeoutError,
  asCompleted,
  createTask,
  gather,
  getRunningLoop,
  isCancelledError,
  run,
  shield,
  sleep,
  staggeredRace,
  wait,
  waitFor,
  FIRST_COMPLETED,
  type Future,
  type TaskBody,
} from 'tulip';
import {
  FOREVER,
  STYLES,
  ValueError,
  assertCancelled,
  newFuture,
  passes,
  recordExceptions,
  rejection,
  runVirtual,
  styled,
  waiting,
  type Style,
} from './helpers.js';

/** A task body in `style` that waits on `f()` and returns its result or its error. */
function outcome<T>(style: Style, f: () => Future<T>): TaskBody<unknown> {
  return styled(
    style,
    function* () {
      try {
        return yield* f();
      } catch (e) {
        return e;
      }
    },
    async () => {
      try {
        return await f();
      } catch (e) {
        return e;
      }
    },
  );
}

/** A task body in `style` that logs `op` once `f()` is done. */
function logAfter(style: Style, log: string[], name: string, f: () => Future<unknown>): TaskBody<void> {
  return styled(
    style,
    function* () {
      yield* f();
      log.push(name);
    },
    async () => {
      await f();
      log.push(name);
    },
  );
}

/** A task that logs `t0`, `t1` … once per loop pass. */
function ticker(log: string[], n: number): TaskBody<void> {
  return async () => {
    for (let i = 0; i < n; i++) {
      log.push(`t${i}`);
      await sleep(0);
    }
  };
}

// ---- shield -----------------------------------------------------------------------------------

describe('shield: what a cancelled shield leaves on the inner future', () => {
  for (const style of STYLES) {
    // asyncio 3.13 (tasks.py shield): once the outer is cancelled, _outer_done_callback removes
    // _inner_done_callback and nothing is reported by shield; 3.14 adds a _log_on_exception
    // callback. tulip reports a later inner failure only if nobody read it, so the common
    // "try { await shield(t) } catch (cancel) { await t }" pattern gets no spurious report
    // (DESIGN §4: a retrieved error is never reported a second time).
    it(`an inner failure that its own awaiter retrieves is not reported again (${style})`, () =>
      runVirtual(async () => {
        const seen = recordExceptions();
        const inner = createTask(async () => {
          await sleep(10);
          throw new ValueError('boom');
        });
        const waiter = createTask(
          styled(
            style,
            function* () {
              try {
                return yield* shield(inner);
              } catch (e) {
                if (!isCancelledError(e)) throw e;
                try {
                  yield* inner;
                } catch (e2) {
                  return e2;
                }
              }
            },
            async () => {
              try {
                return await shield(inner);
              } catch (e) {
                if (!isCancelledError(e)) throw e;
                return rejection(inner);
              }
            },
          ),
        );
        await passes(1);
        waiter.cancel();
        expect(await waiter).toBeInstanceOf(ValueError);
        await passes(3);
        expect(seen.map((c) => c.message)).toEqual([]);
      }),
    );

    // asyncio: `while True: try: await wait_for(shield(task), d) except TimeoutError: …` leaves
    // len(task._callbacks) == 0 after any number of rounds (3.14: one _log_on_exception). tulip
    // leaves one watcher at most, however many shields were cancelled: the poll does not pile up.
    it(`polling a task with waitFor(shield(task), d) leaves at most one waiter on it (${style})`, () =>
      runVirtual(async () => {
        const inner = createTask(() => sleep(FOREVER));
        const timeouts = await createTask(
          styled(
            style,
            function* () {
              let n = 0;
              for (let i = 0; i < 50; i++) {
                try {
                  yield* waitFor(shield(inner), 10);
                } catch (e) {
                  if (!(e instanceof TimeoutError)) throw e;
                  n++;
                }
              }
              return n;
            },
            async () => {
              let n = 0;
              for (let i = 0; i < 50; i++) {
                try {
                  await waitFor(shield(inner), 10);
                } catch (e) {
                  if (!(e instanceof TimeoutError)) throw e;
                  n++;
                }
              }
              return n;
            },
          ),
        );
        expect(timeouts).toBe(50);
        expect(inner._entries().length).toBeLessThanOrEqual(1);
        inner.cancel();
      }),
    );
  }
});

// ---- staggeredRace ----------------------------------------------------------------------------

/** An attempt in `style` that logs its start time, sleeps `ms`, then returns `i` or fails. */
function attempt(style: Style, log: string[], i: number, ms: number, ok = true): () => Future<number> | Promise<number> {
  const body = styled(
    style,
    function* () {
      log.push(`s${i}@${getRunningLoop().time()}`);
      yield* sleep(ms);
      if (!ok) throw new ValueError(`attempt ${i}`);
      return i;
    },
    async () => {
      log.push(`s${i}@${getRunningLoop().time()}`);
      await sleep(ms);
      if (!ok) throw new ValueError(`attempt ${i}`);
      return i;
    },
  );
  return body as () => Future<number> | Promise<number>;
}

describe('staggeredRace', () => {
  for (const style of STYLES) {
    // asyncio (staggered.py): the delay goes to wait_for(previous_failed.wait(), delay), whose
    // `timeout <= 0` path starts the next attempt at once: staggered_race([a, b], -0.001) runs both
    // from t=0 and b wins. tulip passes a negative delay to wait() (staggered.ts:270), which throws
    // RangeError inside the attempt task: the race fails with ExceptionGroup('staggered race failed').
    it(`a negative delay starts the next attempt at once, as a delay of 0 does (${style} attempts)`, () =>
      runVirtual(async () => {
        const log: string[] = [];
        const [result, index, errors] = await staggeredRace([attempt(style, log, 0, 100), attempt(style, log, 1, 10)], -1);
        expect([result, index]).toEqual([1, 1]);
        expect(log).toEqual(['s0@0', 's1@0']);
        assertCancelled(errors[0]);
      }),
    );
  }

  // asyncio pulls the next coroutine function (next(enum_coro_fns)) only when an attempt starts,
  // so an endless or expensive iterable works: with attempt 1 winning, items 0 and 1 are taken
  // (plus none for the task parked behind it). tulip's Array.from (staggered.ts:314) drains the
  // iterable first: five items pulled here, and an endless generator never returns.
  it('takes attempts from the iterable only as it starts them', () =>
    runVirtual(async () => {
      const log: string[] = [];
      let pulled = 0;
      function* attempts(): Generator<() => Future<number> | Promise<number>> {
        for (let i = 0; i < 5; i++) {
          pulled++;
          yield attempt('async', log, i, 10, i > 0);
        }
      }
      const [result, index] = await staggeredRace(attempts(), null);
      expect([result, index]).toEqual([1, 1]);
      expect(pulled).toBe(2);
    }),
  );

  // Checked against asyncio: [n0, n1] sleep(0)s in attempts 0 and 1, delay 0 -> winner, log.
  // asyncio's wait_for(…, 0) takes its passes; tulip's wait({ timeout: 0 }) takes the same.
  const TABLE: Array<[number, number, number, string]> = [
    [3, 2, 0, 's0e0'],
    [4, 0, 1, 's0s1e1'],
    [4, 1, 0, 's0s1e0'],
    [5, 1, 1, 's0s1e1'],
    [5, 2, 0, 's0s1e0'],
  ];
  for (const style of STYLES) {
    it(`with delay 0 the next attempt starts after as many passes as in asyncio (${style} attempts)`, () =>
      run(async () => {
        for (const [n0, n1, winner, expected] of TABLE) {
          const log: string[] = [];
          const mk = (i: number, n: number) =>
            styled(
              style,
              function* () {
                log.push(`s${i}`);
                for (let k = 0; k < n; k++) yield* sleep(0);
                log.push(`e${i}`);
                return i;
              },
              async () => {
                log.push(`s${i}`);
                for (let k = 0; k < n; k++) await sleep(0);
                log.push(`e${i}`);
                return i;
              },
            ) as () => Promise<number>;
          const [, index] = await staggeredRace([mk(0, n0), mk(1, n1), mk(2, 0)], 0);
          expect([`${n0}${n1}`, index, log.join('')]).toEqual([`${n0}${n1}`, winner, expected]);
        }
      }));
  }
});

// ---- gather -----------------------------------------------------------------------------------

describe('gather', () => {
  for (const style of STYLES) {
    // asyncio (tasks.py gather, _done_callback): the slot of a cancelled child is
    // CancelledError('' if fut._cancel_message is None else …), and a task cancelled while it
    // waits ends through Future.cancel(self) with no message: t.cancel('why') gives
    // CancelledError('') in the slot, though `await t` raises CancelledError('why'). tulip gives
    // the slot the error `await t` raises, message included (a deliberate difference: the slot
    // says why, as the task does).
    it(`with returnExceptions, the slot of a task cancelled while waiting keeps its message (${style})`, () =>
      runVirtual(async () => {
        const t1 = createTask(styled(style, function* () { yield* sleep(FOREVER); }, async () => { await sleep(FOREVER); }));
        const t2 = createTask(() => sleep(10, 2));
        const g = gather([t1, t2], { returnExceptions: true });
        await passes(1);
        t1.cancel('why');
        const [r1, r2] = await g;
        assertCancelled(r1, 'why');
        expect(r2).toBe(2);
      }),
    );
  }

  for (const style of STYLES) {
    it(`a direct awaiter of a future resumes one pass before a combinator's awaiter; waitFor's first (${style})`, () =>
      run(async () => {
        // asyncio: gather/shield/wait/as_completed add a hop (their callback, then the waiter's);
        // wait_for awaits the future itself inside the timeout, registered before the direct one.
        const ops: Array<[string, (f: Future<number>) => Future<unknown>, string]> = [
          ['gather', (f) => gather([f]), 't0 direct t1 op t2 t3 t4'],
          ['gather twice', (f) => gather([f, f]), 't0 direct t1 op t2 t3 t4'],
          ['shield', (f) => shield(f), 't0 direct t1 op t2 t3 t4'],
          ['wait', (f) => wait([f]), 't0 direct t1 op t2 t3 t4'],
          ['asCompleted', (f) => asCompleted([f]).next().value!, 't0 direct t1 op t2 t3 t4'],
          ['asCompleted async', (f) => asCompleted([f])[Symbol.asyncIterator]().next() as unknown as Future<unknown>, 't0 direct t1 op t2 t3 t4'],
          ['waitFor', (f) => waitFor(f, 1000), 't0 op direct t1 t2 t3 t4'],
        ];
        for (const [name, op, expected] of ops) {
          const log: string[] = [];
          const f = newFuture<number>();
          const a = createTask(logAfter(style, log, 'op', () => op(f)));
          const b = createTask(logAfter(style, log, 'direct', () => f));
          await sleep(0);
          const c = createTask(ticker(log, 5));
          f.setResult(1);
          await gather([a, b, c]);
          expect([name, log.join(' ')]).toEqual([name, expected]);
        }
      }));
  }
});

// ---- wait / waitFor: nothing left behind -------------------------------------------------------

describe('wait and waitFor leave no waiter on the futures they watched', () => {
  for (const style of STYLES) {
    // asyncio's _wait removes its done callback from every future in its finally; wait_for's
    // timeout scope leaves nothing on a future that finished in time.
    it(`after FIRST_COMPLETED, after a cancelled wait and after a waitFor in time (${style})`, () =>
      runVirtual(async () => {
        const a = newFuture<number>();
        const b = newFuture<number>();
        getRunningLoop().callSoon(() => a.setResult(1));
        const first = (await createTask(waiting(style, () => wait([a, b], { returnWhen: FIRST_COMPLETED, timeout: FOREVER })))) as {
          done: Set<Future<number>>;
        };
        expect(first.done.has(a)).toBe(true);
        expect(b._entries()).toHaveLength(0);

        const c = newFuture<number>();
        const waiter = createTask(outcome(style, () => wait([c], { timeout: FOREVER })));
        await passes(1);
        waiter.cancel();
        assertCancelled(await waiter);
        expect(c._entries()).toHaveLength(0);

        const d = newFuture<number>();
        getRunningLoop().callLater(5, () => d.setResult(4));
        expect(await createTask(waiting(style, () => waitFor(d, 1000)))).toBe(4);
        expect(d._entries()).toHaveLength(0);
        b.cancel();
        c.cancel();
      }));
  }
});

// ---- asCompleted ------------------------------------------------------------------------------

describe('asCompleted: a cancelled next() of the async iteration', () => {
  for (const style of STYLES) {
    for (const moment of ['while it waits', 'in the pass its completion came'] as const) {
      // tulip's rule (DESIGN §5, nothing is lost): the cancelled next() takes no completion and
      // is not counted, so the iteration still yields every future. asyncio's __anext__ counts
      // the step before it waits (_todo_left -= 1): after one cancelled __anext__ its iteration
      // ends one future early (checked: as_completed([a, b]) then yields only a).
      it(`takes no completion, ${moment}; the iteration still yields every future (${style})`, () =>
        runVirtual(async () => {
          const a = newFuture<string>();
          const b = newFuture<string>();
          const it = asCompleted([a, b])[Symbol.asyncIterator]();
          const consumer = createTask(outcome(style, () => it.next() as unknown as Future<unknown>));
          await passes(1);
          if (moment === 'in the pass its completion came') a.setResult('a');
          consumer.cancel();
          assertCancelled(await consumer);
          if (moment === 'while it waits') a.setResult('a');
          b.setResult('b');
          const got: string[] = [];
          for await (const f of { [Symbol.asyncIterator]: () => it }) got.push(f.result());
          expect(got).toEqual(['a', 'b']);
        }));
    }
  }
});

// ---- host timers ------------------------------------------------------------------------------

describe('timeouts further away than Node can arm', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  // Node's setTimeout takes at most 2**31 - 1 ms (24.8 days); a longer delay "was set to 1":
  // the loop (loop/passes.ts:529 _armHostTimer) then wakes every millisecond, re-arms the same
  // overlong timer and prints a TimeoutOverflowWarning each time, for as long as a
  // sleep(30 days) / waitFor(x, 30 days) / wait({ timeout }) is the next deadline. asyncio caps
  // the selector's wait (base_events.MAXIMUM_SELECT_TIMEOUT, 24 h) and sleeps.
  it('a 30-day sleep never asks Node for a host timer longer than 2**31 - 1 ms', () =>
    run(async () => {
      const MAX = 2 ** 31 - 1;
      const asked: number[] = [];
      const real = globalThis.setTimeout;
      vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) => {
        asked.push(ms ?? 0);
        return real(fn, Math.min(ms ?? 0, MAX));
      }) as typeof setTimeout);
      const sleeper = createTask(() => sleep(30 * 24 * 3_600_000));
      // Idle on a foreign promise: the loop arms its host timer for the sleep's deadline.
      await new Promise<void>((resolve) => real(resolve, 3));
      vi.restoreAllMocks();
      sleeper.cancel();
      expect(asked.filter((ms) => ms > MAX)).toEqual([]);
    }),
  );
});
