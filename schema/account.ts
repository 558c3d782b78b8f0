import { builder, type Context } from './builder.ts';
import { badInput, isUniqueViolation, userError } from '../server/errors.ts';
import {
  createApiToken,
  createUser,
  MAX_EMAIL_LENGTH,
  MAX_PASSWORD_LENGTH,
  normaliseEmail,
  tokenName,
  tokenNameProblem,
  validateCredentials,
  newEmailProblem,
  verifyPassword,
  type Viewer,
} from '../server/accounts/auth.ts';
import { createSession, deleteSession } from '../server/accounts/session.ts';
import type { ApiToken as ApiTokenRow, User as UserRow } from '../server/generated/prisma/client.ts';

const UserRef = builder.prismaObject('User', {
  description: 'A person who owns experiments and API tokens.',
  fields: (t) => ({
    id: t.exposeID('id'),
    email: t.exposeString('email'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    liveSubscriptions: t.int({
      description: 'Your subscriptions listening for events on the server process that answers (each replica counts its own).',
      resolve: (user, _args, ctx) => (ctx.viewer?.userId === user.id ? ctx.runtime.live.listeningOf(user.id) : 0),
    }),
  }),
});

const ApiTokenRef = builder.prismaObject('ApiToken', {
  description: 'An API token: its secret is shown once, at creation; only a hash is stored.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    prefix: t.exposeString('prefix', { description: 'The first characters of the secret, to recognise it.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true, description: 'Within a minute.' }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
  }),
});

const NewApiToken = builder
  .objectRef<{ readonly secret: string; readonly token: ApiTokenRow }>('NewApiToken')
  .implement({
    description: 'A token just created: `secret` is shown this once and cannot be read again.',
    fields: (t) => ({
      secret: t.exposeString('secret'),
      token: t.field({ type: ApiTokenRef, resolve: (created) => created.token }),
    }),
  });

const DashboardSession = builder
  .objectRef<{ readonly secret: string; readonly expiresAt: Date; readonly user: UserRow }>('DashboardSession')
  .implement({
    description: "A dashboard sign-in: `secret` belongs in the dashboard's httpOnly session cookie.",
    fields: (t) => ({
      secret: t.exposeString('secret'),
      expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
      user: t.field({ type: UserRef, resolve: (session) => session.user }),
    }),
  });

/** Token management needs a dashboard sign-in, so a leaked API token cannot mint or revoke others. */
function requireSession(ctx: Context & { readonly viewer: Viewer }): Viewer {
  if (!ctx.viewer.sessionId) {
    throw userError('FORBIDDEN', 'Managing API tokens needs a dashboard sign-in, not an API token');
  }
  return ctx.viewer;
}

/** Refuses e-mails and passwords longer than any real one (before any work is done for them). */
function checkCredentialLengths(email: string, password: string): void {
  if (email.length > MAX_EMAIL_LENGTH) throw badInput('email', `email must be at most ${MAX_EMAIL_LENGTH} characters`);
  if (password.length > MAX_PASSWORD_LENGTH) throw badInput('password', `password must be at most ${MAX_PASSWORD_LENGTH} characters`);
}

/** Validates a token name at the boundary. */
function checkedTokenName(raw: string | null | undefined): string {
  const name = tokenName(raw);
  const problem = tokenNameProblem(name);
  if (problem !== null) throw badInput('name', problem);
  return name;
}

/** The caller's token with this id, or NOT_FOUND. */
async function ownToken(ctx: Context, viewer: Viewer, id: string) {
  const token = await ctx.runtime.db.apiToken.findFirst({ where: { id, userId: viewer.userId }, select: { id: true } });
  if (!token) throw userError('NOT_FOUND', `No API token with id "${id}"`, 'id');
  return token;
}

builder.queryField('me', (t) =>
  t.withAuth({ signedIn: true }).prismaField({
    type: 'User',
    description: 'The signed-in user (owner of the token or of the dashboard session).',
    resolve: (query, _root, _args, ctx) =>
      ctx.runtime.db.user.findUniqueOrThrow({ ...query, where: { id: ctx.viewer.userId } }),
  }),
);

builder.queryField('apiTokens', (t) =>
  t.withAuth({ signedIn: true }).prismaField({
    type: ['ApiToken'],
    description: 'Your API tokens, newest first, revoked ones included (dashboard sign-in only).',
    resolve: (query, _root, _args, ctx) =>
      ctx.runtime.db.apiToken.findMany({ ...query, where: { userId: requireSession(ctx).userId }, orderBy: { createdAt: 'desc' } }),
  }),
);

builder.queryField('signUpEnabled', (t) =>
  t.boolean({
    description: 'Whether anyone may create an account from the dashboard (OSCAR_SIGNUP=1).',
    resolve: () => process.env.OSCAR_SIGNUP === '1',
  }),
);

