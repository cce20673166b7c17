// The workloads `bench/instructions.ts` counts instructions of: `node instrcases.js CASE N` runs
// CASE twice (the first run warms the JIT up) in a loop whose stall monitor is off, since under
// valgrind every step is slow enough to trip it, and fine mode would then be what gets counted.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FutureQueue } from '../cases/b_pingpong/tulip-queue.js';
import { Queue, createTask, gather, getRunningLoop, openMemoryChannel, run, sleep, type Coroutine, type Future, type Task } from './tulip.js';

const quiet = (): void => {
  getRunningLoop().slowCallbackDuration = 1e9;
};

/** One direction of a ping-pong: a `Queue`, or the two ends of a memory channel. */
interface Pipe {
  put(x: number): Future<void>;
  get(): Future<number>;
}

function queuePipe(): Pipe {
  const q = new Queue<number>();
  return { put: (x) => q.put(x), get: () => q.get() };
}

function channelPipe(): Pipe {
  const [send, receive] = openMemoryChannel<number>(Infinity);
  return { put: (x) => send.send(x), get: () => receive.receive() };
}

/**
 * The floor of the (b) cases: the suite's minimal queue on bare futures
 * (bench/cases/b_pingpong/tulip-queue.ts) — a buffer, waiting futures, no checks, no cancellation
 * handling. What `Queue` and the channel cost above it is theirs.
 */
function futurePipe(): Pipe {
  const loop = getRunningLoop();
  const q = new FutureQueue<number>(loop);
  return {
    put: (x) => {
      q.put(x);
      return loop._doneVoid as Future<void>;
    },
    get: () => q.get(),
  };
}

/** `n` hand-offs (n/2 round trips) between the main task and a second one, generator style. */
function* pingPong(n: number, there: Pipe, back: Pipe): Coroutine<void> {
  quiet();
  const m = n >> 1;
  const echo = createTask(function* () {
    for (let i = 0; i < m; i++) yield* back.put(yield* there.get());
  });
  for (let i = 0; i < m; i++) {
    yield* there.put(i);
    yield* back.get();
  }
  yield* echo;
}

/** Each workload as in the suite: (a) spawn-and-join, (b) ping-pong hand-offs, (c) sleeps. */
export const INSTR_CASES: Record<string, (n: number) => Promise<unknown>> = {
  'a-gen': (n) =>
    run(function* () {
      quiet();
      function* child(): Coroutine<void> {
        yield* sleep(0);
      }
      const ts = new Array<Task<void>>(n);
      for (let i = 0; i < n; i++) ts[i] = createTask(child());
      yield* gather(ts);
    }),
  'a-async': (n) =>
    run(async () => {
      quiet();
      const child = async (): Promise<void> => {
        await sleep(0);
      };
      const ts = new Array<Task<void>>(n);
      for (let i = 0; i < n; i++) ts[i] = createTask(child);
      await gather(ts);
    }),
  'b-gen-queue': (n) => run(() => pingPong(n, queuePipe(), queuePipe())),
  'b-gen-channel': (n) => run(() => pingPong(n, channelPipe(), channelPipe())),
  'b-gen-futures': (n) => run(() => pingPong(n, futurePipe(), futurePipe())),
  'b-async-queue': (n) =>
    run(async () => {
      quiet();
      const q1 = new Queue<number>();
      const q2 = new Queue<number>();
      const m = n >> 1;
      const p = createTask(async () => {
        for (let i = 0; i < m; i++) await q2.put(await q1.get());
      });
      for (let i = 0; i < m; i++) {
        await q1.put(i);
        await q2.get();
      }
      await p;
    }),
  'c-gen': (n) =>
    run(function* () {
      quiet();
      function* sleeper(d: number): Coroutine<void> {
        yield* sleep(d);
      }
      const ts = new Array<Task<void>>(n);
      for (let i = 0; i < n; i++) ts[i] = createTask(sleeper((i * 7919) % 101));
      yield* gather(ts);
    }),
};

const [name, nArg] = process.argv.slice(2);
if (name !== undefined && process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const body = INSTR_CASES[name];
  if (body === undefined) throw new Error(`instrcases: no case ${name} (cases: ${Object.keys(INSTR_CASES).join(', ')})`);
  const n = Number(nArg ?? 100_000);
  await body(n);
  await body(n);
}
