import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createYoga } from 'graphql-yoga';
import { GraphQLError, type DocumentNode, type ExecutionArgs, type GraphQLSchema, type execute, type subscribe } from 'graphql';
import { WebSocketServer, type WebSocket } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { authenticateToken, parseAuthorization, type Authentication } from '../accounts/auth.ts';
import { authenticateSession, headerValue, sessionSecretOf, type CookieRequest } from '../accounts/session.ts';
import { userError } from '../errors.ts';
import { TABLE_CELLS_PER_OPERATION } from '../insights/trial-table.ts';
import type { Runtime } from '../runtime/runtime.ts';
import { TOO_MANY_SOCKETS_CLOSE_CODE } from '../subscriptions/live-subscriptions.ts';
import { clientAddress, internalSecret, type AddressPolicy } from './client-address.ts';
import type { Context } from './context.ts';
import { GRAPHIQL_DIR, GRAPHIQL_PATH, graphiqlRenderer } from './graphiql.ts';
import { queryLimitPlugins, rateLimitKey, rateLimitPlugin } from './graphql-limits.ts';
import { applyConnectionLimits, BodyAdmission, DEFAULT_CONNECTION_LIMITS, MAX_BODY_BYTES, serverOptions, type ConnectionLimits } from './request-limits.ts';
import { setSecurityHeaders } from './security-headers.ts';
import { staticFiles } from './static-files.ts';

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

/** graphql-ws execution arguments carrying the envelop pipeline's own execute and subscribe. */
type EnvelopedArgs = ExecutionArgs & {
  execute: (args: ExecutionArgs) => ReturnType<typeof execute>;
  subscribe: (args: ExecutionArgs) => ReturnType<typeof subscribe>;
};

/** Request handler for everything that is neither the API, GraphiQL's assets nor the health check (the dashboard). */
export type FallbackHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** How an app is built: the runtime and the schema it serves; the rest has defaults. */
export interface AppOptions {
  readonly runtime: Runtime;
  /** The GraphQL schema (schema/index.ts). */
  readonly schema: GraphQLSchema;
  /** The dashboard; without one, other paths answer 404. */
  readonly dashboard?: FallbackHandler;
  /** OSCAR_TRUST_PROXY=1: believe a proxy's X-Forwarded-For/-Host/-Proto. */
  readonly trustProxy?: boolean;
  readonly connectionLimits?: ConnectionLimits;
}

/** How long the health check waits for the database before answering 503. */
const HEALTH_TIMEOUT_MS = 3000;

/**
 * A graphql-ws connection that sends more subscribe messages than this in a second, or has this many
 * refused, is closed (code 4429): refusing a flood one message at a time would still cost the server
 * a busy second or more per ten thousand messages.
 */
const SUBSCRIBES_PER_SECOND = 100;
const REFUSALS_PER_CONNECTION = 100;

