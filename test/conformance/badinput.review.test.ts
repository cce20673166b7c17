// Bad-input review of the public API (src/index.ts, src/testing/index.ts) against the project rule:
// "Bad input gets a clear error naming the argument, what was expected and what came
// (TypeError/RangeError; InvalidStateError/RuntimeError for state); the object stays usable;
// nothing is lost." The first tests pin behaviour that was right and not yet pinned elsewhere;
// the "gaps" ones were gaps the audit found, fixed since (each comment says what happened then).
import { describe, expect, it } from 'vitest';
import {
  BoundedSemaphore,
  CancelScope,
  Condition,
  Future,
  IncompleteReadError,
  Runner,
  Semaphore,
  Barrier,
  Timeout,
  eagerTaskFactory,
  failAt,
  formatTasks,
  gather,
  getRunningLoop,
  moveOnAt,
  newEventLoop,
  run,
  sleep,
  timeout,
  type TaskDumpEntry,
} from 'tulip';
import { MockClock, Sequencer } from 'tulip/testing';
import { STYLES, styled, syncError, virtualClock } from './helpers.js';

/** Bad values and their class of error, for an argument that must be a number. */
type Bad = readonly [label: string, value: unknown, cls: typeof TypeError | typeof RangeError, shown: string];
const NOT_A_NUMBER: readonly Bad[] = [
  ['a string', '5', TypeError, '"5"'],
  ['null', null, TypeError, 'null'],
  ['NaN', NaN, RangeError, 'NaN'],
];

/** Asserts `fn` throws `cls` with a message starting `op:`, naming `arg` and showing `shown`. */
function expectBadInput(fn: () => unknown, cls: Bad[2], op: string, arg: string, shown: string): void {
  const e = syncError(fn);
  expect(e).toBeInstanceOf(cls);
  expect(e.message.startsWith(`${op}: `), e.message).toBe(true);
  expect(e.message).toContain(arg);
  expect(e.message).toContain(`got ${shown}`);
}

/** Runs `main` on a fresh loop with virtual time. */
const onLoop = <T>(main: () => Promise<T>): Promise<T> => run(main, { clock: virtualClock() });

// ---- behaviour that is right (not pinned before) --------------------------------------------------

describe('Sequencer: positions and bodies', () => {
  const positions: readonly Bad[] = [
    ...NOT_A_NUMBER,
    ['undefined', undefined, TypeError, 'undefined'],
    ['-1', -1, RangeError, '-1'],
    ['1.5', 1.5, RangeError, '1.5'],
    ['Infinity', Infinity, RangeError, 'Infinity'],
  ];
  for (const [label, value, cls, shown] of positions) {
    it(`run() and step() refuse ${label} as position, and the sequencer still works`, () =>
      onLoop(async () => {
        const seq = new Sequencer();
        expectBadInput(() => seq.run(value as number, async () => 1), cls, 'Sequencer.run', 'position', shown);
        expectBadInput(() => seq.step(value as number), cls, 'Sequencer.step', 'position', shown);
        expect(await seq.run(0, async () => 'ran')).toBe('ran');
      }));
  }

  it('run() refuses a body that is not a function (a bare Promise included)', () =>
    onLoop(async () => {
      const seq = new Sequencer();
      expectBadInput(() => seq.run(0, 5 as never), TypeError, 'Sequencer.run', 'body', '5');
      expectBadInput(() => seq.run(0, Promise.resolve(1) as never), TypeError, 'Sequencer.run', 'body', 'a Promise');
      expect(await seq.run(0, async () => 'ran')).toBe('ran'); // position 0 was not used up
    }));
});

