import type { IncomingMessage } from 'node:http';
import type { Authentication, AuthProblem, Viewer } from '../accounts/auth.ts';
import type { Runtime } from '../runtime/runtime.ts';
import type { OperationBudget } from './operation-budget.ts';

/** The per-operation GraphQL context: who is asking, from where, and the runtime that serves it. */
export interface Context {
  readonly runtime: Runtime;
  readonly viewer: Viewer | null;
  /** Why the credentials sent (if any) signed nothing in: said in the UNAUTHENTICATED message. */
  readonly authProblem: AuthProblem | null;
  /** The client's address, for rate limits (see client-address.ts). */
  readonly clientAddress: string;
  /** How the operation arrived: HTTP (queries, mutations, SSE) or a graphql-ws socket. */
  readonly transport: 'http' | 'ws';
  /** Stored data this operation may still load (all its fields and aliases share it). */
  readonly budget: OperationBudget;
}

/** What yoga gets from each transport, besides its own fields. */
export interface ServerContext {
  readonly req?: IncomingMessage;
  /** graphql-ws: the socket's authentication, done once when it connected. */
  readonly socketAuthentication?: Authentication;
}
