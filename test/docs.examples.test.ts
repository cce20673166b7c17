// The README's TypeScript examples, run. Each `describe` names the README line its example starts
// at; the example's code is copied as written, with only the scaffolding it assumes (`fetch`,
// `listen`, `read`, `download`, `handle`, `log`… as local stubs; a MockClock where it sleeps, so
// each runs in virtual time), and the test asserts what the example's comments promise. Where the
// README's example is wrong as written, the test runs the corrected text and a second test pins
// down why the original fails (see the comments there).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import {
  CancelScope,
  CancelledError,
  CapacityLimiter,
  ClosedResourceError,
  Event,
  Lock,
  Queue,
  Semaphore,
  TaskGroup,
  TimeoutError,
  createTask,
  currentTask,
  eagerTaskFactory,
  failAfter,
  formatCallGraph,
  captureCallGraph,
  gather,
  getRunningLoop,
  moveOnAfter,
  openMemoryChannel,
  printCallGraph,
  run,
  sleep,
  staggeredRace,
  timeout,
} from 'tulip';
import { MockClock, Sequencer, assertCheckpoints, assertNoCheckpoints, runBriefly, waitAllTasksBlocked } from 'tulip/testing';
import { STYLES, collectGarbage, recordExceptions, styled } from './support.js';

const virtual = () => ({ clock: new MockClock({ autojumpThreshold: 0 }) });
const README = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');

describe('README.md: the examples this file runs are still the README\'s', () => {
  // One line of each example, so that an edit of the README's code shows up here and the copy
  // below gets updated with it.
  const anchors = [
    "console.log(await gather([a, b]));                      // ['a', 200]",
    'const port = await tg.start<number>(async (status) => {',
    'const page = await moveOnAfter(500, async () => fetchPage());   // undefined when too slow',
    'await lock.run(async () => { balance = await read(); await write(balance + 1); }); // released on throw/cancel',
    "log(requestId.getStore());                       // 'req-7'",
    "console.log(e instanceof TimeoutError, loop.time() - t0); // true 90000000 — exact",
    "await runBriefly(2);                    // the wake-up pass, then t's step: got === 1",
    "tg.createTask(async () => { const turn = await seq.step(1); log.push('b'); turn.end(); });",
    'await assertNoCheckpoints(async () => { await freeLock.acquire(); });  // taken at once',
    "createTask(async () => await gather(users), { name: 'loader' });",
    'timeout(5_000).run(async () => { /* never runs: the await is missing */ });',
    "setInterval(() => metrics.gauge('loop.lag.p99', loop.lagStats().p99), 10_000).unref();",
  ];
  it.each(anchors)('the README still contains %s', (line) => {
    expect(README).toContain(line);
  });
});

// ---- A tour (README.md:43) ------------------------------------------------------------------------

describe('README.md:43 — a tour', () => {
  it('the async-function half prints [\'a\', 200], then "too slow", in virtual time', async () => {
    const url = 'http://example.test/';
    const signals: AbortSignal[] = [];
    const fetch = async (_url: string, init: { signal: AbortSignal }) => {
      signals.push(init.signal);
      return { status: 200 };
    };
    const printed: unknown[] = [];
    const console = { log: (x: unknown) => printed.push(x) };
    const times: number[] = [];

    await run(async () => {
      const a = createTask(async () => { await sleep(100); return 'a'; });
      const b = createTask(async () => (await fetch(url, { signal: currentTask()!.signal })).status);
      console.log(await gather([a, b]));                      // ['a', 200]
      times.push(getRunningLoop().time());

      await new TaskGroup().run(async (tg) => {                // structured: waits for its children,
        tg.createTask(async () => { await sleep(50); });       // cancels them all on the first error
        tg.createTask(async () => { await sleep(80); });
      });
      times.push(getRunningLoop().time());

      try { await timeout(100).run(async () => { await sleep(1000); }); }
      catch (e) { if (e instanceof TimeoutError) console.log('too slow'); }
      times.push(getRunningLoop().time());
    }, virtual());

    expect(printed).toEqual([['a', 200], 'too slow']);
    expect(signals).toHaveLength(1);
    expect(signals[0]).toBeInstanceOf(AbortSignal);
    // gather waits for the slower child, the group for its slower child, timeout() gives up at 100 ms.
    expect(times).toEqual([100, 180, 280]);
  });

  it('the generator half returns 42', async () => {
    const x = await run(function* () {
      const t = createTask(function* () { yield* sleep(100); return 42; });
      const [x] = yield* gather([t]);
      yield* timeout(500).run(function* () { yield* sleep(10); });
      return x;
    }, virtual());
    expect(x).toBe(42);
  });
});

