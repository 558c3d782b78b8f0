// The GraphQL operations the client sends; `npm run codegen` types them from the committed SDL
// into ./generated (a test fails when that is stale).
import { graphql } from './generated/gql.js';

/** What the client reads of a trial in `best`, `trials` and `watch`. */
export const TrialFields = graphql(`
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
`);

/** What a worker learns of a trial it just reported on or renewed. */
export const TrialOutcome = graphql(`
  fragment TrialOutcome on Trial {
    id
    number
    state
    loss
    error
    leaseExpiresAt
  }
`);

export const SuggestDocument = graphql(`
  mutation Suggest($experiment: ExperimentInput!, $worker: String, $instance: String, $requestId: String) {
    suggest(experiment: $experiment, worker: $worker, instance: $instance, requestId: $requestId) {
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
`);

export const UpdateDocument = graphql(`
  mutation Update($trialId: ID!, $result: JSON!) {
    update(trialId: $trialId, result: $result) {
      ...TrialOutcome
    }
  }
`);

export const FailDocument = graphql(`
  mutation Fail($trialId: ID!, $error: String!, $metrics: JSON) {
    fail(trialId: $trialId, error: $error, metrics: $metrics) {
      ...TrialOutcome
    }
  }
`);

export const HeartbeatDocument = graphql(`
  mutation Heartbeat($trialId: ID!) {
    heartbeat(trialId: $trialId) {
      ...TrialOutcome
    }
  }
`);

export const ReleaseDocument = graphql(`
  mutation Release($trialId: ID!) {
    release(trialId: $trialId) {
      ...TrialOutcome
    }
  }
`);

export const CheckpointDocument = graphql(`
  mutation Checkpoint($trialId: ID!, $data: JSON!) {
    checkpoint(trialId: $trialId, data: $data) {
      ...TrialOutcome
    }
  }
`);

export const ReportDocument = graphql(`
  mutation Report($trialId: ID!, $step: Int!, $value: Float!, $metrics: JSON) {
    report(trialId: $trialId, step: $step, value: $value, metrics: $metrics) {
      shouldStop
      trial {
        ...TrialOutcome
        prunedStep
      }
    }
  }
`);

export const ParetoFrontDocument = graphql(`
  query ParetoFront($name: String!) {
    experiment(name: $name) {
      id
      paretoFront {
        ...TrialFields
      }
    }
  }
`);

export const BestDocument = graphql(`
  query Best($name: String!) {
    experiment(name: $name) {
      bestTrial {
        ...TrialFields
      }
    }
  }
`);

export const TrialsDocument = graphql(`
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
`);

export const ExperimentIdDocument = graphql(`
  query ExperimentId($name: String!) {
    experiment(name: $name) {
      id
    }
  }
`);

export const TrialUpdatedDocument = graphql(`
  subscription TrialUpdated($experimentId: ID!) {
    trialUpdated(experimentId: $experimentId) {
      ...TrialFields
    }
  }
`);

export const EnqueueDocument = graphql(`
  mutation Enqueue($experiment: ExperimentInput, $experimentName: String, $params: JSON!, $requestId: String) {
    enqueue(experiment: $experiment, experimentName: $experimentName, params: $params, requestId: $requestId) {
      id
      place
      params
    }
  }
`);
