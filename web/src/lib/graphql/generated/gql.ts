/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

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
    "\n  query Me {\n    me {\n      id\n      email\n    }\n  }\n": typeof types.MeDocument,
    "\n    mutation CreateApiToken($name: String) {\n      createApiToken(name: $name) {\n        secret\n        token {\n          id\n          name\n        }\n      }\n    }\n  ": typeof types.CreateApiTokenDocument,
    "\n    mutation RenameApiToken($id: ID!, $name: String!) {\n      renameApiToken(id: $id, name: $name) {\n        id\n        name\n      }\n    }\n  ": typeof types.RenameApiTokenDocument,
    "\n    mutation RevokeApiToken($id: ID!) {\n      revokeApiToken(id: $id) {\n        id\n        revokedAt\n      }\n    }\n  ": typeof types.RevokeApiTokenDocument,
    "\n  query ApiTokens {\n    apiTokens {\n      id\n      name\n      prefix\n      createdAt\n      lastUsedAt\n      revokedAt\n    }\n  }\n": typeof types.ApiTokensDocument,
    "\n  query CompareExperiments($ids: [ID!]!) {\n    compareExperiments(ids: $ids) {\n      id\n      name\n      version\n      archivedAt\n      createdAt\n      algorithm\n      parameters\n      trialCount\n      bestSoFar {\n        objective\n        direction\n        numbers\n        values\n        completed\n        valued\n        thinned\n        bestNumber\n        bestValue\n        bestTrial {\n          number\n          params\n        }\n      }\n    }\n  }\n": typeof types.CompareExperimentsDocument,
    "\n  query ComparePicker {\n    experiments(includeArchived: true) {\n      id\n      name\n      version\n      archivedAt\n      trialCount\n    }\n  }\n": typeof types.ComparePickerDocument,
    "\n  subscription CompareActivity {\n    experimentUpdated {\n      id\n    }\n  }\n": typeof types.CompareActivityDocument,
    "\n  subscription CompareDeletions {\n    experimentDeleted {\n      ids\n    }\n  }\n": typeof types.CompareDeletionsDocument,
    "\n  query CompareStillThere($id: ID!) {\n    experiment(id: $id) {\n      id\n    }\n  }\n": typeof types.CompareStillThereDocument,
    "\n    subscription ExperimentActivity {\n      experimentUpdated {\n        id\n      }\n    }\n  ": typeof types.ExperimentActivityDocument,
    "\n    subscription ExperimentDeletions {\n      experimentDeleted {\n        ids\n      }\n    }\n  ": typeof types.ExperimentDeletionsDocument,
    "\n    mutation DeleteExperiment($id: ID!, $allVersions: Boolean!) {\n      deleteExperiment(id: $id, allVersions: $allVersions) {\n        ids\n        trialCount\n      }\n    }\n  ": typeof types.DeleteExperimentDocument,
    "\n    query ExperimentImportance($id: ID!) {\n      experiment(id: $id) {\n        id\n        insights {\n          importance {\n            parameter\n            importance\n          }\n        }\n      }\n    }\n  ": typeof types.ExperimentImportanceDocument,
    "\n    subscription TrialUpdates($id: ID!, $since: Int) {\n      trialUpdated(experimentId: $id, since: $since) {\n        id\n        number\n        state\n        loss\n        params\n        metrics\n        checkpoint\n        worker\n        createdAt\n        completedAt\n        lastStep\n        lastValue\n        prunedStep\n        error\n      }\n    }\n  ": typeof types.TrialUpdatesDocument,
    "\n    mutation EnqueueParams($experimentId: ID!, $params: JSON!) {\n      enqueue(experimentId: $experimentId, params: $params) {\n        id\n        place\n        params\n      }\n    }\n  ": typeof types.EnqueueParamsDocument,
    "\n    query ExperimentQueue($id: ID!) {\n      experiment(id: $id) {\n        id\n        queueLength\n        queue(first: 20) {\n          id\n          place\n          params\n        }\n      }\n    }\n  ": typeof types.ExperimentQueueDocument,
    "\n    mutation UpdateExperiment($id: ID!, $name: String, $notes: String, $tags: [String!]) {\n      updateExperiment(id: $id, name: $name, notes: $notes, tags: $tags) {\n        id\n        name\n        notes\n        tags\n      }\n    }\n  ": typeof types.UpdateExperimentDocument,
    "\n    subscription HeaderActivity($id: ID!) {\n      experimentUpdated(startWith: $id) {\n        id\n      }\n    }\n  ": typeof types.HeaderActivityDocument,
    "\n    subscription HeaderDeletions {\n      experimentDeleted {\n        ids\n        name\n      }\n    }\n  ": typeof types.HeaderDeletionsDocument,
    "\n    query ModelLandscape($id: ID!, $x: String!, $y: String!) {\n      experiment(id: $id) {\n        id\n        insights {\n          landscape(x: $x, y: $y) {\n            x {\n              name\n              values\n            }\n            y {\n              name\n              values\n            }\n            mean\n            sd\n            heldAt\n            reason\n          }\n        }\n      }\n    }\n  ": typeof types.ModelLandscapeDocument,
    "\n  query ExperimentPage($id: ID!) {\n    experiment(id: $id) {\n      id\n      name\n      description\n      parameters\n      objectives\n      constraints\n      algorithm\n      version\n      createdAt\n      updatedAt\n      archivedAt\n      trialTable {\n        numbers\n        states\n        losses\n        workers\n        createdAt\n        completedAt\n        parameters {\n          name\n          values\n        }\n        metrics {\n          name\n          values\n        }\n        checkpoints\n        prunedSteps\n        errors\n        revision\n      }\n      learningCurves {\n        number\n        prunedStep\n        steps\n        values\n      }\n    }\n  }\n": typeof types.ExperimentPageDocument,
    "\n  query ExperimentHeader($id: ID!) {\n    experiment(id: $id) {\n      id\n      name\n      description\n      algorithm\n      objectives\n      constraints\n      queueLength\n      maxTrials\n      gridSize\n      trialsLeft\n      version\n      archivedAt\n      notes\n      tags\n      versions {\n        id\n        version\n        createdAt\n        archivedAt\n        trialCount\n      }\n    }\n  }\n": typeof types.ExperimentHeaderDocument,
    "\n  query ExperimentSummary($id: ID!) {\n    experiment(id: $id) {\n      id\n      algorithm\n      objectives\n      constraints\n      trialCount\n      bestTrial {\n        number\n        loss\n        metrics\n      }\n    }\n  }\n": typeof types.ExperimentSummaryDocument,
    "\n  query TrialPage($id: ID!, $number: Int!) {\n    experiment(id: $id) {\n      id\n      name\n      revision\n      objectives\n      constraints\n      leaseSeconds\n      maxRetries\n      trial(number: $number) {\n        id\n        number\n        state\n        params\n        loss\n        metrics\n        error\n        worker\n        optimizer\n        fallbackReason\n        leaseExpiresAt\n        heartbeatAt\n        checkpoint\n        checkpointAt\n        feasible\n        constraintViolation\n        lastStep\n        lastValue\n        prunedStep\n        lostCount\n        createdAt\n        updatedAt\n        completedAt\n        retryOf {\n          id\n          number\n          state\n        }\n        group {\n          id\n          number\n          state\n          loss\n          worker\n          createdAt\n          completedAt\n        }\n        intermediateValues {\n          step\n          value\n        }\n      }\n    }\n  }\n": typeof types.TrialPageDocument,
    "\n  subscription TrialPageEvents($id: ID!, $since: Int!) {\n    trialUpdated(experimentId: $id, heartbeats: true, since: $since) {\n      id\n      number\n      retryOf {\n        id\n      }\n    }\n  }\n": typeof types.TrialPageEventsDocument,
    "\n  subscription TrialPageRenames($id: ID!) {\n    experimentUpdated(startWith: $id) {\n      id\n      name\n    }\n  }\n": typeof types.TrialPageRenamesDocument,
    "\n  subscription TrialPageDeletions {\n    experimentDeleted {\n      ids\n    }\n  }\n": typeof types.TrialPageDeletionsDocument,
    "\n  query ExperimentList($includeArchived: Boolean!) {\n    experiments(includeArchived: $includeArchived) {\n      id\n      name\n      description\n      version\n      archivedAt\n      tags\n      trialCount\n      updatedAt\n      objectives\n      bestTrial {\n        number\n        objective\n      }\n    }\n  }\n": typeof types.ExperimentListDocument,
    "\n  mutation SignIn($email: String!, $password: String!) {\n    signIn(email: $email, password: $password) {\n      secret\n      expiresAt\n    }\n  }\n": typeof types.SignInDocument,
    "\n  query SignUpEnabled {\n    signUpEnabled\n  }\n": typeof types.SignUpEnabledDocument,
    "\n  mutation SignOut {\n    signOut\n  }\n": typeof types.SignOutDocument,
    "\n  mutation SignUp($email: String!, $password: String!) {\n    signUp(email: $email, password: $password) {\n      secret\n      expiresAt\n    }\n  }\n": typeof types.SignUpDocument,
    "\n  query SignUpAllowed {\n    signUpEnabled\n  }\n": typeof types.SignUpAllowedDocument,
};
const documents: Documents = {
    "\n  query Me {\n    me {\n      id\n      email\n    }\n  }\n": types.MeDocument,
    "\n    mutation CreateApiToken($name: String) {\n      createApiToken(name: $name) {\n        secret\n        token {\n          id\n          name\n        }\n      }\n    }\n  ": types.CreateApiTokenDocument,
    "\n    mutation RenameApiToken($id: ID!, $name: String!) {\n      renameApiToken(id: $id, name: $name) {\n        id\n        name\n      }\n    }\n  ": types.RenameApiTokenDocument,
    "\n    mutation RevokeApiToken($id: ID!) {\n      revokeApiToken(id: $id) {\n        id\n        revokedAt\n      }\n    }\n  ": types.RevokeApiTokenDocument,
    "\n  query ApiTokens {\n    apiTokens {\n      id\n      name\n      prefix\n      createdAt\n      lastUsedAt\n      revokedAt\n    }\n  }\n": types.ApiTokensDocument,
    "\n  query CompareExperiments($ids: [ID!]!) {\n    compareExperiments(ids: $ids) {\n      id\n      name\n      version\n      archivedAt\n      createdAt\n      algorithm\n      parameters\n      trialCount\n      bestSoFar {\n        objective\n        direction\n        numbers\n        values\n        completed\n        valued\n        thinned\n        bestNumber\n        bestValue\n        bestTrial {\n          number\n          params\n        }\n      }\n    }\n  }\n": types.CompareExperimentsDocument,
    "\n  query ComparePicker {\n    experiments(includeArchived: true) {\n      id\n      name\n      version\n      archivedAt\n      trialCount\n    }\n  }\n": types.ComparePickerDocument,
    "\n  subscription CompareActivity {\n    experimentUpdated {\n      id\n    }\n  }\n": types.CompareActivityDocument,
    "\n  subscription CompareDeletions {\n    experimentDeleted {\n      ids\n    }\n  }\n": types.CompareDeletionsDocument,
    "\n  query CompareStillThere($id: ID!) {\n    experiment(id: $id) {\n      id\n    }\n  }\n": types.CompareStillThereDocument,
    "\n    subscription ExperimentActivity {\n      experimentUpdated {\n        id\n      }\n    }\n  ": types.ExperimentActivityDocument,
    "\n    subscription ExperimentDeletions {\n      experimentDeleted {\n        ids\n      }\n    }\n  ": types.ExperimentDeletionsDocument,
    "\n    mutation DeleteExperiment($id: ID!, $allVersions: Boolean!) {\n      deleteExperiment(id: $id, allVersions: $allVersions) {\n        ids\n        trialCount\n      }\n    }\n  ": types.DeleteExperimentDocument,
    "\n    query ExperimentImportance($id: ID!) {\n      experiment(id: $id) {\n        id\n        insights {\n          importance {\n            parameter\n            importance\n          }\n        }\n      }\n    }\n  ": types.ExperimentImportanceDocument,
    "\n    subscription TrialUpdates($id: ID!, $since: Int) {\n      trialUpdated(experimentId: $id, since: $since) {\n        id\n        number\n        state\n        loss\n        params\n        metrics\n        checkpoint\n        worker\n        createdAt\n        completedAt\n        lastStep\n        lastValue\n        prunedStep\n        error\n      }\n    }\n  ": types.TrialUpdatesDocument,
    "\n    mutation EnqueueParams($experimentId: ID!, $params: JSON!) {\n      enqueue(experimentId: $experimentId, params: $params) {\n        id\n        place\n        params\n      }\n    }\n  ": types.EnqueueParamsDocument,
    "\n    query ExperimentQueue($id: ID!) {\n      experiment(id: $id) {\n        id\n        queueLength\n        queue(first: 20) {\n          id\n          place\n          params\n        }\n      }\n    }\n  ": types.ExperimentQueueDocument,
    "\n    mutation UpdateExperiment($id: ID!, $name: String, $notes: String, $tags: [String!]) {\n      updateExperiment(id: $id, name: $name, notes: $notes, tags: $tags) {\n        id\n        name\n        notes\n        tags\n      }\n    }\n  ": types.UpdateExperimentDocument,
    "\n    subscription HeaderActivity($id: ID!) {\n      experimentUpdated(startWith: $id) {\n        id\n      }\n    }\n  ": types.HeaderActivityDocument,
    "\n    subscription HeaderDeletions {\n      experimentDeleted {\n        ids\n        name\n      }\n    }\n  ": types.HeaderDeletionsDocument,
    "\n    query ModelLandscape($id: ID!, $x: String!, $y: String!) {\n      experiment(id: $id) {\n        id\n        insights {\n          landscape(x: $x, y: $y) {\n            x {\n              name\n              values\n            }\n            y {\n              name\n              values\n            }\n            mean\n            sd\n            heldAt\n            reason\n          }\n        }\n      }\n    }\n  ": types.ModelLandscapeDocument,
    "\n  query ExperimentPage($id: ID!) {\n    experiment(id: $id) {\n      id\n      name\n      description\n      parameters\n      objectives\n      constraints\n      algorithm\n      version\n      createdAt\n      updatedAt\n      archivedAt\n      trialTable {\n        numbers\n        states\n        losses\n        workers\n        createdAt\n        completedAt\n        parameters {\n          name\n          values\n        }\n        metrics {\n          name\n          values\n        }\n        checkpoints\n        prunedSteps\n        errors\n        revision\n      }\n      learningCurves {\n        number\n        prunedStep\n        steps\n        values\n      }\n    }\n  }\n": types.ExperimentPageDocument,
    "\n  query ExperimentHeader($id: ID!) {\n    experiment(id: $id) {\n      id\n      name\n      description\n      algorithm\n      objectives\n      constraints\n      queueLength\n      maxTrials\n      gridSize\n      trialsLeft\n      version\n      archivedAt\n      notes\n      tags\n      versions {\n        id\n        version\n        createdAt\n        archivedAt\n        trialCount\n      }\n    }\n  }\n": types.ExperimentHeaderDocument,
    "\n  query ExperimentSummary($id: ID!) {\n    experiment(id: $id) {\n      id\n      algorithm\n      objectives\n      constraints\n      trialCount\n      bestTrial {\n        number\n        loss\n        metrics\n      }\n    }\n  }\n": types.ExperimentSummaryDocument,
    "\n  query TrialPage($id: ID!, $number: Int!) {\n    experiment(id: $id) {\n      id\n      name\n      revision\n      objectives\n      constraints\n      leaseSeconds\n      maxRetries\n      trial(number: $number) {\n        id\n        number\n        state\n        params\n        loss\n        metrics\n        error\n        worker\n        optimizer\n        fallbackReason\n        leaseExpiresAt\n        heartbeatAt\n        checkpoint\n        checkpointAt\n        feasible\n        constraintViolation\n        lastStep\n        lastValue\n        prunedStep\n        lostCount\n        createdAt\n        updatedAt\n        completedAt\n        retryOf {\n          id\n          number\n          state\n        }\n        group {\n          id\n          number\n          state\n          loss\n          worker\n          createdAt\n          completedAt\n        }\n        intermediateValues {\n          step\n          value\n        }\n      }\n    }\n  }\n": types.TrialPageDocument,
    "\n  subscription TrialPageEvents($id: ID!, $since: Int!) {\n    trialUpdated(experimentId: $id, heartbeats: true, since: $since) {\n      id\n      number\n      retryOf {\n        id\n      }\n    }\n  }\n": types.TrialPageEventsDocument,
    "\n  subscription TrialPageRenames($id: ID!) {\n    experimentUpdated(startWith: $id) {\n      id\n      name\n    }\n  }\n": types.TrialPageRenamesDocument,
    "\n  subscription TrialPageDeletions {\n    experimentDeleted {\n      ids\n    }\n  }\n": types.TrialPageDeletionsDocument,
    "\n  query ExperimentList($includeArchived: Boolean!) {\n    experiments(includeArchived: $includeArchived) {\n      id\n      name\n      description\n      version\n      archivedAt\n      tags\n      trialCount\n      updatedAt\n      objectives\n      bestTrial {\n        number\n        objective\n      }\n    }\n  }\n": types.ExperimentListDocument,
    "\n  mutation SignIn($email: String!, $password: String!) {\n    signIn(email: $email, password: $password) {\n      secret\n      expiresAt\n    }\n  }\n": types.SignInDocument,
    "\n  query SignUpEnabled {\n    signUpEnabled\n  }\n": types.SignUpEnabledDocument,
    "\n  mutation SignOut {\n    signOut\n  }\n": types.SignOutDocument,
    "\n  mutation SignUp($email: String!, $password: String!) {\n    signUp(email: $email, password: $password) {\n      secret\n      expiresAt\n    }\n  }\n": types.SignUpDocument,
    "\n  query SignUpAllowed {\n    signUpEnabled\n  }\n": types.SignUpAllowedDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Me {\n    me {\n      id\n      email\n    }\n  }\n"): (typeof documents)["\n  query Me {\n    me {\n      id\n      email\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n    mutation CreateApiToken($name: String) {\n      createApiToken(name: $name) {\n        secret\n        token {\n          id\n          name\n        }\n      }\n    }\n  "): (typeof documents)["\n    mutation CreateApiToken($name: String) {\n      createApiToken(name: $name) {\n        secret\n        token {\n          id\n          name\n        }\n      }\n    }\n  "];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n    mutation RenameApiToken($id: ID!, $name: String!) {\n      renameApiToken(id: $id, name: $name) {\n        id\n        name\n      }\n    }\n  "): (typeof documents)["\n    mutation RenameApiToken($id: ID!, $name: String!) {\n      renameApiToken(id: $id, name: $name) {\n        id\n        name\n      }\n    }\n  "];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n    mutation RevokeApiToken($id: ID!) {\n      revokeApiToken(id: $id) {\n        id\n        revokedAt\n      }\n    }\n  "): (typeof documents)["\n    mutation RevokeApiToken($id: ID!) {\n      revokeApiToken(id: $id) {\n        id\n        revokedAt\n      }\n    }\n  "];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ApiTokens {\n    apiTokens {\n      id\n      name\n      prefix\n      createdAt\n      lastUsedAt\n      revokedAt\n    }\n  }\n"): (typeof documents)["\n  query ApiTokens {\n    apiTokens {\n      id\n      name\n      prefix\n      createdAt\n      lastUsedAt\n      revokedAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query CompareExperiments($ids: [ID!]!) {\n    compareExperiments(ids: $ids) {\n      id\n      name\n      version\n      archivedAt\n      createdAt\n      algorithm\n      parameters\n      trialCount\n      bestSoFar {\n        objective\n        direction\n        numbers\n        values\n        completed\n        valued\n        thinned\n        bestNumber\n        bestValue\n        bestTrial {\n          number\n          params\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query CompareExperiments($ids: [ID!]!) {\n    compareExperiments(ids: $ids) {\n      id\n      name\n      version\n      archivedAt\n      createdAt\n      algorithm\n      parameters\n      trialCount\n      bestSoFar {\n        objective\n        direction\n        numbers\n        values\n        completed\n        valued\n        thinned\n        bestNumber\n        bestValue\n        bestTrial {\n          number\n          params\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ComparePicker {\n    experiments(includeArchived: true) {\n      id\n      name\n      version\n      archivedAt\n      trialCount\n    }\n  }\n"): (typeof documents)["\n  query ComparePicker {\n    experiments(includeArchived: true) {\n      id\n      name\n      version\n      archivedAt\n      trialCount\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription CompareActivity {\n    experimentUpdated {\n      id\n    }\n  }\n"): (typeof documents)["\n  subscription CompareActivity {\n    experimentUpdated {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription CompareDeletions {\n    experimentDeleted {\n      ids\n    }\n  }\n"): (typeof documents)["\n  subscription CompareDeletions {\n    experimentDeleted {\n      ids\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query CompareStillThere($id: ID!) {\n    experiment(id: $id) {\n      id\n    }\n  }\n"): (typeof documents)["\n  query CompareStillThere($id: ID!) {\n    experiment(id: $id) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n    subscription ExperimentActivity {\n      experimentUpdated {\n        id\n      }\n    }\n  "): (typeof documents)["\n    subscription ExperimentActivity {\n      experimentUpdated {\n        id\n      }\n    }\n  "];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n    subscription ExperimentDeletions {\n      experimentDeleted {\n        ids\n      }\n    }\n  "): (typeof documents)["\n    subscription ExperimentDeletions {\n      experimentDeleted {\n        ids\n      }\n    }\n  "];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n    mutation DeleteExperiment($id: ID!, $allVersions: Boolean!) {\n      deleteExperiment(id: $id, allVersions: $allVersions) {\n        ids\n        trialCount\n      }\n    }\n  "): (typeof documents)["\n    mutation DeleteExperiment($id: ID!, $allVersions: Boolean!) {\n      deleteExperiment(id: $id, allVersions: $allVersions) {\n        ids\n        trialCount\n      }\n    }\n  "];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n    query ExperimentImportance($id: ID!) {\n      experiment(id: $id) {\n        id\n        insights {\n          importance {\n            parameter\n            importance\n          }\n        }\n      }\n    }\n  "): (typeof documents)["\n    query ExperimentImportance($id: ID!) {\n      experiment(id: $id) {\n        id\n        insights {\n          importance {\n            parameter\n            importance\n          }\n        }\n      }\n    }\n  "];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n    subscription TrialUpdates($id: ID!, $since: Int) {\n      trialUpdated(experimentId: $id, since: $since) {\n        id\n        number\n        state\n        loss\n        params\n        metrics\n        checkpoint\n        worker\n        createdAt\n        completedAt\n        lastStep\n        lastValue\n        prunedStep\n        error\n      }\n    }\n  "): (typeof documents)["\n    subscription TrialUpdates($id: ID!, $since: Int) {\n      trialUpdated(experimentId: $id, since: $since) {\n        id\n        number\n        state\n        loss\n        params\n        metrics\n        checkpoint\n        worker\n        createdAt\n        completedAt\n        lastStep\n        lastValue\n        prunedStep\n        error\n      }\n    }\n  "];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n    mutation EnqueueParams($experimentId: ID!, $params: JSON!) {\n      enqueue(experimentId: $experimentId, params: $params) {\n        id\n        place\n        params\n      }\n    }\n  "): (typeof documents)["\n    mutation EnqueueParams($experimentId: ID!, $params: JSON!) {\n      enqueue(experimentId: $experimentId, params: $params) {\n        id\n        place\n        params\n      }\n    }\n  "];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n    query ExperimentQueue($id: ID!) {\n      experiment(id: $id) {\n        id\n        queueLength\n        queue(first: 20) {\n          id\n          place\n          params\n        }\n      }\n    }\n  "): (typeof documents)["\n    query ExperimentQueue($id: ID!) {\n      experiment(id: $id) {\n        id\n        queueLength\n        queue(first: 20) {\n          id\n          place\n          params\n        }\n      }\n    }\n  "];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n    mutation UpdateExperiment($id: ID!, $name: String, $notes: String, $tags: [String!]) {\n      updateExperiment(id: $id, name: $name, notes: $notes, tags: $tags) {\n        id\n        name\n        notes\n        tags\n      }\n    }\n  "): (typeof documents)["\n    mutation UpdateExperiment($id: ID!, $name: String, $notes: String, $tags: [String!]) {\n      updateExperiment(id: $id, name: $name, notes: $notes, tags: $tags) {\n        id\n        name\n        notes\n        tags\n      }\n    }\n  "];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n    subscription HeaderActivity($id: ID!) {\n      experimentUpdated(startWith: $id) {\n        id\n      }\n    }\n  "): (typeof documents)["\n    subscription HeaderActivity($id: ID!) {\n      experimentUpdated(startWith: $id) {\n        id\n      }\n    }\n  "];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n    subscription HeaderDeletions {\n      experimentDeleted {\n        ids\n        name\n      }\n    }\n  "): (typeof documents)["\n    subscription HeaderDeletions {\n      experimentDeleted {\n        ids\n        name\n      }\n    }\n  "];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n    query ModelLandscape($id: ID!, $x: String!, $y: String!) {\n      experiment(id: $id) {\n        id\n        insights {\n          landscape(x: $x, y: $y) {\n            x {\n              name\n              values\n            }\n            y {\n              name\n              values\n            }\n            mean\n            sd\n            heldAt\n            reason\n          }\n        }\n      }\n    }\n  "): (typeof documents)["\n    query ModelLandscape($id: ID!, $x: String!, $y: String!) {\n      experiment(id: $id) {\n        id\n        insights {\n          landscape(x: $x, y: $y) {\n            x {\n              name\n              values\n            }\n            y {\n              name\n              values\n            }\n            mean\n            sd\n            heldAt\n            reason\n          }\n        }\n      }\n    }\n  "];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ExperimentPage($id: ID!) {\n    experiment(id: $id) {\n      id\n      name\n      description\n      parameters\n      objectives\n      constraints\n      algorithm\n      version\n      createdAt\n      updatedAt\n      archivedAt\n      trialTable {\n        numbers\n        states\n        losses\n        workers\n        createdAt\n        completedAt\n        parameters {\n          name\n          values\n        }\n        metrics {\n          name\n          values\n        }\n        checkpoints\n        prunedSteps\n        errors\n        revision\n      }\n      learningCurves {\n        number\n        prunedStep\n        steps\n        values\n      }\n    }\n  }\n"): (typeof documents)["\n  query ExperimentPage($id: ID!) {\n    experiment(id: $id) {\n      id\n      name\n      description\n      parameters\n      objectives\n      constraints\n      algorithm\n      version\n      createdAt\n      updatedAt\n      archivedAt\n      trialTable {\n        numbers\n        states\n        losses\n        workers\n        createdAt\n        completedAt\n        parameters {\n          name\n          values\n        }\n        metrics {\n          name\n          values\n        }\n        checkpoints\n        prunedSteps\n        errors\n        revision\n      }\n      learningCurves {\n        number\n        prunedStep\n        steps\n        values\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ExperimentHeader($id: ID!) {\n    experiment(id: $id) {\n      id\n      name\n      description\n      algorithm\n      objectives\n      constraints\n      queueLength\n      maxTrials\n      gridSize\n      trialsLeft\n      version\n      archivedAt\n      notes\n      tags\n      versions {\n        id\n        version\n        createdAt\n        archivedAt\n        trialCount\n      }\n    }\n  }\n"): (typeof documents)["\n  query ExperimentHeader($id: ID!) {\n    experiment(id: $id) {\n      id\n      name\n      description\n      algorithm\n      objectives\n      constraints\n      queueLength\n      maxTrials\n      gridSize\n      trialsLeft\n      version\n      archivedAt\n      notes\n      tags\n      versions {\n        id\n        version\n        createdAt\n        archivedAt\n        trialCount\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ExperimentSummary($id: ID!) {\n    experiment(id: $id) {\n      id\n      algorithm\n      objectives\n      constraints\n      trialCount\n      bestTrial {\n        number\n        loss\n        metrics\n      }\n    }\n  }\n"): (typeof documents)["\n  query ExperimentSummary($id: ID!) {\n    experiment(id: $id) {\n      id\n      algorithm\n      objectives\n      constraints\n      trialCount\n      bestTrial {\n        number\n        loss\n        metrics\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query TrialPage($id: ID!, $number: Int!) {\n    experiment(id: $id) {\n      id\n      name\n      revision\n      objectives\n      constraints\n      leaseSeconds\n      maxRetries\n      trial(number: $number) {\n        id\n        number\n        state\n        params\n        loss\n        metrics\n        error\n        worker\n        optimizer\n        fallbackReason\n        leaseExpiresAt\n        heartbeatAt\n        checkpoint\n        checkpointAt\n        feasible\n        constraintViolation\n        lastStep\n        lastValue\n        prunedStep\n        lostCount\n        createdAt\n        updatedAt\n        completedAt\n        retryOf {\n          id\n          number\n          state\n        }\n        group {\n          id\n          number\n          state\n          loss\n          worker\n          createdAt\n          completedAt\n        }\n        intermediateValues {\n          step\n          value\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query TrialPage($id: ID!, $number: Int!) {\n    experiment(id: $id) {\n      id\n      name\n      revision\n      objectives\n      constraints\n      leaseSeconds\n      maxRetries\n      trial(number: $number) {\n        id\n        number\n        state\n        params\n        loss\n        metrics\n        error\n        worker\n        optimizer\n        fallbackReason\n        leaseExpiresAt\n        heartbeatAt\n        checkpoint\n        checkpointAt\n        feasible\n        constraintViolation\n        lastStep\n        lastValue\n        prunedStep\n        lostCount\n        createdAt\n        updatedAt\n        completedAt\n        retryOf {\n          id\n          number\n          state\n        }\n        group {\n          id\n          number\n          state\n          loss\n          worker\n          createdAt\n          completedAt\n        }\n        intermediateValues {\n          step\n          value\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription TrialPageEvents($id: ID!, $since: Int!) {\n    trialUpdated(experimentId: $id, heartbeats: true, since: $since) {\n      id\n      number\n      retryOf {\n        id\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription TrialPageEvents($id: ID!, $since: Int!) {\n    trialUpdated(experimentId: $id, heartbeats: true, since: $since) {\n      id\n      number\n      retryOf {\n        id\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription TrialPageRenames($id: ID!) {\n    experimentUpdated(startWith: $id) {\n      id\n      name\n    }\n  }\n"): (typeof documents)["\n  subscription TrialPageRenames($id: ID!) {\n    experimentUpdated(startWith: $id) {\n      id\n      name\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription TrialPageDeletions {\n    experimentDeleted {\n      ids\n    }\n  }\n"): (typeof documents)["\n  subscription TrialPageDeletions {\n    experimentDeleted {\n      ids\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ExperimentList($includeArchived: Boolean!) {\n    experiments(includeArchived: $includeArchived) {\n      id\n      name\n      description\n      version\n      archivedAt\n      tags\n      trialCount\n      updatedAt\n      objectives\n      bestTrial {\n        number\n        objective\n      }\n    }\n  }\n"): (typeof documents)["\n  query ExperimentList($includeArchived: Boolean!) {\n    experiments(includeArchived: $includeArchived) {\n      id\n      name\n      description\n      version\n      archivedAt\n      tags\n      trialCount\n      updatedAt\n      objectives\n      bestTrial {\n        number\n        objective\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SignIn($email: String!, $password: String!) {\n    signIn(email: $email, password: $password) {\n      secret\n      expiresAt\n    }\n  }\n"): (typeof documents)["\n  mutation SignIn($email: String!, $password: String!) {\n    signIn(email: $email, password: $password) {\n      secret\n      expiresAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SignUpEnabled {\n    signUpEnabled\n  }\n"): (typeof documents)["\n  query SignUpEnabled {\n    signUpEnabled\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SignOut {\n    signOut\n  }\n"): (typeof documents)["\n  mutation SignOut {\n    signOut\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SignUp($email: String!, $password: String!) {\n    signUp(email: $email, password: $password) {\n      secret\n      expiresAt\n    }\n  }\n"): (typeof documents)["\n  mutation SignUp($email: String!, $password: String!) {\n    signUp(email: $email, password: $password) {\n      secret\n      expiresAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SignUpAllowed {\n    signUpEnabled\n  }\n"): (typeof documents)["\n  query SignUpAllowed {\n    signUpEnabled\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;