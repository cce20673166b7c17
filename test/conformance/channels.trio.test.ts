// Behaviour ports of Trio's tests of memory channels (trio/_tests/test_channel.py), in tulip's
// terms: `close()` for `aclose()`, `using` for `with channel:`, a TaskGroup for a nursery,
// `waitAllTasksBlocked()` as in Trio's testing module, `moveOnAfter` for `move_on_after`. Each test
// names the Trio test it comes from. (`as_safe_channel` has no tulip counterpart.)
//
// Two deliberate differences from Trio, both documented on the channel classes: `send()` and
// `receive()` are checkpoints only when they wait (asyncio's rule for queues; in Trio every call
// is one), and a call that can never succeed (on a closed end, an ended or broken channel) throws
// at once rather than from the future it would return — `await` sees the same error either way.
import { describe, expect, it } from 'vitest';
import {
  BrokenResourceError,
  type CancelScope,
  ClosedResourceError,
  EndOfChannelError,
  TaskGroup,
  WouldBlockError,
  createTask,
  moveOnAfter,
  openMemoryChannel,
  type MemoryReceiveChannel,
  type MemorySendChannel,
} from 'tulip';
import { assertCheckpoints, assertNoCheckpoints, waitAllTasksBlocked } from 'tulip/testing';
import { STYLES, errorOf, rejection, runVirtual, styled, syncError } from './helpers.js';

