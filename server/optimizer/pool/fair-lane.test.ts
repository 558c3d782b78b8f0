import { afterEach, describe, expect, it, vi } from 'vitest';
import { FairLane, LaneBusyError } from './fair-lane.ts';

/** A task the test finishes by hand, recording when it started. */
function gate(log: string[], name: string) {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return { task: () => (log.push(name), done.then(() => name)), finish };
}

afterEach(() => vi.useRealTimers());

describe('FairLane', () => {
  it('gives a free slot to the owners in turn, not to one owner’s whole stream', async () => {
    const lane = new FairLane(1, 100);
    const log: string[] = [];
    const a = [1, 2, 3].map((i) => gate(log, `a${i}`));
    const b = gate(log, 'b1');
    const results = [...a.map((g) => lane.run('alice', g.task, 60_000)), lane.run('bob', b.task, 60_000)];
    expect(log).toEqual(['a1']);
    a[0]!.finish();
    // Alice started one already (at once, the lane being free): Bob's one task goes before her second.
    await vi.waitFor(() => expect(log).toEqual(['a1', 'b1']));
    b.finish();
    await vi.waitFor(() => expect(log).toEqual(['a1', 'b1', 'a2']));
    a[1]!.finish();
    await vi.waitFor(() => expect(log).toEqual(['a1', 'b1', 'a2', 'a3']));
    a[2]!.finish();
    expect(await Promise.all(results)).toEqual(['a1', 'a2', 'a3', 'b1']);
  });

  it('runs up to its capacity at once, and a failing task frees its slot', async () => {
    const lane = new FairLane(2, 100);
    const log: string[] = [];
    const one = gate(log, 'one');
    const failing = lane.run('x', () => (log.push('bad'), Promise.reject(new Error('optimizer failed'))), 60_000);
    const first = lane.run('x', one.task, 60_000);
    const third = gate(log, 'three');
    const last = lane.run('y', third.task, 60_000);
    await expect(failing).rejects.toThrow('optimizer failed');
    await vi.waitFor(() => expect(log).toEqual(['bad', 'one', 'three']));
    one.finish();
    third.finish();
    expect([await first, await last]).toEqual(['one', 'three']);
  });

  it('refuses a task that waited past its bound (its own clock never started), and one past the waiting limit', async () => {
    vi.useFakeTimers();
    const lane = new FairLane(1, 2);
    const log: string[] = [];
    const busy = gate(log, 'busy');
    const running = lane.run('alice', busy.task, 1_000);
    const waited = lane.run('bob', gate(log, 'late').task, 1_000);
    const queued = lane.run('carol', gate(log, 'queued').task, 5_000);
    await expect(lane.run('dave', gate(log, 'over').task, 1_000)).rejects.toBeInstanceOf(LaneBusyError);
    const refused = expect(waited).rejects.toThrow('no thread was free for 1000 ms');
    await vi.advanceTimersByTimeAsync(1_000);
    await refused;
    expect(log).toEqual(['busy']);
    busy.finish();
    await running;
    // The one still waiting starts when the slot frees.
    await vi.waitFor(() => expect(log).toEqual(['busy', 'queued']));
    void queued;
  });

  it('keeps waiting places for other owners: one owner may hold only its share of them', async () => {
    const lane = new FairLane(1, 8, 2);
    const log: string[] = [];
    const busy = gate(log, 'busy');
    void lane.run('alice', busy.task, 60_000);
    const waiting = [gate(log, 'a2'), gate(log, 'a3')].map((g) => lane.run('alice', g.task, 60_000));
    await expect(lane.run('alice', gate(log, 'a4').task, 60_000)).rejects.toBeInstanceOf(LaneBusyError);
    const bob = gate(log, 'b1');
    const bobs = lane.run('bob', bob.task, 60_000);
    busy.finish();
    await vi.waitFor(() => expect(log).toEqual(['busy', 'b1']));
    bob.finish();
    await bobs;
    void waiting;
  });
});
