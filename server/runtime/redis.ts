import { Redis, type RedisOptions } from 'ioredis';

/** The Redis connections of one runtime, each configured for what it does when Redis goes away. */
export interface RedisClients {
  /** Publishes events; fails at once while Redis is away (the event bus resynchronises when it is back). */
  readonly publish: Redis;
  /** Holds the subscriptions (a subscribed connection can do nothing else); waits for Redis to come back. */
  readonly subscribe: Redis;
  /** Rate-limit counters; fails at once while Redis is away, so each process counts on its own meanwhile. */
  readonly limits: Redis;
  quit(): Promise<void>;
}

const ROLES: Record<'publish' | 'subscribe' | 'limits', RedisOptions> = {
  publish: { enableOfflineQueue: false, maxRetriesPerRequest: 1 },
  // SUBSCRIBE commands sent while disconnected wait for the connection; ioredis resubscribes on reconnect.
  subscribe: { enableOfflineQueue: true, maxRetriesPerRequest: null },
  // rate-limiter-flexible's advice for ioredis: no offline queue, so its in-memory insurance takes over.
  limits: { enableOfflineQueue: false, maxRetriesPerRequest: 1 },
};

/** Reconnects quickly at first, then every 2 s, for as long as it takes. */
const retryStrategy = (attempt: number): number => Math.min(attempt * 100, 2000);

async function connect(url: string, role: keyof typeof ROLES, log: (line: string) => void): Promise<Redis> {
  const client = new Redis(url, { lazyConnect: true, connectionName: `oscar-${role}`, retryStrategy, ...ROLES[role] });
  let away = false;
  // Without a listener ioredis prints every failed reconnection; one line when it goes, one when it is back.
  client.on('error', (error: Error) => {
    if (away) return;
    away = true;
    log(`Redis (${role}) unreachable: ${error.message}; retrying`);
  });
  client.on('close', () => (away = true));
  client.on('ready', () => {
    if (!away) return;
    away = false;
    log(`Redis (${role}) reconnected`);
  });
  await client.connect();
  away = false;
  return client;
}

/**
 * Connects the three Redis clients a runtime uses, failing fast if Redis cannot be reached at start
 * (a misconfigured URL should stop the process, not leave it half-working); outages later are retried
 * for as long as they last.
 */
export async function connectRedis(url: string, log: (line: string) => void = console.error): Promise<RedisClients> {
  const [publish, subscribe, limits] = await Promise.all([connect(url, 'publish', log), connect(url, 'subscribe', log), connect(url, 'limits', log)]);
  return {
    publish,
    subscribe,
    limits,
    async quit() {
      await Promise.all([publish, subscribe, limits].map((client) => client.quit().catch(() => client.disconnect())));
    },
  };
}
