/**
 * Subprocesses: asyncio's `create_subprocess_exec` and `create_subprocess_shell` over Node's
 * `child_process`. A `Process` gives the child's pid, its pipes as tulip streams (`stdin` a
 * `StreamWriter`, `stdout`/`stderr` `StreamReader`s, opened with `PIPE`), `wait()`,
 * `communicate()` and signals; `returncode` follows asyncio (minus the signal number when a
 * signal ended the child). Below it, as in asyncio, `loop.subprocessExec`/`subprocessShell` drive a
 * `SubprocessProtocol` through a `SubprocessTransport` (pipe data, pipe ends and the exit as calls).
 *
 * @example
 * ```ts
 * const proc = await createSubprocessExec('python3', ['-c', 'print(input().upper())'], { stdin: PIPE, stdout: PIPE });
 * const [out] = await proc.communicate('hello\n');
 * console.log(out!.toString(), proc.returncode); // 'HELLO\n' 0
 * ```
 *
 * @module
 */
export { PIPE, DEVNULL, STDOUT, createSubprocessExec, createSubprocessShell, type Stdio, type SubprocessOptions } from './create.js';
export { Process, type SignalLike } from './process.js';
export {
  SubprocessProtocol,
  SubprocessTransport,
  type SubprocessProtocolLike,
  type SubprocessTransportOptions,
} from './transport.js';
