// Adversarial review of run()/Runner and of the public Future/Task surface against CPython 3.13
// asyncio (Lib/asyncio/runners.py, futures.py, tasks.py). These are new scenarios, not ports of
// test_runners.py/test_futures.py/test_tasks.py: every expectation was checked with a probe on the
// pure-Python 3.13 asyncio (the probe's output is quoted above each test where it matters).
// Conventions: `ms` everywhere; pass counts come from `sleep(0)` (one loop pass each) or from a
// `callSoon` chain, as the `loop.call_soon` chains of the Python probes.
import { describe, expect, it } from 'vitest';
import {
  CancelledError,
  InvalidStateError,
  Runner,
  RuntimeError,
  allTasks,
  createTask,
  currentTask,
  getRunningLoop,
  run,
  shield,
  sleep,
  type ExceptionContext,
  type Task,
} from 'tulip';
import {
  FOREVER,
  KeyError,
  STYLES,
  ValueError,
  assertCancelled,
  collectGarbage,
  errorOf,
  neverRetrieved,
  newFuture,
  passes,
  recordExceptions,
  styled,
  syncError,
  waiting,
  type Style,
} from './helpers.js';

/** A task body in `style` that sleeps for ever; on cancellation it runs `onCancel` (which may throw or return). */
function sleeper<T>(style: Style, onCancel: (e: CancelledError) => T, thenWait = false) {
  const handle = (e: unknown): T => {
    if (!(e instanceof CancelledError)) throw e;
    return onCancel(e);
  };
  return styled<T | undefined>(
    style,
    function* () {
      try {
        yield* sleep(FOREVER);
      } catch (e) {
        const r = handle(e);
        if (thenWait) yield* sleep(0);
        return r;
      }
      return undefined;
    },
    async () => {
      try {
        await sleep(FOREVER);
      } catch (e) {
        const r = handle(e);
        if (thenWait) await sleep(0);
        return r;
      }
      return undefined;
    },
  );
}

/** A task body in `style` that records that it ran and returns 'ran'. */
function recorder(style: Style, ran: number[]) {
  return styled(
    style,
    // eslint-disable-next-line require-yield
    function* () {
      ran.push(1);
      return 'ran';
    },
    async () => {
      ran.push(1);
      return 'ran';
    },
  );
}

/** The exceptions of the reports in `seen`. */
const exceptionsOf = (seen: ExceptionContext[]): unknown[] => seen.map((c) => c.exception);

// =================================================================================================
// run() and Runner
// =================================================================================================

