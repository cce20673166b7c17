// Unit tests of src/debug/graph.ts: captureCallGraph / formatCallGraph / printCallGraph — what a
// task awaits (a future, a task, a gather of tasks, a lock's wait) and who awaits it, recursively,
// in both coroutine styles.
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  Lock,
  TaskGroup,
  captureCallGraph,
  createTask,
  formatCallGraph,
  gather,
  getRunningLoop,
  printCallGraph,
  run,
  sleep,
  type CallGraphNode,
  type Coroutine,
  type Future,
  type Task,
} from 'tulip';
import { MockClock } from 'tulip/testing';
import { STYLES, passes, runVirtual, styled, syncError, type Style } from '../support.js';

afterEach(() => {
  vi.restoreAllMocks();
});

/** A task body that sleeps a long (virtual) while, in the given style. */
function sleeper(style: Style, ms = 1000): () => Coroutine<void> | Promise<void> {
  return styled(
    style,
    function* () {
      yield* sleep(ms);
    },
    async () => {
      await sleep(ms);
    },
  ) as () => Coroutine<void> | Promise<void>;
}

/** A task body that awaits `target` (a task or future), in the given style. */
function awaiting(style: Style, target: Future<unknown>): () => Coroutine<unknown> | Promise<unknown> {
  return styled(
    style,
    function* () {
      return yield* target;
    },
    async () => await target,
  ) as () => Coroutine<unknown> | Promise<unknown>;
}

const names = (nodes: readonly CallGraphNode[]): string[] => nodes.map((n) => n.name);

