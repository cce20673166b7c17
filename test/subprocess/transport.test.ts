// Subprocess transports and protocols (src/subprocess/transport.ts): loop.subprocessExec and
// loop.subprocessShell — the order of a SubprocessProtocol's calls, the pipe transports, the
// return code, signals, close(), cancellation and bad input. Behaviours of asyncio's
// base_subprocess.py and test_subprocess.py's SubprocessProtocol tests (test_subprocess_exec,
// test_subprocess_interactive, test_subprocess_kill, test_subprocess_close_after_finish,
// test_subprocess_close_client_stream …), in our own words.
import { describe, expect, it } from 'vitest';
import {
  DEVNULL,
  PIPE,
  ProcessLookupError,
  STDOUT,
  SubprocessProtocol,
  createTask,
  getRunningLoop,
  run,
  sleep,
  waitFor,
  type Future,
  type SubprocessTransport,
} from 'tulip';
import { assertCancelled, errorOf, recordExceptions, syncError } from '../support.js';
import { alive, BOUND, LONG, NODE } from './helpers.js';

/** Records its calls; collects each fd's output; `done` is set at connectionLost. */
class Collect extends SubprocessProtocol {
  calls: string[] = [];
  out: Record<number, string> = { 1: '', 2: '' };
  transport!: SubprocessTransport;
  readonly done: Future<void> = getRunningLoop().createFuture();
  readonly exited: Future<void> = getRunningLoop().createFuture();
  override connectionMade(t: SubprocessTransport): void {
    this.transport = t;
    this.calls.push('made');
  }
  override pipeDataReceived(fd: number, data: Buffer): void {
    if (this.calls.at(-1) !== `data${fd}`) this.calls.push(`data${fd}`);
    this.out[fd] += data.toString();
  }
  override pipeConnectionLost(fd: number, exc: Error | undefined): void {
    this.calls.push(`pipe${fd}${exc === undefined ? '' : ' ' + ((exc as NodeJS.ErrnoException).code ?? exc.message)}`);
  }
  override processExited(): void {
    this.calls.push('exited');
    this.exited.setResult(undefined);
  }
  override connectionLost(exc: Error | undefined): void {
    this.calls.push(exc === undefined ? 'lost' : `lost ${exc}`);
    this.done.setResult(undefined);
  }
}

