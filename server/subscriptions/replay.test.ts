import { afterEach, describe, expect, it } from 'vitest';
import { createPubSub } from 'graphql-yoga';
import { replayThen } from './replay.ts';

/** Errors a listener threw while an event was published (Node reports them as uncaught exceptions). */
const uncaught: unknown[] = [];
const onUncaught = (error: unknown) => uncaught.push(error);

afterEach(() => {
  process.off('uncaughtException', onUncaught);
  uncaught.length = 0;
});

describe('replayThen', () => {
  it('listens before it reads the replay: an event published while the replay is read is delivered after it', async () => {
    const pubsub = createPubSub<{ trials: [string, { trialId: string }] }>({ eventTarget: new EventTarget() });
    const stream = replayThen(
      pubsub.subscribe('trials', 'e1'),
      async () => {
        pubsub.publish('trials', 'e1', { trialId: 'published-while-reading' });
        return [{ trialId: 'replayed' }];
      },
      (event) => event.trialId,
    )[Symbol.asyncIterator]();
    expect((await stream.next()).value).toEqual({ trialId: 'replayed' });
    expect((await stream.next()).value).toEqual({ trialId: 'published-while-reading' });
    await stream.return?.();
  });

  it('keeps up with thousands of live events published while the replayed ones are still being sent', async () => {
    process.on('uncaughtException', onUncaught);
    const pubsub = createPubSub<{ trials: [string, { trialId: string }] }>({ eventTarget: new EventTarget() });
    const replayed = Array.from({ length: 3 }, (_, i) => ({ trialId: `replayed-${i}` }));
    const stream = replayThen(pubsub.subscribe('trials', 'e1'), async () => replayed, (event) => event.trialId)[Symbol.asyncIterator]();
    // The client takes the first replayed event, then is slow: meanwhile the experiment's workers report.
    expect((await stream.next()).value).toEqual({ trialId: 'replayed-0' });
    for (let i = 0; i < 3000; i++) {
      pubsub.publish('trials', 'e1', { trialId: `live-${i % 50}` });
      // Each report is a request of its own: the event loop turns between them.
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(uncaught).toEqual([]);
    // Then it reads on: the rest of the replay, then every trial that changed meanwhile (each at least once).
    const seen = new Set<string>();
    for (let i = 0; i < 2; i++) seen.add(((await stream.next()).value as { trialId: string }).trialId);
    expect([...seen]).toEqual(['replayed-1', 'replayed-2']);
    while (seen.size < 52) seen.add(((await stream.next()).value as { trialId: string }).trialId);
    expect(uncaught).toEqual([]);
    await stream.return?.();
  });
});
