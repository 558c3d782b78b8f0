// The trial page's GraphQL: everything about one trial, read on the server for the first paint and
// again in the browser whenever the trial (or another of its group) changes.
import { graphql } from '$lib/graphql/generated';
import type { TrialPageQuery } from '$lib/graphql/generated/graphql';

/** One trial of an experiment, every field, its group (retries and duplicates) and learning curve. */
export const TrialPage = graphql(`
  query TrialPage($id: ID!, $number: Int!) {
    experiment(id: $id) {
      id
      name
      revision
      objectives
      constraints
      leaseSeconds
      maxRetries
      trial(number: $number) {
        id
        number
        state
        params
        loss
        metrics
        error
        worker
        optimizer
        fallbackReason
        leaseExpiresAt
        heartbeatAt
        checkpoint
        checkpointAt
        feasible
        constraintViolation
        lastStep
        lastValue
        prunedStep
        lostCount
        createdAt
        updatedAt
        completedAt
        retryOf {
          id
          number
          state
        }
        group {
          id
          number
          state
          loss
          worker
          createdAt
          completedAt
        }
        intermediateValues {
          step
          value
        }
      }
    }
  }
`);

/**
 * Which trial of the experiment changed (and which group it is in), to know when to read the page again:
 * first those changed since the page's read (`since`: its `revision`), so none falls in between.
 */
export const TrialPageEvents = graphql(`
  subscription TrialPageEvents($id: ID!, $since: Int!) {
    trialUpdated(experimentId: $id, heartbeats: true, since: $since) {
      id
      number
      retryOf {
        id
      }
    }
  }
`);

/**
 * The user's experiments as they change: the page follows its own experiment's name. Its own comes
 * first, once the server listens (`startWith`), so a rename made before the subscription started shows too.
 */
export const TrialPageRenames = graphql(`
  subscription TrialPageRenames($id: ID!) {
    experimentUpdated(startWith: $id) {
      id
      name
    }
  }
`);

/** Deleted experiments: the page says so when its own is one of them. */
export const TrialPageDeletions = graphql(`
  subscription TrialPageDeletions {
    experimentDeleted {
      ids
    }
  }
`);

/** The experiment and trial the page shows. */
export type TrialPageExperiment = NonNullable<TrialPageQuery['experiment']>;
/** The trial the page shows, with its group, retries and curve. */
export type TrialDetails = NonNullable<TrialPageExperiment['trial']>;

/** A trial number from the address, or null when it is not one. */
export function trialNumber(text: string): number | null {
  return /^[1-9][0-9]{0,9}$/.test(text) && Number(text) <= 2 ** 31 - 1 ? Number(text) : null;
}
