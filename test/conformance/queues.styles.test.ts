// Style twins of the queue tests: each test here is the other-style twin of a test written in
// only one coroutine style in test/conformance/queues*.test.ts or
// /work/shared/conformance/queues.test.ts (the memory-channel twins are in channels.styles.test.ts).
// Same behaviour, same pass counts and order (`sleep(0)` is exactly one pass).
import { describe, expect, it } from 'vitest';
import {
  LifoQueue,
  PriorityQueue,
  Queue,
  QueueShutDownError,
  TaskGroup,
  createTask,
  gather,
  getRunningLoop,
  run,
  sleep,
} from 'tulip';
import {
  STYLES,
  assertCancelled,
  recordExceptions,
  rejection,
  rejectionG,
  runVirtual,
  syncError,
  waiting,
} from './helpers.js';

const CLASSES = [
  ['Queue', <T>(n?: number) => new Queue<T>(n)],
  ['LifoQueue', <T>(n?: number) => new LifoQueue<T>(n)],
  ['PriorityQueue', <T>(n?: number) => new PriorityQueue<T>(n)],
] as const;

describe('Queue basics (style twins)', () => {
  // twin of queues.test.ts::toString shows maxsize, size, waiting getters and putters
  it('toString shows maxsize, size, waiting generator getters and putters', () =>
    run(function* () {
      const q = new Queue<number>();
      expect(String(q)).toBe('<Queue maxsize=0>');
      const getter = createTask(function* () {
        return yield* q.get();
      });
      yield* sleep(0);
      expect(String(q)).toBe('<Queue maxsize=0 _getters[1]>');
      q.putNowait(0);
      expect(yield* getter).toBe(0);
      const full = new Queue<number>(1);
      full.putNowait(1);
      const putter = createTask(function* () {
        yield* full.put(2);
      });
      yield* sleep(0);
      expect(String(full)).toBe('<Queue maxsize=1 _queue=[1] _putters[1] tasks=1>');
      full.getNowait();
      yield* putter;
    }));

  // twin of queues.more.test.ts::FIFO, LIFO and priority order, through awaited put() and get()
  it('FIFO, LIFO and priority order, through yield* put() and get()', () =>
    run(function* () {
      const expected: Record<string, number[]> = { Queue: [1, 3, 2], LifoQueue: [2, 3, 1], PriorityQueue: [1, 2, 3] };
      for (const [name, make] of CLASSES) {
        const q = make<number>();
        for (const i of [1, 3, 2]) yield* q.put(i);
        const items = [yield* q.get(), yield* q.get(), yield* q.get()];
        expect(items, name).toEqual(expected[name]);
      }
    }));

  // twin of queues.more.test.ts::empty() follows put() and get()
  it('empty() follows yield* put() and get(), and neither gives up the loop', () =>
    run(function* () {
      const q = new Queue<number>();
      let ticks = 0;
      getRunningLoop().callSoon(() => ticks++);
      expect(q.empty()).toBe(true);
      yield* q.put(1);
      expect(q.empty()).toBe(false);
      expect(yield* q.get()).toBe(1);
      expect(q.empty()).toBe(true);
      expect(ticks).toBe(0);
    }));
});

