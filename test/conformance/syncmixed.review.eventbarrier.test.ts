// Adversarial review of Event and Barrier under mixed load (waiters coming and going, parties
// cancelled around abort() and reset()) against CPython 3.13 asyncio (Lib/asyncio/locks.py).
// Method (logs, pass ticks, style variants): see syncmixed.review.helpers.ts.
// test/conformance/sync.review.test.ts reviews each primitive on its own; this file does not
// repeat it.
import { describe } from 'vitest';
import { Barrier, BrokenBarrierError, CancelledError, Event, createTask, sleep, type Task, type TaskBody } from 'tulip';
import { passCounter, passes, styled, type Style } from './helpers.js';
import { bracket, roleStyle, scenario, soon, waiters, type Log, type Variant } from './syncmixed.review.helpers.js';

// ---- Event ------------------------------------------------------------------------------------

describe('Event: set()/clear()/set() in one callback with waiters coming and going (logs from asyncio 3.13)', () => {
  // asyncio: set() wakes W0..W2; W1 cancelled after that ends cancelled; clear() then set() wake
  // nobody new; W3, created in between, finds the flag set when it first runs; W4, created after a
  // clear() queued behind W3's first step, blocks. Then set(), clear() wake W4, which was
  // cancelled in the same callback (it ends cancelled), while W5, created there, blocks.
  scenario(
    'woken waiters stay woken through clear(); a waiter\'s first step sees the flag as it is then',
    async (v) => {
      const log: Log = [];
      const tick = passCounter();
      const ev = new Event();
      const ws = waiters(v, log, 'W', tick, [0, 1, 2].map(() => () => ev.wait()));
      await passes(1);
      soon(() => {
        ev.set();
        ws[1]!.cancel();
        ev.clear();
        ws.push(...waiters(v, log, 'W', tick, [() => ev.wait()], 3));
        ev.set();
        log.push(['cb', bracket(ev), tick()]);
        soon(() => ev.clear());
        ws.push(...waiters(v, log, 'W', tick, [() => ev.wait()], 4));
      });
      await passes(3);
      log.push(['mid', bracket(ev), tick()]);
      soon(() => {
        ev.set();
        ev.clear();
        ws.push(...waiters(v, log, 'W', tick, [() => ev.wait()], 5));
        ws[4]!.cancel();
        ev.set();
        ev.clear();
      });
      await passes(3);
      log.push(['end', bracket(ev), tick()]);
      ws.at(-1)!.cancel();
      await passes(2);
      return log;
    },
    [['cb', '[set, waiters:3]', 2], ['W0', 'got', 3], ['W1', 'cancelled', 3], ['W2', 'got', 3], ['W3', 'got', 3],
      ['mid', '[unset, waiters:1]', 4], ['W4', 'cancelled', 6], ['end', '[unset, waiters:1]', 7], ['W5', 'cancelled', 8]],
  );

  // asyncio: W0 and W2 cancelled around a set() and clear() in one callback: W0 (cancelled while
  // parked) and W2 (cancelled after the wake-up) both end cancelled, W1 returns.
  scenario(
    'cancels on both sides of set() and clear() in one callback: only the uncancelled waiter returns',
    async (v) => {
      const log: Log = [];
      const tick = passCounter();
      const ev = new Event();
      const ws = waiters(v, log, 'W', tick, [0, 1, 2].map(() => () => ev.wait()));
      await passes(1);
      soon(() => {
        ws[0]!.cancel();
        ev.set();
        ev.clear();
        ws[2]!.cancel();
        log.push(['cb', bracket(ev), tick()]);
      });
      await passes(3);
      log.push(['end', bracket(ev), tick()]);
      return log;
    },
    [['cb', '[unset, waiters:3]', 2], ['W0', 'cancelled', 3], ['W1', 'got', 3], ['W2', 'cancelled', 3], ['end', '[unset]', 4]],
  );
});

// ---- Barrier ----------------------------------------------------------------------------------

/**
 * Runs a Barrier plan: a capital letter (optionally with digits) starts a party task, `.` lets one
 * pass go by, `xA` cancels A, `?` logs the state, `reset`/`abort` call them. Party i's style is
 * chosen by the variant. Each log line ends with `@tick`. (The probe runs the same interpreter.)
 */
