/** Where to go after signing in when `redirectTo` is missing or not a path on this site. */
export const DEFAULT_REDIRECT = '/experiments';

/** A placeholder origin to resolve targets against: `.invalid` never resolves, so nothing can be served from it. */
const DUMMY_ORIGIN = 'http://dummy.invalid';

/**
 * A path on this site to go back to after signing in, from an untrusted `redirectTo`; never another origin.
 *
 * The target is resolved as a browser would (which drops tabs and newlines and reads `\` as `/`), and
 * kept only if it stays on the dummy origin. What is returned is the resolved path, query and fragment:
 * percent-encoded ASCII that starts with exactly one `/`, so it is safe in a `Location` header.
 */
export function safeRedirect(target: string | null | undefined): string {
  if (!target || !target.startsWith('/') || target.startsWith('//') || target.startsWith('/\\')) return DEFAULT_REDIRECT;
  let url: URL;
  try {
    url = new URL(target, DUMMY_ORIGIN);
  } catch {
    return DEFAULT_REDIRECT;
  }
  if (url.origin !== DUMMY_ORIGIN) return DEFAULT_REDIRECT;
  const path = url.pathname + url.search + url.hash;
  // Dot segments can collapse `/..//host` into `//host`, which a browser reads as another origin.
  return path.startsWith('/') && !path.startsWith('//') ? path : DEFAULT_REDIRECT;
}
