// Adversarial review of TaskGroup × timeout × cancellation interplay against CPython 3.13 asyncio
// (Lib/asyncio/taskgroups.py, timeouts.py, tasks.py). CPython's own test_taskgroups.py and
// test_timeouts.py are ported elsewhere (taskgroups*.ts, timeouts*.ts); the scenarios here combine
// the pieces. Every expectation was checked with the pure-Python 3.13 asyncio: the pass counts
// ("ticks") come from a callSoon chain started as the same `loop.call_soon` chain in the Python
// probe; scenarios with timers run on virtual time and log the loop's clock instead. Where a test
// passes the test's log to ticker(), every exception handler call lands in the log too (asyncio
// made none in any of these scenarios, except the one test that expects a report).
// Differences found:
//  - a waiter (the body via await / waitFor / shield / a timeout, or a sibling) cancelled by the
//    group in the very pass its awaited child failed: tulip reported the child's error to the
//    exception handler although the group collected it and raises it (asyncio: no report). Fixed
//    since: such a report waits for the next pass and is dropped if someone read the error.
//  - (inherent to async functions, it.fails) an async child failing in its eager step is not done
//    inside createTask, so the group hears of it a pass later than asyncio.
import { describe, expect, it } from 'vitest';
import {
  CancelledError,
  ExceptionGroup,
  RuntimeError,
  TaskGroup,
  TimeoutError,
  createTask,
  currentTask,
  gather,
  getRunningLoop,
  run,
  shield,
  sleep,
  timeout,
  waitFor,
  type Coroutine,
  type Task,
} from 'tulip';
import { STYLES, newFuture, runVirtual, type Style } from './helpers.js';

class Boom extends Error {
  override name = 'Boom';
}
class Bang extends Error {
  override name = 'Bang';
}

/**
 * Counts loop passes: a callSoon chain, as `loop.call_soon(tickf)` in the Python probes. Given the
 * test's log, it also logs every call of the exception handler there (no probe had any).
 */
function ticker(log?: unknown[]): () => number {
  const loop = getRunningLoop();
  if (log !== undefined) loop.setExceptionHandler((_l, ctx) => log.push(['HANDLER', ctx.message]));
  let tick = 0;
  const f = (): void => {
    tick++;
    loop.callSoon(f);
  };
  loop.callSoon(f);
  return () => tick;
}

/**
 * The shape of an error, as the probes print it: `['ExceptionGroup', ...members]` for a group,
 * `Boom(msg)` / `Bang(msg)` for the test's own errors, and the class name for the others.
 */
function shape(e: unknown): unknown {
  if (e instanceof ExceptionGroup) return ['ExceptionGroup', ...e.errors.map(shape)];
  if (e instanceof Boom || e instanceof Bang) return `${e.name}(${e.message})`;
  return (e as Error).name;
}

/** `currentTask()!.cancelling()`. */
const cancelling = (): number => currentTask()!.cancelling();

// ---- a child failing while the body waits, or while the group waits for its children ---------

describe('a child failing while the body or the exit waits (review)', () => {
  // asyncio 3.13 probe (ticker started first thing in main):
  //   [('raise', 3), ('sib cancelled', 5, ''), ('body cancelled', 5, '', 1),
  //    ('out', ExceptionGroup[Boom(b)], 7, 0), ('next', 8)]
  // The sibling is cancelled before the body (abort() cancels the children, then the parent), both
  // without a message, two passes after the child raised; the group is left two passes later.
  const S1 = [
    ['raise', 3],
    ['sib cancelled', 5, ''],
    ['body cancelled', 5, '', 1],
    ['out', ['ExceptionGroup', 'Boom(b)'], 7, 0],
    ['next', 8],
  ];
  it('a child that fails while the body waits cancels sibling and body in one pass, then the group exits (generator)', () =>
    run(function* () {
      const log: unknown[] = [];
      const tick = ticker(log);
      try {
        yield* new TaskGroup().run(function* (tg) {
          tg.createTask(function* () {
            yield* sleep(0);
            yield* sleep(0);
            log.push(['raise', tick()]);
            throw new Boom('b');
          });
          tg.createTask(function* () {
            try {
              yield* newFuture();
            } catch (e) {
              log.push(['sib cancelled', tick(), (e as Error).message]);
              throw e;
            }
          });
          try {
            yield* newFuture();
          } catch (e) {
            log.push(['body cancelled', tick(), (e as Error).message, cancelling()]);
            throw e;
          }
        });
      } catch (e) {
        log.push(['out', shape(e), tick(), cancelling()]);
      }
      yield* sleep(0);
      log.push(['next', tick()]);
      expect(log).toEqual(S1);
    }));

  it('a child that fails while the body waits cancels sibling and body in one pass, then the group exits (async)', () =>
    run(async () => {
      const log: unknown[] = [];
      const tick = ticker(log);
      try {
        await new TaskGroup().run(async (tg) => {
          tg.createTask(async () => {
            await sleep(0);
            await sleep(0);
            log.push(['raise', tick()]);
            throw new Boom('b');
          });
          tg.createTask(async () => {
            try {
              await newFuture();
            } catch (e) {
              log.push(['sib cancelled', tick(), (e as Error).message]);
              throw e;
            }
          });
          try {
            await newFuture();
          } catch (e) {
            log.push(['body cancelled', tick(), (e as Error).message, cancelling()]);
            throw e;
          }
        });
      } catch (e) {
        log.push(['out', shape(e), tick(), cancelling()]);
      }
      await sleep(0);
      log.push(['next', tick()]);
      expect(log).toEqual(S1);
    }));

  // asyncio 3.13 probe: [('body end', 0), ('raise', 3), ('sib cancelled', 5, ''),
  //   ('out', ExceptionGroup[Boom(b)], 7, 0)] — the same timing as with a waiting body.
  const S2 = [
    ['body end', 0],
    ['raise', 3],
    ['sib cancelled', 5, ''],
    ['out', ['ExceptionGroup', 'Boom(b)'], 7, 0],
  ];
  for (const style of STYLES) {
    it(`a child that fails while the group waits at its exit cancels the sibling and exits with the same timing (${style})`, () =>
      (async () => {
        let tick = (): number => -1;
        const log: unknown[] = [];
        const failing = style === 'generator'
          ? function* (): Coroutine<never> {
            yield* sleep(0);
            yield* sleep(0);
            log.push(['raise', tick()]);
            throw new Boom('b');
          }
          : async (): Promise<never> => {
            await sleep(0);
            await sleep(0);
            log.push(['raise', tick()]);
            throw new Boom('b');
          };
        const sib = style === 'generator'
          ? function* (): Coroutine<void> {
            try {
              yield* newFuture();
            } catch (e) {
              log.push(['sib cancelled', tick(), (e as Error).message]);
              throw e;
            }
          }
          : async (): Promise<void> => {
            try {
              await newFuture();
            } catch (e) {
              log.push(['sib cancelled', tick(), (e as Error).message]);
              throw e;
            }
          };
        const main = style === 'generator'
          ? function* (): Coroutine<void> {
            tick = ticker(log);
            try {
              yield* new TaskGroup().run(function* (tg) {
                tg.createTask(failing);
                tg.createTask(sib);
                log.push(['body end', tick()]);
              });
            } catch (e) {
              log.push(['out', shape(e), tick(), cancelling()]);
            }
          }
          : async (): Promise<void> => {
            tick = ticker(log);
            try {
              await new TaskGroup().run(async (tg) => {
                tg.createTask(failing);
                tg.createTask(sib);
                log.push(['body end', tick()]);
              });
            } catch (e) {
              log.push(['out', shape(e), tick(), cancelling()]);
            }
          };
        await run(main);
        expect(log).toEqual(S2);
      })());
  }
});

// ---- how the children end once the group aborts -----------------------------------------------

