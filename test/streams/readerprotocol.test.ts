// StreamReaderProtocol (src/streams/protocols.ts): a transport feeding a StreamReader, as
// asyncio's StreamReaderProtocol — over a pipe and over a connection; EOF, errors, half-close and
// the reader's back pressure on the transport.
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { StreamReader, StreamReaderProtocol, getRunningLoop, run, sleep, waitFor } from 'tulip';
import { errorOf, syncError } from '../support.js';
import { BOUND, rawServer } from './helpers.js';
import { until } from './protocols.helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'tulip-srp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('StreamReaderProtocol', () => {
  it('reads a pipe line by line, to its end', () =>
    run(async () => {
      const path = join(dir, 'fifo');
      execFileSync('mkfifo', [path]);
      const readFd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
      const reader = new StreamReader();
      const [t, p] = await getRunningLoop().connectReadPipe(() => new StreamReaderProtocol(reader), readFd);
      expect(p.reader).toBe(reader);
      const w = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
      writeSync(w, 'one\ntwo\nthree');
      closeSync(w);
      const lines: string[] = [];
      for await (const line of reader) lines.push(line.toString());
      expect(lines).toEqual(['one\n', 'two\n', 'three']);
      expect(reader.atEof()).toBe(true);
      await until(() => t.isClosing(), 'the pipe transport to close');
    }));

  it('over a connection: the peer EOF is the reader EOF, and the transport stays open for writing', () =>
    run(function* () {
      let got = '';
      let peerSocket: Socket | undefined;
      const peer = yield* waitFor(
        rawServer((s) => {
          peerSocket = s;
          s.on('data', (d: Buffer) => (got += d.toString()));
          s.end('request done\n'); // half-close: this side still reads
        }),
        BOUND,
      );
      try {
        const reader = new StreamReader();
        const [t] = yield* getRunningLoop().createConnection(() => new StreamReaderProtocol(reader), '127.0.0.1', peer.port);
        expect((yield* reader.readline()).toString()).toBe('request done\n');
        expect((yield* reader.read()).length).toBe(0); // EOF
        t.write('reply after your EOF');
        for (let i = 0; i < 1000 && got === ''; i++) yield* sleep(2);
        expect(got).toBe('reply after your EOF');
        expect(peerSocket).toBeDefined();
        t.close();
      } finally {
        yield* waitFor(peer.close(), BOUND);
      }
    }));

  it('a connection that fails makes the next read throw its error', () =>
    run(async () => {
      const peer = await rawServer((s) => s.once('data', () => s.resetAndDestroy()));
      try {
        const reader = new StreamReader();
        const [t] = await getRunningLoop().createConnection(() => new StreamReaderProtocol(reader), '127.0.0.1', peer.port);
        t.write('reset me');
        const e = await errorOf(() => reader.read(10));
        expect((e as NodeJS.ErrnoException).code).toBe('ECONNRESET');
      } finally {
        await peer.close();
      }
    }));

  it('a reader holding more than twice its limit pauses the transport until it is read down', () =>
    run(async () => {
      const peer = await rawServer((s) => s.write(Buffer.alloc(4096, 120)));
      try {
        const reader = new StreamReader({ limit: 64 });
        const [t] = await getRunningLoop().createConnection(() => new StreamReaderProtocol(reader), '127.0.0.1', peer.port);
        await until(() => !t.isReading(), 'the pause');
        const first = await reader.read(4096);
        expect(first.length).toBeGreaterThan(128);
        expect(t.isReading()).toBe(true); // read down: resumed
        let total = first.length;
        while (total < 4096) total += (await waitFor(reader.read(4096), BOUND)).length;
        expect(total).toBe(4096);
        t.close();
      } finally {
        await peer.close();
      }
    }));

  it('refuses what is not a StreamReader', () => {
    expect(syncError(() => new StreamReaderProtocol({} as never)).message).toBe('StreamReaderProtocol: reader must be a StreamReader, got object');
    expect(syncError(() => new StreamReaderProtocol(null as never))).toBeInstanceOf(TypeError);
  });
});
