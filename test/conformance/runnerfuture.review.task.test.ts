// Adversarial review of the public Task surface against CPython 3.13 asyncio (Lib/asyncio/tasks.py):
// cancel requests (before the first step, several, through an awaited task, meeting a finished
// wait), names, currentTask() and allTasks(). New scenarios, not ports of test_tasks.py: every
// expectation was checked with a probe on the pure-Python 3.13 asyncio (the probe's output is
// quoted above each test where it matters). Pass counts come from `sleep(0)` (one loop pass each)
// or from a `callSoon` chain, as the `loop.call_soon` chains of the Python probes.
import { describe, expect, it } from 'vitest';
import { RuntimeError, allTasks, createTask, currentTask, getRunningLoop, run, shield, sleep } from 'tulip';
import { STYLES, ValueError, assertCancelled, errorOf, newFuture, passes, styled, waiting } from './helpers.js';
import { recorder, sleeper } from './runnerfuture.review.helpers.js';

// =================================================================================================
// Task
// =================================================================================================

describe('Task: cancel requests before the first step', () => {
  for (const style of STYLES) {
    // asyncio (probe T1): the body never runs; cancel() True, cancelling() 1, the message kept:
    //   T1 cancel True 1   T1 ('early',) [] True 1
    it(`cancel(msg) before the first step: the body never runs, await rejects with msg (${style})`, () =>
      run(async () => {
        const ran: number[] = [];
        const t = createTask(recorder(style, ran));
        expect(t.cancel('early')).toBe(true);
        expect(t.cancelling()).toBe(1);
        assertCancelled(await errorOf(() => t), 'early');
        expect(ran).toEqual([]);
        expect([t.cancelled(), t.cancelling()]).toEqual([true, 1]);
      }));

    // asyncio (probe T2): uncancel() back to 0 before the first step withdraws the request
    // (3.13's uncancel clears _must_cancel at 0): the body runs and the task finishes normally:
    //   T2 uncancel -> 0   T2 [1] True False 0
    it(`cancel() then uncancel() before the first step: the body runs and the task is not cancelled (${style})`, () =>
      run(async () => {
        const ran: number[] = [];
        const t = createTask(recorder(style, ran));
        t.cancel('x');
        expect(t.uncancel()).toBe(0);
        expect(await t).toBe('ran');
        expect(ran).toEqual([1]);
        expect([t.cancelled(), t.cancelling()]).toEqual([false, 0]);
      }));

    // asyncio (probe T2b): two cancels and one uncancel: still cancelled, with the last message:
    //   T2b uncancel -> 1   T2b [] True True 1   T2b msg ('y',)
    it(`two cancels and one uncancel() before the first step: still cancelled, with the last message (${style})`, () =>
      run(async () => {
        const ran: number[] = [];
        const t = createTask(recorder(style, ran));
        t.cancel('x');
        t.cancel('y');
        expect(t.uncancel()).toBe(1);
        assertCancelled(await errorOf(() => t), 'y');
        expect(ran).toEqual([]);
        expect(t.cancelling()).toBe(1);
      }));
  }
});

describe('Task: several cancel requests', () => {
  for (const style of STYLES) {
    // asyncio (probe T3): three cancels while waiting all return True and count 3; the first
    // message reaches the body (it cancelled the waiter), which catches it and returns; afterwards
    // cancel() is False and the count stays 3:
    //   T3 cancels True True True 3   T3 ('caught', ('a',), 3) 3 False 3
    it(`three cancels while waiting count 3, the first message is delivered; a body that catches it returns normally (${style})`, () =>
      run(async () => {
        const t = createTask(sleeper(style, (e) => ['caught', e.message, currentTask()!.cancelling()]));
        await passes(1);
        expect([t.cancel('a'), t.cancel('b'), t.cancel('c'), t.cancelling()]).toEqual([true, true, true, 3]);
        expect(await t).toEqual(['caught', 'a', 3]);
        expect(t.cancelled()).toBe(false);
        expect([t.cancel('late'), t.cancelling()]).toEqual([false, 3]);
      }));
  }
});

