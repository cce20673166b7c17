// (c) timers, tulip generator style: one task per sleep (`yield* sleep(d)`, d = (i*7919)%101 ms),
// joined with gather. Reported: CPU µs per sleep (process CPU) and wall.
import { argN, bench } from '../../lib/common.js';
import { createTask, gather, run, sleep, type Task } from '../../lib/tulip.js';

const N = argN(100_000);
const D = Array.from({ length: N }, (_, i) => (i * 7919) % 101);
function* sleeper(d: number): Generator<unknown, void, unknown> {
  yield* sleep(d);
}
await bench('tulip gen: sleep(d) + gather', N, () =>
  run(function* () {
    const ts = new Array<Task<void>>(N);
    for (let i = 0; i < N; i++) ts[i] = createTask(sleeper(D[i]!));
    yield* gather(ts);
  }),
);
