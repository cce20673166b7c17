// (d) tulip echo server: node server-tulip.js MODE LIFETIME_MS
// MODE 'gen': on tulip's streams, a generator task per connection, `yield* reader.read(65536)` →
// `write` → `yield* writer.drain()`; 'async': the same as an async function with `await`;
// 'protocol': no task, a `Protocol` per connection (`loop.createServer`), `dataReceived` → `write`
// (asyncio's protocol server). Prints its port, and exits on its own after LIFETIME_MS (the
// orchestrator kills it earlier).
import type { AddressInfo } from 'node:net';
import { Protocol, getRunningLoop, run, sleep, startServer, type Server, type StreamReader, type StreamWriter, type Transport } from '../../lib/tulip.js';

const [mode, lifetime] = [process.argv[2] ?? 'gen', Number(process.argv[3] ?? 30_000)];

function* echoGen(reader: StreamReader, writer: StreamWriter): Generator<unknown, void, unknown> {
  try {
    for (;;) {
      const data = yield* reader.read(65536);
      if (data.length === 0) break;
      writer.write(data);
      yield* writer.drain();
    }
  } catch {
    // the client was killed mid-request: the connection is gone, nothing to report
  }
  writer.close();
}

async function echoAsync(reader: StreamReader, writer: StreamWriter): Promise<void> {
  try {
    for (;;) {
      const data = await reader.read(65536);
      if (data.length === 0) break;
      writer.write(data);
      await writer.drain();
    }
  } catch {
    // as above
  }
  writer.close();
}

class Echo extends Protocol {
  private transport!: Transport;
  override connectionMade(t: Transport): void {
    this.transport = t;
  }
  override dataReceived(data: Buffer): void {
    this.transport.write(data);
  }
}

// The main body is a generator so that the 'gen' server never switches AsyncLocalStorage on.
run(function* () {
  const server: Server =
    mode === 'protocol'
      ? yield* getRunningLoop().createServer(() => new Echo(), '127.0.0.1', 0)
      : yield* startServer(mode === 'async' ? echoAsync : echoGen, '127.0.0.1', 0);
  console.log((server.address() as AddressInfo).port);
  yield* sleep(lifetime);
  server.close();
  server.abortClients();
}).then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
