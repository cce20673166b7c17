// More behaviour ports of CPython 3.13 Lib/test/test_asyncio/test_futures.py: the order in which a
// future's done callbacks and its awaiting tasks run, in both coroutine styles. asyncio schedules
// every done callback — a task's wake-up (`Task.__wakeup`) is one of them — with call_soon, in
// registration order (futures.py `__schedule_callbacks`), so a task that started waiting before a
// callback was added runs its next step before that callback.
//
// Skipped (one line each):
// - BaseFutureTests.test_future_cancel_message_setter / test_log_traceback / test_copy_state /
//   test_set_result_unless_cancelled: private attributes and helpers.
// - BaseFutureTests.test_stop_iteration_exception(_subclass) / test_exception_class /
//   test_future_stop_iteration_args / test_future_iter_throw: StopIteration and Python's
//   generator-throw signatures.
// - BaseFutureTests.test_wrap_future* / DuckTests: concurrent.futures and duck-typed
//   `_asyncio_future_blocking` futures (ensureFuture(thenable) is ported in tasks.test.ts).
// - BaseFutureTests.test_future_repr / test_future_source_traceback /
//   test_future_exception_never_retrieved_debug: repr and debug tracebacks.
// - BaseFutureTests.test_constructor_positional / test_constructor_use_global_loop /
//   test_uninitialized / BaseFutureInheritanceTests: Python constructor details.
// - BaseFutureTests.test_future_del_collect / test_*_refcycles / CFutureTests / the "evil"
//   BaseFutureDoneCallbackTests (list mutation during __eq__, use-after-free): C memory safety.
// - BaseFutureTests.test_generic_alias: Python typing.
import { describe, expect, it } from 'vitest';
import { createTask, getRunningLoop, run, sleep, type Future } from 'tulip';
import { STYLES, type Style } from './helpers.js';

/** A task that waits on `fut` in `style`, then logs `name`. */
function waiter(style: Style, fut: Future<number>, name: string, log: string[]) {
  return createTask(
    style === 'async'
      ? async () => {
          await fut;
          log.push(name);
        }
      : function* () {
          yield* fut;
          log.push(name);
        },
  );
}

describe("the order of a future's callbacks and awaiters", () => {
  for (const style of STYLES) {
    // ports test_futures.py::BaseFutureDoneCallbackTests.test_callbacks_invoked_on_set_result
    // (with a waiting task among the callbacks)
    it(`a task waiting before a callback was added resumes before that callback runs (${style})`, () =>
      run(async () => {
        const loop = getRunningLoop();
        const fut = loop.createFuture<number>();
        const log: string[] = [];
        waiter(style, fut, 'task', log);
        await sleep(0);
        fut.addDoneCallback(() => log.push('cb'));
        loop.callSoon(() => log.push('soon'));
        fut.setResult(1);
        await sleep(0);
        await sleep(0);
        expect(log).toEqual(['soon', 'task', 'cb']);
      }));

    // ports test_futures.py::BaseFutureDoneCallbackTests.test_callbacks_invoked_on_set_result
    // (a callback added before the task started waiting)
    it(`a callback added before a task waited runs before the task resumes (${style})`, () =>
      run(async () => {
        const loop = getRunningLoop();
        const fut = loop.createFuture<number>();
        const log: string[] = [];
        fut.addDoneCallback(() => log.push('cb'));
        waiter(style, fut, 'task', log);
        await sleep(0);
        fut.setResult(1);
        await sleep(0);
        await sleep(0);
        expect(log).toEqual(['cb', 'task']);
      }));
  }

  // ports test_futures.py::BaseFutureDoneCallbackTests.test_callbacks_invoked_on_set_result
  // (several waiting tasks of both styles)
  it('tasks of both styles waiting on one future resume in the order they started waiting', () =>
    run(async () => {
      const fut = getRunningLoop().createFuture<number>();
      const log: string[] = [];
      waiter('async', fut, 'a1', log);
      waiter('generator', fut, 'g1', log);
      waiter('async', fut, 'a2', log);
      waiter('generator', fut, 'g2', log);
      await sleep(0);
      fut.setResult(1);
      await sleep(0);
      await sleep(0);
      expect(log).toEqual(['a1', 'g1', 'a2', 'g2']);
    }));
});
