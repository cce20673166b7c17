// Style twins of the memory-channel tests: each test here is the other-style twin of a test
// written in only one coroutine style in test/conformance/queues*.test.ts or
// test/queues/channel.test.ts (the queue twins are in queues.styles.test.ts). Same behaviour, same
// pass counts and order (`sleep(0)` is exactly one pass).
import { describe, expect, it } from 'vitest';
import {
  BrokenResourceError,
  EndOfChannelError,
  TaskGroup,
  createTask,
  gather,
  openMemoryChannel,
  run,
  sleep,
  timeout,
  type Task,
} from 'tulip';
import { STYLES, assertCancelled, passesG, rejection, rejectionG, runVirtual } from './helpers.js';

describe('memory channels (style twins)', () => {
  // twin of a rendezvous send (maxBufferSize 0): the sender waits for a receiver, in both styles
  it.each(STYLES)('a %s sender on a 0-buffer channel waits for the receiver; both resume one pass later', (style) =>
    run(function* () {
      const [send, receive] = openMemoryChannel<number>(0);
      const log: string[] = [];
      const sender = createTask(
        style === 'generator'
          ? function* () {
              yield* send.send(1);
              log.push('sent');
            }
          : async () => {
              await send.send(1);
              log.push('sent');
            },
      );
      yield* sleep(0);
      expect(send.statistics().tasksWaitingSend).toBe(1);
      expect(yield* receive.receive()).toBe(1);
      log.push('received');
      expect(log).toEqual(['received']);
      yield* sleep(0);
      expect(log).toEqual(['received', 'sent']);
      yield* sender;
    }),
  );

  // twin: a receiver waiting on an empty channel gets the value one pass after send, in both styles
  it.each(STYLES)('a %s receiver waiting on an empty channel gets the value one pass after sendNowait()', (style) =>
    run(async () => {
      const [send, receive] = openMemoryChannel<string>(1);
      const got: string[] = [];
      createTask(
        style === 'generator'
          ? function* () {
              got.push(yield* receive.receive());
            }
          : async () => {
              got.push(await receive.receive());
            },
      );
      await sleep(0);
      send.sendNowait('v');
      expect(got).toEqual([]);
      await sleep(0);
      expect(got).toEqual(['v']);
    }),
  );

  // twin: a receiver cancelled after a value was handed to it passes the value on (no value lost), in both styles
  it.each(STYLES)('a %s receiver cancelled after a value was handed to it passes it on: nothing is lost', (style) =>
    run(async () => {
      const [send, receive] = openMemoryChannel<number>(0);
      const body =
        style === 'generator'
          ? function* () {
              return yield* receive.receive();
            }
          : async () => receive.receive();
      const r1 = createTask(body);
      const r2 = createTask(body);
      await sleep(0);
      send.sendNowait(1);
      r1.cancel();
      assertCancelled(await rejection(r1));
      expect(await r2).toBe(1);
    }),
  );

  // twin: closing every send end ends a for-await consumer and fails a waiting receiver with EndOfChannelError
  it.each(STYLES)('closing the send end wakes a waiting %s receiver with EndOfChannelError, one pass later', (style) =>
    run(async () => {
      const [send, receive] = openMemoryChannel<number>(0);
      const r = createTask(
        style === 'generator'
          ? function* () {
              return yield* receive.receive();
            }
          : async () => receive.receive(),
      );
      await sleep(0);
      send.close();
      expect(r.done()).toBe(false);
      await sleep(0);
      expect(r.done()).toBe(true);
      expect(await rejection(r)).toBeInstanceOf(EndOfChannelError);
    }),
  );

  // twin: closing the receive end fails a waiting sender with BrokenResourceError
  it.each(STYLES)('closing the receive end fails a waiting %s sender with BrokenResourceError', (style) =>
    run(async () => {
      const [send, receive] = openMemoryChannel<number>(0);
      const s = createTask(
        style === 'generator'
          ? function* () {
              yield* send.send(1);
            }
          : async () => send.send(1),
      );
      await sleep(0);
      receive.close();
      expect(await rejection(s)).toBeInstanceOf(BrokenResourceError);
    }),
  );

  // twin: a sender cancelled while waiting sends nothing
  it.each(STYLES)('a %s sender cancelled while waiting sends nothing', (style) =>
    run(async () => {
      const [send, receive] = openMemoryChannel<number>(0);
      const s = createTask(
        style === 'generator'
          ? function* () {
              yield* send.send(1);
            }
          : async () => send.send(1),
      );
      await sleep(0);
      s.cancel();
      assertCancelled(await rejection(s));
      expect(() => receive.receiveNowait()).toThrow();
      expect(send.statistics().tasksWaitingSend).toBe(0);
    }),
  );

  // twin: producer and consumer of both styles through a channel inside a TaskGroup, for await ending on close
  it('a generator producer and an async for-await consumer through a channel; a timeout around it does not fire', () =>
    runVirtual(async () => {
      const [send, receive] = openMemoryChannel<number>(2);
      const seen: number[] = [];
      await timeout(1000).run(() =>
        new TaskGroup().run((tg) => {
          tg.createTask(function* () {
            for (let i = 0; i < 5; i++) {
              yield* send.send(i);
              yield* sleep(10);
            }
            send.close();
          });
          tg.createTask(async () => {
            for await (const x of receive) seen.push(x);
          });
        }),
      );
      expect(seen).toEqual([0, 1, 2, 3, 4]);
    }));

  // twin: a generator consumer of a channel fed by an async producer, one value per pass
  it('an async producer sends one value per pass to a waiting generator receiver, which sees each one pass later', () =>
    run(function* () {
      const [send, receive] = openMemoryChannel<number>(0);
      const got: number[] = [];
      const consumer = createTask(function* () {
        for (;;) {
          try {
            got.push(yield* receive.receive());
          } catch (e) {
            if (e instanceof EndOfChannelError) return got.length;
            throw e;
          }
        }
      });
      const producer: Task<void> = createTask(async () => {
        for (let i = 0; i < 3; i++) await send.send(i);
        send.close();
      });
      yield* passesG(10);
      expect(got).toEqual([0, 1, 2]);
      expect(yield* consumer).toBe(3);
      yield* producer;
    }));
});

