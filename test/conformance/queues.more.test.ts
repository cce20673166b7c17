// More behaviour ports of CPython 3.13 Lib/test/test_asyncio/test_queues.py, written as asyncio's
// tests are: async-function tasks, `await asyncio.sleep(0)` as exactly one loop pass, and the
// assertions in the same places (queues.test.ts ported several of these in generator style or with
// waitAllTasksBlocked; here the async style is held to the same pass-by-pass behaviour).
//
// Skipped (one line each):
// - QueueBasicTests.test_repr / test_str: Python repr format (toString is checked in queues.test.ts).
// - QueueBasicTests.test_generic_alias: Python typing.
// - QueueGetTests.test_get_with_putters: appends a raw future to the private `_putters`; the
//   behaviour (a get() wakes one waiting putter) is ported with a real putter below.
// - _QueueJoinTestMixin.test_format / _QueueShutdownTestMixin.test_format: private `_format()`.
// - `len(q._getters)` / `len(q._putters)`: private; replaced by statistics() and task states.
import { describe, expect, it } from 'vitest';
import {
  Event,
  LifoQueue,
  PriorityQueue,
  Queue,
  QueueEmptyError,
  QueueFullError,
  QueueShutDownError,
  TaskGroup,
  TimeoutError,
  createTask,
  getRunningLoop,
  run,
  sleep,
  waitFor,
  type Task,
} from 'tulip';
import { STYLES, assertCancelled, errorOf, rejection, rejectionG, runVirtual, syncError } from './helpers.js';

type AnyQueue = new <T>(maxsize?: number) => Queue<T>;
const KINDS: [string, AnyQueue][] = [
  ['Queue', Queue],
  ['LifoQueue', LifoQueue],
  ['PriorityQueue', PriorityQueue as unknown as AnyQueue],
];

describe('Queue basics (async style, exact passes)', () => {
  // ports test_queues.py::QueueBasicTests.test_empty
  it('empty() follows put() and get()', () =>
    run(async () => {
      const q = new Queue<number>();
      expect(q.empty()).toBe(true);
      await q.put(1);
      expect(q.empty()).toBe(false);
      expect(await q.get()).toBe(1);
      expect(q.empty()).toBe(true);
    }));

  // ports test_queues.py::QueueBasicTests.test_full
  it('an unbounded queue is never full; a 1-slot queue is full after one put()', () =>
    run(async () => {
      expect(new Queue<number>().full()).toBe(false);
      const q = new Queue<number>(1);
      await q.put(1);
      expect(q.full()).toBe(true);
    }));

  // ports test_queues.py::QueueBasicTests.test_maxsize
  it('a putter blocks after maxsize items and puts the next one a pass after a get() (async)', () =>
    run(async () => {
      const q = new Queue<number>(2);
      expect(q.maxsize).toBe(2);
      const haveBeenPut: number[] = [];
      const t = createTask(async () => {
        for (let i = 0; i < 3; i++) {
          await q.put(i);
          haveBeenPut.push(i);
        }
        return true;
      });
      for (let i = 0; i < 2; i++) await sleep(0);
      expect(haveBeenPut).toEqual([0, 1]);
      expect(await q.get()).toBe(0);
      await sleep(0);
      expect(haveBeenPut).toEqual([0, 1, 2]);
      expect(await q.get()).toBe(1);
      expect(await q.get()).toBe(2);
      expect(t.done()).toBe(true);
      expect(t.result()).toBe(true);
    }));

  // ports test_queues.py::QueueBasicTests.test_order / LifoQueueTests / PriorityQueueTests
  it('FIFO, LIFO and priority order, through awaited put() and get()', () =>
    run(async () => {
      const expected: Record<string, number[]> = { Queue: [1, 3, 2], LifoQueue: [2, 3, 1], PriorityQueue: [1, 2, 3] };
      for (const [name, Q] of KINDS) {
        const q = new Q<number>();
        for (const i of [1, 3, 2]) await q.put(i);
        const items = [await q.get(), await q.get(), await q.get()];
        expect(items, name).toEqual(expected[name]);
      }
    }));
});

