// ThreadPoolExecutor: what comes back from a job's thread (errors rebuilt), submitWith's signal,
// and a job that fails after its future was cancelled. One thread is shared (a thread takes tens of
// ms to start); jobs run in FIFO order.
import { afterAll, describe, expect, it } from 'vitest';
import { CancelledError, ThreadPoolExecutor, getRunningLoop, run, toThread } from 'tulip';
import { recordExceptions } from '../support.js';

const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
afterAll(() => pool.shutdown());

/** The error a job fails with. */
const failure = (p: PromiseLike<unknown>): Promise<unknown> =>
  Promise.resolve(p).then(
    () => null,
    (e: unknown) => e,
  );

/** A job that spins `ms` real ms (blocking its thread), then returns `ms`. */
const spin = (ms: number): number => {
  const start = Date.now();
  while (Date.now() - start < ms) {
    // blocking work
  }
  return ms;
};

describe('an error thrown in the thread comes back rebuilt', () => {
  it('a job that throws undefined fails its future with a TypeError, caught by the awaiting task (both styles)', () =>
    run(function* () {
      const loop = getRunningLoop();
      let caught: unknown;
      try {
        yield* loop.runInExecutor(pool, () => {
          throw undefined;
        });
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(TypeError);
      expect((caught as Error).message).toBe('the executor job was rejected with undefined; throw or reject with an Error');
      const viaAsync = loop.createTask(async () => {
        try {
          await toThread(() => {
            throw undefined;
          });
          return null;
        } catch (e) {
          return e;
        }
      });
      expect(yield* viaAsync).toBeInstanceOf(TypeError);
    }));

  it('a Node system error keeps its class, message, code, errno, syscall and path', async () => {
    const e = (await failure(pool.submit(() => require('node:fs').readFileSync('/nonexistent/x')))) as NodeJS.ErrnoException;
    expect(e).toBeInstanceOf(Error);
    expect(e.message).toMatch(/ENOENT: no such file or directory/);
    expect([e.code, e.errno, e.syscall, e.path]).toEqual(['ENOENT', -2, 'open', '/nonexistent/x']);
  });

  it('own fields, a name set on the prototype and the thread’s stack come back; the built-in base class is kept', async () => {
    const e = (await failure(
      pool.submit(() => {
        class HttpError extends RangeError {
          constructor(
            readonly status: number,
            readonly details: object,
          ) {
            super(`status ${status}`);
          }
        }
        HttpError.prototype.name = 'HttpError';
        throw new HttpError(404, { url: '/x' });
      }),
    )) as RangeError & { status: number; details: object };
    expect(e).toBeInstanceOf(RangeError);
    expect([e.name, e.message, e.status, e.details]).toEqual(['HttpError', 'status 404', 404, { url: '/x' }]);
    expect(Object.keys(e)).toEqual(['status', 'details']);
    expect(e.stack).toMatch(/^HttpError: status 404\n/);
  });

  it('an AggregateError keeps its errors, and a cause comes back, each rebuilt the same way', async () => {
    const e = (await failure(
      pool.submit(() => {
        class MineError extends Error {
          override name = 'MineError';
        }
        const inner = new MineError('inner', { cause: new TypeError('root') });
        throw new AggregateError([inner, 'not an error'], 'several');
      }),
    )) as AggregateError;
    expect(e).toBeInstanceOf(AggregateError);
    expect(e.message).toBe('several');
    const [inner, other] = e.errors as [Error, string];
    expect([inner.name, inner.message, other]).toEqual(['MineError', 'inner', 'not an error']);
    expect(inner.cause).toBeInstanceOf(TypeError);
    expect((inner.cause as Error).message).toBe('root');
  });

  it('a cause assigned after construction (err.cause = inner) comes back rebuilt too, with its name and own fields; a non-error cause as it is', async () => {
    const e = (await failure(
      pool.submit(() => {
        const inner = new RangeError('inner') as RangeError & { code: string };
        inner.code = 'E_INNER';
        inner.name = 'InnerError';
        const outer = new Error('outer') as Error & { cause: unknown };
        outer.cause = inner;
        throw outer;
      }),
    )) as Error;
    const cause = e.cause as RangeError & { code: string };
    expect(cause).toBeInstanceOf(RangeError);
    expect([cause.name, cause.message, cause.code]).toEqual(['InnerError', 'inner', 'E_INNER']);
    const e2 = (await failure(
      pool.submit(() => {
        const outer = new Error('outer') as Error & { cause: unknown };
        outer.cause = { status: 503 };
        throw outer;
      }),
    )) as Error;
    expect(e2.cause).toEqual({ status: 503 });
  });

  it('a field that cannot be cloned comes back as its inspect() text; a thrown non-error comes back as it is', async () => {
    const e = (await failure(
      pool.submit(() => {
        const err = new Error('with a callback') as Error & { retry: () => number };
        err.retry = () => 1;
        throw err;
      }),
    )) as Error & { retry: unknown };
    expect(e.message).toBe('with a callback');
    expect(e.retry).toMatch(/Function/);
    expect(await failure(pool.submit(() => Promise.reject({ reason: 'plain' })))).toEqual({ reason: 'plain' });
  });
});

describe('submitWith({ signal })', () => {
  it('aborting the signal of a queued job rejects its promise with the reason at once, and the job never runs', async () => {
    const ac = new AbortController();
    const blocker = pool.submit(spin, 20);
    const queued = pool.submitWith({ signal: ac.signal }, () => 'ran');
    expect(pool.statistics().queued).toBe(1);
    ac.abort(new Error('no longer needed'));
    expect(pool.statistics().queued).toBe(0);
    expect(String(await failure(queued))).toBe('Error: no longer needed');
    expect(await blocker).toBe(20);
  });

  it('a signal aborted already rejects at once; aborting a running job changes nothing: its result arrives', async () => {
    expect(String(await failure(pool.submitWith({ signal: AbortSignal.abort() }, () => 1)))).toMatch(/AbortError/);
    const ac = new AbortController();
    const running = pool.submitWith({ signal: ac.signal }, spin, 10);
    expect(pool.statistics().busy).toBe(1);
    ac.abort();
    expect(await running).toBe(10);
  });
});

describe('a job that fails after its future was cancelled', () => {
  it('its error goes to the exception handler while the loop is open', () =>
    run(async () => {
      const loop = getRunningLoop();
      loop.setDefaultExecutor(pool);
      const seen = recordExceptions(loop);
      const f = toThread(() => {
        const start = Date.now();
        while (Date.now() - start < 10) {
          // blocking work
        }
        throw new Error('late failure');
      });
      f.cancel();
      await pool.submit(() => 0); // queued behind it: the job has ended
      await new Promise((r) => setTimeout(r, 0));
      loop.setDefaultExecutor(null); // run() would shut the shared pool down
      expect(f.cancelled()).toBe(true);
      expect(seen.map((c) => `${c.message}: ${String(c.exception)}`)).toEqual([
        'runInExecutor: the job failed after its future was cancelled: Error: late failure',
      ]);
    }));

  it('a queued job whose future was cancelled is dropped without a report', () =>
    run(async () => {
      const loop = getRunningLoop();
      const seen = recordExceptions(loop);
      const blocker = loop.runInExecutor(pool, spin, 10);
      const f = loop.runInExecutor(pool, () => {
        throw new Error('never thrown');
      });
      f.cancel();
      await blocker;
      await pool.submit(() => 0);
      expect(f.cancelled()).toBe(true);
      expect(seen).toEqual([]);
      await expect(f).rejects.toBeInstanceOf(CancelledError);
    }));
});
