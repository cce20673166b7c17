// Behaviour ports of Trio's cancel-scope tests (trio/_core/_tests/test_run.py: test_cancel_points,
// test_cancel_edge_cases, test_cancel_shielding, test_basic_timeout, test_cancel_scope_nesting,
// test_unshield_while_cancel_propagating, test_cancel_unbound), in tulip's terms: `scope.run(body)`
// for `with scope:`, `sleep(0)` for `checkpoint()`, a never-resolved future for `sleep_forever()`,
// a MockClock's `jump()` for the mock clock's. Each test names the Trio test it comes from; the
// ones that can be written in both coroutine styles are.
import { describe, expect, it } from 'vitest';
import { CancelScope, RuntimeError, TaskGroup, getRunningLoop, isCancelledError, sleep, type Future } from 'tulip';
import { MockClock, waitAllTasksBlocked } from 'tulip/testing';
import { STYLES, errorOf, runVirtual } from './helpers.js';

/** Trio's `sleep_forever()`. */
const forever = (): Future<never> => getRunningLoop().createFuture<never>();

/** Expects `wait()` (a checkpoint) to raise CancelledError. */
async function cancelledAt(wait: () => PromiseLike<unknown>): Promise<void> {
  const e = await errorOf(wait);
  expect(isCancelledError(e), `expected CancelledError, got ${String(e)}`).toBe(true);
}

