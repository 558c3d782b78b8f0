import { createHash, randomBytes } from 'node:crypto';
import { hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2';
import type { Db } from '../runtime/database.ts';
import { nameProblem, newNameProblem } from '../text.ts';

/** The signed-in user behind a request. */
export interface Viewer {
  readonly userId: string;
  /** The API token used, or null for a dashboard session. */
  readonly tokenId: string | null;
  /** The dashboard session used, when signed in through the dashboard (see server/session.ts). */
  readonly sessionId?: string | null;
}

const TOKEN_PREFIX = 'oscar_';
const LAST_USED_RESOLUTION_MS = 60_000;

/** SHA-256 of a token: tokens carry 256 random bits, so a fast hash is the right tool here. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Normalises an e-mail address for lookup and storage. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Longest e-mail address (RFC 5321's path limit) and password accepted anywhere. */
export const MAX_EMAIL_LENGTH = 254;
export const MAX_PASSWORD_LENGTH = 1024;

/** Checks an e-mail address and password at the boundary, naming the field that is wrong. */
export function validateCredentials(email: string, password: string): string | null {
  if (email.length > MAX_EMAIL_LENGTH) return `email must be at most ${MAX_EMAIL_LENGTH} characters`;
  if (!/^[^\s@]+@[^\s@]+$/.test(email.trim())) return `email must look like name@host, but got ${JSON.stringify(email)}`;
  const problem = nameProblem(email.trim(), MAX_EMAIL_LENGTH);
  if (problem !== null) return `email ${problem}`;
  if (password.length < 8) return 'password must be at least 8 characters long';
  if (password.length > MAX_PASSWORD_LENGTH) return `password must be at most ${MAX_PASSWORD_LENGTH} characters long`;
  return null;
}

/**
 * Why an e-mail address cannot be given to a new user, or null: beyond {@link validateCredentials}, it
 * may not hide characters (see `newNameProblem`). An address stored before may still sign in and be
 * given a password.
 */
export function newEmailProblem(email: string): string | null {
  const problem = newNameProblem(email.trim(), MAX_EMAIL_LENGTH);
  return problem === null ? null : `email ${problem}`;
}

/** Creates a user with an argon2id password hash; fails if the e-mail is taken. */
export async function createUser(db: Db, email: string, password: string): Promise<{ id: string; email: string }> {
  const passwordHash = await argon2Hash(password);
  return db.user.create({
    data: { email: normaliseEmail(email), passwordHash },
    select: { id: true, email: true },
  });
}

/**
 * Sets the password of the user with this e-mail (one created without a password by
 * `oscar token create`, or one whose password is forgotten) and ends that user's dashboard sessions.
 * Returns the user, or null when there is none.
 */
export async function setPassword(db: Db, email: string, password: string): Promise<{ id: string; email: string } | null> {
  const user = await db.user.findUnique({ where: { email: normaliseEmail(email) }, select: { id: true, email: true } });
  if (!user) return null;
  const passwordHash = await argon2Hash(password);
  await db.$transaction([db.user.update({ where: { id: user.id }, data: { passwordHash } }), db.session.deleteMany({ where: { userId: user.id } })]);
  return user;
}

/** The longest API token name. */
export const MAX_TOKEN_NAME = 100;

/** A token name as stored: surrounding spaces dropped, '' for none. */
export function tokenName(raw: string | null | undefined): string {
  return (raw ?? '').trim();
}

/** Why a token name (from {@link tokenName}) cannot be stored, or null: the API and the CLI check alike. */
export function tokenNameProblem(name: string): string | null {
  const problem = name === '' ? null : newNameProblem(name, MAX_TOKEN_NAME);
  return problem === null ? null : `name ${problem}`;
}

let dummyHash: Promise<string> | undefined;

/** An argon2 hash of a random password, checked against when there is no such user. */
function unknownUserHash(): Promise<string> {
  return (dummyHash ??= argon2Hash(randomBytes(16).toString('hex')));
}

/** Returns the user whose e-mail and password match, or null. */
export async function verifyPassword(db: Db, email: string, password: string): Promise<{ id: string; email: string } | null> {
  const user = await db.user.findUnique({ where: { email: normaliseEmail(email) } });
  if (!user?.passwordHash) {
    // Spend the same time as for a real account, so the answer's timing does not tell who has one.
    await argon2Verify(await unknownUserHash(), password);
    return null;
  }
  return (await argon2Verify(user.passwordHash, password)) ? { id: user.id, email: user.email } : null;
}

/** Issues a new API token for a user. The secret is returned once; only its hash is stored. */
export async function createApiToken(db: Db, userId: string, name = ''): Promise<{ id: string; token: string }> {
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const row = await db.apiToken.create({
    data: { userId, name, tokenHash: hashToken(token), prefix: token.slice(0, TOKEN_PREFIX.length + 6) },
    select: { id: true },
  });
  return { id: row.id, token };
}

/**
 * Extracts the token from an `Authorization` value: `Bearer TOKEN`, or the bare token; also `Bearer
 * Bearer TOKEN`, what a client sends for a token given to it with its `Bearer ` already in front
 * (`Oscar('Bearer oscar_...')`, copied from a curl line).
 */
export function parseAuthorization(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > 4096) return null;
  const match = /^\s*(?:bearer\s+){0,2}(\S+)\s*$/i.exec(value);
  return match?.[1] ?? null;
}

/** Why credentials that were sent did not sign the request in. */
export type AuthProblem = 'unknown-token' | 'revoked-token' | 'expired-session';

/** The outcome of checking a request's credentials. */
export type Authentication = { readonly viewer: Viewer; readonly problem: null } | { readonly viewer: null; readonly problem: AuthProblem | null };

/** What an UNAUTHENTICATED answer says, by what went wrong. */
export function authMessage(problem: AuthProblem | null): string {
  switch (problem) {
    case 'unknown-token':
      return 'This API token is not known to this server: check that it was copied whole (it starts with "oscar_")';
    case 'revoked-token':
      return 'This API token has been revoked: create a new one in the Account panel or with `oscar token create`';
    case 'expired-session':
      return 'Your dashboard session has ended: sign in again';
    default:
      return 'Authentication required: send "Authorization: Bearer <API token>"';
  }
}

/** Resolves an API token to its owner, or says why it cannot be used (unknown, or revoked). */
export async function authenticateToken(db: Db, token: string): Promise<Authentication> {
  const row = await db.apiToken.findUnique({
    where: { tokenHash: hashToken(token) },
    // One row, no join: the user's id is all a request needs (its e-mail is read where it is asked for).
    select: { id: true, revokedAt: true, lastUsedAt: true, userId: true },
  });
  if (!row) return { viewer: null, problem: 'unknown-token' };
  if (row.revokedAt) return { viewer: null, problem: 'revoked-token' };
  const now = Date.now();
  if (!row.lastUsedAt || now - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    await db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: new Date(now) } });
  }
  return { viewer: { userId: row.userId, tokenId: row.id }, problem: null };
}
