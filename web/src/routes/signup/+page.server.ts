import { error, fail, redirect } from '@sveltejs/kit';
import { graphql } from '$lib/graphql/generated';
import { serverApi, setSessionCookie } from '$lib/server/api';
import type { Actions, PageServerLoad } from './$types';

const SignUp = graphql(`
  mutation SignUp($email: String!, $password: String!) {
    signUp(email: $email, password: $password) {
      secret
      expiresAt
    }
  }
`);

const SignUpAllowed = graphql(`
  query SignUpAllowed {
    signUpEnabled
  }
`);

export const load = (async (event) => {
  if (event.locals.user) redirect(303, '/experiments');
  const result = await serverApi(event).query(SignUpAllowed, {}).toPromise();
  if (!result.data?.signUpEnabled) error(404, 'Sign-up is off on this server; ask its administrator for an account.');
  return {};
}) satisfies PageServerLoad;

export const actions = {
  default: async (event) => {
    const form = await event.request.formData();
    const email = String(form.get('email') ?? '').trim();
    const password = String(form.get('password') ?? '');
    const result = await serverApi(event).mutation(SignUp, { email, password }).toPromise();
    const session = result.data?.signUp;
    if (!session) {
      const known = result.error?.graphQLErrors.find((e) => e.extensions.code !== undefined);
      return fail(400, { email, message: known?.message ?? `Could not sign up: ${result.error?.message ?? 'no answer'}` });
    }
    setSessionCookie(event, session.secret, session.expiresAt);
    redirect(303, '/experiments');
  },
} satisfies Actions;
