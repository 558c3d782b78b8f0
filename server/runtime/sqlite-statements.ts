import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { isolateTransactions } from './sqlite-isolation.ts';

/** Distinct SQL texts whose compiled statements one connection keeps. */
const MAX_STATEMENTS = 500;

/** What Prisma's better-sqlite3 adapter does with a prepared statement. */
interface BoundStatement {
  readonly reader: boolean;
  run(): unknown;
  columns(): ReturnType<Statement['columns']>;
  raw(): { all(): unknown[] };
}

/**
 * Makes `db.prepare` reuse compiled statements by SQL text (Prisma's adapter prepares every query
 * anew, and compiling is a good part of a query's cost). A better-sqlite3 statement can be bound
 * once only, so the adapter gets a light object per call that passes its arguments to the shared
 * statement at each run; statements run synchronously, so sharing one is safe.
 */
function reuseStatements(db: SqliteDatabase): void {
  const prepare = db.prepare.bind(db);
  const statements = new Map<string, Statement>();
  const compiled = (sql: string): Statement => {
    let statement = statements.get(sql);
    if (statement) {
      statements.delete(sql);
    } else {
      statement = prepare(sql);
      if (statements.size >= MAX_STATEMENTS) statements.delete(statements.keys().next().value!);
    }
    statements.set(sql, statement);
    return statement;
  };
  const reused = (sql: string) => {
    const statement = compiled(sql);
    return {
      reader: statement.reader,
      run: (...args: unknown[]) => statement.run(...args),
      bind: (args: unknown[]): BoundStatement => ({
        reader: statement.reader,
        run: () => statement.run(args),
        columns: () => statement.columns(),
        raw: () => ({ all: () => statement.raw(true).all(args) }),
      }),
    };
  };
  (db as unknown as { prepare: typeof reused }).prepare = reused;
}

/**
 * Prisma's better-sqlite3 adapter for `url`, whose connection reuses compiled statements
 * ({@link reuseStatements}) and keeps statements outside a transaction out of an open one
 * ({@link isolateTransactions}); `timeout` is SQLite's own wait for a lock (ms).
 */
export function sqliteAdapter(url: string, timeout: number): PrismaBetterSqlite3 {
  const factory = new PrismaBetterSqlite3({ url, timeout });
  const connect = factory.connect.bind(factory);
  factory.connect = async () => {
    const adapter = await connect();
    const client = (adapter as unknown as { client?: SqliteDatabase }).client;
    // Only the adapter this was written against: another version keeps preparing as it does.
    if (client && typeof client.prepare === 'function' && typeof client.defaultSafeIntegers === 'function') reuseStatements(client);
    isolateTransactions(adapter);
    return adapter;
  };
  return factory;
}
