/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** An experiment as in the original Oscar: a name and a parameter space. */
export type ExperimentInput = {
  /** Optimizer name; "auto" for a new experiment when omitted, unchanged when resuming. */
  algorithm?: string | null | undefined;
  /** Limits on result values: {"memory_gb": {"max": 16}, "accuracy": {"min": 0.9}}; a trial outside them is kept, as infeasible. Unchanged when resuming and omitted. */
  constraints?: unknown;
  description?: string | null | undefined;
  /** Seconds a RUNNING trial is kept without a heartbeat before its parameters are offered again (default 120). */
  leaseSeconds?: number | null | undefined;
  /** How many times in a row a lost trial (its worker stopped answering, with no new step reported and no new checkpoint since it got the trial) is offered again before it is FAILED instead, from 0 to 1,000, so parameters that crash every worker they reach are not offered for ever. Default 3 for a new experiment; unchanged when resuming and omitted. */
  maxRetries?: number | null | undefined;
  /** The most trials the experiment runs, from 1 to 1,000,000,000 (re-offered copies of a lost or released trial not counted): once that many have been handed out, a suggest for new parameters is refused with TRIAL_BUDGET_SPENT, while lost and released trials are still offered again. No limit when omitted for a new experiment; unchanged when resuming and omitted. */
  maxTrials?: number | null | undefined;
  name: string;
  /** Result keys to minimise or maximise: {"accuracy": "maximize", "latency_ms": "minimize"} (default {"loss": "minimize"}); results must then hold each. Unchanged when resuming and omitted. */
  objectives?: unknown;
  /** Parameter name to spec (see the README). Left out: only joins your current experiment of this name, in the space it has (NOT_FOUND on `experiment.name` when there is none; nothing is created). */
  parameters?: unknown;
  /** How trials are stopped early from their reported intermediate values: "median" (default), "none", "percentile", "asha", "hyperband", or an object such as {"type": "asha", "min_step": 1, "reduction": 3} (see the README). Unchanged when resuming and omitted. */
  pruner?: unknown;
  /** false archives earlier trials of this name and starts afresh (with no parameters given: in the space it had). */
  resume?: boolean | null | undefined;
  /** Optimizer seed for reproducible suggestions; random when omitted. */
  seed?: number | null | undefined;
};

/** RUNNING: handed to a worker. COMPLETED: its loss is in. FAILED: its worker reported an error. STALE: its lease ran out; its parameters are offered again (a late result still completes it). DUPLICATE: a result for parameters whose result was already counted. PRUNED: stopped early by the experiment's pruner from its intermediate values (a later result is kept as its loss, or a later failure's error). */
export type TrialState =
  | 'COMPLETED'
  | 'DUPLICATE'
  | 'FAILED'
  | 'PRUNED'
  | 'RUNNING'
  | 'STALE';

export type TrialFieldsFragment = { id: string, number: number, state: TrialState, params: unknown, loss: number | null, metrics: unknown, error: string | null, worker: string | null, checkpoint: unknown, checkpointAt: string | null, createdAt: string, completedAt: string | null };

export type TrialOutcomeFragment = { id: string, number: number, state: TrialState, loss: number | null, error: string | null, leaseExpiresAt: string | null };

export type SuggestMutationVariables = Exact<{
  experiment: ExperimentInput;
  worker?: string | null | undefined;
  instance?: string | null | undefined;
  requestId?: string | null | undefined;
}>;


export type SuggestMutation = { suggest: { id: string, number: number, params: unknown, checkpoint: unknown, experiment: { id: string, name: string, leaseSeconds: number } } };

export type UpdateMutationVariables = Exact<{
  trialId: string | number;
  result: unknown;
}>;


export type UpdateMutation = { update: { id: string, number: number, state: TrialState, loss: number | null, error: string | null, leaseExpiresAt: string | null } };

export type FailMutationVariables = Exact<{
  trialId: string | number;
  error: string;
  metrics?: unknown;
}>;


export type FailMutation = { fail: { id: string, number: number, state: TrialState, loss: number | null, error: string | null, leaseExpiresAt: string | null } };

export type HeartbeatMutationVariables = Exact<{
  trialId: string | number;
}>;


export type HeartbeatMutation = { heartbeat: { id: string, number: number, state: TrialState, loss: number | null, error: string | null, leaseExpiresAt: string | null } };

export type ReleaseMutationVariables = Exact<{
  trialId: string | number;
}>;


export type ReleaseMutation = { release: { id: string, number: number, state: TrialState, loss: number | null, error: string | null, leaseExpiresAt: string | null } };

