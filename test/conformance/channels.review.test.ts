// Adversarial review of the queues and the Trio-style parts (memory channels, CapacityLimiter).
// Each test pins a subtle behaviour (the reference quoted beside it: CPython 3.13 asyncio, checked
// with the Python copy, or Trio's _channel.py/_sync.py); several were differences found by the
// review and fixed since.
// Cancellation races run with the tasks under test written in both coroutine styles.
import { describe, expect, it } from 'vitest';
import {
  CapacityLimiter,
  Queue,
  RuntimeError,
  createTask,
  isCancelledError,
  openMemoryChannel,
  run,
  type Future,
  type TaskBody,
} from 'tulip';
import { STYLES, assertCancelled, passes, recordExceptions, rejection, styled, waiting, type Style } from './helpers.js';

/** A task body in `style` that waits for `wait()` and then hands its result to `then`. */
function waitThen<T>(style: Style, wait: () => Future<T>, then: (v: T) => void): TaskBody<void> {
  return styled(
    style,
    function* () {
      then(yield* wait());
    },
    async () => {
      then(await wait());
    },
  );
}

/**
 * A receiver of `receive` handed `value` by `send` and cancelled before it resumed: the value goes
 * back to the channel, first in line (tulip's rule: nothing is lost).
 */
async function giveBack<T>(
  style: Style,
  send: { sendNowait(v: T): void },
  receive: { receive(): Future<T> },
  value: T,
): Promise<void> {
  const r = createTask(waiting(style, () => receive.receive()));
  await passes(1);
  send.sendNowait(value); // handed straight to the waiting receiver
  r.cancel();
  assertCancelled(await rejection(r));
}

describe('memory channels: a value given back by a cancelled receiver', () => {
  for (const style of STYLES) {
    // Trio: a send() on an unbuffered channel returns only once a receiver took that very value
    // (receive_nowait pops the sender and returns its value; the buffer is always empty while a
    // sender waits). A given-back value is first in line, and the sender behind it must not be
    // completed (its value pushed into a 0-slot buffer) before its own value is received.
    it(`buffer 0: a sender waiting behind a given-back value completes only when its own value is received (${style})`, () =>
      run(async () => {
        const [send, receive] = openMemoryChannel<string>(0);
        await giveBack(style, send, receive, 'a');
        const log: string[] = [];
        const sender = createTask(waitThen(style, () => send.send('b'), () => log.push('b sent')));
        await passes(2);
        expect(await receive.receive()).toBe('a');
        await passes(2);
        expect(log).toEqual([]);
        expect(send.statistics()).toMatchObject({ currentBufferUsed: 0, maxBufferSize: 0, tasksWaitingSend: 1 });
        expect(await receive.receive()).toBe('b');
        await sender;
        expect(log).toEqual(['b sent']);
      }),
    );

    // Trio: a waiting sender's value enters the buffer only when a receive frees a slot, so the
    // buffer never holds more than max_buffer_size: a give-back may overfill it by one for a
    // moment, and no sender is pulled in until a receive brings it below its size again.
    it(`buffer 1: once the given-back value is received the buffer is back within maxBufferSize (${style})`, () =>
      run(async () => {
        const [send, receive] = openMemoryChannel<string>(1);
        const r = createTask(waiting(style, () => receive.receive()));
        await passes(1);
        send.sendNowait('a'); // handed to r
        send.sendNowait('b'); // buffered
        r.cancel(); // before r resumes: 'a' goes back, first in line
        const log: string[] = [];
        const sender = createTask(waitThen(style, () => send.send('c'), () => log.push('c sent')));
        assertCancelled(await rejection(r));
        await passes(1); // the sender waits: the buffer is full
        expect(await receive.receive()).toBe('a');
        await passes(2);
        expect(send.statistics()).toMatchObject({ currentBufferUsed: 1, tasksWaitingSend: 1 });
        expect(log).toEqual([]);
        expect(await receive.receive()).toBe('b'); // frees the slot: 'c' goes in, its send returns
        await sender;
        expect(send.statistics()).toMatchObject({ currentBufferUsed: 1, tasksWaitingSend: 0 });
        expect(await receive.receive()).toBe('c');
      }),
    );
  }
});