describe('Task: cancelling a task that waits on another task', () => {
  for (const style of STYLES) {
    // asyncio (probe T4): the cancel goes to the inner task; when the inner catches it and returns
    // a value, the outer gets that value and goes on (not cancelled; both cancelling() 1):
    //   T4 [('inner', ('stop',)), ('outer got', 'inner value')] ('outer done', 1) False 1 1
    it(`an inner task that swallows the cancel and returns: the outer gets its value and is not cancelled (${style})`, () =>
      run(async () => {
        const log: unknown[] = [];
        const inner = createTask(sleeper(style, (e) => { log.push(['inner', e.message]); return 'inner value'; }));
        const got = (r: unknown): void => void log.push(['outer got', r]);
        const outer = createTask(
          styled(
            style,
            function* () {
              got(yield* inner);
              yield* sleep(0);
              return ['outer done', currentTask()!.cancelling()];
            },
            async () => {
              got(await inner);
              await sleep(0);
              return ['outer done', currentTask()!.cancelling()];
            },
          ),
        );
        await passes(1);
        outer.cancel('stop');
        expect(await outer).toEqual(['outer done', 1]);
        expect(log).toEqual([['inner', 'stop'], ['outer got', 'inner value']]);
        expect([outer.cancelled(), inner.cancelling(), outer.cancelling()]).toEqual([false, 1, 1]);
      }));

    // asyncio (probe T4b): when the inner lets the cancel through, both end cancelled and the
    // outer's CancelledError has the message:  T4b ('stop2',) True 1 1
    it(`an inner task that lets the cancel through: both end cancelled, the message reaches the outer's awaiter (${style})`, () =>
      run(async () => {
        const inner = createTask(sleeper(style, (e) => { throw e; }));
        const outer = createTask(waiting(style, () => inner));
        await passes(1);
        outer.cancel('stop2');
        assertCancelled(await errorOf(() => outer), 'stop2');
        expect([inner.cancelled(), inner.cancelling(), outer.cancelling()]).toEqual([true, 1, 1]);
      }));
  }
});

describe('Task: names, current task, allTasks()', () => {
  for (const style of STYLES) {
    // asyncio (probe T5): `await current_task()` raises RuntimeError('Task cannot await on
    // itself: …') at the await, and the task can catch it.
    it(`a task awaiting itself gets RuntimeError at that await, and can go on (${style})`, () =>
      run(async () => {
        const onErr = (e: unknown): string => {
          expect(e).toBeInstanceOf(RuntimeError);
          return (e as Error).message;
        };
        const t = createTask(
          styled(
            style,
            function* () {
              try {
                yield* currentTask()!;
              } catch (e) {
                return onErr(e);
              }
              return 'no error';
            },
            async () => {
              try {
                await currentTask()!;
              } catch (e) {
                return onErr(e);
              }
              return 'no error';
            },
          ),
        );
        expect(await t).toMatch(/Task cannot await on itself/);
      }));
  }

  // asyncio (probe T6): set_name(42) stores str(42):  T6 '42'
  it('setName() of a non-string stores its string form', () =>
    run(async () => {
      const t = createTask(async () => undefined, { name: 'n1' });
      expect(t.getName()).toBe('n1');
      t.setName(42 as unknown as string);
      expect(t.getName()).toBe('42');
      await t;
    }));

  // asyncio (probe T7): current_task() is None in a plain call_soon callback, in one scheduled from
  // inside a task, and in a done callback of a future the task finished:
  //   T7 [('soon', None), ('soon from task', None), ('done cb', None)]
  for (const style of STYLES) {
    it(`currentTask() is undefined in callbacks, even ones scheduled from inside a task (${style})`, () =>
      run(async () => {
        const loop = getRunningLoop();
        const cur: unknown[] = [];
        loop.callSoon(() => cur.push(['soon', currentTask()]));
        const f = newFuture<number>();
        f.addDoneCallback(() => cur.push(['done cb', currentTask()]));
        const setter = (): void => {
          loop.callSoon(() => cur.push(['soon from task', currentTask()]));
          f.setResult(1);
        };
        // eslint-disable-next-line require-yield
        await createTask(styled(style, function* () { setter(); }, async () => { setter(); }));
        await passes(1);
        expect(cur).toEqual([['soon', undefined], ['soon from task', undefined], ['done cb', undefined]]);
      }));
  }

  // asyncio (probe T8): a task is in all_tasks() until done (the main task too); finished, failed
  // and cancelled tasks are gone, leaving only main:
  //   T8 before True True   T8 after False   T8 failed/cancelled False False 1
  for (const style of STYLES) {
    it(`allTasks() drops finished, failed and cancelled tasks, keeping only main (${style})`, () =>
      run(async () => {
        const ran: number[] = [];
        const q = createTask(recorder(style, ran));
        expect([allTasks().has(q), allTasks().has(currentTask()!)]).toEqual([true, true]);
        await q;
        expect(allTasks().has(q)).toBe(false);
        const fl = createTask(styled(style, function* () { throw new ValueError('x'); }, async () => { throw new ValueError('x'); }));
        fl.addDoneCallback((t) => t.exception());
        const c = createTask(sleeper(style, (e) => { throw e; }));
        await passes(1);
        c.cancel();
        await passes(1);
        expect([allTasks().has(fl), allTasks().has(c)]).toEqual([false, false]);
        expect(allTasks().size).toBe(1);
        expect(allTasks().has(currentTask()!)).toBe(true);
      }));
  }
});

