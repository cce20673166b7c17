// Pipe transports (src/streams/pipes.ts): loop.connectReadPipe and loop.connectWritePipe over a
// child process's pipes and over FIFOs given by file descriptor — asyncio's
// test_events.py test_read_pipe / test_write_pipe / test_write_pipe_disconnect_on_close and
// unix_events' pipe transport behaviours, in our own words.
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, constants, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { getRunningLoop, run, sleep, waitFor, type ReadTransport, type Transport, type WriteTransport } from 'tulip';
import { Recorder, until } from './protocols.helpers.js';
import { recordExceptions, syncError } from '../support.js';
import { BOUND } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'tulip-pipes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fifoCount = 0;

/** A FIFO: its read end opened without blocking, and a function that opens its write end. */
function fifo(): { readFd: number; openWriter: () => number; path: string } {
  const path = join(dir, `fifo-${fifoCount++}`);
  execFileSync('mkfifo', [path]);
  const readFd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  return { readFd, openWriter: () => openSync(path, constants.O_WRONLY | constants.O_NONBLOCK), path };
}

describe('connectReadPipe', () => {
  it("reads a child's stdout: made, data, eof, lost — and closes at the end even if eofReceived returns true", () =>
    run(async () => {
      const child = spawn('sh', ['-c', 'printf "one "; printf two'], { stdio: ['ignore', 'pipe', 'inherit'] });
      const [t, p] = await getRunningLoop().connectReadPipe(() => {
        const r = new Recorder();
        r.keepOpen = true;
        return r;
      }, child.stdout!);
      expect(p.calls).toEqual(['made']);
      await waitFor(p.lost, BOUND);
      expect(p.data).toBe('one two');
      expect(p.calls).toEqual(['made', 'data', 'eof', 'lost']);
      expect(p.lostWith).toBeUndefined();
      expect(t.isClosing()).toBe(true);
      expect(t.getExtraInfo('pipe')).toBe(child.stdout);
      expect(t.getExtraInfo('peername', 'none')).toBe('none');
    }));

  it('reads a FIFO given by file descriptor, in a generator task too', () =>
    run(function* () {
      const f = fifo();
      const [t, p] = yield* getRunningLoop().connectReadPipe(() => new Recorder(), f.readFd);
      const w = f.openWriter();
      writeSync(w, 'through the fifo');
      closeSync(w);
      yield* waitFor(p.lost, BOUND);
      expect(p.data).toBe('through the fifo');
      expect(p.calls).toEqual(['made', 'data', 'eof', 'lost']);
      expect(t.isReading()).toBe(false);
    }));

  it('pauseReading holds the bytes back until resumeReading', () =>
    run(async () => {
      const f = fifo();
      const [t, p] = await getRunningLoop().connectReadPipe(() => new Recorder(), f.readFd);
      const w = f.openWriter();
      t.pauseReading();
      expect(t.isReading()).toBe(false);
      writeSync(w, 'held');
      await sleep(30);
      expect(p.data).toBe('');
      t.resumeReading();
      await until(() => p.data === 'held', 'the bytes');
      closeSync(w);
      await waitFor(p.lost, BOUND);
    }));

  it("a paused read pipe whose writer closed gets the bytes, eof and lost only after resumeReading; a re-pause in dataReceived holds the eof again", () =>
    run(async () => {
      const f = fifo();
      class Repauser extends Recorder {
        override dataReceived(d: Buffer): void {
          super.dataReceived(d);
          this.transport.pauseReading();
        }
      }
      const [t, p] = await getRunningLoop().connectReadPipe(() => new Repauser(), f.readFd);
      const w = f.openWriter();
      t.pauseReading();
      writeSync(w, 'last words');
      closeSync(w);
      await sleep(30);
      expect(p.calls).toEqual(['made']);
      expect(t.isClosing()).toBe(false);
      t.resumeReading();
      await until(() => p.data === 'last words', 'the bytes');
      await sleep(30);
      expect(p.calls).toEqual(['made', 'data']); // paused again by dataReceived: the eof waits
      t.resumeReading();
      await waitFor(p.lost, BOUND);
      expect(p.calls).toEqual(['made', 'data', 'eof', 'lost']);
      expect(p.lostWith).toBeUndefined();
    }));

  it('close() of a paused read pipe whose writer closed ends it without eofReceived', () =>
    run(async () => {
      const f = fifo();
      const [t, p] = await getRunningLoop().connectReadPipe(() => new Recorder(), f.readFd);
      const w = f.openWriter();
      t.pauseReading();
      closeSync(w);
      await sleep(30);
      t.close();
      await waitFor(p.lost, BOUND);
      expect(p.calls).toEqual(['made', 'lost']);
      expect(p.lostWith).toBeUndefined();
    }));

  it("a paused read pipe over a child's stdout gets nothing at the child's exit, then all of it after resumeReading", () =>
    run(function* () {
      const child = spawn('sh', ['-c', 'printf "exit words"'], { stdio: ['ignore', 'pipe', 'ignore'] });
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      const [t, p] = yield* getRunningLoop().connectReadPipe(() => new Recorder(), child.stdout!);
      t.pauseReading();
      yield* waitFor(exited, BOUND);
      yield* sleep(30);
      expect(p.calls).toEqual(['made']);
      t.resumeReading();
      yield* waitFor(p.lost, BOUND);
      expect(p.calls).toEqual(['made', 'data', 'eof', 'lost']);
      expect(p.data).toBe('exit words');
    }));

  it('close() ends it at once: connectionLost(undefined), no more data', () =>
    run(async () => {
      const f = fifo();
      const [t, p] = await getRunningLoop().connectReadPipe(() => new Recorder(), f.readFd);
      const w = f.openWriter();
      t.close();
      t.close();
      await waitFor(p.lost, BOUND);
      expect(p.calls).toEqual(['made', 'lost']);
      expect(p.lostWith).toBeUndefined();
      closeSync(w);
    }));

  it('its type offers no write (a read transport)', () =>
    run(async () => {
      const f = fifo();
      const [t, p] = await getRunningLoop().connectReadPipe(() => new Recorder(), f.readFd);
      const r: ReadTransport = t;
      // @ts-expect-error a ReadTransport has no write()
      expect(typeof r.write).toBe('function'); // the object is a Transport; its type hides writing
      t.close();
      await waitFor(p.lost, BOUND);
    }));
});

