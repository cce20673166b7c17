// Behaviour ports of CPython 3.13 Lib/test/test_asyncio/test_queues.py, in our own words.
// asyncio's `len(q._getters)` is `q.statistics().tasksWaitingGet`, `q._unfinished_tasks` is
// `statistics().unfinishedTasks`, `await asyncio.sleep(0)` is one loop pass; ValueError is
// RangeError. The cancellation races run in both coroutine styles.
import { describe, expect, it } from 'vitest';
import {
  LifoQueue,
  PriorityQueue,
  Queue,
  QueueEmptyError,
  QueueFullError,
  QueueShutDownError,
  TaskGroup,
  TimeoutError,
  createTask,
  gather,
  getRunningLoop,
  run,
  sleep,
  waitFor,
  } from 'tulip';
import {
  STYLES,
  assertCancelled,
  passes,
  passesG,
  recordExceptions,
  rejection,
  rejectionG,
  syncError,
  virtualClock,
  waiting,
} from './helpers.js';

describe('Queue basics', () => {
  // ports test_queues.py::QueueBasicTests.test_repr (+ test_str)
  it('toString shows maxsize, size, waiting getters and putters', () =>
    run(async () => {
      const q = new Queue<number>();
      expect(String(q)).toBe('<Queue maxsize=0>');
      const getter = createTask(() => q.get());
      await sleep(0);
      expect(String(q)).toBe('<Queue maxsize=0 _getters[1]>');
      q.putNowait(0);
      expect(await getter).toBe(0);
      const full = new Queue<number>(1);
      full.putNowait(1);
      const putter = createTask(() => full.put(2));
      await sleep(0);
      expect(String(full)).toBe('<Queue maxsize=1 _queue=[1] _putters[1] tasks=1>');
      full.getNowait();
      await putter;
    }));

  // ports test_queues.py::QueueBasicTests.test_maxsize
  it('put() blocks at maxsize and resumes one pass after a get (generator, exact passes)', () =>
    run(function* () {
      const q = new Queue<number>(2);
      const haveBeenPut: number[] = [];
      const t = createTask(function* () {
        for (let i = 0; i < 3; i++) {
          yield* q.put(i);
          haveBeenPut.push(i);
        }
        return true;
      });
      yield* sleep(0);
      yield* sleep(0);
      expect(haveBeenPut).toEqual([0, 1]);
      expect(yield* q.get()).toBe(0);
      yield* sleep(0);
      expect(haveBeenPut).toEqual([0, 1, 2]);
      expect(yield* q.get()).toBe(1);
      expect(yield* q.get()).toBe(2);
      expect(t.result()).toBe(true);
    }));

  // ports test_queues.py::QueuePutTests.test_float_maxsize
  it('a fractional maxsize is full at the next integer', () =>
    run(async () => {
      const q = new Queue<number>(1.3);
      q.putNowait(1);
      q.putNowait(2);
      expect(q.full()).toBe(true);
      expect(syncError(() => q.putNowait(3))).toBeInstanceOf(QueueFullError);
    }));

  // ports test_queues.py::LifoQueueTests.test_order + PriorityQueueTests.test_order
  it('LifoQueue is LIFO and PriorityQueue smallest-first', () =>
    run(async () => {
      const lifo = new LifoQueue<number>();
      const prio = new PriorityQueue<number>();
      for (const i of [1, 3, 2]) {
        await lifo.put(i);
        await prio.put(i);
      }
      expect([lifo.getNowait(), lifo.getNowait(), lifo.getNowait()]).toEqual([2, 3, 1]);
      expect([prio.getNowait(), prio.getNowait(), prio.getNowait()]).toEqual([1, 2, 3]);
    }));
});

