// Style twins of the task tests: each test here is the other-style twin of a test written in only
// one coroutine style in test/conformance/tasks*.test.ts, futures*.test.ts or
// /work/shared/conformance/tasks*.test.ts. Same behaviour, same pass counts and order.
import { describe, it, expect } from 'vitest';
import {
  Future,
  Task,
  allTasks,
  createTask,
  currentTask,
  ensureFuture,
  gather,
  getRunningLoop,
  isCancelledError,
  run,
  shield,
  sleep,
  timeout,
  wait,
  waitFor,
  type Coroutine,
} from 'tulip';
import { runBriefly, waitAllTasksBlocked } from 'tulip/testing';
import {
  FOREVER,
  ValueError,
  ZeroDivisionError,
  assertCancelled,
  newFuture,
  passesG,
  rejection,
  rejectionG,
  runVirtual,
  type Style,
} from './helpers.js';

describe('task basics (style twins)', () => {
  // twin of shared tasks.test.ts::a task runs its body on the running loop and keeps the result
  it('a generator task runs its body on the running loop and keeps the result', () =>
    run(function* () {
      const t = createTask(function* () {
        return 'ok';
      });
      expect(t.getLoop()).toBe(getRunningLoop());
      expect(yield* t).toBe('ok');
      expect(t.done()).toBe(true);
      expect(t.result()).toBe('ok');
    }));

  // twin of tasks.test.ts::loop.createTask() takes a name, and setName() renames the task while it runs
  it('loop.createTask() of a generator takes a name, and setName() renames the task while it runs', () =>
    run(function* () {
      const seen: string[] = [];
      const gate = newFuture<void>();
      const t = getRunningLoop().createTask(
        function* () {
          seen.push(currentTask()!.getName());
          yield* gate;
          seen.push(currentTask()!.getName());
        },
        { name: 'first' },
      );
      expect(t.getName()).toBe('first');
      yield* waitAllTasksBlocked();
      t.setName('second');
      gate.setResult();
      yield* t;
      expect(seen).toEqual(['first', 'second']);
    }));

  // twin of shared tasks.test.ts::currentTask() is the running task inside it, and undefined in a plain callback
  it('currentTask() is the generator task inside it, and undefined in a callback scheduled from it', () =>
    run(function* () {
      let inside: unknown;
      const task = createTask(function* () {
        inside = currentTask();
      });
      yield* task;
      expect(inside).toBe(task);
      expect(currentTask()).toBeInstanceOf(Task);
      let inCallback: unknown = 'not called';
      getRunningLoop().callSoon(() => {
        inCallback = currentTask();
      });
      yield* runBriefly();
      expect(inCallback).toBeUndefined();
    }));

  // twin of tasks.test.ts::sleep, wait, waitFor, gather and shield of futures add no tasks to allTasks()
  it('in a generator task, sleep, wait, waitFor, gather and shield of futures add no tasks to allTasks()', () =>
    run(function* () {
      const f1 = newFuture<number>();
      const f2 = newFuture<number>();
      const f3 = newFuture<number>();
      const f4 = newFuture<number>();
      const user = createTask(function* () {
        yield* wait([f1]);
      });
      const s = sleep(FOREVER);
      const g = gather([f2]);
      const sh = shield(f3);
      const wfTask = createTask(function* () {
        return yield* waitFor(f4, FOREVER);
      });
      yield* waitAllTasksBlocked();
      const all = allTasks();
      expect(all.has(user)).toBe(true);
      expect(all.has(wfTask)).toBe(true);
      expect(all.size).toBe(3); // main + user + wfTask: waitFor runs inline, no helper
      for (const f of [f1, f2, f3, f4]) f.setResult(1);
      yield* user;
      yield* g;
      yield* sh;
      expect(yield* wfTask).toBe(1);
      s.cancel();
    }));

  // twin of tasks.test.ts::ensureFuture() of a rejecting promise fails with that very error
  it('yield* ensureFuture() of a rejecting promise throws that very error into the generator', () =>
    run(function* () {
      const exc = new ValueError('foreign');
      const f = ensureFuture(Promise.reject(exc));
      expect(yield* rejectionG(f)).toBe(exc);
      expect(f.exception()).toBe(exc);
    }));

  // twin of tasks.more.test.ts::a task waits on an instance of a Future subclass and resumes with its result (exact passes)
  it('an async task awaits a Future subclass instance and resumes one pass after setResult', () =>
    run(async () => {
      class Fut<T> extends Future<T> {}
      const fut = new Fut<object>();
      let result: unknown = null;
      const t = createTask(async () => {
        result = await fut;
      });
      await sleep(0);
      const res = {};
      fut.setResult(res);
      await sleep(0);
      expect(result).toBe(res);
      expect(t.done()).toBe(true);
    }));
});

