// Adversarial review of tulip/testing's waitAllTasksBlocked (cushions, hand-overs between tasks, a
// cancelled waiter, autojump) against real Trio 0.22 (trio.testing.wait_all_tasks_blocked) and
// against CPython 3.13 asyncio under virtual time (a SelectorEventLoop whose time() returns a
// variable that the probe moves by hand, as a MockClock jump does). Every expectation was checked
// with a probe; the probe's output is quoted above the test. Trio seconds are milliseconds here.
// Where tulip differs, the test carries the reference's expectation as `it.fails`.
import { describe, expect, it } from 'vitest';
import { CancelledError, Event, TaskGroup, createTask, gather, run, sleep } from 'tulip';
import { waitAllTasksBlocked } from 'tulip/testing';
import { STYLES, now, runVirtual, styled } from '../conformance/helpers.js';

// ---- waitAllTasksBlocked ---------------------------------------------------------------------------

describe('waitAllTasksBlocked (trio.testing.wait_all_tasks_blocked)', () => {
  it('a cushion-0 waiter that wakes another task makes a cushion-10 waiter wait until that task has blocked again', () =>
    // trio 0.22 (t6.py, a): A waits (0) then sets an event; B waits (0.01); C waits for the event,
    // does three sleep(0)s and a 5 ms sleep -> ['A woke', 'C woke', 'C0', 'C1', 'C2', 'C slept 5ms', 'B woke']
    run(async () => {
      const log: string[] = [];
      const ev = new Event();
      await new TaskGroup().run((tg) => {
        tg.createTask(async () => {
          await waitAllTasksBlocked(0);
          log.push('A woke');
          ev.set();
        });
        tg.createTask(function* () {
          yield* waitAllTasksBlocked(10);
          log.push('B woke');
        });
        tg.createTask(async () => {
          await ev.wait();
          log.push('C woke');
          for (let i = 0; i < 3; i++) {
            await sleep(0);
            log.push(`C${i}`);
          }
          await sleep(5);
          log.push('C slept 5ms');
        });
      });
      expect(log).toEqual(['A woke', 'C woke', 'C0', 'C1', 'C2', 'C slept 5ms', 'B woke']);
    }));

  it('a task that waits again with cushion 0 wakes three times before a cushion-5 waiter wakes once', () =>
    // trio 0.22 (t3_wait.py, b): ['A0', 'A1', 'A2', 'B']
    run(async () => {
      const log: string[] = [];
      await new TaskGroup().run((tg) => {
        tg.createTask(async () => {
          await waitAllTasksBlocked(5);
          log.push('B');
        });
        tg.createTask(function* () {
          for (let i = 0; i < 3; i++) {
            yield* waitAllTasksBlocked(0);
            log.push(`A${i}`);
          }
        });
      });
      expect(log).toEqual(['A0', 'A1', 'A2', 'B']);
    }));

  for (const style of STYLES) {
    it(`two tasks hand over through events and waitAllTasksBlocked() in turn (${style})`, () =>
      // trio 0.22 (t3_wait.py, c): ['P blocked-all', 'Q got e1', 'Q blocked-all', 'P got e2']
      run(async () => {
        const log: string[] = [];
        const e1 = new Event();
        const e2 = new Event();
        await new TaskGroup().run((tg) => {
          tg.createTask(
            styled(
              style,
              function* () {
                yield* waitAllTasksBlocked();
                log.push('P blocked-all');
                e1.set();
                yield* e2.wait();
                log.push('P got e2');
              },
              async () => {
                await waitAllTasksBlocked();
                log.push('P blocked-all');
                e1.set();
                await e2.wait();
                log.push('P got e2');
              },
            ),
          );
          tg.createTask(
            styled(
              style,
              function* () {
                yield* e1.wait();
                log.push('Q got e1');
                yield* waitAllTasksBlocked();
                log.push('Q blocked-all');
                e2.set();
              },
              async () => {
                await e1.wait();
                log.push('Q got e1');
                await waitAllTasksBlocked();
                log.push('Q blocked-all');
                e2.set();
              },
            ),
          );
        });
        expect(log).toEqual(['P blocked-all', 'Q got e1', 'Q blocked-all', 'P got e2']);
      }));
  }

  it('on the real clock, a timer due before the cushion ends fires first', () =>
    // trio 0.22 (t3_wait.py, d): a 5 ms sleeper and wait_all_tasks_blocked(0.015) -> ['S woke', 'waiter woke']
    run(async () => {
      const log: string[] = [];
      const s = createTask(async () => {
        await sleep(5);
        log.push('S woke');
      });
      await waitAllTasksBlocked(15);
      log.push('waiter woke');
      await s;
      expect(log).toEqual(['S woke', 'waiter woke']);
    }));

  it('cancelling the waiter with the smallest cushion leaves the next one to wake at its own cushion', () =>
    // trio 0.22 (t3_wait.py, e): ['w0 cancelled', 'w2']
    run(async () => {
      const log: string[] = [];
      const w2 = createTask(async () => {
        await waitAllTasksBlocked(2);
        log.push('w2');
      });
      const w0 = createTask(function* () {
        try {
          yield* waitAllTasksBlocked(0);
          log.push('w0 not cancelled');
        } catch (e) {
          if (!(e instanceof CancelledError)) throw e;
          log.push('w0 cancelled');
        }
      });
      await sleep(0);
      await sleep(0);
      w0.cancel();
      await gather([w0, w2]);
      expect(log).toEqual(['w0 cancelled', 'w2']);
    }));

  for (const style of STYLES) {
    it(`with autojump, each waitAllTasksBlocked() wakes before time moves to the next sleeper (${style})`, () =>
      // trio 0.22 (t3_wait.py, f), MockClock(autojump_threshold=0), sleepers of 5 and 3:
      // [('W1', 0.0), ('S', 3, 3.0), ('main slept 4', 4.0), ('W2', 4.0), ('S', 5, 5.0)]
      runVirtual(async () => {
        const log: unknown[] = [];
        const sleeper = (tg: TaskGroup): void => {
          for (const t of [5, 3]) {
            tg.createTask(async () => {
              await sleep(t);
              log.push(['S', t, now()]);
            });
          }
        };
        if (style === 'generator') {
          await new TaskGroup().run(function* (tg) {
            sleeper(tg);
            yield* waitAllTasksBlocked();
            log.push(['W1', now()]);
            yield* sleep(4);
            log.push(['main slept 4', now()]);
            yield* waitAllTasksBlocked();
            log.push(['W2', now()]);
          });
        } else {
          await new TaskGroup().run(async (tg) => {
            sleeper(tg);
            await waitAllTasksBlocked();
            log.push(['W1', now()]);
            await sleep(4);
            log.push(['main slept 4', now()]);
            await waitAllTasksBlocked();
            log.push(['W2', now()]);
          });
        }
        expect(log).toEqual([
          ['W1', 0],
          ['S', 3, 3],
          ['main slept 4', 4],
          ['W2', 4],
          ['S', 5, 5],
        ]);
      }));
  }
});
