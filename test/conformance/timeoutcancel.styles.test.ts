// Style twins of the timeout tests about errors and cancellation: errors raised inside the block,
// a cancellation that is not the timeout's own, the two styles mixed under a timeout, and the
// task's signal under a timeout and a cancel scope. Each test here is the other-style twin of a
// test written in only one coroutine style in test/conformance/timeoutcancel.test.ts,
// uncancel.test.ts or /work/shared/conformance/timeouts.test.ts. The behaviour, pass counts and
// order are the original's; only the style changes.
import { describe, it, expect } from 'vitest';
import {
  CancelScope,
  TimeoutError,
  createTask,
  currentTask,
  getRunningLoop,
  isCancelledError,
  run,
  sleep,
  timeout,
  timeoutAt,
  type Coroutine,
  type Timeout,
} from 'tulip';
import {
  FOREVER,
  KeyError,
  ValueError,
  ZeroDivisionError,
  assertCancelled,
  now,
  rejection,
  rejectionG,
  runVirtual,
} from './helpers.js';

describe('errors raised inside the block (style twins)', () => {
  // twin of timeoutcancel.test.ts::an error thrown by a generator body passes through unchanged
  it('an error thrown by an async body after a wait passes through unchanged', () =>
    runVirtual(async () => {
      const cm = timeout(10);
      const exc = new KeyError('k');
      const e = await rejection(
        cm.run(async () => {
          await sleep(0);
          throw exc;
        }),
      );
      expect(e).toBe(exc);
      expect(cm.expired()).toBe(false);
    }));

  // twin of shared timeouts.test.ts::an error of the body passes through unchanged (no wait)
  it('an error thrown by a generator body before any wait passes through unchanged', () =>
    runVirtual(function* () {
      const cm = timeout(10);
      const exc = new KeyError('k');
      const e = yield* rejectionG(
        cm.run(function* () {
          throw exc;
        }),
      );
      expect(e).toBe(exc);
      expect(cm.expired()).toBe(false);
    }));

  // twin of timeoutcancel.test.ts::a TimeoutError thrown by the body itself passes through and the timeout is not expired
  it('a TimeoutError thrown by a generator body itself passes through and the timeout is not expired', () =>
    run(function* () {
      const cm = timeout(FOREVER);
      const mine = new TimeoutError('my own');
      const e = yield* rejectionG(
        cm.run(function* () {
          yield* sleep(0);
          throw mine;
        }),
      );
      expect(e).toBe(mine);
      expect(cm.expired()).toBe(false);
    }));

  // twin of timeoutcancel.test.ts::an error whose finally block outlives the deadline becomes a TimeoutError caused by a CancelledError (async)
  it('an error whose finally outlives the deadline: the generator finally sees the CancelledError', () =>
    runVirtual(function* () {
      let finallyInterrupted = false;
      const e = yield* rejectionG(
        timeout(10).run(function* () {
          try {
            throw new ZeroDivisionError();
          } finally {
            try {
              yield* sleep(1000);
            } catch (c) {
              finallyInterrupted = isCancelledError(c);
              // eslint-disable-next-line no-unsafe-finally
              throw c;
            }
          }
        }),
      );
      expect(e).toBeInstanceOf(TimeoutError);
      assertCancelled((e as Error).cause);
      expect(finallyInterrupted).toBe(true);
    }));

  // twin of timeoutcancel.test.ts::the last error thrown while cleaning up after the deadline is the one that comes out
  it('the last error thrown while a generator body cleans up after the deadline is the one that comes out', () =>
    runVirtual(function* () {
      const e = yield* rejectionG(
        timeout(10).run(function* () {
          try {
            try {
              throw new ValueError();
            } finally {
              yield* sleep(1000);
            }
          } finally {
            try {
              // eslint-disable-next-line no-unsafe-finally
              throw new KeyError();
            } finally {
              // eslint-disable-next-line no-unsafe-finally
              throw new ZeroDivisionError();
            }
          }
        }),
      );
      expect(e).toBeInstanceOf(ZeroDivisionError);
      expect(currentTask()!.cancelling()).toBe(0);
    }));
});

describe('cancellation that is not the timeout’s own (style twins)', () => {
  // twin of timeoutcancel.test.ts::cancelling the task from outside while it waits in a timeout gives CancelledError with the message
  it('cancelling a generator task from outside while it waits in a timeout gives CancelledError with the message', () =>
    runVirtual(function* () {
      const task = createTask(function* () {
        yield* timeout(FOREVER).run(function* () {
          yield* sleep(FOREVER);
        });
      });
      yield* sleep(1);
      task.cancel('from outside');
      const e = yield* rejectionG(task);
      assertCancelled(e, 'from outside');
      expect(task.cancelled()).toBe(true);
    }));

  // twin of shared timeouts.test.ts::reschedule() moves or removes the deadline of an active timeout
  it('reschedule() moves or removes the deadline of a timeout entered by an async task', () =>
    runVirtual(async () => {
      const loop = getRunningLoop();
      const fut = loop.createFuture<Timeout>();
      const deadline1 = now() + 10_000;
      const deadline2 = deadline1 + 20_000;
      const task = createTask(async () => {
        await timeoutAt(deadline1).run(async (cm) => {
          fut.setResult(cm);
          await sleep(50_000);
        });
      });
      const cm = await fut;
      expect(cm.when()).toBe(deadline1);
      cm.reschedule(deadline2);
      expect(cm.when()).toBe(deadline2);
      cm.reschedule(null);
      expect(cm.when()).toBeNull();
      task.cancel();
      assertCancelled(await rejection(task));
      expect(cm.expired()).toBe(false);
    }));
});

