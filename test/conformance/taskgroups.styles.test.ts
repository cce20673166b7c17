// Style twins of the TaskGroup tests: each test here is the other-style twin of a test written in
// only one coroutine style in test/conformance/taskgroups*.test.ts or
// /work/shared/conformance/taskgroups.test.ts. Same behaviour, same pass counts and order.
import { describe, it, expect } from 'vitest';
import {
  Event,
  ExceptionGroup,
  RuntimeError,
  TaskGroup,
  createTask,
  currentTask,
  getRunningLoop,
  isCancelledError,
  run,
  sleep,
  type Coroutine,
  type Task,
} from 'tulip';
import { waitAllTasksBlocked } from 'tulip/testing';
import {
  FOREVER,
  KeyError,
  ValueError,
  ZeroDivisionError,
  assertCancelled,
  errorOf,
  groupTypes,
  rejection,
  rejectionG,
  runVirtual,
  syncError,
} from './helpers.js';

const typeSet = (eg: unknown): Set<unknown> => new Set(groupTypes(eg));

describe('children that finish normally (style twins)', () => {
  // twin of taskgroups.test.ts::run() resolves to the value the body returned, once the children are done
  it('a generator run() resolves to the value the body returned, once the children are done', () =>
    runVirtual(function* () {
      let child!: Task<string>;
      const r = yield* new TaskGroup().run(function* (g) {
        child = g.createTask(function* () {
          return yield* sleep(20, 'child');
        });
        return 'body';
      });
      expect(r).toBe('body');
      expect(child.done()).toBe(true);
      expect(child.result()).toBe('child');
    }));

  // twin of taskgroups.test.ts::children that finish while the body keeps adding more are all done at the end
  it('generator children that finish while the body keeps adding more are all done at the end', () =>
    runVirtual(function* () {
      const tasks: Task<void>[] = [];
      let doneAtFive = 0;
      yield* new TaskGroup().run(function* (g) {
        for (let count = 0; count < 10; count++) {
          yield* sleep(100);
          tasks.push(
            g.createTask(function* () {
              yield* sleep(300);
            }),
          );
          if (count === 5) doneAtFive = tasks.filter((t) => t.done()).length;
        }
        yield* sleep(1350);
        expect(tasks.every((t) => t.done())).toBe(true);
      });
      expect(doneAtFive).toBeGreaterThan(0);
      expect(tasks.every((t) => t.done() && !t.cancelled())).toBe(true);
    }));

  // twin of taskgroups.more.test.ts::finished children leave the group ... (async), with the count at the sixth start
  it('with 100 ms starts and 300 ms children, exactly 3 children run at the sixth start in both styles', () =>
    runVirtual(async () => {
      const counts: number[] = [];
      for (const style of ['generator', 'async'] as const) {
        const created: Task<void>[] = [];
        const running = () => created.filter((t) => !t.done()).length;
        const child =
          style === 'generator'
            ? function* () {
                yield* sleep(300);
              }
            : async () => {
                await sleep(300);
              };
        await new TaskGroup().run(async (g) => {
          for (let count = 0; count < 6; count++) {
            await sleep(100);
            created.push(g.createTask(child));
          }
          counts.push(running());
        });
      }
      // children started at 100..600 ms; at 600 ms the ones from 300 (ends at 600: done first, FIFO timers), 400, 500, 600 remain
      expect(counts).toEqual([3, 3]);
    }));
});

