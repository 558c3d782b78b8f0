// The Compare page's GraphQL and address: 2 to 8 experiments (or versions), named in `?ids=a,b,c`.
import { graphql } from '$lib/graphql/generated';
import type { CompareExperimentsQuery, ComparePickerQuery } from '$lib/graphql/generated/graphql';

/** The fewest experiments the page compares (the API's bound, `compareExperiments`). */
export const MIN_COMPARED = 2;
/** The most experiments the page compares (the API's bound). */
export const MAX_COMPARED = 8;

/** The compared experiments: each one's space, counts, best trial and best-so-far curve (bounded on the server). */
export const CompareExperiments = graphql(`
  query CompareExperiments($ids: [ID!]!) {
    compareExperiments(ids: $ids) {
      id
      name
      version
      archivedAt
      createdAt
      algorithm
      parameters
      trialCount
      bestSoFar {
        objective
        direction
        numbers
        values
        completed
        valued
        thinned
        bestNumber
        bestValue
        bestTrial {
          number
          params
        }
      }
    }
  }
`);

/** What the picker offers: every experiment of the user, archived versions included. */
export const ComparePicker = graphql(`
  query ComparePicker {
    experiments(includeArchived: true) {
      id
      name
      version
      archivedAt
      trialCount
    }
  }
`);

/** Which experiment changed: the page reads the comparison again when it is one of those compared. */
export const CompareActivity = graphql(`
  subscription CompareActivity {
    experimentUpdated {
      id
    }
  }
`);

/** Which experiments were deleted: the page drops them from the comparison. */
export const CompareDeletions = graphql(`
  subscription CompareDeletions {
    experimentDeleted {
      ids
    }
  }
`);

/** Whether a compared experiment still exists (null: deleted), after a refresh found one gone. */
export const CompareStillThere = graphql(`
  query CompareStillThere($id: ID!) {
    experiment(id: $id) {
      id
    }
  }
`);

/** One compared experiment, as the page shows it. */
export type ComparedExperiment = CompareExperimentsQuery['compareExperiments'][number];
/** One experiment the picker offers. */
export type PickableExperiment = ComparePickerQuery['experiments'][number];

/** The ids an address names (`ids=a,b` and, from the picker's form, `add=c`), in order, each once. */
export function comparedIds(url: URL): string[] {
  const listed = [...url.searchParams.getAll('ids'), ...url.searchParams.getAll('add')]
    .flatMap((value) => value.split(','))
    .map((id) => id.trim())
    .filter(Boolean);
  return [...new Set(listed)];
}

/** The page's address for some ids (commas kept readable). */
export function compareHref(ids: readonly string[]): string {
  return ids.length ? `/compare?ids=${ids.map(encodeURIComponent).join(',')}` : '/compare';
}

/** An experiment as the legend and the table's columns name it: `Square v2`. */
export function experimentLabel(experiment: { name: string; version: number }): string {
  return `${experiment.name} v${experiment.version}`;
}