describe('the two styles mixed under a timeout', () => {
  // twin of timeoutcancel.test.ts::an async body in a generator task's timeout is cancelled at its await, and its finally runs first
  it("a generator body in an async task's timeout is cancelled at its yield*, and its finally runs first", () =>
    runVirtual(async () => {
      const log: string[] = [];
      const e = await rejection(
        timeout(10).run(function* () {
          try {
            yield* sleep(200);
            log.push('body slept to the end');
          } catch (c) {
            log.push(isCancelledError(c) ? 'body cancelled' : 'body other error');
            throw c;
          } finally {
            log.push('body finally');
          }
        }),
      );
      log.push('scope exited');
      expect(e).toBeInstanceOf(TimeoutError);
      expect(log).toEqual(['body cancelled', 'body finally', 'scope exited']);
    }));

  // twin of timeoutcancel.test.ts::a task whose body returns timeout(d).run(async body) cancels that body before it fails
  it('a task whose body returns timeout(d).run(generator body) cancels that body before it fails', () =>
    runVirtual(function* () {
      const log: string[] = [];
      const task = createTask(() =>
        timeout(10).run(function* () {
          try {
            yield* sleep(200);
            log.push('body slept to the end');
          } catch (c) {
            log.push(isCancelledError(c) ? 'body cancelled' : 'body other error');
            throw c;
          } finally {
            log.push('body finally');
          }
        }),
      );
      const e = yield* rejectionG(task);
      log.push('task done');
      expect(e).toBeInstanceOf(TimeoutError);
      expect(log).toEqual(['body cancelled', 'body finally', 'task done']);
    }));

  // twin of timeoutcancel.test.ts::a task whose body returns timeout(d).run(async body) cancels that body before it fails (generator task)
  it('a generator task that yield*s timeout(d).run(async body) cancels that body before it fails', () =>
    runVirtual(async () => {
      const log: string[] = [];
      const task = createTask(function* () {
        return yield* timeout(10).run(async () => {
          try {
            await sleep(200);
            log.push('body slept to the end');
          } catch (c) {
            log.push(isCancelledError(c) ? 'body cancelled' : 'body other error');
            throw c;
          } finally {
            log.push('body finally');
          }
        });
      });
      const e = await rejection(task);
      log.push('task done');
      expect(e).toBeInstanceOf(TimeoutError);
      expect(log).toEqual(['body cancelled', 'body finally', 'task done']);
    }));

  // twin of timeoutnesting.test.ts::with the same deadline only the outer async timeout converts; the inner lets CancelledError through
  it('with the same deadline an outer async timeout around an inner generator timeout converts only at the outer', () =>
    runVirtual(async () => {
      const deadline = now() + 10;
      let cancelled = false;
      let cm2!: Timeout;
      const cm1 = timeoutAt(deadline);
      const e = await rejection(
        cm1.run(function* () {
          try {
            cm2 = timeoutAt(deadline);
            yield* cm2.run(async () => {
              await sleep(FOREVER);
            });
          } catch (c) {
            if (isCancelledError(c)) cancelled = true;
            throw c;
          }
        }),
      );
      expect(e).toBeInstanceOf(TimeoutError);
      expect(cancelled).toBe(true);
      expect(cm1.expired()).toBe(true);
      expect(cm2.expired()).toBe(true);
      expect(currentTask()!.cancelling()).toBe(0);
    }));

  // twin of timeouts.test.ts::a timeout(0) fires at the next loop pass, so even sleep(0) is interrupted (mixed)
  it('timeout(0) interrupts the sleep(0) of a generator body in an async task, one pass later', () =>
    run(async () => {
      let after = false;
      const cm = timeout(0);
      const e = await rejection(
        cm.run(function* () {
          yield* sleep(0);
          after = true;
        }),
      );
      expect(e).toBeInstanceOf(TimeoutError);
      expect(cm.expired()).toBe(true);
      expect(after).toBe(false);
    }));

  // twin of timeouts.test.ts::timeout(0) fires at the next loop pass, so even sleep(0) is interrupted (mixed)
  it('timeout(0) interrupts the sleep(0) of an async body in a generator task, one pass later', () =>
    run(function* () {
      let after = false;
      const cm = timeout(0);
      const e = yield* rejectionG(
        cm.run(async () => {
          await sleep(0);
          after = true;
        }),
      );
      expect(e).toBeInstanceOf(TimeoutError);
      expect(cm.expired()).toBe(true);
      expect(after).toBe(false);
    }));

  // twin of timeouts.test.ts::a zero timeout does not interrupt an async body that finishes without waiting (mixed)
  it('a zero timeout does not interrupt an async body without waits run from a generator task', () =>
    run(function* () {
      const cm = timeout(0);
      const r = yield* cm.run(async () => 'no wait');
      expect(r).toBe('no wait');
      expect(cm.expired()).toBe(false);
      yield* sleep(0);
      expect(currentTask()!.cancelling()).toBe(0);
    }));

  // twin of timeoutcancel.test.ts::TimeoutError.cause is the very CancelledError the async body saw (mixed)
  it('TimeoutError.cause is the very CancelledError an async body saw inside a generator task', () =>
    runVirtual(function* () {
      let seen: unknown;
      const e = yield* rejectionG(
        timeout(10).run(async () => {
          try {
            await sleep(FOREVER);
          } catch (c) {
            seen = c;
            throw c;
          }
        }),
      );
      expect(e).toBeInstanceOf(TimeoutError);
      assertCancelled(seen);
      expect((e as Error).cause).toBe(seen);
    }));

  // twin of timeoutcancel.test.ts::after a converted timeout the async task is not cancelled and keeps running (mixed)
  it('after a converted timeout around a generator body, the async task is not cancelled and keeps running', () =>
    runVirtual(async () => {
      const e = await rejection(
        timeout(1).run(function* () {
          yield* sleep(FOREVER);
        }),
      );
      expect(e).toBeInstanceOf(TimeoutError);
      expect(currentTask()!.cancelling()).toBe(0);
      expect(await sleep(100, 'still alive')).toBe('still alive');
    }));

  // twin of timeoutcancel.test.ts::a cancel of the task inside an unexpired timeout stays a CancelledError (mixed)
  it('a self-cancel inside an async body of an unexpired timeout in a generator task stays a CancelledError', () =>
    run(function* () {
      let cm!: Timeout;
      const task = createTask(function* () {
        cm = timeout(FOREVER);
        yield* cm.run(async () => {
          currentTask()!.cancel();
          await sleep(FOREVER);
        });
      });
      assertCancelled(yield* rejectionG(task));
      expect(task.cancelled()).toBe(true);
      expect(cm.expired()).toBe(false);
    }));

  // twin of timeoutcancel.test.ts::an error raised by the cleanup of a timed-out async body replaces the TimeoutError (mixed)
  it('an error raised by the cleanup of a timed-out generator body in an async task replaces the TimeoutError', () =>
    runVirtual(async () => {
      function* crash(): Coroutine<void> {
        try {
          yield* sleep(1000);
        } finally {
          // eslint-disable-next-line no-unsafe-finally
          throw new ZeroDivisionError();
        }
      }
      const cm = timeout(10);
      const e = await rejection(cm.run(() => crash()));
      expect(e).toBeInstanceOf(ZeroDivisionError);
      expect(cm.expired()).toBe(true);
      expect(currentTask()!.cancelling()).toBe(0);
    }));
});

