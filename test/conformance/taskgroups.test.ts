// Behaviour ports of CPython 3.13 Lib/test/test_asyncio/test_taskgroups.py (BaseTestTaskGroup):
// children that finish normally, entering and leaving a group, plus TaskGroup.cancel() from
// asyncio 3.15 (failures are in grouperrors.test.ts, cancellation from outside in
// outsidecancel.test.ts, nested groups in nestedgroups.test.ts). The reference-cycle / GC tests and
// the KeyboardInterrupt / BaseException cases are not ported (JS has neither).
// `async with TaskGroup() as tg:` is `await new TaskGroup().run(async (tg) => { … })`, or in
// generator style `yield* new TaskGroup().run(function* (tg) { … })`. Failures surface as an
// ExceptionGroup. Tests whose asyncio original sleeps for seconds run on virtual time.
import { describe, it, expect } from 'vitest';
import {
  RuntimeError,
  TaskGroup,
  createTask,
  currentTask,
  ensureFuture,
  getRunningLoop,
  isCancelledError,
  run,
  sleep,
  type Coroutine,
  type Task,
} from 'tulip';
import { waitAllTasksBlocked } from 'tulip/testing';
import {
  FOREVER,
  ZeroDivisionError,
  assertCancelled,
  errorOf,
  rejection,
  rejectionG,
  runVirtual,
  syncError,
} from './helpers.js';
import { typeSet } from './taskgroups.helpers.js';

// ---- children finishing normally ---------------------------------------------------------------

