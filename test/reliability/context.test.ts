// Reliability of AsyncLocalStorage context propagation: random trees of tasks in both styles,
// some eager, some created inside an `als.run(value, …)` wrapper, some given `opts.context`,
// created before or after their parent's first wait, plus loop callbacks scheduled the same ways.
// Every task must read the value its context should hold — at its start, after a wait and at its
// end — and be `currentTask()` there; every callback must read its own. The rules (README,
// "Context"): a given context wins; anything else copies the context where it is made (inside an
// `als.run()` in a generator step too).
import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createTask, currentTask, gather, getRunningLoop, run, sleep, type Task, type TaskBody } from 'tulip';
import { fcOptions, type Style } from './harness.js';

const als = new AsyncLocalStorage<string>();

interface Spawn {
  kind: 'task' | 'callback';
  style: Style;
  eager: boolean;
  /** createTask / callSoon is called inside `als.run(wrap, …)`. */
  wrap: string | null;
  /** `opts.context` made inside `als.run(given, …)` (tasks only). */
  given: string | null;
  /** Made in the parent's first synchronous part, or after its first wait. */
  after: boolean;
  kids: Spawn[];
}

const valueArb = fc.constantFrom('a', 'b', 'c');
/** Spawns nested at most `depth` deep. */
function spawnArb(depth: number): fc.Arbitrary<Spawn> {
  return fc.record({
    kind: fc.constantFrom<'task' | 'callback'>('task', 'task', 'task', 'callback'),
    style: fc.constantFrom<Style>('generator', 'async'),
    eager: fc.boolean(),
    wrap: fc.option(valueArb, { nil: null }),
    given: fc.option(valueArb, { freq: 4, nil: null }),
    after: fc.boolean(),
    kids: depth <= 0 ? fc.constant([]) : fc.array(spawnArb(depth - 1), { maxLength: 3 }),
  });
}

interface Seen {
  path: string;
  expected: string | undefined;
  got: (string | undefined)[];
  current: boolean[];
}

/** The value a spawn made by a parent whose context holds `parent` should read. */
function expectedOf(s: Spawn, parent: string | undefined): string | undefined {
  if (s.kind === 'task' && s.given !== null) return s.given;
  return s.wrap ?? parent;
}

function spawnAll(kids: Spawn[], path: string, style: Style, value: string | undefined, seen: Seen[], tasks: Task<void>[]): void {
  kids.forEach((k, i) => {
    const make = (): void => {
      const p = `${path}.${i}`;
      const expected = expectedOf(k, value);
      if (k.kind === 'callback') {
        const rec: Seen = { path: p, expected, got: [], current: [] };
        seen.push(rec);
        getRunningLoop().callSoon(() => {
          rec.got.push(als.getStore());
          rec.current.push(currentTask() === undefined);
        });
        return;
      }
      const context = k.given === null ? undefined : als.run(k.given, () => new AsyncResource('given'));
      tasks.push(createTask(node(k, p, expected, seen), { eagerStart: k.eager, ...(context ? { context } : {}) }));
    };
    if (k.wrap !== null) als.run(k.wrap, make);
    else make();
  });
}

function node(s: Spawn, path: string, expected: string | undefined, seen: Seen[]): TaskBody<void> {
  const rec: Seen = { path, expected, got: [], current: [] };
  seen.push(rec);
  const look = (self: Task<void> | undefined): void => {
    rec.got.push(als.getStore());
    rec.current.push(self !== undefined && currentTask() === self);
  };
  const now = s.kids.filter((k) => !k.after);
  const later = s.kids.filter((k) => k.after);
  if (s.style === 'generator') {
    return function* () {
      const self = currentTask() as Task<void>;
      const tasks: Task<void>[] = [];
      look(self);
      spawnAll(now, `${path}<`, 'generator', expected, seen, tasks);
      yield* sleep(1);
      look(self);
      spawnAll(later, `${path}>`, 'generator', expected, seen, tasks);
      yield* gather(tasks);
      yield* sleep(1); // the callbacks ran
      look(self);
    };
  }
  return async () => {
    const self = currentTask() as Task<void>;
    const tasks: Task<void>[] = [];
    look(self);
    spawnAll(now, `${path}<`, 'async', expected, seen, tasks);
    await sleep(1);
    look(self);
    spawnAll(later, `${path}>`, 'async', expected, seen, tasks);
    await gather(tasks);
    await sleep(1);
    look(self);
  };
}

describe('AsyncLocalStorage context of random task trees', () => {
  it('every task and callback reads the value its context should hold, in both styles', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom<Style>('generator', 'async'), fc.array(spawnArb(2), { minLength: 1, maxLength: 4 }), async (style, kids) => {
        const seen: Seen[] = [];
        const root: Spawn = { kind: 'task', style, eager: false, wrap: null, given: null, after: false, kids };
        await als.run('root', () => run(node(root, 'root', 'root', seen)));
        for (const r of seen) {
          expect({ path: r.path, got: r.got }).toEqual({ path: r.path, got: r.got.map(() => r.expected) });
          expect(r.current.every(Boolean)).toBe(true);
        }
      }),
      fcOptions(60),
    );
  });
});