// ---- TaskGroup.start (README.md:79) ---------------------------------------------------------------

describe('README.md:79 — tg.start() returns the port while the server runs on in the group', () => {
  it('start() returns with the value given to status.started(), and the group then waits for the server', async () => {
    const events: [string, number][] = [];
    const now = () => getRunningLoop().time();
    const listen = async (_port: number) => {
      await sleep(5);
      return {
        port: 4321,
        // A server that serves 1 s of virtual time (a real one would serve until cancelled).
        serveForever: async () => { await sleep(1000); events.push(['server ended', now()]); },
      };
    };
    const fetch = async (url: string) => { events.push([url, now()]); };

    await run(async () => {
      await new TaskGroup().run(async (tg) => {
        const port = await tg.start<number>(async (status) => {
          const server = await listen(0);
          status.started(server.port);   // start() returns here, with the port…
          await server.serveForever();   // …and the server runs on in the group
        });
        await fetch(`http://127.0.0.1:${port}/`);
      });
      events.push(['group exited', now()]);
    }, virtual());

    expect(events).toEqual([
      ['http://127.0.0.1:4321/', 5],
      ['server ended', 1005],
      ['group exited', 1005],
    ]);
  });
});

// ---- staggeredRace (README.md:90, inline) -----------------------------------------------------------

describe('README.md:90 — staggeredRace(attempts, delayMs), inline', () => {
  it('asks replica B after 50 ms, takes its answer and returns [body, index, errors]', async () => {
    const get = async (replica: string) => { await sleep(replica === 'A' ? 500 : 20); return `from ${replica}`; };
    const replicaA = 'A';
    const replicaB = 'B';
    const [[body, i, errors], t] = await run(async () => {
      const r = await staggeredRace([() => get(replicaA), () => get(replicaB)], 50);
      return [r, getRunningLoop().time()] as const;
    }, virtual());
    // asyncio 3.13 (probe): ('from B', 1, [CancelledError(), None]) after 0.071 s — the first
    // attempt, cancelled when B won, has its CancelledError in the list.
    expect([body, i]).toEqual(['from B', 1]);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toBeInstanceOf(CancelledError);
    expect(errors[1]).toBeNull();
    expect(t).toBe(70);
  });
});

// ---- eager tasks (README.md:95, inline) -------------------------------------------------------------

describe('README.md:95 — eager tasks: a body that finishes without waiting costs no loop pass', () => {
  it("a generator's task is done when createTask returns, an async function's a microtask later", () =>
    run(async () => {
      const g = createTask(function* () { return 1; }, { eagerStart: true });
      const a = createTask(async () => 2, { eagerStart: true });
      expect(g.done()).toBe(true);
      expect(a.done()).toBe(false);
      await Promise.resolve();
      expect(a.done()).toBe(true);
      expect([g.result(), a.result()]).toEqual([1, 2]);
    }));

  it('getRunningLoop().setTaskFactory(eagerTaskFactory) does the same for every task of the loop', () =>
    run(async () => {
      getRunningLoop().setTaskFactory(eagerTaskFactory);
      const g = createTask(function* () { return 1; });
      expect(g.done()).toBe(true);
      const waits = createTask(async () => { await sleep(0); return 2; });
      expect(waits.done()).toBe(false);
      expect(await waits).toBe(2);
    }));
});

// ---- cancel scopes (README.md:152) ----------------------------------------------------------------

describe('README.md:152 — moveOnAfter, failAfter, a shielded CancelScope', () => {
  const fetchPage = (ms: number) => async () => { await sleep(ms); return 'page'; };

  it('moveOnAfter(500, …) gives undefined when too slow, the result otherwise', () =>
    run(async () => {
      const slow = fetchPage(1000);
      const page = await moveOnAfter(500, async () => slow());   // undefined when too slow
      expect(page).toBeUndefined();
      expect(getRunningLoop().time()).toBe(500);
      const fast = fetchPage(100);
      expect(await moveOnAfter(500, async () => fast())).toBe('page');
    }, virtual()));

  it('failAfter(100, …) throws TimeoutError when too slow', () =>
    run(async () => {
      const handshake = async () => { await sleep(1000); };
      const e = await failAfter(100, async () => handshake()).then(() => null, (e: unknown) => e);
      expect(e).toBeInstanceOf(TimeoutError);
      expect(getRunningLoop().time()).toBe(100);
    }, virtual()));

  it('new CancelScope({ shield: true }).run(saveState) finishes even if the task is cancelled', () =>
    run(async () => {
      let saved = false;
      const saveState = async () => { await sleep(100); saved = true; };
      const t = createTask(async () => {
        await new CancelScope({ shield: true }).run(async () => saveState()); // finishes even if cancelled
        await sleep(1000); // the cancel arrives at the first wait after the shield
      });
      await sleep(10);
      t.cancel();
      await t.then(() => undefined, () => undefined);
      expect(t.cancelled()).toBe(true);
      expect(saved).toBe(true);
      expect(getRunningLoop().time()).toBe(100);
    }, virtual()));
});

