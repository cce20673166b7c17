// Adversarial review of asCompleted() (passes, timeouts, consumers, duplicates, the async
// iteration) against CPython 3.13 asyncio (Lib/asyncio/tasks.py: _AsCompletedIterator). Every
// expectation below was checked with the pure-Python 3.13 asyncio (probe scripts run with
// PYTHONPATH=/tmp/pyasyncio313); pass counts ("ticks") come from a callSoon chain, the same
// `loop.call_soon(tick)` chain in the Python probes. `it.fails` marks a difference: the test states
// what asyncio does, and the comment above it quotes the probe.
import { describe, expect, it } from 'vitest';
import { TimeoutError, asCompleted, createTask, gather, getRunningLoop, run, type Future, type TaskBody } from 'tulip';
import {
  STYLES,
  assertCancelled,
  neverRetrieved,
  newFuture,
  passes,
  recordExceptions,
  styled,
  type Style,
  passCounter as ticker,
} from './helpers.js';
import { job, timed } from './waitcompleted.review.helpers.js';

/** A task body in `style` that awaits each future of a plain asCompleted() iteration. */
function drain<T>(style: Style, it: Iterable<Future<T>>, log: unknown[]): TaskBody<void> {
  return styled(
    style,
    function* () {
      for (const f of it) {
        try {
          log.push(yield* f);
        } catch (e) {
          log.push(e instanceof TimeoutError ? 'TimeoutError' : e);
        }
      }
    },
    async () => {
      for (const f of it) {
        try {
          log.push(await f);
        } catch (e) {
          log.push(e instanceof TimeoutError ? 'TimeoutError' : e);
        }
      }
    },
  );
}

/** One step of asCompleted()'s async iteration, as a future a generator can `yield*`. */
function anext<T>(it: AsyncIterator<Future<T>>): Future<IteratorResult<Future<T>>> {
  return it.next() as unknown as Future<IteratorResult<Future<T>>>;
}

// ---- asCompleted: passes and timeouts ---------------------------------------------------------

describe('asCompleted: passes and timeouts', () => {
  for (const style of STYLES) {
    // asyncio (probe): "sync: set in pass+1, got after 3 a", "async: set in pass+1, got after 3",
    // "sync: already done, got after 2 d", "async: already done, got after 2".
    it(`a result set in the next pass comes 3 passes later, one done already 2 passes later, in both forms (${style})`, () =>
      run(async () => {
        const tick = ticker();
        const loop = getRunningLoop();
        const soon = (): Future<string> => {
          const f = newFuture<string>();
          loop.callSoon(() => f.setResult('a'));
          return f;
        };
        const doneAlready = (): Future<string> => {
          const f = newFuture<string>();
          f.setResult('d');
          return f;
        };
        const plain = (make: () => Future<string>) => () => [...asCompleted([make()])][0]!;
        const asyncForm = (make: () => Future<string>) => () => {
          const f = make();
          const step = anext(asCompleted([f])[Symbol.asyncIterator]());
          return step;
        };
        const got: unknown[] = [];
        for (const op of [plain(soon), plain(doneAlready)]) {
          const o = await createTask(timed(style, tick, op));
          got.push(o.ok ? [o.value, o.ticks] : o.error);
        }
        for (const op of [asyncForm(soon), asyncForm(doneAlready)]) {
          const o = await createTask(timed(style, tick, op));
          got.push(o.ok ? [o.value.value!.result(), o.ticks] : o.error);
        }
        expect(got).toEqual([
          ['a', 3],
          ['d', 2],
          ['a', 3],
          ['d', 2],
        ]);
      }));

    // asyncio (probe): "sync timeout 0: TimeoutError after 2", "async timeout 0: TimeoutError after 2".
    it(`timeout 0 on a pending future: TimeoutError 2 passes later, in both forms; the future is not cancelled (${style})`, () =>
      run(async () => {
        const tick = ticker();
        const g = newFuture<string>();
        const a = await createTask(timed(style, tick, () => [...asCompleted([g], { timeout: 0 })][0]!));
        const b = await createTask(timed(style, tick, () => anext(asCompleted([g], { timeout: 0 })[Symbol.asyncIterator]())));
        expect([a.ok, a.ticks, b.ok, b.ticks]).toEqual([false, 2, false, 2]);
        expect((a as { error: unknown }).error).toBeInstanceOf(TimeoutError);
        expect((b as { error: unknown }).error).toBeInstanceOf(TimeoutError);
        expect(g.cancelled()).toBe(false);
        g.cancel();
      }));

    // asyncio: call_later(-1, _handle_timeout) fires as call_later(0) does (probe: "async timeout
    // -1: TimeoutError after 2"). (tulip threw a RangeError; fixed since.)
    it(`a negative timeout times out as timeout 0 does (${style})`, () =>
      run(async () => {
        const tick = ticker();
        const g = newFuture<string>();
        const o = await createTask(timed(style, tick, () => anext(asCompleted([g], { timeout: -1 })[Symbol.asyncIterator]())));
        expect([o.ok, o.ticks]).toEqual([false, 2]);
        expect((o as { error: unknown }).error).toBeInstanceOf(TimeoutError);
      }));
  }

  // asyncio: the completion callback and the timeout both run as callbacks; a future set by a
  // callback in the pass the timeout fires is seen one pass later, after the timeout took it:
  // "race1: TimeoutError, h.done()= True"; set in the same step as the call: "race2: got h"; done
  // before the call: "race3: got h" (probe).
  it('with timeout 0, a future set by a callback in the next pass times out; one set at once or done before does not', () =>
    run(async () => {
      const outcome = async (it: AsyncIterable<Future<string>>): Promise<unknown> => {
        try {
          for await (const c of it) return (c as unknown as Future<string>).result();
        } catch (e) {
          return e instanceof TimeoutError ? 'TimeoutError' : e;
        }
        return 'none';
      };
      const h1 = newFuture<string>();
      const it1 = asCompleted([h1], { timeout: 0 });
      getRunningLoop().callSoon(() => h1.setResult('h'));
      const h2 = newFuture<string>();
      const it2 = asCompleted([h2], { timeout: 0 });
      h2.setResult('h');
      const h3 = newFuture<string>();
      h3.setResult('h');
      const it3 = asCompleted([h3], { timeout: 0 });
      expect([await outcome(it1), h1.done(), await outcome(it2), await outcome(it3)]).toEqual(['TimeoutError', true, 'h', 'h']);
    }));

  // asyncio: as_completed(math.inf) waits as with no timeout (probe: "ac inf 2").
  it('an infinite timeout waits as no timeout does', () =>
    run(async () => {
      const g = newFuture<number>();
      getRunningLoop().callSoon(() => g.setResult(2));
      const got: number[] = [];
      for await (const c of asCompleted([g], { timeout: Infinity })) got.push((c as unknown as Future<number>).result());
      expect(got).toEqual([2]);
    }));

  // asyncio (probe): "empty sync [] empty async []".
  it('an empty input yields nothing in either form, also with a timeout', () =>
    run(async () => {
      expect([...asCompleted([])]).toEqual([]);
      const got: unknown[] = [];
      for await (const c of asCompleted([], { timeout: 0 })) got.push(c);
      expect(got).toEqual([]);
    }));
});