describe('subprocessExec', () => {
  it('runs the child: connectionMade first, its output per fd, the exit and every pipe end, connectionLost last', () =>
    run(async () => {
      const script = "process.stdout.write('out'); process.stderr.write('err'); process.exitCode = 3";
      const [t, p] = await getRunningLoop().subprocessExec(() => new Collect(), NODE, ['-e', script], { stdin: DEVNULL, stdout: PIPE, stderr: PIPE });
      expect(p.calls).toEqual(['made']);
      expect(p.transport).toBe(t);
      expect(t.getPid()).toBeGreaterThan(0);
      expect(t.getExtraInfo('subprocess')).toHaveProperty('pid', t.getPid());
      await waitFor(p.done, BOUND);
      expect(p.out).toEqual({ 1: 'out', 2: 'err' });
      expect(t.getReturncode()).toBe(3);
      expect(p.calls[0]).toBe('made');
      expect(p.calls.at(-1)).toBe('lost');
      expect([...p.calls].sort()).toEqual(['data1', 'data2', 'exited', 'lost', 'made', 'pipe1', 'pipe2']);
      expect(t.isClosing()).toBe(false); // as asyncio's: closing means close() was called
      t.close();
      expect(t.isClosing()).toBe(true);
      expect(String(t)).toMatch(/^<SubprocessTransport pid=\d+ returncode=3 closed>$/);
    }));

  it('talks to a child through its stdin pipe transport, in a generator task too', () =>
    run(function* () {
      const [t, p] = yield* getRunningLoop().subprocessExec(() => new Collect(), 'cat', [], { stdin: PIPE, stdout: PIPE, stderr: 'inherit' });
      const stdin = t.getPipeTransport(0)!;
      expect(stdin.canWriteEof()).toBe(true);
      expect(t.getPipeTransport(1)).not.toBeNull();
      expect(t.getPipeTransport(2)).toBeNull(); // stderr is inherited, not a pipe
      stdin.write('ping ');
      stdin.writelines(['po', 'ng']);
      stdin.close();
      yield* waitFor(p.done, BOUND);
      expect(p.out[1]).toBe('ping pong');
      expect(t.getReturncode()).toBe(0);
      expect(p.calls).toContain('pipe0');
    }));

  it('pipes stdin, stdout and stderr by default, as asyncio does', () =>
    run(async () => {
      const [t, p] = await getRunningLoop().subprocessExec(() => new Collect(), 'cat');
      expect([0, 1, 2].map((fd) => t.getPipeTransport(fd) !== null)).toEqual([true, true, true]);
      t.getPipeTransport(0)!.write('default');
      t.getPipeTransport(0)!.close();
      await waitFor(p.done, BOUND);
      expect(p.out[1]).toBe('default');
    }));

  it('with stderr: STDOUT, both streams arrive as fd 1 and end as one pipe', () =>
    run(async () => {
      const [t, p] = await getRunningLoop().subprocessShell(() => new Collect(), 'echo out; echo err >&2', { stdin: DEVNULL, stdout: PIPE, stderr: STDOUT });
      await waitFor(p.done, BOUND);
      expect(p.out[1].split('\n').sort()).toEqual(['', 'err', 'out']);
      expect(p.out[2]).toBe('');
      expect(p.calls.filter((c) => c.startsWith('pipe'))).toEqual(['pipe1']);
      expect(t.getPipeTransport(2)).toBeNull();
    }));

  it('kill() ends a running child: returncode is minus the signal number', () =>
    run(async () => {
      const [t, p] = await getRunningLoop().subprocessExec(() => new Collect(), 'sleep', [LONG], { stdout: PIPE });
      expect(t.getReturncode()).toBeNull();
      t.kill();
      await waitFor(p.done, BOUND);
      expect(t.getReturncode()).toBe(-9);
    }));

  it('terminate() and sendSignal() deliver their signals', () =>
    run(async () => {
      const loop = getRunningLoop();
      const [t1, p1] = await loop.subprocessExec(() => new Collect(), 'sleep', [LONG]);
      t1.terminate();
      await waitFor(p1.done, BOUND);
      expect(t1.getReturncode()).toBe(-15);
      const [t2, p2] = await loop.subprocessExec(() => new Collect(), 'sleep', [LONG]);
      t2.sendSignal('SIGINT');
      await waitFor(p2.done, BOUND);
      expect(t2.getReturncode()).toBe(-2);
      expect(syncError(() => t2.sendSignal('SIGNOPE' as never))).toBeInstanceOf(TypeError);
    }));

  it('signals after the exit do nothing until the transport is done, then throw ProcessLookupError', () =>
    run(async () => {
      const [t, p] = await getRunningLoop().subprocessExec(() => new Collect(), 'true', [], { stdout: PIPE });
      await waitFor(p.exited, BOUND);
      await waitFor(p.done, BOUND);
      const e = syncError(() => t.kill());
      expect(e).toBeInstanceOf(ProcessLookupError);
      expect(e.message).toMatch(/SubprocessTransport\.kill: <SubprocessTransport pid=\d+ returncode=0 closed> is done/);
      expect(syncError(() => t.terminate())).toBeInstanceOf(ProcessLookupError);
    }));

  it('close() closes the pipes and kills a running child; connectionLost follows its exit', () =>
    run(async () => {
      const [t, p] = await getRunningLoop().subprocessExec(() => new Collect(), 'sleep', [LONG], { stdin: PIPE, stdout: PIPE });
      const pid = t.getPid();
      t.close();
      t.close(); // a no-op
      expect(t.isClosing()).toBe(true);
      await waitFor(p.done, BOUND);
      expect(t.getReturncode()).toBe(-9);
      expect(alive(pid)).toBe(false);
      expect(p.calls.at(-1)).toBe('lost');
    }));

  it('a pipeDataReceived that throws is reported as a callback error; the pipe goes on to its end', () =>
    run(async () => {
      const seen = recordExceptions();
      let calls = 0;
      class Bad extends Collect {
        override pipeDataReceived(fd: number, data: Buffer): void {
          if (calls++ === 0) {
            // The child writes its second chunk only once told to, so the two never arrive as one.
            this.transport.getPipeTransport(0)!.write(Buffer.from('go'));
            throw new Error('bad output');
          }
          super.pipeDataReceived(fd, data);
        }
      }
      const script = "const fs = require('fs'); fs.writeSync(1, 'a'); process.stdin.once('data', () => { fs.writeSync(1, 'b'); process.exit(0); })";
      const [t, p] = await getRunningLoop().subprocessExec(() => new Bad(), NODE, ['-e', script], { stdin: PIPE, stdout: PIPE, stderr: 'inherit' });
      await waitFor(p.done, BOUND);
      expect(seen).toHaveLength(1);
      expect(seen[0]!.message).toMatch(/^Exception in callback/);
      expect((seen[0]!.exception as Error).message).toBe('bad output');
      expect(p.out[1]).toBe('b'); // the second chunk came through the same pipe
      expect(p.calls).toContain('pipe1'); // ended normally
      expect(t.getReturncode()).toBe(0);
    }));

  it('a cancelled call kills the child it started', () =>
    run(async () => {
      const made: Collect[] = [];
      const task = createTask(() => getRunningLoop().subprocessExec(() => {
        const c = new Collect();
        made.push(c);
        return c;
      }, 'sleep', [LONG], { stdout: PIPE }));
      await sleep(0);
      task.cancel();
      assertCancelled(await errorOf(() => task));
      expect(made).toHaveLength(1); // the protocol is made first, as in asyncio
      if (made[0]!.transport !== undefined) await waitFor(made[0]!.done, BOUND);
      await sleep(20);
    }));

  it('a missing program fails the call with ENOENT', () =>
    run(async () => {
      const e = await errorOf(() => getRunningLoop().subprocessExec(() => new Collect(), 'no-such-program-tulip', []));
      expect((e as NodeJS.ErrnoException).code).toBe('ENOENT');
    }));

  it('refuses bad arguments synchronously, naming them', () =>
    run(async () => {
      const loop = getRunningLoop();
      expect(syncError(() => loop.subprocessExec(5 as never, 'ls')).message).toBe('subprocessExec: protocolFactory must be a function returning a protocol, got 5');
      expect(syncError(() => loop.subprocessExec(() => new Collect(), '')).message).toMatch(/subprocessExec: program must be a non-empty string/);
      expect(syncError(() => loop.subprocessExec(() => new Collect(), 'ls', 'x' as never)).message).toMatch(/subprocessExec: args must be an array/);
      expect(syncError(() => loop.subprocessShell(() => new Collect(), 42 as never)).message).toMatch(/subprocessShell: cmd must be a non-empty string/);
      expect(syncError(() => loop.subprocessExec(() => new Collect(), 'ls', [], { stdout: 'file' as never })).message).toMatch(/subprocessExec: stdout must be PIPE/);
      expect(syncError(() => loop.subprocessExec(() => 'no' as never, 'ls')).message).toBe('subprocessExec: protocolFactory must return a protocol object, got "no"');
    }));
});
