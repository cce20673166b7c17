/**
 * Which frames of a captured V8 stack are the user's: not tulip's own, not Node's. Shared by the
 * task layer (`getStack()`), the loop's stall reports and the debug tools.
 */

/** tulip's own source folder (src/ or dist/): its frames are left out of user stacks. */
export const OWN_DIR = new URL('..', import.meta.url).href.replace(/^file:\/\//, '');

/** True for a stack line that belongs to tulip itself or to Node's internals. */
export function isOwnFrame(line: string): boolean {
  return (
    line.includes(OWN_DIR) ||
    line.includes('(node:') ||
    line.startsWith('at node:') ||
    line.includes('(<anonymous>)') ||
    line.includes('node_modules')
  );
}

/** The trimmed frame lines of a captured stack (its first line, the message, is dropped). */
export function frameLines(stack: string | undefined): string[] {
  if (stack === undefined) return [];
  return stack
    .split('\n')
    .slice(1)
    .map((l) => l.trim())
    .filter((l) => l.startsWith('at '));
}

/**
 * Debug mode: the user frames of the code that made each plain future (asyncio's
 * `_source_traceback`), recorded by the debug tools' creation hook; a task keeps its own.
 */
export const futureSources = new WeakMap<object, readonly string[]>();

/**
 * The `file:line` of a frame line, as asyncio's repr shows a creation site (`created at
 * /app/main.ts:12`): `at main (file:///app/main.ts:12:5)` → `/app/main.ts:12`.
 */
export function frameSite(line: string): string {
  const m = /\(?([^\s()]+):(\d+):\d+\)?$/.exec(line);
  return m === null ? line.replace(/^at /, '') : `${m[1]!.replace(/^file:\/\//, '')}:${m[2]}`;
}

/** The frames of a captured stack that are the user's. */
export function userFrames(stack: string | undefined): string[] {
  return frameLines(stack).filter((l) => !isOwnFrame(l));
}

/**
 * A task's `getStack()`: where it suspended and where it was made (the user's frames of each, as
 * recorded in debug mode), then what it waits on.
 */
export function taskStackLines(suspendStack: string | undefined, sourceStack: string | undefined, waitingOn: string | undefined): string[] {
  const lines = userFrames(suspendStack);
  for (const line of userFrames(sourceStack)) lines.push(`created ${line}`);
  if (waitingOn !== undefined) lines.push(`waiting on ${waitingOn}`);
  return lines;
}
