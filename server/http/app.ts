import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createYoga, maskError } from 'graphql-yoga';
import { deletedMeanwhile } from '../errors.ts';
import type { GraphQLSchema } from 'graphql';
import { authenticateToken, parseAuthorization, type Authentication } from '../accounts/auth.ts';
import { authenticateSession, sessionSecretOf, type CookieRequest } from '../accounts/session.ts';
import type { Runtime } from '../runtime/runtime.ts';
import { clientAddress, type AddressPolicy } from './client-address.ts';
import type { Context, ServerContext } from './context.ts';
import { OperationBudget } from './operation-budget.ts';
import { GRAPHIQL_DIR, GRAPHIQL_PATH, graphiqlRenderer, MANIFEST } from './graphiql.ts';
import { queryLimitPlugins, rateLimitPlugin } from './graphql-limits.ts';
import { keptJsonPlugin } from './kept-json.ts';
import { operationChoicePlugin } from './operation-choice.ts';
import { unsupportedMediaTypePlugin } from './media-type.ts';
import { applyConnectionLimits, BodyAdmission, DEFAULT_CONNECTION_LIMITS, serverOptions, type ConnectionLimits } from './request-limits.ts';
import { setSecurityHeaders } from './security-headers.ts';
import { staticFiles } from './static-files.ts';
import { isDownloadPath, serveTrialDownload } from './trial-download.ts';
import { attachWebSocket } from './websocket.ts';

/** A running (or ready to run) Oscar server. */
export interface App {
  /** Listens on host:port and resolves with the port actually bound (useful with port 0). */
  start(port: number, host?: string): Promise<number>;
  /**
   * Stops serving: no new connections; in-flight requests get `graceMs` to finish, open subscriptions
   * end, then every connection is closed. The runtime stays open (its owner closes it).
   */
  stop(graceMs?: number): Promise<void>;
}

/** Request handler for everything that is neither the API, GraphiQL's assets nor the health check (the dashboard). */
export type FallbackHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** How an app is built: the runtime and the schema it serves; the rest has defaults. */
export interface AppOptions {
  readonly runtime: Runtime;
  /** The GraphQL schema (schema/index.ts). */
  readonly schema: GraphQLSchema;
  /** The dashboard; without one, other paths answer 404. */
  readonly dashboard?: FallbackHandler;
  /** How clients are told apart (OSCAR_TRUST_PROXY, the internal secret); the dashboard uses the same. */
  readonly policy: AddressPolicy;
  readonly connectionLimits?: ConnectionLimits;
}

/** How long the health check waits for the database before answering 503. */
const HEALTH_TIMEOUT_MS = 3000;

/** Methods that reach graphql-yoga at /graphql: GET and POST, and HEAD and OPTIONS (CORS preflight), which it answers itself. */
const GRAPHQL_METHODS: ReadonlySet<string | undefined> = new Set(['GET', 'POST', 'HEAD', 'OPTIONS']);

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

/**
 * Builds Oscar's HTTP server: GraphQL at /graphql (HTTP, SSE and graphql-ws on the same path;
 * GraphiQL for browsers, its assets under /graphiql/), /livez, /readyz (and /healthz, the same), trial
 * downloads under /api/ (trial-download.ts), and the dashboard for the rest.
 */
