// Adversarial review of TaskGroup × timeout × cancellation against CPython 3.13 asyncio: an outside
// cancel of the task running a group, and more cancels around a group (waitFor(task, 0), uncancel(),
// a child cancelling its parent task). Method: see groupstimeouts.review.helpers.ts.
import { describe, expect, it } from 'vitest';
import { ExceptionGroup, TaskGroup, TimeoutError, createTask, currentTask, run, sleep, timeout, waitFor, type Coroutine, type Task } from 'tulip';
import { STYLES, newFuture } from './helpers.js';
import { Bang, Boom, cancelling, shape, ticker } from './groupstimeouts.review.helpers.js';

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
