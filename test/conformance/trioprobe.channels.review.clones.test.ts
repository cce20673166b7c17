// Adversarial review of the memory channels (several blocked tasks on clones, closing ends,
// iteration, statistics and bad input) against REAL Trio 0.22 (probes run with the Debian python's
// trio: /usr/bin/python3). Every expectation below was printed by a Trio probe written the same
// way: each blocked task runs in its own CancelScope (Trio has no task.cancel(); a scope is how one
// task is cancelled), `waitAllTasksBlocked()` is trio.testing.wait_all_tasks_blocked(), statistics
// are read right after each call.
//
// Trio resumes the tasks of one scheduling batch in a random order (it reverses the batch half the
// time), so the logs are compared sorted: what is checked is WHO gets WHICH value or error, the
// statistics at each step, and that nobody resumes inside the call that woke it. Trio's
// statistics fields map to camelCase (tasks_waiting_send → tasksWaitingSend …), its errors to
// tulip's (EndOfChannel → EndOfChannelError, WouldBlock → WouldBlockError, ValueError → RangeError).
//
// Not findings (documented elsewhere): send/receive/acquire are checkpoints only when they wait
// (channels.trio.test.ts header); CapacityLimiter(0) is allowed as in Trio >= 0.32 (Trio 0.22
// says ValueError; see channels.review.test.ts).
import { describe, expect, it } from 'vitest';
import { BrokenResourceError, EndOfChannelError, TaskGroup, WouldBlockError, openMemoryChannel } from 'tulip';
import { waitAllTasksBlocked } from 'tulip/testing';
import { STYLES, errorOf, passes, runVirtual, syncError } from './helpers.js';
import { blocked, recv, send, sorted, st } from './trioprobe.channels.review.helpers.js';

// ---- memory channels: several blocked tasks, clones, close -------------------------------------