describe('children failing together, swallowing or outliving the cancellation (review)', () => {
  for (const style of STYLES) {
    // asyncio 3.13 probe, children created as (fail A, sleeping sibling, fail B):
    //   [('raise', 'Boom', 2), ('raise', 'Bang', 2), ('sib cancelled', 4), ('out', EG[Boom(), Bang()], 6)]
    // and with the two failing children created the other way round the group holds [Bang, Boom]:
    // the errors are in the order the children finished, which is their creation order here.
    for (const [first, second] of [[Boom, Bang], [Bang, Boom]] as const) {
      it(`two children failing in the same pass come out in creation order, ${first.name} first (${style})`, () =>
        run(async () => {
          const log: unknown[] = [];
          const tick = ticker(log);
          const fail = (E: typeof Boom) =>
            style === 'generator'
              ? function* (): Coroutine<never> {
                yield* sleep(0);
                log.push(['raise', E.name, tick()]);
                throw new E();
              }
              : async (): Promise<never> => {
                await sleep(0);
                log.push(['raise', E.name, tick()]);
                throw new E();
              };
          const sib = style === 'generator'
            ? function* (): Coroutine<void> {
              try {
                yield* newFuture();
              } catch (e) {
                log.push(['sib cancelled', tick()]);
                throw e;
              }
            }
            : async (): Promise<void> => {
              try {
                await newFuture();
              } catch (e) {
                log.push(['sib cancelled', tick()]);
                throw e;
              }
            };
          try {
            await new TaskGroup().run((tg) => {
              tg.createTask(fail(first));
              tg.createTask(sib);
              tg.createTask(fail(second));
            });
          } catch (e) {
            log.push(['out', shape(e), tick()]);
          }
          expect(log).toEqual([
            ['raise', first.name, 2],
            ['raise', second.name, 2],
            ['sib cancelled', 4],
            ['out', ['ExceptionGroup', `${first.name}()`, `${second.name}()`], 6],
          ]);
        }));
    }

    // asyncio 3.13 probe: [('caught', 4), ('out', EG[Boom()], 6, cancelled=False, result='kept')]
    it(`a child that catches the group's cancellation and returns a value keeps it, and only the failure is raised (${style})`, () =>
      run(async () => {
        const log: unknown[] = [];
        const tick = ticker(log);
        let c!: Task<string>;
        try {
          await new TaskGroup().run((tg) => {
            tg.createTask(style === 'generator'
              ? function* () { yield* sleep(0); throw new Boom(); }
              : async () => { await sleep(0); throw new Boom(); });
            c = tg.createTask(style === 'generator'
              ? function* () {
                try { yield* newFuture(); } catch { log.push(['caught', tick()]); }
                return 'kept';
              }
              : async () => {
                try { await newFuture(); } catch { log.push(['caught', tick()]); }
                return 'kept';
              });
          });
        } catch (e) {
          log.push(['out', shape(e), tick(), c.cancelled(), c.result()]);
        }
        expect(log).toEqual([['caught', 4], ['out', ['ExceptionGroup', 'Boom()'], 6, false, 'kept']]);
      }));

    // asyncio 3.13 probe: [('raise', 2), ('cancelled', 4, 1), ('body cancelled', 4), ('still', 0, 5),
    //   ('still', 1, 6), ('still', 2, 7), ('out', EG[Boom()], 9, 'late', 0)] — the group waits for
    // the stubborn child (whose own cancelling() stays 1) and exits two passes after it returns.
    it(`a child that ignores the cancellation for three passes holds the group's exit back (${style})`, () =>
      (async () => {
        let tick = (): number => -1;
        const log: unknown[] = [];
        const still = (i: number) => log.push(['still', i, tick()]);
        const stubborn = style === 'generator'
          ? function* () {
            try { yield* newFuture(); } catch { log.push(['cancelled', tick(), cancelling()]); }
            for (let i = 0; i < 3; i++) { yield* sleep(0); still(i); }
            return 'late';
          }
          : async () => {
            try { await newFuture(); } catch { log.push(['cancelled', tick(), cancelling()]); }
            for (let i = 0; i < 3; i++) { await sleep(0); still(i); }
            return 'late';
          };
        const fail = style === 'generator'
          ? function* () { yield* sleep(0); log.push(['raise', tick()]); throw new Boom(); }
          : async () => { await sleep(0); log.push(['raise', tick()]); throw new Boom(); };
        let c!: Task<string>;
        const out = (e: unknown) => log.push(['out', shape(e), tick(), c.result(), cancelling()]);
        const bodyCancelled = (e: unknown) => {
          log.push(['body cancelled', tick()]);
          throw e;
        };
        await run(style === 'generator'
          ? function* () {
            tick = ticker(log);
            try {
              yield* new TaskGroup().run(function* (tg) {
                tg.createTask(fail);
                c = tg.createTask(stubborn);
                try { yield* newFuture(); } catch (e) { bodyCancelled(e); }
              });
            } catch (e) { out(e); }
          }
          : async () => {
            tick = ticker(log);
            try {
              await new TaskGroup().run(async (tg) => {
                tg.createTask(fail);
                c = tg.createTask(stubborn);
                try { await newFuture(); } catch (e) { bodyCancelled(e); }
              });
            } catch (e) { out(e); }
          });
        expect(log).toEqual([
          ['raise', 2],
          ['cancelled', 4, 1],
          ['body cancelled', 4],
          ['still', 0, 5],
          ['still', 1, 6],
          ['still', 2, 7],
          ['out', ['ExceptionGroup', 'Boom()'], 9, 'late', 0],
        ]);
      })());

    // asyncio 3.13 probe: [('raise', 2), ('cancelled', 4), ('bang', 5), ('out', EG[Boom(), Bang()], 7, 0)]
    // — the error raised while being cancelled is collected after the one that caused the abort,
    // although its child was created first.
    it(`a child raising a new error one pass into its cancellation adds it after the first failure (${style})`, () =>
      run(async () => {
        const log: unknown[] = [];
        const tick = ticker(log);
        try {
          await new TaskGroup().run((tg) => {
            tg.createTask(style === 'generator'
              ? function* () {
                try { yield* newFuture(); } catch { log.push(['cancelled', tick()]); }
                yield* sleep(0);
                log.push(['bang', tick()]);
                throw new Bang();
              }
              : async () => {
                try { await newFuture(); } catch { log.push(['cancelled', tick()]); }
                await sleep(0);
                log.push(['bang', tick()]);
                throw new Bang();
              });
            tg.createTask(style === 'generator'
              ? function* () { yield* sleep(0); log.push(['raise', tick()]); throw new Boom(); }
              : async () => { await sleep(0); log.push(['raise', tick()]); throw new Boom(); });
          });
        } catch (e) {
          log.push(['out', shape(e), tick(), cancelling()]);
        }
        expect(log).toEqual([['raise', 2], ['cancelled', 4], ['bang', 5], ['out', ['ExceptionGroup', 'Boom()', 'Bang()'], 7, 0]]);
      }));
  }
});

// ---- cancelling the task that runs the group ---------------------------------------------------

describe('an outside cancel of the task running a group (review)', () => {
  for (const style of STYLES) {
    for (const where of ['body', 'exit'] as const) {
      // asyncio 3.13 probe (`t.cancel('stop')` at tick 2, the body waiting or already returned):
      //   body: [('cancel', 2), ('body cancelled', 3, 'stop'), ('child cancelled', 4, '', 1) ×2,
      //          ('out', CancelledError('stop'), 6, cancelling=1), ('uncancel', 0), ('awaited', 'stop', cancelled=True)]
      //   exit: the same without the body line. The children get a CancelledError without the
      //   message; the group re-raises the task's own CancelledError, message and all, and leaves
      //   its cancel request counted (the group never uncancels a cancel it did not make).
      it(`a cancel with a message while the group ${where === 'body' ? 'body waits' : 'waits at its exit'} reaches the children without it and comes out with it (${style})`, () =>
        run(async () => {
          const log: unknown[] = [];
          const tick = ticker(log);
          const child = style === 'generator'
            ? function* () {
              try { yield* newFuture(); } catch (e) {
                log.push(['child cancelled', tick(), (e as Error).message, cancelling()]);
                throw e;
              }
            }
            : async () => {
              try { await newFuture(); } catch (e) {
                log.push(['child cancelled', tick(), (e as Error).message, cancelling()]);
                throw e;
              }
            };
          const out = (e: unknown): never => {
            log.push(['out', shape(e), (e as Error).message, tick(), cancelling()]);
            log.push(['uncancel', currentTask()!.uncancel()]);
            throw e;
          };
          const bodyCancelled = (e: unknown): never => {
            log.push(['body cancelled', tick(), (e as Error).message]);
            throw e;
          };
          const t = createTask(style === 'generator'
            ? function* () {
              try {
                yield* new TaskGroup().run(function* (tg) {
                  tg.createTask(child);
                  tg.createTask(child);
                  if (where === 'body') try { yield* newFuture(); } catch (e) { bodyCancelled(e); }
                });
              } catch (e) { out(e); }
            }
            : async () => {
              try {
                await new TaskGroup().run(async (tg) => {
                  tg.createTask(child);
                  tg.createTask(child);
                  if (where === 'body') try { await newFuture(); } catch (e) { bodyCancelled(e); }
                });
              } catch (e) { out(e); }
            });
          await sleep(0);
          await sleep(0);
          log.push(['cancel', tick()]);
          t.cancel('stop');
          try {
            await t;
          } catch (e) {
            log.push(['awaited', (e as Error).message, t.cancelled()]);
          }
          expect(log).toEqual([
            ['cancel', 2],
            ...(where === 'body' ? [['body cancelled', 3, 'stop']] : []),
            ['child cancelled', 4, '', 1],
            ['child cancelled', 4, '', 1],
            ['out', 'CancelledError', 'stop', 6, 1],
            ['uncancel', 0],
            ['awaited', 'stop', true],
          ]);
        }));
    }

    for (const order of ['cancel first', 'child first'] as const) {
      // asyncio 3.13 probe (the canceller and the failing child run in the same pass, tick 3):
      //   cancel first: [('cancel', 3), ('raise', 3), ('body cancelled', 4, 'stop', 1), ('out', EG[Boom()], 5, 1),
      //                  ('next cancelled', '', 6, 1), ('uncancel', 0), ('after uncancel ok', 7)]
      //   child first:  [('raise', 3), ('cancel', 3), ('body cancelled', 4, 'stop', 2), ('out', EG[Boom()], 5, 1),
      //                  ('next cancelled', '', 6, 1), ('uncancel', 0), ('after uncancel ok', 7)]
      // The child's error wins over the cancel; the outside cancel stays counted and is delivered
      // again, without its message (the group's uncancel()+cancel()), at the task's next wait;
      // once uncancel() takes it back, nothing more is pending.
      it(`an outside cancel in the same pass as a child failure (${order}): ExceptionGroup, then a bare re-cancel at the next wait (${style})`, () =>
        run(async () => {
          const log: unknown[] = [];
          const tick = ticker(log);
          let T!: Task<void>;
          const failing = style === 'generator'
            ? function* () { yield* sleep(0); log.push(['raise', tick()]); throw new Boom(); }
            : async () => { await sleep(0); log.push(['raise', tick()]); throw new Boom(); };
          const canceller = style === 'generator'
            ? function* () { yield* sleep(0); log.push(['cancel', tick()]); T.cancel('stop'); }
            : async () => { await sleep(0); log.push(['cancel', tick()]); T.cancel('stop'); };
          const spawn = (tg: TaskGroup) => {
            if (order === 'child first') tg.createTask(failing);
            tg.createTask(canceller);
            if (order === 'cancel first') tg.createTask(failing);
          };
          const bodyCancelled = (e: unknown): never => {
            log.push(['body cancelled', tick(), (e as Error).message, cancelling()]);
            throw e;
          };
          const out = (e: unknown) => log.push(['out', shape(e), tick(), cancelling()]);
          const nextCancelled = (e: unknown) => {
            log.push(['next cancelled', (e as Error).message, tick(), cancelling()]);
            log.push(['uncancel', currentTask()!.uncancel()]);
          };
          T = createTask(style === 'generator'
            ? function* () {
              try {
                yield* new TaskGroup().run(function* (tg) {
                  spawn(tg);
                  try { yield* newFuture(); } catch (e) { bodyCancelled(e); }
                });
              } catch (e) { out(e); }
              try { yield* sleep(0); log.push(['next ok']); } catch (e) { nextCancelled(e); }
              yield* sleep(0);
              log.push(['after uncancel ok', tick()]);
            }
            : async () => {
              try {
                await new TaskGroup().run(async (tg) => {
                  spawn(tg);
                  try { await newFuture(); } catch (e) { bodyCancelled(e); }
                });
              } catch (e) { out(e); }
              try { await sleep(0); log.push(['next ok']); } catch (e) { nextCancelled(e); }
              await sleep(0);
              log.push(['after uncancel ok', tick()]);
            });
          await T;
          expect(log).toEqual([
            ...(order === 'cancel first' ? [['cancel', 3], ['raise', 3]] : [['raise', 3], ['cancel', 3]]),
            ['body cancelled', 4, 'stop', order === 'cancel first' ? 1 : 2],
            ['out', ['ExceptionGroup', 'Boom()'], 5, 1],
            ['next cancelled', '', 6, 1],
            ['uncancel', 0],
            ['after uncancel ok', 7],
          ]);
        }));
    }
  }
});

