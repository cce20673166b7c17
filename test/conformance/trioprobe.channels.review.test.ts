// Adversarial review of the memory channels and CapacityLimiter against REAL Trio 0.22 (probes run
// with the Debian python's trio: /usr/bin/python3). Every expectation below was printed by a Trio
// probe written the same way: each blocked task runs in its own CancelScope (Trio has no
// task.cancel(); a scope is how one task is cancelled), `waitAllTasksBlocked()` is
// trio.testing.wait_all_tasks_blocked(), statistics are read right after each call.
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
import {
  BrokenResourceError,
  CancelScope,
  CapacityLimiter,
  ClosedResourceError,
  EndOfChannelError,
  RuntimeError,
  TaskGroup,
  WouldBlockError,
  createTask,
  openMemoryChannel,
  sleep,
  type Future,
  type MemoryChannelStatistics,
  type MemoryReceiveChannel,
  type MemorySendChannel,
  type TaskBody,
} from 'tulip';
import { waitAllTasksBlocked } from 'tulip/testing';
import { STYLES, assertCancelled, errorOf, passes, rejection, runVirtual, styled, syncError, waiting, type Style } from './helpers.js';

type Scopes = Map<string, CancelScope>;

/**
 * A task body in `style` that, inside its own CancelScope (kept in `scopes` under `name`), waits
 * for `wait()` and logs `[name, verb, value?]`, `[name, 'cancelled']` or `[name, errorName]`.
 */
function blocked<T>(style: Style, name: string, log: unknown[], wait: () => Future<T>, scopes?: Scopes, verb = 'got'): TaskBody<void> {
  const scope = new CancelScope();
  scopes?.set(name, scope);
  const got = (v: T): void => {
    log.push(v === undefined ? [name, verb] : [name, verb, v]);
  };
  const after = (): void => {
    if (scope.cancelledCaught) log.push([name, 'cancelled']);
  };
  const failed = (e: unknown): void => {
    log.push([name, (e as Error).name]);
  };
  return styled(
    style,
    function* () {
      try {
        yield* scope.run(function* () {
          got(yield* wait());
        });
      } catch (e) {
        return failed(e);
      }
      after();
    },
    async () => {
      try {
        await scope.run(async () => {
          got(await wait());
        });
      } catch (e) {
        return failed(e);
      }
      after();
    },
  );
}

/** Log entries sorted (Trio resumes one batch in a random order). */
const sorted = (log: unknown[]): unknown[] => [...log].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));

/** Trio's statistics tuple: (current_buffer_used, max_buffer_size, open_send, open_receive, waiting_send, waiting_receive). */
function st(ch: { statistics(): MemoryChannelStatistics }): [number, number, number, number, number, number] {
  const s = ch.statistics();
  return [s.currentBufferUsed, s.maxBufferSize, s.openSendChannels, s.openReceiveChannels, s.tasksWaitingSend, s.tasksWaitingReceive];
}

const recv = <T>(ch: MemoryReceiveChannel<T>) => () => ch.receive();
const send = <T>(ch: MemorySendChannel<T>, v: T) => () => ch.send(v);

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