describe('memory channels: several blocked tasks on clones (Trio 0.22 probes)', () => {
  for (const style of STYLES) {
    // Trio: (0,0,1,2,0,3) → send_nowait: (…,0,2) → (…,0,1) → (…,0,0), log still []; sorted log
    // [R1 got a, R2 got b, R3 got c].
    it(`three ${style} receivers on two receive clones get the sendNowait values in the order they began to wait`, () =>
      runVirtual(async () => {
        const [s, r] = openMemoryChannel<string>(0);
        const r2 = r.clone();
        const log: unknown[] = [];
        await new TaskGroup().run(async (tg) => {
          for (const [name, ch] of [['R1', r], ['R2', r2], ['R3', r]] as const) {
            tg.createTask(blocked(style, name, log, recv(ch)));
            await waitAllTasksBlocked();
          }
          expect(st(s)).toEqual([0, 0, 1, 2, 0, 3]);
          s.sendNowait('a');
          expect(st(s)).toEqual([0, 0, 1, 2, 0, 2]);
          s.sendNowait('b');
          expect(st(s)).toEqual([0, 0, 1, 2, 0, 1]);
          s.sendNowait('c');
          expect(st(s)).toEqual([0, 0, 1, 2, 0, 0]);
          expect(log).toEqual([]); // nobody resumed inside sendNowait
          expect(syncError(() => s.sendNowait('d'))).toBeInstanceOf(WouldBlockError);
        });
        expect(sorted(log)).toEqual([['R1', 'got', 'a'], ['R2', 'got', 'b'], ['R3', 'got', 'c']]);
      }));

    // Trio: buffer 1 holding 0, S1(1) on s, S2(2) on s2, S3(3) on s: (1,1,2,1,3,0); each
    // receive_nowait returns the oldest and pulls the next sender's value in: 0 (1,1,2,1,2,0),
    // 1 (1,…,1,0), 2 (1,…,0,0), 3 (0,…,0,0), then WouldBlock; every send returned.
    it(`each receiveNowait on a full buffer pulls the next waiting ${style} sender's value in, across send clones`, () =>
      runVirtual(async () => {
        const [s, r] = openMemoryChannel<number>(1);
        const s2 = s.clone();
        s.sendNowait(0);
        const log: unknown[] = [];
        await new TaskGroup().run(async (tg) => {
          for (const [name, ch, v] of [['S1', s, 1], ['S2', s2, 2], ['S3', s, 3]] as const) {
            tg.createTask(blocked(style, name, log, send(ch, v), undefined, 'sent'));
            await waitAllTasksBlocked();
          }
          expect(st(s)).toEqual([1, 1, 2, 1, 3, 0]);
          const steps = [0, 1, 2, 3].map(() => [r.receiveNowait(), ...st(s)]);
          expect(steps).toEqual([
            [0, 1, 1, 2, 1, 2, 0],
            [1, 1, 1, 2, 1, 1, 0],
            [2, 1, 1, 2, 1, 0, 0],
            [3, 0, 1, 2, 1, 0, 0],
          ]);
          expect(log).toEqual([]);
          expect(syncError(() => r.receiveNowait())).toBeInstanceOf(WouldBlockError);
        });
        expect(sorted(log)).toEqual([['S1', 'sent'], ['S2', 'sent'], ['S3', 'sent']]);
      }));

    // Trio: S1(x) on s, S2(y) on s2, S3(z) on s: (0,0,2,1,3,0); s.close() → (0,0,1,1,1,0) at
    // once, log []; then S1, S3 ClosedResourceError; receive_nowait → 'y' (0,0,1,1,0,0); WouldBlock.
    it(`closing one send clone fails the ${style} senders waiting on it and keeps the other clone's sender`, () =>
      runVirtual(async () => {
        const [s, r] = openMemoryChannel<string>(0);
        const s2 = s.clone();
        const log: unknown[] = [];
        await new TaskGroup().run(async (tg) => {
          for (const [name, ch, v] of [['S1', s, 'x'], ['S2', s2, 'y'], ['S3', s, 'z']] as const) {
            tg.createTask(blocked(style, name, log, send(ch, v), undefined, 'sent'));
            await waitAllTasksBlocked();
          }
          expect(st(s)).toEqual([0, 0, 2, 1, 3, 0]);
          s.close();
          expect(st(s)).toEqual([0, 0, 1, 1, 1, 0]);
          expect(log).toEqual([]);
          await passes(2);
          expect(sorted(log)).toEqual([['S1', 'ClosedResourceError'], ['S3', 'ClosedResourceError']]);
          expect(r.receiveNowait()).toBe('y');
          expect(st(s)).toEqual([0, 0, 1, 1, 0, 0]);
          expect(syncError(() => r.receiveNowait())).toBeInstanceOf(WouldBlockError);
        });
        expect(sorted(log)).toEqual([['S1', 'ClosedResourceError'], ['S2', 'sent'], ['S3', 'ClosedResourceError']]);
      }));

    // Trio: buffer 3, R1 on r, R2 on r2, two send ends: closing one → (0,3,1,2,0,2), nobody
    // woken; closing the last → (0,3,0,2,0,0) at once; both get EndOfChannel.
    it(`closing the last send end wakes ${style} receivers on every receive clone with EndOfChannelError; closing another wakes none`, () =>
      runVirtual(async () => {
        const [s, r] = openMemoryChannel<string>(3);
        const r2 = r.clone();
        const s2 = s.clone();
        const log: unknown[] = [];
        await new TaskGroup().run(async (tg) => {
          tg.createTask(blocked(style, 'R1', log, recv(r)));
          await waitAllTasksBlocked();
          tg.createTask(blocked(style, 'R2', log, recv(r2)));
          await waitAllTasksBlocked();
          s.close();
          expect(st(r)).toEqual([0, 3, 1, 2, 0, 2]);
          await passes(2);
          expect(log).toEqual([]);
          s2.close();
          expect(st(r)).toEqual([0, 3, 0, 2, 0, 0]);
          expect(log).toEqual([]);
          await passes(2);
          expect(sorted(log)).toEqual([['R1', 'EndOfChannelError'], ['R2', 'EndOfChannelError']]);
        });
      }));

    // Trio: R1 on r, R2 on r2, R3 on r; r.close() → (0,0,1,1,0,1) at once; R1, R3
    // ClosedResourceError; send_nowait('v') goes to R2 → (0,0,1,1,0,0).
    it(`closing one receive clone fails the ${style} receivers waiting on it; the other clone's receiver gets the next value`, () =>
      runVirtual(async () => {
        const [s, r] = openMemoryChannel<string>(0);
        const r2 = r.clone();
        const log: unknown[] = [];
        await new TaskGroup().run(async (tg) => {
          for (const [name, ch] of [['R1', r], ['R2', r2], ['R3', r]] as const) {
            tg.createTask(blocked(style, name, log, recv(ch)));
            await waitAllTasksBlocked();
          }
          r.close();
          expect(st(s)).toEqual([0, 0, 1, 1, 0, 1]);
          expect(log).toEqual([]);
          await passes(2);
          expect(sorted(log)).toEqual([['R1', 'ClosedResourceError'], ['R3', 'ClosedResourceError']]);
          s.sendNowait('v');
          expect(st(s)).toEqual([0, 0, 1, 1, 0, 0]);
        });
        expect(sorted(log)).toEqual([['R1', 'ClosedResourceError'], ['R2', 'got', 'v'], ['R3', 'ClosedResourceError']]);
      }));

    // Trio: buffer 2 holding 1, 2; S1(3) on s, S2(4) on s2: (2,2,2,1,2,0); r.close() →
    // (0,2,2,0,0,0) at once (buffer dropped); both BrokenResourceError; send_nowait on either
    // clone → BrokenResourceError.
    it(`closing the last receive end breaks ${style} senders waiting on every send clone and drops the buffer`, () =>
      runVirtual(async () => {
        const [s, r] = openMemoryChannel<number>(2);
        const s2 = s.clone();
        s.sendNowait(1);
        s.sendNowait(2);
        const log: unknown[] = [];
        await new TaskGroup().run(async (tg) => {
          tg.createTask(blocked(style, 'S1', log, send(s, 3), undefined, 'sent'));
          await waitAllTasksBlocked();
          tg.createTask(blocked(style, 'S2', log, send(s2, 4), undefined, 'sent'));
          await waitAllTasksBlocked();
          expect(st(s)).toEqual([2, 2, 2, 1, 2, 0]);
          r.close();
          expect(st(s)).toEqual([0, 2, 2, 0, 0, 0]);
          expect(log).toEqual([]);
        });
        expect(sorted(log)).toEqual([['S1', 'BrokenResourceError'], ['S2', 'BrokenResourceError']]);
        for (const ch of [s, s2]) expect(syncError(() => ch.sendNowait(5))).toBeInstanceOf(BrokenResourceError);
      }));

    // Trio: buffer 2 holding 1, 2; S1(3), S2(4) wait on s; s.close() → (2,2,0,1,0,0); both
    // ClosedResourceError (their values never enter); receive_nowait 1 (1,2,0,1,0,0), receive 2
    // (0,2,0,1,0,0), then EndOfChannel from receive_nowait and receive; `async for` yields nothing.
    it(`closing the last send end under waiting ${style} senders fails them; receivers drain the buffer, then EndOfChannelError`, () =>
      runVirtual(async () => {
        const [s, r] = openMemoryChannel<number>(2);
        s.sendNowait(1);
        s.sendNowait(2);
        const log: unknown[] = [];
        await new TaskGroup().run(async (tg) => {
          for (const [name, v] of [['S1', 3], ['S2', 4]] as const) {
            tg.createTask(blocked(style, name, log, send(s, v), undefined, 'sent'));
            await waitAllTasksBlocked();
          }
          s.close();
          expect(st(r)).toEqual([2, 2, 0, 1, 0, 0]);
        });
        expect(sorted(log)).toEqual([['S1', 'ClosedResourceError'], ['S2', 'ClosedResourceError']]);
        expect(r.receiveNowait()).toBe(1);
        expect(st(r)).toEqual([1, 2, 0, 1, 0, 0]);
        expect(await r.receive()).toBe(2);
        expect(st(r)).toEqual([0, 2, 0, 1, 0, 0]);
        expect(syncError(() => r.receiveNowait())).toBeInstanceOf(EndOfChannelError);
        expect(await errorOf(() => r.receive())).toBeInstanceOf(EndOfChannelError);
        const rest: number[] = [];
        for await (const v of r) rest.push(v);
        expect(rest).toEqual([]);
      }));

    // Trio: buffer 1 holding 1, S waits with 2: (1,1,1,1,1,0); send_nowait(3) → WouldBlock,
    // statistics unchanged; then receive_nowait → 1, 2; S's send returned.
    it(`sendNowait on a full buffer with a ${style} sender waiting throws WouldBlockError and changes nothing`, () =>
      runVirtual(async () => {
        const [s, r] = openMemoryChannel<number>(1);
        s.sendNowait(1);
        const log: unknown[] = [];
        await new TaskGroup().run(async (tg) => {
          tg.createTask(blocked(style, 'S', log, send(s, 2), undefined, 'sent'));
          await waitAllTasksBlocked();
          expect(st(s)).toEqual([1, 1, 1, 1, 1, 0]);
          expect(syncError(() => s.sendNowait(3))).toBeInstanceOf(WouldBlockError);
          expect(st(s)).toEqual([1, 1, 1, 1, 1, 0]);
          expect([r.receiveNowait(), r.receiveNowait()]).toEqual([1, 2]);
        });
        expect(log).toEqual([['S', 'sent']]);
      }));
  }
});