// ---- sharing state between tasks (README.md:177) ----------------------------------------------------

describe('README.md:177 — Lock, Semaphore, Queue and memory channels', () => {
  for (const style of STYLES) {
    it(`lock.run(body) serialises read-modify-write across waits and releases on throw (${style})`, () =>
      run(async () => {
        let balance = 0;
        const read = async () => { await sleep(1); return balance; };
        const write = async (v: number) => { await sleep(1); balance = v; };
        const lock = new Lock();
        const body = styled(
          style,
          function* () { yield* lock.run(async () => { balance = await read(); await write(balance + 1); }); },
          async () => { await lock.run(async () => { balance = await read(); await write(balance + 1); }); }, // released on throw/cancel
        );
        await gather([createTask(body), createTask(body), createTask(body)]);
        expect(balance).toBe(3);
        await lock.run(async () => { throw new Error('boom'); }).then(() => undefined, () => undefined);
        expect(lock.locked()).toBe(false);
      }, virtual()));
  }

  it('new Semaphore(10): at most 10 downloads at once', () =>
    run(async () => {
      const sem = new Semaphore(10);                  // at most 10 downloads at once
      let running = 0;
      let peak = 0;
      const download = async (url: string) => { running++; peak = Math.max(peak, running); await sleep(10); running--; return url; };
      const urls = Array.from({ length: 25 }, (_, i) => `u${i}`);
      const got = await gather(urls.map((url) => createTask(() => sem.run(() => download(url)))));
      expect(got).toEqual(urls);
      expect(peak).toBe(10);
    }, virtual()));

  it('new Queue<Job>(100): put() waits while full; for await ends once q.shutdown() and drained', () =>
    run(async () => {
      type Job = number;
      const handled: Job[] = [];
      const handle = async (job: Job) => { await sleep(1); handled.push(job); };
      const q = new Queue<Job>(100);                  // bounded: put() waits while full
      for (let job = 0; job < 100; job++) await q.put(job);
      const job = 100;
      const putter = createTask(async () => { await q.put(job); });
      await sleep(0);
      expect(putter.done()).toBe(false);              // full: the 101st put waits
      createTask(async () => { await q.join(); q.shutdown(); });
      for await (const job of q) { await handle(job); q.taskDone(); } // ends once q.shutdown() and drained
      expect(putter.done()).toBe(true);
      expect(handled).toEqual(Array.from({ length: 101 }, (_, i) => i));
    }, virtual()));

  it('memory channels, in the corrected order: receivers\' for await ends when every sender closed; using closes an end', () =>
    run(async () => {
      const received: number[] = [];
      const [send, recv] = openMemoryChannel<number>(0);  // Trio's channels: 0 = rendezvous
      const receiver = createTask(async () => { for await (const v of recv) received.push(v); });
      { using producer = send.clone(); await producer.send(1); } // `using` closes an end, as Trio's `with`
      await send.send(2); send.close();                   // receivers' `for await` ends when every sender closed
      await receiver;
      expect(received).toEqual([1, 2]);
    }, virtual()));

  it("the README's order — send.close() and then send.clone() — throws ClosedResourceError (as Trio's clone of a closed end)", () =>
    run(async () => {
      // README.md:191-190 as written: `await send.send(1); send.close();` then
      // `{ using producer = send.clone(); … }`. Trio: MemorySendChannel.clone() on a closed
      // channel raises ClosedResourceError; tulip does the same, so the README's line fails.
      const [send, recv] = openMemoryChannel<number>(0);
      createTask(async () => { for await (const _ of recv) { /* drain */ } });
      await send.send(1); send.close();
      expect(() => { using producer = send.clone(); void producer; }).toThrow(ClosedResourceError);
    }, virtual()));

  it('CapacityLimiter.run(body) limits like a semaphore (named in the import line)', () =>
    run(async () => {
      const limiter = new CapacityLimiter(2);
      let running = 0;
      let peak = 0;
      await gather([1, 2, 3, 4, 5].map(() => createTask(() => limiter.run(async () => { running++; peak = Math.max(peak, running); await sleep(5); running--; }))));
      expect(peak).toBe(2);
    }, virtual()));
});

