// Shared by the transport tests (test/streams/transport*.test.ts, endpoints.test.ts): protocols
// that record their calls, and the test certificate of fixtures/.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Protocol, getRunningLoop, sleep, type EventLoop, type Future, type Transport } from 'tulip';

const FIXTURES = join(import.meta.dirname, 'fixtures');
export const key = readFileSync(join(FIXTURES, 'localhost.key'));
export const cert = readFileSync(join(FIXTURES, 'localhost.crt'));

/** A protocol that records every call, and a future done at connectionLost. */
export class Recorder extends Protocol {
  calls: string[] = [];
  data = '';
  transport!: Transport;
  lostWith: Error | undefined;
  readonly lost: Future<void>;
  keepOpen = false;
  constructor(loop: EventLoop = getRunningLoop()) {
    super();
    this.lost = loop.createFuture<void>();
  }
  override connectionMade(t: Transport): void {
    this.transport = t;
    this.calls.push('made');
  }
  override dataReceived(d: Buffer): void {
    if (this.calls.at(-1) !== 'data') this.calls.push('data'); // one entry per run of chunks
    this.data += d.toString('latin1');
  }
  override eofReceived(): boolean {
    this.calls.push('eof');
    return this.keepOpen;
  }
  override connectionLost(exc: Error | undefined): void {
    this.calls.push('lost');
    this.lostWith = exc;
    this.lost.setResult(undefined);
  }
}

/** An echo protocol for servers: writes back what it gets; keeps writing after the peer's EOF. */
export class Echo extends Recorder {
  override dataReceived(d: Buffer): void {
    super.dataReceived(d);
    this.transport.write(d);
  }
}


/** Polls `cond` every 2 ms (bounded), for what a protocol callback sets. */
export async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await sleep(2);
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
}
