// Unit tests of src/subprocess/process.ts over real children (`sh -c`, `sleep`, `cat`, `true` and
// `node -e`): pid and toString, returncode (exit code, minus the signal number), kill/terminate/
// sendSignal and sendSignal's argument checks, ProcessLookupError once the child finished, wait()
// (concurrent, after the exit), communicate() (with and without input, errors, broken pipe),
// the stdio options (STDOUT merging, DEVNULL, file descriptors), the limit reaching the readers,
// and [Symbol.asyncDispose]. Every child is killed in a finally; every wait is bounded.
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LIMIT,
  DEVNULL,
  PIPE,
  Process,
  ProcessLookupError,
  STDOUT,
  createSubprocessExec,
  createSubprocessShell,
  gather,
  run,
  sleep,
  waitFor,
} from 'tulip';
import { errorOf, recordExceptions, syncError } from '../support.js';
import { NODE, BOUND, LONG, str, reap, alive } from './helpers.js';

describe('Process: pid, toString and returncode', () => {
  it('pid is the running child, and toString shows the pid, then the returncode once known', () =>
    run(async () => {
      let proc: Process | undefined;
      try {
        proc = await createSubprocessExec('sleep', [LONG]);
        expect(Number.isInteger(proc.pid) && proc.pid > 0).toBe(true);
        expect(alive(proc.pid)).toBe(true);
        expect(String(proc)).toBe(`<Process ${proc.pid}>`);
        proc.kill();
        expect(await waitFor(proc.wait(), BOUND)).toBe(-9);
        expect(String(proc)).toBe(`<Process ${proc.pid} returncode=-9>`);
      } finally {
        await reap(proc);
      }
    }));

  it('returncode is null while the child runs, then its exit code', () =>
    run(async () => {
      const proc = await createSubprocessShell('read x; exit 3', { stdin: PIPE });
      try {
        expect(proc.returncode).toBe(null);
        await sleep(20);
        expect(proc.returncode).toBe(null);
        proc.stdin!.write('go\n');
        expect(await waitFor(proc.wait(), BOUND)).toBe(3);
        expect(proc.returncode).toBe(3);
      } finally {
        await reap(proc);
      }
    }));

  it('kill() ends the child with SIGKILL: returncode -9', () =>
    run(async () => {
      const proc = await createSubprocessExec('sleep', [LONG]);
      try {
        proc.kill();
        expect(await waitFor(proc.wait(), BOUND)).toBe(-constants.signals.SIGKILL);
        expect(proc.returncode).toBe(-9);
      } finally {
        await reap(proc);
      }
    }));

  it('terminate() ends the child with SIGTERM: returncode -15', () =>
    run(async () => {
      const proc = await createSubprocessExec('sleep', [LONG]);
      try {
        proc.terminate();
        expect(await waitFor(proc.wait(), BOUND)).toBe(-constants.signals.SIGTERM);
        expect(proc.returncode).toBe(-15);
      } finally {
        await reap(proc);
      }
    }));

  it('sendSignal by name or by number: returncode is minus that signal number (os.constants.signals)', () =>
    run(async () => {
      const cases: [NodeJS.Signals | number, number][] = [
        ['SIGHUP', constants.signals.SIGHUP],
        [constants.signals.SIGINT, constants.signals.SIGINT],
        ['SIGUSR1', constants.signals.SIGUSR1],
      ];
      for (const [sig, n] of cases) {
        const proc = await createSubprocessExec('sleep', [LONG]);
        try {
          proc.sendSignal(sig);
          expect(await waitFor(proc.wait(), BOUND), `signal ${sig}`).toBe(-n);
        } finally {
          await reap(proc);
        }
      }
    }));

  it('a signal the child handles leaves it running: returncode stays null', () =>
    run(async () => {
      const script = "process.on('SIGUSR2', () => process.stdout.write('got\\n')); process.stdout.write('ready\\n'); setTimeout(() => {}, 3000);";
      const proc = await createSubprocessExec(NODE, ['-e', script], { stdout: PIPE });
      try {
        expect(str(await waitFor(proc.stdout!.readline(), BOUND))).toBe('ready\n');
        proc.sendSignal('SIGUSR2');
        expect(str(await waitFor(proc.stdout!.readline(), BOUND))).toBe('got\n');
        expect(proc.returncode).toBe(null);
      } finally {
        await reap(proc);
      }
    }));
});

