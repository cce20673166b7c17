// Behaviour ports of the CPython 3.13 Lib/test/test_asyncio/test_locks.py::ConditionTests tests that
// test/ had not ported yet (found by an audit of every test of the class against test/). asyncio's
// `async with cond:` is `cond.run(body)`; a call made in the wrong state throws synchronously
// (DESIGN.md §3.1), where asyncio raises at the `await`.
//
// Already ported elsewhere without a `ports` comment: test_notify_unacquired (test/sync/condition.test.ts).
// Not portable: the `cond._lock is lock` identity check of test_explicit_lock reads a private field;
// the port shows the sharing through locked() from both sides instead.
import { describe, expect, it } from 'vitest';
import { Condition, Lock, RuntimeError, run } from 'tulip';
import { STYLES, styled, syncError } from './helpers.js';

describe('Condition without its lock (ported)', () => {
  // ports test_locks.py::ConditionTests.test_wait_unacquired
  it('wait() without holding the lock throws RuntimeError and leaves no waiter', () =>
    run(async () => {
      const cond = new Condition();
      const e = syncError(() => cond.wait());
      expect(e).toBeInstanceOf(RuntimeError);
      expect(e.message).toMatch(/cannot wait on un-acquired lock/);
      expect(cond.locked()).toBe(false);
      expect(cond.statistics().tasksWaiting).toBe(0);
      // the condition is still usable
      await cond.run(() => cond.notify());
    }));

  // ports test_locks.py::ConditionTests.test_notify_all_unacquired
  it('notifyAll() without holding the lock throws RuntimeError', () =>
    run(async () => {
      const cond = new Condition();
      const e = syncError(() => cond.notifyAll());
      expect(e).toBeInstanceOf(RuntimeError);
      expect(e.message).toMatch(/cannot notify on un-acquired lock/);
      expect(cond.locked()).toBe(false);
      await cond.run(() => cond.notifyAll());
    }));
});

describe('Condition as a scope (ported)', () => {
  // ports test_locks.py::ConditionTests.test_context_manager
  for (const style of STYLES) {
    it(`cond.run(body) holds the lock while the body runs and releases it after (${style})`, () =>
      run(
        styled(
          style,
          function* () {
            const cond = new Condition();
            expect(cond.locked()).toBe(false);
            yield* cond.run(function* () {
              expect(cond.locked()).toBe(true);
            });
            expect(cond.locked()).toBe(false);
          },
          async () => {
            const cond = new Condition();
            expect(cond.locked()).toBe(false);
            await cond.run(async () => {
              expect(cond.locked()).toBe(true);
            });
            expect(cond.locked()).toBe(false);
          },
        ),
      ));
  }

  // ports test_locks.py::ConditionTests.test_explicit_lock
  for (const style of STYLES) {
    it(`a Condition built on a given Lock shares it: holding either one shows as locked on both (${style})`, () =>
      run(
        styled(
          style,
          function* () {
            const check = function* (lock: Lock, cond: Condition) {
              expect(lock.locked()).toBe(false);
              expect(cond.locked()).toBe(false);
              yield* cond.run(function* () {
                expect(lock.locked()).toBe(true);
                expect(cond.locked()).toBe(true);
              });
              expect(lock.locked()).toBe(false);
              expect(cond.locked()).toBe(false);
              yield* lock.run(function* () {
                expect(lock.locked()).toBe(true);
                expect(cond.locked()).toBe(true);
              });
              expect(lock.locked()).toBe(false);
              expect(cond.locked()).toBe(false);
            };
            const fresh = new Lock();
            yield* check(fresh, new Condition(fresh));
            const given = new Lock();
            const cond = new Condition(given);
            yield* check(given, cond);
            // the same pair again: nothing was left behind by the first round
            yield* check(given, cond);
          },
          async () => {
            const check = async (lock: Lock, cond: Condition) => {
              expect(lock.locked()).toBe(false);
              expect(cond.locked()).toBe(false);
              await cond.run(async () => {
                expect(lock.locked()).toBe(true);
                expect(cond.locked()).toBe(true);
              });
              expect(lock.locked()).toBe(false);
              expect(cond.locked()).toBe(false);
              await lock.run(async () => {
                expect(lock.locked()).toBe(true);
                expect(cond.locked()).toBe(true);
              });
              expect(lock.locked()).toBe(false);
              expect(cond.locked()).toBe(false);
            };
            const fresh = new Lock();
            await check(fresh, new Condition(fresh));
            const given = new Lock();
            const cond = new Condition(given);
            await check(given, cond);
            await check(given, cond);
          },
        ),
      ));
  }
});