describe('connectWritePipe', () => {
  it("writes to a child's stdin; close() sends what is buffered, then connectionLost(undefined)", () =>
    run(async () => {
      const child = spawn('cat', [], { stdio: ['pipe', 'pipe', 'inherit'] });
      let out = '';
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise((r) => child.on('exit', r));
      const [t, p] = await getRunningLoop().connectWritePipe(() => new Recorder(), child.stdin!);
      expect(t.canWriteEof()).toBe(true);
      t.write('a');
      t.writelines(['b', Buffer.from('c')]);
      t.close();
      t.write('dropped'); // after close: dropped, as asyncio's
      await waitFor(p.lost, BOUND);
      expect(p.lostWith).toBeUndefined();
      await exited;
      expect(out).toBe('abc');
      expect(p.calls).toEqual(['made', 'lost']);
    }));

  it('writes to a FIFO given by file descriptor; writeEof ends the stream for the reader', () =>
    run(async () => {
      const f = fifo();
      const [r, rp] = await getRunningLoop().connectReadPipe(() => new Recorder(), f.readFd);
      const [w, wp] = await getRunningLoop().connectWritePipe(() => new Recorder(), f.openWriter());
      const wt: WriteTransport = w;
      wt.write('fifo bytes');
      wt.writeEof();
      await waitFor(rp.lost, BOUND);
      expect(rp.data).toBe('fifo bytes');
      expect(r.isClosing()).toBe(true);
      w.close();
      await waitFor(wp.lost, BOUND);
    }));

  it('a reader that went away ends the transport with EPIPE, unreported', () =>
    run(async () => {
      const seen = recordExceptions();
      const child = spawn('sh', ['-c', 'exec 0<&-; sleep 0.05'], { stdio: ['pipe', 'ignore', 'inherit'] });
      child.stdin!.on('error', () => {}); // the transport reports it; keep Node's default quiet
      const [t, p] = await getRunningLoop().connectWritePipe(() => new Recorder(), child.stdin!);
      const chunk = Buffer.alloc(64 * 1024);
      for (let i = 0; i < 200 && !t.isClosing(); i++) {
        t.write(chunk);
        await sleep(2);
      }
      await waitFor(p.lost, BOUND);
      expect((p.lostWith as NodeJS.ErrnoException | undefined)?.code).toBe('EPIPE');
      expect(seen).toEqual([]);
    }));

  it('pauseWriting and resumeWriting follow the buffer marks', () =>
    run(async () => {
      const f = fifo();
      const events: string[] = [];
      class Flow extends Recorder {
        override pauseWriting(): void {
          events.push('pause');
        }
        override resumeWriting(): void {
          events.push('resume');
        }
      }
      const [w, wp] = await getRunningLoop().connectWritePipe(() => new Flow(), f.openWriter());
      w.setWriteBufferLimits(1024, 0);
      w.write(Buffer.alloc(1 << 20)); // more than the FIFO holds: most of it stays buffered
      expect(events).toEqual(['pause']);
      const [, rp] = await getRunningLoop().connectReadPipe(() => new Recorder(), f.readFd); // drains it
      await until(() => events.length === 2, 'resumeWriting');
      expect(events).toEqual(['pause', 'resume']);
      w.close();
      await waitFor(wp.lost, BOUND);
      await waitFor(rp.lost, BOUND);
      expect(rp.data.length).toBe(1 << 20);
    }));
});

