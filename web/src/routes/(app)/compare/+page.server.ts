import { error, redirect } from '@sveltejs/kit';
import { SESSION_COOKIE, serverApi } from '$lib/server/api';
import { CompareExperiments, ComparePicker, MAX_COMPARED, MIN_COMPARED, compareHref, comparedIds, type ComparedExperiment } from './compare';
import type { PageServerLoad } from './$types';

/** The comparison and the picker's list, read on the server so the first paint has them (the page then follows them live). */
export const load = (async (event) => {
  const ids = comparedIds(event.url);
  // The picker's form adds `add=ID`: answered with the comparison's own address, to bookmark or share.
  if (event.url.searchParams.has('add')) redirect(303, compareHref(ids));
  const api = serverApi(event, event.cookies.get(SESSION_COOKIE));
  const picker = await api.query(ComparePicker, {}, { requestPolicy: 'network-only' }).toPromise();
  if (!picker.data) error(502, `Could not read the experiments: ${picker.error?.message ?? 'no answer from the API'}`);
  let compared: ComparedExperiment[] | null = null;
  let problem: string | null = null;
  if (ids.length > MAX_COMPARED) {
    problem = `At most ${MAX_COMPARED} experiments can be compared at once, and this address names ${ids.length}: remove ${ids.length - MAX_COMPARED} below.`;
  } else if (ids.length >= MIN_COMPARED) {
    const result = await api.query(CompareExperiments, { ids }, { requestPolicy: 'network-only' }).toPromise();
    if (result.data) compared = result.data.compareExperiments;
    else if (result.error?.graphQLErrors.length) problem = `${result.error.graphQLErrors[0]!.message} (or it is not yours): remove it below.`;
    else error(502, `Could not read the comparison: ${result.error?.message ?? 'no answer from the API'}`);
  }
  return { ids, compared, problem, experiments: picker.data.experiments };
}) satisfies PageServerLoad;
