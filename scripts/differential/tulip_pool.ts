// The driver's handle on the tulip worker (tulip_worker.ts): one program at a time; a worker whose
// run hung or escaped the loop is thrown away and replaced.
import { Worker } from 'node:worker_threads';
import type { Program, RunResult } from './dsl.js';
import type { Style } from './interp_tulip.js';

export class TulipRunner {
  private worker: Worker | null = null;
  private nextId = 0;

  private spawn(): Worker {
    const w = new Worker(new URL('./tulip_worker.mjs', import.meta.url));
    w.unref();
    return w;
  }

  run(prog: Program, style: Style, hangMs: number): Promise<RunResult> {
    const w = (this.worker ??= this.spawn());
    const id = this.nextId++;
    return new Promise((resolve) => {
      const onMsg = (m: { id: number; res: RunResult }): void => {
        if (m.id !== id) return;
        done();
        // A hung loop or an escaped error leaves the worker's tulip in an unknown state.
        if (/HANG|UNCAUGHT/.test(m.res.outcome)) this.replace(w);
        resolve(m.res);
      };
      const onErr = (e: unknown): void => {
        done();
        this.replace(w);
        resolve({ trace: [], outcome: `UNCAUGHT ${String(e)}`, reports: [] });
      };
      const done = (): void => {
        w.off('message', onMsg);
        w.off('error', onErr);
      };
      w.on('message', onMsg);
      w.on('error', onErr);
      w.postMessage({ id, prog, style, hangMs });
    });
  }

  private replace(w: Worker): void {
    if (this.worker === w) this.worker = null;
    void w.terminate();
  }

  close(): void {
    if (this.worker) void this.worker.terminate();
    this.worker = null;
  }
}