describe('Queue get (exact passes)', () => {
  // ports test_queues.py::QueueGetTests.test_blocking_get
  it('get() of a queue with an item returns it', () =>
    run(async () => {
      const q = new Queue<number>();
      q.putNowait(1);
      expect(await q.get()).toBe(1);
    }));

  // ports test_queues.py::QueueGetTests.test_get_with_putters
  it('get() from a full queue with a waiting putter wakes that putter (async)', () =>
    run(async () => {
      const q = new Queue<number>(1);
      await q.put(1);
      const putter = createTask(() => q.put(2));
      await sleep(0);
      expect(putter.done()).toBe(false);
      expect(await q.get()).toBe(1);
      await sleep(0);
      expect(putter.done()).toBe(true);
      expect(putter.result()).toBeUndefined();
      expect(q.getNowait()).toBe(2);
    }));

  // ports test_queues.py::QueueGetTests.test_nonblocking_get / test_nonblocking_get_exception
  it('getNowait() returns the item, or throws QueueEmptyError synchronously', () =>
    run(() => {
      const q = new Queue<number>();
      q.putNowait(1);
      expect(q.getNowait()).toBe(1);
      expect(syncError(() => q.getNowait())).toBeInstanceOf(QueueEmptyError);
    }));

  for (const style of STYLES) {
    // ports test_queues.py::QueueGetTests.test_get_cancelled_race (exact passes)
    it(`a getter cancelled before any item leaves the item to the next getter, pass by pass (${style})`, () =>
      run(async () => {
        const q = new Queue<string>();
        const body =
          style === 'async'
            ? () => q.get()
            : function* () {
                return yield* q.get();
              };
        const t1 = createTask(body);
        const t2 = createTask(body);
        await sleep(0);
        t1.cancel();
        await sleep(0);
        expect(t1.done()).toBe(true);
        await q.put('a');
        await sleep(0);
        expect(t2.done()).toBe(true);
        expect(await t2).toBe('a');
      }));
  }

  // ports test_queues.py::QueueGetTests.test_get_with_waiting_putters
  it('get() takes the items of two waiting putters in order (async)', () =>
    run(async () => {
      const q = new Queue<string>(1);
      createTask(() => q.put('a'));
      createTask(() => q.put('b'));
      expect(await q.get()).toBe('a');
      expect(await q.get()).toBe('b');
    }));

  // ports test_queues.py::QueueGetTests.test_why_are_getters_waiting (generator style)
  it('a generator producer and consumer on a 1-slot queue both finish', () =>
    run(function* () {
      const q = new Queue<number>(1);
      const got: number[] = [];
      yield* new TaskGroup().run(function* (tg) {
        tg.createTask(function* () {
          for (let i = 0; i < 5; i++) yield* q.put(i);
        });
        tg.createTask(function* () {
          for (let i = 0; i < 5; i++) got.push(yield* q.get());
        });
      });
      expect(got).toEqual([0, 1, 2, 3, 4]);
    }));

  // ports test_queues.py::QueueGetTests.test_cancelled_getters_not_being_held_in_self_getters (generator)
  it('a get() timed out by waitFor leaves no getter behind (generator)', () =>
    runVirtual(function* () {
      const q = new Queue<number>(5);
      const e = yield* rejectionG(waitFor(q.get(), 100));
      expect(e).toBeInstanceOf(TimeoutError);
      expect(q.statistics().tasksWaitingGet).toBe(0);
      q.putNowait(7);
      expect(q.getNowait()).toBe(7);
    }));
});

