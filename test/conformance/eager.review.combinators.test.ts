// Adversarial review of eager tasks against CPython 3.13 asyncio: eager tasks in gather, wait,
// asCompleted, waitFor, shield and staggeredRace, and eager tasks made inside a timeout() that
// already expired. Method, pass counts and the JavaScript limit on async bodies: see
// eager.review.helpers.ts.
//
// Difference found (the same without the eager factory): staggeredRace(…, null) started the next
// attempt three passes after the one before failed, asyncio one pass (fixed since: an Event-like
// flag, as asyncio's).
import { describe, expect, it } from 'vitest';
import {
  CancelledError,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  TaskGroup,
  TimeoutError,
  allTasks,
  asCompleted,
  createTask,
  currentTask,
  gather,
  shield,
  sleep,
  staggeredRace,
  timeout,
  wait,
  waitFor,
  type Coroutine,
  type Task,
} from 'tulip';
import { STYLES, ValueError, styled } from './helpers.js';
import { PASS, fail, ret, runEager, script, slow, ticker } from './eager.review.helpers.js';

// ---- gather, wait, asCompleted, waitFor, shield -------------------------------------------------

describe('eager tasks in the combinators', () => {
  // asyncio: gather() wraps each coroutine in an eager task; when all finished in their eager
  // steps, the gathering future is done when gather() returns (its done callbacks ran inline):
  // [('gather all eager', True, [1, 2], 0), ('awaited', [1, 2], 0),
  //  ('gather fail first', True, ['second ran'], ValueError('a'), 0), ('gather fail + slow', True, 0),
  //  ('raised', 'b', 0), ('gather retexc', True, [ValueError('c'), 1], 0), ('gather mixed', False, 0), ([1, 2], 3)]
  // (Generator coroutines: an async body's task is not done before a microtask, so gather() of
  // async bodies returns a pending future, done before the next pass.)
  it('gather() of coroutines that finish eagerly is done when it returns, with their outcome', () =>
    runEager(async () => {
      const log: unknown[] = [];
      const tick = ticker(log);
      let g = gather([ret(1), ret(2)]);
      log.push(['gather all eager', g.done(), g.done() ? g.result() : null, tick()]);
      log.push(['awaited', await g, tick()]);
      const ran: string[] = [];
      const g2 = gather([
        fail('a'),
        (function* () {
          ran.push('second ran');
          return 2;
        })(),
      ]);
      log.push(['gather fail first', g2.done(), ran, g2.done() ? (g2.exception() as Error).message : null, tick()]);
      const g3 = gather([fail('b'), slow(3)]);
      log.push(['gather fail + slow', g3.done(), tick()]);
      try {
        await g3;
      } catch (e) {
        log.push(['raised', (e as Error).message, tick()]);
      }
      const g4 = gather([fail('c'), ret(1)], { returnExceptions: true });
      log.push(['gather retexc', g4.done(), g4.done() ? g4.result().map((x) => (x instanceof Error ? x.message : x)) : null, tick()]);
      g = gather([ret(1), slow(2)]);
      log.push(['gather mixed', g.done(), tick()]);
      log.push([await g, tick()]);
      expect(log).toEqual([
        ['gather all eager', true, [1, 2], 0],
        ['awaited', [1, 2], 0],
        ['gather fail first', true, ['second ran'], 'a', 0],
        ['gather fail + slow', true, 0],
        ['raised', 'b', 0],
        ['gather retexc', true, ['c', 1], 0],
        ['gather mixed', false, 0],
        [[1, 2], 3],
      ]);
    }));

  // asyncio: [('g.cancel all done', False, [1, 2])]: nothing left to cancel.
  it('cancel() of a gather whose coroutines all finished eagerly returns false and keeps the results', () =>
    runEager(async () => {
      const g = gather([ret(1), ret(2)]);
      expect(g.cancel()).toBe(false);
      expect(g.result()).toEqual([1, 2]);
    }));

  // asyncio: wait_for(coro, 0) wraps the coroutine in a task (ensure_future) and returns its
  // result if that task is done: with the eager factory a coroutine that finishes in its first step
  // beats a zero timeout. [('wf coro', 1, 0), ('wf coro timeout 0', 2, 0), ('wf slow 0 timeout', 3),
  //  ('wf done task 0', 4, 0), ('wf fail 0', 'f', 0)]
  it('waitFor(coro, 0) returns what a coroutine finishing eagerly returns, and times out one that waits', () =>
    runEager(async () => {
      const log: unknown[] = [];
      const tick = ticker(log);
      let s = tick();
      log.push(['wf coro', await waitFor(ret(1), 1000), tick() - s]);
      s = tick();
      log.push(['wf coro timeout 0', await waitFor(ret(2), 0), tick() - s]);
      s = tick();
      try {
        log.push(['wf slow 0', await waitFor(slow(3), 0)]);
      } catch (e) {
        expect(e).toBeInstanceOf(TimeoutError);
        log.push(['wf slow 0 timeout', tick() - s]);
      }
      const t = createTask(() => ret(4));
      s = tick();
      log.push(['wf done task 0', await waitFor(t, 0), tick() - s]);
      s = tick();
      try {
        await waitFor(fail('f'), 0);
      } catch (e) {
        log.push(['wf fail 0', (e as Error).message, tick() - s]);
      }
      expect(log).toEqual([
        ['wf coro', 1, 0],
        ['wf coro timeout 0', 2, 0],
        ['wf slow 0 timeout', 3],
        ['wf done task 0', 4, 0],
        ['wf fail 0', 'f', 0],
      ]);
    }));

  // asyncio: shield(done) returns its argument; shield(coro) makes an (eager) task and returns it
  // when it is already done; otherwise a new outer Future.
  // [('shield done task is task', True), ('shield coro', 'Task', True, 2), ('shield slow', 'Future', False), 3]
  it('shield() of a task or coroutine that finished eagerly returns that task itself', () =>
    runEager(async () => {
      const t = createTask(() => ret(1));
      expect(shield(t)).toBe(t);
      const sh = shield(ret(2));
      expect(sh.done()).toBe(true);
      expect(sh.result()).toBe(2);
      expect(allTasks().has(sh as Task<number>)).toBe(false);
      expect(sh.constructor.name).toBe('Task');
      const pending = shield(slow(3));
      expect(pending.done()).toBe(false);
      expect(pending.constructor.name).not.toBe('Task');
      expect(await pending).toBe(3);
    }));

  // (Not eager-specific: the same without the eager factory.) asyncio 3.13, attempts
  // that fail at once, fail at once, win after sleep(0), never end; delay None:
  //   [(0, 'start', 1), (1, 'start', 2), (2, 'start', 3), ('result', 2, 2, [ValueError(0), ValueError(1), None], 7)]
  // Each attempt starts one pass after the one before failed: its task (eager, waiting for
  // ok_to_start) resumes and `await wait_for(previous_failed.wait(), None)` returns at once, as the
  // event is set. (tulip waited for the failure with wait([failed], { timeout }), which woke a
  // pass later: attempts started at ticks 1, 4, 7 and the race ended at 11; fixed since.)
  it('staggeredRace(…, null) starts each attempt one pass after the one before failed', () =>
    runEager(async () => {
      const log: unknown[] = [];
      const tick = ticker(log);
      const attempt = (i: number, kind: 'fail' | 'slow' | 'never') =>
        function* (): Coroutine<number> {
          log.push([i, 'start', tick()]);
          if (kind === 'fail') throw new ValueError(String(i));
          if (kind === 'slow') yield* sleep(0);
          if (kind === 'never') yield* sleep(100_000);
          return i;
        };
      const s = tick();
      const [result, index, errors] = await staggeredRace(
        [attempt(0, 'fail'), attempt(1, 'fail'), attempt(2, 'slow'), attempt(3, 'never')],
        null,
      );
      log.push(['result', result, index, errors.map((e) => (e === null ? null : (e as Error).message)), tick() - s]);
      expect(log).toEqual([
        [0, 'start', 1],
        [1, 'start', 2],
        [2, 'start', 3],
        ['result', 2, 2, ['0', '1', null], 7],
      ]);
    }));

  for (const style of STYLES) {
    // asyncio: [('wait first', [1, 2], 0, 2), ('wait all done', 1, 2), ('wait failed', 1, 2)]:
    // wait() adds a done callback to each (run in the next pass), then wakes: 2 passes even when
    // everything finished eagerly.
    it(`wait() on tasks that finished eagerly still takes 2 passes (${style} tasks)`, () =>
      runEager(async () => {
        const log: unknown[] = [];
        const tick = ticker(log);
        const t1 = createTask(script(style, [], { result: () => 1 }));
        const t2 = createTask(script(style, [PASS], { result: () => 2 }));
        const r1 = await wait([t1, t2], { returnWhen: FIRST_COMPLETED });
        log.push(['wait first', [...r1.done].map((t) => t.result()).sort(), r1.pending.size, tick()]);
        const t3 = createTask(script(style, [], { result: () => 3 }));
        let s = tick();
        const r2 = await wait([t3]);
        log.push(['wait all done', r2.done.size, tick() - s]);
        const t4 = createTask(script(style, [() => { throw new ValueError('w'); }]));
        s = tick();
        const r3 = await wait([t4], { returnWhen: FIRST_EXCEPTION });
        log.push(['wait failed', r3.done.size, tick() - s]);
        t4.exception();
        expect(log).toEqual([
          ['wait first', [1, 2], 0, 2],
          ['wait all done', 1, 2],
          ['wait failed', 1, 2],
        ]);
      }));

    // asyncio: [('b', 2), ('c', 2), ('a', 2), ('y', 2), ('x', 2)]: the eagerly finished ones come
    // first, in the order given, and the first of them is ready after 2 passes.
    it(`asCompleted() yields eagerly finished tasks first, in the order given (${style} tasks)`, () =>
      runEager(async () => {
        const log: unknown[] = [];
        const tick = ticker(log);
        const mk = (v: string, waits: boolean): Task<string> => createTask(script(style, waits ? [PASS] : [], { result: () => v }));
        const a = mk('a', true);
        const b = mk('b', false);
        const c = mk('c', false);
        let s = tick();
        for (const f of asCompleted([a, b, c])) log.push([await f, tick() - s]);
        s = tick();
        for await (const t of asCompleted([mk('x', true), mk('y', false)])) log.push([(t as unknown as Task<string>).result(), tick() - s]);
        expect(log).toEqual([
          ['b', 2],
          ['c', 2],
          ['a', 2],
          ['y', 2],
          ['x', 2],
        ]);
      }));

    // asyncio: [('outer cancelled', 1), ('creator sees', 2), ('inner', 'i', 2)]: the eager task
    // waits at the shield when it is cancelled right after createTask; the shielded task goes on.
    it(`an eager task cancelled right after createTask while it waits at a shield: the inner task goes on (${style})`, () =>
      runEager(async () => {
        const log: unknown[] = [];
        const tick = ticker(log);
        let inner!: Task<string>;
        const innerDone: number[] = [];
        const t = createTask(
          styled(
            style,
            function* () {
              inner = createTask(script(style, [PASS, PASS, () => innerDone.push(tick())], { result: () => 'i' }));
              try {
                return yield* shield(inner);
              } catch (e) {
                log.push(['outer cancelled', tick()]);
                throw e;
              }
            },
            async () => {
              inner = createTask(script(style, [PASS, PASS, () => innerDone.push(tick())], { result: () => 'i' }));
              try {
                return await shield(inner);
              } catch (e) {
                log.push(['outer cancelled', tick()]);
                throw e;
              }
            },
          ),
        );
        t.cancel();
        try {
          await t;
        } catch {
          log.push(['creator sees', tick()]);
        }
        log.push(['inner', await inner, innerDone[0]]);
        expect(log).toEqual([
          ['outer cancelled', 1],
          ['creator sees', 2],
          ['inner', 'i', 2],
        ]);
      }));

    // asyncio: [('g.cancel', True), ('slow child cancelled', 1), ('gather cancelled', 3)]
    // (The child that finished in its eager step is a generator: an async one would not be done
    // yet when gather() and cancel() run, so cancel() would reach it too.)
    it(`a gather cancelled right after its eager children started cancels the waiting one (${style} child)`, () =>
      runEager(async () => {
        const log: unknown[] = [];
        const tick = ticker(log);
        const waiting = createTask(script(style, [PASS], { result: () => 1, onCancel: () => log.push(['slow child cancelled', tick()]) }));
        const g = gather([waiting, createTask(() => ret('r'))]);
        log.push(['g.cancel', g.cancel()]);
        try {
          await g;
        } catch (e) {
          expect(e).toBeInstanceOf(CancelledError);
          log.push(['gather cancelled', tick()]);
        }
        expect(log).toEqual([['g.cancel', true], ['slow child cancelled', 1], ['gather cancelled', 3]]);
      }));
  }
});