// ---- nested groups -----------------------------------------------------------------------------

describe("an outer group's abort reaching an inner group waiting at its exit (review)", () => {
  for (const style of STYLES) {
    for (const innerErr of [false, true]) {
      // asyncio 3.13 probe (the inner body returned at once; the outer child fails at tick 2):
      //   [('inner body end', 0), ('raise', 2), ('inner child cancelled', 5, 1),
      //    ('inner out', CancelledError | EG[Bang()], 7, cancelling=1), ('outer out', EG[Boom()] | EG[Boom(), EG[Bang()]], 7, 0)]
      // The inner group turns the task's cancel into its children's cancel and re-raises it; an
      // inner child that fails instead makes the inner group's ExceptionGroup, which the outer one
      // nests after its own child's error.
      it(`the inner child is cancelled and the outer group raises ${innerErr ? 'both, the inner group nested' : 'only the outer failure'} (${style})`, () =>
        run(async () => {
          const log: unknown[] = [];
          const tick = ticker(log);
          const failing = style === 'generator'
            ? function* () { yield* sleep(0); log.push(['raise', tick()]); throw new Boom(); }
            : async () => { await sleep(0); log.push(['raise', tick()]); throw new Boom(); };
          const onCancel = (e: unknown): never => {
            log.push(['inner child cancelled', tick(), cancelling()]);
            throw innerErr ? new Bang() : e;
          };
          const innerChild = style === 'generator'
            ? function* () { try { yield* newFuture(); } catch (e) { onCancel(e); } }
            : async () => { try { await newFuture(); } catch (e) { onCancel(e); } };
          const innerOut = (e: unknown): never => {
            log.push(['inner out', shape(e), tick(), cancelling()]);
            throw e;
          };
          try {
            await new TaskGroup().run(style === 'generator'
              ? function* (outer) {
                outer.createTask(failing);
                try {
                  yield* new TaskGroup().run(function* (inner) {
                    inner.createTask(innerChild);
                    log.push(['inner body end', tick()]);
                  });
                } catch (e) { innerOut(e); }
              }
              : async (outer) => {
                outer.createTask(failing);
                try {
                  await new TaskGroup().run(async (inner) => {
                    inner.createTask(innerChild);
                    log.push(['inner body end', tick()]);
                  });
                } catch (e) { innerOut(e); }
              });
          } catch (e) {
            log.push(['outer out', shape(e), tick(), cancelling()]);
          }
          expect(log).toEqual([
            ['inner body end', 0],
            ['raise', 2],
            ['inner child cancelled', 5, 1],
            ['inner out', innerErr ? ['ExceptionGroup', 'Bang()'] : 'CancelledError', 7, 1],
            ['outer out', innerErr ? ['ExceptionGroup', 'Boom()', ['ExceptionGroup', 'Bang()']] : ['ExceptionGroup', 'Boom()'], 7, 0],
          ]);
        }));
    }
  }
});

// ---- createTask while the group shuts down, and eager children ---------------------------------

describe('createTask on a group that is shutting down or finished (review)', () => {
  for (const style of STYLES) {
    // asyncio 3.13 probe: [('raise', 2), ('refused', '… is shutting down', 'CORO_CLOSED'),
    //   ('out', EG[Boom()]), ('refused', '… is finished', 'CORO_CLOSED')] — the refused coroutine
    // is closed (it never runs, and a generator object passed in is finished).
    it(`the body cancelled by a failure is refused with "shutting down", and after the exit with "finished"; the refused bodies never run (${style})`, () =>
      run(async () => {
        const log: unknown[] = [];
        const tick = ticker(log);
        function* neverRuns(): Coroutine<void> {
          log.push('RAN');
        }
        const asyncNeverRuns = async (): Promise<void> => {
          log.push('RAN');
        };
        const refuse = (tg: TaskGroup) => {
          const gen = neverRuns();
          const e = (() => {
            try {
              tg.createTask(style === 'generator' ? gen : asyncNeverRuns);
            } catch (err) {
              return err;
            }
            return null;
          })();
          log.push(['refused', (e as Error).constructor, /is (shutting down|finished)/.exec((e as Error).message)?.[0]]);
          if (style === 'generator') log.push(['closed', gen.next().done]);
        };
        let group!: TaskGroup;
        try {
          await new TaskGroup().run(style === 'generator'
            ? function* (tg) {
              group = tg;
              tg.createTask(function* () { yield* sleep(0); log.push(['raise', tick()]); throw new Boom(); });
              try { yield* newFuture(); } catch (e) { refuse(tg); throw e; }
            }
            : async (tg) => {
              group = tg;
              tg.createTask(async () => { await sleep(0); log.push(['raise', tick()]); throw new Boom(); });
              try { await newFuture(); } catch (e) { refuse(tg); throw e; }
            });
        } catch (e) {
          log.push(['out', shape(e)]);
        }
        refuse(group);
        await sleep(0);
        const closed = style === 'generator' ? [['closed', true]] : [];
        expect(log).toEqual([
          ['raise', 2],
          ['refused', RuntimeError, 'is shutting down'],
          ...closed,
          ['out', ['ExceptionGroup', 'Boom()']],
          ['refused', RuntimeError, 'is finished'],
          ...closed,
        ]);
      }));

    // asyncio 3.13 probe: [('raise', 2), ('sib creates', 2), ('sib cancelled', 4), ('out', EG[Boom()], 6, grandchild cancelled=True)]
    // and the grandchild's body never runs: a sibling running later in the very pass the child
    // failed in may still add a task (the group hears of the failure from a done callback, one pass
    // later), and the abort then cancels that task before its first step.
    it(`a task added by a sibling in the pass of a failure is accepted, then cancelled before it runs (${style})`, () =>
      run(async () => {
        const log: unknown[] = [];
        const tick = ticker(log);
        let grand = null as Task<void> | null;
        const gc = style === 'generator'
          ? function* () { log.push('GRANDCHILD RAN'); yield* sleep(0); }
          : async () => { log.push('GRANDCHILD RAN'); await sleep(0); };
        const create = (tg: TaskGroup) => {
          log.push(['sib creates', tick()]);
          try {
            grand = tg.createTask(gc);
          } catch (e) {
            log.push(['refused', (e as Error).message]);
          }
        };
        const sibCancelled = (e: unknown): never => {
          log.push(['sib cancelled', tick()]);
          throw e;
        };
        try {
          await new TaskGroup().run((tg) => {
            tg.createTask(style === 'generator'
              ? function* () { yield* sleep(0); log.push(['raise', tick()]); throw new Boom(); }
              : async () => { await sleep(0); log.push(['raise', tick()]); throw new Boom(); });
            tg.createTask(style === 'generator'
              ? function* () {
                yield* sleep(0);
                create(tg);
                try { yield* newFuture(); } catch (e) { sibCancelled(e); }
              }
              : async () => {
                await sleep(0);
                create(tg);
                try { await newFuture(); } catch (e) { sibCancelled(e); }
              });
          });
        } catch (e) {
          log.push(['out', shape(e), tick(), grand?.cancelled()]);
        }
        expect(log).toEqual([
          ['raise', 2],
          ['sib creates', 2],
          ['sib cancelled', 4],
          ['out', ['ExceptionGroup', 'Boom()'], 6, true],
        ]);
      }));
  }
});

describe('eager children failing in their first step (review)', () => {
  for (const style of STYLES) {
    // asyncio 3.13 probe (a task factory making only this child eager, as { eagerStart: true }):
    //   [('eager step', 0), ('after create', done=True, 0, cancelling=0), ('second create ok', 0),
    //    ('body cancelled', 1, 1), ('out', EG[Boom(e)], 3, 0, other cancelled=True)]
    // The group hears of the eager failure from a done callback one pass later: createTask right
    // after it still succeeds, and that second child is cancelled before its first step.
    // In the async style this cannot hold exactly: an async body that throws before its first
    // await hands back an already-rejected promise, and JS gives no way to read a promise's outcome
    // synchronously, so the task is not done inside createTask (eager.test.ts notes the same for
    // test_eager_completion). tulip (async): 'after create' done=false, the second child gets its
    // first step ('other started', 1) before being cancelled at 2, and the group exits at tick 4.
    // The outcome (ExceptionGroup[Boom(e)], cancelling() 0, the second child cancelled) is the same:
    // see the next test.
    const exact = style === 'generator' ? it : it.fails;
    exact(`a child failing in its eager step leaves the group open until the next pass (${style})`, () =>
      run(async () => {
        const log: unknown[] = [];
        const tick = ticker(log);
        let o!: Task<void>;
        const eagerFail = style === 'generator'
          // eslint-disable-next-line require-yield
          ? function* (): Coroutine<never> { log.push(['eager step', tick()]); throw new Boom('e'); }
          : async (): Promise<never> => { log.push(['eager step', tick()]); throw new Boom('e'); };
        const other = style === 'generator'
          ? function* () {
            log.push(['other started', tick()]);
            try { yield* newFuture(); } catch (e) { log.push(['other cancelled', tick()]); throw e; }
          }
          : async () => {
            log.push(['other started', tick()]);
            try { await newFuture(); } catch (e) { log.push(['other cancelled', tick()]); throw e; }
          };
        const create = (tg: TaskGroup) => {
          const t = tg.createTask(eagerFail, { eagerStart: true });
          log.push(['after create', t.done(), tick(), cancelling()]);
          try {
            o = tg.createTask(other);
            log.push(['second create ok', tick()]);
          } catch (e) {
            log.push(['second create refused', (e as Error).message]);
          }
        };
        const bodyCancelled = (e: unknown): never => {
          log.push(['body cancelled', tick(), cancelling()]);
          throw e;
        };
        try {
          await new TaskGroup().run(style === 'generator'
            ? function* (tg) {
              create(tg);
              try {
                yield* sleep(0);
                log.push(['body slept', tick()]);
                yield* sleep(0);
                log.push(['body slept 2', tick()]);
              } catch (e) { bodyCancelled(e); }
            }
            : async (tg) => {
              create(tg);
              try {
                await sleep(0);
                log.push(['body slept', tick()]);
                await sleep(0);
                log.push(['body slept 2', tick()]);
              } catch (e) { bodyCancelled(e); }
            });
        } catch (e) {
          log.push(['out', shape(e), tick(), cancelling(), o?.cancelled()]);
        }
        expect(log).toEqual([
          ['eager step', 0],
          ['after create', true, 0, 0],
          ['second create ok', 0],
          ['body cancelled', 1, 1],
          ['out', ['ExceptionGroup', 'Boom(e)'], 3, 0, true],
        ]);
      }));

    it(`a child failing in its eager step fails the group with its error and the second child ends cancelled (${style})`, () =>
      run(async () => {
        let o!: Task<void>;
        const e = await (async () => {
          try {
            await new TaskGroup().run(async (tg) => {
              tg.createTask(style === 'generator'
                // eslint-disable-next-line require-yield
                ? function* (): Coroutine<never> { throw new Boom('e'); }
                : async (): Promise<never> => { throw new Boom('e'); }, { eagerStart: true });
              o = tg.createTask(style === 'generator'
                ? function* () { yield* newFuture(); }
                : async () => { await newFuture(); });
              await sleep(0);
              await sleep(0);
            });
          } catch (err) {
            return err;
          }
          return null;
        })();
        expect(shape(e)).toEqual(['ExceptionGroup', 'Boom(e)']);
        expect(cancelling()).toBe(0);
        expect(o.cancelled()).toBe(true);
      }));

    // asyncio 3.13 probe: [('eager step', '1', 0), ('eager step', '2', 0), ('body end', 0),
    //   ('out', EG[Boom(1), Boom(2)], 2, 0)] — both eager failures are collected, in order.
    it(`two children failing in their eager steps are both collected, in creation order (${style})`, () =>
      run(async () => {
        const log: unknown[] = [];
        const tick = ticker(log);
        const eagerFail = (x: string) =>
          style === 'generator'
            // eslint-disable-next-line require-yield
            ? function* (): Coroutine<never> { log.push(['eager step', x, tick()]); throw new Boom(x); }
            : async (): Promise<never> => { log.push(['eager step', x, tick()]); throw new Boom(x); };
        try {
          await new TaskGroup().run((tg) => {
            tg.createTask(eagerFail('1'), { eagerStart: true });
            tg.createTask(eagerFail('2'), { eagerStart: true });
            log.push(['body end', tick()]);
          });
        } catch (e) {
          log.push(['out', shape(e), tick(), cancelling()]);
        }
        expect(log).toEqual([
          ['eager step', '1', 0],
          ['eager step', '2', 0],
          ['body end', 0],
          ['out', ['ExceptionGroup', 'Boom(1)', 'Boom(2)'], 2, 0],
        ]);
      }));
  }
});

