import SchemaBuilder from '@pothos/core';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import type PrismaTypes from '../server/generated/pothos-types.ts';
import { getDatamodel } from '../server/generated/pothos-types.ts';
import { authMessage, type AuthProblem, type Viewer } from '../server/auth.ts';
import { prisma } from '../server/db.ts';
import { userError } from '../server/errors.ts';
import type { SignInGuard } from '../server/sign-in-guard.ts';
import type { LiveSubscriptions } from '../server/subscriptions.ts';

/** The per-operation context: who is asking, from where, and the services that need to know. */
export interface Context {
  readonly viewer: Viewer | null;
  /** Why the credentials sent (if any) signed nothing in: said in the UNAUTHENTICATED message. */
  readonly authProblem: AuthProblem | null;
  /** The client's address, for rate limits (see server/http/client-address.ts). */
  readonly clientAddress: string;
  /** How the operation arrived: HTTP (queries, mutations, SSE) or a graphql-ws socket. */
  readonly transport: 'http' | 'ws';
  /** This process's live subscriptions: caps and revocation. */
  readonly live: LiveSubscriptions;
  /** Sign-in throttling. */
  readonly signIn: SignInGuard;
  /** Cells of `Experiment.trialTable` this operation may still return (aliases and lists share it). */
  readonly tableBudget: { remaining: number };
}

/** The Pothos builder: Prisma, Relay connections and scope-based auth; JSON and DateTime scalars. */
export const builder = new SchemaBuilder<{
  Context: Context;
  PrismaTypes: PrismaTypes;
  AuthScopes: { signedIn: boolean };
  AuthContexts: { signedIn: Context & { readonly viewer: Viewer } };
  Scalars: {
    JSON: { Input: unknown; Output: unknown };
    DateTime: { Input: Date; Output: Date };
  };
  DefaultFieldNullability: false;
}>({
  defaultFieldNullability: false,
  plugins: [ScopeAuthPlugin, PrismaPlugin, RelayPlugin],
  prisma: {
    client: prisma,
    dmmf: getDatamodel(),
    exposeDescriptions: true,
    filterConnectionTotalCount: true,
    onUnusedQuery: process.env.NODE_ENV === 'production' ? null : 'warn',
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
  },
  scopeAuth: {
    authorizeOnSubscribe: true,
    authScopes: (context) => ({ signedIn: context.viewer !== null }),
    unauthorizedError: (_parent, context) => userError('UNAUTHENTICATED', authMessage(context.authProblem)),
  },
});

builder.addScalarType('JSON', JSONResolver);
builder.addScalarType('DateTime', DateTimeResolver);

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});
