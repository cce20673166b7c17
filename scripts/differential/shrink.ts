// Greedy shrinking of a mismatching program: keep applying the first simplification that still
// mismatches, until none does.
import type { Program, Step } from './dsl.js';

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

/** Every list of steps in the program (main, bodies, nested bodies), as mutable references. */
function allLists(p: Program): Step[][] {
  const out: Step[][] = [];
  const walk = (xs: Step[]): void => {
    out.push(xs);
    for (const st of xs) {
      if ('body' in st && Array.isArray(st.body)) walk(st.body);
      if (st.op === 'try' && st.fin) walk(st.fin);
    }
  };
  walk(p.main);
  for (const b of p.bodies) walk(b);
  return out;
}

/** Candidate simplifications of `p`, smallest-effect-last (big cuts first). */
export function* candidates(p: Program): Generator<Program> {
  // 1. empty a whole body
  for (let b = 0; b < p.bodies.length; b++) {
    if (p.bodies[b]!.length > 0) {
      const q = clone(p);
      q.bodies[b] = [];
      yield q;
    }
  }
  const nLists = allLists(p).length;
  // 2. remove one step
  for (let li = 0; li < nLists; li++) {
    const len = allLists(p)[li]!.length;
    for (let i = 0; i < len; i++) {
      const q = clone(p);
      allLists(q)[li]!.splice(i, 1);
      yield q;
    }
  }
  // 3. unwrap a scope / simplify a step
  for (let li = 0; li < nLists; li++) {
    const len = allLists(p)[li]!.length;
    for (let i = 0; i < len; i++) {
      const st = allLists(p)[li]![i]!;
      if ('body' in st && Array.isArray(st.body)) {
        const q = clone(p);
        const xs = allLists(q)[li]!;
        xs.splice(i, 1, ...(xs[i] as { body: Step[] }).body);
        yield q;
      }
      const simpler: Array<(s: Step) => boolean> = [
        (s) => s.op === 'try' && s.fin != null && ((s.fin = null), true),
        (s) => s.op === 'try' && s.rethrow === true && ((s.rethrow = false), true),
        (s) => s.op === 'try' && s.catch != null && ((s.catch = null), true),
        (s) => (s.op === 'spawn' || s.op === 'tgSpawn') && s.cb === true && ((s.cb = false), true),
        (s) => s.op === 'tgSpawn' && ((s as Step).op = 'spawn') === 'spawn',
        (s) => s.op === 'cancel' && s.m != null && ((s.m = null), true),
        (s) => s.op === 'sleep' && s.ms > 0 && ((s.ms = s.ms > 1 ? 1 : 0), true),
        (s) => s.op === 'timeout' && s.ms !== null && s.ms > 0 && ((s.ms = s.ms - 1), true),
        (s) => s.op === 'waitFor' && s.to !== null && s.to > 0 && ((s.to = s.to - 1), true),
        (s) => s.op === 'wait' && s.to != null && s.to > 0 && ((s.to = s.to - 1), true),
        (s) => s.op === 'gather' && s.re === true && ((s.re = false), true),
        (s) => s.op === 'gather' && s.items.length > 1 && (s.items.pop(), true),
        (s) => s.op === 'wait' && s.ss.length > 1 && (s.ss.pop(), true),
        (s) => s.op === 'shutdown' && s.imm === true && ((s.imm = false), true),
        (s) => (s.op === 'callSoon' || s.op === 'callLater') && s.act != null && ((s.act = null), true),
        (s) => (s.op === 'callSoon' || s.op === 'callLater') && s.h != null && ((s.h = null), true),
        (s) => s.op === 'callLater' && s.ms > 0 && ((s.ms = s.ms > 1 ? 1 : 0), true),
        (s) => s.op === 'timeout' && s.at === true && (delete s.at, true),
        (s) => s.op === 'tg' && s.g !== undefined && (delete s.g, true),
        (s) => (s.op === 'gather' || s.op === 'gatherF') && s.items.some((x) => 'b' in x && x.same) && ((s.items = s.items.map((x) => ('b' in x ? { b: x.b } : x))), true),
        (s) => s.op === 'gatherF' && s.items.length > 1 && (s.items.pop(), true),
        (s) => s.op === 'gatherF' && s.re === true && ((s.re = false), true),
      ];
      for (const f of simpler) {
        const q = clone(p);
        if (f(allLists(q)[li]![i]!)) yield q;
      }
    }
  }
}

/** Shrinks `p` while `still(p)` holds; returns the smallest program found. */
export async function shrink(p: Program, still: (q: Program) => Promise<boolean>, maxTries = 2000): Promise<Program> {
  let cur = clone(p);
  let tries = 0;
  let progress = true;
  while (progress && tries < maxTries) {
    progress = false;
    for (const q of candidates(cur)) {
      if (++tries > maxTries) break;
      if (await still(q)) {
        cur = q;
        progress = true;
        break;
      }
    }
  }
  return cur;
}

/** Program size (number of steps), for reports. */
export function size(p: Program): number {
  return allLists(p).reduce((n, xs) => n + xs.length, 0);
}
