// Reliability of subprocesses: random batches of 1–4 children run at once, in either coroutine
// style, each fed a random input (empty to 400 KB: more than a pipe holds, so the writes wait for
// the child) through `communicate(input)` or through `stdin.write` / `drain` / `close` while
// another task reads `stdout` with random read sizes. The child echoes stdin to stdout and writes
// its byte count to stderr, then exits with a code of the program's choosing.
// Every byte comes back once and in order, stderr has the count, the exit code is the child's,
// and `wait()` agrees with `returncode`.
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PIPE, createSubprocessExec, createTask, gather, run, waitFor, type Process } from 'tulip';
import { aw, body, fcOptions, type Prog, type Style } from './harness.js';

/** The child: stdin to stdout, then the byte count to stderr, then exit with argv[1]. */
const CHILD = `let n = 0;
process.stdin.on('data', (b) => { n += b.length; process.stdout.write(b); });
process.stdin.on('end', () => { process.stderr.write(String(n)); process.stdout.end(() => process.exit(Number(process.argv[1]))); });`;

interface ChildSpec {
  style: Style;
  size: number;
  exitCode: number;
  /** communicate(input), or write/drain/close with a reader task reading these sizes. */
  mode: { k: 'communicate' } | { k: 'streams'; chunk: number; reads: number[] };
}

const childArb: fc.Arbitrary<ChildSpec> = fc.record({
  style: fc.constantFrom<Style>('generator', 'async'),
  size: fc.oneof(fc.integer({ min: 0, max: 10 }), fc.integer({ min: 0, max: 400_000 })),
  exitCode: fc.constantFrom(0, 0, 3),
  mode: fc.oneof(
    fc.constant({ k: 'communicate' as const }),
    fc.record({
      k: fc.constant('streams' as const),
      chunk: fc.integer({ min: 1, max: 200_000 }),
      reads: fc.array(fc.integer({ min: 1, max: 100_000 }), { minLength: 1, maxLength: 4 }),
    }),
  ),
});

function* talk(spec: ChildSpec, proc: Process, input: Buffer): Prog<[Buffer, Buffer]> {
  const { style } = spec;
  if (spec.mode.k === 'communicate') {
    const [out, err] = yield* aw(style, proc.communicate(input));
    return [out!, err!];
  }
  const { chunk, reads } = spec.mode;
  const got: Buffer[] = [];
  const reader = createTask(
    body(style, function* (): Prog<void> {
      for (let i = 0; ; i++) {
        const b = yield* aw(style, proc.stdout!.read(reads[i % reads.length]!));
        if (b.length === 0) return;
        got.push(b);
      }
    }),
  );
  for (let at = 0; at < input.length; at += chunk) {
    proc.stdin!.write(input.subarray(at, at + chunk));
    yield* aw(style, proc.stdin!.drain());
  }
  proc.stdin!.close();
  const err = yield* aw(style, proc.stderr!.read());
  yield* aw(style, reader);
  return [Buffer.concat(got), err];
}

async function play(specs: ChildSpec[]): Promise<void> {
  await run(async () => {
    const jobs = specs.map((spec) => {
      const input = randomBytes(spec.size);
      return createTask(
        body(spec.style, function* (): Prog<void> {
          const proc = yield* aw(spec.style, createSubprocessExec(process.execPath, ['-e', CHILD, String(spec.exitCode)], { stdin: PIPE, stdout: PIPE, stderr: PIPE }));
          const [out, err] = yield* talk(spec, proc, input);
          const code = yield* aw(spec.style, proc.wait());
          const where = JSON.stringify(spec);
          expect(out.length, where).toBe(input.length);
          expect(out.equals(input), where).toBe(true);
          expect(err.toString(), where).toBe(String(input.length));
          expect(code, where).toBe(spec.exitCode);
          expect(proc.returncode, where).toBe(spec.exitCode);
        }),
      );
    });
    await waitFor(gather(jobs), 30_000);
  });
}

describe('subprocesses under random inputs, feeding modes and read sizes', () => {
  it('every byte written to a child comes back once and in order; stderr and the exit code are the child’s (children at once, either style)', async () => {
    await fc.assert(fc.asyncProperty(fc.array(childArb, { minLength: 1, maxLength: 4 }), play), {
      ...fcOptions(15),
      interruptAfterTimeLimit: 30_000,
    });
  }, 90_000);
});
