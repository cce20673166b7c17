// Reliability of cancel scopes around TaskGroups (Trio's nurseries inside cancel scopes), the
// property (the bugs it found, shrunk, are in scopegroups.found.test.ts): random nested programs of
// CancelScope / moveOnAfter / failAfter (deadlines, shields, cancel() at random times, some cancelled
// before they are entered), TaskGroups (nested, block bodies in both styles), and child bodies that
// sleep, swallow a CancelledError a few times and sleep again, throw, start grandchildren, or run
// timeout() / waitFor() inline — with random outside task.cancel() calls — under virtual time. Each
// program runs with every body in the generator style, every one in the async style, a random mix,
// and the mix with eager tasks; each run is checked against a small model:
// 1. the run ends: no task stuck, and the root ends within the sum of every sleep of the program;
// 2. a scope S with no shielded scope inside it exits no later than the first cancellation (its own
//    deadline or cancel(), or that of an enclosing scope visible to it — up to the nearest shield,
//    through the scopes a group child inherits) or its entry, whichever is later: every wait inside
//    is cancelled again at once, children that swallow included;
// 3. cancelledCaught (S's cancellation is timed by its `signal`'s abort): never true when S was
//    cancelled only after its body ended; true when, at S's cancellation, its task was in a sleep
//    inside S (not under a shield inside S) that had not ended — or S was cancelled before entry and
//    its body starts with a sleep — S has no shield inside, and its run() did not fail (failAfter:
//    failed with its own TimeoutError); caught ⇒ run() resolved, or failAfter raised TimeoutError;
// 4. every error a body throws reaches the root, once, through ExceptionGroups holding no CancelledError;
// 5. nothing reaches the loop's exception handler;
// 6. a task whose cancel() (from outside) returned true ends cancelled or failed, unless it swallowed
//    a task cancellation (not a scope's) after the request;
// and the three non-eager runs agree on which kids started, every scope's entry/exit/caught and
// every task's outcome.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CancelScope,
  ExceptionGroup,
  TaskGroup,
  TimeoutError,
  currentTask,
  eagerTaskFactory,
  failAfter,
  getRunningLoop,
  isCancelledError,
  moveOnAfter,
  sleep,
  timeout,
  waitFor,
  type Coroutine,
  type Future,
  type Task,
} from 'tulip';
import { Boom, aw, body, fcOptions, runScenario, scoped, type Prog, type Style } from './harness.js';

// ---- programs -----------------------------------------------------------------------------------

type Kind = 'cancel' | 'moveOn' | 'fail';
interface ScopeOp {
  k: 'scope';
  id: number;
  kind: Kind;
  /** Relative to entry; null (CancelScope only): none. */
  deadline: number | null;
  shield: boolean;
  /** cancel() this long after entry; -1: before entering (CancelScope only; else as 0); null: never. */
  cancelAt: number | null;
  body: Op[];
}
interface Kid {
  id: number;
  /** The task's number (the root is 0). */
  task: number;
  ops: Op[];
}
type Op =
  | { k: 'sleep'; d: number }
  /** sleep(d); on a CancelledError, swallow it and sleep(d) again — at most `times` times. */
  | { k: 'swallow'; d: number; times: number }
  | { k: 'throw' }
  | ScopeOp
  /** The block creates the kids first, then runs `body` in the parent task. */
  | { k: 'group'; id: number; kids: Kid[]; body: Op[] }
  | { k: 'timeout'; id: number; t: number; body: Op[] }
  | { k: 'waitFor'; id: number; t: number; body: Op[] };

const dArb = fc.constantFrom(0, 1, 2, 3, 5, 8);
const leafArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ k: fc.constant('sleep' as const), d: dArb }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('swallow' as const), d: dArb, times: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 1, arbitrary: fc.constant({ k: 'throw' as const }) },
);

