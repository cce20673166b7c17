// Unit tests of src/internal/inline.ts: scopes run inline in the calling task in both styles,
// nest cleanly, fall back to a helper task when only watched, and refuse to run outside a task;
// plus the drive() and onePass() machinery.
import { describe, it, expect } from 'vitest';
import {
  CancelledError,
  ExceptionGroup,
  RuntimeError,
  TaskGroup,
  TimeoutError,
  allTasks,
  createTask,
  currentTask,
  gather,
  getRunningLoop,
  newEventLoop,
  run,
  sleep,
  timeout,
  type Coroutine,
  type Future,
  type Task,
  } from 'tulip';
import { runBriefly } from 'tulip/testing';
import { InlineFuture, drive, onePass } from '../../src/internal/inline.js';
import { STYLES, rejection, runVirtual, styled } from '../support.js';

describe('scopes run inside the calling task', () => {
  it('an async body inside a generator-mode scope is cancelled at its awaits, and its finally runs before the scope exits', () =>
    runVirtual(function* () {
      const log: string[] = [];
      try {
        yield* timeout(20).run(async () => {
          try {
            await sleep(1000);
            log.push('not reached');
          } catch (e) {
            log.push(`body caught ${(e as Error).name}`);
            throw e;
          } finally {
            await sleep(5); // the finally may still wait
            log.push('body finally');
          }
        });
      } catch (e) {
        log.push(`scope raised ${(e as Error).name}`);
      }
      expect(log).toEqual(['body caught CancelledError', 'body finally', 'scope raised TimeoutError']);
      expect(getRunningLoop().time()).toBe(25);
    }));

  it('cancelling a generator task reaches the await of an async scope body, whose finally runs first', () =>
    run(async () => {
      const log: string[] = [];
      const t = createTask(function* () {
        try {
          yield* new TaskGroup().run(async () => {
            try {
              await sleep(1e9);
            } finally {
              log.push('body finally');
            }
          });
        } finally {
          log.push('task finally');
        }
      });
      await runBriefly(2);
      t.cancel('bye');
      const e = await rejection(t);
      expect(e).toBeInstanceOf(CancelledError);
      expect((e as Error).message).toBe('bye');
      expect(log).toEqual(['body finally', 'task finally']);
    }));

  for (const style of STYLES) {
    it(`a TaskGroup inside a timeout times out cleanly: children cancelled, TimeoutError at the deadline (${style})`, () =>
      runVirtual(async () => {
        let child: Task | undefined;
        const log: string[] = [];
        const t = createTask(
          styled(
            style,
            function* () {
              yield* timeout(50).run(function* () {
                yield* new TaskGroup().run(function* (tg) {
                  child = tg.createTask(function* () {
                    try {
                      yield* sleep(1000);
                    } finally {
                      log.push('child finally');
                    }
                  });
                  yield* sleep(1000);
                });
              });
            },
            async () => {
              await timeout(50).run(async () => {
                await new TaskGroup().run(async (tg) => {
                  child = tg.createTask(async () => {
                    try {
                      await sleep(1000);
                    } finally {
                      log.push('child finally');
                    }
                  });
                  await sleep(1000);
                });
              });
            },
          ),
        );
        const e = await rejection(t);
        expect(e).toBeInstanceOf(TimeoutError);
        expect((e as Error).cause).toBeInstanceOf(CancelledError);
        expect(child!.cancelled()).toBe(true);
        expect(log).toEqual(['child finally']);
        expect(getRunningLoop().time()).toBe(50);
        expect(t.cancelling()).toBe(0);
      }));

    it(`a timeout inside a TaskGroup body times out cleanly and the group goes on (${style})`, () =>
      runVirtual(async () => {
        const t = createTask(
          styled(
            style,
            function* () {
              return yield* new TaskGroup().run(function* (tg) {
                const sibling = tg.createTask(function* () {
                  yield* sleep(100);
                  return 'sibling';
                });
                let caught = '';
                try {
                  yield* timeout(20).run(function* () {
                    yield* sleep(1000);
                  });
                } catch (e) {
                  caught = (e as Error).name;
                }
                return `${caught} at ${getRunningLoop().time()}, ${yield* sibling}`;
              });
            },
            async () =>
              new TaskGroup().run(async (tg) => {
                const sibling = tg.createTask(async () => {
                  await sleep(100);
                  return 'sibling';
                });
                let caught = '';
                try {
                  await timeout(20).run(async () => {
                    await sleep(1000);
                  });
                } catch (e) {
                  caught = (e as Error).name;
                }
                return `${caught} at ${getRunningLoop().time()}, ${await sibling}`;
              }),
          ),
        );
        expect(await t).toBe('TimeoutError at 20, sibling');
        expect(t.cancelling()).toBe(0);
      }));

    it(`a child whose own timeout expires fails the group with an ExceptionGroup of TimeoutError (${style})`, () =>
      runVirtual(async () => {
        const t = createTask(
          styled(
            style,
            function* () {
              yield* new TaskGroup().run(function* (tg) {
                tg.createTask(function* () {
                  yield* timeout(10).run(function* () {
                    yield* sleep(1000);
                  });
                });
              });
            },
            async () => {
              await new TaskGroup().run(async (tg) => {
                tg.createTask(async () => {
                  await timeout(10).run(async () => {
                    await sleep(1000);
                  });
                });
              });
            },
          ),
        );
        const eg = (await rejection(t)) as ExceptionGroup;
        expect(eg).toBeInstanceOf(ExceptionGroup);
        expect(eg.errors.length).toBe(1);
        expect(eg.errors[0]).toBeInstanceOf(TimeoutError);
      }));
  }
});

