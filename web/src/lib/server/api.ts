import type { RequestEvent } from '@sveltejs/kit';
import type { Client } from '@urql/core';
import { env } from '$env/dynamic/private';
import { createOscarClient } from '$lib/graphql/client';

/** Name of the session cookie; the API reads the same name (server/session.ts). */
export const SESSION_COOKIE = 'oscar_session';

/**
 * Where the dashboard's server code reaches the API. Under `npm start` the API is this very process,
 * so the address the request arrived on (adapter-node's `platform.req`) works even with PORT=0 or
 * behind a proxy; under `vite dev`, the dev server's own origin proxies /graphql to the API.
 */
export function apiBase(event: Pick<RequestEvent, 'platform' | 'url'>): URL {
  const socket = event.platform?.req?.socket;
  if (socket?.localPort && socket.localAddress) {
    const address = socket.localAddress.replace(/^::ffff:/, '');
    return new URL(`http://${address.includes(':') ? `[${address}]` : address}:${socket.localPort}/`);
  }
  return new URL(event.url.origin);
}

/**
 * A urql client for server-side calls to the API on behalf of the browser: it carries the session
 * cookie (when there is one), never the browser's other cookies, and the browser's address, vouched
 * for by the process's internal secret (server/http/client-address.ts), so the API's rate limits
 * count the browser, not the dashboard's own address.
 */
export function serverApi(event: Pick<RequestEvent, 'platform' | 'url' | 'getClientAddress'>, session?: string): Client {
  const secret = env.OSCAR_INTERNAL_SECRET;
  const address = event.getClientAddress();
  return createOscarClient({
    base: apiBase(event),
    fetch: (input, init) => {
      const headers = new Headers(init?.headers);
      if (session) headers.set('cookie', `${SESSION_COOKIE}=${session}`);
      if (secret) {
        headers.set('x-oscar-internal', secret);
        headers.set('x-oscar-client-address', address);
      }
      return fetch(input, { ...init, headers });
    },
  });
}

/**
 * Stores a new session's secret: httpOnly, SameSite=Lax, Secure when the dashboard is served over https
 * (server/dashboard.ts tells adapter-node the protocol: TLS, or a proxy's `X-Forwarded-Proto`).
 */
export function setSessionCookie(event: Pick<RequestEvent, 'cookies' | 'url' | 'platform' | 'request'>, secret: string, expiresAt: string): void {
  event.cookies.set(SESSION_COOKIE, secret, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: event.url.protocol === 'https:',
    expires: new Date(expiresAt),
  });
}

/** Removes the session cookie (with the same attributes it was set with). */
export function clearSessionCookie(event: Pick<RequestEvent, 'cookies' | 'url' | 'platform' | 'request'>): void {
  event.cookies.delete(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax', secure: event.url.protocol === 'https:' });
}
