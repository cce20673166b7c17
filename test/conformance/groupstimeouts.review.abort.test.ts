// Adversarial review of TaskGroup × timeout × cancellation against CPython 3.13 asyncio: bodies and
// children that handle the group's abort themselves and then meet a timeout, nested timeouts with a
// group between them, a child outliving waitFor()'s timeout, and an outside cancel during the abort.
// Method: see groupstimeouts.review.helpers.ts.
import { describe, expect, it } from 'vitest';
import { CancelledError, TaskGroup, createTask, getRunningLoop, run, sleep, timeout, waitFor, type Task } from 'tulip';
import { STYLES, newFuture, runVirtual } from './helpers.js';
import { Bang, Boom, cancelling, shape, ticker } from './groupstimeouts.review.helpers.js';

// ---- bodies and children that handle the abort themselves --------------------------------------

describe('a body or child that handles the abort and then meets a timeout (review)', () => {
  for (const style of STYLES) {
    for (const withTimeout of [false, true]) {
      // asyncio 3.13 probe (the child fails at tick 2; the body swallows the group's cancel and goes on):
      //   no timeout: [('raise', 2), ('body swallowed', 4, cancelling=1), ('body slept', 5), ('out', EG[Boom()], 0, 5), ('next ok', 6)]
      //   timeout(0) entered afterwards: ... ('body slept', 5), ('timeout out', TimeoutError, expired=True, cancelling=1, 7),
      //                                  ('out', EG[Boom(), TimeoutError], 0, 7), ('next ok', 8)
      // A timeout entered while the group's cancel is still counted (cancelling() 1) converts its
      // own expiry, and the body's TimeoutError joins the child's error.
      it(`a body that swallows the group's cancel ${withTimeout ? 'and then times out adds its TimeoutError after the child error' : 'still gets the ExceptionGroup'} (${style})`, () =>
        run(async () => {
          const log: unknown[] = [];
          const tick = ticker(log);
          let t!: ReturnType<typeof timeout>;
          const swallowed = () => log.push(['body swallowed', tick(), cancelling()]);
          const timeoutOut = (e: unknown): never => {
            log.push(['timeout out', shape(e), t.expired(), cancelling(), tick()]);
            throw e;
          };
          try {
            await new TaskGroup().run(style === 'generator'
              ? function* (tg) {
                tg.createTask(function* () { yield* sleep(0); log.push(['raise', tick()]); throw new Boom(); });
                try { yield* newFuture(); } catch { swallowed(); }
                yield* sleep(0);
                log.push(['body slept', tick()]);
                if (withTimeout) {
                  try { yield* (t = timeout(0)).run(function* () { yield* sleep(1000); }); } catch (e) { timeoutOut(e); }
                }
              }
              : async (tg) => {
                tg.createTask(async () => { await sleep(0); log.push(['raise', tick()]); throw new Boom(); });
                try { await newFuture(); } catch { swallowed(); }
                await sleep(0);
                log.push(['body slept', tick()]);
                if (withTimeout) {
                  try { await (t = timeout(0)).run(async () => { await sleep(1000); }); } catch (e) { timeoutOut(e); }
                }
              });
          } catch (e) {
            log.push(['out', shape(e), cancelling(), tick()]);
          }
          await sleep(0);
          log.push(['next ok', tick()]);
          expect(log).toEqual([
            ['raise', 2],
            ['body swallowed', 4, 1],
            ['body slept', 5],
            ...(withTimeout
              ? [['timeout out', 'TimeoutError', true, 1, 7], ['out', ['ExceptionGroup', 'Boom()', 'TimeoutError'], 0, 7], ['next ok', 8]]
              : [['out', ['ExceptionGroup', 'Boom()'], 0, 5], ['next ok', 6]]),
          ]);
        }));
    }

    // asyncio 3.13 probe: [('raise', 2), ('child cancelled', 4, cancelling=1),
    //   ('child timeout out', TimeoutError, cancelling=1, 6), ('out', EG[Boom(), TimeoutError], 0, 8)]
    it(`a child that times out in its cleanup after the group's cancel adds its TimeoutError to the group's errors (${style})`, () =>
      run(async () => {
        const log: unknown[] = [];
        const tick = ticker(log);
        const cancelled = () => log.push(['child cancelled', tick(), cancelling()]);
        const timedOut = (e: unknown): never => {
          log.push(['child timeout out', shape(e), cancelling(), tick()]);
          throw e;
        };
        try {
          await new TaskGroup().run((tg) => {
            tg.createTask(style === 'generator'
              ? function* () {
                try { yield* newFuture(); } catch { cancelled(); }
                try { yield* timeout(0).run(function* () { yield* sleep(1000); }); } catch (e) { timedOut(e); }
              }
              : async () => {
                try { await newFuture(); } catch { cancelled(); }
                try { await timeout(0).run(async () => { await sleep(1000); }); } catch (e) { timedOut(e); }
              });
            tg.createTask(style === 'generator'
              ? function* () { yield* sleep(0); log.push(['raise', tick()]); throw new Boom(); }
              : async () => { await sleep(0); log.push(['raise', tick()]); throw new Boom(); });
          });
        } catch (e) {
          log.push(['out', shape(e), cancelling(), tick()]);
        }
        expect(log).toEqual([
          ['raise', 2],
          ['child cancelled', 4, 1],
          ['child timeout out', 'TimeoutError', 1, 6],
          ['out', ['ExceptionGroup', 'Boom()', 'TimeoutError'], 0, 8],
        ]);
      }));

    for (const order of ['child first', 'body first'] as const) {
      // asyncio 3.13 probe (a trigger task completes the futures the body and the child wait on,
      // in the same step, in the given order):
      //   child first: [('child raise', 3), ('body raise', 3), ('out', EG[Boom(), Bang()], 0, 5, child cancelled=False)]
      //   body first:  [('body raise', 3), ('out', EG[Bang()], 0, 5, child cancelled=True)]
      // A body failing first cancels the child in the very pass it was to resume with its value:
      // the child gets CancelledError instead and never raises.
      it(`a body error and a child error due in the same pass (${order}) (${style})`, () =>
        run(async () => {
          const log: unknown[] = [];
          const tick = ticker(log);
          const gb = newFuture<number>();
          const gc = newFuture<number>();
          let c!: Task<never>;
          const trigger = () => {
            if (order === 'body first') { gb.setResult(1); gc.setResult(1); } else { gc.setResult(1); gb.setResult(1); }
          };
          const bodyRaise = (): never => {
            log.push(['body raise', tick()]);
            throw new Bang();
          };
          try {
            await new TaskGroup().run(style === 'generator'
              ? function* (tg) {
                c = tg.createTask(function* () { yield* gc; log.push(['child raise', tick()]); throw new Boom(); });
                tg.createTask(function* () { yield* sleep(0); trigger(); });
                yield* gb;
                bodyRaise();
              }
              : async (tg) => {
                c = tg.createTask(async () => { await gc; log.push(['child raise', tick()]); throw new Boom(); });
                tg.createTask(async () => { await sleep(0); trigger(); });
                await gb;
                bodyRaise();
              });
          } catch (e) {
            log.push(['out', shape(e), cancelling(), tick(), c.cancelled()]);
          }
          expect(log).toEqual(order === 'child first'
            ? [['child raise', 3], ['body raise', 3], ['out', ['ExceptionGroup', 'Boom()', 'Bang()'], 0, 5, false]]
            : [['body raise', 3], ['out', ['ExceptionGroup', 'Bang()'], 0, 5, true]]);
        }));
    }

    // asyncio 3.13 probe: [('body raises', 1), ('child cancelled', 2), ('out', CancelledError('mine'), expired=False, cancelling=0, 4), ('next ok', 5)]
    // A CancelledError the body raises itself (no cancel request) aborts the group, passes the
    // unexpired timeout unchanged, and leaves the task uncancelled.
    it(`a CancelledError raised by the body itself goes through the group and the timeout, leaving nothing pending (${style})`, () =>
      run(async () => {
        const log: unknown[] = [];
        const tick = ticker(log);
        let t!: ReturnType<typeof timeout>;
        const childCancelled = (e: unknown): never => {
          log.push(['child cancelled', tick()]);
          throw e;
        };
        const raiseMine = (): never => {
          log.push(['body raises', tick()]);
          throw new CancelledError('mine');
        };
        try {
          await (t = timeout(10_000)).run(style === 'generator'
            ? function* () {
              yield* new TaskGroup().run(function* (tg) {
                tg.createTask(function* () { try { yield* newFuture(); } catch (e) { childCancelled(e); } });
                yield* sleep(0);
                raiseMine();
              });
            }
            : async () => {
              await new TaskGroup().run(async (tg) => {
                tg.createTask(async () => { try { await newFuture(); } catch (e) { childCancelled(e); } });
                await sleep(0);
                raiseMine();
              });
            });
        } catch (e) {
          log.push(['out', shape(e), (e as Error).message, t.expired(), cancelling(), tick()]);
        }
        await sleep(0);
        log.push(['next ok', tick()]);
        expect(log).toEqual([
          ['body raises', 1],
          ['child cancelled', 2],
          ['out', 'CancelledError', 'mine', false, 0, 4],
          ['next ok', 5],
        ]);
      }));
  }
});