describe('cancel scopes (Trio test_run.py)', () => {
  it('test_cancel_points: after cancel() the next checkpoint raises, and sleeping forever too', () =>
    runVirtual(async () => {
      await new CancelScope().run(async (scope) => {
        await sleep(0);
        scope.cancel();
        await cancelledAt(() => sleep(0));
      });
      await new CancelScope().run(async (scope) => {
        scope.cancel();
        await cancelledAt(forever);
      });
    }));

  it.each(STYLES)('test_cancel_edge_cases (%s): cancel() is idempotent, and level-triggered: every later wait raises', (style) =>
    runVirtual(async () => {
      const scope = new CancelScope();
      await scope.run(
        style === 'generator'
          ? function* (s) {
              s.cancel();
              s.cancel();
              yield* sleep(0);
            }
          : async (s) => {
              s.cancel();
              s.cancel();
              await sleep(0);
            },
      );
      expect(scope.cancelCalled).toBe(true);
      expect(scope.cancelledCaught).toBe(true);

      const again = new CancelScope();
      const caught: boolean[] = [];
      await again.run(
        style === 'generator'
          ? function* (s) {
              s.cancel();
              for (let i = 0; i < 2; i++) {
                try {
                  yield* forever();
                } catch (e) {
                  caught.push(isCancelledError(e));
                }
              }
            }
          : async (s) => {
              s.cancel();
              for (let i = 0; i < 2; i++) {
                try {
                  await forever();
                } catch (e) {
                  caught.push(isCancelledError(e));
                }
              }
            },
      );
      expect(caught).toEqual([true, true]);
      expect(again.cancelledCaught).toBe(false); // its body swallowed both: nothing reached the exit
    }));

  it('test_cancel_shielding: a shield keeps an outer cancel out, not an inner one; it can be lowered and raised again', () =>
    runVirtual(async () => {
      const outer = new CancelScope();
      const inner = new CancelScope();
      await outer.run(() =>
        inner.run(async () => {
          await sleep(0);
          outer.cancel();
          await cancelledAt(() => sleep(0));
          expect(inner.shield).toBe(false);
          inner.shield = true;
          expect(inner.shield).toBe(true);
          await sleep(0); // the shield keeps `outer` out

          const innerest = new CancelScope();
          await innerest.run(async () => {
            innerest.cancel();
            await cancelledAt(() => sleep(0)); // a scope inside the shield still cancels
          });
          await sleep(0);

          inner.shield = false; // lowered: outer's cancellation is back
          await cancelledAt(() => sleep(0));
          inner.shield = true;
          await sleep(0);
          inner.cancel(); // a shield does not keep out its own scope's cancellation
          await sleep(0); // raises, and inner catches it at its exit
          throw new Error('not reached');
        }),
      );
      expect(inner.cancelledCaught).toBe(true);
      expect(outer.cancelledCaught).toBe(false); // inner caught; outer's own cancel never reached a wait of its own
    }));

  it('test_basic_timeout: a deadline that passes after the scope exited does nothing; one that passes inside cancels it; it can move', () => {
    const clock = new MockClock();
    return runVirtual(async () => {
      const loop = getRunningLoop();
      let start = loop.time();
      let scope = new CancelScope();
      await scope.run(() => {
        expect(scope.deadline).toBeNull();
        scope.deadline = start + 1000;
        expect(scope.deadline).toBe(start + 1000);
      });
      expect(scope.cancelCalled).toBe(false);
      clock.jump(2000);
      for (let i = 0; i < 3; i++) await sleep(0);
      expect(scope.cancelCalled).toBe(false);

      start = loop.time();
      scope = new CancelScope({ deadline: start + 1000 });
      await scope.run(async () => {
        clock.jump(2000);
        await forever();
      });
      expect(scope.cancelCalled).toBe(true);
      expect(scope.cancelledCaught).toBe(true);

      start = loop.time();
      scope = new CancelScope();
      await scope.run(async () => {
        await sleep(0);
        scope.deadline = start + 10_000;
        await sleep(0);
        clock.jump(5000);
        await sleep(0); // not yet
        scope.deadline = start + 1000; // now in the past
        await cancelledAt(() => sleep(0));
        await cancelledAt(() => sleep(0));
      });
      expect(scope.cancelCalled).toBe(true);
    }, clock);
  });

  it('test_cancel_scope_nesting: two cancelled at once, the outer one catches; a shield; a cancel never met is not caught', () =>
    runVirtual(async () => {
      const scope1 = new CancelScope();
      const scope2 = new CancelScope();
      const scope3 = new CancelScope();
      await scope1.run(() =>
        scope2.run(() =>
          scope3.run(async () => {
            scope3.cancel();
            scope2.cancel();
            await forever();
          }),
        ),
      );
      expect([scope3.cancelCalled, scope3.cancelledCaught]).toEqual([true, false]);
      expect([scope2.cancelCalled, scope2.cancelledCaught]).toEqual([true, true]);
      expect([scope1.cancelCalled, scope1.cancelledCaught]).toEqual([false, false]);

      const a = new CancelScope();
      const b = new CancelScope();
      await a.run(() =>
        b.run(async () => {
          a.cancel();
          await cancelledAt(() => sleep(0));
          await cancelledAt(() => sleep(0));
          b.shield = true;
          await sleep(0);
          b.cancel();
          await cancelledAt(() => sleep(0));
        }),
      );

      // A scope cancelled and exited without a wait inside never delivers (nor catches) it.
      const quiet = new CancelScope();
      await quiet.run((s) => {
        s.cancel();
      });
      await sleep(0);
      expect(quiet.cancelCalled).toBe(true);
      expect(quiet.cancelledCaught).toBe(false);
    }));

  it.each(STYLES)('test_unshield_while_cancel_propagating (%s): raising the shield while the outer cancel propagates lets it through', (style) =>
    runVirtual(async () => {
      const outer = new CancelScope();
      const inner = new CancelScope();
      await outer.run(() =>
        inner.run(
          style === 'generator'
            ? function* () {
                outer.cancel();
                try {
                  yield* sleep(0);
                } finally {
                  inner.shield = true;
                }
              }
            : async () => {
                outer.cancel();
                try {
                  await sleep(0);
                } finally {
                  inner.shield = true;
                }
              },
        ),
      );
      expect(outer.cancelledCaught).toBe(true);
      expect(inner.cancelledCaught).toBe(false);
    }));

  it('test_cancel_unbound: cancelled before entry or from another task; shielded before entry; entered once only', () =>
    runVirtual(async () => {
      const sleepUntilCancelled = (scope: CancelScope) => () => scope.run(() => forever());

      // Cancel before entry: the first wait inside raises, and the scope catches it.
      let scope = new CancelScope();
      scope.cancel();
      await new TaskGroup().run((tg) => {
        tg.createTask(sleepUntilCancelled(scope));
      });
      expect(scope.cancelledCaught).toBe(true);

      // Cancel after entry, from another task.
      scope = new CancelScope();
      await new TaskGroup().run(async (tg) => {
        tg.createTask(sleepUntilCancelled(scope));
        await waitAllTasksBlocked();
        scope.cancel();
      });
      expect(scope.cancelledCaught).toBe(true);

      // Shield before entry.
      scope = new CancelScope();
      scope.shield = true;
      const outer = new CancelScope();
      await outer.run(() =>
        scope.run(async () => {
          outer.cancel();
          await sleep(0); // shielded
          scope.shield = false;
          await cancelledAt(() => sleep(0));
        }),
      );

      // Cannot be reused once exited (a cancel after the exit has no effect).
      scope = new CancelScope();
      await scope.run(() => sleep(0));
      scope.cancel();
      await sleep(0);
      expect(scope.cancelCalled).toBe(true);
      expect(scope.cancelledCaught).toBe(false);
      expect(await errorOf(() => scope.run(() => undefined))).toBeInstanceOf(RuntimeError);

      // Cannot be re-entered from inside.
      const once = new CancelScope();
      await once.run(async () => {
        expect(await errorOf(() => once.run(() => undefined))).toBeInstanceOf(RuntimeError);
      });

      // Cannot be entered from two tasks at once.
      const shared = new CancelScope();
      const tg = new TaskGroup();
      await tg.run(async () => {
        tg.createTask(() => shared.run(() => forever()), { name: 'this one' });
        await waitAllTasksBlocked();
        expect(await errorOf(() => shared.run(() => undefined))).toBeInstanceOf(RuntimeError);
        tg.cancel();
      });
    }));

  it('a deadline already passed when the scope is entered cancels its first wait', () =>
    runVirtual(async () => {
      const loop = getRunningLoop();
      const scope = new CancelScope({ deadline: loop.time() - 1 });
      expect(scope.cancelCalled).toBe(true); // read against the clock, as Trio's cancel_called
      await scope.run(() => forever());
      expect(scope.cancelCalled).toBe(true);
      expect(scope.cancelledCaught).toBe(true);
    }));
});