describe('run(): what happens to the tasks still pending when main returns', () => {
  for (const style of STYLES) {
    // asyncio (probe A1): a leftover that catches the cancel, waits a pass and returns a value ends
    // with that value (not cancelled, cancelling() == 1); one that swallows the cancel and sleeps
    // 1 ms more is waited for; nothing reaches the exception handler:
    //   A1 main [..('ign', 'done')] swallowed late False 1 1 []
    it(`leftovers that swallow the cancel finish with their own result, waited for and unreported (${style})`, async () => {
      const log: string[] = [];
      let a!: Task<unknown>;
      let ign!: Task<string>;
      let seen!: ExceptionContext[];
      const r = await run(async () => {
        seen = recordExceptions();
        a = createTask(sleeper(style, () => 'swallowed', true));
        ign = createTask(
          styled(
            style,
            function* () {
              try {
                yield* sleep(FOREVER);
              } catch {
                log.push('caught');
              }
              yield* sleep(1);
              log.push('done');
              return 'late';
            },
            async () => {
              try {
                await sleep(FOREVER);
              } catch {
                log.push('caught');
              }
              await sleep(1);
              log.push('done');
              return 'late';
            },
          ),
        );
        await sleep(0);
        return 'main';
      });
      expect(r).toBe('main');
      expect(a.result()).toBe('swallowed');
      expect(a.cancelled()).toBe(false);
      expect(a.cancelling()).toBe(1);
      expect(ign.result()).toBe('late');
      expect(ign.cancelling()).toBe(1);
      expect(log).toEqual(['caught', 'done']);
      expect(seen).toEqual([]);
    });

    // asyncio (probe A3): run() raises main's ValueError; the leftover's finally ran, and the
    // KeyError it raised there went to the handler main had set, with the task:
    //   A3 ValueError('main') ['bad finally'] [('unhandled exception during asyncio.run() shutdown', "KeyError('cleanup')", True)]
    it(`main failing with a leftover that fails in its cleanup: run() rejects with main's error, the cleanup error is reported (${style})`, async () => {
      const mainErr = new ValueError('main');
      const cleanupErr = new KeyError('cleanup');
      let seen!: ExceptionContext[];
      let bad!: Task<unknown>;
      const e = await errorOf(() =>
        run(
          styled(
            style,
            function* () {
              seen = recordExceptions();
              bad = createTask(sleeper(style, () => { throw cleanupErr; }));
              yield* sleep(0);
              throw mainErr;
            },
            async () => {
              seen = recordExceptions();
              bad = createTask(sleeper(style, () => { throw cleanupErr; }));
              await sleep(0);
              throw mainErr;
            },
          ),
        ),
      );
      expect(e).toBe(mainErr);
      expect(exceptionsOf(seen)).toEqual([cleanupErr]);
      expect(seen[0]!.task).toBe(bad);
      expect(seen[0]!.message).toMatch(/shutdown/);
    });

    // asyncio (probe A2): `current_task().cancel('self')` and then returning without any await:
    // the task ends cancelled and run() raises CancelledError('self'):
    //   A2 False CancelledError ('self',)
    it(`main that cancels itself and returns without waiting makes run() reject with its CancelledError (${style})`, async () => {
      const e = await errorOf(() =>
        run(
          styled(
            style,
            // eslint-disable-next-line require-yield
            function* () {
              currentTask()!.cancel('self');
              return 'returned';
            },
            async () => {
              currentTask()!.cancel('self');
              return 'returned';
            },
          ),
        ),
      );
      assertCancelled(e, 'self');
    });

    // asyncio (probe A2): when it catches the CancelledError at its next await and returns, run()
    // returns that value; cancelling() is still 1:
    //   A2 True ('caught', ('self',), 1)
    it(`main that cancels itself, catches the CancelledError and returns: run() resolves to the value (${style})`, async () => {
      const r = await run(
        styled(
          style,
          function* () {
            currentTask()!.cancel('self');
            try {
              yield* sleep(0);
            } catch (e) {
              return ['caught', (e as Error).message, currentTask()!.cancelling()];
            }
            return 'not cancelled';
          },
          async () => {
            currentTask()!.cancel('self');
            try {
              await sleep(0);
            } catch (e) {
              return ['caught', (e as Error).message, currentTask()!.cancelling()];
            }
            return 'not cancelled';
          },
        ),
      );
      expect(r).toEqual(['caught', 'self', 1]);
    });

    // asyncio (probe R3): a task awaiting main gets main's CancelledError with its message
    // ('bye'), and run() raises CancelledError:
    //   R3 () [('watcher', ('bye',))]
    // (asyncio's own run() then sees the message-less CancelledError, as the watcher consumed the
    // saved one in _make_cancelled_error; that quirk is not asserted here.)
    it(`a task awaiting main sees main's cancel message when main is cancelled (${style})`, async () => {
      const log: unknown[] = [];
      const e = await errorOf(() =>
        run(async () => {
          const me = currentTask()!;
          createTask(
            styled(
              style,
              function* () {
                try {
                  return yield* me;
                } catch (err) {
                  log.push(['watcher', (err as Error).message]);
                  throw err;
                }
              },
              async () => {
                try {
                  return await me;
                } catch (err) {
                  log.push(['watcher', (err as Error).message]);
                  throw err;
                }
              },
            ),
          );
          await sleep(0);
          me.cancel('bye');
          await sleep(0);
        }),
      );
      assertCancelled(e);
      expect(log).toEqual([['watcher', 'bye']]);
    });
  }

  /** Runs main ending with a callSoon chain (link 2 throws); the links run and the reports. */
  async function chainAfterMain(leftover: boolean): Promise<void> {
    let n = 0;
    let seen!: ExceptionContext[];
    const err = new KeyError('in link 2');
    await run(async () => {
      const loop = getRunningLoop();
      seen = recordExceptions();
      const link = (): void => {
        n++;
        if (n < 50) loop.callSoon(link);
        if (n === 2) throw err;
      };
      if (leftover) {
        createTask(async () => {
          await sleep(FOREVER);
        });
        await sleep(0);
      }
      loop.callSoon(link);
      return 1;
    });
    expect(exceptionsOf(seen)).toEqual([err]);
    expect(n).toBe(leftover ? 8 : 5);
  }

  // asyncio (probe A4): a call_soon chain started in main's last step keeps running during the
  // shutdown's run_until_complete() calls: 5 links with no leftover task (1 pass to stop, then 2
  // each for shutdown_asyncgens and shutdown_default_executor), 8 with one leftover (the cancel
  // round takes 3 passes: the leftover's step, gather's done callback, the stop); an error in
  // link 2 reaches main's handler:
  //   A4 False 5 ["KeyError('in link 2')"]
  //   A4 True 8 ["KeyError('in link 2')"]
  it("a callSoon chain from main's last step runs 5 links before the loop closes (no leftover task)", () =>
    chainAfterMain(false));

  // (tulip ran 7: its cancel round made the gather inside a task of its own, after the leftover
  // had ended; fixed since: the gather is made before the loop runs, as asyncio's.)
  it("a callSoon chain from main's last step runs 8 links before the loop closes (one leftover task)", () =>
    chainAfterMain(true));

  // asyncio (probe A5): a done callback main's last step scheduled (a future finished there) runs
  // after main returned, and its error reaches the handler main set:
  //   A5 [('Exception in callback ', "ValueError('cb')")]
  it('an error in a done callback that runs after main returned reaches the handler main set', async () => {
    let seen!: ExceptionContext[];
    const err = new ValueError('cb');
    await run(() => {
      seen = recordExceptions();
      const f = newFuture<number>();
      f.addDoneCallback(() => {
        throw err;
      });
      f.setResult(1);
      return 1;
    });
    expect(exceptionsOf(seen)).toEqual([err]);
    expect(seen[0]!.message).toMatch(/^Exception in callback/);
  });

  // asyncio (probe R2): a done callback main adds to its own task runs (after the callback that
  // stops the loop, in the same pass), sees the result and no current task, and its error is
  // reported:  R2 5 [('cb', 5, None), "ValueError('after main')"]
  it("a done callback of the main task itself runs, with no current task, and its error is reported", async () => {
    const seen: unknown[] = [];
    const err = new ValueError('after main');
    const r = await run(() => {
      getRunningLoop().setExceptionHandler((_l, c) => seen.push(c.exception));
      currentTask()!.addDoneCallback((t) => {
        seen.push(['cb', t.result(), currentTask()]);
        throw err;
      });
      return 5;
    });
    expect(r).toBe(5);
    expect(seen).toEqual([['cb', 5, undefined], err]);
  });

  for (const style of STYLES) {
    // asyncio (probe A6): main cancelled while awaiting shield(t): run() raises CancelledError,
    // and the shielded t is then cancelled by the shutdown, its finally run:
    //   A6 cancelled ['inner finally'] True
    it(`main cancelled while awaiting shield(t): run() rejects, and the shutdown cancels t (${style})`, async () => {
      const log: string[] = [];
      let t!: Task<unknown>;
      const inner = styled(
        style,
        function* () {
          try {
            yield* sleep(FOREVER);
          } finally {
            log.push('inner finally');
          }
        },
        async () => {
          try {
            await sleep(FOREVER);
          } finally {
            log.push('inner finally');
          }
        },
      );
      const e = await errorOf(() =>
        run(
          styled(
            style,
            function* () {
              t = createTask(inner);
              const me = currentTask()!;
              getRunningLoop().callSoon(() => me.cancel());
              yield* shield(t);
            },
            async () => {
              t = createTask(inner);
              const me = currentTask()!;
              getRunningLoop().callSoon(() => me.cancel());
              await shield(t);
            },
          ),
        ),
      );
      assertCancelled(e);
      expect(log).toEqual(['inner finally']);
      expect(t.cancelled()).toBe(true);
    });

    // asyncio (probe A7): main returns while a task waits on shield(inner): both are leftovers,
    // both cancelled:  A7 ['inner cancelled', 'outer cancelled'] True True
    it(`a task waiting on shield(inner) when main returns: the shutdown cancels both (${style})`, async () => {
      const log: string[] = [];
      let t!: Task<unknown>;
      let o!: Task<unknown>;
      await run(async () => {
        t = createTask(sleeper(style, (e) => { log.push('inner cancelled'); throw e; }));
        o = createTask(
          styled(
            style,
            function* () {
              try {
                yield* shield(t);
              } catch (e) {
                log.push('outer cancelled');
                throw e;
              }
            },
            async () => {
              try {
                await shield(t);
              } catch (e) {
                log.push('outer cancelled');
                throw e;
              }
            },
          ),
        );
        await sleep(0);
      });
      expect(log.sort()).toEqual(['inner cancelled', 'outer cancelled']);
      expect(t.cancelled()).toBe(true);
      expect(o.cancelled()).toBe(true);
    });
  }
});

