// Reliability of memory channels (openMemoryChannel): random programs of 2–8 tasks, each with its
// own clones of both ends, sending and receiving (blocking, nowait, waitFor), cloning and closing
// ends, with random cancellations, in both coroutine styles, for buffers 0 (rendezvous), 1, 2 and
// Infinity. Every value sent is received exactly once, or dropped with the buffer when the last
// receive end closed; a send that failed or was cancelled delivered nothing (Trio: once a
// receiver has the value, send() returns); EndOfChannelError / BrokenResourceError /
// ClosedResourceError come exactly when Trio raises them; clone() counting. Plus deterministic races.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BrokenResourceError,
  ClosedResourceError,
  EndOfChannelError,
  TimeoutError,
  WouldBlockError,
  createTask,
  gather,
  isCancelledError,
  openMemoryChannel,
  sleep,
  waitFor,
  type MemoryReceiveChannel,
  type MemorySendChannel,
} from 'tulip';
import { assertCancelled, passes, runVirtual, syncError } from '../support.js';
import {
  STYLES,
  aw,
  body,
  cancelsArb,
  expectNothingReported,
  fcOptions,
  foreignGate,
  io,
  nap,
  playBursts,
  programsArb,
  runScenario,
  stylesArb,
  type CancelEvent,
  type Prog,
  type Style,
} from './harness.js';

type ChOp =
  | { k: 'send' }
  | { k: 'sendNowait' }
  | { k: 'sendWait'; t: number }
  | { k: 'recv' }
  | { k: 'recvNowait' }
  | { k: 'recvWait'; t: number }
  | { k: 'closeSend' }
  | { k: 'closeRecv' }
  | { k: 'cloneSend' }
  | { k: 'cloneRecv' }
  | { k: 'sleep'; d: number }
  | { k: 'io'; d: number };

const tArb = fc.integer({ min: 0, max: 4 });
const chOpArb: fc.Arbitrary<ChOp> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ k: 'send' as const }) },
  { weight: 2, arbitrary: fc.constant({ k: 'sendNowait' as const }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('sendWait' as const), t: tArb }) },
  { weight: 4, arbitrary: fc.constant({ k: 'recv' as const }) },
  { weight: 2, arbitrary: fc.constant({ k: 'recvNowait' as const }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('recvWait' as const), t: tArb }) },
  { weight: 1, arbitrary: fc.constant({ k: 'closeSend' as const }) },
  { weight: 1, arbitrary: fc.constant({ k: 'closeRecv' as const }) },
  { weight: 1, arbitrary: fc.constant({ k: 'cloneSend' as const }) },
  { weight: 1, arbitrary: fc.constant({ k: 'cloneRecv' as const }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('sleep' as const), d: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('io' as const), d: fc.integer({ min: 0, max: 3 }) }) },
);

type Blocked = 'send' | 'recv' | null;

class ChannelModel {
  readonly sentOK = new Set<number>();
  readonly sendFailed = new Map<number, string>();
  readonly received: number[] = [];
  readonly receivedBy = new Map<number, number>();
  openSend = 0;
  openRecv = 0;
  dropped = 0;
  readonly violations: string[] = [];
  readonly blocked: Blocked[];
  /** Per sender, its values in the order it sent them, and the order they were received. */
  readonly sentOrder = new Map<number, number[]>();

  constructor(
    private readonly probe: MemorySendChannel<number>,
    private readonly maxBuffer: number,
    n: number,
  ) {
    this.blocked = new Array<Blocked>(n).fill(null);
  }

  check(where: string): void {
    const st = this.probe.statistics();
    if (st.openSendChannels !== this.openSend) this.violations.push(`${where}: openSendChannels ${st.openSendChannels}, model ${this.openSend}`);
    if (st.openReceiveChannels !== this.openRecv) this.violations.push(`${where}: openReceiveChannels ${st.openReceiveChannels}, model ${this.openRecv}`);
    // (No bound check of currentBufferUsed: a receiver handed a value and cancelled before it
    // resumes puts the value back first in line, even into a full buffer — see the report.)
    void this.maxBuffer;
  }

