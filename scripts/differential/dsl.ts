// The tiny DSL of the differential tester: a program is a list of task bodies plus a main body,
// each a list of steps. interp_tulip.ts runs it on tulip (generator and async style),
// interp_asyncio.py on Python asyncio; both write the same trace lines ("<time> <who>: <text>").

/** A step's target: a spawned task (slot `s`) or an inline body (`b`: a coroutine, run as asyncio would). */
export type Target = { s: number } | { b: number; same?: boolean };

export type Step =
  | { op: 'log'; l: string }
  | { op: 'sleep'; ms: number }
  | { op: 'ret'; v: number }
  | { op: 'raise'; m: string }
  | { op: 'spawn' | 'tgSpawn'; b: number; s: number; cb?: boolean; eager?: boolean }
  | { op: 'cancel'; s: number; m?: string | null }
  | ({ op: 'await' } & Target)
  | { op: 'state'; s: number }
  | { op: 'cancelling' }
  | { op: 'uncancel' }
  /** loop.call_soon (h: keep the Handle in handle slot h; act: a step the callback runs, no waiting). */
  | { op: 'callSoon'; l: string; h?: number | null; act?: Step | null }
  /** loop.call_later(ms) or, with `at`, loop.call_at(time() + ms) (ms may be negative for call_at). */
  | { op: 'callLater'; ms: number; l: string; h?: number | null; at?: boolean; act?: Step | null }
  /** Handle.cancel() of handle slot h (logs cancelled() before). */
  | { op: 'hCancel'; h: number }
  /** loop.create_future() into slot s (slots hold tasks or futures). */
  | { op: 'newFut'; s: number }
  | { op: 'futSet'; s: number; v: number }
  | { op: 'futErr'; s: number; m: string }
  /** gather(...) / shield(...) kept in slot s, not awaited. */
  | { op: 'gatherF'; items: Target[]; re?: boolean; s: number }
  | { op: 'shieldF'; t: Target; s: number }
  /** add_done_callback / remove_done_callback of shared callback c (0..2) on slot s. */
  | { op: 'addCb' | 'rmCb'; s: number; c: number }
  /** Logs expired() and when() of the innermost timeout() scope. */
  | { op: 'expired' }
  /** create_task in the TaskGroup registered as g (from any task); tgCancel: TaskGroup.cancel() (3.15). */
  | { op: 'tgAdd'; g: number; b: number; s: number }
  | { op: 'tgCancel'; g: number }
  /** Starts a task that logs `tick i` once per loop pass, n times. */
  | { op: 'ticker'; n: number }
  /** Reschedules the innermost timeout() scope to now + d (null: never). */
  | { op: 'reschedule'; d: number | null }
  /** asCompleted over slots, logging each result; aiter: asyncio's `async for` form. */
  | { op: 'asCompleted'; ss: number[]; to?: number | null; aiter?: boolean }
  | { op: 'gather'; items: Target[]; re?: boolean }
  | { op: 'wait'; ss: number[]; rw: 'FIRST_COMPLETED' | 'FIRST_EXCEPTION' | 'ALL_COMPLETED'; to?: number | null }
  | ({ op: 'waitFor'; to: number | null } & Target)
  | ({ op: 'shield' } & Target)
  /** at: timeoutAt(time() + ms) instead of timeout(ms). */
  | { op: 'timeout'; ms: number | null; body: Step[]; at?: boolean }
  | { op: 'try'; body: Step[]; catch?: 'error' | 'cancel' | 'any' | null; rethrow?: boolean; fin?: Step[] | null }
  /** g: register the group as g (for tgAdd / tgCancel from elsewhere). */
  | { op: 'tg'; body: Step[]; g?: number }
  | { op: 'lock' | 'sem'; i: number; body: Step[] }
  | { op: 'acquire' | 'release' | 'locked'; k: 'lock' | 'sem' | 'cond'; i: number }
  | { op: 'evWait' | 'evSet' | 'evClear'; i: number }
  | { op: 'condWait'; i: number }
  | { op: 'condWaitFor'; i: number; k: number }
  | { op: 'condNotify'; i: number; n?: number | null; bump?: boolean }
  | { op: 'barWait' | 'barReset' | 'barAbort' | 'barState'; i: number }
  | { op: 'put' | 'putNowait'; q: number; v: number }
  | { op: 'get' | 'getNowait' | 'taskDone' | 'join' | 'qsize'; q: number }
  | { op: 'shutdown'; q: number; imm?: boolean };

export interface Prims {
  lock?: number;
  event?: number;
  cond?: number;
  /** [initial value, bounded?] */
  sem?: [number, boolean][];
  /** parties */
  barrier?: number[];
  /** [kind, maxsize] */
  queue?: ['fifo' | 'lifo' | 'prio', number][];
}

export interface Program {
  prims: Prims;
  bodies: Step[][];
  main: Step[];
  /** A task targeting itself (await/gather/wait of its own slot) gets Boom('self S<n>') instead,
   *  and a task cancelling itself skips it. */
  noSelf?: boolean;
  /** Known tulip differences the tulip side steps around (run.ts --known). */
  known?: string[];
  /** Every task starts eagerly: the loop's task factory is the eager one (run.ts --eager). */
  eager?: boolean;
}

export interface RunResult {
  trace: string[];
  outcome: string;
  reports: string[];
}

/** Virtual ms after which the watchdog cancels the main task (ends deadlocked programs). */
export const WATCHDOG = 100000;

/** The scoped steps and their nested bodies (for generators, shrinkers and printers). */
export function childLists(st: Step): Step[][] {
  const out: Step[][] = [];
  if ('body' in st && Array.isArray(st.body)) out.push(st.body);
  if (st.op === 'try' && st.fin) out.push(st.fin);
  return out;
}
