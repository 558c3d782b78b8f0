import type { IncomingMessage, ServerResponse } from 'node:http';
import { relative, sep } from 'node:path';
import expressStaticGzip from 'express-static-gzip';

/** Serves one file, or calls `next` when there is none (or it vanished): errors never escape. */
export type StaticHandler = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

/** How a tree of files is served. */
export interface StaticOptions {
  /** URL paths under this prefix (from the root, e.g. `/_app/immutable/`) hold content-hashed names: cached for a year, immutable. Others are revalidated (ETag). */
  readonly immutablePrefix?: string;
  /** The URL path the root is served under (`/graphiql/`); `/` by default. */
  readonly mount?: string;
}

/**
 * Serves the files under `root`, preferring their precompressed `.br` and `.gz` siblings when the
 * client accepts them (express-static-gzip on serve-static: ETags, ranges, and a file that vanished
 * between two requests answered as missing instead of crashing the process).
 */
export function staticFiles(root: string, options: StaticOptions = {}): StaticHandler {
  const serve = expressStaticGzip(root, {
    enableBrotli: true,
    orderPreference: ['br', 'gzip'],
    index: false,
    serveStatic: {
      fallthrough: true,
      redirect: false,
      dotfiles: 'ignore',
      setHeaders: (res: ServerResponse, file: string) => {
        const urlPath = relative(root, file).split(sep).join('/');
        const immutable = options.immutablePrefix !== undefined && `/${urlPath}`.startsWith(options.immutablePrefix);
        res.setHeader('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    },
  });
  const mount = (options.mount ?? '/').replace(/\/$/, '');
  return (req, res, next) => {
    const url = req.url ?? '/';
    if (!url.startsWith(`${mount}/`)) return next();
    // express-static-gzip reads Express's `req.path`; plain Node requests need it set.
    req.url = url.slice(mount.length);
    Object.assign(req, { path: req.url.split('?')[0] ?? '/' });
    serve(req, res, () => {
      req.url = url;
      next();
    });
  };
}
