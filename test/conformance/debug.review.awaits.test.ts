// Adversarial review of the exception handler and debug mode against CPython 3.13 asyncio
// (base_events.py: call_exception_handler, default_exception_handler, _run_once's slow-callback
// log, _check_callback; futures.py/tasks.py: the "never retrieved" reports; events.Handle._run),
// in both coroutine styles, and of tulip's await graph with asyncio 3.14's asyncio.graph as
// inspiration only. Every expectation was checked with the pure-Python 3.13 asyncio (probes under
// /tmp/rv-debug, quoted above each test; seconds become milliseconds). Where tulip differs, the
// test states asyncio's behaviour and is marked it.fails. (What is tested elsewhere and not
// repeated: see debug.review.helpers.ts.)
//
// This part: who awaits what: futures never awaited (debug mode's "was never awaited" reports) and
// the await graph (awaitedBy).
import { describe, expect, it } from 'vitest';
import {
  Event,
  TaskGroup,
  captureCallGraph,
  createTask,
  gather,
  getRunningLoop,
  run,
  shield,
  sleep,
  waitFor,
  type CallGraphNode,
  type Executor,
  type Task,
} from 'tulip';
import { MockClock } from 'tulip/testing';
import { STYLES, collectGarbage, passes, recordExceptions, styled } from './helpers.js';
import { runDebug } from './debug.review.helpers.js';

const THIS_FILE = 'debug.review.awaits.test.ts';

describe('debug mode: futures never awaited ("coroutine … was never awaited")', () => {
  for (const style of STYLES) {
    // asyncio (p7.py): `ev.wait()` and `asyncio.wait_for(…)` without await are coroutines that
    // never ran: RuntimeWarning "coroutine 'Event.wait' was never awaited" (and 'wait_for').
    it(`Event.wait() and waitFor() called without ${style === 'async' ? 'await' : 'yield*'} in a ${style} task are reported with where they were called`, () =>
      runDebug(async () => {
        const seen = recordExceptions();
        const drop = (): void => {
          (() => {
            new Event().wait();
          })();
          (() => {
            waitFor(new Event().wait(), 1000);
          })();
        };
        await createTask(
          styled(
            style,
            function* () {
              drop();
              yield* sleep(0);
            },
            async () => {
              drop();
              await sleep(0);
            },
          ),
        );
        await collectGarbage();
        const never = seen.filter((c) => / was never awaited/.test(c.message));
        expect(never.filter((c) => c.message.startsWith('Event.wait()'))).toHaveLength(2);
        expect(never.filter((c) => c.message.startsWith('waitFor()'))).toHaveLength(1);
        for (const c of never) expect(c.message).toContain(THIS_FILE);
      }));
  }

  // asyncio (p7.py, debug and not): `asyncio.gather(t)` whose future nobody awaits reports
  // nothing: gather returns a future, not a coroutine, and its children run anyway. (tulip's debug
  // mode reported "gather() returned a future (GatheringFuture) that was never awaited"; fixed.)
  // (A dropped Event.wait() is the control: it shows the collection ran.)
  it('a gather() whose future nobody awaits is not reported as never awaited: its children run anyway', () =>
    runDebug(async () => {
      const seen = recordExceptions();
      const child = createTask(async () => {
        await sleep(1);
        return 1;
      });
      (() => {
        gather([child]);
      })();
      (() => {
        new Event().wait();
      })();
      expect(await child).toBe(1);
      await collectGarbage();
      const never = seen.filter((c) => / was never awaited/.test(c.message));
      expect(never.filter((c) => c.message.startsWith('Event.wait()'))).toHaveLength(1);
      expect(never.filter((c) => c.message.startsWith('gather()'))).toEqual([]);
    }));

  // asyncio (p7.py): `loop.run_in_executor(None, f)` whose future nobody awaits reports nothing
  // (a future, and the job runs anyway). (tulip's debug mode reported it as never awaited; fixed.)
  it('a runInExecutor() future nobody awaits is not reported as never awaited: the job runs anyway', () =>
    runDebug(async () => {
      const seen = recordExceptions();
      let ran = 0;
      const ex: Executor = { submit: async (fn, ...args) => fn(...args) };
      (() => {
        getRunningLoop().runInExecutor(ex, () => ran++);
      })();
      (() => {
        new Event().wait();
      })();
      await passes(3);
      await collectGarbage();
      expect(ran).toBe(1);
      const never = seen.filter((c) => / was never awaited/.test(c.message));
      expect(never.filter((c) => c.message.startsWith('Event.wait()'))).toHaveLength(1);
      expect(never.filter((c) => /runInExecutor/.test(c.message))).toEqual([]);
    }));
});