describe('memory channels: iteration and empty values (Trio 0.22 probes)', () => {
  // Trio (probe V1): an `async for` over r gets 1, then r is closed by another task while the
  // loop waits: ClosedResourceError comes out of the loop (only EndOfChannel ends it). (Async
  // iteration exists only for async functions: a generator has no for-await.)
  it('a for-await loop waiting on a receive end that another task closes throws ClosedResourceError', () =>
    runVirtual(async () => {
      const [s, r] = openMemoryChannel<number>(0);
      const log: unknown[] = [];
      await new TaskGroup().run(async (tg) => {
        tg.createTask(async () => {
          try {
            for await (const v of r) log.push(v);
            log.push('loop ended');
          } catch (e) {
            log.push((e as Error).name);
          }
        });
        await waitAllTasksBlocked();
        await s.send(1);
        await waitAllTasksBlocked();
        r.close();
      });
      expect(log).toEqual([1, 'ClosedResourceError']);
    }));

  for (const style of STYLES) {
    // Trio (probe V3): None handed to a waiting receiver through a 0-buffer channel arrives as None.
    it(`undefined and null handed to a waiting ${style} receiver arrive as themselves`, () =>
      runVirtual(async () => {
        const [s, r] = openMemoryChannel<undefined | null>(0);
        const log: unknown[] = [];
        await new TaskGroup().run(async (tg) => {
          tg.createTask(blocked(style, 'R1', log, recv(r)));
          await waitAllTasksBlocked();
          tg.createTask(blocked(style, 'R2', log, recv(r)));
          await waitAllTasksBlocked();
          s.sendNowait(undefined);
          s.sendNowait(null);
          expect(syncError(() => s.sendNowait(null))).toBeInstanceOf(WouldBlockError);
        });
        expect(log).toEqual([['R1', 'got'], ['R2', 'got', null]]);
      }));
  }
});

