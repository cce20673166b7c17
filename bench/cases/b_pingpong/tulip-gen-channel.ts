// (b) ping-pong through two tulip memory channels (`openMemoryChannel(Infinity)`, Trio's
// unbounded buffer), generator style: `yield* send.send(x)` / `yield* receive.receive()`.
import { argN, bench } from '../../lib/common.js';
import { createTask, openMemoryChannel, run } from '../../lib/tulip.js';

const M = argN(1_000_000) >> 1;
await bench('tulip gen: memory channel', 2 * M, () =>
  run(function* () {
    const [s1, r1] = openMemoryChannel<number>(Infinity);
    const [s2, r2] = openMemoryChannel<number>(Infinity);
    const p = createTask(function* () {
      for (let i = 0; i < M; i++) yield* s2.send(yield* r1.receive());
    });
    for (let i = 0; i < M; i++) {
      yield* s1.send(i);
      yield* r2.receive();
    }
    yield* p;
  }),
);
