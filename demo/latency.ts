/**
 * The latency experiment behind `npm start`: the classic demonstration of what async is for.
 *
 * An embedded HTTP server answers every request after a fixed latency. The same N URLs are then
 * fetched three ways, each inside tulip tasks:
 *
 * 1. **sequential** — one task fetches the URLs one after another: ≈ N × latency;
 * 2. **gather** — one task per URL, awaited together with `gather([...])`: ≈ 1 × latency;
 * 3. **TaskGroup + timeout** — the same, as structured concurrency: a `TaskGroup` under a
 *    `timeout()` deadline, so a slow server cancels every fetch (through `task.signal`) instead of
 *    hanging the program.
 *
 * This module holds everything that can be tested (option parsing, the server, the experiment and
 * the report formatting); `demo/main.ts` is the thin command-line wrapper.
 *
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

import { createTask, currentTask, gather, TaskGroup, timeout } from '../src/index.js';

// ---------------------------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------------------------

/** What the experiment is run with. */
export interface LatencyOptions {
  /** How many URLs to fetch with each approach (a positive integer). */
  requests: number;
  /** How long the server waits before answering each request, in ms (non-negative). */
  latencyMs: number;
}

/** The defaults of `npm start`: 10 requests, 500 ms each. */
export const DEFAULT_OPTIONS: Readonly<LatencyOptions> = Object.freeze({ requests: 10, latencyMs: 500 });

/** The largest latency accepted: `setTimeout`'s limit (a larger delay would fire after 1 ms). */
export const MAX_LATENCY_MS = 2 ** 31 - 1;

/** The `--help` text. */
export const USAGE = `Usage: npm start -- [--requests N] [--latency MS]

Runs the classic async experiment with tulip: an embedded HTTP server answers each request after
a fixed latency, and N URLs are fetched sequentially, then concurrently (gather, TaskGroup).

Options:
  --requests N   how many URLs to fetch with each approach (positive integer, default ${DEFAULT_OPTIONS.requests})
  --latency MS   server latency per request in milliseconds (non-negative number, default ${DEFAULT_OPTIONS.latencyMs})
  -h, --help     show this help and exit
`;

/**
 * A command-line mistake: the message names the option, what was expected and what came.
 * The command exits with {@link UsageError.exitCode} (2, the usual code for bad usage).
 */
export class UsageError extends Error {
  override name = 'UsageError';
  /** The process exit code for bad usage. */
  readonly exitCode = 2;
}

/** What {@link parseOptions} makes of a command line. */
export type ParsedCommand = { help: true } | { help: false; options: LatencyOptions };

/**
 * Parses the command-line arguments of `npm start` (without `node` and the script).
 *
 * Accepts `--requests N`, `--requests=N`, `--latency MS`, `--latency=MS` and `--help`/`-h`;
 * the last occurrence of an option wins.
 *
 * @example
 * ```ts
 * parseOptions(['--requests', '5', '--latency=100']);
 * // → { help: false, options: { requests: 5, latencyMs: 100 } }
 * parseOptions(['--requests', 'x']);
 * // throws UsageError: --requests expects a positive integer, got "x"
 * ```
 *
 * @throws {UsageError} for an unknown option, a missing value or a value out of range.
 */
export function parseOptions(argv: readonly string[]): ParsedCommand {
  const options: LatencyOptions = { ...DEFAULT_OPTIONS };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') return { help: true };
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    if (name !== '--requests' && name !== '--latency') {
      throw new UsageError(
        arg.startsWith('-')
          ? `unknown option ${JSON.stringify(name)} (expected --requests, --latency or --help)`
          : `unexpected argument ${JSON.stringify(arg)} (expected an option: --requests, --latency or --help)`,
      );
    }
    let value: string | undefined;
    if (eq > 0 && name !== arg) {
      value = arg.slice(eq + 1);
    } else {
      value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) {
        throw new UsageError(`${name} expects a value (${describe(name)}), got nothing`);
      }
      i++;
    }
    if (name === '--requests') options.requests = parseRequests(value);
    else options.latencyMs = parseLatency(value);
  }
  return { help: false, options };
}

