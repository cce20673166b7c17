// Shared by the stream tests (test/streams/*.test.ts, and the socket ports of test_streams.py and
// test_server.py in test/conformance/): plain node:net peers that tulip did not make, and small
// helpers.
import { connect, createServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { openConnection, openUnixConnection, waitFor, type Server } from 'tulip';

/** The most a wait that should end at once may take (real time) before the test fails. */
export const BOUND = 5000;

/** The bytes as a latin1 string, after checking that they came out as a Buffer. */
export function str(b: unknown): string {
  expect(Buffer.isBuffer(b), `expected a Buffer, got ${String(b)}`).toBe(true);
  return (b as Buffer).toString('latin1');
}

let pathCount = 0;
/** A fresh Unix socket path under the temporary directory (removed if it exists). */
export function sockPath(): string {
  const p = join(tmpdir(), `tulip-sp2-${process.pid}-${Math.random().toString(36).slice(2, 8)}-${pathCount++}.sock`);
  removePath(p);
  return p;
}
export function removePath(p: string): void {
  try {
    unlinkSync(p);
  } catch {
    // not there
  }
}

/** A plain node:net server (no tulip) on 127.0.0.1:0, or at `path`. */
export interface Peer {
  port: number;
  path: string | undefined;
  sockets: Set<Socket>;
  close(): Promise<void>;
}

export async function rawServer(onSocket: (s: Socket) => void, path?: string): Promise<Peer> {
  const sockets = new Set<Socket>();
  const srv: NetServer = createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
    onSocket(s);
  });
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    if (path !== undefined) srv.listen(path, () => resolve());
    else srv.listen(0, '127.0.0.1', () => resolve());
  });
  const port = path === undefined ? (srv.address() as AddressInfo).port : 0;
  return {
    port,
    path,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        srv.close(() => resolve());
        if (path !== undefined) removePath(path);
      }),
  };
}

export const HTTP_REPLY = 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nTest message';

/** CPython's run_test_server: reads a request up to its blank line, answers HTTP/1.0 'Test message', closes. */
export function httpPeer(path?: string): Promise<Peer> {
  return rawServer((s) => {
    let req = '';
    s.on('data', (d: Buffer) => {
      req += d.toString('latin1');
      if (req.includes('\r\n\r\n')) s.end(HTTP_REPLY);
    });
  }, path);
}

/** Connects to a tulip or raw peer, over TCP or the Unix path. */
export function open(peer: { port: number; path: string | undefined }, opts?: { limit?: number }) {
  return peer.path !== undefined ? openUnixConnection(peer.path, opts) : openConnection('127.0.0.1', peer.port, opts);
}

export const portOf = (srv: Server): number => (srv.address() as AddressInfo).port;

/** A plain node:net client: connects, resolves with the socket. */
export function rawClient(where: { port?: number; path?: string }): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = where.path !== undefined ? connect(where.path) : connect(where.port!, '127.0.0.1');
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

/** Resolves with everything `s` receives until the peer ends or closes. */
export function receiveAll(s: Socket): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    s.on('data', (d: Buffer) => (got += d.toString('latin1')));
    s.on('error', () => {});
    s.once('close', () => resolve(got));
  });
}

/** Closes a tulip server and drops what it still holds (for finally blocks). */
export async function shutdown(srv: Server | undefined): Promise<void> {
  if (srv === undefined) return;
  srv.close();
  srv.abortClients();
  await waitFor(srv.waitClosed(), BOUND);
}

export const TRANSPORTS = ['tcp', 'unix'] as const;
