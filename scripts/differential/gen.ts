// Random DSL programs (dsl.ts), reproducible from a seed. Each program picks a few feature areas
// (always tasks/sleep/cancel/log) so that its steps meet each other often.
import type { Program, Prims, Step, Target } from './dsl.js';

/** mulberry32: a small seeded PRNG. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const AREAS = [
  'gather',
  'wait',
  'waitFor',
  'timeout',
  'shield',
  'try',
  'tg',
  'lock',
  'event',
  'cond',
  'sem',
  'barrier',
  'queue',
  'cancelling',
  'callbacks',
  'asCompleted',
  'futures',
  'handles',
] as const;
export type Area = (typeof AREAS)[number];

class Gen {
  slotCount = 0;
  labels = 0;
  tgCount = 0;
  handleCount = 0;
  prims: Prims = {};
  bodies: Step[][] = [];
  maxDepth: number;
  constructor(
    readonly r: () => number,
    readonly areas: Set<Area>,
    readonly nBodies: number,
  ) {
    this.maxDepth = r() < 0.3 ? 3 : 2;
  }

  int(lo: number, hi: number): number {
    return lo + Math.floor(this.r() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.r() * xs.length)]!;
  }
  chance(p: number): boolean {
    return this.r() < p;
  }
  ms(): number {
    return this.pick([0, 0, 0, 1, 1, 2, 3, 5, 10]);
  }
  label(): string {
    return `L${this.labels++}`;
  }
  /** A slot likely to exist when the step runs (or, rarely, any slot number). */
  slot(): number {
    if (this.slotCount === 0 || this.chance(0.03)) return this.int(1, Math.max(1, this.slotCount + 1));
    return this.int(1, this.slotCount);
  }
  spawnStep(from: number, inTg: boolean): Step | undefined {
    const b = this.body(from);
    if (b === undefined) return undefined;
    const s = ++this.slotCount;
    return { op: inTg && this.chance(0.6) ? 'tgSpawn' : 'spawn', b, s, cb: this.areas.has('callbacks') && this.chance(0.5) };
  }
  /** A body index a step of body `from` may start (a DAG: only later bodies; main: any). */
  body(from: number): number | undefined {
    const lo = from + 1;
    if (lo >= this.nBodies) return undefined;
    return this.int(lo, this.nBodies - 1);
  }
  target(from: number): Target {
    const b = this.body(from);
    if (b !== undefined && this.chance(0.35)) return { b };
    return { s: this.slot() };
  }
  /** gather's items: inline bodies may repeat the previous coroutine object (`same`). */
  items(from: number): Target[] {
    const xs = Array.from({ length: this.int(1, 3) }, () => this.target(from));
    for (let i = 1; i < xs.length; i++) {
      const x = xs[i]!;
      if ('b' in x && this.chance(0.3)) xs[i] = { b: x.b, same: true };
    }
    return xs;
  }
  /** A step that never waits, for loop callbacks (call_soon / call_later actions). */
  actStep(): Step {
    const a = this.areas;
    const xs: Array<() => Step> = [
      () => ({ op: 'log', l: this.label() }),
      () => ({ op: 'cancel', s: this.slot(), m: this.chance(0.5) ? this.label() : null }),
      () => ({ op: 'state', s: this.slot() }),
    ];
    if (a.has('futures')) xs.push(() => ({ op: 'futSet', s: this.slot(), v: this.int(1, 9) }), () => ({ op: 'futErr', s: this.slot(), m: this.label() }));
    if (a.has('event')) xs.push(() => ({ op: 'evSet', i: this.ensurePrim('event') }), () => ({ op: 'evClear', i: this.ensurePrim('event') }));
    if (a.has('queue')) xs.push(() => ({ op: 'putNowait', q: this.queue(), v: this.int(1, 9) }), () => ({ op: 'getNowait', q: this.queue() }), () => ({ op: 'shutdown', q: this.queue(), imm: this.chance(0.5) }));
    if (a.has('lock')) xs.push(() => ({ op: 'release', k: 'lock', i: this.ensurePrim('lock') }));
    if (a.has('sem')) xs.push(() => ({ op: 'release', k: 'sem', i: this.sem() }));
    if (a.has('tg') && this.tgCount > 0) xs.push(() => ({ op: 'tgCancel', g: this.int(0, this.tgCount - 1) }));
    if (this.handleCount > 0) xs.push(() => ({ op: 'hCancel', h: this.int(0, this.handleCount - 1) }));
    return this.pick(xs)();
  }
  ensurePrim(kind: 'lock' | 'event' | 'cond'): number {
    const n = this.prims[kind] ?? 0;
    if (n === 0 || (n < 2 && this.chance(0.2))) {
      this.prims[kind] = n + 1;
      return n;
    }
    return this.int(0, n - 1);
  }
  sem(): number {
    const xs = (this.prims.sem ??= []);
    if (xs.length === 0 || (xs.length < 2 && this.chance(0.2))) xs.push([this.int(1, 2), this.chance(0.5)]);
    return this.int(0, xs.length - 1);
  }
  barrier(): number {
    const xs = (this.prims.barrier ??= []);
    if (xs.length === 0) xs.push(this.int(2, 3));
    return 0;
  }
  queue(): number {
    const xs = (this.prims.queue ??= []);
    if (xs.length === 0 || (xs.length < 2 && this.chance(0.2))) {
      xs.push([this.pick(['fifo', 'fifo', 'lifo', 'prio'] as const), this.pick([0, 0, 1, 2])]);
    }
    return this.int(0, xs.length - 1);
  }

  steps(from: number, depth: number, n: number, inTg: boolean): Step[] {
    const out: Step[] = [];
    for (let i = 0; i < n; i++) out.push(this.step(from, depth, inTg));
    return out;
  }

  /** One random step of body `from` (-1: main) at nesting `depth`. */
  step(from: number, depth: number, inTg: boolean): Step {
    const a = this.areas;
    const choices: Array<[number, () => Step]> = [
      [3, () => ({ op: 'log', l: this.label() })],
      [4, () => ({ op: 'sleep', ms: this.ms() })],
      [from < 0 && depth === 0 ? 0.2 : 0.7, () => ({ op: 'raise', m: this.label() })],
      [from < 0 && depth === 0 ? 0 : 0.5, () => ({ op: 'ret', v: this.int(1, 9) })],
      [
        3,
        () => this.spawnStep(from, inTg) ?? { op: 'log', l: this.label() },
      ],
      [2, () => ({ op: 'cancel', s: this.slot(), m: this.chance(0.5) ? this.label() : null })],
      [2, () => ({ op: 'await', ...this.target(from) })],
      [1, () => ({ op: 'state', s: this.slot() })],
    ];
    const nest = (k: number): Step[] => this.steps(from, depth + 1, this.int(1, k), inTg);
    if (a.has('callbacks')) choices.push([1, () => ({ op: 'callSoon', l: this.label() })]);
    if (a.has('handles')) {
      choices.push(
        [1.5, () => ({ op: 'callSoon', l: this.label(), h: this.chance(0.5) ? this.handleCount++ : null, act: this.chance(0.7) ? this.actStep() : null })],
        [
          2.5,
          () => {
            const at = this.chance(0.3);
            return { op: 'callLater', ms: at && this.chance(0.2) ? -1 : this.ms(), at, l: this.label(), h: this.chance(0.6) ? this.handleCount++ : null, act: this.chance(0.7) ? this.actStep() : null };
          },
        ],
        [1.2, () => ({ op: 'hCancel', h: this.int(0, Math.max(0, this.handleCount - 1)) })],
      );
    }
    if (a.has('futures')) {
      choices.push(
        [2, () => ({ op: 'newFut', s: ++this.slotCount })],
        [1.5, () => ({ op: 'futSet', s: this.slot(), v: this.int(1, 9) })],
        [0.8, () => ({ op: 'futErr', s: this.slot(), m: this.label() })],
        [1.2, () => ({ op: 'addCb', s: this.slot(), c: this.int(0, 2) })],
        [0.8, () => ({ op: 'rmCb', s: this.slot(), c: this.int(0, 2) })],
      );
      if (a.has('gather')) choices.push([1.2, () => ({ op: 'gatherF', items: this.items(from), re: this.chance(0.4), s: ++this.slotCount })]);
      if (a.has('shield')) choices.push([1.2, () => ({ op: 'shieldF', t: this.target(from), s: ++this.slotCount })]);
    }
    if (a.has('tg') && this.tgCount > 0) {
      choices.push(
        [1.2, () => {
          const b = this.body(from);
          return b === undefined ? { op: 'tgCancel', g: this.int(0, this.tgCount - 1) } : { op: 'tgAdd', g: this.int(0, this.tgCount - 1), b, s: ++this.slotCount };
        }],
        [1, () => ({ op: 'tgCancel', g: this.int(0, this.tgCount - 1) })],
      );
    }
    if (a.has('cancelling')) {
      choices.push([1.5, () => ({ op: 'cancelling' })], [0.7, () => ({ op: 'uncancel' })]);
    }
    if (a.has('gather')) {
      choices.push([
        2.5,
        () => ({ op: 'gather', items: this.items(from), re: this.chance(0.4) }),
      ]);
    }
    if (a.has('wait')) {
      choices.push([
        2.5,
        () => ({
          op: 'wait',
          ss: Array.from({ length: this.int(1, 3) }, () => this.slot()),
          rw: this.pick(['FIRST_COMPLETED', 'FIRST_EXCEPTION', 'ALL_COMPLETED'] as const),
          to: this.chance(0.5) ? null : this.int(0, 6),
        }),
      ]);
    }
    if (a.has('waitFor')) {
      choices.push([2.5, () => ({ op: 'waitFor', ...this.target(from), to: this.chance(0.2) ? null : this.pick([0, 0, 1, 2, 3, 5, 10]) })]);
    }
    if (a.has('shield')) choices.push([2, () => ({ op: 'shield', ...this.target(from) })]);
    if (a.has('asCompleted')) {
      choices.push([
        2.5,
        () => ({
          op: 'asCompleted',
          ss: Array.from({ length: this.int(1, 3) }, () => this.slot()),
          to: this.chance(0.6) ? null : this.int(0, 6),
          aiter: this.chance(0.5),
        }),
      ]);
    }
    if (a.has('timeout') && depth > 0) {
      choices.push(
        [1.5, () => ({ op: 'reschedule', d: this.chance(0.2) ? null : this.pick([-1, 0, 1, 2, 5]) })],
        [0.8, () => ({ op: 'expired' })],
      );
    }
    if (depth < this.maxDepth) {
      if (a.has('timeout')) {
        choices.push([
          2.5,
          () => ({ op: 'timeout', ms: this.chance(0.15) ? null : this.pick([0, 1, 2, 3, 5]), ...(this.chance(0.3) ? { at: true } : {}), body: nest(3) }),
        ]);
      }
      if (a.has('try')) {
        choices.push([
          3,
          () => ({
            op: 'try',
            body: nest(3),
            catch: this.pick(['error', 'cancel', 'any', null] as const),
            rethrow: this.chance(0.4),
            fin: this.chance(0.5) ? [{ op: 'log', l: this.label() }, ...(this.chance(0.3) ? [{ op: 'sleep', ms: 0 } as Step] : [])] : null,
          }),
        ]);
      }
      if (a.has('tg')) {
        choices.push([
          2.5,
          () => {
            const g = this.chance(0.6) ? this.tgCount++ : undefined;
            return { op: 'tg', ...(g !== undefined ? { g } : {}), body: this.steps(from, depth + 1, this.int(1, 4), true) };
          },
        ]);
      }
      if (a.has('lock')) choices.push([2, () => ({ op: 'lock', i: this.ensurePrim('lock'), body: nest(2) })]);
      if (a.has('sem')) choices.push([2, () => ({ op: 'sem', i: this.sem(), body: nest(2) })]);
    }
    if (a.has('lock')) {
      choices.push(
        [1, () => ({ op: 'acquire', k: 'lock', i: this.ensurePrim('lock') })],
        [1, () => ({ op: 'release', k: 'lock', i: this.ensurePrim('lock') })],
        [0.5, () => ({ op: 'locked', k: 'lock', i: this.ensurePrim('lock') })],
      );
    }
    if (a.has('sem')) {
      choices.push(
        [1, () => ({ op: 'acquire', k: 'sem', i: this.sem() })],
        [1, () => ({ op: 'release', k: 'sem', i: this.sem() })],
        [0.5, () => ({ op: 'locked', k: 'sem', i: this.sem() })],
      );
    }
    if (a.has('event')) {
      choices.push(
        [2, () => ({ op: 'evWait', i: this.ensurePrim('event') })],
        [1.5, () => ({ op: 'evSet', i: this.ensurePrim('event') })],
        [0.5, () => ({ op: 'evClear', i: this.ensurePrim('event') })],
      );
    }
    if (a.has('cond')) {
      choices.push(
        [1.5, () => ({ op: 'condWait', i: this.ensurePrim('cond') })],
        [1, () => ({ op: 'condWaitFor', i: this.ensurePrim('cond'), k: this.int(1, 2) })],
        [1.5, () => ({ op: 'condNotify', i: this.ensurePrim('cond'), n: this.chance(0.4) ? null : this.int(0, 2), bump: this.chance(0.5) })],
      );
    }
    if (a.has('barrier')) {
      choices.push(
        [2.5, () => ({ op: 'barWait', i: this.barrier() })],
        [0.5, () => ({ op: 'barReset', i: this.barrier() })],
        [0.4, () => ({ op: 'barAbort', i: this.barrier() })],
        [0.5, () => ({ op: 'barState', i: this.barrier() })],
      );
    }
    if (a.has('queue')) {
      choices.push(
        [2, () => ({ op: 'put', q: this.queue(), v: this.int(1, 9) })],
        [1, () => ({ op: 'putNowait', q: this.queue(), v: this.int(1, 9) })],
        [2, () => ({ op: 'get', q: this.queue() })],
        [0.7, () => ({ op: 'getNowait', q: this.queue() })],
        [1, () => ({ op: 'taskDone', q: this.queue() })],
        [0.8, () => ({ op: 'join', q: this.queue() })],
        [0.6, () => ({ op: 'shutdown', q: this.queue(), imm: this.chance(0.5) })],
        [0.5, () => ({ op: 'qsize', q: this.queue() })],
      );
    }
    let total = 0;
    for (const [w] of choices) total += w;
    let x = this.r() * total;
    for (const [w, f] of choices) {
      x -= w;
      if (x <= 0) return f();
    }
    return choices[0]![1]();
  }
}

