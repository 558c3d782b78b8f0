import type { Server } from 'node:http';
import { GraphQLError, type DocumentNode, type ExecutionArgs, type execute, type subscribe } from 'graphql';
import type { YogaServerInstance } from 'graphql-yoga';
import { WebSocketServer, type WebSocket } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { authMessage, type Authentication } from '../accounts/auth.ts';
import { headerValue, type CookieRequest } from '../accounts/session.ts';
import { userError } from '../errors.ts';
import type { Runtime } from '../runtime/runtime.ts';
import { TOO_MANY_SOCKETS_CLOSE_CODE } from '../subscriptions/live-subscriptions.ts';
import { clientAddress, type AddressPolicy } from './client-address.ts';
import type { Context, ServerContext } from './context.ts';
import { rateLimitKey, withErrorCode } from './graphql-limits.ts';

/** Largest graphql-ws message: a subscribe message is a query and its variables, never large. */
export const MAX_WEBSOCKET_MESSAGE_BYTES = 64 * 1024;

/** A connection must have signed in (connection_init answered) within this long, or it is dropped. */
const INIT_DEADLINE_MS = 5_000;

/** Every this long, each connection is pinged; one that did not answer the previous ping is dropped. */
const PING_INTERVAL_MS = 30_000;

/**
 * A connection that sends more subscribe messages than this in a second, or has this many refused, is
 * closed (4429): refusing a flood one message at a time would still cost the server a busy second or
 * more per ten thousand messages.
 */
const SUBSCRIBES_PER_SECOND = 100;
const REFUSALS_PER_CONNECTION = 100;

/** graphql-ws close code for a connection without valid credentials (graphql-ws's own "Unauthorized"). */
export const UNAUTHORIZED_CLOSE_CODE = 4401;

/** graphql-ws execution arguments carrying the envelop pipeline's own execute and subscribe. */
type EnvelopedArgs = ExecutionArgs & {
  execute: (args: ExecutionArgs) => ReturnType<typeof execute>;
  subscribe: (args: ExecutionArgs) => ReturnType<typeof subscribe>;
};

/** What the WebSocket endpoint needs from the app. */
export interface WebSocketOptions {
  readonly server: Server;
  readonly yoga: YogaServerInstance<ServerContext, Context>;
  readonly runtime: Runtime;
  readonly policy: AddressPolicy;
  readonly authenticate: (authorization: unknown, cookies: CookieRequest | null) => Promise<Authentication>;
}

/** The running endpoint. */
export interface WebSocketEndpoint {
  /** Tells every connection the server is going away (1001). */
  closeAll(): void;
  /** Drops every connection at once, then stops. */
  dispose(): Promise<void>;
}

/**
 * graphql-ws on the API's path, through the same envelop pipeline as HTTP (limits, auth, rate limits).
 * A connection must sign in with its first message (an API token in the `authorization` connection
 * parameter, or the dashboard's session cookie on the upgrade request), within a few seconds, or it
 * is closed; silent ones are dropped at the next ping; one that floods subscribe messages is closed.
 */
export function attachWebSocket(options: WebSocketOptions): WebSocketEndpoint {
  const { server, yoga, runtime, policy } = options;
  const { live, operations: limiter } = runtime;
  const wss = new WebSocketServer({ server, path: yoga.graphqlEndpoint, maxPayload: MAX_WEBSOCKET_MESSAGE_BYTES });
  const socketAuthentication = new WeakMap<WebSocket, Authentication>();
  const socketUse = new WeakMap<WebSocket, { second: number; subscribes: number; refusals: number }>();
  const alive = new WeakSet<WebSocket>();

  wss.on('connection', (socket) => {
    alive.add(socket);
    socket.on('pong', () => alive.add(socket));
    // graphql-ws closes a connection that never signs in, but a closing handshake can hang for 30 s.
    const deadline = setTimeout(() => {
      if (!socketAuthentication.get(socket)?.viewer) socket.terminate();
    }, INIT_DEADLINE_MS);
    deadline.unref();
    socket.once('close', () => clearTimeout(deadline));
  });
  const pings = setInterval(() => {
    for (const socket of wss.clients) {
      if (!alive.has(socket)) {
        socket.terminate();
        continue;
      }
      alive.delete(socket);
      socket.ping();
    }
  }, PING_INTERVAL_MS);
  pings.unref();

  /** Counts a subscribe message; false (and the connection closing) when the connection is flooding. */
  const withinBudget = (socket: WebSocket): boolean => {
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

  const endpoint = useServer(
    {
      execute: (args) => (args as EnvelopedArgs).execute(args),
      subscribe: (args) => (args as EnvelopedArgs).subscribe(args),
      onConnect: async (ctx) => {
        const { socket, request } = ctx.extra;
        const params = ctx.connectionParams ?? {};
        const authentication = await options.authenticate(params.authorization ?? params.Authorization, {
          method: 'GET',
          header: (name) => headerValue(request.headers[name]),
        });
        socketAuthentication.set(socket, authentication);
        if (!authentication.viewer) {
          // Nothing can be subscribed to without credentials: an open anonymous connection would only hold a place.
          socket.close(UNAUTHORIZED_CLOSE_CODE, `Unauthorized: ${authMessage(authentication.problem)}`.slice(0, 120));
          return false;
        }
        if (!live.addSocket(socket, authentication.viewer)) {
          socket.close(TOO_MANY_SOCKETS_CLOSE_CODE, `At most ${live.limits.socketsPerUser} connections per user`);
          return false;
        }
        return true;
      },
      onNext: (ctx, _id, _payload, _args, result) => {
        const errors = 'errors' in result ? (result.errors ?? []) : [];
        if (errors.length === 0) return;
        // A subscription its resolver refused (the user's cap) counts against the connection too.
        if (errors.some((error) => error.extensions?.code === 'TOO_MANY_SUBSCRIPTIONS')) refused(ctx.extra.socket, errors);
        // Every error carries its code, as over HTTP (a variable of the wrong type: BAD_USER_INPUT).
        return { ...result, errors: errors.map((error) => withErrorCode(error).toJSON()) };
      },
      onSubscribe: async (ctx, _id, payload) => {
        const { socket, request } = ctx.extra;
        if (!withinBudget(socket)) {
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
          if (error instanceof GraphQLError) return [withErrorCode(error)];
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
        return errors.length ? errors.map(withErrorCode) : args;
      },
    },
    wss,
  );

  return {
    closeAll() {
      for (const socket of wss.clients) socket.close(1001, 'Server shutting down');
    },
    async dispose() {
      clearInterval(pings);
      for (const socket of wss.clients) socket.terminate();
      await endpoint.dispose();
    },
  };
}