const opsMemo = new Map<string, fc.Arbitrary<Op[]>>();
/** 1–3 ops (min 0: 0–2), nested at most `depth` deep. */
function opsArb(depth: number, min = 1): fc.Arbitrary<Op[]> {
  const key = `${depth}/${min}`;
  let arb = opsMemo.get(key);
  if (arb !== undefined) return arb;
  const op: fc.Arbitrary<Op> =
    depth === 0
      ? leafArb
      : fc.oneof(
          { weight: 3, arbitrary: leafArb },
          { weight: 3, arbitrary: scopeArb(depth - 1) },
          { weight: 3, arbitrary: groupArb(depth - 1) },
          { weight: 1, arbitrary: innerTimeoutArb(depth - 1) },
        );
  arb = fc.array(op, { minLength: min, maxLength: min + 2 });
  opsMemo.set(key, arb);
  return arb;
}

const scopeArb = (depth: number): fc.Arbitrary<Op> =>
  fc
    .record({
      kind: fc.constantFrom<Kind>('cancel', 'moveOn', 'fail'),
      deadline: fc.option(fc.integer({ min: 0, max: 12 }), { nil: null, freq: 3 }),
      shield: fc.boolean().chain((b) => (b ? fc.boolean() : fc.constant(false))), // 1 in 4
      cancelAt: fc.option(fc.integer({ min: -1, max: 12 }), { nil: null, freq: 2 }),
      body: opsArb(depth),
    })
    .map((s) => ({ k: 'scope' as const, id: 0, ...s, deadline: s.kind === 'cancel' ? s.deadline : (s.deadline ?? 6) }));

const groupArb = (depth: number): fc.Arbitrary<Op> =>
  fc.record({
    k: fc.constant('group' as const),
    id: fc.constant(0),
    kids: fc.array(
      opsArb(depth).map((ops) => ({ id: 0, task: 0, ops })),
      { minLength: 1, maxLength: 3 },
    ),
    body: opsArb(depth, 0),
  });

const innerTimeoutArb = (depth: number): fc.Arbitrary<Op> =>
  fc.record({ k: fc.constantFrom('timeout' as const, 'waitFor' as const), id: fc.constant(0), t: fc.integer({ min: 1, max: 12 }), body: opsArb(depth) });

interface Program {
  root: Op[];
  /** At virtual time `at`, after `passes` more passes: task `target` (mod the number of tasks) is cancelled, if it exists. */
  cancels: Array<{ target: number; at: number; passes: number }>;
  mix: Style[];
  tasks: number;
}

/** Numbers the composite ops (node ids, for the style mix) and the tasks. */
function number(ops: Op[], n: { node: number; task: number }): void {
  for (const op of ops) {
    if (op.k === 'sleep' || op.k === 'swallow' || op.k === 'throw') continue;
    op.id = n.node++;
    if (op.k === 'group') {
      for (const kid of op.kids) {
        kid.id = n.node++;
        kid.task = n.task++;
        number(kid.ops, n);
      }
    }
    number(op.body, n);
  }
}

const programArb: fc.Arbitrary<Program> = fc
  .record({
    root: fc.array(fc.oneof(scopeArb(2), groupArb(2)), { minLength: 1, maxLength: 2 }),
    cancels: fc.array(fc.record({ target: fc.nat({ max: 9 }), at: fc.integer({ min: 0, max: 15 }), passes: fc.integer({ min: 0, max: 3 }) }), {
      maxLength: 3,
    }),
    mix: fc.array(fc.constantFrom<Style>('generator', 'async'), { minLength: 64, maxLength: 64 }),
  })
  .map((p) => {
    const n = { node: 0, task: 1 };
    const root = structuredClone(p.root); // (fast-check may share values between cases)
    number(root, n);
    return { ...p, root, tasks: n.task };
  });

// ---- the model's static part ----------------------------------------------------------------------

/** Every op list below `ops` (kids, group blocks, scope and timeout bodies), `ops` included. */
function* lists(ops: Op[]): Generator<Op[]> {
  yield ops;
  for (const op of ops) {
    if (op.k === 'group') for (const kid of op.kids) yield* lists(kid.ops);
    if ('body' in op) yield* lists(op.body);
  }
}

