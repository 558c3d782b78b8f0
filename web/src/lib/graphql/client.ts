import { Client, cacheExchange, fetchExchange, subscriptionExchange, type AnyVariables, type OperationResult, type TypedDocumentNode } from '@urql/core';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws/client';

/** The two addresses of Oscar's GraphQL API: HTTP for queries and mutations, WebSocket for subscriptions. */
export interface ApiEndpoints {
  /** `http(s)://host/graphql` */
  readonly http: string;
  /** `ws(s)://host/graphql` (graphql-ws protocol) */
  readonly ws: string;
}

/** Options for {@link createOscarClient}; all optional in the browser. */
export interface OscarClientOptions {
  /** A URL on the dashboard's origin; the API is `/graphql` there. Defaults to `location` in the browser. */
  readonly base?: URL | Location;
  /**
   * Returns an API token, or null to rely on the dashboard's session cookie (what the dashboard
   * does: the browser sends the cookie with every request and with the WebSocket upgrade).
   */
  readonly token?: () => string | null | undefined;
  /** The fetch to use, e.g. one that adds the session cookie on the server. Defaults to the global fetch. */
  readonly fetch?: typeof fetch;
}

/** The API endpoints on the same origin as `base`: `/graphql` over http(s) and ws(s). */
export function apiEndpoints(base: URL | Location): ApiEndpoints {
  const http = new URL('/graphql', base.href);
  const ws = new URL(http);
  ws.protocol = http.protocol === 'https:' ? 'wss:' : 'ws:';
  return { http: http.href, ws: ws.href };
}

/**
 * Creates a urql client for Oscar: queries and mutations as JSON POSTs (fetchExchange, behind urql's
 * document cache; JSON POSTs are what the API accepts with a session cookie, see server/session.ts),
 * subscriptions over graphql-ws. The WebSocket is opened on the first subscription only, so the
 * client is safe to create during server-side rendering.
 */
export function createOscarClient(options: OscarClientOptions = {}): Client {
  const base = options.base ?? (typeof location === 'undefined' ? undefined : location);
  if (!base) throw new Error('createOscarClient: `base` is required outside the browser (there is no `location`)');
  const endpoints = apiEndpoints(base);
  const authorization = (): string | undefined => {
    const token = options.token?.();
    return token ? `Bearer ${token}` : undefined;
  };

  let ws: WsClient | undefined;
  const socket = (): WsClient =>
    (ws ??= createWsClient({
      url: endpoints.ws,
      lazy: true,
      // A restarting server first refuses connections (an error event, not a close event, which
      // graphql-ws's default treats as fatal): keep trying, however long the server is away.
      retryAttempts: Infinity,
      shouldRetry: () => true,
      retryWait,
      on: {
        connected: () => setLive(true),
        closed: () => setLive(false),
      },
      connectionParams: () => {
        const value = authorization();
        return value ? { authorization: value } : {};
      },
    }));

  return new Client({
    url: endpoints.http,
    preferGetMethod: false,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    fetchOptions: () => {
      const value = authorization();
      return value ? { headers: { authorization: value } } : {};
    },
    exchanges: [
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({ unsubscribe: socket().subscribe({ ...request, query: request.query ?? '' }, sink) }),
        }),
      }),
    ],
  });
}

/** The longest wait between two attempts to reconnect the subscriptions' WebSocket. */
const RETRY_CAP_MS = 5000;

/** Waits 0.5 s, 1 s, 2 s, 4 s, then 5 s per attempt, each plus up to half a second so many pages do not retry at once. */
function retryWait(retries: number): Promise<void> {
  const wait = Math.min(500 * 2 ** retries, RETRY_CAP_MS) + Math.random() * 500;
  return new Promise((resolve) => setTimeout(resolve, wait));
}

let live = false;
const liveListeners = new Set<(live: boolean) => void>();

function setLive(value: boolean): void {
  live = value;
  for (const listener of liveListeners) listener(value);
}

/** Calls `listener` now and whenever the subscriptions' WebSocket connects or drops; returns the unsubscribe. */
export function onLiveChange(listener: (live: boolean) => void): () => void {
  liveListeners.add(listener);
  listener(live);
  return () => liveListeners.delete(listener);
}

let browserClient: Client | undefined;

/** The browser's one urql client (its cache and WebSocket are shared by every page). */
export function oscarClient(): Client {
  return (browserClient ??= createOscarClient());
}

/**
 * A query read again on every change, where only the latest answer counts: each `read` (network-only)
 * cancels the one in flight, whose answer is then never delivered, so an earlier answer never replaces
 * a later one. (A counter of reads would not do: urql answers a query asked again while the same one is
 * in flight with that one's answer, which may predate the change the new read is for.) `cancel` drops
 * the read in flight: call it when the page goes.
 */
export function latestRead<Data, Variables extends AnyVariables>(
  query: TypedDocumentNode<Data, Variables>,
  onResult: (result: OperationResult<Data, Variables>) => void,
): { read(variables: Variables): void; cancel(): void } {
  let current: { unsubscribe(): void } | null = null;
  const cancel = () => {
    current?.unsubscribe();
    current = null;
  };
  return {
    read(variables) {
      cancel();
      const reading = oscarClient()
        .query(query, variables, { requestPolicy: 'network-only' })
        .subscribe((result) => {
          // The first answer is the read's (urql would send later ones when a mutation touches the data).
          reading.unsubscribe();
          if (current === reading) current = null;
          onResult(result);
        });
      current = reading;
    },
    cancel,
  };
}

/**
 * Calls `listener` each time the subscriptions' WebSocket connects again after it dropped (say, the
 * server restarted), so a page can read again what changed while it was away; returns the unsubscribe.
 */
export function onReconnect(listener: () => void): () => void {
  let connected = false;
  let dropped = false;
  return onLiveChange((value) => {
    if (value && dropped) listener();
    if (value) dropped = false;
    else if (connected) dropped = true;
    connected ||= value;
  });
}