describe('children that finish normally', () => {
  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_01
  it('a generator group ends when every generator child is done', () =>
    run(function* () {
      let t1!: Task<number>;
      let t2!: Task<number>;
      yield* new TaskGroup().run(function* (g) {
        t1 = g.createTask(function* () {
          yield* sleep(10);
          return 42;
        });
        t2 = g.createTask(function* () {
          yield* sleep(20);
          return 11;
        });
      });
      expect(t1.result()).toBe(42);
      expect(t2.result()).toBe(11);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_01
  it('run() resolves to the value the body returned, once the children are done', () =>
    run(async () => {
      let child!: Task<string>;
      const r = await new TaskGroup().run(async (g) => {
        child = g.createTask(() => sleep(20, 'child'));
        return 'body';
      });
      expect(r).toBe('body');
      expect(child.done()).toBe(true);
      expect(child.result()).toBe('child');
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_02
  it('a generator body can add children after waiting', () =>
    run(function* () {
      let t1!: Task<number>;
      let t2!: Task<number>;
      yield* new TaskGroup().run(function* (g) {
        t1 = g.createTask(function* () {
          yield* sleep(10);
          return 42;
        });
        yield* sleep(15);
        t2 = g.createTask(function* () {
          yield* sleep(20);
          return 11;
        });
      });
      expect(t1.result()).toBe(42);
      expect(t2.result()).toBe(11);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_03
  it('cancelling one generator child explicitly does not disturb the group', () =>
    run(function* () {
      let t1!: Task<number>;
      let t2!: Task<number>;
      yield* new TaskGroup().run(function* (g) {
        t1 = g.createTask(function* () {
          yield* sleep(FOREVER);
          return 42;
        });
        yield* sleep(15);
        t1.cancel();
        t2 = g.createTask(function* () {
          yield* sleep(20);
          return 11;
        });
      });
      expect(t1.cancelled()).toBe(true);
      expect(t2.result()).toBe(11);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_23
  it('children that finish while the body keeps adding more are all done at the end', () =>
    runVirtual(async () => {
      const tasks: Task<void>[] = [];
      let doneAtFive = 0;
      await new TaskGroup().run(async (g) => {
        for (let count = 0; count < 10; count++) {
          await sleep(100);
          tasks.push(g.createTask(() => sleep(300)));
          if (count === 5) doneAtFive = tasks.filter((t) => t.done()).length;
        }
        await sleep(1350);
        expect(tasks.every((t) => t.done())).toBe(true);
      });
      expect(doneAtFive).toBeGreaterThan(0);
      expect(tasks.every((t) => t.done() && !t.cancelled())).toBe(true);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_24
  it('generator children may add children while the group waits for them', () =>
    run(function* () {
      const finished: number[] = [];
      function* coro1(delay: number): Coroutine<void> {
        yield* sleep(delay);
        finished.push(delay);
      }
      yield* new TaskGroup().run(function* (g) {
        g.createTask(function* () {
          yield* sleep(10);
          g.createTask(coro1(10));
          g.createTask(coro1(20));
        });
      });
      expect(finished).toEqual([10, 20]);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_task_name
  it('a generator child gets the name it was created with', () =>
    run(function* () {
      let inside: string | undefined;
      let t!: Task<void>;
      yield* new TaskGroup().run(function* (g) {
        t = g.createTask(
          function* () {
            yield* sleep(0);
            inside = currentTask()!.getName();
          },
          { name: 'yolo' },
        );
        expect(t.getName()).toBe('yolo');
      });
      expect(inside).toBe('yolo');
    }));
});

// ---- entering and leaving -----------------------------------------------------------------------

describe('entering and leaving a group', () => {
  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_already_entered
  it('running a group again inside its own body throws RuntimeError', () =>
    run(async () => {
      let innerRan = false;
      let e: unknown;
      const tg = new TaskGroup();
      await tg.run(async () => {
        e = await errorOf(() =>
          tg.run(async () => {
            innerRan = true;
          }),
        );
      });
      expect(e).toBeInstanceOf(RuntimeError);
      expect((e as Error).message).toMatch(/has already been entered/);
      expect(innerRan).toBe(false);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_double_enter
  it('running a finished group again throws RuntimeError', () =>
    run(function* () {
      const tg = new TaskGroup();
      yield* tg.run(function* () {});
      let ran = false;
      const e = yield* ensureFuture(
        errorOf(() =>
          tg.run(function* () {
            ran = true;
          }),
        ),
      );
      expect(e).toBeInstanceOf(RuntimeError);
      expect((e as Error).message).toMatch(/has already been entered/);
      expect(ran).toBe(false);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_finished
  it('createTask() on a finished generator group throws RuntimeError and the body never runs', () =>
    run(function* () {
      const tg = new TaskGroup();
      yield* tg.run(function* () {
        yield* sleep(0);
      });
      let ran = false;
      const e = syncError(() =>
        tg.createTask(function* () {
          ran = true;
        }),
      );
      expect(e).toBeInstanceOf(RuntimeError);
      expect((e as Error).message).toMatch(/is finished/);
      yield* sleep(0);
      expect(ran).toBe(false);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_without_parent_task
  it('a group cannot be entered from a plain loop callback, and stays unentered', () =>
    run(async () => {
      const loop = getRunningLoop();
      const tg = new TaskGroup();
      const got = loop.createFuture<unknown>();
      loop.callSoon(() => {
        errorOf(() => tg.run(() => 'body')).then(
          (e) => got.setResult(e),
          (e) => got.setResult(e),
        );
      });
      const e = await got;
      expect(e).toBeInstanceOf(RuntimeError);
      expect((e as Error).message).toMatch(/task/);
      const e2 = syncError(() => tg.createTask(() => sleep(0)));
      expect(e2).toBeInstanceOf(RuntimeError);
      expect((e2 as Error).message).toMatch(/has not been entered/);
    }));
});

// ---- TaskGroup.cancel() (asyncio 3.15) -----------------------------------------------------------

describe('TaskGroup.cancel()', () => {
  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_cancel_children (asyncio 3.15)
  it('tg.cancel() in a generator body cancels the children and the group exits without error', () =>
    run(function* () {
      const children: Task<void>[] = [];
      const r = yield* new TaskGroup().run(function* (tg) {
        children.push(tg.createTask(() => sleep(FOREVER)));
        children.push(tg.createTask(() => sleep(FOREVER)));
        yield* sleep(0);
        tg.cancel();
        yield* sleep(FOREVER);
        return 'not reached';
      });
      expect(r).toBeUndefined();
      expect(children.map((t) => t.cancelled())).toEqual([true, true]);
      expect(currentTask()!.cancelling()).toBe(0);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_cancel_children (asyncio 3.15)
  it('a child calling tg.cancel() stops its siblings and the waiting body; the group exits quietly (async)', () =>
    run(async () => {
      let bodyCancelled = false;
      let sibling!: Task<void>;
      let canceller!: Task<string>;
      await new TaskGroup().run(async (tg) => {
        sibling = tg.createTask(() => sleep(FOREVER));
        canceller = tg.createTask(async () => {
          await sleep(5);
          tg.cancel();
          return 'asked';
        });
        try {
          await sleep(FOREVER);
        } catch (e) {
          bodyCancelled = isCancelledError(e);
          throw e;
        }
      });
      expect(bodyCancelled).toBe(true);
      expect(sibling.cancelled()).toBe(true);
      // asyncio: a task cancelled while it runs ends cancelled even if it then returns
      expect(canceller.cancelled()).toBe(true);
      expect(currentTask()!.cancelling()).toBe(0);
      expect(await sleep(1, 'goes on')).toBe('goes on');
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_cancel_children (asyncio 3.15)
  it('a child calling tg.cancel() stops its siblings and the waiting body; the group exits quietly (generator)', () =>
    run(function* () {
      let bodyCancelled = false;
      let sibling!: Task<void>;
      yield* new TaskGroup().run(function* (tg) {
        sibling = tg.createTask(() => sleep(FOREVER));
        tg.createTask(function* () {
          yield* sleep(5);
          tg.cancel();
        });
        try {
          yield* sleep(FOREVER);
        } catch (e) {
          bodyCancelled = isCancelledError(e);
          throw e;
        }
      });
      expect(bodyCancelled).toBe(true);
      expect(sibling.cancelled()).toBe(true);
      expect(currentTask()!.cancelling()).toBe(0);
      expect(yield* sleep(1, 'goes on')).toBe('goes on');
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_cancel_children (asyncio 3.15)
  it("the finally blocks of the body and of every child run before the group exits (async)", () =>
    run(async () => {
      const log: string[] = [];
      await new TaskGroup().run(async (tg) => {
        for (const name of ['a', 'b']) {
          tg.createTask(async () => {
            try {
              await sleep(FOREVER);
            } finally {
              await sleep(1);
              log.push(name);
            }
          });
        }
        await sleep(0);
        tg.cancel();
        try {
          await sleep(FOREVER);
        } finally {
          log.push('body');
        }
      });
      expect([...log].sort()).toEqual(['a', 'b', 'body']);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_cancel_children (asyncio 3.15)
  it("the finally blocks of the body and of every child run before the group exits (generator)", () =>
    run(function* () {
      const log: string[] = [];
      yield* new TaskGroup().run(function* (tg) {
        for (const name of ['a', 'b']) {
          tg.createTask(function* () {
            try {
              yield* sleep(FOREVER);
            } finally {
              yield* sleep(1);
              log.push(name);
            }
          });
        }
        yield* sleep(0);
        tg.cancel();
        try {
          yield* sleep(FOREVER);
        } finally {
          log.push('body');
        }
      });
      expect([...log].sort()).toEqual(['a', 'b', 'body']);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_no_create_task_after_failure (with tg.cancel())
  it('createTask() after tg.cancel() throws RuntimeError "shutting down"', () =>
    run(async () => {
      let refused: unknown;
      await new TaskGroup().run(async (tg) => {
        tg.createTask(() => sleep(FOREVER));
        tg.cancel();
        refused = syncError(() => tg.createTask(() => sleep(0)));
      });
      expect(refused).toBeInstanceOf(RuntimeError);
      expect((refused as Error).message).toMatch(/shutting down/);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_cancel_children (asyncio 3.15)
  it('calling tg.cancel() twice is the same as once (generator)', () =>
    run(function* () {
      let child!: Task<void>;
      yield* new TaskGroup().run(function* (tg) {
        child = tg.createTask(() => sleep(FOREVER));
        yield* sleep(0);
        tg.cancel();
        tg.cancel();
        yield* sleep(FOREVER);
      });
      expect(child.cancelled()).toBe(true);
      expect(currentTask()!.cancelling()).toBe(0);
      yield* sleep(0);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_cancel_children (asyncio 3.15)
  it('tg.cancel() after the group has exited is a no-op (async)', () =>
    run(async () => {
      const tg = new TaskGroup();
      const r = await tg.run(async (g) => {
        g.createTask(() => sleep(1));
        return 'done';
      });
      expect(r).toBe('done');
      tg.cancel();
      expect(currentTask()!.cancelling()).toBe(0);
      expect(await sleep(1, 'not cancelled')).toBe('not cancelled');
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_cancel_children (asyncio 3.15)
  it('tg.cancel() after the group has exited is a no-op (generator)', () =>
    run(function* () {
      const tg = new TaskGroup();
      yield* tg.run(function* (g) {
        g.createTask(() => sleep(1));
      });
      tg.cancel();
      expect(currentTask()!.cancelling()).toBe(0);
      expect(yield* sleep(1, 'not cancelled')).toBe('not cancelled');
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_08 (with tg.cancel())
  it('children that fail in cleanup after tg.cancel() still make the group raise an ExceptionGroup (async)', () =>
    run(async () => {
      const e = await rejection(
        new TaskGroup().run(async (tg) => {
          tg.createTask(async () => {
            try {
              await sleep(FOREVER);
            } finally {
              // eslint-disable-next-line no-unsafe-finally
              throw new ZeroDivisionError();
            }
          });
          await sleep(0);
          tg.cancel();
        }),
      );
      expect(typeSet(e)).toEqual(new Set([ZeroDivisionError]));
      expect(currentTask()!.cancelling()).toBe(0);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_08 (with tg.cancel())
  it('children that fail in cleanup after tg.cancel() still make the group raise an ExceptionGroup (generator)', () =>
    run(function* () {
      const e = yield* rejectionG(
        new TaskGroup().run(function* (tg) {
          tg.createTask(function* () {
            try {
              yield* sleep(FOREVER);
            } finally {
              // eslint-disable-next-line no-unsafe-finally
              throw new ZeroDivisionError();
            }
          });
          yield* sleep(0);
          tg.cancel();
        }),
      );
      expect(typeSet(e)).toEqual(new Set([ZeroDivisionError]));
      expect(currentTask()!.cancelling()).toBe(0);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_17 (with tg.cancel())
  it('an outside cancel that arrives along with tg.cancel() still comes out as CancelledError (async)', () =>
    run(async () => {
      let group!: TaskGroup;
      const r = createTask(async () => {
        await new TaskGroup().run(async (tg) => {
          group = tg;
          tg.createTask(() => sleep(FOREVER));
          await sleep(FOREVER);
        });
        return 'should not get here';
      });
      await waitAllTasksBlocked();
      group.cancel();
      r.cancel();
      assertCancelled(await rejection(r));
      expect(r.cancelled()).toBe(true);
    }));

  // ports test_taskgroups.py::BaseTestTaskGroup.test_taskgroup_17 (with tg.cancel())
  it('an outside cancel that arrives along with tg.cancel() still comes out as CancelledError (generator)', () =>
    run(function* () {
      let group!: TaskGroup;
      const r = createTask(function* () {
        yield* new TaskGroup().run(function* (tg) {
          group = tg;
          tg.createTask(() => sleep(FOREVER));
          yield* sleep(FOREVER);
        });
        return 'should not get here';
      });
      yield* waitAllTasksBlocked();
      group.cancel();
      r.cancel();
      assertCancelled(yield* rejectionG(r));
      expect(r.cancelled()).toBe(true);
    }));
});