describe('CapacityLimiter: two waits on behalf of the same borrower', () => {
  /** A limiter whose one token 'holder' has, and two tasks waiting for a token on behalf of `job`. */
  async function twoWaits(style: Style) {
    const limiter = new CapacityLimiter(1);
    limiter.acquireOnBehalfOfNowait('holder');
    const job = { id: 'job' };
    const first = createTask(waiting(style, () => limiter.acquireOnBehalfOf(job)));
    const second = createTask(waiting(style, () => limiter.acquireOnBehalfOf(job)));
    await passes(1);
    expect(limiter.statistics().tasksWaiting).toBe(2);
    return { limiter, job, first, second };
  }

  for (const style of STYLES) {
    // tulip's own rule (limiter.ts _wakeWaiters). Trio (checked, 0.22) admits both waits silently
    // and counts one token for the two: `_borrowers` is a set.
    it(`when tokens come, the first gets one and the second fails with RuntimeError; job holds one token (${style})`, () =>
      run(async () => {
        const { limiter, job, first, second } = await twoWaits(style);
        limiter.totalTokens = 3;
        const failed = rejection(second); // read it before it is reported as never retrieved
        await first;
        const e = await failed;
        expect(e).toBeInstanceOf(RuntimeError);
        expect((e as Error).message).toMatch(/already holding/);
        expect(limiter.statistics()).toEqual({ borrowedTokens: 2, totalTokens: 3, borrowers: ['holder', job], tasksWaiting: 0 });
        limiter.releaseOnBehalfOf(job);
        expect(limiter.availableTokens).toBe(2);
      }),
    );

    // A cancelled wait gives a token back only if one was handed to it: the second wait, failed
    // with "already holding", must not give back the token the FIRST wait holds. Trio: a cancelled
    // acquire_on_behalf_of only drops its pending entry; it never touches _borrowers.
    it(`the second, failed and then cancelled before it resumes, leaves the first one's token alone (${style})`, () =>
      run(async () => {
        recordExceptions(); // the RuntimeError nobody reads is reported (DESIGN §4)
        const { limiter, job, first, second } = await twoWaits(style);
        limiter.totalTokens = 3; // first borrows for job; second's wait fails: job holds a token
        second.cancel();
        await first;
        const e = await rejection(second);
        expect(isCancelledError(e) || e instanceof RuntimeError).toBe(true);
        expect(limiter.statistics().borrowers).toEqual(['holder', job]);
        expect(() => limiter.releaseOnBehalfOf(job)).not.toThrow();
      }),
    );
  }
});

describe('CapacityLimiter statistics during hand-overs', () => {
  for (const style of STYLES) {
    // Trio: a cancelled waiter leaves the parking lot at once (abort_fn); _wake_waiters makes the
    // woken task a borrower at once, before it runs.
    it(`tasksWaiting drops in the pass a waiter is cancelled; a waiter handed a token is a borrower before it resumes (${style})`, () =>
      run(async () => {
        const limiter = new CapacityLimiter(1);
        limiter.acquireOnBehalfOfNowait('holder');
        const [a, b, c] = ['a', 'b', 'c'].map((who) => createTask(waiting(style, () => limiter.acquireOnBehalfOf(who))));
        await passes(1);
        expect(limiter.statistics().tasksWaiting).toBe(3);
        a!.cancel();
        expect(limiter.statistics().tasksWaiting).toBe(2);
        limiter.releaseOnBehalfOf('holder');
        expect(limiter.statistics()).toEqual({ borrowedTokens: 1, totalTokens: 1, borrowers: ['b'], tasksWaiting: 1 });
        expect(String(limiter)).toBe('<CapacityLimiter 1/1 with 1 waiting>');
        expect(b!.done()).toBe(false);
        assertCancelled(await rejection(a!));
        await b;
        limiter.releaseOnBehalfOf('b');
        await c;
        expect(limiter.statistics().borrowers).toEqual(['c']);
      }),
    );
  }

  // Trio >= 0.32 (history.rst, #3321): "Allow trio.CapacityLimiter to have zero total_tokens";
  // the setter checks `new_total_tokens < 0` → ValueError. A limiter at 0 admits nobody until raised.
  it('totalTokens may be 0 (current Trio): nobody is admitted until it is raised', () =>
    run(async () => {
      const limiter = new CapacityLimiter(0);
      const t = createTask(() => limiter.acquireOnBehalfOf('w'));
      await passes(2);
      expect(limiter.statistics().tasksWaiting).toBe(1);
      limiter.totalTokens = 1;
      await t;
      expect(limiter.statistics().borrowers).toEqual(['w']);
      expect(() => (limiter.totalTokens = -1)).toThrow(RangeError);
    }),
  );
});

describe('Queue', () => {
  for (const style of STYLES) {
    // asyncio 3.13 (checked): join() is a coroutine; it looks at _unfinished_tasks when it starts,
    // so `j = q.join()` made before new work is put waits for that work too (not decided at the
    // call, neither when nothing was unfinished nor by a taskDone() that came before the await).
    for (const [when, setUp] of [
      ['while an item was unfinished', (q: Queue<number>) => (q.putNowait(1), q.join())],
      ['while nothing was unfinished', (q: Queue<number>) => q.join()],
    ] as const) {
      it(`a join() made ${when} waits for items put before it is first awaited (${style})`, () =>
        run(async () => {
          const q = new Queue<number>();
          const j = setUp(q);
          while (!q.empty()) (q.getNowait(), q.taskDone());
          q.putNowait(2);
          const joiner = createTask(waiting(style, () => j));
          await passes(3);
          expect(joiner.done()).toBe(false);
          q.getNowait();
          q.taskDone();
          await joiner;
        }),
      );
    }

    // asyncio 3.13 (checked): put() into a queue with room does not wait behind a putter woken by
    // get_nowait(); that putter finds the queue full again and waits at the back, behind p2.
    it(`a put() with room takes the slot a woken putter had not used yet; that putter waits again at the back (${style})`, () =>
      run(async () => {
        const q = new Queue<number | string>(1);
        q.putNowait(0);
        const order: string[] = [];
        for (const x of [1, 2]) createTask(waitThen(style, () => q.put(x), () => order.push(`put ${x}`)));
        await passes(1);
        const got = [q.getNowait()]; // wakes the putter of 1
        q.putNowait('x'); // takes its slot
        for (let i = 0; i < 3; i++) {
          await passes(1);
          got.push(q.getNowait());
        }
        expect(got).toEqual([0, 'x', 2, 1]);
        expect(order).toEqual(['put 2', 'put 1']);
      }),
    );
  }
});
