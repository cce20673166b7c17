// Adversarial review of the exception handler and debug mode against CPython 3.13 asyncio
// (base_events.py: call_exception_handler, default_exception_handler, _run_once's slow-callback
// log, _check_callback; futures.py/tasks.py: the "never retrieved" reports; events.Handle._run),
// in both coroutine styles, and of tulip's await graph with asyncio 3.14's asyncio.graph as
// inspiration only. Every expectation was checked with the pure-Python 3.13 asyncio (probes under
// /tmp/rv-debug, quoted above each test; seconds become milliseconds). Where tulip differs, the
// test states asyncio's behaviour and is marked it.fails. (What is tested elsewhere and not
// repeated: see debug.review.helpers.ts.)
//
// This part: what each report carries (tasks and futures never retrieved, failing callbacks and
// done callbacks, a throwing handler) and the default handler's printout.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CancelledError, Future, createTask, getRunningLoop, run, sleep, type ExceptionContext } from 'tulip';
import { STYLES, ValueError, collectGarbage, passes, recordExceptions, styled } from './helpers.js';
import { failingAfterAPass } from './debug.review.helpers.js';

afterEach(() => {
  vi.restoreAllMocks();
});

/** Everything console.error printed, one string per call. */
const printed = (spy: { mock: { calls: unknown[][] } }): string[] => spy.mock.calls.map((c) => c.map(String).join(' '));

// ---- what each kind of report carries -----------------------------------------------------------

