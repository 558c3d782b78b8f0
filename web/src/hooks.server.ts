import { text, type Handle } from '@sveltejs/kit';
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

const FORM_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'];

/** False for a form post from another site: its `Origin` must name the host the request was sent to. */
function sameOriginPost(request: Request): boolean {
  if (request.method === 'GET' || request.method === 'HEAD') return true;
  const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (!FORM_TYPES.includes(type)) return true;
  const origin = request.headers.get('origin');
  const host = request.headers.get('x-forwarded-host') ?? request.headers.get('host');
  try {
    return origin !== null && host !== null && new URL(origin).host === host.split(',')[0]!.trim();
  } catch {
    return false;
  }
}

/**
 * Refuses cross-site form posts, then decodes the session cookie into `event.locals.user` (asking the
 * API who it belongs to).
 */
export const handle: Handle = async ({ event, resolve }) => {
  if (!sameOriginPost(event.request)) return text('Cross-site form submissions are forbidden', { status: 403 });
  const session = event.cookies.get(SESSION_COOKIE);
  event.locals.user = null;
  if (session) {
    const result = await serverApi(event, session).query(Me, {}, { requestPolicy: 'network-only' }).toPromise();
    if (result.data?.me) {
      event.locals.user = result.data.me;
    } else if (result.error?.graphQLErrors.some((e) => e.extensions.code === 'UNAUTHENTICATED')) {
      // Expired, signed out elsewhere, or the database was reset: drop the stale cookie.
      clearSessionCookie(event);
    }
  }
  return resolve(event);
};