function describe(name: '--requests' | '--latency'): string {
  return name === '--requests' ? 'a positive integer' : 'a non-negative number of milliseconds';
}

function parseRequests(value: string): number {
  const n = /^\s*\+?\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new UsageError(`--requests expects a positive integer, got ${JSON.stringify(value)}`);
  }
  return n;
}

function parseLatency(value: string): number {
  const n = /^\s*\+?(\d+(\.\d*)?|\.\d+)\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(n) || n < 0) {
    throw new UsageError(`--latency expects a non-negative number of milliseconds, got ${JSON.stringify(value)}`);
  }
  if (n > MAX_LATENCY_MS) {
    throw new UsageError(`--latency expects at most ${MAX_LATENCY_MS} ms, got ${JSON.stringify(value)}`);
  }
  return n;
}

// ---------------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------------

/** The JSON body the latency server answers with. */
export interface ItemReply {
  /** The request's number on this server, from 1 (warm-up requests count too). */
  n: number;
  /** The path that was requested, e.g. `/item/3`. */
  path: string;
  /** The latency the server waited before answering, in ms. */
  latencyMs: number;
}

/** A running latency server (see {@link startLatencyServer}). */
export interface LatencyServer {
  /** The base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** The ephemeral port the server listens on. */
  readonly port: number;
  /** The latency applied to each request, in ms. */
  readonly latencyMs: number;
  /** How many requests have been answered so far. */
  readonly served: number;
  /** Whether the server still accepts connections. */
  readonly listening: boolean;
  /**
   * Stops the server: stops listening, drops answers still waiting for their latency and closes
   * every connection, including idle keep-alive ones. Resolves once the server is closed;
   * calling it again is harmless.
   */
  close(): Promise<void>;
}

/**
 * Starts an HTTP server on 127.0.0.1, on an ephemeral port, that answers every request after
 * `latencyMs` with a small JSON body ({@link ItemReply}). `GET /health` answers at once (it is used
 * to warm up the HTTP client before measuring).
 *
 * This is plain `node:http`, outside tulip: it plays the remote service the demo talks to.
 *
 * @example
 * ```ts
 * const server = await startLatencyServer({ latencyMs: 100 });
 * try {
 *   const reply = await (await fetch(`${server.url}/item/0`)).json(); // after ≈ 100 ms
 * } finally {
 *   await server.close();
 * }
 * ```
 *
 * Cancellation: the returned promise is a native one; the server itself is not tied to any task,
 * so always close it in a `finally`.
 */
