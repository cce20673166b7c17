// Adversarial review of tulip's Trio-style cancel scopes (src/cancelscope.ts): deadlines and
// shields changed at run time, also around TaskGroups, checked against real Trio 0.22 probes
// (trio.CancelScope, move_on_after, fail_after, nursery.start, with
// trio.testing.MockClock(autojump_threshold=0)) and, where tulip mixes in asyncio (task.cancel(),
// timeout(), the core's wake-up races), against CPython 3.13's pure-Python asyncio. Each test
// quotes the probe's output (times in ms here, Trio's are seconds used as ms). Passing tests pin
// behaviour that agrees with the reference; `it.fails` tests show a difference, with the
// reference's outcome as the expectation. Both coroutine styles wherever a body can be written in
// both.
import { describe, expect, it } from 'vitest';
import {
  CancelScope,
  TaskGroup,
  TimeoutError,
  createTask,
  failAfter,
  getRunningLoop,
  isCancelledError,
  moveOnAfter,
  moveOnAt,
  sleep,
} from 'tulip';
import { STYLES, errorOf, now, runVirtual } from './helpers.js';
import { pick } from './trioprobe.scopes.review.helpers.js';

// ---- CancelScope at run time ------------------------------------------------------------------

describe('CancelScope: deadline and shield changed at run time (Trio 0.22 probes)', () => {
  // trio: with CancelScope() as outer: outer.cancel(); with CancelScope(shield=True, deadline=t0+10)
  // as inner: await sleep(100) / then await sleep(0) → 's3 inner (True, 10.0)', 's3 outer (True, 10.0)'.
  it.each(STYLES)('a shielded scope with a deadline of its own inside a cancelled scope still expires, catches it, and the outer cancel hits the next wait (%s)', (style) =>
    runVirtual(async () => {
      const t0 = now();
      const log: string[] = [];
      const outer = new CancelScope();
      const inner = new CancelScope({ shield: true, deadline: t0 + 10 });
      await outer.run(
        pick(
          style,
          function* () {
            outer.cancel();
            yield* inner.run(function* () {
              yield* sleep(100);
              log.push('inner body done');
            });
            log.push(`inner exited caught=${inner.cancelledCaught} @${now() - t0}`);
            yield* sleep(0);
            log.push('not reached');
          },
          async () => {
            outer.cancel();
            await inner.run(async () => {
              await sleep(100);
              log.push('inner body done');
            });
            log.push(`inner exited caught=${inner.cancelledCaught} @${now() - t0}`);
            await sleep(0);
            log.push('not reached');
          },
        ),
      );
      expect(log).toEqual(['inner exited caught=true @10']);
      expect([outer.cancelledCaught, now() - t0]).toEqual([true, 10]);
    }),
  );

  // trio: a worker waits in `with outer: with inner(shield=True): await sleep(100)`; the main task
  // cancels outer at 5 and sets inner.shield = False at 10 → 's4 caught (True, False, 10.0)'.
  it.each(STYLES)('lowering a shield from another task wakes the waiting task at once with the outer cancellation, which the outer scope catches (%s)', (style) =>
    runVirtual(async () => {
      const t0 = now();
      const log: string[] = [];
      const outer = new CancelScope();
      const inner = new CancelScope({ shield: true });
      const worker = createTask(
        pick(
          style,
          function* () {
            yield* outer.run(function* () {
              yield* inner.run(function* () {
                yield* sleep(100);
                log.push('not reached');
              });
            });
            log.push(`caught outer=${outer.cancelledCaught} inner=${inner.cancelledCaught} @${now() - t0}`);
          },
          async () => {
            await outer.run(async () => {
              await inner.run(async () => {
                await sleep(100);
                log.push('not reached');
              });
            });
            log.push(`caught outer=${outer.cancelledCaught} inner=${inner.cancelledCaught} @${now() - t0}`);
          },
        ),
      );
      await sleep(5);
      outer.cancel();
      await sleep(5);
      inner.shield = false;
      await worker;
      expect(log).toEqual(['caught outer=true inner=false @10']);
    }),
  );

  // trio: scope(deadline=t0+100) around sleep(1000) in a worker; at 5 the main task sets
  // scope.deadline = t0 + 1 → 's5 cancel_called right after True', 's5 (True, 5.0)'.
  it.each(STYLES)('moving the deadline into the past from another task wakes the waiting task in that pass; cancelCalled reads true at once (%s)', (style) =>
    runVirtual(async () => {
      const t0 = now();
      const scope = new CancelScope({ deadline: t0 + 100 });
      let exitedAt = -1;
      const worker = createTask(
        pick(
          style,
          function* () {
            yield* scope.run(function* () {
              yield* sleep(1000);
            });
            exitedAt = now() - t0;
          },
          async () => {
            await scope.run(async () => {
              await sleep(1000);
            });
            exitedAt = now() - t0;
          },
        ),
      );
      await sleep(5);
      scope.deadline = t0 + 1;
      expect(scope.cancelCalled).toBe(true);
      await worker;
      expect([scope.cancelledCaught, exitedAt]).toEqual([true, 5]);
    }),
  );

  // trio: a worker waits in `with outer: with inner:`; the main task calls outer.cancel() and then
  // inner.shield = True in the same step → ['cancelled@5.0', 'outer caught=True inner caught=False']:
  // the Cancelled already reached the wait; raising the shield afterwards does not take it back.
  it.each(STYLES)('raising a shield right after an outer cancel reached the wait does not take that cancellation back (%s)', (style) =>
    runVirtual(async () => {
      const log: string[] = [];
      const outer = new CancelScope();
      const inner = new CancelScope();
      const note = (e: unknown): void => void log.push(isCancelledError(e) ? `cancelled@${now()}` : `other ${String(e)}`);
      const worker = createTask(
        pick(
          style,
          function* () {
            yield* outer.run(function* () {
              yield* inner.run(function* () {
                try {
                  yield* sleep(100);
                  log.push('slept');
                } catch (e) {
                  note(e);
                  throw e;
                }
              });
              log.push('after inner');
            });
            log.push(`outer caught=${outer.cancelledCaught} inner caught=${inner.cancelledCaught}`);
          },
          async () => {
            await outer.run(async () => {
              await inner.run(async () => {
                try {
                  await sleep(100);
                  log.push('slept');
                } catch (e) {
                  note(e);
                  throw e;
                }
              });
              log.push('after inner');
            });
            log.push(`outer caught=${outer.cancelledCaught} inner caught=${inner.cancelledCaught}`);
          },
        ),
      );
      await sleep(5);
      outer.cancel();
      inner.shield = true;
      await worker;
      expect(log).toEqual(['cancelled@5', 'outer caught=true inner caught=false']);
    }),
  );

  // trio: `with move_on_after(0) as s: await trio.sleep(0)` → the code after sleep(0) never runs,
  // 's1 (True, True)' (cancel_called, cancelled_caught). tulip's sleep(0) is a checkpoint too.
  it.each(STYLES)('a deadline of now (moveOnAfter(0), deadline = time()) cancels a body at its first sleep(0) (%s)', (style) =>
    runVirtual(async () => {
      const log: string[] = [];
      const scope = new CancelScope({ deadline: now() });
      const body = pick(
        style,
        function* () {
          yield* sleep(0);
          log.push('after sleep(0)');
          return 'done';
        },
        async () => {
          await sleep(0);
          log.push('after sleep(0)');
          return 'done';
        },
      );
      expect(await scope.run(body)).toBeUndefined();
      expect([scope.cancelCalled, scope.cancelledCaught]).toEqual([true, true]);
      expect(await moveOnAfter(0, body)).toBeUndefined();
      expect(log).toEqual([]);
    }),
  );

  // trio: `with move_on_after(10): await sleep(10)` → 's2 (True, 10.0)' (caught, the line after the
  // sleep never runs); `with fail_after(10): await sleep(10)` → TooSlowError at 20.0.
  it.each(STYLES)('a scope whose deadline is the end of the sleep inside it wins: moveOnAfter gives undefined, failAfter raises TimeoutError (%s)', (style) =>
    runVirtual(async () => {
      const t0 = now();
      const log: string[] = [];
      let scope: CancelScope | undefined;
      const body = pick(
        style,
        function* (s: CancelScope) {
          scope = s;
          yield* sleep(10);
          log.push('after sleep');
          return 'x';
        },
        async (s: CancelScope) => {
          scope = s;
          await sleep(10);
          log.push('after sleep');
          return 'x';
        },
      );
      expect(await moveOnAfter(10, body)).toBeUndefined();
      expect([scope!.cancelledCaught, now() - t0]).toEqual([true, 10]);
      const e = await errorOf(() => failAfter(10, body));
      expect([e instanceof TimeoutError, now() - t0]).toEqual([true, 20]);
      expect(log).toEqual([]);
    }),
  );

  // trio: `with fail_after(10) as s: s.deadline = now + 100; await sleep(50)` → no error,
  // 's8 (False, 50.0)' (cancel_called, elapsed).
  it.each(STYLES)('failAfter: a body that moves its own deadline later finishes and keeps its value (%s)', (style) =>
    runVirtual(async () => {
      const t0 = now();
      let scope: CancelScope | undefined;
      const r = await failAfter(
        10,
        pick(
          style,
          function* (s: CancelScope) {
            scope = s;
            s.deadline = now() + 100;
            yield* sleep(50);
            return 'ok';
          },
          async (s: CancelScope) => {
            scope = s;
            s.deadline = now() + 100;
            await sleep(50);
            return 'ok';
          },
        ),
      );
      expect([r, scope!.cancelCalled, now() - t0]).toEqual(['ok', false, 50]);
    }),
  );

  // trio: `with fail_after(1000) as s: s.cancel(); await sleep(0)` → TooSlowError, and
  // 's9 (TooSlow, True, True)': fail_at raises whenever its scope caught, whatever cancelled it.
  it.each(STYLES)('failAfter: a cancel() of its scope by the body also ends in TimeoutError (%s)', (style) =>
    runVirtual(async () => {
      let scope: CancelScope | undefined;
      const e = await errorOf(() =>
        failAfter(
          1000,
          pick(
            style,
            function* (s: CancelScope) {
              scope = s;
              s.cancel();
              yield* sleep(0);
            },
            async (s: CancelScope) => {
              scope = s;
              s.cancel();
              await sleep(0);
            },
          ),
        ),
      );
      expect(e).toBeInstanceOf(TimeoutError);
      expect([scope!.cancelCalled, scope!.cancelledCaught, now()]).toEqual([true, true, 0]);
    }),
  );

  // trio: `with move_on_at(-inf): await sleep(0)` → cancelled_caught True;
  // `with move_on_after(inf) as s: await sleep(10)` → (cancel_called False, caught False, 10.0, deadline inf).
  it('an infinitely past deadline cancels the first wait; an infinite one never fires', () =>
    runVirtual(async () => {
      const past = new CancelScope({ deadline: -Infinity });
      await past.run(() => sleep(0));
      expect(past.cancelledCaught).toBe(true);
      expect(await moveOnAt(-Infinity, () => sleep(0, 'x'))).toBeUndefined();

      const t0 = now();
      let scope: CancelScope | undefined;
      const r = await moveOnAfter(Infinity, async (s) => {
        scope = s;
        await sleep(10);
        return 'slept';
      });
      expect([r, scope!.cancelCalled, scope!.cancelledCaught, now() - t0, scope!.deadline]).toEqual(['slept', false, false, 10, Infinity]);
    }),
  );

  // trio: a scope whose deadline a callback moves (at 5) to the very time a sleep inside it ends
  // (10): both expire together and the scope wins → log [] , cancelled_caught True, at 10.0.
  it.each(STYLES)('a deadline moved onto the end time of the current wait wins over the wait (%s)', (style) =>
    runVirtual(async () => {
      const t0 = now();
      const log: string[] = [];
      const scope = new CancelScope();
      getRunningLoop().callLater(5, () => {
        scope.deadline = t0 + 10; // its timer is scheduled after the sleep's, for the same time
      });
      const r = await scope.run(
        pick(
          style,
          function* () {
            yield* sleep(10);
            log.push('after sleep');
            return 'x';
          },
          async () => {
            await sleep(10);
            log.push('after sleep');
            return 'x';
          },
        ),
      );
      expect([r, log, scope.cancelledCaught, now() - t0]).toEqual([undefined, [], true, 10]);
    }),
  );
});