describe('run(): leftovers made late, and leftovers waiting on each other', () => {
  for (const style of STYLES) {
    // asyncio (probe N10): a task created by a callback main's last step scheduled (so after main
    // returned) is found by the shutdown's cancel round before its first step: its body never
    // runs:  N10 main sees [True]   N10 [] True
    it(`a task created by a callback after main returned is cancelled before its first step (${style})`, async () => {
      const ran: number[] = [];
      let t!: Task<unknown>;
      let seenByMain!: boolean[];
      await run(() => {
        const me = currentTask();
        seenByMain = [...allTasks()].map((x) => x === me);
        getRunningLoop().callSoon(() => {
          t = createTask(recorder(style, ran));
        });
        return 1;
      });
      expect(seenByMain).toEqual([true]);
      expect(ran).toEqual([]);
      expect(t.cancelled()).toBe(true);
    });

    // asyncio (probe N1): a task created in main's very last step gets its first step before the
    // loop stops (its step was queued before main's done callback), so a body with no wait runs to
    // the end and is not cancelled:  N1 m [1] False
    it(`a task created in main's last step runs its body to the end before the shutdown (${style})`, async () => {
      const ran: number[] = [];
      let t!: Task<unknown>;
      expect(
        await run(() => {
          t = createTask(recorder(style, ran));
          return 'm';
        }),
      ).toBe('m');
      expect(ran).toEqual([1]);
      expect(t.cancelled()).toBe(false);
      expect(t.result()).toBe('ran');
    });

    // asyncio (probe N2): leftover L1's finally awaits leftover L2, which the shutdown cancelled
    // too: L1 sees L2's CancelledError, both end cancelled, nothing is reported:
    //   N2 ['L1 finally', 'L1 saw L2 cancelled', 'L2 finally'] [] True True
    it(`a leftover whose finally awaits another cancelled leftover ends cancelled, unreported (${style})`, async () => {
      const log: string[] = [];
      let seen!: ExceptionContext[];
      let l1!: Task<unknown>;
      let l2!: Task<unknown>;
      const sawL2 = (e: unknown): never => {
        if (e instanceof CancelledError) log.push('L1 saw L2 cancelled');
        throw e;
      };
      await run(async () => {
        seen = recordExceptions();
        l2 = createTask(sleeper(style, (e) => { log.push('L2 finally'); throw e; }));
        l1 = createTask(
          styled(
            style,
            function* () {
              try {
                yield* sleep(FOREVER);
              } finally {
                log.push('L1 finally');
                try {
                  yield* l2;
                } catch (e) {
                  sawL2(e);
                }
              }
            },
            async () => {
              try {
                await sleep(FOREVER);
              } finally {
                log.push('L1 finally');
                try {
                  await l2;
                } catch (e) {
                  sawL2(e);
                }
              }
            },
          ),
        );
        await sleep(0);
      });
      expect(log.sort()).toEqual(['L1 finally', 'L1 saw L2 cancelled', 'L2 finally']);
      expect(seen).toEqual([]);
      expect([l1.cancelled(), l2.cancelled()]).toEqual([true, true]);
    });

    // asyncio (probe N2b): when L2 swallows the cancel (a pass later) and returns 'v', L1's
    // finally gets 'v', and L1 still ends cancelled (its finally re-raises the cancel):
    //   N2b [('L1 got', 'v')] True
    it(`a leftover whose finally awaits a leftover that swallows the cancel gets its value and still ends cancelled (${style})`, async () => {
      const log: unknown[] = [];
      let l1!: Task<unknown>;
      await run(async () => {
        const l2 = createTask(sleeper(style, () => 'v', true));
        l1 = createTask(
          styled(
            style,
            function* () {
              try {
                yield* sleep(FOREVER);
              } finally {
                log.push(['L1 got', yield* l2]);
              }
            },
            async () => {
              try {
                await sleep(FOREVER);
              } finally {
                log.push(['L1 got', await l2]);
              }
            },
          ),
        );
        await sleep(0);
      });
      expect(log).toEqual([['L1 got', 'v']]);
      expect(l1.cancelled()).toBe(true);
    });
  }
});

