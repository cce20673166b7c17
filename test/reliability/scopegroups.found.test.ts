// Reliability of cancel scopes around TaskGroups (Trio's nurseries inside cancel scopes): the bugs
// that the random-program property of scopegroups.property.test.ts found (shrunk), fixed since.
import { describe, expect, it } from 'vitest';
import { CancelScope, createTask, ensureFuture, TaskGroup, getRunningLoop, sleep, waitFor } from 'tulip';
import { runVirtual as runVirtualHere, styled } from '../support.js';

// ---- bugs the property found (shrunk), fixed since ------------------------------------------------

describe('found by the property', () => {
  // Trio (0.22, checked): a task started in a nursery inside a cancelled scope runs until its first
  // checkpoint (`['child ran', 'finally']`: the start of a task is not a checkpoint). A generator
  // child's first step once threw the scope's cancellation into the fresh generator (it never ran);
  // now a first step delivers only a task cancel (as asyncio's), and the first wait gets the scope's.
  for (const style of ['generator', 'async'] as const) {
    it(`a child of a group in a cancelled scope runs until its first wait (${style})`, () =>
      runVirtualHere(async () => {
        const log: string[] = [];
        const child = styled(
          style,
          function* () {
            log.push('child ran');
            try {
              yield* sleep(1);
            } finally {
              log.push('finally');
            }
          },
          async () => {
            log.push('child ran');
            try {
              await sleep(1);
            } finally {
              log.push('finally');
            }
          },
        );
        const scope = new CancelScope();
        scope.cancel();
        await scope.run(() => new TaskGroup().run((tg) => void tg.createTask(child)));
        expect([log, scope.cancelledCaught]).toEqual([['child ran', 'finally'], true]);
      }),
    );
  }

  // A cancel held back by a shield is delivered at the task's next wait after the shield (as Trio's
  // next checkpoint; tulip does so in the generator style and for timeout()/CancelScope bodies). In
  // an async task, `await waitFor(asyncFn(), t)` whose function ends with the shielded scope raises
  // CancelledError instead, once: waitFor awaits the promise's wrapper weakly, the wrapper became the
  // task's waiter (the function's own await attaches a microtask later), and its settling delivered
  // the pending cancel in place of the result. A weak await now keeps its result.
  it("a held-back cancel does not replace the result of waitFor(asyncFn()) whose function ends with the shielded scope", () =>
    runVirtualHere(async () => {
      const log: string[] = [];
      const inner = async (): Promise<string> => {
        await new CancelScope({ shield: true }).run(() => sleep(5));
        return 'inner result';
      };
      const task = createTask(async () => {
        log.push(`got ${await waitFor(inner(), 100)}`);
        try {
          await sleep(10);
        } catch {
          log.push('cancelled at the next wait');
        }
      });
      await sleep(1);
      task.cancel();
      await task.then(
        () => log.push('task returned'),
        () => log.push('task cancelled'),
      );
      expect(log).toEqual(['got inner result', 'cancelled at the next wait', 'task returned']);
    }),
  );

  // Not about scopes (found through waitFor with an async body in a generator task): an async
  // helper called from a generator task lost the running loop after its first await, so its next
  // tulip call threw RuntimeError('getRunningLoop: no running event loop') (with
  // `yield* ensureFuture(helper())`, as DESIGN §1 suggests for promises): its continuation runs in a
  // microtask after the pass, outside any task. getRunningLoop() now returns the one running loop
  // there (asyncio's loop of the thread).
  it('an async helper awaited by a generator task can call tulip after its first await', () =>
    runVirtualHere(async () => {
      const helper = async (): Promise<number> => {
        await sleep(1);
        await sleep(1);
        return getRunningLoop().time();
      };
      expect(await createTask(function* () {
        return yield* ensureFuture(helper());
      })).toBe(2);
    }),
  );
});
