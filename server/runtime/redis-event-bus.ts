import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import type { RedisClients } from './redis.ts';

/** The EventTarget shape graphql-yoga's pub/sub runs on. */
export type EventTargetLike = ReturnType<typeof createRedisEventTarget>;

/** Events that may have been missed since `since` (ms since the epoch), for these topics with listeners here. */
export type ResyncHandler = (since: number, topics: readonly string[]) => Promise<void>;

/** An event target shared by every replica through Redis, that also delivers in process and heals after outages. */
export interface RedisEventBus {
  readonly target: EventTargetLike;
  /** Delivers an event to this process's listeners only (a replayed change). */
  deliverLocally(type: string, detail: unknown): void;
  /** Called after Redis comes back, with the topics that have listeners here: replay what they may have missed. */
  onResync(handler: ResyncHandler): void;
  /**
   * Resolves once Redis has confirmed this process's subscription to `type` (at once if none is being
   * made): events other replicas publish from then on reach its listeners here.
   */
  listening(type: string): Promise<void>;
}

interface Envelope {
  /** The process that published it: it delivered the event to its own listeners already. */
  readonly o: string;
  readonly d: unknown;
}

/** The channel on which a replica whose publishes failed asks every replica to resynchronise. */
const RESYNC = 'oscar-resync';

type Listener = (event: Event) => void;

function callable(listener: EventListenerOrEventListenerObject): Listener {
  return typeof listener === 'function' ? listener : (event) => listener.handleEvent(event);
}

/**
 * graphql-yoga's Redis event target, made safe for outages, with every channel behind `prefix` (so
 * deployments and test servers sharing one Redis never hear each other):
 * - an event is delivered to this process's listeners at once, and through Redis to the other
 *   replicas, which ignore their own echo: a replica's own subscribers never depend on Redis;
 * - a publish that fails (Redis away) is not an unhandled rejection; once Redis is back, this process
 *   asks every replica to resynchronise from when its first publish failed;
 * - when the subscribing connection comes back after a loss, this process resynchronises its own
 *   topics from when it was lost. Resynchronising replays the changes from the database (see
 *   {@link onResync}); events only say what to reload, so a repeat is harmless.
 */
export function createRedisEventBus(redis: RedisClients, prefix: string, log: (line: string) => void = console.error): RedisEventBus {
  const origin = randomUUID();
  const local = new EventTarget();
  // One listener per open subscription of a topic; subscriptions are capped per user (subscriptions/).
  setMaxListeners(10_000, local);
  /** Per topic, each listener and the two functions that deliver to it (in process, and from Redis). */
  const listeners = new Map<string, Map<EventListenerOrEventListenerObject, { deliver: Listener; fromRemote: Listener }>>();
  let resync: ResyncHandler = async () => undefined;
  /** When this process's first publish since Redis was last reachable failed. */
  let publishFailedAt: number | null = null;

  /** Per channel, the SUBSCRIBE this process sent for it last (settled either way: failures are logged). */
  const subscribing = new Map<string, Promise<unknown>>();

  const remote = createRedisEventTarget({
    publishClient: {
      publish: (channel: string, message: string) =>
        redis.publish.publish(channel, message).catch((error: Error) => {
          publishFailedAt ??= Date.now();
          log(`Event not published (${error.message}): replicas resynchronise when Redis is back`);
          return 0;
        }),
    } as never,
    subscribeClient: {
      on: (event: string, handler: (...args: unknown[]) => void) => redis.subscribe.on(event, handler),
      subscribe: (channel: string) => {
        const sent = redis.subscribe.subscribe(channel).catch((error: Error) => log(`SUBSCRIBE ${channel}: ${error.message}`));
        subscribing.set(channel, sent);
        return sent;
      },
      unsubscribe: (channel: string) => {
        subscribing.delete(channel);
        return redis.subscribe.unsubscribe(channel).catch(() => undefined);
      },
    } as never,
  });

  // One resynchronisation at a time: those asked for meanwhile (Redis flapping, many replicas asking)
  // become one more run, from the earliest moment any of them named.
  let resyncing = false;
  let pendingSince: number | null = null;
  const runResync = (since: number) => {
    if (resyncing) {
      pendingSince = Math.min(pendingSince ?? since, since);
      return;
    }
    const topics = [...listeners.keys()];
    if (topics.length === 0) return;
    resyncing = true;
    resync(since, topics)
      .catch((error: Error) => log(`Resynchronising subscriptions failed: ${error.message}`))
      .finally(() => {
        resyncing = false;
        const next = pendingSince;
        pendingSince = null;
        if (next !== null) runResync(next);
      });
  };

  // Another replica could not publish for a while: replay what its events would have said.
  const onResyncMessage = (event: Event) => runResync(Number((event as CustomEvent<number>).detail));
  remote.addEventListener(`${prefix}:${RESYNC}`, onResyncMessage);

  let subscriberLostAt: number | null = null;
  redis.subscribe.on('close', () => (subscriberLostAt ??= Date.now()));
  redis.subscribe.on('ready', () => {
    if (subscriberLostAt === null) return;
    const since = subscriberLostAt;
    subscriberLostAt = null;
    // Replay once the subscriptions are back (SUBSCRIBE is idempotent): nothing falls in between.
    const channels = [...listeners.keys()].map((type) => `${prefix}:${type}`);
    const subscribed = channels.length ? redis.subscribe.subscribe(...channels) : Promise.resolve();
    subscribed.then(
      () => runResync(since),
      (error: Error) => log(`Resubscribing after a Redis outage failed: ${error.message}`),
    );
  });

  redis.publish.on('ready', () => {
    if (publishFailedAt === null) return;
    const since = publishFailedAt;
    publishFailedAt = null;
    remote.dispatchEvent(new CustomEvent(`${prefix}:${RESYNC}`, { detail: since }));
  });

  const target = {
    addEventListener(type: string, listener: EventListenerOrEventListenerObject | null) {
      if (!listener) return;
      const deliver = callable(listener);
      const fromRemote: Listener = (event) => {
        const envelope = (event as CustomEvent<Envelope>).detail;
        if (!envelope || envelope.o === origin) return;
        deliver(new CustomEvent(type, { detail: envelope.d }));
      };
      let ofType = listeners.get(type);
      if (!ofType) listeners.set(type, (ofType = new Map()));
      ofType.set(listener, { deliver, fromRemote });
      local.addEventListener(type, deliver);
      remote.addEventListener(`${prefix}:${type}`, fromRemote);
    },
    removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null) {
      const ofType = listeners.get(type);
      const held = listener ? ofType?.get(listener) : undefined;
      if (!listener || !ofType || !held) return;
      ofType.delete(listener);
      if (ofType.size === 0) listeners.delete(type);
      local.removeEventListener(type, held.deliver);
      remote.removeEventListener(`${prefix}:${type}`, held.fromRemote);
    },
    dispatchEvent(event: Event) {
      const detail = (event as CustomEvent).detail as unknown;
      local.dispatchEvent(new CustomEvent(event.type, { detail }));
      remote.dispatchEvent(new CustomEvent(`${prefix}:${event.type}`, { detail: { o: origin, d: detail } satisfies Envelope }));
      return true;
    },
  };

  return {
    target: target as EventTargetLike,
    deliverLocally: (type, detail) => local.dispatchEvent(new CustomEvent(type, { detail })),
    onResync(handler) {
      resync = handler;
    },
    async listening(type) {
      await subscribing.get(`${prefix}:${type}`);
    },
  };
}