describe('cancellation (style twins)', () => {
  // twin of shared tasks.test.ts::cancel(msg) surfaces as a CancelledError carrying msg
  it('cancel(msg) of a generator task before it starts surfaces as a CancelledError carrying msg', () =>
    run(function* () {
      const t = createTask(function* () {});
      t.cancel('my message');
      assertCancelled(yield* rejectionG(t), 'my message');
      expect(t.cancelled()).toBe(true);
    }));

  // twin of shared tasks.test.ts::cancelling() counts cancel requests; a second cancel() still returns true
  it('cancelling() of a generator task counts cancel requests; a second cancel() still returns true', () =>
    run(function* () {
      const t = createTask(function* () {
        yield* sleep(FOREVER);
      });
      expect(t.cancelling()).toBe(0);
      expect(t.cancel()).toBe(true);
      expect(t.cancelling()).toBe(1);
      expect(t.cancel()).toBe(true);
      expect(t.cancelling()).toBe(2);
      assertCancelled(yield* rejectionG(t));
    }));

  // twin of shared tasks.test.ts::a task cancelled between sleep(0) steps ends cancelled
  it('a generator task cancelled between sleep(0) steps ends cancelled, at its second sleep', () =>
    run(function* () {
      const log: string[] = [];
      const t = createTask(function* () {
        log.push('start');
        yield* sleep(0);
        log.push('after first');
        yield* sleep(0);
        log.push('after second');
        return 12;
      });
      yield* sleep(0); // let it start
      expect(log).toEqual(['start']);
      expect(t.cancel()).toBe(true);
      assertCancelled(yield* rejectionG(t));
      expect(log).toEqual(['start']);
      expect(t.done()).toBe(true);
      expect(t.cancelled()).toBe(true);
      expect(t.cancel()).toBe(false);
    }));

  // twin of shared tasks.test.ts::a task cancelled between sleep(0) steps ends cancelled (where the cancel lands)
  it('an async task cancelled between sleep(0) steps is cancelled at the sleep it waits in', () =>
    run(async () => {
      const log: string[] = [];
      const t = createTask(async () => {
        log.push('start');
        await sleep(0);
        log.push('after first');
        await sleep(0);
        log.push('after second');
        return 12;
      });
      await sleep(0);
      expect(log).toEqual(['start']);
      expect(t.cancel()).toBe(true);
      assertCancelled(await rejection(t));
      expect(log).toEqual(['start']);
    }));

  // twin of shared tasks.test.ts::cancelling a task cancels the future it awaits
  it('cancelling a generator task cancels the future it yields on', () =>
    run(function* () {
      const fut = getRunningLoop().createFuture<void>();
      const task = createTask(function* () {
        yield* fut;
      });
      yield* waitAllTasksBlocked();
      task.cancel();
      yield* runBriefly();
      assertCancelled(yield* rejectionG(task));
      expect(fut.cancelled()).toBe(true);
    }));

  // twin of sleep.test.ts::cancelling the sleep future itself throws CancelledError into the sleeper
  it('cancelling the sleep future itself throws CancelledError into a generator sleeper', () =>
    run(function* () {
      const s = sleep(FOREVER, 'never');
      const t = createTask(function* () {
        return yield* s;
      });
      yield* waitAllTasksBlocked();
      expect(s.cancel('cut short')).toBe(true);
      assertCancelled(yield* rejectionG(t), 'cut short');
      expect(t.cancelled()).toBe(true);
    }));

  // twin of cancellation.test.ts::a foreign promise listening on the task's signal stops at once when the async task is cancelled
  it("a foreign promise listening on a generator task's signal is told at once, and the task ends cancelled", () =>
    run(function* () {
      const log: string[] = [];
      const t = createTask(function* () {
        const signal = currentTask()!.signal;
        const outcome = yield* ensureFuture(
          new Promise<string>((resolve) => {
            signal.addEventListener('abort', () => {
              log.push('foreign saw abort');
              resolve('aborted');
            });
          }),
        );
        log.push(outcome);
      });
      yield* passesG(2);
      t.cancel();
      assertCancelled(yield* rejectionG(t));
      expect(log).toEqual(['foreign saw abort']);
    }));
});

