// (g) the raw anchor's worker (the anchors' e_rawworker.mjs): runs the task for each message.
import { parentPort } from 'node:worker_threads';
import task from './task.mjs';
parentPort.on('message', ([id, i]) => parentPort.postMessage([id, task(i)]));
