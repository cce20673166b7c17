// Ports found missing by the method-by-method coverage audit of CPython's test_asyncio
// (test_futures.py, test_futures2.py, test_tasks.py, test_taskgroups.py, test_timeouts.py,
// test_waitfor.py, test_runners.py, test_locks.py, test_queues.py, test_eager_task_factory.py;
// 3.14 sources, 3.13 semantics). The audit table is CPYTHON-COVERAGE.md beside this file: every other
// test of those files is either ported elsewhere in test/ or /work/shared/conformance (each port
// names its CPython test) or is Python-only.
//
// The one behaviour left: test_taskgroups.py::BaseTestTaskGroup.test_coro_closed_when_tg_closed.
// Its RuntimeError("… is finished") part is ported in taskgroups.test.ts (test_taskgroup_finished);
// what was not is that asyncio *closes* the coroutine it refuses (taskgroups.py create_task calls
// `coro.close()` before each of its three RuntimeErrors), so the refused coroutine can never run
// afterwards and no "never awaited" warning comes from it. A JavaScript generator object is the
// coroutine object here: closing it is `gen.return()`, after which `gen.next()` is `{ done: true }`
// and the body never runs. Only a generator object can be closed: a function body (async or
// generator function) has not been called yet, so there is nothing to close in that style.
import { describe, expect, it } from 'vitest';
import { RuntimeError, TaskGroup, run, sleep, type Coroutine } from 'tulip';
import { rejectionG, syncError } from './helpers.js';

/** A generator object (an un-started coroutine) that records whether its body ever ran. */
function probe(): { gen: Coroutine<number>; ran: () => boolean } {
  let ran = false;
  function* body(): Coroutine<number> {
    ran = true;
    yield* sleep(0);
    return 1;
  }
  return { gen: body(), ran: () => ran };
}

/**
 * Runs `refuse(tg, gen)` while the group is in `state` and returns what it threw, with the probe.
 * `refuse` is called while the group is not entered yet, after it finished, or while it is
 * shutting down after a child's failure (inside the body's `except CancelledError`).
 */
function* refusedIn(
  state: 'not entered' | 'finished' | 'shutting down',
): Coroutine<{ error: Error; gen: Coroutine<number>; ran: () => boolean }> {
  const p = probe();
  const tg = new TaskGroup();
  let error: Error | undefined;
  const attempt = (): void => {
    error = syncError(() => tg.createTask(p.gen));
  };
  if (state === 'not entered') {
    attempt();
  } else if (state === 'finished') {
    yield* tg.run(function* () {
      yield* sleep(0);
    });
    attempt();
  } else {
    const e = yield* rejectionG(
      tg.run(function* (g) {
        g.createTask(function* () {
          yield* sleep(0);
          throw new RangeError('boom');
        });
        try {
          yield* sleep(1_000_000);
        } catch (c) {
          attempt();
          throw c;
        }
      }),
    );
    expect((e as Error).name).toBe('ExceptionGroup');
  }
  return { error: error!, gen: p.gen, ran: p.ran };
}

describe('TaskGroup.createTask refusing a generator object closes it (test_coro_closed_when_tg_closed)', () => {
  const cases = [
    ['not entered', /has not been entered/],
    ['finished', /is finished/],
    ['shutting down', /is shutting down/],
  ] as const;

  for (const [state, message] of cases) {
    // test_taskgroups.py::BaseTestTaskGroup.test_coro_closed_when_tg_closed (the RuntimeError)
    it(`a group that is ${state} refuses the task with RuntimeError and never runs the body`, () =>
      run(function* () {
        const r = yield* refusedIn(state);
        expect(r.error).toBeInstanceOf(RuntimeError);
        expect(r.error.message).toMatch(message);
        yield* sleep(0);
        expect(r.ran()).toBe(false);
      }));

    // test_taskgroups.py::BaseTestTaskGroup.test_coro_closed_when_tg_closed (the coroutine is closed).
    // asyncio 3.13 (taskgroups.py create_task): `coro.close()` then `raise RuntimeError(...)` in
    // each of the three states; afterwards inspect.getcoroutinestate(coro) == 'CORO_CLOSED' and
    // the coroutine can no longer run.
    it(`a group that is ${state} closes the refused generator object: it can no longer run`, () =>
      run(function* () {
        const r = yield* refusedIn(state);
        expect(r.gen.next()).toEqual({ done: true, value: undefined });
        expect(r.ran()).toBe(false);
      }));
  }
});