describe("the task's signal under a timeout and a cancel scope (style twins)", () => {
  // twin of uncancel.test.ts::task.signal is the signal seen inside, and is aborted at once when the task is cancelled (under a timeout)
  it.each(['generator', 'async'] as const)(
    '%s: an expiring timeout aborts the signal; after the conversion the task has a fresh one; a cancel scope leaves it alone',
    (style) =>
      runVirtual(async () => {
        const log: string[] = [];
        const t = createTask(
          style === 'generator'
            ? function* () {
                const sig = currentTask()!.signal;
                try {
                  yield* timeout(10).run(function* () {
                    try {
                      yield* sleep(FOREVER);
                    } catch (e) {
                      log.push(`body: aborted=${sig.aborted}`);
                      throw e;
                    }
                  });
                } catch (e) {
                  log.push(`${(e as Error).name}: old=${sig.aborted} new=${currentTask()!.signal.aborted} cancelling=${currentTask()!.cancelling()}`);
                }
                const scope = new CancelScope();
                yield* scope.run(function* () {
                  scope.cancel();
                  try {
                    yield* sleep(FOREVER);
                  } catch (e) {
                    log.push(`scope: task=${currentTask()!.signal.aborted} scope=${scope.signal.aborted}`);
                    throw e;
                  }
                });
              }
            : async () => {
                const sig = currentTask()!.signal;
                try {
                  await timeout(10).run(async () => {
                    try {
                      await sleep(FOREVER);
                    } catch (e) {
                      log.push(`body: aborted=${sig.aborted}`);
                      throw e;
                    }
                  });
                } catch (e) {
                  log.push(`${(e as Error).name}: old=${sig.aborted} new=${currentTask()!.signal.aborted} cancelling=${currentTask()!.cancelling()}`);
                }
                const scope = new CancelScope();
                await scope.run(async () => {
                  scope.cancel();
                  try {
                    await sleep(FOREVER);
                  } catch (e) {
                    log.push(`scope: task=${currentTask()!.signal.aborted} scope=${scope.signal.aborted}`);
                    throw e;
                  }
                });
              },
        );
        await t;
        expect(log).toEqual([
          'body: aborted=true',
          'TimeoutError: old=true new=false cancelling=0',
          'scope: task=false scope=true',
        ]);
      }),
  );
});
