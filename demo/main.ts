/**
 * `npm start`: runs tulip's latency experiment for real and prints what it measured.
 *
 * ```sh
 * npm start                                    # 10 requests, 500 ms latency
 * npm start -- --requests 5 --latency 100
 * npm start -- --help
 * ```
 *
 * Exit codes: 0 on success, 1 if the experiment failed, 2 for bad command-line options.
 * The process is never force-exited: it ends on its own once tulip's loop and the embedded server
 * are closed, so a leftover server or timer would show up as a hang.
 *
 * @module
 */
import { run } from '../src/index.js';
import { formatReport, parseOptions, runLatencyExperiment, UsageError, USAGE, type ParsedCommand } from './latency.js';

/**
 * Parses `argv`, runs the experiment inside `run(async () => { … })` and prints the report.
 * Resolves to the process exit code.
 *
 * @example
 * ```ts
 * process.exitCode = await main(process.argv.slice(2));
 * ```
 *
 * Cancellation: everything runs in tulip's main task; when `run()` finishes, leftover tasks are
 * cancelled and the server has been closed by the experiment's `finally`.
 */
export async function main(argv: readonly string[]): Promise<number> {
  let command: ParsedCommand;
  try {
    command = parseOptions(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`error: ${e.message}\nRun with --help for usage.\n`);
      return e.exitCode;
    }
    throw e;
  }
  if (command.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const { options } = command;
  try {
    await run(
      async () => {
        const result = await runLatencyExperiment({
          ...options,
          onProgress: (line) => process.stderr.write(`  running ${line}\n`),
        });
        process.stdout.write(`\n${formatReport(result)}\n`);
      },
      { name: 'main' },
    );
    return 0;
  } catch (e) {
    process.stderr.write(`error: the experiment failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
