// Normalization of trace lines before comparison: hides intended or purely cosmetic differences
// (listed in README.md). `--raw` turns it off.

/** Error types whose message is asyncio's or tulip's own wording (compared only with --strict-messages). */
const WORDED = 'TimeoutError|RangeError|RuntimeError|InvalidStateError|QueueEmptyError|QueueFullError|QueueShutDownError|BrokenBarrierError';

const RULES: Array<[RegExp, string]> = [
  // tulip's run() settles after its shutdown; asyncio.run returned before a hang in its shutdown.
  [/^OUTCOME .* HANG-at-shutdown$/, 'OUTCOME HANG'],
];

const WORDED_OPEN = new RegExp(`\\b(${WORDED})\\(`, 'g');

/**
 * asyncio's and tulip's own messages differ in wording (e.g. `task_done() called too many times`
 * vs `Queue: taskDone() called too many times`; asyncio's TimeoutError has none).
 * Drops the message of every WORDED error: `RuntimeError(…)` becomes `RuntimeError`. Messages may
 * quote reprs that quote messages in turn (`<Task finished … exception=RuntimeError("…(…)")>`), so
 * the closing parenthesis is found by counting, at any depth.
 */
function dropWordedMessages(line: string): string {
  let out = '';
  let from = 0;
  WORDED_OPEN.lastIndex = 0;
  for (let m = WORDED_OPEN.exec(line); m !== null; m = WORDED_OPEN.exec(line)) {
    let depth = 0;
    let end = -1;
    for (let i = m.index + m[0].length - 1; i < line.length; i++) {
      if (line[i] === '(') depth++;
      else if (line[i] === ')' && --depth === 0) {
        end = i;
        break;
      }
    }
    if (end < 0) break; // unbalanced: leave the rest as it is
    out += line.slice(from, m.index) + m[1];
    from = end + 1;
    WORDED_OPEN.lastIndex = from;
  }
  return out + line.slice(from);
}

export function normalize(line: string, strictMessages = false): string {
  if (strictMessages) return line;
  let l = line;
  for (const [re, to] of RULES) l = l.replace(re, to);
  l = dropWordedMessages(l);
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
