import { error } from '@sveltejs/kit';
import { SESSION_COOKIE, serverApi } from '$lib/server/api';
import { experimentPagePreload } from './experiment-page';
import { ExperimentHeader, ExperimentSummary } from './experiment-summary';
import type { PageServerLoad } from './$types';

/**
 * The header and the headline figures, read on the server so the panel's first paint has them; the
 * page then reads the trial table and follows it live. The response has the browser start fetching
 * the table at once (a preload, put in the `Link` header by hooks.server.ts), not after the page's
 * scripts have loaded.
 */
export const load = (async (event) => {
  const api = serverApi(event, event.cookies.get(SESSION_COOKIE));
  const variables = { id: event.params.id };
  const [header, summary] = await Promise.all([
    api.query(ExperimentHeader, variables, { requestPolicy: 'network-only' }).toPromise(),
    api.query(ExperimentSummary, variables, { requestPolicy: 'network-only' }).toPromise(),
  ]);
  const failed = header.error ?? summary.error;
  if (!header.data?.experiment || !summary.data?.experiment) {
    // A missing experiment (or someone else's) is null without an error; anything else went wrong.
    if (failed) error(502, `Could not read the experiment: ${failed.message}`);
    error(404, 'No such experiment (or it is not yours).');
  }
  event.locals.preload = [experimentPagePreload(event.params.id)];
  return { header: header.data.experiment, summary: summary.data.experiment };
}) satisfies PageServerLoad;
