// Tests of the `npm start` demo (demo/latency.ts): the option parser, the embedded server and the
// experiment itself. The experiment is about real network latency, so the last tests run in real
// time, kept short (tens of ms per request).
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';

import { CancelledError, run, TimeoutError } from '../../src/index.js';
import {
  DEFAULT_OPTIONS,
  formatReport,
  formatTable,
  parseOptions,
  runLatencyExperiment,
  startLatencyServer,
  UsageError,
  type ApproachRow,
  type LatencyServer,
} from '../../demo/latency.js';

/** The UsageError `parseOptions(argv)` throws. */
function usageError(argv: string[]): UsageError {
  try {
    parseOptions(argv);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return e as UsageError;
  }
  throw new Error(`parseOptions(${JSON.stringify(argv)}) did not throw`);
}

/** Resolves true if something accepts a TCP connection on 127.0.0.1:port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('parseOptions', () => {
  it('uses the defaults with no arguments', () => {
    expect(parseOptions([])).toEqual({ help: false, options: { requests: 10, latencyMs: 500 } });
    expect(DEFAULT_OPTIONS).toEqual({ requests: 10, latencyMs: 500 });
  });

  it('reads --requests and --latency, as separate or = values', () => {
    expect(parseOptions(['--requests', '5', '--latency', '100'])).toEqual({
      help: false,
      options: { requests: 5, latencyMs: 100 },
    });
    expect(parseOptions(['--latency=0', '--requests=1'])).toEqual({
      help: false,
      options: { requests: 1, latencyMs: 0 },
    });
    expect(parseOptions(['--latency', '12.5'])).toEqual({ help: false, options: { requests: 10, latencyMs: 12.5 } });
    expect(parseOptions(['--requests', '3', '--requests', '4'])).toEqual({
      help: false,
      options: { requests: 4, latencyMs: 500 },
    });
  });

  it('recognises --help and -h', () => {
    expect(parseOptions(['--help'])).toEqual({ help: true });
    expect(parseOptions(['--requests', '2', '-h'])).toEqual({ help: true });
    // Arguments are read in order: a bad value before --help is reported.
    expect(() => parseOptions(['--requests', 'zero', '--help'])).toThrow(UsageError);
  });

  it.each([
    [['--requests', '0'], /--requests expects a positive integer, got "0"/],
    [['--requests', '-3'], /--requests expects a positive integer, got "-3"/],
    [['--requests', '2.5'], /--requests expects a positive integer, got "2.5"/],
    [['--requests', 'ten'], /--requests expects a positive integer, got "ten"/],
    [['--requests='], /--requests expects a positive integer, got ""/],
    [['--requests'], /--requests expects a value \(a positive integer\), got nothing/],
    [['--latency', 'fast'], /--latency expects a non-negative number of milliseconds, got "fast"/],
    [['--latency=-1'], /--latency expects a non-negative number of milliseconds, got "-1"/],
    [['--latency', 'Infinity'], /--latency expects a non-negative number of milliseconds, got "Infinity"/],
    [['--latency', '99999999999'], /--latency expects at most 2147483647 ms, got "99999999999"/],
    [['--latency', '--requests', '3'], /--latency expects a value \(a non-negative number of milliseconds\), got nothing/],
    [['--verbose'], /unknown option "--verbose"/],
    [['--verbose=1'], /unknown option "--verbose"/],
    [['10'], /unexpected argument "10"/],
  ])('rejects %j with a clear message and exit code 2', (argv, message) => {
    const e = usageError(argv as string[]);
    expect(e.message).toMatch(message);
    expect(e.exitCode).toBe(2);
  });
});

describe('formatTable / formatReport', () => {
  const rows: ApproachRow[] = [
    { approach: 'sequential (1 task)', requests: 10, wallMs: 5012.4, cpuMs: 30.2, speedup: 1 },
    { approach: 'gather (10 tasks)', requests: 10, wallMs: 503.9, cpuMs: 12.7, speedup: 9.947 },
  ];

  it('aligns the columns', () => {
    const lines = formatTable(rows).split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^approach\s+requests\s+wall \(ms\)\s+CPU \(ms\)\s+speed-up$/);
    expect(lines[1]).toMatch(/^sequential \(1 task\)\s+10\s+5012\s+30\s+1\.0×$/);
    expect(lines[2]).toMatch(/^gather \(10 tasks\)\s+10\s+504\s+13\s+9\.9×$/);
    // Right-aligned numeric columns: every line ends at the same column.
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
  });

  it('explains the numbers', () => {
    const text = formatReport({
      options: { requests: 10, latencyMs: 500 },
      url: 'http://127.0.0.1:1',
      deadlineMs: 2000,
      rows,
    });
    expect(text).toContain('10 × 500 ms = 5000 ms');
    expect(text).toContain('one latency (500 ms)');
  });
});

describe('startLatencyServer', () => {
  it('answers after the latency with JSON, and close() drops keep-alive connections', async () => {
    const server = await startLatencyServer({ latencyMs: 30 });
    expect(server.listening).toBe(true);
    const t0 = performance.now();
    const reply = await (await fetch(`${server.url}/item/7`)).json();
    expect(performance.now() - t0).toBeGreaterThanOrEqual(25);
    expect(reply).toEqual({ n: 1, path: '/item/7', latencyMs: 30 });
    expect(server.served).toBe(1);
    // The fetch above left a keep-alive connection open; close() must not wait for it to time out.
    const c0 = performance.now();
    await server.close();
    expect(performance.now() - c0).toBeLessThan(500);
    expect(server.listening).toBe(false);
    expect(await accepts(server.port)).toBe(false);
    await server.close(); // idempotent
  });
});

describe('runLatencyExperiment', () => {
  it('runs the concurrent approaches in about one latency, the sequential one in about N', async () => {
    // 100 ms: a loaded machine adds up to ~100 ms to a concurrent run (connections, the server in
    // this same process), which must stay below half of the sequential 500 ms.
    const latencyMs = 100;
    const requests = 5;
    const progress: string[] = [];
    const result = await run(() => runLatencyExperiment({ requests, latencyMs, onProgress: (l) => progress.push(l) }));

    expect(result.options).toEqual({ requests, latencyMs });
    expect(result.rows.map((r) => r.approach)).toEqual([
      'sequential (1 task)',
      'gather (5 tasks)',
      'TaskGroup + timeout(1200 ms)',
    ]);
    expect(progress).toEqual(result.rows.map((r) => `${r.approach} …`));
    const [sequential, gathered, grouped] = result.rows as [ApproachRow, ApproachRow, ApproachRow];
    for (const row of result.rows) {
      expect(row.requests).toBe(requests);
      expect(row.cpuMs).toBeGreaterThanOrEqual(0);
    }
    // Sequential: N latencies back to back (timers may fire a little early: allow 1 ms each).
    expect(sequential.wallMs).toBeGreaterThanOrEqual(requests * (latencyMs - 1));
    expect(sequential.speedup).toBe(1);
    // Concurrent: about one latency, well below the sequential time.
    for (const row of [gathered, grouped]) {
      expect(row.wallMs).toBeGreaterThanOrEqual(latencyMs - 1);
      expect(row.wallMs).toBeLessThan(sequential.wallMs / 2);
      expect(row.speedup).toBeCloseTo(sequential.wallMs / row.wallMs, 6);
      expect(row.speedup).toBeGreaterThan(2);
    }
    // The server is closed afterwards.
    expect(await accepts(Number(new URL(result.url).port))).toBe(false);
  });

  it('a missed deadline cancels the TaskGroup fetches at once and still closes the server', async () => {
    const latencyMs = 200;
    let server: LatencyServer | undefined;
    let started = 0;
    const error = await run(async () => {
      try {
        await runLatencyExperiment({
          requests: 2,
          latencyMs,
          deadlineMs: 30,
          onServer: (s) => (server = s),
          onProgress: (line) => {
            if (line.startsWith('TaskGroup')) started = performance.now();
          },
        });
      } catch (e) {
        return e;
      }
      return undefined;
    });
    const elapsed = performance.now() - started;

    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).cause).toBeInstanceOf(CancelledError);
    // The fetches were aborted through task.signal: the scope did not wait for the 200 ms answers.
    expect(started).toBeGreaterThan(0);
    expect(elapsed).toBeLessThan(latencyMs - 50);
    expect(server?.listening).toBe(false);
    expect(await accepts(server!.port)).toBe(false);
  });
});
