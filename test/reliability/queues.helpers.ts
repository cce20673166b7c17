// Helpers shared by the queue reliability tests (queues.test.ts and queueraces.test.ts): the three
// queue kinds and a queue of each kind.
import { LifoQueue, PriorityQueue, Queue } from 'tulip';

export type Kind = 'fifo' | 'lifo' | 'prio';
export const KINDS: readonly Kind[] = ['fifo', 'lifo', 'prio'];
export const make = (kind: Kind, maxsize: number): Queue<number> =>
  kind === 'fifo' ? new Queue<number>(maxsize) : kind === 'lifo' ? new LifoQueue<number>(maxsize) : new PriorityQueue<number>(maxsize);
