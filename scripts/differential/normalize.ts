// Normalization of trace lines before comparison: hides intended or purely cosmetic differences
// (listed in README.md). `--raw` turns it off.

/** Error types whose message is asyncio's or tulip's own wording (compared only with --strict-messages). */
const WORDED = 'TimeoutError|RangeError|RuntimeError|InvalidStateError|QueueEmptyError|QueueFullError|QueueShutDownError|BrokenBarrierError';

const RULES: Array<[RegExp, string]> = [
  // tulip's run() settles after its shutdown; asyncio.run returned before a hang in its shutdown.
  [/^OUTCOME .* HANG-at-shutdown$/, 'OUTCOME HANG'],
  // asyncio's and tulip's own messages differ in wording (e.g. `task_done() called too many times`
  // vs `Queue: taskDone() called too many times`; asyncio's TimeoutError has none).
  // (messages may quote reprs, `<Task finished … exception=RuntimeError("…(…)")>`: two levels of parentheses)
  [new RegExp(`\\b(${WORDED})\\((?:[^()]|\\((?:[^()]|\\([^()]*\\))*\\))*\\)`, 'g'), '$1'],
];

export function normalize(line: string, strictMessages = false): string {
  if (strictMessages) return line;
  let l = line;
  for (const [re, to] of RULES) l = l.replace(re, to);
  // CPython artifact: gather(return_exceptions=True) reports a cancelled child as
  // CancelledError(child._cancel_message), which Task.__step resets to None when the task ends
  // cancelled -- so asyncio gives CancelledError('') where tulip keeps the cancel message.
  // (also where such a result list is shown later: `state`/`final` of a gather kept in a slot)
  if (/ gather -> \[| ok \[/.test(l)) l = l.replace(/CancelledError\([^()]*\)/g, 'CancelledError');
  return l;
}

/** A run that tells nothing about tulip (a stack overflow from a cycle of tasks awaiting each other, …). */
export function pathological(outcome: string): boolean {
  return /RecursionError|Maximum call stack size exceeded/.test(outcome);
}