describe('memory channels: cancelled waiters (Trio 0.22 probes)', () => {
  for (const style of STYLES) {
    // Trio: buffer 1 holding 'a'; S1(b), S2(c), S3(d) wait; cancelling S2's scope → (1,1,1,1,2,0)
    // at once; drained: ['a','b','d'] (0,1,1,1,0,0), then WouldBlock. S2 cancelled, S1 S3 sent.
    it(`a ${style} sender cancelled between two others leaves nothing: the buffer drains a, b, d`, () =>
      runVirtual(async () => {
        const [s, r] = openMemoryChannel<string>(1);
        s.sendNowait('a');
        const log: unknown[] = [];
        const scopes: Scopes = new Map();
        await new TaskGroup().run(async (tg) => {
          for (const [name, v] of [['S1', 'b'], ['S2', 'c'], ['S3', 'd']] as const) {
            tg.createTask(blocked(style, name, log, send(s, v), scopes, 'sent'));
            await waitAllTasksBlocked();
          }
          scopes.get('S2')!.cancel();
          expect(st(s)).toEqual([1, 1, 1, 1, 2, 0]);
          await waitAllTasksBlocked();
          expect(log).toEqual([['S2', 'cancelled']]);
          expect(st(s)).toEqual([1, 1, 1, 1, 2, 0]);
          expect([0, 1, 2].map(() => r.receiveNowait())).toEqual(['a', 'b', 'd']);
          expect(st(s)).toEqual([0, 1, 1, 1, 0, 0]);
          expect(syncError(() => r.receiveNowait())).toBeInstanceOf(WouldBlockError);
        });
        expect(sorted(log)).toEqual([['S1', 'sent'], ['S2', 'cancelled'], ['S3', 'sent']]);
      }));

    // Trio: R1, R2, R3 wait; cancelling R2's scope → (0,0,1,1,0,2) at once; send_nowait x, y →
    // (0,0,1,1,0,0), a third would block; R1 got x, R3 got y.
    it(`a ${style} receiver cancelled between two others is skipped: the next two values go to the first and the third`, () =>
      runVirtual(async () => {
        const [s, r] = openMemoryChannel<string>(0);
        const log: unknown[] = [];
        const scopes: Scopes = new Map();
        await new TaskGroup().run(async (tg) => {
          for (const name of ['R1', 'R2', 'R3']) {
            tg.createTask(blocked(style, name, log, recv(r), scopes));
            await waitAllTasksBlocked();
          }
          scopes.get('R2')!.cancel();
          expect(st(s)).toEqual([0, 0, 1, 1, 0, 2]);
          s.sendNowait('x');
          s.sendNowait('y');
          expect(st(s)).toEqual([0, 0, 1, 1, 0, 0]);
          expect(syncError(() => s.sendNowait('z'))).toBeInstanceOf(WouldBlockError);
        });
        expect(sorted(log)).toEqual([['R1', 'got', 'x'], ['R2', 'cancelled'], ['R3', 'got', 'y']]);
      }));

    // Trio (probe L2): buffer 0, the sender is woken by receive_nowait ('v' returned), then its
    // scope is cancelled before it runs: send() returns, the Cancelled comes at the next
    // checkpoint: log ['sent', ('exit', cancelled_caught=True)]. (tulip documents the same.)
    it(`a ${style} sender whose value was taken, cancelled before it resumes, returns from send(); the next wait is cancelled`, () =>
      runVirtual(async () => {
        const [s, r] = openMemoryChannel<string>(0);
        const log: unknown[] = [];
        const scope = new CancelScope();
        await new TaskGroup().run(async (tg) => {
          tg.createTask(
            styled(
              style,
              function* () {
                yield* scope.run(function* () {
                  yield* s.send('v');
                  log.push('sent');
                  yield* sleep(0);
                  log.push('after checkpoint');
                });
                log.push(['exit', scope.cancelledCaught]);
              },
              async () => {
                await scope.run(async () => {
                  await s.send('v');
                  log.push('sent');
                  await sleep(0);
                  log.push('after checkpoint');
                });
                log.push(['exit', scope.cancelledCaught]);
              },
            ),
          );
          await waitAllTasksBlocked();
          expect(r.receiveNowait()).toBe('v');
          scope.cancel();
        });
        expect(log).toEqual(['sent', ['exit', true]]);
      }));

    // Trio (probe L): buffer 0, the receiver is handed 'v' by send_nowait, then its scope is
    // cancelled before it runs: receive() RETURNS 'v' (the task was rescheduled with the value;
    // abort_fn is no longer called), and the Cancelled comes at the next checkpoint:
    // log [('got','v'), ('exit', True)]; receive_nowait afterwards → WouldBlock (nothing left).
    // tulip gives the value back to the channel and raises CancelledError out of receive()
    // (documented on MemoryReceiveChannel; not decided in DESIGN): log [['exit', true]] and
    // the value is still in the channel.
    it.fails(`a ${style} receiver handed a value and then scope-cancelled before it resumes gets the value (Trio); the next wait is cancelled`, () =>
      runVirtual(async () => {
        const [s, r] = openMemoryChannel<string>(0);
        const log: unknown[] = [];
        const scope = new CancelScope();
        await new TaskGroup().run(async (tg) => {
          tg.createTask(
            styled(
              style,
              function* () {
                yield* scope.run(function* () {
                  log.push(['got', yield* r.receive()]);
                  yield* sleep(0);
                  log.push('after checkpoint');
                });
                log.push(['exit', scope.cancelledCaught]);
              },
              async () => {
                await scope.run(async () => {
                  log.push(['got', await r.receive()]);
                  await sleep(0);
                  log.push('after checkpoint');
                });
                log.push(['exit', scope.cancelledCaught]);
              },
            ),
          );
          await waitAllTasksBlocked();
          s.sendNowait('v');
          expect(st(s)).toEqual([0, 0, 1, 1, 0, 0]);
          scope.cancel();
        });
        expect(log).toEqual([['got', 'v'], ['exit', true]]);
        expect(syncError(() => r.receiveNowait())).toBeInstanceOf(WouldBlockError);
      }));

    // Trio (probe L3): R1 and R2 wait; send_nowait('v') hands it to R1, then R1's scope is
    // cancelled: R1 got 'v' and R2 is still waiting (0,0,1,1,0,1). tulip passes 'v' on to R2.
    it.fails(`a ${style} receiver handed a value and then scope-cancelled keeps it (Trio): the receiver behind it goes on waiting`, () =>
      runVirtual(async () => {
        const [s, r] = openMemoryChannel<string>(0);
        const log: unknown[] = [];
        const scopes: Scopes = new Map();
        await new TaskGroup().run(async (tg) => {
          for (const name of ['R1', 'R2']) {
            tg.createTask(blocked(style, name, log, recv(r), scopes));
            await waitAllTasksBlocked();
          }
          s.sendNowait('v');
          scopes.get('R1')!.cancel();
          await waitAllTasksBlocked();
          expect(sorted(log)).toEqual([['R1', 'got', 'v']]);
          expect(st(s)).toEqual([0, 0, 1, 1, 0, 1]);
          scopes.get('R2')!.cancel();
        });
        expect(sorted(log)).toEqual([['R1', 'got', 'v'], ['R2', 'cancelled']]);
      }));
  }
});

