// Cancel twice, 0, 1 or 2 passes after the event that ends a task's wait (a put, a release, a set,
// a notify, the barrier's last party, the future a timeout scope or a TaskGroup body awaits): the
// outcome, the cancel count and what the primitive holds afterwards, in both styles, against
// CPython 3.13's asyncio (each expected line is asyncio's, from
// scripts/differential/repros/c12_cancel_twice_after_wake_table.py; both styles give the same).
// Once the waiter is done and before the task resumed, both cancels are pending cancels and the
// latest message wins; a cancel after the resumption finds nothing to cancel.
import { describe, it, expect } from 'vitest';
import { Barrier, Condition, Event, FIRST_COMPLETED, Lock, Queue, Semaphore, TaskGroup, asCompleted, createTask, gather, getRunningLoop, shield, sleep, timeout, wait, waitFor, type Future, type TaskBody } from 'tulip';
import { STYLES, runVirtual, styled } from '../support.js';

type Kind = 'queue-get' | 'queue-put' | 'lock' | 'sem' | 'event' | 'cond' | 'barrier' | 'timeout-body' | 'tg-body';
type AnyKind = Kind | 'wait' | 'asCompleted' | 'gather' | 'shield' | 'waitFor' | 'future' | 'sleep';

/** asyncio's outcome after 0, 1 and 2 passes: result, cancelling(), queue size, lock and semaphore. */
const TWO_CANCELS: Record<Kind, [string, string, string]> = {
  'queue-get': ['got CancelledError(B) 2 q=1 lock=false sem=true', 'value 0 q=0 lock=false sem=true', 'value 0 q=0 lock=false sem=true'],
  'queue-put': ['got CancelledError(B) 2 q=0 lock=false sem=true', 'value 0 q=1 lock=false sem=true', 'value 0 q=1 lock=false sem=true'],
  'lock': ['got CancelledError(B) 2 q=0 lock=false sem=true', 'value 0 q=0 lock=true sem=true', 'value 0 q=0 lock=true sem=true'],
  'sem': ['got CancelledError(B) 2 q=0 lock=false sem=false', 'value 0 q=0 lock=false sem=true', 'value 0 q=0 lock=false sem=true'],
  'event': ['got CancelledError(B) 2 q=0 lock=false sem=true', 'value 0 q=0 lock=false sem=true', 'value 0 q=0 lock=false sem=true'],
  'cond': ['got CancelledError(B) 2 q=0 lock=false sem=true', 'value 0 q=0 lock=false sem=true', 'value 0 q=0 lock=false sem=true'],
  'barrier': ['got CancelledError(A) 2 q=0 lock=false sem=true', 'got CancelledError(B) 2 q=0 lock=false sem=true', 'value 0 q=0 lock=false sem=true'],
  'timeout-body': ['got CancelledError(B) 2 q=0 lock=false sem=true', 'value 0 q=0 lock=false sem=true', 'value 0 q=0 lock=false sem=true'],
  'tg-body': ['got CancelledError(A) 2 q=0 lock=false sem=true', 'got CancelledError(A) 2 q=0 lock=false sem=true', 'got CancelledError(B) 2 q=0 lock=false sem=true'],
};


/**
 * asyncio's outcome of cancel('A') then uncancel() before the event (-1: the waiter is cancelled,
 * the cancel stays), and 0 and 1 passes after it: result, uncancel()'s count, cancelling(), state.
 */
