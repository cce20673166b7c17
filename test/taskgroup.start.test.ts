// Unit tests of TaskGroup.start() and TaskStatus (src/taskgroup.ts), Trio's nursery.start: the
// behaviours of trio's test_run.py test_nursery_start and test_nursery_start_keeps_nursery_open,
// in tulip's terms and both coroutine styles, and the cancellation races of a blocking call.
import { describe, expect, it } from 'vitest';
import {
  CancelScope,
  CancelledError,
  ExceptionGroup,
  RuntimeError,
  TASK_STATUS_IGNORED,
  TaskGroup,
  createTask,
  eagerTaskFactory,
  getRunningLoop,
  moveOnAfter,
  sleep,
  type Coroutine,
  type TaskStatus,
} from 'tulip';
import { STYLES, rejection, rejectionG, runVirtual, styled, syncError, type Style } from './support.js';

const now = (): number => getRunningLoop().time();

/** A start() body: the task's code, given its status. */
type StartFn<S> = (status: TaskStatus<S>) => Coroutine<unknown> | Promise<unknown>;

/** The generator or the async-function version of a body, by style. */
const pick = <F>(style: Style, gen: F, asy: F): F => (style === 'generator' ? gen : asy);

/** A start() body that sleeps `ms`, then throws `error` without calling started(). */
const sleepThenThrow = (style: Style, ms: number, error: Error): StartFn<void> =>
  pick<StartFn<void>>(
    style,
    function* () {
      yield* sleep(ms);
      throw error;
    },
    async () => {
      await sleep(ms);
      throw error;
    },
  );

class KeyError extends Error {
  override name = 'KeyError';
}

/** Sleeps `ms`, reports `ms` as started, sleeps `ms` again (trio's sleep_then_start). */
function sleepThenStart(style: Style, ms: number, log: string[] = []) {
  return styled(
    style,
    function* (status: TaskStatus<number> = TASK_STATUS_IGNORED): Coroutine<void> {
      yield* sleep(ms);
      status.started(ms);
      yield* sleep(ms);
      log.push('child done');
    } as never,
    async (status: TaskStatus<number> = TASK_STATUS_IGNORED) => {
      await sleep(ms);
      status.started(ms);
      await sleep(ms);
      log.push('child done');
    },
  ) as unknown as (status?: TaskStatus<number>) => Coroutine<void> | Promise<void>;
}

