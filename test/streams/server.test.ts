// Unit tests of src/streams/server.ts and src/streams/connection.ts over real sockets (127.0.0.1,
// port 0; Unix paths under the temporary directory): argument checks of startServer,
// startUnixServer, openConnection and openUnixConnection (the error names the argument, and a
// good call works afterwards), connection errors, a cancelled openConnection, startServing,
// close() leaving connections open, the client handler's errors, serveForever and asyncDispose.
// Every server and socket is closed in a finally.
import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  RuntimeError,
  Server,
  StreamReader,
  StreamWriter,
  createTask,
  getRunningLoop,
  openConnection,
  openUnixConnection,
  run,
  sleep,
  startServer,
  startUnixServer,
  waitFor,
  type Coroutine,
} from 'tulip';
import { assertCancelled, errorOf, recordExceptions, rejection } from '../support.js';
import { BOUND, str, sockPath, removePath } from './helpers.js';

const portOf = (srv: Server): number => (srv.address() as AddressInfo).port;

/** Echoes lines until EOF, then closes. */
const echoLines = async (r: StreamReader, w: StreamWriter): Promise<void> => {
  for await (const line of r) {
    w.write(line);
    await w.drain();
  }
  w.close();
  await w.waitClosed();
};

/** Closes a server and drops its connections (for finally blocks). */
async function shutdown(srv: Server | undefined): Promise<void> {
  if (srv === undefined) return;
  srv.close();
  srv.abortClients();
  await waitFor(srv.waitClosed(), BOUND);
}

/** One line through a fresh connection to `port`. */
async function roundTrip(port: number, line: string): Promise<string> {
  const [r, w] = await openConnection('127.0.0.1', port);
  try {
    w.write(line);
    return str(await waitFor(r.readline(), BOUND));
  } finally {
    w.transport.destroy();
  }
}

/** A port nobody listens on (was free a moment ago). */
async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((res) => srv.listen(0, '127.0.0.1', () => res()));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((res) => srv.close(() => res()));
  return port;
}

describe('startServer / startUnixServer: bad input', () => {
  it('a clientConnected that is not a function: TypeError naming clientConnected', () =>
    run(async () => {
      for (const cb of [undefined, null, 'echo', {}] as unknown[]) {
        const e = await errorOf(() => startServer(cb as never, '127.0.0.1', 0));
        expect(e, String(cb)).toBeInstanceOf(TypeError);
        expect(e.message).toMatch(/clientConnected/);
      }
    }));

  it('a port outside 0..65535 or not an integer: RangeError naming the port; a good port works afterwards', () =>
    run(async () => {
      for (const port of [-1, 65536, 1.5, NaN]) {
        const e = await errorOf(() => startServer(echoLines, '127.0.0.1', port));
        expect(e, String(port)).toBeInstanceOf(RangeError);
        expect(e.message).toMatch(/\bport\b/);
      }
      let srv: Server | undefined;
      try {
        srv = await startServer(echoLines, '127.0.0.1', 0);
        expect(await roundTrip(portOf(srv), 'still fine\n')).toBe('still fine\n');
      } finally {
        await shutdown(srv);
      }
    }));

  it('a limit of 0 or -1: RangeError naming the limit; NaN: TypeError naming the limit', () =>
    run(async () => {
      for (const limit of [0, -1]) {
        const e = await errorOf(() => startServer(echoLines, '127.0.0.1', 0, { limit }));
        expect(e).toBeInstanceOf(RangeError);
        expect(e.message).toMatch(/\blimit\b/);
      }
      const e = await errorOf(() => startServer(echoLines, '127.0.0.1', 0, { limit: NaN }));
      expect(e).toBeInstanceOf(TypeError);
      expect(e.message).toMatch(/\blimit\b/);
    }));

  it('an empty host: TypeError naming the host; an empty Unix path: TypeError naming the path', () =>
    run(async () => {
      const e1 = await errorOf(() => startServer(echoLines, '', 0));
      expect(e1).toBeInstanceOf(TypeError);
      expect(e1.message).toMatch(/\bhost\b/);
      const e2 = await errorOf(() => startUnixServer(echoLines, ''));
      expect(e2).toBeInstanceOf(TypeError);
      expect(e2.message).toMatch(/\bpath\b/);
    }));

  it('listening on a port already taken rejects with Node\'s EADDRINUSE', () =>
    run(async () => {
      let srv: Server | undefined;
      try {
        srv = await startServer(echoLines, '127.0.0.1', 0);
        const e = await errorOf(() => startServer(echoLines, '127.0.0.1', portOf(srv!)));
        expect((e as NodeJS.ErrnoException).code).toBe('EADDRINUSE');
      } finally {
        await shutdown(srv);
      }
    }));
});