// ---- asCompleted: consumers -------------------------------------------------------------------

describe('asCompleted: consumers of the plain iteration', () => {
  for (const style of STYLES) {
    // asyncio (probe): the futures yielded by the plain iteration take the next completion when
    // awaited; awaited in reverse order they still get c, a, b in completion order:
    // "reversed consumers got ['c', 'a', 'b']".
    it(`consumers awaiting the yielded futures in reverse order get the results in completion order (${style})`, () =>
      run(async () => {
        const [x, y, z] = [newFuture<string>(), newFuture<string>(), newFuture<string>()];
        const cs = [...asCompleted([x, y, z])].reverse();
        const ts = cs.map((c) => createTask(timed(style, () => 0, () => c)));
        await passes(1);
        z.setResult('c');
        x.setResult('a');
        y.setResult('b');
        const got: unknown[] = [];
        for (const t of ts) {
          const o = await t;
          got.push(o.ok ? o.value : o.error);
        }
        expect(got).toEqual(['c', 'a', 'b']);
      }));

    // asyncio (probe): a woken consumer that has not resumed yet loses the completion to one that
    // asks in that pass (Queue.get takes an item at once), and queues again behind the others:
    // "[('B', 'a'), ('C', 'b'), ('A', 'x')]".
    it(`a woken consumer that has not resumed loses its completion to a newcomer and queues again at the back (${style})`, () =>
      run(async () => {
        const [a, b, x] = [newFuture<string>(), newFuture<string>(), newFuture<string>()];
        const [c1, c2, c3] = [...asCompleted([a, b, x])];
        const log: unknown[] = [];
        const consume = (name: string, c: Future<string>) =>
          styled(
            style,
            function* () {
              log.push([name, yield* c]);
            },
            async () => {
              log.push([name, await c]);
            },
          );
        const A = createTask(consume('A', c1!));
        await passes(1);
        a.setResult('a');
        const B = createTask(consume('B', c2!));
        const C = createTask(consume('C', c3!));
        await passes(3);
        b.setResult('b');
        await passes(3);
        x.setResult('x');
        await gather([A, B, C]);
        expect(log).toEqual([
          ['B', 'a'],
          ['C', 'b'],
          ['A', 'x'],
        ]);
      }));

    for (const moment of ['while it waits', 'after its completion was handed to it'] as const) {
      // asyncio (probe): the coroutine cancelled in Queue.get takes no item; the next one awaited
      // gets `a`; the plain iteration counted its steps when it made them, so `b` is never
      // delivered: "rest of sync iteration: ['a'] b still pending: True", "rest: ['a']".
      it(`a consumer cancelled ${moment} takes no result; the next future awaited gets it (${style})`, () =>
        run(async () => {
          const a = newFuture<string>();
          const b = newFuture<string>();
          const it = asCompleted([a, b]);
          const c1 = it.next().value!;
          const t = createTask(timed(style, () => 0, () => c1));
          await passes(1);
          if (moment !== 'while it waits') {
            a.setResult('a');
            await passes(1);
          }
          t.cancel();
          const o = await t;
          expect(o.ok).toBe(false);
          assertCancelled((o as { error: unknown }).error);
          if (moment === 'while it waits') a.setResult('a');
          const rest: unknown[] = [];
          await createTask(drain(style, it, rest));
          expect([rest, b.done()]).toEqual([['a'], false]);
          b.cancel();
        }));
    }

    // asyncio (probe): "sync resumed a ['b']" — a break leaves the iterator usable.
    it(`a break out of the plain iteration leaves the tasks running and the iterator resumable (${style})`, () =>
      run(async () => {
        const ts = [createTask(job(style, 1, 'a')), createTask(job(style, 3, 'b'))];
        const it = asCompleted(ts);
        let first: unknown;
        for (const c of it) {
          first = await c;
          break;
        }
        expect(ts[1]!.done()).toBe(false);
        const rest: unknown[] = [];
        await createTask(drain(style, it, rest));
        expect([first, rest, ts.map((t) => t.cancelled())]).toEqual(['a', ['b'], [false, false]]);
      }));
  }
});

