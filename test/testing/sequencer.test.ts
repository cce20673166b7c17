// Unit tests of src/testing/sequencer.ts: Sequencer.run(n, body) and Sequencer.step(n) force tasks
// through positions 0, 1, 2 … in order, in both coroutine styles; reuse and bad positions are
// refused; a task cancelled while waiting breaks the sequence.
import { describe, expect, it } from 'vitest';
import { RuntimeError, TaskGroup, createTask, sleep, type Coroutine, type Task } from 'tulip';
import { Sequencer, SequencerTurn, waitAllTasksBlocked } from 'tulip/testing';
import { STYLES, assertCancelled, passes, rejection, runVirtual, syncError, type Style } from '../support.js';

/** A task body that logs `name` at `position` of `seq`, with `seq.run`, in the given style. */
function runner(style: Style, seq: Sequencer, position: number, log: string[], name: string, delay = 0) {
  if (style === 'generator') {
    return function* (): Coroutine<void> {
      if (delay > 0) yield* sleep(delay);
      yield* seq.run(position, function* () {
        log.push(`${name}:in`);
        yield* sleep(1);
        log.push(`${name}:out`);
      });
    };
  }
  return async (): Promise<void> => {
    if (delay > 0) await sleep(delay);
    await seq.run(position, async () => {
      log.push(`${name}:in`);
      await sleep(1);
      log.push(`${name}:out`);
    });
  };
}

/** A task body that logs `name` at `position` of `seq`, with `seq.step`, in the given style. */
function stepper(style: Style, seq: Sequencer, position: number, log: string[], name: string) {
  if (style === 'generator') {
    return function* (): Coroutine<void> {
      const turn = yield* seq.step(position);
      log.push(`${name}:${turn.position}`);
      yield* sleep(1);
      turn.end();
    };
  }
  return async (): Promise<void> => {
    const turn = await seq.step(position);
    log.push(`${name}:${turn.position}`);
    await sleep(1);
    turn.end();
  };
}

describe('Sequencer', () => {
  for (const style of STYLES) {
    it(`run(n, body) lets tasks in by position, whatever order they arrive in (${style})`, () =>
      runVirtual(async () => {
        const seq = new Sequencer();
        const log: string[] = [];
        await new TaskGroup().run((tg) => {
          tg.createTask(runner(style, seq, 2, log, 'c'));
          tg.createTask(runner(style, seq, 1, log, 'b', 5));
          tg.createTask(runner(style, seq, 0, log, 'a', 10));
        });
        expect(log).toEqual(['a:in', 'a:out', 'b:in', 'b:out', 'c:in', 'c:out']);
      }));

    it(`step(n) resolves to a turn that ends with end() (${style})`, () =>
      runVirtual(async () => {
        const seq = new Sequencer();
        const log: string[] = [];
        await new TaskGroup().run((tg) => {
          tg.createTask(stepper(style, seq, 1, log, 'second'));
          tg.createTask(stepper(style, seq, 0, log, 'first'));
          tg.createTask(stepper(style, seq, 2, log, 'third'));
        });
        expect(log).toEqual(['first:0', 'second:1', 'third:2']);
      }));
  }

  it('mixes both styles and both ways in one sequence; run returns the body result', () =>
    runVirtual(async () => {
      const seq = new Sequencer();
      const log: string[] = [];
      const results = await new TaskGroup().run((tg) => [
        tg.createTask(async () => seq.run(3, () => log.push('d'))),
        tg.createTask(stepper('async', seq, 2, log, 'c')),
        tg.createTask(runner('generator', seq, 1, log, 'b')),
        tg.createTask(stepper('generator', seq, 0, log, 'a')),
      ]);
      expect(log).toEqual(['a:0', 'b:in', 'b:out', 'c:2', 'd']);
      expect(results[0]!.result()).toBe(5);
    }));

  it('a position waits until the previous one ended, even if it is never reached', () =>
    runVirtual(async () => {
      const seq = new Sequencer();
      let entered = false;
      const t = createTask(async () => {
        await seq.run(1, () => {
          entered = true;
        });
      });
      await waitAllTasksBlocked();
      expect(entered).toBe(false);
      const turn = await seq.step(0);
      expect(turn).toBeInstanceOf(SequencerTurn);
      expect(String(turn)).toBe('<SequencerTurn 0>');
      await passes(3);
      expect(entered).toBe(false);
      turn.end();
      turn.end(); // idempotent
      expect(turn.ended()).toBe(true);
      await t;
      expect(entered).toBe(true);
    }));

  it('the body throwing still passes the turn on', () =>
    runVirtual(async () => {
      const seq = new Sequencer();
      const boom = new Error('boom');
      const first = createTask(function* () {
        yield* seq.run(0, () => {
          throw boom;
        });
      });
      const second = createTask(async () => seq.run(1, () => 'ok'));
      expect(await rejection(first)).toBe(boom);
      expect(await second).toBe('ok');
    }));

  it('refuses a position used twice, and bad positions, synchronously', () =>
    runVirtual(async () => {
      const seq = new Sequencer();
      await seq.run(0, () => {});
      const e = syncError(() => seq.run(0, () => {}));
      expect(e).toBeInstanceOf(RuntimeError);
      expect(e.message).toMatch(/sequence point 0 was already used/);
      expect(syncError(() => seq.step(0))).toBeInstanceOf(RuntimeError);
      expect(syncError(() => seq.step(-1))).toBeInstanceOf(RangeError);
      expect(syncError(() => seq.step(1.5))).toBeInstanceOf(RangeError);
      expect(syncError(() => seq.step('1' as never))).toBeInstanceOf(TypeError);
      expect(syncError(() => seq.run(1, 'body' as never))).toBeInstanceOf(TypeError);
      expect(String(seq)).toBe('<Sequencer used=[0]>');
    }));

  for (const style of STYLES) {
    it(`a task cancelled while waiting breaks the sequence; later positions fail (${style})`, () =>
      runVirtual(async () => {
        const seq = new Sequencer();
        const log: string[] = [];
        const waiting1 = createTask(runner(style, seq, 1, log, 'b'));
        const waiting2 = createTask(runner(style, seq, 2, log, 'c'));
        await waitAllTasksBlocked();
        waiting1.cancel('stop');
        assertCancelled(await rejection(waiting1), 'stop');
        expect(seq.broken()).toBe(true);
        const e2 = (await rejection(waiting2)) as Error;
        expect(e2).toBeInstanceOf(RuntimeError);
        expect(e2.message).toMatch(/sequence is broken/);
        expect(syncError(() => seq.step(3))).toBeInstanceOf(RuntimeError);
        expect(log).toEqual([]);
        expect(String(seq)).toMatch(/broken/);
      }));
  }

  it('position 0 does not wait, and the scope runs inside the calling task', () =>
    runVirtual(async () => {
      const seq = new Sequencer();
      let inside: Task | undefined;
      const t = createTask(async () => {
        await seq.run(0, async () => {
          const { currentTask } = await import('tulip');
          inside = currentTask();
        });
      });
      await t;
      expect(inside).toBe(t);
    }));
});