// ---- the await graph (asyncio 3.14's asyncio.graph, as inspiration) -----------------------------

describe('the await graph: who awaits a task (asyncio 3.14 asyncio.graph, as inspiration)', () => {
  const names = (nodes: readonly CallGraphNode[]): string[] => nodes.map((n) => n.name).sort();
  const virtual = <T>(main: () => Promise<T>): Promise<T> => run(main, { clock: new MockClock({ autojumpThreshold: 0 }) });

  // asyncio 3.14: a task awaited by two tasks has both in its awaited_by (each task's step adds
  // itself to the future it awaits: future_add_to_awaited_by).
  it('a task awaited by a generator task and by an async task lists both in awaitedBy', () =>
    virtual(async () => {
      const target = createTask(async () => {
        await sleep(1000);
      }, { name: 'target' });
      const gen = createTask(function* () {
        yield* target;
      }, { name: 'gen-waiter' });
      const asy = createTask(async () => {
        await target;
      }, { name: 'async-waiter' });
      await passes(2);
      expect(names(captureCallGraph(target)!.awaitedBy)).toEqual(["<Task pending name='async-waiter'>", "<Task pending name='gen-waiter'>"]);
      target.cancel();
      await Promise.allSettled([gen, asy]);
    }));

  for (const style of STYLES) {
    // asyncio 3.14: TaskGroup.create_task adds the group's parent task to the child's awaited_by
    // (in any mode).
    it(`a TaskGroup child of a ${style} owner lists the owner in awaitedBy, outside debug mode too`, () =>
      virtual(async () => {
        let child: Task<void> | undefined;
        const body = (tg: TaskGroup): void => {
          child = tg.createTask(async () => {
            await sleep(1000);
          }, { name: 'child' });
        };
        const owner = createTask(
          styled(
            style,
            function* () {
              yield* new TaskGroup().run(function* (tg) {
                body(tg);
              });
            },
            async () => {
              await new TaskGroup().run(async (tg) => body(tg));
            },
          ),
          { name: 'owner' },
        );
        await passes(2);
        const up = captureCallGraph(child!)!.awaitedBy;
        expect(up.map((n) => n.name)).toEqual(["<Task pending name='owner'>"]);
        expect(up[0]!.future).toBe(owner);
        owner.cancel();
        await Promise.allSettled([owner]);
      }));
  }

  for (const style of STYLES) {
    // asyncio 3.14: shield(inner) adds the current task to inner's awaited_by
    // (future_add_to_awaited_by(inner, cur_task)); nothing else is listed. (tulip also listed a
    // node "internal waiter: unnamed", the shield's own watcher on its outer future; fixed.)
    it(`a task awaited through shield() by a ${style} task lists that task in awaitedBy, and nothing unnamed`, () =>
      virtual(async () => {
        const inner = createTask(async () => {
          await sleep(1000);
        }, { name: 'inner' });
        const waiter = createTask(
          styled(
            style,
            function* () {
              yield* shield(inner);
            },
            async () => {
              await shield(inner);
            },
          ),
          { name: 'shielding' },
        );
        await passes(2);
        try {
          expect(captureCallGraph(inner)!.awaitedBy.map((n) => n.name)).toEqual(["<Task pending name='shielding'>"]);
        } finally {
          waiter.cancel();
          inner.cancel();
          await Promise.allSettled([waiter, inner]);
        }
      }));
  }
});
