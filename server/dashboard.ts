import { existsSync } from 'node:fs';
import type { TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import type { FallbackHandler } from './app.ts';

const HANDLER = fileURLToPath(new URL('../web/build/handler.js', import.meta.url));

/** Tells adapter-node each request's real protocol, so SvelteKit's own origin (CSRF) check works over plain http. */
const PROTOCOL_HEADER = 'x-oscar-protocol';

/** The built SvelteKit dashboard's request handler, or a page that says how to build it. */
export async function loadDashboard(): Promise<FallbackHandler> {
  if (existsSync(HANDLER)) {
    process.env.PROTOCOL_HEADER = PROTOCOL_HEADER;
    const { handler } = (await import(HANDLER)) as { handler: FallbackHandler };
    return (req, res) => {
      const forwarded = req.headers['x-forwarded-proto'];
      const proto = typeof forwarded === 'string' ? forwarded.split(',')[0]!.trim() : undefined;
      req.headers[PROTOCOL_HEADER] = proto === 'https' || (req.socket as TLSSocket).encrypted ? 'https' : 'http';
      handler(req, res);
    };
  }
  return (_req, res) => {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('The dashboard is not built: run `npm run build`. The API is at /graphql.\n');
  };
}
