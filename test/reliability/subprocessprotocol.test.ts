// Reliability of subprocess transports and protocols: children started with `loop.subprocessExec`
// — one that echoes stdin to stdout and ends with its byte count on stderr, or one that exits at
// once without reading — are fed random writes on their stdin pipe transport, which is closed or
// left open, while the child may be killed at a random moment. A protocol that checks asyncio's
// order of calls records every violation:
// - connectionMade first and once; connectionLost(undefined) last and once, after
//   processExited() and after every pipe's pipeConnectionLost();
// - pipeDataReceived(fd) only for fds 1 and 2, and never after pipeConnectionLost(fd);
//   pipeConnectionLost once per pipe (0, 1, 2); processExited once, with getReturncode() set;
// and what came back is what it should: an echo child that was not killed returns every byte in
// order with the count on stderr and its exit code; a killed one returns a prefix and -9.
// Nothing reaches the loop's exception handler. Real processes: a dozen small programs.
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SubprocessProtocol, getRunningLoop, run, sleep, waitFor, type ExceptionContext, type SubprocessTransport } from 'tulip';
import { fcOptions } from './harness.js';

const ECHO = `let n = 0;
process.stdin.on('data', (b) => { n += b.length; process.stdout.write(b); });
process.stdin.on('end', () => { process.stderr.write(String(n)); process.stdout.end(() => process.exit(Number(process.argv[1]))); });`;
const QUIT = `process.exit(Number(process.argv[1]));`;

interface Program {
  child: 'echo' | 'quit';
  exitCode: number;
  writes: { size: number; napMs: number }[];
  closeStdin: boolean;
  /** Real ms after the start at which the child is killed (null: never). */
  killAt: number | null;
}

const programArb: fc.Arbitrary<Program> = fc
  .record({
    child: fc.constantFrom<'echo' | 'quit'>('echo', 'echo', 'quit'),
    exitCode: fc.constantFrom(0, 3),
    writes: fc.array(fc.record({ size: fc.oneof(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 200_000 })), napMs: fc.integer({ min: 0, max: 10 }) }), {
      maxLength: 5,
    }),
    closeStdin: fc.boolean(),
    killAt: fc.option(fc.integer({ min: 0, max: 150 }), { nil: null, freq: 2 }),
  })
  // An echo child with its stdin left open only ends when killed.
  .map((p) => (p.child === 'echo' && !p.closeStdin && p.killAt === null ? { ...p, killAt: 100 } : p));

/** A protocol that checks the order of its calls. */
class Checked extends SubprocessProtocol {
  transport: SubprocessTransport | null = null;
  readonly violations: string[] = [];
  readonly calls: string[] = [];
  readonly out: Buffer[] = [];
  readonly err: Buffer[] = [];
  readonly pipeLost = new Map<number, Error | undefined>();
  exited = false;
  returncodeAtExit: number | null = null;
  lost = false;
  readonly ended: Promise<void>;
  private endedResolve!: () => void;

  constructor() {
    super();
    this.ended = new Promise((resolve) => (this.endedResolve = resolve));
  }

  private check(ok: boolean, what: string): void {
    if (!ok) this.violations.push(`${what} (calls: ${this.calls.join(' ')})`);
  }

  override connectionMade(t: SubprocessTransport): void {
    this.check(this.calls.length === 0, 'connectionMade not first');
    this.calls.push('made');
    this.transport = t;
  }

  override pipeDataReceived(fd: number, data: Buffer): void {
    if (this.calls.at(-1) !== `data${fd}`) this.calls.push(`data${fd}`);
    this.check(fd === 1 || fd === 2, `data on fd ${fd}`);
    this.check(!this.pipeLost.has(fd), `data on fd ${fd} after its pipeConnectionLost`);
    this.check(!this.lost, 'data after connectionLost');
    (fd === 1 ? this.out : this.err).push(Buffer.from(data));
  }