describe('test/queues/channel.test.ts twins', () => {
  // twin of test/queues/channel.test.ts::a receiver cancelled while waiting receives nothing (async)
  it('a generator receiver cancelled while waiting receives nothing', () =>
    run(function* () {
      const [send, receive] = openMemoryChannel<number>(1);
      const t = createTask(function* () {
        return yield* receive.receive();
      });
      yield* sleep(0);
      t.cancel();
      assertCancelled(yield* rejectionG(t));
      expect(receive.statistics().tasksWaitingReceive).toBe(0);
      send.sendNowait(5);
      expect(receive.receiveNowait()).toBe(5);
    }));

  // twin of test/queues/channel.test.ts::a value given back by a cancelled receiver is the first one the next receive gets
  it('a value given back by a cancelled async receiver is the first one the next receive gets', () =>
    run(async () => {
      const [send, receive] = openMemoryChannel<number>(1);
      const a = createTask(async () => receive.receive());
      await sleep(0);
      send.sendNowait(1);
      send.sendNowait(2);
      a.cancel();
      await rejection(a);
      expect(receive.receiveNowait()).toBe(1);
      expect(receive.receiveNowait()).toBe(2);
    }));

  // twin of test/queues/channel.test.ts::with buffer 0 a send waits for a receiver (rendezvous) — generator
  it('many generator producers and consumers move every value exactly once', () =>
    run(function* () {
      const [send, receive] = openMemoryChannel<number>(3);
      const producers = [0, 1, 2].map((p) => {
        const s = send.clone();
        return createTask(function* () {
          for (let i = 0; i < 100; i++) yield* s.send(p * 100 + i);
          s.close();
        });
      });
      send.close();
      const consumers = [0, 1].map(() => {
        const r = receive.clone();
        return createTask(function* () {
          const got: number[] = [];
          for (;;) {
            try {
              got.push(yield* r.receive());
            } catch (e) {
              if (e instanceof EndOfChannelError) return got;
              throw e;
            }
          }
        });
      });
      receive.close();
      yield* gather(producers);
      const all = (yield* gather(consumers)).flat().sort((a, b) => a - b);
      expect(all).toEqual(Array.from({ length: 300 }, (_, i) => i));
    }));
});
