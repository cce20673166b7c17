// Unit tests of src/subprocess/create.ts: every bad-input path of createSubprocessExec and
// createSubprocessShell (a synchronous TypeError or RangeError whose message names the argument,
// what was expected and what came; no child starts and the loop stays usable), start failures
// (ENOENT, a NUL byte, a missing shell command's 127), cancellation while the child starts (the
// child is killed before it can act), and the options that reach the child (cwd, env,
// startNewSession, uid/gid). Every child is killed in a finally; every wait is bounded.
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  DEVNULL,
  PIPE,
  Process,
  STDOUT,
  createSubprocessExec,
  createSubprocessShell,
  createTask,
  getRunningLoop,
  run,
  sleep,
  waitFor,
  type SubprocessOptions,
} from 'tulip';
import { assertCancelled, errorOf, recordExceptions, rejection, syncError } from '../support.js';
import { NODE, BOUND, str, reap } from './helpers.js';

/** Runs `args` (stdout piped) and returns its stdout once it exited with 0. */
async function output(program: string, args: string[], opts: SubprocessOptions = {}): Promise<string> {
  const proc = await createSubprocessExec(program, args, { stdout: PIPE, ...opts });
  try {
    const [out] = await waitFor(proc.communicate(), BOUND);
    expect(proc.returncode).toBe(0);
    return str(out);
  } finally {
    await reap(proc);
  }
}

