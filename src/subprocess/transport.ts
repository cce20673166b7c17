/**
 * asyncio's subprocess transports and protocols (`loop.subprocess_exec`, `loop.subprocess_shell`):
 * a child process whose pipes and exit are calls of a `SubprocessProtocol`'s methods.
 */
import type { ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { ProcessLookupError } from '../errors.js';
import type { Future } from '../future.js';
import type { EventLoop } from '../loop/eventloop.js';
import { BaseProtocol, type BaseProtocolLike, type ProtocolLike } from '../streams/protocols.js';
import { BaseTransport, checkFactory, makeProtocol } from '../streams/basetransport.js';
import { READ_PIPE, Transport, WRITE_PIPE } from '../streams/transport.js';
import { PIPE, checkCommand, checkProgram, plan, spawnChild, type SubprocessOptions } from './create.js';
import { checkSignal, returnCode, type ProcessPipes, type SignalLike } from './process.js';

/** Options of `loop.subprocessExec` and `loop.subprocessShell`: those of `createSubprocessExec` but `limit`. */
export type SubprocessTransportOptions = Omit<SubprocessOptions, 'limit'>;

/** What a subprocess protocol may implement (asyncio's `SubprocessProtocol`). */
export interface SubprocessProtocolLike extends BaseProtocolLike<SubprocessTransport> {
  /** The child wrote `data` to its stdout (`fd` 1) or stderr (`fd` 2). */
  pipeDataReceived?(fd: number, data: Buffer): void;
  /** The pipe of `fd` (0 stdin, 1 stdout, 2 stderr) closed, with `exc` or normally. */
  pipeConnectionLost?(fd: number, exc: Error | undefined): void;
  /** The child exited (see `transport.getReturncode()`). */
  processExited?(): void;
}

/**
 * A subprocess protocol (asyncio's `SubprocessProtocol`) with do-nothing methods, to subclass.
 * The calls come in this order: `connectionMade(transport)`, then `pipeDataReceived(fd, data)`
 * as the child writes, `pipeConnectionLost(fd, exc)` as each pipe closes and `processExited()`
 * at its exit (these two in either order), and `connectionLost(undefined)` once the child has
 * exited and every pipe has closed.
 *
 * Cancellation: protocol methods are plain callbacks, never checkpoints.
 *
 * @example
 * ```ts
 * class Collect extends SubprocessProtocol {
 *   out = ''; done = getRunningLoop().createFuture<void>();
 *   override pipeDataReceived(fd: number, d: Buffer) { if (fd === 1) this.out += d; }
 *   override connectionLost() { this.done.setResult(undefined); }
 * }
 * const [t, p] = await loop.subprocessExec(() => new Collect(), 'ls', [], { stdout: PIPE });
 * await p.done;
 * ```
 */
export class SubprocessProtocol extends BaseProtocol implements SubprocessProtocolLike {
  /** The child runs, as `transport`. Does nothing here. */
  override connectionMade(_transport: SubprocessTransport): void {}
  /** The child wrote `data` to `fd` (1 or 2). Does nothing here. */
  pipeDataReceived(_fd: number, _data: Buffer): void {}
  /** The pipe of `fd` closed. Does nothing here. */
  pipeConnectionLost(_fd: number, _exc: Error | undefined): void {}
  /** The child exited. Does nothing here. */
  processExited(): void {}
}

/**
 * A running child process and its pipes (asyncio's `SubprocessTransport`), made by
 * `loop.subprocessExec` and `loop.subprocessShell`: its pid, its return code once it exited, the
 * transport of each pipe (`getPipeTransport(0)` writes to its stdin), signals, and `close()`,
 * which closes the pipes and kills the child if it still runs. A child still running when its
 * loop closes is killed.
 *
 * Cancellation: no method waits; none is a checkpoint.
 *
 * @example
 * ```ts
 * const [t, p] = await loop.subprocessExec(() => new Collect(), 'cat', [], { stdin: PIPE, stdout: PIPE });
 * const stdin = t.getPipeTransport(0)!;
 * stdin.write('hello'); stdin.close();
 * await p.done; // 'hello' came back on fd 1
 * ```
 */
export class SubprocessTransport extends BaseTransport {
  /** @internal */ declare _protocol: SubprocessProtocolLike;
  private readonly _child: ChildProcess;
  /** The pipe transports by fd (stderr merged into stdout has none of its own). */
  private readonly _pipes = new Map<number, Transport>();
  /** The pipes still open, by the fd they report as (stdout counts two when stderr is merged). */
  private readonly _open = new Map<number, number>();
  private _returncode: number | null = null;
  /** `connectionLost` has been called: the child is gone for good. */
  private _done = false;
  /** Drops the loop-close hook that kills a child still running (see `_endAtClose`). */
  private readonly _forgetRelease: () => void;

  /** @internal Made once the child runs: `connectionMade` comes in the next loop pass. */
  constructor(loop: EventLoop, child: ChildProcess, protocol: SubprocessProtocolLike, pipes: ProcessPipes) {
    super(loop, protocol);
    this._child = child;
    loop.callSoon(() => this._protocol.connectionMade?.(this));
    if (pipes.stdin) this._connectPipe(0, child.stdin as Socket, WRITE_PIPE);
    if (pipes.stdout) this._connectPipe(1, child.stdout as Socket, READ_PIPE);
    if (pipes.merged) this._connectPipe(1, child.stderr as Socket, READ_PIPE);
    else if (pipes.stderr) this._connectPipe(2, child.stderr as Socket, READ_PIPE);
    child.on('error', (e) => {
      if (!loop.isClosed()) loop.callExceptionHandler({ message: `${this}: child process error`, exception: e, transport: this });
    });
    // A child still running when its loop closes is killed (as asyncio's transport.close()).
    this._forgetRelease = loop._endAtClose(() => {
      if (this._returncode === null) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) => this._exited(returnCode(code, signal)));
  }

  /** A pipe transport whose protocol passes its events on to this transport's protocol. */
  private _connectPipe(fd: number, socket: Socket, kind: typeof READ_PIPE | typeof WRITE_PIPE): void {
    this._open.set(fd, (this._open.get(fd) ?? 0) + 1);
    // Each call reaches the protocol in a loop callback of its own (asyncio's `_call`): one that
    // throws is reported as a callback error and the pipe goes on.
    const relay: ProtocolLike = {
      dataReceived: (data) => {
        if (!this._loop.isClosed()) this._loop.callSoon(() => this._protocol.pipeDataReceived?.(fd, data));
      },
      eofReceived: () => undefined,
      connectionLost: (exc) => this._pipeLost(fd, exc),
      pauseWriting: () => this._protocol.pauseWriting?.(),
      resumeWriting: () => this._protocol.resumeWriting?.(),
    };
    const t = new Transport(this._loop, socket, relay, null, kind);
    if (!this._pipes.has(fd)) this._pipes.set(fd, t);
  }

  private _pipeLost(fd: number, exc: Error | undefined): void {
    const left = this._open.get(fd)! - 1;
    this._open.set(fd, left);
    if (left > 0) return; // stdout and a merged stderr report as one pipe
    this._loop.callSoon(() => this._protocol.pipeConnectionLost?.(fd, exc));
    this._tryFinish();
  }

  private _exited(rc: number): void {
    this._forgetRelease();
    if (this._returncode !== null) return;
    this._returncode = rc;
    if (this._loop.isClosed()) return;
    this._loop.callSoon(() => this._protocol.processExited?.());
    this._tryFinish();
  }

  /** Exited and every pipe closed: `connectionLost(undefined)`, once. */
  private _tryFinish(): void {
    if (this._returncode === null || this._lost) return;
    for (const n of this._open.values()) if (n > 0) return;
    this._lost = true;
    if (this._loop.isClosed()) return;
    this._loop.callSoon(() => {
      this._done = true; // signals refuse from now on, not before (asyncio's _call_connection_lost)
      this._protocol.connectionLost?.(undefined);
    });
  }

  /** True once `close()` was called (asyncio's: not merely because the child exited). */
  override isClosing(): boolean {
    return this._closing;
  }

  /** The child's process id. */
  getPid(): number {
    return this._child.pid!;
  }

  /** Null while the child runs; then its exit code, or minus the signal number that ended it. */
  getReturncode(): number | null {
    return this._returncode;
  }

  /**
   * The transport of the child's pipe `fd` — 0 (stdin, a write transport), 1 (stdout) or 2
   * (stderr) — or null when that stream is not a pipe (or stderr goes to stdout).
   */
  getPipeTransport(fd: number): Transport | null {
    return this._pipes.get(fd) ?? null;
  }

  /**
   * Sends `signal` to the child (a name such as `'SIGHUP'`, or a number). Does nothing once it
   * exited; throws `ProcessLookupError` once the transport is done (`connectionLost` came).
   *
   * Cancellation: not a checkpoint.
   *
   * @example
   * ```ts
   * transport.sendSignal('SIGINT');
   * ```
   */
  sendSignal(signal: SignalLike): void {
    this._signal('sendSignal', checkSignal('SubprocessTransport.sendSignal', signal));
  }

  /** Sends `SIGTERM` (as `sendSignal`). */
  terminate(): void {
    this._signal('terminate', 'SIGTERM');
  }

  /** Sends `SIGKILL` (as `sendSignal`). */
  kill(): void {
    this._signal('kill', 'SIGKILL');
  }

  private _signal(op: string, signal: SignalLike): void {
    if (this._done) throw new ProcessLookupError(`SubprocessTransport.${op}: ${this} is done`);
    if (this._returncode === null) this._child.kill(signal);
  }

  /**
   * Closes the pipes and kills the child if it still runs (asyncio 3.13); `connectionLost`
   * follows once it has exited. A no-op once closing.
   *
   * Cancellation: not a checkpoint.
   *
   * @example
   * ```ts
   * transport.close();
   * ```
   */
  override close(): void {
    if (this._closing) return;
    this._closing = true;
    for (const t of this._pipes.values()) t.close();
    if (this._open.get(1) === 2) this._child.stderr?.destroy(); // a merged stderr has no transport here
    if (this._returncode === null) this._child.kill('SIGKILL');
  }

  /** @internal */
  override _forceClose(): void {
    this.close();
  }

  /** `'subprocess'`: the Node `ChildProcess`; else `dflt`. */
  override getExtraInfo(name: string, dflt?: unknown): unknown {
    return name === 'subprocess' ? this._child : dflt;
  }

  /** `<SubprocessTransport pid=123 running>` (or `returncode=0`, ` closed`). */
  override toString(): string {
    const state = this._returncode === null ? 'running' : `returncode=${this._returncode}`;
    return `<SubprocessTransport pid=${this._child.pid} ${state}${this._done ? ' closed' : ''}>`;
  }
}

/** asyncio's `subprocess_exec` on `loop`. */
export function subprocessExec<P extends SubprocessProtocolLike>(
  loop: EventLoop,
  protocolFactory: () => P,
  program: string,
  args: readonly string[],
  opts: SubprocessTransportOptions | undefined,
): Future<[SubprocessTransport, P]> {
  const op = 'subprocessExec';
  checkFactory(op, protocolFactory, opts);
  checkProgram(op, program, args);
  return start(loop, op, protocolFactory, program, args, false, opts);
}

/** asyncio's `subprocess_shell` on `loop`. */
export function subprocessShell<P extends SubprocessProtocolLike>(
  loop: EventLoop,
  protocolFactory: () => P,
  cmd: string,
  opts: SubprocessTransportOptions | undefined,
): Future<[SubprocessTransport, P]> {
  const op = 'subprocessShell';
  checkFactory(op, protocolFactory, opts);
  checkCommand(op, cmd);
  return start(loop, op, protocolFactory, cmd, [], true, opts);
}

/** The protocol made first (as asyncio does), then the child, then its transport. */
function start<P extends SubprocessProtocolLike>(
  loop: EventLoop,
  op: string,
  factory: () => P,
  file: string,
  args: readonly string[],
  shell: boolean,
  opts: SubprocessTransportOptions | undefined,
): Future<[SubprocessTransport, P]> {
  // asyncio's loop.subprocess_exec/shell pipe all three streams unless told otherwise.
  const p = plan(op, { stdin: PIPE, stdout: PIPE, stderr: PIPE, ...opts });
  const protocol = makeProtocol(op, factory);
  return spawnChild<[SubprocessTransport, P]>(loop, file, args, shell, p, (child, fut) => {
    const transport = new SubprocessTransport(loop, child, protocol, p.pipes);
    transport._handOver(fut, [transport, protocol]);
  });
}
