// Unit tests of src/loop/instruments.ts and loop.addInstrument/removeInstrument: every Trio hook
// in both coroutine styles, the order of a task's events, io waits, instruments that throw, and
// argument checks. (That no instrument costs nothing is a benchmark matter, not tested here.)
import { describe, expect, it } from 'vitest';
import {
  createTask,
  ensureFuture,
  getRunningLoop,
  newEventLoop,
  sleep,
  type Instrument,
  type Task,
} from 'tulip';
import { MockClock } from 'tulip/testing';
import { STYLES, passes, recordExceptions, runVirtual, styled, syncError, virtualClock } from '../support.js';

type TaskHook = 'taskSpawned' | 'taskScheduled' | 'beforeTaskStep' | 'afterTaskStep' | 'taskExited';
const TASK_HOOKS: readonly TaskHook[] = ['taskSpawned', 'taskScheduled', 'beforeTaskStep', 'afterTaskStep', 'taskExited'];

/** An instrument recording every task hook call for the tasks `keep` accepts. */
function taskRecorder(keep: (t: Task<unknown>) => boolean): { inst: Instrument; events: string[] } {
  const events: string[] = [];
  const inst: Instrument = {};
  for (const hook of TASK_HOOKS) {
    inst[hook] = (t: Task<unknown>) => {
      if (keep(t)) events.push(hook);
    };
  }
  return { inst, events };
}

describe('task hooks', () => {
  for (const style of STYLES) {
    it(`calls taskSpawned, taskScheduled, before/afterTaskStep and taskExited in order (${style})`, () =>
      runVirtual(async () => {
        const loop = getRunningLoop();
        let task: Task<unknown> | null = null;
        const rec = taskRecorder((t) => t.getName() === 'watched');
        loop.addInstrument(rec.inst);
        task = createTask(
          styled(
            style,
            function* () {
              yield* sleep(10);
              yield* sleep(10);
              return 1;
            },
            async () => {
              await sleep(10);
              await sleep(10);
              return 1;
            },
          ),
          { name: 'watched' },
        );
        expect(await task).toBe(1);
        loop.removeInstrument(rec.inst);
        const ev = rec.events;
        expect(ev[0]).toBe('taskSpawned');
        expect(ev[1]).toBe('taskScheduled');
        // Trio calls task_exited inside the last step, before after_task_step: both styles do.
        expect(ev.slice(-3)).toEqual(['beforeTaskStep', 'taskExited', 'afterTaskStep']);
        // Three steps (start, after each sleep), each announced by taskScheduled and bracketed.
        expect(ev.filter((e) => e === 'beforeTaskStep')).toHaveLength(3);
        expect(ev.filter((e) => e === 'afterTaskStep')).toHaveLength(3);
        expect(ev.filter((e) => e === 'taskScheduled')).toHaveLength(3);
        let open = false;
        for (const e of ev) {
          if (e === 'beforeTaskStep') {
            expect(open).toBe(false);
            open = true;
          } else if (e === 'afterTaskStep') {
            expect(open).toBe(true);
            open = false;
          }
        }
        expect(task.done()).toBe(true);
      }));

    it(`passes the task itself to the hooks, also for a task that fails (${style})`, () =>
      runVirtual(async () => {
        const loop = getRunningLoop();
        const seen = new Set<Task<unknown>>();
        const exited: Task<unknown>[] = [];
        const inst: Instrument = { taskSpawned: (t) => seen.add(t), taskExited: (t) => exited.push(t) };
        loop.addInstrument(inst);
        const t = createTask(
          styled(
            style,
            function* (): Generator<unknown, never, unknown> {
              yield* sleep(1);
              throw new Error('boom');
            },
            async (): Promise<never> => {
              await sleep(1);
              throw new Error('boom');
            },
          ),
        );
        await t.then(
          () => undefined,
          () => undefined,
        );
        loop.removeInstrument(inst);
        expect(seen.has(t)).toBe(true);
        expect(exited).toContain(t);
      }));
  }
});

