// Behaviour ports of CPython 3.13's pipe-transport tests and of base_subprocess.py behaviours seen
// from outside, in our own words (the subprocess-protocol ports are in
// subprocess-protocols.ported.test.ts):
//  - test_events.py EventLoopTestsMixin: test_read_pipe, test_unclosed_pipe_transport,
//    test_write_pipe, test_write_pipe_disconnect_on_close;
//  - test_subprocess.py SubprocessTransportTests.test_proc_exited (on a real child instead of a
//    mocked Popen), and base_subprocess.py's delivery rules: every protocol call goes through
//    loop.call_soon (a callback that throws is reported and the others still come), connection_lost
//    waits for the exit and every pipe, the stdin pipe's flow control reaches the protocol.
//
// Python's os.pipe() is a FIFO made with mkfifo (its read end opened O_NONBLOCK, then its write
// end); socket.socketpair() is a connected Unix-socket pair made with node:net.
//
// Not ported: test_read_pty_output and test_write_pty (Node has no openpty without a native
// package).
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, constants as fsc, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { createServer, connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  DEVNULL,
  PIPE,
  ProcessLookupError,
  Protocol,
  SubprocessProtocol,
  getRunningLoop,
  newEventLoop,
  run,
  sleep,
  waitFor,
  type Coroutine,
  type Future,
  type SubprocessTransport,
  type Transport,
} from 'tulip';
import { recordExceptions, syncError } from './helpers.js';
import { BOUND, NODE } from '../subprocess/helpers.js';

/**
 * The bound of a wait that asyncio ends but tulip (see the DISCREPANCY notes) never does: short,
 * so that each expected failure costs little.
 */
const SHORT = 1500;
/** asyncio's stdin=None, stdout=None, stderr=None: the parent's own streams (the default is PIPE). */
const NO_PIPES = { stdin: 'inherit', stdout: 'inherit', stderr: 'inherit' } as const;

const dir = mkdtempSync(join(tmpdir(), 'tulip-subproto-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let made = 0;

/** Cleanups of the current test (children to kill, descriptors to close), run after it. */
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanups.splice(0).reverse()) {
    try {
      f();
    } catch {
      // already closed or exited
    }
  }
});

/** A FIFO (Python's os.pipe()): its read end, opened without blocking, and its write end. */
function fifo(): { readFd: number; writeFd: number } {
  const path = join(dir, `fifo-${made++}`);
  execFileSync('mkfifo', [path]);
  const readFd = openSync(path, fsc.O_RDONLY | fsc.O_NONBLOCK);
  const writeFd = openSync(path, fsc.O_WRONLY | fsc.O_NONBLOCK);
  return { readFd, writeFd };
}

/** Polls `cond` every few milliseconds (wrap it in waitFor). */
function* until(cond: () => boolean): Coroutine<void> {
  while (!cond()) yield* sleep(2);
}

/** test_events.py's MyReadPipeProto: its state list, checked at each call; bytes counted. */
class ReadPipeProto extends Protocol {
  state = ['INITIAL'];
  wrong: string[] = [];
  nbytes = 0;
  transport: Transport | null = null;
  readonly done: Future<void> = getRunningLoop().createFuture();
  private check(expected: string[], what: string): void {
    if (this.state.join() !== expected.join()) this.wrong.push(`${what} in ${this.state.join()}`);
  }
  override connectionMade(t: Transport): void {
    this.transport = t;
    this.check(['INITIAL'], 'connectionMade');
    this.state.push('CONNECTED');
  }
  override dataReceived(data: Buffer): void {
    this.check(['INITIAL', 'CONNECTED'], 'dataReceived');
    this.nbytes += data.length;
  }
  override eofReceived(): void {
    this.check(['INITIAL', 'CONNECTED'], 'eofReceived');
    this.state.push('EOF');
  }
  override connectionLost(): void {
    if (!this.state.includes('EOF')) this.state.push('EOF'); // a missed EOF is fine
    this.check(['INITIAL', 'CONNECTED', 'EOF'], 'connectionLost');
    this.state.push('CLOSED');
    this.done.setResult(undefined);
  }
}