const CANCEL_UNCANCEL: Record<AnyKind, [string, string, string]> = {
  'queue-get': ['got CancelledError(A) 0 0 q=1 lock=false sem=true', 'value 0 0 q=0 lock=false sem=true', 'value 0 0 q=0 lock=false sem=true'],
  'queue-put': ['got CancelledError(A) 0 0 q=0 lock=false sem=true', 'value 0 0 q=1 lock=false sem=true', 'value 0 0 q=1 lock=false sem=true'],
  'lock': ['got CancelledError(A) 0 0 q=0 lock=false sem=true', 'value 0 0 q=0 lock=true sem=true', 'value 0 0 q=0 lock=true sem=true'],
  'sem': ['got CancelledError(A) 0 0 q=0 lock=false sem=false', 'value 0 0 q=0 lock=false sem=true', 'value 0 0 q=0 lock=false sem=true'],
  'event': ['got CancelledError(A) 0 0 q=0 lock=false sem=true', 'value 0 0 q=0 lock=false sem=true', 'value 0 0 q=0 lock=false sem=true'],
  'cond': ['got CancelledError(A) 0 0 q=0 lock=false sem=true', 'value 0 0 q=0 lock=false sem=true', 'value 0 0 q=0 lock=false sem=true'],
  'barrier': ['got CancelledError(A) 0 0 q=0 lock=false sem=true', 'got CancelledError(A) 0 0 q=0 lock=false sem=true', 'value 0 0 q=0 lock=false sem=true'],
  'timeout-body': ['got CancelledError(A) 0 0 q=0 lock=false sem=true', 'value 0 0 q=0 lock=false sem=true', 'value 0 0 q=0 lock=false sem=true'],
  'tg-body': ['got CancelledError(A) 0 0 q=0 lock=false sem=true', 'got CancelledError(A) 0 0 q=0 lock=false sem=true', 'got CancelledError(A) 0 0 q=0 lock=false sem=true'],
  'wait': ['got CancelledError(A) 0 0 q=0 lock=false sem=true', 'got CancelledError(A) 0 0 q=0 lock=false sem=true', 'value 0 0 q=0 lock=false sem=true'],
  'asCompleted': ['got CancelledError(A) 0 0 q=0 lock=false sem=true', 'got CancelledError(A) 0 0 q=0 lock=false sem=true', 'value 0 0 q=0 lock=false sem=true'],
  'gather': ['got CancelledError(A) 0 0 q=0 lock=false sem=true', 'value 0 0 q=0 lock=false sem=true', 'value 0 0 q=0 lock=false sem=true'],
  'shield': ['got CancelledError(A) 0 0 q=0 lock=false sem=true', 'got CancelledError(A) 0 0 q=0 lock=false sem=true', 'value 0 0 q=0 lock=false sem=true'],
  'waitFor': ['got CancelledError(A) 0 0 q=0 lock=false sem=true', 'value 0 0 q=0 lock=false sem=true', 'value 0 0 q=0 lock=false sem=true'],
  'future': ['got CancelledError(A) 0 0 q=0 lock=false sem=true', 'value 0 0 q=0 lock=false sem=true', 'value 0 0 q=0 lock=false sem=true'],
  'sleep': ['got CancelledError(A) 0 0 q=0 lock=false sem=true', 'value 0 0 q=0 lock=false sem=true', 'value 0 0 q=0 lock=false sem=true'],
};