describe('scopes that are only watched run in a helper task', () => {
  it('a scope future handed to gather runs in a hidden helper task, not in the caller', () =>
    run(async () => {
      const me = currentTask();
      let inside: Task | undefined;
      const [v] = await gather([
        timeout(1000).run(async () => {
          inside = currentTask();
          await sleep(0);
          return 'from helper';
        }),
      ]);
      expect(v).toBe('from helper');
      expect(inside === undefined).toBe(false);
      expect(inside === me).toBe(false);
      expect(allTasks().has(inside!)).toBe(false);
    }));

  it('addDoneCallback() on a scope future starts it in a helper task', () =>
    run(async () => {
      const f = timeout(null).run(function* () {
        yield* sleep(0);
        return 7;
      });
      const seen = getRunningLoop().createFuture<number>();
      f.addDoneCallback((x) => seen.setResult(x.result()));
      expect(await seen).toBe(7);
    }));

  it('cancelling a scope future that runs in a helper cancels the helper, and the body sees it', () =>
    run(async () => {
      const log: string[] = [];
      const f = new TaskGroup().run(async () => {
        try {
          await sleep(1e9);
        } finally {
          log.push('finally');
        }
      });
      const g = gather([f]);
      await runBriefly(2);
      expect(f.cancel()).toBe(true);
      await expect(g).rejects.toBeInstanceOf(CancelledError);
      expect(f.cancelled()).toBe(true);
      expect(log).toEqual(['finally']);
    }));

  it('cancelling a scope future before it starts cancels it at once, and the body never runs', () =>
    run(async () => {
      let ran = false;
      const f = timeout(100).run(async () => {
        ran = true;
      });
      expect(f.cancel('early')).toBe(true);
      expect(f.cancelled()).toBe(true);
      expect(f.cancel()).toBe(false);
      await runBriefly(2);
      expect(ran).toBe(false);
    }));
});

