// Behaviour ports of CPython's Lib/test/test_asyncio/test_futures.py (3.14 sources, 3.13 semantics)
// that neither the other conformance files of this folder nor the shared conformance suite
// (/work/shared/conformance) had ported yet. Plain futures report an unretrieved error when they
// are garbage-collected, as asyncio's do (DESIGN §4 moves only tasks to the end of their pass), so
// these tests collect garbage (vitest runs with --expose-gc).
import { describe, expect, it } from 'vitest';
import { Future, run } from 'tulip';
import { collectGarbage, recordExceptions } from './helpers.js';

describe('the "never retrieved" report of a future that got a result', () => {
  // ports test_futures.py::BaseFutureTests.test_tb_logger_result_retrieved
  it('a future whose result was set and read is never reported, not even once it is collected', () =>
    run(async () => {
      const seen = recordExceptions();
      (() => {
        const fut = new Future<number>();
        fut.setResult(42);
        expect(fut.result()).toBe(42);
      })();
      await collectGarbage();
      expect(seen.map((c) => c.message)).toEqual([]);
    }));
});
