// What the Trials panel's server load reads for its first paint (the header and the headline figures),
// before the browser reads the whole trial table and follows it live.
import { graphql } from '$lib/graphql/generated';
import type { ExperimentHeaderQuery, ExperimentSummaryQuery } from '$lib/graphql/generated/graphql';

/**
 * The experiment's name, description, notes, tags and versions, the settings a resuming worker may
 * change (objectives, constraints, algorithm), how many parameter sets are queued and its trial budget
 * and grid (what is left of them): the header, read again on every change.
 */
export const ExperimentHeader = graphql(`
  query ExperimentHeader($id: ID!) {
    experiment(id: $id) {
      id
      name
      description
      algorithm
      objectives
      constraints
      queueLength
      maxTrials
      gridSize
      trialsLeft
      version
      archivedAt
      notes
      tags
      versions {
        id
        version
        createdAt
        archivedAt
        trialCount
      }
    }
  }
`);

/** The headline figures: how many trials, the best one (in the first objective, feasible), the algorithm. */
export const ExperimentSummary = graphql(`
  query ExperimentSummary($id: ID!) {
    experiment(id: $id) {
      id
      algorithm
      objectives
      constraints
      trialCount
      bestTrial {
        number
        loss
        metrics
      }
    }
  }
`);

/** The header's experiment. */
export type HeaderExperiment = NonNullable<ExperimentHeaderQuery['experiment']>;

/** The headline figures' experiment. */
export type SummaryExperiment = NonNullable<ExperimentSummaryQuery['experiment']>;

/** What a resuming worker may change that the Trials panel ranks and charts by. */
export type ExperimentSettings = Pick<SummaryExperiment, 'algorithm' | 'objectives' | 'constraints'>;

/** Whether two reads say the same settings (the JSON fields as the API writes them, keys in its order). */
export function sameSettings(a: ExperimentSettings, b: ExperimentSettings): boolean {
  return a.algorithm === b.algorithm && JSON.stringify(a.objectives) === JSON.stringify(b.objectives) && JSON.stringify(a.constraints) === JSON.stringify(b.constraints);
}