describe('run(): what a leftover sees while the shutdown cancels it', () => {
  for (const style of STYLES) {
    // asyncio (probe N8): in its finally, a leftover is the current task, allTasks() holds only
    // it (main is done; the shutdown's gather is no task), also a pass later; cancelling() is 1:
    //   N8 [('L', ['L'], 1), ['L']]
    // (tulip also listed the task its shutdown ran the gather in; fixed since.)
    it(`in its finally a leftover is the current task and the only one in allTasks() (${style})`, async () => {
      const log: unknown[] = [];
      const look = (): void => {
        const me = currentTask()!;
        log.push([me.getName(), [...allTasks()].map((t) => t.getName()), me.cancelling()]);
      };
      const names = (): void => void log.push([...allTasks()].map((t) => t.getName()));
      await run(async () => {
        createTask(
          styled(
            style,
            function* () {
              try {
                yield* sleep(FOREVER);
              } finally {
                look();
                yield* sleep(0);
                names();
              }
            },
            async () => {
              try {
                await sleep(FOREVER);
              } finally {
                look();
                await sleep(0);
                names();
              }
            },
          ),
          { name: 'L' },
        );
        await sleep(0);
      });
      expect(log).toEqual([['L', ['L'], 1], ['L']]);
    });
  }
});

describe('run(): a leftover that cancels every other task in its cleanup', () => {
  for (const style of STYLES) {
    // asyncio (probe N9): the common "cancel everything else" loop in a leftover's finally finds
    // no other task during the shutdown; its cleanup finishes and run() returns main's result:
    //   N9 main result ['cleanup done']
    // (tulip's loop found the shutdown's own gather task and cancelled it, so run() rejected with
    // CancelledError although main succeeded, the cleanup cut short; fixed since.)
    it(`a leftover cancelling all other tasks in its finally does not break the shutdown (${style})`, async () => {
      const log: string[] = [];
      const cancelOthers = (): void => {
        const me = currentTask()!;
        for (const t of allTasks()) if (t !== me) t.cancel();
      };
      const r = await run(async () => {
        createTask(
          styled(
            style,
            function* () {
              try {
                yield* sleep(FOREVER);
              } finally {
                cancelOthers();
                yield* sleep(0);
                log.push('cleanup done');
              }
            },
            async () => {
              try {
                await sleep(FOREVER);
              } finally {
                cancelOthers();
                await sleep(0);
                log.push('cleanup done');
              }
            },
          ),
          { name: 'L' },
        );
        await sleep(0);
        return 'main result';
      });
      expect(r).toBe('main result');
      expect(log).toEqual(['cleanup done']);
    });
  }
});

describe('Runner: runs, leftovers and close()', () => {
  // asyncio (probe R1): the handler set in run 1's main is still the loop's at close(), and gets
  // the error a task left from run 1 raises when close() cancels it; run 2's main sees that task
  // in all_tasks():
  //   R1 runs 1 ['L', 'Task-2']   before close []   after close [('unhandled exception during asyncio.run() shutdown', "KeyError('late')")]
  for (const style of STYLES) {
    it(`close() reports a leftover's cleanup error to the handler an earlier run's main set (${style})`, async () => {
      const runner = new Runner();
      const seen: unknown[] = [];
      const err = new KeyError('late');
      try {
        await runner.run(async () => {
          getRunningLoop().setExceptionHandler((_l, c) => seen.push([c.message, c.exception]));
          createTask(sleeper(style, () => { throw err; }), { name: 'L' });
          await sleep(0);
          return 1;
        });
        const names = await runner.run(() => [...allTasks()].map((t) => t.getName()).sort());
        expect(names).toHaveLength(2);
        expect(names).toContain('L');
        expect(seen).toEqual([]);
      } finally {
        await runner.close();
      }
      expect(seen).toHaveLength(1);
      expect((seen[0] as unknown[])[1]).toBe(err);
      expect((seen[0] as unknown[])[0]).toMatch(/shutdown/);
    });
  }
});

// =================================================================================================
// Future
// =================================================================================================