describe('Queue get', () => {
  // ports test_queues.py::QueueGetTests.test_blocking_get_wait
  it('a waiting get() returns the item put later by a callback', () =>
    run(async () => {
      const q = new Queue<number>();
      let finished = false;
      const t = createTask(async () => {
        const r = await q.get();
        finished = true;
        return r;
      });
      await sleep(0);
      expect(finished).toBe(false);
      getRunningLoop().callLater(10, () => q.putNowait(1));
      expect(await t).toBe(1);
      expect(finished).toBe(true);
    }, { clock: virtualClock() }));

  // ports test_queues.py::QueueGetTests.test_nonblocking_get_exception
  it('getNowait() of an empty queue throws QueueEmptyError', () =>
    run(() => {
      expect(syncError(() => new Queue().getNowait())).toBeInstanceOf(QueueEmptyError);
    }));

  // ports test_queues.py::QueueGetTests.test_get_cancelled_race
  for (const style of STYLES) {
    it(`a cancelled getter does not take the next item from the getter behind it (${style})`, () =>
      run(async () => {
        const q = new Queue<string>();
        const get = waiting(style, () => q.get());
        const t1 = createTask(get);
        const t2 = createTask(get);
        await passes(2);
        t1.cancel();
        await passes(2);
        expect(t1.done()).toBe(true);
        await q.put('a');
        expect(await t2).toBe('a');
      }));
  }

  // ports test_queues.py::QueueGetTests.test_get_with_waiting_putters
  it('get() takes the items of waiting putters in order', () =>
    run(async () => {
      const q = new Queue<string>(1);
      createTask(() => q.put('a'));
      createTask(() => q.put('b'));
      expect(await q.get()).toBe('a');
      expect(await q.get()).toBe('b');
    }));

  // ports test_queues.py::QueueGetTests.test_why_are_getters_waiting
  it('a producer and a consumer on a 1-slot queue both finish', () =>
    run(() =>
      new TaskGroup().run((tg) => {
        const q = new Queue<number>(1);
        tg.createTask(async () => {
          for (let i = 0; i < 5; i++) await q.put(i);
        });
        tg.createTask(function* () {
          for (let i = 0; i < 5; i++) yield* q.get();
        });
      }),
    ));

  // ports test_queues.py::QueueGetTests.test_cancelled_getters_not_being_held_in_self_getters
  it('a get() timed out by waitFor leaves no getter behind', () =>
    run(async () => {
      const q = new Queue<number>(5);
      expect(await rejection(waitFor(q.get(), 100))).toBeInstanceOf(TimeoutError);
      expect(q.statistics().tasksWaitingGet).toBe(0);
    }, { clock: virtualClock() }));
});

