// Unit tests of src/internal/looperrors.ts: the errors the loop makes for waiters carry no stack
// frames (only the loop's own would be there), those made for user calls keep theirs.
import { afterEach, describe, it, expect } from 'vitest';
import {
  CancelledError,
  EndOfChannelError,
  Future,
  Queue,
  QueueShutDownError,
  TaskGroup,
  createTask,
  gather,
  isCancelledError,
  openMemoryChannel,
  run,
  sleep,
} from '../../src/index.js';
import { loopCancelledError, withoutStack } from '../../src/internal/looperrors.js';

/** The `at …` lines of an error's stack. */
const frames = (e: unknown): string[] => String((e as Error).stack).split('\n').filter((l) => l.trim().startsWith('at '));

const savedLimit = Error.stackTraceLimit;
afterEach(() => {
  Error.stackTraceLimit = savedLimit;
});

describe('loopCancelledError', () => {
  it('makes a CancelledError with the message and no stack frames', () => {
    const e = loopCancelledError('stop');
    expect(e).toBeInstanceOf(CancelledError);
    expect(e.message).toBe('stop');
    expect(frames(e)).toEqual([]);
    expect(String(e.stack)).toBe('CancelledError: stop');
  });

  it("leaves the program's Error.stackTraceLimit as it was", () => {
    Error.stackTraceLimit = 7;
    loopCancelledError();
    expect(Error.stackTraceLimit).toBe(7);
    expect(frames(new Error('after')).length).toBeGreaterThan(0);
  });
});

describe('withoutStack', () => {
  it('makes any error class with its arguments and no frames, and restores the limit', () => {
    Error.stackTraceLimit = 5;
    const e = withoutStack(RangeError, 'bad');
    expect(e).toBeInstanceOf(RangeError);
    expect(String(e.stack)).toBe('RangeError: bad');
    expect(Error.stackTraceLimit).toBe(5);
  });
});

describe('the errors waiters get when the object ends under them', () => {
  it("the getters of a queue shut down get QueueShutDownErrors without frames; a call's own keeps its stack", () =>
    run(function* () {
      const q = new Queue<number>();
      const getters = [createTask(() => q.get()), createTask(() => q.get())];
      yield* sleep(0);
      q.shutdown(true);
      const errors = yield* gather(getters, { returnExceptions: true });
      for (const e of errors) {
        expect(e).toBeInstanceOf(QueueShutDownError);
        expect(frames(e)).toEqual([]);
      }
      expect(errors[0]).not.toBe(errors[1]); // each its own, as in asyncio
      let direct: unknown;
      try {
        q.getNowait();
      } catch (e) {
        direct = e;
      }
      expect(direct).toBeInstanceOf(QueueShutDownError);
      expect(frames(direct).some((l) => l.includes('looperrors.test'))).toBe(true);
    }));

  it('the receivers of a channel whose senders all closed get EndOfChannelErrors without frames', () =>
    run(function* () {
      const [send, receive] = openMemoryChannel<number>(0);
      const receivers = [createTask(() => receive.receive()), createTask(() => receive.receive())];
      yield* sleep(0);
      send.close();
      const errors = yield* gather(receivers, { returnExceptions: true });
      for (const e of errors) {
        expect(e).toBeInstanceOf(EndOfChannelError);
        expect(frames(e)).toEqual([]);
      }
    }));
});

describe('the CancelledErrors of a cancellation', () => {
  it('a cancelled generator task gets one without frames at its wait, and ends with it', () =>
    run(function* () {
      let caught: unknown;
      const t = createTask(function* () {
        try {
          yield* sleep(10_000);
        } catch (e) {
          caught = e;
          throw e;
        }
      });
      yield* sleep(0);
      t.cancel('enough');
      const [err] = yield* gather([t], { returnExceptions: true });
      expect(isCancelledError(caught)).toBe(true);
      expect((caught as Error).message).toBe('enough');
      expect(frames(caught)).toEqual([]);
      expect(frames(err)).toEqual([]);
    }));

  it('a cancelled async task gets one without frames at its await', () =>
    run(async () => {
      let caught: unknown;
      const t = createTask(async () => {
        try {
          await sleep(10_000);
        } catch (e) {
          caught = e;
          throw e;
        }
      });
      await sleep(0);
      t.cancel('enough');
      await gather([t], { returnExceptions: true });
      expect(isCancelledError(caught)).toBe(true);
      expect((caught as Error).message).toBe('enough');
      expect(frames(caught)).toEqual([]);
    }));

  it('the children a failing TaskGroup cancels get them too', () =>
    run(function* () {
      const caught: unknown[] = [];
      const child = function* () {
        try {
          yield* sleep(10_000);
        } catch (e) {
          caught.push(e);
          throw e;
        }
      };
      const failing = function* () {
        yield* sleep(1);
        throw new RangeError('boom');
      };
      try {
        yield* new TaskGroup().run(function* (tg) {
          for (let i = 0; i < 3; i++) tg.createTask(child);
          tg.createTask(failing);
        });
      } catch {
        // the group's ExceptionGroup
      }
      expect(caught).toHaveLength(3);
      for (const e of caught) {
        expect(isCancelledError(e)).toBe(true);
        expect(frames(e)).toEqual([]);
      }
    }));

  it('result() of a cancelled future, the first to ask, gets one whose stack shows that call', () =>
    run(function* () {
      const f = new Future<number>();
      f.cancel('gone');
      let e: unknown;
      try {
        f.result();
      } catch (err) {
        e = err;
      }
      expect(isCancelledError(e)).toBe(true);
      expect((e as Error).message).toBe('gone');
      expect(frames(e).some((l) => l.includes('looperrors.test'))).toBe(true);
      yield* sleep(0);
    }));

  it('new CancelledError() in user code keeps its stack', () => {
    expect(frames(new CancelledError('mine')).some((l) => l.includes('looperrors.test'))).toBe(true);
  });
});
