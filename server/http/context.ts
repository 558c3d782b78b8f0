import type { AuthProblem, Viewer } from '../accounts/auth.ts';
import type { Runtime } from '../runtime/runtime.ts';

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
  /** Cells of `Experiment.trialTable` this operation may still return (aliases and lists share it). */
  readonly tableBudget: { remaining: number };
}