// ---- timeouts around and inside groups ----------------------------------------------------------

describe('a timeout inside a group body (review)', () => {
  for (const style of STYLES) {
    // asyncio 3.13 probe (virtual time): [('child cancelled', ''), ('out', EG[TimeoutError], expired=True, cancelling=0, time=5)]
    // The TimeoutError is the body's own error: the group wraps it and cancels the children.
    it(`an uncaught TimeoutError of the body comes out wrapped in the group's ExceptionGroup (${style})`, () =>
      runVirtual(async () => {
        const log: unknown[] = [];
        const loop = getRunningLoop();
        let t!: ReturnType<typeof timeout>;
        const childCancelled = (e: unknown): never => {
          log.push(['child cancelled', (e as Error).message]);
          throw e;
        };
        try {
          await new TaskGroup().run(style === 'generator'
            ? function* (tg) {
              tg.createTask(function* () { try { yield* sleep(10_000); } catch (e) { childCancelled(e); } });
              yield* (t = timeout(5)).run(function* () { yield* sleep(1000); });
            }
            : async (tg) => {
              tg.createTask(async () => { try { await sleep(10_000); } catch (e) { childCancelled(e); } });
              await (t = timeout(5)).run(async () => { await sleep(1000); });
            });
        } catch (e) {
          log.push(['out', shape(e), t.expired(), cancelling(), loop.time()]);
        }
        expect(log).toEqual([['child cancelled', ''], ['out', ['ExceptionGroup', 'TimeoutError'], true, 0, 5]]);
      }));

    // asyncio 3.13 probe: [('timeout', expired=True, cancelling=0, cause='CancelledError'),
    //   ('child done', 10), ('after', 'c', 0)] — a TimeoutError caught in the body does not disturb
    // the group: the child runs to its end.
    it(`a TimeoutError caught inside the body leaves the children running to their end (${style})`, () =>
      runVirtual(async () => {
        const log: unknown[] = [];
        const loop = getRunningLoop();
        let c!: Task<string>;
        let t!: ReturnType<typeof timeout>;
        const caught = (e: unknown) => {
          if (!(e instanceof TimeoutError)) throw e;
          log.push(['timeout', t.expired(), cancelling(), (e.cause as Error).name]);
        };
        await new TaskGroup().run(style === 'generator'
          ? function* (tg) {
            c = tg.createTask(function* () { yield* sleep(10); log.push(['child done', loop.time()]); return 'c'; });
            try { yield* (t = timeout(5)).run(function* () { yield* sleep(1000); }); } catch (e) { caught(e); }
          }
          : async (tg) => {
            c = tg.createTask(async () => { await sleep(10); log.push(['child done', loop.time()]); return 'c'; });
            try { await (t = timeout(5)).run(async () => { await sleep(1000); }); } catch (e) { caught(e); }
          });
        log.push(['after', c.result(), cancelling()]);
        expect(log).toEqual([['timeout', true, 0, 'CancelledError'], ['child done', 10], ['after', 'c', 0]]);
      }));
  }
});

describe('a group inside a timeout (review)', () => {
  for (const style of STYLES) {
    // asyncio 3.13 probe (virtual time, the body returned at once, deadline 10):
    //   [('body end', 0), ('a cancelled', 10, '', 1), ('b caught', 10),
    //    ('out', TimeoutError, cause=CancelledError, expired=True, cancelling=0, 10, b.result='v'), ('after', 11)]
    it(`a deadline passing while the group waits at its exit cancels the children and becomes TimeoutError; a child may keep its value (${style})`, () =>
      runVirtual(async () => {
        const log: unknown[] = [];
        const loop = getRunningLoop();
        let B!: Task<string>;
        let t!: ReturnType<typeof timeout>;
        const aCancelled = (e: unknown): never => {
          log.push(['a cancelled', loop.time(), (e as Error).message, cancelling()]);
          throw e;
        };
        const spawn = (tg: TaskGroup) => {
          tg.createTask(style === 'generator'
            ? function* () { try { yield* sleep(100); } catch (e) { aCancelled(e); } }
            : async () => { try { await sleep(100); } catch (e) { aCancelled(e); } });
          B = tg.createTask(style === 'generator'
            ? function* () { try { yield* sleep(100); } catch { log.push(['b caught', loop.time()]); } return 'v'; }
            : async () => { try { await sleep(100); } catch { log.push(['b caught', loop.time()]); } return 'v'; });
          log.push(['body end', loop.time()]);
        };
        try {
          await (t = timeout(10)).run(style === 'generator'
            ? function* () { yield* new TaskGroup().run(function* (tg) { spawn(tg); }); }
            : async () => { await new TaskGroup().run(async (tg) => { spawn(tg); }); });
        } catch (e) {
          log.push(['out', shape(e), ((e as Error).cause as Error)?.name, t.expired(), cancelling(), loop.time(), B.result()]);
        }
        await sleep(1);
        log.push(['after', loop.time()]);
        expect(log).toEqual([
          ['body end', 0],
          ['a cancelled', 10, '', 1],
          ['b caught', 10],
          ['out', 'TimeoutError', 'CancelledError', true, 0, 10, 'v'],
          ['after', 11],
        ]);
      }));

    // asyncio 3.13 probe (a child fails at tick 2; the stubborn child, cancelled at 4, moves the
    // deadline to now and then takes three passes):
    //   [('raise', 2), ('cancelled', 4), ('still', 0, 5, True), ('still', 1, 6, True), ('still', 2, 7, True),
    //    ('out', EG[Boom()], expired=True, cancelling=0, 9), ('next ok', 10)]
    // The deadline passing while the group aborts adds a cancel the group's exit does not take;
    // the ExceptionGroup goes through the expired timeout unconverted, which takes its cancel back:
    // nothing is left pending.
    it(`a deadline passing while the group aborts: the ExceptionGroup comes out, expired() is true, nothing is left pending (${style})`, () =>
      run(async () => {
        const log: unknown[] = [];
        const tick = ticker(log);
        const loop = getRunningLoop();
        let T!: ReturnType<typeof timeout>;
        const onCancel = () => {
          log.push(['cancelled', tick()]);
          T.reschedule(loop.time());
        };
        const still = (i: number) => log.push(['still', i, tick(), T.expired()]);
        const spawn = (tg: TaskGroup) => {
          tg.createTask(style === 'generator'
            ? function* () { yield* sleep(0); log.push(['raise', tick()]); throw new Boom(); }
            : async () => { await sleep(0); log.push(['raise', tick()]); throw new Boom(); });
          tg.createTask(style === 'generator'
            ? function* () {
              try { yield* newFuture(); } catch { onCancel(); }
              for (let i = 0; i < 3; i++) { yield* sleep(0); still(i); }
            }
            : async () => {
              try { await newFuture(); } catch { onCancel(); }
              for (let i = 0; i < 3; i++) { await sleep(0); still(i); }
            });
        };
        try {
          await (T = timeout(null)).run(style === 'generator'
            ? function* () { yield* new TaskGroup().run(function* (tg) { spawn(tg); }); }
            : async () => { await new TaskGroup().run(async (tg) => { spawn(tg); }); });
        } catch (e) {
          log.push(['out', shape(e), T.expired(), cancelling(), tick()]);
        }
        await sleep(0);
        log.push(['next ok', tick()]);
        expect(log).toEqual([
          ['raise', 2],
          ['cancelled', 4],
          ['still', 0, 5, true],
          ['still', 1, 6, true],
          ['still', 2, 7, true],
          ['out', ['ExceptionGroup', 'Boom()'], true, 0, 9],
          ['next ok', 10],
        ]);
      }));
  }
});

