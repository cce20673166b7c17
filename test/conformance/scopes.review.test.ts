// From an adversarial review of src/cancelscope.ts (Trio's CancelScope) and src/debug/ (asyncio
// 3.14's asyncio.graph, task dumps, "never awaited" reports). Passing tests pin behaviour that is
// right; `it.fails` tests show a difference from Trio / asyncio (checked with trio 0.22 and CPython's
// sources), each with a comment on what the reference does. Behaviour tests run in both styles.
import { describe, expect, it } from 'vitest';
import {
  CancelScope,
  TaskGroup,
  captureCallGraph,
  captureTasks,
  createTask,
  currentTask,
  dumpTasks,
  failAfter,
  formatCallGraph,
  gather,
  getRunningLoop,
  moveOnAfter,
  run,
  shield,
  sleep,
  timeout,
  waitFor,
  type CallGraphNode,
  type Coroutine,
  type Future,
  type TaskDumpEntry,
} from 'tulip';
import { MockClock } from 'tulip/testing';
import { STYLES, collectGarbage, errorOf, passes, recordExceptions, runVirtual, type Style } from './helpers.js';

const now = (): number => getRunningLoop().time();
/** A body in `style` for `scope.run()` / `createTask()` (the generator or the async function). */
function styled<R>(style: Style, gen: () => Coroutine<R>, asy: () => Promise<R>): () => Coroutine<R> | Promise<R> {
  return style === 'generator' ? gen : asy;
}

/** A body in `style` that waits for the future `wait()` returns and returns its result. */
function waiting<T>(style: Style, wait: () => Future<T>): () => Coroutine<T> | Promise<T> {
  return styled(
    style,
    function* () {
      return yield* wait();
    },
    async () => wait(),
  );
}

const runDebug = <T>(main: () => Promise<T>): Promise<T> => run(main, { debug: true, clock: new MockClock({ autojumpThreshold: 0 }) });

/** A scope body in `style` that sleeps `ms`, catching (and then ignoring) the first CancelledError. */
function swallowOnceThenSleep(style: Style, ms: number): () => Coroutine<void> | Promise<void> {
  return styled(
    style,
    function* () {
      try {
        yield* sleep(ms);
      } catch {
        /* swallowed */
      }
      yield* sleep(ms);
    },
    async () => {
      try {
        await sleep(ms);
      } catch {
        /* swallowed */
      }
      await sleep(ms);
    },
  );
}

/** Every node of a call graph, both directions. */
function nodes(g: CallGraphNode): CallGraphNode[] {
  return [g, ...g.awaits.flatMap(nodes), ...g.awaitedBy.flatMap(nodes)];
}

/** Every entry of a dump forest. */
function entries(roots: readonly TaskDumpEntry[]): TaskDumpEntry[] {
  return roots.flatMap((r) => [r, ...entries(r.children)]);
}

