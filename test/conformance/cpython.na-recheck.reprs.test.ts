// Re-audit of the CPython test_asyncio methods that CPYTHON-COVERAGE.md marks "b" (not applicable)
// or "c", part one: reprs, task names that are not strings, debug-mode stacks and the debug-mode
// "never retrieved" report. Each method was read again for the behaviour it pins, and where that
// behaviour has a counterpart in tulip's contract it is tested here, in tulip's own words, with the
// CPython test named above it (file::Class.test_method; 3.14 sources, 3.13 semantics). Each
// expectation was checked with the pure-Python asyncio 3.13 (probe output quoted where it helps).
// Where tulip differs, the test holds asyncio's expectation and is marked `it.fails`.
//
// Mappings used: asyncio's repr is tulip's toString() (quotes around strings may be ' or ", as
// JavaScript's and Python's reprs differ); asyncio's `_source_traceback` / `get_stack()` frames are
// the stack lines tulip records in debug mode.
import { describe, expect, it } from 'vitest';
import { Future, RuntimeError, createTask, run, sleep, type Coroutine, type Task } from 'tulip';
import { STYLES, collectGarbage, neverRetrieved, passes, recordExceptions, styled, type Style } from './helpers.js';

/** The `file:line` of a V8 stack line (`at f (file:line:col)` or `at file:line:col`). */
function fileLine(line: string): string | undefined {
  const m = /\(?([^\s()]+):(\d+):\d+\)?$/.exec(line.trim());
  return m === null ? undefined : `${m[1]}:${m[2]}`;
}

/** The `file:line` of the caller of `here()`: the first frame of a fresh stack below this helper. */
function here(): string {
  const frames = (new Error().stack ?? '').split('\n').filter((l) => l.trim().startsWith('at '));
  return fileLine(frames[1]!)!;
}

// ---- reprs ------------------------------------------------------------------------------------