describe('absolute deadlines: moveOnAt and failAt', () => {
  // null is "no deadline" here, so it is not a bad value.
  const whens: readonly Bad[] = [
    ['a string', '5', TypeError, '"5"'],
    ['NaN', NaN, RangeError, 'NaN'],
    ['undefined', undefined, TypeError, 'undefined'],
  ];
  for (const [name, fn] of [['moveOnAt', moveOnAt], ['failAt', failAt]] as const) {
    for (const [label, value, cls, shown] of whens) {
      it(`${name} refuses ${label} as whenMs without running the body`, () =>
        onLoop(async () => {
          let ran = false;
          expectBadInput(
            () => fn(value as number, () => void (ran = true)),
            cls,
            name,
            'whenMs',
            shown,
          );
          expect(ran).toBe(false);
          expect(await fn(getRunningLoop().time() + 10, async () => 'ok')).toBe('ok');
        }));
    }
  }
});

describe('setters and methods that keep the old state after a refusal', () => {
  it('CancelScope.deadline refuses NaN and a string and keeps its deadline', () =>
    onLoop(async () => {
      const scope = new CancelScope({ deadline: 1000 });
      expectBadInput(() => (scope.deadline = NaN), RangeError, 'CancelScope.deadline', 'deadline', 'NaN');
      expectBadInput(() => (scope.deadline = '5' as never), TypeError, 'CancelScope.deadline', 'deadline', '"5"');
      expect(scope.deadline).toBe(1000);
      expect(await scope.run(async () => 'ok')).toBe('ok');
    }));

  for (const style of STYLES) {
    it(`Condition.waitFor refuses a predicate that is not a function; the lock stays held (${style})`, () =>
      onLoop(() =>
        Promise.resolve(
          getRunningLoop().createTask(
            styled(
              style,
              function* () {
                const cond = new Condition();
                yield* cond.acquire();
                expectBadInput(() => cond.waitFor(5 as never), TypeError, 'Condition.waitFor', 'pred', '5');
                expectBadInput(() => cond.waitFor(Promise.resolve(1) as never), TypeError, 'Condition.waitFor', 'pred', 'a Promise');
                expect(cond.locked()).toBe(true);
                expect(yield* cond.waitFor(() => 'ready')).toBe('ready');
                cond.release();
              },
              async () => {
                const cond = new Condition();
                await cond.acquire();
                expectBadInput(() => cond.waitFor(5 as never), TypeError, 'Condition.waitFor', 'pred', '5');
                expectBadInput(() => cond.waitFor(Promise.resolve(1) as never), TypeError, 'Condition.waitFor', 'pred', 'a Promise');
                expect(cond.locked()).toBe(true);
                expect(await cond.waitFor(() => 'ready')).toBe('ready');
                cond.release();
              },
            ),
          ),
        ),
      ));
  }

  it('Timeout.reschedule refuses NaN and a string inside run() and keeps its deadline', () =>
    onLoop(async () => {
      const r = await timeout(50).run(async (t) => {
        const before = t.when();
        expectBadInput(() => t.reschedule(NaN), RangeError, 'Timeout.reschedule', 'when', 'NaN');
        expectBadInput(() => t.reschedule('5' as never), TypeError, 'Timeout.reschedule', 'when', '"5"');
        expect(t.when()).toBe(before);
        await sleep(10);
        return 'in time';
      });
      expect(r).toBe('in time');
    }));

  it('loop.callLater(NaN) and callAt(NaN) refuse, and the loop still schedules timers', () =>
    onLoop(async () => {
      const loop = getRunningLoop();
      expectBadInput(() => loop.callLater(NaN, () => {}), RangeError, 'callLater', 'delayMs', 'NaN');
      expectBadInput(() => loop.callAt(NaN, () => {}), RangeError, 'callAt', 'whenMs', 'NaN');
      const fired = await new Promise((resolve) => loop.callLater(5, () => resolve('fired')));
      expect(fired).toBe('fired');
    }));

  it('MockClock.rate and autojumpThreshold refuse bad values and keep the old ones', () => {
    const c = new MockClock({ rate: 2, autojumpThreshold: 100 });
    // NaN is a TypeError here ("must be a non-negative number"), as a string and null are.
    for (const [, value, , shown] of NOT_A_NUMBER) {
      expectBadInput(() => (c.rate = value as number), TypeError, 'MockClock.rate', 'rate', shown);
      expectBadInput(() => (c.autojumpThreshold = value as number), TypeError, 'MockClock.autojumpThreshold', 'autojumpThreshold', shown);
    }
    expect(c.rate).toBe(2);
    expect(c.autojumpThreshold).toBe(100);
  });
});

