import { fail, redirect } from '@sveltejs/kit';
import { graphql } from '$lib/graphql/generated';
import { serverApi, setSessionCookie } from '$lib/server/api';
import { safeRedirect } from '$lib/server/redirect';
import type { Actions, PageServerLoad } from './$types';

const SignIn = graphql(`
  mutation SignIn($email: String!, $password: String!) {
    signIn(email: $email, password: $password) {
      secret
      expiresAt
    }
  }
`);

const SignUpEnabled = graphql(`
  query SignUpEnabled {
    signUpEnabled
  }
`);

export const load = (async (event) => {
  if (event.locals.user) redirect(303, safeRedirect(event.url.searchParams.get('redirectTo')));
  const result = await serverApi(event).query(SignUpEnabled, {}).toPromise();
  return { signUpEnabled: result.data?.signUpEnabled ?? false };
}) satisfies PageServerLoad;

export const actions = {
  default: async (event) => {
    const form = await event.request.formData();
    const email = String(form.get('email') ?? '').trim();
    const password = String(form.get('password') ?? '');
    if (!email || !password) return fail(400, { email, message: 'Enter your e-mail and password.' });
    const result = await serverApi(event).mutation(SignIn, { email, password }).toPromise();
    const session = result.data?.signIn;
    if (!session) {
      const wrong = result.error?.graphQLErrors.some((e) => e.extensions.code === 'UNAUTHENTICATED');
      // Too many attempts: the server's own words, which say how long to wait.
      const limited = result.error?.graphQLErrors.find((e) => e.extensions.code === 'RATE_LIMITED');
      if (limited) return fail(429, { email, message: limited.message });
      return fail(wrong ? 400 : 500, {
        email,
        message: wrong ? 'Wrong e-mail or password.' : `Could not sign in: ${result.error?.message ?? 'no answer'}`,
      });
    }
    setSessionCookie(event, session.secret, session.expiresAt);
    redirect(303, safeRedirect(event.url.searchParams.get('redirectTo')));
  },
} satisfies Actions;
