import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import type { Future } from '../future.js';
import { HandoverFuture } from '../internal/handover.js';
import { checkOpts, describe } from '../internal/validate.js';
import type { EventLoop } from '../loop/eventloop.js';
import { getRunningLoop } from '../loop/registry.js';
import { checkLimit } from '../streams/reader.js';
import { Process, type ProcessPipes } from './process.js';

/**
 * Connect the stream to a pipe that tulip reads or writes (asyncio's `subprocess.PIPE`).
 *
 * Cancellation: a value, not a call.
 *
 * @example
 * ```ts
 * const proc = await createSubprocessExec('cat', [], { stdin: PIPE, stdout: PIPE });
 * ```
 */
export const PIPE = 'pipe';
/**
 * Connect the stream to `/dev/null` (asyncio's `subprocess.DEVNULL`).
 *
 * Cancellation: a value, not a call.
 *
 * @example
 * ```ts
 * const proc = await createSubprocessExec('make', [], { stdout: DEVNULL, stderr: PIPE });
 * ```
 */
export const DEVNULL = 'devnull';
/**
 * For `stderr` only: send it where stdout goes (asyncio's `subprocess.STDOUT`).
 *
 * Cancellation: a value, not a call.
 *
 * @example
 * ```ts
 * const proc = await createSubprocessShell('make 2>&1', { stdout: PIPE }); // or, without a shell:
 * const same = await createSubprocessExec('make', [], { stdout: PIPE, stderr: STDOUT });
 * ```
 */
export const STDOUT = 'stdout';

/**
 * Where one of the child's standard streams goes: `PIPE`, `DEVNULL`, `'inherit'` (the parent's
 * own stream; the default, as asyncio's `None`) or an open file descriptor.
 */
export type Stdio = typeof PIPE | typeof DEVNULL | 'inherit' | number;

/** Options of `createSubprocessExec` and `createSubprocessShell`. */
export interface SubprocessOptions {
  /** The child's stdin (default `'inherit'`); `PIPE` gives `proc.stdin`. */
  stdin?: Stdio;
  /** The child's stdout (default `'inherit'`); `PIPE` gives `proc.stdout`. */
  stdout?: Stdio;
  /** The child's stderr (default `'inherit'`); `PIPE` gives `proc.stderr`; `STDOUT` merges it into stdout. */
  stderr?: Stdio | typeof STDOUT;
  /** The buffer limit of `proc.stdout` and `proc.stderr` in bytes (default `DEFAULT_LIMIT`, 64 KiB). */
  limit?: number;
  /** The child's working directory (default: the parent's). */
  cwd?: string | URL;
  /** The child's environment (default: the parent's `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Run the child in a new session (`setsid`), as Python's `start_new_session`. */
  startNewSession?: boolean;
  /** The child's user id. */
  uid?: number;
  /** The child's group id. */
  gid?: number;
}

const KNOWN = new Set(['stdin', 'stdout', 'stderr', 'limit', 'cwd', 'env', 'startNewSession', 'uid', 'gid']);
const TEXT_MODE = new Set(['text', 'encoding', 'errors', 'universalNewlines']);

/** One stdio option as Node's, checked. */
function stdioOf(op: string, name: string, v: unknown): 'pipe' | 'inherit' | 'ignore' | number {
  if (v === undefined || v === 'inherit') return 'inherit';
  if (v === PIPE) return 'pipe';
  if (v === DEVNULL) return 'ignore';
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  const also = name === 'stderr' ? ", STDOUT ('stdout')" : '';
  throw new TypeError(`${op}: ${name} must be PIPE ('pipe'), DEVNULL ('devnull'), 'inherit'${also} or a file descriptor, got ${describe(v)}`);
}

/** @internal A child's start: Node's stdio and spawn options, the pipes tulip reads, the readers' limit. */
export interface Plan {
  stdio: StdioOptions;
  pipes: ProcessPipes;
  limit: number;
  spawnOpts: { cwd?: string | URL; env?: NodeJS.ProcessEnv; detached?: boolean; uid?: number; gid?: number };
}

/** @internal The options checked and turned into Node's spawn options. */
export function plan(op: string, opts: SubprocessOptions | undefined): Plan {
  checkOpts(op, opts);
  const o = opts ?? {};
  for (const key of Object.keys(o)) {
    if (TEXT_MODE.has(key)) throw new TypeError(`${op}: ${key} is not supported: the streams carry bytes (decode the Buffers yourself)`);
    if (!KNOWN.has(key)) throw new TypeError(`${op}: unknown option '${key}' (expected ${[...KNOWN].join(', ')})`);
  }
  const stdin = stdioOf(op, 'stdin', o.stdin);
  const stdout = stdioOf(op, 'stdout', o.stdout);
  const merged = o.stderr === STDOUT;
  // stderr to stdout: the same pipe (read as one stream), /dev/null, or the same descriptor
  // (the parent's fd 1 when stdout is inherited).
  const stderr = merged ? (stdout === 'inherit' ? 1 : stdout) : stdioOf(op, 'stderr', o.stderr);
  const limit = checkLimit(op, o);
  const spawnOpts: Plan['spawnOpts'] = {};
  if (o.cwd !== undefined) {
    if (typeof o.cwd !== 'string' && !(o.cwd instanceof URL)) throw new TypeError(`${op}: cwd must be a string or a URL, got ${describe(o.cwd)}`);
    spawnOpts.cwd = o.cwd;
  }
  if (o.env !== undefined) {
    if (o.env === null || typeof o.env !== 'object') throw new TypeError(`${op}: env must be an object of strings, got ${describe(o.env)}`);
    spawnOpts.env = o.env;
  }
  if (o.startNewSession !== undefined) {
    if (typeof o.startNewSession !== 'boolean') throw new TypeError(`${op}: startNewSession must be a boolean, got ${describe(o.startNewSession)}`);
    spawnOpts.detached = o.startNewSession;
  }
  for (const id of ['uid', 'gid'] as const) {
    const v = o[id];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new TypeError(`${op}: ${id} must be an integer >= 0, got ${describe(v)}`);
    spawnOpts[id] = v;
  }
  const pipes = { stdin: stdin === 'pipe', stdout: stdout === 'pipe', stderr: stderr === 'pipe', merged: merged && stdout === 'pipe' };
  return { stdio: [stdin, stdout, stderr], pipes, limit, spawnOpts };
}

