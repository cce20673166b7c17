// (b) ping-pong through two tulip memory channels (`openMemoryChannel(Infinity)`, Trio's
// unbounded buffer), async-function style: `await send.send(x)` / `await receive.receive()`.
import { argN, bench } from '../../lib/common.js';
import { createTask, openMemoryChannel, run } from '../../lib/tulip.js';

const M = argN(1_000_000) >> 1;
await bench('tulip async: memory channel', 2 * M, () =>
  run(async () => {
    const [s1, r1] = openMemoryChannel<number>(Infinity);
    const [s2, r2] = openMemoryChannel<number>(Infinity);
    const p = createTask(async () => {
      for (let i = 0; i < M; i++) await s2.send(await r1.receive());
    });
    for (let i = 0; i < M; i++) {
      await s1.send(i);
      await r2.receive();
    }
    await p;
  }),
);