describe('a failing child (style twins)', () => {
  // twin of grouperrors.test.ts::the ExceptionGroup carries asyncio's message and the child's very error object
  it("a generator group's ExceptionGroup carries asyncio's message and the child's very error object", () =>
    run(function* () {
      const boom = new ValueError('boom');
      const e = yield* rejectionG(
        new TaskGroup().run(function* (g) {
          g.createTask(function* () {
            yield* sleep(1);
            throw boom;
          });
        }),
      );
      expect(e).toBeInstanceOf(ExceptionGroup);
      expect((e as ExceptionGroup).message).toMatch(/unhandled errors in a TaskGroup/);
      expect((e as ExceptionGroup).errors).toEqual([boom]);
      expect((e as ExceptionGroup).errors[0]).toBe(boom);
    }));

  // twin of grouperrors.test.ts::errors of several children failing in the same pass are all collected
  it('errors of several async children failing in the same pass are all collected', () =>
    run(async () => {
      // One event wakes both in the same pass (two timers of the same delay may not share a pass).
      const go = new Event();
      const e = await rejection(
        new TaskGroup().run(async (g) => {
          g.createTask(async () => {
            await go.wait();
            throw new ValueError();
          });
          g.createTask(async () => {
            await go.wait();
            throw new KeyError();
          });
          await sleep(0);
          go.set();
        }),
      );
      expect(typeSet(e)).toEqual(new Set([ValueError, KeyError]));
      expect((e as ExceptionGroup).errors).toHaveLength(2);
    }));

  // twin of grouperrors.test.ts::errors of several children failing in the same pass are all collected (sleep(0) children)
  it('errors of children failing one pass after the start are all collected, in both styles', () =>
    run(async () => {
      for (const style of ['generator', 'async'] as const) {
        const e = await rejection(
          new TaskGroup().run(async (g) => {
            g.createTask(
              style === 'generator'
                ? function* () {
                    yield* sleep(0);
                    throw new ValueError();
                  }
                : async () => {
                    await sleep(0);
                    throw new ValueError();
                  },
            );
            g.createTask(
              style === 'generator'
                ? function* () {
                    yield* sleep(0);
                    throw new KeyError();
                  }
                : async () => {
                    await sleep(0);
                    throw new KeyError();
                  },
            );
          }),
        );
        expect((e as ExceptionGroup).errors.map((x) => (x as object).constructor), style).toEqual([ValueError, KeyError]);
      }
    }));
});

describe('an outside cancel (style twins)', () => {
  // twin of outsidecancel.test.ts::the same holds when the group runs in a task awaited by the cancelled one
  it('the same holds when a generator group runs in a task awaited by the cancelled generator task', () =>
    runVirtual(function* () {
      function* nestedRunner(): Coroutine<void> {
        yield* new TaskGroup().run(function* (g) {
          g.createTask(function* () {
            yield* sleep(300);
            throw new ZeroDivisionError();
          });
          try {
            yield* sleep(10_000);
          } catch (e) {
            if (isCancelledError(e)) yield* sleep(500);
            throw e;
          }
        });
      }
      const r = createTask(function* () {
        const t = createTask(nestedRunner());
        yield* t;
      });
      yield* sleep(100);
      expect(r.done()).toBe(false);
      r.cancel();
      const e = yield* rejectionG(r);
      expect(typeSet(e)).toEqual(new Set([ZeroDivisionError]));
    }));

  // twin of nestedgroups.test.ts::the same nesting with a sleeping child in the outer group also gives a nested ExceptionGroup
  it('generator nesting with a sleeping child in the outer group also gives a nested ExceptionGroup', () =>
    run(function* () {
      function* foo(): Coroutine<void> {
        try {
          yield* sleep(FOREVER);
        } finally {
          // eslint-disable-next-line no-unsafe-finally
          throw new ZeroDivisionError();
        }
      }
      let outerChild!: Task<void>;
      const r = createTask(function* () {
        yield* new TaskGroup().run(function* (g1) {
          outerChild = g1.createTask(() => sleep(FOREVER));
          yield* new TaskGroup().run(function* (g2) {
            for (let i = 0; i < 5; i++) g2.createTask(foo());
            yield* sleep(FOREVER);
          });
        });
      });
      yield* waitAllTasksBlocked();
      r.cancel();
      const e = yield* rejectionG(r);
      expect(typeSet(e)).toEqual(new Set([ExceptionGroup]));
      expect(typeSet((e as ExceptionGroup).errors[0])).toEqual(new Set([ZeroDivisionError]));
      expect(outerChild.cancelled()).toBe(true);
    }));
});

describe('entering and leaving a group (style twins)', () => {
  // twin of taskgroups.test.ts::running a group again inside its own body throws RuntimeError
  it('running a group again inside its own generator body throws RuntimeError', () =>
    run(function* () {
      let innerRan = false;
      let e: unknown;
      const tg = new TaskGroup();
      yield* tg.run(function* () {
        e = syncError(() =>
          tg.run(function* () {
            innerRan = true;
          }),
        );
        yield* sleep(0);
      });
      expect(e).toBeInstanceOf(RuntimeError);
      expect((e as Error).message).toMatch(/has already been entered/);
      expect(innerRan).toBe(false);
    }));

  // twin of taskgroups.test.ts::running a finished group again throws RuntimeError
  it('running a finished group again from an async task throws RuntimeError', () =>
    run(async () => {
      const tg = new TaskGroup();
      await tg.run(async () => {});
      let ran = false;
      const e = await errorOf(() =>
        tg.run(async () => {
          ran = true;
        }),
      );
      expect(e).toBeInstanceOf(RuntimeError);
      expect((e as Error).message).toMatch(/has already been entered/);
      expect(ran).toBe(false);
    }));

  // twin of shared taskgroups.test.ts::createTask() after the group ended throws RuntimeError (async, body with a wait)
  it('createTask() on a finished async group throws RuntimeError and the body never runs', () =>
    run(async () => {
      const tg = new TaskGroup();
      await tg.run(async () => {
        await sleep(0);
      });
      let ran = false;
      const e = syncError(() =>
        tg.createTask(async () => {
          ran = true;
        }),
      );
      expect(e).toBeInstanceOf(RuntimeError);
      expect((e as Error).message).toMatch(/is finished/);
      await sleep(0);
      expect(ran).toBe(false);
    }));
});