describe('memory channels: ends closed between a hand-off and the resumption (Trio 0.22 probes)', () => {
  for (const style of STYLES) {
    // Trio (probe U1): buffer 0, R handed 'v' by send_nowait, then r.close() → (0,0,1,0,0,0) and
    // s.close() → (0,0,0,0,0,0) in the same pass: R still gets 'v' (it left the waiting line
    // when it was handed the value; neither close touches it).
    it(`a ${style} receiver handed a value keeps it when both ends close before it resumes`, () =>
      runVirtual(async () => {
        const [s, r] = openMemoryChannel<string>(0);
        const log: unknown[] = [];
        await new TaskGroup().run(async (tg) => {
          tg.createTask(blocked(style, 'R', log, recv(r)));
          await waitAllTasksBlocked();
          s.sendNowait('v');
          r.close();
          expect(st(s)).toEqual([0, 0, 1, 0, 0, 0]);
          s.close();
          expect(st(s)).toEqual([0, 0, 0, 0, 0, 0]);
        });
        expect(log).toEqual([['R', 'got', 'v']]);
      }));

    // Trio (probe U2): buffer 0, S's value taken by receive_nowait, then S's send end (one of
    // two) closes → (0,0,1,1,0,0) and the receive end closes → (0,0,1,0,0,0): S's send returns.
    it(`a ${style} sender whose value was taken returns from send() though its end and the receive end close before it resumes`, () =>
      runVirtual(async () => {
        const [s, r] = openMemoryChannel<string>(0);
        s.clone();
        const log: unknown[] = [];
        await new TaskGroup().run(async (tg) => {
          tg.createTask(blocked(style, 'S', log, send(s, 'v'), undefined, 'sent'));
          await waitAllTasksBlocked();
          expect(r.receiveNowait()).toBe('v');
          s.close();
          expect(st(s)).toEqual([0, 0, 1, 1, 0, 0]);
          r.close();
          expect(st(s)).toEqual([0, 0, 1, 0, 0, 0]);
        });
        expect(log).toEqual([['S', 'sent']]);
      }));

    // Trio (probe U3): buffer 1 holding 'a', S waits with 'b'; receive_nowait → 'a' pulls 'b' in
    // (1,1,1,1,0,0); S's scope cancelled before it resumes: send() returns, the next checkpoint
    // is cancelled (['sent', ('exit', True)]); 'b' stays in the buffer and is received.
    it(`a ${style} sender whose value was pulled into the buffer returns from send() though scope-cancelled; the value stays`, () =>
      runVirtual(async () => {
        const [s, r] = openMemoryChannel<string>(1);
        s.sendNowait('a');
        const log: unknown[] = [];
        const scope = new CancelScope();
        await new TaskGroup().run(async (tg) => {
          tg.createTask(
            styled(
              style,
              function* () {
                yield* scope.run(function* () {
                  yield* s.send('b');
                  log.push('sent');
                  yield* sleep(0);
                  log.push('after checkpoint');
                });
                log.push(['exit', scope.cancelledCaught]);
              },
              async () => {
                await scope.run(async () => {
                  await s.send('b');
                  log.push('sent');
                  await sleep(0);
                  log.push('after checkpoint');
                });
                log.push(['exit', scope.cancelledCaught]);
              },
            ),
          );
          await waitAllTasksBlocked();
          expect(r.receiveNowait()).toBe('a');
          expect(st(s)).toEqual([1, 1, 1, 1, 0, 0]);
          scope.cancel();
        });
        expect(log).toEqual(['sent', ['exit', true]]);
        expect(st(s)).toEqual([1, 1, 1, 1, 0, 0]);
        expect(r.receiveNowait()).toBe('b');
      }));
  }

  // Trio (probe U4): an end's own closing is checked first: send_nowait/send on a closed send end
  // and receive_nowait/receive on a closed receive end raise ClosedResourceError though the other
  // side is closed too; an OPEN send end with no receive end left → BrokenResourceError; an OPEN
  // receive end with no send end left and an empty buffer → EndOfChannel.
  it('a closed end reports ClosedResourceError even when the other side is gone; open ends report Broken/EndOfChannel', () =>
    runVirtual(async () => {
      const [s, r] = openMemoryChannel<number>(1);
      r.close();
      s.close();
      expect(syncError(() => s.sendNowait(1))).toBeInstanceOf(ClosedResourceError);
      expect(syncError(() => r.receiveNowait())).toBeInstanceOf(ClosedResourceError);
      expect(await errorOf(() => s.send(1))).toBeInstanceOf(ClosedResourceError);
      expect(await errorOf(() => r.receive())).toBeInstanceOf(ClosedResourceError);
      const [s1, r1] = openMemoryChannel<number>(1);
      const s2 = s1.clone();
      const r2 = r1.clone();
      r1.close();
      s1.close();
      expect(st(s1)).toEqual([0, 1, 1, 1, 0, 0]);
      r2.close();
      expect(syncError(() => s2.sendNowait(1))).toBeInstanceOf(BrokenResourceError);
      const [s3, r3] = openMemoryChannel<number>(1);
      s3.close();
      expect(syncError(() => r3.receiveNowait())).toBeInstanceOf(EndOfChannelError);
    }));
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

// ---- CapacityLimiter --------------------------------------------------------------------------

/** Trio's limiter tuple: (borrowed_tokens, total_tokens, sorted borrowers, tasks_waiting, available_tokens). */
function lst(l: CapacityLimiter): [number, number, string[], number, number] {
  const s = l.statistics();
  return [s.borrowedTokens, s.totalTokens, s.borrowers.map(String).sort(), s.tasksWaiting, l.availableTokens];
}

describe('CapacityLimiter: totalTokens at run time (Trio 0.22 probes)', () => {
  for (const style of STYLES) {
    // Trio: 3 tokens held by a,b,c, W1..W3 wait: (3,3,[a,b,c],3,0); total=1 → (3,1,…,3,-2);
    // release a → (2,1,[b,c],3,-1), nobody admitted; total=2 → (2,2,[b,c],3,0), nobody;
    // total=4 → (4,4,[W1,W2,b,c],1,0) at once (before they run); total=inf →
    // (5,inf,[W1,W2,W3,b,c],0,inf).
    it(`lowering totalTokens below the borrowed count admits nobody until it is raised past it; raising admits ${style} waiters in order`, () =>
      runVirtual(async () => {
        const l = new CapacityLimiter(3);
        for (const b of ['a', 'b', 'c']) l.acquireOnBehalfOfNowait(b);
        const log: unknown[] = [];
        await new TaskGroup().run(async (tg) => {
          for (const w of ['W1', 'W2', 'W3']) {
            tg.createTask(blocked(style, w, log, () => l.acquireOnBehalfOf(w)));
            await waitAllTasksBlocked();
          }
          expect(lst(l)).toEqual([3, 3, ['a', 'b', 'c'], 3, 0]);
          l.totalTokens = 1;
          expect(lst(l)).toEqual([3, 1, ['a', 'b', 'c'], 3, -2]);
          l.releaseOnBehalfOf('a');
          expect(lst(l)).toEqual([2, 1, ['b', 'c'], 3, -1]);
          l.totalTokens = 2;
          expect(lst(l)).toEqual([2, 2, ['b', 'c'], 3, 0]);
          l.totalTokens = 4;
          expect(lst(l)).toEqual([4, 4, ['W1', 'W2', 'b', 'c'], 1, 0]);
          expect(log).toEqual([]);
          await waitAllTasksBlocked();
          expect(sorted(log)).toEqual([['W1', 'got'], ['W2', 'got']]);
          l.totalTokens = Infinity;
          expect(lst(l)).toEqual([5, Infinity, ['W1', 'W2', 'W3', 'b', 'c'], 0, Infinity]);
        });
        expect(sorted(log)).toEqual([['W1', 'got'], ['W2', 'got'], ['W3', 'got']]);
      }));

    // Trio: 1 token held by h; W1..W4 wait; W2's scope cancelled → (1,1,[h],3,0) at once;
    // total=3 → (3,3,[W1,W3,h],1,0); release h → (3,3,[W1,W3,W4],0,0).
    it(`raising totalTokens skips a ${style} waiter cancelled in the middle of the line`, () =>
      runVirtual(async () => {
        const l = new CapacityLimiter(1);
        l.acquireOnBehalfOfNowait('h');
        const log: unknown[] = [];
        const scopes: Scopes = new Map();
        await new TaskGroup().run(async (tg) => {
          for (const w of ['W1', 'W2', 'W3', 'W4']) {
            tg.createTask(blocked(style, w, log, () => l.acquireOnBehalfOf(w), scopes));
            await waitAllTasksBlocked();
          }
          scopes.get('W2')!.cancel();
          expect(lst(l)).toEqual([1, 1, ['h'], 3, 0]);
          l.totalTokens = 3;
          expect(lst(l)).toEqual([3, 3, ['W1', 'W3', 'h'], 1, 0]);
          await waitAllTasksBlocked();
          expect(sorted(log)).toEqual([['W1', 'got'], ['W2', 'cancelled'], ['W3', 'got']]);
          l.releaseOnBehalfOf('h');
          expect(lst(l)).toEqual([3, 3, ['W1', 'W3', 'W4'], 0, 0]);
        });
        expect(sorted(log)).toEqual([['W1', 'got'], ['W2', 'cancelled'], ['W3', 'got'], ['W4', 'got']]);
      }));

    // Trio: a,b,c hold 3 tokens, total lowered to 1, W waits; release a → (2,1,[b,c],1,-1),
    // release b → (1,1,[c],1,0), release c → (1,1,[W],0,0); after W releases,
    // acquire_on_behalf_of_nowait('x') succeeds (1,1,[x],0,0).
    it(`after totalTokens was lowered a ${style} waiter is admitted by the release that brings the count below the total`, () =>
      runVirtual(async () => {
        const l = new CapacityLimiter(3);
        for (const b of ['a', 'b', 'c']) l.acquireOnBehalfOfNowait(b);
        l.totalTokens = 1;
        const log: unknown[] = [];
        await new TaskGroup().run(async (tg) => {
          tg.createTask(blocked(style, 'W', log, () => l.acquireOnBehalfOf('W')));
          await waitAllTasksBlocked();
          const steps = ['a', 'b', 'c'].map((b) => (l.releaseOnBehalfOf(b), lst(l)));
          expect(steps).toEqual([
            [2, 1, ['b', 'c'], 1, -1],
            [1, 1, ['c'], 1, 0],
            [1, 1, ['W'], 0, 0],
          ]);
        });
        expect(log).toEqual([['W', 'got']]);
        l.releaseOnBehalfOf('W');
        l.acquireOnBehalfOfNowait('x');
        expect(lst(l)).toEqual([1, 1, ['x'], 0, 0]);
      }));
  }

  // Trio: total_tokens = 1.5, -math.inf, nan, '2', None → TypeError; -1 → ValueError; the total
  // stays what it was. The constructor answers the same.
  it('a bad totalTokens is refused (TypeError, or RangeError below 0) and leaves the total as it was', () =>
    runVirtual(() => {
      const l = new CapacityLimiter(3);
      for (const v of [1.5, -Infinity, NaN, '2', null]) {
        expect(syncError(() => (l.totalTokens = v as number))).toBeInstanceOf(TypeError);
        expect(() => new CapacityLimiter(v as number)).toThrow(TypeError);
      }
      expect(syncError(() => (l.totalTokens = -1))).toBeInstanceOf(RangeError);
      expect(l.totalTokens).toBe(3);
    }));
});

describe('CapacityLimiter: hand-offs (Trio 0.22 probes)', () => {
  for (const style of STYLES) {
    // Trio (probe U5): h holds the only token, W waits; release h hands it to W (a borrower at
    // once); release_on_behalf_of('W') before W runs succeeds → (0,1,[],0); W's acquire still
    // returns (borrowed_tokens 0 when it runs); a second release for W → RuntimeError.
    it(`a token handed to a waiting ${style} task can be released on its behalf before it resumes; its acquire still returns`, () =>
      runVirtual(async () => {
        const l = new CapacityLimiter(1);
        l.acquireOnBehalfOfNowait('h');
        const log: unknown[] = [];
        await new TaskGroup().run(async (tg) => {
          tg.createTask(
            styled(
              style,
              function* () {
                yield* l.acquireOnBehalfOf('W');
                log.push(['W got', l.borrowedTokens]);
              },
              async () => {
                await l.acquireOnBehalfOf('W');
                log.push(['W got', l.borrowedTokens]);
              },
            ),
          );
          await waitAllTasksBlocked();
          l.releaseOnBehalfOf('h');
          l.releaseOnBehalfOf('W');
          expect(lst(l)).toEqual([0, 1, [], 0, 1]);
        });
        expect(log).toEqual([['W got', 0]]);
        expect(syncError(() => l.releaseOnBehalfOf('W'))).toBeInstanceOf(RuntimeError);
      }));

    // Trio (probes p6, p7): h holds the only token, W waits; release h hands it to W; the token is
    // released on W's behalf (and, in the second case, borrowed again for 'W' by a nowait call);
    // then W's scope is cancelled before W resumes. Trio: W's acquire returns ('got'), its next
    // checkpoint is cancelled (exit, cancelled_caught True); statistics (0,1,[],0), or
    // (1,1,[W],0) with the new token kept (a later release_on_behalf_of('W') works).
    // tulip (its documented rule: a waiter cancelled after a token was handed to it is cancelled,
    // and gives back that token if it still holds it): W's acquire is cancelled, the scope catches
    // it, and the token released or borrowed again for 'W' meanwhile is left alone (test below).
    // (Before the fix the catch gave back whatever 'W' held: a RuntimeError in the first case, the
    // token borrowed again silently lost in the second.)
    for (const again of [false, true]) {
      it.fails(`a ${style} waiter whose handed token was released on its behalf${again ? ' and borrowed again for it' : ''}, then scope-cancelled, returns from acquire (Trio)`, () =>
        runVirtual(async () => {
          const l = new CapacityLimiter(1);
          l.acquireOnBehalfOfNowait('h');
          const log: unknown[] = [];
          const scope = new CancelScope();
          const noteError = (e: unknown): void => {
            log.push(['error', String(e)]);
          };
          await new TaskGroup().run(async (tg) => {
            tg.createTask(
              styled(
                style,
                function* () {
                  try {
                    yield* scope.run(function* () {
                      yield* l.acquireOnBehalfOf('W');
                      log.push('got');
                      yield* sleep(0);
                      log.push('after checkpoint');
                    });
                    log.push(['exit', scope.cancelledCaught]);
                  } catch (e) {
                    noteError(e);
                  }
                },
                async () => {
                  try {
                    await scope.run(async () => {
                      await l.acquireOnBehalfOf('W');
                      log.push('got');
                      await sleep(0);
                      log.push('after checkpoint');
                    });
                    log.push(['exit', scope.cancelledCaught]);
                  } catch (e) {
                    noteError(e);
                  }
                },
              ),
            );
            await waitAllTasksBlocked();
            l.releaseOnBehalfOf('h');
            l.releaseOnBehalfOf('W');
            if (again) l.acquireOnBehalfOfNowait('W');
            scope.cancel();
          });
          expect(log).toEqual(['got', ['exit', true]]);
          expect(lst(l)).toEqual(again ? [1, 1, ['W'], 0, 0] : [0, 1, [], 0, 1]);
        }));
      it(`a ${style} waiter whose handed token was released on its behalf${again ? ' and borrowed again for it' : ''}, then scope-cancelled, is cancelled and leaves that token alone`, () =>
        runVirtual(async () => {
          const l = new CapacityLimiter(1);
          l.acquireOnBehalfOfNowait('h');
          const scope = new CancelScope();
          const got: string[] = [];
          const t = createTask(
            styled(
              style,
              function* () {
                yield* scope.run(function* () {
                  yield* l.acquireOnBehalfOf('W');
                  got.push('got');
                });
              },
              async () => {
                await scope.run(async () => {
                  await l.acquireOnBehalfOf('W');
                  got.push('got');
                });
              },
            ),
          );
          await waitAllTasksBlocked();
          l.releaseOnBehalfOf('h');
          l.releaseOnBehalfOf('W');
          if (again) l.acquireOnBehalfOfNowait('W');
          scope.cancel();
          await t;
          expect(got).toEqual([]);
          expect(scope.cancelledCaught).toBe(true);
          expect(lst(l)).toEqual(again ? [1, 1, ['W'], 0, 0] : [0, 1, [], 0, 1]);
        }));
    }

    // No Trio counterpart (Trio has no task.cancel()); asyncio's nearest, a Semaphore waiter
    // woken by release() and cancelled before it resumes (checked, 3.13): the task ends with
    // CancelledError and the unit is back (value 1). tulip's rule (CapacityLimiter doc): a task
    // cancelled after a token was handed to it is cancelled and the token goes on. Here the token
    // was already released on its behalf: the task ends cancelled and nothing is released twice.
    // (Before the fix tulip's _acquireSlow released it again: RuntimeError instead of CancelledError.)
    it(`a ${style} task handed a token that was then released on its behalf, cancelled before it resumes, ends cancelled`, () =>
      runVirtual(async () => {
        const l = new CapacityLimiter(1);
        l.acquireOnBehalfOfNowait('h');
        const t = createTask(waiting(style, () => l.acquireOnBehalfOf('W')));
        await waitAllTasksBlocked();
        l.releaseOnBehalfOf('h');
        l.releaseOnBehalfOf('W');
        t.cancel();
        assertCancelled(await rejection(t));
        expect(lst(l)).toEqual([0, 1, [], 0, 1]);
      }));

    // Trio (probe U6): a, b hold both tokens; W1, W2 wait and both their scopes are cancelled →
    // tasks_waiting 0 at once; release a → (1,2,[b],0): nobody to hand it to; a nowait borrow by
    // c then succeeds (2,2,[b,c],0); neither W borrowed anything.
    it(`a token released right after every ${style} waiter was cancelled stays free for a nowait borrower`, () =>
      runVirtual(async () => {
        const l = new CapacityLimiter(2);
        l.acquireOnBehalfOfNowait('a');
        l.acquireOnBehalfOfNowait('b');
        const log: unknown[] = [];
        const scopes: Scopes = new Map();
        await new TaskGroup().run(async (tg) => {
          for (const w of ['W1', 'W2']) {
            tg.createTask(blocked(style, w, log, () => l.acquireOnBehalfOf(w), scopes));
            await waitAllTasksBlocked();
          }
          scopes.get('W1')!.cancel();
          scopes.get('W2')!.cancel();
          expect(l.statistics().tasksWaiting).toBe(0);
          l.releaseOnBehalfOf('a');
          expect(lst(l)).toEqual([1, 2, ['b'], 0, 1]);
          l.acquireOnBehalfOfNowait('c');
          expect(lst(l)).toEqual([2, 2, ['b', 'c'], 0, 0]);
        });
        expect(sorted(log)).toEqual([['W1', 'cancelled'], ['W2', 'cancelled']]);
      }));
  }
});

describe('CapacityLimiter: who may release, who may borrow (Trio 0.22 probes)', () => {
  // Trio (probe V3): None is a borrower like any other: borrowers [None]; a second borrow for it →
  // RuntimeError "already holding"; release_on_behalf_of(None) gives it back.
  it('undefined and null are borrowers like any other value', () =>
    runVirtual(() => {
      const l = new CapacityLimiter(2);
      l.acquireOnBehalfOfNowait(undefined);
      l.acquireOnBehalfOfNowait(null);
      expect(l.statistics()).toEqual({ borrowedTokens: 2, totalTokens: 2, borrowers: [undefined, null], tasksWaiting: 0 });
      expect(syncError(() => l.acquireOnBehalfOfNowait(undefined))).toBeInstanceOf(RuntimeError);
      l.releaseOnBehalfOf(undefined);
      l.releaseOnBehalfOf(null);
      expect(l.borrowedTokens).toBe(0);
    }));

  const NOT_HOLDING = /this borrower isn't holding any of this CapacityLimiter's tokens/;
  const ALREADY = /this borrower is already holding one of this CapacityLimiter's tokens/;

  for (const style of STYLES) {
    // Trio: h holds the only token, W waits: release_on_behalf_of('nobody'), ('W') (still
    // waiting) and release() by the main task → RuntimeError "this borrower isn't holding any of
    // this CapacityLimiter's tokens", statistics unchanged (1,1,[h],1,0);
    // acquire_on_behalf_of_nowait('W') → WouldBlock; …nowait('h') → RuntimeError "already
    // holding"; await acquire_on_behalf_of('h') on the full limiter → RuntimeError (no wait);
    // release h → (1,1,[W],0,0); W got it.
    it(`a release by a non-borrower, or for a ${style} task still waiting, is refused and disturbs nothing`, () =>
      runVirtual(async () => {
        const l = new CapacityLimiter(1);
        l.acquireOnBehalfOfNowait('h');
        const log: unknown[] = [];
        await new TaskGroup().run(async (tg) => {
          tg.createTask(blocked(style, 'W', log, () => l.acquireOnBehalfOf('W')));
          await waitAllTasksBlocked();
          for (const b of ['nobody', 'W']) {
            const e = syncError(() => l.releaseOnBehalfOf(b));
            expect(e).toBeInstanceOf(RuntimeError);
            expect(e.message).toMatch(NOT_HOLDING);
          }
          expect(syncError(() => l.release()).message).toMatch(NOT_HOLDING);
          expect(lst(l)).toEqual([1, 1, ['h'], 1, 0]);
          expect(syncError(() => l.acquireOnBehalfOfNowait('W'))).toBeInstanceOf(WouldBlockError);
          expect(syncError(() => l.acquireOnBehalfOfNowait('h')).message).toMatch(ALREADY);
          const e = await errorOf(() => l.acquireOnBehalfOf('h'));
          expect(e).toBeInstanceOf(RuntimeError);
          expect(e.message).toMatch(ALREADY);
          expect(lst(l)).toEqual([1, 1, ['h'], 1, 0]);
          l.releaseOnBehalfOf('h');
          expect(lst(l)).toEqual([1, 1, ['W'], 0, 0]);
        });
        expect(log).toEqual([['W', 'got']]);
      }));

    // Trio (probe V2): task A acquires; release() by another task → RuntimeError "this borrower
    // isn't holding …"; release_on_behalf_of(A) by that task works (borrowed 0); A's own release()
    // afterwards → the same RuntimeError.
    it(`a token a ${style} task acquired is refused to another task's release() but given back on its behalf`, () =>
      runVirtual(async () => {
        const l = new CapacityLimiter(1);
        const log: unknown[] = [];
        const ownRelease = (): void => {
          log.push(['A release', syncError(() => l.release()).message]);
        };
        await new TaskGroup().run(async (tg) => {
          const a = tg.createTask(
            styled(
              style,
              function* () {
                yield* l.acquire();
                yield* sleep(1000);
                ownRelease();
              },
              async () => {
                await l.acquire();
                await sleep(1000);
                ownRelease();
              },
            ),
          );
          await waitAllTasksBlocked();
          expect(syncError(() => l.release()).message).toMatch(NOT_HOLDING);
          expect(l.statistics().borrowers[0]).toBe(a);
          l.releaseOnBehalfOf(a);
          expect(l.borrowedTokens).toBe(0);
        });
        expect(log).toHaveLength(1);
        expect((log[0] as string[])[1]).toMatch(NOT_HOLDING);
      }));

    // Trio (probe T4): h holds the only token; A then B wait in `async with limiter:`; release h
    // hands the token to A (A is a borrower at once), then A's scope is cancelled before A runs:
    // A's acquire RETURNS, A's body runs up to its first checkpoint, which raises Cancelled; the
    // `async with` gives the token back and B goes in. Log: [A in body, A exit True, B in body,
    // B after checkpoint, B exit False]. tulip: a waiter handed the token and cancelled before it
    // resumes gives the token on (limiter.ts _acquireSlow) — A's body never runs:
    // [A exit true, B in body, B after checkpoint, B exit false].
    it.fails(`a ${style} waiter handed the token and then scope-cancelled before it resumes enters its body (Trio), cancelled at its first wait`, () =>
      runVirtual(async () => {
        const l = new CapacityLimiter(1);
        l.acquireOnBehalfOfNowait('h');
        const log: unknown[] = [];
        const scopes: Scopes = new Map();
        const worker = (name: string): TaskBody<void> => {
          const scope = new CancelScope();
          scopes.set(name, scope);
          return styled(
            style,
            function* () {
              yield* scope.run(function* () {
                yield* l.run(function* () {
                  log.push([name, 'in body']);
                  yield* sleep(0);
                  log.push([name, 'after checkpoint']);
                });
              });
              log.push([name, 'exit', scope.cancelledCaught]);
            },
            async () => {
              await scope.run(async () => {
                await l.run(async () => {
                  log.push([name, 'in body']);
                  await sleep(0);
                  log.push([name, 'after checkpoint']);
                });
              });
              log.push([name, 'exit', scope.cancelledCaught]);
            },
          );
        };
        await new TaskGroup().run(async (tg) => {
          tg.createTask(worker('A'));
          await waitAllTasksBlocked();
          tg.createTask(worker('B'));
          await waitAllTasksBlocked();
          l.releaseOnBehalfOf('h');
          expect(l.statistics().tasksWaiting).toBe(1);
          scopes.get('A')!.cancel();
          expect(l.statistics().tasksWaiting).toBe(1); // A already holds the token
        });
        expect(log).toEqual([
          ['A', 'in body'],
          ['A', 'exit', true],
          ['B', 'in body'],
          ['B', 'after checkpoint'],
          ['B', 'exit', false],
        ]);
        expect(lst(l)).toEqual([0, 1, [], 0, 1]);
      }));
  }
});
