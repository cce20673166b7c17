// Unit tests of src/debug/dump.ts (loop.dumpTasks, dumpTasks, captureTasks, printTasks) and of
// debug mode's "never awaited" report (src/debug/unawaited.ts), in both coroutine styles.
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  BrokenResourceError,
  ClosedResourceError,
  Event,
  PriorityQueue,
  TaskGroup,
  captureTasks,
  createTask,
  dumpTasks,
  formatTasks,
  gather,
  getRunningLoop,
  openMemoryChannel,
  printTasks,
  run,
  sleep,
  timeout,
  type Coroutine,
  type ExceptionContext,
  type TaskDumpEntry,
} from 'tulip';
import { MockClock } from 'tulip/testing';
import { STYLES, collectGarbage, passes, recordExceptions, runVirtual, styled, syncError, type Style } from '../support.js';

afterEach(() => {
  vi.restoreAllMocks();
});

const debugVirtual = { debug: true, clock: new MockClock({ autojumpThreshold: 0 }) };
const runDebug = <T>(main: () => Promise<T>): Promise<T> =>
  run(main, { debug: true, clock: new MockClock({ autojumpThreshold: 0 }) });

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

const byName = (roots: readonly TaskDumpEntry[], name: string): TaskDumpEntry | undefined => {
  for (const r of roots) {
    if (r.name === name) return r;
    const found = byName(r.children, name);
    if (found !== undefined) return found;
  }
  return undefined;
};

describe('captureTasks / dumpTasks: bad arguments', () => {
  it('refuse what is not a loop, roots that are not an array and options that are not an object', () =>
    run(async () => {
      for (const [op, call] of [
        ['captureTasks', () => captureTasks(5 as never)],
        ['dumpTasks', () => dumpTasks({} as never)],
        ['printTasks', () => printTasks('loop' as never)],
      ] as const) {
        const e = syncError(call);
        expect(e).toBeInstanceOf(TypeError);
        expect(e.message).toMatch(new RegExp(`^${op}: loop must be an EventLoop, got `));
      }
      expect(syncError(() => dumpTasks(getRunningLoop(), 1 as never)).message).toBe('dumpTasks: opts must be an object, got 1');
      expect(syncError(() => formatTasks(5 as never)).message).toMatch(/^formatTasks: roots must be an array/);
      expect(formatTasks(captureTasks())).toMatch(/^1 live task:/);
    }));
});

describe('captureTasks / dumpTasks', () => {
  for (const style of STYLES) {
    it(`puts tasks under the task that awaits them through a gather (${style})`, () =>
      runVirtual(async () => {
        const a = createTask(sleeper(style, 10), { name: 'fetch-a' });
        const b = createTask(sleeper(style, 20), { name: 'fetch-b' });
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
        const roots = captureTasks();
        expect(roots.map((r) => r.name)).toEqual(['Task-' + roots[0]!.name.slice(5), 'parent']);
        expect(roots[0]!.state).toBe('running');
        expect(roots[0]!.whereKind).toBe('here');
        const p = roots[1]!;
        expect(p.state).toBe('waiting');
        expect(p.waitsOn).toBe('gather of 2 <GatheringFuture pending>');
        expect(p.children.map((c) => c.name)).toEqual(['fetch-a', 'fetch-b']);
        expect(p.children[0]!.waitsOn).toBe('<SleepFuture pending>');
        expect(p.children[0]!.where).toBe('unknown (run with debug: true)');
        expect(p.children[0]!.whereKind).toBe('unknown');
        await parent;
      }));

    it(`shows the user's file:line of each waiting task in debug mode (${style})`, () =>
      runDebug(async () => {
        const t = createTask(sleeper(style), { name: 'sleeper' });
        await passes(2);
        const e = byName(captureTasks(), 'sleeper')!;
        expect(e.whereKind).toBe('suspended');
        expect(e.where).toMatch(/^test\/debug\/dump\.test\.ts:\d+:\d+/);
        expect(e.waitsOn).toBe('<SleepFuture pending> from sleep');
        t.cancel();
      }));

    it(`puts a TaskGroup's children under its owner, in debug mode and without it (${style})`, async () => {
      const body = async (): Promise<string[]> => {
        let seen: TaskDumpEntry[] = [];
        await new TaskGroup().run(async (tg) => {
          tg.createTask(sleeper(style, 10), { name: 'child' });
          await passes(2);
          seen = captureTasks();
        });
        const main = seen[0]!;
        return [main.name, ...main.children.map((c) => c.name), ...seen.slice(1).map((r) => `root:${r.name}`)];
      };
      const debug = await run(body, debugVirtual);
      expect(debug.slice(1)).toEqual(['child']);
      const plain = await runVirtual(body);
      expect(plain.slice(1)).toEqual(['child']);
    });
  }

  it('marks cancelling and ready tasks, and creation sites in debug mode', () =>
    runDebug(async () => {
      const ev = new Event();
      const stubborn = createTask(
        async () => {
          try {
            await ev.wait();
          } catch {
            await ev.wait();
          }
        },
        { name: 'stubborn' },
      );
      const ready = createTask(async () => {}, { name: 'ready' });
      let roots = captureTasks();
      const r = byName(roots, 'ready')!;
      expect(r.state).toBe('ready');
      expect(r.waitsOn).toBeNull();
      expect(r.whereKind).toBe('created');
      expect(r.where).toMatch(/^test\/debug\/dump\.test\.ts:\d+/);
      await passes(2);
      stubborn.cancel();
      await passes(2);
      roots = captureTasks();
      expect(byName(roots, 'stubborn')!.state).toBe('cancelling');
      ev.set();
      await stubborn;
    }));

  it('formats a tree with names, states, waits and where; loop.dumpTasks({ print }) and printTasks print it', () =>
    runVirtual(async () => {
      const a = createTask(sleeper('generator', 10), { name: 'a' });
      const b = createTask(sleeper('async', 10), { name: 'b' });
      const parent = createTask(async () => gather([a, b]), { name: 'parent' });
      await passes(2);
      const text = getRunningLoop().dumpTasks();
      const lines = text.split('\n');
      expect(lines[0]).toMatch(/^4 live tasks at loop time 0\.000 ms:$/);
      expect(lines).toContain("Task 'parent' [waiting] waiting on gather of 2 <GatheringFuture pending>");
      expect(lines).toContain("├─ Task 'a' [waiting] waiting on <SleepFuture pending>");
      expect(lines).toContain("└─ Task 'b' [waiting] waiting on <SleepFuture pending>");
      expect(lines).toContain('      where: unknown (run with debug: true)');
      expect(text).toMatch(/^ {3}where: running at test\/debug\/dump\.test\.ts:\d+:\d+/m);
      // Only the running task's line differs from one call site to the next.
      const stable = (t: string): string => t.replace(/running at .*/, 'running at …');
      expect(stable(dumpTasks())).toBe(stable(text));
      const log = vi.spyOn(console, 'log').mockImplementation(() => {});
      expect(stable(getRunningLoop().dumpTasks({ print: true }))).toBe(stable(text));
      printTasks();
      expect(log).toHaveBeenCalledTimes(2);
      expect(stable(String(log.mock.calls[1]![0]))).toBe(stable(text));
      await parent;
      expect(dumpTasks().split('\n')[0]).toBe('1 live task at loop time 10.000 ms:');
    }));
});