  receivedValue(v: unknown, by: number): void {
    if (typeof v !== 'number') {
      this.violations.push(`received ${String(v)}`);
      return;
    }
    if (this.receivedBy.has(v)) this.violations.push(`${v} received twice (by ${this.receivedBy.get(v)} and ${by})`);
    this.receivedBy.set(v, by);
    this.received.push(v);
  }

  /** What a receive that failed must have seen. */
  receiveFailed(e: unknown, ownClosed: boolean): void {
    if (e instanceof ClosedResourceError && !ownClosed) this.violations.push('receive: ClosedResourceError on an open end');
    if (ownClosed && !(e instanceof ClosedResourceError)) this.violations.push(`receive on a closed end threw ${(e as Error).name}`);
    if (e instanceof EndOfChannelError) {
      const st = this.probe.statistics();
      if (st.openSendChannels !== 0 || st.currentBufferUsed !== 0) this.violations.push(`EndOfChannelError with ${JSON.stringify(st)}`);
    }
  }

  sendFailedWith(id: number, e: unknown, ownClosed: boolean): void {
    this.sendFailed.set(id, (e as Error).name);
    if (e instanceof ClosedResourceError && !ownClosed) this.violations.push('send: ClosedResourceError on an open end');
    if (ownClosed && !(e instanceof ClosedResourceError)) this.violations.push(`send on a closed end threw ${(e as Error).name}`);
    if (e instanceof BrokenResourceError && this.probe.statistics().openReceiveChannels !== 0) {
      this.violations.push('BrokenResourceError while a receive end is open');
    }
  }
}

function* channelProgram(
  style: Style,
  me: number,
  ops: ChOp[],
  ends: { send: MemorySendChannel<number>; recv: MemoryReceiveChannel<number> },
  m: ChannelModel,
): Prog<void> {
  let send = ends.send;
  let recv = ends.recv;
  let sendClosed = false;
  let recvClosed = false;
  const closeSend = (): void => {
    if (sendClosed) return;
    sendClosed = true;
    m.openSend--;
    send.close();
  };
  const closeRecv = (): void => {
    if (recvClosed) return;
    recvClosed = true;
    if (m.openRecv === 1) m.dropped += send.statistics().currentBufferUsed; // the buffer goes with the last one
    m.openRecv--;
    recv.close();
  };
  const doSend = function* (id: number, t: number | null): Prog<void> {
    const closed = sendClosed;
    try {
      m.blocked[me] = 'send';
      yield* aw(style, t === null ? send.send(id) : waitFor(send.send(id), t));
    } catch (e) {
      m.sendFailedWith(id, e, closed);
      if (isCancelledError(e)) throw e;
      return;
    } finally {
      m.blocked[me] = null;
    }
    if (closed) m.violations.push(`send(${id}) on a closed end succeeded`);
    m.sentOK.add(id);
  };
  const doRecv = function* (t: number | null): Prog<void> {
    const closed = recvClosed;
    let v: number;
    try {
      m.blocked[me] = 'recv';
      v = yield* aw(style, t === null ? recv.receive() : waitFor(recv.receive(), t));
    } catch (e) {
      m.receiveFailed(e, closed);
      if (isCancelledError(e)) throw e;
      return;
    } finally {
      m.blocked[me] = null;
    }
    if (closed) m.violations.push('receive on a closed end succeeded');
    m.receivedValue(v, me);
  };
  try {
    for (let j = 0; j < ops.length; j++) {
      const op = ops[j]!;
      const id = me * 100 + j;
      switch (op.k) {
        case 'send':
          yield* doSend(id, null);
          break;
        case 'sendWait':
          yield* doSend(id, op.t);
          break;
        case 'sendNowait': {
          const closed = sendClosed;
          try {
            send.sendNowait(id);
          } catch (e) {
            if (!(e instanceof WouldBlockError)) m.sendFailedWith(id, e, closed);
            else m.sendFailed.set(id, 'WouldBlockError');
            break;
          }
          if (closed) m.violations.push('sendNowait on a closed end succeeded');
          m.sentOK.add(id);
          break;
        }
        case 'recv':
          yield* doRecv(null);
          break;
        case 'recvWait':
          yield* doRecv(op.t);
          break;
        case 'recvNowait': {
          const closed = recvClosed;
          let v: number;
          try {
            v = recv.receiveNowait();
          } catch (e) {
            if (!(e instanceof WouldBlockError)) m.receiveFailed(e, closed);
            break;
          }
          m.receivedValue(v, me);
          break;
        }
        case 'closeSend':
          closeSend();
          break;
        case 'closeRecv':
          closeRecv();
          break;
        case 'cloneSend':
          if (sendClosed) {
            if (!(syncError(() => send.clone()) instanceof ClosedResourceError)) m.violations.push('clone of a closed send end');
          } else {
            const c = send.clone();
            m.openSend++;
            closeSend(); // the clone keeps the channel open
            send = c;
            sendClosed = false;
          }
          break;
        case 'cloneRecv':
          if (recvClosed) {
            if (!(syncError(() => recv.clone()) instanceof ClosedResourceError)) m.violations.push('clone of a closed receive end');
          } else {
            const c = recv.clone();
            m.openRecv++;
            closeRecv();
            recv = c;
            recvClosed = false;
          }
          break;
        case 'sleep':
          yield* nap(style, op.d);
          break;
        case 'io':
          yield* io(style, op.d);
          break;
      }
      m.check(`after ${me}.${j} ${op.k}`);
    }
  } finally {
    closeSend();
    closeRecv();
  }
}