describe('virtual time (style twins)', () => {
  // twin of shared tasks.virtual.test.ts::a callLater() cancel interrupts a long sleep at the callback time
  it('a callLater() cancel interrupts the long sleep of a generator task at the callback time', () =>
    runVirtual(function* () {
      const loop = getRunningLoop();
      const t0 = loop.time();
      const sleeper = createTask(function* () {
        yield* sleep(5_000_000);
      });
      loop.callLater(100, () => sleeper.cancel());
      let outcome: string;
      try {
        yield* sleeper;
        outcome = 'slept in';
      } catch (e) {
        if (!isCancelledError(e)) throw e;
        outcome = 'cancelled';
      }
      expect(outcome).toBe('cancelled');
      expect(loop.time() - t0).toBe(100);
    }));

  // twin of tasks.more.test.ts::a sleeper cancelled by a timer: its awaiter returns "cancelled" at the timer time (async)
  it('a sleeper cancelled by a timer: its generator awaiter returns "cancelled" at the timer time', () =>
    runVirtual(function* () {
      const loop = getRunningLoop();
      const t0 = loop.time();
      function* doit(): Coroutine<string> {
        const sleeper = createTask(function* () {
          yield* sleep(5_000_000);
        });
        loop.callLater(100, () => sleeper.cancel());
        try {
          yield* sleeper;
        } catch (e) {
          if (isCancelledError(e)) return 'cancelled';
          throw e;
        }
        return 'slept in';
      }
      expect(yield* doit()).toBe('cancelled');
      expect(loop.time() - t0).toBe(100);
    }));
});

