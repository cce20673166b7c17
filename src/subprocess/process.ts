import type { ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { constants } from 'node:os';
import { ConnectionResetError, ProcessLookupError } from '../errors.js';
import type { Future } from '../future.js';
import { describe } from '../internal/validate.js';
import type { EventLoop } from '../loop/eventloop.js';
import { gather } from '../combinators.js';
import { createTask } from '../tasks.js';
import type { Task } from '../task.js';
import { pipeReader, pipeWriter } from '../streams/wiring.js';
import { toBytes, type BytesLike, type StreamReader } from '../streams/reader.js';
import type { StreamWriter } from '../streams/writer.js';

/** A signal by name (`'SIGTERM'`) or number (`15`). */
export type SignalLike = NodeJS.Signals | number;

/** Which of the child's pipes the parent reads: none, stdout, stderr, or both into one reader. */
export interface ProcessPipes {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  /** stderr goes to the stdout reader (`stderr: STDOUT` with `stdout: PIPE`). */
  merged: boolean;
}

/** @internal The exit status as asyncio reports it: the exit code, or minus the signal's number. */
export function returnCode(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  const n = signal === null ? undefined : constants.signals[signal];
  return n === undefined ? -1 : -n;
}

/** Errors of a write to a child's stdin that only mean "the child stopped reading". */
function isBrokenPipe(e: unknown): boolean {
  if (e instanceof ConnectionResetError) return true;
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'EPIPE' || code === 'ECONNRESET';
}

const SIGNAL_NUMBERS = new Set<number>(Object.values(constants.signals));

/** @internal `sig` checked: a known signal name, a known signal number, or 0 (checks that the child exists). */
export function checkSignal(op: string, sig: unknown): SignalLike {
  if (typeof sig === 'string' && Object.hasOwn(constants.signals, sig)) return sig as NodeJS.Signals;
  if (typeof sig === 'number' && (sig === 0 || SIGNAL_NUMBERS.has(sig))) return sig;
  throw new TypeError(`${op}: signal must be a signal name such as 'SIGTERM' or a signal number of this system, got ${describe(sig)}`);
}

/**
 * A child process started by `createSubprocessExec` or `createSubprocessShell` (asyncio's
 * `Process`): its pid, its pipes as streams — `stdin` a `StreamWriter`, `stdout` and `stderr`
 * `StreamReader`s, each null unless opened with `PIPE` — and its exit status.
 *
 * `returncode` is null while the process runs, then its exit code, or minus the number of the
 * signal that ended it (`-9` after `kill()`). `wait()` waits for the exit and for the end of the
 * stdout and stderr pipes. Reading is up to you: a child that fills a pipe nobody reads blocks,
 * so read its output, or use `communicate()`, which feeds stdin and reads both to their end.
 *
 * A child still running when its loop closes (at the end of `run()`) is killed, as asyncio's
 * transport does when it is closed, so that it cannot keep Node's process alive. To end it
 * earlier, kill it, or start it with `await using proc = …`, which kills it at the end of the
 * block if it still runs.
 *
 * Cancellation: `wait()` and `communicate()` are checkpoints; cancelling them leaves the child
 * running.
 *
 * @example
 * ```ts
 * const proc = await createSubprocessExec('ls', ['-l'], { stdout: PIPE });
 * for await (const line of proc.stdout!) console.log(line.toString().trimEnd());
 * console.log('exit', await proc.wait());
 * ```
 */
export class Process {
  /** The child's process id. */
  readonly pid: number;
  /** The child's stdin as a writer (with `stdin: PIPE`), else null. */
  readonly stdin: StreamWriter | null;
  /** The child's stdout as a reader (with `stdout: PIPE`), else null; with `stderr: STDOUT` it carries both. */
  readonly stdout: StreamReader | null;
  /** The child's stderr as a reader (with `stderr: PIPE`), else null. */
  readonly stderr: StreamReader | null;
  private readonly _loop: EventLoop;
  private readonly _child: ChildProcess;
  private _returncode: number | null = null;
  /** Exited and its output pipes closed (asyncio: the transport is closed). */
  private _finished = false;
  private readonly _waiters = new Set<Future<number>>();

  /** @internal Made by `createSubprocessExec` and `createSubprocessShell` once the child runs. */
  constructor(loop: EventLoop, child: ChildProcess, pipes: ProcessPipes, limit: number) {
    this._loop = loop;
    this._child = child;
    this.pid = child.pid!;
    this.stdin = pipes.stdin ? pipeWriter(child.stdin as Socket) : null;
    const out = pipes.stdout ? [child.stdout as Socket] : [];
    if (pipes.merged) out.push(child.stderr as Socket);
    this.stdout = out.length > 0 ? pipeReader(out, limit) : null;
    this.stderr = pipes.stderr && !pipes.merged ? pipeReader([child.stderr as Socket], limit) : null;
    // After the start, Node reports only failures to signal the child here: the loop's handler gets them.
    child.on('error', (e) => {
      if (!this._loop.isClosed()) this._loop.callExceptionHandler({ message: `${this}: child process error`, exception: e });
    });
    child.on('exit', (code, signal) => {
      if (this._returncode === null) this._returncode = returnCode(code, signal);
    });
    // A child still running when its loop closes is killed (asyncio's transport.close()), and its
    // pipes are closed: a pipe a grandchild still holds open would keep Node's process alive.
    const forget = loop._endAtClose(() => {
      if (this._returncode === null) this._child.kill('SIGKILL');
      for (const pipe of [child.stdin, child.stdout, child.stderr]) pipe?.destroy();
    });
    child.on('close', (code, signal) => {
      forget();
      if (this._returncode === null) this._returncode = returnCode(code, signal);
      this._finished = true;
      if (this._loop.isClosed()) return;
      for (const w of this._waiters) if (!w.done()) w.setResult(this._returncode);
      this._waiters.clear();
    });
  }

  /** Null while the child runs; then its exit code, or minus the signal number that ended it. */
  get returncode(): number | null {
    return this._returncode;
  }

  /**
   * Waits until the child has exited and its stdout and stderr pipes have closed, and returns its
   * `returncode` (as asyncio: a call made once the exit is known returns at once).
   *
   * Cancellation: a checkpoint; a cancelled wait leaves the child running and changes nothing.
   *
   * @example
   * ```ts
   * const code = await proc.wait();
   * if (code !== 0) throw new Error(`exited with ${code}`);
   * ```
   */
  wait(): Future<number> {
    const fut = this._loop.createFuture<number>();
    if (this._returncode !== null) {
      fut.setResult(this._returncode);
      return fut;
    }
    this._waiters.add(fut);
    fut.addDoneCallback((f) => this._waiters.delete(f));
    return fut;
  }

  /**
   * Sends `signal` to the child (a name such as `'SIGHUP'`, or a number). Does nothing if the
   * child has exited but its pipes are still open; throws `ProcessLookupError` once it finished.
   *
   * Cancellation: not a checkpoint.
   *
   * @example
   * ```ts
   * proc.sendSignal('SIGINT');
   * await proc.wait(); // -2 unless the child handles SIGINT
   * ```
   */
  sendSignal(signal: SignalLike): void {
    this._signal('sendSignal', checkSignal('Process.sendSignal', signal));
  }

  /**
   * Asks the child to stop: `SIGTERM`. Throws `ProcessLookupError` once it finished.
   *
   * Cancellation: not a checkpoint.
   *
   * @example
   * ```ts
   * proc.terminate();
   * await proc.wait(); // -15
   * ```
   */
  terminate(): void {
    this._signal('terminate', 'SIGTERM');
  }

  /**
   * Kills the child: `SIGKILL`. Throws `ProcessLookupError` once it finished.
   *
   * Cancellation: not a checkpoint.
   *
   * @example
   * ```ts
   * proc.kill();
   * await proc.wait(); // -9
   * ```
   */
  kill(): void {
    this._signal('kill', 'SIGKILL');
  }

  private _signal(op: string, signal: SignalLike): void {
    if (this._finished) throw new ProcessLookupError(`Process.${op}: ${this} has finished (returncode ${this._returncode})`);
    if (this._returncode !== null) return;
    this._child.kill(signal);
  }

  /**
   * Writes `input` (if any) to the child's stdin and closes it, reads stdout and stderr to their
   * end, waits for the child to exit, and returns `[stdout, stderr]` — each a Buffer, or null for
   * a stream that is not a pipe. A child that stops reading stdin early is not an error.
   *
   * Cancellation: a checkpoint; a cancelled call leaves the child running, the bytes read so far
   * stay in the readers, and stdin may be partly written.
   *
   * @example
   * ```ts
   * const proc = await createSubprocessExec('sort', [], { stdin: PIPE, stdout: PIPE });
   * const [out] = await proc.communicate('b\na\n');
   * console.log(out!.toString()); // 'a\nb\n'
   * ```
   */
  communicate(input?: BytesLike): Task<[Buffer | null, Buffer | null]> {
    const data = input === undefined ? undefined : toBytes('Process.communicate', 'input', input);
    if (data !== undefined && this.stdin === null) {
      throw new TypeError(`Process.communicate: input given but ${this} has no stdin pipe (open it with stdin: PIPE)`);
    }
    return createTask(this._communicate(data), { name: `communicate ${this.pid}` });
  }

  private *_communicate(input: Buffer | undefined): Generator<unknown, [Buffer | null, Buffer | null], unknown> {
    const stdin = this.stdin === null ? this._none() : createTask(this._feedStdin(this.stdin, input));
    const out = this.stdout === null ? this._none() : this.stdout.read();
    const err = this.stderr === null ? this._none() : this.stderr.read();
    const [, o, e] = yield* gather([stdin, out, err]);
    yield* this.wait();
    return [o, e];
  }

  private _none(): Future<null> {
    const f = this._loop.createFuture<null>();
    f.setResult(null);
    return f;
  }

  private *_feedStdin(stdin: StreamWriter, input: Buffer | undefined): Generator<unknown, void, unknown> {
    try {
      if (input !== undefined) stdin.write(input);
      yield* stdin.drain();
    } catch (e) {
      if (!isBrokenPipe(e)) throw e;
    }
    stdin.close();
  }

  /** `await using proc = await createSubprocessExec(…)`: kills the child if it still runs, then waits for it. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this._returncode === null) this._child.kill('SIGKILL');
    await this.wait();
  }

  /** asyncio's repr, `<Process 1234>`, with ` returncode=0` once it exited. */
  toString(): string {
    return `<Process ${this.pid}${this._returncode === null ? '' : ` returncode=${this._returncode}`}>`;
  }
}
