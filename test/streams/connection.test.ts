// openConnection / startServer hand their resource over even to a task whose cancellation arrives
// in the pass the resource was made (src/internal/handover.ts): the cancellation then lands at the
// task's next wait, and the task can close what it got. A connection or server dropped there
// would stay open with nobody to close it.
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createTask, openConnection, run, sleep, startServer, waitFor, type Server, type StreamWriter, type Task } from 'tulip';
import { assertCancelled, errorOf } from '../support.js';
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
