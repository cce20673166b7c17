// Gap ports of CPython 3.13 Lib/test/test_asyncio/test_queues.py: the behaviours of that file that
// no other test of the suite checked yet (everything else in test_queues.py is covered by
// queues*.test.ts, test/queues/*.test.ts and the shared suite, or is Python-only).
import { describe, expect, it } from 'vitest';
import { LifoQueue, PriorityQueue, Queue, QueueFullError, createTask, run, sleep } from 'tulip';
import { STYLES, passesG, styled, syncError } from './helpers.js';

const KINDS: [string, <T>(maxsize: number) => Queue<T>][] = [
  ['Queue', <T>(n: number) => new Queue<T>(n)],
  ['LifoQueue', <T>(n: number) => new LifoQueue<T>(n)],
  ['PriorityQueue', <T>(n: number) => new PriorityQueue<T>(n)],
];

describe('a fractional maxsize with awaited put()', () => {
  // ports test_queues.py::QueuePutTests.test_float_maxsize (the awaited half; the putNowait half is
  // in queues.test.ts), extended to the put that has to wait
  for (const [name, make] of KINDS) {
    for (const style of STYLES) {
      it(`${name}(1.3): two awaited puts go through without blocking, a third waits for a get (${style})`, () =>
        run(
          styled(
            style,
            function* () {
              const q = make<number>(1.3);
              yield* q.put(1);
              yield* q.put(2);
              expect(q.full()).toBe(true);
              expect(q.qsize()).toBe(2);
              expect(syncError(() => q.putNowait(3))).toBeInstanceOf(QueueFullError);
              const third = createTask(function* () {
                yield* q.put(3);
              });
              yield* passesG(3);
              expect(third.done()).toBe(false);
              q.getNowait();
              yield* passesG(1);
              expect(third.done()).toBe(true);
              expect(q.qsize()).toBe(2);
            },
            async () => {
              const q = make<number>(1.3);
              await q.put(1);
              await q.put(2);
              expect(q.full()).toBe(true);
              expect(q.qsize()).toBe(2);
              expect(syncError(() => q.putNowait(3))).toBeInstanceOf(QueueFullError);
              const third = createTask(async () => {
                await q.put(3);
              });
              for (let i = 0; i < 3; i++) await sleep(0);
              expect(third.done()).toBe(false);
              q.getNowait();
              await sleep(0);
              expect(third.done()).toBe(true);
              expect(q.qsize()).toBe(2);
            },
          ),
        ));
    }
  }
});

describe('Queue.toString', () => {
  // ports test_queues.py::QueueBasicTests.test_repr / test_str (the `_queue=[1]` part) and
  // _QueueShutdownTestMixin.test_format after shutdown(immediate); queues.test.ts checks the
  // maxsize, _getters[n], _putters[n], tasks=n and shutdown parts. asyncio lists the items
  // (" _queue=[1, 2]", in heap order for a PriorityQueue) and says " shutdown" after either shutdown.
  it('lists the queued items, and says shutdown after an immediate shutdown too', () =>
    run(async () => {
      const q = new Queue<number>();
      q.putNowait(1);
      expect(String(q)).toBe('<Queue maxsize=0 _queue=[1] tasks=1>');
      q.putNowait(2);
      expect(String(q)).toBe('<Queue maxsize=0 _queue=[1, 2] tasks=2>');
      q.shutdown(true);
      expect(String(q)).toBe('<Queue maxsize=0 shutdown>');
      const p = new PriorityQueue<number>();
      p.putNowait(3);
      p.putNowait(1);
      expect(String(p)).toBe('<PriorityQueue maxsize=0 _queue=[1, 3] tasks=2>');
    }));
});
