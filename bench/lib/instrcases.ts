// The workloads `bench/instructions.ts` counts instructions of: `node instrcases.js CASE N` runs
// CASE twice (the first run warms the JIT up) in a loop whose stall monitor is off, since under
// valgrind every step is slow enough to trip it, and fine mode would then be what gets counted.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue, createTask, gather, getRunningLoop, openMemoryChannel, run, sleep, type Coroutine, type Task } from './tulip.js';

const quiet = (): void => {
  getRunningLoop().slowCallbackDuration = 1e9;
};

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
  'b-gen-queue': (n) =>
    run(function* () {
      quiet();
      const q1 = new Queue<number>();
      const q2 = new Queue<number>();
      const m = n >> 1;
      const p = createTask(function* () {
        for (let i = 0; i < m; i++) yield* q2.put(yield* q1.get());
      });
      for (let i = 0; i < m; i++) {
        yield* q1.put(i);
        yield* q2.get();
      }
      yield* p;
    }),
  'b-gen-channel': (n) =>
    run(function* () {
      quiet();
      const [s1, r1] = openMemoryChannel<number>(Infinity);
      const [s2, r2] = openMemoryChannel<number>(Infinity);
      const m = n >> 1;
      const p = createTask(function* () {
        for (let i = 0; i < m; i++) yield* s2.send(yield* r1.receive());
      });
      for (let i = 0; i < m; i++) {
        yield* s1.send(i);
        yield* r2.receive();
      }
      yield* p;
    }),
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
