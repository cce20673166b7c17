// Style twins of the timeout tests: each test here is the other-style twin of a test written in
// only one coroutine style (generator `yield*` or native `await`) in test/conformance/timeouts.test.ts
// or /work/shared/conformance/timeouts.test.ts. The behaviour, pass counts and order are the
// original's; only the style changes.
import { describe, it, expect } from 'vitest';
import {
  CancelScope,
  RuntimeError,
  TaskGroup,
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
  rejection,
  rejectionG,
  runVirtual,
  syncError,
} from './helpers.js';

const HOUR = 3_600_000;
const now = (): number => getRunningLoop().time();

describe('timeoutAt, when() and disabled timeouts (style twins)', () => {
  // twin of timeouts.test.ts::a generator body outliving an absolute deadline raises TimeoutError and when() keeps the deadline
  it('an async body outliving an absolute deadline raises TimeoutError and when() keeps the deadline', () =>
    runVirtual(async () => {
      const deadline = now() + 10;
      const cm = timeoutAt(deadline);
      const e = await rejection(
        cm.run(async () => {
          await sleep(FOREVER);
        }),
      );
      expect(e).toBeInstanceOf(TimeoutError);
      expect(cm.expired()).toBe(true);
      expect(cm.when()).toBe(deadline);
      expect(now()).toBe(deadline);
    }));

  // twin of timeouts.test.ts::timeout(null) lets a generator body sleep for hours and never expires
  it('timeout(null) lets an async body sleep for hours and never expires', () =>
    runVirtual(async () => {
      const cm = timeout(null);
      const r = await cm.run(async () => {
        await sleep(5 * HOUR);
        return 'slept';
      });
      expect(r).toBe('slept');
      expect(cm.expired()).toBe(false);
      expect(cm.when()).toBeNull();
    }));

  // twin of timeouts.test.ts::expired() stays false while the body runs within its deadline
  it('expired() stays false while a generator body runs within its deadline', () =>
    runVirtual(function* () {
      const cm = timeout(100);
      const seen: boolean[] = [];
      yield* cm.run(function* (t) {
        seen.push(t.expired());
        yield* sleep(50);
        seen.push(t.expired());
      });
      seen.push(cm.expired());
      expect(seen).toEqual([false, false, false]);
    }));

  // twin of shared timeouts.test.ts::timeout(null) never expires and when() is null
  it('timeout(null) around a short generator sleep never expires and when() is null', () =>
    runVirtual(function* () {
      const cm = timeout(null);
      yield* cm.run(function* () {
        yield* sleep(10);
      });
      expect(cm.expired()).toBe(false);
      expect(cm.when()).toBeNull();
    }));

  // twin of shared timeouts.test.ts::a body that finishes in time is untouched and returns its value
  it('a generator body that finishes in time is untouched, and when() is still ahead', () =>
    runVirtual(function* () {
      const cm = timeout(1000);
      const r = yield* cm.run(function* () {
        yield* sleep(10);
        return 'in time';
      });
      const t1 = now();
      expect(r).toBe('in time');
      expect(cm.expired()).toBe(false);
      expect(cm.when()!).toBeGreaterThan(t1);
    }));
});