const hasShield = (ops: Op[]): boolean => [...lists(ops)].some((l) => l.some((op) => op.k === 'scope' && op.shield));

/** An upper bound of the virtual time `ops` take: every sleep, in sequence. */
function bound(ops: Op[]): number {
  let t = 0;
  for (const op of ops) {
    if (op.k === 'sleep') t += op.d;
    else if (op.k === 'swallow') t += op.d * (op.times + 1);
    else if (op.k === 'throw') continue;
    else t += bound(op.body) + (op.k === 'group' ? op.kids.reduce((s, kid) => s + bound(kid.ops), 0) : 0);
  }
  return t;
}

interface ScopeInfo {
  op: ScopeOp;
  /** The scopes whose cancellation reaches inside it, innermost first: itself, then out to the nearest shield. */
  visible: ScopeOp[];
  shieldInside: boolean;
}

/** Every scope of the program with its enclosing chain (through the scopes a group's kids inherit). */
function analyse(ops: Op[], outer: ScopeOp[] = [], out = new Map<number, ScopeInfo>()): Map<number, ScopeInfo> {
  for (const op of ops) {
    if (op.k === 'scope') {
      const chain = [op, ...outer];
      const stop = chain.findIndex((s) => s.shield);
      out.set(op.id, { op, visible: stop < 0 ? chain : chain.slice(0, stop + 1), shieldInside: hasShield(op.body) });
      analyse(op.body, chain, out);
    } else if (op.k === 'group') {
      for (const kid of op.kids) analyse(kid.ops, outer, out);
      analyse(op.body, outer, out);
    } else if ('body' in op) analyse(op.body, outer, out);
  }
  return out;
}

// ---- running a program ----------------------------------------------------------------------------

interface ScopeRec {
  entry: number;
  exit: number;
  scope: CancelScope | null;
  threw: boolean;
  error: unknown;
  /** Sequence numbers (RunLog.seq) of the scope's cancellation (its signal's abort) and of its body's end. */
  cancelSeq: number;
  bodyEndSeq: number;
  /** When cancelled, its task was in a sleep inside it (not under a shield inside it) that had not ended yet. */
  reached: boolean;
}

/** Where a body runs: its task, and the scopes around it (those its task inherited first). */
interface At {
  task: number;
  path: ScopeOp[];
}

interface RunLog {
  scopes: Map<number, ScopeRec>;
  tasks: Map<number, Task<unknown>>;
  /** Swallowed CancelledErrors: the task, a sequence number, whether it was a scope's. */
  swallows: Array<{ task: number; seq: number; scope: boolean }>;
  /** Successful outside cancel() calls. */
  requests: Array<{ task: number; seq: number }>;
  booms: Boom[];
  /** The kids whose body began to run. */
  started: Set<number>;
  /** The sleep each task is in (set while it waits), with the scopes around it. */
  sleeping: Map<number, { fut: Future<unknown>; path: ScopeOp[] }>;
  violations: string[];
  seq: number;
}

const now = (): number => getRunningLoop().time();
const SCOPE_MSG = 'cancelled by a cancel scope';

