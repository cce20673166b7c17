// loop.sendfile when the peer resets the connection while the last read of the file (the one that
// finds its end) is still in flight: every byte went out, so the call returns the count, as
// asyncio's does. `fs.read` is wrapped so that the test decides when that last read completes.
// (A reset, not a plain close: sendfile pauses reading, as asyncio's does, and a paused transport
// hears of the peer's end of stream only once it reads again; a reset ends the connection at once.)
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createTask, getRunningLoop, run, sleep, waitFor } from 'tulip';
import { assertCancelled, errorOf } from '../support.js';
import { BOUND, rawServer } from './helpers.js';
import { Recorder, until } from './protocols.helpers.js';

/** Reads at or past `heldFrom` wait for `release()` before their callback runs. */
const gate = vi.hoisted(() => ({ heldFrom: Infinity, held: [] as (() => void)[], readsAt: [] as number[] }));

vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  const read = (fd: number, buf: Buffer, off: number, len: number, pos: number, cb: (e: Error | null, n: number) => void) =>
    real.read(fd, buf, off, len, pos, (e, n) => {
      gate.readsAt.push(pos);
      if (pos >= gate.heldFrom) gate.held.push(() => cb(e, n));
      else cb(e, n);
    });
  return { ...real, read };
});

const dir = mkdtempSync(join(tmpdir(), 'tulip-sendfile-race-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Sends a `size`-byte file to a peer that resets the connection once it has `closeAt` bytes, holding the reads from there. */
async function sendToClosingPeer(size: number, closeAt: number, check: (sending: Promise<number>) => Promise<void>) {
  const path = join(dir, `f-${size}-${closeAt}`);
  writeFileSync(path, Buffer.alloc(size, 7));
  let got = 0;
  const peer = await rawServer((s) => {
    s.on('data', (d: Buffer) => {
      got += d.length;
      if (got >= closeAt) s.resetAndDestroy();
    });
  });
  const fd = openSync(path, 'r');
  gate.heldFrom = closeAt;
  gate.held.length = 0;
  gate.readsAt.length = 0;
  try {
    const loop = getRunningLoop();
    const [t, p] = await loop.createConnection(() => new Recorder(), '127.0.0.1', peer.port);
    const sending = loop.sendfile(t, fd);
    await waitFor(p.lost, BOUND); // the peer had its bytes and reset the connection; the transport knows
    expect(got).toBe(closeAt);
    await until(() => gate.held.length === 1, 'the read after those bytes held');
    gate.held.splice(0)[0]!(); // that read completes only now, after the connection was lost
    await check(sending);
  } finally {
    gate.heldFrom = Infinity;
    for (const release of gate.held.splice(0)) release();
    closeSync(fd);
    await peer.close();
  }
}

describe('loop.sendfile and a peer that closes while a read of the file is in flight', () => {
  it('a read that finds the end of the file decides: every byte went out and the call returns the length', () =>
    run(() =>
      sendToClosingPeer(10_000, 10_000, async (sending) => {
        expect(await waitFor(sending, BOUND)).toBe(10_000);
        expect(gate.readsAt).toEqual([0, 10_000]);
      }),
    ));

  it('a read that finds more of the file fails the call with the reset (ECONNRESET)', () =>
    run(() =>
      sendToClosingPeer(100_000, 65_536, async (sending) => {
        const e = await errorOf(() => waitFor(sending, BOUND));
        expect((e as NodeJS.ErrnoException).code).toBe('ECONNRESET');
        expect(gate.readsAt).toEqual([0, 65_536]);
      }),
    ));
});

describe('loop.sendfile cancelled while a read of the file is in flight', () => {
  it('restores the protocol and reading before its caller resumes; the read, when it completes, writes nothing', () =>
    run(async () => {
      const path = join(dir, 'f-cancel');
      writeFileSync(path, Buffer.alloc(100_000, 7));
      let got = 0;
      const peer = await rawServer((s) => s.on('data', (d: Buffer) => (got += d.length)));
      const fd = openSync(path, 'r');
      gate.heldFrom = 65_536;
      gate.held.length = 0;
      gate.readsAt.length = 0;
      try {
        const loop = getRunningLoop();
        const [t, p] = await loop.createConnection(() => new Recorder(), '127.0.0.1', peer.port);
        const sending = createTask(() => loop.sendfile(t, fd));
        await until(() => gate.held.length === 1, 'the second read held');
        sending.cancel();
        assertCancelled(await errorOf(() => sending));
        expect(t.getProtocol()).toBe(p);
        expect(t.isReading()).toBe(true);
        gate.held.splice(0)[0]!(); // the read completes only now
        await until(() => got === 65_536, 'the first chunk at the peer');
        await sleep(20);
        expect(got).toBe(65_536);
        expect(gate.readsAt).toEqual([0, 65_536]);
        t.write('after'); // the transport is the caller's again
        await until(() => got === 65_541, 'a write after the cancel');
        t.close();
        await waitFor(p.lost, BOUND);
      } finally {
        gate.heldFrom = Infinity;
        for (const release of gate.held.splice(0)) release();
        closeSync(fd);
        await peer.close();
      }
    }));
});
