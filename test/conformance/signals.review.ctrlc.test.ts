// Adversarial review of OS signal handling (loop.addSignalHandler / removeSignalHandler,
// src/loop/signals.ts, src/loop/services.ts) and of what run() / Runner do on Ctrl-C
// (src/loop/interrupt.ts, src/loop/runners.ts), against CPython 3.13 asyncio (unix_events.py,
// runners.py). Every expectation was checked with the pure-Python 3.13 asyncio (probes under
// /tmp/rv-sig/); the Python output is quoted above each test. The cases already covered by
// test/loop/signals.test.ts, test/loop/interrupt.test.ts and test/conformance/loop.audit.test.ts
// are not repeated.
//
// This part: what run() / Runner do on Ctrl-C. Safety: Ctrl-C is simulated in this process with
// process.emit('SIGINT') and at most once per run() (the second one ends the process in tulip,
// which would take the test worker down); the second-Ctrl-C scenario runs in a child process
// (fixtures/signals-second.ts).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  CancelledError,
  ExceptionGroup,
  KeyboardInterruptError,
  Runner,
  TaskGroup,
  TimeoutError,
  createTask,
  currentTask,
  getRunningLoop,
  run,
  shield,
  sleep,
  timeout,
  type Coroutine,
  type Task,
  type TaskBody,
} from 'tulip';
import { STYLES, errorOf, styled, type Style } from './helpers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Ctrl-C as a signal listener sees it (synchronous, like os.kill to self + PyErr_CheckSignals). */
const ctrlC = (): void => {
  process.emit('SIGINT', 'SIGINT');
};

// ---- run() / Runner on Ctrl-C ----------------------------------------------------------------

/** A main task body that is interrupted (Ctrl-C) in its first pass and waits long: generator style. */
function* interruptedG(): Coroutine<void> {
  getRunningLoop().callSoon(ctrlC);
  yield* sleep(10_000);
}

/** The same, async style. */
async function interruptedA(): Promise<void> {
  getRunningLoop().callSoon(ctrlC);
  await sleep(10_000);
}

/** The interrupted main task body in `style`. */
const interruptedMain = (style: Style): TaskBody<void> => styled(style, interruptedG, interruptedA);

