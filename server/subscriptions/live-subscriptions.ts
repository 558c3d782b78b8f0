import DataLoader from 'dataloader';
import type { WebSocket } from 'ws';
import type { GraphQLError } from 'graphql';
import type { Viewer } from '../accounts/auth.ts';
import { userError } from '../errors.ts';
import { decrementCount } from '../counter-map.ts';
import type { Db } from '../runtime/database.ts';
import type { Events } from '../runtime/events.ts';

/** How many live subscriptions and sockets one user may hold. */
export interface SubscriptionLimits {
  /** Open subscriptions per user, across sockets and transports (graphql-ws and SSE). */
  readonly perUser: number;
  /** Subscriptions per graphql-ws socket. */
  readonly perSocket: number;
  /** graphql-ws sockets per user. */
  readonly socketsPerUser: number;
}

/** Defaults: far above what a dashboard or a client needs, far below what could stall the server. */
export const DEFAULT_SUBSCRIPTION_LIMITS: SubscriptionLimits = { perUser: 200, perSocket: 50, socketsPerUser: 64 };

/** WebSocket close code for a connection whose credentials were revoked. */
export const REVOKED_CLOSE_CODE = 4403;

/** WebSocket close code for a user past {@link SubscriptionLimits.socketsPerUser}. */
export const TOO_MANY_SOCKETS_CLOSE_CODE = 4429;

/** `token:<id>` or `session:<id>`: what a viewer signed in with, or null (no credential to revoke). */
export function credentialOf(viewer: Viewer): string | null {
  if (viewer.tokenId) return `token:${viewer.tokenId}`;
  if (viewer.sessionId) return `session:${viewer.sessionId}`;
  return null;
}

/** Which of these credentials are still valid: one query per kind, however many there are. */
async function validCredentials(db: Db, keys: readonly string[]): Promise<boolean[]> {
  const ids = (kind: string) => keys.filter((key) => key.startsWith(kind)).map((key) => key.slice(kind.length));
  const tokenIds = ids('token:');
  const sessionIds = ids('session:');
  const [tokens, sessions] = await Promise.all([
    tokenIds.length ? db.apiToken.findMany({ where: { id: { in: tokenIds }, revokedAt: null }, select: { id: true } }) : [],
    sessionIds.length ? db.session.findMany({ where: { id: { in: sessionIds }, expiresAt: { gt: new Date() } }, select: { id: true } }) : [],
  ]);
  const valid = new Set([...tokens.map((t) => `token:${t.id}`), ...sessions.map((s) => `session:${s.id}`)]);
  return keys.map((key) => valid.has(key));
}

function revokedError(): GraphQLError {
  return userError('UNAUTHENTICATED', 'The token or session of this subscription has been revoked');
}

interface Live {
  readonly viewer: Viewer;
  readonly credential: string | null;
  end(error?: GraphQLError): void;
}

/**
 * An event stream that ends, with an error, the moment it is told to (revocation), and releases its
 * place in the user's quota once, however it ends (completed, unsubscribed, revoked, socket closed).
 */
class WatchedStream<T> implements AsyncIterableIterator<T> {
  private readonly inner: AsyncIterator<T>;
  private ended = false;
  private failure: GraphQLError | null = null;
  private started = false;
  private wake: () => void = () => undefined;
  private readonly stopped = new Promise<void>((resolve) => (this.wake = resolve));

  constructor(
    source: AsyncIterable<T>,
    private readonly hooks: { onStart(): void; onEnd(): void; checkEvent(): Promise<boolean> },
  ) {
    this.inner = source[Symbol.asyncIterator]();
  }