describe('run and io hooks', () => {
  it('calls beforeRun and afterRun with the loop around runUntilComplete', async () => {
    const loop = newEventLoop({ clock: virtualClock() });
    const calls: string[] = [];
    loop.addInstrument({
      beforeRun: (l) => calls.push(`before:${l === loop}`),
      afterRun: (l) => calls.push(`after:${l === loop}`),
    });
    expect(await loop.runUntilComplete(async () => 5)).toBe(5);
    expect(await loop.runUntilComplete(function* () {
      yield* sleep(1);
      return 6;
    })).toBe(6);
    loop.close();
    expect(calls).toEqual(['before:true', 'after:true', 'before:true', 'after:true']);
  });

  for (const style of STYLES) {
    it(`calls beforeIoWait and afterIoWait around a wait for the host (${style})`, () =>
      runVirtual(
        async () => {
          const loop = getRunningLoop();
          const calls: Array<[string, number]> = [];
          const inst: Instrument = {
            beforeIoWait: (ms) => calls.push(['before', ms]),
            afterIoWait: (ms) => calls.push(['after', ms]),
          };
          loop.addInstrument(inst);
          // A foreign promise: every task is blocked, nothing is due, so the loop waits for Node.
          const hostTurn = async (): Promise<void> => {
            for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
          };
          await createTask(
            styled(
              style,
              function* () {
                yield* ensureFuture(hostTurn());
              },
              async () => {
                await ensureFuture(hostTurn());
              },
            ),
          );
          loop.removeInstrument(inst);
          expect(calls.length).toBeGreaterThanOrEqual(2);
          const i = calls.findIndex(([k]) => k === 'before');
          expect(calls[i]).toEqual(['before', Infinity]);
          expect(calls[i + 1]).toEqual(['after', Infinity]);
        },
        new MockClock(),
      ));
  }
});

describe('instruments that throw, and argument checks', () => {
  for (const style of STYLES) {
    it(`an instrument that throws is reported, removed, and the loop keeps running (${style})`, () =>
      runVirtual(async () => {
        const loop = getRunningLoop();
        const seen = recordExceptions();
        const err = new Error('broken instrument');
        let calls = 0;
        const bad: Instrument = {
          beforeTaskStep: () => {
            calls++;
            throw err;
          },
        };
        const good = taskRecorder(() => true);
        loop.addInstrument(bad);
        loop.addInstrument(good.inst);
        const r = await createTask(
          styled(
            style,
            function* () {
              yield* sleep(1);
              yield* sleep(1);
              return 'ok';
            },
            async () => {
              await sleep(1);
              await sleep(1);
              return 'ok';
            },
          ),
        );
        expect(r).toBe('ok');
        expect(calls).toBe(1);
        const reports = seen.filter((c) => c.exception === err);
        expect(reports).toHaveLength(1);
        expect(reports[0]!.message).toMatch(/raised an exception in beforeTaskStep; it was removed/);
        expect(reports[0]!.instrument).toBe(bad);
        // The other instrument kept receiving every hook.
        expect(good.events.filter((e) => e === 'beforeTaskStep').length).toBeGreaterThanOrEqual(3);
        expect(syncError(() => loop.removeInstrument(bad))).toBeInstanceOf(RangeError);
        loop.removeInstrument(good.inst);
      }));
  }

  it('removeInstrument of an unknown instrument throws RangeError; adding twice installs once', () =>
    runVirtual(async () => {
      const loop = getRunningLoop();
      const e = syncError(() => loop.removeInstrument({}));
      expect(e).toBeInstanceOf(RangeError);
      expect(e.message).toMatch(/removeInstrument: .* is not installed/);
      let n = 0;
      const inst: Instrument = { taskSpawned: () => n++ };
      loop.addInstrument(inst);
      loop.addInstrument(inst);
      createTask(async () => {});
      await passes(1);
      expect(n).toBe(1);
      loop.removeInstrument(inst);
      expect(syncError(() => loop.removeInstrument(inst))).toBeInstanceOf(RangeError);
      createTask(async () => {});
      expect(n).toBe(1);
    }));

  it('addInstrument refuses non-objects and non-function hooks with a TypeError naming them', () =>
    runVirtual(async () => {
      const loop = getRunningLoop();
      expect(syncError(() => loop.addInstrument(null as never))).toBeInstanceOf(TypeError);
      const e = syncError(() => loop.addInstrument({ taskSpawned: 5 } as never));
      expect(e).toBeInstanceOf(TypeError);
      expect(e.message).toMatch(/instrument\.taskSpawned must be a function/);
      await passes(1);
    }));
});
