// Random nestings of timeout(), moveOnAfter(), failAfter(), waitFor(), TaskGroup blocks, shielded
// cancel scopes and asyncio's shield() around a body that waits (a virtual day),
// with deadlines chosen from two values so that several expire in the same loop pass, checked
// against a model: at the earliest deadline, the outermost construct that expires then wins (Trio's
// rule for cancel scopes, asyncio's for nested timeouts). A winning timeout, failAfter or waitFor
// raises TimeoutError (wrapped in an ExceptionGroup by each TaskGroup around it), a winning
// moveOnAfter returns undefined; every construct inside it that expired too stays silent; the task
// is left uncancelled. A shield holds back the deadlines outside it, and as nothing waits after the
// shield exits, only the layers inside the innermost shield decide; shield() is a task boundary,
// whose wait is cancelled by a deadline outside it unless the inner task ends first. Both styles.
import { describe, expect, it } from 'vitest';
import { CancelScope, ExceptionGroup, TaskGroup, TimeoutError, createTask, currentTask, failAfter, moveOnAfter, shield, sleep, timeout, waitFor, type Coroutine } from 'tulip';
import { prng, runVirtual, type Style } from './helpers.js';

type Kind = 'timeout' | 'moveOnAfter' | 'failAfter' | 'waitFor' | 'group' | 'shield' | 'ashield';
interface Layer {
  kind: Kind;
  delay: number;
}

const FOREVER = 86_400_000;

/** Wraps `inner` in one layer, in the given style. */
function wrap(layer: Layer, style: Style, inner: () => Coroutine<unknown> | Promise<unknown>): () => Coroutine<unknown> | Promise<unknown> {
  const body = style === 'generator' ? () => inner() : async () => await inner();
  if (layer.kind === 'timeout') return () => timeout(layer.delay).run(body);
  if (layer.kind === 'group') return () => new TaskGroup().run(body); // no deadline: transparent
  if (layer.kind === 'shield') return () => new CancelScope({ shield: true }).run(body); // no deadline
  // asyncio's shield(): the rest runs in a task of its own; what gets cancelled is the wait on it.
  if (layer.kind === 'ashield') return () => shield(style === 'generator' ? (body() as Coroutine<unknown>) : createTask(body as () => Promise<unknown>));
  if (layer.kind === 'moveOnAfter') return () => moveOnAfter(layer.delay, body);
  // In the async style waitFor gets a task, as asyncio's wait_for makes one of a coroutine: a
  // promise would already be running in the waiting task, its scopes entered before waitFor's own.
  if (layer.kind === 'waitFor') {
    return style === 'generator'
      ? () => waitFor(body() as Coroutine<unknown>, layer.delay)
      : () => waitFor(createTask(body as () => Promise<unknown>), layer.delay);
  }
  return () => failAfter(layer.delay, body);
}

const DEADLINES: Kind[] = ['timeout', 'moveOnAfter', 'failAfter', 'waitFor'];

/**
 * What the whole nesting gives: the outermost layer among those with the earliest deadline wins. A
 * TimeoutError raised there is the error of each TaskGroup body around it, so each of those groups
 * wraps it in an ExceptionGroup (as asyncio's does); a cancellation passes through them.
 */
function expected(layers: Layer[]): string {
  return outcomeOf(layers).res;
}

/**
 * The outcome of `layers` (one task's nesting, down to asyncio's shield(), whose rest runs in a task
 * of its own) and the time it is decided. A deadline outside this task's innermost shielded scope is
 * held back, and nothing waits after the shield exits, so it decides nothing. The wait on a shielded
 * task ends when that task does, unless a deadline outside fires first (or at the same time: its
 * timer runs before the inner task's completion reaches this task).
 */
function outcomeOf(layers: Layer[]): { res: string; t: number } {
  const a = layers.findIndex((l) => l.kind === 'ashield');
  const mine = a < 0 ? layers : layers.slice(0, a);
  const inner = a < 0 ? { res: 'undefined', t: FOREVER } : outcomeOf(layers.slice(a + 1));
  const k = mine.map((l) => l.kind).lastIndexOf('shield');
  const timed = mine.filter((l, i) => i > k && DEADLINES.includes(l.kind));
  const first = timed.length === 0 ? Infinity : Math.min(...timed.map((l) => l.delay));
  const groups = (upTo: number): number => mine.slice(0, upTo).filter((l) => l.kind === 'group').length;
  const wrap = (res: string, n: number): string => 'EG('.repeat(n) + res + ')'.repeat(n);
  if (first <= inner.t) {
    const winner = timed.find((l) => l.delay === first)!;
    return { res: winner.kind === 'moveOnAfter' ? 'undefined' : wrap('TimeoutError', groups(mine.indexOf(winner))), t: first };
  }
  return { res: inner.res === 'undefined' ? 'undefined' : wrap(inner.res, groups(mine.length)), t: inner.t };
}

