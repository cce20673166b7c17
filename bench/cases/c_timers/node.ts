// (c) timers, plain Node anchor: N async functions, each awaiting a setTimeout promise of
// (i*7919)%101 ms (deterministic 0..100 ms spread). Reported: CPU µs per sleep, and wall.
import { argN, bench } from '../../lib/common.js';

const N = argN(100_000);
const D = Array.from({ length: N }, (_, i) => (i * 7919) % 101);
const sleeper = async (d: number): Promise<void> => {
  await new Promise<void>((r) => setTimeout(r, d));
};
await bench('node: setTimeout + promise', N, () => Promise.all(D.map(sleeper)));