describe('CancelScope: nesting and cancelledCaught', () => {
  // Trio (trio 0.22, verified): an inner scope catches its Cancelled only if no enclosing
  // cancellation is visible to it (CancelScope._close: `not parent_cancellation_is_visible_to_us`);
  // here the outer was cancelled before the inner exited, so the Cancelled propagates, the code
  // after the inner scope never runs and the OUTER catches: ['inner caught=False outer caught=True'].
  for (const style of STYLES) {
    it(`an inner scope does not catch its cancellation once an enclosing scope was cancelled before it exited (${style})`, () =>
      runVirtual(async () => {
        const log: string[] = [];
        const outer = new CancelScope();
        const inner = new CancelScope();
        const innerBody = styled(
          style,
          function* () {
            inner.cancel();
            try {
              yield* sleep(10);
            } finally {
              outer.cancel(); // e.g. `catch (e) { everything.cancel(); throw e; }`
            }
          },
          async () => {
            inner.cancel();
            try {
              await sleep(10);
            } finally {
              outer.cancel();
            }
          },
        );
        await outer.run(
          styled(
            style,
            function* () {
              yield* inner.run(innerBody);
              log.push('after inner');
            },
            async () => {
              await inner.run(innerBody);
              log.push('after inner');
            },
          ),
        );
        expect(log).toEqual([]);
        expect([inner.cancelledCaught, outer.cancelledCaught]).toEqual([false, true]);
      }),
    );
  }

  it.each(STYLES)('two scopes whose deadlines expire together: the outer catches, code after the inner never runs (%s)', (style) =>
    runVirtual(async () => {
      const log: string[] = [];
      const outer = new CancelScope();
      const inner = new CancelScope({ deadline: now() + 10 });
      await outer.run(
        styled(
          style,
          function* () {
            outer.deadline = now() + 10; // scheduled after the inner's timer
            yield* inner.run(waiting(style, () => sleep(100)));
            log.push('after inner');
          },
          async () => {
            outer.deadline = now() + 10;
            await inner.run(waiting(style, () => sleep(100)));
            log.push('after inner');
          },
        ),
      );
      expect(log).toEqual([]);
      expect([inner.cancelledCaught, outer.cancelledCaught, now()]).toEqual([false, true, 10]);
    }),
  );

  // Trio: `cancel_called` compares the deadline with the clock when read (CancelScope.cancel_called
  // calls cancel() once current_time() >= deadline), so a past deadline reads True at once — before
  // entering, right after setting it, and after a scope that exited without a checkpoint
  // (verified: 'past deadline, no checkpoint: cancel_called True caught False').
  it('cancelCalled is true as soon as the deadline has passed, also for a scope that exited without a checkpoint', () =>
    runVirtual(async () => {
      const past = new CancelScope({ deadline: now() - 1 });
      expect(past.cancelCalled).toBe(true);
      expect(await past.run(() => 'sync')).toBe('sync');
      expect([past.cancelCalled, past.cancelledCaught]).toEqual([true, false]);
      await new CancelScope().run((s) => {
        s.deadline = now();
        expect(s.cancelCalled).toBe(true);
      });
    }),
  );

  // Trio: a cancel scope covers the tasks of nurseries inside it, level-triggered — a child that
  // swallows one Cancelled gets another at its next checkpoint (verified: the scope exits at 10 ms).
  // tulip: the group's children inherit the scopes around its block (TaskExt.inherited), so the
  // child's second sleep raises too and the scope exits at 10 ms; scopes.taskgroup.test.ts has more.
  for (const style of STYLES) {
    it(`a TaskGroup child that swallows the cancellation of a scope around its group is cancelled again at its next wait (${style})`, () =>
      runVirtual(async () => {
        const scope = new CancelScope();
        getRunningLoop().callLater(10, () => scope.cancel());
        await scope.run(() =>
          new TaskGroup().run((tg) => {
            tg.createTask(swallowOnceThenSleep(style, 1000));
          }),
        );
        expect([scope.cancelledCaught, now()]).toEqual([true, 10]);
      }),
    );
  }

  // Trio: `CancelScope.shield = 1` raises TypeError('shield must be a bool').
  it("shield refuses what is not a boolean (Trio: TypeError 'shield must be a bool')", () => {
    const scope = new CancelScope();
    expect(() => {
      (scope as { shield: unknown }).shield = 'false';
    }).toThrow(TypeError);
  });
});

