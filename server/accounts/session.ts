import { randomBytes } from 'node:crypto';
import { parse as parseCookie } from 'cookie';
import type { Db } from '../runtime/database.ts';
import { requestHost } from '../http/client-address.ts';
import { hashToken, type Authentication } from './auth.ts';

/** Name of the dashboard's session cookie (httpOnly, SameSite=Lax, Secure over https). */
export const SESSION_COOKIE = 'oscar_session';

/** How long a dashboard sign-in lasts. */
export const SESSION_LIFETIME_MS = 30 * 24 * 60 * 60 * 1000;

/** A new dashboard session: the secret goes into the cookie once; only its hash is stored. */
export interface NewSession {
  readonly secret: string;
  readonly expiresAt: Date;
  readonly userId: string;
}

/** Starts a session for a user, and clears that user's expired ones. */
export async function createSession(db: Db, userId: string, now = new Date()): Promise<NewSession> {
  const secret = randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + SESSION_LIFETIME_MS);
  await db.session.deleteMany({ where: { userId, expiresAt: { lte: now } } });
  await db.session.create({ data: { userId, tokenHash: hashToken(secret), expiresAt } });
  return { secret, expiresAt, userId };
}

/** Ends a session (sign-out); unknown ids are ignored. */
export async function deleteSession(db: Db, sessionId: string): Promise<void> {
  await db.session.deleteMany({ where: { id: sessionId } });
}

/** Resolves a session secret to its user; an unknown or expired one signs nothing in. */
export async function authenticateSession(db: Db, secret: string, now = new Date()): Promise<Authentication> {
  const row = await db.session.findUnique({
    where: { tokenHash: hashToken(secret) },
    select: { id: true, expiresAt: true, userId: true },
  });
  if (!row) return { viewer: null, problem: 'expired-session' };
  if (row.expiresAt <= now) {
    await deleteSession(db, row.id);
    return { viewer: null, problem: 'expired-session' };
  }
  return { viewer: { userId: row.userId, tokenId: null, sessionId: row.id }, problem: null };
}

/** The parts of a request (HTTP, or a WebSocket upgrade) that decide whether its cookie may be used. */
export interface CookieRequest {
  readonly method: string;
  /** Header lookup, lower-case names. */
  readonly header: (name: string) => string | null | undefined;
}

/**
 * The session secret of a request, when its cookie may authenticate it: cross-site requests are
 * refused (an `Origin` whose host is not the request's own `Host`; a proxy's `X-Forwarded-Host` counts
 * only when the operator trusts the proxy, OSCAR_TRUST_PROXY=1), and so are POSTs that a plain HTML
 * form could send: cookie-authenticated POSTs must be `application/json` (or
 * `application/graphql-response+json`), which a browser only sends cross-origin after a CORS preflight,
 * and Oscar's CORS answer never allows credentials.
 */
export function sessionSecretOf(request: CookieRequest, trustProxy: boolean): string | null {
  const cookieHeader = request.header('cookie');
  if (!cookieHeader) return null;
  const secret = parseCookie(cookieHeader)[SESSION_COOKIE];
  if (!secret) return null;
  const origin = request.header('origin');
  if (origin) {
    let originHost: string;
    try {
      originHost = new URL(origin).host.toLowerCase();
    } catch {
      return null;
    }
    if (originHost === '' || originHost !== requestHost(request.header, trustProxy)) return null;
  }
  if (request.method === 'POST') {
    const type = (request.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json' && type !== 'application/graphql-response+json') return null;
  }
  return secret;
}

/** A Node header value as one string (repeated headers joined as `Headers.get` would). */
export function headerValue(value: string | string[] | undefined): string | null {
  return Array.isArray(value) ? value.join(', ') : (value ?? null);
}