describe('Queue get (style twins)', () => {
  // twin of queues.test.ts::a waiting get() returns the item put later by a callback
  it('a waiting generator get() returns the item put later by a callback', () =>
    runVirtual(function* () {
      const q = new Queue<number>();
      let finished = false;
      const t = createTask(function* () {
        const r = yield* q.get();
        finished = true;
        return r;
      });
      yield* sleep(0);
      expect(finished).toBe(false);
      getRunningLoop().callLater(10, () => q.putNowait(1));
      expect(yield* t).toBe(1);
      expect(finished).toBe(true);
    }));

  // twin of queues.test.ts::get() takes the items of waiting putters in order
  it('yield* get() takes the items of waiting generator putters in order', () =>
    run(function* () {
      const q = new Queue<string>(1);
      createTask(function* () {
        yield* q.put('a');
      });
      createTask(function* () {
        yield* q.put('b');
      });
      expect(yield* q.get()).toBe('a');
      expect(yield* q.get()).toBe('b');
    }));

  // twin of queues.more.test.ts::get() from a full queue with a waiting putter wakes that putter (async)
  it('yield* get() from a full queue with a waiting generator putter wakes that putter one pass later', () =>
    run(function* () {
      const q = new Queue<number>(1);
      yield* q.put(1);
      const putter = createTask(function* () {
        yield* q.put(2);
      });
      yield* sleep(0);
      expect(putter.done()).toBe(false);
      expect(yield* q.get()).toBe(1);
      yield* sleep(0);
      expect(putter.done()).toBe(true);
      expect(q.getNowait()).toBe(2);
    }));

  // twin of queues.test.ts::a producer and a consumer on a 1-slot queue both finish (styles swapped)
  it('a generator producer and an async consumer on a 1-slot queue both finish, in order', () =>
    run(function* () {
      const q = new Queue<number>(1);
      const got: number[] = [];
      yield* new TaskGroup().run((tg) => {
        tg.createTask(function* () {
          for (let i = 0; i < 5; i++) yield* q.put(i);
        });
        tg.createTask(async () => {
          for (let i = 0; i < 5; i++) got.push(await q.get());
        });
      });
      expect(got).toEqual([0, 1, 2, 3, 4]);
    }));

  // twin of queues.test.ts::a reader woken by putNowait and then cancelled drops no item (async) — with one pass, as the generator
  it.each(STYLES)('a %s reader started by a generator main blocks in get() within one pass', (style) =>
    run(function* () {
      const q = new Queue<number>();
      const reader = createTask(waiting(style, () => q.get()));
      yield* sleep(0);
      expect(q.statistics().tasksWaitingGet).toBe(1);
      q.putNowait(1);
      q.putNowait(2);
      reader.cancel();
      assertCancelled(yield* rejectionG(reader));
      const again = createTask(waiting(style, () => q.get()));
      expect(yield* again).toBe(1);
    }),
  );

  // twin of queues.test.ts::with three readers woken by two items and one cancelled, the other two get both items
  it('with three generator readers woken by two items and one cancelled, the other two get both items', () =>
    run(function* () {
      const q = new Queue<number>();
      const rd = function* () {
        return yield* q.get();
      };
      const readers = [createTask(rd), createTask(rd), createTask(rd)];
      yield* sleep(0);
      q.putNowait(1);
      q.putNowait(2);
      readers[0]!.cancel();
      assertCancelled(yield* rejectionG(readers[0]!));
      const got = yield* gather([readers[1]!, readers[2]!]);
      expect(new Set(got)).toEqual(new Set([1, 2]));
    }));
});

describe('Queue put (style twins)', () => {
  // twin of queues.test.ts::a put() blocked on a full queue resumes after a later getNowait()
  it('a generator put() blocked on a full queue resumes after a later getNowait()', () =>
    runVirtual(function* () {
      const q = new Queue<number>(1);
      let finished = false;
      getRunningLoop().callLater(10, () => q.getNowait());
      const t = createTask(function* () {
        yield* q.put(1);
        yield* q.put(2);
        finished = true;
      });
      yield* sleep(0);
      expect(finished).toBe(false);
      yield* t;
      expect(finished).toBe(true);
      expect(getRunningLoop().time()).toBeGreaterThanOrEqual(10);
    }));

  // twin of queues.test.ts::putters blocked on a full queue all finish once a getter drains it
  it('async putters blocked on a full queue all finish once a generator getter drains it', () =>
    run(async () => {
      const q = new Queue<number>(2);
      await new TaskGroup().run((tg) => {
        tg.createTask(function* () {
          yield* sleep(0);
          const n = q.qsize();
          for (let i = 0; i < n; i++) q.getNowait();
        });
        for (let i = 0; i < 4; i++)
          tg.createTask(async () => {
            await q.put(i);
          });
      });
      expect(q.qsize()).toBe(2);
    }));

  // twin of queues.more.test.ts::put() hands the item to a getter already waiting (async)
  it('yield* put() hands the item to an async getter already waiting', () =>
    run(function* () {
      const q = new Queue<string>();
      const t = createTask(async () => q.get());
      yield* sleep(0);
      yield* q.put('a');
      expect(yield* t).toBe('a');
    }));

  // twin of queues.more.test.ts::a task that put() into the queue a getter waits on is done when the getter resumes (mixed)
  it('an async task that put() into the queue a generator main waits on is done when the main resumes', () =>
    run(function* () {
      const q = new Queue<number>();
      const t = createTask(async () => {
        await q.put(1);
        return true;
      });
      expect(yield* q.get()).toBe(1);
      expect(t.done()).toBe(true);
      expect(t.result()).toBe(true);
    }));
});