// ---- timeout() ----------------------------------------------------------------------------------

describe('eager tasks made inside a timeout() that already expired', () => {
  for (const style of STYLES) {
    // asyncio: [('in block', 0, 0), ('child step', 0, 0), ('after create', False, 0),
    //  ('child resumed', 1), ('timed out', 2, True), ('c', 2)]: a deadline in the past cancels the
    // creator in the next pass; the child's eager step is untouched, and it is not cancelled.
    it(`the child runs its eager step and goes on; the creator times out after 2 passes (${style} child)`, () =>
      runEager(async () => {
        const log: unknown[] = [];
        const tick = ticker(log);
        const me = currentTask()!;
        let c!: Task<string>;
        try {
          await timeout(-1).run(async () => {
            log.push(['in block', me.cancelling(), tick()]);
            c = createTask(
              script(style, [() => log.push(['child step', tick(), me.cancelling()]), PASS, () => log.push(['child resumed', tick()])], {
                result: () => 'c',
              }),
            );
            log.push(['after create', c.done(), tick()]);
            await sleep(10_000);
          });
        } catch (e) {
          expect(e).toBeInstanceOf(TimeoutError);
          log.push(['timed out', tick(), c.done()]);
        }
        log.push([await c, tick()]);
        expect(log).toEqual([
          ['in block', 0, 0],
          ['child step', 0, 0],
          ['after create', false, 0],
          ['child resumed', 1],
          ['timed out', 2, true],
          ['c', 2],
        ]);
      }));

    // asyncio: ['no timeout']: the block never waits, so the expired deadline never cancels it.
    it(`a block with an eager child but no wait of its own does not time out (${style} child)`, () =>
      runEager(async () => {
        let q!: Task<string>;
        await timeout(0).run(() => {
          q = createTask(script(style, [], { result: () => 'q' }));
        });
        if (style === 'generator') expect(q.done()).toBe(true);
        expect(await q).toBe('q');
      }));

    // asyncio: [('gchild step', 0), ('gchild cancelled', 3), ('group timed out', 5)]: the child's
    // eager step runs; the group cancels it once the deadline cancelled the parent.
    it(`an eager child of a TaskGroup in an expired timeout() runs its step and is cancelled 3 passes later (${style} child)`, () =>
      runEager(async () => {
        const log: unknown[] = [];
        const tick = ticker(log);
        try {
          await timeout(0).run(() =>
            new TaskGroup().run((tg) => {
              tg.createTask(
                script(style, [() => log.push(['gchild step', tick()]), { wait: () => sleep(10_000) }], {
                  onCancel: () => log.push(['gchild cancelled', tick()]),
                }),
              );
            }),
          );
        } catch (e) {
          expect(e).toBeInstanceOf(TimeoutError);
          log.push(['group timed out', tick()]);
        }
        expect(log).toEqual([
          ['gchild step', 0],
          ['gchild cancelled', 3],
          ['group timed out', 5],
        ]);
      }));
  }
});