describe('CancelScope around TaskGroups: shields changed at run time (Trio 0.22 probes)', () => {
  // trio: with outer: with inner(shield=True): nursery with a child sleeping 100; outer cancelled at
  // 5, inner.shield = False at 10 → (['child cancelled@10.0'], outer caught True, inner caught False, 10.0).
  it.each(STYLES)('lowering the shield of a scope around a TaskGroup lets the outer cancellation reach its children at once (%s)', (style) =>
    runVirtual(async () => {
      const t0 = now();
      const log: string[] = [];
      const outer = new CancelScope();
      const inner = new CancelScope({ shield: true });
      const child = pick(
        style,
        function* () {
          try {
            yield* sleep(100);
            log.push('child slept');
          } catch (e) {
            log.push(`child cancelled@${now() - t0}`);
            throw e;
          }
        },
        async () => {
          try {
            await sleep(100);
            log.push('child slept');
          } catch (e) {
            log.push(`child cancelled@${now() - t0}`);
            throw e;
          }
        },
      );
      await outer.run(() =>
        inner.run(() =>
          new TaskGroup().run(async (tg) => {
            tg.createTask(child);
            await sleep(5);
            outer.cancel();
            await sleep(5);
            inner.shield = false;
            await sleep(100);
            log.push('body not reached');
          }),
        ),
      );
      expect([log, outer.cancelledCaught, inner.cancelledCaught, now() - t0]).toEqual([['child cancelled@10'], true, false, 10]);
    }),
  );

  // trio: with move_on_after(5): nursery: a child in its own CancelScope(shield=True) sleeps 100;
  // a sibling (itself shielded) sets the child's shield to False at 10 →
  // ['child cancelled@10.0', 'outer caught=True@10.0'].
  it.each(STYLES)("a group child's own shielded scope keeps out the cancelled scope around the group, until the shield is lowered (%s)", (style) =>
    runVirtual(async () => {
      const t0 = now();
      const log: string[] = [];
      let outer: CancelScope | undefined;
      await moveOnAfter(5, (o) => {
        outer = o;
        return new TaskGroup().run((tg) => {
          const own = new CancelScope({ shield: true });
          tg.createTask(
            pick(
              style,
              function* () {
                yield* own.run(function* () {
                  try {
                    yield* sleep(100);
                  } catch (e) {
                    log.push(`child cancelled@${now() - t0}`);
                    throw e;
                  }
                });
              },
              async () => {
                await own.run(async () => {
                  try {
                    await sleep(100);
                  } catch (e) {
                    log.push(`child cancelled@${now() - t0}`);
                    throw e;
                  }
                });
              },
            ),
          );
          tg.createTask(async () => {
            await new CancelScope({ shield: true }).run(() => sleep(10));
            own.shield = false;
          });
        });
      });
      expect([log, outer!.cancelledCaught, now() - t0]).toEqual([['child cancelled@10'], true, 10]);
    }),
  );
});
