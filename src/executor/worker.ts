/**
 * What crosses the thread or process boundary of the pool executors: the code each worker runs, the
 * check that a function's source text can be rebuilt there, and the rebuilding of a job's error.
 *
 * Jobs and replies travel on a private `MessageChannel` per thread (not on `parentPort`), so a job
 * that posts its own messages to the parent thread cannot be mistaken for a reply.
 */
import { describe } from '../internal/validate.js';

/** A reply of a worker thread to the job `id`. */
export interface Reply {
  id: number;
  ok: boolean;
  value?: unknown;
  /** The job's error, encoded by `encodeError` in the thread (see `decodeError`). */
  error?: EncodedError;
}

/**
 * An error as sent back: an `Error` as its parts (structured clone keeps only the built-in classes'
 * names and no own properties), anything else thrown as it is (`plain`).
 */
export type EncodedError =
  | { plain: unknown }
  | {
      /** The nearest built-in class on its prototype chain (`TypeError`, `AggregateError` …). */
      base: string;
      name: string;
      message: string;
      stack: string | undefined;
      /** Its own enumerable properties (`code`, `errno`, `path`, fields of its class …). */
      props: Record<string, unknown>;
      cause?: EncodedError;
      /** An `AggregateError`'s `errors`. */
      errors?: EncodedError[];
    };

/**
 * How a worker receives jobs and sends replies: a worker thread on the private port it was given;
 * a child process on its IPC channel (and it exits when the pool's process goes away).
 */
const TRANSPORTS = {
  thread: `const port = require('node:worker_threads').workerData.port;`,
  process: `const port = { on: (ev, fn) => process.on(ev, fn), postMessage: (m) => process.send(m) };
process.on('disconnect', () => process.exit(0));`,
};

/**
 * The code each worker runs (`pool` names the executor in its messages): compiles each function
 * source once, runs jobs, replies on its port.
 */
export function workerSource(kind: 'thread' | 'process', pool: string): string {
  return `const { inspect } = require('node:util');
${TRANSPORTS[kind]}
const POOL = ${JSON.stringify(pool)};
${JOB_RUNNER}`;
}

const JOB_RUNNER = `
// esbuild (tsx, vitest …) with keepNames wraps named inner functions in __name(fn, 'name'), a
// helper of the module the source came from: the same helper here, so such code runs.
globalThis.__name ??= (fn, name) => Object.defineProperty(fn, 'name', { value: name, configurable: true });
const BUILTINS = ['AggregateError', 'EvalError', 'RangeError', 'ReferenceError', 'SyntaxError', 'TypeError', 'URIError', 'Error'];
const compiled = new Map();
/** A value that structured clone takes, or its inspect() text. */
function cloneable(v) {
  try {
    structuredClone(v);
    return v;
  } catch {
    return inspect(v, { depth: 3 });
  }
}
/** An error as its parts (see EncodedError in src/executor/worker.ts). */
function encodeError(e, seen = new Set()) {
  if (!(e instanceof Error) || seen.has(e) || seen.size > 16) {
    try {
      structuredClone(e);
      return { plain: e };
    } catch (why) {
      if (seen.size > 0) return { plain: inspect(e, { depth: 3 }) };
      e = new Error(POOL + ": the job's error cannot be sent back to the loop (" + why.message + '): ' + inspect(e, { depth: 3 }));
    }
  }
  seen.add(e);
  let base = 'Error';
  for (let p = Object.getPrototypeOf(e); p !== null; p = Object.getPrototypeOf(p)) {
    const name = Object.prototype.hasOwnProperty.call(p, 'constructor') ? p.constructor.name : '';
    if (BUILTINS.includes(name) && p === globalThis[name].prototype) {
      base = name;
      break;
    }
  }
  const props = {};
  // (A cause is rebuilt as an error too, however it was set: given to the constructor, or assigned.)
  for (const k of Object.keys(e)) if (k !== 'cause') props[k] = cloneable(e[k]);
  const out = { base, name: String(e.name), message: String(e.message), stack: typeof e.stack === 'string' ? e.stack : undefined, props };
  if (Object.prototype.hasOwnProperty.call(e, 'cause')) out.cause = encodeError(e.cause, seen);
  if (base === 'AggregateError' && Array.isArray(e.errors)) out.errors = e.errors.map((x) => encodeError(x, seen));
  return out;
}
// A result that structured clone refuses (it holds a function …) comes back as an Error that
// describes it, instead of killing the thread and losing it.
function reply(msg) {
  try {
    port.postMessage(msg);
  } catch (e) {
    const shown = inspect(msg.value, { depth: 3 });
    const error = new Error(POOL + ": the job's result cannot be sent back to the loop (" + e.message + '): ' + shown);
    port.postMessage({ id: msg.id, ok: false, error: encodeError(error) });
  }
}
// A function's source comes with the first job of it this worker runs; later jobs name its key.
port.on('message', async ({ id, key, src, args }) => {
  try {
    let fn = compiled.get(key);
    if (fn === undefined) {
      try {
        fn = (0, eval)(src);
      } catch (e) {
        fn = () => { throw e; };
      }
      compiled.set(key, fn);
    }
    const value = await fn(...args);
    reply({ id, ok: true, value });
  } catch (error) {
    reply({ id, ok: false, error: encodeError(error) });
  }
});
`;

