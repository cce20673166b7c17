// Behaviour ports of CPython 3.13 Lib/test/test_asyncio/test_tasks.py for shield
// (BaseTaskTests.test_shield_*, test_gather_shield); gather is in combinators.test.ts, wait and
// asCompleted in wait.test.ts. Cancellation behaviours run in both coroutine styles. Tests already
// in the shared conformance suite (/work/shared/conformance/shield.test.ts) are not repeated here.
import { describe, it, expect } from 'vitest';
import {
  CancelledError,
  createTask,
  gather,
  getRunningLoop,
  isCancelledError,
  run,
  shield,
  sleep,
  type Coroutine,
} from 'tulip';
import { runBriefly, waitAllTasksBlocked } from 'tulip/testing';
import {
  FOREVER,
  STYLES,
  ValueError,
  ZeroDivisionError,
  assertCancelled,
  passes,
  recordExceptions,
  rejection,
  styled,
} from './helpers.js';
import { futures } from './combinators.helpers.js';

// ---- shield -----------------------------------------------------------------------------------

describe('shield', () => {
  // ports test_tasks.py::BaseTaskTests.test_shield_cancel_outer_result
  it('an inner result after the outer was cancelled is not reported', () =>
    run(async () => {
      const seen = recordExceptions();
      const inner = getRunningLoop().createFuture<number>();
      const outer = shield(inner);
      await runBriefly();
      outer.cancel();
      await runBriefly();
      inner.setResult(1);
      await passes(3);
      expect(seen.map((c) => c.message)).toEqual([]);
    }));

  // ports test_tasks.py::BaseTaskTests.test_shield_cancel_outer_exception
  it('an inner failure after the outer was cancelled reaches the exception handler once', () =>
    run(async () => {
      const seen = recordExceptions();
      const inner = getRunningLoop().createFuture<number>();
      const outer = shield(inner);
      await runBriefly();
      outer.cancel();
      await runBriefly();
      const exc = new ValueError('foo');
      inner.setException(exc);
      await passes(3);
      expect(seen).toHaveLength(1);
      expect(seen[0]!.exception).toBe(exc);
      expect(seen[0]!.message).toMatch(/exception in shielded future/);
    }));

  // Not in asyncio, which drops this error (DESIGN §4: nothing is lost to a race).
  for (const [what, cancelFirst] of [['cancelled, then the inner fails', true], ['the inner fails, then cancelled', false]] as const) {
    it(`in one pass the outer is ${what}: the inner failure reaches the exception handler once`, () =>
      run(async () => {
        const seen = recordExceptions();
        const inner = getRunningLoop().createFuture<number>();
        const outer = shield(inner);
        await runBriefly();
        const exc = new ValueError('same pass');
        if (cancelFirst) {
          outer.cancel();
          inner.setException(exc);
        } else {
          inner.setException(exc);
          outer.cancel();
        }
        await passes(3);
        expect(seen.map((c) => c.message)).toEqual(['ValueError exception in shielded future']);
        expect(seen[0]!.exception).toBe(exc);
      }));
  }

  // ports test_tasks.py::BaseTaskTests.test_shield_duplicate_log_once
  it('two cancelled shields of one failing inner future report the failure once', () =>
    run(async () => {
      const seen = recordExceptions();
      const inner = getRunningLoop().createFuture<number>();
      let outer = shield(inner);
      await runBriefly();
      outer.cancel();
      await runBriefly();
      outer = shield(inner);
      await runBriefly();
      outer.cancel();
      await runBriefly();
      inner.setException(new ValueError('foo'));
      await passes(3);
      expect(seen).toHaveLength(1);
    }));

  // ports test_tasks.py::BaseTaskTests.test_shield_shortcut
  it('shield() of a done future gives its result', () =>
    run(async () => {
      const fut = getRunningLoop().createFuture<number>();
      fut.setResult(42);
      expect(await shield(fut)).toBe(42);
    }));

  // ports test_tasks.py::BaseTaskTests.test_shield_gather
  it('cancelling a shield around a gather leaves the gather to finish', () =>
    run(async () => {
      const [child1, child2] = futures<number>(2);
      const parent = gather([child1!, child2!]);
      const outer = shield(parent);
      await runBriefly();
      outer.cancel();
      await runBriefly();
      expect(outer.cancelled()).toBe(true);
      child1!.setResult(1);
      child2!.setResult(2);
      await runBriefly(5);
      expect(parent.result()).toEqual([1, 2]);
    }));

  // ports test_tasks.py::BaseTaskTests.test_gather_shield
  it('cancelling a gather of shields cancels the shields but not what they protect', () =>
    run(async () => {
      const [child1, child2] = futures<number>(2);
      const inner1 = shield(child1!);
      const inner2 = shield(child2!);
      const parent = gather([inner1, inner2]);
      await runBriefly();
      parent.cancel();
      await runBriefly(5);
      expect(parent.exception()).toBeInstanceOf(CancelledError);
      expect(inner1.cancelled()).toBe(true);
      expect(inner2.cancelled()).toBe(true);
      expect(child1!.cancelled()).toBe(false);
      expect(child2!.cancelled()).toBe(false);
      child1!.setResult(1);
      child2!.setResult(2);
      await runBriefly();
    }));

  // ports test_tasks.py::BaseTaskTests.test_shield_coroutine_use_running_loop (outer cancelled)
  it('cancelling shield(generator) leaves the task made for the generator running to the end', () =>
    run(async () => {
      const log: string[] = [];
      const gate = getRunningLoop().createFuture<void>();
      function* job(): Coroutine<string> {
        yield* gate;
        log.push('job finished');
        return 'r';
      }
      const outer = shield(job());
      await waitAllTasksBlocked();
      outer.cancel();
      gate.setResult();
      await passes(3);
      expect(outer.cancelled()).toBe(true);
      expect(log).toEqual(['job finished']);
    }));

  // ports test_tasks.py::BaseTaskTests.test_shield_result (a foreign promise)
  it('shield() of a foreign promise gives its result', () =>
    run(async () => {
      expect(await shield(Promise.resolve(5))).toBe(5);
    }));

  describe.each(STYLES)('%s style', (style) => {
    // ports test_tasks.py::BaseTaskTests.test_shield_effect (the "await it again" idiom)
    it('a task cancelled in shield(inner) can still wait for inner and get its result', () =>
      run(async () => {
        const waiter = getRunningLoop().createFuture<void>();
        const inner = createTask(
          styled(
            style,
            function* () {
              yield* waiter;
              return 'inner result';
            },
            async () => {
              await waiter;
              return 'inner result';
            },
          ),
        );
        const outer = createTask(
          styled(
            style,
            function* () {
              try {
                return yield* shield(inner);
              } catch (e) {
                if (!isCancelledError(e)) throw e;
                return `after cancel: ${yield* inner}`;
              }
            },
            async () => {
              try {
                return await shield(inner);
              } catch (e) {
                if (!isCancelledError(e)) throw e;
                return `after cancel: ${await inner}`;
              }
            },
          ),
        );
        await waitAllTasksBlocked();
        outer.cancel();
        await waitAllTasksBlocked();
        expect(inner.cancelled()).toBe(false);
        expect(outer.done()).toBe(false);
        waiter.setResult();
        expect(await outer).toBe('after cancel: inner result');
      }));

    // ports test_tasks.py::BaseTaskTests.test_shield_cancel_inner (seen by an awaiting task)
    it('cancelling the inner task cancels the task awaiting its shield', () =>
      run(async () => {
        const inner = createTask(
          styled(
            style,
            function* () {
              yield* sleep(FOREVER);
            },
            async () => {
              await sleep(FOREVER);
            },
          ),
        );
        const awaiter = createTask(
          styled(
            style,
            function* () {
              yield* shield(inner);
            },
            async () => {
              await shield(inner);
            },
          ),
        );
        await waitAllTasksBlocked();
        inner.cancel();
        assertCancelled(await rejection(awaiter));
        expect(awaiter.cancelled()).toBe(true);
      }));

    // ports test_tasks.py::BaseTaskTests.test_shield_cancel_outer_exception (a shielded task)
    it('a shielded task failing after its awaiter was cancelled is reported once to the exception handler', () =>
      run(async () => {
        const seen = recordExceptions();
        const waiter = getRunningLoop().createFuture<void>();
        const exc = new ZeroDivisionError('late failure');
        const inner = createTask(
          styled(
            style,
            function* () {
              yield* waiter;
              throw exc;
            },
            async () => {
              await waiter;
              throw exc;
            },
          ),
        );
        const awaiter = createTask(
          styled(
            style,
            function* () {
              yield* shield(inner);
            },
            async () => {
              await shield(inner);
            },
          ),
        );
        await waitAllTasksBlocked();
        awaiter.cancel();
        assertCancelled(await rejection(awaiter));
        waiter.setResult();
        await passes(4);
        expect(inner.exception()).toBe(exc);
        expect(seen.map((c) => c.exception)).toEqual([exc]);
      }));
  });
});