describe('CancelScope: deadlines and other constructs', () => {
  it.each(STYLES)('moving the deadline later, or to null, while the body waits takes effect (%s)', (style) =>
    runVirtual(async () => {
      for (const [change, exitAt] of [
        [200, 200],
        [null, 150],
      ] as const) {
        const t0 = now();
        const scope = new CancelScope({ deadline: t0 + 100 });
        const loop = getRunningLoop();
        loop.callLater(10, () => {
          scope.deadline = change === null ? null : t0 + change;
        });
        if (change === null) loop.callLater(150, () => scope.cancel());
        expect(await scope.run(waiting(style, () => sleep(1000, 'slept')))).toBeUndefined();
        expect([scope.cancelledCaught, now() - t0]).toEqual([true, exitAt]);
      }
    }),
  );

  it.each(STYLES)("a scope cancelled while its body waits in waitFor catches its own cancellation: no TimeoutError, waitFor's task cancelled (%s)", (style) =>
    runVirtual(async () => {
      const scope = new CancelScope();
      const inner = createTask(async () => {
        await sleep(100);
        return 'inner';
      });
      getRunningLoop().callLater(10, () => scope.cancel());
      expect(await scope.run(waiting(style, () => waitFor(inner, 50)))).toBeUndefined();
      await passes(1);
      expect([scope.cancelledCaught, now(), inner.cancelled(), currentTask()!.cancelling()]).toEqual([true, 10, true, 0]);
    }),
  );

  it.each(STYLES)('a timeout() inside a cancelled scope lets the scope catch; the task is left with no cancel request (%s)', (style) =>
    runVirtual(async () => {
      const scope = new CancelScope();
      getRunningLoop().callLater(10, () => scope.cancel());
      expect(await scope.run(waiting(style, () => timeout(50).run(waiting(style, () => sleep(100)))))).toBeUndefined();
      expect([scope.cancelledCaught, now(), currentTask()!.cancelling()]).toEqual([true, 10, 0]);
      await sleep(100); // no stray cancellation left behind
      expect(now()).toBe(110);
    }),
  );

  it.each(STYLES)('task.cancel() held back by a shielded scope fails the task after the scope exits, even when the body then returns (%s)', (style) =>
    runVirtual(async () => {
      const task = createTask(waiting(style, () => new CancelScope({ shield: true }).run(waiting(style, () => sleep(100, 'done')))));
      await sleep(5);
      task.cancel('bye');
      await sleep(5);
      expect(task.done()).toBe(false);
      const e = await errorOf(() => task);
      expect([e.name, e.message, now()]).toEqual(['CancelledError', 'bye', 100]);
    }),
  );
});