// ---- AsyncLocalStorage (README.md:335) --------------------------------------------------------------

describe('README.md:335 — a task runs in the AsyncLocalStorage context of the code that created it', () => {
  it("requestId.run('req-7', () => createTask(…)): the task sees 'req-7' after its waits", () =>
    run(async () => {
      const seen: unknown[] = [];
      const log = (x: unknown) => seen.push(x);
      const requestId = new AsyncLocalStorage<string>();

      const t = requestId.run('req-7', () => createTask(async () => {
        await sleep(10);
        log(requestId.getStore());                       // 'req-7'
      }));
      await t;
      expect(seen).toEqual(['req-7']);
      expect(requestId.getStore()).toBeUndefined();
    }, virtual()));

  for (const style of STYLES) {
    it(`createTask(job, { context: new AsyncResource('job') }) runs the task in that resource's context (${style})`, () =>
      run(async () => {
        const requestId = new AsyncLocalStorage<string>();
        const seen: unknown[] = [];
        const job = styled(
          style,
          function* () { yield* sleep(1); seen.push(requestId.getStore()); },
          async () => { await sleep(1); seen.push(requestId.getStore()); },
        );
        await createTask(job, { context: requestId.run('r1', () => new AsyncResource('job')) });
        await createTask(job, { context: requestId.run('r2', () => AsyncLocalStorage.snapshot()) }); // or AsyncLocalStorage.snapshot()
        expect(seen).toEqual(['r1', 'r2']);
      }, virtual()));
  }
});

// ---- testing: virtual time (README.md:370) ----------------------------------------------------------