builder.mutationField('createApiToken', (t) =>
  t.withAuth({ signedIn: true }).field({
    type: NewApiToken,
    description: 'Creates an API token; its secret is in the answer and never again (dashboard sign-in only).',
    args: { name: t.arg.string() },
    resolve: async (_root, args, ctx) => {
      const viewer = requireSession(ctx);
      const created = await createApiToken(ctx.runtime.db, viewer.userId, checkedTokenName(args.name));
      return { secret: created.token, token: await ctx.runtime.db.apiToken.findUniqueOrThrow({ where: { id: created.id } }) };
    },
  }),
);

builder.mutationField('renameApiToken', (t) =>
  t.withAuth({ signedIn: true }).prismaField({
    type: 'ApiToken',
    description: 'Renames one of your API tokens (dashboard sign-in only).',
    args: { id: t.arg.id({ required: true }), name: t.arg.string({ required: true }) },
    resolve: async (query, _root, args, ctx) => {
      const token = await ownToken(ctx, requireSession(ctx), String(args.id));
      return ctx.runtime.db.apiToken.update({ ...query, where: { id: token.id }, data: { name: checkedTokenName(args.name) } });
    },
  }),
);

builder.mutationField('revokeApiToken', (t) =>
  t.withAuth({ signedIn: true }).prismaField({
    type: 'ApiToken',
    description: 'Revokes one of your API tokens: it is refused from the next request on (dashboard sign-in only).',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (query, _root, args, ctx) => {
      const token = await ownToken(ctx, requireSession(ctx), String(args.id));
      await ctx.runtime.db.apiToken.updateMany({ where: { id: token.id, revokedAt: null }, data: { revokedAt: new Date() } });
      // Its open subscriptions and sockets on this server end now (other servers' within a second).
      ctx.runtime.live.revoke(new Set([`token:${token.id}`]));
      return ctx.runtime.db.apiToken.findUniqueOrThrow({ ...query, where: { id: token.id } });
    },
  }),
);

builder.mutationField('signIn', (t) =>
  t.field({
    type: DashboardSession,
    description: "Starts a dashboard session from an e-mail and password (the dashboard's sign-in form calls this).",
    args: { email: t.arg.string({ required: true }), password: t.arg.string({ required: true }) },
    resolve: async (_root, args, ctx) => {
      checkCredentialLengths(args.email, args.password);
      await ctx.runtime.signIn.admitGuess(args.email, ctx.clientAddress);
      const user = await verifyPassword(ctx.runtime.db, args.email, args.password);
      if (!user) {
        await ctx.runtime.signIn.failed(args.email, ctx.clientAddress);
        throw userError('UNAUTHENTICATED', 'Wrong e-mail or password', 'password');
      }
      await ctx.runtime.signIn.succeeded(args.email, ctx.clientAddress);
      return sessionFor(ctx, user.id);
    },
  }),
);

builder.mutationField('signUp', (t) =>
  t.field({
    type: DashboardSession,
    description: 'Creates an account and signs it in; refused unless the server runs with OSCAR_SIGNUP=1.',
    args: { email: t.arg.string({ required: true }), password: t.arg.string({ required: true }) },
    resolve: async (_root, args, ctx) => {
      checkCredentialLengths(args.email, args.password);
      await ctx.runtime.signIn.admit(args.email, ctx.clientAddress);
      if (process.env.OSCAR_SIGNUP !== '1') {
        throw userError('FORBIDDEN', 'Sign-up is off on this server (OSCAR_SIGNUP=1 turns it on)');
      }
      const problem = validateCredentials(args.email, args.password) ?? newEmailProblem(args.email);
      if (problem) throw badInput(problem.startsWith('email') ? 'email' : 'password', problem);
      if (await ctx.runtime.db.user.findUnique({ where: { email: normaliseEmail(args.email) }, select: { id: true } })) {
        throw userError('CONFLICT', `A user with e-mail ${normaliseEmail(args.email)} already exists`, 'email');
      }
      // Two sign-ups for one new e-mail at once: the second meets the unique key.
      const user = await createUser(ctx.runtime.db, args.email, args.password).catch((error: unknown) => {
        throw isUniqueViolation(error) ? userError('CONFLICT', `A user with e-mail ${normaliseEmail(args.email)} already exists`, 'email') : error;
      });
      return sessionFor(ctx, user.id);
    },
  }),
);

builder.mutationField('signOut', (t) =>
  t.withAuth({ signedIn: true }).boolean({
    description: 'Ends the dashboard session that sent this request; true when there was one.',
    resolve: async (_root, _args, ctx) => {
      if (!ctx.viewer.sessionId) return false;
      await deleteSession(ctx.runtime.db, ctx.viewer.sessionId);
      ctx.runtime.live.revoke(new Set([`session:${ctx.viewer.sessionId}`]));
      return true;
    },
  }),
);

async function sessionFor(ctx: Context, userId: string) {
  const session = await createSession(ctx.runtime.db, userId);
  const user = await ctx.runtime.db.user.findUniqueOrThrow({ where: { id: userId } });
  return { secret: session.secret, expiresAt: session.expiresAt, user };
}