describe('debug: the await graph and task dumps around scopes, shields and odd tasks', () => {
  // asyncio 3.14 tasks.py shield(): `futures.future_add_to_awaited_by(inner, cur_task)` — the
  // graph of the inner shows the task awaiting the shield (not an anonymous internal waiter).
  it('the graph of a shielded task shows the task awaiting the shield, not "internal waiter [object Object]"', () =>
    runVirtual(async () => {
      const inner = createTask(() => sleep(100), { name: 'inner' });
      const shielder = createTask(async () => shield(inner), { name: 'shielder' });
      await passes(2);
      const g = captureCallGraph(inner)!;
      expect(formatCallGraph(g)).not.toMatch(/\[object Object\]/);
      expect(g.awaitedBy.map((n) => n.future)).toContain(shielder);
      shielder.cancel();
      inner.cancel();
    }),
  );

  // dump.ts's module doc: "a task under the task that awaits it, directly or through a gather,
  // `wait()`, an inline scope's helper" — so the helper task running a scope handed to gather()
  // hangs under the gathering task. (asyncio 3.14 gather(): future_add_to_awaited_by(child, cur_task).)
  it('dumpTasks puts the helper task of a scope handed to gather() under the task awaiting the gather', () =>
    runVirtual(async () => {
      const gatherer = createTask(() => gather([new CancelScope().run(() => sleep(100))]), { name: 'gatherer' });
      await passes(2);
      const roots = captureTasks();
      expect(roots.filter((r) => r.internal)).toEqual([]);
      const entry = entries(roots).find((e) => e.task === gatherer)!;
      expect(entry.children.map((c) => c.internal)).toEqual([true]);
      gatherer.cancel();
    }),
  );

  // frames.ts taskState() is only meant for pending tasks, but graph.ts detailOf() uses it for any
  // task: a finished task reads "(ready)", a cancelled one "(cancelling, cancelling=1)", beside a
  // name that says `<Task finished …>` / `<Task cancelled …>`.
  it("the graph of a finished or cancelled task does not call it 'ready' or 'cancelling'", () =>
    runVirtual(async () => {
      const done = createTask(async () => 1, { name: 'done' });
      const cancelled = createTask(() => sleep(100), { name: 'cancelled' });
      await passes(1);
      cancelled.cancel();
      await passes(2);
      for (const t of [done, cancelled]) expect(captureCallGraph(t)!.detail).not.toMatch(/ready|cancelling/);
    }),
  );

  // A TaskGroup's exit waits on a future made by EventLoop.createFuture; debug mode names that
  // internal call as what the task waits on ("from EventLoop.createFuture"), where a lock's wait
  // reads "from Lock._acquireSlow" — the group is not named.
  it('debug mode does not describe a task waiting for its TaskGroup as waiting on a future "from EventLoop.createFuture"', () =>
    runDebug(async () => {
      const owner = createTask(() => new TaskGroup().run((tg) => void tg.createTask(() => sleep(100))), { name: 'owner' });
      await passes(2);
      expect(dumpTasks()).not.toMatch(/'owner' .*from EventLoop\.createFuture/);
      owner.cancel();
    }),
  );

  it('the graph and the dump describe odd tasks without throwing: done, failed, scopes in mixed styles, a group in a scope, waitFor of a scope', async () => {
    for (const debug of [false, true]) {
      await run(
        async () => {
          const tasks = [
            createTask(async () => 1, { name: 'done' }),
            createTask(function* () {
              yield* new CancelScope().run(async () => {
                await gather([sleep(30), new CancelScope().run(() => sleep(30))]);
              });
            }),
            createTask(() => new CancelScope().run(() => new TaskGroup().run((tg) => void tg.createTask(() => shield(sleep(40)))))),
            createTask(() => waitFor(moveOnAfter(100, () => sleep(60)), 100)),
            createTask(() => shield(sleep(10))),
          ];
          await passes(2);
          expect(dumpTasks()).toMatch(/live tasks at loop time/);
          for (const t of tasks) {
            const g = captureCallGraph(t)!;
            expect(nodes(g).every((n) => typeof n.name === 'string')).toBe(true);
            expect(formatCallGraph(g)).toMatch(/^\* <Task /);
          }
          for (const t of tasks) t.cancel();
        },
        { debug, clock: new MockClock({ autojumpThreshold: 0 }) },
      );
    }
  });

  // formatCallGraph checks only `graph.awaits`; a node without `where` or `awaitedBy` fails deep in
  // render() with "Cannot read properties of undefined (reading 'slice')".
  it('formatCallGraph refuses a malformed graph with a TypeError that names formatCallGraph', () => {
    expect(() => formatCallGraph({ awaits: [] } as unknown as CallGraphNode)).toThrow(/formatCallGraph/);
  });
});

describe('debug: never-awaited reports for scopes', () => {
  // asyncio reports one "coroutine … was never awaited" per forgotten call: failAt() enters its
  // scope only when awaited, so a forgotten failAfter() is one future, reported once.
  it('a failAfter() never awaited is reported once', () =>
    runDebug(async () => {
      const seen = recordExceptions();
      (() => {
        failAfter(10, async () => {});
      })();
      await sleep(20);
      await collectGarbage();
      expect(seen.filter((c) => /was never awaited/.test(c.message)).map((c) => c.api)).toEqual(['failAfter']);
    }),
  );

  it('a CancelScope.run() and a moveOnAfter() never awaited are each reported once; awaited ones are not', () =>
    runDebug(async () => {
      const seen = recordExceptions();
      (() => {
        new CancelScope().run(() => {});
        moveOnAfter(10, async () => {});
      })();
      await moveOnAfter(10, () => sleep(1));
      await new CancelScope().run(() => sleep(1));
      await sleep(20);
      await collectGarbage();
      const apis = seen.filter((c) => /was never awaited/.test(c.message)).map((c) => c.api);
      expect(apis.sort()).toEqual(['CancelScope.run', 'moveOnAfter']);
    }),
  );
});