describe('README.md:370 — MockClock: an hour in no time, a day\'s deadline exact', () => {
  it('prints true 90000000', async () => {
    const printed: unknown[][] = [];
    const console = { log: (...a: unknown[]) => printed.push(a) };
    const started = Date.now();

    await run(async () => {
      const loop = getRunningLoop();
      const t0 = loop.time();
      await sleep(3_600_000);                                     // an hour, in no time
      try {
        await timeout(86_400_000).run(() => sleep(2 * 86_400_000)); // a day's deadline
      } catch (e) {
        console.log(e instanceof TimeoutError, loop.time() - t0); // true 90000000 — exact
      }
    }, { clock: new MockClock({ autojumpThreshold: 0 }) });

    expect(printed).toEqual([[true, 90_000_000]]);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

// ---- testing: stepping the loop (README.md:391) -----------------------------------------------------

describe('README.md:391 — waitAllTasksBlocked() then runBriefly(2)', () => {
  for (const style of STYLES) {
    it(`the task is parked in get() and, two passes after putNowait, got === 1 (${style})`, () =>
      run(async () => {
        const queue = new Queue<number>();
        let got: number | undefined;
        const t = createTask(styled(
          style,
          function* () { got = yield* queue.get(); },
          async () => { got = await queue.get(); },
        ));
        await waitAllTasksBlocked();            // t is now parked in get()
        expect(queue.statistics().tasksWaitingGet).toBe(1);
        expect(got).toBeUndefined();
        queue.putNowait(1);
        await runBriefly(2);                    // the wake-up pass, then t's step: got === 1
        expect(got).toBe(1);
        expect(t.done()).toBe(true);
      }));
  }
});

// ---- testing: Sequencer (README.md:405) ---------------------------------------------------------------

describe('README.md:405 — a Sequencer forces the order a, b, c', () => {
  it("log is ['a', 'b', 'c'] whatever order the tasks arrive in", () =>
    run(async () => {
      const seq = new Sequencer();
      const log: string[] = [];
      await new TaskGroup().run((tg) => {
        tg.createTask(async () => { await seq.run(2, () => log.push('c')); });
        tg.createTask(function* () { yield* seq.run(0, function* () { yield* sleep(10); log.push('a'); }); });
        tg.createTask(async () => { const turn = await seq.step(1); log.push('b'); turn.end(); });
      });
      expect(log).toEqual(['a', 'b', 'c']);
    }, virtual()));
});

// ---- testing: checkpoints (README.md:423) -----------------------------------------------------------

describe('README.md:423 — assertCheckpoints / assertNoCheckpoints', () => {
  it('a free lock is taken at once; sleep(0) suspends once (the README\'s two lines)', () =>
    run(async () => {
      const freeLock = new Lock();
      await assertNoCheckpoints(async () => { await freeLock.acquire(); });  // taken at once
      await assertCheckpoints(function* () { yield* sleep(0); });            // suspends once
      expect(freeLock.locked()).toBe(true);
    }));

  for (const style of STYLES) {
    it(`each fails with node's AssertionError on the other case (${style})`, () =>
      run(async () => {
        const lock = new Lock();
        const suspends = style === 'generator' ? function* () { yield* sleep(0); } : async () => { await sleep(0); };
        const takesFreeLock = style === 'generator' ? function* () { yield* lock.acquire(); } : async () => { await lock.acquire(); };
        const e1 = await assertNoCheckpoints(suspends).then(() => null, (e: unknown) => e);
        expect((e1 as Error).name).toBe('AssertionError');
        const e2 = await assertCheckpoints(takesFreeLock).then(() => null, (e: unknown) => e);
        expect((e2 as Error).name).toBe('AssertionError');
      }));
  }
});

// ---- debugging: dumpTasks and printCallGraph (README.md:441) ---------------------------------------

describe('README.md:441 — dumpTasks() and printCallGraph() of the example program', () => {
  it('shows 6 live tasks as a tree, with what each waits on and where (debug mode)', async () => {
    let dump = '';
    let graph = '';

    async function fetchUser(id: number) {
      await sleep(5_000);                                   // a slow request
      return { id };
    }

    function* writer(lock: Lock) {
      yield* lock.acquire();                                // blocked: the lock is held
      lock.release();
    }

    await run(async () => {
      const lock = new Lock();
      await lock.acquire();
      const jobs = new Queue<string>();
      createTask(async () => { for (;;) await jobs.get(); }, { name: 'consumer' });
      const users = [1, 2].map((id) => createTask(() => fetchUser(id), { name: `user-${id}` }));
      createTask(async () => await gather(users), { name: 'loader' });
      createTask(writer(lock), { name: 'writer' });
      await sleep(10);
      dump = getRunningLoop().dumpTasks();
      printCallGraph(users[0], { file: { write: (text: string) => { graph += text; } } });
      // (the README ends with process.exit(0); here run()'s shutdown cancels the leftovers)
    }, { debug: true, ...virtual() });

    const lines = dump.split('\n');
    expect(lines[0]).toBe('6 live tasks at loop time 10.000 ms:');
    const heads = lines.filter((l) => /Task '/.test(l)).map((l) => l.replace(/^[│├└─ ]+/, ''));
    expect(heads[0]).toMatch(/^Task 'Task-\d+' \[running\]$/);
    expect(heads.slice(1)).toEqual([
      "Task 'consumer' [waiting] waiting on <QueueGet pending> from Queue.get",
      "Task 'loader' [waiting] waiting on gather of 2 <GatheringFuture pending>",
      "Task 'user-1' [waiting] waiting on <SleepFuture pending> from sleep",
      "Task 'user-2' [waiting] waiting on <SleepFuture pending> from sleep",
      "Task 'writer' [waiting] waiting on <LockAcquire pending> from Lock.acquire",
    ]);
    // user-1 and user-2 are drawn under the loader that gathers them.
    expect(lines.find((l) => l.includes("Task 'user-1'"))).toMatch(/^├─ /);
    expect(lines.find((l) => l.includes("Task 'user-2'"))).toMatch(/^└─ /);
    // Each waiting task's suspension point, in this file, with its function.
    const wheres = lines.filter((l) => /where: /.test(l));
    expect(wheres).toHaveLength(6);
    for (const w of wheres) expect(w).toMatch(/where: (running at )?test\/docs\.examples\.test\.ts:\d+:\d+/);
    expect(lines.join('\n')).toMatch(/Task 'writer'[^\n]*\n\s+where: test\/docs\.examples\.test\.ts:\d+:\d+ \(writer\)/);
    expect(lines.join('\n')).toMatch(/Task 'user-1'[^\n]*\n[│ ]+where: test\/docs\.examples\.test\.ts:\d+:\d+ \(fetchUser\)/);

    const g = graph.split('\n');
    expect(g[0]).toBe("* <Task pending name='user-1'> (waiting)");
    expect(graph).toContain('+ awaits:\n|  * <SleepFuture pending> (from sleep)\n+ awaited by:\n   * <GatheringFuture pending> (gather of 2)\n   + awaited by:\n      * <Task pending name=\'loader\'> (waiting)');
  });

  it('without debug mode the tree and the waits are the same, and `where` says to turn debug on', async () => {
    let dump = '';
    let graph = '';
    await run(async () => {
      const lock = new Lock();
      await lock.acquire();
      const users = [1, 2].map((id) => createTask(async () => { await sleep(5_000); return id; }, { name: `user-${id}` }));
      createTask(async () => await gather(users), { name: 'loader' });
      createTask(function* () { yield* lock.acquire(); }, { name: 'writer' });
      await sleep(10);
      dump = getRunningLoop().dumpTasks();
      graph = formatCallGraph(captureCallGraph(users[0])!);
    }, virtual());
    expect(dump).toContain("Task 'writer' [waiting] waiting on <LockAcquire pending>\n   where: unknown (run with debug: true)");
    expect(dump).toContain("├─ Task 'user-1' [waiting] waiting on <SleepFuture pending>\n│     where: unknown (run with debug: true)");
    expect(graph.split('\n')[0]).toBe("* <Task pending name='user-1'> (waiting)");
  });
});

// ---- debugging: a future never awaited (README.md:522) ---------------------------------------------

describe('README.md:522 — debug mode reports a timeout(…).run(…) that was never awaited', () => {
  it('reaches the exception handler, naming Timeout.run and the function that made it', () =>
    run(async () => {
      const seen = recordExceptions();
      let ran = false;
      function refresh() {
        timeout(5_000).run(async () => { ran = true; /* never runs: the await is missing */ });
      }
      refresh(); /* … */
      await sleep(10);
      await collectGarbage();
      await sleep(0);
      const reports = seen.filter((c) => /never awaited/.test(c.message));
      expect(reports).toHaveLength(1);
      expect(reports[0]!.message).toMatch(
        /^Timeout\.run\(\) returned a future \(InlineFuture\) that was never awaited, yield\*-ed or watched \(created at test\/docs\.examples\.test\.ts:\d+:\d+ \(refresh\)\)$/,
      );
      expect(reports[0]!.api).toBe('Timeout.run');
      expect(ran).toBe(false);
    }, { debug: true }));
});

// ---- debugging: lag statistics (README.md:552) -----------------------------------------------------

describe('README.md:552 — slowCallbackDuration and lagStats() for metrics', () => {
  it('the gauge callback reads a numeric p99; the threshold is settable', () =>
    run(async () => {
      const gauges: [string, number][] = [];
      const metrics = { gauge: (name: string, v: number) => gauges.push([name, v]) };
      const loop = getRunningLoop();
      loop.slowCallbackDuration = 50;
      const timer = setInterval(() => metrics.gauge('loop.lag.p99', loop.lagStats().p99), 10_000).unref();
      clearInterval(timer);
      metrics.gauge('loop.lag.p99', loop.lagStats().p99); // what the interval would do
      expect(loop.slowCallbackDuration).toBe(50);
      expect(gauges).toHaveLength(1);
      expect(typeof gauges[0]![1]).toBe('number');
      const s = loop.lagStats();
      for (const k of ['count', 'max', 'p99', 'mean', 'stalls'] as const) expect(typeof s[k]).toBe('number');
    }));
});

// ---- signals (README.md:165, inline) ----------------------------------------------------------------

describe('README.md:165 — addSignalHandler runs a callback in a loop pass', () => {
  // Signals reach a process, not a worker thread: skipped if vitest runs this file in a thread pool.
  it.skipIf(!isMainThread)('getRunningLoop().addSignalHandler(sig, () => stop.set()) wakes the task waiting for stop; removeSignalHandler removes it', () =>
    run(async () => {
      const stop = new Event();
      const loop = getRunningLoop();
      loop.addSignalHandler('SIGUSR2', () => stop.set()); // SIGUSR2 here: SIGTERM would reach the test runner if the handler were missing
      try {
        setTimeout(() => process.kill(process.pid, 'SIGUSR2'), 1);
        await stop.wait();
        expect(stop.isSet()).toBe(true);
      } finally {
        expect(loop.removeSignalHandler('SIGUSR2')).toBe(true);
      }
    }));
});