/** test_events.py's MyWritePipeProto: INITIAL → CONNECTED → CLOSED. */
class WritePipeProto extends Protocol {
  state = 'INITIAL';
  wrong: string[] = [];
  lostWith: Error | undefined;
  transport: Transport | null = null;
  readonly done: Future<void> = getRunningLoop().createFuture();
  override connectionMade(t: Transport): void {
    this.transport = t;
    if (this.state !== 'INITIAL') this.wrong.push(`connectionMade in ${this.state}`);
    this.state = 'CONNECTED';
  }
  override connectionLost(exc: Error | undefined): void {
    if (this.state !== 'CONNECTED') this.wrong.push(`connectionLost in ${this.state}`);
    this.state = 'CLOSED';
    this.lostWith = exc;
    this.done.setResult(undefined);
  }
}

describe('test_events.py: pipe transports', () => {
  // ports test_events.py::EventLoopTestsMixin.test_read_pipe
  it('a read pipe counts the bytes as they come; the writer closing brings EOF then connectionLost', () =>
    run(function* () {
      const { readFd, writeFd } = fifo();
      cleanups.push(() => closeSync(writeFd));
      const p = new ReadPipeProto();
      const [t, got] = yield* waitFor(getRunningLoop().connectReadPipe(() => p, readFd), BOUND);
      expect(got).toBe(p);
      expect(t).toBe(p.transport);
      expect(p.state).toEqual(['INITIAL', 'CONNECTED']);
      expect(p.nbytes).toBe(0);
      writeSync(writeFd, '1');
      yield* waitFor(until(() => p.nbytes >= 1), BOUND);
      expect(p.nbytes).toBe(1);
      writeSync(writeFd, '2345');
      yield* waitFor(until(() => p.nbytes >= 5), BOUND);
      expect(p.state).toEqual(['INITIAL', 'CONNECTED']);
      expect(p.nbytes).toBe(5);
      closeSync(writeFd);
      cleanups.pop();
      yield* waitFor(p.done, BOUND);
      expect(p.state).toEqual(['INITIAL', 'CONNECTED', 'EOF', 'CLOSED']);
      expect(p.transport!.getExtraInfo('pipe')).not.toBeUndefined();
      expect(p.transport!.getExtraInfo('pipe')).not.toBeNull();
      expect(p.wrong).toEqual([]);
    }));

  // ports test_events.py::EventLoopTestsMixin.test_unclosed_pipe_transport (GitHub issue #314)
  it('pipe transports left open when their loop closes still show as open', async () => {
    const { readFd, writeFd } = fifo();
    const loop = newEventLoop();
    const [rt, wt] = await loop.runUntilComplete(async () => {
      const [r] = await waitFor(getRunningLoop().connectReadPipe(() => new Protocol(), readFd), BOUND);
      const [w] = await waitFor(getRunningLoop().connectWritePipe(() => new Protocol(), writeFd), BOUND);
      return [r, w] as const;
    });
    loop.close();
    try {
      expect(String(rt)).toContain('open');
      expect(String(wt)).toContain('open');
    } finally {
      (rt.getExtraInfo('pipe') as Socket).destroy(); // closes the descriptors
      (wt.getExtraInfo('pipe') as Socket).destroy();
    }
  });

  // ports test_events.py::EventLoopTestsMixin.test_write_pipe
  it('a write pipe delivers each write to the reader; close() after the reader went brings connectionLost', () =>
    run(async () => {
      const { readFd, writeFd } = fifo();
      let readerOpen = true;
      cleanups.push(() => readerOpen && closeSync(readFd));
      const p = new WritePipeProto();
      const [t, got] = await waitFor(getRunningLoop().connectWritePipe(() => p, writeFd), BOUND);
      expect(got).toBe(p);
      expect(t).toBe(p.transport);
      expect(p.state).toBe('CONNECTED');
      let data = '';
      const chunk = Buffer.alloc(1024);
      const reader = (): number => {
        try {
          data += chunk.toString('latin1', 0, readSync(readFd, chunk));
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
        }
        return data.length;
      };
      t.write('1');
      await waitFor(until(() => reader() >= 1), BOUND);
      expect(data).toBe('1');
      t.write('2345');
      await waitFor(until(() => reader() >= 5), BOUND);
      expect(data).toBe('12345');
      expect(p.state).toBe('CONNECTED');
      closeSync(readFd);
      readerOpen = false;
      expect(t.getExtraInfo('pipe')).not.toBeUndefined();
      t.close();
      await waitFor(p.done, BOUND);
      expect(p.state).toBe('CLOSED');
      expect(p.wrong).toEqual([]);
    }));

  // ports test_events.py::EventLoopTestsMixin.test_write_pipe_disconnect_on_close
  it('a write transport over a connected socket ends by itself when the peer closes, with nothing buffered: connectionLost(undefined)', () =>
    run(async () => {
      const path = join(dir, `sock-${made++}`);
      const got: string[] = [];
      const server = createServer((peer) => peer.on('data', (d) => got.push(d.toString())));
      cleanups.push(() => server.close());
      await waitFor(new Promise<void>((resolve) => server.listen(path, resolve)), BOUND);
      const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
      const sock = connect(path);
      cleanups.push(() => sock.destroy());
      const rsock = await waitFor(accepted, BOUND);
      const p = new WritePipeProto();
      const [t] = await waitFor(getRunningLoop().connectWritePipe(() => p, sock), BOUND);
      expect(p.state).toBe('CONNECTED');
      t.write('1');
      await waitFor(until(() => got.length > 0), BOUND);
      expect(got.join('')).toBe('1');
      rsock.destroy(); // rsock.close()
      await waitFor(p.done, BOUND);
      expect(p.state).toBe('CLOSED');
      expect(p.lostWith).toBeUndefined();
      expect(p.wrong).toEqual([]);
    }));

  // DISCREPANCY: asyncio's write pipe transport also watches its pipe for reading (unix_events.py
  // _UnixWritePipeTransport._read_ready), so a reader that closes its end ends the transport at
  // once: connection_lost(None) with an empty buffer. tulip's notices only when a write fails.
  // ports test_events.py::EventLoopTestsMixin.test_write_pipe_disconnect_on_close (over a pipe)
  it.fails("a write transport over a child's stdin ends by itself when the child closes its stdin", () =>
    run(async () => {
      const child = spawn('sh', ['-c', 'head -c 1; exec sleep 20 0<&-'], { stdio: ['pipe', 'pipe', 'inherit'] });
      cleanups.push(() => child.kill('SIGKILL'));
      let out = '';
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      const p = new WritePipeProto();
      const [t] = await waitFor(getRunningLoop().connectWritePipe(() => p, child.stdin!), BOUND);
      t.write('1');
      await waitFor(until(() => out === '1'), BOUND);
      await waitFor(p.done, SHORT); // tulip: never, while no write fails
      expect(p.state).toBe('CLOSED');
      expect(p.lostWith).toBeUndefined();
    }));
});