describe('captureCallGraph: what a task awaits', () => {
  for (const style of STYLES) {
    it(`names the sleep a task waits on (${style})`, () =>
      runVirtual(async () => {
        const t = createTask(sleeper(style), { name: 'sleeper' });
        await passes(2);
        const g = captureCallGraph(t)!;
        expect(g.future).toBe(t);
        expect(g.kind).toBe('task');
        expect(g.name).toBe("<Task pending name='sleeper'>");
        expect(g.detail).toBe('waiting');
        expect(g.awaits).toHaveLength(1);
        expect(g.awaits[0]!.kind).toBe('future');
        expect(g.awaits[0]!.name).toBe('<SleepFuture pending>');
        expect(g.awaitedBy).toEqual([]);
        t.cancel();
      }));

    it(`follows a chain of tasks down and up: main -> outer -> inner -> sleep (${style})`, () =>
      runVirtual(async () => {
        const inner = createTask(sleeper(style), { name: 'inner' });
        const outer = createTask(awaiting(style, inner), { name: 'outer' });
        const top = createTask(awaiting(style, outer), { name: 'top' });
        await passes(2);
        const down = captureCallGraph(top)!;
        expect(names(down.awaits)).toEqual(["<Task pending name='outer'>"]);
        expect(names(down.awaits[0]!.awaits)).toEqual(["<Task pending name='inner'>"]);
        expect(names(down.awaits[0]!.awaits[0]!.awaits)).toEqual(['<SleepFuture pending>']);
        const up = captureCallGraph(inner)!;
        expect(names(up.awaitedBy)).toEqual(["<Task pending name='outer'>"]);
        expect(names(up.awaitedBy[0]!.awaitedBy)).toEqual(["<Task pending name='top'>"]);
        expect(up.awaitedBy[0]!.awaitedBy[0]!.awaitedBy).toEqual([]);
        top.cancel();
        inner.cancel();
      }));

    it(`shows a gather of tasks, with each child's own wait, and the gather above each child (${style})`, () =>
      runVirtual(async () => {
        const a = createTask(sleeper(style, 10), { name: 'a' });
        const b = createTask(sleeper(style, 20), { name: 'b' });
        const parent = createTask(
          styled(
            style,
            function* () {
              yield* gather([a, b]);
            },
            async () => {
              await gather([a, b]);
            },
          ),
          { name: 'parent' },
        );
        await passes(2);
        const g = captureCallGraph(parent)!;
        expect(g.awaits).toHaveLength(1);
        const gat = g.awaits[0]!;
        expect(gat.kind).toBe('gather');
        expect(gat.detail).toBe('gather of 2');
        expect(names(gat.awaits)).toEqual(["<Task pending name='a'>", "<Task pending name='b'>"]);
        expect(names(gat.awaits[1]!.awaits)).toEqual(['<SleepFuture pending>']);
        const ga = captureCallGraph(a)!;
        expect(ga.awaitedBy).toHaveLength(1);
        expect(ga.awaitedBy[0]!.kind).toBe('gather');
        expect(names(ga.awaitedBy[0]!.awaitedBy)).toEqual(["<Task pending name='parent'>"]);
        await parent;
      }));

    it(`shows a task blocked on a lock, named by the function that made the wait in debug mode (${style})`, () =>
      run(
        async () => {
          const lock = new Lock();
          await lock.acquire();
          const t = createTask(
            styled(
              style,
              function* () {
                yield* lock.acquire();
                lock.release();
              },
              async () => {
                await lock.acquire();
                lock.release();
              },
            ),
            { name: 'blocked' },
          );
          await passes(3);
          const g = captureCallGraph(t)!;
          expect(g.awaits).toHaveLength(1);
          expect(g.awaits[0]!.kind).toBe('future');
          expect(g.awaits[0]!.detail).toMatch(/Lock/);
          lock.release();
          await t;
        },
        { debug: true, clock: new MockClock({ autojumpThreshold: 0 }) },
      ));

    it(`puts a TaskGroup's children under the task running the group, outside debug mode too (${style})`, () =>
      runVirtual(async () => {
        let child: Task<unknown> | undefined;
        const owner = createTask(
          styled(
            style,
            function* () {
              yield* new TaskGroup().run(function* (tg) {
                child = tg.createTask(sleeper(style, 50), { name: 'child' });
              });
            },
            async () => {
              await new TaskGroup().run((tg) => {
                child = tg.createTask(sleeper(style, 50), { name: 'child' });
              });
            },
          ),
          { name: 'owner' },
        );
        await passes(3);
        expect(getRunningLoop().getDebug()).toBe(false);
        const g = captureCallGraph(child!)!;
        expect(names(g.awaitedBy)).toEqual(["<Task pending name='owner'>"]);
        await owner;
      }));

    it(`defaults to the current task, which is running and shows who awaits it (${style})`, () =>
      runVirtual(async () => {
        let seen: CallGraphNode | null = null;
        const child = createTask(
          styled(
            style,
            function* () {
              yield* sleep(0);
              seen = captureCallGraph();
            },
            async () => {
              await sleep(0);
              seen = captureCallGraph();
            },
          ),
          { name: 'child' },
        );
        const main = createTask(awaiting(style, child), { name: 'main' });
        await main;
        const g = seen as unknown as CallGraphNode;
        expect(g.future).toBe(child);
        expect(g.detail).toBe('running');
        expect(g.awaits).toEqual([]);
        expect(names(g.awaitedBy)).toEqual(["<Task pending name='main'>"]);
      }));
  }

  it('returns null outside any task, and takes plain futures too', () =>
    runVirtual(async () => {
      const loop = getRunningLoop();
      let outside: unknown = 'unset';
      loop.callSoon(() => {
        outside = captureCallGraph();
      });
      await passes(2);
      expect(outside).toBeNull();
      const fut = loop.createFuture<number>();
      const waiter = createTask(async () => await fut, { name: 'w' });
      fut.addDoneCallback(function onDone() {});
      await passes(2);
      const g = captureCallGraph(fut)!;
      expect(g.kind).toBe('future');
      expect(g.where).toEqual([]);
      expect(names(g.awaitedBy).sort()).toEqual(["<Task pending name='w'>", 'callback onDone()']);
      expect(g.awaitedBy.find((n) => n.name === 'callback onDone()')!.kind).toBe('callback');
      fut.setResult(1);
      await waiter;
      expect(captureCallGraph(fut)!.awaitedBy).toEqual([]);
    }));

  it('stops at maxDepth and refuses bad arguments', () =>
    runVirtual(async () => {
      const inner = createTask(sleeper('async'), { name: 'inner' });
      const outer = createTask(awaiting('generator', inner), { name: 'outer' });
      await passes(2);
      const g = captureCallGraph(outer, { maxDepth: 1 })!;
      expect(names(g.awaits)).toEqual(["<Task pending name='inner'>"]);
      expect(g.awaits[0]!.awaits).toEqual([]);
      expect(captureCallGraph(outer, { maxDepth: 0 })!.awaits).toEqual([]);
      expect(syncError(() => captureCallGraph(outer, { maxDepth: -1 }))).toBeInstanceOf(RangeError);
      expect(syncError(() => captureCallGraph(outer, { maxDepth: NaN }))).toBeInstanceOf(RangeError);
      expect(syncError(() => captureCallGraph({} as Task))).toBeInstanceOf(TypeError);
      expect(syncError(() => captureCallGraph(5 as never)).message).toBe('captureCallGraph: future must be a Future or Task, got 5');
      expect(syncError(() => captureCallGraph(outer, 3 as never)).message).toBe('captureCallGraph: opts must be an object, got 3');
      const f = syncError(() => formatCallGraph(null as never));
      expect(f).toBeInstanceOf(TypeError);
      expect(f.message).toMatch(/^formatCallGraph: graph must be a CallGraph/);
      inner.cancel();
      await outer.then(
        () => undefined,
        () => undefined,
      );
    }));
});

