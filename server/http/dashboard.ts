import { existsSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { FallbackHandler } from './app.ts';
import { CLIENT_ADDRESS_HEADER, requestHost, requestProtocol } from './client-address.ts';
import { staticFiles } from './static-files.ts';

/** The built dashboard: web/build, or OSCAR_DASHBOARD_BUILD (a build made elsewhere). */
function buildDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.OSCAR_DASHBOARD_BUILD || fileURLToPath(new URL('../../web/build/', import.meta.url));
}

/** Tells adapter-node each request's real protocol, so SvelteKit's own origin (CSRF) check works over plain http. */
const PROTOCOL_HEADER = 'x-oscar-protocol';

/** Tells adapter-node the host the browser addressed (a trusted proxy's `X-Forwarded-Host`), for the same check. */
const HOST_HEADER = 'x-oscar-host';

/** How the dashboard tells who is asking. */
export interface DashboardOptions {
  /** OSCAR_TRUST_PROXY=1: a proxy's `X-Forwarded-Proto` and `-Host` say how the browser addressed Oscar. */
  readonly trustProxy: boolean;
  /** The browser's address (for `event.getClientAddress()` and the API's rate limits). */
  readonly clientAddress: (req: Parameters<FallbackHandler>[0]) => string;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => `/${relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/')}`);
}

function notFound(res: Parameters<FallbackHandler>[1]): void {
  res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
  res.end('Not found\n');
}

/**
 * The built SvelteKit dashboard (adapter-node's handler), or a page that says how to build it. Its
 * static files are served here (serve-static, precompressed variants preferred), never by the
 * handler's own file server, which crashes the process when a file it listed at start has gone
 * (a rebuild under a running server): a vanished file is a 404 here.
 */
export async function loadDashboard(options: DashboardOptions): Promise<FallbackHandler> {
  const handlerFile = join(buildDir(), 'handler.js');
  const clientDir = join(buildDir(), 'client');
  if (!existsSync(handlerFile)) {
    return (_req, res) => {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('The dashboard is not built: run `npm run build`. The API is at /graphql.\n');
    };
  }
  process.env.PROTOCOL_HEADER = PROTOCOL_HEADER;
  process.env.HOST_HEADER = HOST_HEADER;
  // adapter-node answers `event.getClientAddress()` from this header, which is always ours.
  process.env.ADDRESS_HEADER = CLIENT_ADDRESS_HEADER;
  const known = new Set(existsSync(clientDir) ? filesUnder(clientDir) : []);
  const { handler } = (await import(pathToFileURL(handlerFile).href)) as { handler: FallbackHandler };
  const assets = staticFiles(clientDir, { immutablePrefix: '/_app/immutable/' });
  return (req, res) => {
    req.headers[PROTOCOL_HEADER] = requestProtocol(req, options.trustProxy);
    // Always ours: set from the request as the API reads it, or removed (adapter-node then reads Host).
    const host = requestHost((name) => [req.headers[name]].flat()[0], options.trustProxy);
    if (host) req.headers[HOST_HEADER] = host;
    else delete req.headers[HOST_HEADER];
    req.headers[CLIENT_ADDRESS_HEADER] = options.clientAddress(req);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if ((req.method === 'GET' || req.method === 'HEAD') && (path.startsWith('/_app/') || known.has(path))) {
      assets(req, res, () => notFound(res));
      return;
    }
    handler(req, res);
  };
}
