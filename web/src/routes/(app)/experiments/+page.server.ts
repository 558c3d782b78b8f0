import { error } from '@sveltejs/kit';
import { SESSION_COOKIE, serverApi } from '$lib/server/api';
import { ExperimentList, showsArchived } from './experiment-list';
import type { PageServerLoad } from './$types';

/** The experiments, read on the server so the page's first paint lists them (the page then follows them live). */
export const load = (async (event) => {
  const result = await serverApi(event, event.cookies.get(SESSION_COOKIE)).query(ExperimentList, { includeArchived: showsArchived(event.url) }, { requestPolicy: 'network-only' }).toPromise();
  if (!result.data) error(502, `Could not read the experiments: ${result.error?.message ?? 'no answer from the API'}`);
  return { experiments: result.data.experiments, includeArchived: showsArchived(event.url), readAt: Date.now() };
}) satisfies PageServerLoad;