describe('Future.toString() is asyncio’s Future repr', () => {
  // test_futures.py::BaseFutureTests.test_future_repr
  // asyncio: <Future pending> / <Future cancelled> / <Future finished result=4> /
  // <Future finished exception=RuntimeError('boom')>; a cancelled future no longer lists callbacks.
  it('tells pending, cancelled, finished with the result, and finished with the error', () =>
    run(() => {
      const pending = new Future<number>();
      expect(String(pending)).toBe('<Future pending>');
      pending.cancel();
      expect(String(pending)).toBe('<Future cancelled>');

      const withCallback = new Future<number>();
      withCallback.addDoneCallback(function onDone() {});
      withCallback.cancel();
      expect(String(withCallback)).toBe('<Future cancelled>');

      const finished = new Future<number>();
      finished.setResult(4);
      expect(String(finished)).toBe('<Future finished result=4>');
      expect(finished.result()).toBe(4);

      const exc = new RuntimeError('boom');
      const failed = new Future<number>();
      failed.setException(exc);
      expect(String(failed)).toMatch(/^<Future finished exception=RuntimeError\((["'])boom\1\)>$/);
      expect(failed.exception()).toBe(exc);
    }));

  // test_futures.py::BaseFutureTests.test_future_repr (the cb=[…] part)
  // asyncio (probe): `<Future pending cb=[first_cb() at p1.py:16, last_cb() at p1.py:17]>` and, with
  // ten callbacks, `<Future pending cb=[first_cb() at …:16, <8 more>, last_cb() at …:17]>`.
  it('a pending future’s toString() lists its done callbacks by name, the middle ones of many as <n more>', () =>
    run(() => {
      function firstCb(): void {}
      function lastCb(): void {}
      function middleCb(): void {}
      const one = new Future();
      one.addDoneCallback(firstCb);
      expect(String(one)).toMatch(/^<Future pending cb=\[firstCb\b[^,]*\]>$/);
      const two = new Future();
      two.addDoneCallback(firstCb);
      two.addDoneCallback(lastCb);
      expect(String(two)).toMatch(/^<Future pending cb=\[firstCb\b[^,]*, lastCb\b[^,]*\]>$/);
      const many = new Future();
      many.addDoneCallback(firstCb);
      for (let i = 0; i < 8; i++) many.addDoneCallback(middleCb);
      many.addDoneCallback(lastCb);
      expect(String(many)).toMatch(/^<Future pending cb=\[firstCb\b[^,]*, <8 more>, lastCb\b[^,]*\]>$/);
      for (const f of [one, two, many]) f.cancel();
    }));

  // test_futures.py::BaseFutureTests.test_future_repr (debug part) and
  // test_futures.py::BaseFutureTests.test_future_source_traceback
  // asyncio records a future's creation site in debug mode (`_source_traceback`) and shows it:
  // probe, `asyncio.Future()` on line 12 in debug mode → `<Future pending created at /tmp/na/p3.py:12>`.
  it('in debug mode a pending future’s toString() says where it was created', () =>
    run(
      () => {
        const [f, at] = [new Future(), here()];
        expect(String(f)).toBe(`<Future pending created at ${at}>`);
        f.cancel();
      },
      { debug: true },
    ));
});

describe('Task.toString() is asyncio’s Task repr', () => {
  for (const style of STYLES) {
    const notmuch = styled(
      style,
      function* notmuch(): Coroutine<string> {
        return 'abc';
      },
      async function notmuch(): Promise<string> {
        return 'abc';
      },
    );

    // test_tasks.py::BaseTaskTests.test_task_repr
    // asyncio: <Task pending name='TestTask' …>, then <Task cancelling …> right after cancel() (it
    // takes effect later), <Task cancelled name='TestTask' …>, <Task finished name='TestTask' … result='abc'>.
    it(`tells pending, cancelling until the cancel lands, cancelled, and finished with the result (${style})`, () =>
      run(async () => {
        const t = createTask(notmuch, { name: 'TestTask' });
        expect(String(t)).toMatch(/^<Task pending name='TestTask'[ >]/);
        t.cancel();
        expect(String(t)).toMatch(/^<Task cancelling name='TestTask'[ >]/);
        await expect(t).rejects.toThrow();
        expect(String(t)).toMatch(/^<Task cancelled name='TestTask'[ >]/);

        const u = createTask(notmuch, { name: 'TestTask' });
        expect(await u).toBe('abc');
        expect(String(u)).toMatch(/^<Task finished name='TestTask' .*result=(["'])abc\1>$/);
      }));

    // test_tasks.py::BaseTaskTests.test_task_repr (the coro=<…> part)
    // asyncio (probe): <Task pending name='TestTask' coro=<main.<locals>.notmuch() running at p1.py:31> cb=[<Dummy>()]>
    // … <Task finished name='TestTask' coro=<main.<locals>.notmuch() done, defined at p1.py:31> result='abc'>
    // tulip names the body function (no file:line: JavaScript cannot read where a coroutine is).
    it(`names the coroutine function the task runs, pending and finished (${style})`, () =>
      run(async () => {
        const t = createTask(notmuch, { name: 'TestTask' });
        expect(String(t)).toMatch(/^<Task pending name='TestTask' coro=<notmuch\b.*>$/);
        await t;
        expect(String(t)).toMatch(/^<Task finished name='TestTask' coro=<notmuch\b.*> result=/);
      }));
  }

  // test_tasks.py::BaseTaskTests.test_task_repr (the cb=[…] part)
  // asyncio: a pending task's repr ends with its done callbacks, `cb=[<Dummy>()]` (probe above).
  it('a pending task’s toString() lists its done callbacks', () =>
    run(async () => {
      const t = createTask(async () => 1, { name: 'TestTask' });
      t.addDoneCallback(function onDone() {});
      expect(String(t)).toMatch(/^<Task pending name='TestTask'.* cb=\[onDone\b.*\]>$/);
      await t;
    }));
});

// ---- names ------------------------------------------------------------------------------------

describe('task names that are not strings', () => {
  // test_tasks.py::BaseTaskTests.test_task_set_name_pylong (set_name part)
  // asyncio: t.set_name(123456789) → get_name() '123456789'.
  it('setName() of a number keeps its decimal text, and toString() shows it', () =>
    run(async () => {
      const t = createTask(async () => 123, { name: 'x' });
      t.setName(123456789 as unknown as string);
      expect(t.getName()).toBe('123456789');
      expect(String(t)).toMatch(/^<Task pending name='123456789'/);
      await t;
    }));

  // test_tasks.py::BaseTaskTests.test_task_set_name_pylong (the name= argument)
  // asyncio: Task(coro, name=987654321).get_name() == '987654321' (tasks.py: `self._name = str(name)`);
  // (tulip refused it with a TypeError; fixed since.)
  it('a number given as the name at creation becomes its decimal text', () =>
    run(async () => {
      const t = createTask(async () => 123, { name: 987654321 as unknown as string });
      expect(t.getName()).toBe('987654321');
      await t;
    }));

  // test_tasks.py::BaseTaskTests.test_task_repr_name_not_str
  // asyncio: set_name({6}) → get_name() '{6}', i.e. str() of the object; String() is its counterpart.
  it('setName() of an object keeps what String() makes of it', () =>
    run(async () => {
      const t = createTask(async () => 123);
      const odd = { toString: () => '{6}' };
      t.setName(odd as unknown as string);
      expect(t.getName()).toBe('{6}');
      t.setName(new Set([6]) as unknown as string);
      expect(t.getName()).toBe(String(new Set([6])));
      await t;
    }));
});

// ---- debug-mode stacks --------------------------------------------------------------------------

/** A task body in `style` that is `outer` awaiting `inner`, which waits on `wait()`. */
function nested(style: Style, wait: () => Future<unknown>, inside: () => void = () => {}) {
  return styled(
    style,
    function* foo(): Coroutine<void> {
      yield* (function* bar(): Coroutine<void> {
        yield* wait();
        inside();
      })();
    },
    async function foo(): Promise<void> {
      await (async function bar(): Promise<void> {
        await wait();
        inside();
      })();
    },
  );
}

describe('a task’s stack names the coroutine it runs (test_get_stack)', () => {
  // test_tasks.py::BaseTaskTests.test_get_stack
  // asyncio: from inside bar(), awaited by the task's coroutine foo(), T.get_stack(limit=1)[0] is
  // foo's frame; a suspended task's get_stack() is [foo2's frame] (probe), debug mode or not.
  it('in debug mode, a generator task’s getStack() names foo and bar, read inside bar and while suspended', () =>
    run(
      async () => {
        let inside: string[] = [];
        const t: Task<void> = createTask(nested('generator', () => sleep(0), () => (inside = t.getStack())));
        await t;
        expect(inside.some((l) => /\bat foo\b/.test(l))).toBe(true);
        expect(inside.some((l) => /\bat bar\b/.test(l))).toBe(true);

        const f = new Future();
        const u = createTask(nested('generator', () => f));
        await passes(1);
        expect(u.getStack().some((l) => /\bat foo\b/.test(l))).toBe(true);
        f.setResult(1);
        await u;
      },
      { debug: true },
    ));

  // test_tasks.py::BaseTaskTests.test_get_stack (async style): tulip records an async task's
  // creation site only, never a frame of its coroutine (probe of tulip in debug mode:
  // ['created at …', 'waiting on <Future pending>']).
  it.fails('in debug mode, an async task’s getStack() names foo, read inside bar and while suspended', () =>
    run(
      async () => {
        let inside: string[] = [];
        const t: Task<void> = createTask(nested('async', () => sleep(0), () => (inside = t.getStack())));
        await t;
        expect(inside.some((l) => /\bfoo\b/.test(l))).toBe(true);
        const f = new Future();
        const u = createTask(nested('async', () => f));
        await passes(1);
        try {
          expect(u.getStack().some((l) => /\bfoo\b/.test(l))).toBe(true);
        } finally {
          f.setResult(1);
          await u;
        }
      },
      { debug: true },
    ));

  for (const style of STYLES) {
    // test_tasks.py::BaseTaskTests.test_get_stack (without debug mode, as the CPython test runs)
    // tulip records stacks only in debug mode: outside it getStack() is ['waiting on <Future pending>'].
    it.fails(`outside debug mode too, a suspended task’s getStack() names the coroutine it runs (${style})`, () =>
      run(async () => {
        const f = new Future();
        const u = createTask(nested(style, () => f));
        await passes(1);
        try {
          expect(u.getStack().some((l) => /\bfoo\b/.test(l))).toBe(true);
        } finally {
          f.setResult(1);
          await u;
        }
      }));

    // test_tasks.py::BaseTaskTests.test_task_source_traceback
    // asyncio (debug mode): task._source_traceback[-2][:3] is (this file, the creating line, this
    // function): the task remembers where it was made.
    it(`in debug mode a task remembers the file and line it was created on (${style})`, () =>
      run(
        async () => {
          const [t, at] = [createTask(nested(style, () => sleep(0))), here()];
          const created = t.getStack().filter((l) => l.startsWith('created '));
          expect(created.map(fileLine)).toContain(at);
          await t;
        },
        { debug: true },
      ));

    // test_tasks.py::BaseTaskTests.test_task_repr (debug part): base_futures._future_repr_info
    // appends 'created at file:line' to a task's repr as to a future's (probe: "<Task pending
    // name='Task-2' coro=<…> created at /tmp/p.py:9>"); outside debug mode nothing is appended.
    it(`in debug mode a ${style} task's toString() ends with where it was created; outside it does not`, async () => {
      await run(
        async () => {
          const [t, at] = [createTask(nested(style, () => sleep(0))), here()];
          expect(String(t)).toMatch(new RegExp(`^<Task pending name='Task-\\d+' .* created at ${at.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}>$`));
          await t;
          expect(String(t)).toMatch(/^<Task finished .* result=undefined created at \S+>$/);
        },
        { debug: true },
      );
      await run(async () => {
        const t = createTask(nested(style, () => sleep(0)));
        expect(String(t)).not.toContain('created at');
        await t;
      });
    });
  }
});

// ---- the "never retrieved" report in debug mode ----------------------------------------------

describe('an unread future error in debug mode (test_future_exception_never_retrieved_debug)', () => {
  // test_futures.py::BaseFutureTests.test_future_exception_never_retrieved_debug
  // asyncio: in debug mode too, a collected future whose error nobody read is reported once,
  // "Future exception was never retrieved", with that exception.
  it('is reported once, when the future is collected, with its exception', () =>
    run(
      async () => {
        const seen = recordExceptions();
        const exc = new RangeError('memory');
        (() => {
          new Future<number>().setException(exc);
        })();
        await collectGarbage();
        const reports = neverRetrieved(seen);
        expect(reports).toHaveLength(1);
        expect(reports[0]!.message).toMatch(/^Future exception was never retrieved/);
        expect(reports[0]!.exception).toBe(exc);
      },
      { debug: true },
    ));

  // test_futures.py::BaseFutureTests.test_future_exception_never_retrieved_debug (what debug adds)
  // asyncio (futures.py __del__: `if self._source_traceback: context['source_traceback'] = …`;
  // probe: keys ['exception', 'future', 'message', 'source_traceback'], last frame the creating
  // line). tulip's report of a collected future carries `sourceStack` (it had only message and
  // exception before 0.1.13; it cannot carry the collected future).
  it('the debug-mode report tells where the future was created', () =>
    run(
      async () => {
        const seen = recordExceptions();
        let at = '';
        (() => {
          const [f, line] = [new Future<number>(), here()];
          at = line;
          f.setException(new RangeError('memory'));
        })();
        await collectGarbage();
        const report = neverRetrieved(seen)[0]!;
        const where = String(report['source_traceback'] ?? report['sourceStack'] ?? '');
        expect(where).toContain(at);
      },
      { debug: true },
    ));
});