/** A fresh temporary directory, removed by `done()`. */
function tempDir(): { dir: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'tulip-spc-'));
  return { dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A node -e script that writes `file` 300 ms after it starts (unless it is killed first). */
const writeLater = (file: string): string[] => ['-e', `setTimeout(() => require('fs').writeFileSync(${JSON.stringify(file)}, 'x'), 300)`];

/** Asserts `fn` throws TypeError (or `type`) at once with a message matching every pattern. */
function throwsNaming(fn: () => unknown, patterns: RegExp[], type: new (...a: never[]) => Error = TypeError): void {
  const e = syncError(fn);
  expect(e, String(patterns[0])).toBeInstanceOf(type);
  for (const p of patterns) expect(e.message).toMatch(p);
}

const exec = createSubprocessExec as (...a: unknown[]) => unknown;
const shell = createSubprocessShell as (...a: unknown[]) => unknown;

describe('createSubprocessExec: argument checks (synchronous, naming the argument)', () => {
  it('a program that is not a non-empty string throws TypeError saying what came', () => {
    const cases: [unknown, RegExp][] = [
      ['', /got ""$/],
      [42, /got 42$/],
      [null, /got null$/],
      [undefined, /got undefined$/],
      [['ls'], /got an array of 1$/],
      [new URL('file:///bin/true'), /got an? URL object$/],
    ];
    for (const [program, got] of cases) {
      throwsNaming(() => exec(program), [/^createSubprocessExec: program must be a non-empty string, /, got]);
    }
  });

  it('args that are not an array of strings throw TypeError naming args or the item', () => {
    throwsNaming(() => exec('true', 'x'), [/^createSubprocessExec: args must be an array of strings, got "x"$/]);
    throwsNaming(() => exec('true', null), [/args must be an array of strings, got null$/]);
    throwsNaming(() => exec('true', { length: 0 }), [/args must be an array of strings, got an object$/]);
    throwsNaming(() => exec('true', ['a', 1]), [/^createSubprocessExec: args\[1\] must be a string, got 1$/]);
    throwsNaming(() => exec('true', [null]), [/args\[0\] must be a string, got null$/]);
    throwsNaming(() => exec('true', ['-c', new URL('file:///tmp')]), [/args\[1\] must be a string, got an? URL object$/]);
  });

  it('opts that are not an object throw TypeError naming opts', () => {
    for (const opts of [null, 'x', 5, true]) {
      throwsNaming(() => exec('true', [], opts), [/^createSubprocessExec: opts must be an object, got /]);
    }
  });

  it('an unknown option throws TypeError naming it and listing the known ones', () => {
    for (const key of ['stdio', 'shell', 'detached', 'close_fds', 'Stdin']) {
      throwsNaming(
        () => exec('true', [], { [key]: 1 }),
        [new RegExp(`^createSubprocessExec: unknown option '${key}' \\(expected stdin, stdout, stderr, limit, cwd, env, startNewSession, uid, gid\\)$`)],
      );
    }
  });

  it('text, encoding, errors and universalNewlines throw TypeError: the streams carry bytes', () => {
    for (const key of ['text', 'encoding', 'errors', 'universalNewlines']) {
      throwsNaming(() => exec('true', [], { [key]: key === 'text' ? true : 'utf-8' }), [
        new RegExp(`^createSubprocessExec: ${key} is not supported: the streams carry bytes`),
      ]);
    }
  });

  it('a bad stdin, stdout or stderr throws TypeError naming the stream, the choices and what came', () => {
    const bad: [unknown, RegExp][] = [
      ['PIPE', /got "PIPE"$/],
      ['ignore', /got "ignore"$/],
      [-1, /got -1$/],
      [1.5, /got 1\.5$/],
      [null, /got null$/],
      [true, /got true$/],
    ];
    for (const name of ['stdin', 'stdout', 'stderr']) {
      const also = name === 'stderr' ? ", STDOUT \\('stdout'\\)" : '';
      for (const [v, got] of bad) {
        throwsNaming(() => exec('true', [], { [name]: v }), [
          new RegExp(`^createSubprocessExec: ${name} must be PIPE \\('pipe'\\), DEVNULL \\('devnull'\\), 'inherit'${also} or a file descriptor, `),
          got,
        ]);
      }
    }
    // STDOUT is a choice for stderr only.
    throwsNaming(() => exec('true', [], { stdin: STDOUT }), [/stdin must be .* got "stdout"$/]);
    throwsNaming(() => exec('true', [], { stdout: STDOUT }), [/stdout must be .* got "stdout"$/]);
  });

  it('a limit that is not a positive integer throws (RangeError for <= 0, TypeError otherwise) naming the limit', () => {
    for (const limit of [0, -1]) throwsNaming(() => exec('true', [], { limit }), [/^createSubprocessExec: limit must be > 0 \(bytes\), got -?\d+$/], RangeError);
    for (const limit of [1.5, NaN, Infinity, '10', null]) {
      throwsNaming(() => exec('true', [], { limit }), [/^createSubprocessExec: limit must be a positive integer \(bytes\), got /]);
    }
  });

  it('bad cwd, env, startNewSession, uid and gid throw TypeError naming the option and what came', () => {
    throwsNaming(() => exec('true', [], { cwd: 42 }), [/^createSubprocessExec: cwd must be a string or a URL, got 42$/]);
    throwsNaming(() => exec('true', [], { cwd: null }), [/cwd must be a string or a URL, got null$/]);
    throwsNaming(() => exec('true', [], { env: null }), [/^createSubprocessExec: env must be an object of strings, got null$/]);
    throwsNaming(() => exec('true', [], { env: 'A=1' }), [/env must be an object of strings, got "A=1"$/]);
    throwsNaming(() => exec('true', [], { startNewSession: 'yes' }), [/^createSubprocessExec: startNewSession must be a boolean, got "yes"$/]);
    throwsNaming(() => exec('true', [], { startNewSession: 1 }), [/startNewSession must be a boolean, got 1$/]);
    for (const id of ['uid', 'gid']) {
      for (const [v, got] of [[-1, '-1'], [1.5, '1.5'], ['0', '"0"']] as const) {
        throwsNaming(() => exec('true', [], { [id]: v }), [new RegExp(`^createSubprocessExec: ${id} must be an integer >= 0, got ${got}$`)]);
      }
    }
  });

  it('after each bad call no child started and the loop stays usable: a good call then runs', () =>
    run(async () => {
      const seen = recordExceptions();
      const calls = [() => exec(''), () => exec('true', 'x'), () => exec('true', [], { stdin: 'x' }), () => exec('true', [], { limit: 0 }), () => shell('')];
      for (const call of calls) expect(syncError(call)).toBeInstanceOf(Error);
      await sleep(0);
      const proc = await waitFor(createSubprocessExec('true'), BOUND);
      expect(await waitFor(proc.wait(), BOUND)).toBe(0);
      expect(seen).toEqual([]);
    }));
});

describe('createSubprocessShell: argument checks', () => {
  it('a cmd that is not a non-empty string throws TypeError naming cmd', () => {
    for (const [cmd, got] of [['', '""'], [5, '5'], [null, 'null'], [['ls'], 'an array of 1']] as const) {
      throwsNaming(() => shell(cmd), [new RegExp(`^createSubprocessShell: cmd must be a non-empty string, got ${got.replace(/[[\]]/g, '\\$&')}$`)]);
    }
  });

  it('the options are checked as for exec, under the name createSubprocessShell', () => {
    throwsNaming(() => shell('true', null), [/^createSubprocessShell: opts must be an object, got null$/]);
    throwsNaming(() => shell('true', { shell: '/bin/bash' }), [/^createSubprocessShell: unknown option 'shell'/]);
    throwsNaming(() => shell('true', { encoding: 'utf-8' }), [/^createSubprocessShell: encoding is not supported/]);
    throwsNaming(() => shell('true', { stderr: 'out' }), [/^createSubprocessShell: stderr must be PIPE .*STDOUT \('stdout'\).* got "out"$/]);
    throwsNaming(() => shell('true', { limit: -5 }), [/^createSubprocessShell: limit must be > 0/], RangeError);
  });
});

describe('start failures', () => {
  it("a program that does not exist rejects with Node's ENOENT error, by name or by path", () =>
    run(async () => {
      for (const program of ['tulip-no-such-program-xyz', '/nonexistent/dir/prog']) {
        const e = (await rejection(createSubprocessExec(program))) as NodeJS.ErrnoException;
        expect(e.code, program).toBe('ENOENT');
        expect(e.message).toContain(program);
      }
    }));

  it('a missing program with every stream piped rejects with ENOENT and reports nothing', () =>
    run(async () => {
      const seen = recordExceptions();
      const f = createSubprocessExec('tulip-no-such-program-xyz', ['a'], { stdin: PIPE, stdout: PIPE, stderr: PIPE });
      expect(((await rejection(f)) as NodeJS.ErrnoException).code).toBe('ENOENT');
      await sleep(10);
      expect(seen).toEqual([]);
    }));

  it('a cwd that does not exist rejects with ENOENT', () =>
    run(async () => {
      const e = (await rejection(createSubprocessExec('true', [], { cwd: '/nonexistent-tulip-dir' }))) as NodeJS.ErrnoException;
      expect(e.code).toBe('ENOENT');
    }));

  it("an argument with a NUL byte rejects with Node's TypeError (ERR_INVALID_ARG_VALUE) rather than throwing", () =>
    run(async () => {
      let f: unknown;
      expect(() => (f = createSubprocessExec('true', ['a\0b']))).not.toThrow();
      const e = (await rejection(f as PromiseLike<unknown>)) as NodeJS.ErrnoException;
      expect(e).toBeInstanceOf(TypeError);
      expect(e.code).toBe('ERR_INVALID_ARG_VALUE');
    }));

  it('a command the shell cannot find is exit status 127, not an error', () =>
    run(async () => {
      const proc = await createSubprocessShell('tulip-no-such-command-xyz', { stderr: PIPE });
      try {
        const [, err] = await waitFor(proc.communicate(), BOUND);
        expect(proc.returncode).toBe(127);
        expect(str(err)).toMatch(/tulip-no-such-command-xyz/);
      } finally {
        await reap(proc);
      }
    }));
});

describe('cancellation while the child starts', () => {
  /**
   * Starts two children that each write a file 300 ms in: `cancel` cancels the start of the
   * first; the second runs as a control. Once the control has written its file and exited (and a
   * margin has passed), the first file must not exist: the cancelled start killed its child.
   */
  async function checkKilled(start: (file: string) => Promise<void>, control: (file: string) => Promise<Process>): Promise<void> {
    const { dir, done } = tempDir();
    const victim = join(dir, 'cancelled');
    const witness = join(dir, 'control');
    let ctl: Process | undefined;
    try {
      await start(victim);
      ctl = await control(witness);
      expect(await waitFor(ctl.wait(), BOUND)).toBe(0);
      await sleep(200);
      expect(existsSync(witness)).toBe(true);
      expect(existsSync(victim)).toBe(false);
    } finally {
      await reap(ctl);
      done();
    }
  }

  it('cancelling the future at once ends it cancelled and kills the child before it can act', () =>
    run(() =>
      checkKilled(
        async (file) => {
          const f = createSubprocessExec(NODE, writeLater(file));
          expect(f.cancel()).toBe(true);
          assertCancelled(await rejection(f));
        },
        (file) => createSubprocessExec(NODE, writeLater(file)),
      ),
    ));

  it('cancelling the task that awaits createSubprocessExec one pass in (callSoon(task.cancel)) kills the child', () =>
    run(() =>
      checkKilled(
        async (file) => {
          const t = createTask(function* () {
            return yield* createSubprocessExec(NODE, writeLater(file));
          });
          getRunningLoop().callSoon(() => t.cancel());
          const got = await errorOf(() => t).catch((): undefined => undefined);
          if (got === undefined) {
            // The start won the race: the task has the Process, and killing it is up to us.
            await reap(t.result());
            throw new Error('the task was not cancelled: pick another moment for this check');
          }
          assertCancelled(got);
        },
        (file) => createSubprocessExec(NODE, writeLater(file)),
      ),
    ));

  it('a cancelled createSubprocessShell kills the shell before it runs its next command', () =>
    run(() =>
      checkKilled(
        async (file) => {
          const f = createSubprocessShell(`sleep 0.3; echo x > '${file}'`);
          f.cancel();
          assertCancelled(await rejection(f));
        },
        (file) => createSubprocessShell(`sleep 0.3; echo x > '${file}'`),
      ),
    ));
});

describe('the options reach the child', () => {
  it('cwd, as a path or a file: URL, is the working directory of the child', () =>
    run(async () => {
      const { dir, done } = tempDir();
      try {
        const real = realpathSync(dir);
        const script = ['-e', 'process.stdout.write(process.cwd())'];
        expect(await output(NODE, script, { cwd: dir })).toBe(real);
        expect(await output(NODE, script, { cwd: pathToFileURL(dir) })).toBe(real);
      } finally {
        done();
      }
    }));

  it('env replaces the environment: the child sees what is given and nothing else', () =>
    run(async () => {
      const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', TULIP_A: 'one two' };
      expect(await output('/bin/sh', ['-c', 'printf "%s|%s" "$TULIP_A" "${HOME-unset}"'], { env })).toBe('one two|unset');
      const exe = await createSubprocessShell('printf %s "$TULIP_B"', { env: { ...process.env, TULIP_B: 'bar' }, stdout: PIPE });
      try {
        expect(str((await waitFor(exe.communicate(), BOUND))[0])).toBe('bar');
      } finally {
        await reap(exe);
      }
    }));

  it("without env the child gets the parent's process.env at the time of the call", () =>
    run(async () => {
      process.env.TULIP_SPAWN_PROBE = 'from-parent';
      try {
        expect(await output('/bin/sh', ['-c', 'printf %s "$TULIP_SPAWN_PROBE"'])).toBe('from-parent');
      } finally {
        delete process.env.TULIP_SPAWN_PROBE;
      }
    }));

  const sessionOf = (stat: string): string => stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]!;
  it.skipIf(!existsSync('/proc/self/stat'))('startNewSession: true makes the child a session leader; otherwise it shares our session', () =>
    run(async () => {
      const script = ['-e', "const s = require('fs').readFileSync('/proc/self/stat', 'utf8'); process.stdout.write(process.pid + ' ' + s.slice(s.lastIndexOf(')') + 2).split(' ')[3])"];
      const ours = sessionOf(readFileSync('/proc/self/stat', 'utf8'));
      const [pidNew, sidNew] = (await output(NODE, script, { startNewSession: true })).split(' ');
      expect(sidNew).toBe(pidNew);
      const [pidOld, sidOld] = (await output(NODE, script, { startNewSession: false })).split(' ');
      expect(sidOld).toBe(ours);
      expect(sidOld).not.toBe(pidOld);
      expect((await output(NODE, script)).split(' ')[1]).toBe(ours);
    }));

  it.skipIf(typeof process.getuid !== 'function')('uid and gid (our own) reach the child', () =>
    run(async () => {
      const uid = process.getuid!();
      const gid = process.getgid!();
      expect(await output('/bin/sh', ['-c', 'id -u; id -g'], { uid, gid })).toBe(`${uid}\n${gid}\n`);
    }));

  it('PIPE, DEVNULL and STDOUT are the strings the options take', () => {
    expect([PIPE, DEVNULL, STDOUT]).toEqual(['pipe', 'devnull', 'stdout']);
  });

  it("'inherit' and undefined leave the parent's streams: no pipe on the Process", () =>
    run(async () => {
      const proc = await createSubprocessExec('true', [], { stdin: 'inherit', stdout: undefined, stderr: 'inherit' });
      try {
        expect([proc.stdin, proc.stdout, proc.stderr]).toEqual([null, null, null]);
        expect(await waitFor(proc.wait(), BOUND)).toBe(0);
      } finally {
        await reap(proc);
      }
    }));

  it('the returned future is done with the Process once the child runs (its pid is live)', () =>
    run(async () => {
      const f = createSubprocessExec('sleep', ['3']);
      expect(f.done()).toBe(false);
      const proc = await waitFor(f, BOUND);
      try {
        expect(f.result()).toBe(proc);
        expect(() => process.kill(proc.pid, 0)).not.toThrow();
      } finally {
        await reap(proc);
      }
    }));
});