describe('Task: cancels that meet a finished wait', () => {
  for (const style of STYLES) {
    // asyncio (probe N3): a task that cancels itself and then awaits a done future gets the result
    // (awaiting a done future does not suspend); the CancelledError comes at the next real wait:
    //   N3 [('got', 'r'), ('cancelled at sleep', ('later',))]
    it(`a self-cancel is not delivered by awaiting a done future, only at the next real wait (${style})`, () =>
      run(async () => {
        const log: unknown[] = [];
        const done = newFuture<string>();
        done.setResult('r');
        const atSleep = (e: unknown): never => {
          log.push(['cancelled at sleep', (e as Error).message]);
          throw e;
        };
        const t = createTask(
          styled(
            style,
            function* () {
              currentTask()!.cancel('later');
              log.push(['got', yield* done]);
              try {
                yield* sleep(0);
              } catch (e) {
                atSleep(e);
              }
            },
            async () => {
              currentTask()!.cancel('later');
              log.push(['got', await done]);
              try {
                await sleep(0);
              } catch (e) {
                atSleep(e);
              }
            },
          ),
        );
        assertCancelled(await errorOf(() => t), 'later');
        expect(log).toEqual([['got', 'r'], ['cancelled at sleep', 'later']]);
      }));

    // asyncio (probe N7): cancel() after the awaited future got its result but before the task
    // resumed returns True, and the task gets CancelledError at that await (the result is lost):
    //   N7 cancel True 1   N7 [('cancelled', ('after result',))] True
    it(`cancel() between the awaited future's result and the task's resumption wins over the result (${style})`, () =>
      run(async () => {
        const log: unknown[] = [];
        const fut = newFuture<number>();
        const t = createTask(
          styled(
            style,
            function* () {
              try {
                log.push(['got', yield* fut]);
              } catch (e) {
                log.push(['cancelled', (e as Error).message]);
                throw e;
              }
            },
            async () => {
              try {
                log.push(['got', await fut]);
              } catch (e) {
                log.push(['cancelled', (e as Error).message]);
                throw e;
              }
            },
          ),
        );
        await passes(1);
        fut.setResult(1);
        expect([t.cancel('after result'), t.cancelling()]).toEqual([true, 1]);
        await passes(1);
        expect(log).toEqual([['cancelled', 'after result']]);
        expect(t.cancelled()).toBe(true);
      }));

    // asyncio (probe N4): two tasks each awaiting shield(fut): cancelling one cancels only its
    // shield's outer future; fut stays pending and the other task gets the result later:
    //   N4 mid [('A', 'cancelled')] False False   N4 [('A', 'cancelled'), ('B', 7)] True None
    it(`two tasks awaiting shield(fut): cancelling one leaves fut and the other waiting (${style})`, () =>
      run(async () => {
        const log: unknown[] = [];
        const fut = newFuture<number>();
        const w = (name: string) => {
          const onErr = (e: unknown): never => {
            log.push([name, 'cancelled']);
            throw e;
          };
          return styled(
            style,
            function* () {
              try {
                log.push([name, yield* shield(fut)]);
              } catch (e) {
                onErr(e);
              }
            },
            async () => {
              try {
                log.push([name, await shield(fut)]);
              } catch (e) {
                onErr(e);
              }
            },
          );
        };
        const a = createTask(w('A'));
        const b = createTask(w('B'));
        await passes(1);
        a.cancel();
        await passes(1);
        expect(log).toEqual([['A', 'cancelled']]);
        expect([fut.cancelled(), b.done()]).toEqual([false, false]);
        fut.setResult(7);
        await passes(2);
        expect(log).toEqual([['A', 'cancelled'], ['B', 7]]);
        expect(a.cancelled()).toBe(true);
        expect(b.result()).toBe(undefined);
      }));
  }

  // asyncio (probe N5): a task made from a generator object (a coroutine object) and cancelled
  // before its first step: the body never starts, so its finally never runs:  N5 [] True
  it('a task made from a generator object and cancelled before its first step never runs its finally', () =>
    run(async () => {
      const log: string[] = [];
      function* body() {
        try {
          log.push('started');
          yield* sleep(0);
        } finally {
          log.push('finally');
        }
      }
      const t = createTask(body());
      t.cancel();
      await passes(1);
      expect(log).toEqual([]);
      expect(t.cancelled()).toBe(true);
    }));
});
