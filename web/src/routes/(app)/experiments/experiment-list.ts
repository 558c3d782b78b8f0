import { graphql } from '$lib/graphql/generated';

/** The signed-in user's experiments, most recently active first: read on the server for the first paint, then again live. */
export const ExperimentList = graphql(`
  query ExperimentList {
    experiments {
      id
      name
      description
      trialCount
      updatedAt
      bestTrial {
        number
        loss
      }
    }
  }
`);
