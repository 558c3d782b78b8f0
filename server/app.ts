import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { createYoga } from 'graphql-yoga';
import type { ExecutionArgs, execute, subscribe } from 'graphql';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { schema } from '../schema/index.ts';
import { authenticateToken, parseAuthorization } from './auth.ts';
import { databaseIsReachable } from './db.ts';
import type { Context } from '../schema/builder.ts';

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

/** Optional request handler for everything that is neither the API nor the health check. */
export type FallbackHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** Builds Oscar's HTTP server: GraphQL (and GraphiQL) at /graphql, graphql-ws on the same path, /healthz. */
export function buildApp(fallback?: FallbackHandler): App {
  const yoga = createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: { subscriptionsProtocol: 'WS', title: 'Oscar GraphiQL' },
    context: async ({ request, connectionParams }: { request?: Request; connectionParams?: Record<string, unknown> }) => {
      const header = connectionParams?.authorization ?? connectionParams?.Authorization ?? request?.headers.get('authorization');
      return { viewer: await authenticateToken(parseAuthorization(header)) };
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
      void yoga.handle(req, res);
    } else {
      fallback(req, res);
    }
  });

  const wss = new WebSocketServer({ server, path: yoga.graphqlEndpoint });
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
        const args: EnvelopedArgs = {
          schema,
          operationName: payload.operationName,
          document: parse(payload.query),
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

  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  return {
    start: (port, host = '127.0.0.1') =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          const address = server.address();
          resolve(typeof address === 'object' && address ? address.port : port);
        });
      }),
    stop: async () => {
      await wsServer.dispose();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