/** Runs one random channel program; the checks are the caller's. */
export async function runChannelScenario(buffer: number, progs: ChOp[][], styles: Style[], cancels: CancelEvent[]) {
  const n = progs.length;
  const [send0, recv0] = openMemoryChannel<number>(buffer);
  const endsOf = progs.map(() => ({ send: send0.clone(), recv: recv0.clone() }));
  send0.close();
  recv0.close();
  const probe = send0; // statistics() of a closed end still reports the channel
  const m = new ChannelModel(probe, buffer, n);
  m.openSend = n;
  m.openRecv = n;
  m.check('start');
  const atLimit: string[] = [];
  const r = await runScenario({
    bodies: progs.map((ops, i) => body(styles[i]!, () => channelProgram(styles[i]!, i, ops, endsOf[i]!, m))),
    cancels,
    atLimit: (stuck) => {
      const st = probe.statistics();
      for (const i of stuck) {
        const b = m.blocked[i];
        // Blocked where Trio's would be: receiving from an empty channel some send end
        // keeps open, or sending into a full one some receive end keeps open.
        if (b === 'recv' && (st.openSendChannels === 0 || st.currentBufferUsed > 0)) atLimit.push(`T${i} blocked in receive: ${JSON.stringify(st)}`);
        if (b === 'send' && (st.openReceiveChannels === 0 || st.currentBufferUsed < buffer)) atLimit.push(`T${i} blocked in send: ${JSON.stringify(st)}`);
        if (b === null) atLimit.push(`T${i} blocked outside the channel`);
      }
    },
  });
  return { m, r, probe, atLimit };
}

describe('Memory channels under random programs', () => {
  for (const style of [...STYLES, 'mixed'] as const) {
    it(`every value is received once or dropped with the last receive end; a failed or cancelled send delivered nothing (${style})`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(0, 0, 1, 2, Infinity),
          programsArb(chOpArb, 6).chain((progs) => fc.tuple(fc.constant(progs), stylesArb(progs.length, style), cancelsArb(3))),
          async (buffer, [progs, styles, cancels]) => {
            const { m, r, probe, atLimit } = await runChannelScenario(buffer, progs, styles, cancels);
            expectNothingReported(r, [BrokenResourceError, ClosedResourceError, EndOfChannelError]);
            expect(atLimit).toEqual([]);
            expect(m.violations).toEqual([]);
            expect(m.openSend).toBe(0);
            expect(m.openRecv).toBe(0);
            const received = new Set(m.received);
            expect(received.size).toBe(m.received.length);
            for (const v of m.received) {
              // A receiver got it: the send must have returned (Trio: once taken, send() returns).
              expect(m.sendFailed.get(v), `${v} received, but its send failed`).toBe(undefined);
              expect(m.sentOK.has(v), `${v} received but never sent`).toBe(true);
            }
            expect(m.sentOK.size).toBe(m.received.length + m.dropped);
            expect(probe.statistics()).toEqual({
              currentBufferUsed: 0,
              maxBufferSize: buffer,
              openSendChannels: 0,
              openReceiveChannels: 0,
              tasksWaitingSend: 0,
              tasksWaitingReceive: 0,
            });
            for (const o of r.outcomes) {
              if (o.error !== undefined) {
                expect(isCancelledError(o.error), String(o.error)).toBe(true);
                expect(o.cancelRequested || o.stuck).toBe(true);
              }
            }
          },
        ),
        fcOptions(70),
      );
    });
  }
});

