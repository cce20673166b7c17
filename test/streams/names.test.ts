// Name resolution (src/streams/names.ts): loop.getaddrinfo and loop.getnameinfo over the
// system's resolver — loopback names and addresses only (the machines that run the tests may
// have no DNS), errors, cancellation and bad input; and Server.getLoop().
import { describe, expect, it } from 'vitest';
import { createTask, getRunningLoop, run, sleep, startServer } from 'tulip';
import { assertCancelled, errorOf, recordExceptions, syncError } from '../support.js';
import { shutdown } from './helpers.js';

describe('loop.getaddrinfo', () => {
  it('resolves localhost to its loopback addresses, each with the port asked for', () =>
    run(async () => {
      const found = await getRunningLoop().getaddrinfo('localhost', 8080);
      expect(found.length).toBeGreaterThan(0);
      for (const a of found) {
        expect(a.port).toBe(8080);
        expect([4, 6]).toContain(a.family);
        expect(['127.0.0.1', '::1']).toContain(a.address);
      }
    }));

  it('gives an IP address back as itself; family picks the version; the port defaults to 0', () =>
    run(function* () {
      const loop = getRunningLoop();
      expect(yield* loop.getaddrinfo('127.0.0.1')).toEqual([{ family: 4, address: '127.0.0.1', port: 0 }]);
      expect(yield* loop.getaddrinfo('::1', 443)).toEqual([{ family: 6, address: '::1', port: 443 }]);
      const v4 = yield* loop.getaddrinfo('localhost', 1, { family: 4 });
      expect(v4.every((a) => a.family === 4)).toBe(true);
    }));

  it('a name that cannot resolve fails with the resolver\'s error', () =>
    run(async () => {
      const e = await errorOf(() => getRunningLoop().getaddrinfo('no-such-host.invalid'));
      expect(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL']).toContain((e as NodeJS.ErrnoException).code);
    }));

  it('a cancelled lookup raises CancelledError and reports nothing', () =>
    run(async () => {
      const seen = recordExceptions();
      const t = createTask(() => getRunningLoop().getaddrinfo('localhost'));
      await sleep(0);
      t.cancel();
      assertCancelled(await errorOf(() => t));
      await sleep(20); // the lookup's answer arrives and is dropped
      expect(seen).toEqual([]);
    }));

  it('refuses bad arguments synchronously, naming them', () =>
    run(async () => {
      const loop = getRunningLoop();
      expect(syncError(() => loop.getaddrinfo('')).message).toBe('getaddrinfo: host must be a non-empty string, got ""');
      expect(syncError(() => loop.getaddrinfo('localhost', 70000))).toBeInstanceOf(RangeError);
      expect(syncError(() => loop.getaddrinfo('localhost', 1, { family: 5 as never })).message).toMatch(/getaddrinfo: family must be 0, 4 or 6/);
      expect(syncError(() => loop.getaddrinfo('localhost', 1, { addrconfig: 'yes' as never })).message).toMatch(/addrconfig must be a boolean/);
    }));
});

describe('loop.getnameinfo', () => {
  it('names a loopback address and a well-known port', () =>
    run(async () => {
      const [host, service] = await getRunningLoop().getnameinfo(['127.0.0.1', 80]);
      expect(typeof host).toBe('string');
      expect(host.length).toBeGreaterThan(0);
      expect(['http', '80']).toContain(service);
    }));

  it('refuses what is not [ip address, port]', () =>
    run(async () => {
      const loop = getRunningLoop();
      expect(syncError(() => loop.getnameinfo(['localhost', 80])).message).toBe('getnameinfo: sockaddr must be [ip address, port], got an array of 2');
      expect(syncError(() => loop.getnameinfo(['127.0.0.1', -1]))).toBeInstanceOf(RangeError);
      expect(syncError(() => loop.getnameinfo('127.0.0.1' as never))).toBeInstanceOf(TypeError);
    }));
});

describe('Server.getLoop', () => {
  it('is the loop the server was started in', () =>
    run(async () => {
      const server = await startServer(() => undefined, '127.0.0.1', 0);
      expect(server.getLoop()).toBe(getRunningLoop());
      await shutdown(server);
    }));
});
