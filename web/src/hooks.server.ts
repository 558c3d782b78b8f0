import { error, type Handle } from '@sveltejs/kit';
import { graphql } from '$lib/graphql/generated';
import { SESSION_COOKIE, clearSessionCookie, serverApi } from '$lib/server/api';

const Me = graphql(`
  query Me {
    me {
      id
      email
    }
  }
`);

/**
 * Decodes the session cookie into `event.locals.user`, asking the API who it belongs to; adds the
 * preloads a page's load asked for (`event.locals.preload`) to its HTML response's `Link` header,
 * first, beside SvelteKit's modulepreloads (setting the header from a load would replace those).
 */
export const handle: Handle = async ({ event, resolve }) => {
  const session = event.cookies.get(SESSION_COOKIE);
  event.locals.user = null;
  if (session) {
    const result = await serverApi(event, session).query(Me, {}, { requestPolicy: 'network-only' }).toPromise();
    if (result.data?.me) {
      event.locals.user = result.data.me;
    } else if (result.error?.graphQLErrors.some((e) => e.extensions.code === 'UNAUTHENTICATED')) {
      // Expired, signed out elsewhere, or the database was reset: drop the stale cookie.
      clearSessionCookie(event);
    } else if (result.error) {
      // Signed in, but who it is could not be read just now: say so, rather than show the sign-in form,
      // which would sign in again and come straight back here.
      const limited = result.error.graphQLErrors.some((e) => e.extensions.code === 'RATE_LIMITED');
      error(
        limited ? 429 : 503,
        limited
          ? 'Your account has used its requests for this minute (your workers count too); reload in a minute.'
          : 'Oscar could not check your session just now (the server or its database is busy); reload shortly.',
      );
    }
  }
  const response = await resolve(event);
  const preload = event.locals.preload;
  // Only on the page itself: an error page rendered after the load has nothing to preload for.
  if (preload?.length && response.status === 200 && response.headers.get('content-type')?.startsWith('text/html')) {
    const kit = response.headers.get('link');
    response.headers.set('link', [...preload, ...(kit ? [kit] : [])].join(', '));
  }
  return response;
};