describe('TaskGroup.cancel() (style twins)', () => {
  // twin of taskgroups.test.ts::createTask() after tg.cancel() throws RuntimeError "shutting down"
  it('createTask() after tg.cancel() in a generator body throws RuntimeError "shutting down"', () =>
    run(function* () {
      let refused: unknown;
      yield* new TaskGroup().run(function* (tg) {
        tg.createTask(() => sleep(FOREVER));
        tg.cancel();
        refused = syncError(() => tg.createTask(() => sleep(0)));
      });
      expect(refused).toBeInstanceOf(RuntimeError);
      expect((refused as Error).message).toMatch(/shutting down/);
    }));

  // twin of taskgroups.test.ts::calling tg.cancel() twice is the same as once (generator)
  it('calling tg.cancel() twice in an async body is the same as once', () =>
    run(async () => {
      let child!: Task<void>;
      await new TaskGroup().run(async (tg) => {
        child = tg.createTask(() => sleep(FOREVER));
        await sleep(0);
        tg.cancel();
        tg.cancel();
        await sleep(FOREVER);
      });
      expect(child.cancelled()).toBe(true);
      expect(currentTask()!.cancelling()).toBe(0);
      await sleep(0);
    }));

  // twin of taskgroups.test.ts::tg.cancel() in a generator body cancels the children and the group exits without error
  it('tg.cancel() in an async body cancels the children, the group exits without error and resolves to undefined', () =>
    run(async () => {
      const children: Task<void>[] = [];
      const r = await new TaskGroup().run(async (tg) => {
        children.push(tg.createTask(() => sleep(FOREVER)));
        children.push(tg.createTask(() => sleep(FOREVER)));
        await sleep(0);
        tg.cancel();
        await sleep(FOREVER);
        return 'not reached';
      });
      expect(r).toBeUndefined();
      expect(children.map((t) => t.cancelled())).toEqual([true, true]);
      expect(currentTask()!.cancelling()).toBe(0);
    }));

  // twin of shared taskgroups.test.ts::tg.cancel() in the body stops the body at its next await, silently (cancelling() part)
  it('tg.cancel() in a generator body stops it at its next yield*, and cancelling() is back to 0', () =>
    run(function* () {
      let count = 0;
      yield* new TaskGroup().run(function* (tg) {
        tg.cancel();
        count += 1;
        yield* sleep(0);
        count += 1;
      });
      expect(count).toBe(1);
      expect(currentTask()!.cancelling()).toBe(0);
    }));

  // twin of taskgroups.test.ts::a child calling tg.cancel() stops its siblings ... (async): the canceller's own fate
  it('a generator child calling tg.cancel() and then returning ends cancelled, as asyncio', () =>
    run(function* () {
      let canceller!: Task<string>;
      yield* new TaskGroup().run(function* (tg) {
        tg.createTask(() => sleep(FOREVER));
        canceller = tg.createTask(function* () {
          yield* sleep(5);
          tg.cancel();
          return 'asked';
        });
        yield* sleep(FOREVER);
      });
      expect(canceller.cancelled()).toBe(true);
      expect(currentTask()!.cancelling()).toBe(0);
    }));
});