describe('Future: done callbacks', () => {
  // asyncio (probe F1): callbacks a, c registered before set_result; call_soon(x) after it; b
  // added once done; a adds d to the (done) future and call_soon(y):
  //   F1 ['a', 'c', 'x', 'b', 'd', 'y']
  it('a callback added by a running callback of a done future runs after everything already scheduled', () =>
    run(async () => {
      const loop = getRunningLoop();
      const log: string[] = [];
      const f = newFuture<number>();
      f.addDoneCallback((fut) => {
        log.push('a');
        fut.addDoneCallback(() => log.push('d'));
        loop.callSoon(() => log.push('y'));
      });
      f.addDoneCallback(() => log.push('c'));
      f.setResult(1);
      loop.callSoon(() => log.push('x'));
      f.addDoneCallback(() => log.push('b'));
      await passes(3);
      expect(log).toEqual(['a', 'c', 'x', 'b', 'd', 'y']);
    }));

  // asyncio (probe F2): removing a callback registered twice around another removes both
  // registrations (2), a second removal finds none (0), and only the other one runs:
  //   F2 removed 2 0   F2 ['other']
  it('removeDoneCallback() of a callback added twice around another removes both and keeps the other', () =>
    run(async () => {
      const log: string[] = [];
      const f = newFuture<number>();
      const cb = (): void => void log.push('cb');
      f.addDoneCallback(cb);
      f.addDoneCallback(() => log.push('other'));
      f.addDoneCallback(cb);
      expect([f.removeDoneCallback(cb), f.removeDoneCallback(cb)]).toEqual([2, 0]);
      f.setResult(1);
      await passes(1);
      expect(log).toEqual(['other']);
    }));

  // asyncio (probe F4): a done callback of f1 cancels f2 (True); f2's callbacks then run one pass
  // later (after a callback queued two-deep before), and f2's result() and exception() both raise
  // CancelledError('from f1'):
  //   F4 [('f2.cancel', True), 'two passes after', ('f2 cb', True)]   F4 result ('from f1',)   F4 exception ('from f1',)
  it("cancel() inside another future's done callback: the cancelled future's callbacks run a pass later", () =>
    run(async () => {
      const loop = getRunningLoop();
      const log: unknown[] = [];
      const f1 = newFuture<number>();
      const f2 = newFuture<number>();
      f1.addDoneCallback(() => log.push(['f2.cancel', f2.cancel('from f1')]));
      f2.addDoneCallback((fut) => log.push(['f2 cb', fut.cancelled()]));
      loop.callSoon(() => loop.callSoon(() => log.push('two passes after')));
      f1.setResult(1);
      await passes(3);
      expect(log).toEqual([['f2.cancel', true], 'two passes after', ['f2 cb', true]]);
      assertCancelled(syncError(() => f2.result()), 'from f1');
      assertCancelled(syncError(() => f2.exception()), 'from f1');
    }));

  // asyncio (probe F6): set_result() inside a done callback of the same future raises
  // InvalidStateError, which goes to the exception handler; the next callback still runs and the
  // first result stands:
  //   F6 [('Exception in callback', 'InvalidStateError')] [('next cb', 1)] 1
  it('setResult() in a done callback of the same future is reported as InvalidStateError; the result stands', () =>
    run(async () => {
      const seen = recordExceptions();
      const log: unknown[] = [];
      const f = newFuture<number>();
      f.addDoneCallback((fut) => fut.setResult(2));
      f.addDoneCallback((fut) => log.push(['next cb', fut.result()]));
      f.setResult(1);
      await passes(1);
      expect(seen).toHaveLength(1);
      expect(seen[0]!.message).toMatch(/^Exception in callback/);
      expect(seen[0]!.exception).toBeInstanceOf(InvalidStateError);
      expect(log).toEqual([['next cb', 1]]);
      expect(f.result()).toBe(1);
    }));

  // asyncio (probe F7): a failed future with only a done callback that does not read the error is
  // still reported when collected ("Future exception was never retrieved"); one whose callback
  // reads exception() is not.
  it('a done callback that ignores a failed future leaves it reported at collection; one that reads it does not', () =>
    run(async () => {
      const seen = recordExceptions();
      const ignored = new ValueError('done callback only');
      const read = new ValueError('read in callback');
      (() => {
        const f = newFuture<number>();
        f.addDoneCallback(() => undefined);
        f.setException(ignored);
        const g = newFuture<number>();
        g.addDoneCallback((fut) => fut.exception());
        g.setException(read);
      })();
      await passes(1);
      await collectGarbage();
      expect(neverRetrieved(seen).map((c) => c.exception)).toEqual([ignored]);
    }));
});

describe('Future: cancel messages', () => {
  // asyncio (probe F5): Future.cancel('first') → True, cancel('second') → False, result() raises
  // CancelledError('first'):  F5 True False   F5 msg ('first',)
  it("cancel('first') then cancel('second'): the second returns false and the first message stays", () =>
    run(() => {
      const f = newFuture<number>();
      expect([f.cancel('first'), f.cancel('second')]).toEqual([true, false]);
      assertCancelled(syncError(() => f.result()), 'first');
      assertCancelled(syncError(() => f.exception()), 'first');
    }));
});

describe('Future: awaited by several tasks', () => {
  for (const style of STYLES) {
    // asyncio (probe F8): cancelling one of two tasks awaiting a future cancels the future itself,
    // so the other task is cancelled too, with the same message:
    //   F8 [('A', 'cancelled', ('A only',)), ('B', 'cancelled', ('A only',))] True True True
    it(`cancelling one of two tasks awaiting a future cancels the future, and the other task with it (${style})`, () =>
      run(async () => {
        const log: unknown[] = [];
        const fut = newFuture<number>();
        const w = (name: string) =>
          styled(
            style,
            function* () {
              try {
                return yield* fut;
              } catch (e) {
                log.push([name, (e as Error).message]);
                throw e;
              }
            },
            async () => {
              try {
                return await fut;
              } catch (e) {
                log.push([name, (e as Error).message]);
                throw e;
              }
            },
          );
        const a = createTask(w('A'));
        const b = createTask(w('B'));
        await passes(1);
        a.cancel('A only');
        await passes(1);
        expect(log).toEqual([['A', 'A only'], ['B', 'A only']]);
        expect([fut.cancelled(), a.cancelled(), b.cancelled()]).toEqual([true, true, true]);
        assertCancelled(await errorOf(() => b), 'A only');
      }));

    // asyncio (probe F9): the future's callbacks are [task A, plain b, task C]; A resumes first
    // and, before b runs, removes b (0: already scheduled) and cancels C (True): b still runs, and
    // C, though its future has a result, gets CancelledError('by A') at its await:
    //   F9 [('A resumed', 'v'), ('A removes b', 0), ('A cancels C', True), 'b', ('C cancelled', ('by A',))] True
    it(`a waiter resumed first cancels a later waiter of the same future: that one is cancelled despite the result (${style})`, () =>
      run(async () => {
        const log: unknown[] = [];
        const fut = newFuture<string>();
        const b = (): void => void log.push('b');
        let c!: Task<void>;
        const afterA = (v: string): void => {
          log.push(['A resumed', v]);
          log.push(['A removes b', fut.removeDoneCallback(b)]);
          log.push(['A cancels C', c.cancel('by A')]);
        };
        const onC = (e: unknown): never => {
          log.push(['C cancelled', (e as Error).message]);
          throw e;
        };
        createTask(styled(style, function* () { afterA(yield* fut); }, async () => { afterA(await fut); }));
        await passes(1);
        fut.addDoneCallback(b);
        c = createTask(
          styled(
            style,
            function* () {
              try {
                log.push(['C resumed', yield* fut]);
              } catch (e) {
                onC(e);
              }
            },
            async () => {
              try {
                log.push(['C resumed', await fut]);
              } catch (e) {
                onC(e);
              }
            },
          ),
        );
        await passes(1);
        fut.setResult('v');
        await passes(2);
        expect(log).toEqual([['A resumed', 'v'], ['A removes b', 0], ['A cancels C', true], 'b', ['C cancelled', 'by A']]);
        expect(c.cancelled()).toBe(true);
      }));

    // asyncio (probe F10): waiters [task A, plain b, task C] resume in that order; a call_soon
    // made by A runs after all three:  F10 ['A', 'b', 'C', 'A soon']
    it(`a task, a plain callback and a task waiting on one future run in registration order (${style})`, () =>
      run(async () => {
        const loop = getRunningLoop();
        const log: string[] = [];
        const fut = newFuture<number>();
        const afterA = (): void => {
          log.push('A');
          loop.callSoon(() => log.push('A soon'));
        };
        createTask(styled(style, function* () { yield* fut; afterA(); }, async () => { await fut; afterA(); }));
        await passes(1);
        fut.addDoneCallback(() => log.push('b'));
        createTask(styled(style, function* () { yield* fut; log.push('C'); }, async () => { await fut; log.push('C'); }));
        await passes(1);
        fut.setResult(1);
        await passes(2);
        expect(log).toEqual(['A', 'b', 'C', 'A soon']);
      }));
  }
});

