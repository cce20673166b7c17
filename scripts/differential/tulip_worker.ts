// Runs programs on tulip inside a worker thread, so that a run that breaks the thread's tulip
// state (an error escaping the loop, a hung loop) costs only the worker: the driver replaces it.
import { parentPort } from 'node:worker_threads';
import type { Program } from './dsl.js';
import { runTulip, type Style } from './interp_tulip.js';

parentPort!.on('message', (msg: { id: number; prog: Program; style: Style; hangMs: number }) => {
  void runTulip(msg.prog, msg.style, msg.hangMs).then((res) => parentPort!.postMessage({ id: msg.id, res }));
});