async function barrierPlan(v: Variant, parties: number, plan: string): Promise<string[]> {
  const tick = passCounter();
  const b = new Barrier(parties);
  const log: string[] = [];
  const tasks = new Map<string, Task<void>>();
  const state = (): string => `${b.statistics().state} ${b.nWaiting}`;
  const note = (n: string, e: unknown): void => {
    if (e instanceof CancelledError) {
      log.push(`${n} cancelled ${state()} @${tick()}`);
      throw e;
    }
    if (e instanceof BrokenBarrierError) log.push(`${n} broken ${b.statistics().state} @${tick()}`);
    else throw e;
  };
  const party = (n: string, style: Style): TaskBody<void> => styled(
    style,
    function* () {
      try {
        const i = yield* b.wait();
        log.push(`${n} idx ${i} @${tick()}`);
      } catch (e) {
        note(n, e);
      }
    },
    async () => {
      try {
        const i = await b.wait();
        log.push(`${n} idx ${i} @${tick()}`);
      } catch (e) {
        note(n, e);
      }
    },
  );
  for (const op of plan.split(' ')) {
    if (op === '.') await sleep(0);
    else if (op === '?') log.push(`state ${state()} ${b.broken ? 'True' : 'False'} @${tick()}`);
    else if (op === 'reset') await b.reset();
    else if (op === 'abort') await b.abort();
    else if (op.startsWith('x')) tasks.get(op.slice(1))!.cancel();
    else tasks.set(op, createTask(party(op.toLowerCase(), roleStyle(v, tasks.size))));
  }
  await passes(10);
  log.push(`final ${state()} ${b.broken ? 'True' : 'False'}`);
  for (const t of tasks.values()) t.cancel();
  await passes(3);
  return log;
}

describe('Barrier: abort() and reset() while parties wait and some are cancelled (logs from asyncio 3.13)', () => {
  const PLANS: [string, number, string, string[]][] = [
    ['abort() in the pass a filling party is cancelled: it ends cancelled, the other and a newcomer broken; reset() then a full round',
      3, 'A B . xA abort C . . ? reset ? D E . F . . ?',
      ['a cancelled broken 0 @2', 'b broken broken @2', 'c broken broken @2', 'state broken 0 True @3', 'state filling 0 False @3',
        'f idx 2 @5', 'd idx 0 @6', 'e idx 1 @6', 'state filling 0 False @6', 'final filling 0 False']],
    ['reset() in the pass a party is cancelled, with a newcomer: the newcomer waits in the new round, and leaves it when cancelled',
      3, 'A B . xB reset C . . ? D . . ? xC . . ?',
      ['b cancelled resetting 0 @2', 'a broken filling @2', 'state filling 1 False @3', 'state filling 2 False @5',
        'c cancelled filling 1 @6', 'state filling 1 False @7', 'final filling 1 False', 'd cancelled filling 0 @18']],
    ['every filling party cancelled in the pass of abort(): all end cancelled; a later wait() is broken until reset()',
      3, 'A B . xA xB abort . . ? C . ? reset C2 D . ?',
      ['a cancelled broken 0 @2', 'b cancelled broken 0 @2', 'state broken 0 True @3', 'c broken broken @4', 'state broken 0 True @4',
        'state filling 2 False @5', 'final filling 2 False', 'c2 cancelled filling 1 @16', 'd cancelled filling 0 @16']],
    ['abort() then reset() in one step while a round drains and a party waits for the next: the drainer is broken, the waiter starts a round',
      2, 'A . B C . abort reset D . . ? E . . ?',
      ['b idx 1 @2', 'a broken filling @3', 'd idx 1 @3', 'c idx 0 @4', 'state filling 0 False @4', 'state filling 1 False @6',
        'final filling 1 False', 'e cancelled filling 0 @17']],
    ['reset() in the pass a draining party is cancelled: it ends cancelled, and the party blocked behind the round joins the next',
      2, 'A . B C . xA reset . . ? D . . ?',
      ['b idx 1 @2', 'a cancelled filling 0 @3', 'state filling 1 False @4', 'd idx 1 @5', 'c idx 0 @6', 'state filling 0 False @6',
        'final filling 0 False']],
    ['a party cancelled in the pass the round trips (before it resumed) ends cancelled; the next round refills from zero',
      3, 'A B C . xB . . ? D E . . ?',
      ['c idx 2 @1', 'a idx 0 @2', 'b cancelled filling 0 @2', 'state filling 0 False @3', 'state filling 2 False @5',
        'final filling 2 False', 'd cancelled filling 1 @16', 'e cancelled filling 0 @16']],
    ['abort() while a round drains, before its woken party resumed, with a newcomer blocked behind it: both are broken (the cancel of the tripping party, already done, does nothing)',
      2, 'A . B . C xB abort . . ?',
      ['b idx 1 @2', 'a broken broken @3', 'c broken broken @3', 'state broken 0 True @4', 'final broken 0 True']],
  ];
  for (const [what, parties, plan, expected] of PLANS) {
    scenario(`Barrier(${parties}) '${plan}': ${what}`, async (v) => barrierPlan(v, parties, plan) as Promise<unknown> as Promise<Log>, expected as unknown as Log);
  }
});
