import type { SqlDriverAdapter } from '@prisma/driver-adapter-utils';

/**
 * Keeps statements that are not part of a transaction out of an open one, on an adapter with one
 * connection (Prisma's better-sqlite3 adapter). That adapter's lock orders transactions only: a plain
 * statement run while another request's transaction was open (between BEGIN and COMMIT, across its
 * awaits) ran inside it, so its write was answered before it was committed and was undone with the
 * transaction if that rolled back (a revoked token working again), and reads saw uncommitted rows.
 *
 * Here transactions take turns in a queue, and a statement outside every transaction waits until none
 * is open. So a transaction's own work must use its transaction client (`tx`), never the plain one: a
 * plain statement from inside it would wait for the transaction it belongs to, until Prisma's timeout
 * ends it. (Whether a statement came from a transaction's work cannot be told from its async context:
 * Prisma runs the `findUnique` calls of one tick together, in the context of whichever came first.)
 */
export function isolateTransactions(adapter: SqlDriverAdapter): void {
  /** Settles when the last transaction queued so far has ended. */
  let queue: Promise<void> = Promise.resolve();
  /** Settles when the open transaction ends; null while none is open. */
  let open: Promise<void> | null = null;

  const startTransaction = adapter.startTransaction.bind(adapter);
  adapter.startTransaction = async (isolationLevel) => {
    let end!: () => void;
    const ended = new Promise<void>((resolve) => (end = resolve));
    const previous = queue;
    queue = previous.then(() => ended);
    await previous;
    open = ended;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      open = null;
      end();
    };
    try {
      const transaction = await startTransaction(isolationLevel);
      const commit = transaction.commit.bind(transaction);
      const rollback = transaction.rollback.bind(transaction);
      transaction.commit = () => commit().finally(finish);
      transaction.rollback = () => rollback().finally(finish);
      return transaction;
    } catch (error) {
      finish();
      throw error;
    }
  };

  const outsideTransactions =
    <A extends unknown[], R>(run: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      // Checked and run in the same turn: the statement itself runs synchronously on this connection.
      while (open !== null) await open;
      return run(...args);
    };
  adapter.queryRaw = outsideTransactions(adapter.queryRaw.bind(adapter));
  adapter.executeRaw = outsideTransactions(adapter.executeRaw.bind(adapter));
  adapter.executeScript = outsideTransactions(adapter.executeScript.bind(adapter));
}