describe('Queue put (exact passes)', () => {
  // ports test_queues.py::QueuePutTests.test_blocking_put
  it('put() on an unbounded queue does not block', () =>
    run(async () => {
      const q = new Queue<number>();
      await q.put(1);
      expect(await q.get()).toBe(1);
    }));

  // ports test_queues.py::QueuePutTests.test_blocking_put_wait
  it('a putter blocked on a full queue finishes after a getNowait() in a timer callback', () =>
    runVirtual(async () => {
      const q = new Queue<number>(1);
      const started = new Event();
      let finished = false;
      getRunningLoop().callLater(10, () => q.getNowait());
      const t = createTask(async () => {
        started.set();
        await q.put(1);
        await q.put(2);
        finished = true;
      });
      await started.wait();
      expect(finished).toBe(false);
      await t;
      expect(finished).toBe(true);
    }));

  // ports test_queues.py::QueuePutTests.test_put_cancelled
  it('a task that put() into the queue a getter waits on is done when the getter resumes (async)', () =>
    run(async () => {
      const q = new Queue<number>();
      const t = createTask(async () => {
        await q.put(1);
        return true;
      });
      expect(await q.get()).toBe(1);
      expect(t.done()).toBe(true);
      expect(t.result()).toBe(true);
    }));

  // ports test_queues.py::QueuePutTests.test_put_cancelled (generator style)
  it('a task that put() into the queue a getter waits on is done when the getter resumes (generator)', () =>
    run(function* () {
      const q = new Queue<number>();
      const t = createTask(function* () {
        yield* q.put(1);
        return true;
      });
      expect(yield* q.get()).toBe(1);
      expect(t.done()).toBe(true);
      expect(t.result()).toBe(true);
    }));

  // ports test_queues.py::QueuePutTests.test_put_cancelled_race (async style, exact passes)
  it('a cancelled putter gives its turn to the next, pass by pass (async)', () =>
    run(async () => {
      const q = new Queue<string>(1);
      const putA = createTask(() => q.put('a'));
      const putB = createTask(() => q.put('b'));
      const putC = createTask(() => q.put('X'));
      await sleep(0);
      expect(putA.done()).toBe(true);
      expect(putB.done()).toBe(false);
      putC.cancel();
      await sleep(0);
      expect(putC.done()).toBe(true);
      expect(q.getNowait()).toBe('a');
      await sleep(0);
      expect(q.getNowait()).toBe('b');
      await putB;
    }));

  // ports test_queues.py::QueuePutTests.test_nonblocking_put / test_nonblocking_put_exception
  it('putNowait() on a full queue throws QueueFullError synchronously', () =>
    run(() => {
      const q = new Queue<number>(1);
      q.putNowait(1);
      expect(syncError(() => q.putNowait(2))).toBeInstanceOf(QueueFullError);
      expect(q.getNowait()).toBe(1);
    }));

  // ports test_queues.py::QueuePutTests.test_put_with_waiting_getters
  it('put() hands the item to a getter already waiting (async)', () =>
    run(async () => {
      const q = new Queue<string>();
      const t = createTask(() => q.get());
      await sleep(0);
      await q.put('a');
      expect(await t).toBe('a');
    }));

  // ports test_queues.py::QueuePutTests.test_why_are_putters_waiting (generator style)
  it('four generator putters on a 2-slot queue all finish after one getter drains it', () =>
    run(function* () {
      const q = new Queue<number>(2);
      yield* new TaskGroup().run(function* (tg) {
        tg.createTask(function* () {
          yield* sleep(0);
          const n = q.qsize();
          for (let i = 0; i < n; i++) q.getNowait();
        });
        for (let i = 0; i < 4; i++) tg.createTask(() => q.put(i));
      });
      expect(q.qsize()).toBe(2);
    }));

  for (const style of STYLES) {
    // ports test_queues.py::QueuePutTests.test_cancelled_puts_not_being_held_in_self_putters
    it(`a putter cancelled while waiting leaves no putter behind (${style})`, () =>
      run(async () => {
        const q = new Queue<number>(1);
        q.putNowait(1);
        const putTask = createTask(
          style === 'async'
            ? () => q.put(1)
            : function* () {
                yield* q.put(1);
              },
        );
        await sleep(0);
        expect(q.statistics().tasksWaitingPut).toBe(1);
        putTask.cancel();
        assertCancelled(await rejection(putTask));
        expect(q.statistics().tasksWaitingPut).toBe(0);
        expect(q.qsize()).toBe(1);
      }));

    // ports test_queues.py::QueuePutTests.test_cancelled_put_silence_value_error_exception
    it(`a putter woken by getNowait() and then cancelled ends cancelled, not with another error (${style})`, () =>
      run(async () => {
        const q = new Queue<number>(1);
        q.putNowait(1);
        const putTask = createTask(
          style === 'async'
            ? () => q.put(1)
            : function* () {
                yield* q.put(1);
              },
        );
        await sleep(0);
        q.getNowait();
        putTask.cancel();
        assertCancelled(await rejection(putTask));
        // the freed slot was not lost: another put goes straight in
        q.putNowait(5);
        expect(q.getNowait()).toBe(5);
      }));

    // ports test_queues.py::QueuePutTests.test_get_cancel_drop_one_pending_reader (exact retry)
    it(`a reader woken and cancelled drops nothing: a new reader gets 1, not 2 (${style})`, () =>
      run(async () => {
        const q = new Queue<number>();
        const body =
          style === 'async'
            ? () => q.get()
            : function* () {
                return yield* q.get();
              };
        let reader: Task<number> = createTask(body);
        await sleep(0);
        q.putNowait(1);
        q.putNowait(2);
        reader.cancel();
        try {
          await reader;
        } catch (e) {
          assertCancelled(e);
          reader = createTask(body);
          await reader;
        }
        expect(reader.result()).toBe(1);
      }));

    // ports test_queues.py::QueuePutTests.test_get_cancel_drop_many_pending_readers
    it(`three readers in a TaskGroup, two items, one reader cancelled: the others get both (${style})`, () =>
      run(async () => {
        const q = new Queue<number>();
        const body =
          style === 'async'
            ? () => q.get()
            : function* () {
                return yield* q.get();
              };
        let reader2!: Task<number>;
        let reader3!: Task<number>;
        await new TaskGroup().run(async (tg) => {
          const reader1 = tg.createTask(body);
          reader2 = tg.createTask(body);
          reader3 = tg.createTask(body);
          await sleep(0);
          q.putNowait(1);
          q.putNowait(2);
          reader1.cancel();
          assertCancelled(await rejection(reader1));
          await reader3;
        });
        expect(new Set([reader2.result(), reader3.result()])).toEqual(new Set([1, 2]));
      }));

    // ports test_queues.py::QueuePutTests.test_put_cancel_drop
    it(`a writer woken by getNowait() and cancelled: a retry puts 2 and nothing is duplicated (${style})`, () =>
      run(async () => {
        const q = new Queue<number>(1);
        q.putNowait(1);
        const body =
          style === 'async'
            ? () => q.put(2)
            : function* () {
                yield* q.put(2);
              };
        let writer: Task<void> = createTask(body);
        await sleep(0);
        expect(q.getNowait()).toBe(1);
        writer.cancel();
        try {
          await writer;
        } catch (e) {
          assertCancelled(e);
          writer = createTask(body);
          await writer;
        }
        expect(q.getNowait()).toBe(2);
        expect(q.qsize()).toBe(0);
      }));
  }
});