describe('scopes outside a task', () => {
  it(".then() of a scope in a plain loop callback rejects with a RuntimeError naming the scope, in asyncio's words too", async () => {
    const loop = newEventLoop();
    const results: Array<Promise<unknown>> = [];
    loop.callSoon(() => {
      results.push(timeout(10).run(async () => 1).then((v) => v));
      results.push(new TaskGroup().run(async () => 1).then((v) => v));
      loop.stop();
    });
    await loop.runForever();
    const [a, b] = await Promise.all(results.map((p) => rejection(p)));
    expect(a).toBeInstanceOf(RuntimeError);
    expect((a as Error).message).toMatch(/^Timeout\.run\(\) must be awaited inside a task/);
    expect((a as Error).message).toMatch(/Timeout should be used inside a task$/);
    expect(b).toBeInstanceOf(RuntimeError);
    expect((b as Error).message).toMatch(/^TaskGroup\.run\(\) must be awaited inside a task/);
    expect((b as Error).message).toMatch(/TaskGroup cannot determine the parent task$/);
    loop.close();
  });

  it('.then(onOk, onErr) outside a task calls onErr with the RuntimeError', async () => {
    const loop = newEventLoop();
    let p: Promise<string> | undefined;
    loop.callSoon(() => {
      p = timeout(10)
        .run(async () => 'x')
        .then(
          () => 'ok',
          (e: unknown) => `handled ${(e as Error).name}`,
        );
      loop.stop();
    });
    await loop.runForever();
    expect(await p).toBe('handled RuntimeError');
    loop.close();
  });
});

describe('drive() and onePass()', () => {
  it('onePass(loop, v, n) resolves with v after exactly n passes', () =>
    run(async () => {
      const loop = getRunningLoop();
      const log: string[] = [];
      let pass = 0;
      const ticker = (): void => {
        pass++;
        if (pass < 6) loop.callSoon(ticker);
      };
      loop.callSoon(ticker);
      const f: Future<string> = onePass(loop, 'three', 3);
      f.addDoneCallback(() => log.push(`done at tick ${pass}`));
      expect(await f).toBe('three');
      await runBriefly(4);
      expect(log).toEqual(['done at tick 3']);
    }));

  it('drive() runs a coroutine from async code: futures are awaited and a bare yield is one pass', () =>
    run(async () => {
      const loop = getRunningLoop();
      const log: string[] = [];
      loop.callSoon(() => log.push('other callback'));
      const v = await drive(
        (function* (): Coroutine<string> {
          yield; // one pass
          log.push('after bare yield');
          const a = (yield sleep(0, 'a')) as string;
          const b = (yield Promise.resolve('b')) as string;
          return a + b;
        })(),
        loop,
      );
      expect(v).toBe('ab');
      expect(log).toEqual(['other callback', 'after bare yield']);
    }));

  it('drive() throws a RuntimeError into the coroutine for a bad yield', () =>
    run(async () => {
      const v = await drive(
        (function* (): Coroutine<string> {
          try {
            yield 42;
            return 'no';
          } catch (e) {
            return `${(e as Error).name}: ${(e as Error).message}`;
          }
        })(),
        getRunningLoop(),
      );
      expect(v).toBe('RuntimeError: bad yield in a coroutine run from async code: 42');
    }));

  it('drive() delivers a rejected await as a throw into the coroutine', () =>
    run(async () => {
      const err = new Error('rejected');
      const v = await drive(
        (function* (): Coroutine<unknown> {
          try {
            yield Promise.reject(err);
          } catch (e) {
            return e;
          }
        })(),
        getRunningLoop(),
      );
      expect(v).toBe(err);
    }));

  it('an InlineFuture run by yield* runs inline and reflects its outcome', () =>
    run(function* () {
      const loop = getRunningLoop();
      const me = currentTask();
      let inside: Task | undefined;
      const f = new InlineFuture<number>(loop, function* () {
        inside = currentTask();
        yield* sleep(0);
        return 11;
      });
      const v = yield* f;
      expect(v).toBe(11);
      expect(inside === me).toBe(true);
      expect(f.done()).toBe(true);
      expect(f.result()).toBe(11);
    }));
});