describe('nested timeouts with a group between them (review)', () => {
  for (const style of STYLES) {
    // asyncio 3.13 probe (virtual time; the same 10 ms deadline around the group and inside its body):
    //   [('inner out', CancelledError, expired=True, cancelling=1, 10), ('child cancelled', 10),
    //    ('out', TimeoutError, expired=True, cancelling=0, 10)]
    // Only the outer timeout converts; the inner one, and the group, let the CancelledError through.
    it(`the same deadline around the group and inside its body: only the outer converts (${style})`, () =>
      runVirtual(async () => {
        const log: unknown[] = [];
        const loop = getRunningLoop();
        let outer!: ReturnType<typeof timeout>;
        let inner!: ReturnType<typeof timeout>;
        const childCancelled = (e: unknown): never => {
          log.push(['child cancelled', loop.time()]);
          throw e;
        };
        const innerOut = (e: unknown): never => {
          log.push(['inner out', shape(e), inner.expired(), cancelling(), loop.time()]);
          throw e;
        };
        try {
          await (outer = timeout(10)).run(style === 'generator'
            ? function* () {
              yield* new TaskGroup().run(function* (tg) {
                tg.createTask(function* () { try { yield* sleep(1000); } catch (e) { childCancelled(e); } });
                try { yield* (inner = timeout(10)).run(function* () { yield* sleep(1000); }); } catch (e) { innerOut(e); }
              });
            }
            : async () => {
              await new TaskGroup().run(async (tg) => {
                tg.createTask(async () => { try { await sleep(1000); } catch (e) { childCancelled(e); } });
                try { await (inner = timeout(10)).run(async () => { await sleep(1000); }); } catch (e) { innerOut(e); }
              });
            });
        } catch (e) {
          log.push(['out', shape(e), outer.expired(), cancelling(), loop.time()]);
        }
        expect(log).toEqual([
          ['inner out', 'CancelledError', true, 1, 10],
          ['child cancelled', 10],
          ['out', 'TimeoutError', true, 0, 10],
        ]);
      }));

    // asyncio 3.13 probe (passes; the inner timeout(0) expires at once, its TimeoutError leaves the
    // body, and the outer deadline is moved to now as it does; the child takes two passes to stop):
    //   [('inner out', TimeoutError, True, 0, 2), ('child cancelled', 3), ('child done', 5),
    //    ('out', EG[TimeoutError], expired=True, cancelling=0, 7), ('next ok', 8)]
    // The outer deadline passing while the group waits for its aborted child is absorbed: the
    // body's TimeoutError comes out in the ExceptionGroup, not converted again.
    it(`an inner timeout's error in the body, then the outer deadline during the abort: ExceptionGroup[TimeoutError] (${style})`, () =>
      run(async () => {
        const log: unknown[] = [];
        const tick = ticker(log);
        const loop = getRunningLoop();
        let outer!: ReturnType<typeof timeout>;
        let inner!: ReturnType<typeof timeout>;
        const innerOut = (e: unknown): never => {
          log.push(['inner out', shape(e), inner.expired(), cancelling(), tick()]);
          outer.reschedule(loop.time());
          throw e;
        };
        const child = style === 'generator'
          ? function* () {
            try { yield* newFuture(); } catch { log.push(['child cancelled', tick()]); }
            yield* sleep(0);
            yield* sleep(0);
            log.push(['child done', tick()]);
          }
          : async () => {
            try { await newFuture(); } catch { log.push(['child cancelled', tick()]); }
            await sleep(0);
            await sleep(0);
            log.push(['child done', tick()]);
          };
        try {
          await (outer = timeout(null)).run(style === 'generator'
            ? function* () {
              yield* new TaskGroup().run(function* (tg) {
                tg.createTask(child);
                try { yield* (inner = timeout(0)).run(function* () { yield* sleep(1000); }); } catch (e) { innerOut(e); }
              });
            }
            : async () => {
              await new TaskGroup().run(async (tg) => {
                tg.createTask(child);
                try { await (inner = timeout(0)).run(async () => { await sleep(1000); }); } catch (e) { innerOut(e); }
              });
            });
        } catch (e) {
          log.push(['out', shape(e), outer.expired(), cancelling(), tick()]);
        }
        await sleep(0);
        log.push(['next ok', tick()]);
        expect(log).toEqual([
          ['inner out', 'TimeoutError', true, 0, 2],
          ['child cancelled', 3],
          ['child done', 5],
          ['out', ['ExceptionGroup', 'TimeoutError'], true, 0, 7],
          ['next ok', 8],
        ]);
      }));
  }
});

