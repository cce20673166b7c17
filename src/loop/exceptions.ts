/** The exception handler's types and the default report format. */
import { inspect } from 'node:util';
import type { Future } from '../future.js';
import type { Task } from '../task.js';
import type { EventLoop } from './eventloop.js';
import type { Handle } from './handle.js';

/**
 * What an error report carries (asyncio's context keys): always `message`, and where they apply
 * the `exception`, the `future` or `task` it came from, and the callback `handle`.
 */
export interface ExceptionContext {
  message: string;
  exception?: unknown;
  future?: Future<unknown>;
  task?: Task<unknown>;
  handle?: Handle;
  [key: string]: unknown;
}

/** A loop's exception handler: receives the reporting loop and every error nobody else can take. */
export type ExceptionHandler = (loop: EventLoop, context: ExceptionContext) => void;

/**
 * What `getExceptionHandler()` returns: the handler that was set, typed loosely enough to fit
 * any compatible EventLoop type (handlers written against the contract's types included).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyExceptionHandler = (loop: any, context: any) => void;

/**
 * The text the default handler prints: the message, the other keys, and the error (its stack, its
 * cause, a group's errors, as Node's `util.inspect` shows them). A key
 * whose value is itself a context (the report a failing handler was given) is printed in full,
 * indented, so that the first error is not lost behind the second.
 */
export function formatContext(context: ExceptionContext): string {
  const lines = [context.message ? String(context.message) : 'Unhandled exception in event loop'];
  // asyncio's order (sorted keys); a failed task is shown once, as its `future`.
  for (const key of Object.keys(context).sort()) {
    const value = (context as Record<string, unknown>)[key];
    if (key === 'message' || key === 'exception' || (key === 'task' && value === context.future)) continue;
    if (isContext(value)) lines.push(`${key}:`, indent(formatContext(value)));
    else lines.push(`${key}: ${isPlainObject(value) ? inspect(value, { depth: 2 }) : String(value)}`);
  }
  const exc = context.exception;
  if (exc !== undefined) {
    // Node's inspect: the stack, and what a stack leaves out — a cause, an ExceptionGroup's
    // errors, an error's own fields (a code); a thrown non-Error is shown as the value it is.
    if (exc instanceof Error) lines.push(inspect(exc));
    else lines.push(`exception: ${typeof exc === 'string' ? exc : inspect(exc)}`);
  }
  return lines.join('\n');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function isContext(value: unknown): value is ExceptionContext {
  return isPlainObject(value) && typeof value.message === 'string';
}

function indent(text: string): string {
  return text.replace(/^/gm, '  ');
}