/**
 * @internal Starts `file args`; once the child runs, `settle(child, fut)` settles the future
 * (else the spawn error does). A call cancelled meanwhile kills the child.
 */
export function spawnChild<R>(
  loop: EventLoop,
  file: string,
  args: readonly string[],
  shell: boolean,
  p: Plan,
  settle: (child: ChildProcess, fut: Future<R>) => void,
): Future<R> {
  const fut = new HandoverFuture<R>(loop);
  let child: ChildProcess;
  try {
    child = spawn(file, args, { ...p.spawnOpts, stdio: p.stdio, shell, windowsHide: true });
  } catch (e) {
    fut.setException(e);
    return fut;
  }
  const drop = (): void => {
    child.kill('SIGKILL');
    for (const s of [child.stdin, child.stdout, child.stderr]) s?.destroy();
  };
  const onError = (e: Error): void => {
    if (!fut.done() && !loop.isClosed()) fut.setException(e);
  };
  child.once('error', onError);
  child.once('spawn', () => {
    child.removeListener('error', onError);
    if (fut.done() || loop.isClosed()) {
      drop(); // cancelled (or its loop ended) while starting
      return;
    }
    try {
      settle(child, fut);
    } catch (e) {
      drop();
      fut.setException(e);
    }
  });
  fut.addDoneCallback((f) => {
    if (f.cancelled() && child.pid !== undefined) drop();
  });
  return fut;
}

/** @internal The program and its arguments, checked. */
export function checkProgram(op: string, program: unknown, args: unknown): void {
  if (typeof program !== 'string' || program === '') throw new TypeError(`${op}: program must be a non-empty string, got ${describe(program)}`);
  if (!Array.isArray(args)) throw new TypeError(`${op}: args must be an array of strings, got ${describe(args)}`);
  args.forEach((a, i) => {
    if (typeof a !== 'string') throw new TypeError(`${op}: args[${i}] must be a string, got ${describe(a)}`);
  });
}

/** @internal The shell command, checked. */
export function checkCommand(op: string, cmd: unknown): void {
  if (typeof cmd !== 'string' || cmd === '') throw new TypeError(`${op}: cmd must be a non-empty string, got ${describe(cmd)}`);
}

/** A `Process` for the child, once it runs. */
function startProcess(file: string, args: readonly string[], shell: boolean, p: Plan): Future<Process> {
  const loop = getRunningLoop();
  return spawnChild(loop, file, args, shell, p, (child, fut) => fut.setResult(new Process(loop, child, p.pipes, p.limit)));
}

/**
 * Runs `program` with `args`, no shell in between (asyncio's `create_subprocess_exec`), and
 * returns its `Process` once it runs. `program` is looked up in `PATH`; a missing one rejects
 * with Node's `ENOENT` error. Each of stdin, stdout and stderr is inherited unless the options
 * say `PIPE`, `DEVNULL`, a file descriptor, or (stderr) `STDOUT`.
 *
 * With `stderr: STDOUT` and `stdout: PIPE`, `proc.stdout` reads both, but from two pipes, in the
 * order their bytes arrive: unlike a shared descriptor, output written to both at nearly the same
 * moment may come out in either order.
 *
 * Cancellation: a checkpoint until the child runs; a cancelled call kills the child.
 *
 * @example
 * ```ts
 * const proc = await createSubprocessExec('git', ['rev-parse', 'HEAD'], { stdout: PIPE });
 * const [out] = await proc.communicate();
 * console.log(out!.toString().trim(), await proc.wait());
 * ```
 */
export function createSubprocessExec(program: string, args: readonly string[] = [], opts?: SubprocessOptions): Future<Process> {
  const op = 'createSubprocessExec';
  checkProgram(op, program, args);
  return startProcess(program, args, false, plan(op, opts));
}

/**
 * Runs `cmd` through the shell, `/bin/sh -c cmd` (asyncio's `create_subprocess_shell`), and
 * returns its `Process` once the shell runs. Quote what you interpolate: the shell interprets
 * every character of `cmd`. A command the shell cannot find is exit status 127, not an error.
 *
 * Cancellation: a checkpoint until the shell runs; a cancelled call kills it.
 *
 * @example
 * ```ts
 * const proc = await createSubprocessShell('ls *.ts | wc -l', { stdout: PIPE });
 * const [out] = await proc.communicate();
 * ```
 */
export function createSubprocessShell(cmd: string, opts?: SubprocessOptions): Future<Process> {
  const op = 'createSubprocessShell';
  checkCommand(op, cmd);
  return startProcess(cmd, [], true, plan(op, opts));
}