/** A random program from `seed` (optionally restricted to `onlyAreas`). */
export function generate(seed: number, onlyAreas?: readonly Area[], opts: { allowSelf?: boolean } = {}): Program {
  const r = rng(seed);
  const pool = onlyAreas && onlyAreas.length > 0 ? onlyAreas : AREAS;
  const areas = new Set<Area>();
  const k = 1 + Math.floor(r() * Math.min(4, pool.length));
  while (areas.size < k) areas.add(pool[Math.floor(r() * pool.length)]!);
  const nBodies = 1 + Math.floor(r() * 4);
  const g = new Gen(r, areas, nBodies);
  // Bodies first in reverse so that slot numbers grow with program order roughly; main last.
  const bodies: Step[][] = new Array(nBodies);
  // main: start a few tasks first, then random steps, then (often) wait for the tasks to finish.
  const main: Step[] = [];
  for (let i = g.int(1, 3); i > 0; i--) main.push(g.spawnStep(-1, false)!);
  const middle = g.steps(-1, 0, g.int(2, 7), false);
  // Often catch what the middle raises (logging it), so that the tail still runs.
  if (r() < 0.5) main.push({ op: 'try', body: middle, catch: 'any', rethrow: false, fin: null });
  else main.push(...middle);
  const tail = r();
  if (tail < 0.4) {
    const items = Array.from({ length: g.slotCount }, (_, i) => ({ s: i + 1 }));
    if (items.length > 0) main.push({ op: 'gather', items, re: true });
  } else if (tail < 0.7) main.push({ op: 'sleep', ms: g.pick([0, 1, 5, 20]) });
  // Half the programs run a task that logs every loop pass: pass counts become visible.
  if (r() < 0.5) main.unshift({ op: 'ticker', n: 2 + Math.floor(r() * 12) });
  for (let b = 0; b < nBodies; b++) bodies[b] = g.steps(b, 0, g.int(1, 5), false);
  return { prims: g.prims, bodies, main, ...(opts.allowSelf ? {} : { noSelf: true }) };
}