for (const style of STYLES) {
  describe(`TaskGroup.start (${style} bodies)`, () => {
    it('waits for started(), returns its value, and the group then waits for the task to end', () =>
      runVirtual(async () => {
        for (const ms of [10, 20]) {
          const log: string[] = [];
          const t0 = now();
          await new TaskGroup().run(async (tg) => {
            expect(await tg.start(sleepThenStart(style, ms, log))).toBe(ms);
            expect(now() - t0).toBe(ms);
            log.push('start returned');
          });
          expect(now() - t0).toBe(2 * ms);
          expect(log).toEqual(['start returned', 'child done']);
        }
      }));

    it('with TASK_STATUS_IGNORED the same body runs as a plain call or a plain task', () =>
      runVirtual(
        styled(
          style,
          function* () {
            const t0 = now();
            yield* sleepThenStart(style, 30)() as Coroutine<void>;
            expect(now() - t0).toBe(60);
            yield* new TaskGroup().run((tg) => {
              tg.createTask(() => sleepThenStart(style, 5)());
            });
            expect(now() - t0).toBe(70);
          },
          async () => {
            const t0 = now();
            await sleepThenStart(style, 30)();
            expect(now() - t0).toBe(60);
            await new TaskGroup().run((tg) => {
              tg.createTask(() => sleepThenStart(style, 5)());
            });
            expect(now() - t0).toBe(70);
          },
        ),
      ));

    it('a failure before started() comes out of start() and leaves the group and its other children alone', () =>
      runVirtual(async () => {
        const log: string[] = [];
        await new TaskGroup().run(async (tg) => {
          tg.createTask(async () => {
            await sleep(50);
            log.push('sibling finished');
          });
          const e = await rejection(tg.start(sleepThenThrow(style, 10, new KeyError('oops'))));
          expect(e).toBeInstanceOf(KeyError);
          log.push('start raised');
        });
        expect(log).toEqual(['start raised', 'sibling finished']);
      }));

    it('a body that returns without calling started() makes start() raise RuntimeError', () =>
      runVirtual(async () => {
        await new TaskGroup().run(async (tg) => {
          const nothing = pick<StartFn<void>>(
            style,
            function* () {
              yield* sleep(1);
              return 'ignored';
            },
            async () => 'ignored',
          );
          const e = await rejection(tg.start(nothing));
          expect(e).toBeInstanceOf(RuntimeError);
          expect((e as Error).message).toMatch(/returned without calling status\.started\(\)/);
        });
      }));

    it('started() twice throws RuntimeError in the task; start() has the first value', () =>
      runVirtual(async () => {
        let second: unknown;
        await new TaskGroup().run(async (tg) => {
          const twice = pick<StartFn<string>>(
              style,
              function* (status) {
                status.started('first');
                second = syncError(() => status.started('second'));
                yield* sleep(1);
              },
              async (status) => {
                status.started('first');
                second = syncError(() => status.started('second'));
                await sleep(1);
              },
            );
          expect(await tg.start(twice)).toBe('first');
        });
        expect(second).toBeInstanceOf(RuntimeError);
        expect((second as Error).message).toMatch(/called 'started' twice/);
      }));

    it('a failure after started() is the group\'s: the block raises an ExceptionGroup', () =>
      runVirtual(async () => {
        const e = await rejection(
          new TaskGroup().run(async (tg) => {
            const late = pick<StartFn<void>>(
                style,
                function* (status) {
                  status.started();
                  yield* sleep(5);
                  throw new KeyError('late');
                },
                async (status) => {
                  status.started();
                  await sleep(5);
                  throw new KeyError('late');
                },
              );
            await tg.start(late);
            await sleep(100);
          }),
        );
        expect(e).toBeInstanceOf(ExceptionGroup);
        expect((e as ExceptionGroup).errors.map((x) => (x as Error).message)).toEqual(['late']);
      }));

    it('cancelling the caller while the task starts cancels the task, waits for its cleanup, then raises CancelledError', () =>
      runVirtual(async () => {
        const log: string[] = [];
        await new TaskGroup().run(async (tg) => {
          const slow = pick<StartFn<void>>(
              style,
              function* (status) {
                try {
                  yield* sleep(1000);
                  status.started();
                } finally {
                  log.push('child cleanup started');
                  yield* sleep(7);
                  log.push('child cleanup done');
                }
              },
              async (status) => {
                try {
                  await sleep(1000);
                  status.started();
                } finally {
                  log.push('child cleanup started');
                  await sleep(7);
                  log.push('child cleanup done');
                }
              },
            );
          const t0 = now();
          const caller = createTask(async () => {
            try {
              await tg.start(slow);
            } catch (e) {
              log.push(`start raised ${(e as Error).constructor.name} at ${now() - t0}`);
              throw e;
            }
          });
          await sleep(10);
          caller.cancel();
          expect(await rejection(caller)).toBeInstanceOf(CancelledError);
        });
        expect(log).toEqual(['child cleanup started', 'child cleanup done', 'start raised CancelledError at 17']);
      }));

    it('in a cancel scope that expires while the task starts, start() raises and the scope catches it', () =>
      runVirtual(async () => {
        let childFinally = false;
        await new TaskGroup().run(async (tg) => {
          const slow = pick<StartFn<void>>(
              style,
              function* (status) {
                try {
                  yield* sleep(1000);
                  status.started();
                } finally {
                  childFinally = true;
                }
              },
              async (status) => {
                try {
                  await sleep(1000);
                  status.started();
                } finally {
                  childFinally = true;
                }
              },
            );
          const r = await moveOnAfter(10, async () => tg.start(slow));
          expect(r).toBeUndefined();
          expect(childFinally).toBe(true);
          expect(now()).toBe(10);
        });
      }));

    it('a task cancelled before started() (by its own code) makes start() raise CancelledError', () =>
      runVirtual(async () => {
        await new TaskGroup().run(async (tg) => {
          const e = await rejection(tg.start(sleepThenThrow(style, 1, new CancelledError('given up'))));
          expect(e).toBeInstanceOf(CancelledError);
        });
      }));
  });
}