/** What yoga gets from each transport, besides its own fields. */
interface ServerContext {
  readonly req?: IncomingMessage;
  /** graphql-ws: the socket's authentication, done once when it connected. */
  readonly socketAuthentication?: Authentication;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

/**
 * Builds Oscar's HTTP server: GraphQL at /graphql (HTTP, SSE and graphql-ws on the same path;
 * GraphiQL for browsers, its assets under /graphiql/), /healthz, and the dashboard for the rest.
 */
export function buildApp(options: AppOptions): App {
  const { runtime } = options;
  const { live, operations: limiter } = runtime;
  const limits = options.connectionLimits ?? DEFAULT_CONNECTION_LIMITS;
  const policy: AddressPolicy = { trustProxy: options.trustProxy ?? false, internalSecret: internalSecret() };
  const admission = new BodyAdmission(limits);
  const graphiqlAssets = staticFiles(GRAPHIQL_DIR, { immutablePrefix: '/', mount: GRAPHIQL_PATH });

  const authenticate = async (authorization: unknown, cookies: CookieRequest | null): Promise<Authentication> => {
    const token = parseAuthorization(authorization);
    if (token) return authenticateToken(runtime.db, token);
    const secret = cookies ? sessionSecretOf(cookies, policy.trustProxy) : null;
    return secret ? authenticateSession(runtime.db, secret) : { viewer: null, problem: null };
  };

  const yoga = createYoga<ServerContext, Context>({
    schema: options.schema,
    plugins: [...queryLimitPlugins(), rateLimitPlugin(limiter)],
    graphqlEndpoint: '/graphql',
    landingPage: false,
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
        tableBudget: { remaining: TABLE_CELLS_PER_OPERATION },
      };
    },
  });

  // The health check's query runs at most once a second, however often it is asked (it needs no credentials).
  let lastCheck: { at: number; problem: Promise<string | null> } | null = null;
  const databaseCheck = (): Promise<string | null> => {
    if (!lastCheck || Date.now() - lastCheck.at >= 1000) lastCheck = { at: Date.now(), problem: runtime.database.problem(HEALTH_TIMEOUT_MS) };
    return lastCheck.problem;
  };

  const server = createServer(serverOptions(limits), (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      setSecurityHeaders(res, 'static');
      void databaseCheck().then((problem) =>
        json(res, problem ? 503 : 200, {
          status: problem ? 'unavailable' : 'ok',
          database: problem ?? 'ok',
          subscriptions: live.listening,
          sockets: live.socketCount,
        }),
      );
    } else if (path?.startsWith(GRAPHIQL_PATH)) {
      setSecurityHeaders(res, 'static');
      graphiqlAssets(req, res, () => json(res, 404, { errors: [{ message: 'No such file', extensions: { code: 'NOT_FOUND' } }] }));
    } else if (path === yoga.graphqlEndpoint) {
      setSecurityHeaders(res, 'api');
      if (admission.admit(req, res, clientAddress(req, policy))) void yoga.handle(req, res);
    } else if (options.dashboard && !(path === '/' && req.method === 'POST' && /json/i.test(req.headers['content-type'] ?? ''))) {
      setSecurityHeaders(res, 'dashboard');
      options.dashboard(req, res);
    } else {
      setSecurityHeaders(res, 'api');
      req.resume();
      json(res, 404, {
        errors: [{ message: 'The GraphQL API is at /graphql (set OSCAR_URL to http://HOST:PORT/graphql, or to the base URL for the clients)', extensions: { code: 'NOT_FOUND' } }],
      });
    }
  });
  applyConnectionLimits(server, limits);

  const inFlight = new Set<ServerResponse>();
  server.on('request', (_req, res: ServerResponse) => {
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
  });

  const wss = new WebSocketServer({ server, path: yoga.graphqlEndpoint, maxPayload: MAX_BODY_BYTES });
  const socketAuthentication = new WeakMap<WebSocket, Authentication>();
  const socketUse = new WeakMap<WebSocket, { second: number; subscribes: number; refusals: number }>();
  /** Counts a subscribe message; false (and the connection closing) when the connection is flooding. */
  const withinSocketBudget = (socket: WebSocket): boolean => {
    const now = Math.floor(Date.now() / 1000);
    const use = socketUse.get(socket) ?? { second: now, subscribes: 0, refusals: 0 };
    socketUse.set(socket, use);
    if (use.second !== now) Object.assign(use, { second: now, subscribes: 0 });
    use.subscribes++;
    if (use.subscribes <= SUBSCRIBES_PER_SECOND && use.refusals < REFUSALS_PER_CONNECTION) return true;
    if (socket.readyState === socket.OPEN) {
      // Stop reading what is still queued, and go: the close frame tells a well-behaved client why.
      socket.pause();
      socket.close(TOO_MANY_SOCKETS_CLOSE_CODE, 'Too many subscribe messages or refused subscriptions');
      setTimeout(() => socket.terminate(), 1000).unref();
    }
    return false;
  };
  const refused = (socket: WebSocket, errors: readonly GraphQLError[]): readonly GraphQLError[] => {
    const use = socketUse.get(socket);
    if (use) use.refusals++;
    return errors;
  };
  const wsServer = useServer(
    {
      execute: (args) => (args as EnvelopedArgs).execute(args),
      subscribe: (args) => (args as EnvelopedArgs).subscribe(args),
      onConnect: async (ctx) => {
        const { socket, request } = ctx.extra;
        const params = ctx.connectionParams ?? {};
        const authentication = await authenticate(params.authorization ?? params.Authorization, {
          method: 'GET',
          header: (name) => headerValue(request.headers[name]),
        });
        socketAuthentication.set(socket, authentication);
        if (authentication.viewer && !live.addSocket(socket, authentication.viewer)) {
          socket.close(TOO_MANY_SOCKETS_CLOSE_CODE, `At most ${live.limits.socketsPerUser} connections per user`);
          return false;
        }
        return true;
      },
      onNext: (ctx, _id, _payload, _args, result) => {
        // A subscription its resolver refused (the user's cap) counts against the connection too.
        const errors = 'errors' in result ? (result.errors ?? []) : [];
        if (errors.some((error) => error.extensions?.code === 'TOO_MANY_SUBSCRIPTIONS')) refused(ctx.extra.socket, errors);
      },
      onSubscribe: async (ctx, _id, payload) => {
        const { socket, request } = ctx.extra;
        if (!withinSocketBudget(socket)) {
          return [userError('TOO_MANY_SUBSCRIPTIONS', 'This connection sent too many subscribe messages; it is being closed')];
        }
        // ctx.subscriptions already holds this one.
        if (Object.keys(ctx.subscriptions).length > live.limits.perSocket) {
          return refused(socket, [userError('TOO_MANY_SUBSCRIPTIONS', `At most ${live.limits.perSocket} subscriptions per connection`)]);
        }
        const authentication = socketAuthentication.get(socket) ?? { viewer: null, problem: null };
        // Every subscribe message counts against the rate limit, before any work is done for it.
        const refusal = await limiter.take(rateLimitKey({ viewer: authentication.viewer, clientAddress: clientAddress(request, policy) }));
        if (refusal) return refused(socket, [refusal]);
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: request,
          socket,
          params: payload,
          socketAuthentication: authentication,
        });
        let document: DocumentNode;
        try {
          document = parse(payload.query);
        } catch (error) {
          if (error instanceof GraphQLError) return [error];
          throw error;
        }
        const args: EnvelopedArgs = {
          schema,
          operationName: payload.operationName,
          document,
          variableValues: payload.variables,
          contextValue: await contextFactory(),
          execute,
          subscribe,
        };
        const errors = validate(args.schema, args.document);
        return errors.length ? errors : args;
      },
    },
    wss,
  );

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
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Subscriptions end (their clients are told), so streaming responses finish too.
      live.stop();
      for (const socket of wss.clients) socket.close(1001, 'Server shutting down');
      const deadline = Date.now() + graceMs;
      while (inFlight.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      server.closeAllConnections();
      for (const socket of wss.clients) socket.terminate();
      await Promise.all([wsServer.dispose(), closed]);
    },
  };
}
