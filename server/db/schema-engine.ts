import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import type { SchemaEngine, SchemaFilter } from '@prisma/schema-engine-wasm';

export type * from '@prisma/schema-engine-wasm';

/** Database families Oscar can run on; named as in a Prisma `datasource` block and `migration_lock.toml`. */
export type DatabaseProvider = 'sqlite' | 'postgresql';

/** Builds the driver adapter factory the engine talks to the database through. */
export type AdapterFactoryBuilder = (
  url: string,
) => SqlMigrationAwareDriverAdapterFactory | Promise<SqlMigrationAwareDriverAdapterFactory>;

/** Receives the engine's log records (the engine emits one JSON object per record). */
export type EngineLogger = (level: string, message: string) => void;

/** Options for {@link openSchemaEngine}. */
export interface OpenSchemaEngineOptions {
  /** Datasource URL: `file:…`/`:memory:` (SQLite) or `postgres://…`/`postgresql://…`. */
  url: string;
  /** Prisma schema file the engine loads as its datamodel (the engine panics without one). */
  schemaPath: string;
  /** Overrides the adapter factory chosen from the URL scheme by {@link defaultAdapterFactory}. */
  adapterFactory?: AdapterFactoryBuilder;
  /** Receives engine log records; by default they are dropped (failures are thrown, not logged). */
  log?: EngineLogger;
}

/** An open wasm schema engine plus the database connections it made; call `close()` when done. */
export interface OpenSchemaEngine {
  /** The wasm engine: `applyMigrations`, `diff`, `diagnoseMigrationHistory`, `schemaPush`, … */
  readonly engine: SchemaEngine;
  /** Provider of the database the engine is connected to. */
  readonly provider: DatabaseProvider;
  /** Frees the engine and disposes every connection it opened (main and shadow). Idempotent. */
  close(): Promise<void>;
}

/** Schema filter that includes everything (no externally managed tables or enums). */
export const NO_FILTERS: SchemaFilter = { externalTables: [], externalEnums: [] };

/** The parts of the wasm engine's glue module used here. */
export interface WasmBindings {
  __wbg_set_wasm(exports: WebAssembly.Exports): void;
  SchemaEngine: typeof SchemaEngine;
}

let bindings: Promise<WasmBindings> | undefined;

declare global {
  // eslint-disable-next-line no-var
  var PRISMA_WASM_PANIC_REGISTRY: { set_message(message: string): void } | undefined;
}

/**
 * Loads the wasm schema engine once per process. The package's entry imports its `.wasm` file as an ES
 * module, which Node 20 refuses, so the glue module is loaded and the wasm instantiated by hand.
 */
export function loadSchemaEngine(): Promise<WasmBindings> {
  bindings ??= (async () => {
    globalThis.PRISMA_WASM_PANIC_REGISTRY ??= {
      set_message: (message) => {
        process.stderr.write(`Prisma schema engine (wasm) panicked: ${message}\n`);
      },
    };
    const gluePath = createRequire(import.meta.url).resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    const glue = (await import('@prisma/schema-engine-wasm/schema_engine_bg')) as unknown as WasmBindings;
    const bytes = await readFile(path.join(path.dirname(gluePath), 'schema_engine_bg.wasm'));
    const { instance } = await WebAssembly.instantiate(bytes, { './schema_engine_bg.js': glue as never });
    glue.__wbg_set_wasm(instance.exports);
    const start = instance.exports['__wbindgen_start'];
    if (typeof start !== 'function') throw new Error('schema-engine-wasm: missing __wbindgen_start export');
    (start as () => void)();
    return glue;
  })().catch((error: unknown) => {
    bindings = undefined;
    throw error;
  });
  return bindings;
}