/** Records the subprocess protocol's calls in order; `done` at connectionLost. */
class Calls extends SubprocessProtocol {
  calls: string[] = [];
  out = '';
  transport!: SubprocessTransport;
  lostWith: Error | undefined | 'never' = 'never';
  readonly done: Future<void> = getRunningLoop().createFuture();
  override connectionMade(t: SubprocessTransport): void {
    this.transport = t;
    cleanups.push(() => t.close()); // kills it if it still runs
    this.calls.push('made');
  }
  override pipeDataReceived(fd: number, data: Buffer): void {
    this.calls.push(`data${fd}`);
    this.out += data.toString();
  }
  override pipeConnectionLost(fd: number, exc: Error | undefined): void {
    this.calls.push(`pipe${fd}${exc === undefined ? '' : ' ' + exc.message}`);
  }
  override processExited(): void {
    this.calls.push('exited');
  }
  override connectionLost(exc: Error | undefined): void {
    this.calls.push('lost');
    this.lostWith = exc;
    this.done.setResult(undefined);
  }
}

/** A Calls whose method `name` throws `boom` (once). */
function throwing(name: 'connectionMade' | 'pipeDataReceived' | 'pipeConnectionLost' | 'processExited', boom: Error): () => Calls {
  return () => {
    const p = new Calls();
    const orig = (p[name] as (...a: unknown[]) => void).bind(p);
    let thrown = false;
    (p as unknown as Record<string, unknown>)[name] = (...a: unknown[]) => {
      orig(...a);
      if (!thrown) {
        thrown = true;
        throw boom;
      }
    };
    return p;
  };
}