describe("a deadline and a child failure cancelling the task in the same pass (review)", () => {
  for (const style of STYLES) {
    for (const placement of ['around the group', 'inside the body'] as const) {
      for (const order of ['timeout first', 'child first'] as const) {
        // asyncio 3.13 probe (one child moves the deadline to now at tick 2, another fails at tick 2;
        // the timeout's and the group's cancels land in the same pass, in either order):
        //   around: [('expire'|'raise', 2) ×2, ('body cancelled', 4, cancelling=2),
        //            ('out', EG[Boom()], expired=True, cancelling=0, 4), ('next ok', 5)]
        //   inside: the same, with ('timeout out', CancelledError, expired=True, cancelling=1, 4) before 'out':
        //           the timeout sees a cancel left over (the group's) and does not convert.
        // The failure wins: no TimeoutError anywhere, although the timeout expired.
        it(`with the timeout ${placement}, ${order}: ExceptionGroup, no TimeoutError, expired() true, cancelling() 0 (${style})`, () =>
          run(async () => {
            const log: unknown[] = [];
            const tick = ticker(log);
            const loop = getRunningLoop();
            let t!: ReturnType<typeof timeout>;
            const fail = style === 'generator'
              ? function* () { yield* sleep(0); log.push(['raise', tick()]); throw new Boom(); }
              : async () => { await sleep(0); log.push(['raise', tick()]); throw new Boom(); };
            const expire = style === 'generator'
              ? function* () { yield* sleep(0); log.push(['expire', tick()]); t.reschedule(loop.time()); }
              : async () => { await sleep(0); log.push(['expire', tick()]); t.reschedule(loop.time()); };
            const spawn = (tg: TaskGroup) => {
              if (order === 'timeout first') { tg.createTask(expire); tg.createTask(fail); }
              else { tg.createTask(fail); tg.createTask(expire); }
            };
            const bodyCancelled = (e: unknown): never => {
              log.push(['body cancelled', tick(), cancelling()]);
              throw e;
            };
            const timeoutOut = (e: unknown): never => {
              log.push(['timeout out', shape(e), t.expired(), cancelling(), tick()]);
              throw e;
            };
            try {
              if (placement === 'around the group') {
                await (t = timeout(null)).run(style === 'generator'
                  ? function* () {
                    yield* new TaskGroup().run(function* (tg) {
                      spawn(tg);
                      try { yield* newFuture(); } catch (e) { bodyCancelled(e); }
                    });
                  }
                  : async () => {
                    await new TaskGroup().run(async (tg) => {
                      spawn(tg);
                      try { await newFuture(); } catch (e) { bodyCancelled(e); }
                    });
                  });
              } else {
                await new TaskGroup().run(style === 'generator'
                  ? function* (tg) {
                    spawn(tg);
                    try {
                      yield* (t = timeout(null)).run(function* () {
                        try { yield* newFuture(); } catch (e) { bodyCancelled(e); }
                      });
                    } catch (e) { timeoutOut(e); }
                  }
                  : async (tg) => {
                    spawn(tg);
                    try {
                      await (t = timeout(null)).run(async () => {
                        try { await newFuture(); } catch (e) { bodyCancelled(e); }
                      });
                    } catch (e) { timeoutOut(e); }
                  });
              }
            } catch (e) {
              log.push(['out', shape(e), t.expired(), cancelling(), tick()]);
            }
            await sleep(0);
            log.push(['next ok', tick()]);
            expect(log).toEqual([
              ...(order === 'timeout first' ? [['expire', 2], ['raise', 2]] : [['raise', 2], ['expire', 2]]),
              ['body cancelled', 4, 2],
              ...(placement === 'inside the body' ? [['timeout out', 'CancelledError', true, 1, 4]] : []),
              ['out', ['ExceptionGroup', 'Boom()'], true, 0, 4],
              ['next ok', 5],
            ]);
          }));
      }
    }

    for (const order of ['cancel first', 'timeout first'] as const) {
      // asyncio 3.13 probe (a group inside a timeout in task T; the deadline is moved to now and
      // T.cancel('stop') is called, in the same step or the timeout's cancel one pass earlier):
      //   cancel first:  [('sent', 2), ('body cancelled', 'stop', 3, 1), ('child cancelled', '', 4),
      //                   ('out', CancelledError('stop'), expired=True, cancelling=1, 6), ('awaited', CancelledError('stop'), cancelled=True)]
      //   timeout first: [('sent', 3), ('body cancelled', '', 4, 2), ('child cancelled', '', 5),
      //                   ('out', CancelledError(''), expired=True, cancelling=1, 7), ('awaited', CancelledError(''), cancelled=True)]
      // Either way the outside cancel wins over the deadline (no TimeoutError). When the deadline's
      // cancel got there first, T.cancel('stop') finds the wait already cancelled and only marks
      // the task: the CancelledError that goes on is the deadline's, and 'stop' is lost.
      it(`an outside cancel and a deadline in the same pass around a group (${order}): CancelledError, not TimeoutError (${style})`, () =>
        run(async () => {
          const log: unknown[] = [];
          const tick = ticker(log);
          const loop = getRunningLoop();
          let t!: ReturnType<typeof timeout>;
          const childCancelled = (e: unknown): never => {
            log.push(['child cancelled', (e as Error).message, tick()]);
            throw e;
          };
          const bodyCancelled = (e: unknown): never => {
            log.push(['body cancelled', (e as Error).message, tick(), cancelling()]);
            throw e;
          };
          const out = (e: unknown): never => {
            log.push(['out', shape(e), (e as Error).message, t.expired(), cancelling(), tick()]);
            throw e;
          };
          const T = createTask(style === 'generator'
            ? function* () {
              try {
                yield* (t = timeout(null)).run(function* () {
                  yield* new TaskGroup().run(function* (tg) {
                    tg.createTask(function* () { try { yield* newFuture(); } catch (e) { childCancelled(e); } });
                    try { yield* newFuture(); } catch (e) { bodyCancelled(e); }
                  });
                });
              } catch (e) { out(e); }
            }
            : async () => {
              try {
                await (t = timeout(null)).run(async () => {
                  await new TaskGroup().run(async (tg) => {
                    tg.createTask(async () => { try { await newFuture(); } catch (e) { childCancelled(e); } });
                    try { await newFuture(); } catch (e) { bodyCancelled(e); }
                  });
                });
              } catch (e) { out(e); }
            });
          await sleep(0);
          await sleep(0);
          if (order === 'cancel first') {
            T.cancel('stop');
            t.reschedule(loop.time());
          } else {
            t.reschedule(loop.time());
            await sleep(0);
            T.cancel('stop');
          }
          log.push(['sent', tick()]);
          try {
            await T;
          } catch (e) {
            log.push(['awaited', shape(e), (e as Error).message, T.cancelled()]);
          }
          const msg = order === 'cancel first' ? 'stop' : '';
          expect(log).toEqual([
            ['sent', order === 'cancel first' ? 2 : 3],
            ...(order === 'cancel first'
              ? [['body cancelled', 'stop', 3, 1], ['child cancelled', '', 4], ['out', 'CancelledError', msg, true, 1, 6]]
              : [['body cancelled', '', 4, 2], ['child cancelled', '', 5], ['out', 'CancelledError', msg, true, 1, 7]]),
            ['awaited', 'CancelledError', msg, true],
          ]);
        }));
    }
  }
});

// ---- waitFor() and shield() around a group --------------------------------------------------

describe('waitFor() of work that runs a group (review)', () => {
  for (const style of STYLES) {
    for (const asTask of [true, false]) {
      for (const failInCleanup of [false, true]) {
        // asyncio 3.13 probe (virtual time, wait_for(…, 10 ms), two children and the body sleep 100 ms):
        //   ('runner task is main', not asTask), ('body cancelled', 10, ''), ('child cancelled', n, 10, '') for n = 1, 2
        //   (in set order), then
        //   no cleanup failure: ('out', TimeoutError, cause=CancelledError, cancelling=0, 10), and a task ends cancelled;
        //   child 2 raising Bang when cancelled: ('out', EG[Bang()], cause=None, cancelling=0, 10), the task failed with it.
        // A coroutine runs inside wait_for in the calling task (wait_for wraps only for a timeout <= 0).
        it(`${asTask ? 'a task' : 'a coroutine'} whose group is cancelled by the timeout: ${failInCleanup ? 'a cleanup failure comes out as the ExceptionGroup' : 'TimeoutError'} (${style})`, () =>
          runVirtual(async () => {
            const log: unknown[] = [];
            const loop = getRunningLoop();
            const main = currentTask();
            const onCancel = (n: number, e: unknown): never => {
              log.push(['child cancelled', n, loop.time(), (e as Error).message]);
              throw failInCleanup && n === 2 ? new Bang() : e;
            };
            const bodyCancelled = (e: unknown): never => {
              log.push(['body cancelled', loop.time(), (e as Error).message]);
              throw e;
            };
            const runner = style === 'generator'
              ? function* () {
                yield* new TaskGroup().run(function* (tg) {
                  for (const n of [1, 2]) tg.createTask(function* () { try { yield* sleep(100); } catch (e) { onCancel(n, e); } });
                  log.push(['runner task is main', currentTask() === main]);
                  try { yield* sleep(100); } catch (e) { bodyCancelled(e); }
                });
                return 'done';
              }
              : async () => {
                await new TaskGroup().run(async (tg) => {
                  for (const n of [1, 2]) tg.createTask(async () => { try { await sleep(100); } catch (e) { onCancel(n, e); } });
                  log.push(['runner task is main', currentTask() === main]);
                  try { await sleep(100); } catch (e) { bodyCancelled(e); }
                });
                return 'done';
              };
            const aw = asTask ? createTask(runner) : runner();
            try {
              log.push(['result', await waitFor(aw, 10)]);
            } catch (e) {
              log.push(['out', shape(e), ((e as Error).cause as Error | undefined)?.name, cancelling(), loop.time()]);
            }
            if (asTask) {
              const t = aw as Task<string>;
              log.push(['task', t.cancelled(), t.cancelled() ? null : shape(t.exception())]);
            }
            const children = log.filter((x) => (x as unknown[])[0] === 'child cancelled');
            expect(children).toHaveLength(2);
            expect(children).toEqual(expect.arrayContaining([['child cancelled', 1, 10, ''], ['child cancelled', 2, 10, '']]));
            expect(log.filter((x) => (x as unknown[])[0] !== 'child cancelled')).toEqual([
              ['runner task is main', !asTask],
              ['body cancelled', 10, ''],
              failInCleanup ? ['out', ['ExceptionGroup', 'Bang()'], undefined, 0, 10] : ['out', 'TimeoutError', 'CancelledError', 0, 10],
              ...(asTask ? [['task', !failInCleanup, failInCleanup ? ['ExceptionGroup', 'Bang()'] : null]] : []),
            ]);
          }));
      }
    }
  }
});