describe('errors raised inside the block (style twins)', () => {
  // twin of timeouts.test.ts::an error thrown by a generator body passes through unchanged
  it('an error thrown by an async body after a wait passes through unchanged', () =>
    run(async () => {
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
    run(function* () {
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

  // twin of timeouts.test.ts::a TimeoutError thrown by the body itself passes through and the timeout is not expired
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

  // twin of timeouts.test.ts::an error whose finally block outlives the deadline becomes a TimeoutError caused by a CancelledError (async)
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

  // twin of timeouts.test.ts::the last error thrown while cleaning up after the deadline is the one that comes out
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
  // twin of timeouts.test.ts::cancelling the task from outside while it waits in a timeout gives CancelledError with the message
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

describe('nested timeouts (style twins)', () => {
  // twin of timeouts.test.ts::an inner timeout that expires first converts, and the outer one keeps running
  it('an inner generator timeout that expires first converts, and the outer one keeps running', () =>
    runVirtual(function* () {
      const outer = timeout(HOUR);
      const r = yield* outer.run(function* () {
        const e = yield* rejectionG(
          timeout(10).run(function* () {
            yield* sleep(FOREVER);
          }),
        );
        expect(e).toBeInstanceOf(TimeoutError);
        return yield* sleep(10, 'outer body finished');
      });
      expect(r).toBe('outer body finished');
      expect(outer.expired()).toBe(false);
    }));
});

describe('reschedule() (style twins)', () => {
  // twin of timeouts.test.ts::rescheduling to a later deadline lets the body finish (async)
  it('rescheduling to a later deadline lets a generator body finish', () =>
    runVirtual(function* () {
      const cm = timeout(10);
      const r = yield* cm.run(function* (t) {
        t.reschedule(now() + 1000);
        yield* sleep(500);
        return 'extended';
      });
      expect(r).toBe('extended');
      expect(cm.expired()).toBe(false);
    }));

  // twin of timeouts.test.ts::rescheduling to null disables the deadline (generator)
  it('rescheduling to null disables the deadline of an async body', () =>
    runVirtual(async () => {
      const cm = timeout(10);
      const r = await cm.run(async (t) => {
        await sleep(5);
        t.reschedule(null);
        await sleep(HOUR);
        return 'disabled';
      });
      expect(r).toBe('disabled');
      expect(cm.expired()).toBe(false);
      expect(cm.when()).toBeNull();
    }));

  // twin of timeouts.test.ts::a disabled timeout can be given a deadline and then fires (async)
  it('a disabled timeout can be given a deadline by a generator body and then fires', () =>
    runVirtual(function* () {
      const t0 = now();
      const cm = timeout(null);
      const e = yield* rejectionG(
        cm.run(function* (t) {
          t.reschedule(t0 + 30);
          yield* sleep(HOUR);
        }),
      );
      expect(e).toBeInstanceOf(TimeoutError);
      expect(cm.when()).toBe(t0 + 30);
      expect(cm.expired()).toBe(true);
      expect(now() - t0).toBe(30);
    }));

  // twin of timeouts.test.ts::reschedule() after the block finished throws RuntimeError
  it('reschedule() after a generator block finished throws RuntimeError', () =>
    run(function* () {
      const cm = timeout(10);
      yield* cm.run(function* () {});
      const e = syncError(() => cm.reschedule(now() + 20));
      expect(e).toBeInstanceOf(RuntimeError);
      expect((e as Error).message).toMatch(/finished/);
    }));

  // twin of timeouts.test.ts::reschedule() after the timeout expired throws RuntimeError
  it('reschedule() after an async block expired throws RuntimeError', () =>
    runVirtual(async () => {
      const cm = timeout(10);
      expect(
        await rejection(
          cm.run(async () => {
            await sleep(1000);
          }),
        ),
      ).toBeInstanceOf(TimeoutError);
      const e = syncError(() => cm.reschedule(now() + 20));
      expect(e).toBeInstanceOf(RuntimeError);
      expect((e as Error).message).toMatch(/expired/);
    }));
});

describe('entering a timeout (style twins)', () => {
  // twin of timeouts.test.ts::running a finished timeout a second time throws RuntimeError
  it('running a finished timeout a second time from a generator task throws RuntimeError', () =>
    run(function* () {
      const cm = timeout(FOREVER);
      yield* cm.run(function* () {});
      let ran = false;
      const e = syncError(() =>
        cm.run(function* () {
          ran = true;
        }),
      );
      expect(e).toBeInstanceOf(RuntimeError);
      expect((e as Error).message).toMatch(/has already been entered/);
      yield* sleep(0);
      expect(ran).toBe(false);
    }));
});

describe('timeouts around task groups (style twins)', () => {
  // twin of timeouts.test.ts::a deadline around a group cancels the body and every child, then raises TimeoutError
  it('a deadline around a generator group cancels the body and every child, then raises TimeoutError', () =>
    runVirtual(function* () {
      const children: { cancelled(): boolean }[] = [];
      const e = yield* rejectionG(
        timeout(10).run(function* () {
          yield* new TaskGroup().run(function* (tg) {
            children.push(tg.createTask(() => sleep(FOREVER)));
            children.push(
              tg.createTask(function* () {
                yield* sleep(FOREVER);
              }),
            );
            yield* sleep(FOREVER);
          });
        }),
      );
      expect(e).toBeInstanceOf(TimeoutError);
      assertCancelled((e as Error).cause);
      expect(children.map((c) => c.cancelled())).toEqual([true, true]);
      expect(currentTask()!.cancelling()).toBe(0);
    }));
});

describe('the two styles mixed under a timeout', () => {
  // twin of timeouts.test.ts::an async body in a generator task's timeout is cancelled at its await, and its finally runs first
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

  // twin of timeouts.test.ts::a task whose body returns timeout(d).run(async body) cancels that body before it fails
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

  // twin of timeouts.test.ts::a task whose body returns timeout(d).run(async body) cancels that body before it fails (generator task)
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

  // twin of timeouts.test.ts::with the same deadline only the outer async timeout converts; the inner lets CancelledError through
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

  // twin of timeouts.test.ts::TimeoutError.cause is the very CancelledError the async body saw (mixed)
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

  // twin of timeouts.test.ts::after a converted timeout the async task is not cancelled and keeps running (mixed)
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

  // twin of timeouts.test.ts::a cancel of the task inside an unexpired timeout stays a CancelledError (mixed)
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

  // twin of timeouts.test.ts::an error raised by the cleanup of a timed-out async body replaces the TimeoutError (mixed)
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
  // twin of tasks.test.ts::task.signal is the signal seen inside, and is aborted at once when the task is cancelled (under a timeout)
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