describe('Future: then/catch/finally from async code', () => {
  // No asyncio counterpart for the promise methods; what they must do follows from asyncio's
  // `await fut` (Future.__await__): the awaiting task waits on the future, so cancelling the task
  // cancels the future, and the CancelledError carries the message.
  /** An async task awaiting `fut.then(+1).then(*2)`, optionally after a first `await sleep(0)`. */
  async function cancelThroughThen(afterFirstAwait: boolean): Promise<void> {
    await run(async () => {
      const fut = newFuture<number>();
      const log: unknown[] = [];
      const t = createTask(async () => {
        if (afterFirstAwait) await sleep(0);
        try {
          return await fut.then((v) => v + 1).then((v) => v * 2);
        } catch (e) {
          log.push((e as Error).message);
          throw e;
        }
      });
      try {
        await passes(2);
        t.cancel('stop');
        await passes(3);
        expect(fut.cancelled()).toBe(true);
        expect(t.cancelled()).toBe(true);
        assertCancelled(await errorOf(() => t), 'stop');
        expect(log).toEqual(['stop']);
      } finally {
        if (!fut.done()) fut.cancel(); // lets a task that missed the cancel end
      }
    });
  }

  it('a task awaiting fut.then(...) chains after a first await is cancelled through the future', () =>
    cancelThroughThen(true));

  // The same chain made in the task's first synchronous segment (before any await) did not make
  // `fut` the task's waiter: the cancel stayed pending ("<Task cancelling>", the future still
  // pending) until the future is settled by someone else, where `await fut` there, or the same
  // chain after an await, cancels the future at once (asyncio's `await fut` always does).
  // (Fixed since: a then() in the body's synchronous part is the task's wait once the body is async.)
  it('a task awaiting fut.then(...) chains made before its first await is cancelled through the future too', () =>
    cancelThroughThen(false));

  it('fut.then(...).then(...) resolves with the chained value once the future is set, and finally() passes it through', () =>
    run(async () => {
      const fut = newFuture<number>();
      const log: string[] = [];
      const chain = fut.then((v) => v + 1).then((v) => v * 2);
      const fin = fut.finally(() => log.push('finally'));
      getRunningLoop().callSoon(() => fut.setResult(20));
      expect(await chain).toBe(42);
      expect(await fin).toBe(20);
      expect(log).toEqual(['finally']);
    }));

  it('catch() of a cancelled future gets the CancelledError with its message; finally() rejects with it', () =>
    run(async () => {
      const fut = newFuture<number>();
      const caught = fut.catch((e) => e);
      const fin = fut.finally(() => undefined);
      fut.cancel('gone');
      assertCancelled(await caught, 'gone');
      assertCancelled(await errorOf(() => fin), 'gone');
    }));
});

// =================================================================================================
// Task
// =================================================================================================

describe('Task: cancel requests before the first step', () => {
  for (const style of STYLES) {
    // asyncio (probe T1): the body never runs; cancel() True, cancelling() 1, the message kept:
    //   T1 cancel True 1   T1 ('early',) [] True 1
    it(`cancel(msg) before the first step: the body never runs, await rejects with msg (${style})`, () =>
      run(async () => {
        const ran: number[] = [];
        const t = createTask(recorder(style, ran));
        expect(t.cancel('early')).toBe(true);
        expect(t.cancelling()).toBe(1);
        assertCancelled(await errorOf(() => t), 'early');
        expect(ran).toEqual([]);
        expect([t.cancelled(), t.cancelling()]).toEqual([true, 1]);
      }));

    // asyncio (probe T2): uncancel() back to 0 before the first step withdraws the request
    // (3.13's uncancel clears _must_cancel at 0): the body runs and the task finishes normally:
    //   T2 uncancel -> 0   T2 [1] True False 0
    it(`cancel() then uncancel() before the first step: the body runs and the task is not cancelled (${style})`, () =>
      run(async () => {
        const ran: number[] = [];
        const t = createTask(recorder(style, ran));
        t.cancel('x');
        expect(t.uncancel()).toBe(0);
        expect(await t).toBe('ran');
        expect(ran).toEqual([1]);
        expect([t.cancelled(), t.cancelling()]).toEqual([false, 0]);
      }));

    // asyncio (probe T2b): two cancels and one uncancel: still cancelled, with the last message:
    //   T2b uncancel -> 1   T2b [] True True 1   T2b msg ('y',)
    it(`two cancels and one uncancel() before the first step: still cancelled, with the last message (${style})`, () =>
      run(async () => {
        const ran: number[] = [];
        const t = createTask(recorder(style, ran));
        t.cancel('x');
        t.cancel('y');
        expect(t.uncancel()).toBe(1);
        assertCancelled(await errorOf(() => t), 'y');
        expect(ran).toEqual([]);
        expect(t.cancelling()).toBe(1);
      }));
  }
});

