import type { Socket } from 'node:net';
import { StreamReader, type ReadFlow } from './reader.js';
import { StreamWriter } from './writer.js';

/** Pauses and resumes every pipe that feeds one reader. */
class PipesFlow implements ReadFlow {
  private readonly _pipes: readonly Socket[];
  constructor(pipes: readonly Socket[]) {
    this._pipes = pipes;
  }
  pauseReading(): void {
    for (const p of this._pipes) p.pause();
  }
  resumeReading(): void {
    for (const p of this._pipes) p.resume();
  }
}

/**
 * @internal A reader fed by one or more one-way pipes (a child's stdout, or its stdout and stderr
 * merged): their bytes in the order they arrive, the end of the stream once every pipe has
 * ended, the first pipe error for the next read (asyncio's `connect_read_pipe` with a
 * `StreamReaderProtocol`). The reader pauses the pipes past twice its limit.
 */
export function pipeReader(pipes: readonly Socket[], limit: number): StreamReader {
  const reader = new StreamReader({ limit });
  reader._flow = new PipesFlow(pipes);
  let open = pipes.length;
  for (const p of pipes) {
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      if (--open === 0 && !reader._eof && reader.exception() === undefined) reader.feedEof();
    };
    p.on('data', (d: Buffer) => {
      if (!reader._eof) reader.feedData(d);
    });
    p.on('end', end);
    p.on('close', end);
    p.on('error', (e: Error) => {
      if (reader.exception() === undefined && !reader._eof) reader.setException(e);
    });
  }
  return reader;
}

/**
 * @internal A writer over a one-way pipe (a child's stdin; asyncio's `connect_write_pipe`): a
 * pipe error (EPIPE once the child is gone) reaches the next `drain()`, never the process.
 */
export function pipeWriter(pipe: Socket): StreamWriter {
  const writer = new StreamWriter(pipe, null);
  pipe.on('error', (e: Error) => writer._failed(e));
  return writer;
}
