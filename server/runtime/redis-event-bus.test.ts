import { EventEmitter } from 'node:events';
import { createPubSub } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { replayThen } from '../subscriptions/replay.ts';
import { createRedisEventBus } from './redis-event-bus.ts';
import type { RedisClients } from './redis.ts';

/** Redis clients in memory whose SUBSCRIBE is confirmed only when the test says (a slow Redis). */
function slowRedis() {
  const confirm: (() => void)[] = [];
  const channels = new Set<string>();
  const client = {
    subscribe: new (class extends EventEmitter {
      subscribe(...names: string[]) {
        return new Promise<number>((resolve) =>
          confirm.push(() => {
            for (const name of names) channels.add(name);
            resolve(channels.size);
          }),
        );
      }
      async unsubscribe(name: string) {
        channels.delete(name);
        return channels.size;
      }
    })(),
    publish: new (class extends EventEmitter {
      async publish(channel: string, message: string) {
        // Only a confirmed subscription hears it, as in Redis.
        if (channels.has(channel)) client.subscribe.emit('message', channel, message);
        return 1;
      }
    })(),
  };
  return { clients: { ...client, limits: client.publish, quit: async () => undefined } as unknown as RedisClients, confirm, publish: client.publish };
}

describe('the Redis event bus', () => {
  it('says when Redis has confirmed a subscription, so a replay read after it misses nothing another replica publishes', async () => {
    const redis = slowRedis();
    const bus = createRedisEventBus(redis.clients, 'test', () => undefined);
    redis.confirm.shift()!(); // the bus's own channel (resynchronisation requests)
    const pubsub = createPubSub<{ topic: [string, { n: number }] }>({ eventTarget: bus.target });
    let listening = false;
    const stream = replayThen(
      pubsub.subscribe('topic', 'a'),
      async () => {
        await bus.listening('topic:a');
        listening = true;
        return [{ n: 0 }];
      },
      (event) => String(event.n),
    )[Symbol.asyncIterator]();
    const first = stream.next();
    // Asked for, not confirmed: nothing replayed yet (an event another replica publishes now is lost to Redis).
    await new Promise((resolve) => setImmediate(resolve));
    expect(listening).toBe(false);
    expect(redis.confirm).toHaveLength(1);
    redis.confirm.shift()!();
    expect((await first).value).toEqual({ n: 0 });
    expect(listening).toBe(true);
    // Another replica's event after the replay was read arrives.
    await redis.publish.publish('test:topic:a', JSON.stringify({ o: 'another replica', d: { n: 1 } }));
    expect((await stream.next()).value).toEqual({ n: 1 });
    await stream.return?.();
    // A topic nobody here listens on is not waited for.
    await expect(bus.listening('topic:nobody')).resolves.toBeUndefined();
  });
});
