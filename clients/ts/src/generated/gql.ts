/* eslint-disable */
import * as types from './graphql.js';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  fragment TrialFields on Trial {\n    id\n    number\n    state\n    params\n    loss\n    metrics\n    error\n    worker\n    checkpoint\n    checkpointAt\n    createdAt\n    completedAt\n  }\n": typeof types.TrialFieldsFragmentDoc,
    "\n  fragment TrialOutcome on Trial {\n    id\n    number\n    state\n    loss\n    error\n    leaseExpiresAt\n  }\n": typeof types.TrialOutcomeFragmentDoc,
    "\n  mutation Suggest($experiment: ExperimentInput!, $worker: String, $instance: String, $requestId: String) {\n    suggest(experiment: $experiment, worker: $worker, instance: $instance, requestId: $requestId) {\n      id\n      number\n      params\n      checkpoint\n      experiment {\n        id\n        name\n        leaseSeconds\n      }\n    }\n  }\n": typeof types.SuggestDocument,
    "\n  mutation Update($trialId: ID!, $result: JSON!) {\n    update(trialId: $trialId, result: $result) {\n      ...TrialOutcome\n    }\n  }\n": typeof types.UpdateDocument,
    "\n  mutation Fail($trialId: ID!, $error: String!, $metrics: JSON) {\n    fail(trialId: $trialId, error: $error, metrics: $metrics) {\n      ...TrialOutcome\n    }\n  }\n": typeof types.FailDocument,
    "\n  mutation Heartbeat($trialId: ID!) {\n    heartbeat(trialId: $trialId) {\n      ...TrialOutcome\n    }\n  }\n": typeof types.HeartbeatDocument,
    "\n  mutation Release($trialId: ID!) {\n    release(trialId: $trialId) {\n      ...TrialOutcome\n    }\n  }\n": typeof types.ReleaseDocument,
    "\n  mutation Checkpoint($trialId: ID!, $data: JSON!) {\n    checkpoint(trialId: $trialId, data: $data) {\n      ...TrialOutcome\n    }\n  }\n": typeof types.CheckpointDocument,
    "\n  mutation Report($trialId: ID!, $step: Int!, $value: Float!, $metrics: JSON) {\n    report(trialId: $trialId, step: $step, value: $value, metrics: $metrics) {\n      shouldStop\n      trial {\n        ...TrialOutcome\n        prunedStep\n      }\n    }\n  }\n": typeof types.ReportDocument,
    "\n  query ParetoFront($name: String!) {\n    experiment(name: $name) {\n      id\n      paretoFront {\n        ...TrialFields\n      }\n    }\n  }\n": typeof types.ParetoFrontDocument,
    "\n  query Best($name: String!) {\n    experiment(name: $name) {\n      bestTrial {\n        ...TrialFields\n      }\n    }\n  }\n": typeof types.BestDocument,
    "\n  query Trials($name: String, $id: ID, $after: String) {\n    experiment(name: $name, id: $id) {\n      id\n      trials(first: 100, after: $after) {\n        edges {\n          node {\n            ...TrialFields\n          }\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n": typeof types.TrialsDocument,
    "\n  query ExperimentId($name: String!) {\n    experiment(name: $name) {\n      id\n    }\n  }\n": typeof types.ExperimentIdDocument,
    "\n  subscription TrialUpdated($experimentId: ID!) {\n    trialUpdated(experimentId: $experimentId) {\n      ...TrialFields\n    }\n  }\n": typeof types.TrialUpdatedDocument,
    "\n  mutation Enqueue($experiment: ExperimentInput, $experimentName: String, $params: JSON!, $requestId: String) {\n    enqueue(experiment: $experiment, experimentName: $experimentName, params: $params, requestId: $requestId) {\n      id\n      place\n      params\n    }\n  }\n": typeof types.EnqueueDocument,
};
const documents: Documents = {
    "\n  fragment TrialFields on Trial {\n    id\n    number\n    state\n    params\n    loss\n    metrics\n    error\n    worker\n    checkpoint\n    checkpointAt\n    createdAt\n    completedAt\n  }\n": types.TrialFieldsFragmentDoc,
    "\n  fragment TrialOutcome on Trial {\n    id\n    number\n    state\n    loss\n    error\n    leaseExpiresAt\n  }\n": types.TrialOutcomeFragmentDoc,
    "\n  mutation Suggest($experiment: ExperimentInput!, $worker: String, $instance: String, $requestId: String) {\n    suggest(experiment: $experiment, worker: $worker, instance: $instance, requestId: $requestId) {\n      id\n      number\n      params\n      checkpoint\n      experiment {\n        id\n        name\n        leaseSeconds\n      }\n    }\n  }\n": types.SuggestDocument,
    "\n  mutation Update($trialId: ID!, $result: JSON!) {\n    update(trialId: $trialId, result: $result) {\n      ...TrialOutcome\n    }\n  }\n": types.UpdateDocument,
    "\n  mutation Fail($trialId: ID!, $error: String!, $metrics: JSON) {\n    fail(trialId: $trialId, error: $error, metrics: $metrics) {\n      ...TrialOutcome\n    }\n  }\n": types.FailDocument,
    "\n  mutation Heartbeat($trialId: ID!) {\n    heartbeat(trialId: $trialId) {\n      ...TrialOutcome\n    }\n  }\n": types.HeartbeatDocument,
    "\n  mutation Release($trialId: ID!) {\n    release(trialId: $trialId) {\n      ...TrialOutcome\n    }\n  }\n": types.ReleaseDocument,
    "\n  mutation Checkpoint($trialId: ID!, $data: JSON!) {\n    checkpoint(trialId: $trialId, data: $data) {\n      ...TrialOutcome\n    }\n  }\n": types.CheckpointDocument,
    "\n  mutation Report($trialId: ID!, $step: Int!, $value: Float!, $metrics: JSON) {\n    report(trialId: $trialId, step: $step, value: $value, metrics: $metrics) {\n      shouldStop\n      trial {\n        ...TrialOutcome\n        prunedStep\n      }\n    }\n  }\n": types.ReportDocument,
    "\n  query ParetoFront($name: String!) {\n    experiment(name: $name) {\n      id\n      paretoFront {\n        ...TrialFields\n      }\n    }\n  }\n": types.ParetoFrontDocument,
    "\n  query Best($name: String!) {\n    experiment(name: $name) {\n      bestTrial {\n        ...TrialFields\n      }\n    }\n  }\n": types.BestDocument,
    "\n  query Trials($name: String, $id: ID, $after: String) {\n    experiment(name: $name, id: $id) {\n      id\n      trials(first: 100, after: $after) {\n        edges {\n          node {\n            ...TrialFields\n          }\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n": types.TrialsDocument,
    "\n  query ExperimentId($name: String!) {\n    experiment(name: $name) {\n      id\n    }\n  }\n": types.ExperimentIdDocument,
    "\n  subscription TrialUpdated($experimentId: ID!) {\n    trialUpdated(experimentId: $experimentId) {\n      ...TrialFields\n    }\n  }\n": types.TrialUpdatedDocument,
    "\n  mutation Enqueue($experiment: ExperimentInput, $experimentName: String, $params: JSON!, $requestId: String) {\n    enqueue(experiment: $experiment, experimentName: $experimentName, params: $params, requestId: $requestId) {\n      id\n      place\n      params\n    }\n  }\n": types.EnqueueDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment TrialFields on Trial {\n    id\n    number\n    state\n    params\n    loss\n    metrics\n    error\n    worker\n    checkpoint\n    checkpointAt\n    createdAt\n    completedAt\n  }\n"): typeof import('./graphql.js').TrialFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment TrialOutcome on Trial {\n    id\n    number\n    state\n    loss\n    error\n    leaseExpiresAt\n  }\n"): typeof import('./graphql.js').TrialOutcomeFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Suggest($experiment: ExperimentInput!, $worker: String, $instance: String, $requestId: String) {\n    suggest(experiment: $experiment, worker: $worker, instance: $instance, requestId: $requestId) {\n      id\n      number\n      params\n      checkpoint\n      experiment {\n        id\n        name\n        leaseSeconds\n      }\n    }\n  }\n"): typeof import('./graphql.js').SuggestDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Update($trialId: ID!, $result: JSON!) {\n    update(trialId: $trialId, result: $result) {\n      ...TrialOutcome\n    }\n  }\n"): typeof import('./graphql.js').UpdateDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Fail($trialId: ID!, $error: String!, $metrics: JSON) {\n    fail(trialId: $trialId, error: $error, metrics: $metrics) {\n      ...TrialOutcome\n    }\n  }\n"): typeof import('./graphql.js').FailDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Heartbeat($trialId: ID!) {\n    heartbeat(trialId: $trialId) {\n      ...TrialOutcome\n    }\n  }\n"): typeof import('./graphql.js').HeartbeatDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Release($trialId: ID!) {\n    release(trialId: $trialId) {\n      ...TrialOutcome\n    }\n  }\n"): typeof import('./graphql.js').ReleaseDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Checkpoint($trialId: ID!, $data: JSON!) {\n    checkpoint(trialId: $trialId, data: $data) {\n      ...TrialOutcome\n    }\n  }\n"): typeof import('./graphql.js').CheckpointDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Report($trialId: ID!, $step: Int!, $value: Float!, $metrics: JSON) {\n    report(trialId: $trialId, step: $step, value: $value, metrics: $metrics) {\n      shouldStop\n      trial {\n        ...TrialOutcome\n        prunedStep\n      }\n    }\n  }\n"): typeof import('./graphql.js').ReportDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ParetoFront($name: String!) {\n    experiment(name: $name) {\n      id\n      paretoFront {\n        ...TrialFields\n      }\n    }\n  }\n"): typeof import('./graphql.js').ParetoFrontDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Best($name: String!) {\n    experiment(name: $name) {\n      bestTrial {\n        ...TrialFields\n      }\n    }\n  }\n"): typeof import('./graphql.js').BestDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Trials($name: String, $id: ID, $after: String) {\n    experiment(name: $name, id: $id) {\n      id\n      trials(first: 100, after: $after) {\n        edges {\n          node {\n            ...TrialFields\n          }\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n"): typeof import('./graphql.js').TrialsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ExperimentId($name: String!) {\n    experiment(name: $name) {\n      id\n    }\n  }\n"): typeof import('./graphql.js').ExperimentIdDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription TrialUpdated($experimentId: ID!) {\n    trialUpdated(experimentId: $experimentId) {\n      ...TrialFields\n    }\n  }\n"): typeof import('./graphql.js').TrialUpdatedDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Enqueue($experiment: ExperimentInput, $experimentName: String, $params: JSON!, $requestId: String) {\n    enqueue(experiment: $experiment, experimentName: $experimentName, params: $params, requestId: $requestId) {\n      id\n      place\n      params\n    }\n  }\n"): typeof import('./graphql.js').EnqueueDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