describe('Process.sendSignal: argument checks', () => {
  it('names that are no signal, and numbers that are negative or not integers, throw TypeError naming the signal; the child runs on', () =>
    run(async () => {
      const proc = await createSubprocessExec('sleep', [LONG]);
      try {
        const bad: unknown[] = ['SIGNOPE', 'sigterm', 'TERM', '', '15', -1, 1.5, NaN, null, undefined, {}, [15]];
        for (const sig of bad) {
          const e = syncError(() => proc.sendSignal(sig as NodeJS.Signals));
          expect(e, `signal ${String(sig)}`).toBeInstanceOf(TypeError);
          expect(e.message).toMatch(/^Process\.sendSignal: signal must be a signal name such as 'SIGTERM' or a signal number of this system, got /);
        }
        expect(syncError(() => proc.sendSignal('SIGNOPE' as NodeJS.Signals)).message).toMatch(/got "SIGNOPE"$/);
        expect(syncError(() => proc.sendSignal(-1)).message).toMatch(/got -1$/);
        expect(proc.returncode).toBe(null);
        expect(alive(proc.pid)).toBe(true);
        proc.kill();
        expect(await waitFor(proc.wait(), BOUND)).toBe(-9);
      } finally {
        await reap(proc);
      }
    }));

  it('an integer that is no signal number throws TypeError naming Process.sendSignal, and the child runs on', () =>
    run(async () => {
      const proc = await createSubprocessExec('sleep', [LONG]);
      try {
        const e = syncError(() => proc.sendSignal(99999));
        expect(e).toBeInstanceOf(TypeError);
        expect(e.message).toBe("Process.sendSignal: signal must be a signal name such as 'SIGTERM' or a signal number of this system, got 99999");
        expect(proc.returncode).toBe(null);
      } finally {
        await reap(proc);
      }
    }));
});

describe('ProcessLookupError once the child finished', () => {
  it('after wait() returned, kill(), terminate() and sendSignal() throw ProcessLookupError (code ESRCH) naming the call', () =>
    run(async () => {
      const proc = await createSubprocessExec('true');
      const waiting = proc.wait(); // registered while the child runs: done once it finished
      expect(await waitFor(waiting, BOUND)).toBe(0);
      const calls: [string, () => void][] = [
        ['kill', () => proc.kill()],
        ['terminate', () => proc.terminate()],
        ['sendSignal', () => proc.sendSignal('SIGTERM')],
        ['sendSignal', () => proc.sendSignal(9)],
      ];
      for (const [name, call] of calls) {
        const e = syncError(call);
        expect(e, name).toBeInstanceOf(ProcessLookupError);
        expect((e as ProcessLookupError).code).toBe('ESRCH');
        expect(e.message).toContain(`Process.${name}: <Process ${proc.pid} returncode=0> has finished`);
      }
      expect(proc.returncode).toBe(0);
    }));

  it('a bad signal after the child finished is still a TypeError (the argument is checked first)', () =>
    run(async () => {
      const proc = await createSubprocessExec('true');
      await waitFor(proc.wait(), BOUND);
      expect(syncError(() => proc.sendSignal('NOPE' as NodeJS.Signals))).toBeInstanceOf(TypeError);
    }));
});

describe('Process.wait', () => {
  it('twenty concurrent wait() calls all get the exit code', () =>
    run(async () => {
      const proc = await createSubprocessShell('sleep 0.05; exit 5');
      try {
        const waits = Array.from({ length: 20 }, () => proc.wait());
        expect(await waitFor(gather(waits), BOUND)).toEqual(Array(20).fill(5));
      } finally {
        await reap(proc);
      }
    }));

  it('wait() after the exit returns a future that is already done, with the same code every time', () =>
    run(async () => {
      const proc = await createSubprocessShell('exit 6');
      expect(await waitFor(proc.wait(), BOUND)).toBe(6);
      for (let i = 0; i < 3; i++) {
        const f = proc.wait();
        expect(f.done()).toBe(true);
        expect(f.result()).toBe(6);
      }
    }));

  it('a wait() cancelled while the child runs changes nothing: the child runs on and the next wait gets the code', () =>
    run(async () => {
      const proc = await createSubprocessExec('sleep', [LONG]);
      try {
        const w = proc.wait();
        const other = proc.wait();
        w.cancel();
        await sleep(10);
        expect(w.cancelled()).toBe(true);
        expect(other.done()).toBe(false);
        expect(proc.returncode).toBe(null);
        proc.kill();
        expect(await waitFor(other, BOUND)).toBe(-9);
      } finally {
        await reap(proc);
      }
    }));
});

