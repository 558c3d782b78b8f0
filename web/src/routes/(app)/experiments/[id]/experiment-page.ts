// The Trials panel's experiment and trial table, read by the browser in one GET request. The page's
// server response preloads it (a `Link: rel=preload` header: +page.server.ts, hooks.server.ts), so the browser fetches
// it while the page's scripts load and hydrate; the page then takes the preloaded response.
import { stringifyDocument } from '@urql/core';
import { graphql } from '$lib/graphql/generated';
import type { ExperimentPageQuery } from '$lib/graphql/generated/graphql';

/** Every trial as columns (`trialTable`), the learning curves and what the charts need of the experiment. */
export const ExperimentPage = graphql(`
  query ExperimentPage($id: ID!) {
    experiment(id: $id) {
      id
      name
      description
      parameters
      objectives
      constraints
      algorithm
      version
      createdAt
      updatedAt
      archivedAt
      trialTable {
        numbers
        states
        losses
        workers
        createdAt
        completedAt
        parameters {
          name
          values
        }
        metrics {
          name
          values
        }
        checkpoints
        prunedSteps
        errors
        revision
      }
      learningCurves {
        number
        prunedStep
        steps
        values
      }
    }
  }
`);

/** The experiment as {@link ExperimentPage} reads it. */
export type PageExperiment = NonNullable<ExperimentPageQuery['experiment']>;

/**
 * The GET request's address (on the dashboard's origin): the same for the preload and the read, so
 * the browser matches them.
 */
export function experimentPageUrl(id: string): string {
  return `/graphql?${new URLSearchParams({ query: stringifyDocument(ExperimentPage), variables: JSON.stringify({ id }) })}`;
}

/** The `Link` header that has the browser fetch {@link experimentPageUrl} as soon as the page's response arrives. */
export function experimentPagePreload(id: string): string {
  return `<${experimentPageUrl(id)}>; rel=preload; as=fetch; crossorigin=anonymous`;
}

/**
 * Reads the experiment and its trial table (the preloaded response when the page's server response
 * asked for it: a plain same-origin `fetch`, as the preload makes it). The experiment, or why not.
 */
export async function readExperimentPage(id: string): Promise<{ experiment: PageExperiment } | { problem: string }> {
  try {
    const response = await fetch(experimentPageUrl(id));
    const body = (await response.json()) as { data?: ExperimentPageQuery | null; errors?: readonly { message: string }[] };
    if (body.data?.experiment) return { experiment: body.data.experiment };
    return { problem: body.errors?.[0]?.message ?? (response.ok ? 'No such experiment (or it is not yours).' : `The API answered ${response.status}.`) };
  } catch (error) {
    return { problem: `Could not read the trials: ${(error as Error).message}` };
  }
}
