// Cancel scopes and TaskGroups (Trio's nurseries inside cancel scopes): the children of a group
// entered inside scopes are inside those scopes too — cancelled at every wait while a scope around
// the group is cancelled, kept out by a shield around the group — and nothing else changes for
// them: a scope entered after the group, or a direct cancel() of the child, works as before.
// Children run in both coroutine styles.
import { describe, expect, it } from 'vitest';
import { CancelScope, TaskGroup, getRunningLoop, isCancelledError, moveOnAfter, sleep, type Coroutine, type Task } from 'tulip';
import { STYLES, runVirtual, type Style } from './helpers.js';

const now = (): number => getRunningLoop().time();

/** A child in `style` that swallows every CancelledError up to `times` times, sleeping `ms` each round; logs its rounds. */
function stubborn(style: Style, ms: number, times: number, log: string[]): () => Coroutine<void> | Promise<void> {
  if (style === 'generator') {
    return function* () {
      for (let i = 0; i <= times; i++) {
        try {
          yield* sleep(ms);
          log.push(`slept@${now()}`);
          return;
        } catch (e) {
          if (!isCancelledError(e) || i === times) throw e;
          log.push(`swallowed@${now()}`);
        }
      }
    };
  }
  return async () => {
    for (let i = 0; i <= times; i++) {
      try {
        await sleep(ms);
        log.push(`slept@${now()}`);
        return;
      } catch (e) {
        if (!isCancelledError(e) || i === times) throw e;
        log.push(`swallowed@${now()}`);
      }
    }
  };
}

for (const style of STYLES) {
  describe(`the children of a TaskGroup inside cancel scopes (${style} children)`, () => {
    it('a child is cancelled at each wait while a scope around its group is cancelled, and the scope exits at its deadline', () =>
      runVirtual(async () => {
        const log: string[] = [];
        const scope = await moveOnAfter(10, () => new TaskGroup().run((tg) => void tg.createTask(stubborn(style, 1000, 3, log))));
        expect(scope).toBeUndefined();
        expect([log, now()]).toEqual([['swallowed@10', 'swallowed@10', 'swallowed@10'], 10]);
      }));

    it('grandchildren are inside the scope too (a group in a child of a group in the scope)', () =>
      runVirtual(async () => {
        const log: string[] = [];
        const scope = new CancelScope({ deadline: now() + 10 });
        await scope.run(() =>
          new TaskGroup().run((tg) => {
            tg.createTask(() => new TaskGroup().run((inner) => void inner.createTask(stubborn(style, 1000, 2, log))));
          }),
        );
        expect([scope.cancelledCaught, log, now()]).toEqual([true, ['swallowed@10', 'swallowed@10'], 10]);
      }));

    it('a shield around the group keeps a cancelled outer scope away from its children', () =>
      runVirtual(async () => {
        const log: string[] = [];
        const outer = new CancelScope({ deadline: now() + 10 });
        await outer.run(() =>
          new CancelScope({ shield: true }).run(() => new TaskGroup().run((tg) => void tg.createTask(stubborn(style, 50, 0, log)))),
        );
        expect([log, now()]).toEqual([['slept@50'], 50]);
        expect(outer.cancelledCaught).toBe(false); // (nothing waited inside it after the shield)
      }));

    it('a child cancelled directly is cancelled at once, even with a shielded scope around its group', () =>
      runVirtual(async () => {
        let child!: Task<void>;
        const log: string[] = [];
        await new CancelScope({ shield: true }).run(() =>
          new TaskGroup().run((tg) => {
            child = tg.createTask(stubborn(style, 1000, 0, log));
            getRunningLoop().callLater(5, () => child.cancel('direct'));
          }),
        );
        expect([child.cancelled(), log, now()]).toEqual([true, [], 5]);
      }));

    it('a scope entered after the group (around createTask) does not cover the child', () =>
      runVirtual(async () => {
        const log: string[] = [];
        await new TaskGroup().run(async (tg) => {
          await moveOnAfter(10, async () => {
            tg.createTask(stubborn(style, 20, 0, log));
            await sleep(100);
          });
        });
        expect([log, now()]).toEqual([['slept@20'], 20]);
      }));
  });
}