describe('Process.communicate', () => {
  it('without input it closes stdin, reads stdout to its end and returns [stdout, null]', () =>
    run(async () => {
      const proc = await createSubprocessExec('cat', [], { stdin: PIPE, stdout: PIPE });
      try {
        const [out, err] = await waitFor(proc.communicate(), BOUND);
        expect(str(out)).toBe('');
        expect(err).toBe(null);
        expect(proc.returncode).toBe(0);
      } finally {
        await reap(proc);
      }
    }));

  it('input as a string, a Buffer or a Uint8Array reaches the child byte for byte', () =>
    run(async () => {
      const inputs: [string | Buffer | Uint8Array, string][] = [
        ['héllo\n', Buffer.from('héllo\n').toString('latin1')],
        [Buffer.from([0, 1, 2, 255]), '\x00\x01\x02\xff'],
        [new Uint8Array([104, 105]), 'hi'],
      ];
      for (const [input, want] of inputs) {
        const proc = await createSubprocessExec('cat', [], { stdin: PIPE, stdout: PIPE });
        try {
          const [out] = await waitFor(proc.communicate(input), BOUND);
          expect(str(out)).toBe(want);
          expect(proc.returncode).toBe(0);
        } finally {
          await reap(proc);
        }
      }
    }));

  it('reads stdout and stderr apart, each to its end', () =>
    run(async () => {
      const proc = await createSubprocessShell('echo out; echo err >&2; exit 2', { stdout: PIPE, stderr: PIPE });
      try {
        const [out, err] = await waitFor(proc.communicate(), BOUND);
        expect(str(out)).toBe('out\n');
        expect(str(err)).toBe('err\n');
        expect(proc.returncode).toBe(2);
      } finally {
        await reap(proc);
      }
    }));

  it('with no pipe at all returns [null, null] once the child exited', () =>
    run(async () => {
      const proc = await createSubprocessShell('sleep 0.05; exit 4');
      try {
        expect(await waitFor(proc.communicate(), BOUND)).toEqual([null, null]);
        expect(proc.returncode).toBe(4);
      } finally {
        await reap(proc);
      }
    }));

  it('1 MiB through cat (more than the pipes hold) comes back whole', () =>
    run(async () => {
      const data = Buffer.alloc(1 << 20, Buffer.from(Array.from({ length: 251 }, (_, i) => i)));
      const proc = await createSubprocessExec('cat', [], { stdin: PIPE, stdout: PIPE });
      try {
        const [out] = await waitFor(proc.communicate(data), BOUND);
        expect(Buffer.compare(out!, data)).toBe(0);
      } finally {
        await reap(proc);
      }
    }));

  it('input without a stdin pipe throws TypeError at once, naming stdin; the child runs on', () =>
    run(async () => {
      const proc = await createSubprocessExec('sleep', [LONG], { stdout: PIPE });
      try {
        const e = syncError(() => proc.communicate('data'));
        expect(e).toBeInstanceOf(TypeError);
        expect(e.message).toMatch(/^Process\.communicate: input given but <Process \d+> has no stdin pipe/);
        expect(proc.returncode).toBe(null);
      } finally {
        await reap(proc);
      }
    }));

  it('input that is neither bytes nor a string throws TypeError naming input', () =>
    run(async () => {
      const proc = await createSubprocessExec('cat', [], { stdin: PIPE, stdout: PIPE });
      try {
        for (const bad of [42, null, {}, [1, 2]] as unknown[]) {
          const e = await errorOf(() => proc.communicate(bad as string));
          expect(e, String(bad)).toBeInstanceOf(TypeError);
          expect(e.message).toMatch(/\binput\b/);
        }
        // The process is untouched: a good communicate() still works.
        const [out] = await waitFor(proc.communicate('ok'), BOUND);
        expect(str(out)).toBe('ok');
      } finally {
        await reap(proc);
      }
    }));

  it('a child that exits without reading 1 MiB of input is no error, and nothing is reported', () =>
    run(async () => {
      const seen = recordExceptions();
      const proc = await createSubprocessExec('true', [], { stdin: PIPE });
      try {
        expect(await waitFor(proc.communicate(Buffer.alloc(1 << 20, 120)), BOUND)).toEqual([null, null]);
        expect(proc.returncode).toBe(0);
        await sleep(10);
        expect(seen).toEqual([]);
      } finally {
        await reap(proc);
      }
    }));
});

