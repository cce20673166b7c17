// Reliability of the structured-concurrency core: random trees of TaskGroups, timeouts, waitFor,
// shield, gather, wait, asCompleted and try/catch over leaves that sleep and then return or throw, with the root
// task or inner tasks cancelled at random times, under virtual time.
//
// Each program runs three times: every task and scope body in the generator style, every one in
// the async style, and a random mix (a generator task may run an async scope body and the other
// way round). The three runs must log the same events at the same virtual times and end the same
// way: both styles are one task core with asyncio's step semantics. A fourth run, mixed, starts
// every task eagerly (eagerTaskFactory), which changes the order. Each run must keep the
// structural promises:
// - every node that started runs its `finally` before run() returns, cancelled or not;
// - a TaskGroup's run() returns only once each of its children is done;
// - an ExceptionGroup never holds a CancelledError;
// - nothing but the errors the program causes reaches the exception handler;
// - no task is left pending once run() has returned.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ALL_COMPLETED,
  ExceptionGroup,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  TaskGroup,
  TimeoutError,
  asCompleted,
  createTask,
  eagerTaskFactory,
  gather,
  getRunningLoop,
  isCancelledError,
  run,
  shield,
  timeout,
  wait,
  waitFor,
  type ExceptionContext,
  type Task,
} from 'tulip';
import { MockClock } from 'tulip/testing';
import { recordExceptions } from '../support.js';
import { aw, body, fcOptions, nap, scoped, type Prog, type Style } from './harness.js';

type Node =
  | { k: 'leaf'; id: number; d: number; fail: boolean }
  | { k: 'group'; id: number; kids: Node[] }
  | { k: 'timeout'; id: number; t: number; kid: Node }
  | { k: 'waitFor'; id: number; t: number; kid: Node }
  | { k: 'shield'; id: number; kid: Node }
  | { k: 'gather'; id: number; rx: boolean; kids: Node[] }
  | { k: 'catch'; id: number; kid: Node }
  | { k: 'wait'; id: number; when: string; t: number | null; kids: Node[] }
  | { k: 'asCompleted'; id: number; t: number | null; kids: Node[] };

/** Leaf errors: `Err(id)`. */
class Err extends Error {
  override name = 'Err';
}

const delayArb = fc.constantFrom(0, 0, 1, 3, 5, 8, 13);

/** A random tree; ids are given afterwards (`number`). */
const nodeArb: fc.Arbitrary<Node> = fc.letrec<{ node: Node }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'medium', withCrossShrink: true },
    fc.record({ k: fc.constant('leaf' as const), id: fc.constant(0), d: delayArb, fail: fc.boolean() }),
    fc.record({ k: fc.constant('group' as const), id: fc.constant(0), kids: fc.array(tie('node'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ k: fc.constant('timeout' as const), id: fc.constant(0), t: delayArb, kid: tie('node') }),
    fc.record({ k: fc.constant('waitFor' as const), id: fc.constant(0), t: delayArb, kid: tie('node') }),
    fc.record({ k: fc.constant('shield' as const), id: fc.constant(0), kid: tie('node') }),
    fc.record({
      k: fc.constant('gather' as const),
      id: fc.constant(0),
      rx: fc.boolean(),
      kids: fc.array(tie('node'), { minLength: 1, maxLength: 3 }),
    }),
    fc.record({ k: fc.constant('catch' as const), id: fc.constant(0), kid: tie('node') }),
    fc.record({
      k: fc.constant('wait' as const),
      id: fc.constant(0),
      when: fc.constantFrom(FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED),
      t: fc.option(delayArb),
      kids: fc.array(tie('node'), { minLength: 1, maxLength: 3 }),
    }),
    fc.record({
      k: fc.constant('asCompleted' as const),
      id: fc.constant(0),
      t: fc.option(delayArb),
      kids: fc.array(tie('node'), { minLength: 1, maxLength: 3 }),
    }),
  ),
})).node;

/** Numbers the nodes depth-first; returns how many there are. */
function number(node: Node, next = { n: 0 }): number {
  node.id = next.n++;
  if ('kids' in node) for (const k of node.kids) number(k, next);
  else if (node.k !== 'leaf') number(node.kid, next);
  return next.n;
}