  override pipeConnectionLost(fd: number, exc: Error | undefined): void {
    this.calls.push(`pipeLost${fd}`);
    this.check(!this.pipeLost.has(fd), `pipeConnectionLost(${fd}) twice`);
    this.check(!this.lost, 'pipeConnectionLost after connectionLost');
    this.pipeLost.set(fd, exc);
  }

  override processExited(): void {
    this.calls.push('exited');
    this.check(!this.exited, 'processExited twice');
    this.check(!this.lost, 'processExited after connectionLost');
    this.exited = true;
    this.returncodeAtExit = this.transport!.getReturncode();
  }

  override connectionLost(exc: Error | undefined): void {
    this.calls.push('lost');
    this.check(!this.lost, 'connectionLost twice');
    this.check(exc === undefined, `connectionLost(${String(exc)})`);
    this.check(this.exited, 'connectionLost before processExited');
    this.check([0, 1, 2].every((fd) => this.pipeLost.has(fd)), 'connectionLost before every pipeConnectionLost');
    this.lost = true;
    this.endedResolve();
  }
}

async function play(p: Program): Promise<void> {
  const loop = getRunningLoop();
  const reported: ExceptionContext[] = [];
  loop.setExceptionHandler((_l, c) => {
    if (c.durationMs === undefined) reported.push(c); // (not a stall report: a busy machine's real time)
  });
  const [t, proto] = await loop.subprocessExec(() => new Checked(), process.execPath, ['-e', p.child === 'echo' ? ECHO : QUIT, String(p.exitCode)]);
  const where = (): string => `${JSON.stringify(p)}; calls ${proto.calls.join(' ')}; violations ${proto.violations.join('; ')}`;
  const killer = p.killAt === null ? null : setTimeout(() => t.kill(), p.killAt);
  const input: Buffer[] = [];
  const stdin = t.getPipeTransport(0)!;
  try {
    for (const w of p.writes) {
      if (stdin.isClosing()) break; // the child went away: its stdin pipe is closed
      const b = randomBytes(w.size);
      stdin.write(b);
      input.push(b);
      await sleep(w.napMs);
    }
    if (p.closeStdin && !stdin.isClosing()) stdin.close();
    await waitFor(proto.ended, 10_000).catch((e: unknown) => {
      throw new Error(`${String(e)}: connectionLost; ${where()}`);
    });
  } finally {
    if (killer !== null) clearTimeout(killer);
    if (!proto.lost) t.kill();
  }
  await sleep(5); // anything late would show now
  expect(proto.violations, where()).toEqual([]);
  expect(proto.calls[0], where()).toBe('made');
  expect(proto.calls.at(-1), where()).toBe('lost');
  expect(t.getReturncode(), where()).toBe(proto.returncodeAtExit);
  const code = t.getReturncode();
  const sent = Buffer.concat(input);
  const out = Buffer.concat(proto.out);
  if (code === -9) {
    expect(p.killAt, where()).not.toBe(null);
    expect(out.equals(sent.subarray(0, out.length)), `a prefix of the input; ${where()}`).toBe(true);
  } else {
    expect(code, where()).toBe(p.exitCode);
    if (p.child === 'echo') {
      expect(out.equals(sent), `the echo; ${where()}`).toBe(true);
      expect(Buffer.concat(proto.err).toString(), where()).toBe(String(sent.length));
      expect(proto.pipeLost.get(0), where()).toBe(undefined);
    } else {
      expect(out.length, where()).toBe(0);
    }
  }
  expect(reported.map((c) => `${c.message}: ${String(c.exception)}`), where()).toEqual([]);
  t.close();
}

describe('subprocess transports and protocols under random inputs, closes and kills', () => {
  it("follow asyncio's order of calls (connectionLost last, after the exit and every pipe) and return what the child wrote", () =>
    run(async () => {
      await fc.assert(fc.asyncProperty(programArb, play), { ...fcOptions(15), interruptAfterTimeLimit: 60_000 });
    }), 120_000);
});