describe('waitFor() whose group child outlives the timeout, and an outside cancel during the abort (review)', () => {
  for (const style of STYLES) {
    for (const asTask of [true, false]) {
      // asyncio 3.13 probe (virtual time, wait_for(…, 10 ms); the child's cleanup takes 50 ms and returns a value):
      //   [('child cancelled', 10), ('child cleanup done', 60), ('out', TimeoutError, cancelling=0, 60)]
      // for a task and for a coroutine alike: wait_for waits for the group to finish its cleanup,
      // and the cancelled group (its child swallowed the cancel) still makes it a TimeoutError.
      it(`waitFor() of ${asTask ? 'a task' : 'a coroutine'} waits for the group's slow cleanup, then raises TimeoutError (${style})`, () =>
        runVirtual(async () => {
          const log: unknown[] = [];
          const loop = getRunningLoop();
          const runner = style === 'generator'
            ? function* () {
              yield* new TaskGroup().run(function* (tg) {
                tg.createTask(function* () {
                  try { yield* sleep(1000); } catch {
                    log.push(['child cancelled', loop.time()]);
                    yield* sleep(50);
                    log.push(['child cleanup done', loop.time()]);
                  }
                  return 'x';
                });
              });
              return 'r';
            }
            : async () => {
              await new TaskGroup().run(async (tg) => {
                tg.createTask(async () => {
                  try { await sleep(1000); } catch {
                    log.push(['child cancelled', loop.time()]);
                    await sleep(50);
                    log.push(['child cleanup done', loop.time()]);
                  }
                  return 'x';
                });
              });
              return 'r';
            };
          try {
            log.push(['result', await waitFor(asTask ? createTask(runner) : runner(), 10), loop.time()]);
          } catch (e) {
            log.push(['out', shape(e), cancelling(), loop.time()]);
          }
          expect(log).toEqual([['child cancelled', 10], ['child cleanup done', 60], ['out', 'TimeoutError', 0, 60]]);
        }));
    }

    // asyncio 3.13 probe (a child fails at tick 3; a stubborn child takes three passes after its
    // cancel; T.cancel('stop') arrives at tick 5, while the group waits for it):
    //   [('raise', 3), ('cancelled', 5), ('cancel', 5), ('stubborn done', 8), ('out', EG[Boom()], cancelling=1, 10),
    //    ('next cancelled', '', 11, 1), ('T done', cancelled=False)]
    // The group, already aborting, takes the cancel at its exit wait without acting on it, raises
    // the ExceptionGroup, and the cancel is delivered again (without its message) at the next wait.
    it(`an outside cancel while the group waits for its aborted children: ExceptionGroup, then a bare re-cancel (${style})`, () =>
      run(async () => {
        const log: unknown[] = [];
        const tick = ticker(log);
        const out = (e: unknown) => log.push(['out', shape(e), cancelling(), tick()]);
        const nextCancelled = (e: unknown) => log.push(['next cancelled', (e as Error).message, tick(), cancelling()]);
        const T = createTask(style === 'generator'
          ? function* () {
            try {
              yield* new TaskGroup().run(function* (tg) {
                tg.createTask(function* () { yield* sleep(0); log.push(['raise', tick()]); throw new Boom(); });
                tg.createTask(function* () {
                  try { yield* newFuture(); } catch { log.push(['cancelled', tick()]); }
                  for (let i = 0; i < 3; i++) yield* sleep(0);
                  log.push(['stubborn done', tick()]);
                });
              });
            } catch (e) { out(e); }
            try { yield* sleep(0); log.push(['next ok', tick()]); } catch (e) { nextCancelled(e); }
          }
          : async () => {
            try {
              await new TaskGroup().run(async (tg) => {
                tg.createTask(async () => { await sleep(0); log.push(['raise', tick()]); throw new Boom(); });
                tg.createTask(async () => {
                  try { await newFuture(); } catch { log.push(['cancelled', tick()]); }
                  for (let i = 0; i < 3; i++) await sleep(0);
                  log.push(['stubborn done', tick()]);
                });
              });
            } catch (e) { out(e); }
            try { await sleep(0); log.push(['next ok', tick()]); } catch (e) { nextCancelled(e); }
          });
        for (let i = 0; i < 5; i++) await sleep(0);
        log.push(['cancel', tick()]);
        T.cancel('stop');
        await T;
        log.push(['T done', T.cancelled()]);
        expect(log).toEqual([
          ['raise', 3],
          ['cancelled', 5],
          ['cancel', 5],
          ['stubborn done', 8],
          ['out', ['ExceptionGroup', 'Boom()'], 1, 10],
          ['next cancelled', '', 11, 1],
          ['T done', false],
        ]);
      }));
  }
});