// ---- debug mode: futures never awaited ----------------------------------------------------------

const neverAwaited = (seen: ExceptionContext[]): ExceptionContext[] =>
  seen.filter((c) => /was never awaited/.test(c.message));

describe('debug mode: a future never awaited is reported with its creation stack', () => {
  it('sleep() without await / yield*', () =>
    runDebug(async () => {
      const seen = recordExceptions();
      (() => {
        sleep(100); // forgotten
      })();
      await sleep(200); // its timer fires, then nothing holds it
      await collectGarbage();
      const reports = neverAwaited(seen);
      expect(reports).toHaveLength(1);
      expect(reports[0]!.message).toMatch(/^sleep\(\) returned a future \(SleepFuture\) that was never awaited, yield\*-ed or watched \(created at test\/debug\/dump\.test\.ts:\d+/);
      expect(reports[0]!.api).toBe('sleep');
      expect(String(reports[0]!.sourceStack)).toMatch(/dump\.test\.ts/);
    }));

  it('a send() or put() that threw or had to wait leaves no future behind to be reported', () =>
    runDebug(async () => {
      const seen = recordExceptions();
      const [send, receive] = openMemoryChannel<number>(0);
      const sender = createTask(async () => {
        await send.send(1); // no receiver yet: it waits
      });
      await sleep(0);
      expect(await receive.receive()).toBe(1);
      await sender;
      receive.close();
      expect(() => send.send(2)).toThrow(BrokenResourceError);
      send.close();
      expect(() => send.send(3)).toThrow(ClosedResourceError);
      const q = new PriorityQueue<unknown>();
      q.putNowait(1);
      expect(() => q.put('two')).toThrow(TypeError); // the default order refuses a number and a string
      expect(q.qsize()).toBe(1);
      await sleep(1);
      await collectGarbage();
      expect(neverAwaited(seen)).toEqual([]);
    }));

  it('timeout(…).run(…) never awaited: its body never ran', () =>
    run(
      function* () {
        const seen = recordExceptions();
        let ran = false;
        (() => {
          timeout(10).run(async () => {
            ran = true;
          });
        })();
        yield* sleep(0);
        return collectGarbage().then(() => {
          expect(ran).toBe(false);
          const reports = neverAwaited(seen);
          expect(reports).toHaveLength(1);
          expect(reports[0]!.api).toBe('Timeout.run');
        });
      },
      debugVirtual,
    ));

  for (const style of STYLES) {
    it(`futures that were awaited, yield*-ed or watched are not reported (${style})`, () =>
      runDebug(async () => {
        const seen = recordExceptions();
        await createTask(
          styled(
            style,
            function* () {
              yield* sleep(5);
              yield* timeout(10).run(function* () {
                yield* sleep(1);
              });
              yield* gather([sleep(1), sleep(2)]);
            },
            async () => {
              await sleep(5);
              await timeout(10).run(async () => {
                await sleep(1);
              });
              await gather([sleep(1), sleep(2)]);
            },
          ),
        );
        sleep(3).addDoneCallback(() => {});
        const loop = getRunningLoop();
        (() => {
          loop.createFuture(); // the user's own future: not watched
        })();
        await sleep(10);
        await collectGarbage();
        expect(neverAwaited(seen)).toEqual([]);
      }));
  }

  it('is off outside debug mode', () =>
    runVirtual(async () => {
      const seen = recordExceptions();
      (() => {
        sleep(100);
        timeout(10).run(() => {});
      })();
      await sleep(200);
      await collectGarbage();
      expect(neverAwaited(seen)).toEqual([]);
    }));
});