  /** Ends the stream: pending and later `next()` calls finish (with `error`, once, if given). */
  end(error?: GraphQLError): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = error ?? null;
    this.wake();
    this.hooks.onEnd();
    void this.inner.return?.();
  }

  async next(): Promise<IteratorResult<T>> {
    if (!this.started) {
      this.started = true;
      this.hooks.onStart();
    }
    if (!this.ended) {
      try {
        const result = await Promise.race([this.inner.next(), this.stopped.then(() => null)]);
        if (result && !result.done && !this.ended) {
          if (await this.hooks.checkEvent()) return result;
          this.end(revokedError());
        } else if (result?.done) {
          this.end();
        }
      } catch (error) {
        // The source or the check failed: the stream ends with that error, and its place is released.
        this.end();
        throw error;
      }
    }
    const failure = this.failure;
    this.failure = null;
    if (failure) throw failure;
    return { done: true, value: undefined };
  }

  async return(): Promise<IteratorResult<T>> {
    this.end();
    return { done: true, value: undefined };
  }

  async throw(error: unknown): Promise<IteratorResult<T>> {
    this.end();
    throw error;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/**
 * Every live subscription (graphql-ws and SSE) and graphql-ws socket of this process: per-user caps,
 * and revocation. A subscription checks its credential before each event (checks of one moment are
 * batched into one query, so fan-out stays cheap), and a sweep every `sweepMs` ends subscriptions and
 * closes sockets whose token or session was revoked, also by another process (`oscar token revoke`),
 * so an idle stream ends within about a second too. A revocation through any replica ends them at
 * once on every replica (the `credentials:revoked` event).
 */
export class LiveSubscriptions {
  private readonly live = new Set<Live>();
  private readonly perUser = new Map<string, number>();
  private readonly sockets = new Map<WebSocket, Viewer>();
  private listeningCount = 0;
  private readonly listeningByUser = new Map<string, number>();
  private readonly socketsByUser = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private sweeping = false;
  private revocations: AsyncIterator<unknown> | null = null;
  private readonly validity: DataLoader<string, boolean>;

  constructor(
    private readonly db: Db,
    private readonly events: Events,
    readonly limits: SubscriptionLimits = DEFAULT_SUBSCRIPTION_LIMITS,
  ) {
    this.validity = new DataLoader<string, boolean>((keys) => validCredentials(db, keys), { cache: false });
  }

  /** Subscriptions that are listening for events now, in this process. */
  get listening(): number {
    return this.listeningCount;
  }

  /** A user's subscriptions listening for events now, in this process. */
  listeningOf(userId: string): number {
    return this.listeningByUser.get(userId) ?? 0;
  }


  /**
   * Wraps a subscription's events for `viewer`: counted against the user's cap, checked against
   * revocation before each event, ended by {@link revoke} and the sweep.
   * @throws GraphQLError TOO_MANY_SUBSCRIPTIONS past {@link SubscriptionLimits.perUser}.
   */
  watch<T>(viewer: Viewer, events: AsyncIterable<T>): AsyncIterable<T> {
    const held = this.perUser.get(viewer.userId) ?? 0;
    if (held >= this.limits.perUser) {
      throw userError('TOO_MANY_SUBSCRIPTIONS', `At most ${this.limits.perUser} open subscriptions per user; end some before opening more`);
    }
    this.perUser.set(viewer.userId, held + 1);
    const credential = credentialOf(viewer);
    let listening = false;
    const entry: Live = { viewer, credential, end: (error) => stream.end(error) };
    const stream: WatchedStream<T> = new WatchedStream(events, {
      onStart: () => {
        listening = true;
        this.listeningCount++;
        this.listeningByUser.set(viewer.userId, this.listeningOf(viewer.userId) + 1);
      },
      onEnd: () => {
        this.live.delete(entry);
        if (listening) {
          this.listeningCount--;
          decrementCount(this.listeningByUser, viewer.userId);
        }
        decrementCount(this.perUser, viewer.userId);
      },
      checkEvent: () => (credential === null ? Promise.resolve(true) : this.validity.load(credential)),
    });
    this.live.add(entry);
    return stream;
  }

  /**
   * Tracks a signed-in graphql-ws socket (closed on revocation); false when the user already holds
   * {@link SubscriptionLimits.socketsPerUser} sockets.
   */
  addSocket(socket: WebSocket, viewer: Viewer): boolean {
    const held = this.socketsByUser.get(viewer.userId) ?? 0;
    if (held >= this.limits.socketsPerUser) return false;
    this.sockets.set(socket, viewer);
    this.socketsByUser.set(viewer.userId, held + 1);
    socket.once('close', () => {
      this.sockets.delete(socket);
      decrementCount(this.socketsByUser, viewer.userId);
    });
    return true;
  }

  /** Ends now, on every replica, every subscription and socket signed in with these credentials (see {@link credentialOf}). */
  revoke(credentials: ReadonlySet<string>): void {
    this.endLocally(credentials);
    this.events.pubsub.publish('credentials:revoked', { credentials: [...credentials] });
  }

  /** Ends this process's subscriptions and sockets signed in with these credentials. */
  private endLocally(credentials: ReadonlySet<string>): void {
    for (const entry of [...this.live]) {
      if (entry.credential !== null && credentials.has(entry.credential)) entry.end(revokedError());
    }
    for (const [socket, viewer] of [...this.sockets]) {
      const credential = credentialOf(viewer);
      if (credential !== null && credentials.has(credential)) {
        this.sockets.delete(socket);
        socket.close(REVOKED_CLOSE_CODE, 'Forbidden: credentials revoked');
      }
    }
  }

  /** One sweep: finds revoked credentials among live subscriptions and sockets, and ends them. */
  async sweep(): Promise<void> {
    const credentials = new Set<string>();
    for (const entry of this.live) if (entry.credential !== null) credentials.add(entry.credential);
    for (const viewer of this.sockets.values()) {
      const credential = credentialOf(viewer);
      if (credential !== null) credentials.add(credential);
    }
    if (credentials.size === 0) return;
    const keys = [...credentials];
    const valid = await this.validity.loadMany(keys);
    this.endLocally(new Set(keys.filter((_, i) => valid[i] !== true)));
  }

  /** Sweeps every `sweepMs`, and listens for revocations on other replicas, until {@link stop}. */
  start(sweepMs = 500): void {
    if (this.timer) return;
    const revocations = this.events.pubsub.subscribe('credentials:revoked')[Symbol.asyncIterator]();
    this.revocations = revocations;
    void (async () => {
      for (let next = await revocations.next(); !next.done; next = await revocations.next()) {
        this.endLocally(new Set(next.value.credentials));
      }
    })().catch((error: unknown) => console.error('revocation events failed:', error));
    this.timer = setInterval(() => {
      if (this.sweeping) return;
      this.sweeping = true;
      this.sweep()
        .catch((error: unknown) => console.error('revocation sweep failed:', error))
        .finally(() => (this.sweeping = false));
    }, sweepMs);
    this.timer.unref();
  }

  /** Stops the sweep and ends every live subscription (shutdown). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    void this.revocations?.return?.();
    this.revocations = null;
    for (const entry of [...this.live]) entry.end();
  }
}