type RecvRace = { k: 'send' } | { k: 'cancel'; i: number } | { k: 'pass' };
const recvRaceArb: fc.Arbitrary<RecvRace[]> = fc.array(
  fc.oneof(
    { weight: 3, arbitrary: fc.constant({ k: 'send' as const }) },
    { weight: 3, arbitrary: fc.record({ k: fc.constant('cancel' as const), i: fc.nat({ max: 7 }) }) },
    { weight: 2, arbitrary: fc.constant({ k: 'pass' as const }) },
  ),
  { maxLength: 14 },
);

describe('Memory channel wake/cancel races (random bursts in one pass)', () => {
  it('receivers handed values and cancelled in the same passes: every value sent is received once or still there, nobody waits while one is there', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(0, 1, 2),
        fc.array(fc.constantFrom(...STYLES), { minLength: 1, maxLength: 6 }),
        recvRaceArb,
        async (buffer, styles, actions) =>
          runVirtual(async () => {
            const [send, recv] = openMemoryChannel<number>(buffer);
            const got = new Map<number, number>();
            const rs = styles.map((style, i) =>
              createTask(
                body(style, function* () {
                  got.set(i, yield* aw(style, recv.receive()));
                }),
              ),
            );
            await passes(2);
            const sent: number[] = [];
            let next = 0;
            await playBursts(actions, (a) => {
              if (a.k === 'send') {
                try {
                  send.sendNowait(next);
                  sent.push(next);
                } catch (e) {
                  if (!(e instanceof WouldBlockError)) throw e;
                }
                next++;
              } else if (a.k === 'cancel') {
                rs[a.i % rs.length]!.cancel();
              }
            });
            await passes(10);
            const blocked = rs.filter((t) => !t.done()).length;
            const left: number[] = [];
            for (;;) {
              try {
                left.push(recv.receiveNowait());
              } catch {
                break;
              }
            }
            if (blocked > 0) expect(left).toEqual([]);
            expect([...got.values(), ...left].sort((x, y) => x - y)).toEqual(sent);
            expect(recv.statistics().tasksWaitingReceive).toBe(blocked);
            for (const t of rs) t.cancel();
            await gather(rs, { returnExceptions: true });
          }),
      ),
      fcOptions(150),
    );
  });
});