describe('asCompleted: duplicates', () => {
  for (const style of STYLES) {
    // asyncio (probe): as_completed([a, a, b, a]) makes 2 coroutines ("plain dup count 2"); with b
    // set before a, both forms give b then a ("async dup ['b', 'a']", "plain ['b', 'a']").
    it(`a future passed several times is counted once, in both forms (${style} consumer)`, () =>
      run(async () => {
        const a = newFuture<string>();
        const b = newFuture<string>();
        const plain = [...asCompleted([a, a, b, a])];
        expect(plain).toHaveLength(2);
        getRunningLoop().callSoon(() => b.setResult('b'));
        getRunningLoop().callSoon(() => a.setResult('a'));
        const viaAsync: string[] = [];
        for await (const c of asCompleted([a, b, a])) viaAsync.push((c as unknown as Future<string>).result());
        const viaPlain: unknown[] = [];
        await createTask(drain(style, plain, viaPlain));
        expect([viaAsync, viaPlain]).toEqual([
          ['b', 'a'],
          ['b', 'a'],
        ]);
      }));
  }
});

describe('asCompleted: the async iteration', () => {
  for (const style of STYLES) {
    // asyncio (probe): "after break: first a others cancelled? [False, False, False] done? [True,
    // False, False]", "resumed: ['b', 'c']" — the original tasks come out, nothing is cancelled.
    it(`a break leaves the other tasks running, not cancelled; resuming yields the very tasks (${style} tasks)`, () =>
      run(async () => {
        const ts = [createTask(job(style, 1, 'a')), createTask(job(style, 3, 'b')), createTask(job(style, 5, 'c'))];
        const it = asCompleted(ts);
        let first: Future<string> | undefined;
        for await (const c of it) {
          first = c as unknown as Future<string>;
          break;
        }
        expect(first === ts[0]).toBe(true);
        expect([ts.map((t) => t.cancelled()), ts.map((t) => t.done())]).toEqual([
          [false, false, false],
          [true, false, false],
        ]);
        const rest: Future<string>[] = [];
        for await (const c of it) rest.push(c as unknown as Future<string>);
        expect([rest.length, rest[0] === ts[1], rest[1] === ts[2]]).toEqual([2, true, true]);
      }));

    // asyncio: the async iteration yields a failed input (it does not raise its error); the error
    // is read from it (probe: "as_completed yields f True" for a failed future).
    it(`a failed task is yielded, not raised; its error is read from it and not reported (${style} tasks)`, () =>
      run(async () => {
        const seen = recordExceptions();
        const err = new RangeError('boom');
        const bad = createTask(job<string>(style, 1, err));
        const good = createTask(job(style, 2, 'ok'));
        const got: unknown[] = [];
        for await (const x of asCompleted([good, bad])) {
          const c = x as unknown as Future<string>;
          got.push(c === bad ? c.exception() : c.result());
        }
        await passes(2);
        expect(got).toEqual([err, 'ok']);
        expect(neverRetrieved(seen)).toEqual([]);
      }));
  }
});