for (const [name, make] of CLASSES) {
  describe(`${name} join and shutdown (style twins)`, () => {
    // twin of queues.test.ts::join() returns once two workers marked all 100 items done
    it('yield* join() returns once two generator workers marked all 100 items done', () =>
      run(function* () {
        const q = make<number>();
        for (let i = 0; i < 100; i++) q.putNowait(i);
        let acc = 0;
        let running = true;
        yield* new TaskGroup().run(function* (tg) {
          const worker = function* () {
            while (running) {
              const item = yield* q.get();
              acc += item;
              q.taskDone();
            }
          };
          tg.createTask(worker);
          tg.createTask(worker);
          yield* q.join();
          expect(acc).toBe(4950);
          running = false;
          q.putNowait(0);
          q.putNowait(0);
        });
      }));

    // twin of queues.test.ts::join() of a fresh queue returns at once; statistics count unfinished items
    it('yield* join() of a fresh queue returns at once, without giving up the loop', () =>
      run(function* () {
        const q = make<number>();
        let ticks = 0;
        getRunningLoop().callSoon(() => ticks++);
        yield* q.join();
        yield* q.join();
        expect(ticks).toBe(0);
        q.putNowait(5);
        expect(q.statistics().unfinishedTasks).toBe(1);
      }));

    // twin of queues.more.test.ts::shutdown() of an empty queue: the waiting getter fails one pass later; put/get fail
    it('shutdown() of an empty queue: the waiting generator getter fails one pass later', () =>
      run(function* () {
        const q = make<string>();
        recordExceptions();
        const getTask = createTask(function* () {
          return yield* q.get();
        });
        yield* sleep(0);
        q.shutdown(false);
        expect(q.qsize()).toBe(0);
        yield* q.join();
        yield* sleep(0);
        expect(getTask.done()).toBe(true);
        expect(yield* rejectionG(getTask)).toBeInstanceOf(QueueShutDownError);
        expect(syncError(() => q.put('data'))).toBeInstanceOf(QueueShutDownError);
        expect(syncError(() => q.get())).toBeInstanceOf(QueueShutDownError);
      }));

    // twin of queues.test.ts::shutdown() of a full queue fails the waiting putter; the item left can still be got (generator)
    it('shutdown() of a full queue fails the waiting async putter; the item left can still be got', () =>
      run(async () => {
        const q = make<string>(1);
        q.putNowait('data');
        const joinTask = createTask(async () => q.join());
        const putTask = createTask(async () => {
          await q.put('data2');
        });
        await sleep(0);
        expect(putTask.done()).toBe(false);
        q.shutdown();
        expect(q.qsize()).toBe(1);
        await sleep(0);
        expect(putTask.done()).toBe(true);
        expect(await rejection(putTask)).toBeInstanceOf(QueueShutDownError);
        expect(await q.get()).toBe('data');
        await sleep(0);
        expect(joinTask.done()).toBe(false);
        q.taskDone();
        await sleep(0);
        expect(joinTask.done()).toBe(true);
      }));

    // twin of queues.test.ts::shutdown(true) drops the items, lets join() return and fails every get (generator)
    it('shutdown(true) drops the items and lets an async join() return one pass later', () =>
      run(async () => {
        const q = make<string>();
        q.putNowait('data');
        const joinTask = createTask(async () => {
          await q.join();
        });
        q.shutdown(true);
        expect(q.qsize()).toBe(0);
        await sleep(0);
        expect(joinTask.done()).toBe(true);
        expect(syncError(() => q.get())).toBeInstanceOf(QueueShutDownError);
      }));

    // twin of queues.more.test.ts::shutdown(true) with an item got but not done: join() is done one pass after that taskDone()
    it('shutdown(true) with an item got but not done: a generator join() is done one pass after that taskDone()', () =>
      run(function* () {
        const q = make<string>();
        q.putNowait('data');
        q.putNowait('data');
        const joinTask = createTask(function* () {
          yield* q.join();
        });
        expect(yield* q.get()).toBe('data');
        q.shutdown(true);
        yield* sleep(0);
        expect(joinTask.done()).toBe(false);
        q.taskDone();
        yield* sleep(0);
        expect(joinTask.done()).toBe(true);
      }));

    // twin of queues.test.ts::a join() cancelled while waiting leaves the queue as it was
    it('a generator join() cancelled while waiting leaves the queue as it was', () =>
      run(function* () {
        const q = make<number>();
        q.putNowait(1);
        const j = createTask(function* () {
          yield* q.join();
        });
        yield* sleep(0);
        j.cancel();
        assertCancelled(yield* rejectionG(j));
        expect(q.statistics().unfinishedTasks).toBe(1);
        q.getNowait();
        q.taskDone();
        yield* q.join();
      }));
  });
}

describe('Queue iteration (style twins)', () => {
  // twin of shared queues.test.ts::a consumer iterating in a task sees a producer's items and ends on shutdown() (generator producer)
  it("an async consumer iterating sees a generator producer's items and ends on shutdown()", () =>
    run(function* () {
      const q = new Queue<string>(1);
      const seen: string[] = [];
      const consumer = createTask(async () => {
        for await (const x of q) seen.push(x);
        return seen.length;
      });
      for (const x of ['a', 'b', 'c']) yield* q.put(x);
      q.shutdown();
      expect(yield* consumer).toBe(3);
      expect(seen).toEqual(['a', 'b', 'c']);
    }));

  // twin of DESIGN §3.1 (a task cancelled inside for await takes no item), from a generator canceller
  it('an async consumer cancelled inside for-await by a generator task takes no item', () =>
    run(function* () {
      const q = new Queue<number>();
      const seen: number[] = [];
      const consumer = createTask(async () => {
        for await (const x of q) seen.push(x);
      });
      yield* sleep(0);
      consumer.cancel();
      q.putNowait(1);
      assertCancelled(yield* rejectionG(consumer));
      expect(seen).toEqual([]);
      expect(q.getNowait()).toBe(1);
    }));
});