describe('the stdio options', () => {
  it('stderr: STDOUT sends both streams into proc.stdout; proc.stderr is null', () =>
    run(async () => {
      const proc = await createSubprocessShell('echo to-out; echo to-err >&2', { stdout: PIPE, stderr: STDOUT });
      try {
        expect(proc.stderr).toBe(null);
        const [out, err] = await waitFor(proc.communicate(), BOUND);
        expect(err).toBe(null);
        expect(str(out).split('\n').filter((l) => l !== '').sort()).toEqual(['to-err', 'to-out']);
      } finally {
        await reap(proc);
      }
    }));

  it('stdin: DEVNULL gives the child an empty stdin, and proc.stdin is null', () =>
    run(async () => {
      const proc = await createSubprocessExec('cat', [], { stdin: DEVNULL, stdout: PIPE });
      try {
        expect(proc.stdin).toBe(null);
        const [out] = await waitFor(proc.communicate(), BOUND);
        expect(str(out)).toBe('');
        expect(proc.returncode).toBe(0);
      } finally {
        await reap(proc);
      }
    }));

  it('stdout: DEVNULL and stderr: DEVNULL discard the output; proc.stdout and proc.stderr are null', () =>
    run(async () => {
      const proc = await createSubprocessShell('echo out; echo err >&2', { stdout: DEVNULL, stderr: DEVNULL });
      try {
        expect(proc.stdout).toBe(null);
        expect(proc.stderr).toBe(null);
        expect(await waitFor(proc.communicate(), BOUND)).toEqual([null, null]);
        expect(proc.returncode).toBe(0);
      } finally {
        await reap(proc);
      }
    }));

  it('stderr: STDOUT with stdout: DEVNULL discards both', () =>
    run(async () => {
      const proc = await createSubprocessShell('echo out; echo err >&2', { stdout: DEVNULL, stderr: STDOUT });
      try {
        expect([proc.stdout, proc.stderr]).toEqual([null, null]);
        expect(await waitFor(proc.communicate(), BOUND)).toEqual([null, null]);
      } finally {
        await reap(proc);
      }
    }));

  it('file descriptors pass through: stdin from one file, stdout and (STDOUT) stderr into another', () =>
    run(async () => {
      const dir = mkdtempSync(join(tmpdir(), 'tulip-sp-'));
      const inPath = join(dir, 'in');
      const outPath = join(dir, 'out');
      writeFileSync(inPath, 'from the file\n');
      const inFd = openSync(inPath, 'r');
      const outFd = openSync(outPath, 'w');
      let proc: Process | undefined;
      try {
        proc = await createSubprocessShell('cat; echo to-err >&2', { stdin: inFd, stdout: outFd, stderr: STDOUT });
        expect([proc.stdin, proc.stdout, proc.stderr]).toEqual([null, null, null]);
        expect(await waitFor(proc.wait(), BOUND)).toBe(0);
        expect(readFileSync(outPath, 'latin1')).toBe('from the file\nto-err\n');
      } finally {
        await reap(proc);
        closeSync(inFd);
        closeSync(outFd);
        rmSync(dir, { recursive: true, force: true });
      }
    }));

  it('the limit option reaches both readers (DEFAULT_LIMIT without it)', () =>
    run(async () => {
      const a = await createSubprocessExec('true', [], { stdout: PIPE, stderr: PIPE, limit: 1234 });
      const b = await createSubprocessExec('true', [], { stdout: PIPE, stderr: PIPE });
      try {
        expect([a.stdout!.limit, a.stderr!.limit]).toEqual([1234, 1234]);
        expect([b.stdout!.limit, b.stderr!.limit]).toEqual([DEFAULT_LIMIT, DEFAULT_LIMIT]);
        await waitFor(gather([a.communicate(), b.communicate()]), BOUND);
      } finally {
        await reap(a);
        await reap(b);
      }
    }));

  it('a stdout line longer than the limit makes readline throw RangeError and is dropped; the next line reads', () =>
    run(async () => {
      const script = "process.stdout.write('x'.repeat(40) + '\\nok\\n')";
      const proc = await createSubprocessExec(NODE, ['-e', script], { stdout: PIPE, limit: 16 });
      try {
        const e = await errorOf(() => waitFor(proc.stdout!.readline(), BOUND));
        expect(e).toBeInstanceOf(RangeError);
        expect(str(await waitFor(proc.stdout!.readline(), BOUND))).toBe('ok\n');
        expect(str(await waitFor(proc.stdout!.readline(), BOUND))).toBe('');
        expect(await waitFor(proc.wait(), BOUND)).toBe(0);
      } finally {
        await reap(proc);
      }
    }));

  it('stdin.write + drain + close, then `for await` over stdout gives the lines in order', () =>
    run(async () => {
      const proc = await createSubprocessExec('cat', [], { stdin: PIPE, stdout: PIPE });
      try {
        proc.stdin!.write('one\ntwo\n');
        proc.stdin!.write('three');
        await waitFor(proc.stdin!.drain(), BOUND);
        proc.stdin!.close();
        const lines: string[] = [];
        for await (const line of proc.stdout!) lines.push(str(line));
        expect(lines).toEqual(['one\n', 'two\n', 'three']);
        expect(await waitFor(proc.wait(), BOUND)).toBe(0);
      } finally {
        await reap(proc);
      }
    }));
});