describe('Task: several cancel requests', () => {
  for (const style of STYLES) {
    // asyncio (probe T3): three cancels while waiting all return True and count 3; the first
    // message reaches the body (it cancelled the waiter), which catches it and returns; afterwards
    // cancel() is False and the count stays 3:
    //   T3 cancels True True True 3   T3 ('caught', ('a',), 3) 3 False 3
    it(`three cancels while waiting count 3, the first message is delivered; a body that catches it returns normally (${style})`, () =>
      run(async () => {
        const t = createTask(sleeper(style, (e) => ['caught', e.message, currentTask()!.cancelling()]));
        await passes(1);
        expect([t.cancel('a'), t.cancel('b'), t.cancel('c'), t.cancelling()]).toEqual([true, true, true, 3]);
        expect(await t).toEqual(['caught', 'a', 3]);
        expect(t.cancelled()).toBe(false);
        expect([t.cancel('late'), t.cancelling()]).toEqual([false, 3]);
      }));
  }
});

describe('Task: cancelling a task that waits on another task', () => {
  for (const style of STYLES) {
    // asyncio (probe T4): the cancel goes to the inner task; when the inner catches it and returns
    // a value, the outer gets that value and goes on (not cancelled; both cancelling() 1):
    //   T4 [('inner', ('stop',)), ('outer got', 'inner value')] ('outer done', 1) False 1 1
    it(`an inner task that swallows the cancel and returns: the outer gets its value and is not cancelled (${style})`, () =>
      run(async () => {
        const log: unknown[] = [];
        const inner = createTask(sleeper(style, (e) => { log.push(['inner', e.message]); return 'inner value'; }));
        const got = (r: unknown): void => void log.push(['outer got', r]);
        const outer = createTask(
          styled(
            style,
            function* () {
              got(yield* inner);
              yield* sleep(0);
              return ['outer done', currentTask()!.cancelling()];
            },
            async () => {
              got(await inner);
              await sleep(0);
              return ['outer done', currentTask()!.cancelling()];
            },
          ),
        );
        await passes(1);
        outer.cancel('stop');
        expect(await outer).toEqual(['outer done', 1]);
        expect(log).toEqual([['inner', 'stop'], ['outer got', 'inner value']]);
        expect([outer.cancelled(), inner.cancelling(), outer.cancelling()]).toEqual([false, 1, 1]);
      }));

    // asyncio (probe T4b): when the inner lets the cancel through, both end cancelled and the
    // outer's CancelledError has the message:  T4b ('stop2',) True 1 1
    it(`an inner task that lets the cancel through: both end cancelled, the message reaches the outer's awaiter (${style})`, () =>
      run(async () => {
        const inner = createTask(sleeper(style, (e) => { throw e; }));
        const outer = createTask(waiting(style, () => inner));
        await passes(1);
        outer.cancel('stop2');
        assertCancelled(await errorOf(() => outer), 'stop2');
        expect([inner.cancelled(), inner.cancelling(), outer.cancelling()]).toEqual([true, 1, 1]);
      }));
  }
});

describe('Task: names, current task, allTasks()', () => {
  for (const style of STYLES) {
    // asyncio (probe T5): `await current_task()` raises RuntimeError('Task cannot await on
    // itself: …') at the await, and the task can catch it.
    it(`a task awaiting itself gets RuntimeError at that await, and can go on (${style})`, () =>
      run(async () => {
        const onErr = (e: unknown): string => {
          expect(e).toBeInstanceOf(RuntimeError);
          return (e as Error).message;
        };
        const t = createTask(
          styled(
            style,
            function* () {
              try {
                yield* currentTask()!;
              } catch (e) {
                return onErr(e);
              }
              return 'no error';
            },
            async () => {
              try {
                await currentTask()!;
              } catch (e) {
                return onErr(e);
              }
              return 'no error';
            },
          ),
        );
        expect(await t).toMatch(/Task cannot await on itself/);
      }));
  }

  // asyncio (probe T6): set_name(42) stores str(42):  T6 '42'
  it('setName() of a non-string stores its string form', () =>
    run(async () => {
      const t = createTask(async () => undefined, { name: 'n1' });
      expect(t.getName()).toBe('n1');
      t.setName(42 as unknown as string);
      expect(t.getName()).toBe('42');
      await t;
    }));

  // asyncio (probe T7): current_task() is None in a plain call_soon callback, in one scheduled from
  // inside a task, and in a done callback of a future the task finished:
  //   T7 [('soon', None), ('soon from task', None), ('done cb', None)]
  for (const style of STYLES) {
    it(`currentTask() is undefined in callbacks, even ones scheduled from inside a task (${style})`, () =>
      run(async () => {
        const loop = getRunningLoop();
        const cur: unknown[] = [];
        loop.callSoon(() => cur.push(['soon', currentTask()]));
        const f = newFuture<number>();
        f.addDoneCallback(() => cur.push(['done cb', currentTask()]));
        const setter = (): void => {
          loop.callSoon(() => cur.push(['soon from task', currentTask()]));
          f.setResult(1);
        };
        // eslint-disable-next-line require-yield
        await createTask(styled(style, function* () { setter(); }, async () => { setter(); }));
        await passes(1);
        expect(cur).toEqual([['soon', undefined], ['soon from task', undefined], ['done cb', undefined]]);
      }));
  }

  // asyncio (probe T8): a task is in all_tasks() until done (the main task too); finished, failed
  // and cancelled tasks are gone, leaving only main:
  //   T8 before True True   T8 after False   T8 failed/cancelled False False 1
  for (const style of STYLES) {
    it(`allTasks() drops finished, failed and cancelled tasks, keeping only main (${style})`, () =>
      run(async () => {
        const ran: number[] = [];
        const q = createTask(recorder(style, ran));
        expect([allTasks().has(q), allTasks().has(currentTask()!)]).toEqual([true, true]);
        await q;
        expect(allTasks().has(q)).toBe(false);
        const fl = createTask(styled(style, function* () { throw new ValueError('x'); }, async () => { throw new ValueError('x'); }));
        fl.addDoneCallback((t) => t.exception());
        const c = createTask(sleeper(style, (e) => { throw e; }));
        await passes(1);
        c.cancel();
        await passes(1);
        expect([allTasks().has(fl), allTasks().has(c)]).toEqual([false, false]);
        expect(allTasks().size).toBe(1);
        expect(allTasks().has(currentTask()!)).toBe(true);
      }));
  }
});

