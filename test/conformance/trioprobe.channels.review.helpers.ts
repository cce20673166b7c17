// Helpers shared by the parts of the memory channel and CapacityLimiter review against Trio 0.22
// (trioprobe.channels.review.*.test.ts).
import {
  CancelScope,
  type Future,
  type MemoryChannelStatistics,
  type MemoryReceiveChannel,
  type MemorySendChannel,
  type TaskBody,
} from 'tulip';
import { styled, type Style } from './helpers.js';

/** The CancelScope of each blocked task, by its name. */
export type Scopes = Map<string, CancelScope>;

/**
 * A task body in `style` that, inside its own CancelScope (kept in `scopes` under `name`), waits
 * for `wait()` and logs `[name, verb, value?]`, `[name, 'cancelled']` or `[name, errorName]`.
 */
export function blocked<T>(style: Style, name: string, log: unknown[], wait: () => Future<T>, scopes?: Scopes, verb = 'got'): TaskBody<void> {
  const scope = new CancelScope();
  scopes?.set(name, scope);
  const got = (v: T): void => {
    log.push(v === undefined ? [name, verb] : [name, verb, v]);
  };
  const after = (): void => {
    if (scope.cancelledCaught) log.push([name, 'cancelled']);
  };
  const failed = (e: unknown): void => {
    log.push([name, (e as Error).name]);
  };
  return styled(
    style,
    function* () {
      try {
        yield* scope.run(function* () {
          got(yield* wait());
        });
      } catch (e) {
        return failed(e);
      }
      after();
    },
    async () => {
      try {
        await scope.run(async () => {
          got(await wait());
        });
      } catch (e) {
        return failed(e);
      }
      after();
    },
  );
}

/** Log entries sorted (Trio resumes one batch in a random order). */
export const sorted = (log: unknown[]): unknown[] => [...log].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));

/** Trio's statistics tuple: (current_buffer_used, max_buffer_size, open_send, open_receive, waiting_send, waiting_receive). */
export function st(ch: { statistics(): MemoryChannelStatistics }): [number, number, number, number, number, number] {
  const s = ch.statistics();
  return [s.currentBufferUsed, s.maxBufferSize, s.openSendChannels, s.openReceiveChannels, s.tasksWaitingSend, s.tasksWaitingReceive];
}

/** A receive on `ch`, as the `wait` that `blocked` takes. */
export const recv = <T>(ch: MemoryReceiveChannel<T>) => () => ch.receive();
/** A send of `v` on `ch`, as the `wait` that `blocked` takes. */
export const send = <T>(ch: MemorySendChannel<T>, v: T) => () => ch.send(v);