describe('Process[Symbol.asyncDispose]', () => {
  it('kills a running child and waits for it: returncode -9', () =>
    run(async () => {
      const proc = await createSubprocessExec('sleep', [LONG]);
      try {
        expect(proc.returncode).toBe(null);
        await waitFor(proc[Symbol.asyncDispose](), BOUND);
        expect(proc.returncode).toBe(-9);
        expect(alive(proc.pid)).toBe(false);
      } finally {
        await reap(proc);
      }
    }));

  it('`await using` kills the child when the block ends, also when the block throws', () =>
    run(async () => {
      let pid = 0;
      let kept: Process | undefined;
      const e = await errorOf(async () => {
        await using proc = await createSubprocessExec('sleep', [LONG]);
        pid = proc.pid;
        kept = proc;
        throw new Error('inside');
      });
      expect(e.message).toBe('inside');
      expect(kept!.returncode).toBe(-9);
      expect(alive(pid)).toBe(false);
    }));

  it('disposing a child that already finished keeps its exit code and throws nothing', () =>
    run(async () => {
      const proc = await createSubprocessShell('exit 9');
      expect(await waitFor(proc.wait(), BOUND)).toBe(9);
      await waitFor(proc[Symbol.asyncDispose](), BOUND);
      expect(proc.returncode).toBe(9);
    }));
});

describe('a child its program forgot', () => {
  it('is killed when its loop closes at the end of run()', async () => {
    let proc: Process | undefined;
    await run(async () => {
      proc = await createSubprocessExec('sleep', [LONG], { stdout: PIPE });
    });
    for (let i = 0; i < 500 && alive(proc!.pid) && proc!.returncode === null; i++) await new Promise((r) => setTimeout(r, 5));
    expect(proc!.returncode).toBe(-9);
  });

  it('has its pipes closed when its loop closes, though a grandchild still holds them open (Node could not exit)', async () => {
    let proc: Process | undefined;
    let grandchild = 0;
    try {
      await run(async () => {
        proc = await createSubprocessShell(`sleep ${LONG} & echo $!`, { stdout: PIPE });
        grandchild = Number(str(await waitFor(proc.stdout!.readline(), BOUND)).trim());
        // The shell exits; its child goes on, holding the pipe (wait() would wait for it to close).
        for (let i = 0; i < 400 && proc.returncode === null; i++) await sleep(5);
        expect(proc.returncode).toBe(0);
      });
      const stdout = (proc as unknown as { _child: { stdout: { destroyed: boolean } } })._child.stdout;
      expect(alive(grandchild)).toBe(true);
      expect(stdout.destroyed).toBe(true);
    } finally {
      if (grandchild > 0 && alive(grandchild)) process.kill(grandchild, 'SIGKILL');
    }
  });
});