export async function startLatencyServer(opts: { latencyMs: number }): Promise<LatencyServer> {
  const { latencyMs } = opts;
  let served = 0;
  let closing: Promise<void> | undefined;
  const pending = new Set<NodeJS.Timeout>();

  const answer = (req: IncomingMessage, res: ServerResponse, waited: number): void => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const body: ItemReply = { n: ++served, path, latencyMs: waited };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  const server = createServer((req, res) => {
    if (req.url === '/health') return answer(req, res, 0);
    const timer = setTimeout(() => {
      pending.delete(timer);
      if (!res.destroyed) answer(req, res, latencyMs);
    }, latencyMs);
    pending.add(timer);
    res.on('close', () => {
      // The client went away (e.g. its fetch was aborted): no need to answer.
      clearTimeout(timer);
      pending.delete(timer);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    latencyMs,
    get served() {
      return served;
    },
    get listening() {
      return server.listening;
    },
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        for (const timer of pending) clearTimeout(timer);
        pending.clear();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The experiment
// ---------------------------------------------------------------------------------------------

/** One measured approach: one row of the report table. */
export interface ApproachRow {
  /** A short label, e.g. `sequential (1 task)`. */
  approach: string;
  /** How many URLs were fetched. */
  requests: number;
  /** Wall-clock time, in ms. */
  wallMs: number;
  /** CPU time (user + system, whole process: client and server) from `process.cpuUsage`, in ms. */
  cpuMs: number;
  /** Sequential wall time divided by this row's wall time (1 for the sequential row). */
  speedup: number;
}

/** What {@link runLatencyExperiment} measured. */
export interface ExperimentResult {
  /** The options the experiment ran with. */
  options: LatencyOptions;
  /** The server's base URL (closed by the time the result is returned). */
  url: string;
  /** The deadline given to the TaskGroup approach, in ms. */
  deadlineMs: number;
  /** One row per approach: sequential, gather, TaskGroup + timeout. */
  rows: ApproachRow[];
}

/** Options of {@link runLatencyExperiment} beyond {@link LatencyOptions}. */
export interface ExperimentOptions extends LatencyOptions {
  /**
   * The deadline of the TaskGroup approach, in ms; by default `2 × latency + 1000`, well above one
   * latency (what the concurrent fetches need) and below `N × latency` for the defaults (what a
   * sequential fetch would need).
   */
  deadlineMs?: number;
  /** Called with a short line as each approach starts (e.g. to show progress). */
  onProgress?: (line: string) => void;
  /** Called with the server once it listens (e.g. for a test to check it is closed afterwards). */
  onServer?: (server: LatencyServer) => void;
}

/** The default deadline of the TaskGroup approach for a given latency, in ms. */
export function defaultDeadline(latencyMs: number): number {
  return 2 * latencyMs + 1000;
}

/**
 * Fetches one URL and parses its JSON reply, inside the current tulip task: the fetch gets
 * `currentTask()!.signal`, so cancelling the task aborts the HTTP request at once.
 *
 * @example
 * ```ts
 * const reply = await createTask(() => fetchItem(`${server.url}/item/0`));
 * ```
 *
 * Cancellation: the task's `signal` aborts the request and the body download; the `AbortError`
 * is superseded by the task's `CancelledError` at its next await.
 */
export async function fetchItem(url: string): Promise<ItemReply> {
  const task = currentTask();
  if (!task) throw new Error('fetchItem() must run inside a tulip task');
  const res = await fetch(url, { signal: task.signal });
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return (await res.json()) as ItemReply;
}

/**
 * Runs the experiment: starts a {@link startLatencyServer | latency server}, fetches
 * `/item/0 … /item/N-1` sequentially, then concurrently with `gather`, then concurrently in a
 * `TaskGroup` under a `timeout()`, and returns the measured rows. The server is closed before the
 * promise settles, whether the experiment succeeds or fails.
 *
 * Must be called from inside a tulip task (it creates tasks):
 *
 * @example
 * ```ts
 * const result = await run(() => runLatencyExperiment({ requests: 10, latencyMs: 500 }));
 * console.log(formatReport(result));
 * ```
 *
 * Cancellation: cancelling the calling task cancels the running approach's tasks (their
 * `signal`s abort the fetches) and closes the server; the TaskGroup approach rejects with
 * tulip's `TimeoutError` when its deadline passes.
 */
export async function runLatencyExperiment(opts: ExperimentOptions): Promise<ExperimentResult> {
  const { requests, latencyMs, onProgress } = opts;
  const deadlineMs = opts.deadlineMs ?? defaultDeadline(latencyMs);
  const server = await startLatencyServer({ latencyMs });
  try {
    opts.onServer?.(server);
    const urls = Array.from({ length: requests }, (_, i) => `${server.url}/item/${i}`);
    const check = (replies: ItemReply[]): void => {
      replies.forEach((r, i) => {
        if (r.path !== `/item/${i}`) throw new Error(`reply ${i} is for ${r.path}, expected /item/${i}`);
      });
    };

    // Warm-up, not measured: loads Node's fetch implementation (undici), lets V8 compile its hot
    // paths and opens the connections, so that the first approach measured does not pay one-off
    // start-up costs (tens of ms of CPU) that the others don't. `/health` answers at once.
    const health = urls.map(() => `${server.url}/health`);
    await createTask(
      async () => {
        for (const url of health) await fetchItem(url);
      },
      { name: 'warm-up' },
    );
    await gather(health.map((url) => createTask(() => fetchItem(url), { name: 'warm-up' })));

    const measured: Omit<ApproachRow, 'speedup'>[] = [];
    const measure = async (approach: string, body: () => PromiseLike<ItemReply[]>): Promise<void> => {
      onProgress?.(`${approach} …`);
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const replies = await body();
      const wallMs = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      check(replies);
      measured.push({ approach, requests, wallMs, cpuMs: (cpu.user + cpu.system) / 1000 });
    };

    // (a) Sequential: one task, one request at a time.
    await measure('sequential (1 task)', () =>
      createTask(
        async () => {
          const replies: ItemReply[] = [];
          for (const url of urls) replies.push(await fetchItem(url));
          return replies;
        },
        { name: 'sequential' },
      ),
    );

    // (b) Concurrent: one task per URL, gathered.
    await measure(`gather (${requests} tasks)`, () =>
      gather(urls.map((url, i) => createTask(() => fetchItem(url), { name: `item-${i}` }))),
    );

    // (c) Structured concurrency: a TaskGroup under a deadline. If the deadline passes, the group's
    // tasks are cancelled (their fetches aborted) and the scope raises TimeoutError.
    await measure(`TaskGroup + timeout(${formatMs(deadlineMs)} ms)`, async () => {
      const tasks = await timeout(deadlineMs).run(() =>
        new TaskGroup().run(async (tg) => urls.map((url, i) => tg.createTask(() => fetchItem(url), { name: `tg-item-${i}` }))),
      );
      return tasks.map((t) => t.result());
    });

    const sequentialMs = measured[0]!.wallMs;
    return {
      options: { requests, latencyMs },
      url: server.url,
      deadlineMs,
      rows: measured.map((row) => ({ ...row, speedup: sequentialMs / row.wallMs })),
    };
  } finally {
    await server.close();
  }
}

// ---------------------------------------------------------------------------------------------
// The report
// ---------------------------------------------------------------------------------------------

function formatMs(ms: number): string {
  return ms >= 100 || Number.isInteger(ms) ? ms.toFixed(0) : ms.toFixed(1);
}

/**
 * Formats the rows as an aligned text table: approach, requests, wall time (ms), CPU time (ms),
 * speed-up vs sequential.
 *
 * @example
 * ```ts
 * formatTable(result.rows);
 * // approach                   requests  wall (ms)  CPU (ms)  speed-up
 * // sequential (1 task)              10       5021        25     1.0×
 * // …
 * ```
 */
export function formatTable(rows: readonly ApproachRow[]): string {
  const header = ['approach', 'requests', 'wall (ms)', 'CPU (ms)', 'speed-up'];
  const cells = rows.map((r) => [
    r.approach,
    String(r.requests),
    r.wallMs.toFixed(0),
    r.cpuMs.toFixed(0),
    `${r.speedup.toFixed(1)}×`,
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...cells.map((row) => row[c]!.length)));
  const line = (row: string[]): string =>
    row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd();
  return [line(header), ...cells.map(line)].join('\n');
}

/**
 * Formats the whole report: a title line, the {@link formatTable | table} and a one-line
 * explanation of what the numbers show.
 *
 * @example
 * ```ts
 * console.log(formatReport(await run(() => runLatencyExperiment(DEFAULT_OPTIONS))));
 * ```
 */
export function formatReport(result: ExperimentResult): string {
  const { requests, latencyMs } = result.options;
  const lat = formatMs(latencyMs);
  const concurrent = result.rows.slice(1);
  const best = concurrent.length ? Math.max(...concurrent.map((r) => r.speedup)) : 1;
  return [
    `tulip latency demo: ${requests} GET requests to a local server that answers each after ${lat} ms`,
    '',
    formatTable(result.rows),
    '',
    `Sequential waits for one answer at a time: ≈ ${requests} × ${lat} ms = ${formatMs(requests * latencyMs)} ms. ` +
      `Concurrent tasks wait for all answers at once: ≈ one latency (${lat} ms), ${best.toFixed(1)}× faster, ` +
      `and CPU time stays far below wall time: the time goes to waiting, not computing.`,
  ].join('\n');
}