describe('base_subprocess.py behaviours, from outside', () => {
  // ports test_subprocess.py::SubprocessTransportTests.test_proc_exited (a real child exiting 6)
  it('after the exit: connectionMade, processExited and connectionLost(undefined) came; signals throw ProcessLookupError; close() is fine', () =>
    run(async () => {
      const [t, p] = await waitFor(getRunningLoop().subprocessShell(() => new Calls(), 'exit 6', NO_PIPES), BOUND);
      await waitFor(p.done, BOUND);
      expect(t.getReturncode()).toBe(6);
      expect(p.calls).toEqual(['made', 'exited', 'lost']);
      expect(p.lostWith).toBeUndefined();
      expect(syncError(() => t.sendSignal('SIGTERM'))).toBeInstanceOf(ProcessLookupError);
      expect(syncError(() => t.terminate())).toBeInstanceOf(ProcessLookupError);
      expect(syncError(() => t.kill())).toBeInstanceOf(ProcessLookupError);
      t.close();
    }));

  // asyncio's subprocess transport is closing only once close() was called (base_subprocess.py
  // is_closing returns self._closed), not because connectionLost came.
  // ports test_subprocess.py::SubprocessTransportTests.test_proc_exited (assertFalse(is_closing()))
  it('a child that exited by itself leaves the transport not closing until close()', () =>
    run(async () => {
      const [t, p] = await waitFor(getRunningLoop().subprocessShell(() => new Calls(), 'exit 6', NO_PIPES), BOUND);
      await waitFor(p.done, BOUND);
      expect(t.isClosing()).toBe(false);
      t.close();
      expect(t.isClosing()).toBe(true);
    }));

  // base_subprocess.py _try_finish: connection_lost waits for the exit and for every pipe
  it('a shell that exits while a background job holds stdout: processExited first, connectionLost only after that pipe ends', () =>
    run(async () => {
      const [t, p] = await waitFor(getRunningLoop().subprocessShell(() => new Calls(), '(sleep 0.2; echo late) &', { ...NO_PIPES, stdout: PIPE }), BOUND);
      await waitFor(p.done, BOUND);
      expect(p.calls).toEqual(['made', 'exited', 'data1', 'pipe1', 'lost']);
      expect(p.out).toBe('late\n');
      expect(t.getReturncode()).toBe(0);
    }));

  // base_subprocess.py WriteSubprocessPipeProto.pause_writing / resume_writing
  it("the stdin pipe's flow control calls the subprocess protocol's pauseWriting and resumeWriting", () =>
    run(async () => {
      const events: string[] = [];
      class Flow extends Calls {
        override pauseWriting(): void {
          events.push('pause');
        }
        override resumeWriting(): void {
          events.push('resume');
        }
      }
      const [t, p] = await waitFor(getRunningLoop().subprocessShell(() => new Flow(), 'sleep 0.2; cat', { stdin: PIPE, stdout: DEVNULL, stderr: 'inherit' }), BOUND);
      const stdin = t.getPipeTransport(0)!;
      stdin.setWriteBufferLimits(1024, 0);
      stdin.write(Buffer.alloc(1 << 20)); // the child reads nothing for 0.2 s: most of it stays buffered
      expect(events).toEqual(['pause']);
      await waitFor(until(() => events.length === 2), BOUND);
      expect(events).toEqual(['pause', 'resume']);
      stdin.close();
      await waitFor(p.done, BOUND);
      expect(t.getReturncode()).toBe(0);
    }));

  // base_subprocess.py: connection_made goes through loop.call_soon
  it('a connectionMade that throws is reported as a callback error; the other calls still come', () =>
    run(async () => {
      const seen = recordExceptions();
      const boom = new Error('boom');
      const [, p] = await waitFor(getRunningLoop().subprocessShell(throwing('connectionMade', boom), 'echo hi', { ...NO_PIPES, stdout: PIPE }), BOUND);
      await waitFor(p.done, BOUND);
      expect(seen.map((c) => [c.message.startsWith('Exception in callback'), c.exception])).toEqual([[true, boom]]);
      expect([...p.calls].sort()).toEqual(['data1', 'exited', 'lost', 'made', 'pipe1']);
    }));

  // base_subprocess.py _process_exited queues process_exited with loop.call_soon and calls
  // _try_finish() itself, so a process_exited that raises is reported and connection_lost still comes.
  it('a processExited that throws is reported; connectionLost still comes after it', () =>
    run(async () => {
      const seen = recordExceptions();
      const boom = new Error('boom');
      // stdout closes first, then the shell exits: processExited is the last event.
      const [, p] = await waitFor(getRunningLoop().subprocessShell(throwing('processExited', boom), 'exec >&-; sleep 0.2', { ...NO_PIPES, stdout: PIPE }), BOUND);
      await waitFor(p.done, BOUND);
      expect(p.calls).toEqual(['made', 'pipe1', 'exited', 'lost']);
      expect(seen.map((c) => c.exception)).toEqual([boom]);
    }));

  // base_subprocess.py _pipe_connection_lost queues pipe_connection_lost with loop.call_soon and
  // calls _try_finish() itself: one that raises (here the last pipe to end, after the exit) is
  // reported and connection_lost still comes.
  it('a pipeConnectionLost that throws is reported; connectionLost still comes after it', () =>
    run(async () => {
      const seen = recordExceptions();
      const boom = new Error('boom');
      // The shell exits at once; its background job ends stdout later: pipeConnectionLost is last.
      const [, p] = await waitFor(getRunningLoop().subprocessShell(throwing('pipeConnectionLost', boom), '(sleep 0.2; echo x) &', { ...NO_PIPES, stdout: PIPE }), BOUND);
      await waitFor(p.done, BOUND);
      expect(p.calls).toEqual(['made', 'exited', 'data1', 'pipe1', 'lost']);
      expect(seen.map((c) => c.exception)).toEqual([boom]);
    }));

  // base_subprocess.py _pipe_data_received queues pipe_data_received with loop.call_soon: one that
  // raises is reported ("Exception in callback") and the pipe goes on.
  it('a pipeDataReceived that throws is reported as a callback error; the pipe goes on delivering', () =>
    run(async () => {
      const seen = recordExceptions();
      const boom = new Error('boom');
      const script = "const fs = require('fs'); fs.writeSync(1, 'first'); process.stdin.once('data', () => { try { fs.writeSync(1, 'second'); } catch {} process.exit(0); })";
      const [t, p] = await waitFor(getRunningLoop().subprocessExec(throwing('pipeDataReceived', boom), NODE, ['-e', script], { ...NO_PIPES, stdin: PIPE, stdout: PIPE }), BOUND);
      await waitFor(until(() => p.out.length > 0), BOUND);
      t.getPipeTransport(0)!.write('go');
      await waitFor(p.done, BOUND);
      expect(p.out).toBe('firstsecond');
      expect(p.calls).toContain('pipe1');
      expect(seen.map((c) => [c.message.startsWith('Exception in callback'), c.exception])).toEqual([[true, boom]]);
    }));

  // DISCREPANCY: as with connectWritePipe above, asyncio notices a stdin reader that went away
  // (the child closed its stdin and runs on): pipe_connection_lost(0, None) while it still runs.
  // ports test_events.py::EventLoopTestsMixin.test_write_pipe_disconnect_on_close (subprocess stdin)
  it.fails('a child that closes its stdin and runs on brings pipeConnectionLost(0) while still running', () =>
    run(async () => {
      const [t, p] = await waitFor(getRunningLoop().subprocessShell(() => new Calls(), 'exec sleep 20 0<&-', { ...NO_PIPES, stdin: PIPE }), BOUND);
      await waitFor(until(() => p.calls.includes('pipe0')), SHORT); // tulip: never
      expect(t.getReturncode()).toBeNull();
    }));
});
