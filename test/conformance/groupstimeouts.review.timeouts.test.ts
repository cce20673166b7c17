// Adversarial review of TaskGroup × timeout × cancellation against CPython 3.13 asyncio: a timeout
// inside a group body, a group inside a timeout, a deadline and a child failure (or an outside cancel)
// cancelling the task in the same pass, and the same pass counts with the task, the group body and
// the children in different styles. Method: see groupstimeouts.review.helpers.ts.
import { describe, expect, it } from 'vitest';
import { TaskGroup, TimeoutError, createTask, getRunningLoop, run, sleep, timeout, type Coroutine, type Task } from 'tulip';
import { STYLES, newFuture, runVirtual, type Style } from './helpers.js';
import { Boom, cancelling, shape, ticker } from './groupstimeouts.review.helpers.js';

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