describe('children of the other style', () => {
  // twin of shared taskgroups.test.ts::the block ends when every child is done (async group, generator children)
  it('an async group waits for generator children; a generator group waits for async children', () =>
    runVirtual(async () => {
      const order: string[] = [];
      await new TaskGroup().run(async (g) => {
        g.createTask(function* () {
          yield* sleep(10);
          order.push('gen child');
        });
      });
      order.push('async group done');
      const t = createTask(function* () {
        yield* new TaskGroup().run(function* (g) {
          g.createTask(async () => {
            await sleep(10);
            order.push('async child');
          });
        });
        order.push('generator group done');
      });
      await t;
      expect(order).toEqual(['gen child', 'async group done', 'async child', 'generator group done']);
    }));

  // twin of shared taskgroups.test.ts::a failing child cancels its siblings ... (async body, generator children)
  it('a failing generator child cancels an async sibling and the async body of the group', () =>
    run(async () => {
      let bodyCancelled = false;
      let sibling!: Task<void>;
      const e = await rejection(
        new TaskGroup().run(async (g) => {
          g.createTask(function* () {
            yield* sleep(1);
            throw new ZeroDivisionError();
          });
          sibling = g.createTask(async () => {
            await sleep(FOREVER);
          });
          try {
            await sleep(FOREVER);
          } catch (err) {
            bodyCancelled = isCancelledError(err);
            throw err;
          }
        }),
      );
      expect(typeSet(e)).toEqual(new Set([ZeroDivisionError]));
      expect(bodyCancelled).toBe(true);
      expect(sibling.cancelled()).toBe(true);
      expect(currentTask()!.cancelling()).toBe(0);
    }));

  // twin of shared taskgroups.test.ts::cancelling the task that runs the group cancels every child (async body in a generator task)
  it('cancelling a generator task running a group with an async body cancels every child', () =>
    run(async () => {
      let NUM = 0;
      const r = createTask(function* () {
        yield* new TaskGroup().run(async (g) => {
          for (let i = 0; i < 5; i++) {
            g.createTask(async () => {
              try {
                await sleep(FOREVER);
              } catch (e) {
                if (isCancelledError(e)) NUM += 1;
                throw e;
              }
            });
          }
        });
      });
      await waitAllTasksBlocked();
      expect(r.done()).toBe(false);
      r.cancel();
      assertCancelled(await rejection(r));
      expect(NUM).toBe(5);
    }));
});

describe('the order of a failure in a group, in every combination of styles', () => {
  const S = ['generator', 'async'] as const;
  const combos = S.flatMap((task) => S.flatMap((body) => S.flatMap((c1) => S.map((c2) => ({ task, body, c1, c2 })))));

  // twin of grouperrors.test.ts::cancels the siblings and the waiting body, and the errors come out in one ExceptionGroup (async/generator), pass by pass
  it.each(combos)(
    'task=$task body=$body failing child=$c1 sibling=$c2: c1 fails at k, sibling and body are cancelled at k+2, the group exits at k+4',
    ({ task, body, c1, c2 }) =>
      run(async () => {
        const loop = getRunningLoop();
        let pass = 0;
        let stop = false;
        const tick = () => {
          pass++;
          if (!stop) loop.callSoon(tick);
        };
        loop.callSoon(tick);
        const log: [string, number][] = [];
        const failing =
          c1 === 'generator'
            ? function* () {
                yield* sleep(0);
                log.push(['c1 fails', pass]);
                throw new ValueError('x');
              }
            : async () => {
                await sleep(0);
                log.push(['c1 fails', pass]);
                throw new ValueError('x');
              };
        const sibling =
          c2 === 'generator'
            ? function* () {
                try {
                  yield* sleep(FOREVER);
                } catch (e) {
                  log.push(['sibling cancelled', pass]);
                  throw e;
                }
              }
            : async () => {
                try {
                  await sleep(FOREVER);
                } catch (e) {
                  log.push(['sibling cancelled', pass]);
                  throw e;
                }
              };
        const groupBody =
          body === 'generator'
            ? function* (tg: TaskGroup) {
                tg.createTask(failing);
                tg.createTask(sibling);
                try {
                  yield* sleep(FOREVER);
                } catch (e) {
                  log.push(['body cancelled', pass]);
                  throw e;
                }
              }
            : async (tg: TaskGroup) => {
                tg.createTask(failing);
                tg.createTask(sibling);
                try {
                  await sleep(FOREVER);
                } catch (e) {
                  log.push(['body cancelled', pass]);
                  throw e;
                }
              };
        const t = createTask(
          task === 'generator'
            ? function* () {
                try {
                  yield* new TaskGroup().run(groupBody);
                } catch (e) {
                  log.push(['group exited', pass]);
                }
              }
            : async () => {
                try {
                  await new TaskGroup().run(groupBody);
                } catch (e) {
                  log.push(['group exited', pass]);
                }
              },
        );
        await t;
        stop = true;
        const k = log[0]![1];
        expect(log.map(([what, at]) => [what, at - k])).toEqual([
          ['c1 fails', 0],
          ['sibling cancelled', 2],
          ['body cancelled', 2],
          ['group exited', 4],
        ]);
      }),
  );
});
