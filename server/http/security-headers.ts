import type { ServerResponse } from 'node:http';


/**
 * GraphiQL's page (GET /graphql from a browser) and the API's JSON share the path: scripts and styles
 * from this origin only (the page has no inline script), Monaco's workers from this origin, the API
 * and its WebSocket on this origin.
 */
const API_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "worker-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Headers on every response: no framing (clickjacking), no MIME sniffing, no referrer leaving the
 * page, a window of its own. The dashboard's pages carry SvelteKit's own CSP (`kit.csp`, with a nonce
 * per page), the API and GraphiQL's page the one here; static files (scripts, Monaco's workers) need none.
 */
export function setSecurityHeaders(res: ServerResponse, { api }: { readonly api: boolean }): void {
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('x-frame-options', 'DENY');
  // Not no-referrer: Chromium then sends `Origin: null` on the dashboard's own form posts, which SvelteKit's CSRF check refuses.
  res.setHeader('referrer-policy', 'same-origin');
  res.setHeader('cross-origin-opener-policy', 'same-origin');
  if (api) res.setHeader('content-security-policy', API_POLICY);
}
