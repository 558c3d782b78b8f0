import { redirect } from '@sveltejs/kit';
import { graphql } from '$lib/graphql/generated';
import { SESSION_COOKIE, clearSessionCookie, serverApi } from '$lib/server/api';
import type { Actions, PageServerLoad } from './$types';

const SignOut = graphql(`
  mutation SignOut {
    signOut
  }
`);

export const load = (() => {
  redirect(303, '/');
}) satisfies PageServerLoad;

export const actions = {
  /** Deletes the session on the server, then the cookie. */
  default: async (event) => {
    const session = event.cookies.get(SESSION_COOKIE);
    if (session) await serverApi(event, session).mutation(SignOut, {}).toPromise();
    clearSessionCookie(event);
    redirect(303, '/signin');
  },
} satisfies Actions;