describe('exact passes (style twins)', () => {
  // twin of shared tasks.test.ts::sleep(0, v) lets callbacks scheduled before it run, then returns v
  it('yield* sleep(0, v) lets callbacks scheduled before it run, then returns v', () =>
    run(function* () {
      let result = 0;
      getRunningLoop().callSoon(() => {
        result += 1;
      });
      expect(result).toBe(0);
      const num = yield* sleep(0, 10);
      expect(result).toBe(1);
      result += num;
      expect(result).toBe(11);
    }));

  // twin of tasks.more.test.ts::an async task resumed in a pass runs to its next await before the next task of that pass (async)
  it('a generator task resumed in a pass runs to its next wait before the next task of that pass', () =>
    run(function* () {
      const loop = getRunningLoop();
      const log: string[] = [];
      const done = loop.createFuture<number>();
      done.setResult(1);
      const a = createTask(function* () {
        yield* sleep(0);
        log.push('a1');
        yield* done;
        log.push('a2');
      });
      const b = createTask(function* () {
        yield* sleep(0);
        log.push('b1');
      });
      yield* sleep(0);
      yield* sleep(0);
      log.push('main');
      yield* gather([a, b]);
      expect(log).toEqual(['a1', 'a2', 'b1', 'main']);
    }));

  // twin of tasks.more.test.ts::an async task whose body returned is done() for the tasks that run after it in that pass
  it('a generator task whose body returned is done() for the tasks that run after it in that pass', () =>
    run(function* () {
      const a = createTask(function* () {
        yield* sleep(0);
        return 'a';
      });
      const seen: boolean[] = [];
      const b = createTask(function* () {
        yield* sleep(0);
        seen.push(a.done());
      });
      yield* sleep(0);
      yield* sleep(0);
      seen.push(a.done());
      yield* b;
      expect(seen).toEqual([true, true]);
    }));

  // twin of tasks.more.test.ts::a task that fails unawaited reaches the exception handler by the pass after it failed (DESIGN §4)
  it('a generator task that fails unawaited reaches the exception handler by the pass after it failed', () =>
    run(function* () {
      const seen: unknown[] = [];
      getRunningLoop().setExceptionHandler((_l, ctx) => seen.push(ctx.exception));
      const err = new ZeroDivisionError('1/0');
      // eslint-disable-next-line require-yield
      createTask(function* () {
        throw err;
      });
      yield* sleep(0);
      yield* sleep(0);
      expect(seen).toEqual([err]);
    }));

  // twin of tasks.more.test.ts::two async tasks hand over through futures; currentTask() follows; wait() returns both done
  it('two generator tasks hand over through futures; currentTask() follows; wait() returns both done', () =>
    run(function* () {
      const loop = getRunningLoop();
      const fut1 = loop.createFuture<boolean>();
      const fut2 = loop.createFuture<boolean>();
      const seen: string[] = [];
      const task1: Task<void> = createTask(function* () {
        seen.push(currentTask() === task1 ? 't1' : 'x1');
        yield* fut1;
        seen.push(currentTask() === task1 ? 't1' : 'x1');
        fut2.setResult(true);
      });
      const task2: Task<void> = createTask(function* () {
        seen.push(currentTask() === task2 ? 't2' : 'x2');
        fut1.setResult(true);
        yield* fut2;
        seen.push(currentTask() === task2 ? 't2' : 'x2');
      });
      const { done } = yield* wait([task1, task2]);
      expect(done.size).toBe(2);
      expect(seen).toEqual(['t1', 't2', 't1', 't2']);
    }));

  // twin of futures.more.test.ts::tasks of both styles waiting on one future resume in the order they started waiting (generator main)
  it('tasks of both styles waiting on one future resume in the order they started waiting, seen from a generator main', () =>
    run(function* () {
      const fut = getRunningLoop().createFuture<number>();
      const log: string[] = [];
      const w = (style: Style, name: string) =>
        createTask(
          style === 'async'
            ? async () => {
                await fut;
                log.push(name);
              }
            : function* () {
                yield* fut;
                log.push(name);
              },
        );
      w('async', 'a1');
      w('generator', 'g1');
      w('async', 'a2');
      w('generator', 'g2');
      yield* sleep(0);
      fut.setResult(1);
      yield* sleep(0);
      expect(log).toEqual(['a1', 'g1', 'a2', 'g2']);
    }));

  // twin of futures.more.test.ts::a task waiting before a callback was added resumes before that callback runs (generator main)
  it('from a generator main: a task waiting before a callback was added resumes before that callback, in one pass', () =>
    run(function* () {
      for (const style of ['generator', 'async'] as const) {
        const loop = getRunningLoop();
        const fut = loop.createFuture<number>();
        const log: string[] = [];
        createTask(
          style === 'async'
            ? async () => {
                await fut;
                log.push('task');
              }
            : function* () {
                yield* fut;
                log.push('task');
              },
        );
        yield* sleep(0);
        fut.addDoneCallback(() => log.push('cb'));
        loop.callSoon(() => log.push('soon'));
        fut.setResult(1);
        yield* sleep(0);
        expect(log, style).toEqual(['soon', 'task', 'cb']);
      }
    }));

  // twin of sleep.test.ts::a generator task and an async task that sleep(0) alternate one pass at a time (async created first)
  it('an async task and a generator task that sleep(0) alternate one pass at a time, async first', () =>
    run(function* () {
      const log: string[] = [];
      const a = createTask(async () => {
        for (let i = 0; i < 3; i++) {
          log.push(`a${i}`);
          await sleep(0);
        }
      });
      const g = createTask(function* () {
        for (let i = 0; i < 3; i++) {
          log.push(`g${i}`);
          yield* sleep(0);
        }
      });
      yield* a;
      yield* g;
      expect(log).toEqual(['a0', 'g0', 'a1', 'g1', 'a2', 'g2']);
    }));

  // twin of sleep.test.ts::sleep(0) gives up the loop for exactly one pass (generator main, async child)
  it('with a generator main, an async task and a generator task see exactly one callback tick per sleep(0)', () =>
    run(function* () {
      const loop = getRunningLoop();
      let ticks = 0;
      let stop = false;
      const tick = () => {
        ticks += 1;
        if (!stop) loop.callSoon(tick);
      };
      loop.callSoon(tick);
      const deltas: Record<Style, number[]> = { generator: [], async: [] };
      const a = createTask(async () => {
        for (let i = 0; i < 3; i++) {
          const before = ticks;
          await sleep(0);
          deltas.async.push(ticks - before);
        }
      });
      const g = createTask(function* () {
        for (let i = 0; i < 3; i++) {
          const before = ticks;
          yield* sleep(0);
          deltas.generator.push(ticks - before);
        }
      });
      yield* a;
      yield* g;
      stop = true;
      expect(deltas).toEqual({ generator: [1, 1, 1], async: [1, 1, 1] });
    }));

  // twin of tasks.test.ts::currentTask() inside a helper the body delegates to is still the task (mixed delegation)
  it('a generator task that runs an async helper as a scope body: currentTask() inside it stays the task', () =>
    run(async () => {
      const seen: unknown[] = [];
      async function helperA(): Promise<void> {
        seen.push(currentTask());
        await sleep(0);
        seen.push(currentTask());
      }
      const t = createTask(function* () {
        yield* timeout(null).run(helperA);
      });
      await t;
      expect(seen).toEqual([t, t]);
    }));

  // twin of tasks.test.ts::a body that throws synchronously fails its task; createTask() itself does not throw (exact pass)
  it('a task of either style that throws at its first step is done after exactly one pass', () =>
    run(function* () {
      const exc = new ZeroDivisionError('first step');
      const a = createTask(async () => {
        throw exc;
      });
      // eslint-disable-next-line require-yield
      const g = createTask(function* () {
        throw exc;
      });
      expect([a.done(), g.done()]).toEqual([false, false]);
      yield* sleep(0);
      expect([a.done(), g.done()]).toEqual([true, true]);
      expect(yield* rejectionG(a)).toBe(exc);
      expect(yield* rejectionG(g)).toBe(exc);
    }));
});

