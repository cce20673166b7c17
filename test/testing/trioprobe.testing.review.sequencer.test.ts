// Adversarial review of tulip/testing's Sequencer (order, duplicate and skipped positions,
// cancellation, a broken sequence) against real Trio 0.22 (trio.testing.Sequencer) and against
// CPython 3.13 asyncio under virtual time (a SelectorEventLoop whose time() returns a variable that
// the probe moves by hand, as a MockClock jump does). Every expectation was checked with a probe;
// the probe's output is quoted above the test. Trio seconds are milliseconds here. Where tulip
// differs, the test carries the reference's expectation as `it.fails`.
import { describe, expect, it } from 'vitest';
import { RuntimeError, TaskGroup, createTask, currentTask, gather, sleep } from 'tulip';
import { Sequencer, waitAllTasksBlocked } from 'tulip/testing';
import { STYLES, runVirtual, styled, syncError, type Style } from '../conformance/helpers.js';

// ---- Sequencer -------------------------------------------------------------------------------------

/** A task body in `style` that holds each of `positions` of `seq` in turn with `seq.run`, logging it. */
function worker(style: Style, seq: Sequencer, positions: number[], out: number[]) {
  return styled(
    style,
    function* () {
      for (const p of positions) {
        yield* seq.run(p, function* () {
          yield* sleep(0);
          out.push(p);
        });
      }
    },
    async () => {
      for (const p of positions) {
        await seq.run(p, async () => {
          await sleep(0);
          out.push(p);
        });
      }
    },
  );
}

