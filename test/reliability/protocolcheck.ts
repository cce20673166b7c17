// The protocol the transport property suites (protocols, pipes, starttls) drive: it checks
// asyncio's protocol state machine at every call and records what it received. Each suite
// subclasses it for the checks of its own transports (which side may be called, a framing).
import { Protocol, sleep, type Transport } from 'tulip';

/**
 * Records every violation of asyncio's protocol state machine:
 * - connectionMade first and once; connectionLost last and once;
 * - no dataReceived nor eofReceived while reading is paused (asyncio's paused transport reads
 *   nothing, so it cannot see the end either), no data after eofReceived; eofReceived at most once;
 * - pauseWriting and resumeWriting alternate, pause first, and never come after connectionLost;
 * - pauseWriting only when the buffer is over the high mark, resumeWriting at or under the low.
 */
export class CheckedProtocol extends Protocol {
  /** The transport in use (after a startTls, the one it returned). */
  transport: Transport | null = null;
  readonly violations: string[] = [];
  readonly calls: string[] = [];
  readonly received: Buffer[] = [];
  paused = false; // reading paused by the test
  writingPaused = false;
  eof = false;
  lost = false;
  lostWith: Error | undefined;
  /** The message of a connectionMade that is not the first call. */
  protected madeNotFirst = 'connectionMade not first';
  private readonly lostSignal: Promise<void>;
  private lostResolve!: () => void;

  constructor(readonly side: string) {
    super();
    this.lostSignal = new Promise((resolve) => (this.lostResolve = resolve));
  }

  protected check(ok: boolean, what: string): void {
    if (!ok) this.violations.push(`${this.side}: ${what} (calls: ${this.calls.join(' ')})`);
  }

  override connectionMade(t: Transport): void {
    this.check(this.calls.length === 0, this.madeNotFirst);
    this.calls.push('made');
    this.transport = t;
  }

  /** Pauses its transport's reading for `ms` real ms, `paused` meanwhile (a pause is a no-op once closing). */
  async pauseReadingFor(ms: number): Promise<void> {
    const t = this.transport!;
    t.pauseReading();
    this.paused = !t.isClosing();
    await sleep(ms);
    this.paused = false;
    t.resumeReading();
  }

  /** The checks of a dataReceived call (subclasses that parse the data call this). */
  protected checkData(): void {
    if (this.calls.at(-1) !== 'data') this.calls.push('data');
    this.check(this.transport !== null, 'data before connectionMade');
    this.check(!this.paused, 'data while reading is paused');
    this.check(!this.eof, 'data after eofReceived');
    this.check(!this.lost, 'data after connectionLost');
  }

  override dataReceived(d: Buffer): void {
    this.checkData();
    this.received.push(Buffer.from(d));
  }

  override eofReceived(): boolean {
    this.calls.push('eof');
    this.check(!this.paused, 'eofReceived while reading is paused');
    this.check(!this.eof, 'eofReceived twice');
    this.check(!this.lost, 'eofReceived after connectionLost');
    this.eof = true;
    return false;
  }

  override pauseWriting(): void {
    this.calls.push('pauseW');
    this.check(!this.writingPaused, 'pauseWriting twice');
    this.check(!this.lost, 'pauseWriting after connectionLost');
    const t = this.transport!;
    this.check(t.getWriteBufferSize() > t.getWriteBufferLimits()[1], `pauseWriting at ${t.getWriteBufferSize()} bytes, limits ${t.getWriteBufferLimits()}`);
    this.writingPaused = true;
  }

  override resumeWriting(): void {
    this.calls.push('resumeW');
    this.check(this.writingPaused, 'resumeWriting without pauseWriting');
    this.check(!this.lost, 'resumeWriting after connectionLost');
    const t = this.transport!;
    this.check(t.getWriteBufferSize() <= t.getWriteBufferLimits()[0], `resumeWriting at ${t.getWriteBufferSize()} bytes, limits ${t.getWriteBufferLimits()}`);
    this.writingPaused = false;
  }

  override connectionLost(exc: Error | undefined): void {
    this.calls.push('lost');
    this.check(!this.lost, 'connectionLost twice');
    this.check(this.transport !== null, 'connectionLost before connectionMade');
    this.lost = true;
    this.lostWith = exc;
    this.lostResolve();
  }

  whenLost(): Promise<void> {
    return this.lostSignal;
  }

  bytes(): Buffer {
    return Buffer.concat(this.received);
  }
}
