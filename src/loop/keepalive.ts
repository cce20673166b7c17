/**
 * A running loop keeps the process alive, as asyncio's `run_forever()` holds its thread: Node ends
 * a process once nothing in its own event loop (a timer, a socket, a child process, a worker) is
 * left, even while a promise — here, `runForever()`'s — is still pending. A tulip loop whose tasks
 * all wait for a signal (`addSignalHandler('SIGTERM', …)`, Ctrl-C) or for each other holds no such
 * handle, so without this the process would end at once, skipping every `finally`.
 *
 * The cost is paid only when it matters: one `beforeExit` listener while some loop runs; when Node
 * reaches the end of its work with a loop still running, a long interval timer holds the process
 * until the last running loop stops. A program that waits for nothing but a signal then waits for
 * it, and one whose tasks wait for each other hangs, as in asyncio and Trio — Ctrl-C ends `run()`'s
 * main task in order. In debug mode the loop says so through its exception handler.
 */
import type { EventLoop } from './eventloop.js';

/** Loops between `runForever()` and their stop. */
const running = new Set<EventLoop>();
/** The timer that holds the process, from Node's first `beforeExit` with a loop running. */
let hold: ReturnType<typeof setInterval> | null = null;

function noop(): void {}

function onBeforeExit(): void {
  if (running.size === 0 || hold !== null) return;
  hold = setInterval(noop, 2 ** 30);
  for (const loop of running) {
    if (!loop.getDebug() || (loop._signals?.size ?? 0) > 0) continue; // a signal is what it waits for
    const pending = loop._liveTasks().filter((t) => !t.done()).length;
    loop.callExceptionHandler({
      message:
        `Node has no work left (no timer, I/O, child process or worker) while the event loop runs with ` +
        `${pending} pending task(s): they wait for something only a signal or another task can bring ` +
        `(a deadlock, if not); the process stays alive, as asyncio's would, until the loop stops`,
    });
  }
}

/** @internal The loop starts running: it holds the process from Node's next `beforeExit`. */
export function holdProcess(loop: EventLoop): void {
  if (running.size === 0) process.on('beforeExit', onBeforeExit);
  running.add(loop);
}

/** @internal The loop stopped: the process may end once no loop runs. */
export function releaseProcess(loop: EventLoop): void {
  if (!running.delete(loop) || running.size > 0) return;
  process.removeListener('beforeExit', onBeforeExit);
  if (hold !== null) {
    clearInterval(hold);
    hold = null;
  }
}