describe('formatCallGraph / printCallGraph', () => {
  it('formats both directions as an indented tree', () =>
    runVirtual(async () => {
      const leaf = createTask(sleeper('generator'), { name: 'leaf' });
      const mid = createTask(awaiting('async', leaf), { name: 'mid' });
      await passes(2);
      const text = formatCallGraph(captureCallGraph(leaf)!);
      expect(text.split('\n')).toEqual([
        "* <Task pending name='leaf'> (waiting)",
        '+ awaits:',
        '|  * <SleepFuture pending>',
        '+ awaited by:',
        "   * <Task pending name='mid'> (waiting)",
      ]);
      mid.cancel();
      leaf.cancel();
    }));

  it('shows where tasks are suspended in debug mode (generator style records the yield* line)', () =>
    run(
      async () => {
        const t = createTask(
          function* () {
            yield* sleep(1000);
          },
          { name: 'gen' },
        );
        await passes(2);
        const g = captureCallGraph(t)!;
        expect(g.where[0]).toMatch(/graph\.test\.ts:\d+:\d+/);
        expect(formatCallGraph(g)).toMatch(/\| {3}at test\/debug\/graph\.test\.ts:\d+/);
        t.cancel();
      },
      { debug: true, clock: new MockClock({ autojumpThreshold: 0 }) },
    ));

  it('printCallGraph prints the current task to stdout, and nothing outside a task', () =>
    runVirtual(async () => {
      const log = vi.spyOn(console, 'log').mockImplementation(() => {});
      const t = createTask(
        async () => {
          printCallGraph();
        },
        { name: 'printer' },
      );
      await t;
      expect(log).toHaveBeenCalledTimes(1);
      expect(String(log.mock.calls[0]![0])).toMatch(/^\* <Task pending name='printer'> \(running\)/);
      getRunningLoop().callSoon(() => printCallGraph());
      await passes(2);
      expect(log).toHaveBeenCalledTimes(1);
      const other = createTask(sleeper('async'), { name: 'other' });
      await passes(1);
      printCallGraph(other, { maxDepth: 1 });
      expect(String(log.mock.calls[1]![0])).toMatch(/name='other'/);
      other.cancel();
    }));

  it("printCallGraph writes to opts.file when given (asyncio's file=), and refuses a file without write()", () =>
    runVirtual(async () => {
      const log = vi.spyOn(console, 'log').mockImplementation(() => {});
      const written: string[] = [];
      const other = createTask(sleeper('async'), { name: 'other' });
      await passes(1);
      printCallGraph(other, { file: { write: (text: string) => written.push(text) } });
      expect(written).toHaveLength(1);
      expect(written[0]).toMatch(/^\* <Task pending name='other'>[^]*\n$/);
      expect(log).not.toHaveBeenCalled();
      const e = syncError(() => printCallGraph(other, { file: {} as never }));
      expect(e).toBeInstanceOf(TypeError);
      expect(e.message).toBe('printCallGraph: opts.file must have a write(text) method, got an object');
      other.cancel();
    }));
});