describe('Memory channel cancel/wake races', () => {
  for (const style of STYLES) {
    // Found by the random programs (both styles). Trio: a receiver that takes the value of a
    // blocked send() reschedules the sender, whose send() then returns normally (a cancel arriving
    // meanwhile is delivered at its next checkpoint). tulip completes the send's future and the
    // sender resumes a pass later; a cancel in between makes send() throw CancelledError although
    // the value was delivered — a caller that retries on cancellation sends it twice.
    it(`a sender whose value a receiver took is cancelled before it resumes: send() still returns (${style})`, () =>
      runVirtual(async () => {
        const [send, recv] = openMemoryChannel<number>(0);
        let sendReturned = false;
        const s = createTask(
          body(style, function* () {
            yield* aw(style, send.send(1));
            sendReturned = true;
            yield* nap(style, 10); // the pending cancel lands here
          }),
        );
        await passes(2);
        expect(recv.receiveNowait()).toBe(1); // takes the blocked sender's value
        s.cancel();
        assertCancelled((await gather([s], { returnExceptions: true }))[0]);
        expect(sendReturned).toBe(true);
      }));

    it(`a receiver handed a value and timed out by waitFor in the same pass gives the value back first in line (${style})`, () =>
      runVirtual(async () => {
        const [send, recv] = openMemoryChannel<number>(2);
        const at5 = sleep(5);
        const r1 = createTask(
          body(style, function* () {
            return yield* aw(style, waitFor(recv.receive(), 5));
          }),
        );
        await passes(2);
        await at5; // r1's timeout fires in this pass too
        send.sendNowait(1); // handed to r1 if it still waits, else buffered
        send.sendNowait(2);
        const [v] = await gather([r1], { returnExceptions: true });
        if (v === 1) {
          expect(recv.receiveNowait()).toBe(2);
        } else {
          expect(v).toBeInstanceOf(TimeoutError);
          expect(recv.receiveNowait()).toBe(1);
          expect(recv.receiveNowait()).toBe(2);
        }
      }));

    it(`closing the last send end in the pass a receiver is handed the last value: it gets the value, the next receive gets EndOfChannelError (${style})`, () =>
      runVirtual(async () => {
        const [send, recv] = openMemoryChannel<number>(0);
        const r = createTask(
          body(style, function* () {
            const a = yield* aw(style, recv.receive());
            let end: unknown = null;
            try {
              yield* aw(style, recv.receive());
            } catch (e) {
              end = e;
            }
            return [a, end];
          }),
        );
        await passes(2);
        send.sendNowait(7);
        send.close();
        const [a, end] = (await r) as [number, unknown];
        expect(a).toBe(7);
        expect(end).toBeInstanceOf(EndOfChannelError);
      }));

    it(`closing the last receive end drops the buffer and fails a blocked sender with BrokenResourceError; its own closed end gives ClosedResourceError (${style})`, () =>
      runVirtual(async () => {
        const [send, recv] = openMemoryChannel<number>(1);
        send.sendNowait(1);
        const s = createTask(
          body(style, function* () {
            yield* aw(style, send.send(2));
          }),
        );
        await passes(2);
        recv.close();
        const [rs] = await gather([s], { returnExceptions: true });
        expect(rs).toBeInstanceOf(BrokenResourceError);
        expect(send.statistics().currentBufferUsed).toBe(0);
        expect(syncError(() => send.sendNowait(3))).toBeInstanceOf(BrokenResourceError);
        expect(syncError(() => recv.receiveNowait())).toBeInstanceOf(ClosedResourceError);
        send.close();
        expect(syncError(() => send.send(4))).toBeInstanceOf(ClosedResourceError);
      }));
  }

  it('with buffer 0 a send completes only together with a receive (rendezvous), and sendNowait without a receiver would block', () =>
    runVirtual(async () => {
      const [send, recv] = openMemoryChannel<number>(0);
      expect(syncError(() => send.sendNowait(0))).toBeInstanceOf(WouldBlockError);
      const s = createTask(() => send.send(1));
      await passes(5);
      expect(s.done()).toBe(false);
      expect(send.statistics().tasksWaitingSend).toBe(1);
      expect(await recv.receive()).toBe(1);
      await s;
      const r = createTask(() => recv.receive());
      await passes(2);
      send.sendNowait(2); // a receiver waits: no block
      expect(await r).toBe(2);
    }));

  it('an async task cancelled while awaiting a foreign promise, then receiving a buffered value, does not lose it', () =>
    runVirtual(async () => {
      const [send, recv] = openMemoryChannel<number>(1);
      send.sendNowait(1);
      const io = foreignGate();
      let got: number | undefined;
      const a = createTask(async () => {
        await io.promise;
        got = await recv.receive();
      });
      await passes(1);
      io.open();
      a.cancel();
      await gather([a], { returnExceptions: true });
      expect(got === 1 || recv.statistics().currentBufferUsed === 1, `got ${got}`).toBe(true);
    }));
});