/** Returns the provider a datasource URL belongs to, or throws for an unsupported scheme. */
export function providerForUrl(url: string): DatabaseProvider {
  if (url.startsWith('file:') || url === ':memory:') return 'sqlite';
  if (/^postgres(ql)?:\/\//.test(url)) return 'postgresql';
  throw new Error(`Unsupported database URL scheme: ${url.replace(/\/\/.*@/, '//***@')}`);
}

/**
 * Absolute path of the SQLite file a `file:` URL names (relative paths resolve against the current
 * directory, as the better-sqlite3 adapter does; a `?query` is dropped). `:memory:` stays `:memory:`.
 */
export function sqliteFilePath(url: string): string {
  if (url === ':memory:' || url === 'file::memory:') return ':memory:';
  if (!url.startsWith('file:')) throw new Error(`Not a SQLite file URL: ${url}`);
  const raw = url.slice('file:'.length).replace(/\?.*$/, '');
  return path.resolve(raw.startsWith('//') ? decodeURIComponent(new URL(url).pathname) : raw);
}

/**
 * Default adapter factory for a URL: better-sqlite3 for `file:` (its shadow database is in memory),
 * `PrismaPg` for `postgres://` (its shadow database is a temporary database on the same server).
 */
export async function defaultAdapterFactory(url: string): Promise<SqlMigrationAwareDriverAdapterFactory> {
  if (providerForUrl(url) === 'sqlite') {
    const { PrismaBetterSqlite3 } = await import('@prisma/adapter-better-sqlite3');
    return new PrismaBetterSqlite3({ url: sqliteFilePath(url) });
  }
  const { PrismaPg } = await import('@prisma/adapter-pg');
  const { parse, toClientConfig } = await import('pg-connection-string');
  const config = toClientConfig(parse(url));
  const main = new PrismaPg(config);
  // The adapter's own shadow database would be the main one (its pool config is a connection string,
  // which overrides the shadow's name) and is dropped while still connected; this one is neither.
  return {
    provider: main.provider,
    adapterName: main.adapterName,
    connect: () => main.connect(),
    async connectToShadowDb() {
      const admin = await main.connect();
      const database = `prisma_migrate_shadow_db_${randomUUID().replaceAll('-', '')}`;
      await admin.executeScript(`CREATE DATABASE "${database}"`);
      const shadow = await new PrismaPg({ ...config, database }).connect();
      const dispose = shadow.dispose.bind(shadow);
      shadow.dispose = async () => {
        await dispose();
        await admin.executeScript(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
        await admin.dispose();
      };
      return shadow;
    },
  };
}

/** PostgreSQL's one-byte `"char"` type (pg_catalog's `relkind`, `contype`, ...), which pg returns as a string. */
const PG_CHAR_OID = 18;
const PG_TEXT_OID = 25;

/**
 * The schema engine's catalog queries read `"char"` columns, which the pg adapter refuses as an
 * unsupported type; pg hands them over as strings, so they are reported to the engine as text.
 */
function readCharColumnsAsText(queryable: object): void {
  const target = queryable as { performIO?: (query: unknown) => Promise<{ fields?: { dataTypeID: number }[] }> };
  const performIO = target.performIO?.bind(queryable);
  if (!performIO) return;
  target.performIO = async (query) => {
    const result = await performIO(query);
    for (const field of result.fields ?? []) if (field.dataTypeID === PG_CHAR_OID) field.dataTypeID = PG_TEXT_OID;
    return result;
  };
}

/**
 * The wasm engine runs a whole migration script through `executeRaw`, which better-sqlite3 refuses when
 * it holds several statements (the native engine runs it as a batch). Such parameterless scripts are run
 * with `executeScript` (SQLite `exec`), as the native engine would.
 */
function runSqliteScriptsAsBatch(adapter: SqlDriverAdapter): void {
  const executeRaw = adapter.executeRaw.bind(adapter);
  adapter.executeRaw = async (query) => {
    try {
      return await executeRaw(query);
    } catch (error) {
      if (query.args.length > 0 || !(error instanceof RangeError) || !/more than one statement/.test(error.message)) {
        throw error;
      }
      await adapter.executeScript(query.sql);
      return 0;
    }
  };
}

/** Wraps a factory so every connection it hands the engine can be disposed on close. */
function trackConnections(factory: SqlMigrationAwareDriverAdapterFactory): {
  factory: SqlMigrationAwareDriverAdapterFactory;
  disposeAll(): Promise<void>;
} {
  const open = new Set<SqlDriverAdapter>();
  const track = async (connect: () => Promise<SqlDriverAdapter>): Promise<SqlDriverAdapter> => {
    const adapter = await connect();
    if (factory.provider === 'sqlite') runSqliteScriptsAsBatch(adapter);
    else {
      readCharColumnsAsText(adapter);
      const startTransaction = adapter.startTransaction.bind(adapter);
      adapter.startTransaction = async (...args) => {
        const transaction = await startTransaction(...args);
        readCharColumnsAsText(transaction);
        return transaction;
      };
    }
    open.add(adapter);
    const dispose = adapter.dispose.bind(adapter);
    adapter.dispose = async () => {
      if (!open.delete(adapter)) return;
      await dispose();
    };
    return adapter;
  };
  const tracked: SqlMigrationAwareDriverAdapterFactory = {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: () => track(() => factory.connect()),
    connectToShadowDb: () => track(() => factory.connectToShadowDb()),
  };
  return {
    factory: tracked,
    disposeAll: async () => {
      const results = await Promise.allSettled([...open].map((adapter) => adapter.dispose()));
      const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failure) throw failure.reason;
    },
  };
}

function forwardLog(log: EngineLogger | undefined): (line: string) => void {
  return (line) => {
    if (!log) return;
    try {
      const record = JSON.parse(line) as { level?: string; fields?: { message?: string } };
      log(record.level ?? 'INFO', record.fields?.message ?? line);
    } catch {
      log('INFO', line);
    }
  };
}

/**
 * Opens Prisma's wasm schema engine on the database at `url`, through the adapter factory chosen from
 * the URL (or `adapterFactory`). The caller must `close()` it (see {@link withSchemaEngine}).
 */
export async function openSchemaEngine(options: OpenSchemaEngineOptions): Promise<OpenSchemaEngine> {
  const { SchemaEngine: Engine } = await loadSchemaEngine();
  const provider = providerForUrl(options.url);
  const build = options.adapterFactory ?? defaultAdapterFactory;
  const { factory, disposeAll } = trackConnections(await build(options.url));
  const datamodels: [string, string][] = [[options.schemaPath, await readFile(options.schemaPath, 'utf8')]];
  const engine = await Engine.new(
    { datamodels },
    forwardLog(options.log),
    bindMigrationAwareSqlAdapterFactory(factory),
  );
  let closed: Promise<void> | undefined;
  return {
    engine,
    provider,
    close: () => {
      closed ??= (async () => {
        engine.free();
        await disposeAll();
      })();
      return closed;
    },
  };
}

/** Opens an engine, runs `fn` with it and always closes it afterwards. */
export async function withSchemaEngine<T>(
  options: OpenSchemaEngineOptions,
  fn: (engine: SchemaEngine, provider: DatabaseProvider) => Promise<T>,
): Promise<T> {
  const opened = await openSchemaEngine(options);
  try {
    return await fn(opened.engine, opened.provider);
  } finally {
    await opened.close();
  }
}