describe('run() / Runner on Ctrl-C (asyncio Runner._on_sigint): review', () => {
  // Python: one Runner, a main interrupted in its first pass, twice -> KeyboardInterrupt,
  // KeyboardInterrupt; then a plain main -> ('ok', 'fine'); SIGINT handler back to default after.
  for (const style of STYLES) {
    it(`a Runner interrupted by Ctrl-C runs again, the next run is interrupted the same way, and a plain run after that resolves (${style})`, async () => {
      const before = process.listenerCount('SIGINT');
      const runner = new Runner();
      try {
        expect(await errorOf(() => runner.run(interruptedMain(style)))).toBeInstanceOf(KeyboardInterruptError);
        expect(await errorOf(() => runner.run(interruptedMain(style)))).toBeInstanceOf(KeyboardInterruptError);
        expect(await runner.run(async () => 'fine')).toBe('fine');
      } finally {
        await runner.close();
      }
      expect(process.listenerCount('SIGINT')).toBe(before);
    });
  }

  // Python: the main task captured with current_task(); after KeyboardInterrupt:
  // t.cancelled() -> True, t.cancelling() -> 0 (run() took the Ctrl-C request back).
  // A main that swallows it and returns: ('ok', 'swallowed'), t.cancelling() -> 1.
  for (const style of STYLES) {
    it(`after KeyboardInterruptError the main task is cancelled with cancelling() 0; a main that swallowed Ctrl-C keeps cancelling() 1 (${style})`, async () => {
      const runner = new Runner();
      try {
        let main: Task<unknown> | undefined;
        const capture = (): void => {
          main = currentTask();
        };
        const interrupted = styled(
          style,
          function* () {
            capture();
            yield* interruptedG();
          },
          async () => {
            capture();
            await interruptedA();
          },
        );
        expect(await errorOf(() => runner.run(interrupted))).toBeInstanceOf(KeyboardInterruptError);
        expect(main!.cancelled()).toBe(true);
        expect(main!.cancelling()).toBe(0);
        const swallowing = styled(
          style,
          function* () {
            capture();
            getRunningLoop().callSoon(ctrlC);
            try {
              yield* sleep(10_000);
            } catch (e) {
              if (!(e instanceof CancelledError)) throw e;
            }
            return 'swallowed';
          },
          async () => {
            capture();
            getRunningLoop().callSoon(ctrlC);
            try {
              await sleep(10_000);
            } catch (e) {
              if (!(e instanceof CancelledError)) throw e;
            }
            return 'swallowed';
          },
        );
        expect(await runner.run(swallowing)).toBe('swallowed');
        expect(main!.cancelling()).toBe(1);
      } finally {
        await runner.close();
      }
    });
  }

  // Python: in the except block cancelling() -> 1, uncancel() -> 0, uncancel() -> 0, then
  // `raise` -> Runner.run raises KeyboardInterrupt (uncancel() at 0 stays 0).
  for (const style of STYLES) {
    it(`a main task that takes the Ctrl-C request back itself (uncancel) and re-raises still makes run() reject with KeyboardInterruptError (${style})`, async () => {
      const counts: number[] = [];
      const onCancel = (): void => {
        const t = currentTask()!;
        counts.push(t.cancelling(), t.uncancel(), t.uncancel());
      };
      const main = styled(
        style,
        function* () {
          getRunningLoop().callSoon(ctrlC);
          try {
            yield* sleep(10_000);
          } catch (e) {
            onCancel();
            throw e;
          }
        },
        async () => {
          getRunningLoop().callSoon(ctrlC);
          try {
            await sleep(10_000);
          } catch (e) {
            onCancel();
            throw e;
          }
        },
      );
      expect(await errorOf(() => run(main))).toBeInstanceOf(KeyboardInterruptError);
      expect(counts).toEqual([1, 0, 0]);
    });
  }

  // Python: catching the Ctrl-C CancelledError, then current_task().cancel() and a wait ->
  // Runner.run raises CancelledError (uncancel() leaves 1: another request is pending).
  for (const style of STYLES) {
    it(`a main task that cancels itself again after catching Ctrl-C ends run() with CancelledError, not KeyboardInterruptError (${style})`, async () => {
      const main = styled(
        style,
        function* () {
          getRunningLoop().callSoon(ctrlC);
          try {
            yield* sleep(10_000);
          } catch {
            currentTask()!.cancel();
            yield* sleep(0);
          }
        },
        async () => {
          getRunningLoop().callSoon(ctrlC);
          try {
            await sleep(10_000);
          } catch {
            currentTask()!.cancel();
            await sleep(0);
          }
        },
      );
      const e = await errorOf(() => run(main));
      expect(e).toBeInstanceOf(CancelledError);
      expect(e).not.toBeInstanceOf(KeyboardInterruptError);
    });
  }

  // Python: inside `async with timeout(10) as cm`, cm.reschedule(past) then call_soon(Ctrl-C) ->
  // KeyboardInterrupt (R4); Ctrl-C first, then the expiry in the same pass -> KeyboardInterrupt
  // (R4c); the expiry alone -> TimeoutError (R4b). The timeout does not convert a cancellation
  // that Ctrl-C also requested.
  for (const style of STYLES) {
    for (const order of ['expiry first', 'Ctrl-C first', 'expiry alone'] as const) {
      it(`Ctrl-C in the same pass as a timeout's expiry (${order}): run() rejects with ${order === 'expiry alone' ? 'TimeoutError' : 'KeyboardInterruptError, not TimeoutError'} (${style})`, async () => {
        const arrange = (cm: { reschedule(when: number): void }): void => {
          const loop = getRunningLoop();
          if (order === 'expiry first') {
            cm.reschedule(loop.time() - 1);
            loop.callSoon(ctrlC);
          } else if (order === 'Ctrl-C first') {
            loop.callSoon(ctrlC);
            loop.callSoon(() => cm.reschedule(loop.time() - 1));
          } else {
            cm.reschedule(loop.time() - 1);
          }
        };
        const main = styled(
          style,
          function* () {
            yield* timeout(10_000).run(function* (cm) {
              arrange(cm);
              yield* sleep(10_000);
            });
          },
          async () => {
            await timeout(10_000).run(async (cm) => {
              arrange(cm);
              await sleep(10_000);
            });
          },
        );
        const e = await errorOf(() => run(main));
        if (order === 'expiry alone') expect(e).toBeInstanceOf(TimeoutError);
        else expect(e).toBeInstanceOf(KeyboardInterruptError);
      });
    }
  }

  // Python: in a TaskGroup, call_soon(Ctrl-C), a child that raises ValueError, then a wait ->
  // Runner.run raises ExceptionGroup (not KeyboardInterrupt, not CancelledError).
  for (const style of STYLES) {
    it(`Ctrl-C in the same pass as a task group child's failure: run() rejects with the ExceptionGroup (${style})`, async () => {
      const main = styled(
        style,
        function* () {
          yield* new TaskGroup().run(function* (tg) {
            getRunningLoop().callSoon(ctrlC);
            tg.createTask(function* () {
              throw new RangeError('x');
            });
            yield* sleep(10_000);
          });
        },
        async () => {
          await new TaskGroup().run(async (tg) => {
            getRunningLoop().callSoon(ctrlC);
            tg.createTask(async () => {
              throw new RangeError('x');
            });
            await sleep(10_000);
          });
        },
      );
      const e = await errorOf(() => run(main));
      expect(e).toBeInstanceOf(ExceptionGroup);
      expect((e as ExceptionGroup).errors.map((x) => (x as Error).constructor)).toEqual([RangeError]);
    });
  }

  // Python: main awaits shield(inner()) (inner sleeps 10 ms) and is interrupted in its first pass
  // -> Runner.run raises KeyboardInterrupt with inner still running (st == []); runner.close()
  // then cancels it -> ['inner cancelled']. (Here inner sleeps 10 s, which close() cuts short: a
  // loaded machine can let 10 ms of real time pass before the loop stops.)
  for (const style of STYLES) {
    it(`Ctrl-C while the main task waits on shield(inner): KeyboardInterruptError, inner keeps running, and close() cancels it (${style})`, async () => {
      const st: string[] = [];
      const inner = async (): Promise<void> => {
        try {
          await sleep(10_000);
          st.push('inner done');
        } catch (e) {
          st.push('inner cancelled');
          throw e;
        }
      };
      const main = styled(
        style,
        function* () {
          getRunningLoop().callSoon(ctrlC);
          yield* shield(createTask(inner));
        },
        async () => {
          getRunningLoop().callSoon(ctrlC);
          await shield(createTask(inner));
        },
      );
      const runner = new Runner();
      try {
        expect(await errorOf(() => runner.run(main))).toBeInstanceOf(KeyboardInterruptError);
        expect(st).toEqual([]);
      } finally {
        await runner.close();
      }
      expect(st).toEqual(['inner cancelled']);
    });
  }

  // Python (R6): main adds and removes a SIGINT handler (remove_signal_handler(SIGINT) restores
  // signal.default_int_handler, not the Runner's), then SIGINT during a wait in try/finally ->
  // Runner.run raises KeyboardInterrupt at once: 'done False []' (main still pending, its finally
  // not yet run); runner.close() cancels it -> 'after close True ['finally']'. tulip: the same
  // (a SIGINT listener added during the run hands Ctrl-C over for good).
  it('after the main task added and removed a SIGINT handler, Ctrl-C breaks out of runner.run() with the main task still pending; close() unwinds it', async () => {
    const state: string[] = [];
    let main: Task<unknown> | undefined;
    const runner = new Runner();
    try {
      const e = await errorOf(() =>
        runner.run(async () => {
          main = currentTask();
          const loop = getRunningLoop();
          loop.addSignalHandler('SIGINT', () => state.push('handler'));
          loop.removeSignalHandler('SIGINT');
          loop.callLater(10, ctrlC);
          try {
            await sleep(1000);
          } finally {
            state.push('finally');
          }
        }),
      );
      expect(e).toBeInstanceOf(KeyboardInterruptError);
      expect(main!.done()).toBe(false);
      expect(state).toEqual([]);
    } finally {
      await runner.close();
    }
    expect(main!.cancelled()).toBe(true);
    expect(state).toEqual(['finally']);
  });

  // test_signal_install_not_supported_ok: where no handler can be installed, run() still works.
  // Python: asyncio.run() in a threading.Thread -> returns, SIGINT handler left at default ({'r': True}).
  it('run() in a worker thread installs no SIGINT listener and resolves normally', async () => {
    const { Worker } = await import('node:worker_threads');
    const code = `
      const { parentPort } = await import('node:worker_threads');
      const { register } = await import('tsx/esm/api');
      register();
      const tulip = await import(${JSON.stringify(path.join(ROOT, 'src/index.ts'))});
      const r = await tulip.run(async () => { await tulip.sleep(0); return process.listenerCount('SIGINT'); });
      parentPort.postMessage({ r, after: process.listenerCount('SIGINT') });
    `;
    const worker = new Worker(code, { eval: true });
    const out = await new Promise<Record<string, unknown>>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(out).toEqual({ r: 0, after: 0 });
  });
});