describe('Sequencer (trio.testing.Sequencer)', () => {
  for (const style of STYLES) {
    it(`three tasks holding two positions each go through 0..5 in order (${style})`, () =>
      // trio 0.22 (t6.py, ex): workers with positions (0, 4), (2, 5), (1, 3) -> [0, 1, 2, 3, 4, 5]
      runVirtual(async () => {
        const seq = new Sequencer();
        const out: number[] = [];
        await new TaskGroup().run((tg) => {
          tg.createTask(worker(style, seq, [0, 4], out));
          tg.createTask(worker(style, seq, [2, 5], out));
          tg.createTask(worker(style, seq, [1, 3], out));
        });
        expect(out).toEqual([0, 1, 2, 3, 4, 5]);
      }));
  }

  it('asking again for a position whose first holder still waits is refused, breaks nothing, and the first holder runs', () =>
    // trio 0.22 (t4_seq.py, 3): [('dup', 'Attempted to re-use sequence point 1'), ('broken after dup', False), 'H in', 'W1 in']
    runVirtual(async () => {
      const seq = new Sequencer();
      const log: unknown[] = [];
      const w1 = createTask(async () => {
        await seq.run(1, () => void log.push('W1 in'));
      });
      await waitAllTasksBlocked();
      const e = syncError(() => seq.run(1, () => log.push('dup?!')));
      expect(e).toBeInstanceOf(RuntimeError);
      expect(e.message).toBe('Sequencer.run: sequence point 1 was already used');
      expect(syncError(() => seq.step(1)).message).toBe('Sequencer.step: sequence point 1 was already used');
      expect(seq.broken()).toBe(false);
      await seq.run(0, () => void log.push('H in'));
      await w1;
      expect(log).toEqual(['H in', 'W1 in']);
    }));

  it('a skipped position leaves the next one waiting until someone takes it', () =>
    // trio 0.22 (t4_seq.py, 5): ['0 in', ('2 still waiting', True), '1 in', '2 in']
    runVirtual(async () => {
      const seq = new Sequencer();
      const log: unknown[] = [];
      const w2 = createTask(function* () {
        yield* seq.run(2, () => void log.push('2 in'));
      });
      await seq.run(0, () => void log.push('0 in'));
      await waitAllTasksBlocked();
      log.push(['2 still waiting', !w2.done()]);
      await seq.run(1, () => void log.push('1 in'));
      await w2;
      expect(log).toEqual(['0 in', ['2 still waiting', true], '1 in', '2 in']);
    }));

  for (const style of STYLES) {
    it(`a task cancelled inside its turn passes the turn on and breaks nothing (${style})`, () =>
      // trio 0.22 (t4_seq.py, 2): ['A in', 'A cancelled in body', 'B in'] broken False
      runVirtual(async () => {
        const seq = new Sequencer();
        const log: string[] = [];
        const a = createTask(
          styled(
            style,
            function* () {
              yield* seq.run(0, function* () {
                log.push('A in');
                yield* sleep(1e9);
              });
            },
            async () => {
              await seq.run(0, async () => {
                log.push('A in');
                await sleep(1e9);
              });
            },
          ),
        );
        const b = createTask(async () => {
          await seq.run(1, () => void log.push('B in'));
        });
        await waitAllTasksBlocked();
        a.cancel();
        await gather([a, b], { returnExceptions: true });
        expect(a.cancelled()).toBe(true);
        expect(log).toEqual(['A in', 'B in']);
        expect(seq.broken()).toBe(false);
      }));
  }

  for (const style of STYLES) {
    it(`position 0 never waits: a cancel already pending reaches the body, and the sequence is not broken (${style})`, () =>
      // trio 0.22 (t4_seq.py, 4): cs.cancel() then `async with seq(0)`: ['0 body entered',
      // ('broken', False), '1 runs'] (the Cancelled comes from the body's sleep(0)).
      runVirtual(async () => {
        const seq = new Sequencer();
        const log: unknown[] = [];
        const t = createTask(
          styled(
            style,
            function* () {
              currentTask()!.cancel();
              yield* seq.run(0, function* () {
                log.push('0 body entered');
                yield* sleep(0);
                log.push('not reached');
              });
            },
            async () => {
              currentTask()!.cancel();
              await seq.run(0, async () => {
                log.push('0 body entered');
                await sleep(0);
                log.push('not reached');
              });
            },
          ),
        );
        await gather([t], { returnExceptions: true });
        expect(t.cancelled()).toBe(true);
        expect(seq.broken()).toBe(false);
        await seq.run(1, () => void log.push('1 runs'));
        expect(log).toEqual(['0 body entered', '1 runs']);
      }));
  }

  it('once broken: a position already claimed is "already used" (checked first), a new one "broken", and the turn being held runs on', () =>
    // trio 0.22 (t4_seq.py, 6): ['H in', ('W', 'Sequencer wait cancelled -- sequence broken'),
    // (0, 'Attempted to re-use sequence point 0'), (5, 'sequence broken!'), 'H body finishes']
    // (Trio turns the waiter's Cancelled into RuntimeError; tulip keeps the CancelledError, as
    // documented on Sequencer.)
    runVirtual(async () => {
      const seq = new Sequencer();
      const log: unknown[] = [];
      const h = createTask(async () => {
        await seq.run(0, async () => {
          log.push('H in');
          await sleep(1000);
          log.push('H body finishes');
        });
      });
      const w = createTask(async () => {
        await seq.run(1, () => log.push('W in?!'));
      });
      await waitAllTasksBlocked();
      w.cancel();
      await waitAllTasksBlocked();
      log.push(['W cancelled', w.cancelled()]);
      for (const p of [0, 5]) log.push([p, syncError(() => seq.run(p, () => {})).message]);
      await h;
      expect(log).toEqual([
        'H in',
        ['W cancelled', true],
        [0, 'Sequencer.run: sequence point 0 was already used'],
        [5, 'Sequencer.run: the sequence is broken (a task was cancelled while waiting for its turn)'],
        'H body finishes',
      ]);
    }));

  for (const style of STYLES) {
    it(`a task cancelled while waiting in step() breaks the sequence as run() does (${style})`, () =>
      // Trio has only `async with seq(n)`; step() is its turn-object form (the same wait).
      runVirtual(async () => {
        const seq = new Sequencer();
        const waiting = createTask(
          styled(
            style,
            function* () {
              (yield* seq.step(1)).end();
            },
            async () => {
              (await seq.step(1)).end();
            },
          ),
        );
        const later = createTask(async () => (await seq.step(2)).end());
        await waitAllTasksBlocked();
        waiting.cancel();
        await gather([waiting, later], { returnExceptions: true });
        expect(waiting.cancelled()).toBe(true);
        expect(later.exception()).toBeInstanceOf(RuntimeError);
        expect(seq.broken()).toBe(true);
      }));
  }

  // trio 0.22 (t4_seq.py, 1): H ends position 0 (W1's turn comes: its Event is set), then cancels
  // W1 before W1 runs -> ['H in body', 'W1 in body', ('W1 cancelled, caught', True), 'W2 in body']
  // broken False: a task whose turn had come is not "cancelled while waiting"; the cancel reaches
  // it inside its turn, which then passes on. DESIGN.md §5: "every waiter woken then cancelled
  // passes its wake-up on". (tulip broke the sequence there: W2 failed with RuntimeError; fixed.)
  for (const style of STYLES) {
    it(`a task whose turn came but that was cancelled before it resumed passes the turn on (${style})`, () =>
      runVirtual(async () => {
        const seq = new Sequencer();
        const log: string[] = [];
        const w1 = createTask(
          styled(
            style,
            function* () {
              yield* seq.run(1, function* () {
                log.push('W1 in body');
                yield* sleep(0);
              });
            },
            async () => {
              await seq.run(1, async () => {
                log.push('W1 in body');
                await sleep(0);
              });
            },
          ),
        );
        const w2 = createTask(async () => {
          await seq.run(2, () => void log.push('W2 in body'));
        });
        await waitAllTasksBlocked();
        await seq.run(0, () => void log.push('H in body'));
        w1.cancel(); // W1's turn has come; it has not resumed yet
        await gather([w1, w2], { returnExceptions: true });
        expect(w1.cancelled()).toBe(true);
        expect(seq.broken()).toBe(false);
        expect(w2.exception()).toBeUndefined();
        expect(log).toContain('W2 in body');
      }),
    );
  }
});
