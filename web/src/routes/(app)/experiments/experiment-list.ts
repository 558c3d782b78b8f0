import { graphql } from '$lib/graphql/generated';

/**
 * The signed-in user's experiments, most recently active first (archived versions too with
 * `includeArchived`): read on the server for the first paint, then again live.
 */
export const ExperimentList = graphql(`
  query ExperimentList($includeArchived: Boolean!) {
    experiments(includeArchived: $includeArchived) {
      id
      name
      description
      version
      archivedAt
      tags
      trialCount
      updatedAt
      objectives
      bestTrial {
        number
        objective
      }
    }
  }
`);

/** Whether the page's address asks for archived versions too (`?archived=1`). */
export function showsArchived(url: URL): boolean {
  return url.searchParams.get('archived') === '1';
}
