import type { IncomingMessage, ServerResponse } from 'node:http';
import { GraphQLError } from 'graphql';
import { authMessage, type Authentication } from '../accounts/auth.ts';
import { headerValue, type CookieRequest } from '../accounts/session.ts';
import type { Runtime } from '../runtime/runtime.ts';
import { exportFileName, exportTrials, type ExportFormat } from '../trials/export.ts';
import { rateLimitKey } from './graphql-limits.ts';

/** Where an experiment's trials are downloaded: `/api/experiments/<id>/trials.csv` or `.json`. */
const DOWNLOAD = /^\/api\/experiments\/([^/]+)\/trials\.(csv|json)$/;

/** The path (on the server's origin) that downloads an experiment's trials in a format. */
export function downloadPath(experimentId: string, format: ExportFormat): string {
  return `/api/experiments/${encodeURIComponent(experimentId)}/trials.${format}`;
}

/** Whether a path is a trial download (so the server routes it here). */
export function isDownloadPath(path: string): boolean {
  return path.startsWith('/api/');
}

const CONTENT_TYPES: Readonly<Record<ExportFormat, string>> = {
  csv: 'text/csv; charset=utf-8; header=present',
  json: 'application/json; charset=utf-8',
};

function refuse(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
}

/** Writes a chunk, waiting while the client's socket is full; false once the client has gone. */
function write(res: ServerResponse, chunk: string): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false);
  if (res.write(chunk)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      res.off('drain', drained);
      res.off('close', closed);
      resolve(ok);
    };
    const drained = () => done(true);
    const closed = () => done(false);
    res.once('drain', drained);
    res.once('close', closed);
  });
}

/** What a download needs from the server: the runtime, how credentials are checked, and the client's address. */
export interface DownloadOptions {
  readonly runtime: Runtime;
  readonly authenticate: (authorization: unknown, cookies: CookieRequest | null) => Promise<Authentication>;
  readonly clientAddress: (req: IncomingMessage) => string;
}

/**
 * Answers `GET /api/experiments/<id>/trials.csv|json`: the experiment's trials as a file attachment,
 * streamed page by page (at the pace the client reads), for its owner only. Credentials as the API
 * takes them: `Authorization: Bearer TOKEN`, or the dashboard's session cookie under the same
 * same-origin rules; each download counts as one operation against the user's rate limit. Another
 * user's experiment, or none, is 404.
 */
export async function serveTrialDownload(options: DownloadOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  const match = DOWNLOAD.exec(path);
  req.resume();
  if (!match) return refuse(res, 404, 'NOT_FOUND', 'Trials are downloaded from /api/experiments/<experiment id>/trials.csv or trials.json');
  if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'BAD_REQUEST', 'Downloads are GET requests', { allow: 'GET, HEAD' });
  const { runtime } = options;
  const authentication = await options.authenticate(req.headers.authorization, { method: req.method, header: (name) => headerValue(req.headers[name]) });
  if (!authentication.viewer) return refuse(res, 401, 'UNAUTHENTICATED', authMessage(authentication.problem), { 'www-authenticate': 'Bearer' });
  const viewer = authentication.viewer;
  const refusal = await runtime.operations.take(rateLimitKey({ viewer, clientAddress: options.clientAddress(req) }));
  if (refusal) {
    const retryAfter = String(refusal.extensions.retryAfter ?? 60);
    return refuse(res, 429, 'RATE_LIMITED', refusal.message, { 'retry-after': retryAfter });
  }
  let experimentId: string;
  try {
    experimentId = decodeURIComponent(match[1]!);
  } catch {
    return refuse(res, 404, 'NOT_FOUND', 'No such experiment');
  }
  const format = match[2] as ExportFormat;
  const experiment = await runtime.db.experiment.findFirst({ where: { id: experimentId, ownerId: viewer.userId } });
  if (!experiment) return refuse(res, 404, 'NOT_FOUND', `No experiment with id "${experimentId.slice(0, 100)}"`);
  let chunks: AsyncGenerator<string>;
  try {
    chunks = await exportTrials(runtime.database, experiment, format);
  } catch (error) {
    if (error instanceof GraphQLError) return refuse(res, 422, String(error.extensions.code), error.message);
    throw error;
  }
  const filename = exportFileName(experiment, format);
  res.writeHead(200, {
    'content-type': CONTENT_TYPES[format],
    'content-disposition': `attachment; filename="${filename}"; filename*=UTF-8''${encodeURIComponent(filename)}`,
    'cache-control': 'no-store',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  try {
    for await (const chunk of chunks) {
      if (!(await write(res, chunk))) return; // the client went away: stop reading trials
    }
    res.end();
  } catch (error) {
    // Headers are gone: cut the response, so the client sees an incomplete download rather than a short file.
    console.error(`oscar: export of experiment ${experiment.id} failed: ${(error as Error).message}`);
    res.destroy(error as Error);
  }
}