interface Program {
  root: Node;
  /**
   * Cancellations: at virtual time `at`, after `passes` more passes, of the task running node
   * `target` if there is one by then (a child of a group, gather, waitFor or shield), else of the root.
   */
  cancels: Array<{ at: number; passes: number; target: number }>;
  /** The random mix: one style per node (used where the node starts a task or a scope body). */
  mix: Style[];
}

const programArb: fc.Arbitrary<Program> = fc
  .record({
    // The root is always a composite, so most programs have several tasks.
    root: fc.oneof(
      fc.record({ k: fc.constant('group' as const), id: fc.constant(0), kids: fc.array(nodeArb, { minLength: 2, maxLength: 4 }) }),
      fc.record({ k: fc.constant('gather' as const), id: fc.constant(0), rx: fc.boolean(), kids: fc.array(nodeArb, { minLength: 2, maxLength: 4 }) }),
      fc.record({ k: fc.constant('timeout' as const), id: fc.constant(0), t: delayArb, kid: nodeArb }),
    ),
    cancels: fc.array(
      fc.record({ at: fc.integer({ min: 0, max: 12 }), passes: fc.integer({ min: 0, max: 3 }), target: fc.nat({ max: 12 }) }),
      { maxLength: 3 },
    ),
    mix: fc.array(fc.constantFrom<Style>('generator', 'async'), { minLength: 64, maxLength: 64 }),
  })
  .map((p) => {
    number(p.root);
    return p;
  });

interface RunResult {
  log: string[];
  outcome: string;
  reports: string[];
  violations: string[];
}

/** One run of `prog`, with `styleOf(node)` choosing the style of each task and scope body. */
async function execute(prog: Program, styleOf: (n: Node) => Style, eager = false): Promise<RunResult> {
  const log: string[] = [];
  const violations: string[] = [];
  const started = new Set<number>();
  const finished = new Set<number>();
  const tasks: Task<unknown>[] = [];
  const taskOf = new Map<number, Task<unknown>>();
  let reported: ExceptionContext[] = [];
  const clock = new MockClock({ autojumpThreshold: 0 });
  const now = (): number => getRunningLoop().time();
  const at = (): string => `@${now()}`;

  const spawn = (n: Node): Task<unknown> => {
    const t = createTask(body(styleOf(n), () => exec(n, styleOf(n))), { name: `N${n.id}` });
    tasks.push(t);
    taskOf.set(n.id, t);
    return t;
  };

  /** Runs `n` inside the current task, whose waits use `style`. */
  function* exec(n: Node, style: Style): Prog<unknown> {
    started.add(n.id);
    log.push(`s${n.id}${at()}`);
    try {
      const v = yield* inner(n, style);
      log.push(`r${n.id}=${String(v)}${at()}`);
      return v;
    } catch (e) {
      log.push(`x${n.id}:${show(e)}${at()}`);
      throw e;
    } finally {
      finished.add(n.id);
      log.push(`f${n.id}${at()}`);
    }
  }

  function* inner(n: Node, style: Style): Prog<unknown> {
    switch (n.k) {
      case 'leaf':
        yield* nap(style, n.d);
        if (n.fail) throw new Err(`E${n.id}`);
        return n.id;
      case 'group': {
        const kids: Task<unknown>[] = [];
        const bodyStyle = styleOf(n);
        const tg = new TaskGroup();
        const groupBody = scoped(bodyStyle, function* () {
          for (const k of n.kids) {
            const t = tg.createTask(body(styleOf(k), () => exec(k, styleOf(k))), { name: `N${k.id}` });
            tasks.push(t);
            taskOf.set(k.id, t);
            kids.push(t);
          }
          yield* nap(bodyStyle, 0);
          return n.id;
        });
        try {
          return yield* aw(style, tg.run(() => groupBody()));
        } finally {
          const pending = kids.filter((t) => !t.done()).map((t) => t.getName());
          if (pending.length > 0) violations.push(`group N${n.id} exited with ${pending.join(',')} pending`);
        }
      }
      case 'timeout':
        return yield* aw(style, timeout(n.t).run(scoped(styleOf(n), () => exec(n.kid, styleOf(n)))));
      case 'waitFor':
        return yield* aw(style, waitFor(spawn(n.kid), n.t));
      case 'shield':
        return yield* aw(style, shield(spawn(n.kid)));
      case 'gather': {
        const r = yield* aw(style, gather(n.kids.map(spawn), { returnExceptions: n.rx }));
        return `[${(r as unknown[]).map(show).join(',')}]`;
      }
      case 'wait': {
        // Tasks still pending afterwards keep running (run()'s shutdown cancels them at the end).
        const ts = n.kids.map(spawn);
        const { done, pending } = yield* aw(style, wait(ts, { returnWhen: n.when, timeout: n.t }));
        return `done[${ts.filter((t) => done.has(t)).map((t) => t.getName())}]pending[${ts.filter((t) => pending.has(t)).map((t) => t.getName())}]`;
      }
      case 'asCompleted': {
        const got: string[] = [];
        for (const f of asCompleted(n.kids.map(spawn), { timeout: n.t })) got.push(String(yield* aw(style, f)));
        return `[${got.join(',')}]`;
      }
      case 'catch':
        try {
          return yield* exec(n.kid, style);
        } catch (e) {
          if (isCancelledError(e)) throw e;
          return `caught(${show(e)})`;
        }
    }
  }

  let outcome: string;
  try {
    const v = await run(
      async () => {
        reported = recordExceptions();
        const loop = getRunningLoop();
        if (eager) loop.setTaskFactory(eagerTaskFactory);
        const root = createTask(body(styleOf(prog.root), () => exec(prog.root, styleOf(prog.root))), { name: 'root' });
        tasks.push(root);
        for (const c of prog.cancels) {
          loop.callLater(c.at, () => {
            const step = (left: number): void => {
              if (left > 0) loop.callSoon(step, left - 1);
              else {
                const t = taskOf.get(c.target) ?? root;
                log.push(`cancel ${t.getName()}->${String(t.cancel(`c${c.at}`))}${at()}`);
              }
            };
            step(c.passes);
          });
        }
        return await root;
      },
      { clock },
    );
    outcome = `ok ${String(v)}`;
  } catch (e) {
    outcome = `error ${show(e)}`;
    checkGroups(e, violations);
  }
  for (const id of started) if (!finished.has(id)) violations.push(`N${id} started and never ran its finally`);
  for (const t of tasks) if (!t.done()) violations.push(`${t.getName()} still pending after run()`);
  const reports = reported.map((c) => `${c.message.replace(/<[^>]*>/g, '<…>')}: ${show(c.exception)}`);
  for (const c of reported) if (!programError(c.exception)) violations.push(`unexpected report: ${c.message} ${String(c.exception)}`);
  return { log, outcome, reports, violations };
}

