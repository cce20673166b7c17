// Adversarial review of TaskGroup × timeout × cancellation against CPython 3.13 asyncio: a child
// failing while the body or the group's exit waits, and how the other children end once the group
// aborts (failing together, swallowing or outliving its cancel). Method: see
// groupstimeouts.review.helpers.ts.
import { describe, expect, it } from 'vitest';
import { TaskGroup, run, sleep, type Coroutine, type Task } from 'tulip';
import { STYLES, newFuture } from './helpers.js';
import { Bang, Boom, cancelling, shape, ticker } from './groupstimeouts.review.helpers.js';

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
