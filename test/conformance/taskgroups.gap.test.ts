// Gap ports of CPython 3.13 Lib/test/test_asyncio/test_taskgroups.py: the behaviours of that file
// that no other test of the suite checked yet (everything else in test_taskgroups.py is covered by
// taskgroups*.test.ts, grouperrors.test.ts, outsidecancel.test.ts, nestedgroups.test.ts,
// test/taskgroup.test.ts and the shared suite, or is Python-only).
import { describe, expect, it } from 'vitest';
import { ExceptionGroup, RuntimeError, TaskGroup, currentTask, newEventLoop, run, sleep, type Task } from 'tulip';
import { STYLES, rejection, rejectionG, styled } from './helpers.js';

class Done extends Error {
  override name = 'Done';
}

describe('a group inside a child of another group', () => {
  // ports test_taskgroups.py::BaseTestTaskGroup.test_exception_refcycles_parent_task and
  // test_exception_refcycles_parent_task_wr (the behaviour; the reference-cycle checks are CPython GC)
  for (const style of STYLES) {
    it(`a child whose own group's body fails makes the outer group raise an ExceptionGroup holding that group's ExceptionGroup (${style})`, () =>
      run(
        styled(
          style,
          function* () {
            const thrown = new Done();
            let child!: Task<void>;
            const outer = yield* rejectionG(
              new TaskGroup().run(function* (tg2) {
                child = tg2.createTask(function* () {
                  yield* new TaskGroup().run(function* () {
                    yield* sleep(0);
                    throw thrown;
                  });
                });
              }),
            );
            expect(outer).toBeInstanceOf(ExceptionGroup);
            const errs = (outer as ExceptionGroup).errors;
            expect(errs).toHaveLength(1);
            expect(errs[0]).toBeInstanceOf(ExceptionGroup);
            expect((errs[0] as ExceptionGroup).errors).toEqual([thrown]);
            expect((errs[0] as ExceptionGroup).errors[0]).toBe(thrown);
            expect(child.done()).toBe(true);
            expect(child.exception()).toBe(errs[0]);
            expect(currentTask()!.cancelling()).toBe(0);
          },
          async () => {
            const thrown = new Done();
            let child!: Task<void>;
            const outer = await rejection(
              new TaskGroup().run(async (tg2) => {
                child = tg2.createTask(async () => {
                  await new TaskGroup().run(async () => {
                    await sleep(0);
                    throw thrown;
                  });
                });
              }),
            );
            expect(outer).toBeInstanceOf(ExceptionGroup);
            const errs = (outer as ExceptionGroup).errors;
            expect(errs).toHaveLength(1);
            expect(errs[0]).toBeInstanceOf(ExceptionGroup);
            expect((errs[0] as ExceptionGroup).errors).toHaveLength(1);
            expect((errs[0] as ExceptionGroup).errors[0]).toBe(thrown);
            expect(child.done()).toBe(true);
            expect(child.exception()).toBe(errs[0]);
            expect(currentTask()!.cancelling()).toBe(0);
          },
        ),
      ));
  }
});

describe('a group awaited outside a task', () => {
  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_without_parent_task
  it('is refused with a RuntimeError about the parent task, and createTask then says it was not entered', async () => {
    const loop = newEventLoop();
    const tg = new TaskGroup();
    let entered: Promise<unknown> | undefined;
    loop.callSoon(() => {
      entered = tg.run(async () => 1).then((v) => v);
      loop.stop();
    });
    await loop.runForever();
    const e = await rejection(entered!);
    expect(e).toBeInstanceOf(RuntimeError);
    expect((e as Error).message).toMatch(/parent task/);
    expect(() => tg.createTask(function* () {})).toThrow(/has not been entered/);
    loop.close();
  });
});
