import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { createYoga } from 'graphql-yoga';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { GraphQLError, type DocumentNode, type ExecutionArgs, type execute, type subscribe } from 'graphql';
import { WebSocketServer, type WebSocket } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { schema } from '../schema/index.ts';
import { authenticateToken, parseAuthorization } from './auth.ts';
import { authenticateSession, headerValue, sessionSecretOf } from './session.ts';
import { databaseIsReachable } from './db.ts';
import type { Context } from '../schema/builder.ts';
import type { Viewer } from './auth.ts';
import { MAX_BODY_BYTES, queryLimitPlugins, rateLimitPlugin, refuseOversizedBody } from './limits.ts';
import { startLeaseSweeper } from './leases.ts';
import { startRevocationSweeper } from './revocation.ts';
import { closeOptimizerPool } from './optimizer-pool.ts';

/** A running (or ready to run) Oscar server. */
export interface App {
  /** Listens on host:port and resolves with the port actually bound (useful with port 0). */
  start(port: number, host?: string): Promise<number>;
  /** Closes every connection and stops listening. */
  stop(): Promise<void>;
}

/** graphql-ws execution arguments carrying the envelop pipeline's own execute and subscribe. */
type EnvelopedArgs = ExecutionArgs & {
  execute: (args: ExecutionArgs) => ReturnType<typeof execute>;
  subscribe: (args: ExecutionArgs) => ReturnType<typeof subscribe>;
};

/** Limits that deployments may tune. */
export interface AppLimits {
  /** Operations a minute per API token or session (per address without one). */
  readonly rateLimitPerMinute?: number;
}

/** Optional request handler for everything that is neither the API nor the health check. */
export type FallbackHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** Builds Oscar's HTTP server: GraphQL (and GraphiQL) at /graphql, graphql-ws on the same path, /healthz. */
export function buildApp(fallback?: FallbackHandler, limits: AppLimits = {}): App {
  const yoga = createYoga<Record<string, unknown>, Context>({
    schema,
    plugins: [...queryLimitPlugins(), rateLimitPlugin(limits.rateLimitPerMinute ?? 6000)],
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: { subscriptionsProtocol: 'WS', title: 'Oscar GraphiQL' },
    // GraphiQL's page and scripts are served from here, not from a CDN, so it works offline.
    renderGraphiQL,
    context: async ({ request, req, connectionParams }: { request?: Request; req?: IncomingMessage; connectionParams?: Record<string, unknown> }) => {
      const header = connectionParams?.authorization ?? connectionParams?.Authorization ?? request?.headers.get('authorization');
      const token = parseAuthorization(header);
      if (token) return { viewer: await authenticateToken(token) };
      // No API token: the dashboard's session cookie (HTTP requests, and the graphql-ws upgrade request).
      const cookieRequest = request
        ? { method: request.method, header: (name: string) => request.headers.get(name) }
        : req
          ? { method: 'GET', header: (name: string) => headerValue(req.headers[name]) }
          : null;
      return { viewer: cookieRequest ? await authenticateSession(sessionSecretOf(cookieRequest)) : null };
    },
  });

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      void databaseIsReachable().then((ok) => {
        res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: ok ? 'ok' : 'database unreachable' }));
      });
    } else if (path === yoga.graphqlEndpoint || !fallback) {
      if (!refuseOversizedBody(req, res)) void yoga.handle(req, res);
    } else {
      fallback(req, res);
    }
  });

  // Longer than clients' idle keep-alive, so a reused connection is never closed under a request.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 70_000;

  const wss = new WebSocketServer({ server, path: yoga.graphqlEndpoint, maxPayload: MAX_BODY_BYTES });
  const viewers = new WeakMap<WebSocket, Viewer | null>();
  const wsServer = useServer(
    {
      execute: (args) => (args as EnvelopedArgs).execute(args),
      subscribe: (args) => (args as EnvelopedArgs).subscribe(args),
      onSubscribe: async (ctx, _id, payload) => {
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params: payload,
        });
        let document: DocumentNode;
        try {
          document = parse(payload.query);
        } catch (error) {
          if (error instanceof GraphQLError) return [error];
          throw error;
        }
        const contextValue = (await contextFactory()) as unknown as Context;
        viewers.set(ctx.extra.socket, contextValue.viewer);
        const args: EnvelopedArgs = {
          schema,
          operationName: payload.operationName,
          document,
          variableValues: payload.variables,
          contextValue,
          execute,
          subscribe,
        };
        const errors = validate(args.schema, args.document);
        return errors.length ? errors : args;
      },
    },
    wss,
  );

  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  let stopSweepers = (): void => undefined;

  return {
    start: (port, host = '127.0.0.1') =>
      new Promise((resolve, reject) => {
        const stopLeases = startLeaseSweeper();
        const stopRevocations = startRevocationSweeper(wss, (socket) => viewers.get(socket));
        stopSweepers = () => {
          stopLeases();
          stopRevocations();
        };
        server.once('error', reject);
        server.listen(port, host, () => {
          const address = server.address();
          resolve(typeof address === 'object' && address ? address.port : port);
        });
      }),
    stop: async () => {
      stopSweepers();
      await closeOptimizerPool();
      await wsServer.dispose();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