export type CheckpointMutationVariables = Exact<{
  trialId: string | number;
  data: unknown;
}>;


export type CheckpointMutation = { checkpoint: { id: string, number: number, state: TrialState, loss: number | null, error: string | null, leaseExpiresAt: string | null } };

export type ReportMutationVariables = Exact<{
  trialId: string | number;
  step: number;
  value: number;
  metrics?: unknown;
}>;


export type ReportMutation = { report: { shouldStop: boolean, trial: { prunedStep: number | null, id: string, number: number, state: TrialState, loss: number | null, error: string | null, leaseExpiresAt: string | null } } };

export type ParetoFrontQueryVariables = Exact<{
  name: string;
}>;


export type ParetoFrontQuery = { experiment: { id: string, paretoFront: Array<{ id: string, number: number, state: TrialState, params: unknown, loss: number | null, metrics: unknown, error: string | null, worker: string | null, checkpoint: unknown, checkpointAt: string | null, createdAt: string, completedAt: string | null }> } | null };

export type BestQueryVariables = Exact<{
  name: string;
}>;


export type BestQuery = { experiment: { bestTrial: { id: string, number: number, state: TrialState, params: unknown, loss: number | null, metrics: unknown, error: string | null, worker: string | null, checkpoint: unknown, checkpointAt: string | null, createdAt: string, completedAt: string | null } | null } | null };

export type TrialsQueryVariables = Exact<{
  name?: string | null | undefined;
  id?: string | number | null | undefined;
  after?: string | null | undefined;
}>;


