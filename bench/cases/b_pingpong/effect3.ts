// (b) ping-pong, Effect 3 (the anchors' code): two `Queue.unbounded` inside `Effect.gen`, a forked
// fiber echoing, M round trips = 2*M hand-offs.
import { argN, bench } from '../../lib/common.js';
import { peer } from '../../lib/peer.js';

const M = argN(1_000_000) >> 1;
const { Effect, Queue, Fiber } = await peer('effect3');
const fork = Effect.forkChild ?? Effect.fork; // v4 ?? v3
await bench('effect3: Queue.unbounded', 2 * M, () =>
  Effect.runPromise(
    Effect.gen(function* () {
      const q1 = yield* Queue.unbounded();
      const q2 = yield* Queue.unbounded();
      const f = yield* fork(
        Effect.gen(function* () {
          for (let i = 0; i < M; i++) yield* Queue.offer(q2, yield* Queue.take(q1));
        }),
      );
      for (let i = 0; i < M; i++) {
        yield* Queue.offer(q1, i);
        yield* Queue.take(q2);
      }
      yield* Fiber.join(f);
    }),
  ),
);