describe('bad pipes', () => {
  it('refuses what is not a pipe, naming the call and the argument', () =>
    run(async () => {
      const loop = getRunningLoop();
      const file = join(dir, 'plain-file');
      writeFileSync(file, 'x');
      const fd = openSync(file, 'r');
      try {
        let made = 0;
        const e = syncError(() => loop.connectReadPipe(() => (made++, new Recorder()), fd));
        expect(e).toBeInstanceOf(TypeError);
        expect(e.message).toBe(`connectReadPipe: pipe transports are for pipes, sockets and character devices; descriptor ${fd} is none of these`);
        expect(made).toBe(0);
      } finally {
        closeSync(fd);
      }
      expect(syncError(() => loop.connectWritePipe(() => new Recorder(), 'stdout' as never)).message).toBe(
        'connectWritePipe: pipe must be a file descriptor (an integer >= 0) or a stream over a pipe (a node:net Socket: a child\'s stdio, process.stdin on a pipe or terminal), got "stdout"',
      );
      expect(syncError(() => loop.connectReadPipe(() => new Recorder(), -1)).message).toMatch(/connectReadPipe: pipe must be a file descriptor/);
      expect((syncError(() => loop.connectReadPipe(() => new Recorder(), 987654)) as NodeJS.ErrnoException).code).toBe('EBADF');
      expect(syncError(() => loop.connectReadPipe(7 as never, 0)).message).toMatch(/protocolFactory must be a function/);
      const notASocket = new PassThrough();
      expect(syncError(() => loop.connectReadPipe(() => new Recorder(), notASocket)).message).toMatch(/got a PassThrough object$/);
      expect(readFileSync(file, 'utf8')).toBe('x');
    }));

  it('a protocol factory that throws leaves the pipe alone', () =>
    run(async () => {
      const f = fifo();
      const boom = new Error('no protocol');
      expect(syncError(() => getRunningLoop().connectReadPipe(() => { throw boom; }, f.readFd))).toBe(boom);
      // The descriptor is still open and usable.
      const [t, p] = await getRunningLoop().connectReadPipe(() => new Recorder(), f.readFd);
      const w = f.openWriter();
      writeSync(w, 'ok');
      closeSync(w);
      await waitFor(p.lost, BOUND);
      expect(p.data).toBe('ok');
      expect((t as Transport).isClosing()).toBe(true);
    }));
});
