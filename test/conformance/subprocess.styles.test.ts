// The cancellation-relevant behaviours of tulip's subprocesses, in both coroutine styles: the
// waiting (or reading) task is a generator (`function*` + `yield*`) or an async function, and
// each test runs once per style. asyncio's rules (CPython 3.13 asyncio/subprocess.py and
// base_subprocess.py): a cancelled wait() or communicate() leaves the child running and changes
// nothing (kill it yourself); a timeout around either is a cancellation like any other; a read on
// the child's stdout cancelled while it waits takes nothing from the buffer; a createSubprocessExec
// cancelled before the caller got its Process kills the child. Real children (`sh -c`, `sleep`,
// `node -e`), each killed in a finally; every wait is bounded.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  PIPE,
  Process,
  TimeoutError,
  createSubprocessExec,
  createSubprocessShell,
  createTask,
  run,
  sleep,
  timeout,
  waitFor,
  type Task,
} from 'tulip';
import { STYLES, assertCancelled, errorOf, styled, waiting, type Style } from './helpers.js';
import { NODE, BOUND, str, reap, alive } from '../subprocess/helpers.js';

/** 'a generator' or 'an async', for test names. */
const a = (style: Style): string => (style === 'async' ? 'an async' : 'a generator');

/** Sleeps 5 ms at a time until `cond()` holds; fails after BOUND ms. */
async function until(cond: () => boolean, what: string): Promise<void> {
  const end = Date.now() + BOUND;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await sleep(5);
  }
}

describe('cancelling wait() and communicate() (both styles)', () => {
  for (const style of STYLES) {
    it(`a cancelled wait() in ${a(style)} task ends cancelled; the child runs on, and kill() + wait() end it later`, () =>
      run(async () => {
        const proc = await createSubprocessExec('sleep', ['3']);
        try {
          const t = createTask(waiting(style, () => proc.wait()));
          await sleep(20);
          expect(t.done()).toBe(false);
          t.cancel();
          assertCancelled(await errorOf(() => t));
          await sleep(20);
          expect(proc.returncode).toBe(null);
          expect(alive(proc.pid)).toBe(true);
          proc.kill();
          expect(await waitFor(createTask(waiting(style, () => proc.wait())), BOUND)).toBe(-9);
        } finally {
          await reap(proc);
        }
      }));

    it(`a cancelled communicate() in ${a(style)} task leaves the child running and the bytes read so far in stdout`, () =>
      run(async () => {
        const proc = await createSubprocessShell('echo hi; exec sleep 3', { stdin: PIPE, stdout: PIPE });
        try {
          const t = createTask(waiting(style, () => proc.communicate()));
          await until(() => proc.stdout!.bufferedLength() === 3, 'the child wrote its line');
          expect(t.done()).toBe(false);
          t.cancel();
          assertCancelled(await errorOf(() => t));
          expect(proc.returncode).toBe(null);
          expect(alive(proc.pid)).toBe(true);
          expect(proc.stdout!.bufferedLength()).toBe(3);
          proc.kill();
          expect(await waitFor(proc.wait(), BOUND)).toBe(-9);
          expect(str(await waitFor(proc.stdout!.read(), BOUND))).toBe('hi\n');
        } finally {
          await reap(proc);
        }
      }));

    it(`${a(style)} communicate(input) cancelled while the child sleeps lets a later kill() end it`, () =>
      run(async () => {
        const proc = await createSubprocessShell('exec sleep 3', { stdin: PIPE, stdout: PIPE, stderr: PIPE });
        try {
          const t = createTask(waiting(style, () => proc.communicate('ignored input')));
          await sleep(20);
          t.cancel();
          assertCancelled(await errorOf(() => t));
          expect(proc.returncode).toBe(null);
          proc.terminate();
          expect(await waitFor(proc.wait(), BOUND)).toBe(-15);
        } finally {
          await reap(proc);
        }
      }));
  }
});

