import type { IncomingMessage, Server } from 'node:http';
import { GraphQLError, type DocumentNode, type ExecutionArgs, type execute, type subscribe } from 'graphql';
import type { YogaServerInstance } from 'graphql-yoga';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { CloseCode, handleProtocols, makeServer, MessageType, stringifyMessage } from 'graphql-ws';
import { authMessage, type Authentication } from '../accounts/auth.ts';
import { headerValue, type CookieRequest } from '../accounts/session.ts';
import { userError } from '../errors.ts';
import type { Runtime } from '../runtime/runtime.ts';
import { TOO_MANY_SOCKETS_CLOSE_CODE } from '../subscriptions/live-subscriptions.ts';
import { clientAddress, type AddressPolicy } from './client-address.ts';
import type { Context, ServerContext } from './context.ts';
import { rateLimitKey, withErrorCode } from './graphql-limits.ts';
import { TokenBucket } from './token-bucket.ts';

/** Largest graphql-ws message: a subscribe message is a query and its variables, never large. */
export const MAX_WEBSOCKET_MESSAGE_BYTES = 64 * 1024;

/** Largest message before the connection has signed in: `connection_init` carries a token, a ping nothing much. */
export const MAX_MESSAGE_BYTES_BEFORE_SIGN_IN = 8 * 1024;

/**
 * Most a connection may leave unread: once more than this waits to be sent to it (its socket's
 * `bufferedAmount`) when something more is to be sent, the client is not reading and the connection
 * is dropped. A single larger message (an event selecting many trials) is still sent whole.
 */
export const MAX_UNSENT_BYTES = 16 * 1024 * 1024;

/** A connection must have signed in (connection_init answered) within this long, or it is dropped. */
const INIT_DEADLINE_MS = 5_000;

/**
 * Every this long, each connection is pinged; one that did not answer the previous ping is dropped
 * (graphql-ws's own keep-alive: 12 s).
 */
const PING_INTERVAL_MS = 12_000;

/**
 * Every message a connection sends (subscribe, complete, ping, pong, and WebSocket pings and pongs)
 * spends one of its allowance: at most {@link MESSAGE_BURST} at once, refilled at
 * {@link MESSAGES_PER_SECOND}. A dashboard page sends a handful of subscribe and complete messages as
 * it mounts, graphql-ws clients ping every few seconds at most; a connection past it is closed (4429):
 * answering a flood one message at a time would still cost the server a busy second or more per ten
 * thousand messages, and memory for every answer the client does not read.
 */
const MESSAGES_PER_SECOND = 100;
const MESSAGE_BURST = 100;

/** A connection that has this many subscriptions refused (caps, rate limit) is closed (4429). */
const REFUSALS_PER_CONNECTION = 100;

/**
 * Longest subscription id (graphql-ws sets no bound): every event is sent with it, so a 60 KB id would
 * make each small event a large message. Clients use short counters or UUIDs.
 */
export const MAX_SUBSCRIPTION_ID_LENGTH = 256;

/** graphql-ws close code for a message it cannot take (its own "Bad request"). */
const BAD_REQUEST_CLOSE_CODE = 4400;

/** WebSocket close code for a message over a size limit (ws closes with it past {@link MAX_WEBSOCKET_MESSAGE_BYTES}). */
const MESSAGE_TOO_BIG_CLOSE_CODE = 1009;

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

/** A message's size in bytes (the server reads them as Buffers, its default binary type). */
function byteLength(data: RawData): number {
  return Array.isArray(data) ? data.reduce((sum, chunk) => sum + chunk.byteLength, 0) : data.byteLength;
}

/** What graphql-ws hands the server's hooks about a connection. */
interface Extra {
  readonly socket: WebSocket;
  readonly request: IncomingMessage;
}

/**
 * graphql-ws on the API's path, through the same envelop pipeline as HTTP (limits, auth, rate limits).
 * A connection must sign in with its first message (an API token in the `authorization` connection
 * parameter, or the dashboard's session cookie on the upgrade request), within a few seconds, or it
 * is closed; silent ones are dropped at the next ping; one that floods messages or has too many
 * subscriptions refused is closed; one that does not read what it is sent is dropped.
 */