describe('shield() around a task running a group (review)', () => {
  for (const style of STYLES) {
    for (const fail of [false, true]) {
      // asyncio 3.13 probe (virtual time; children finish at 10 and 20 ms, the one at 10 raising Boom when `fail`;
      // the task awaiting shield(inner) is cancelled with 'go' at 5 ms):
      //   [('outer cancelled', 5, 'go'), ('awaited outer', 5, 'go'), ('child done', 1, 10),
      //    ('child done', 2, 20), ('inner', 3, 20)]      — or, failing: ('child done', 1, 10), ('inner', EG[Boom()], 10)
      // The cancel stops only the waiter; the group runs on, and its error reaches whoever awaits the inner task
      // (nothing goes to the exception handler).
      it(`a cancel of the waiter leaves the group running to its ${fail ? 'failure' : 'result'}, which the inner task keeps (${style})`, () =>
        runVirtual(async () => {
          const log: unknown[] = [];
          const loop = getRunningLoop();
          loop.setExceptionHandler((_l, ctx) => log.push(['HANDLER', ctx.message, shape(ctx.exception)]));
          const done = (n: number): number => {
            log.push(['child done', n, loop.time()]);
            if (fail && n === 1) throw new Boom();
            return n;
          };
          const inner = createTask(style === 'generator'
            ? function* () {
              let a!: Task<number>;
              let b!: Task<number>;
              yield* new TaskGroup().run(function* (tg) {
                a = tg.createTask(function* () { yield* sleep(10); return done(1); });
                b = tg.createTask(function* () { yield* sleep(20); return done(2); });
              });
              return a.result() + b.result();
            }
            : async () => {
              let a!: Task<number>;
              let b!: Task<number>;
              await new TaskGroup().run(async (tg) => {
                a = tg.createTask(async () => { await sleep(10); return done(1); });
                b = tg.createTask(async () => { await sleep(20); return done(2); });
              });
              return a.result() + b.result();
            });
          const outerCancelled = (e: unknown): never => {
            log.push(['outer cancelled', loop.time(), (e as Error).message]);
            throw e;
          };
          const o = createTask(style === 'generator'
            ? function* () { try { return yield* shield(inner); } catch (e) { return outerCancelled(e); } }
            : async () => { try { return await shield(inner); } catch (e) { return outerCancelled(e); } });
          await sleep(5);
          o.cancel('go');
          try {
            await o;
          } catch (e) {
            log.push(['awaited outer', loop.time(), (e as Error).message]);
          }
          try {
            log.push(['inner', await inner, loop.time()]);
          } catch (e) {
            log.push(['inner', shape(e), loop.time()]);
          }
          await sleep(1);
          expect(log).toEqual([
            ['outer cancelled', 5, 'go'],
            ['awaited outer', 5, 'go'],
            ['child done', 1, 10],
            ...(fail ? [['inner', ['ExceptionGroup', 'Boom()'], 10]] : [['child done', 2, 20], ['inner', 3, 20]]),
          ]);
        }));

      // asyncio 3.13 probe, shield(coroutine that runs the group), nobody awaiting the inner task:
      //   [('outer cancelled', 5, 'go'), ('awaited outer', 5, 'go'), ('child done', 1, 10), ('child done', 2, 20),
      //    ('group done', 20), ('end', 55)]
      //   failing: [..., ('child done', 1, 10), ('HANDLER', 'Task exception was never retrieved', EG[Boom()]), ('end', 55)]
      // The group's failure, read by nobody, is reported once (asyncio at garbage collection with
      // "Task exception was never retrieved"; tulip when the task ends, with "… exception in shielded
      // future": DESIGN §4 — only the report and its exception are checked here).
      it(`shield() of a coroutine running a group (a generator object, or a task of an async function): the waiter's cancel leaves it running, ${fail ? 'and its unread failure is reported once' : 'to its end'} (${style})`, () =>
        runVirtual(async () => {
          const log: unknown[] = [];
          const loop = getRunningLoop();
          loop.setExceptionHandler((_l, ctx) => log.push(['HANDLER', shape(ctx.exception)]));
          const done = (n: number): void => {
            log.push(['child done', n, loop.time()]);
            if (fail && n === 1) throw new Boom();
          };
          const o = createTask(style === 'generator'
            ? function* () {
              try {
                yield* shield((function* () {
                  yield* new TaskGroup().run(function* (tg) {
                    tg.createTask(function* () { yield* sleep(10); done(1); });
                    tg.createTask(function* () { yield* sleep(20); done(2); });
                  });
                  log.push(['group done', loop.time()]);
                })());
              } catch (e) {
                log.push(['outer cancelled', loop.time(), (e as Error).message]);
                throw e;
              }
            }
            : async () => {
              try {
                // (Not shield(promise): an async function's promise already runs in this task, so
                // a cancel of this task reaches its group. asyncio's shield(coro()) wraps the
                // coroutine in a task; an async function gets one from createTask.)
                await shield(createTask(async () => {
                  await new TaskGroup().run(async (tg) => {
                    tg.createTask(async () => { await sleep(10); done(1); });
                    tg.createTask(async () => { await sleep(20); done(2); });
                  });
                  log.push(['group done', loop.time()]);
                }));
              } catch (e) {
                log.push(['outer cancelled', loop.time(), (e as Error).message]);
                throw e;
              }
            });
          await sleep(5);
          o.cancel('go');
          try {
            await o;
          } catch (e) {
            log.push(['awaited outer', loop.time(), (e as Error).message]);
          }
          await sleep(50);
          log.push(['end', loop.time()]);
          expect(log).toEqual([
            ['outer cancelled', 5, 'go'],
            ['awaited outer', 5, 'go'],
            ['child done', 1, 10],
            ...(fail ? [['HANDLER', ['ExceptionGroup', 'Boom()']]] : [['child done', 2, 20], ['group done', 20]]),
            ['end', 55],
          ]);
        }));
    }
  }
});

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

// ---- mixed styles -------------------------------------------------------------------------------

type Combo = readonly [task: Style, body: Style, child: Style];
const MIXED: Combo[] = (['generator', 'async'] as const).flatMap((a) =>
  (['generator', 'async'] as const).flatMap((b) => (['generator', 'async'] as const).map((c) => [a, b, c] as const)),
).filter(([a, b, c]) => !(a === b && b === c));
const comboName = ([a, b, c]: Combo): string => `${a} task, ${b} body, ${c} children`;

describe('the same timings with the task, the group body and the children in different styles (review)', () => {
  for (const combo of MIXED) {
    const [taskStyle, bodyStyle, childStyle] = combo;
    // The asyncio 3.13 probe of the first test of this file (one style only in Python):
    //   [('raise', 3), ('sib cancelled', 5, ''), ('body cancelled', 5, '', 1), ('out', EG[Boom(b)], 7, 0), ('next', 8)]
    it(`a child failing while the body waits: same passes (${comboName(combo)})`, () =>
      (async () => {
        let tick = (): number => -1;
        const log: unknown[] = [];
        const failing = childStyle === 'generator'
          ? function* (): Coroutine<never> { yield* sleep(0); yield* sleep(0); log.push(['raise', tick()]); throw new Boom('b'); }
          : async (): Promise<never> => { await sleep(0); await sleep(0); log.push(['raise', tick()]); throw new Boom('b'); };
        const sibCancelled = (e: unknown): never => {
          log.push(['sib cancelled', tick(), (e as Error).message]);
          throw e;
        };
        const sib = childStyle === 'generator'
          ? function* () { try { yield* newFuture(); } catch (e) { sibCancelled(e); } }
          : async () => { try { await newFuture(); } catch (e) { sibCancelled(e); } };
        const bodyCancelled = (e: unknown): never => {
          log.push(['body cancelled', tick(), (e as Error).message, cancelling()]);
          throw e;
        };
        const body = bodyStyle === 'generator'
          ? function* (tg: TaskGroup) {
            tg.createTask(failing);
            tg.createTask(sib);
            try { yield* newFuture(); } catch (e) { bodyCancelled(e); }
          }
          : async (tg: TaskGroup) => {
            tg.createTask(failing);
            tg.createTask(sib);
            try { await newFuture(); } catch (e) { bodyCancelled(e); }
          };
        const out = (e: unknown) => log.push(['out', shape(e), tick(), cancelling()]);
        await run(taskStyle === 'generator'
          ? function* () {
            tick = ticker(log);
            try { yield* new TaskGroup().run(body); } catch (e) { out(e); }
            yield* sleep(0);
            log.push(['next', tick()]);
          }
          : async () => {
            tick = ticker(log);
            try { await new TaskGroup().run(body); } catch (e) { out(e); }
            await sleep(0);
            log.push(['next', tick()]);
          });
        expect(log).toEqual([
          ['raise', 3],
          ['sib cancelled', 5, ''],
          ['body cancelled', 5, '', 1],
          ['out', ['ExceptionGroup', 'Boom(b)'], 7, 0],
          ['next', 8],
        ]);
      })());

    // The asyncio 3.13 probe of 'the same deadline and a child failure … inside the body, child first':
    //   [('raise', 2), ('expire', 2), ('body cancelled', 4, 2), ('timeout out', CancelledError, True, 1, 4),
    //    ('out', EG[Boom()], True, 0, 4), ('next ok', 5)]
    it(`a deadline inside the body and a child failure in the same pass: same passes (${comboName(combo)})`, () =>
      (async () => {
        let tick = (): number => -1;
        const log: unknown[] = [];
        let t!: ReturnType<typeof timeout>;
        const fail = childStyle === 'generator'
          ? function* () { yield* sleep(0); log.push(['raise', tick()]); throw new Boom(); }
          : async () => { await sleep(0); log.push(['raise', tick()]); throw new Boom(); };
        const expire = childStyle === 'generator'
          ? function* () { yield* sleep(0); log.push(['expire', tick()]); t.reschedule(getRunningLoop().time()); }
          : async () => { await sleep(0); log.push(['expire', tick()]); t.reschedule(getRunningLoop().time()); };
        const bodyCancelled = (e: unknown): never => {
          log.push(['body cancelled', tick(), cancelling()]);
          throw e;
        };
        const timeoutOut = (e: unknown): never => {
          log.push(['timeout out', shape(e), t.expired(), cancelling(), tick()]);
          throw e;
        };
        const body = bodyStyle === 'generator'
          ? function* (tg: TaskGroup) {
            tg.createTask(fail);
            tg.createTask(expire);
            try {
              yield* (t = timeout(null)).run(function* () { try { yield* newFuture(); } catch (e) { bodyCancelled(e); } });
            } catch (e) { timeoutOut(e); }
          }
          : async (tg: TaskGroup) => {
            tg.createTask(fail);
            tg.createTask(expire);
            try {
              await (t = timeout(null)).run(async () => { try { await newFuture(); } catch (e) { bodyCancelled(e); } });
            } catch (e) { timeoutOut(e); }
          };
        const out = (e: unknown) => log.push(['out', shape(e), t.expired(), cancelling(), tick()]);
        await run(taskStyle === 'generator'
          ? function* () {
            tick = ticker(log);
            try { yield* new TaskGroup().run(body); } catch (e) { out(e); }
            yield* sleep(0);
            log.push(['next ok', tick()]);
          }
          : async () => {
            tick = ticker(log);
            try { await new TaskGroup().run(body); } catch (e) { out(e); }
            await sleep(0);
            log.push(['next ok', tick()]);
          });
        expect(log).toEqual([
          ['raise', 2],
          ['expire', 2],
          ['body cancelled', 4, 2],
          ['timeout out', 'CancelledError', true, 1, 4],
          ['out', ['ExceptionGroup', 'Boom()'], true, 0, 4],
          ['next ok', 5],
        ]);
      })());
  }
});