async function execute(prog: Program, styleOf: (id: number) => Style, eager = false) {
  const log: RunLog = { scopes: new Map(), tasks: new Map(), swallows: [], requests: [], booms: [], started: new Set(), sleeping: new Map(), violations: [], seq: 0 };

  function* seq(ops: Op[], style: Style, at: At): Prog<void> {
    for (const op of ops) yield* one(op, style, at);
  }

  /** sleep(d), recorded in `log.sleeping` while it waits. */
  function* sleeping(style: Style, d: number, at: At): Prog<void> {
    const fut = sleep(d);
    log.sleeping.set(at.task, { fut, path: at.path });
    try {
      yield* aw(style, fut);
    } finally {
      log.sleeping.delete(at.task);
    }
  }

  function* one(op: Op, style: Style, at: At): Prog<void> {
    switch (op.k) {
      case 'sleep':
        return yield* sleeping(style, op.d, at);
      case 'swallow':
        for (let left = op.times; ; left--) {
          try {
            return yield* sleeping(style, op.d, at);
          } catch (e) {
            if (!isCancelledError(e) || left === 0) throw e;
            log.swallows.push({ task: at.task, seq: ++log.seq, scope: e.message === SCOPE_MSG });
          }
        }
      case 'throw': {
        const b = new Boom(`B${log.booms.length}`);
        log.booms.push(b);
        throw b;
      }
      case 'scope':
        return yield* scope(op, style, at);
      case 'group': {
        const bs = styleOf(op.id);
        const tg = new TaskGroup();
        const kids: Task<unknown>[] = [];
        const block = scoped(bs, function* () {
          for (const kid of op.kids) {
            const ks = styleOf(kid.id);
            const t = tg.createTask(
              body(ks, function* () {
                log.started.add(kid.task);
                yield* seq(kid.ops, ks, { task: kid.task, path: at.path });
              }),
              { name: `T${kid.task}` },
            );
            log.tasks.set(kid.task, t);
            kids.push(t);
          }
          yield* seq(op.body, bs, at);
        });
        try {
          return yield* aw(style, tg.run(() => block()));
        } finally {
          const pending = kids.filter((t) => !t.done());
          if (pending.length > 0) log.violations.push(`group ${op.id} exited with ${pending.join(',')} pending`);
        }
      }
      case 'timeout':
      case 'waitFor': {
        const bs = styleOf(op.id);
        if (op.k === 'timeout') return yield* aw(style, timeout(op.t).run(scoped(bs, () => seq(op.body, bs, at))));
        // An async body runs as a scope's future (timeout(null)), not as a bare promise: a promise
        // of an async function running in this task is not one wait but many, and what a timeout
        // over it may assume differs (not modelled here).
        const inner = bs === 'generator' ? (seq(op.body, bs, at) as Coroutine<void>) : timeout(null).run(scoped(bs, () => seq(op.body, bs, at)));
        return yield* aw(style, waitFor(inner, op.t));
      }
    }
  }

  function* scope(op: ScopeOp, style: Style, at: At): Prog<void> {
    const bs = styleOf(op.id);
    const rec: ScopeRec = { entry: NaN, exit: NaN, scope: null, threw: false, error: undefined, cancelSeq: Infinity, bodyEndSeq: Infinity, reached: false };
    const inner: At = { task: at.task, path: [...at.path, op] };
    const onCancel = (): void => {
      rec.cancelSeq = ++log.seq;
      const w = log.sleeping.get(at.task);
      // (Under a shield inside the scope, or ended and not yet resumed: not certain to be reached.)
      rec.reached = w !== undefined && !w.fut.done() && w.path.includes(op) && !w.path.slice(w.path.indexOf(op) + 1).some((s) => s.shield);
    };
    log.scopes.set(op.id, rec);
    const inside = (s: CancelScope): Coroutine<void> | Promise<void> => {
      rec.scope = s;
      rec.entry = now();
      if (op.kind !== 'cancel' && op.shield) s.shield = true;
      if (s.signal.aborted) {
        // Cancelled before it was entered: its first wait meets that, if the body starts with one.
        rec.cancelSeq = ++log.seq;
        rec.reached = op.body[0]!.k === 'sleep' || op.body[0]!.k === 'swallow';
      } else s.signal.addEventListener('abort', onCancel);
      if (op.cancelAt !== null && (op.cancelAt >= 0 || op.kind !== 'cancel')) getRunningLoop().callLater(Math.max(0, op.cancelAt), () => s.cancel());
      return scoped(bs, function* () {
        try {
          yield* seq(op.body, bs, inner);
        } finally {
          rec.bodyEndSeq = ++log.seq;
        }
      })();
    };
    let fut: Future<unknown>;
    if (op.kind === 'cancel') {
      const sc = new CancelScope({ deadline: op.deadline === null ? null : now() + op.deadline, shield: op.shield });
      if (op.cancelAt === -1) sc.cancel();
      fut = sc.run(inside);
    } else fut = (op.kind === 'moveOn' ? moveOnAfter : failAfter)(op.deadline!, inside);
    try {
      const v = yield* aw(style, fut);
      if (v !== undefined) log.violations.push(`scope ${op.id} resolved to ${String(v)}`);
    } catch (e) {
      rec.threw = true;
      rec.error = e;
      throw e;
    } finally {
      rec.exit = now();
    }
  }

  const rootStyle = styleOf(-1);
  const r = await runScenario({
    bodies: [
      body(rootStyle, function* () {
        if (eager) getRunningLoop().setTaskFactory(eagerTaskFactory);
        const root = currentTask()!;
        log.tasks.set(0, root);
        root.addDoneCallback((t) => void (t.cancelled() || t.exception())); // (its failure is read; checked below)
        yield* seq(prog.root, rootStyle, { task: 0, path: [] });
      }),
      // The outside cancellations.
      async () => {
        const loop = getRunningLoop();
        for (const c of prog.cancels) {
          const step = (left: number): void => {
            if (left > 0) return void loop.callSoon(step, left - 1);
            const i = c.target % prog.tasks;
            const t = log.tasks.get(i);
            if (t !== undefined && t.cancel('outside')) log.requests.push({ task: i, seq: ++log.seq });
          };
          loop.callLater(c.at, step, c.passes);
        }
      },
    ],
    limitMs: 400,
  });
  return { r, log };
}

