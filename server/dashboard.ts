import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FallbackHandler } from './app.ts';

const HANDLER = fileURLToPath(new URL('../web/build/handler.js', import.meta.url));

/** The built SvelteKit dashboard's request handler, or a page that says how to build it. */
export async function loadDashboard(): Promise<FallbackHandler> {
  if (existsSync(HANDLER)) {
    const { handler } = (await import(HANDLER)) as { handler: FallbackHandler };
    return handler;
  }
  return (_req, res) => {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('The dashboard is not built: run `npm run build`. The API is at /graphql.\n');
  };
}