// ---- a second Ctrl-C (child process) -----------------------------------------------------------

interface Exit {
  lines: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
}

function runFixture(style: Style): Promise<Exit> {
  const fixture = path.join(ROOT, 'test/conformance/fixtures/signals-second.ts');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, style], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`fixture timed out; printed: ${out}`));
    }, 8000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ lines: out.trim().split('\n'), code, signal });
    });
  });
}

describe('a second Ctrl-C after the main task swallowed the first (child process): review', { timeout: 10_000 }, () => {
  // Python (asyncio.run, SIGINT sent twice from outside, 200 ms apart, or the program interrupting
  // itself): 'caught', 'cleanup', 'KeyboardInterrupt', rc 0 — the second SIGINT raises
  // KeyboardInterrupt out of the loop, Runner.close() cancels the still-pending main task (its
  // finally runs), and asyncio.run() raises KeyboardInterrupt, which the program catches.
  // tulip: the same (the second SIGINT stops the loop; run()'s close() unwinds main).
  for (const style of STYLES) {
    it(`run() rejects with KeyboardInterruptError once close() has unwound the main task (its finally runs), and the program survives (${style})`, async () => {
      const r = await runFixture(style);
      expect(r.lines).toEqual(['caught true', 'cleanup', 'KeyboardInterruptError']);
      expect(r.signal).toBe(null);
      expect(r.code).toBe(0);
    });
  }
});
