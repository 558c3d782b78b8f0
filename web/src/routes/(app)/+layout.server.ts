import { redirect } from '@sveltejs/kit';
import type { LayoutServerLoad } from './$types';

/** Every page in (app) needs a signed-in user; the others are sent to sign in and brought back. */
export const load = (({ locals, url }) => {
  if (!locals.user) redirect(303, `/signin?redirectTo=${encodeURIComponent(url.pathname + url.search)}`);
  return { user: locals.user };
}) satisfies LayoutServerLoad;