// ---- checking a run against the model ------------------------------------------------------------

function flatten(e: unknown, out: unknown[] = []): unknown[] {
  if (e instanceof ExceptionGroup) for (const x of e.errors) flatten(x, out);
  else out.push(e);
  return out;
}

function show(e: unknown): string {
  if (e === undefined) return 'ok';
  if (e instanceof ExceptionGroup) return `EG(${e.errors.map(show).join(',')})`;
  if (isCancelledError(e)) return `Cancelled(${e.message})`;
  if (e instanceof Error) return `${e.name}(${e.message})`;
  return String(e);
}

const taskOutcome = (t: Task<unknown>): string => (!t.done() ? 'pending' : t.cancelled() ? 'cancelled' : show(t.exception()));

/** The violations of the model's promises 1–6 by one run. */
function check(prog: Program, infos: Map<number, ScopeInfo>, r: Awaited<ReturnType<typeof execute>>['r'], log: RunLog): string[] {
  const v = [...log.violations];
  // 1. The run ends in time; every task is done.
  if (r.stuck.length > 0) v.push(`stuck tasks ${r.stuck}`);
  for (const [i, t] of log.tasks) if (!t.done()) v.push(`T${i} pending after the run`);
  const limit = bound(prog.root) + 1; // (+1: the watchdog's step)
  if (r.endTime > limit) v.push(`the run ended at ${r.endTime}, after the bound ${limit}`);

  // 2 and 3: each scope entered.
  const ownCancel = (s: ScopeOp, rec: ScopeRec): number =>
    rec.entry + Math.min(s.deadline ?? Infinity, s.cancelAt === null ? Infinity : Math.max(0, s.cancelAt));
  for (const [id, info] of infos) {
    const rec = log.scopes.get(id);
    if (rec === undefined || Number.isNaN(rec.entry)) continue;
    const where = `scope ${id} (entered ${rec.entry}, exited ${rec.exit})`;
    if (!info.shieldInside) {
      const first = Math.min(...info.visible.map((s) => ownCancel(s, log.scopes.get(s.id)!)));
      if (rec.exit > Math.max(rec.entry, first)) v.push(`${where} exited after the first cancellation reaching it, at ${first}`);
    }
    const caught = rec.scope!.cancelledCaught;
    const ownTimeout = info.op.kind === 'fail' && rec.error instanceof TimeoutError && rec.error.message === 'failAfter: the deadline passed';
    if (caught && !(rec.cancelSeq < rec.bodyEndSeq)) v.push(`${where} caught a cancellation that came after its body ended`);
    if (rec.reached && !info.shieldInside && (!rec.threw || ownTimeout) && !caught) v.push(`${where} was cancelled while waiting inside, exited cleanly, did not catch`);
    if (caught && (info.op.kind === 'fail' ? !ownTimeout : rec.threw)) v.push(`${where} caught, yet its run() ended ${show(rec.error)}`);
  }

  // 5. Nothing reaches the exception handler but what DESIGN §4 asks for: a failure that a cancel
  // pre-empted (the task was cancelled after its wait failed, before it resumed) is reported.
  const lost: unknown[] = [];
  for (const c of r.reported) {
    if (/^The event loop was blocked for/.test(c.message)) continue; // (real time: a busy machine)
    if (/was cancelled before it could receive the error of/.test(c.message) && !isCancelledError(c.exception)) lost.push(...flatten(c.exception));
    else v.push(`reported: ${c.message}: ${show(c.exception)}`);
  }

  // 4. Every Boom reaches the root (or such a report) once; no ExceptionGroup holds a CancelledError.
  const rootError = r.outcomes[0]!.error;
  const found = [...flatten(rootError), ...lost];
  const nested = rootError instanceof ExceptionGroup ? found : [];
  if (nested.some(isCancelledError)) v.push(`an ExceptionGroup holds a CancelledError: ${show(rootError)}`);
  for (const b of log.booms) {
    const n = found.filter((x) => x === b).length;
    if (n !== 1) v.push(`${b.message} reached the root ${n} times (root: ${show(rootError)})`);
  }
  for (const x of nested) if (!(x instanceof Boom) && !(x instanceof TimeoutError)) v.push(`unexpected error in the root's group: ${show(x)}`);

  // 6. A task cancelled from outside ends cancelled or failed unless it swallowed a task cancellation.
  for (const req of log.requests) {
    const t = log.tasks.get(req.task)!;
    if (!t.done() || t.cancelled() || t.exception() !== undefined) continue;
    if (!log.swallows.some((s) => s.task === req.task && !s.scope && s.seq > req.seq)) v.push(`T${req.task} was cancelled (#${req.seq}) but returned`);
  }
  return v;
}