const BUILTIN_ERRORS: Record<string, ErrorConstructor> = {
  Error,
  EvalError,
  RangeError,
  ReferenceError,
  SyntaxError,
  TypeError,
  URIError,
};

/** Sets an own, non-enumerable property (as `name`, `stack`, `cause` and `errors` are). */
function hidden(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, configurable: true, enumerable: false });
}

/**
 * Rebuilds an error sent back by a worker: an instance of its nearest built-in class, with its
 * name (a class of its own keeps it), message, the thread's stack, its own enumerable properties,
 * `cause`, and an `AggregateError`'s `errors`, each rebuilt the same way.
 */
export function decodeError(enc: EncodedError): unknown {
  if ('plain' in enc) return enc.plain;
  const errors = enc.errors?.map(decodeError);
  const e: Error =
    enc.base === 'AggregateError' ? new AggregateError(errors ?? [], enc.message) : new (BUILTIN_ERRORS[enc.base] ?? Error)(enc.message);
  if (e.name !== enc.name) hidden(e, 'name', enc.name);
  hidden(e, 'stack', enc.stack);
  if (enc.cause !== undefined) hidden(e, 'cause', decodeError(enc.cause));
  for (const [k, v] of Object.entries(enc.props)) {
    Object.defineProperty(e, k, { value: v, writable: true, configurable: true, enumerable: true });
  }
  return e;
}

/** The sources checked so far, by source text (a closure made again and again has one text). */
const sources = new Map<string, string>();

/** True when `expr` parses as an expression (nothing runs). */
function parses(expr: string): boolean {
  try {
    new Function(`return ${expr}`);
    return true;
  } catch {
    return false;
  }
}

/**
 * The expression a worker evaluates to get `fn` back: its source text, or for a method written
 * in shorthand (`{ double(x) { … } }`, a class's static method) the method taken out of an object
 * literal made of it. Throws a `TypeError` naming `op` when the source cannot be rebuilt: a native
 * or bound function (its text is `[native code]`), or any other text that is not a function.
 */
export function jobSource(op: string, fn: (...args: never[]) => unknown, to = 'a thread'): string {
  const text = Function.prototype.toString.call(fn);
  const key = `${fn.name}\u0000${text}`;
  let src = sources.get(key);
  if (src !== undefined) return src;
  if (/\{\s*\[native code\]\s*\}\s*$/.test(text)) {
    throw new TypeError(
      `${op}: the source of ${describe(fn)} cannot be sent to ${to}: a native or bound function has no source text ` +
        '(pass a self-contained function that calls it instead)',
    );
  }
  if (parses(`(${text}\n)`)) {
    // An arrow or anonymous function takes the name it has here (a `const job = () => …`), so the
    // thread's stack names it as this thread does.
    const name = typeof fn.name === 'string' && /^[A-Za-z_$][\w$]*$/.test(fn.name) ? fn.name : '';
    src = name === '' ? `(${text}\n)` : `({ ${name}: (${text}\n) }).${name}`;
  } else if (parses(`({${text}\n})`)) src = `((o) => o[Reflect.ownKeys(o)[0]])({${text}\n})`;
  else throw new TypeError(`${op}: the source of ${describe(fn)} cannot be sent to ${to}: its text is not a function expression`);
  if (sources.size >= 500) sources.clear();
  sources.set(key, src);
  return src;
}