/** An outcome as the model writes it: ExceptionGroups of one error unwrapped as EG(…). */
function outcome(e: unknown): string {
  if (e instanceof ExceptionGroup && e.errors.length === 1) return `EG(${outcome(e.errors[0])})`;
  if (e instanceof TimeoutError) return 'TimeoutError';
  return `${(e as Error).name}: ${(e as Error).message}`;
}

function randomLayers(rand: () => number, style: Style): Layer[] {
  const n = 1 + Math.floor(rand() * 4);
  const kinds: Kind[] = ['timeout', 'moveOnAfter', 'failAfter', 'waitFor', 'group', 'shield', 'ashield'];
  const layers = Array.from({ length: n }, () => ({ kind: kinds[Math.floor(rand() * kinds.length)]!, delay: rand() < 0.5 ? 5 : 10 }));
  if (layers.every((l) => !DEADLINES.includes(l.kind))) layers.push({ kind: 'moveOnAfter', delay: 5 });
  // In the async style waitFor runs the rest in a task of its own: a shield there holds its cancel
  // back, which then cancels that task when its body returns (asyncio's rule for a task whose
  // coroutine ends with a cancel pending), so waitFor raises — a case the model leaves out.
  if (style === 'async') {
    const shieldAt = layers.map((l) => l.kind).lastIndexOf('shield');
    layers.forEach((l, i) => {
      if (l.kind === 'waitFor' && i < shieldAt) l.kind = 'timeout';
    });
  }
  return layers;
}

/** One round: builds the nesting and runs it, from the calling task, in the given style. */
function* roundG(layers: Layer[]): Coroutine<string> {
  let run: () => Coroutine<unknown> | Promise<unknown> = function* () {
    yield* sleep(FOREVER);
  };
  for (let i = layers.length - 1; i >= 0; i--) run = wrap(layers[i]!, 'generator', run);
  try {
    const r = yield* (run() as Coroutine<unknown>);
    return r === undefined ? 'undefined' : `value ${String(r)}`;
  } catch (e) {
    return outcome(e);
  }
}

async function roundA(layers: Layer[]): Promise<string> {
  let run: () => Coroutine<unknown> | Promise<unknown> = async () => {
    await sleep(FOREVER);
  };
  for (let i = layers.length - 1; i >= 0; i--) run = wrap(layers[i]!, 'async', run);
  try {
    const r = await (run() as PromiseLike<unknown>);
    return r === undefined ? 'undefined' : `value ${String(r)}`;
  } catch (e) {
    return outcome(e);
  }
}

describe('nested deadlines expiring together: the outermost wins', () => {
  it('generator style: 300 random nestings of timeout, moveOnAfter, failAfter and waitFor (with TaskGroups, shielded scopes and shield()) match the model', () =>
    runVirtual(function* () {
      const rand = prng(4242);
      for (let round = 0; round < 300; round++) {
        const layers = randomLayers(rand, 'generator'); // outermost first
        const layout = layers.map((l) => `${l.kind}(${l.delay})`).join(' > ');
        expect(yield* roundG(layers), layout).toBe(expected(layers));
        expect(currentTask()!.cancelling(), layout).toBe(0);
        expect(yield* sleep(1, 'ok'), layout).toBe('ok'); // nothing left pending on the task
      }
    }));

  it('async style: 300 random nestings of timeout, moveOnAfter, failAfter and waitFor (with TaskGroups, shielded scopes and shield()) match the model', () =>
    runVirtual(async () => {
      const rand = prng(2424);
      for (let round = 0; round < 300; round++) {
        const layers = randomLayers(rand, 'async');
        const layout = layers.map((l) => `${l.kind}(${l.delay})`).join(' > ');
        expect(await roundA(layers), layout).toBe(expected(layers));
        expect(currentTask()!.cancelling(), layout).toBe(0);
        expect(await sleep(1, 'ok'), layout).toBe('ok');
      }
    }));
});