describe('timeouts around wait() (both styles)', () => {
  /** A task body in `style` waiting for the child inside timeout(ms).run(). */
  const waitWithin = (style: Style, proc: Process, ms: number) =>
    styled(
      style,
      function* () {
        return yield* timeout(ms).run(function* () {
          return yield* proc.wait();
        });
      },
      async () => timeout(ms).run(async () => proc.wait()),
    );

  for (const style of STYLES) {
    it(`timeout(50).run(() => proc.wait()) in ${a(style)} task throws TimeoutError; the child runs on`, () =>
      run(async () => {
        const proc = await createSubprocessExec('sleep', ['3']);
        try {
          const e = await errorOf(() => createTask(waitWithin(style, proc, 50)));
          expect(e).toBeInstanceOf(TimeoutError);
          expect(proc.returncode).toBe(null);
          proc.kill();
          expect(await waitFor(proc.wait(), BOUND)).toBe(-9);
        } finally {
          await reap(proc);
        }
      }));

    it(`timeout().run(() => proc.wait()) in ${a(style)} task returns the code of a child that ends in time`, () =>
      run(async () => {
        const proc = await createSubprocessShell('sleep 0.05; exit 4');
        try {
          expect(await createTask(waitWithin(style, proc, BOUND))).toBe(4);
        } finally {
          await reap(proc);
        }
      }));

    it(`waitFor(proc.wait(), 50) in ${a(style)} task throws TimeoutError; a later wait gets the code`, () =>
      run(async () => {
        const proc = await createSubprocessExec('sleep', ['3']);
        try {
          expect(await errorOf(() => createTask(waiting(style, () => waitFor(proc.wait(), 50))))).toBeInstanceOf(TimeoutError);
          proc.terminate();
          expect(await createTask(waiting(style, () => waitFor(proc.wait(), BOUND)))).toBe(-15);
        } finally {
          await reap(proc);
        }
      }));
  }
});

describe("reading the child's stdout (both styles)", () => {
  /** All lines of stdout: `for await` (async) or a `while` loop of `yield* readline()` (generator). */
  const allLines = (style: Style, proc: Process) =>
    styled(
      style,
      function* () {
        const lines: string[] = [];
        for (;;) {
          const line = yield* proc.stdout!.readline();
          if (line.length === 0) return lines;
          lines.push(str(line));
        }
      },
      async () => {
        const lines: string[] = [];
        for await (const line of proc.stdout!) lines.push(str(line));
        return lines;
      },
    );

  for (const style of STYLES) {
    it(`${a(style)} task reads stdout line by line as the child writes, then the end`, () =>
      run(async () => {
        const script = "let i = 0; const t = setInterval(() => { console.log('line' + i); if (++i === 3) clearInterval(t); }, 10);";
        const proc = await createSubprocessExec(NODE, ['-e', script], { stdout: PIPE });
        try {
          expect(await waitFor(createTask(allLines(style, proc)), BOUND)).toEqual(['line0\n', 'line1\n', 'line2\n']);
          expect(await waitFor(proc.wait(), BOUND)).toBe(0);
        } finally {
          await reap(proc);
        }
      }));

    it(`${a(style)} readline on stdout cancelled while it waits keeps the partial line for the next read`, () =>
      run(async () => {
        const proc = await createSubprocessShell('printf par; sleep 0.2; echo tial', { stdout: PIPE });
        try {
          const t = createTask(waiting(style, () => proc.stdout!.readline()));
          await until(() => proc.stdout!.bufferedLength() === 3, "the child wrote 'par'");
          expect(t.done()).toBe(false);
          t.cancel();
          assertCancelled(await errorOf(() => t));
          expect(proc.stdout!.bufferedLength()).toBe(3);
          const again = createTask(waiting(style, () => proc.stdout!.readline()));
          expect(str(await waitFor(again, BOUND))).toBe('partial\n');
          expect(await waitFor(proc.wait(), BOUND)).toBe(0);
        } finally {
          await reap(proc);
        }
      }));

    it(`timeout() around ${a(style)} readline on stdout throws TimeoutError and loses no byte`, () =>
      run(async () => {
        const proc = await createSubprocessShell('printf par; sleep 0.3; echo tial', { stdout: PIPE });
        try {
          const within = styled(
            style,
            function* () {
              return yield* timeout(100).run(function* () {
                return yield* proc.stdout!.readline();
              });
            },
            async () => timeout(100).run(async () => proc.stdout!.readline()),
          );
          expect(await errorOf(() => createTask(within))).toBeInstanceOf(TimeoutError);
          expect(proc.stdout!.bufferedLength()).toBe(3);
          expect(str(await waitFor(createTask(waiting(style, () => proc.stdout!.readline())), BOUND))).toBe('partial\n');
        } finally {
          await reap(proc);
        }
      }));
  }
});

