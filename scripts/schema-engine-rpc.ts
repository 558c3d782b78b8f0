#!/usr/bin/env -S node --import tsx
/**
 * Stand-in for Prisma's native schema engine binary, backed by the wasm engine: it speaks the same
 * JSON-RPC 2.0 over stdio (one JSON object per line), so on machines where the native binary cannot be
 * downloaded the ordinary CLI works unchanged:
 *   PRISMA_SCHEMA_ENGINE_BINARY=scripts/schema-engine-rpc.ts npx prisma migrate deploy|status|diff …
 * Arguments as the CLI passes them: `--datamodels <file>` (repeated) and `--datasource <json {url}>`.
 * The one-shot `cli can-connect-to-database|create-database` mode is supported for SQLite files.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { openSchemaEngine, providerForUrl, sqliteFilePath, type OpenSchemaEngine } from '../server/db/schema-engine.ts';

interface RpcRequest {
  jsonrpc: '2.0';
  id?: number | string;
  method?: string;
  params?: unknown;
}

const methodAliases: Record<string, string> = { getDatabaseVersion: 'version' };

const { values, positionals } = parseArgs({
  options: {
    datamodels: { type: 'string', multiple: true },
    datasource: { type: 'string' },
    'enabled-preview-features': { type: 'string' },
    'extension-types': { type: 'string' },
    version: { type: 'boolean', short: 'V' },
  },
  allowPositionals: true,
  strict: false,
});

let nextId = 1_000_000;
const send = (message: object) => process.stdout.write(`${JSON.stringify(message)}\n`);
const log = (level: string, message: string) =>
  process.stderr.write(`${JSON.stringify({ level, fields: { message }, target: 'schema_engine_rpc' })}\n`);

function datasourceUrl(): string {
  const raw = typeof values.datasource === 'string' ? values.datasource : undefined;
  const parsed = raw ? (JSON.parse(raw) as { url?: string }) : {};
  const url = parsed.url ?? process.env['DATABASE_URL'];
  if (!url) throw new Error('schema-engine-rpc: no datasource URL (--datasource {"url": …} or DATABASE_URL)');
  return url;
}

async function schemaFiles(): Promise<string[]> {
  const files = values.datamodels;
  if (Array.isArray(files) && files.length > 0) return files.filter((f): f is string => typeof f === 'string');
  const fallback = 'prisma/schema.prisma';
  await readFile(fallback);
  return [fallback];
}

let opened: Promise<OpenSchemaEngine> | undefined;
const engine = async () => {
  opened ??= schemaFiles().then(([schemaPath]) => openSchemaEngine({ url: datasourceUrl(), schemaPath: schemaPath!, log }));
  return (await opened).engine;
};

async function call(method: string, params: unknown): Promise<unknown> {
  const e = await engine();
  const name = methodAliases[method] ?? method;
  const fn = (e as unknown as Record<string, unknown>)[name];
  if (typeof fn !== 'function' || name === 'free' || name === 'debugPanic') {
    throw Object.assign(new Error(`The wasm schema engine does not support \`${method}\``), { code: 'P1012' });
  }
  const result: unknown = await (fn as (p: unknown) => Promise<unknown>).call(e, params ?? {});
  if (method === 'diff' && result && typeof result === 'object' && 'stdout' in result) {
    const { stdout, ...rest } = result as { stdout: string | null };
    if (stdout) send({ jsonrpc: '2.0', id: nextId++, method: 'print', params: { content: stdout } });
    return { ...rest, stdout: null };
  }
  return result ?? {};
}

async function handle(request: RpcRequest): Promise<void> {
  if (request.method === undefined || request.id === undefined) return;
  try {
    send({ jsonrpc: '2.0', id: request.id, result: await call(request.method, request.params) });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const code = (error as { code?: unknown }).code;
    send({
      jsonrpc: '2.0',
      id: request.id,
      error: {
        code: 4466,
        message: 'An error happened. Check the data field for details.',
        data: { is_panic: false, message, ...(typeof code === 'string' ? { error_code: code } : {}) },
      },
    });
  }
}

/** The native engine's one-shot commands the CLI runs before `migrate deploy`/`status` (SQLite only). */
async function runCliCommand(command: string | undefined): Promise<void> {
  const url = datasourceUrl();
  if (providerForUrl(url) !== 'sqlite') throw new Error(`schema-engine-rpc: \`cli ${command}\` is only supported for SQLite`);
  const file = sqliteFilePath(url);
  if (command === 'can-connect-to-database') {
    if (file !== ':memory:' && !existsSync(file)) {
      throw Object.assign(new Error(`Database \`${path.basename(file)}\` does not exist at \`${file}\``), { code: 'P1003' });
    }
  } else if (command === 'create-database') {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, '', { flag: 'a' });
  } else {
    throw new Error(`schema-engine-rpc: unsupported command \`cli ${command}\``);
  }
}

if (values.version) {
  console.log('schema-engine-rpc (wasm)');
} else if (positionals[0] === 'cli') {
  try {
    await runCliCommand(positionals[1]);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write('schema-engine-rpc\n');
    process.stderr.write(
      `${JSON.stringify({ level: 'ERROR', target: 'schema_engine::logger', fields: { message, error_code: typeof code === 'string' ? code : undefined } })}\n`,
    );
    process.exitCode = 1;
  }
} else {
  let queue = Promise.resolve();
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  lines.on('line', (line) => {
    if (!line.trim()) return;
    queue = queue.then(() => handle(JSON.parse(line) as RpcRequest));
  });
  lines.on('close', () => {
    void queue.then(async () => (await opened)?.close());
  });
}