describe('openConnection / openUnixConnection: bad input and errors', () => {
  it('a misspelt or unknown option is a TypeError naming it and listing the options (asyncio: an unexpected keyword)', () =>
    run(async () => {
      const cases: [string, () => unknown][] = [
        ['openConnection', () => openConnection('127.0.0.1', 80, { limt: 10 } as never)],
        ['openUnixConnection', () => openUnixConnection(sockPath(), { limt: 10 } as never)],
        ['startServer', () => startServer(echoLines, '127.0.0.1', 0, { reusePort: true } as never)],
        ['startUnixServer', () => startUnixServer(echoLines, sockPath(), { limt: 10 } as never)],
        ['loop.createConnection', () => getRunningLoop().createConnection(() => ({}), '127.0.0.1', 80, { limit: 10 } as never)],
        ['loop.createServer', () => getRunningLoop().createServer(() => ({}), '127.0.0.1', 0, { limit: 10 } as never)],
      ];
      for (const [what, call] of cases) {
        const e = await errorOf(call as () => PromiseLike<unknown>);
        expect(e, what).toBeInstanceOf(TypeError);
        expect(e.message, what).toMatch(/unknown option "(limt|reusePort|limit)" \(the options are: /);
      }
      const s = await startServer(echoLines, '127.0.0.1', 0, { limit: 10, backlog: 5 }); // the right ones still work
      s.close();
      await s.waitClosed();
    }));

  it('an empty host: TypeError naming the host; a bad port: RangeError naming the port; limit 0: RangeError naming the limit', () =>
    run(async () => {
      const e1 = await errorOf(() => openConnection('', 80));
      expect(e1).toBeInstanceOf(TypeError);
      expect(e1.message).toMatch(/\bhost\b/);
      for (const port of [-1, 70000, 2.5]) {
        const e = await errorOf(() => openConnection('127.0.0.1', port));
        expect(e, String(port)).toBeInstanceOf(RangeError);
        expect(e.message).toMatch(/\bport\b/);
      }
      const e3 = await errorOf(() => openConnection('127.0.0.1', 80, { limit: 0 }));
      expect(e3).toBeInstanceOf(RangeError);
      expect(e3.message).toMatch(/\blimit\b/);
      const e4 = await errorOf(() => openUnixConnection(''));
      expect(e4).toBeInstanceOf(TypeError);
      expect(e4.message).toMatch(/\bpath\b/);
      const e5 = await errorOf(() => openUnixConnection(sockPath(), { limit: -1 }));
      expect(e5).toBeInstanceOf(RangeError);
      expect(e5.message).toMatch(/\blimit\b/);
    }));

  it("a refused connection rejects with Node's error, code 'ECONNREFUSED'", () =>
    run(async () => {
      const port = await freePort();
      const e = await errorOf(() => openConnection('127.0.0.1', port));
      expect((e as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
    }));

  it("a Unix path with no server rejects with Node's error (ENOENT)", () =>
    run(async () => {
      const e = await errorOf(() => openUnixConnection(sockPath()));
      expect((e as NodeJS.ErrnoException).code).toBe('ENOENT');
    }));

  it('the limit option reaches the reader of openConnection and of each server connection', () =>
    run(async () => {
      let serverLimit = 0;
      let srv: Server | undefined;
      let w: StreamWriter | undefined;
      try {
        srv = await startServer(async (r, sw) => {
          serverLimit = r.limit;
          const e = await errorOf(() => r.readline());
          sw.write(`${e.constructor.name}: ${e.message}\n`);
          sw.close();
        }, '127.0.0.1', 0, { limit: 5 });
        const [r, writer] = await openConnection('127.0.0.1', portOf(srv), { limit: 100 });
        w = writer;
        expect(r.limit).toBe(100);
        w.write('0123456789\n');
        expect(str(await waitFor(r.readline(), BOUND))).toBe('RangeError: Separator is found, but chunk is longer than limit\n');
        expect(serverLimit).toBe(5);
      } finally {
        w?.transport.destroy();
        await shutdown(srv);
      }
    }));

  it('cancelling openConnection while it connects closes the half-made socket', () =>
    run(async () => {
      const accepted: Socket[] = [];
      const closed: Socket[] = [];
      const raw = createServer((s) => {
        accepted.push(s);
        s.on('error', () => {});
        s.on('close', () => closed.push(s));
        s.resume();
      });
      await new Promise<void>((res) => raw.listen(0, '127.0.0.1', () => res()));
      try {
        const port = (raw.address() as AddressInfo).port;
        const t = createTask(() => openConnection('127.0.0.1', port));
        await sleep(0);
        // Node makes the connect call of a socket to an IP address in a nextTick: let it run.
        await new Promise<void>((res) => process.nextTick(res));
        expect(t.done()).toBe(false);
        t.cancel();
        assertCancelled(await rejection(t));
        // The kernel completes the handshake on loopback, so the server sees the connection, and
        // then its end: the client socket was destroyed.
        for (let i = 0; i < BOUND && accepted.length === 0; i++) await sleep(1);
        expect(accepted.length).toBe(1);
        for (let i = 0; i < BOUND && closed.length === 0; i++) await sleep(1);
        expect(closed.length).toBe(1);
      } finally {
        for (const s of accepted) s.destroy();
        await new Promise<void>((res) => raw.close(() => res()));
      }
    }));
});

describe('Server', () => {
  it('startServing: false: not serving and no address until startServing(), which may be called twice', () =>
    run(async () => {
      let srv: Server | undefined;
      try {
        srv = await startServer(echoLines, '127.0.0.1', 0, { startServing: false });
        expect(srv.isServing()).toBe(false);
        expect(srv.address()).toBeNull();
        await srv.startServing();
        expect(srv.isServing()).toBe(true);
        const a = srv.address() as AddressInfo;
        expect(a.address).toBe('127.0.0.1');
        expect(a.family).toBe('IPv4');
        expect(a.port).toBeGreaterThan(0);
        await srv.startServing();
        expect(srv.isServing()).toBe(true);
        expect(await roundTrip(a.port, 'hi\n')).toBe('hi\n');
      } finally {
        await shutdown(srv);
      }
    }));

  it('close() stops accepting (ECONNREFUSED) but leaves open connections working (3.12+)', () =>
    run(async () => {
      let srv: Server | undefined;
      let w: StreamWriter | undefined;
      try {
        srv = await startServer(echoLines, '127.0.0.1', 0);
        const port = portOf(srv);
        const [r, writer] = await openConnection('127.0.0.1', port);
        w = writer;
        w.write('before\n');
        expect(str(await waitFor(r.readline(), BOUND))).toBe('before\n');
        srv.close();
        expect(srv.isServing()).toBe(false);
        w.write('after close\n');
        expect(str(await waitFor(r.readline(), BOUND))).toBe('after close\n');
        const e = await errorOf(() => openConnection('127.0.0.1', port));
        expect((e as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
        w.writeEof();
        expect(str(await waitFor(r.read(), BOUND))).toBe('');
        await waitFor(srv.waitClosed(), BOUND);
      } finally {
        w?.transport.destroy();
        await shutdown(srv);
      }
    }));

  it('a failing client handler is reported with its task, its connection is closed, and the server keeps serving', () =>
    run(async () => {
      const seen = recordExceptions();
      const err = new Error('handler broke');
      let calls = 0;
      let srv: Server | undefined;
      let w: StreamWriter | undefined;
      try {
        srv = await startServer(async (r, sw) => {
          calls++;
          const line = await r.readline();
          if (str(line) === 'fail\n') throw err;
          sw.write(line);
          sw.close();
        }, '127.0.0.1', 0);
        const [r, writer] = await openConnection('127.0.0.1', portOf(srv));
        w = writer;
        w.write('fail\n');
        expect(str(await waitFor(r.read(), BOUND))).toBe(''); // closed by the server
        expect(seen.length).toBe(1);
        expect(seen[0]!.message).toBe('Unhandled exception in client_connected_cb');
        expect(seen[0]!.exception).toBe(err);
        expect(seen[0]!.task).toBeDefined();
        expect(await roundTrip(portOf(srv), 'ok\n')).toBe('ok\n');
        expect(calls).toBe(2);
      } finally {
        w?.transport.destroy();
        await shutdown(srv);
      }
    }));

  it('waitClosed() after close() and closeClients() resolves only once every connection is gone (connectionCount() is 0)', () =>
    run(async () => {
      for (const how of ['closeClients', 'abortClients'] as const) {
        const srv = await startServer(() => undefined, '127.0.0.1', 0);
        const clients: Socket[] = [];
        for (let i = 0; i < 3; i++) {
          const c = createConnection(portOf(srv), '127.0.0.1');
          c.on('error', () => {});
          clients.push(c);
          await new Promise<void>((resolve) => c.once('connect', () => resolve()));
        }
        for (let i = 0; i < BOUND && srv.connectionCount() < 3; i++) await sleep(1);
        expect(srv.connectionCount()).toBe(3);
        srv.close();
        srv[how]();
        await waitFor(srv.waitClosed(), BOUND);
        // Node's server says "closed" a tick before the last socket does: waitClosed waits for both.
        expect(srv.connectionCount()).toBe(0);
        for (const c of clients) c.destroy();
      }
    }));

  it('serveForever(): a second call while one waits throws RuntimeError; cancelling it closes the server', () =>
    run(async () => {
      let srv: Server | undefined;
      try {
        srv = await startServer(echoLines, '127.0.0.1', 0, { startServing: false });
        const server = srv;
        const forever = createTask(() => server.serveForever());
        for (let i = 0; i < BOUND && !server.isServing(); i++) await sleep(1);
        expect(server.isServing()).toBe(true);
        expect(await roundTrip(portOf(server), 'x\n')).toBe('x\n');
        const e = await errorOf(() => server.serveForever());
        expect(e).toBeInstanceOf(RuntimeError);
        forever.cancel();
        assertCancelled(await rejection(forever));
        expect(server.isServing()).toBe(false);
        await waitFor(server.waitClosed(), BOUND);
        const e2 = await errorOf(() => server.serveForever());
        expect(e2).toBeInstanceOf(RuntimeError);
        expect(e2.message).toMatch(/is closed/);
      } finally {
        await shutdown(srv);
      }
    }));

  // asyncio's serve_forever: cancelled, it runs close() and then `await wait_closed()` before it
  // re-raises, so the caller resumes only once the open connections have ended (their handlers
  // keep serving them meanwhile; no new connection is accepted).
  for (const style of ['async', 'generator'] as const) {
    it(`cancelling serveForever() (${style}) ends it only once the open connections are closed; they keep being served`, () =>
      run(async () => {
        let srv: Server | undefined;
        try {
          srv = await startServer(echoLines, '127.0.0.1', 0);
          const server = srv;
          const port = portOf(server);
          const [r, w] = await openConnection('127.0.0.1', port);
          const forever =
            style === 'async'
              ? createTask(() => server.serveForever())
              : createTask(function* (): Coroutine<void> {
                  yield* server.serveForever();
                });
          await sleep(5);
          forever.cancel();
          await sleep(20);
          expect(forever.done()).toBe(false); // waiting for the connection to end
          expect(server.isServing()).toBe(false);
          w.write('still here\n');
          expect(str(await waitFor(r.readline(), BOUND))).toBe('still here\n');
          expect(await errorOf(() => openConnection('127.0.0.1', port))).toMatchObject({ code: 'ECONNREFUSED' });
          w.close(); // the handler reads EOF and closes its end: the server is closed
          assertCancelled(await rejection(waitFor(forever, BOUND)));
          expect(server.connectionCount()).toBe(0);
        } finally {
          await shutdown(srv);
        }
      }));
  }

  it('close() cancels a serveForever() in progress', () =>
    run(async () => {
      let srv: Server | undefined;
      try {
        srv = await startServer(echoLines, '127.0.0.1', 0);
        const server = srv;
        const forever = createTask(() => server.serveForever());
        await sleep(0);
        server.close();
        assertCancelled(await rejection(waitFor(forever, BOUND)));
      } finally {
        await shutdown(srv);
      }
    }));

  it('[Symbol.asyncDispose]() closes the server and waits for its connections', () =>
    run(async () => {
      let srv: Server | undefined;
      let w: StreamWriter | undefined;
      try {
        srv = await startServer(echoLines, '127.0.0.1', 0);
        const [r, writer] = await openConnection('127.0.0.1', portOf(srv));
        w = writer;
        const disposing = createTask(() => srv![Symbol.asyncDispose]());
        await sleep(5);
        expect(srv.isServing()).toBe(false);
        expect(disposing.done()).toBe(false); // a connection is still open
        w.writeEof();
        expect(str(await waitFor(r.read(), BOUND))).toBe('');
        await waitFor(disposing, BOUND);
      } finally {
        w?.transport.destroy();
        await shutdown(srv);
      }
    }));

  it('a Unix server: address() is its path, it echoes, and close() removes the socket file', () =>
    run(async () => {
      const path = sockPath();
      let srv: Server | undefined;
      let w: StreamWriter | undefined;
      try {
        srv = await startUnixServer(echoLines, path);
        expect(srv.address()).toBe(path);
        expect(srv.isServing()).toBe(true);
        const [r, writer] = await openUnixConnection(path);
        w = writer;
        w.write('over unix\n');
        expect(str(await waitFor(r.readline(), BOUND))).toBe('over unix\n');
        w.close();
        await waitFor(w.waitClosed(), BOUND);
        srv.close();
        await waitFor(srv.waitClosed(), BOUND);
        expect(existsSync(path)).toBe(false);
      } finally {
        w?.transport.destroy();
        await shutdown(srv);
        removePath(path);
      }
    }));
});

describe('startUnixServer over a file left at its path', () => {
  it('removes the socket file a crashed server left behind and listens (asyncio does the same)', () =>
    run(async () => {
      const path = sockPath();
      // A server process killed outright leaves its socket file: nothing unlinks it.
      const crashed = spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`]);
      expect(crashed.signal).toBe('SIGKILL');
      expect(existsSync(path)).toBe(true);
      const server = await startUnixServer(echoLines, path);
      try {
        const [r, w] = await openUnixConnection(path);
        w.write('ping\n');
        expect(str(await waitFor(r.readline(), BOUND))).toBe('ping\n');
        w.close();
      } finally {
        server.close();
        await server.waitClosed();
      }
    }));

  it('leaves a file that is not a socket alone: listening fails with EADDRINUSE and the file keeps its bytes', () =>
    run(async () => {
      const path = sockPath();
      writeFileSync(path, 'precious');
      try {
        const e = await errorOf(() => startUnixServer(echoLines, path));
        expect((e as NodeJS.ErrnoException).code).toBe('EADDRINUSE');
        expect(readFileSync(path, 'utf8')).toBe('precious');
      } finally {
        removePath(path);
      }
    }));
});

describe('a server its program forgot to close', () => {
  it('is closed, with its connections, when its loop closes at the end of run()', async () => {
    let server: Server | undefined;
    let port = 0;
    await run(async () => {
      server = await startServer(async (reader) => {
        await reader.read(); // waits until the end: run()'s shutdown cancels it
      }, '127.0.0.1', 0);
      port = (server.address() as AddressInfo).port;
      await openConnection('127.0.0.1', port); // a connection left open too
      while (server.connectionCount() === 0) await sleep(1);
    });
    expect(server!.isServing()).toBe(false);
    // Nothing listens any more: a new connection is refused.
    const refused = await new Promise<string>((resolve) => {
      const s = createConnection(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve('connected');
      });
      s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');
  });
});
