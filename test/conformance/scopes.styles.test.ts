// Style twins of the cancel-scope tests (CancelScope, moveOnAfter/moveOnAt, failAfter) of
// test/cancelscope.test.ts: there the task running the scope is always an async function (only the
// body's style varies); here it is a generator task, with a body of either style (a generator body
// is the pure generator twin, an async body the mixed nesting that src/internal/inline.ts
// supports). The async-only tests of the last block get their generator twins too.
import { describe, it, expect } from 'vitest';
import {
  CancelScope,
  TaskGroup,
  TimeoutError,
  createTask,
  currentTask,
  failAfter,
  getRunningLoop,
  isCancelledError,
  moveOnAfter,
  moveOnAt,
  sleep,
  timeout,
  type Coroutine,
} from 'tulip';
import { runBriefly } from 'tulip/testing';
import { STYLES, rejection, rejectionG, runVirtual } from './helpers.js';

const DAY = 24 * 3600 * 1000;

describe.each(STYLES)('CancelScope in a generator task (%s body)', (style) => {
  function waiter(n: number, ms: number, caught: { n: number }): (s: CancelScope) => Coroutine<string> | Promise<string> {
    if (style === 'generator') {
      return function* () {
        for (let i = 0; i < n; i++) {
          try {
            yield* sleep(ms);
          } catch (e) {
            if (!isCancelledError(e)) throw e;
            caught.n++;
          }
        }
        return 'done';
      };
    }
    return async () => {
      for (let i = 0; i < n; i++) {
        try {
          await sleep(ms);
        } catch (e) {
          if (!isCancelledError(e)) throw e;
          caught.n++;
        }
      }
      return 'done';
    };
  }

  // twin of cancelscope.test.ts::once cancelled, every later wait inside raises again until the scope exits
  it('once cancelled, every later wait inside raises again until the scope exits', () =>
    runVirtual(function* () {
      const caught = { n: 0 };
      const scope = new CancelScope();
      getRunningLoop().callLater(10, () => scope.cancel());
      const r = yield* scope.run(waiter(3, 1000, caught));
      expect(caught.n).toBe(3);
      expect(r).toBe('done');
      expect(scope.cancelCalled).toBe(true);
      expect(scope.cancelledCaught).toBe(false);
      yield* sleep(5);
    }));

  // twin of cancelscope.test.ts::a deadline a day away cancels the body, the scope catches it, and run() resolves to undefined
  it('a deadline a day away cancels the body, the scope catches it, and run() resolves to undefined', () =>
    runVirtual(function* () {
      const loop = getRunningLoop();
      const t0 = loop.time();
      const scope = new CancelScope({ deadline: t0 + DAY });
      const r = yield* scope.run(
        style === 'generator'
          ? function* () {
              yield* sleep(2 * DAY);
              return 'late';
            }
          : async () => {
              await sleep(2 * DAY);
              return 'late';
            },
      );
      expect(r).toBeUndefined();
      expect(scope.cancelledCaught).toBe(true);
      expect(loop.time() - t0).toBe(DAY);
      expect(currentTask()!.cancelling()).toBe(0);
    }));

  // twin of cancelscope.test.ts::a shielded scope keeps an outer scope's cancellation out until it exits
  it("a shielded scope keeps an outer scope's cancellation out until it exits", () =>
    runVirtual(function* () {
      const log: string[] = [];
      const outer = new CancelScope();
      yield* outer.run(function* () {
        yield* new CancelScope({ shield: true }).run(
          style === 'generator'
            ? function* () {
                outer.cancel();
                yield* sleep(50);
                log.push('shielded sleep finished');
              }
            : async () => {
                outer.cancel();
                await sleep(50);
                log.push('shielded sleep finished');
              },
        );
        try {
          yield* sleep(50);
          log.push('not reached');
        } catch (e) {
          log.push(isCancelledError(e) ? 'cancelled after the shield' : 'other');
          throw e;
        }
      });
      expect(log).toEqual(['shielded sleep finished', 'cancelled after the shield']);
      expect(outer.cancelledCaught).toBe(true);
    }));

  // twin of cancelscope.test.ts::a shield holds task.cancel() back, with its signal, until the shielded scope exits
  it('a shield holds task.cancel() back, with its signal, until the shielded scope exits (generator canceller)', () =>
    runVirtual(function* () {
      const log: string[] = [];
      const t = createTask(
        style === 'generator'
          ? function* () {
              yield* new CancelScope({ shield: true }).run(function* () {
                yield* sleep(100);
                log.push(`inner done, signal aborted: ${currentTask()!.signal.aborted}`);
              });
              yield* sleep(100);
            }
          : function* () {
              yield* new CancelScope({ shield: true }).run(async () => {
                await sleep(100);
                log.push(`inner done, signal aborted: ${currentTask()!.signal.aborted}`);
              });
              yield* sleep(100);
            },
      );
      yield* sleep(10);
      t.cancel('stop');
      try {
        yield* t;
      } catch (e) {
        log.push(`task: ${(e as Error).message}`);
      }
      expect(log).toEqual(['inner done, signal aborted: false', 'task: stop']);
      expect(t.cancelled()).toBe(true);
    }));

  // twin of cancelscope.test.ts::timeout() inside a shielded scope still fires, and converts to TimeoutError
  it('timeout() inside a shielded scope still fires, and converts to TimeoutError', () =>
    runVirtual(function* () {
      let err: unknown;
      yield* new CancelScope({ shield: true }).run(function* () {
        try {
          yield* timeout(10).run(
            style === 'generator'
              ? function* () {
                  yield* sleep(1000);
                }
              : async () => {
                  await sleep(1000);
                },
          );
        } catch (e) {
          err = e;
        }
      });
      expect(err).toBeInstanceOf(TimeoutError);
      expect(currentTask()!.cancelling()).toBe(0);
    }));

  // twin of cancelscope.test.ts::a TaskGroup inside a cancelled scope cancels its children, waits for them, and the scope catches it
  it('a TaskGroup inside a cancelled scope cancels its children, waits for them, and the scope catches it', () =>
    runVirtual(function* () {
      const log: string[] = [];
      const r = yield* moveOnAfter(20, function* () {
        yield* new TaskGroup().run(function* (tg) {
          tg.createTask(
            style === 'generator'
              ? function* () {
                  try {
                    yield* sleep(1000);
                  } finally {
                    log.push('child cleaned up');
                  }
                }
              : async () => {
                  try {
                    await sleep(1000);
                  } finally {
                    log.push('child cleaned up');
                  }
                },
          );
          yield* sleep(1000);
        });
        return 'finished';
      });
      expect(r).toBeUndefined();
      expect(log).toEqual(['child cleaned up']);
    }));

  // twin of cancelscope.test.ts::a scope cancelled before it is entered cancels its first wait; cancel() is idempotent
  it('a scope cancelled before it is entered cancels the first wait of the body', () =>
    runVirtual(function* () {
      const scope = new CancelScope();
      scope.cancel();
      scope.cancel();
      const r = yield* scope.run(
        style === 'generator'
          ? function* () {
              yield* sleep(10);
              return 'no';
            }
          : async () => {
              await sleep(10);
              return 'no';
            },
      );
      expect(r).toBeUndefined();
      expect(scope.cancelledCaught).toBe(true);
    }));

  // twin of cancelscope.test.ts::moving the deadline while inside reschedules it; the signal aborts on cancel
  it('moving the deadline while inside reschedules it; the signal aborts on cancel', () =>
    runVirtual(function* () {
      const loop = getRunningLoop();
      const t0 = loop.time();
      const scope = new CancelScope({ deadline: t0 + 1000 });
      let aborted = false;
      yield* scope.run(
        style === 'generator'
          ? function* (s: CancelScope) {
              s.signal.addEventListener('abort', () => (aborted = true));
              s.deadline = t0 + 50;
              yield* sleep(10_000);
            }
          : async (s: CancelScope) => {
              s.signal.addEventListener('abort', () => (aborted = true));
              s.deadline = t0 + 50;
              await sleep(10_000);
            },
      );
      expect(loop.time() - t0).toBe(50);
      expect(aborted).toBe(true);
      yield* runBriefly();
    }));

  // twin of cancelscope.test.ts::moveOnAfter returns the body's value when it finishes in time
  it("moveOnAfter and moveOnAt return the body's value when it finishes in time", () =>
    runVirtual(function* () {
      const body =
        style === 'generator'
          ? function* () {
              yield* sleep(10);
              return 7;
            }
          : async () => {
              await sleep(10);
              return 7;
            };
      expect(yield* moveOnAfter(100, body)).toBe(7);
      expect(yield* moveOnAt(getRunningLoop().time() + 100, body)).toBe(7);
    }));

  // twin of cancelscope.test.ts::failAfter raises TimeoutError with the CancelledError as cause, and the task is not left cancelled
  it('failAfter raises TimeoutError with the CancelledError as cause, and the task is not left cancelled', () =>
    runVirtual(function* () {
      const t0 = getRunningLoop().time();
      const err = yield* rejectionG(
        failAfter(
          10,
          style === 'generator'
            ? function* () {
                yield* sleep(1000);
              }
            : async () => {
                await sleep(1000);
              },
        ),
      );
      expect(err).toBeInstanceOf(TimeoutError);
      expect(isCancelledError((err as Error).cause)).toBe(true);
      expect(getRunningLoop().time() - t0).toBe(10);
      expect(currentTask()!.cancelling()).toBe(0);
      yield* sleep(5);
    }));
});