describe('the context of each report (futures.__del__, events.Handle._run)', () => {
  for (const style of STYLES) {
    // asyncio (p1.py): a failed task nobody retrieved → keys ['exception', 'future', 'message'],
    // message 'Task exception was never retrieved', ctx['future'] is the Task itself.
    it(`a failed ${style} task nobody awaits is reported with the task under "future" and its error under "exception"`, () =>
      run(async () => {
        const seen = recordExceptions();
        const err = new ValueError('task boom');
        const t = createTask(failingAfterAPass(style, err));
        await passes(4);
        expect(t.done()).toBe(true);
        expect(seen).toHaveLength(1);
        expect(seen[0]!.message).toBe('Task exception was never retrieved');
        expect(seen[0]!.exception).toBe(err);
        expect(seen[0]!.future).toBe(t);
      }));
  }

  // asyncio (p1.py): a failed Future collected unread → keys ['exception', 'future', 'message'].
  // tulip's report of a collected future has ['exception', 'message'] only (a FinalizationRegistry
  // cannot hand the collected future back; asyncio's __del__ still has it).
  it.fails('a collected future whose error nobody read is reported with a "future" key, as asyncio', () =>
    run(async () => {
      const seen = recordExceptions();
      (() => {
        new Future<number>().setException(new ValueError('lost'));
      })();
      await collectGarbage();
      expect(seen).toHaveLength(1);
      expect(Object.keys(seen[0]!).sort()).toEqual(['exception', 'future', 'message']);
    }));

  // asyncio (p1.py): `class MyFut(asyncio.Future)`, failed and collected unread →
  // 'MyFut exception was never retrieved' (the message is f'{self.__class__.__name__} exception …';
  // tulip's end-of-pass report of a Task subclass already says 'MyTask exception …').
  it('a collected Future subclass whose error nobody read is reported under its own class name', () =>
    run(async () => {
      class MyFut<T> extends Future<T> {}
      const seen = recordExceptions();
      (() => {
        new MyFut<number>().setException(new ValueError('lost'));
      })();
      await collectGarbage();
      expect(seen.map((c) => c.message)).toEqual(['MyFut exception was never retrieved']);
    }));

  // asyncio (p1.py): a callback raising CancelledError('x') → reported like any error,
  // 'Exception in callback …', keys ['exception', 'handle', 'message'], exception CancelledError('x').
  it('a callback that throws CancelledError is reported like any other error, and the loop runs on', () =>
    run(async () => {
      const loop = getRunningLoop();
      const seen = recordExceptions();
      const err = new CancelledError('x');
      const h = loop.callSoon(function cancelling() {
        throw err;
      });
      let next = false;
      loop.callSoon(() => (next = true));
      await passes(2);
      expect(next).toBe(true);
      expect(seen).toHaveLength(1);
      expect(seen[0]!.message).toMatch(/^Exception in callback /);
      expect(seen[0]!.exception).toBe(err);
      expect(seen[0]!.handle).toBe(h);
    }));

  // asyncio (p1.py): the message names the callback, not the handle:
  // 'Exception in callback main.<locals>.cb() at /tmp/rv-debug/p1.py:23' (msg = f'Exception in
  // callback {cb}', cb = _format_callback_source(callback, args)); the handle's repr
  // '<Handle main.<locals>.cb() at …>' is under ctx['handle']. (tulip said
  // 'Exception in callback <Handle failingCb()>'; fixed.)
  it('the message of a failing callback names the callback ("Exception in callback failingCb()"), not its handle', () =>
    run(async () => {
      const seen = recordExceptions();
      getRunningLoop().callSoon(function failingCb() {
        throw new ValueError('cb');
      });
      await passes(2);
      expect(seen[0]!.message).toMatch(/^Exception in callback failingCb\(\)/);
    }));

  for (const style of STYLES) {
    // asyncio (p1.py): a done callback that raises → 'Exception in callback …donecb()…' with the
    // error; the task keeps its result and the next done callback still runs.
    it(`a failing done callback of a ${style} task is reported with its name and error; the task keeps its result and the next callback runs`, () =>
      run(async () => {
        const seen = recordExceptions();
        const err = new ValueError('donecb');
        const t = createTask(
          styled(
            style,
            function* () {
              yield* sleep(0);
              return 5;
            },
            async () => {
              await sleep(0);
              return 5;
            },
          ),
        );
        let second = 0;
        t.addDoneCallback(function failingDone() {
          throw err;
        });
        t.addDoneCallback(() => second++);
        expect(await t).toBe(5);
        await passes(2);
        expect(second).toBe(1);
        expect(t.result()).toBe(5);
        expect(seen).toHaveLength(1);
        expect(seen[0]!.message).toMatch(/^Exception in callback failingDone\(/);
        expect(seen[0]!.exception).toBe(err);
      }));
  }

  // asyncio (p1.py): done callbacks run as Handles, so their report has the keys
  // ['exception', 'handle', 'message'] like any callback's (tulip's had ['exception', 'future',
  // 'message'] before 0.1.13: a handler that logged ctx.handle got undefined).
  it('the report of a failing done callback carries a "handle", as every callback report in asyncio', () =>
    run(async () => {
      const seen = recordExceptions();
      const f = getRunningLoop().createFuture<number>();
      f.addDoneCallback(function failingDone() {
        throw new ValueError('donecb');
      });
      f.setResult(1);
      await passes(2);
      expect(Object.keys(seen[0]!).sort()).toEqual(['exception', 'handle', 'message']);
    }));

  for (const style of STYLES) {
    // asyncio (p8.py, a loop whose default_exception_handler records): a handler raising
    // KeyError('bad') → default gets ['context', 'exception', 'message'], 'Unhandled error in
    // exception handler', exception KeyError('bad'), context the original report (the task's
    // 'Task exception was never retrieved' with its ValueError; then the callback's) — and the
    // callback after the failing one still runs: ['next'].
    it(`a handler that throws while reporting a ${style} task's error and a callback's error hands both to the default handler, and the loop runs on`, () =>
      run(async () => {
        const loop = getRunningLoop();
        const viaDefault: ExceptionContext[] = [];
        loop.defaultExceptionHandler = (ctx) => {
          viaDefault.push(ctx);
        };
        const bad = new ValueError('bad');
        loop.setExceptionHandler(() => {
          throw bad;
        });
        const err = new ValueError('task boom');
        createTask(failingAfterAPass(style, err));
        await passes(4);
        const cbErr = new ValueError('cb');
        const log: string[] = [];
        loop.callSoon(() => {
          throw cbErr;
        });
        loop.callSoon(() => log.push('next'));
        await passes(2);
        expect(log).toEqual(['next']);
        expect(viaDefault.map((c) => [c.message, c.exception])).toEqual([
          ['Unhandled error in exception handler', bad],
          ['Unhandled error in exception handler', bad],
        ]);
        const inner = viaDefault.map((c) => c.context as ExceptionContext);
        expect(inner[0]!.message).toBe('Task exception was never retrieved');
        expect(inner[0]!.exception).toBe(err);
        expect(inner[1]!.message).toMatch(/^Exception in callback /);
        expect(inner[1]!.exception).toBe(cbErr);
        loop.setExceptionHandler(null); // (the run's own shutdown reports nothing more)
      }));
  }
});

// ---- the default handler's printout -------------------------------------------------------------

describe("the default exception handler's printout (base_events.default_exception_handler)", () => {
  // asyncio (p2.py): call_exception_handler({'message': '', 'exception': ValueError('v')}) and
  // ({'exception': ValueError('v')}) both log 'Unhandled exception in event loop' as the first line
  // (`if not message: message = 'Unhandled exception in event loop'`). tulip prints '' / 'undefined'.
  it('a report with an empty or missing message is printed under "Unhandled exception in event loop"', () =>
    run(async () => {
      const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
      const loop = getRunningLoop();
      loop.callExceptionHandler({ message: '', exception: new ValueError('v') });
      loop.callExceptionHandler({ exception: new ValueError('w') } as unknown as ExceptionContext);
      const [one, two] = printed(spy).map((s) => s.split('\n'));
      expect(one![0]).toBe('Unhandled exception in event loop');
      expect(two![0]).toBe('Unhandled exception in event loop');
    }));

  // asyncio (p2.py): {'message': 'm', 'zeta': 1, 'alpha': 'two'} → 'm', "alpha: 'two'", 'zeta: 1'
  // (`for key in sorted(context)`); tulip prints the keys in insertion order (zeta first).
  it('the keys after the message are printed in sorted order', () =>
    run(async () => {
      const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
      getRunningLoop().callExceptionHandler({ message: 'm', zeta: 1, alpha: 2 });
      expect(printed(spy)[0]!.split('\n')).toEqual(['m', 'alpha: 2', 'zeta: 1']);
    }));

  // asyncio (p5.py): a failed task nobody retrieved prints
  //   Task exception was never retrieved
  //   future: <Task finished name='failing' coro=<…> exception=ValueError('task boom')>
  //   Traceback (most recent call last): … ValueError: task boom
  // — the task once. tulip prints it twice, as 'future: <Task …>' and 'task: <Task …>' (its
  // context has both keys).
  it('the printout of a failed task nobody awaited shows the task once, as "future:", then the error', () =>
    run(async () => {
      const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
      createTask(failingAfterAPass('async', new ValueError('task boom')), { name: 'failing' });
      await passes(4);
      const lines = printed(spy)[0]!.split('\n');
      expect(lines[0]).toBe('Task exception was never retrieved');
      expect(lines[1]).toMatch(/^future: <Task finished name='failing'.*>$/);
      expect(lines[2]).toBe('ValueError: task boom');
    }));
});