describe('Queue put', () => {
  // ports test_queues.py::QueuePutTests.test_blocking_put_wait
  it('a put() blocked on a full queue resumes after a later getNowait()', () =>
    run(async () => {
      const q = new Queue<number>(1);
      let finished = false;
      getRunningLoop().callLater(10, () => q.getNowait());
      const t = createTask(async () => {
        await q.put(1);
        await q.put(2);
        finished = true;
      });
      await sleep(0);
      expect(finished).toBe(false);
      await t;
      expect(finished).toBe(true);
    }, { clock: virtualClock() }));

  // ports test_queues.py::QueuePutTests.test_get_cancel_drop_one_pending_reader
  for (const style of STYLES) {
    it(`a reader woken by putNowait and then cancelled drops no item (${style})`, () =>
      run(function* () {
        const q = new Queue<number>();
        const get = waiting(style, () => q.get());
        let reader = createTask(get);
        yield* passesG(style === 'async' ? 3 : 1); // an async reader needs microtask hops to block
        q.putNowait(1);
        q.putNowait(2);
        reader.cancel();
        const e = yield* rejectionG(reader);
        assertCancelled(e);
        reader = createTask(get);
        expect(yield* reader).toBe(1); // if 2 came out, 1 was dropped
      }));
  }

  // ports test_queues.py::QueuePutTests.test_get_cancel_drop_many_pending_readers
  it('with three readers woken by two items and one cancelled, the other two get both items', () =>
    run(async () => {
      const q = new Queue<number>();
      const readers = [createTask(() => q.get()), createTask(() => q.get()), createTask(() => q.get())];
      await sleep(0);
      q.putNowait(1);
      q.putNowait(2);
      readers[0]!.cancel();
      assertCancelled(await rejection(readers[0]!));
      const got = await gather([readers[1]!, readers[2]!]);
      expect(new Set(got)).toEqual(new Set([1, 2]));
    }));

  // ports test_queues.py::QueuePutTests.test_put_cancel_drop
  for (const style of STYLES) {
    it(`a writer woken by getNowait and then cancelled leaves the slot to a retry (${style})`, () =>
      run(function* () {
        const q = new Queue<number>(1);
        q.putNowait(1);
        const put = waiting(style, () => q.put(2));
        let writer = createTask(put);
        yield* passesG(style === 'async' ? 3 : 1);
        expect(q.getNowait()).toBe(1);
        writer.cancel();
        assertCancelled(yield* rejectionG(writer));
        writer = createTask(put);
        yield* writer;
        expect(q.getNowait()).toBe(2);
        expect(q.qsize()).toBe(0);
      }));
  }

  // ports test_queues.py::QueuePutTests.test_put_cancelled_race
  it('a cancelled putter gives its turn to the next (generator, exact passes)', () =>
    run(function* () {
      const q = new Queue<string>(1);
      const put = (x: string) =>
        function* () {
          yield* q.put(x);
        };
      const putA = createTask(put('a'));
      const putB = createTask(put('b'));
      const putC = createTask(put('X'));
      yield* sleep(0);
      expect(putA.done()).toBe(true);
      expect(putB.done()).toBe(false);
      putC.cancel();
      yield* sleep(0);
      expect(putC.done()).toBe(true);
      expect(q.getNowait()).toBe('a');
      yield* sleep(0);
      expect(q.getNowait()).toBe('b');
      yield* putB;
    }));

  // ports test_queues.py::QueuePutTests.test_why_are_putters_waiting
  it('putters blocked on a full queue all finish once a getter drains it', () =>
    run(() =>
      new TaskGroup().run((tg) => {
        const q = new Queue<number>(2);
        tg.createTask(async () => {
          await sleep(0);
          const n = q.qsize();
          for (let i = 0; i < n; i++) q.getNowait();
        });
        for (let i = 0; i < 4; i++) tg.createTask(() => q.put(i));
      }),
    ));

  // ports test_queues.py::QueuePutTests.test_cancelled_puts_not_being_held_in_self_putters
  it('a cancelled put() leaves no putter behind', () =>
    run(async () => {
      const q = new Queue<number>(1);
      q.putNowait(1);
      const putTask = createTask(() => q.put(1));
      await sleep(0);
      expect(q.statistics().tasksWaitingPut).toBe(1);
      putTask.cancel();
      assertCancelled(await rejection(putTask));
      expect(q.statistics().tasksWaitingPut).toBe(0);
      expect(q.qsize()).toBe(1);
    }));

  // ports test_queues.py::QueuePutTests.test_cancelled_put_silence_value_error_exception
  it('a putter woken by getNowait and then cancelled ends with CancelledError, nothing else', () =>
    run(async () => {
      const q = new Queue<number>(1);
      q.putNowait(1);
      const putTask = createTask(() => q.put(1));
      await sleep(0);
      q.getNowait();
      putTask.cancel();
      assertCancelled(await rejection(putTask));
      expect(q.qsize()).toBe(0);
    }));
});

const CLASSES = [
  ['Queue', <T>(n?: number) => new Queue<T>(n)],
  ['LifoQueue', <T>(n?: number) => new LifoQueue<T>(n)],
  ['PriorityQueue', <T>(n?: number) => new PriorityQueue<T>(n)],
] as const;

