// Exact pass counts, in both coroutine styles: the style twins of the pass-exact tests of
// tasks*.test.ts, cancellation.test.ts, locks*.test.ts, queues*.test.ts and combinators.test.ts,
// gathered per operation.
// For each blocking operation, a task of each style waits on it and counts the loop passes (a
// callSoon ticker, one tick per pass) until it resumes — once when the operation completes, once
// when the task is cancelled while waiting. The expected counts are asyncio's (worked out from
// its sources: a done future wakes its waiters in the next pass; gather and shield add one pass
// for their own done-callback; a TaskGroup one for its `_on_task_done`), the same in both styles.
import { describe, it, expect } from 'vitest';
import {
  Barrier,
  CancelScope,
  CapacityLimiter,
  Condition,
  Event,
  Lock,
  Queue,
  Semaphore,
  TaskGroup,
  asCompleted,
  createTask,
  gather,
  getRunningLoop,
  openMemoryChannel,
  run,
  shield,
  sleep,
  timeout,
  wait,
  waitFor,
  type Future,
} from 'tulip';
import { STYLES, assertCancelled, rejection, type Style } from './helpers.js';

const FOREVER = 1_000_000;

/** Starts a one-tick-per-pass ticker; returns a reader and a stopper. */
function ticker(): { ticks: () => number; stop: () => void } {
  const loop = getRunningLoop();
  let ticks = 0;
  let stopped = false;
  const tick = () => {
    ticks += 1;
    if (!stopped) loop.callSoon(tick);
  };
  loop.callSoon(tick);
  return { ticks: () => ticks, stop: () => (stopped = true) };
}

/** A task of `style` that waits on `wait()` and returns how many passes it took. */
function timed(style: Style, ticks: () => number, wait: () => Future<unknown>) {
  return createTask(
    style === 'generator'
      ? function* () {
          const before = ticks();
          yield* wait();
          return ticks() - before;
        }
      : async () => {
          const before = ticks();
          await wait();
          return ticks() - before;
        },
  );
}

/** A generator task that, one pass from now, calls `fn`. */
function later(fn: () => void): void {
  createTask(function* () {
    yield* sleep(0);
    fn();
  });
}

interface Completing {
  name: string;
  /** asyncio's pass count from the wait to the resumption. */
  passes: number;
  make: () => () => Future<unknown>;
}

const COMPLETING: Completing[] = [
  { name: 'await of a task that sleeps(0) once', passes: 3, make: () => () => createTask(function* () { yield* sleep(0); }) },
  { name: 'await of an async task that sleeps(0) once', passes: 3, make: () => () => createTask(async () => { await sleep(0); }) },
  {
    name: 'gather of two tasks (one per style) that sleep(0) once',
    passes: 4,
    make: () => () => gather([createTask(function* () { yield* sleep(0); }), createTask(async () => { await sleep(0); })]),
  },
  {
    name: 'wait() of two tasks that sleep(0) once',
    passes: 4,
    make: () => () => wait([createTask(function* () { yield* sleep(0); }), createTask(async () => { await sleep(0); })]),
  },
  { name: 'waitFor(task, t)', passes: 3, make: () => () => waitFor(createTask(async () => { await sleep(0); }), 1000) },
  { name: 'shield(task)', passes: 4, make: () => () => shield(createTask(async () => { await sleep(0); })) },
  {
    name: 'Event.wait() set by another task one pass later',
    passes: 3,
    make: () => {
      const e = new Event();
      return () => {
        later(() => e.set());
        return e.wait();
      };
    },
  },
  {
    name: 'Queue.get() fed by another task one pass later',
    passes: 3,
    make: () => {
      const q = new Queue<number>();
      return () => {
        later(() => q.putNowait(1));
        return q.get();
      };
    },
  },
  {
    name: 'Lock.acquire() released by another task one pass later',
    passes: 3,
    make: () => {
      const l = new Lock();
      l.acquireNowait();
      return () => {
        later(() => l.release());
        return l.acquire();
      };
    },
  },
  {
    name: 'Semaphore.acquire() released by another task one pass later',
    passes: 3,
    make: () => {
      const s = new Semaphore(0);
      return () => {
        later(() => s.release());
        return s.acquire();
      };
    },
  },
  {
    name: 'memory channel receive() sent to by another task one pass later',
    passes: 3,
    make: () => {
      const [send, receive] = openMemoryChannel<number>(0);
      return () => {
        later(() => send.sendNowait(1));
        return receive.receive();
      };
    },
  },
  {
    name: 'TaskGroup.run with a child that sleeps(0) once',
    passes: 4,
    make: () => () =>
      new TaskGroup().run((tg) => {
        tg.createTask(function* () {
          yield* sleep(0);
        });
      }),
  },
  {
    name: 'TaskGroup.run with an async child that sleeps(0) once',
    passes: 4,
    make: () => () =>
      new TaskGroup().run((tg) => {
        tg.createTask(async () => {
          await sleep(0);
        });
      }),
  },
  { name: 'timeout(d).run of a generator body that sleeps(0) once', passes: 1, make: () => () => timeout(1000).run(function* () { yield* sleep(0); }) },
  { name: 'timeout(d).run of an async body that sleeps(0) once', passes: 1, make: () => () => timeout(1000).run(async () => { await sleep(0); }) },
  {
    name: 'the first future of asCompleted() over a task that sleeps(0) once',
    passes: 4,
    make: () => () => [...asCompleted([createTask(async () => { await sleep(0); })])][0]!,
  },
];