describe('async-task twins of the generator-only scope tests', () => {
  // twin of cancelscope.test.ts::failAfter raises TimeoutError with the CancelledError as cause, and the task is not left cancelled
  it.each(STYLES)('failAfter in an async task raises TimeoutError with the CancelledError as cause (%s body)', (style) =>
    runVirtual(async () => {
      const t0 = getRunningLoop().time();
      const err = await rejection(
        failAfter(
          10,
          style === 'generator'
            ? function* () {
                yield* sleep(1000);
              }
            : async () => {
                await sleep(1000);
              },
        ),
      );
      expect(err).toBeInstanceOf(TimeoutError);
      expect(isCancelledError((err as Error).cause)).toBe(true);
      expect(getRunningLoop().time() - t0).toBe(10);
      expect(currentTask()!.cancelling()).toBe(0);
      await sleep(5);
    }),
  );

  // twin of cancelscope.test.ts::moveOnAfter returns the body's value when it finishes in time (moveOnAt with a generator body)
  it('moveOnAt with a generator body in an async task returns undefined when the deadline passes first', () =>
    runVirtual(async () => {
      const t0 = getRunningLoop().time();
      const r = await moveOnAt(t0 + 30, function* () {
        yield* sleep(1000);
        return 8;
      });
      expect(r).toBeUndefined();
      expect(getRunningLoop().time() - t0).toBe(30);
    }));
});
