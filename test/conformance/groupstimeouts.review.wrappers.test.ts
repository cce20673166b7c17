// Adversarial review of TaskGroup × timeout × cancellation against CPython 3.13 asyncio: waitFor()
// of work that runs a group, and shield() around a task or coroutine running a group. Method: see
// groupstimeouts.review.helpers.ts.
import { describe, expect, it } from 'vitest';
import { TaskGroup, createTask, currentTask, getRunningLoop, shield, sleep, waitFor, type Task } from 'tulip';
import { STYLES, runVirtual } from './helpers.js';
import { Bang, Boom, cancelling, shape } from './groupstimeouts.review.helpers.js';

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
