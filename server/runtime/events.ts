import { setMaxListeners } from 'node:events';
import { createPubSub, type PubSub } from 'graphql-yoga';
import { createRedisEventBus, type RedisEventBus, type ResyncHandler } from './redis-event-bus.ts';
import type { RedisClients } from './redis.ts';

/** What a trial event carries: the trial to reload (payloads stay small and serialisable for Redis). */
export interface TrialEvent {
  readonly trialId: string;
  /** Only the lease was renewed (a heartbeat): the trial page shows it, the experiment's table need not. */
  readonly heartbeat?: boolean;
}

/** What an experiment event carries: the experiment to reload. */
export interface ExperimentEvent {
  readonly experimentId: string;
}

/** Experiments deleted together (one version, or every version of a name): every replica forgets them. */
export interface ExperimentDeletionEvent {
  readonly ownerId: string;
  readonly name: string;
  readonly experimentIds: readonly string[];
  readonly versions: readonly number[];
}

/** Credentials revoked by some replica (`token:<id>`, `session:<id>`): every replica ends their subscriptions. */
export interface RevocationEvent {
  readonly credentials: readonly string[];
}

/**
 * Topics: `experiment:trials` keyed by experiment id and `user:experiments` keyed by the owner's id,
 * published whenever a trial is created or changes; `credentials:revoked` when a token or session ends;
 * `experiments:deleted` when experiments are deleted (caches forget them, dashboards drop them).
 */
export type Topics = {
  'experiment:trials': [experimentId: string, event: TrialEvent];
  'user:experiments': [ownerId: string, event: ExperimentEvent];
  'credentials:revoked': [event: RevocationEvent];
  'experiments:deleted': [event: ExperimentDeletionEvent];
};

/** The event bus of one runtime: in process, or across replicas through Redis. */
export interface Events {
  readonly pubsub: PubSub<Topics>;
  /** Tells subscribers (on every replica) that a trial of an experiment was created or changed. */
  publishTrial(ownerId: string, experimentId: string, trialId: string): void;
  /**
   * Loads what an event refers to once for all the subscriptions that one event reaches: callers with
   * the same event (the payload object delivered to each of them) and key (the row and the selection)
   * share one query. A later event always reads afresh, so it never gets a row read before its change.
   */
  loadOnce<T>(event: object, key: string, load: () => Promise<T>): Promise<T>;
  /**
   * With Redis: `replay` is called when events may have been missed (Redis was away), with the time
   * from which to replay and this process's topics that have listeners (`experiment:trials:<id>`, ...).
   */
  onResync(replay: ResyncHandler): void;
  /** Delivers an event to this process's subscribers only (`topic` as in {@link onResync}). */
  deliverLocally(topic: string, detail: TrialEvent | ExperimentEvent): void;
  /**
   * Resolves once every replica's events on `topic` (as `experiment:trials:ID`) reach this process's
   * listeners: at once in process; with Redis, once it confirmed the subscription. A replay read after
   * it misses nothing published after it was read.
   */
  listening(topic: string): Promise<void>;
}

/**
 * An event bus: graphql-yoga's pub/sub on an in-process EventTarget, or on Redis (see
 * {@link createRedisEventBus}) when `redis` is given, so a subscription on one replica sees what
 * another published.
 */
export function createEvents(redis?: { readonly clients: RedisClients; readonly prefix: string; readonly log?: (line: string) => void }): Events {
  let eventTarget;
  let bus: RedisEventBus | null = null;
  if (redis) {
    bus = createRedisEventBus(redis.clients, redis.prefix, redis.log);
    eventTarget = bus.target;
  } else {
    const target = new EventTarget();
    // One listener per open subscription of a topic; subscriptions are capped per user (subscriptions/).
    setMaxListeners(10_000, target);
    eventTarget = target;
  }
  const pubsub = createPubSub<Topics>({ eventTarget });
  // Per event payload: forgotten with the payload once every subscriber it reached is done with it.
  const loads = new WeakMap<object, Map<string, Promise<unknown>>>();
  return {
    pubsub,
    onResync(replay) {
      bus?.onResync(replay);
    },
    deliverLocally(topic, detail) {
      bus?.deliverLocally(topic, detail);
    },
    async listening(topic) {
      await bus?.listening(topic);
    },
    publishTrial(ownerId, experimentId, trialId) {
      pubsub.publish('experiment:trials', experimentId, { trialId });
      pubsub.publish('user:experiments', ownerId, { experimentId });
    },
    loadOnce<T>(event: object, key: string, load: () => Promise<T>): Promise<T> {
      let byKey = loads.get(event);
      if (!byKey) {
        byKey = new Map();
        loads.set(event, byKey);
      }
      const running = byKey.get(key) as Promise<T> | undefined;
      if (running) return running;
      const loading = load();
      byKey.set(key, loading);
      return loading;
    },
  };
}
