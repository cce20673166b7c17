// Adversarial review of TaskGroup × timeout × cancellation against CPython 3.13 asyncio: nested
// groups — an outer group's abort reaching an inner group, and outer and inner children failing in
// the same pass. Method: see groupstimeouts.review.helpers.ts.
import { describe, expect, it } from 'vitest';
import { TaskGroup, run, sleep, type Coroutine } from 'tulip';
import { STYLES, newFuture } from './helpers.js';
import { Bang, Boom, cancelling, shape, ticker } from './groupstimeouts.review.helpers.js';

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
