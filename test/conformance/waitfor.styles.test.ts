// Style twins of the waitFor tests: each test here is the other-style twin of a test written in
// only one coroutine style in test/conformance/waitfor.test.ts or
// /work/shared/conformance/waitfor.test.ts. Same behaviour, same pass counts and order.
import { describe, it, expect } from 'vitest';
import {
  TimeoutError,
  createTask,
  currentTask,
  getRunningLoop,
  isCancelledError,
  run,
  shield,
  sleep,
  waitFor,
  type Coroutine,
} from 'tulip';
import { FOREVER, ValueError, assertCancelled, rejection, rejectionG, runVirtual } from './helpers.js';

const HOUR = 3_600_000;
const now = (): number => getRunningLoop().time();

describe('waitFor passes the inner result through (style twins)', () => {
  // twin of waitfor.test.ts::returns the value of an inner future that resolves in time (async)
  it('returns the value of an inner future that resolves in time to a generator caller', () =>
    runVirtual(function* () {
      expect(yield* waitFor(sleep(10, 'value'), 1000)).toBe('value');
      expect(now()).toBe(10);
    }));

  // twin of waitfor.test.ts::with a null timeout, a generator caller waits as long as it takes
  it('with a null timeout, an async caller waits as long as it takes', () =>
    runVirtual(async () => {
      function* coro(): Coroutine<string> {
        yield* sleep(5 * HOUR);
        return 'done';
      }
      const t0 = now();
      expect(await waitFor(coro(), null)).toBe('done');
      expect(now() - t0).toBe(5 * HOUR);
      expect(await waitFor(createTask(async () => 'task done'), null)).toBe('task done');
    }));

  // twin of waitfor.test.ts::a result set before the timeout reaches a generator caller
  it('a result set before the timeout reaches an async caller', () =>
    runVirtual(async () => {
      const loop = getRunningLoop();
      const fut = loop.createFuture<string>();
      const w = waitFor(fut, 200);
      loop.callLater(10, () => fut.setResult('ok'));
      expect(await w).toBe('ok');
      expect(now()).toBe(10);
    }));

  // twin of waitfor.test.ts::a zero timeout on a done future returns its result to a generator caller (shared: async)
  it('a zero timeout on a done future returns its result to an async caller, without a pass', () =>
    run(async () => {
      const fut = getRunningLoop().createFuture<string>();
      fut.setResult('done');
      let ran = false;
      getRunningLoop().callSoon(() => (ran = true));
      expect(await waitFor(fut, 0)).toBe('done');
      expect(ran).toBe(false);
    }));

  // twin of waitfor.test.ts::a negative timeout on a failed future raises the future's error, not TimeoutError
  it("a negative timeout on a failed future raises the future's error to a generator caller", () =>
    run(function* () {
      const err = new ValueError('already failed');
      const fut = getRunningLoop().createFuture<string>();
      fut.setException(err);
      expect(yield* rejectionG(waitFor(fut, -1))).toBe(err);
    }));

  // twin of waitfor.test.ts::a native promise's rejection passes through unchanged
  it("a native promise's rejection passes through waitFor to a generator caller unchanged", () =>
    run(function* () {
      const err = new ValueError('native failure');
      const p = new Promise<string>((_, reject) => setTimeout(reject, 5, err));
      expect(yield* rejectionG(waitFor(p, 1000))).toBe(err);
    }));
});

describe('zero timeouts (style twins)', () => {
  // twin of waitfor.test.ts::a zero timeout cancels an inner generator coroutine before it ever starts
  it('a zero timeout cancels an inner generator coroutine before it ever starts, awaited from an async task', () =>
    run(async () => {
      let started = false;
      // eslint-disable-next-line require-yield
      function* foo(): Coroutine<void> {
        started = true;
      }
      const e = await rejection(waitFor(foo(), 0));
      expect(e).toBeInstanceOf(TimeoutError);
      await sleep(0);
      expect(started).toBe(false);
    }));

  // twin of waitfor.test.ts::a zero timeout cancels an inner async task that has not started yet, so its body never runs
  it('a zero timeout cancels an inner generator task that has not started yet, so its body never runs', () =>
    run(function* () {
      let started = false;
      // eslint-disable-next-line require-yield
      const inner = createTask(function* () {
        started = true;
      });
      const e = yield* rejectionG(waitFor(inner, 0));
      expect(e).toBeInstanceOf(TimeoutError);
      expect(inner.cancelled()).toBe(true);
      yield* sleep(0);
      expect(started).toBe(false);
    }));
});

