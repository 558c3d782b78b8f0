import { redirect } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';

/** The front door: your experiments when signed in, the sign-in form otherwise. */
export const load = (({ locals }) => {
  redirect(303, locals.user ? '/experiments' : '/signin');
}) satisfies PageServerLoad;