describe('Task: cancels that meet a finished wait', () => {
  for (const style of STYLES) {
    // asyncio (probe N3): a task that cancels itself and then awaits a done future gets the result
    // (awaiting a done future does not suspend); the CancelledError comes at the next real wait:
    //   N3 [('got', 'r'), ('cancelled at sleep', ('later',))]
    it(`a self-cancel is not delivered by awaiting a done future, only at the next real wait (${style})`, () =>
      run(async () => {
        const log: unknown[] = [];
        const done = newFuture<string>();
        done.setResult('r');
        const atSleep = (e: unknown): never => {
          log.push(['cancelled at sleep', (e as Error).message]);
          throw e;
        };
        const t = createTask(
          styled(
            style,
            function* () {
              currentTask()!.cancel('later');
              log.push(['got', yield* done]);
              try {
                yield* sleep(0);
              } catch (e) {
                atSleep(e);
              }
            },
            async () => {
              currentTask()!.cancel('later');
              log.push(['got', await done]);
              try {
                await sleep(0);
              } catch (e) {
                atSleep(e);
              }
            },
          ),
        );
        assertCancelled(await errorOf(() => t), 'later');
        expect(log).toEqual([['got', 'r'], ['cancelled at sleep', 'later']]);
      }));

    // asyncio (probe N7): cancel() after the awaited future got its result but before the task
    // resumed returns True, and the task gets CancelledError at that await (the result is lost):
    //   N7 cancel True 1   N7 [('cancelled', ('after result',))] True
    it(`cancel() between the awaited future's result and the task's resumption wins over the result (${style})`, () =>
      run(async () => {
        const log: unknown[] = [];
        const fut = newFuture<number>();
        const t = createTask(
          styled(
            style,
            function* () {
              try {
                log.push(['got', yield* fut]);
              } catch (e) {
                log.push(['cancelled', (e as Error).message]);
                throw e;
              }
            },
            async () => {
              try {
                log.push(['got', await fut]);
              } catch (e) {
                log.push(['cancelled', (e as Error).message]);
                throw e;
              }
            },
          ),
        );
        await passes(1);
        fut.setResult(1);
        expect([t.cancel('after result'), t.cancelling()]).toEqual([true, 1]);
        await passes(1);
        expect(log).toEqual([['cancelled', 'after result']]);
        expect(t.cancelled()).toBe(true);
      }));

    // asyncio (probe N4): two tasks each awaiting shield(fut): cancelling one cancels only its
    // shield's outer future; fut stays pending and the other task gets the result later:
    //   N4 mid [('A', 'cancelled')] False False   N4 [('A', 'cancelled'), ('B', 7)] True None
    it(`two tasks awaiting shield(fut): cancelling one leaves fut and the other waiting (${style})`, () =>
      run(async () => {
        const log: unknown[] = [];
        const fut = newFuture<number>();
        const w = (name: string) => {
          const onErr = (e: unknown): never => {
            log.push([name, 'cancelled']);
            throw e;
          };
          return styled(
            style,
            function* () {
              try {
                log.push([name, yield* shield(fut)]);
              } catch (e) {
                onErr(e);
              }
            },
            async () => {
              try {
                log.push([name, await shield(fut)]);
              } catch (e) {
                onErr(e);
              }
            },
          );
        };
        const a = createTask(w('A'));
        const b = createTask(w('B'));
        await passes(1);
        a.cancel();
        await passes(1);
        expect(log).toEqual([['A', 'cancelled']]);
        expect([fut.cancelled(), b.done()]).toEqual([false, false]);
        fut.setResult(7);
        await passes(2);
        expect(log).toEqual([['A', 'cancelled'], ['B', 7]]);
        expect(a.cancelled()).toBe(true);
        expect(b.result()).toBe(undefined);
      }));
  }

  // asyncio (probe N5): a task made from a generator object (a coroutine object) and cancelled
  // before its first step: the body never starts, so its finally never runs:  N5 [] True
  it('a task made from a generator object and cancelled before its first step never runs its finally', () =>
    run(async () => {
      const log: string[] = [];
      function* body() {
        try {
          log.push('started');
          yield* sleep(0);
        } finally {
          log.push('finally');
        }
      }
      const t = createTask(body());
      t.cancel();
      await passes(1);
      expect(log).toEqual([]);
      expect(t.cancelled()).toBe(true);
    }));
});