export function attachWebSocket(options: WebSocketOptions): WebSocketEndpoint {
  const { server, yoga, runtime, policy } = options;
  const { live, operations: limiter } = runtime;
  // WebSocket pings are answered below, against the connection's allowance, not by ws on its own.
  const wss = new WebSocketServer({ server, maxPayload: MAX_WEBSOCKET_MESSAGE_BYTES, handleProtocols, autoPong: false });
  // The API's path, with or without a trailing slash (as the HTTP API: server/http/app.ts).
  wss.shouldHandle = (request) => {
    const path = (request.url ?? '').split('?')[0];
    return path === yoga.graphqlEndpoint || path === `${yoga.graphqlEndpoint}/`;
  };
  // The HTTP server's own errors, which ws passes on here: whoever listens reports them.
  wss.on('error', () => undefined);
  const socketAuthentication = new WeakMap<WebSocket, Authentication>();
  const socketRefusals = new WeakMap<WebSocket, number>();
  const alive = new WeakSet<WebSocket>();

  /** Closes a connection that sends too much (4429 unless told), reading nothing more from it. */
  const closeFlooding = (socket: WebSocket, reason: string, code = TOO_MANY_SOCKETS_CLOSE_CODE): void => {
    if (socket.readyState !== socket.OPEN) return;
    // Stop reading what is still queued, and go: the close frame tells a well-behaved client why.
    socket.pause();
    socket.close(code, reason);
    setTimeout(() => socket.terminate(), 1000).unref();
  };
  /** Whether the server may queue more for this client; if not, drops the connection (it is not reading). */
  const reading = (socket: WebSocket): boolean => {
    if (socket.readyState !== socket.OPEN) return false;
    if (socket.bufferedAmount <= MAX_UNSENT_BYTES) return true;
    socket.terminate();
    return false;
  };
  const refused = (socket: WebSocket, errors: readonly GraphQLError[]): readonly GraphQLError[] => {
    socketRefusals.set(socket, (socketRefusals.get(socket) ?? 0) + 1);
    return errors;
  };

  const graphqlWs = makeServer<Record<string, unknown> | undefined, Extra>({
    execute: (args) => (args as EnvelopedArgs).execute(args),
    subscribe: (args) => (args as EnvelopedArgs).subscribe(args),
    onConnect: async (ctx) => {
      const { socket, request } = ctx.extra;
      const params = ctx.connectionParams ?? {};
      const authentication = await options.authenticate(params.authorization ?? params.Authorization, {
        method: 'GET',
        header: (name) => headerValue(request.headers[name]),
      });
      // Closed while it was signing in: its 'close' has come and gone, so it must not take a place.
      if (socket.readyState !== socket.OPEN) return false;
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
    onSubscribe: async (ctx, id, payload) => {
      const { socket, request } = ctx.extra;
      if (id.length > MAX_SUBSCRIPTION_ID_LENGTH) {
        closeFlooding(socket, `Subscription id too long: at most ${MAX_SUBSCRIPTION_ID_LENGTH} characters`, BAD_REQUEST_CLOSE_CODE);
        return [userError('BAD_USER_INPUT', `Subscription id too long: at most ${MAX_SUBSCRIPTION_ID_LENGTH} characters`, 'id')];
      }
      if ((socketRefusals.get(socket) ?? 0) >= REFUSALS_PER_CONNECTION) {
        closeFlooding(socket, `Too many refused subscriptions: at most ${REFUSALS_PER_CONNECTION} a connection`);
        return [userError('TOO_MANY_SUBSCRIPTIONS', 'This connection had too many subscriptions refused; it is being closed')];
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
      let errors: readonly GraphQLError[];
      try {
        errors = validate(args.schema, args.document);
      } catch (error) {
        // GraphQL Armor's depth, alias, cost and directive limits throw from validation: QUERY_TOO_COMPLEX
        // for this subscription, as over HTTP, not the whole connection closed as an internal error.
        if (error instanceof GraphQLError) return [withErrorCode(error)];
        throw error;
      }
      return errors.length ? errors.map(withErrorCode) : args;
    },
  });

  wss.on('connection', (socket, request) => {
    const budget = new TokenBucket(MESSAGE_BURST, MESSAGES_PER_SECOND);
    /** Spends one message of the allowance; false (and the connection closing) past it. */
    const allowed = (): boolean => {
      if (budget.take(1) === null) return true;
      closeFlooding(socket, `Too many messages: at most ${MESSAGES_PER_SECOND} a second`);
      return false;
    };
    // A client's protocol error (a message over the size limit, a bad frame): ws closes the connection itself.
    socket.on('error', () => undefined);
    socket.on('ping', (data) => {
      if (allowed() && reading(socket)) socket.pong(data);
    });
    socket.on('pong', () => {
      if (allowed()) alive.add(socket);
    });
    alive.add(socket);
    // graphql-ws closes a connection that never signs in, but a closing handshake can hang for 30 s.
    const deadline = setTimeout(() => {
      if (!socketAuthentication.get(socket)?.viewer) socket.terminate();
    }, INIT_DEADLINE_MS);
    deadline.unref();

    const closed = graphqlWs.opened(
      {
        protocol: socket.protocol,
        // Queued, not awaited: what a client leaves unread shows in bufferedAmount, which is bounded.
        send: (data) => {
          if (reading(socket)) socket.send(data);
        },
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) =>
          socket.on('message', (data) => {
            // Messages ws had already read when the connection began to close are not handled.
            if (socket.readyState !== socket.OPEN || !allowed()) return;
            if (!socketAuthentication.get(socket)?.viewer && byteLength(data) > MAX_MESSAGE_BYTES_BEFORE_SIGN_IN) {
              closeFlooding(socket, `Messages before signing in are at most ${MAX_MESSAGE_BYTES_BEFORE_SIGN_IN} bytes`, MESSAGE_TOO_BIG_CLOSE_CODE);
              return;
            }
            handle(String(data)).catch((error: unknown) => {
              console.error(`oscar: graphql-ws message handling failed: ${error instanceof Error ? error.message : String(error)}`);
              socket.close(CloseCode.InternalServerError, 'Internal server error');
            });
          }),
        // A pong carries no payload (the protocol allows it): a client's ping is never sent back to it.
        onPing: () => {
          if (reading(socket)) socket.send(stringifyMessage({ type: MessageType.Pong }));
        },
      },
      { socket, request },
    );
    socket.once('close', (code, reason) => {
      clearTimeout(deadline);
      void closed(code, String(reason));
    });
  });
  const pings = setInterval(() => {
    for (const socket of wss.clients) {
      if (!alive.has(socket) || !reading(socket)) {
        socket.terminate();
        continue;
      }
      alive.delete(socket);
      socket.ping();
    }
  }, PING_INTERVAL_MS);
  pings.unref();

  return {
    closeAll() {
      for (const socket of wss.clients) socket.close(1001, 'Server shutting down');
    },
    async dispose() {
      clearInterval(pings);
      for (const socket of wss.clients) socket.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
