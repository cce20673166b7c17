// openConnection (src/streams/connection.ts): its options for the local end and the address
// family, and the hand-over of its result — with startServer's — even to a task whose
// cancellation arrives in the pass the resource was made (src/internal/handover.ts): the
// cancellation then lands at the task's next wait, and the task can close what it got. A
// connection or server dropped there would stay open with nobody to close it.
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createTask, openConnection, run, sleep, startServer, waitFor, type Server, type StreamWriter, type Task } from 'tulip';
import { assertCancelled, errorOf, syncError } from '../support.js';
import { BOUND, rawServer } from './helpers.js';

describe('a cancellation that reaches a task in the pass its resource was made', () => {
  it('openConnection: the task gets the connection; the cancellation lands at its next wait', () =>
    run(async () => {
      const accepted: Socket[] = [];
      const peer = await rawServer((s) => accepted.push(s));
      let writer: StreamWriter | undefined;
      try {
        const t: Task<void> = createTask(function* () {
          const f = openConnection('127.0.0.1', peer.port);
          f.addDoneCallback(() => t.cancel()); // runs before the task's wake-up
          [, writer] = yield* f;
          yield* sleep(0); // the cancellation lands here
        });
        assertCancelled(await errorOf(() => t));
        expect(writer).toBeDefined();
        writer!.close();
        await waitFor(writer!.waitClosed(), BOUND);
        expect(writer!.transport.destroyed).toBe(true);
      } finally {
        await peer.close();
      }
    }));

  it('startServer: the task gets the server; the cancellation lands at its next wait', () =>
    run(async () => {
      let server: Server | undefined;
      const t: Task<void> = createTask(function* () {
        const f = startServer(() => undefined, '127.0.0.1', 0);
        f.addDoneCallback(() => t.cancel());
        server = yield* f;
        yield* sleep(0);
      });
      assertCancelled(await errorOf(() => t));
      expect(server?.isServing()).toBe(true);
      server!.close();
      await waitFor(server!.waitClosed(), BOUND);
      expect(server!.isServing()).toBe(false);
    }));

  it('openConnection cancelled while it connects closes the half-made socket and throws CancelledError', () =>
    run(async () => {
      const peer = await rawServer(() => undefined);
      try {
        const t = createTask(() => openConnection('127.0.0.1', peer.port));
        await sleep(0); // the task has called openConnection; the socket is connecting
        t.cancel();
        assertCancelled(await errorOf(() => t));
        // The peer may have accepted it already; it must see it closed.
        for (let i = 0; i < 200 && peer.sockets.size > 0; i++) await sleep(5);
        expect(peer.sockets.size).toBe(0);
      } finally {
        await peer.close();
      }
    }));
});

describe('openConnection: where the connection goes from', () => {
  it('localAddr binds the local end: its host, and a port given or picked', () =>
    run(async () => {
      const peer = await rawServer(() => undefined);
      const free = await rawServer(() => undefined); // a port known to be free once closed
      const freePort = free.port;
      await free.close();
      try {
        const [, w1] = await openConnection('127.0.0.1', peer.port, { localAddr: ['127.0.0.1', 0] });
        expect((w1.getExtraInfo('sockname') as [string, number])[0]).toBe('127.0.0.1');
        w1.close();
        const [, w2] = await openConnection('127.0.0.1', peer.port, { localAddr: ['127.0.0.1', freePort] });
        expect(w2.getExtraInfo('sockname')).toEqual(['127.0.0.1', freePort]);
        w2.close();
      } finally {
        await peer.close();
      }
    }));

  it('family 4 resolves localhost to 127.0.0.1; happyEyeballsDelay is accepted', () =>
    run(async () => {
      const peer = await rawServer(() => undefined);
      try {
        const [, w] = await openConnection('localhost', peer.port, { family: 4, happyEyeballsDelay: 50 });
        expect((w.getExtraInfo('peername') as [string, number])[0]).toBe('127.0.0.1');
        w.close();
      } finally {
        await peer.close();
      }
    }));

  it('bad localAddr, family and happyEyeballsDelay throw naming the option and what came', () =>
    run(() => {
      const open = openConnection as (...a: unknown[]) => unknown;
      for (const localAddr of ['127.0.0.1', ['127.0.0.1'], ['127.0.0.1', 70000], [1, 2]]) {
        expect(syncError(() => open('127.0.0.1', 1, { localAddr })).message).toMatch(
          /^openConnection: localAddr must be \[host, port\] with a port from 0 to 65535, got /,
        );
      }
      expect(syncError(() => open('127.0.0.1', 1, { family: 5 })).message).toBe('openConnection: family must be 0, 4 or 6, got 5');
      const e = syncError(() => open('127.0.0.1', 1, { happyEyeballsDelay: -1 }));
      expect(e).toBeInstanceOf(RangeError);
      expect(e.message).toBe('openConnection: happyEyeballsDelay must be a number of ms >= 0, got -1');
    }));
});