describe.each(COMPLETING)('$name', ({ passes, make }) => {
  // twin of the pass-exact tests of the other conformance files, for this operation
  it.each(STYLES)(`resumes a %s task after exactly ${passes} loop passes`, (style) =>
    run(async () => {
      const { ticks, stop } = ticker();
      const t = timed(style, ticks, make());
      expect(await t).toBe(passes);
      stop();
    }),
  );
});

interface Blocking {
  name: string;
  /** asyncio's pass count from cancel() until the task is done. */
  passes: number;
  make: () => () => Future<unknown>;
}

const BLOCKING: Blocking[] = [
  { name: 'sleep', passes: 1, make: () => () => sleep(FOREVER) },
  { name: 'a pending future', passes: 1, make: () => () => getRunningLoop().createFuture() },
  { name: 'a task', passes: 2, make: () => () => createTask(function* () { yield* sleep(FOREVER); }) },
  { name: 'gather', passes: 3, make: () => () => gather([createTask(function* () { yield* sleep(FOREVER); })]) },
  { name: 'wait', passes: 1, make: () => () => wait([createTask(function* () { yield* sleep(FOREVER); })]) },
  { name: 'waitFor(task, t)', passes: 2, make: () => () => waitFor(createTask(async () => { await sleep(FOREVER); }), FOREVER) },
  { name: 'waitFor(task, null)', passes: 2, make: () => () => waitFor(createTask(async () => { await sleep(FOREVER); }), null) },
  { name: 'shield(task)', passes: 1, make: () => () => shield(createTask(async () => { await sleep(FOREVER); })) },
  { name: 'Event.wait', passes: 1, make: () => { const e = new Event(); return () => e.wait(); } },
  { name: 'Queue.get', passes: 1, make: () => { const q = new Queue(); return () => q.get(); } },
  { name: 'Queue.put', passes: 1, make: () => { const q = new Queue(1); q.putNowait(1); return () => q.put(2); } },
  { name: 'Queue.join', passes: 1, make: () => { const q = new Queue(); q.putNowait(1); return () => q.join(); } },
  { name: 'Lock.acquire', passes: 1, make: () => { const l = new Lock(); l.acquireNowait(); return () => l.acquire(); } },
  { name: 'Semaphore.acquire', passes: 1, make: () => { const s = new Semaphore(0); return () => s.acquire(); } },
  { name: 'Condition.wait in Condition.run', passes: 1, make: () => { const c = new Condition(); return () => c.run(() => c.wait()); } },
  { name: 'Barrier.wait', passes: 1, make: () => { const b = new Barrier(2); return () => b.wait(); } },
  { name: 'CapacityLimiter.acquire', passes: 1, make: () => { const l = new CapacityLimiter(1); l.acquireOnBehalfOfNowait('x'); return () => l.acquire(); } },
  { name: 'memory channel receive', passes: 1, make: () => { const [, r] = openMemoryChannel(0); return () => r.receive(); } },
  { name: 'memory channel send', passes: 1, make: () => { const [s] = openMemoryChannel(0); return () => s.send(1); } },
  {
    name: 'TaskGroup.run waiting for a child',
    passes: 4,
    make: () => () => new TaskGroup().run((tg) => { tg.createTask(function* () { yield* sleep(FOREVER); }); }),
  },
  {
    name: 'TaskGroup.run with an async body waiting',
    passes: 4,
    make: () => () =>
      new TaskGroup().run(async (tg) => {
        tg.createTask(function* () {
          yield* sleep(FOREVER);
        });
        await sleep(FOREVER);
      }),
  },
  { name: 'timeout(d).run of a generator body', passes: 1, make: () => () => timeout(FOREVER).run(function* () { yield* sleep(FOREVER); }) },
  { name: 'timeout(d).run of an async body', passes: 1, make: () => () => timeout(FOREVER).run(async () => { await sleep(FOREVER); }) },
  { name: 'CancelScope.run of a generator body', passes: 1, make: () => () => new CancelScope().run(function* () { yield* sleep(FOREVER); }) },
  { name: 'CancelScope.run of an async body', passes: 1, make: () => () => new CancelScope().run(async () => { await sleep(FOREVER); }) },
  {
    name: 'the first future of asCompleted()',
    passes: 1,
    make: () => () => [...asCompleted([createTask(async () => { await sleep(FOREVER); })])][0]!,
  },
];

describe.each(BLOCKING)('cancelled while waiting in $name', ({ passes, make }) => {
  // twin of cancellation.test.ts::cancel(msg) during a sleep throws a CancelledError(msg) in the body and to the awaiter, for this wait
  it.each(STYLES)(`a %s task is done ${passes} pass(es) after cancel(msg), cancelled with msg, its finally run`, (style) =>
    run(async () => {
      const start = make();
      const log: string[] = [];
      const t = createTask(
        style === 'generator'
          ? function* () {
              try {
                yield* start();
              } finally {
                log.push('finally');
              }
            }
          : async () => {
              try {
                await start();
              } finally {
                log.push('finally');
              }
            },
      );
      await sleep(0);
      t.cancel('m');
      let n = 0;
      while (!t.done() && n < 20) {
        await sleep(0);
        n++;
      }
      expect(n).toBe(passes);
      assertCancelled(await rejection(t), 'm');
      expect(log).toEqual(['finally']);
    }),
  );
});
