// Unit tests of src/taskgroup.ts: TaskGroup arguments and states, both coroutine styles, the
// ExceptionGroup it raises, cancel() before entry (behaviour ports live in test/conformance).
import { describe, it, expect } from 'vitest';
import {
  CancelledError,
  ExceptionGroup,
  RuntimeError,
  TaskGroup,
  currentTask,
  getRunningLoop,
  run,
  sleep,
  type Task,
  type TaskBody,
} from 'tulip';
import { STYLES, rejection, runVirtual, styled, syncError } from './support.js';

describe('TaskGroup', () => {
  for (const style of STYLES) {
    it(`waits for every child and returns the body's value (${style})`, () =>
      runVirtual(
        styled(
          style,
          function* () {
            const done: number[] = [];
            const v = yield* new TaskGroup().run(function* (tg) {
              tg.createTask(function* () {
                yield* sleep(30);
                done.push(30);
              });
              tg.createTask(async () => {
                await sleep(10);
                done.push(10);
              });
              return 'body value';
            });
            expect(v).toBe('body value');
            expect(done).toEqual([10, 30]);
            expect(getRunningLoop().time()).toBe(30);
          },
          async () => {
            const done: number[] = [];
            const v = await new TaskGroup().run(async (tg) => {
              tg.createTask(async () => {
                await sleep(30);
                done.push(30);
              });
              tg.createTask(function* () {
                yield* sleep(10);
                done.push(10);
              });
              return 'body value';
            });
            expect(v).toBe('body value');
            expect(done).toEqual([10, 30]);
            expect(getRunningLoop().time()).toBe(30);
          },
        ),
      ));

    it(`a failing child gives an ExceptionGroup with the asyncio message and cancels its siblings (${style})`, () =>
      runVirtual(async () => {
        const err = new RangeError('child failed');
        let sibling: Task | undefined;
        const body = styled(
          style,
          function* () {
            yield* new TaskGroup().run(function* (tg) {
              sibling = tg.createTask(function* () {
                yield* sleep(1000);
              });
              tg.createTask(function* () {
                yield* sleep(5);
                throw err;
              });
            });
          },
          async () => {
            await new TaskGroup().run(async (tg) => {
              sibling = tg.createTask(async () => {
                await sleep(1000);
              });
              tg.createTask(async () => {
                await sleep(5);
                throw err;
              });
            });
          },
        );
        const eg = (await rejection(run_(body))) as ExceptionGroup;
        expect(eg).toBeInstanceOf(ExceptionGroup);
        expect(eg.message).toBe('unhandled errors in a TaskGroup (1 sub-exception)');
        expect(eg.errors.length).toBe(1);
        expect(eg.errors[0]).toBe(err);
        expect(sibling!.cancelled()).toBe(true);
        expect(getRunningLoop().time()).toBe(5);
      }));
  }

  it('children are named as asked and are ordinary tasks of the loop', () =>
    run(async () => {
      await new TaskGroup().run(async (tg) => {
        const t = tg.createTask(async () => currentTask()!.getName(), { name: 'child-1' });
        expect(t.getName()).toBe('child-1');
        expect(t.getLoop() === getRunningLoop()).toBe(true);
        expect(await t).toBe('child-1');
      });
    }));

  it('run() refuses a non-function body with a TypeError naming body, and the group stays enterable', () =>
    run(async () => {
      const tg = new TaskGroup();
      const e = syncError(() => tg.run('body' as never));
      expect(e).toBeInstanceOf(TypeError);
      expect(e.message).toBe('TaskGroup.run: body must be a function, got "body"');
      expect(await tg.run(async () => 'entered')).toBe('entered');
    }));

  it('createTask() before the group is entered throws RuntimeError "has not been entered"', () =>
    run(async () => {
      const tg = new TaskGroup();
      const e = syncError(() => tg.createTask(async () => 1));
      expect(e).toBeInstanceOf(RuntimeError);
      expect(e.message).toMatch(/has not been entered/);
    }));

  it('createTask() with a bad body throws TypeError inside the block, and the group keeps working', () =>
    run(async () => {
      const v = await new TaskGroup().run(async (tg) => {
        const e = syncError(() => tg.createTask(Promise.resolve(1) as never));
        expect(e).toBeInstanceOf(TypeError);
        return tg.createTask(async () => 'child ok');
      });
      expect(await v).toBe('child ok');
    }));

  for (const style of STYLES) {
    it(`a second run() of the same group after it finished throws RuntimeError synchronously (${style})`, () =>
      run(
        styled(
          style,
          function* () {
            const tg = new TaskGroup();
            yield* tg.run(function* () {});
            const e = syncError(() => tg.run(function* () {}));
            expect(e).toBeInstanceOf(RuntimeError);
            expect(e.message).toMatch(/has already been entered/);
          },
          async () => {
            const tg = new TaskGroup();
            await tg.run(async () => {});
            const e = syncError(() => tg.run(async () => {}));
            expect(e).toBeInstanceOf(RuntimeError);
            expect(e.message).toMatch(/has already been entered/);
          },
        ),
      ));
  }

  it('a second run() before the first one started throws RuntimeError synchronously too', () =>
    run(async () => {
      const tg = new TaskGroup();
      const first = tg.run(async () => 'first');
      expect(() => tg.run(async () => 'second')).toThrow(RuntimeError);
      expect(await first).toBe('first');
    }));

  for (const style of STYLES) {
    it(`a task whose eager first step cancels its group is cancelled with its siblings (CPython gh-155418) (${style})`, () =>
      runVirtual(async () => {
        const tg = new TaskGroup();
        const log: string[] = [];
        await tg.run(async () => {
          tg.createTask(
            styled(
              style,
              function* () {
                tg.cancel();
                try {
                  yield* sleep(1000);
                  log.push('ran to the end');
                } catch (e) {
                  log.push('cancelled');
                  throw e;
                }
              },
              async () => {
                tg.cancel();
                try {
                  await sleep(1000);
                  log.push('ran to the end');
                } catch (e) {
                  log.push('cancelled');
                  throw e;
                }
              },
            ),
            { eagerStart: true },
          );
        });
        expect(log).toEqual(['cancelled']);
        expect(getRunningLoop().time()).toBe(0);
      }));
  }

  it('cancel() of a group already shutting down (its body failed) does not cancel the body task (as CPython)', () =>
    runVirtual(async () => {
      const tg = new TaskGroup();
      const parent = currentTask()!;
      const counts: number[] = [];
      const e = await rejection(
        tg.run(async () => {
          tg.createTask(async () => {
            try {
              await sleep(1000);
            } finally {
              // The group is shutting down (the body failed) and cancelled this child.
              counts.push(parent.cancelling());
              tg.cancel();
              counts.push(parent.cancelling());
            }
          });
          await sleep(0);
          throw new Error('body failed');
        }),
      );
      expect(e).toBeInstanceOf(ExceptionGroup);
      expect(counts).toEqual([0, 0]);
      expect(parent.cancelling()).toBe(0);
    }));

  for (const style of STYLES) {
    it(`cancel() before the block is entered cancels the body at its first wait; the block exits quietly (${style})`, () =>
      runVirtual(
        styled(
          style,
          function* () {
            const tg = new TaskGroup();
            tg.cancel();
            const log: string[] = [];
            yield* tg.run(function* () {
              try {
                yield* sleep(1000);
                log.push('not reached');
              } finally {
                log.push('finally');
              }
            });
            expect(log).toEqual(['finally']);
            expect(currentTask()!.cancelling()).toBe(0);
            expect(getRunningLoop().time()).toBe(0);
          },
          async () => {
            const tg = new TaskGroup();
            tg.cancel();
            const log: string[] = [];
            await tg.run(async () => {
              try {
                await sleep(1000);
                log.push('not reached');
              } finally {
                log.push('finally');
              }
            });
            expect(log).toEqual(['finally']);
            expect(currentTask()!.cancelling()).toBe(0);
            expect(getRunningLoop().time()).toBe(0);
          },
        ),
      ));
  }

  it('toString() tells the number of tasks and the state', () =>
    run(async () => {
      const tg = new TaskGroup();
      expect(String(tg)).toBe('<TaskGroup tasks=0 created>');
      await tg.run(async () => {
        tg.createTask(async () => sleep(0));
        expect(String(tg)).toBe('<TaskGroup tasks=1 active>');
      });
    }));

  it('a task cancelled from outside while in the block ends cancelled after its children are cancelled', () =>
    runVirtual(async () => {
      let child: Task | undefined;
      const outer = (await import('tulip')).createTask(async () => {
        await new TaskGroup().run(async (tg) => {
          child = tg.createTask(async () => {
            await sleep(1000);
          });
          await sleep(1000);
        });
      });
      await sleep(10);
      outer.cancel('from outside');
      const e = await rejection(outer);
      expect(e).toBeInstanceOf(CancelledError);
      expect((e as Error).message).toBe('from outside');
      expect(child!.cancelled()).toBe(true);
    }));
});

/** Runs a body as a task of the running loop and returns it (to await its rejection). */
function run_<T>(body: TaskBody<T>): Task<T> {
  return getRunningLoop().createTask(body);
}