describe('BoundedSemaphore: the initial value', () => {
  for (const [label, value, shown] of [['-1', -1, '-1'], ['1.5', 1.5, '1.5'], ['Infinity', Infinity, 'Infinity'], ['NaN', NaN, 'NaN']] as const) {
    it(`refuses ${label} with a RangeError`, () => {
      expectBadInput(() => new BoundedSemaphore(value), RangeError, 'BoundedSemaphore', 'initial value', shown);
    });
  }
});

// ---- gaps the audit found (fixed; each comment says what happened before) ----------------------

describe('gaps found by the audit, fixed', () => {
  // src/internal/waiters.ts:284 prints `typeof value` ("got string", "got object"), not the value.
  // Expected: `got "5"` and `got null`, as describe() shows it everywhere else.
  for (const [name, make] of [
    ['Semaphore', (v: unknown) => new Semaphore(v as number)],
    ['BoundedSemaphore', (v: unknown) => new BoundedSemaphore(v as number)],
    ['Barrier', (v: unknown) => new Barrier(v as number)],
  ] as const) {
    it(`${name} shows the value that came, not its type, for a string and null`, () => {
      expect(syncError(() => make('5')).message).toContain('got "5"');
      expect(syncError(() => make(null)).message).toContain('got null');
    });
  }

  // src/future.ts:87 takes any loop. new Future(5) is made, and awaiting it later crashes the
  // process from inside the loop ("Cannot create property '_yieldMicro' on number '5'").
  // Expected: TypeError "Future: loop must be an EventLoop, got 5".
  it('new Future(loop) refuses a loop that is not an EventLoop', () =>
    onLoop(async () => {
      expectBadInput(() => new Future(5 as never), TypeError, 'Future', 'loop', '5');
      expectBadInput(() => new Future({} as never), TypeError, 'Future', 'loop', 'an object');
    }));

  // src/combinators.ts:188 accepts any iterable, and a Future is one (for yield*): gather(f1, f2),
  // asyncio's spelling, fails later with RuntimeError "resumed while <SleepFuture pending> is still
  // pending (await wasn't used with future)". Expected: TypeError "gather: aws must be an array of
  // awaitables, not a Future (pass [f1, f2])", as wait() already says for a Future.
  it('gather(fut, fut) says aws must be an array, not a Future', () =>
    onLoop(async () => {
      const e = syncError(() => gather(sleep(1) as never, sleep(1) as never));
      expect(e).toBeInstanceOf(TypeError);
      expect(e.message).toMatch(/^gather: aws must be an array/);
      expect(await gather([sleep(1, 'ok')])).toEqual(['ok']);
    }));

  // src/combinators.ts:191 takes opts.returnExceptions through Boolean(): 'no' returns errors.
  // createTask's opts.eagerStart is checked as a boolean. Expected: TypeError
  // "gather: opts.returnExceptions must be a boolean, got \"no\"".
  it('gather refuses a returnExceptions that is not a boolean', () =>
    onLoop(async () => {
      expectBadInput(() => gather([], { returnExceptions: 'no' as never }), TypeError, 'gather', 'opts.returnExceptions', '"no"');
    }));

  // src/tasks.ts:86 uses `loop` unchecked: eagerTaskFactory(5, fn) throws "loop._linkLive is not
  // a function". Expected: TypeError "eagerTaskFactory: loop must be an EventLoop, got 5".
  it('eagerTaskFactory refuses a loop that is not an EventLoop', () =>
    onLoop(async () => {
      expectBadInput(() => eagerTaskFactory(5 as never, async () => 1), TypeError, 'eagerTaskFactory', 'loop', '5');
    }));

  // src/debug/dump.ts:157 checks that roots is an array, not its items: formatTasks([5]) throws
  // "Cannot read properties of undefined (reading 'forEach')". Expected: TypeError
  // "formatTasks: roots must be an array of entries from captureTasks(), got an array holding 5".
  it('formatTasks refuses items that are not entries of captureTasks()', () => {
    const e = syncError(() => formatTasks([5 as unknown as TaskDumpEntry]));
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toMatch(/^formatTasks: roots .*5/);
  });

  // src/loop/services.ts:412 does not check context (callExceptionHandler at :430 does):
  // defaultExceptionHandler(null) throws "Cannot read properties of null (reading 'message')",
  // and defaultExceptionHandler('x') prints junk. Expected: TypeError
  // "defaultExceptionHandler: context must be an object (message, exception …), got null".
  it('loop.defaultExceptionHandler refuses a context that is not an object', () =>
    onLoop(async () => {
      const loop = getRunningLoop();
      expectBadInput(() => loop.defaultExceptionHandler(null as never), TypeError, 'defaultExceptionHandler', 'context', 'null');
      expectBadInput(() => loop.defaultExceptionHandler('x' as never), TypeError, 'defaultExceptionHandler', 'context', '"x"');
    }));

  // src/testing/mockclock.ts:15 (checkNonNegative) lets Infinity through: new MockClock({ rate:
  // Infinity }).now() is Infinity, and so is every later time; jump(Infinity) is already refused
  // ("time would never move again"). Expected: RangeError "MockClock: rate must be finite, got Infinity".
  it('MockClock refuses an infinite rate, in the options and the setter', () => {
    expectBadInput(() => new MockClock({ rate: Infinity }), RangeError, 'MockClock', 'rate', 'Infinity');
    const c = new MockClock();
    expectBadInput(() => (c.rate = Infinity), RangeError, 'MockClock.rate', 'rate', 'Infinity');
    expect(c.now()).toBe(0);
  });

  // src/loop/services.ts:92 stores opts.debug as given (setDebug at :461 coerces with Boolean):
  // newEventLoop({ debug: 'yes' }).getDebug() returns 'yes'; run(main, { debug: 5 }) too.
  // Expected: TypeError "newEventLoop: opts.debug must be a boolean, got \"yes\"".
  it('newEventLoop refuses a debug option that is not a boolean', () => {
    expectBadInput(() => newEventLoop({ debug: 'yes' as never }), TypeError, 'newEventLoop', 'opts.debug', '"yes"');
  });

  // src/loop/runners.ts:31 (checkRunOptions) checks only loopFactory: new Runner({ clock: 5 })
  // is made, and the error comes at the first run() as "newEventLoop: opts.clock …" (and
  // { name: 5 } as "createTask: opts.name …"). Expected: TypeError from the constructor,
  // "Runner: opts.clock must be a Clock with a now() method, got 5".
  it('new Runner refuses a clock that is not a Clock when it is made', () => {
    expectBadInput(() => new Runner({ clock: 5 as never }), TypeError, 'Runner', 'opts.clock', '5');
  });

  // src/timeouts.ts:45: the exported Timeout constructor stores `when` unchecked; new Timeout('5')
  // fails only at run() as "Timeout.reschedule: …". Expected: TypeError "Timeout: when must be a
  // number of milliseconds or null, got \"5\"", as timeoutAt() says.
  it('new Timeout refuses a when that is not a number or null', () => {
    expectBadInput(() => new Timeout('5' as never), TypeError, 'Timeout', 'when', '"5"');
    expectBadInput(() => new Timeout(NaN), RangeError, 'Timeout', 'when', 'NaN');
  });

  // src/errors.ts:200: IncompleteReadError(5, 1) makes the message "undefined bytes read on a
  // total of 1 expected bytes" (asyncio: len(5) raises TypeError). Expected: TypeError
  // "IncompleteReadError: partial must be a Uint8Array, got 5".
  it('IncompleteReadError refuses a partial that is not bytes', () => {
    expectBadInput(() => new IncompleteReadError(5 as never, 1), TypeError, 'IncompleteReadError', 'partial', '5');
  });
});
