// Shared by the subprocess tests (test/subprocess/*.test.ts and the ports of test_subprocess.py in
// test/conformance/): the children they run and how they clean up after them.
import { expect } from 'vitest';
import { waitFor, type Process } from 'tulip';

/** The Node binary: the one runtime every machine that runs the tests has. */
export const NODE = process.execPath;
/** The most a wait that should end soon may take (real time) before the test fails. */
export const BOUND = 5000;
/** Seconds a "long-running" child would sleep; every test kills it long before. */
export const LONG = '3';

/** The bytes as a latin1 string, after checking that they came out as a Buffer. */
export function str(b: unknown): string {
  expect(Buffer.isBuffer(b), `expected a Buffer, got ${String(b)}`).toBe(true);
  return (b as Buffer).toString('latin1');
}

/** For finally blocks: kills the child if it still runs, then waits (bounded) for its end. */
export async function reap(proc: Process | undefined): Promise<void> {
  if (proc === undefined) return;
  if (proc.returncode === null) proc.kill();
  await waitFor(proc.wait(), BOUND);
}

/** Whether a process with this pid exists (signal 0 checks without sending anything). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw e;
  }
}