describe('memory channels: statistics and bad input (Trio 0.22 probes)', () => {
  // Trio: inf buffer: 1000 send_nowait → (1000,inf,1,1,0,0); clone + close one →
  // (1000,inf,1,1,0,0); close the other → (1000,inf,0,1,0,0); `async for` drains all 1000,
  // then (0,inf,0,1,0,0).
  it('an Infinity buffer takes 1000 sendNowait values; after its last send end closes, for-await drains them all', () =>
    runVirtual(async () => {
      const [s, r] = openMemoryChannel<number>(Infinity);
      for (let i = 0; i < 1000; i++) s.sendNowait(i);
      expect(st(s)).toEqual([1000, Infinity, 1, 1, 0, 0]);
      const s2 = s.clone();
      s.close();
      expect(st(s)).toEqual([1000, Infinity, 1, 1, 0, 0]);
      s2.close();
      expect(st(s)).toEqual([1000, Infinity, 0, 1, 0, 0]);
      const got: number[] = [];
      for await (const v of r) got.push(v);
      expect(got).toEqual(Array.from({ length: 1000 }, (_, i) => i));
      expect(st(r)).toEqual([0, Infinity, 0, 1, 0, 0]);
    }));

  // Trio: buffer 5 holding 1; r2 = r.clone(); r.close() → both ends report (1,5,1,1,0,0);
  // r2.close() → (0,5,1,0,0,0) read through the closed r; s.close() → (0,5,0,0,0,0).
  it('statistics() of a closed end still reports the channel; the last receive end closing empties the buffer', () =>
    runVirtual(() => {
      const [s, r] = openMemoryChannel<number>(5);
      s.sendNowait(1);
      const r2 = r.clone();
      r.close();
      expect(st(r)).toEqual([1, 5, 1, 1, 0, 0]);
      expect(st(s)).toEqual([1, 5, 1, 1, 0, 0]);
      r2.close();
      expect(st(r)).toEqual([0, 5, 1, 0, 0, 0]);
      s.close();
      expect(st(s)).toEqual([0, 5, 0, 0, 0, 0]);
    }));

  // Trio: open_memory_channel(v): -1 → ValueError; 1.5, '3', None, nan → TypeError.
  it('openMemoryChannel refuses -1 with RangeError and a string, null or undefined with TypeError', () => {
    expect(() => openMemoryChannel(-1)).toThrow(RangeError);
    for (const v of ['3', null, undefined]) expect(() => openMemoryChannel(v as unknown as number)).toThrow(TypeError);
  });

  // Trio checks the type before the sign: open_memory_channel(-1.5) and
  // open_memory_channel(-math.inf) raise TypeError("max_buffer_size must be an integer or
  // math.inf"), not ValueError. (tulip checked the sign first and threw RangeError; fixed.)
  it('openMemoryChannel refuses -1.5 and -Infinity with TypeError, as Trio (the type is checked before the sign)', () => {
    expect(() => openMemoryChannel(-1.5)).toThrow(TypeError);
    expect(() => openMemoryChannel(-Infinity)).toThrow(TypeError);
  });
});