export function buildApp(options: AppOptions): App {
  const { runtime } = options;
  const { operations: limiter } = runtime;
  const limits = options.connectionLimits ?? DEFAULT_CONNECTION_LIMITS;
  const { policy } = options;
  const admission = new BodyAdmission(limits);
  const graphiqlAssets = staticFiles(GRAPHIQL_DIR, { immutablePrefix: '/', mount: GRAPHIQL_PATH });

  const authenticate = async (authorization: unknown, cookies: CookieRequest | null): Promise<Authentication> => {
    const token = parseAuthorization(authorization);
    if (token) return authenticateToken(runtime.db, token);
    const secret = cookies ? sessionSecretOf(cookies, policy.trustProxy) : null;
    return secret ? authenticateSession(runtime.db, secret) : { viewer: null, problem: null };
  };

  const downloads = { runtime, authenticate, clientAddress: (req: IncomingMessage) => clientAddress(req, policy) };

  const yoga = createYoga<ServerContext, Context>({
    schema: options.schema,
    plugins: [...queryLimitPlugins(), rateLimitPlugin(limiter), keptJsonPlugin(), unsupportedMediaTypePlugin(), operationChoicePlugin()],
    graphqlEndpoint: '/graphql',
    landingPage: false,
    // Expected failures keep their code; a row deleted meanwhile is NOT_FOUND; the rest stay masked.
    maskedErrors: { maskError: (error, message, isDev) => deletedMeanwhile(error) ?? maskError(error, message, isDev) },
    // Any page may call the API with a bearer token, never with the browser's cookies.
    cors: { origin: '*', credentials: false, methods: ['GET', 'POST'], allowedHeaders: ['authorization', 'content-type', 'accept'], maxAge: 600 },
    graphiql: { subscriptionsProtocol: 'WS', title: 'Oscar GraphiQL' },
    renderGraphiQL: graphiqlRenderer(),
    context: async ({ request, req, socketAuthentication }): Promise<Context> => {
      const authentication =
        socketAuthentication ??
        (await authenticate(request.headers.get('authorization'), { method: request.method, header: (name) => request.headers.get(name) }));
      return {
        runtime,
        viewer: authentication.viewer,
        authProblem: authentication.problem,
        clientAddress: req ? clientAddress(req, policy) : 'unknown',
        transport: socketAuthentication ? 'ws' : 'http',
        budget: new OperationBudget(),
      };
    },
  });

  let stopping = false;
  // The health check's query runs at most once a second, however often it is asked (it needs no credentials).
  let lastCheck: { at: number; problem: Promise<string | null> } | null = null;
  const databaseCheck = (): Promise<string | null> => {
    if (!lastCheck || Date.now() - lastCheck.at >= 1000) lastCheck = { at: Date.now(), problem: runtime.database.problem(HEALTH_TIMEOUT_MS) };
    return lastCheck.problem;
  };

  const server = createServer(serverOptions(limits), (req, res) => {
    let path = (req.url ?? '/').split('?')[0];
    if (path === `${yoga.graphqlEndpoint}/`) {
      // `/graphql/` (a URL copied with a trailing slash) is the API too, not a dashboard page.
      req.url = `${yoga.graphqlEndpoint}${(req.url ?? '').slice(path.length)}`;
      path = yoga.graphqlEndpoint;
    }
    if (path === '/livez') {
      // Liveness: the process answers (its event loop turns); nothing else is asked.
      setSecurityHeaders(res, { api: false });
      json(res, 200, { status: 'ok' });
    } else if (path === '/healthz' || path === '/readyz') {
      // Readiness: the database answers a real query and the server is not stopping. Redis is reported,
      // not required: without it this replica still serves everything (see docs/deploy.md).
      setSecurityHeaders(res, { api: false });
      void databaseCheck().then((problem) => {
        const failure = stopping ? 'stopping' : problem;
        json(res, failure ? 503 : 200, { status: failure ? 'unavailable' : 'ok', database: problem ?? 'ok', redis: runtime.redisStatus() });
      });
    } else if (path?.startsWith(GRAPHIQL_PATH)) {
      setSecurityHeaders(res, { api: false });
      const missing = () => json(res, 404, { errors: [{ message: 'No such file', extensions: { code: 'NOT_FOUND' } }] });
      if (path === `${GRAPHIQL_PATH}${MANIFEST}`) missing();
      else graphiqlAssets(req, res, missing);
    } else if (path === yoga.graphqlEndpoint && !GRAPHQL_METHODS.has(req.method)) {
      // Refused before the body's length is asked for: a DELETE without a body is a wrong method, not a missing length.
      setSecurityHeaders(res, { api: true });
      req.resume();
      res.setHeader('allow', 'GET, POST');
      json(res, 405, { errors: [{ message: `GraphQL only supports GET and POST requests, but got ${req.method}`, extensions: { code: 'BAD_REQUEST' } }] });
    } else if (!admission.admit(req, res, clientAddress(req, policy))) {
      // Refused (too large, or too many bodies still arriving): answered already.
    } else if (path && isDownloadPath(path)) {
      setSecurityHeaders(res, { api: true });
      serveTrialDownload(downloads, req, res).catch((error: unknown) => {
        console.error(`oscar: download failed: ${(error as Error).message}`);
        if (!res.headersSent) json(res, 500, { errors: [{ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
        else res.destroy();
      });
    } else if (path === yoga.graphqlEndpoint) {
      setSecurityHeaders(res, { api: true });
      // A GET's answer is the viewer's (cookie or token) at an address that names no viewer: never in a shared cache.
      res.setHeader('cache-control', 'private');
      void yoga.handle(req, res);
    } else if (options.dashboard && !(path === '/' && req.method === 'POST' && /json/i.test(req.headers['content-type'] ?? ''))) {
      setSecurityHeaders(res, { api: false });
      options.dashboard(req, res);
    } else {
      setSecurityHeaders(res, { api: true });
      req.resume();
      json(res, 404, {
        errors: [{ message: 'The GraphQL API is at /graphql (set OSCAR_URL to http://HOST:PORT/graphql, or to the base URL for the clients)', extensions: { code: 'NOT_FOUND' } }],
      });
    }
  });
  applyConnectionLimits(server, limits, policy.trustProxy);

  // In-flight requests, so stopping can wait for them (and wake as soon as the last one ends).
  const inFlight = new Set<ServerResponse>();
  let drained: (() => void) | null = null;
  server.on('request', (_req, res: ServerResponse) => {
    inFlight.add(res);
    res.once('close', () => {
      inFlight.delete(res);
      if (inFlight.size === 0) drained?.();
    });
  });

  const websocket = attachWebSocket({ server, yoga, runtime, policy, authenticate });

  return {
    start: (port, host = '127.0.0.1') =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          const address = server.address();
          resolve(typeof address === 'object' && address ? address.port : port);
        });
      }),
    stop: async (graceMs = 7000) => {
      stopping = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Subscriptions end (their clients are told), so streaming responses finish too.
      runtime.live.stop();
      websocket.closeAll();
      if (inFlight.size > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, graceMs);
          drained = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      server.closeAllConnections();
      await Promise.all([websocket.dispose(), closed]);
    },
  };
}
