/**
 * Instrumentation (Trio's `trio.abc.Instrument`): objects whose optional hooks the loop calls as
 * it runs — for profilers, tracers and stall detectors, without patching. With no instrument
 * installed a hook site costs one null check.
 */
import { describe } from '../internal/validate.js';
import type { Task } from '../task.js';
import type { EventLoop } from './eventloop.js';

/**
 * Hooks a loop calls (each optional). `task` hooks receive the task; `beforeIoWait`/`afterIoWait`
 * receive how long the loop means to wait for the host (ms; `Infinity` when nothing is scheduled).
 *
 * For async-function tasks a "step" runs between the resumption of an `await` and the next
 * `await` of a tulip future (or the task's end): `afterTaskStep` is called when that next wait
 * attaches.
 */
export interface Instrument {
  /** The loop starts running (`runForever`, `runUntilComplete`, `run`). */
  beforeRun?(loop: EventLoop): void;
  /** The loop stops running. */
  afterRun?(loop: EventLoop): void;
  /** A task was created. */
  taskSpawned?(task: Task<unknown>): void;
  /** A task became runnable (its first step, or what it awaited is done). */
  taskScheduled?(task: Task<unknown>): void;
  /** A task step is about to run. */
  beforeTaskStep?(task: Task<unknown>): void;
  /** A task step has ended (the task suspended or finished). */
  afterTaskStep?(task: Task<unknown>): void;
  /** A task finished (returned, failed or was cancelled). */
  taskExited?(task: Task<unknown>): void;
  /** Every task is blocked: the loop hands control to Node to wait up to `timeoutMs`. */
  beforeIoWait?(timeoutMs: number): void;
  /** The host woke the loop up after a wait announced by `beforeIoWait`. */
  afterIoWait?(timeoutMs: number): void;
}

/** The hook names, for validation. */
const HOOKS = [
  'beforeRun',
  'afterRun',
  'taskSpawned',
  'taskScheduled',
  'beforeTaskStep',
  'afterTaskStep',
  'taskExited',
  'beforeIoWait',
  'afterIoWait',
] as const;
export type InstrumentHook = (typeof HOOKS)[number];

/** Checks that `i` is an object whose hook members, where present, are functions. */
export function checkInstrument(op: string, i: unknown): Instrument {
  if (i === null || typeof i !== 'object') {
    throw new TypeError(`${op}: instrument must be an object with hook methods, got ${describe(i)}`);
  }
  for (const hook of HOOKS) {
    const h = (i as Record<string, unknown>)[hook];
    if (h !== undefined && typeof h !== 'function') {
      throw new TypeError(`${op}: instrument.${hook} must be a function, got ${describe(h)}`);
    }
  }
  return i as Instrument;
}

/**
 * Calls `hook` on every instrument of `loop` (a snapshot: hooks may add or remove instruments).
 * An instrument that throws is reported to the exception handler and removed; the loop goes on.
 */
export function callInstruments(loop: EventLoop, hook: InstrumentHook, arg: unknown): void {
  const list = loop._instruments;
  if (list === null) return;
  for (const inst of [...list]) {
    const fn = inst[hook] as ((a: unknown) => void) | undefined;
    if (fn === undefined) continue;
    try {
      fn.call(inst, arg);
    } catch (e) {
      loop.removeInstrument(inst);
      loop.callExceptionHandler({
        message: `Instrument ${describe(inst)} raised an exception in ${hook}; it was removed`,
        exception: e,
        instrument: inst,
      });
    }
  }
}
