// loop.sendfile (src/streams/sendfile.ts): a file sent over a transport in chunks paced by the
// transport's flow control — whole, from an offset, a count; the protocol set aside and restored;
// a peer that stops reading, goes away, or a cancelled call; bad input.
import { mkdtempSync, openSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { ConnectionResetError, RuntimeError, createTask, getRunningLoop, run, sleep, waitFor } from 'tulip';
import { assertCancelled, errorOf, syncError } from '../support.js';
import { BOUND, rawServer } from './helpers.js';
import { Recorder, until } from './protocols.helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'tulip-sendfile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A file of `size` bytes whose byte i is i % 251. */
function fileOf(size: number): { path: string; data: Buffer } {
  const data = Buffer.alloc(size);
  for (let i = 0; i < size; i++) data[i] = i % 251;
  const path = join(dir, `f-${size}-${Math.random().toString(36).slice(2, 8)}`);
  writeFileSync(path, data);
  return { path, data };
}

/** A raw peer that collects what it receives (it may start paused). */
async function collector(paused = false) {
  const chunks: Buffer[] = [];
  let sock: Socket | undefined;
  const peer = await rawServer((s) => {
    sock = s;
    if (paused) s.pause();
    s.on('data', (d: Buffer) => chunks.push(d));
  });
  return { peer, received: () => Buffer.concat(chunks), socket: () => sock };
}

describe('loop.sendfile', () => {
  it('sends the whole file and returns its size; the protocol hears nothing meanwhile and gets its data after', () =>
    run(async () => {
      const { path, data } = fileOf(300_000);
      const c = await collector();
      const fd = openSync(path, 'r');
      try {
        const loop = getRunningLoop();
        const [t, p] = await loop.createConnection(() => new Recorder(), '127.0.0.1', c.peer.port);
        expect(await loop.sendfile(t, fd)).toBe(data.length);
        expect(t.getProtocol()).toBe(p);
        expect(t.isReading()).toBe(true);
        await until(() => c.received().length === data.length, 'every byte');
        expect(c.received().equals(data)).toBe(true);
        c.socket()!.write('after');
        await until(() => p.data === 'after', 'the data after');
        t.close();
        await waitFor(p.lost, BOUND);
      } finally {
        closeSync(fd);
        await c.peer.close();
      }
    }));

  it('sends count bytes from offset, from a FileHandle, in a generator task', () =>
    run(function* () {
      const { path, data } = fileOf(100_000);
      const c = yield* waitFor(collector(), BOUND);
      const fh = yield* waitFor(open(path), BOUND);
      try {
        const loop = getRunningLoop();
        const [t, p] = yield* loop.createConnection(() => new Recorder(), '127.0.0.1', c.peer.port);
        expect(yield* loop.sendfile(t, fh, 1000, 70_000)).toBe(70_000);
        expect(yield* loop.sendfile(t, fh, 99_990)).toBe(10); // to the end of the file
        for (let i = 0; i < 1000 && c.received().length < 70_010; i++) yield* sleep(2);
        expect(c.received().equals(Buffer.concat([data.subarray(1000, 71_000), data.subarray(99_990)]))).toBe(true);
        t.close();
        yield* waitFor(p.lost, BOUND);
      } finally {
        yield* waitFor(fh.close(), BOUND);
        yield* waitFor(c.peer.close(), BOUND);
      }
    }));

  it('waits for the peer while the buffer is over its high mark, instead of reading the file into memory', () =>
    run(async () => {
      const { path, data } = fileOf(8 * 1024 * 1024);
      const c = await collector(true);
      const fd = openSync(path, 'r');
      try {
        const loop = getRunningLoop();
        const [t, p] = await loop.createConnection(() => new Recorder(), '127.0.0.1', c.peer.port);
        const sending = createTask(() => loop.sendfile(t, fd));
        await sleep(50);
        expect(sending.done()).toBe(false);
        expect(t.getWriteBufferSize()).toBeLessThanOrEqual(64 * 1024 + 64 * 1024); // the high mark and one chunk
        c.socket()!.resume();
        expect(await waitFor(sending, BOUND)).toBe(data.length);
        await until(() => c.received().length === data.length, 'every byte');
        t.close();
        await waitFor(p.lost, BOUND);
      } finally {
        closeSync(fd);
        await c.peer.close();
      }
    }));

  it('while it runs, write() and a second sendfile throw RuntimeError; write() works again after', () =>
    run(async () => {
      const { path, data } = fileOf(16 * 1024 * 1024); // more than the socket buffers take
      const c = await collector(true);
      const fd = openSync(path, 'r');
      try {
        const loop = getRunningLoop();
        const [t, p] = await loop.createConnection(() => new Recorder(), '127.0.0.1', c.peer.port);
        const sending = createTask(() => loop.sendfile(t, fd));
        await sleep(10);
        expect(sending.done()).toBe(false);
        const e = syncError(() => t.write('bare'));
        expect(e).toBeInstanceOf(RuntimeError);
        expect(e.message).toMatch(/^Transport\.write: unable to write; sendfile is in progress/);
        expect(syncError(() => loop.sendfile(t, fd)).message).toMatch(/^sendfile: another sendfile is in progress/);
        c.socket()!.resume();
        expect(await waitFor(sending, BOUND)).toBe(data.length);
        t.write('after');
        await until(() => c.received().length === data.length + 5, 'the file, then the bytes after');
        expect(c.received().subarray(data.length).toString()).toBe('after');
        t.close();
        await waitFor(p.lost, BOUND);
      } finally {
        closeSync(fd);
        await c.peer.close();
      }
    }));

  it('a cancelled call stops, keeps what it wrote, and restores the protocol', () =>
    run(async () => {
      const { path, data } = fileOf(8 * 1024 * 1024);
      const c = await collector(true);
      const fd = openSync(path, 'r');
      try {
        const loop = getRunningLoop();
        const [t, p] = await loop.createConnection(() => new Recorder(), '127.0.0.1', c.peer.port);
        const sending = createTask(() => loop.sendfile(t, fd));
        await sleep(30);
        sending.cancel();
        assertCancelled(await errorOf(() => sending));
        expect(t.getProtocol()).toBe(p);
        expect(t.isReading()).toBe(true);
        c.socket()!.resume();
        await until(() => c.received().length > 0, 'what it wrote before the cancel');
        await sleep(50); // (anything still in flight arrives)
        expect(c.received().length).toBeLessThan(data.length);
        t.abort();
        await waitFor(p.lost, BOUND);
      } finally {
        closeSync(fd);
        await c.peer.close();
      }
    }));

  it('a peer that goes away fails it with ConnectionResetError; the protocol still gets connectionLost', () =>
    run(async () => {
      const { path } = fileOf(8 * 1024 * 1024);
      const c = await collector(true);
      const fd = openSync(path, 'r');
      try {
        const loop = getRunningLoop();
        const [t, p] = await loop.createConnection(() => new Recorder(), '127.0.0.1', c.peer.port);
        const sending = createTask(() => loop.sendfile(t, fd));
        await sleep(30);
        c.socket()!.destroy();
        const e = await errorOf(() => waitFor(sending, BOUND));
        const code = (e as NodeJS.ErrnoException).code;
        expect(e instanceof ConnectionResetError || code === 'EPIPE' || code === 'ECONNRESET').toBe(true);
        await waitFor(p.lost, BOUND);
        expect(t.getProtocol()).toBe(p);
      } finally {
        closeSync(fd);
        await c.peer.close();
      }
    }));

  it('refuses bad arguments and a closing transport synchronously, naming them', () =>
    run(async () => {
      const c = await collector();
      const { path } = fileOf(10);
      const fd = openSync(path, 'r');
      try {
        const loop = getRunningLoop();
        const [t, p] = await loop.createConnection(() => new Recorder(), '127.0.0.1', c.peer.port);
        expect(syncError(() => loop.sendfile({} as never, fd)).message).toMatch(/sendfile: transport must be a Transport/);
        expect(syncError(() => loop.sendfile(t, 'file.txt' as never)).message).toMatch(/sendfile: file must be an open file descriptor or a FileHandle, got "file.txt"/);
        expect(syncError(() => loop.sendfile(t, fd, -1))).toBeInstanceOf(RangeError);
        expect(syncError(() => loop.sendfile(t, fd, 0, -1)).message).toBe('sendfile: count must be an integer >= 0 (0: to the end of the file), got -1');
        expect(syncError(() => loop.sendfile(t, fd, 0, 1.5))).toBeInstanceOf(RangeError);
        expect(t.getProtocol()).toBe(p); // untouched by the refusals
        t.close();
        const e = syncError(() => loop.sendfile(t, fd));
        expect(e).toBeInstanceOf(RuntimeError);
        expect(e.message).toMatch(/sendfile: the transport is closing/);
        await waitFor(p.lost, BOUND);
      } finally {
        closeSync(fd);
        await c.peer.close();
      }
    }));
});
