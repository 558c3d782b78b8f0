import { error } from '@sveltejs/kit';
import { SESSION_COOKIE, serverApi } from '$lib/server/api';
import { API_TOKENS, ApiTokens } from './api-tokens';
import type { PageServerLoad } from './$types';

/** The API tokens, read on the server so the page's first paint lists them (and again after each change). */
export const load = (async (event) => {
  event.depends(API_TOKENS);
  const result = await serverApi(event, event.cookies.get(SESSION_COOKIE)).query(ApiTokens, {}, { requestPolicy: 'network-only' }).toPromise();
  if (!result.data) error(502, `Could not read your API tokens: ${result.error?.message ?? 'no answer from the API'}`);
  return { tokens: result.data.apiTokens, readAt: Date.now() };
}) satisfies PageServerLoad;