describe('TaskGroup.start: the rest', () => {
  it('the race: the caller is cancelled in the pass where the task calls started() — no task is lost', async () => {
    for (const order of ['cancel first', 'started first']) {
      await runVirtual(function* () {
        const log: string[] = [];
        yield* new TaskGroup().run(function* (tg) {
          let status: TaskStatus<string> | undefined;
          const child = (s: TaskStatus<string>) =>
            (function* () {
              status = s;
              try {
                yield* sleep(1000);
              } finally {
                log.push('child ended');
              }
            })();
          const caller = createTask(function* () {
            return yield* tg.start(child);
          });
          yield* sleep(1);
          if (order === 'cancel first') caller.cancel();
          status!.started('ready');
          if (order === 'started first') caller.cancel();
          const outcome = yield* rejectionG(caller);
          // Either way the caller is cancelled (asyncio: a cancel before the wake-up wins).
          expect(outcome).toBeInstanceOf(CancelledError);
          if (order === 'cancel first') {
            // The task was still starting for the caller: it was cancelled and waited for.
            expect(log).toEqual(['child ended']);
          } else {
            // It had started: it stays in the group, which waits for it.
            expect(log).toEqual([]);
          }
        });
        expect(log).toEqual(['child ended']);
      });
    }
  });

  it('start() never starts its task eagerly, even under eagerTaskFactory: in a cancelled scope the task is cancelled at its first wait', () =>
    runVirtual(function* () {
      getRunningLoop().setTaskFactory(eagerTaskFactory);
      const log: string[] = [];
      yield* new TaskGroup().run(function* (tg) {
        const v = yield* tg.start((status: TaskStatus<number>) =>
          (function* () {
            status.started(42);
            yield* sleep(5);
          })(),
        );
        expect(v).toBe(42);
        const scope = new CancelScope();
        scope.cancel();
        yield* scope.run(function* () {
          yield* tg.start((status: TaskStatus<string>) =>
            (function* () {
              status.started('hi'); // start() was cancelled already: nothing
              try {
                yield* sleep(1000);
              } finally {
                log.push('task cancelled');
              }
            })(),
          );
          log.push('not reached');
        });
        expect(scope.cancelledCaught).toBe(true);
      });
      expect(log).toEqual(['task cancelled']);
      expect(now()).toBe(5);
      getRunningLoop().setTaskFactory(null);
    }));

  it('a failure in the cleanup of a task whose caller was cancelled comes out of start(), not the group', () =>
    runVirtual(async () => {
      const log: string[] = [];
      await new TaskGroup().run(async (tg) => {
        tg.createTask(async () => {
          await sleep(50);
          log.push('sibling done');
        });
        const caller = createTask(async () =>
          tg.start(async () => {
            try {
              await sleep(1000);
            } finally {
              // eslint-disable-next-line no-unsafe-finally
              throw new KeyError('cleanup failed');
            }
          }),
        );
        await sleep(10);
        caller.cancel();
        const e = await rejection(caller);
        expect(e).toBeInstanceOf(KeyError);
        log.push('start raised');
      });
      expect(log).toEqual(['start raised', 'sibling done']);
    }));

  it('a task that fails in the pass in which its caller is cancelled: start() raises the failure, the group is untouched', () =>
    runVirtual(async () => {
      let sibling = false;
      await new TaskGroup().run(async (tg) => {
        tg.createTask(async () => {
          await sleep(50);
          sibling = true;
        });
        const caller = createTask(async () =>
          tg.start(async () => {
            await sleep(10);
            throw new KeyError('init failed');
          }),
        );
        await sleep(10); // the task fails in this pass, after this
        caller.cancel();
        expect(await rejection(caller)).toBeInstanceOf(KeyError);
      });
      expect(sibling).toBe(true);
    }));

  for (const style of STYLES) {
    it(`a second cancel of the caller does not cut short start()'s wait for the task to go (${style})`, () =>
      runVirtual(async () => {
        const log: string[] = [];
        await new TaskGroup().run(async (tg) => {
          const slowCleanup = async (): Promise<void> => {
            try {
              await sleep(1000);
            } finally {
              await sleep(50);
              log.push(`task gone @${now()}`);
            }
          };
          const caller = createTask(
            styled(
              style,
              function* () {
                yield* tg.start(slowCleanup);
              },
              async () => {
                await tg.start(slowCleanup);
              },
            ),
          );
          await sleep(10);
          caller.cancel();
          await sleep(10);
          caller.cancel();
          await rejection(caller);
          log.push(`start left @${now()}`);
        });
        expect(log).toEqual(['task gone @60', 'start left @60']);
      }));
  }

  it('keeps a group open: start() from another task, while the block exits, puts its task in the group (trio)', () =>
    runVirtual(async () => {
      const t0 = now();
      await new TaskGroup().run(async (outer) => {
        await new TaskGroup().run(async (inner) => {
          outer.createTask(() => inner.start(sleepThenStart('async', 20)));
          await sleep(10);
          outer.createTask(() => inner.start(sleepThenStart('async', 20)));
        });
        // the inner block waited for both tasks: the second started at 10 and ended at 50
        expect(now() - t0).toBe(50);
      });
    }));

  it('a task that fails before started() does not stop the group it would have joined (trio)', () =>
    runVirtual(async () => {
      const t0 = now();
      let raised: unknown;
      await new TaskGroup().run(async (outer) => {
        await new TaskGroup().run(async (inner) => {
          outer.createTask(async () => {
            raised = await rejection(
              inner.start(async () => {
                await sleep(70);
                throw new KeyError('crash');
              }),
            );
          });
          await sleep(0);
        });
        expect(now() - t0).toBe(70);
      });
      expect(raised).toBeInstanceOf(KeyError);
    }));

  it('checks its options at the call, and names itself when the group finished before it was awaited', () =>
    runVirtual(async () => {
      let late: ReturnType<TaskGroup['start']> | undefined;
      const tg = new TaskGroup();
      await tg.run(async () => {
        const e = syncError(() => tg.start(async () => {}, { name: true as never }));
        expect(e).toBeInstanceOf(TypeError);
        expect(e.message).toBe('TaskGroup.start: opts.name must be a string (or a number), got true');
        late = tg.start(async () => {});
      });
      const e = await rejection(late!);
      expect(e).toBeInstanceOf(RuntimeError);
      expect((e as Error).message).toBe('TaskGroup.start: <TaskGroup tasks=0 finished> is finished');
    }));

  it('is refused at once before the group is entered, once it is finished or shutting down, and for a non-function', () =>
    runVirtual(async () => {
      const fresh = new TaskGroup();
      expect(syncError(() => fresh.start(async () => {})).message).toMatch(/^TaskGroup\.start: .* has not been entered/);
      const closed = new TaskGroup();
      await closed.run(async () => {});
      const t0 = now();
      expect(syncError(() => closed.start(sleepThenStart('async', 7))).message).toMatch(/^TaskGroup\.start: .* is finished/);
      expect(now()).toBe(t0);
      await rejection(
        new TaskGroup().run(async (tg) => {
          tg.createTask(async () => {
            throw new KeyError('boom');
          });
          try {
            await sleep(10);
          } catch {
            expect(syncError(() => tg.start(async () => {})).message).toMatch(/is shutting down/);
          }
        }),
      );
      await new TaskGroup().run(async (tg) => {
        const e = syncError(() => tg.start(5 as never));
        expect(e).toBeInstanceOf(TypeError);
        expect(e.message).toBe('TaskGroup.start: body must be a function, got 5');
      });
    }));

  it('nothing starts until the returned future is awaited', () =>
    runVirtual(async () => {
      let ran = false;
      await new TaskGroup().run(async (tg) => {
        void tg.start(async () => {
          ran = true;
        });
        await sleep(10);
      });
      expect(ran).toBe(false);
    }));

  it('started() of TASK_STATUS_IGNORED does nothing, however often', () => {
    TASK_STATUS_IGNORED.started();
    TASK_STATUS_IGNORED.started();
    expect(true).toBe(true);
  });

  it('in a scope cancelled beforehand, start() raises and the task is cancelled at its first wait (trio: started() is then a no-op)', () =>
    runVirtual(async () => {
      const log: string[] = [];
      await new TaskGroup().run(async (tg) => {
        const scope = new CancelScope();
        scope.cancel();
        await scope.run(async () => {
          await tg.start(async (status: TaskStatus<string>) => {
            log.push('first step');
            status.started('hi');
            try {
              await sleep(1000);
            } finally {
              log.push('cancelled at its first wait');
            }
          });
          log.push('not reached');
        });
        expect(scope.cancelledCaught).toBe(true);
      });
      expect(log).toEqual(['first step', 'cancelled at its first wait']);
      expect(now()).toBe(0);
    }));
});
