// Gap ports of CPython 3.13 Lib/test/test_asyncio/test_futures.py: the parts of test methods that
// no other conformance file covered. Plain futures report an unretrieved error when they are
// garbage-collected, as asyncio's do (DESIGN §4 moves only tasks to the end of their pass), so these
// tests let the futures become garbage and collect it (vitest runs with --expose-gc).
//
// The method-by-method gap analysis of test_tasks.py, test_futures.py, test_futures2.py and
// test_waitfor.py is in the report that came with these files; every test here names its origin.
import { describe, expect, it } from 'vitest';
import { Future, run } from 'tulip';
import { ValueError, collectGarbage, neverRetrieved, recordExceptions } from './helpers.js';

/** Makes a failed future that nothing references once this returns; `cancel` calls cancel() on it. */
function abandonFailedFuture(exc: Error, cancel: boolean): void {
  const fut = new Future<number>();
  fut.setException(exc);
  if (cancel) expect(fut.cancel()).toBe(false);
}

describe('the "never retrieved" report of a failed future that was cancelled afterwards', () => {
  // ports test_futures.py::BaseFutureTests.test_tb_logger_not_called_after_cancel (with the
  // future actually collected). asyncio's Future.cancel() clears __log_traceback even on a done
  // future, so a failed future that was cancel()-ed is never logged.
  it('cancel() of a failed future counts as handling its error: only the other, untouched future is reported', () =>
    run(async () => {
      const seen = recordExceptions();
      const handled = new ValueError('cancel() was called on it');
      const dropped = new ValueError('nobody looked at it');
      abandonFailedFuture(handled, true);
      abandonFailedFuture(dropped, false);
      await collectGarbage();
      const reports = neverRetrieved(seen);
      expect(reports.map((c) => c.exception)).toEqual([dropped]);
      expect(reports[0]!.message).toMatch(/^Future exception was never retrieved/);
    }));
});

// The ports of the test_tb_logger_* tests in unretrieved.test.ts keep their future referenced until
// the end of the test, so no report could ever come from it. Here each future really becomes
// garbage, and a control future nobody touched proves that collection (and reporting) happened.
describe('what a collected future reports, with a reported control future alongside', () => {
  /** Abandons the future `make` returns; abandons a failed control future; collects both. */
  async function reportsAfterCollecting(make: () => void): Promise<unknown[]> {
    const seen = recordExceptions();
    const control = new ValueError('the control nobody read');
    make();
    abandonFailedFuture(control, false);
    await collectGarbage();
    const reports = neverRetrieved(seen);
    expect(reports.map((c) => c.exception)).toContain(control);
    return reports.map((c) => c.exception).filter((e) => e !== control);
  }

  // ports test_futures.py::BaseFutureTests.test_tb_logger_exception_retrieved
  it('a failed future whose exception() was read is not reported when collected', () =>
    run(async () => {
      const exc = new ValueError('read with exception()');
      const others = await reportsAfterCollecting(() => {
        const fut = new Future<number>();
        fut.setException(exc);
        expect(fut.exception()).toBe(exc);
      });
      expect(others).toEqual([]);
    }));

  // ports test_futures.py::BaseFutureTests.test_tb_logger_exception_result_retrieved
  it('a failed future whose result() threw is not reported when collected', () =>
    run(async () => {
      const exc = new ValueError('raised by result()');
      const others = await reportsAfterCollecting(() => {
        const fut = new Future<number>();
        fut.setException(exc);
        expect(() => fut.result()).toThrow(exc);
      });
      expect(others).toEqual([]);
    }));

  // ports test_futures.py::BaseFutureTests.test_tb_logger_result_unretrieved / test_tb_logger_abandoned
  it('a pending, a cancelled, and a succeeded-but-unread future are not reported when collected', () =>
    run(async () => {
      const others = await reportsAfterCollecting(() => {
        new Future<number>(); // pending forever
        new Future<number>().cancel('nobody cares');
        new Future<number>().setResult(42);
      });
      expect(others).toEqual([]);
    }));

  // ports test_futures.py::BaseFutureTests.test_tb_logger_exception_unretrieved
  it('each failed future nobody read is reported once, with its own error', () =>
    run(async () => {
      const first = new ValueError('first');
      const second = new ValueError('second');
      const others = await reportsAfterCollecting(() => {
        abandonFailedFuture(first, false);
        abandonFailedFuture(second, false);
      });
      expect(others).toHaveLength(2);
      expect(new Set(others)).toEqual(new Set([first, second]));
    }));
});
