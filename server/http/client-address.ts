import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import ipaddr from 'ipaddr.js';

/**
 * Headers by which the dashboard's own server-side API calls say which browser they act for. They
 * count only with the process's internal secret, which the dashboard handler gets from the same
 * process (or, under `npm run dev`, from the environment both processes share).
 */
export const INTERNAL_SECRET_HEADER = 'x-oscar-internal';
export const CLIENT_ADDRESS_HEADER = 'x-oscar-client-address';

/** The internal secret: OSCAR_INTERNAL_SECRET if set (shared by `npm run dev`'s two processes), else random per process. */
export function internalSecret(env: NodeJS.ProcessEnv = process.env): string {
  return (env.OSCAR_INTERNAL_SECRET ||= randomBytes(32).toString('base64url'));
}

function sameSecret(given: string | string[] | undefined, secret: string): boolean {
  if (typeof given !== 'string' || given.length !== secret.length) return false;
  return timingSafeEqual(Buffer.from(given), Buffer.from(secret));
}

/** How to tell who sent a request. */
export interface AddressPolicy {
  /** OSCAR_TRUST_PROXY=1: the nearest proxy's `X-Forwarded-For` entry names the client. */
  readonly trustProxy: boolean;
  readonly internalSecret: string;
}

/**
 * The client an address stands for in rate limits: an IPv4 address as it is; an IPv6 address as its
 * /64 network (`2001:db8:1:2::/64`), since one host or household is given a whole /64 and can send
 * from any of its 2^64 addresses; anything else (a vouched group, `unknown`) as given.
 */
export function addressGroup(address: string): string {
  // A zone id (`fe80::1%eth0`) names the local interface, not the client.
  const bare = address.replace(/%.*$/, '');
  if (ipaddr.IPv6.isValid(bare)) {
    const parsed = ipaddr.IPv6.parse(bare);
    if (parsed.isIPv4MappedAddress()) return parsed.toIPv4Address().toString();
    return `${new ipaddr.IPv6([...parsed.parts.slice(0, 4), 0, 0, 0, 0]).toString()}/64`;
  }
  return address;
}

/**
 * The address a request comes from, for rate limits: the browser's, for the dashboard's own calls
 * (with the internal secret); the right-most `X-Forwarded-For` entry (the one the nearest proxy added)
 * when the operator trusts a proxy; else the socket's peer. Never a header a client could forge alone.
 * IPv6 addresses count by their /64 network ({@link addressGroup}).
 */
export function clientAddress(req: IncomingMessage, policy: AddressPolicy): string {
  const vouched = req.headers[CLIENT_ADDRESS_HEADER];
  if (typeof vouched === 'string' && vouched !== '' && sameSecret(req.headers[INTERNAL_SECRET_HEADER], policy.internalSecret)) {
    return vouched;
  }
  if (policy.trustProxy) {
    const forwarded = req.headers['x-forwarded-for'];
    const entries = (Array.isArray(forwarded) ? forwarded.join(',') : (forwarded ?? '')).split(',');
    const nearest = entries.at(-1)?.trim();
    if (nearest) return addressGroup(nearest);
  }
  return addressGroup(req.socket.remoteAddress ?? 'unknown');
}

/** The host a request was addressed to: `Host`, or the proxy's `X-Forwarded-Host` when the operator trusts a proxy. */
export function requestHost(header: (name: string) => string | null | undefined, trustProxy: boolean): string | null {
  const forwarded = trustProxy ? header('x-forwarded-host') : null;
  const host = forwarded ?? header('host');
  return host ? host.split(',')[0]!.trim().toLowerCase() : null;
}

/** The protocol a request came over: TLS, or the proxy's `X-Forwarded-Proto` when the operator trusts a proxy. */
export function requestProtocol(req: IncomingMessage, trustProxy: boolean): 'http' | 'https' {
  if ((req.socket as { encrypted?: boolean }).encrypted) return 'https';
  const forwarded = trustProxy ? req.headers['x-forwarded-proto'] : undefined;
  const proto = typeof forwarded === 'string' ? forwarded.split(',')[0]!.trim().toLowerCase() : undefined;
  return proto === 'https' ? 'https' : 'http';
}