// A cancellation that reaches the task while the child starts kills the child (the start future
// is cancelled with the task, as asyncio closes the transport); one that reaches the task after
// the start future got its Process, before the task resumed, waits for the task's next wait and
// the task gets the Process (a HandoverFuture keeps its result), so the child is never orphaned.
// The moments: async, a cancel requested between the call and the `await` (the await registers in
// a microtask, after Node's 'spawn' tick may have completed the future); generator, a cancel in
// the pass where the future completes, before the task's wake-up (a done callback registered first
// makes that moment deterministic).
describe('cancelling createSubprocessExec (both styles)', () => {
  /** A node -e script that writes `file` 300 ms after it starts (unless it is killed first). */
  const writeLater = (file: string): string[] => ['-e', `setTimeout(() => require('fs').writeFileSync(${JSON.stringify(file)}, 'x'), 300)`];

  /**
   * Runs the task `make(file, hold)` builds and checks the contract: the task either ends
   * cancelled before the child runs (the child is killed), or it gets the Process — `hold`
   * records it — and the cancellation lands at its next wait; we then kill the child. Either way
   * the child must never write its file.
   */
  async function checkNoStrayChild(make: (file: string, hold: (p: Process) => void) => Task<Process>): Promise<void> {
    const dir = mkdtempSync(join(tmpdir(), 'tulip-sps-'));
    const file = join(dir, 'x');
    let held: Process | undefined;
    try {
      const t = make(file, (p) => (held = p));
      const e = await errorOf(() => t).catch((): undefined => undefined);
      assertCancelled(e);
      await reap(held);
      await sleep(600);
      expect(existsSync(file)).toBe(false);
    } finally {
      await reap(held);
      await sleep(100); // a stray child (a bug) writes before the directory goes
      rmSync(dir, { recursive: true, force: true });
    }
  }

  for (const style of STYLES) {
    it(`${a(style)} task cancelled between calling createSubprocessExec and waiting for it leaves no child running`, () =>
      run(() =>
        checkNoStrayChild((file, hold) => {
          const t: Task<Process> = createTask(
            styled(
              style,
              function* () {
                const f = createSubprocessExec(NODE, writeLater(file));
                t.cancel();
                const p = yield* f;
                hold(p);
                yield* sleep(0); // the cancellation lands here
                return p;
              },
              async () => {
                const f = createSubprocessExec(NODE, writeLater(file));
                t.cancel();
                const p = await f;
                hold(p);
                await sleep(0); // the cancellation lands here
                return p;
              },
            ),
          );
          return t;
        }),
      ));

    it(`${a(style)} task cancelled in the pass its child started, before it resumed, leaves no child running`, () =>
      run(() =>
        checkNoStrayChild((file, hold) => {
          const t: Task<Process> = createTask(
            styled(
              style,
              function* () {
                const f = createSubprocessExec(NODE, writeLater(file));
                f.addDoneCallback(() => t.cancel());
                const p = yield* f;
                hold(p);
                yield* sleep(0); // the cancellation lands here
                return p;
              },
              async () => {
                const f = createSubprocessExec(NODE, writeLater(file));
                f.addDoneCallback(() => t.cancel());
                const p = await f;
                hold(p);
                await sleep(0); // the cancellation lands here
                return p;
              },
            ),
          );
          return t;
        }),
      ));
  }
});
