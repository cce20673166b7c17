// Behaviour ports of CPython 3.13 Lib/test/test_asyncio/test_server.py, in our own words, over real
// sockets (TCP on 127.0.0.1 with port 0, and Unix sockets under the temporary directory). The
// peers and helpers are in streams.helpers.ts; what is not ported, and why, is listed at the top
// of streams.ported2.test.ts.
import { type Socket } from 'node:net';
import { existsSync, unlinkSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  RuntimeError,
  Server,
  StreamReader,
  StreamWriter,
  createTask,
  gather,
  getRunningLoop,
  openConnection,
  run,
  sleep,
  startServer,
  startUnixServer,
  waitFor,
} from 'tulip';
import { assertCancelled, errorOf, passes, recordExceptions, rejection } from './helpers.js';
import { BOUND, str, sockPath, removePath, open, portOf, rawClient, receiveAll, shutdown, TRANSPORTS } from '../streams/helpers.js';

describe('Server (test_server.py)', () => {
  const HELLO = '1'.repeat(1024 * 5) + '\n';

  for (const kind of TRANSPORTS) {
    // ports test_server.py::BaseStartServer.test_start_server_1 (tcp) and
    // SelectorStartServerTests.test_start_unix_server_1 (unix)
    it(`(${kind}) serveForever() cancelled by a client handler closes the server; serveForever() then throws 'is closed'`, () =>
      run(async () => {
        const path = kind === 'unix' ? sockPath() : undefined;
        let client: Socket | undefined;
        let srv: Server | undefined;
        try {
          let mainTask: ReturnType<typeof createTask<void>> | undefined;
          const serve = async (r: StreamReader, w: StreamWriter): Promise<void> => {
            await r.readline();
            mainTask!.cancel();
            w.write('1');
            w.close();
            await w.waitClosed();
          };
          srv = path !== undefined
            ? await startUnixServer(serve, path, { startServing: false })
            : await startServer(serve, '127.0.0.1', 0, { startServing: false });
          const server = srv;
          expect(server.isServing()).toBe(false);
          mainTask = createTask(async () => {
            try {
              if (kind === 'unix') {
                expect(server.isServing()).toBe(false);
                await server.startServing();
                expect(server.isServing()).toBe(true);
              }
              await server.serveForever();
            } finally {
              await server[Symbol.asyncDispose]();
            }
          });
          for (let i = 0; i < 1000 && !server.isServing(); i++) await sleep(1);
          expect(server.isServing()).toBe(true);
          const where = path !== undefined ? { path } : { port: portOf(server) };
          client = await rawClient(where);
          const reply = receiveAll(client);
          client.write(HELLO);
          assertCancelled(await rejection(waitFor(mainTask, BOUND)));
          expect(await reply).toBe('1');
          expect(server.isServing()).toBe(false);
          // asyncio: srv.sockets == (). Node's server.address() is null once a TCP server is
          // closed; for a Unix server Node keeps answering its path.
          if (kind === 'tcp') expect(server.address()).toBeNull();
          const e = await errorOf(() => server.serveForever());
          expect(e).toBeInstanceOf(RuntimeError);
          expect(e.message).toMatch(/is closed/);
        } finally {
          client?.destroy();
          await shutdown(srv);
          if (path !== undefined) removePath(path);
        }
      }));
  }

  /** test_server.py's handler: reads to EOF, then closes its writer. */
  const readToEof = async (rd: StreamReader, wr: StreamWriter): Promise<void> => {
    try {
      await rd.read();
    } finally {
      wr.close();
      await wr.waitClosed();
    }
  };

  // ports test_server.py::TestServer2.test_wait_closed_basic
  it('waitClosed() waits while the server is open or a connection is; returns once both are closed', () =>
    run(async () => {
      let srv: Server | undefined;
      let wr: StreamWriter | undefined;
      try {
        srv = await startServer(readToEof, '127.0.0.1', 0);
        const server = srv;
        // no connection, not closed: waits
        const task1 = createTask(() => server.waitClosed());
        await sleep(0);
        expect(task1.done()).toBe(false);

        // a connection, not closed: waits
        const [, w] = await openConnection('127.0.0.1', portOf(server));
        wr = w;
        const task2 = createTask(() => server.waitClosed());
        await sleep(0);
        expect(task1.done()).toBe(false);
        expect(task2.done()).toBe(false);

        server.close();
        await sleep(0);
        // a connection, closed: waits
        const task3 = createTask(() => server.waitClosed());
        await sleep(0);
        expect(task1.done()).toBe(false);
        expect(task2.done()).toBe(false);
        expect(task3.done()).toBe(false);

        w.close();
        await waitFor(w.waitClosed(), BOUND);
        // no connection, closed: every wait returns
        await waitFor(gather([task1, task2, task3]), BOUND);
        await waitFor(server.waitClosed(), BOUND); // at once
      } finally {
        wr?.transport.destroy();
        await shutdown(srv);
      }
    }));

  // ports test_server.py::TestServer2.test_wait_closed_race (a 3.12.0 regression)
  it('waitClosed() returns when close() and the last connection close come in the next pass', () =>
    run(async () => {
      let srv: Server | undefined;
      let wr: StreamWriter | undefined;
      try {
        srv = await startServer(readToEof, '127.0.0.1', 0);
        const server = srv;
        const task = createTask(() => server.waitClosed());
        await sleep(0);
        expect(task.done()).toBe(false);
        const [, w] = await openConnection('127.0.0.1', portOf(server));
        wr = w;
        getRunningLoop().callSoon(() => server.close());
        getRunningLoop().callSoon(() => w.close());
        await waitFor(server.waitClosed(), BOUND);
        await waitFor(task, BOUND);
      } finally {
        wr?.transport.destroy();
        await shutdown(srv);
      }
    }));

  // ports test_server.py::TestServer2.test_close_clients
  it('close() then closeClients() closes the open connections and lets waitClosed() return', () =>
    run(async () => {
      let srv: Server | undefined;
      let wr: StreamWriter | undefined;
      try {
        srv = await startServer(readToEof, '127.0.0.1', 0);
        const server = srv;
        const [rd, w] = await openConnection('127.0.0.1', portOf(server));
        wr = w;
        // (asyncio starts this wait before close(); here it starts after, so that this test checks
        // closeClients() alone: a wait started before close() is test_wait_closed_basic's.)
        server.close();
        const task = createTask(() => server.waitClosed());
        await passes(2);
        expect(task.done()).toBe(false); // close() leaves the connection open
        server.closeClients();
        await waitFor(task, BOUND);
        expect(str(await waitFor(rd.read(), BOUND))).toBe(''); // the client sees EOF
      } finally {
        wr?.transport.destroy();
        await shutdown(srv);
      }
    }));

  // ports test_server.py::TestServer2.test_abort_clients
  it('abortClients() drops connections with unsent bytes at once, and waitClosed() returns', () =>
    run(async () => {
      let srv: Server | undefined;
      let cw: StreamWriter | undefined;
      try {
        const fut = getRunningLoop().createFuture<[StreamReader, StreamWriter]>();
        srv = await startServer(async (rd, wr) => {
          fut.setResult([rd, wr]);
          await wr.waitClosed();
        }, '127.0.0.1', 0);
        const server = srv;
        const [, w] = await openConnection('127.0.0.1', portOf(server), { limit: 4096 });
        cw = w;
        const [, sw] = await waitFor(fut, BOUND);
        // The client does not read: fill the client's reader past twice its limit (it pauses), then
        // the kernel's buffers, until the server's socket holds unsent bytes.
        for (let i = 0; i < 64 && sw.transport.writableLength === 0; i++) {
          sw.write(Buffer.alloc(1024 * 1024, 0x61));
          await sleep(1);
        }
        expect(sw.transport.writableLength).toBeGreaterThan(0);
        // (asyncio starts this wait before close(); see test_close_clients's port above.)
        server.close();
        const task = createTask(() => server.waitClosed());
        await passes(2);
        expect(task.done()).toBe(false); // close() leaves the connection open
        server.abortClients();
        await waitFor(task, BOUND);
        expect(sw.transport.destroyed).toBe(true);
      } finally {
        cw?.transport.destroy();
        await shutdown(srv);
      }
    }));

  // ports test_server.py::UnixServerCleanupTests.test_unix_server_addr_cleanup
  it('close() of a Unix server removes its socket file', () =>
    run(async () => {
      const path = sockPath();
      let srv: Server | undefined;
      try {
        srv = await startUnixServer(() => {}, path);
        expect(existsSync(path)).toBe(true);
        srv.close();
        expect(existsSync(path)).toBe(false);
        await waitFor(srv.waitClosed(), BOUND);
      } finally {
        await shutdown(srv);
        removePath(path);
      }
    }));

  // ports test_server.py::UnixServerCleanupTests.test_unix_server_cleanup_gone
  it('close() of a Unix server whose socket file someone else removed throws nothing and reports nothing', () =>
    run(async () => {
      const seen = recordExceptions();
      const path = sockPath();
      let srv: Server | undefined;
      try {
        srv = await startUnixServer(() => {}, path);
        unlinkSync(path);
        srv.close();
        await waitFor(srv.waitClosed(), BOUND);
        expect(existsSync(path)).toBe(false);
        expect(seen).toEqual([]);
      } finally {
        await shutdown(srv);
        removePath(path);
      }
    }));
});
