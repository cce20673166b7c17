// Behaviour ports of the CPython 3.13 Lib/test/test_asyncio/test_locks.py tests of Lock and Event
// that test/ had not ported yet (found by an audit of every test of the file against test/; the
// Condition, Semaphore and Barrier ones are in conditions.ported.test.ts, semaphores.ported.test.ts
// and barriers.ported.test.ts). asyncio's seconds are milliseconds here, on virtual time.
//
// asyncio's "'X' object can't be awaited" (a TypeError at `await x`) has two JS faces: a generator
// task's `yield* x` throws TypeError (the primitive is not iterable), and an async task's `await x`
// gives `x` back unchanged (the primitive is not a thenable). Either way nothing is acquired.
import { describe, expect, it } from 'vitest';
import { BoundedSemaphore, Condition, Event, Lock, Semaphore, run, sleep } from 'tulip';
import { STYLES, runVirtual, styled } from './helpers.js';

/** A fresh instance of each primitive asyncio's test walks through, with its name. */
const lockLikes = (): [string, Lock | Condition | Semaphore][] => [
  ['Lock', new Lock()],
  ['Condition', new Condition()],
  ['Semaphore', new Semaphore()],
  ['BoundedSemaphore', new BoundedSemaphore()],
];

describe('Lock-like primitives are not awaitable (ported)', () => {
  // ports test_locks.py::LockTests.test_lock_by_with_statement
  for (const style of STYLES) {
    it(`awaiting a Lock, Condition, Semaphore or BoundedSemaphore itself neither blocks nor acquires it (${style})`, () =>
      runVirtual(
        styled(
          style,
          function* () {
            for (const [name, prim] of lockLikes()) {
              yield* sleep(10);
              expect(prim.locked(), name).toBe(false);
              let thrown: unknown = null;
              try {
                yield* (prim as unknown as Iterable<unknown>);
              } catch (e) {
                thrown = e;
              }
              expect(thrown, name).toBeInstanceOf(TypeError);
              expect(prim.locked(), name).toBe(false);
            }
          },
          async () => {
            for (const [name, prim] of lockLikes()) {
              await sleep(10);
              expect(prim.locked(), name).toBe(false);
              expect('then' in prim, name).toBe(false);
              expect(await (prim as unknown), name).toBe(prim);
              expect(prim.locked(), name).toBe(false);
            }
          },
        ),
      ));
  }
});

describe('Event (ported)', () => {
  // ports test_locks.py::EventTests.test_clear
  it('a new event is unset; set() makes isSet() true and clear() false again', () =>
    run(() => {
      const ev = new Event();
      expect(ev.isSet()).toBe(false);
      ev.set();
      expect(ev.isSet()).toBe(true);
      ev.clear();
      expect(ev.isSet()).toBe(false);
    }));
});