for (const [name, make] of CLASSES) {
  describe(`${name} join`, () => {
    // ports test_queues.py::_QueueJoinTestMixin.test_task_done_underflow
    it('taskDone() with nothing unfinished throws RangeError and the queue stays usable', () =>
      run(async () => {
        const q = make<number>();
        expect((syncError(() => q.taskDone()) as Error).message).toMatch(/taskDone\(\) called too many times/);
        q.putNowait(1);
        q.getNowait();
        q.taskDone();
        await q.join();
      }));

    // ports test_queues.py::_QueueJoinTestMixin.test_task_done
    it('join() returns once two workers marked all 100 items done', () =>
      run(async () => {
        const q = make<number>();
        for (let i = 0; i < 100; i++) q.putNowait(i);
        let acc = 0;
        let running = true;
        await new TaskGroup().run(async (tg) => {
          const worker = async () => {
            while (running) {
              const item = await q.get();
              acc += item;
              q.taskDone();
            }
          };
          tg.createTask(worker);
          tg.createTask(worker);
          await q.join();
          expect(acc).toBe(4950);
          running = false;
          q.putNowait(0);
          q.putNowait(0);
        });
      }));

    // ports test_queues.py::_QueueJoinTestMixin.test_join_empty_queue + test_format
    it('join() of a fresh queue returns at once; statistics count unfinished items', () =>
      run(async () => {
        const q = make<number>();
        await q.join();
        await q.join();
        q.putNowait(5);
        expect(q.statistics().unfinishedTasks).toBe(1);
        expect(String(q)).toBe(`<${name} maxsize=0 _queue=[5] tasks=1>`);
      }));

    // ports test_queues.py::_QueueShutdownTestMixin.test_format + test_shutdown_empty
    it('shutdown() of an empty queue fails a waiting getter and every later put/get', () =>
      run(async () => {
        const q = make<string>();
        recordExceptions(); // getTask fails before it is awaited: keep the report quiet
        const getTask = createTask(() => q.get());
        await sleep(0);
        q.shutdown();
        expect(String(q)).toBe(`<${name} maxsize=0 shutdown>`);
        await q.join();
        await passes(2);
        expect(getTask.done()).toBe(true);
        expect(await rejection(getTask)).toBeInstanceOf(QueueShutDownError);
        expect(syncError(() => q.put('data'))).toBeInstanceOf(QueueShutDownError);
        expect(syncError(() => q.putNowait('data'))).toBeInstanceOf(QueueShutDownError);
        expect(syncError(() => q.get())).toBeInstanceOf(QueueShutDownError);
        expect(syncError(() => q.getNowait())).toBeInstanceOf(QueueShutDownError);
      }));

    // ports test_queues.py::_QueueShutdownTestMixin.test_shutdown_nonempty
    it('shutdown() of a full queue fails the waiting putter; the item left can still be got', () =>
      run(function* () {
        const q = make<string>(1);
        q.putNowait('data');
        const joinTask = createTask(() => q.join());
        const putTask = createTask(function* () {
          yield* q.put('data2');
        });
        yield* sleep(0);
        expect(putTask.done()).toBe(false);
        q.shutdown();
        expect(q.qsize()).toBe(1);
        yield* sleep(0);
        expect(putTask.done()).toBe(true);
        expect(yield* rejectionG(putTask)).toBeInstanceOf(QueueShutDownError);
        expect(yield* q.get()).toBe('data');
        yield* sleep(0);
        expect(joinTask.done()).toBe(false);
        expect(syncError(() => q.get())).toBeInstanceOf(QueueShutDownError);
        q.taskDone();
        yield* passesG(3);
        expect(joinTask.done()).toBe(true);
        expect(syncError(() => q.taskDone())).toBeInstanceOf(RangeError);
      }));

    // ports test_queues.py::_QueueShutdownTestMixin.test_shutdown_immediate
    it('shutdown(true) drops the items, lets join() return and fails every get', () =>
      run(function* () {
        const q = make<string>();
        q.putNowait('data');
        const joinTask = createTask(function* () {
          yield* q.join();
        });
        q.shutdown(true);
        expect(q.qsize()).toBe(0);
        expect(String(q)).toBe(`<${name} maxsize=0 shutdown>`);
        yield* sleep(0);
        expect(joinTask.done()).toBe(true);
        expect(syncError(() => q.get())).toBeInstanceOf(QueueShutDownError);
        expect(syncError(() => q.taskDone())).toBeInstanceOf(RangeError);
      }));

    // ports test_queues.py::_QueueShutdownTestMixin.test_shutdown_immediate_with_unfinished
    it('shutdown(true) with an item got but not done: join() waits for that taskDone()', () =>
      run(function* () {
        const q = make<string>();
        q.putNowait('data');
        q.putNowait('data');
        const joinTask = createTask(function* () {
          yield* q.join();
        });
        expect(yield* q.get()).toBe('data');
        q.shutdown(true);
        expect(q.statistics().unfinishedTasks).toBe(1);
        yield* sleep(0);
        expect(joinTask.done()).toBe(false);
        expect(syncError(() => q.put('data'))).toBeInstanceOf(QueueShutDownError);
        expect(syncError(() => q.getNowait())).toBeInstanceOf(QueueShutDownError);
        q.taskDone();
        expect(syncError(() => q.taskDone())).toBeInstanceOf(RangeError);
        yield* sleep(0);
        expect(joinTask.done()).toBe(true);
      }));

    // tulip: join() is a cancellable wait like the others
    it('a join() cancelled while waiting leaves the queue as it was', () =>
      run(async () => {
        const q = make<number>();
        q.putNowait(1);
        const j = createTask(() => q.join());
        await sleep(0);
        j.cancel();
        assertCancelled(await rejection(j));
        expect(q.statistics().unfinishedTasks).toBe(1);
        q.getNowait();
        q.taskDone();
        await q.join();
      }));
  });
}
