import { describe, expect, it } from 'vitest';
import { Queue, QueueFullError, QueueShutDownError, createTask, currentTask, gather, run, sleep, type Coroutine } from 'tulip';
import { assertCancelled, passes, rejection, syncError } from '../support.js';


describe('Queue', () => {
  it('refuses a NaN or non-number maxsize and names it', () => {
    expect((syncError(() => new Queue(NaN)) as Error).message).toMatch(/maxsize must be a number, got NaN/);
    expect(() => new Queue('3' as never)).toThrow(TypeError);
    expect(new Queue(-1).full()).toBe(false);
  });

  it('get() of a non-empty queue and put() into a non-full one return done futures', () =>
    run(() => {
      const q = new Queue<number>(1);
      const p = q.put(1);
      expect(p.done()).toBe(true);
      const g = q.get();
      expect(g.done()).toBe(true);
      expect(g.result()).toBe(1);
    }));

  it('taskDone() called too often names the problem and the queue stays usable', () =>
    run(async () => {
      const q = new Queue<number>();
      expect((syncError(() => q.taskDone()) as Error).message).toBe('Queue: taskDone() called too many times');
      await q.put(1);
      expect(await q.get()).toBe(1);
      q.taskDone();
      await q.join();
    }));

  it('statistics() reports sizes, unfinished items and the waiting getters and putters', () =>
    run(async () => {
      const q = new Queue<number>(2);
      createTask(() => q.get());
      createTask(() => q.get());
      await passes(10);
      expect(q.statistics()).toEqual({
        qsize: 0,
        maxsize: 2,
        unfinishedTasks: 0,
        tasksWaitingGet: 2,
        tasksWaitingPut: 0,
        shutdown: false,
      });
      q.putNowait(1);
      q.putNowait(2);
      await passes(10);
      q.putNowait(3);
      q.putNowait(4);
      const putter = createTask(() => q.put(5));
      await passes(10);
      expect(q.statistics()).toMatchObject({ qsize: 2, unfinishedTasks: 4, tasksWaitingGet: 0, tasksWaitingPut: 1 });
      q.shutdown(true);
      expect(await rejection(putter)).toBeInstanceOf(QueueShutDownError);
      expect(q.statistics()).toMatchObject({ qsize: 0, unfinishedTasks: 2, shutdown: true });
    }));

  it('shutdown() refuses a non-boolean immediate', () =>
    run(() => {
      expect(syncError(() => new Queue().shutdown('yes' as never))).toBeInstanceOf(TypeError);
    }));

  it('putNowait() into a full queue throws QueueFullError naming the size', () =>
    run(() => {
      const q = new Queue<number>(1);
      q.putNowait(1);
      expect((syncError(() => q.putNowait(2)) as QueueFullError).message).toMatch(/full \(maxsize 1\)/);
    }));

  it('a queue used in a second loop after it waited in a first throws RuntimeError', async () => {
    const q = new Queue<number>();
    await run(async () => {
      const t = createTask(() => q.get());
      await passes(10);
      q.putNowait(1);
      await t;
    });
    await run(() => {
      q.putNowait(2);
      expect(q.getNowait()).toBe(2); // no wait: no loop involved
      expect((syncError(() => q.get()) as Error).message).toMatch(/bound to a different event loop/);
    });
  });

  it('a producer and consumer hand over 10 000 items in order', () =>
    run(async () => {
      const q = new Queue<number>(16);
      const consumer = createTask(async () => {
        let sum = 0;
        let last = -1;
        for await (const x of q) {
          expect(x).toBe(last + 1);
          last = x;
          sum += x;
        }
        return sum;
      });
      for (let i = 0; i < 10_000; i++) await q.put(i);
      q.shutdown();
      expect(await consumer).toBe((9_999 * 10_000) / 2);
    }));
});

describe('Queue async iteration', () => {
  it('does not call taskDone(), so join() waits for the consumer to do it', () =>
    run(async () => {
      const q = new Queue<string>();
      q.putNowait('a');
      q.shutdown();
      for await (const x of q) expect(x).toBe('a');
      expect(q.statistics().unfinishedTasks).toBe(1);
      q.taskDone();
      await q.join();
    }));

  it('a task cancelled inside for-await takes no item: the next consumer gets it', () =>
    run(async () => {
      const q = new Queue<number>();
      const seen: number[] = [];
      const consumer = createTask(async () => {
        for await (const x of q) seen.push(x);
      });
      await passes(10);
      consumer.cancel();
      assertCancelled(await rejection(consumer));
      q.putNowait(7);
      expect(await q.get()).toBe(7);
      expect(seen).toEqual([]);
    }));

  it('a consumer woken by a put and cancelled before it resumes leaves the item for the next one', () =>
    run(async () => {
      const q = new Queue<number>();
      const a = createTask(async () => {
        for await (const x of q) return x;
        return -1;
      });
      const b = createTask(async () => {
        for await (const x of q) return x;
        return -1;
      });
      await passes(10);
      q.putNowait(1);
      a.cancel();
      assertCancelled(await rejection(a));
      expect(await b).toBe(1);
    }));

  it('breaking out of the loop leaves the remaining items in the queue', () =>
    run(async () => {
      const q = new Queue<number>();
      for (const x of [1, 2, 3]) q.putNowait(x);
      for await (const x of q) if (x === 1) break;
      expect(q.qsize()).toBe(2);
    }));

  it('generator tasks drain the queue with get() until QueueShutDownError', () =>
    run(function* (): Coroutine<number[]> {
      const q = new Queue<number>();
      const out: number[] = [];
      const consumer = createTask(function* () {
        for (;;) {
          try {
            out.push(yield* q.get());
          } catch (e) {
            if (e instanceof QueueShutDownError) return;
            throw e;
          }
        }
      });
      yield* q.put(1);
      yield* q.put(2);
      q.shutdown();
      yield* consumer;
      expect(out).toEqual([1, 2]);
      expect(currentTask()).toBeDefined();
      return out;
    }));

  it('several consumers share the items, each item once', () =>
    run(async () => {
      const q = new Queue<number>(4);
      const consumer = () =>
        createTask(async () => {
          const got: number[] = [];
          for await (const x of q) {
            got.push(x);
            await sleep(0);
          }
          return got;
        });
      const consumers = [consumer(), consumer(), consumer()];
      for (let i = 0; i < 60; i++) await q.put(i);
      q.shutdown();
      const all = (await gather(consumers)).flat().sort((a, b) => a - b);
      expect(all).toEqual(Array.from({ length: 60 }, (_, i) => i));
    }));
});
