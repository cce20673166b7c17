/**
 * @internal asyncio's `loop.getaddrinfo` and `loop.getnameinfo` over Node's `dns.lookup` and
 * `dns.lookupService` (the system's resolver, as asyncio's, in libuv's thread pool). The loop's
 * methods of these names (loop/transports.ts) call these.
 */
import { lookup, lookupService } from 'node:dns';
import { isIP } from 'node:net';
import type { Future } from '../future.js';
import { checkOpts, describe } from '../internal/validate.js';
import type { EventLoop } from '../loop/eventloop.js';
import type { Address } from './protocols.js';
import { checkPort } from './connection.js';

/** One address `getaddrinfo` found (asyncio's `(family, type, proto, canonname, sockaddr)`, named). */
export interface AddrInfo {
  /** 4 or 6 (asyncio's `AF_INET`, `AF_INET6`). */
  family: 4 | 6;
  /** The IP address (asyncio's `sockaddr[0]`). */
  address: string;
  /** The port asked for (asyncio's `sockaddr[1]`), 0 if none. */
  port: number;
}

/** Options of `loop.getaddrinfo`. */
export interface GetAddrInfoOptions {
  /** 4 or 6 for that IP version only; 0 (the default) for both. */
  family?: 0 | 4 | 6;
  /** Only the versions this host has an address of (`AI_ADDRCONFIG`); default false. */
  addrconfig?: boolean;
}

/** Settles `fut` from a Node callback, unless it was cancelled (or its loop closed) meanwhile. */
function settle<T>(loop: EventLoop, fut: Future<T>, e: Error | null, value: () => T): void {
  if (fut.done() || loop.isClosed()) return;
  if (e !== null) fut.setException(e);
  else fut.setResult(value());
}

/** asyncio's `getaddrinfo` on `loop`. */
export function getaddrinfo(loop: EventLoop, host: string, port: number | undefined, opts: GetAddrInfoOptions = {}): Future<AddrInfo[]> {
  const op = 'getaddrinfo';
  if (typeof host !== 'string' || host === '') throw new TypeError(`${op}: host must be a non-empty string, got ${describe(host)}`);
  if (port !== undefined) checkPort(op, port);
  checkOpts(op, opts);
  const family = opts.family ?? 0;
  if (family !== 0 && family !== 4 && family !== 6) throw new TypeError(`${op}: family must be 0, 4 or 6, got ${describe(family)}`);
  if (opts.addrconfig !== undefined && typeof opts.addrconfig !== 'boolean') throw new TypeError(`${op}: addrconfig must be a boolean, got ${describe(opts.addrconfig)}`);
  const fut = loop.createFuture<AddrInfo[]>();
  const hints = opts.addrconfig === true ? 1024 /* dns.ADDRCONFIG */ : 0;
  lookup(host, { family, all: true, hints, verbatim: true }, (e, found) =>
    settle(loop, fut, e, () => found.map((a) => ({ family: a.family as 4 | 6, address: a.address, port: port ?? 0 }))),
  );
  return fut;
}

/** asyncio's `getnameinfo` on `loop`. */
export function getnameinfo(loop: EventLoop, sockaddr: Address): Future<[string, string]> {
  const op = 'getnameinfo';
  const ok = Array.isArray(sockaddr) && sockaddr.length === 2 && typeof sockaddr[0] === 'string' && isIP(sockaddr[0]) !== 0;
  if (!ok) throw new TypeError(`${op}: sockaddr must be [ip address, port], got ${describe(sockaddr)}`);
  checkPort(op, sockaddr[1]);
  const fut = loop.createFuture<[string, string]>();
  lookupService(sockaddr[0], sockaddr[1], (e, hostname, service) => settle(loop, fut, e, () => [hostname, service]));
  return fut;
}