function setUp(kind: AnyKind) {
  const q = new Queue<number>(kind === 'queue-put' ? 1 : 0);
  const lock = new Lock();
  const sem = new Semaphore(0);
  const ev = new Event();
  const cond = new Condition();
  const bar = new Barrier(2);
  const f = getRunningLoop().createFuture<number>();
  const g = getRunningLoop().createFuture<number>();
  if (kind === 'queue-put') q.putNowait(0);
  const op = (): Future<unknown> => {
    switch (kind) {
      case 'queue-get':
        return q.get();
      case 'queue-put':
        return q.put(1);
      case 'lock':
        return lock.acquire();
      case 'sem':
        return sem.acquire();
      case 'event':
        return ev.wait();
      case 'cond':
        return cond.run(async () => {
          await cond.wait();
        });
      case 'barrier':
        return bar.wait();
      case 'timeout-body':
        return timeout(1000).run(async () => {
          await f;
        });
      case 'tg-body':
        return new TaskGroup().run(async (tg) => {
          tg.createTask(async () => {
            await f;
          });
        });
      case 'wait':
        return wait([f, g], { returnWhen: FIRST_COMPLETED });
      case 'asCompleted':
        return asCompleted([f, g])[Symbol.iterator]().next().value!;
      case 'gather':
        return gather([f]);
      case 'shield':
        return shield(f);
      case 'waitFor':
        return waitFor(f, 1000);
      case 'future':
        return f;
      case 'sleep':
        return sleep(10);
    }
  };
  const end = async (): Promise<void> => {
    switch (kind) {
      case 'queue-get':
        return q.putNowait(1);
      case 'queue-put':
        return void q.getNowait();
      case 'lock':
        return lock.release();
      case 'sem':
        return sem.release();
      case 'event':
        return ev.set();
      case 'cond':
        return cond.run(async () => cond.notify());
      case 'barrier':
        return void createTask(() => bar.wait());
      case 'sleep':
        return sleep(10);
      default:
        if (!f.done()) f.setResult(1);
    }
  };
  const state = (): string => `q=${q.qsize()} lock=${lock.locked()} sem=${sem.locked()}`;
  return { lock, op, end, state };
}

const describeError = (e: unknown): string => `got ${(e as Error).name}(${(e as Error).message})`;

/** The task under test: runs `op()` and says how it ended. */
const waiting = (style: (typeof STYLES)[number], op: () => Future<unknown>): TaskBody<string> =>
  styled(
    style,
    function* () {
      try {
        yield* op();
        return 'value';
      } catch (e) {
        return describeError(e);
      }
    },
    async () => {
      try {
        await op();
        return 'value';
      } catch (e) {
        return describeError(e);
      }
    },
  );

describe('cancel(A) then cancel(B) after the event that ends a wait', () => {
  for (const kind of Object.keys(TWO_CANCELS) as Kind[]) {
    for (const style of STYLES) {
      for (const passes of [0, 1, 2] as const) {
        it(`[${style}] ${kind}, ${passes} pass(es) later: ${TWO_CANCELS[kind][passes]}`, () =>
          runVirtual(async () => {
            const { lock, op, end, state } = setUp(kind);
            if (kind === 'lock') await lock.acquire();
            const t = createTask(waiting(style, op));
            await sleep(0);
            await sleep(0); // t waits
            await end();
            for (let i = 0; i < passes; i++) await sleep(0);
            t.cancel('A');
            t.cancel('B');
            const r = await t;
            expect(`${r} ${t.cancelling()} ${state()}`).toBe(TWO_CANCELS[kind][passes]);
          }));
      }
    }
  }
});

describe('cancel(A) then uncancel() before the event that ends a wait, or after it', () => {
  // Before: the waiter is cancelled and stays so. After, before the task resumed: the request was
  // only pending, and uncancel() takes it back: the task gets its value (and the item or unit).
  for (const kind of Object.keys(CANCEL_UNCANCEL) as AnyKind[]) {
    for (const style of STYLES) {
      for (const [i, passes] of [-1, 0, 1].entries()) {
        const when = passes < 0 ? 'before the event' : `${passes} pass(es) after it`;
        it(`[${style}] ${kind}, ${when}: ${CANCEL_UNCANCEL[kind][i]}`, () =>
          runVirtual(async () => {
            const { lock, op, end, state } = setUp(kind);
            if (kind === 'lock') await lock.acquire();
            const t = createTask(waiting(style, op));
            await sleep(0);
            await sleep(0); // t waits
            if (passes >= 0) {
              await end();
              for (let k = 0; k < passes; k++) await sleep(0);
            }
            t.cancel('A');
            const left = t.uncancel();
            if (passes < 0) await end();
            const r = await t;
            expect(`${r} ${left} ${t.cancelling()} ${state()}`).toBe(CANCEL_UNCANCEL[kind][i]);
          }));
      }
    }
  }
});