describe('memory channels (Trio test_channel.py)', () => {
  it('test_channel: a bad buffer size is refused; a buffer of 2 takes two values; closed ends refuse their work', () =>
    runVirtual(async () => {
      expect(() => openMemoryChannel(1.5)).toThrow(TypeError);
      expect(() => openMemoryChannel(-1)).toThrow(RangeError);
      const [s, r] = openMemoryChannel<number | string | null>(2);
      expect(String(s)).toMatch(/MemorySendChannel/);
      expect(String(r)).toMatch(/MemoryReceiveChannel/);
      s.sendNowait(1);
      await assertNoCheckpoints(() => s.send(2)); // room in the buffer: no wait (Trio: a checkpoint)
      expect(syncError(() => s.sendNowait(null))).toBeInstanceOf(WouldBlockError);
      expect(await assertNoCheckpoints(() => r.receive())).toBe(1);
      expect(r.receiveNowait()).toBe(2);
      expect(syncError(() => r.receiveNowait())).toBeInstanceOf(WouldBlockError);

      s.sendNowait('last');
      s.close();
      expect(syncError(() => s.send('too late'))).toBeInstanceOf(ClosedResourceError);
      expect(syncError(() => s.sendNowait('too late'))).toBeInstanceOf(ClosedResourceError);
      expect(syncError(() => s.clone())).toBeInstanceOf(ClosedResourceError);
      s.close(); // idempotent

      expect(r.receiveNowait()).toBe('last');
      expect(await errorOf(() => r.receive())).toBeInstanceOf(EndOfChannelError);
      r.close();
      expect(syncError(() => r.receive())).toBeInstanceOf(ClosedResourceError);
      expect(syncError(() => r.receiveNowait())).toBeInstanceOf(ClosedResourceError);
      r.close();
    }));

  it.each(STYLES)('test_553: a %s receive cancelled by a timeout takes nothing; a later send fills the buffer', (style) =>
    runVirtual(async () => {
      const [s, r] = openMemoryChannel<string>(1);
      let scope: CancelScope | undefined;
      await moveOnAfter(10, (sc) => {
        scope = sc;
        return style === 'generator'
          ? (function* () {
              yield* r.receive();
            })()
          : (async () => {
              await r.receive();
            })();
      });
      expect(scope!.cancelledCaught).toBe(true);
      await s.send('Test for PR #553'); // does not wait: the cancelled receive left no claim
      expect(r.receiveNowait()).toBe('Test for PR #553');
    }));

  it('test_channel_multiple_producers: ten producers on clones of a 0-buffer channel; for-await ends when all close', () =>
    runVirtual(async () => {
      const [send, receive] = openMemoryChannel<number>(0);
      let got: number[] = [];
      await new TaskGroup().run(async (tg) => {
        {
          using original = send; // closed once every clone is handed out
          for (let i = 0; i < 10; i++) {
            const mine = original.clone();
            tg.createTask(async () => {
              using ch = mine;
              for (let j = 3 * i; j < 3 * (i + 1); j++) await ch.send(j);
            });
          }
        }
        for await (const v of receive) got.push(v);
      });
      got = got.sort((a, b) => a - b);
      expect(got).toEqual(Array.from({ length: 30 }, (_, i) => i));
    }));

  it('test_channel_multiple_consumers: five waiting consumers of a 1-buffer channel each get some of ten values', () =>
    runVirtual(async () => {
      const receivers = new Set<number>();
      const received: number[] = [];
      await new TaskGroup().run(async (tg) => {
        const [send, receive] = openMemoryChannel<number>(1);
        using s = send;
        for (let i = 0; i < 5; i++) {
          tg.createTask(async () => {
            for await (const v of receive) {
              receivers.add(i);
              received.push(v);
            }
          });
        }
        await waitAllTasksBlocked();
        for (let i = 0; i < 10; i++) await s.send(i);
      });
      expect(receivers).toEqual(new Set([0, 1, 2, 3, 4]));
      expect(received).toHaveLength(10);
      expect(new Set(received)).toEqual(new Set(Array.from({ length: 10 }, (_, i) => i)));
    }));

  /** A task that waits in `send(null)` and expects it to fail with `Err`. */
  const sendBlock = (s: MemorySendChannel<null>, Err: new (...a: never[]) => Error) => async (): Promise<void> => {
    expect(await errorOf(() => s.send(null))).toBeInstanceOf(Err);
  };

  it('test_close_basics / test_close_sync: closing an end fails the tasks waiting on it, and stays so', () =>
    runVirtual(async () => {
      // Closing the send end: its waiting sender gets ClosedResourceError, receivers get the end.
      let [s, r] = openMemoryChannel<null>(0);
      await new TaskGroup().run(async (tg) => {
        tg.createTask(sendBlock(s, ClosedResourceError));
        await waitAllTasksBlocked();
        s.close();
      });
      expect(syncError(() => s.sendNowait(null))).toBeInstanceOf(ClosedResourceError);
      expect(syncError(() => s.send(null))).toBeInstanceOf(ClosedResourceError);
      expect(syncError(() => r.receiveNowait())).toBeInstanceOf(EndOfChannelError);
      expect(await errorOf(() => r.receive())).toBeInstanceOf(EndOfChannelError);

      // Closing the receive end: a waiting sender gets BrokenResourceError, and later ones too.
      [s, r] = openMemoryChannel<null>(0);
      await new TaskGroup().run(async (tg) => {
        tg.createTask(sendBlock(s, BrokenResourceError));
        await waitAllTasksBlocked();
        r.close();
      });
      expect(syncError(() => s.sendNowait(null))).toBeInstanceOf(BrokenResourceError);
      expect(await errorOf(() => s.send(null))).toBeInstanceOf(BrokenResourceError);

      // Closing a receive end: a receive waiting on it gets ClosedResourceError, and later ones too.
      const [, r2] = openMemoryChannel<number>(0);
      await new TaskGroup().run(async (tg) => {
        tg.createTask(async () => {
          expect(await rejection(r2.receive())).toBeInstanceOf(ClosedResourceError);
        });
        await waitAllTasksBlocked();
        r2.close();
      });
      expect(syncError(() => r2.receiveNowait())).toBeInstanceOf(ClosedResourceError);
      expect(syncError(() => r2.receive())).toBeInstanceOf(ClosedResourceError);
    }));

  it('test_receive_channel_clone_and_close: the channel stays open to senders until its last receive clone closes', () =>
    runVirtual(async () => {
      const [s, r] = openMemoryChannel<null>(10);
      const r2 = r.clone();
      const r3 = r.clone();
      s.sendNowait(null);
      r.close();
      {
        using closing = r2;
        void closing;
      }
      expect(syncError(() => r.clone())).toBeInstanceOf(ClosedResourceError);
      expect(syncError(() => r2.clone())).toBeInstanceOf(ClosedResourceError);
      s.sendNowait(null); // r3 is open
      r3.close();
      expect(syncError(() => s.sendNowait(null))).toBeInstanceOf(BrokenResourceError);
    }));

  it('test_close_multiple_send_handles: closing one send clone fails only the sends waiting on it', () =>
    runVirtual(async () => {
      const [s1, r] = openMemoryChannel<string>(0);
      const s2 = s1.clone();
      await new TaskGroup().run(async (tg) => {
        tg.createTask(async () => {
          expect(await rejection(s1.send('nope'))).toBeInstanceOf(ClosedResourceError);
        });
        tg.createTask(async () => {
          await s2.send('ok');
        });
        await waitAllTasksBlocked();
        s1.close();
        expect(await r.receive()).toBe('ok');
      });
    }));

  it('test_close_multiple_receive_handles: closing one receive clone fails only the receives waiting on it', () =>
    runVirtual(async () => {
      const [s, r1] = openMemoryChannel<string>(0);
      const r2 = r1.clone();
      await new TaskGroup().run(async (tg) => {
        tg.createTask(async () => {
          expect(await rejection(r1.receive())).toBeInstanceOf(ClosedResourceError);
        });
        tg.createTask(async () => {
          expect(await r2.receive()).toBe('ok');
        });
        await waitAllTasksBlocked();
        r1.close();
        await s.send('ok');
      });
    }));

  it('test_inf_capacity: an unbounded channel never makes sendNowait wait', () =>
    runVirtual(async () => {
      const [send, receive] = openMemoryChannel<number>(Infinity);
      {
        using s = send;
        for (let i = 0; i < 10; i++) s.sendNowait(i);
      }
      const got: number[] = [];
      for await (const v of receive) got.push(v);
      expect(got).toEqual(Array.from({ length: 10 }, (_, i) => i));
    }));

  it('test_statistics: both ends report the same counts of buffer, open ends and waiting tasks', () =>
    runVirtual(async () => {
      const [s, r] = openMemoryChannel<null>(2);
      expect(s.statistics()).toEqual(r.statistics());
      expect(s.statistics()).toMatchObject({
        currentBufferUsed: 0,
        maxBufferSize: 2,
        openSendChannels: 1,
        openReceiveChannels: 1,
        tasksWaitingSend: 0,
        tasksWaitingReceive: 0,
      });
      s.sendNowait(null);
      expect(s.statistics().currentBufferUsed).toBe(1);
      const s2 = s.clone();
      expect(s.statistics().openSendChannels).toBe(2);
      s.close();
      expect(s2.statistics().openSendChannels).toBe(1);
      const r2 = r.clone();
      expect(s2.statistics().openReceiveChannels).toBe(2);
      r2.close();
      expect(s2.statistics().openReceiveChannels).toBe(1);

      const tg = new TaskGroup();
      await tg.run(async () => {
        s2.sendNowait(null); // the buffer is full now
        expect(s2.statistics().currentBufferUsed).toBe(2);
        tg.createTask(() => s2.send(null));
        tg.createTask(() => s2.send(null));
        await waitAllTasksBlocked();
        expect(s2.statistics().tasksWaitingSend).toBe(2);
        tg.cancel();
      });
      expect(s2.statistics().tasksWaitingSend).toBe(0);

      for (;;) {
        try {
          r.receiveNowait();
        } catch (e) {
          expect(e).toBeInstanceOf(WouldBlockError);
          break;
        }
      }
      const tg2 = new TaskGroup();
      await tg2.run(async () => {
        tg2.createTask(() => r.receive());
        await waitAllTasksBlocked();
        expect(s2.statistics().tasksWaitingReceive).toBe(1);
        tg2.cancel();
      });
      expect(s2.statistics().tasksWaitingReceive).toBe(0);
    }));

  it.each(STYLES)('test_channel_fairness: a waiting %s receiver owns the value sent; a waiting sender owns the space freed', (style) =>
    runVirtual(async () => {
      // With nobody waiting, we can take back what we just sent, and send again.
      let [s, r] = openMemoryChannel<number | null>(1);
      s.sendNowait(1);
      expect(r.receiveNowait()).toBe(1);
      s.sendNowait(2);
      expect(r.receiveNowait()).toBe(2);

      // A receiver already waiting owns the value, though this task runs first.
      let result: number | null = null;
      const receiveInto = (ch: MemoryReceiveChannel<number | null>) =>
        styled(
          style,
          function* () {
            result = yield* ch.receive();
          },
          async () => {
            result = await ch.receive();
          },
        );
      await new TaskGroup().run(async (tg) => {
        tg.createTask(receiveInto(r));
        await waitAllTasksBlocked();
        s.sendNowait(2);
        expect(syncError(() => r.receiveNowait())).toBeInstanceOf(WouldBlockError);
      });
      expect(result).toBe(2);

      // A sender already waiting owns the space a receive frees.
      [s, r] = openMemoryChannel<number | null>(1);
      s.sendNowait(1);
      expect(syncError(() => s.sendNowait(null))).toBeInstanceOf(WouldBlockError);
      const sendOf = (ch: MemorySendChannel<number | null>, v: number) =>
        styled(
          style,
          function* () {
            yield* ch.send(v);
          },
          async () => {
            await ch.send(v);
          },
        );
      await new TaskGroup().run(async (tg) => {
        tg.createTask(sendOf(s, 2));
        await waitAllTasksBlocked();
        expect(r.receiveNowait()).toBe(1);
        expect(syncError(() => s.sendNowait(3))).toBeInstanceOf(WouldBlockError);
        expect(await r.receive()).toBe(2);
      });
    }));

  it('test_unbuffered: with buffer 0 both nowait calls would block; a receive waits for the sender (a checkpoint)', () =>
    runVirtual(async () => {
      const [s, r] = openMemoryChannel<number>(0);
      expect(syncError(() => r.receiveNowait())).toBeInstanceOf(WouldBlockError);
      expect(syncError(() => s.sendNowait(1))).toBeInstanceOf(WouldBlockError);
      await new TaskGroup().run(async (tg) => {
        // The receive waits (the sender starts next pass); the send then finds it waiting and
        // hands the value over without waiting (Trio: a checkpoint too).
        tg.createTask(() => assertNoCheckpoints(() => s.send(1)));
        expect(await assertCheckpoints(() => r.receive())).toBe(1);
      });
      expect(syncError(() => r.receiveNowait())).toBeInstanceOf(WouldBlockError);
      // The other way round: a sender that waits is the checkpoint, the receive is not.
      await new TaskGroup().run(async (tg) => {
        tg.createTask(() => assertCheckpoints(() => s.send(2)));
        await waitAllTasksBlocked();
        expect(await assertNoCheckpoints(() => r.receive())).toBe(2);
      });
    }));

  it('a channel end used with `using` closes when the block throws, too', () =>
    runVirtual(async () => {
      const [send, receive] = openMemoryChannel<number>(1);
      const t = createTask(async () => {
        using s = send;
        s.sendNowait(1);
        throw new Error('producer failed');
      });
      expect(await rejection(t)).toHaveProperty('message', 'producer failed');
      expect(send.statistics().openSendChannels).toBe(0);
      expect(receive.receiveNowait()).toBe(1);
      expect(syncError(() => receive.receiveNowait())).toBeInstanceOf(EndOfChannelError);
    }));
});