for (const [name, Q] of KINDS) {
  describe(`${name} join and shutdown (async style, exact passes)`, () => {
    // ports test_queues.py::_QueueJoinTestMixin.test_task_done_underflow
    it('taskDone() with nothing unfinished throws RangeError', () =>
      run(() => {
        const q = new Q<number>();
        expect(syncError(() => q.taskDone())).toBeInstanceOf(RangeError);
      }));

    // ports test_queues.py::_QueueJoinTestMixin.test_task_done
    it('join() inside a TaskGroup returns once two workers marked all 100 items done', () =>
      run(async () => {
        const q = new Q<number>();
        for (let i = 0; i < 100; i++) q.putNowait(i);
        let accumulator = 0;
        let running = true;
        await new TaskGroup().run(async (tg) => {
          const tasks = [0, 1].map(() =>
            tg.createTask(async () => {
              while (running) {
                const item = await q.get();
                accumulator += item;
                q.taskDone();
              }
            }),
          );
          await q.join();
          expect(accumulator).toBe(4950);
          running = false;
          for (let i = 0; i < tasks.length; i++) q.putNowait(0);
        });
      }));

    // ports test_queues.py::_QueueJoinTestMixin.test_join_empty_queue
    it('join() of a fresh queue returns at once, twice', () =>
      run(async () => {
        const q = new Q<number>();
        await q.join();
        await q.join();
      }));

    // ports test_queues.py::_QueueShutdownTestMixin.test_shutdown_empty
    it('shutdown() of an empty queue: the waiting getter fails one pass later; put/get fail', () =>
      run(async () => {
        const q = new Q<string>();
        const getTask = getRunningLoop().createTask(() => q.get());
        await sleep(0);
        q.shutdown(false);
        expect(q.qsize()).toBe(0);
        await q.join();
        await sleep(0);
        expect(getTask.done()).toBe(true);
        expect(await rejection(getTask)).toBeInstanceOf(QueueShutDownError);
        expect(await errorOf(() => q.put('data'))).toBeInstanceOf(QueueShutDownError);
        expect(syncError(() => q.putNowait('data'))).toBeInstanceOf(QueueShutDownError);
        expect(await errorOf(() => q.get())).toBeInstanceOf(QueueShutDownError);
        expect(syncError(() => q.getNowait())).toBeInstanceOf(QueueShutDownError);
      }));

    // ports test_queues.py::_QueueShutdownTestMixin.test_shutdown_nonempty
    it('shutdown() of a full queue fails the putter one pass later; join() waits for taskDone()', () =>
      run(async () => {
        const q = new Q<string>(1);
        const loop = getRunningLoop();
        q.putNowait('data');
        const joinTask = loop.createTask(() => q.join());
        const putTask = loop.createTask(() => q.put('data2'));
        await sleep(0);
        expect(putTask.done()).toBe(false);
        q.shutdown(false);
        expect(q.qsize()).toBe(1);
        await sleep(0);
        expect(putTask.done()).toBe(true);
        expect(await rejection(putTask)).toBeInstanceOf(QueueShutDownError);
        expect(await q.get()).toBe('data');
        await sleep(0);
        expect(joinTask.done()).toBe(false);
        expect(await errorOf(() => q.put('data'))).toBeInstanceOf(QueueShutDownError);
        expect(syncError(() => q.putNowait('data'))).toBeInstanceOf(QueueShutDownError);
        expect(await errorOf(() => q.get())).toBeInstanceOf(QueueShutDownError);
        expect(syncError(() => q.getNowait())).toBeInstanceOf(QueueShutDownError);
        q.taskDone();
        await sleep(0);
        expect(joinTask.done()).toBe(true);
        await joinTask;
        expect(syncError(() => q.taskDone())).toBeInstanceOf(RangeError);
      }));

    // ports test_queues.py::_QueueShutdownTestMixin.test_shutdown_immediate
    it('shutdown(true) drops the items; the waiting join() is done one pass later', () =>
      run(async () => {
        const q = new Q<string>();
        q.putNowait('data');
        const joinTask = getRunningLoop().createTask(() => q.join());
        q.shutdown(true);
        expect(q.qsize()).toBe(0);
        await sleep(0);
        expect(joinTask.done()).toBe(true);
        await joinTask;
        expect(await errorOf(() => q.put('data'))).toBeInstanceOf(QueueShutDownError);
        expect(syncError(() => q.putNowait('data'))).toBeInstanceOf(QueueShutDownError);
        expect(await errorOf(() => q.get())).toBeInstanceOf(QueueShutDownError);
        expect(syncError(() => q.getNowait())).toBeInstanceOf(QueueShutDownError);
        expect(syncError(() => q.taskDone())).toBeInstanceOf(RangeError);
      }));

    // ports test_queues.py::_QueueShutdownTestMixin.test_shutdown_immediate_with_unfinished
    it('shutdown(true) with an item got but not done: join() is done one pass after that taskDone()', () =>
      run(async () => {
        const q = new Q<string>();
        q.putNowait('data');
        q.putNowait('data');
        const joinTask = getRunningLoop().createTask(() => q.join());
        expect(await q.get()).toBe('data');
        q.shutdown(true);
        expect(q.qsize()).toBe(0);
        await sleep(0);
        expect(joinTask.done()).toBe(false);
        expect(await errorOf(() => q.put('data'))).toBeInstanceOf(QueueShutDownError);
        expect(syncError(() => q.putNowait('data'))).toBeInstanceOf(QueueShutDownError);
        expect(await errorOf(() => q.get())).toBeInstanceOf(QueueShutDownError);
        expect(syncError(() => q.getNowait())).toBeInstanceOf(QueueShutDownError);
        q.taskDone();
        expect(syncError(() => q.taskDone())).toBeInstanceOf(RangeError);
        await sleep(0);
        expect(joinTask.done()).toBe(true);
        await joinTask;
      }));

    // ports test_queues.py::_QueueShutdownTestMixin.test_shutdown_empty (generator style)
    it('shutdown() fails a waiting generator getter and a waiting generator putter', () =>
      run(function* () {
        const q = new Q<string>(1);
        const getter = createTask(function* () {
          return yield* new Q<string>().get();
        });
        q.putNowait('x');
        const putter = createTask(function* () {
          yield* q.put('y');
        });
        yield* sleep(0);
        q.shutdown(false);
        expect(yield* rejectionG(putter)).toBeInstanceOf(QueueShutDownError);
        expect(q.getNowait()).toBe('x');
        getter.cancel();
        assertCancelled(yield* rejectionG(getter));
      }));
  });
}