/** What the style runs must agree on. */
function summary(prog: Program, log: RunLog, rootError: unknown): string[] {
  const s = [`root ${show(rootError)}`];
  for (const [id, rec] of [...log.scopes].sort((a, b) => a[0] - b[0])) {
    s.push(`scope ${id} ${rec.entry}..${rec.exit} caught=${rec.scope?.cancelledCaught} ${rec.threw ? show(rec.error) : 'ok'}`);
  }
  for (let i = 1; i < prog.tasks; i++) {
    const t = log.tasks.get(i);
    if (t !== undefined) s.push(`T${i} ${taskOutcome(t)}`);
  }
  return s;
}

async function checkProgram(prog: Program): Promise<void> {
  const infos = analyse(prog.root);
  const mixed = (id: number): Style => prog.mix[(id + 64) % 64]!;
  const runs = [
    ['generator', await execute(prog, () => 'generator')],
    ['async', await execute(prog, () => 'async')],
    ['mixed', await execute(prog, mixed)],
    ['mixed eager', await execute(prog, mixed, true)],
  ] as const;
  for (const [name, { r, log }] of runs) {
    expect(check(prog, infos, r, log), `${name} run`).toEqual([]);
  }
  const started = runs.map(([, { log }]) => [...log.started].sort().join());
  expect(started.slice(1, 3), 'the kids that started, per run').toEqual([started[0], started[0]]);
  const [gen, asy, mix] = runs.map(([, { r, log }]) => summary(prog, log, r.outcomes[0]!.error));
  expect(asy, 'async run vs generator run').toEqual(gen);
  expect(mix, 'mixed run vs generator run').toEqual(gen);
}

describe('cancel scopes around TaskGroups under random programs and cancellations', () => {
  it('every run ends, scopes exit by their cancellation and catch exactly their own, errors reach the root, cancelled tasks end cancelled', async () => {
    await fc.assert(fc.asyncProperty(programArb, checkProgram), fcOptions(50));
  });
});
