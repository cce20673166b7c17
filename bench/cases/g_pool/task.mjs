// (g) the job of every pool (the anchors' e_task.mjs): sha256 of 1 KiB with the job's number in it.
import { createHash } from 'node:crypto';
const buf = Buffer.alloc(1024, 7);
export default function task(i) {
  buf.writeUInt32LE(i, 0);
  return createHash('sha256').update(buf).digest('hex');
}