describe('more cancels around a group (review)', () => {
  for (const style of STYLES) {
    for (const fail of [false, true]) {
      // asyncio 3.13 probe (the task runs a group whose child waits; wait_for(task, 0) at tick 2):
      //   [('wait_for', 2), ('child cancelled', 4), ('out', TimeoutError, cause=CancelledError, cancelling=0, 8)]
      //   child raising Bang when cancelled: ('out', EG[Bang()], cause=None, 0, 8)
      it(`waitFor(task, 0) of a started task running a group cancels it and ${fail ? 'raises the ExceptionGroup of its cleanup' : 'raises TimeoutError'} (${style})`, () =>
        run(async () => {
          const log: unknown[] = [];
          const tick = ticker(log);
          const onCancel = (e: unknown): never => {
            log.push(['child cancelled', tick()]);
            throw fail ? new Bang() : e;
          };
          const t = createTask(style === 'generator'
            ? function* () {
              yield* new TaskGroup().run(function* (tg) {
                tg.createTask(function* () { try { yield* newFuture(); } catch (e) { onCancel(e); } });
              });
            }
            : async () => {
              await new TaskGroup().run(async (tg) => {
                tg.createTask(async () => { try { await newFuture(); } catch (e) { onCancel(e); } });
              });
            });
          await sleep(0);
          await sleep(0);
          log.push(['waitFor', tick()]);
          try {
            await waitFor(t, 0);
          } catch (e) {
            log.push(['out', shape(e), ((e as Error).cause as Error | undefined)?.name, cancelling(), tick()]);
          }
          expect(log).toEqual([
            ['waitFor', 2],
            ['child cancelled', 4],
            fail ? ['out', ['ExceptionGroup', 'Bang()'], undefined, 0, 8] : ['out', 'TimeoutError', 'CancelledError', 0, 8],
          ]);
        }));
    }

    // asyncio 3.13 probe: [('body cancelled', 'stop', 2, uncancel()=0), ('child done', 5), ('group done', 7, 'c', 0), ('next ok', 8)]
    // A body that swallows an outside cancel and takes it back leaves the group running normally.
    it(`a body that swallows an outside cancel and uncancels it lets the children finish (${style})`, () =>
      run(async () => {
        const log: unknown[] = [];
        const tick = ticker(log);
        let c!: Task<string>;
        const swallow = (e: unknown) => log.push(['body cancelled', (e as Error).message, tick(), currentTask()!.uncancel()]);
        const child = style === 'generator'
          ? function* () { yield* sleep(0); yield* sleep(0); yield* sleep(0); log.push(['child done', tick()]); return 'c'; }
          : async () => { await sleep(0); await sleep(0); await sleep(0); log.push(['child done', tick()]); return 'c'; };
        const T = createTask(style === 'generator'
          ? function* () {
            yield* new TaskGroup().run(function* (tg) {
              c = tg.createTask(child);
              try { yield* newFuture(); } catch (e) { swallow(e); }
            });
            log.push(['group done', tick(), c.result(), cancelling()]);
            yield* sleep(0);
            log.push(['next ok', tick()]);
          }
          : async () => {
            await new TaskGroup().run(async (tg) => {
              c = tg.createTask(child);
              try { await newFuture(); } catch (e) { swallow(e); }
            });
            log.push(['group done', tick(), c.result(), cancelling()]);
            await sleep(0);
            log.push(['next ok', tick()]);
          });
        await sleep(0);
        T.cancel('stop');
        await T;
        expect(log).toEqual([['body cancelled', 'stop', 2, 0], ['child done', 5], ['group done', 7, 'c', 0], ['next ok', 8]]);
      }));

    // asyncio 3.13 probe: [('child cancels parent', 2), ('body cancelled', 'from child', 3),
    //   ('other cancelled', '', 4), ('out', 'from child', cancelling=1, 6, canceller cancelled=True)]
    it(`a child cancelling the task that runs its group is cancelled with its siblings, and the message comes out (${style})`, () =>
      run(async () => {
        const log: unknown[] = [];
        const tick = ticker(log);
        const P = currentTask()!;
        let c!: Task<void>;
        const otherCancelled = (e: unknown): never => {
          log.push(['other cancelled', (e as Error).message, tick()]);
          throw e;
        };
        const bodyCancelled = (e: unknown): never => {
          log.push(['body cancelled', (e as Error).message, tick()]);
          throw e;
        };
        const cancelParent = () => {
          log.push(['child cancels parent', tick()]);
          P.cancel('from child');
        };
        try {
          await new TaskGroup().run(style === 'generator'
            ? function* (tg) {
              c = tg.createTask(function* () {
                yield* sleep(0);
                cancelParent();
                yield* sleep(0);
                log.push(['canceller still running', tick()]);
              });
              tg.createTask(function* () { try { yield* newFuture(); } catch (e) { otherCancelled(e); } });
              try { yield* newFuture(); } catch (e) { bodyCancelled(e); }
            }
            : async (tg) => {
              c = tg.createTask(async () => {
                await sleep(0);
                cancelParent();
                await sleep(0);
                log.push(['canceller still running', tick()]);
              });
              tg.createTask(async () => { try { await newFuture(); } catch (e) { otherCancelled(e); } });
              try { await newFuture(); } catch (e) { bodyCancelled(e); }
            });
        } catch (e) {
          log.push(['out', (e as Error).message, cancelling(), tick(), c.cancelled()]);
          currentTask()!.uncancel();
        }
        expect(log).toEqual([
          ['child cancels parent', 2],
          ['body cancelled', 'from child', 3],
          ['other cancelled', '', 4],
          ['out', 'from child', 1, 6, true],
        ]);
      }));

    // asyncio 3.13 probe: the CancelledError coming out of a group cancelled from outside is the
    // very one its waiting body saw; a TimeoutError around a group has that CancelledError as its
    // cause; a group's ExceptionGroup has no cause ('from None'), and str(eg) is
    // 'unhandled errors in a TaskGroup (1 sub-exception)'.
    it(`the errors keep their identity through the group: the body's CancelledError, the TimeoutError's cause (${style})`, () =>
      run(async () => {
        const seen: { body?: unknown; body2?: unknown } = {};
        const keep = (k: 'body' | 'body2', e: unknown): never => {
          seen[k] = e;
          throw e;
        };
        const T = createTask(style === 'generator'
          ? function* () {
            try {
              yield* new TaskGroup().run(function* (tg) {
                tg.createTask(function* () { yield* newFuture(); });
                try { yield* newFuture(); } catch (e) { keep('body', e); }
              });
            } catch (e) {
              expect(e).toBe(seen.body);
              throw e;
            }
          }
          : async () => {
            try {
              await new TaskGroup().run(async (tg) => {
                tg.createTask(async () => { await newFuture(); });
                try { await newFuture(); } catch (e) { keep('body', e); }
              });
            } catch (e) {
              expect(e).toBe(seen.body);
              throw e;
            }
          });
        await sleep(0);
        T.cancel('m');
        const e1 = await (async () => { try { await T; } catch (e) { return e; } return null; })();
        expect(e1).toBe(seen.body);
        expect((e1 as Error).message).toBe('m');

        const e2 = await (async () => {
          try {
            await timeout(0).run(style === 'generator'
              ? function* () {
                yield* new TaskGroup().run(function* (tg) {
                  tg.createTask(function* () { yield* newFuture(); });
                  try { yield* newFuture(); } catch (e) { keep('body2', e); }
                });
              }
              : async () => {
                await new TaskGroup().run(async (tg) => {
                  tg.createTask(async () => { await newFuture(); });
                  try { await newFuture(); } catch (e) { keep('body2', e); }
                });
              });
          } catch (e) {
            return e;
          }
          return null;
        })();
        expect(e2).toBeInstanceOf(TimeoutError);
        expect((e2 as Error).cause).toBe(seen.body2);

        const e3 = await (async () => {
          try {
            await new TaskGroup().run((tg) => {
              tg.createTask(style === 'generator'
                // eslint-disable-next-line require-yield
                ? function* (): Coroutine<never> { throw new Boom(); }
                : async (): Promise<never> => { throw new Boom(); });
            });
          } catch (e) {
            return e;
          }
          return null;
        })();
        expect(e3).toBeInstanceOf(ExceptionGroup);
        expect((e3 as Error).cause).toBeUndefined();
        expect((e3 as Error).message).toBe('unhandled errors in a TaskGroup (1 sub-exception)'); // Python's str(eg)
      }));
  }
});

// ---- waiting on a child that fails ---------------------------------------------------------------

/** How the body (or a sibling) waits on the child that fails. */
type Wait = 'await' | 'waitFor' | 'shield' | 'timeout' | 'sibling';

/**
 * A group whose child fails at tick 2 while the body waits on that very child (`how`), or a
 * sibling awaits it. Logs what the waiter got and what the group raised; the exception handler's
 * calls go to `reports`.
 */
