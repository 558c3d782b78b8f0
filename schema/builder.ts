import SchemaBuilder from '@pothos/core';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import type { GraphQLResolveInfo } from 'graphql';
import type PrismaTypes from '../server/generated/pothos-types.ts';
import { getDatamodel } from '../server/generated/pothos-types.ts';
import { authMessage, type Viewer } from '../server/accounts/auth.ts';
import { userError } from '../server/errors.ts';
import type { Context } from '../server/http/context.ts';

export type { Context };

/** The Pothos builder: Prisma, Relay connections and scope-based auth; JSON and DateTime scalars. */
/**
 * Fields that, by design, may leave Pothos's query unused: `suggest` answers from the rows its
 * transaction wrote (with its experiment), and relations a selection asks beyond those are loaded by
 * Pothos's fallback; `importTrials`' experiment is null, with nothing to read, on a dry run of an
 * experiment not created yet (`oscar import` checks every file so first). A warning for them on every
 * call would bury real ones.
 */
const ANSWERED_FROM_ROWS = new Set(['Mutation.suggest', 'ImportResult.experiment']);

/** Pothos's `onUnusedQuery` outside production: warns of a resolver that ignored its query (a likely N+1), except {@link ANSWERED_FROM_ROWS}. */
function warnUnusedQuery(info: GraphQLResolveInfo): void {
  const field = `${info.parentType.name}.${info.fieldName}`;
  if (!ANSWERED_FROM_ROWS.has(field)) console.warn(`Prisma query was unused in resolver for ${field}`);
}

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
    // The runtime's client (SQLite or PostgreSQL), chosen at start: the schema holds no connection of its own.
    client: (ctx) => ctx.runtime.db as never,
    dmmf: getDatamodel(),
    exposeDescriptions: true,
    filterConnectionTotalCount: true,
    onUnusedQuery: process.env.NODE_ENV === 'production' ? null : warnUnusedQuery,
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
