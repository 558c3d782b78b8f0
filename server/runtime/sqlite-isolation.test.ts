import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { applyMigrations } from '../db/migrate.ts';
import { openDatabase, type Database } from './database.ts';

/** Resolves after `count` turns of the event loop (each lets every pending callback run once). */
async function turns(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** A promise and the function that settles it. */
function signal(): { promise: Promise<void>; fire: () => void } {
  let fire!: () => void;
  const promise = new Promise<void>((resolve) => (fire = resolve));
  return { promise, fire };
}

describe('SQLite: statements outside a transaction', () => {
  let dir: string;
  let database: Database;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'oscar-isolation-'));
    const url = `file:${path.join(dir, 'oscar.db')}`;
    await applyMigrations(url);
    database = await openDatabase(url);
  });

  afterAll(async () => {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    await database.db.user.deleteMany();
    await database.db.user.create({ data: { email: 'owner@example.com' } });
  });

  /** Opens a transaction that writes, then waits for `release` and fails (rolled back); resolves `entered` once it has written. */
  function failingTransaction(release: Promise<void>) {
    const entered = signal();
    const done = database
      .transaction(async (tx) => {
        await tx.user.create({ data: { email: 'uncommitted@example.com' } });
        entered.fire();
        await release;
        throw new Error('conflict: rolled back');
      })
      .catch((error: unknown) => (error as Error).message);
    return { entered: entered.promise, done };
  }

  it('keeps a write answered while another request’s transaction was open and then rolled back', async () => {
    const release = signal();
    const events: string[] = [];
    const transaction = failingTransaction(release.promise);
    await transaction.entered;
    const write = database.db.user
      .update({ where: { email: 'owner@example.com' }, data: { email: 'renamed@example.com' } })
      .then(() => events.push('write answered'));
    const ended = transaction.done.then((message) => events.push(`transaction ended: ${message}`));
    // A write that joined the open transaction is answered within a few turns of the event loop (it
    // does no I/O of its own); one that waits for the transaction is answered only after it ends.
    await Promise.race([write, turns(200)]);
    release.fire();
    await Promise.all([write, ended]);
    expect(events).toEqual(['transaction ended: conflict: rolled back', 'write answered']);
    const emails = (await database.db.user.findMany({ select: { email: true }, orderBy: { email: 'asc' } })).map((u) => u.email);
    expect(emails).toEqual(['renamed@example.com']);
  });

  it('never reads a row another transaction has not committed', async () => {
    const release = signal();
    const transaction = failingTransaction(release.promise);
    await transaction.entered;
    const read = database.db.user.findMany({ select: { email: true } });
    await Promise.race([read, turns(200)]);
    release.fire();
    await transaction.done;
    expect((await read).map((u) => u.email)).toEqual(['owner@example.com']);
  });

  it('never reads uncommitted rows, also when Prisma runs a plain findUnique together with a transaction’s', async () => {
    // Prisma runs the findUnique calls of one tick together: here the transaction's comes first.
    for (let delay = 0; delay < 10; delay++) {
      const release = signal();
      const entered = signal();
      const transaction = database
        .transaction(async (tx) => {
          await tx.user.create({ data: { email: 'uncommitted@example.com' } });
          entered.fire();
          await tx.user.findUnique({ where: { email: 'owner@example.com' } });
          await release.promise;
          throw new Error('rolled back');
        })
        .catch(() => undefined);
      await entered.promise;
      for (let i = 0; i < delay; i++) await null;
      const read = database.db.user.findUnique({ where: { email: 'uncommitted@example.com' } });
      await Promise.race([read, turns(200)]);
      release.fire();
      await transaction;
      expect(await read, `read ${delay} microtasks after the transaction wrote`).toBeNull();
    }
  });

  it('lets many writes and transactions interleave without losing one', async () => {
    const writes = Array.from({ length: 40 }, (_, i) =>
      i % 2 === 0
        ? database.transaction(async (tx) => {
            await tx.user.create({ data: { email: `tx-${i}@example.com` } });
            if (i % 4 === 0) throw new Error('rolled back');
          }).catch(() => undefined)
        : database.db.user.create({ data: { email: `plain-${i}@example.com` } }),
    );
    await Promise.all(writes);
    const emails = new Set((await database.db.user.findMany({ select: { email: true } })).map((u) => u.email));
    for (let i = 0; i < 40; i++) {
      const kept = i % 2 === 1 ? `plain-${i}@example.com` : i % 4 === 0 ? undefined : `tx-${i}@example.com`;
      if (kept) expect(emails.has(kept), kept).toBe(true);
      if (i % 4 === 0) expect(emails.has(`tx-${i}@example.com`)).toBe(false);
    }
    expect(emails.size).toBe(1 + 20 + 10);
  });

  it('waits its turn for a transaction held longer than Prisma’s default 2 s wait, instead of failing', async () => {
    // Prisma gives up starting an interactive transaction after 2 s by default (P2028); Oscar's
    // transactions wait as long as for a busy database, and one that gave up is retried.
    const held = database.db.$transaction(() => new Promise((resolve) => setTimeout(resolve, 2_500)), { timeout: 10_000 });
    const count = await database.transaction((tx) => tx.user.count());
    await held;
    expect(count).toBe(1);
  });
});
