// Park futures (src/internal/park.ts): the blocking calls of Queue, Lock, Semaphore and memory
// channels as one future each. What a user sees of them: they act only once used, they work when
// handed to gather / done callbacks (no task stepping them), and wake-ups are never lost.
import { describe, expect, it } from 'vitest';
import {
  Lock,
  Queue,
  Semaphore,
  createTask,
  gather,
  getRunningLoop,
  openMemoryChannel,
  run,
  sleep,
  type Future,
} from 'tulip';
import { STYLES, assertCancelled, passes, passesG, rejection, waiting } from '../support.js';

describe('park futures', () => {
  it('a get() of an empty queue that nobody awaits takes nothing: a later item stays queued', () =>
    run(function* () {
      const q = new Queue<number>();
      const unused = q.get();
      q.putNowait(1);
      yield* passesG(3);
      expect(q.qsize()).toBe(1);
      expect(unused.done()).toBe(false);
      expect(q.statistics().tasksWaitingGet).toBe(0);
    }));

  it('an acquire() of a held lock and a send() on a full channel that nobody awaits take and send nothing', () =>
    run(function* () {
      const lock = new Lock();
      yield* lock.acquire();
      const unusedAcquire = lock.acquire();
      const [send, recv] = openMemoryChannel<number>(0);
      const unusedSend = send.send(1);
      yield* passesG(2);
      lock.release();
      yield* passesG(2);
      expect(lock.locked()).toBe(false);
      expect(recv.statistics().tasksWaitingSend).toBe(0);
      expect(() => recv.receiveNowait()).toThrow(/no value is ready/);
      expect([unusedAcquire.done(), unusedSend.done()]).toEqual([false, false]);
    }));

  it('a blocked get() handed to gather waits and returns the item', () =>
    run(function* () {
      const q = new Queue<string>();
      const both = gather([q.get(), q.get()]);
      yield* sleep(0);
      expect(q.statistics().tasksWaitingGet).toBe(2);
      q.putNowait('a');
      q.putNowait('b');
      expect(yield* both).toEqual(['a', 'b']);
    }));

  it('a done callback on a blocked get() runs once an item arrives, from a plain loop callback', () =>
    run(async () => {
      const q = new Queue<number>();
      const seen: number[] = [];
      getRunningLoop().callSoon(() => q.get().addDoneCallback((f: Future<number>) => seen.push(f.result())));
      await passes(2);
      q.putNowait(42);
      await passes(3);
      expect(seen).toEqual([42]);
      expect(q.qsize()).toBe(0);
    }));

  it('two tasks waiting on the same get() future both receive its one item', () =>
    run(function* () {
      const q = new Queue<number>();
      const g = q.get();
      const a = createTask(function* () {
        return yield* g;
      });
      const b = createTask(async () => await g);
      yield* sleep(0);
      q.putNowait(7);
      q.putNowait(8);
      expect(yield* gather([a, b])).toEqual([7, 7]);
      expect(q.getNowait()).toBe(8);
    }));

  for (const style of STYLES) {
    it(`a get() woken and then stolen by getNowait waits again at the back and gets a later item (${style})`, () =>
      run(function* () {
        const q = new Queue<number>();
        const first = createTask(waiting(style, () => q.get()));
        yield* sleep(0);
        const second = createTask(waiting(style, () => q.get()));
        yield* sleep(0);
        q.putNowait(1); // wakes `first` …
        expect(q.getNowait()).toBe(1); // … but the item is taken before it resumes
        yield* passesG(2);
        expect(first.done()).toBe(false);
        q.putNowait(2); // `second` was first in line now
        q.putNowait(3);
        expect(yield* gather([first, second])).toEqual([3, 2]);
      }));

    it(`cancelling a waiting acquire() of a held lock leaves the lock with its holder and the queue intact (${style})`, () =>
      run(async () => {
        const lock = new Lock();
        await lock.acquire();
        const a = createTask(waiting(style, () => lock.acquire()));
        const b = createTask(waiting(style, () => lock.acquire()));
        await sleep(0);
        a.cancel();
        assertCancelled(await rejection(a));
        expect(lock.statistics()).toEqual({ locked: true, tasksWaiting: 1 });
        lock.release();
        expect(await b).toBe(true);
        expect(lock.locked()).toBe(true);
      }));

    it(`a semaphore acquire() woken and cancelled in the same pass passes its unit on (${style})`, () =>
      run(async () => {
        const sem = new Semaphore(0);
        const a = createTask(waiting(style, () => sem.acquire()));
        const b = createTask(waiting(style, () => sem.acquire()));
        await sleep(0);
        sem.release();
        a.cancel();
        assertCancelled(await rejection(a));
        expect(await b).toBe(true);
        expect(sem.statistics()).toEqual({ value: 0, tasksWaiting: 0 });
      }));

    it(`a receive() handed a value and cancelled before it resumes gives the value to the next receiver (${style})`, () =>
      run(async () => {
        const [send, recv] = openMemoryChannel<string>(0);
        const a = createTask(waiting(style, () => recv.receive()));
        const b = createTask(waiting(style, () => recv.receive()));
        await sleep(0);
        send.sendNowait('x'); // handed to a …
        a.cancel(); // … which leaves before it returns it
        assertCancelled(await rejection(a));
        expect(await b).toBe('x');
      }));
  }

  it('a send() parked on a full channel is failed with ClosedResourceError when its own end closes, others keep waiting', () =>
    run(async () => {
      const [send, recv] = openMemoryChannel<number>(0);
      const other = send.clone();
      const mine = createTask(() => send.send(1));
      const theirs = createTask(() => other.send(2));
      await sleep(0);
      send.close();
      expect(((await rejection(mine)) as Error).name).toBe('ClosedResourceError');
      expect(recv.statistics().tasksWaitingSend).toBe(1);
      expect(await recv.receive()).toBe(2);
      await theirs;
    }));
});

describe('park future size', () => {
  // One park future is made per blocked call (each Queue hand-off makes one); its phase and the
  // late-cancel mark are bits of the future's flags, so it is a plain future plus its primitive.
  it('a blocked get() is a future with one field more, in each phase', () =>
    run(function* () {
      const plain = Object.keys(getRunningLoop().createFuture()).length;
      const q = new Queue<number>();
      const get = q.get();
      const counts = [Object.keys(get).length]; // fresh
      const t = createTask(function* () {
        return yield* get;
      });
      yield* sleep(0);
      counts.push(Object.keys(get).length); // parked
      q.putNowait(7);
      counts.push(Object.keys(get).length); // woken
      expect(yield* t).toBe(7);
      counts.push(Object.keys(get).length); // done
      expect(counts).toEqual([plain + 1, plain + 1, plain + 1, plain + 1]);
    }));
});
