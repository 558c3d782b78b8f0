import { error } from '@sveltejs/kit';
import { SESSION_COOKIE, serverApi } from '$lib/server/api';
import { TrialPage, trialNumber } from './trial-page';
import type { PageServerLoad } from './$types';

/** The trial, read on the server so the page's first paint has it (the page then follows it live). */
export const load = (async (event) => {
  const number = trialNumber(event.params.number);
  if (number === null) error(404, 'No such trial: a trial number is a whole number from 1.');
  const result = await serverApi(event, event.cookies.get(SESSION_COOKIE))
    .query(TrialPage, { id: event.params.id, number }, { requestPolicy: 'network-only' })
    .toPromise();
  const experiment = result.data?.experiment;
  if (!experiment) {
    if (result.error && !result.data) error(502, `Could not read the trial: ${result.error.message}`);
    error(404, 'No such experiment (or it is not yours).');
  }
  if (!experiment.trial) error(404, `Experiment “${experiment.name}” has no trial ${number}.`);
  return { experiment, number };
}) satisfies PageServerLoad;
