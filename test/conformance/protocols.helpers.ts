// Shared by the ports of CPython's tests of asyncio's transports and protocols
// (test/conformance/protocols.*.test.ts; see protocols.connection.test.ts for the conventions).
import type { Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Protocol,
  Transport,
  getRunningLoop,
  sleep,
  type Coroutine,
  type ExceptionContext,
} from 'tulip';
import { newFuture } from './helpers.js';
import { BOUND, rawServer, type Peer } from '../streams/helpers.js';

const FIXTURES = join(import.meta.dirname, '..', 'streams', 'fixtures');
export const key = readFileSync(join(FIXTURES, 'localhost.key'));
export const cert = readFileSync(join(FIXTURES, 'localhost.crt'));

// ---- helpers ----------------------------------------------------------------------------------

/**
 * asyncio's MyBaseProto: records each call in order ('made', 'data', 'eof', 'lost'), counts the
 * bytes, and resolves `made` and `lost` (with connectionLost's argument). A second
 * connectionMade or connectionLost would throw InvalidStateError, which the loop reports.
 */
export class Recorder extends Protocol {
  transport: Transport | undefined = undefined;
  calls: string[] = [];
  nbytes = 0;
  text = '';
  keepOpen = false;
  readonly made = newFuture<void>();
  readonly lost = newFuture<Error | undefined>();

  override connectionMade(t: Transport): void {
    this.transport = t;
    this.calls.push('made');
    this.made.setResult(undefined);
  }
  override dataReceived(d: Buffer): void {
    if (this.calls.at(-1) !== 'data') this.calls.push('data');
    this.nbytes += d.length;
    this.text += d.toString('latin1');
  }
  override eofReceived(): boolean | void {
    this.calls.push('eof');
    if (this.keepOpen) return true;
  }
  override connectionLost(exc: Error | undefined): void {
    this.calls.push('lost');
    this.lost.setResult(exc);
  }
}

/** asyncio's MyProto: a Recorder that sends an HTTP request as soon as it is connected. */
export class Requester extends Recorder {
  override connectionMade(t: Transport): void {
    super.connectionMade(t);
    t.write('GET / HTTP/1.0\r\nHost: example.com\r\n\r\n');
  }
}

/** Polls `pred` every 5 ms (bounded by BOUND): asyncio's test_utils.run_until. */
export async function until(pred: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < BOUND / 5; i++) {
    if (pred()) return;
    await sleep(5);
  }
  throw new Error(`timed out waiting until ${what}`);
}

/** Generator-style `until`. */
export function* untilG(pred: () => boolean, what: string): Coroutine<void> {
  for (let i = 0; i < BOUND / 5; i++) {
    if (pred()) return;
    yield* sleep(5);
  }
  throw new Error(`timed out waiting until ${what}`);
}

/** A raw peer that counts the connections it accepted and those that have closed since. */
export async function watchedPeer(onSocket: (s: Socket) => void = () => {}): Promise<{ peer: Peer; accepted: Socket[]; closed: () => number }> {
  const accepted: Socket[] = [];
  let closed = 0;
  const peer = await rawServer((s) => {
    accepted.push(s);
    s.on('close', () => closed++);
    s.resume(); // reads (and drops) what comes, so that it sees the client's end
    onSocket(s);
  });
  return { peer, accepted, closed: () => closed };
}

/** A port nothing listens on (bound, then released). */
export async function freePort(): Promise<number> {
  const p = await rawServer(() => {});
  const port = p.port;
  await p.close();
  return port;
}

export const messages = (seen: ExceptionContext[]): string[] => seen.map((c) => c.message);
export const codeOf = (e: unknown): unknown => (e as NodeJS.ErrnoException).code;
export const loopNet = () => getRunningLoop();