/**
 * An error the program itself causes: a leaf's Err, a TimeoutError, or a group of those (a task
 * left running when the root ends fails so at run()'s shutdown, which reports it, as asyncio does).
 */
function programError(e: unknown): boolean {
  if (e instanceof ExceptionGroup) return e.errors.every(programError);
  return e instanceof Err || e instanceof TimeoutError;
}

/** ExceptionGroups hold no CancelledError, at any depth. */
function checkGroups(e: unknown, violations: string[]): void {
  if (!(e instanceof ExceptionGroup)) return;
  for (const x of e.errors) {
    if (isCancelledError(x)) violations.push(`ExceptionGroup holds a CancelledError: ${show(e)}`);
    checkGroups(x, violations);
  }
}

function show(e: unknown): string {
  if (e instanceof ExceptionGroup) return `EG(${e.errors.map(show).join(',')})`;
  if (isCancelledError(e)) return `Cancelled(${(e as Error).message})`;
  if (e instanceof TimeoutError) return 'Timeout';
  if (e instanceof Err) return e.message;
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}

describe('structured concurrency under random trees and cancellations', () => {
  it('both styles and any mix of them log the same events at the same times and end the same way', async () => {
    await fc.assert(
      fc.asyncProperty(programArb, async (prog) => {
        const gen = await execute(prog, () => 'generator');
        const asy = await execute(prog, () => 'async');
        const mixed = await execute(prog, (n) => prog.mix[n.id % prog.mix.length]!);
        for (const r of [gen, asy, mixed]) expect(r.violations).toEqual([]);
        // With every task starting eagerly the order changes, but not the promises.
        const eager = await execute(prog, (n) => prog.mix[n.id % prog.mix.length]!, true);
        expect(eager.violations).toEqual([]);
        expect(asy.log).toEqual(gen.log);
        expect(mixed.log).toEqual(gen.log);
        expect([asy.outcome, mixed.outcome]).toEqual([gen.outcome, gen.outcome]);
        expect([asy.reports, mixed.reports]).toEqual([gen.reports, gen.reports]);
      }),
      fcOptions(150),
    );
  });
});