describe('cancelling the task that waits (style twins)', () => {
  // twin of waitforcancel.test.ts::the cancel message of the waiting task reaches the inner generator coroutine
  it('the cancel message of the waiting async task reaches the inner async function', () =>
    run(async () => {
      let innerSaw: unknown;
      async function inner(): Promise<void> {
        try {
          await sleep(FOREVER);
        } catch (e) {
          innerSaw = e;
          throw e;
        }
      }
      const w = createTask(async () => {
        await waitFor(inner(), 60_000);
      });
      await sleep(1);
      w.cancel('stop waiting');
      assertCancelled(await rejection(w), 'stop waiting');
      assertCancelled(innerSaw);
    }));

  // twin of waitforcancel.test.ts::the cancel message of the waiting task reaches the inner generator coroutine (async caller)
  it('the cancel message of the waiting async task reaches an inner generator coroutine', () =>
    run(async () => {
      let innerSaw: unknown;
      function* inner(): Coroutine<void> {
        try {
          yield* sleep(FOREVER);
        } catch (e) {
          innerSaw = e;
          throw e;
        }
      }
      const w = createTask(async () => {
        await waitFor(inner(), 60_000);
      });
      await sleep(1);
      w.cancel('stop waiting');
      assertCancelled(await rejection(w), 'stop waiting');
      assertCancelled(innerSaw, 'stop waiting');
    }));

  // twin of shared waitfor.test.ts::on timeout it cancels the awaited task, lets it clean up, and throws TimeoutError (exact deadline)
  it('an async caller gets TimeoutError exactly at the deadline, after the inner generator coroutine cleaned up', () =>
    runVirtual(async () => {
      const log: string[] = [];
      function* foo(): Coroutine<string> {
        try {
          yield* sleep(FOREVER);
        } finally {
          log.push(`cleanup at ${now()}`);
        }
        return 'done';
      }
      const e = await rejection(waitFor(foo(), 100));
      log.push(`caller at ${now()}`);
      expect(e).toBeInstanceOf(TimeoutError);
      assertCancelled((e as Error).cause);
      expect(log).toEqual(['cleanup at 100', 'caller at 100']);
      expect(currentTask()!.cancelling()).toBe(0);
    }));
});

describe('waitFor around shield() (style twins)', () => {
  // twin of waitforcancel.test.ts::waitFor(shield(task), null) waits for a generator task to complete
  it('waitFor(shield(task), null) waits for an async task to complete', () =>
    runVirtual(async () => {
      const task = createTask(async () => {
        await sleep(20);
        return 'done';
      });
      await waitFor(shield(task), null);
      expect(task.done()).toBe(true);
      expect(await task).toBe('done');
    }));

  // twin of waitforcancel.test.ts::a shielded task outlives a one-hour timeout on virtual time (async)
  it('a shielded generator task outlives a one-hour timeout on virtual time', () =>
    runVirtual(function* () {
      const task = createTask(function* () {
        yield* sleep(2 * HOUR);
        return 'done';
      });
      const e = yield* rejectionG(waitFor(shield(task), HOUR));
      expect(e).toBeInstanceOf(TimeoutError);
      expect(now()).toBe(HOUR);
      expect(task.done()).toBe(false);
      expect(yield* task).toBe('done');
      expect(now()).toBe(2 * HOUR);
    }));

  // twin of waitforcancel.test.ts::an inner coroutine that catches the cancel and then returns gives its value (mixed: async caller, generator inner)
  it('an async caller of waitFor gets the value a generator inner returns from its cancel handler', () =>
    runVirtual(async () => {
      function* inner(): Coroutine<string> {
        try {
          yield* sleep(FOREVER);
        } catch (e) {
          if (!isCancelledError(e)) throw e;
          return 'caught';
        }
        return 'not cancelled';
      }
      expect(await waitFor(inner(), 10)).toBe('caught');
      expect(now()).toBe(10);
      expect(currentTask()!.cancelling()).toBe(0);
    }));
});