export type TrialsQuery = { experiment: { id: string, trials: { edges: Array<{ node: { id: string, number: number, state: TrialState, params: unknown, loss: number | null, metrics: unknown, error: string | null, worker: string | null, checkpoint: unknown, checkpointAt: string | null, createdAt: string, completedAt: string | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } } | null };

export type ExperimentIdQueryVariables = Exact<{
  name: string;
}>;


export type ExperimentIdQuery = { experiment: { id: string } | null };

export type TrialUpdatedSubscriptionVariables = Exact<{
  experimentId: string | number;
}>;


export type TrialUpdatedSubscription = { trialUpdated: { id: string, number: number, state: TrialState, params: unknown, loss: number | null, metrics: unknown, error: string | null, worker: string | null, checkpoint: unknown, checkpointAt: string | null, createdAt: string, completedAt: string | null } };

export type EnqueueMutationVariables = Exact<{
  experiment?: ExperimentInput | null | undefined;
  experimentName?: string | null | undefined;
  params: unknown;
  requestId?: string | null | undefined;
}>;


export type EnqueueMutation = { enqueue: { id: string, place: number, params: unknown } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const TrialFieldsFragmentDoc = new TypedDocumentString(`
    fragment TrialFields on Trial {
  id
  number
  state
  params
  loss
  metrics
  error
  worker
  checkpoint
  checkpointAt
  createdAt
  completedAt
}
    `, {"fragmentName":"TrialFields"}) as unknown as TypedDocumentString<TrialFieldsFragment, unknown>;
export const TrialOutcomeFragmentDoc = new TypedDocumentString(`
    fragment TrialOutcome on Trial {
  id
  number
  state
  loss
  error
  leaseExpiresAt
}
    `, {"fragmentName":"TrialOutcome"}) as unknown as TypedDocumentString<TrialOutcomeFragment, unknown>;
export const SuggestDocument = new TypedDocumentString(`
    mutation Suggest($experiment: ExperimentInput!, $worker: String, $instance: String, $requestId: String) {
  suggest(
    experiment: $experiment
    worker: $worker
    instance: $instance
    requestId: $requestId
  ) {
    id
    number
    params
    checkpoint
    experiment {
      id
      name
      leaseSeconds
    }
  }
}
    `) as unknown as TypedDocumentString<SuggestMutation, SuggestMutationVariables>;
export const UpdateDocument = new TypedDocumentString(`
    mutation Update($trialId: ID!, $result: JSON!) {
  update(trialId: $trialId, result: $result) {
    ...TrialOutcome
  }
}
    fragment TrialOutcome on Trial {
  id
  number
  state
  loss
  error
  leaseExpiresAt
}`) as unknown as TypedDocumentString<UpdateMutation, UpdateMutationVariables>;
export const FailDocument = new TypedDocumentString(`
    mutation Fail($trialId: ID!, $error: String!, $metrics: JSON) {
  fail(trialId: $trialId, error: $error, metrics: $metrics) {
    ...TrialOutcome
  }
}
    fragment TrialOutcome on Trial {
  id
  number
  state
  loss
  error
  leaseExpiresAt
}`) as unknown as TypedDocumentString<FailMutation, FailMutationVariables>;
export const HeartbeatDocument = new TypedDocumentString(`
    mutation Heartbeat($trialId: ID!) {
  heartbeat(trialId: $trialId) {
    ...TrialOutcome
  }
}
    fragment TrialOutcome on Trial {
  id
  number
  state
  loss
  error
  leaseExpiresAt
}`) as unknown as TypedDocumentString<HeartbeatMutation, HeartbeatMutationVariables>;
export const ReleaseDocument = new TypedDocumentString(`
    mutation Release($trialId: ID!) {
  release(trialId: $trialId) {
    ...TrialOutcome
  }
}
    fragment TrialOutcome on Trial {
  id
  number
  state
  loss
  error
  leaseExpiresAt
}`) as unknown as TypedDocumentString<ReleaseMutation, ReleaseMutationVariables>;
export const CheckpointDocument = new TypedDocumentString(`
    mutation Checkpoint($trialId: ID!, $data: JSON!) {
  checkpoint(trialId: $trialId, data: $data) {
    ...TrialOutcome
  }
}
    fragment TrialOutcome on Trial {
  id
  number
  state
  loss
  error
  leaseExpiresAt
}`) as unknown as TypedDocumentString<CheckpointMutation, CheckpointMutationVariables>;
export const ReportDocument = new TypedDocumentString(`
    mutation Report($trialId: ID!, $step: Int!, $value: Float!, $metrics: JSON) {
  report(trialId: $trialId, step: $step, value: $value, metrics: $metrics) {
    shouldStop
    trial {
      ...TrialOutcome
      prunedStep
    }
  }
}
    fragment TrialOutcome on Trial {
  id
  number
  state
  loss
  error
  leaseExpiresAt
}`) as unknown as TypedDocumentString<ReportMutation, ReportMutationVariables>;
export const ParetoFrontDocument = new TypedDocumentString(`
    query ParetoFront($name: String!) {
  experiment(name: $name) {
    id
    paretoFront {
      ...TrialFields
    }
  }
}
    fragment TrialFields on Trial {
  id
  number
  state
  params
  loss
  metrics
  error
  worker
  checkpoint
  checkpointAt
  createdAt
  completedAt
}`) as unknown as TypedDocumentString<ParetoFrontQuery, ParetoFrontQueryVariables>;
export const BestDocument = new TypedDocumentString(`
    query Best($name: String!) {
  experiment(name: $name) {
    bestTrial {
      ...TrialFields
    }
  }
}
    fragment TrialFields on Trial {
  id
  number
  state
  params
  loss
  metrics
  error
  worker
  checkpoint
  checkpointAt
  createdAt
  completedAt
}`) as unknown as TypedDocumentString<BestQuery, BestQueryVariables>;
export const TrialsDocument = new TypedDocumentString(`
    query Trials($name: String, $id: ID, $after: String) {
  experiment(name: $name, id: $id) {
    id
    trials(first: 100, after: $after) {
      edges {
        node {
          ...TrialFields
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
}
    fragment TrialFields on Trial {
  id
  number
  state
  params
  loss
  metrics
  error
  worker
  checkpoint
  checkpointAt
  createdAt
  completedAt
}`) as unknown as TypedDocumentString<TrialsQuery, TrialsQueryVariables>;
export const ExperimentIdDocument = new TypedDocumentString(`
    query ExperimentId($name: String!) {
  experiment(name: $name) {
    id
  }
}
    `) as unknown as TypedDocumentString<ExperimentIdQuery, ExperimentIdQueryVariables>;
export const TrialUpdatedDocument = new TypedDocumentString(`
    subscription TrialUpdated($experimentId: ID!) {
  trialUpdated(experimentId: $experimentId) {
    ...TrialFields
  }
}
    fragment TrialFields on Trial {
  id
  number
  state
  params
  loss
  metrics
  error
  worker
  checkpoint
  checkpointAt
  createdAt
  completedAt
}`) as unknown as TypedDocumentString<TrialUpdatedSubscription, TrialUpdatedSubscriptionVariables>;
export const EnqueueDocument = new TypedDocumentString(`
    mutation Enqueue($experiment: ExperimentInput, $experimentName: String, $params: JSON!, $requestId: String) {
  enqueue(
    experiment: $experiment
    experimentName: $experimentName
    params: $params
    requestId: $requestId
  ) {
    id
    place
    params
  }
}
    `) as unknown as TypedDocumentString<EnqueueMutation, EnqueueMutationVariables>;