import { describe, expect, it } from 'vitest';
import {
  BrokenResourceError,
  ClosedResourceError,
  EndOfChannelError,
  WouldBlockError,
  createTask,
  gather,
  openMemoryChannel,
  run,
  sleep,
} from 'tulip';
import { assertCancelled, passes, rejection, rejectionG, syncError } from '../support.js';


describe('openMemoryChannel', () => {
  it('refuses a negative, NaN or fractional buffer size and accepts 0 and Infinity', () => {
    expect(() => openMemoryChannel(-1)).toThrow(RangeError);
    expect(() => openMemoryChannel(NaN)).toThrow(TypeError);
    expect(() => openMemoryChannel(1.5)).toThrow(TypeError);
    expect(openMemoryChannel(0)[0].statistics().maxBufferSize).toBe(0);
    expect(openMemoryChannel(Infinity)[0].statistics().maxBufferSize).toBe(Infinity);
  });

  it('buffers up to maxBufferSize values, then sendNowait throws WouldBlockError', () =>
    run(async () => {
      const [send, receive] = openMemoryChannel<number>(2);
      send.sendNowait(1);
      await send.send(2);
      expect(syncError(() => send.sendNowait(3))).toBeInstanceOf(WouldBlockError);
      expect(receive.receiveNowait()).toBe(1);
      expect(await receive.receive()).toBe(2);
      expect(syncError(() => receive.receiveNowait())).toBeInstanceOf(WouldBlockError);
    }));

  it('with buffer 0 a send waits for a receiver (rendezvous)', () =>
    run(async () => {
      const [send, receive] = openMemoryChannel<string>(0);
      const sender = createTask(() => send.send('hi'));
      await passes(10);
      expect(sender.done()).toBe(false);
      expect(send.statistics()).toMatchObject({ currentBufferUsed: 0, tasksWaitingSend: 1 });
      expect(await receive.receive()).toBe('hi');
      await sender;
      const receiver = createTask(() => receive.receive());
      await passes(10);
      send.sendNowait('direct'); // a receiver waits: handed over, no buffer needed
      expect(await receiver).toBe('direct');
    }));

  it('for-await ends once every clone of the send end is closed and the buffer is drained', () =>
    run(async () => {
      const [send, receive] = openMemoryChannel<number>(Infinity);
      const send2 = send.clone();
      const consumer = createTask(async () => {
        const got: number[] = [];
        for await (const x of receive) got.push(x);
        return got;
      });
      await send.send(1);
      await send2.send(2);
      send.close();
      await passes(10);
      expect(consumer.done()).toBe(false); // send2 is still open
      await send2.send(3);
      send2.close();
      expect(await consumer).toEqual([1, 2, 3]);
      expect(syncError(() => receive.receiveNowait())).toBeInstanceOf(EndOfChannelError);
    }));

  it('closing the last receive end breaks waiting and later senders and drops the buffer', () =>
    run(async () => {
      const [send, receive] = openMemoryChannel<number>(1);
      send.sendNowait(1);
      const sender = createTask(() => send.send(2));
      await passes(10);
      receive.close();
      expect(await rejection(sender)).toBeInstanceOf(BrokenResourceError);
      expect(syncError(() => send.send(3))).toBeInstanceOf(BrokenResourceError);
      expect(send.statistics()).toMatchObject({ currentBufferUsed: 0, openReceiveChannels: 0 });
    }));

  it('using a closed end throws ClosedResourceError; tasks blocked on it get it too', () =>
    run(async () => {
      const [send, receive] = openMemoryChannel<number>(0);
      const r2 = receive.clone();
      const blocked = createTask(() => receive.receive());
      await passes(10);
      receive.close();
      receive.close(); // idempotent
      expect(await rejection(blocked)).toBeInstanceOf(ClosedResourceError);
      expect(syncError(() => receive.receive())).toBeInstanceOf(ClosedResourceError);
      expect(syncError(() => receive.clone())).toBeInstanceOf(ClosedResourceError);
      send.close();
      expect(syncError(() => send.sendNowait(1))).toBeInstanceOf(ClosedResourceError);
      expect(syncError(() => r2.receiveNowait())).toBeInstanceOf(EndOfChannelError);
    }));

  it('a receiver cancelled while waiting receives nothing (async)', () =>
    run(async () => {
      const [send, receive] = openMemoryChannel<number>(1);
      const t = createTask(() => receive.receive());
      await passes(10);
      t.cancel();
      assertCancelled(await rejection(t));
      expect(receive.statistics().tasksWaitingReceive).toBe(0);
      send.sendNowait(5);
      expect(receive.receiveNowait()).toBe(5);
    }));

  it('a receiver handed a value and cancelled before it resumes passes the value on (generator)', () =>
    run(function* () {
      const [send, receive] = openMemoryChannel<number>(0);
      const recv = function* () {
        return yield* receive.receive();
      };
      const a = createTask(recv);
      const b = createTask(recv);
      yield* sleep(0);
      send.sendNowait(1); // handed to a …
      a.cancel(); // … which leaves before it resumes
      assertCancelled(yield* rejectionG(a));
      expect(yield* b).toBe(1);
    }));

  it('a value given back by a cancelled receiver is the first one the next receive gets', () =>
    run(function* () {
      const [send, receive] = openMemoryChannel<number>(1);
      const a = createTask(function* () {
        return yield* receive.receive();
      });
      yield* sleep(0);
      send.sendNowait(1);
      send.sendNowait(2); // buffered
      a.cancel();
      yield* rejectionG(a);
      expect(receive.receiveNowait()).toBe(1);
      expect(receive.receiveNowait()).toBe(2);
    }));

  // Two receivers are each handed a value in one pass; the first is cancelled before it resumes.
  // Its value must not go behind the one the second already holds: values keep the order sent.
  for (const style of ['generator', 'async'] as const) {
    it(`a receiver cancelled after a hand-off, while a later receiver holds the next value, keeps the order: the later one gets the earlier value (${style})`, () =>
      run(function* () {
        const [send, receive] = openMemoryChannel<string>(0);
        const got: string[] = [];
        const recv = (name: string) =>
          style === 'generator'
            ? createTask(function* () {
                got.push(`${name} ${yield* receive.receive()}`);
              })
            : createTask(async () => {
                got.push(`${name} ${await receive.receive()}`);
              });
        const a = recv('a');
        const b = recv('b');
        const c = recv('c');
        yield* sleep(0);
        send.sendNowait('v1'); // handed to a
        send.sendNowait('v2'); // handed to b
        send.sendNowait('v3'); // handed to c
        a.cancel();
        b.cancel(); // two of three leave before they resume
        assertCancelled(yield* rejectionG(a));
        assertCancelled(yield* rejectionG(b));
        yield* c;
        expect(got).toEqual(['c v1']);
        expect(receive.receiveNowait()).toBe('v2'); // the rest stay first in line, in order
        expect(receive.receiveNowait()).toBe('v3');
        expect(syncError(() => receive.receiveNowait())).toBeInstanceOf(WouldBlockError);
      }));
  }

  it('values given back while a later receiver waits go to the waiting receivers in order', () =>
    run(function* () {
      const [send, receive] = openMemoryChannel<number>(0);
      const recv = () =>
        createTask(function* () {
          return yield* receive.receive();
        });
      const a = recv();
      const b = recv();
      const c = recv();
      const d = recv();
      yield* sleep(0); // all four wait, in this order
      send.sendNowait(1); // handed to a
      send.sendNowait(2); // handed to b; c and d still wait
      a.cancel();
      b.cancel();
      yield* rejectionG(a);
      yield* rejectionG(b);
      expect([yield* c, yield* d]).toEqual([1, 2]);
    }));

  it('a sender cancelled while waiting sends nothing (generator)', () =>
    run(function* () {
      const [send, receive] = openMemoryChannel<number>(0);
      const t = createTask(function* () {
        yield* send.send(9);
      });
      yield* sleep(0);
      t.cancel();
      assertCancelled(yield* rejectionG(t));
      expect(syncError(() => receive.receiveNowait())).toBeInstanceOf(WouldBlockError);
    }));

  it('many producers and consumers move every value exactly once', () =>
    run(async () => {
      const [send, receive] = openMemoryChannel<number>(3);
      const producers = [0, 1, 2].map((p) => {
        const s = send.clone();
        return createTask(async () => {
          for (let i = 0; i < 100; i++) await s.send(p * 100 + i);
          s.close();
        });
      });
      send.close();
      const consumers = [0, 1].map(() => {
        const r = receive.clone();
        return createTask(async () => {
          const got: number[] = [];
          for await (const x of r) got.push(x);
          return got;
        });
      });
      receive.close();
      await gather(producers);
      const all = (await gather(consumers)).flat().sort((a, b) => a - b);
      expect(all).toEqual(Array.from({ length: 300 }, (_, i) => i));
    }));
});