async function waitOnFailingChild(style: Style, how: Wait, log: unknown[], reports: string[]): Promise<void> {
  const tick = ticker();
  getRunningLoop().setExceptionHandler((_l, ctx) => reports.push(ctx.message));
  let t: ReturnType<typeof timeout> | undefined;
  const got = (e: unknown): never => {
    log.push([how === 'sibling' ? 'waiter got' : 'body got', shape(e), tick(), ...(how === 'sibling' ? [] : [cancelling()]), ...(t === undefined ? [] : [t.expired()])]);
    throw e;
  };
  let w: Task<void> | undefined;
  try {
    await new TaskGroup().run(style === 'generator'
      ? function* (tg) {
        const c = tg.createTask(function* (): Coroutine<never> { yield* sleep(0); log.push(['raise', tick()]); throw new Boom(); });
        if (how === 'sibling') {
          w = tg.createTask(function* () { try { yield* c; } catch (e) { got(e); } });
          return;
        }
        try {
          if (how === 'timeout') yield* (t = timeout(10_000)).run(function* () { yield* c; });
          else if (how === 'waitFor') yield* waitFor(c, 10_000);
          else if (how === 'shield') yield* shield(c);
          else yield* c;
        } catch (e) { got(e); }
      }
      : async (tg) => {
        const c = tg.createTask(async (): Promise<never> => { await sleep(0); log.push(['raise', tick()]); throw new Boom(); });
        if (how === 'sibling') {
          w = tg.createTask(async () => { try { await c; } catch (e) { got(e); } });
          return;
        }
        try {
          if (how === 'timeout') await (t = timeout(10_000)).run(async () => { await c; });
          else if (how === 'waitFor') await waitFor(c, 10_000);
          else if (how === 'shield') await shield(c);
          else await c;
        } catch (e) { got(e); }
      });
  } catch (e) {
    log.push(['out', shape(e), tick(), how === 'sibling' ? w!.cancelled() : cancelling()]);
  }
  await sleep(0);
}

describe('the body or a sibling waiting on the very child that fails (review)', () => {
  // asyncio 3.13 probe: the group's done callback on the child runs before the waiter's wake-up
  // (it was added first), so the waiter, cancelled while its wake-up is already due, gets a
  // CancelledError instead of the child's error; the group then raises the child's error once.
  //   await c:             [('raise', 2), ('body got', CancelledError, 3, 1), ('out', EG[Boom()], 3, 0)]
  //   wait_for(c, 10):     the same
  //   shield(c):           [('raise', 2), ('body got', CancelledError, 4, 1), ('out', EG[Boom()], 4, 0)]
  //   timeout(10): await c [('raise', 2), ('body got', CancelledError, 3, 1, expired=False), ('out', EG[Boom()], 3, 0)]
  //   a sibling awaiting c [('raise', 2), ('waiter got', CancelledError, 3), ('out', EG[Boom()], 5, waiter cancelled=True)]
  const expected: Record<Wait, unknown[]> = {
    await: [['raise', 2], ['body got', 'CancelledError', 3, 1], ['out', ['ExceptionGroup', 'Boom()'], 3, 0]],
    waitFor: [['raise', 2], ['body got', 'CancelledError', 3, 1], ['out', ['ExceptionGroup', 'Boom()'], 3, 0]],
    shield: [['raise', 2], ['body got', 'CancelledError', 4, 1], ['out', ['ExceptionGroup', 'Boom()'], 4, 0]],
    timeout: [['raise', 2], ['body got', 'CancelledError', 3, 1, false], ['out', ['ExceptionGroup', 'Boom()'], 3, 0]],
    sibling: [['raise', 2], ['waiter got', 'CancelledError', 3], ['out', ['ExceptionGroup', 'Boom()'], 5, true]],
  };
  const what: Record<Wait, string> = {
    await: 'a body awaiting its failing child',
    waitFor: 'a body in waitFor() of its failing child',
    shield: 'a body awaiting shield() of its failing child',
    timeout: 'a body awaiting its failing child inside a timeout',
    sibling: 'a sibling awaiting the failing child',
  };
  for (const style of STYLES) {
    for (const how of ['await', 'waitFor', 'shield', 'timeout', 'sibling'] as const) {
      it(`${what[how]} gets CancelledError, and the group raises the child's error once (${style})`, () =>
        run(async () => {
          const log: unknown[] = [];
          await waitOnFailingChild(style, how, log, []);
          expect(log).toEqual(expected[how]);
        }));

      // asyncio 3.13 calls no exception handler here (the probe installs one: never called; the
      // shield's inner-done callback even marks the child's error retrieved). tulip reported the
      // child's error, which the group has read and raises in its ExceptionGroup, a second time
      // ("… was cancelled before it could receive the error of …", or for shield() "Boom exception
      // in shielded future"); fixed since: DESIGN §4's report of a failure a cancel pre-empted is
      // for one nobody else reads.
      it(`${what[how]}: the error the group raises is not also sent to the exception handler (${style})`, () =>
        run(async () => {
          const reports: string[] = [];
          await waitOnFailingChild(style, how, [], reports);
          expect(reports).toEqual([]);
        }));
    }

    // asyncio 3.13 probe: [('raise', 2), ('sib cancelled', 4), ('body got', Boom(), 4, 1), ('out', EG[Boom(), Boom()], 6, 0)]
    // Unlike a plain await, gather() takes the task's cancel itself (it cancels its children),
    // then its own done callback on the failed child sets the child's error: the body gets Boom,
    // and the group holds the same error twice (the child's, then the body's).
    it(`a body gathering its children gets the child's error from gather, and the group holds it twice (${style})`, () =>
      run(async () => {
        const log: unknown[] = [];
        const tick = ticker(log);
        const got = (e: unknown): never => {
          log.push(['body got', shape(e), tick(), cancelling()]);
          throw e;
        };
        const sibCancelled = (e: unknown): never => {
          log.push(['sib cancelled', tick()]);
          throw e;
        };
        let out: unknown;
        try {
          await new TaskGroup().run(style === 'generator'
            ? function* (tg) {
              const c = tg.createTask(function* (): Coroutine<never> { yield* sleep(0); log.push(['raise', tick()]); throw new Boom(); });
              const s = tg.createTask(function* () { try { yield* newFuture(); } catch (e) { sibCancelled(e); } });
              try { yield* gather([c, s]); } catch (e) { got(e); }
            }
            : async (tg) => {
              const c = tg.createTask(async (): Promise<never> => { await sleep(0); log.push(['raise', tick()]); throw new Boom(); });
              const s = tg.createTask(async () => { try { await newFuture(); } catch (e) { sibCancelled(e); } });
              try { await gather([c, s]); } catch (e) { got(e); }
            });
        } catch (e) {
          out = e;
          log.push(['out', shape(e), tick(), cancelling()]);
        }
        expect(log).toEqual([
          ['raise', 2],
          ['sib cancelled', 4],
          ['body got', 'Boom()', 4, 1],
          ['out', ['ExceptionGroup', 'Boom()', 'Boom()'], 6, 0],
        ]);
        const errs = (out as ExceptionGroup).errors;
        expect(errs[0]).toBe(errs[1]); // the very same error object (asyncio: `eg.exceptions[0] is eg.exceptions[1]`)
      }));
  }
});

describe('nested groups whose children fail in the same pass (review)', () => {
  for (const style of STYLES) {
    for (const order of ['outer first', 'inner first'] as const) {
      // asyncio 3.13 probe (an outer child raises Boom and an inner child raises Bang at tick 2;
      // the outer group also has a sleeping child):
      //   outer first: [('raise', Boom, 2), ('raise', Bang, 2), ('sleeper cancelled', 4), ('body cancelled', 4, cancelling=2),
      //                 ('inner out', EG[Bang()], 4, 1), ('outer out', EG[Boom(), EG[Bang()]], 5, 0), ('next ok', 6)]
      //   inner first: [('raise', Bang, 2), ('raise', Boom, 2), ('body cancelled', 4, 2), ('inner out', EG[Bang()], 4, 1),
      //                 ('sleeper cancelled', 4), ('outer out', EG[Boom(), EG[Bang()]], 6, 0), ('next ok', 7)]
      // Both groups cancel the task (cancelling() 2); the inner one takes its cancel back and keeps
      // the outer's pending (uncancel()+cancel()), which the outer group's exit then takes back:
      // nothing is left pending. No exception handler call.
      it(`an outer and an inner child failing in the same pass (${order}): a nested ExceptionGroup, nothing left pending (${style})`, () =>
        run(async () => {
          const log: unknown[] = [];
          const tick = ticker(log);
          const fail = (E: typeof Boom) =>
            style === 'generator'
              ? function* (): Coroutine<never> { yield* sleep(0); log.push(['raise', E.name, tick()]); throw new E(); }
              : async (): Promise<never> => { await sleep(0); log.push(['raise', E.name, tick()]); throw new E(); };
          const sleeperCancelled = (e: unknown): never => {
            log.push(['sleeper cancelled', tick()]);
            throw e;
          };
          const sleeper = style === 'generator'
            ? function* () { try { yield* newFuture(); } catch (e) { sleeperCancelled(e); } }
            : async () => { try { await newFuture(); } catch (e) { sleeperCancelled(e); } };
          const bodyCancelled = (e: unknown): never => {
            log.push(['body cancelled', tick(), cancelling()]);
            throw e;
          };
          const innerOut = (e: unknown): never => {
            log.push(['inner out', shape(e), tick(), cancelling()]);
            throw e;
          };
          try {
            await new TaskGroup().run(style === 'generator'
              ? function* (outer) {
                if (order === 'outer first') outer.createTask(fail(Boom));
                outer.createTask(sleeper);
                try {
                  yield* new TaskGroup().run(function* (inner) {
                    inner.createTask(fail(Bang));
                    if (order === 'inner first') outer.createTask(fail(Boom));
                    try { yield* newFuture(); } catch (e) { bodyCancelled(e); }
                  });
                } catch (e) { innerOut(e); }
              }
              : async (outer) => {
                if (order === 'outer first') outer.createTask(fail(Boom));
                outer.createTask(sleeper);
                try {
                  await new TaskGroup().run(async (inner) => {
                    inner.createTask(fail(Bang));
                    if (order === 'inner first') outer.createTask(fail(Boom));
                    try { await newFuture(); } catch (e) { bodyCancelled(e); }
                  });
                } catch (e) { innerOut(e); }
              });
          } catch (e) {
            log.push(['outer out', shape(e), tick(), cancelling()]);
          }
          await sleep(0);
          log.push(['next ok', tick()]);
          const both = ['ExceptionGroup', 'Boom()', ['ExceptionGroup', 'Bang()']];
          expect(log).toEqual(order === 'outer first'
            ? [
              ['raise', 'Boom', 2], ['raise', 'Bang', 2], ['sleeper cancelled', 4], ['body cancelled', 4, 2],
              ['inner out', ['ExceptionGroup', 'Bang()'], 4, 1], ['outer out', both, 5, 0], ['next ok', 6],
            ]
            : [
              ['raise', 'Bang', 2], ['raise', 'Boom', 2], ['body cancelled', 4, 2], ['inner out', ['ExceptionGroup', 'Bang()'], 4, 1],
              ['sleeper cancelled', 4], ['outer out', both, 6, 0], ['next ok', 7],
            ]);
        }));
    }
  }
});