describe('a resumed task runs to its next wait, through helpers that do not wait (style twins)', () => {
  // twin of tasks.more.test.ts::an async task resumed in a pass runs to its next await before the next task of that pass (async), with helper delegation
  it.each(['async task', 'generator task', 'loop callback'] as const)(
    'a task delegating to ten helpers that never wait logs before the %s that follows it in the pass, in both styles',
    (next) =>
      run(async () => {
        const results: string[][] = [];
        for (const style of ['generator', 'async'] as const) {
          const log: string[] = [];
          async function helperA(d: number): Promise<number> {
            if (d === 0) return 1;
            await Promise.resolve();
            return 1 + (await helperA(d - 1));
          }
          function* helperG(d: number): Coroutine<number> {
            return d === 0 ? 1 : 1 + (yield* helperG(d - 1));
          }
          const a = createTask(
            style === 'generator'
              ? function* () {
                  yield* sleep(0);
                  for (let i = 0; i < 10; i++) yield* helperG(3);
                  log.push('a');
                  yield* sleep(0);
                }
              : async () => {
                  await sleep(0);
                  for (let i = 0; i < 10; i++) await helperA(3);
                  log.push('a');
                  await sleep(0);
                },
          );
          const b =
            next === 'async task'
              ? createTask(async () => {
                  await sleep(0);
                  log.push('b');
                })
              : next === 'generator task'
                ? createTask(function* () {
                    yield* sleep(0);
                    log.push('b');
                  })
                : createTask(function* () {
                    getRunningLoop().callSoon(() => log.push('b'));
                  });
          await a;
          await b;
          results.push(log);
        }
        expect(results).toEqual([
          ['a', 'b'],
          ['a', 'b'],
        ]);
      }),
  );
});
